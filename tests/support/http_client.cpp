#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <thread>

namespace linli::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string HttpReply::Header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
        if (k == lower_name) {
            return v;
        }
    }
    return {};
}

boost::json::value HttpReply::Json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? boost::json::value() : v;
}

std::string HttpReply::ErrorCode() const {
    auto v = Json();
    if (const auto* o = v.if_object()) {
        if (const auto* e = o->if_contains("error"); e && e->is_object()) {
            if (const auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
                return std::string(c->as_string());
            }
        }
    }
    return {};
}

std::string HttpReply::ErrorField() const {
    auto v = Json();
    if (const auto* o = v.if_object()) {
        if (const auto* e = o->if_contains("error"); e && e->is_object()) {
            if (const auto* c = e->as_object().if_contains("field"); c && c->is_string()) {
                return std::string(c->as_string());
            }
        }
    }
    return {};
}

HttpReply HttpClient::Send(std::string_view method, std::string_view target, std::string_view body,
                           const Headers& headers, bool with_credentials) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    // Synchronous Beast calls ignore expires_after; a socket timeout keeps a broken server from
    // hanging the test run.
    timeval tv{30, 0};
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, "127.0.0.1");
    if (with_credentials) {
        if (!credentials.cookie.empty()) {
            req.set(bhttp::field::cookie, credentials.cookie);
        }
        if (!credentials.csrf.empty()) {
            req.set("X-CSRF-Token", credentials.csrf);
        }
        if (!credentials.bearer.empty()) {
            req.set(bhttp::field::authorization, "Bearer " + credentials.bearer);
        }
    }
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
        req.body() = std::string(body);
        req.prepare_payload();
    }
    bhttp::write(stream, req);

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    auto& res = parser.get();

    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        reply.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return reply;
}

HttpReply HttpClient::Post(std::string_view target, const boost::json::value& body, const Headers& headers) {
    Headers h = headers;
    h.emplace_back("Content-Type", "application/json");
    return Send("POST", target, boost::json::serialize(body), h);
}

HttpReply HttpClient::Patch(std::string_view target, const boost::json::value& body, const Headers& headers) {
    Headers h = headers;
    h.emplace_back("Content-Type", "application/json");
    return Send("PATCH", target, boost::json::serialize(body), h);
}

std::string HttpClient::Raw(std::string_view bytes, std::chrono::milliseconds wait) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
    // Read on a deadline: the server either answers and closes, or we stop waiting.
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    socket.non_blocking(true);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        size_t n = socket.read_some(asio::buffer(buf), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (ec) {
            break;  // closed by the server (eof or reset)
        }
        out.append(buf, n);
    }
    return out;
}

HttpReply HttpClient::Login(std::string_view username, std::string_view password, bool bearer) {
    boost::json::object body{{"username", username}, {"password", password}};
    if (bearer) {
        body["bearer"] = true;
    }
    auto reply = Send("POST", "/api/v1/auth/login", boost::json::serialize(body),
                      {{"Content-Type", "application/json"}}, false);
    if (reply.status != 200) {
        return reply;
    }
    auto json = reply.Json().as_object();
    if (bearer) {
        credentials = {};
        credentials.bearer = std::string(json.at("token").as_string());
    } else {
        credentials = {};
        auto set_cookie = reply.Header("set-cookie");
        credentials.cookie = set_cookie.substr(0, set_cookie.find(';'));
        credentials.csrf = std::string(json.at("csrf_token").as_string());
    }
    return reply;
}

}  // namespace linli::testing
