// Photos and PDFs on work orders over HTTP, as the console (el-upload's multipart form), curl users
// (a raw body) and the reporter (tracking code + phone) send them: the type is judged by content (an
// executable renamed .jpg is 415), a 100 MB upload is refused on its Content-Length alone (413),
// accepted files come back byte for byte with safe headers, and someone who cannot see the order
// cannot list or download its files (404).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

constexpr const char* kBoundary = "----LinliTestBoundary7MA4YWxkTrZu0gW";
constexpr const char* kWangPhone = "13812345678";

/// A tiny but real PNG (1×1, RGBA) and a minimal PDF, with a NUL and high bytes inside to prove
/// the bytes come back intact.
std::string PngBytes() {
    static const unsigned char kPng[] = {
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF,
        0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
    return std::string(reinterpret_cast<const char*>(kPng), sizeof kPng);
}

std::string PdfBytes() {
    return "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
           "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
}

std::string ElfBytes() {
    return std::string(
               "\x7F"
               "ELF\x02\x01\x01\x00",
               8) +
           std::string(120, '\0');
}

/// A multipart/form-data body as a browser sends it: one file field and optional text fields.
std::string Form(const std::string& filename, const std::string& bytes, const std::string& declared_type,
                 const std::vector<std::pair<std::string, std::string>>& fields = {}) {
    std::string body;
    for (const auto& [name, value] : fields) {
        body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
                value + "\r\n";
    }
    body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            filename + "\"\r\nContent-Type: " + declared_type + "\r\n\r\n" + bytes + "\r\n--" + kBoundary + "--\r\n";
    return body;
}

Headers FormHeaders() {
    return {{"Content-Type", std::string("multipart/form-data; boundary=") + kBoundary}};
}

class Attachments : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        dir = (std::filesystem::temp_directory_path() /
               ("linli-attach-" + std::to_string(getpid()) + "-" + std::to_string(reinterpret_cast<uintptr_t>(this))))
                  .string();
        server = std::make_unique<TestServer>(GetParam(), [this](app::Config& c) {
            c.attachments_dir = dir;
            c.attachments_per_order = 3;
        });
        const int64_t subdistrict = server->CreateNode(std::nullopt, "subdistrict", "和平街道");
        const int64_t community = server->CreateNode(subdistrict, "community", "青和居社区");
        const int64_t grid_a = server->CreateNode(community, "grid", "第1网格");
        const int64_t grid_b = server->CreateNode(community, "grid", "第2网格");
        building_1 = server->CreateNode(grid_a, "building", "1号楼");
        server->CreateNode(grid_b, "building", "3号楼");
        server->CreateUser("staff1", Role::kCommunityStaff, {community});
        server->CreateUser("worker_b", Role::kGridWorker, {grid_b});
        staff = std::make_unique<HttpClient>(server->LoggedIn("staff1"));
        worker_b = std::make_unique<HttpClient>(server->LoggedIn("worker_b"));

        int64_t repairs = 0;
        const json::value categories = staff->Get("/api/v1/order-categories").Json();
        for (const auto& c : categories.at("items").as_array()) {
            if (c.at("code") == "repairs") {
                repairs = c.at("id").as_int64();
            }
        }
        ASSERT_GT(repairs, 0);
        auto created = staff->Post("/api/v1/orders", json::object{{"kind", "request"},
                                                                  {"category_id", repairs},
                                                                  {"title", "楼道灯不亮"},
                                                                  {"place_id", building_1},
                                                                  {"reporter_name", "王阿姨"},
                                                                  {"reporter_phone", kWangPhone},
                                                                  {"channel", "walk_in"},
                                                                  {"auto_dispatch", false}});
        ASSERT_EQ(created.status, 201) << created.body;
        order = created.Json().at("id").as_int64();
        tracking_code = json::value_to<std::string>(created.Json().at("tracking_code"));
    }

    void TearDown() override {
        server.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    std::string UploadUrl() const { return "/api/v1/orders/" + std::to_string(order) + "/attachments"; }

    HttpReply UploadForm(HttpClient& client, const std::string& filename, const std::string& bytes,
                         const std::string& declared = "image/jpeg") {
        return client.Send("POST", UploadUrl(), Form(filename, bytes, declared), FormHeaders());
    }

    std::string dir;
    std::unique_ptr<TestServer> server;
    std::unique_ptr<HttpClient> staff, worker_b;
    int64_t building_1 = 0;
    int64_t order = 0;
    std::string tracking_code;
};

TEST_P(Attachments, AnExecutableRenamedJpgIsRefusedByItsContent) {
    auto elf = UploadForm(*staff, "photo.jpg", ElfBytes(), "image/jpeg");
    EXPECT_EQ(elf.status, 415) << elf.body;
    EXPECT_EQ(elf.ErrorField(), "file");
    EXPECT_NE(elf.body.find("executable"), std::string::npos) << elf.body;

    auto pe = UploadForm(*staff, "scan.pdf", "MZ\x90\x00" + std::string(60, 'x'), "application/pdf");
    EXPECT_EQ(pe.status, 415) << pe.body;
    auto script = staff->Send("POST", UploadUrl() + "?filename=photo.png", "#!/bin/sh\nrm -rf /\n",
                              {{"Content-Type", "image/png"}});
    EXPECT_EQ(script.status, 415) << script.body;
    EXPECT_NE(script.body.find("script"), std::string::npos) << script.body;

    // Nothing was stored for any of them.
    EXPECT_EQ(staff->Get(UploadUrl()).Json().at("items").as_array().size(), 0u);
}

TEST_P(Attachments, AHundredMegabyteUploadIsRefusedBeforeItIsRead) {
    // Only the headers and a few bytes are sent: the server must answer on the Content-Length alone.
    std::string request = "POST " + UploadUrl() +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + staff->credentials.cookie +
                          "\r\nX-CSRF-Token: " + staff->credentials.csrf +
                          "\r\nContent-Type: multipart/form-data; boundary=" + kBoundary +
                          "\r\nContent-Length: 104857600\r\n\r\n--" + kBoundary + "\r\n";
    const std::string answer = staff->Raw(request);
    ASSERT_FALSE(answer.empty());
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 413") << answer.substr(0, 200);

    // A file over the limit that does fit in a body is refused by the service the same way.
    auto big = staff->Send("POST", UploadUrl() + "?filename=big.png", PngBytes() + std::string(10 * 1024 * 1024, '\0'),
                           {{"Content-Type", "image/png"}});
    EXPECT_EQ(big.status, 413) << big.body.substr(0, 200);
}

TEST_P(Attachments, APngAndAPdfComeBackIntact) {
    auto png = UploadForm(*staff, "楼道灯.png", PngBytes(), "image/png");
    ASSERT_EQ(png.status, 201) << png.body;
    EXPECT_EQ(png.Json().at("content_type"), "image/png");
    EXPECT_EQ(png.Json().at("file_name"), "楼道灯.png");
    EXPECT_EQ(png.Json().at("size").as_int64(), static_cast<int64_t>(PngBytes().size()));
    const std::string png_url = png.Header("location");
    ASSERT_FALSE(png_url.empty());

    // curl --data-binary @scan.pdf with a misleading declared type and name: stored as what it is.
    auto pdf = staff->Send("POST", UploadUrl() + "?filename=scan.jpg", PdfBytes(), {{"Content-Type", "image/jpeg"}});
    ASSERT_EQ(pdf.status, 201) << pdf.body;
    EXPECT_EQ(pdf.Json().at("content_type"), "application/pdf");
    EXPECT_EQ(pdf.Json().at("file_name"), "scan.pdf");

    auto list = staff->Get(UploadUrl());
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_EQ(list.Json().at("items").as_array().size(), 2u);

    auto got_png = staff->Get(png_url);
    ASSERT_EQ(got_png.status, 200);
    EXPECT_EQ(got_png.body, PngBytes());
    EXPECT_EQ(got_png.Header("content-type"), "image/png");
    EXPECT_EQ(got_png.Header("x-content-type-options"), "nosniff");
    EXPECT_NE(got_png.Header("content-disposition").find("attachment"), std::string::npos);
    EXPECT_NE(got_png.Header("content-disposition").find("filename*=UTF-8''%E6%A5%BC%E9%81%93%E7%81%AF.png"),
              std::string::npos)
        << got_png.Header("content-disposition");

    auto got_pdf = staff->Get(json::value_to<std::string>(pdf.Json().at("url")) + "?inline=true");
    ASSERT_EQ(got_pdf.status, 200);
    EXPECT_EQ(got_pdf.body, PdfBytes());
    EXPECT_EQ(got_pdf.Header("content-type"), "application/pdf");
    EXPECT_EQ(got_pdf.Header("content-disposition").rfind("inline;", 0), 0u);

    // The per-order limit (3 in this test's config).
    ASSERT_EQ(UploadForm(*staff, "third.png", PngBytes(), "image/png").status, 201);
    auto fourth = UploadForm(*staff, "fourth.png", PngBytes(), "image/png");
    EXPECT_EQ(fourth.status, 409) << fourth.body;
}

TEST_P(Attachments, SomeoneWhoCannotSeeTheOrderGets404) {
    auto png = UploadForm(*staff, "photo.png", PngBytes(), "image/png");
    ASSERT_EQ(png.status, 201) << png.body;
    const std::string url = png.Header("location");
    EXPECT_EQ(worker_b->Get(UploadUrl()).status, 404);
    EXPECT_EQ(worker_b->Get(url).status, 404);
    EXPECT_EQ(UploadForm(*worker_b, "photo.png", PngBytes(), "image/png").status, 404);
    // The same answer as for an attachment that does not exist.
    EXPECT_EQ(staff->Get("/api/v1/attachments/999999").status, 404);
}

TEST_P(Attachments, MalformedFormsNameTheProblem) {
    auto no_file =
        staff->Send("POST", UploadUrl(),
                    std::string("--") + kBoundary +
                        "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + kBoundary + "--\r\n",
                    FormHeaders());
    EXPECT_EQ(no_file.status, 400) << no_file.body;
    EXPECT_EQ(no_file.ErrorField(), "note");
    auto truncated =
        staff->Send("POST", UploadUrl(),
                    std::string("--") + kBoundary +
                        "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + PngBytes(),
                    FormHeaders());
    EXPECT_EQ(truncated.status, 400) << truncated.body;
    EXPECT_EQ(truncated.ErrorField(), "body");
    auto empty = staff->Send("POST", UploadUrl() + "?filename=a.png", "", {{"Content-Type", "image/png"}});
    EXPECT_EQ(empty.status, 400) << empty.body;
    EXPECT_EQ(empty.ErrorField(), "file");
}

TEST_P(Attachments, TheReporterAttachesWithTrackingCodeAndPhone) {
    HttpClient anonymous = server->Client();
    const std::string url = "/api/v1/track/" + tracking_code + "/attachments";
    auto wrong_phone =
        anonymous.Send("POST", url, Form("p.png", PngBytes(), "image/png", {{"phone", "13900000000"}}), FormHeaders());
    EXPECT_EQ(wrong_phone.status, 403) << wrong_phone.body;
    EXPECT_EQ(wrong_phone.ErrorField(), "phone");
    auto exe =
        anonymous.Send("POST", url, Form("p.jpg", ElfBytes(), "image/jpeg", {{"phone", kWangPhone}}), FormHeaders());
    EXPECT_EQ(exe.status, 415) << exe.body;
    auto ok =
        anonymous.Send("POST", url, Form("p.png", PngBytes(), "image/png", {{"phone", kWangPhone}}), FormHeaders());
    ASSERT_EQ(ok.status, 201) << ok.body;
    auto list = staff->Get(UploadUrl());
    ASSERT_EQ(list.Json().at("items").as_array().size(), 1u);
    EXPECT_EQ(list.Json().at("items").as_array()[0].at("source"), "public");
}

INSTANTIATE_TEST_SUITE_P(Backends, Attachments, ::testing::ValuesIn(AvailableBackends()),
                         [](const auto& info) { return BackendName(info.param); });

}  // namespace
}  // namespace linli::testing
