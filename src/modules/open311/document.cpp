#include "modules/open311/document.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace linli::open311 {

namespace json = boost::json;

Document Document::String(std::string s) {
    Document d(Kind::kString);
    d.text_ = std::move(s);
    return d;
}

Document Document::Int(int64_t v) {
    Document d(Kind::kInt);
    d.int_ = v;
    return d;
}

Document Document::Real(double v) {
    Document d(Kind::kReal);
    d.real_ = v;
    return d;
}

Document Document::Bool(bool v) {
    Document d(Kind::kBool);
    d.bool_ = v;
    return d;
}

Document Document::List(std::string item_name) {
    Document d(Kind::kList);
    d.text_ = std::move(item_name);
    return d;
}

Document& Document::Set(std::string name, Document value) {
    members_.emplace_back(std::move(name), std::move(value));
    return *this;
}

Document& Document::Add(Document item) {
    items_.push_back(std::move(item));
    return *this;
}

namespace {

/// Shortest text that reads back as the same double, without an exponent for ordinary
/// coordinates ("37.762221815", not "3.7762221815E1").
std::string RealText(double v) {
    return fmt::format("{}", v);
}

void AppendJson(std::string& out, const Document& doc) {
    switch (doc.kind()) {
        case Document::Kind::kNull:
            out += "null";
            return;
        case Document::Kind::kString:
            out += json::serialize(json::string_view(doc.text()));  // Boost.JSON escapes
            return;
        case Document::Kind::kInt:
            out += std::to_string(doc.int_value());
            return;
        case Document::Kind::kReal:
            out += RealText(doc.real_value());
            return;
        case Document::Kind::kBool:
            out += doc.bool_value() ? "true" : "false";
            return;
        case Document::Kind::kObject: {
            out += '{';
            bool first = true;
            for (const auto& [name, value] : doc.members()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                out += json::serialize(json::string_view(name));
                out += ':';
                AppendJson(out, value);
            }
            out += '}';
            return;
        }
        case Document::Kind::kList: {
            out += '[';
            bool first = true;
            for (const auto& item : doc.items()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                AppendJson(out, item);
            }
            out += ']';
            return;
        }
    }
}

void WriteElement(std::string& out, std::string_view name, const Document& doc, int depth);

void Indent(std::string& out, int depth) {
    out += '\n';
    out.append(static_cast<size_t>(depth) * 2, ' ');
}

void WriteChildren(std::string& out, const Document& doc, int depth) {
    if (doc.kind() == Document::Kind::kObject) {
        for (const auto& [name, value] : doc.members()) {
            WriteElement(out, name, value, depth);
        }
    } else {
        for (const auto& item : doc.items()) {
            WriteElement(out, doc.item_name(), item, depth);
        }
    }
}

void WriteElement(std::string& out, std::string_view name, const Document& doc, int depth) {
    Indent(out, depth);
    const bool container = doc.kind() == Document::Kind::kObject || doc.kind() == Document::Kind::kList;
    const bool empty = doc.kind() == Document::Kind::kNull ||
                       (doc.kind() == Document::Kind::kString && doc.text().empty()) ||
                       (doc.kind() == Document::Kind::kObject && doc.members().empty()) ||
                       (doc.kind() == Document::Kind::kList && doc.items().empty());
    out += '<';
    out += name;
    if (empty) {
        out += "/>";
        return;
    }
    out += '>';
    switch (doc.kind()) {
        case Document::Kind::kString:
            out += XmlEscape(doc.text());
            break;
        case Document::Kind::kInt:
            out += std::to_string(doc.int_value());
            break;
        case Document::Kind::kReal:
            out += RealText(doc.real_value());
            break;
        case Document::Kind::kBool:
            out += doc.bool_value() ? "true" : "false";
            break;
        case Document::Kind::kNull:
        case Document::Kind::kObject:
        case Document::Kind::kList:
            break;
    }
    if (container) {
        WriteChildren(out, doc, depth + 1);
        Indent(out, depth);
    }
    out += "</";
    out += name;
    out += '>';
}

}  // namespace

std::string WriteJson(const Document& doc) {
    // Boost.JSON's serializer prints every double with an exponent ("3.776E1"), which some Open311
    // clients read as text; so the structure is written here, strings escaped by Boost.JSON and
    // numbers by fmt (shortest round-trip text).
    std::string out;
    AppendJson(out, doc);
    return out;
}

std::string XmlEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                    break;  // not allowed in XML 1.0, even escaped
                }
                out += ch;
        }
    }
    return out;
}

std::string WriteXml(std::string_view root_name, const Document& doc) {
    std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)";
    WriteElement(out, root_name, doc, 0);
    out += '\n';
    return out;
}

}  // namespace linli::open311
