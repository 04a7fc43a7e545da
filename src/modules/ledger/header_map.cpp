#include "modules/ledger/header_map.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace linli::ledger {
namespace {

struct KeyInfo {
    std::string_view key;
    std::string_view chinese;               // the header we write
    std::vector<std::string_view> aliases;  // also accepted (the key itself and `chinese` always are)
};

const std::vector<KeyInfo>& Keys() {
    static const std::vector<KeyInfo> kKeys = {
        {"name", "姓名", {"名字", "居民姓名", "人员姓名", "fullname"}},
        {"id_number",
         "身份证号",
         {"身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "idno", "idcard", "idcardnumber"}},
        {"phone",
         "联系电话",
         {"手机", "手机号", "手机号码", "电话", "电话号码", "联系方式", "移动电话", "mobile", "tel", "telephone"}},
        {"sex", "性别", {"gender"}},
        {"birth_date", "出生日期", {"出生年月", "出生年月日", "birthday", "dateofbirth", "dob"}},
        {"building", "楼栋", {"楼号", "楼栋号", "楼", "栋", "幢"}},
        {"unit", "单元", {"单元号"}},
        {"room", "房号", {"门牌号", "房间号", "室", "房间", "户号"}},
        {"relation", "与户主关系", {"关系", "与户主的关系", "relationship"}},
        {"hukou", "户籍类型", {"户籍", "人口类型", "户口类型", "户籍性质"}},
        {"tenure", "居住类型", {"产权类型", "租住类型", "居住性质", "住房性质"}},
        {"tags", "标签", {"特殊人群", "人员类别", "人员标签", "tag"}},
        {"grid", "网格", {"所属网格", "网格名称"}},
        {"note", "备注", {"说明", "notes", "remark", "remarks"}},
    };
    return kKeys;
}

const std::unordered_map<std::string, std::string>& AliasIndex() {
    static const std::unordered_map<std::string, std::string> kIndex = [] {
        std::unordered_map<std::string, std::string> index;
        for (const KeyInfo& info : Keys()) {
            index.emplace(NormalizeHeader(info.key), std::string(info.key));
            index.emplace(NormalizeHeader(info.chinese), std::string(info.key));
            for (std::string_view alias : info.aliases) {
                index.emplace(NormalizeHeader(alias), std::string(info.key));
            }
        }
        return index;
    }();
    return kIndex;
}


// Decodes one code point at s[i] (advancing i); a malformed byte comes back as itself.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (extra == 0 || i + extra >= s.size()) {
        ++i;
        return c;
    }
    uint32_t cp = c & (0x3Fu >> extra);
    for (size_t k = 1; k <= extra; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    i += extra + 1;
    return cp;
}

std::string JoinChinese(const std::vector<std::string>& keys, std::string_view sep) {
    std::string out;
    for (const std::string& key : keys) {
        if (!out.empty()) {
            out += sep;
        }
        out += ChineseHeaderFor(key);
    }
    return out;
}

}  // namespace

const std::vector<std::string>& KnownKeys() {
    static const std::vector<std::string> kKnown = [] {
        std::vector<std::string> keys;
        for (const KeyInfo& info : Keys()) {
            keys.emplace_back(info.key);
        }
        return keys;
    }();
    return kKnown;
}

std::string NormalizeHeader(std::string_view header) {
    std::string folded;
    folded.reserve(header.size());
    for (size_t i = 0; i < header.size();) {
        uint32_t cp = NextCodePoint(header, i);
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            cp -= 0xFEE0;  // full-width ASCII → ASCII
        } else if (cp == 0x3000 || cp == 0xFEFF || cp == 0x00A0) {
            cp = ' ';  // ideographic space, stray BOM, no-break space
        } else if (cp == 0x3010) {
            cp = '(';
        } else if (cp == 0x3011) {
            cp = ')';
        }
        if (cp >= 'A' && cp <= 'Z') {
            cp = cp - 'A' + 'a';
        }
        if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == '*' || cp == '_' || cp == '-' || cp == '.' ||
            cp == ':') {
            continue;
        }
        text::AppendUtf8(folded, static_cast<char32_t>(cp));
    }
    // "身份证号(必填)" → "身份证号": a note in parentheses at the end is not part of the name.
    if (folded.ends_with(')')) {
        size_t open = folded.rfind('(');
        if (open != std::string::npos && open > 0) {
            folded.resize(open);
        }
    }
    return folded;
}

std::optional<std::string> KeyForHeader(std::string_view header) {
    const auto& index = AliasIndex();
    auto it = index.find(NormalizeHeader(header));
    if (it == index.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::string ChineseHeaderFor(std::string_view key) {
    for (const KeyInfo& info : Keys()) {
        if (info.key == key) {
            return std::string(info.chinese);
        }
    }
    return std::string(key);
}

Result<HeaderMapping> MapHeaders(const std::vector<std::string>& header,
                                 const std::vector<std::string>& required_keys) {
    HeaderMapping mapping;
    mapping.key_of_column.resize(header.size());
    std::unordered_map<std::string, size_t> column_of_key;
    for (size_t i = 0; i < header.size(); ++i) {
        std::optional<std::string> key = KeyForHeader(header[i]);
        if (!key) {
            if (!NormalizeHeader(header[i]).empty()) {
                mapping.unknown_columns.push_back(header[i]);
            }
            continue;
        }
        auto [it, inserted] = column_of_key.emplace(*key, i);
        if (!inserted) {
            std::string chinese = ChineseHeaderFor(*key);
            std::string first = std::to_string(it->second + 1);
            std::string second = std::to_string(i + 1);
            return InvalidArgument("file", "列重复：" + chinese + "（第 " + first + " 列“" + header[it->second] +
                                               "”和第 " + second + " 列“" + header[i] + "”）/ duplicate column: " +
                                               chinese + " (columns " + first + " and " + second + ")");
        }
        mapping.key_of_column[i] = std::move(key);
    }
    std::vector<std::string> missing;
    for (const std::string& key : required_keys) {
        if (!column_of_key.contains(key)) {
            missing.push_back(key);
        }
    }
    if (!missing.empty()) {
        return InvalidArgument(
            "file", "缺少列：" + JoinChinese(missing, "、") + " / missing column: " + JoinChinese(missing, ", "));
    }
    return mapping;
}

}  // namespace linli::ledger
