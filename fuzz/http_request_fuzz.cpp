// Fuzz target: raw HTTP/1.1 bytes → Beast's parser (as the server reads them) → http::MakeRequest
// (target split and percent-decoded, header names lower-cased) → the router, authentication, the
// role check and the matched route's handler with its query and body readers. Every response must
// pass CheckResponse: no 500, errors in the API's error shape.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_app.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto& app = linli::fuzz::FuzzApp::Get();

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);  // the server's limits (http/server.cpp)
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::asio::const_buffer buffer(data, size);
    boost::beast::error_code ec;
    for (int guard = 0; guard < 16 && !parser.is_done(); ++guard) {
        buffer += parser.put(buffer, ec);
        if (ec == bhttp::error::need_more) {
            ec = {};
            if (buffer.size() == 0) {
                if (!parser.got_some()) {
                    return 0;  // the peer closed before a byte of a request: nothing to answer
                }
                parser.put_eof(ec);
                break;
            }
            continue;
        }
        if (ec) {
            return 0;  // the server answers 400 before the pipeline runs
        }
    }
    if (ec || !parser.is_done()) {
        return 0;
    }
    auto msg = parser.release();
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& field : msg) {
        headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    auto req = linli::http::MakeRequest(std::string_view(msg.method_string().data(), msg.method_string().size()),
                                        std::string(msg.target()), std::move(headers), std::move(msg.body()));
    if (!req) {
        linli::fuzz::Expect(req.error().code == linli::ErrorCode::kInvalidArgument && req.error().field == "url",
                            "MakeRequest fails only on the URL: " + req.error().message);
        return 0;
    }
    req->remote_addr = "127.0.0.1";
    auto res = app.Handle(*req);
    linli::fuzz::CheckResponse(*req, res);
    return 0;
}
