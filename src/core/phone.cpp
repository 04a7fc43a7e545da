#include "core/phone.hpp"

#include <cstddef>

#include "core/text.hpp"

namespace linli::phone {
namespace {

// "转" (transfer), the way extensions are written in Chinese: "0755-12345678转123".
constexpr std::string_view kExtensionWord = "\xE8\xBD\xAC";
constexpr size_t kMaxExtensionDigits = 6;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
    for (char c : s) {
        if (!IsDigit(c)) {
            return false;
        }
    }
    return true;
}

std::string Without(std::string_view s, std::string_view drop) {
    std::string out;
    for (char c : s) {
        if (drop.find(c) == std::string_view::npos) {
            out += c;
        }
    }
    return out;
}

Error Bad(std::string_view field, std::string message) { return InvalidArgument(std::string(field), std::move(message)); }

Result<Parsed> ParseMobile(std::string digits, std::string_view field) {
    if (!AllDigits(digits) || digits.size() != 11) {
        return Bad(field, "手机号应为 11 位数字 / a mobile number has 11 digits");
    }
    if (digits[1] < '3') {
        return Bad(field, "手机号应以 13 至 19 开头 / a mobile number starts with 13 to 19");
    }
    return Parsed{std::move(digits), Kind::kMobile};
}

Result<Parsed> ParseLandline(std::string_view main, std::string extension, std::string_view field) {
    auto bad = [&] {
        return Bad(field, "固定电话格式不正确，应为区号加 7 至 8 位号码，例如 0755-12345678 / a landline number is an area "
                          "code and 7 to 8 digits, e.g. 0755-12345678");
    };
    std::string area;
    std::string rest;
    if (main.starts_with('(')) {
        size_t close = main.find(')');
        if (close == std::string_view::npos) {
            return bad();
        }
        area = Without(main.substr(1, close - 1), " ");
        rest = std::string(main.substr(close + 1));
    } else {
        size_t run = 0;
        while (run < main.size() && IsDigit(main[run])) {
            ++run;
        }
        if ((run == 3 || run == 4) && run < main.size() && (main[run] == '-' || main[run] == ' ')) {
            area = std::string(main.substr(0, run));
            rest = std::string(main.substr(run));
        } else if (run >= 2) {
            // Written without a separator: 010 and 02x are the three-digit area codes, all others have four.
            size_t area_len = (main[1] == '1' || main[1] == '2') ? 3 : 4;
            if (run <= area_len) {
                return bad();
            }
            area = std::string(main.substr(0, area_len));
            rest = std::string(main.substr(area_len));
        } else {
            return bad();
        }
    }
    if (area.size() < 3 || area.size() > 4 || area[0] != '0' || area[1] == '0' || !AllDigits(area)) {
        return bad();
    }
    // Separators between area code and number, and spaces inside the number, carry no meaning.
    size_t start = rest.find_first_not_of(" -");
    rest = start == std::string::npos ? std::string() : rest.substr(start);
    std::string local;
    size_t i = 0;
    for (; i < rest.size() && (IsDigit(rest[i]) || rest[i] == ' '); ++i) {
        if (rest[i] != ' ') {
            local += rest[i];
        }
    }
    std::string_view tail = std::string_view(rest).substr(i);
    if (!tail.empty()) {
        if (!extension.empty() || !tail.starts_with('-')) {
            return bad();
        }
        extension = Without(tail.substr(1), " ");
        if (extension.empty()) {
            return bad();
        }
    }
    if (local.size() < 7 || local.size() > 8 || local[0] == '0') {
        return bad();
    }
    if (!extension.empty() && (!AllDigits(extension) || extension.size() > kMaxExtensionDigits)) {
        return Bad(field, "分机号应为 1 至 6 位数字 / an extension has 1 to 6 digits");
    }
    std::string normalized = area + "-" + local;
    if (!extension.empty()) {
        normalized += "-" + extension;
    }
    return Parsed{std::move(normalized), Kind::kLandline};
}

}  // namespace

Result<Parsed> Parse(std::string_view text, std::string_view field) {
    std::string s = text::Trim(text);
    if (s.empty()) {
        return Bad(field, "电话号码不能为空 / the phone number is empty");
    }
    std::string main = s;
    std::string extension;
    if (size_t at = s.find(kExtensionWord); at != std::string::npos) {
        extension = Without(std::string_view(s).substr(at + kExtensionWord.size()), " ");
        main = text::Trim(std::string_view(s).substr(0, at));
        if (extension.empty()) {
            return Bad(field, "分机号应为 1 至 6 位数字 / an extension has 1 to 6 digits");
        }
    }
    for (char c : main) {
        if (!IsDigit(c) && c != ' ' && c != '-' && c != '(' && c != ')' && c != '+') {
            return Bad(field, "电话号码只能包含数字、空格和连字符 / a phone number may contain only digits, spaces and dashes");
        }
    }
    std::string compact = Without(main, " -");
    if (compact.empty()) {
        return Bad(field, "电话号码不能为空 / the phone number is empty");
    }
    if (compact.starts_with('+')) {
        if (!compact.starts_with("+86")) {
            return Bad(field, "只支持中国大陆电话号码 (+86) / only mainland China numbers (+86) are accepted");
        }
        compact.erase(0, 3);
    } else if (compact.starts_with("0086")) {
        compact.erase(0, 4);
    } else if (compact.size() == 13 && compact.starts_with("861")) {
        compact.erase(0, 2);
    }
    if (compact.starts_with('1')) {
        if (!extension.empty()) {
            return Bad(field, "手机号不能带分机号 / a mobile number has no extension");
        }
        return ParseMobile(std::move(compact), field);
    }
    if (compact.starts_with('0') || compact.starts_with('(')) {
        return ParseLandline(main, std::move(extension), field);
    }
    return Bad(field, "不是有效的手机号或固定电话 / not a valid mobile or landline number");
}

std::string Mask(std::string_view normalized) {
    size_t dash = normalized.find('-');
    if (dash == std::string_view::npos) {
        if (normalized.size() < 7) {
            return std::string(normalized.size(), '*');
        }
        return std::string(normalized.substr(0, 3)) + "****" + std::string(normalized.substr(normalized.size() - 4));
    }
    std::string_view area = normalized.substr(0, dash);
    std::string_view local = normalized.substr(dash + 1);
    local = local.substr(0, local.find('-'));  // the extension is not personal: left out of the mask
    if (local.size() < 4) {
        return std::string(area) + "-****";
    }
    return std::string(area) + "-****" + std::string(local.substr(local.size() - 4));
}

}  // namespace linli::phone
