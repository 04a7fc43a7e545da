// The one translation unit that sees Boost.Beast: everything else speaks http::Request/Response.

#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace linli::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

/// How long a closing connection keeps reading (and discarding) what the client still sends, so
/// that closing with unread bytes does not reset the connection before the client reads our answer.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 256 * 1024;

bool SaneRequestId(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool HasLineBreak(std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
}

/// An error response for conditions found before the pipeline runs, possibly with a status that
/// ErrorCode does not name (414, 431).
Response EarlyError(int status, ErrorCode code, std::string message, std::string field) {
    Response r = ErrorResponse(Error{code, std::move(message), std::move(field)});
    r.status = status;
    return r;
}

/// Beast's request, converted; or the 400 response explaining why it cannot be.
Result<Request> ConvertRequest(bhttp::request<bhttp::string_body>&& msg) {
    std::vector<std::pair<std::string, std::string>> headers;
    headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& field : msg) {
        headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return MakeRequest(std::string_view(msg.method_string().data(), msg.method_string().size()),
                       std::string(msg.target()), std::move(headers), std::move(msg.body()));
}

}  // namespace

/// One accepted connection. Its socket lives here (not in the coroutine frame) so that shutdown
/// can reach it; every use of `stream` and `idle` happens on the connection's strand.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;  // waiting for the next request, nothing of it received yet
};

struct Server::Impl {
    Impl(ServerOptions o, Pipeline& p, metrics::Registry& m)
        : options(std::move(o)),
          pipeline(p),
          registry(m),
          connections_open(m.GetGauge("linli_http_connections_open", "Open HTTP connections.")),
          requests_inflight(m.GetGauge("linli_http_requests_inflight", "Requests handed to the work pool.")),
          id_prefix(crypto::RandomHex(4)),
          ioc(std::max(1, options.io_threads)),
          accept_strand(asio::make_strand(ioc)),
          acceptor(accept_strand),
          signals(ioc, SIGINT, SIGTERM),
          pool(static_cast<size_t>(std::max(1, options.workers))),
          read_pool(static_cast<size_t>(std::max(1, options.read_workers))) {}

    ~Impl() {
        // Sessions hold their own reference; this drops the registry's before the io_context goes.
        std::lock_guard lock(conns_mu);
        conns.clear();
    }

    ServerOptions options;
    Pipeline& pipeline;
    metrics::Registry& registry;
    metrics::Gauge& connections_open;
    metrics::Gauge& requests_inflight;
    const std::string id_prefix;
    std::atomic<uint64_t> id_counter{0};
    std::atomic<int> inflight{0};
    std::atomic<bool> draining{false};
    size_t largest_route_body_limit = 0;  // read from the pipeline at start
    uint16_t bound_port = 0;

    // Declared before the io_context: destroying it destroys suspended session frames, whose
    // guards unregister here.
    std::mutex conns_mu;
    std::condition_variable conns_cv;
    std::unordered_map<Connection*, std::shared_ptr<Connection>> conns;

    std::mutex stop_mu;
    std::condition_variable stop_cv;
    bool stop_requested = false;
    bool shut_down = false;

    asio::io_context ioc;
    asio::strand<asio::io_context::executor_type> accept_strand;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::thread_pool pool;       // unsafe methods: they wait for a durable (group) commit
    asio::thread_pool read_pool;  // safe methods: short database reads, few threads suffice
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;

    std::string NextRequestId() {
        return fmt::format("{}-{:x}", id_prefix, id_counter.fetch_add(1, std::memory_order_relaxed));
    }

    void RequestStop() {
        {
            std::lock_guard lock(stop_mu);
            stop_requested = true;
        }
        stop_cv.notify_all();
    }

    void CountEarly(Method method, int status) {
        registry
            .GetCounter("linli_http_requests_total", "HTTP requests answered, by method, route pattern and status.",
                        {{"method", std::string(MethodName(method))},
                         {"route", "unmatched"},
                         {"status", std::to_string(status)}})
            .Inc();
    }

    asio::awaitable<void> AcceptLoop();
    asio::awaitable<void> Session(std::shared_ptr<Connection> conn);
    asio::awaitable<void> Serve(Connection& conn);
    asio::awaitable<bool> Write(Connection& conn, Response response, unsigned version, bool keep_alive, bool head);
    asio::awaitable<void> WriteAndClose(Connection& conn, beast::flat_buffer& buffer, Response response,
                                        unsigned version);
    asio::awaitable<void> LingeringClose(Connection& conn, beast::flat_buffer& buffer);
    void Shutdown(std::chrono::seconds drain);
};

asio::awaitable<void> Server::Impl::AcceptLoop() {
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            break;
        }
        if (ec) {
            // Out of file descriptors and the like: wait a little instead of spinning.
            spdlog::warn("accept failed: {}", ec.message());
            asio::steady_timer pause(accept_strand, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        // Responses are written whole; Nagle would only hold back the last segment of each.
        beast::error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        auto conn = std::make_shared<Connection>(std::move(socket));
        auto executor = conn->stream.get_executor();
        asio::co_spawn(executor, Session(std::move(conn)), asio::detached);
    }
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> conn) {
    // Unregisters however the frame ends: normally, by exception, or destroyed with the io_context.
    struct Registration {
        Impl& impl;
        Connection* key;
        ~Registration() {
            impl.connections_open.Add(-1);
            {
                std::lock_guard lock(impl.conns_mu);
                impl.conns.erase(key);
            }
            impl.conns_cv.notify_all();
        }
    };
    {
        std::lock_guard lock(conns_mu);
        conns.emplace(conn.get(), conn);
    }
    connections_open.Add(1);
    Registration registration{*this, conn.get()};

    try {
        co_await Serve(*conn);
    } catch (const std::exception& e) {
        // A connection's trouble is never the server's: log and drop it.
        spdlog::warn("connection error: {}", e.what());
    }
    beast::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn->stream.socket().close(ignored);
}

asio::awaitable<bool> Server::Impl::Write(Connection& conn, Response response, unsigned version, bool keep_alive,
                                          bool head) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status), version};
    res.set(bhttp::field::server, "linli");
    const bool bodiless_status = response.status == 204 || response.status == 304 || response.status < 200;
    if (!response.content_type.empty() && !bodiless_status) {
        res.set(bhttp::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) {
        if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) {
            spdlog::error("dropping a response header with a line break: {}", name);
            continue;
        }
        res.insert(name, value);
    }
    res.keep_alive(keep_alive);
    if (bodiless_status) {
        // No Content-Length and no body (RFC 9110 §8.6).
    } else if (head) {
        res.content_length(response.body.size());
    } else {
        res.body() = std::move(response.body);
        res.prepare_payload();
    }
    conn.stream.expires_after(options.read_timeout);
    auto [ec, n] = co_await bhttp::async_write(conn.stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec;
}

asio::awaitable<void> Server::Impl::LingeringClose(Connection& conn, beast::flat_buffer& buffer) {
    beast::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
        co_return;
    }
    conn.stream.expires_after(kLingerTime);
    size_t discarded = 0;
    while (discarded < kLingerBytes) {
        buffer.clear();
        auto [read_ec, n] =
            co_await conn.stream.async_read_some(buffer.prepare(16 * 1024), asio::as_tuple(asio::use_awaitable));
        if (read_ec) {
            break;
        }
        discarded += n;
    }
}

asio::awaitable<void> Server::Impl::WriteAndClose(Connection& conn, beast::flat_buffer& buffer, Response response,
                                                  unsigned version) {
    // Awaited into a variable first: GCC 12 miscompiles a co_await inside an if condition.
    const bool written = co_await Write(conn, std::move(response), version, false, false);
    if (written) {
        co_await LingeringClose(conn, buffer);
    }
}

asio::awaitable<void> Server::Impl::Serve(Connection& conn) {
    beast::flat_buffer buffer;
    std::string remote_addr;
    {
        beast::error_code ec;
        auto endpoint = conn.stream.socket().remote_endpoint(ec);
        if (!ec) {
            remote_addr = endpoint.address().to_string();
        }
    }

    bool first = true;
    while (true) {
        // Wait for the first byte of the next request: a new connection gets the read timeout, an
        // idle keep-alive one the idle timeout. Shutdown cancels this wait.
        if (buffer.size() == 0) {
            if (draining.load()) {
                co_return;
            }
            conn.idle = true;
            conn.stream.expires_after(first ? options.read_timeout : options.idle_timeout);
            auto [ec, n] =
                co_await conn.stream.async_read_some(buffer.prepare(8 * 1024), asio::as_tuple(asio::use_awaitable));
            conn.idle = false;
            if (ec) {
                co_return;  // closed, timed out or cancelled by shutdown: nothing to answer
            }
            buffer.commit(n);
        }
        first = false;

        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(options.header_limit, UINT32_MAX)));
        // Until the route is known, allow the largest limit any route has; narrowed after the headers.
        parser.body_limit(std::max(options.body_limit, largest_route_body_limit));
        // One deadline for the whole request, headers and body: a slow sender cannot hold a connection.
        conn.stream.expires_after(options.read_timeout);

        auto [hec, hn] =
            co_await bhttp::async_read_header(conn.stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        size_t body_limit = options.body_limit;
        auto fail_read = [&](beast::error_code ec) -> std::optional<Response> {
            if (ec == bhttp::error::header_limit) {
                return EarlyError(431, ErrorCode::kPayloadTooLarge, "request headers are too large", "headers");
            }
            if (ec == bhttp::error::body_limit) {
                return EarlyError(413, ErrorCode::kPayloadTooLarge,
                                  "body is larger than " + std::to_string(body_limit) + " bytes", "body");
            }
            if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
                ec == bhttp::error::partial_message || ec == asio::error::eof || ec == asio::error::operation_aborted ||
                ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
                // Beast's timeout has already closed the socket; there is no one left to answer.
                return std::nullopt;
            }
            return EarlyError(400, ErrorCode::kInvalidArgument, "malformed HTTP request", "");
        };
        const unsigned version = parser.get().version() == 10 ? 10 : 11;
        if (hec) {
            if (auto res = fail_read(hec)) {
                CountEarly(Method::kOther, res->status);
                co_await WriteAndClose(conn, buffer, std::move(*res), version);
            }
            co_return;
        }
        const Method method =
            ParseMethod(std::string_view(parser.get().method_string().data(), parser.get().method_string().size()));
        if (parser.get().target().size() > options.url_limit) {
            CountEarly(method, 414);
            co_await WriteAndClose(
                conn, buffer,
                EarlyError(414, ErrorCode::kPayloadTooLarge,
                           "URL is longer than " + std::to_string(options.url_limit) + " bytes", "url"),
                version);
            co_return;
        }
        {
            // File uploads declare a larger limit on their route; everything else keeps the default.
            // Look the route up only for a body that could need it (chunked, or over the default).
            auto declared = parser.content_length();
            const bool may_need_more = !parser.is_done() && (!declared || *declared > options.body_limit);
            if (largest_route_body_limit > options.body_limit && may_need_more) {
                std::string_view target(parser.get().target().data(), parser.get().target().size());
                if (auto limit = pipeline.BodyLimitFor(method, target.substr(0, target.find('?')))) {
                    body_limit = *limit;
                }
            }
            parser.body_limit(body_limit);
            if (auto length = parser.content_length(); length && *length > body_limit) {
                auto res = fail_read(bhttp::error::body_limit);
                CountEarly(method, res->status);
                co_await WriteAndClose(conn, buffer, std::move(*res), version);
                co_return;
            }
        }
        if (!parser.is_done()) {
            auto expect = parser.get()[bhttp::field::expect];
            if (beast::iequals(expect, "100-continue")) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
                auto [cec, cn] = co_await bhttp::async_write(conn.stream, cont, asio::as_tuple(asio::use_awaitable));
                if (cec) {
                    co_return;
                }
            }
            auto [bec, bn] =
                co_await bhttp::async_read(conn.stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (bec) {
                if (auto res = fail_read(bec)) {
                    CountEarly(method, res->status);
                    co_await WriteAndClose(conn, buffer, std::move(*res), version);
                }
                co_return;
            }
        }

        bhttp::request<bhttp::string_body> msg = parser.release();
        const bool keep_alive = msg.keep_alive();
        std::string client_id(msg["X-Request-Id"]);
        auto converted = ConvertRequest(std::move(msg));
        const std::string request_id = SaneRequestId(client_id) ? client_id : NextRequestId();
        if (!converted) {
            Response res = ErrorResponse(converted.error());
            res.AddHeader("X-Request-Id", request_id);
            CountEarly(method, res.status);
            co_await WriteAndClose(conn, buffer, std::move(res), version);
            co_return;
        }
        Request& req = *converted;
        req.remote_addr = remote_addr;
        req.request_id = request_id;

        Response response;
        if (inflight.fetch_add(1) >= options.max_inflight) {
            // Shed load now rather than queue: a queued request would time out at the client anyway.
            inflight.fetch_sub(1);
            response = ErrorResponse(Error{ErrorCode::kUnavailable, "server is busy, try again", ""});
            response.AddHeader("Retry-After", "1");
            response.AddHeader("X-Request-Id", req.request_id);
            CountEarly(method, response.status);
        } else {
            requests_inflight.Add(1);
            struct InflightGuard {
                Impl& impl;
                ~InflightGuard() {
                    impl.inflight.fetch_sub(1);
                    impl.requests_inflight.Add(-1);
                }
            } guard{*this};
            // The pipeline may block on the database: run it on a work pool; this coroutine
            // resumes on the connection's strand with the answer. Reads go to a small pool (many
            // threads only add wake-up and scheduling cost for them); writes to a large one, since
            // each waits for its commit and the more wait together, the bigger the group commit.
            const bool safe = method == Method::kGet || method == Method::kHead || method == Method::kOptions;
            response = co_await asio::co_spawn(
                safe ? read_pool.get_executor() : pool.get_executor(),
                [this, &req]() -> asio::awaitable<Response> { co_return pipeline.Handle(req); }, asio::use_awaitable);
        }

        const bool keep = keep_alive && !draining.load();
        const bool written = co_await Write(conn, std::move(response), version, keep, method == Method::kHead);
        if (!written) {
            co_return;
        }
        if (!keep) {
            beast::error_code avail_ec;
            if (buffer.size() > 0 || conn.stream.socket().available(avail_ec) > 0) {
                // Unread bytes would turn close() into a reset that can destroy the response in flight.
                co_await LingeringClose(conn, buffer);
            }
            co_return;
        }
    }
}

void Server::Impl::Shutdown(std::chrono::seconds drain) {
    {
        std::lock_guard lock(stop_mu);
        if (shut_down) {
            return;
        }
        shut_down = true;
    }
    if (threads.empty()) {
        return;  // never started
    }
    draining.store(true);
    // Stop accepting; the acceptor belongs to its strand. Wait for it: until the listening socket
    // is closed the kernel would keep completing handshakes that nobody will ever serve.
    std::promise<void> acceptor_closed;
    asio::post(accept_strand, [this, &acceptor_closed] {
        beast::error_code ec;
        acceptor.close(ec);
        signals.cancel(ec);
        acceptor_closed.set_value();
    });
    acceptor_closed.get_future().wait();
    // Idle keep-alive connections close now; busy ones close after writing their response.
    {
        std::lock_guard lock(conns_mu);
        for (auto& [key, conn] : conns) {
            asio::post(conn->stream.get_executor(), [conn = conn] {
                if (conn->idle) {
                    conn->stream.cancel();
                }
            });
        }
    }
    {
        std::unique_lock lock(conns_mu);
        conns_cv.wait_for(lock, drain, [&] { return conns.empty(); });
        if (!conns.empty()) {
            spdlog::warn("shutdown: {} connection(s) still open after the drain period", conns.size());
        }
    }
    work.reset();
    ioc.stop();
    for (auto& t : threads) {
        t.join();
    }
    threads.clear();
    pool.join();
    read_pool.join();
}

Server::Server(ServerOptions options, Pipeline& pipeline, metrics::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, metrics)) {}

Server::~Server() {
    impl_->RequestStop();
    impl_->Shutdown(std::chrono::seconds(0));
}

Result<void> Server::Start() {
    Impl& s = *impl_;
    s.largest_route_body_limit = s.pipeline.LargestRouteBodyLimit();  // routes are fixed by now
    {
        std::lock_guard lock(s.stop_mu);
        if (!s.threads.empty() || s.shut_down) {
            return Error{ErrorCode::kInternal, "server already started or stopped", ""};
        }
    }
    const std::string where = s.options.host + ":" + std::to_string(s.options.port);
    beast::error_code ec;
    tcp::resolver resolver(s.ioc);
    auto endpoints = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty()) {
        return Error{ErrorCode::kUnavailable, "cannot resolve " + where + ": " + ec.message(), "host"};
    }
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        s.acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        beast::error_code ignored;
        s.acceptor.close(ignored);
        return Error{ErrorCode::kUnavailable, "cannot listen on " + where + ": " + ec.message(), "port"};
    }
    s.bound_port = s.acceptor.local_endpoint().port();

    s.signals.async_wait([impl = &s](const beast::error_code& sig_ec, int signal) {
        if (!sig_ec) {
            spdlog::info("received signal {}, shutting down", signal);
            impl->RequestStop();
        }
    });
    asio::co_spawn(s.accept_strand, s.AcceptLoop(), asio::detached);

    s.work.emplace(s.ioc.get_executor());
    const int n = std::max(1, s.options.io_threads);
    for (int i = 0; i < n; ++i) {
        s.threads.emplace_back([impl = &s] {
            while (true) {
                try {
                    impl->ioc.run();
                    return;
                } catch (const std::exception& e) {
                    // A handler threw: the server goes on; the connection it belonged to is gone.
                    spdlog::error("I/O thread: unhandled exception: {}", e.what());
                }
            }
        });
    }
    spdlog::info("listening on {}:{}", s.options.host, s.bound_port);
    return {};
}

uint16_t Server::port() const {
    return impl_->bound_port;
}

void Server::RunUntilStopped(std::chrono::seconds drain) {
    {
        std::unique_lock lock(impl_->stop_mu);
        impl_->stop_cv.wait(lock, [&] { return impl_->stop_requested; });
    }
    impl_->Shutdown(drain);
}

void Server::Stop() {
    impl_->RequestStop();
}

}  // namespace linli::http
