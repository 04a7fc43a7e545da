// The pure rules of attachments: type by content, safe file names, strict multipart parsing.
#include "modules/orders/attachment_format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linli::orders {
namespace {

TEST(AttachmentType, AcceptsPhotosAndPdfByTheirSignature) {
    EXPECT_EQ(*DetectAttachmentType("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
    EXPECT_EQ(*DetectAttachmentType(std::string("\x89PNG\r\n\x1A\n\0\0", 10)), "image/png");
    EXPECT_EQ(*DetectAttachmentType(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
    EXPECT_EQ(*DetectAttachmentType(std::string("\0\0\0\x18"
                                                "ftypheic\0\0\0\0",
                                                16)),
              "image/heic");
    EXPECT_EQ(*DetectAttachmentType("%PDF-1.7\n"), "application/pdf");
}

TEST(AttachmentType, RefusesExecutablesWhateverTheyAreCalled) {
    auto elf =
        DetectAttachmentType(std::string("\x7F"
                                         "ELF\x02\x01",
                                         6));
    ASSERT_FALSE(elf);
    EXPECT_EQ(elf.error().code, ErrorCode::kUnsupportedMediaType);
    EXPECT_NE(elf.error().message.find("ELF"), std::string::npos);
    EXPECT_EQ(DetectAttachmentType("MZ\x90").error().code, ErrorCode::kUnsupportedMediaType);
    EXPECT_NE(DetectAttachmentType("#!/bin/sh\n").error().message.find("script"), std::string::npos);
    EXPECT_EQ(DetectAttachmentType("PK\x03\x04").error().code, ErrorCode::kUnsupportedMediaType);
    EXPECT_EQ(DetectAttachmentType("<html>").error().code, ErrorCode::kUnsupportedMediaType);
    EXPECT_EQ(DetectAttachmentType("").error().code, ErrorCode::kInvalidArgument);
    // A signature that is only a prefix of a real one is not enough.
    EXPECT_FALSE(DetectAttachmentType("\x89PNG"));
    EXPECT_FALSE(DetectAttachmentType(std::string("RIFF\x10\0\0\0WAVE", 12)));
}

TEST(FileName, KeepsTheNameButNotItsPathOrItsLies) {
    EXPECT_EQ(SanitizeFileName("楼道灯.jpg", "image/jpeg"), "楼道灯.jpg");
    EXPECT_EQ(SanitizeFileName("IMG_0001.JPEG", "image/jpeg"), "IMG_0001.JPEG");
    EXPECT_EQ(SanitizeFileName("C:\\Users\\wang\\scan.PDF", "application/pdf"), "scan.PDF");
    EXPECT_EQ(SanitizeFileName("../../etc/passwd", "image/png"), "passwd.png");
    EXPECT_EQ(SanitizeFileName("photo.jpg", "image/png"), "photo.png");
    EXPECT_EQ(SanitizeFileName("a\"b\r\n;c.png", "image/png"), "abc.png");
    EXPECT_EQ(SanitizeFileName("..", "image/png"), "attachment.png");
    EXPECT_EQ(SanitizeFileName("\xB5\xC6.jpg", "image/jpeg"), "attachment.jpg");  // GBK bytes are dropped
}

TEST(FileName, ContentDispositionHasAnAsciiFallbackAndTheUtf8Name) {
    EXPECT_EQ(ContentDisposition("楼.png", false), "attachment; filename=\"___.png\"; filename*=UTF-8''%E6%A5%BC.png");
    EXPECT_EQ(ContentDisposition("a b.pdf", true), "inline; filename=\"a b.pdf\"; filename*=UTF-8''a%20b.pdf");
}

TEST(Multipart, ParsesWhatBrowsersAndCurlSend) {
    const std::string body =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"phone\"\r\n\r\n"
        "13812345678\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
        "\x89PNG\r\nx--XyZ is not a delimiter\r\n"
        "--XyZ--\r\n";
    auto parts = ParseMultipartFormData("multipart/form-data; boundary=XyZ", body);
    ASSERT_TRUE(parts) << parts.error().message;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "phone");
    EXPECT_EQ((*parts)[0].data, "13812345678");
    EXPECT_FALSE((*parts)[0].filename);
    EXPECT_EQ((*parts)[1].name, "file");
    EXPECT_EQ(*(*parts)[1].filename, "a\"b.png");
    EXPECT_EQ((*parts)[1].content_type, "image/png");
    EXPECT_EQ((*parts)[1].data, "\x89PNG\r\nx--XyZ is not a delimiter");
}

TEST(Multipart, QuotedBoundaryAndRfc5987FileName) {
    const std::string body =
        "--a b\r\nContent-Disposition: form-data; name=file; filename*=UTF-8''%E6%A5%BC.jpg\r\n\r\nx\r\n--a b--";
    auto parts = ParseMultipartFormData("multipart/form-data; boundary=\"a b\"", body);
    ASSERT_TRUE(parts) << parts.error().message;
    EXPECT_EQ(*(*parts)[0].filename, "楼.jpg");
}

TEST(Multipart, RefusesMalformedBodies) {
    const std::string ct = "multipart/form-data; boundary=B";
    EXPECT_FALSE(ParseMultipartFormData("multipart/form-data", "--B\r\n"));  // no boundary
    EXPECT_FALSE(ParseMultipartFormData(ct, "no boundary here"));
    EXPECT_FALSE(ParseMultipartFormData(ct, "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\ndata"));
    EXPECT_FALSE(ParseMultipartFormData(ct, "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--"));  // no name
    EXPECT_FALSE(ParseMultipartFormData(ct,
                                        "--B\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--B\r\n"
                                        "Content-Disposition: form-data; name=a\r\n\r\ny\r\n--B--"));  // twice
    EXPECT_FALSE(ParseMultipartFormData(ct, "--B--"));                                                 // no parts
    std::string many;
    for (int i = 0; i < 9; ++i) {
        many += "--B\r\nContent-Disposition: form-data; name=f" + std::to_string(i) + "\r\n\r\nx\r\n";
    }
    many += "--B--";
    EXPECT_FALSE(ParseMultipartFormData(ct, many));
    EXPECT_TRUE(IsMultipartFormData("Multipart/Form-Data; boundary=x"));
    EXPECT_FALSE(IsMultipartFormData("image/png"));
}

}  // namespace
}  // namespace linli::orders
