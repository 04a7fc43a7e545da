#include "modules/orders/attachment_format.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <string>

#include "core/text.hpp"

namespace linli::orders {

namespace {

constexpr size_t kMaxFileNameChars = 100;
constexpr size_t kMaxPartHeaderBytes = 8 * 1024;
constexpr size_t kMaxBoundaryChars = 70;

constexpr std::string_view kAccepted = "only JPEG, PNG, WebP or HEIC photos and PDF files are accepted";

bool StartsWith(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

char Lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

Error Unsupported(std::string_view what) {
    std::string message = "the file is ";
    message += what;
    message += "; ";
    message += kAccepted;
    message += " (checked by content, not by name or declared type)";
    return Error{ErrorCode::kUnsupportedMediaType, std::move(message), "file"};
}

/// An ISO base media file (HEIF): "ftyp" at 4 and a HEIC brand at 8.
bool IsHeic(std::string_view b) {
    if (b.size() < 12 || b.substr(4, 4) != "ftyp") {
        return false;
    }
    static constexpr std::array<std::string_view, 6> kBrands{"heic", "heix", "hevc", "hevx", "heim", "heis"};
    const std::string_view brand = b.substr(8, 4);
    return std::find(kBrands.begin(), kBrands.end(), brand) != kBrands.end();
}

Error FormError(std::string message) {
    return InvalidArgument("body", "multipart/form-data: " + std::move(message));
}

/// `value` with its RFC 7230 quoted-string unquoted (backslash escapes, as curl sends them).
std::string Unquote(std::string_view value) {
    if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
        return std::string(value);
    }
    value = value.substr(1, value.size() - 2);
    std::string out;
    out.reserve(value.size());
    for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '"' || value[i + 1] == '\\')) {
            ++i;
        }
        out += value[i];
    }
    return out;
}

/// Splits "type; a=b; c="d;e"" into the type and its parameters (names lower-cased).
struct HeaderValue {
    std::string type;
    std::vector<std::pair<std::string, std::string>> params;
    std::optional<std::string> Param(std::string_view name) const {
        for (const auto& [k, v] : params) {
            if (k == name) {
                return v;
            }
        }
        return std::nullopt;
    }
};

Result<HeaderValue> ParseHeaderValue(std::string_view value, const char* field) {
    HeaderValue out;
    size_t i = 0;
    auto next_separator = [&](size_t from) {
        bool quoted = false;
        for (size_t j = from; j < value.size(); ++j) {
            if (quoted && value[j] == '\\') {
                ++j;
            } else if (value[j] == '"') {
                quoted = !quoted;
            } else if (!quoted && value[j] == ';') {
                return j;
            }
        }
        return value.size();
    };
    size_t end = next_separator(0);
    out.type = std::string(TrimSpaces(value.substr(0, end)));
    std::transform(out.type.begin(), out.type.end(), out.type.begin(), Lower);
    i = end;
    while (i < value.size()) {
        end = next_separator(i + 1);
        std::string_view param = TrimSpaces(value.substr(i + 1, end - i - 1));
        i = end;
        if (param.empty()) {
            continue;
        }
        auto eq = param.find('=');
        if (eq == std::string_view::npos) {
            return InvalidArgument(field, std::string(field) + ": parameter without a value");
        }
        std::string name(TrimSpaces(param.substr(0, eq)));
        std::transform(name.begin(), name.end(), name.begin(), Lower);
        out.params.emplace_back(std::move(name), Unquote(TrimSpaces(param.substr(eq + 1))));
    }
    return out;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = Lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/// RFC 5987 ext-value "UTF-8''%E7%85%A7.jpg" → its bytes; nullopt for another charset or bad escapes.
std::optional<std::string> DecodeExtValue(std::string_view v) {
    auto quote = v.find("''");
    if (quote == std::string_view::npos || !IEquals(v.substr(0, quote), "utf-8")) {
        return std::nullopt;
    }
    v.remove_prefix(quote + 2);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%') {
            const int hi = i + 1 < v.size() ? HexValue(v[i + 1]) : -1;
            const int lo = i + 2 < v.size() ? HexValue(v[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += v[i];
        }
    }
    return out;
}

}  // namespace

Result<std::string> DetectAttachmentType(std::string_view b) {
    if (b.empty()) {
        return InvalidArgument("file", "the file is empty");
    }
    // Accepted formats first: their signatures cannot be mistaken for one another.
    if (StartsWith(b, "\xFF\xD8\xFF")) {
        return std::string(kJpegType);
    }
    if (StartsWith(b, std::string_view("\x89PNG\r\n\x1A\n", 8))) {
        return std::string(kPngType);
    }
    if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
        return std::string(kWebpType);
    }
    if (IsHeic(b)) {
        return std::string(kHeicType);
    }
    if (StartsWith(b, "%PDF-")) {
        return std::string(kPdfType);
    }
    // The rest is refused; name what it looks like so the uploader understands why.
    if (StartsWith(b,
                   "\x7F"
                   "ELF")) {
        return Unsupported("a Linux executable (ELF)");
    }
    if (StartsWith(b, "MZ")) {
        return Unsupported("a Windows executable (MZ/PE)");
    }
    if (StartsWith(b, "#!")) {
        return Unsupported("a script (#!)");
    }
    static constexpr std::array<std::string_view, 5> kMachO{"\xFE\xED\xFA\xCE", "\xFE\xED\xFA\xCF", "\xCE\xFA\xED\xFE",
                                                            "\xCF\xFA\xED\xFE", "\xCA\xFE\xBA\xBE"};
    for (auto sig : kMachO) {
        if (StartsWith(b, sig)) {
            return Unsupported("a macOS executable (Mach-O)");
        }
    }
    if (StartsWith(b, "PK\x03\x04")) {
        return Unsupported("a ZIP archive (or an Office document)");
    }
    if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) {
        return Unsupported("a GIF image");
    }
    return Unsupported("not of an accepted type");
}

std::string_view ExtensionFor(std::string_view content_type) {
    if (content_type == kJpegType) {
        return ".jpg";
    }
    if (content_type == kPngType) {
        return ".png";
    }
    if (content_type == kWebpType) {
        return ".webp";
    }
    if (content_type == kHeicType) {
        return ".heic";
    }
    if (content_type == kPdfType) {
        return ".pdf";
    }
    return "";
}

std::string SanitizeFileName(std::string_view raw, std::string_view content_type) {
    // Browsers send the bare name; old ones and some tools send a whole path.
    if (auto slash = raw.find_last_of("/\\"); slash != std::string_view::npos) {
        raw.remove_prefix(slash + 1);
    }
    std::string clean;
    size_t chars = 0;
    for (size_t i = 0; i < raw.size() && chars < kMaxFileNameChars;) {
        const auto c = static_cast<unsigned char>(raw[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > raw.size() || !text::IsValidUtf8(raw.substr(i, len))) {
            ++i;  // not UTF-8 (a GBK name, a stray byte): dropped rather than guessed
            continue;
        }
        if (len == 1 && (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || c == ';')) {
            ++i;
            continue;
        }
        clean.append(raw.substr(i, len));
        i += len;
        ++chars;
    }
    std::string_view trimmed = TrimSpaces(clean);
    const bool leading_dot = !trimmed.empty() && trimmed.front() == '.';
    while (!trimmed.empty() && trimmed.front() == '.') {
        trimmed.remove_prefix(1);  // no hidden files, no ".."
    }
    std::string name;
    if (trimmed.empty()) {
        name = "attachment";
    } else if (leading_dot && trimmed.find('.') == std::string_view::npos) {
        name = "attachment." + std::string(trimmed);  // only an extension was left (".jpg" after a GBK name)
    } else {
        name = std::string(trimmed);
    }
    const std::string_view want = ExtensionFor(content_type);
    const auto dot = name.rfind('.');
    const std::string_view have = dot == std::string::npos ? std::string_view() : std::string_view(name).substr(dot);
    const bool matches = IEquals(have, want) || (want == ".jpg" && IEquals(have, ".jpeg")) ||
                         (want == ".heic" && IEquals(have, ".heif"));
    if (!matches && !want.empty()) {
        if (dot != std::string::npos && dot > 0) {
            name.resize(dot);
        }
        name += want;
    }
    return name;
}

std::string ContentDisposition(std::string_view name, bool inline_disposition) {
    std::string ascii;
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        ascii += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') ? ch : '_';
    }
    std::string encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '-' || c == '_';
        if (plain) {
            encoded += ch;
        } else {
            encoded += '%';
            encoded += kHex[c >> 4];
            encoded += kHex[c & 0xF];
        }
    }
    return std::string(inline_disposition ? "inline" : "attachment") + "; filename=\"" + ascii +
           "\"; filename*=UTF-8''" + encoded;
}

bool IsMultipartFormData(std::string_view content_type) {
    auto semi = content_type.find(';');
    return IEquals(TrimSpaces(content_type.substr(0, semi)), "multipart/form-data");
}

Result<std::vector<FormPart>> ParseMultipartFormData(std::string_view content_type, std::string_view body,
                                                     size_t max_parts) {
    LINLI_ASSIGN_OR_RETURN(auto header, ParseHeaderValue(content_type, "Content-Type"));
    if (header.type != "multipart/form-data") {
        return InvalidArgument("Content-Type", "Content-Type must be multipart/form-data");
    }
    auto boundary = header.Param("boundary");
    if (!boundary || boundary->empty() || boundary->size() > kMaxBoundaryChars) {
        return InvalidArgument("Content-Type", "Content-Type: a boundary of 1 to 70 characters is required");
    }
    const std::string delimiter = "--" + *boundary;
    const std::string next_delimiter = "\r\n" + delimiter;
    const std::boyer_moore_horspool_searcher searcher(next_delimiter.begin(), next_delimiter.end());

    // The first delimiter: at the start, or after a preamble that ends with CRLF.
    size_t pos = 0;
    if (StartsWith(body, delimiter)) {
        pos = delimiter.size();
    } else {
        auto found = std::search(body.begin(), body.end(), searcher);
        if (found == body.end()) {
            return FormError("the boundary of Content-Type does not occur in the body");
        }
        pos = static_cast<size_t>(found - body.begin()) + next_delimiter.size();
    }

    std::vector<FormPart> parts;
    for (;;) {
        // After a delimiter: "--" closes the body; otherwise optional padding and CRLF open a part.
        if (body.substr(pos, 2) == "--") {
            break;
        }
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) {
            ++pos;
        }
        if (body.substr(pos, 2) != "\r\n") {
            return FormError("a boundary line must end with CRLF");
        }
        pos += 2;
        if (parts.size() == max_parts) {
            return FormError("more than " + std::to_string(max_parts) + " parts");
        }
        const size_t headers_end = body.find("\r\n\r\n", pos);
        const bool no_headers = body.substr(pos, 2) == "\r\n";
        if (!no_headers && (headers_end == std::string_view::npos || headers_end - pos > kMaxPartHeaderBytes)) {
            return FormError("part headers are missing their end or longer than 8 KiB");
        }
        FormPart part;
        bool has_disposition = false;
        std::string_view headers = no_headers ? std::string_view() : body.substr(pos, headers_end - pos);
        pos = no_headers ? pos + 2 : headers_end + 4;
        while (!headers.empty()) {
            auto eol = headers.find("\r\n");
            std::string_view line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
                return FormError("malformed part header line");
            }
            std::string_view name = line.substr(0, colon);
            std::string_view value = TrimSpaces(line.substr(colon + 1));
            if (IEquals(name, "Content-Disposition")) {
                LINLI_ASSIGN_OR_RETURN(auto d, ParseHeaderValue(value, "body"));
                if (d.type != "form-data") {
                    return FormError("a part's Content-Disposition must be form-data");
                }
                has_disposition = true;
                part.name = d.Param("name").value_or("");
                part.filename = d.Param("filename");
                if (auto ext = d.Param("filename*")) {
                    if (auto decoded = DecodeExtValue(*ext)) {
                        part.filename = std::move(*decoded);
                    }
                }
            } else if (IEquals(name, "Content-Type")) {
                part.content_type = std::string(value);
            }
            // Other part headers (Content-Transfer-Encoding is deprecated by RFC 7578) are ignored.
        }
        if (!has_disposition || part.name.empty()) {
            return FormError("every part needs Content-Disposition: form-data; name=\"...\"");
        }
        for (const auto& p : parts) {
            if (p.name == part.name) {
                return FormError("the field \"" + part.name + "\" occurs twice");
            }
        }
        auto found = std::search(body.begin() + static_cast<std::ptrdiff_t>(pos), body.end(), searcher);
        if (found == body.end()) {
            return FormError("the closing boundary is missing (truncated upload?)");
        }
        const size_t end = static_cast<size_t>(found - body.begin());
        part.data = body.substr(pos, end - pos);
        parts.push_back(std::move(part));
        pos = end + next_delimiter.size();
    }
    if (parts.empty()) {
        return FormError("no parts");
    }
    return parts;
}

}  // namespace linli::orders
