#include "core/id_number.hpp"

#include <fmt/format.h>

#include <array>

#include "core/text.hpp"

namespace linli::id_number {
namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckChars = "10X98765432";
constexpr int kEarliestBirthYear = 1900;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
    for (char c : s) {
        if (!IsDigit(c)) {
            return false;
        }
    }
    return true;
}

int ToInt(std::string_view digits) {
    int v = 0;
    for (char c : digits) {
        v = v * 10 + (c - '0');
    }
    return v;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

}  // namespace

std::string Parsed::BirthDate() const { return fmt::format("{:04d}-{:02d}-{:02d}", birth_year, birth_month, birth_day); }

char CheckCharacter(std::string_view first17) {
    int sum = 0;
    for (size_t i = 0; i < kWeights.size() && i < first17.size(); ++i) {
        sum += (first17[i] - '0') * kWeights[i];
    }
    return kCheckChars[static_cast<size_t>(sum % 11)];
}

Result<Parsed> Parse(std::string_view text, std::string_view today, std::string_view field) {
    std::string f(field);
    std::string s = text::Trim(text);
    if (s.size() == 15 && AllDigits(s)) {
        return InvalidArgument(f, "15 位旧身份证号请换成 18 位 / 15-digit legacy ID numbers must be converted to 18 digits");
    }
    if (s.size() != 18) {
        return InvalidArgument(f, "身份证号应为 18 位 / an ID number must be 18 characters long");
    }
    if (s[17] == 'x') {
        s[17] = 'X';
    }
    std::string_view body(s.data(), 17);
    if (!AllDigits(body) || !(IsDigit(s[17]) || s[17] == 'X')) {
        return InvalidArgument(f, "身份证号只能包含数字，最后一位可以是 X / an ID number has only digits, the last may be X");
    }
    if (s[0] == '0') {
        return InvalidArgument(f, "身份证号的地区码不正确 / the region code of the ID number is not valid");
    }
    if (CheckCharacter(body) != s[17]) {
        return InvalidArgument(f, "身份证号校验位不正确 / wrong check digit in ID number");
    }
    Parsed p;
    p.region = s.substr(0, 6);
    p.birth_year = ToInt(body.substr(6, 4));
    p.birth_month = ToInt(body.substr(10, 2));
    p.birth_day = ToInt(body.substr(12, 2));
    if (p.birth_month < 1 || p.birth_month > 12 || p.birth_day < 1 ||
        p.birth_day > DaysInMonth(p.birth_year, p.birth_month)) {
        return InvalidArgument(f, "身份证号中的出生日期不存在 / the birth date in the ID number does not exist");
    }
    if (p.birth_year < kEarliestBirthYear) {
        return InvalidArgument(f, "身份证号中的出生年份早于 1900 年 / the birth year in the ID number is before 1900");
    }
    // Both dates are "YYYY-MM-DD", so string order is date order.
    if (p.BirthDate() > today) {
        return InvalidArgument(f, "身份证号中的出生日期在今天之后 / the birth date in the ID number is in the future");
    }
    // The 17th digit is the last of the sequence number: odd for men, even for women.
    p.sex = (s[16] - '0') % 2 == 1 ? Sex::kMale : Sex::kFemale;
    p.normalized = std::move(s);
    return p;
}

std::string Mask(std::string_view normalized) {
    if (normalized.size() <= 5) {
        return std::string(normalized.size(), '*');
    }
    std::string out(normalized);
    for (size_t i = 1; i + 4 < out.size(); ++i) {
        out[i] = '*';
    }
    return out;
}

}  // namespace linli::id_number
