#pragma once
/// One response shape, two formats. GeoReport v2 defines XML and derives JSON from it by the Spark
/// convention (http://wiki.open311.org/JSON_and_XML_Conversion): an element with children becomes an
/// object, a list of repeated elements an array, text a string. A Document is that tree; the
/// writers turn it into Boost.JSON text or into XML, so the two formats cannot drift apart.
///
/// Both writers are small and hand-written: XML because libexpat only reads, JSON because
/// Boost.JSON prints doubles with an exponent (strings are still escaped by Boost.JSON).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linli::open311 {

class Document {
public:
    enum class Kind { kNull, kString, kInt, kReal, kBool, kObject, kList };

    static Document Null() { return Document(Kind::kNull); }
    static Document String(std::string s);
    static Document Int(int64_t v);
    static Document Real(double v);
    static Document Bool(bool v);
    static Document Object() { return Document(Kind::kObject); }
    /// A list whose items are XML elements named `item_name` ("service", "request", "format").
    static Document List(std::string item_name);

    /// Object: appends a member (in order; XML keeps the order too). Returns *this.
    Document& Set(std::string name, Document value);
    /// List: appends an item. Returns *this.
    Document& Add(Document item);

    Kind kind() const { return kind_; }
    const std::string& text() const { return text_; }
    int64_t int_value() const { return int_; }
    double real_value() const { return real_; }
    bool bool_value() const { return bool_; }
    const std::vector<std::pair<std::string, Document>>& members() const { return members_; }
    const std::string& item_name() const { return text_; }
    const std::vector<Document>& items() const { return items_; }

private:
    explicit Document(Kind kind) : kind_(kind) {}
    Kind kind_;
    std::string text_;  // string value, or a list's item name
    int64_t int_ = 0;
    double real_ = 0;
    bool bool_ = false;
    std::vector<std::pair<std::string, Document>> members_;
    std::vector<Document> items_;
};

/// The document as compact JSON text; reals in their shortest round-trip form without exponent.
std::string WriteJson(const Document& doc);

/// The document as UTF-8 XML with the declaration the spec requires, the root element named
/// `root_name`. Text is escaped (& < > " '); characters XML 1.0 cannot carry (C0 controls other
/// than tab, newline and carriage return) are dropped; null is an empty element. REQUIRES: element
/// names are ASCII names (they are the spec's field names) and text is valid UTF-8.
std::string WriteXml(std::string_view root_name, const Document& doc);

/// Escapes text for XML element content; exposed for tests.
std::string XmlEscape(std::string_view text);

}  // namespace linli::open311
