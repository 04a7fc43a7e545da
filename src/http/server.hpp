#pragma once
/// The HTTP/1.1 server: Boost.Beast over Asio with C++20 coroutines. The only file that sees
/// Beast is server.cpp.
///
/// I/O threads parse and write; each complete request is handed to the work pool (where the
/// pipeline may block on the database) and the coroutine resumes on its strand with the answer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "http/pipeline.hpp"

namespace linli::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0: pick a free port (tests)
    int io_threads = 2;
    int workers = 64;                        // threads for writes (each waits for its group commit)
    int read_workers = 4;                    // threads for GET/HEAD (short database reads)
    size_t body_limit = 1 << 20;             // 413 beyond
    size_t header_limit = 16 * 1024;         // request line + headers; 431 beyond
    size_t url_limit = 4096;                 // 414 beyond
    std::chrono::seconds read_timeout{30};   // to receive a whole request once it started
    std::chrono::seconds idle_timeout{60};   // keep-alive connection with no request
    int max_inflight = 4096;                 // requests handed to the work pool at once; 503 beyond
};

class Server {
public:
    Server(ServerOptions options, Pipeline& pipeline, metrics::Registry& metrics);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and starts accepting on the I/O threads. Returns the error if the address is taken.
    Result<void> Start();
    /// The bound port (useful with port 0).
    uint16_t port() const;
    /// Blocks until SIGTERM/SIGINT or Stop(); then stops accepting, lets in-flight requests
    /// finish (up to `drain`), and returns.
    void RunUntilStopped(std::chrono::seconds drain = std::chrono::seconds(30));
    /// Asks RunUntilStopped() to return; safe from any thread.
    void Stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace linli::http
