#pragma once
/// A small blocking HTTP/1.1 client for integration tests, speaking to a real server on loopback.

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linli::testing {

struct HttpReply {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

    /// "" when absent.
    std::string Header(std::string_view lower_name) const;
    /// The body parsed as JSON (null when it is not JSON).
    boost::json::value Json() const;
    /// error.code / error.field from the JSON error body ("" when absent).
    std::string ErrorCode() const;
    std::string ErrorField() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Credentials applied to every request a client sends.
struct Credentials {
    std::string cookie;  // "linli_session=..."
    std::string csrf;    // X-CSRF-Token
    std::string bearer;  // Authorization: Bearer ...
};

class HttpClient {
public:
    explicit HttpClient(uint16_t port) : port_(port) {}

    HttpReply Send(std::string_view method, std::string_view target, std::string_view body = {},
                   const Headers& headers = {}, bool with_credentials = true);
    HttpReply Get(std::string_view target, const Headers& headers = {}) { return Send("GET", target, {}, headers); }
    HttpReply Post(std::string_view target, const boost::json::value& body, const Headers& headers = {});
    HttpReply Patch(std::string_view target, const boost::json::value& body, const Headers& headers = {});
    HttpReply Delete(std::string_view target) { return Send("DELETE", target); }

    /// Writes `bytes` as they are, then reads until the server closes or `wait` passes.
    std::string Raw(std::string_view bytes, std::chrono::milliseconds wait = std::chrono::milliseconds(3000));

    /// POST /api/v1/auth/login; on success keeps the session cookie and CSRF token (or the bearer
    /// token when `bearer`) for later requests. Returns the login reply.
    HttpReply Login(std::string_view username, std::string_view password, bool bearer = false);

    Credentials credentials;
    uint16_t port() const { return port_; }

private:
    uint16_t port_;
};

}  // namespace linli::testing
