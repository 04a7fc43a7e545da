// The crash and backup harnesses (docs/testing.md): a write load against a real `linli serve`, each
// write carrying a client-side id, and a check of what the database holds afterwards.
//
//   linli_crash_test crash  --linli PATH --backend sqlite|postgres --kills N [--seed S] [--workdir DIR]
//       Kills the server with SIGKILL at random moments of the load, N times, restarting it each time.
//       After every kill, with no server running, it opens the database and checks that every
//       acknowledged write is there, that nothing is half-applied (an order without its timeline
//       entry or reporter, a reply without its event, a resident without its residency or audit
//       row), and, on SQLite, that PRAGMA integrity_check says ok.
//   linli_crash_test backup --linli PATH --backend sqlite|postgres [--seed S] [--workdir DIR]
//       Runs `linli backup` in the middle of the load, then opens the copy (SQLite) or restores the
//       pg_dump into a new database (PostgreSQL), checks it like a crash, and serves it with
//       `linli serve` to read back every write acknowledged before the backup started.
//
// PostgreSQL comes from LINLI_TEST_PG_URL (scripts/pg-test-server); without it the PostgreSQL runs
// exit 77, which ctest reports as skipped. Exit 0: every check passed; 1: a check failed (the
// problems are printed); 2: the harness itself could not run.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "core/id_number.hpp"
#include "storage/database.hpp"
#include "support/http_client.hpp"

namespace linli::crash {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::HttpClient;
using testing::HttpReply;

constexpr int kExitFailed = 1;
constexpr int kExitBroken = 2;
constexpr int kExitSkipped = 77;
constexpr const char* kAdminPassword = "Crash-test-passw0rd";

/// The harness cannot go on (a server that does not start, a setup request refused).
struct Broken : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::string mode;  // crash | backup
    std::string linli;
    std::string backend = "sqlite";
    int kills = 10;
    uint64_t seed = 0;
    fs::path workdir;
    bool keep = false;    // keep the work directory and PostgreSQL database for a post-mortem
    int writers = 6;      // client threads
    int min_up_ms = 150;  // the load runs this long at least before a kill...
    int max_up_ms = 900;  // ...and at most this long
};

void Usage() {
    std::cerr << "usage: linli_crash_test crash|backup --linli PATH [--backend sqlite|postgres] [--kills N]\n"
                 "                        [--seed S] [--workdir DIR] [--writers N] [--keep]\n";
}

std::optional<Options> ParseOptions(int argc, char** argv) {
    if (argc < 2) {
        return std::nullopt;
    }
    Options o;
    o.mode = argv[1];
    if (o.mode != "crash" && o.mode != "backup") {
        return std::nullopt;
    }
    o.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw Broken(a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--linli") {
            o.linli = value();
        } else if (a == "--backend") {
            o.backend = value();
        } else if (a == "--kills") {
            o.kills = std::stoi(value());
        } else if (a == "--seed") {
            o.seed = std::stoull(value());
        } else if (a == "--workdir") {
            o.workdir = value();
        } else if (a == "--writers") {
            o.writers = std::max(1, std::stoi(value()));
        } else if (a == "--keep") {
            o.keep = true;
        } else {
            return std::nullopt;
        }
    }
    if (o.linli.empty() || (o.backend != "sqlite" && o.backend != "postgres")) {
        return std::nullopt;
    }
    return o;
}

std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Tail(const std::string& text, size_t bytes = 2000) {
    return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

/// Runs `argv` with its output in `log`; stdin from `input`. Returns the child's pid.
pid_t Spawn(const std::vector<std::string>& args, const fs::path& log, const std::string& input = {}) {
    int in_pipe[2] = {-1, -1};
    if (pipe(in_pipe) != 0) {
        throw Broken("pipe failed");
    }
    pid_t pid = fork();
    if (pid < 0) {
        throw Broken("fork failed");
    }
    if (pid == 0) {
        // If the harness dies (a ctest timeout), its servers die with it.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in_pipe[0], STDIN_FILENO);
        close(in_pipe[0]);
        close(in_pipe[1]);
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        std::vector<char*> argv;
        for (const auto& a : args) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(in_pipe[0]);
    if (!input.empty()) {
        (void)!write(in_pipe[1], input.data(), input.size());
    }
    close(in_pipe[1]);
    return pid;
}

int Wait(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return status;
}

/// Where the database lives and how to reach it; the same for the server, the CLI and the checker.
struct Target {
    std::string url;       // for --db and storage::Open
    fs::path key_file;
    fs::path attachments;  // storage.attachments_dir
    fs::path sqlite_file;  // empty on PostgreSQL
};

std::vector<std::string> CommonFlags(const Target& t) {
    return {"--db", t.url, "--key-file", t.key_file.string(), "--password-cost", "minimum",
            "--attachments-dir", t.attachments.string()};
}

/// One `linli serve` process.
class Server {
public:
    Server(const Options& options, const Target& target) : options_(options), target_(target) {}
    ~Server() {
        if (pid_ > 0) {
            Kill();
        }
    }

    /// Starts the server and waits for its "serving on" line (60 s at most: a sanitizer build is slow).
    uint16_t Start() {
        log_ = options_.workdir / ("serve-" + std::to_string(starts_++ % 4) + ".log");
        // Removed here, not only truncated by the child: an old "serving on" line must not be read
        // before the child gets to it.
        std::error_code ignored;
        fs::remove(log_, ignored);
        std::vector<std::string> args = {options_.linli, "serve", "--listen", "127.0.0.1:0", "--access-log", "false",
                                         "--log-level", "info"};
        for (auto& f : CommonFlags(target_)) {
            args.push_back(f);
        }
        pid_ = Spawn(args, log_);
        const std::regex serving("serving on http://127\\.0\\.0\\.1:([0-9]+)");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            std::smatch m;
            const std::string text = ReadFile(log_);
            if (std::regex_search(text, m, serving)) {
                port_ = static_cast<uint16_t>(std::stoi(m[1]));
                return port_;
            }
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw Broken("linli serve exited during start-up:\n" + Tail(text));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        Kill();
        throw Broken("linli serve did not start within 60 s:\n" + Tail(ReadFile(log_)));
    }

    /// SIGKILL: no shutdown code runs, whatever was in flight is cut off.
    void Kill() {
        ::kill(pid_, SIGKILL);
        Wait(pid_);
        pid_ = -1;
    }

    /// SIGTERM: the graceful path; it must exit 0.
    void Stop() {
        ::kill(pid_, SIGTERM);
        const int status = Wait(pid_);
        pid_ = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw Broken("linli serve did not exit cleanly on SIGTERM:\n" + Tail(ReadFile(log_)));
        }
    }

    uint16_t port() const { return port_; }

private:
    const Options& options_;
    const Target& target_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    int starts_ = 0;
    fs::path log_;
};

/// Runs a `linli` subcommand to its end; throws Broken on a non-zero exit.
std::string RunLinli(const Options& options, const Target& target, std::vector<std::string> sub,
                     const std::string& input = {}) {
    std::vector<std::string> args = {options.linli};
    args.insert(args.end(), sub.begin(), sub.end());
    for (auto& f : CommonFlags(target)) {
        args.push_back(f);
    }
    const fs::path log = options.workdir / "cli.log";
    const int status = Wait(Spawn(args, log, input));
    std::string out = ReadFile(log);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw Broken("linli " + sub.front() + " failed:\n" + Tail(out));
    }
    return out;
}

// ---- the write load ------------------------------------------------------------------------------

/// What the load knows about its writes. An acknowledged write got its 2xx; an in-doubt write was
/// sent but its answer never came (the server died): it may or may not have committed.
struct Ledger {
    struct Order {
        int64_t id = 0;
        std::string cid;
    };
    struct Reply {
        int64_t order_id = 0;
        std::string cid;
    };
    struct Resident {
        int64_t id = 0;
        std::string cid;
    };
    std::vector<Order> orders;
    std::vector<Reply> replies;
    std::vector<Resident> residents;
    std::set<std::string> in_doubt;  // client ids
    int64_t refused = 0;             // answered, but not 2xx (must stay 0: the load sends valid writes)
    std::vector<std::string> refusals;

    size_t Acknowledged() const { return orders.size() + replies.size() + residents.size(); }
};

/// The territory, accounts and category the load writes with, made once on a fresh database.
struct Fixture {
    std::string admin_token;
    std::string worker_token;
    int64_t building = 0;
    std::vector<int64_t> households;
    int64_t category = 0;
};

HttpReply Must(HttpReply reply, int status, const std::string& what) {
    if (reply.status != status) {
        throw Broken(what + " answered " + std::to_string(reply.status) + ": " + reply.body);
    }
    return reply;
}

/// A string member of a JSON answer; "" when absent or not a string.
std::string TextField(const HttpReply& reply, std::string_view key) {
    const auto body = reply.Json();
    const auto* object = body.if_object();
    const auto* value = object != nullptr ? object->if_contains(key) : nullptr;
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

int64_t IdOf(const HttpReply& reply) {
    return reply.Json().at("id").as_int64();
}

Fixture SetUp(const Options& options, const Target& target, Server& server) {
    // The first admin comes from the CLI, as an operator makes it; the rest through the API.
    RunLinli(options, target, {"user", "add", "crashadmin", "--role", "admin", "--password-stdin"},
             std::string(kAdminPassword) + "\n");
    const uint16_t port = server.Start();
    Fixture f;
    HttpClient admin(port);
    Must(admin.Login("crashadmin", kAdminPassword, true), 200, "admin login");
    f.admin_token = admin.credentials.bearer;
    auto node = [&](std::optional<int64_t> parent, const char* kind, const std::string& name) {
        json::object body{{"kind", kind}, {"name", name}};
        if (parent) {
            body["parent_id"] = *parent;
        }
        return IdOf(Must(admin.Post("/api/v1/territory/nodes", body), 201, std::string("create ") + kind));
    };
    const int64_t subdistrict = node(std::nullopt, "subdistrict", "崩溃街道");
    const int64_t community = node(subdistrict, "community", "测试社区");
    const int64_t grid = node(community, "grid", "第1网格");
    f.building = node(grid, "building", "1号楼");
    const int64_t unit = node(f.building, "unit", "1单元");
    for (int room = 101; room <= 104; ++room) {
        f.households.push_back(node(unit, "household", std::to_string(room)));
    }
    const auto worker = Must(admin.Post("/api/v1/users", json::object{{"username", "crashworker"},
                                                                      {"password", kAdminPassword},
                                                                      {"role", "grid_worker"},
                                                                      {"scope_node_ids", json::array{grid}}}),
                             201, "create the grid worker");
    Must(admin.Post("/api/v1/assignments", json::object{{"role", "grid_worker"},
                                                        {"user_id", IdOf(worker)},
                                                        {"node_ids", json::array{grid}}}),
         201, "assign the grid worker");
    HttpClient worker_client(port);
    Must(worker_client.Login("crashworker", kAdminPassword, true), 200, "worker login");
    f.worker_token = worker_client.credentials.bearer;
    const auto categories = Must(admin.Get("/api/v1/order-categories"), 200, "categories").Json();
    for (const auto& c : categories.at("items").as_array()) {
        if (c.at("code") == "repairs") {
            f.category = c.at("id").as_int64();
        }
    }
    if (f.category == 0) {
        throw Broken("no repairs category");
    }
    return f;
}

/// Writer threads sending orders, residents and replies while the server lives; they pause while
/// it is down and stop for good at Finish().
class Load {
public:
    Load(const Options& options, const Fixture& fixture) : options_(options), fixture_(fixture) {}
    ~Load() { Finish(); }

    void Begin() {
        for (int i = 0; i < options_.writers; ++i) {
            threads_.emplace_back([this, i] { Writer(i); });
        }
    }

    /// The server is up on `port`: writers go.
    void Resume(uint16_t port) {
        {
            std::lock_guard lock(mu_);
            port_ = port;
            up_ = true;
        }
        cv_.notify_all();
    }

    /// The server is about to die or has died: writers finish their request and wait. Returns once
    /// none is sending.
    void Pause() {
        std::unique_lock lock(mu_);
        up_ = false;
        cv_.wait(lock, [&] { return busy_ == 0; });
    }

    /// Marks the server down without waiting (the kill comes while requests are in flight).
    void MarkDown() {
        std::lock_guard lock(mu_);
        up_ = false;
    }

    void Finish() {
        {
            std::lock_guard lock(mu_);
            done_ = true;
            up_ = false;
        }
        cv_.notify_all();
        for (auto& t : threads_) {
            t.join();
        }
        threads_.clear();
    }

    Ledger Snapshot() const {
        std::lock_guard lock(ledger_mu_);
        return ledger_;
    }

private:
    /// A valid, never reused ID number: birth dates from 1940 on, 1000 sequence numbers per day.
    std::string NextIdNumber() {
        const int64_t n = id_counter_.fetch_add(1);
        using namespace std::chrono;
        const year_month_day date{sys_days{year{1940} / January / 1} + days{n / 1000}};
        char first17[32];
        std::snprintf(first17, sizeof first17, "110101%04d%02u%02u%03d", static_cast<int>(date.year()),
                      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                      static_cast<int>(n % 1000));
        return std::string(first17) + id_number::CheckCharacter(first17);
    }

    /// Waits for the server; false when the load is over.
    bool WaitUp(uint16_t* port) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return up_ || done_; });
        if (done_) {
            return false;
        }
        *port = port_;
        ++busy_;
        return true;
    }

    void Idle() {
        {
            std::lock_guard lock(mu_);
            --busy_;
        }
        cv_.notify_all();
    }

    /// Sends one write; nullopt when no answer came (the write is in doubt).
    std::optional<HttpReply> Send(uint16_t port, const std::string& token, const std::string& method,
                                  const std::string& target, const json::object& body, const std::string& cid) {
        HttpClient client(port);
        client.credentials.bearer = token;
        try {
            return client.Send(method, target, json::serialize(body),
                               {{"Content-Type", "application/json"}, {"X-Request-Id", cid}});
        } catch (const std::exception&) {
            std::lock_guard lock(ledger_mu_);
            ledger_.in_doubt.insert(cid);
            return std::nullopt;
        }
    }

    void Refused(const std::string& cid, const HttpReply& reply) {
        std::lock_guard lock(ledger_mu_);
        ++ledger_.refused;
        if (ledger_.refusals.size() < 10) {
            ledger_.refusals.push_back(cid + ": " + std::to_string(reply.status) + " " + reply.body);
        }
    }

    void Writer(int index) {
        std::mt19937_64 rng(options_.seed * 1000003 + static_cast<uint64_t>(index));
        std::vector<int64_t> dispatched;  // this writer's orders waiting for start → resolve → reply
        int64_t seq = 0;
        uint16_t port = 0;
        while (WaitUp(&port)) {
            const std::string cid = "w" + std::to_string(index) + "-" + std::to_string(seq++) + "-" +
                                    std::to_string(options_.seed % 100000);
            const int dice = static_cast<int>(rng() % 100);
            if (dice < 20 && !dispatched.empty()) {
                const int64_t order = dispatched.back();
                dispatched.pop_back();
                Reply(port, order, cid);
            } else if (dice < 60) {
                CreateOrder(port, cid, &dispatched);
            } else {
                CreateResident(port, cid, rng);
            }
            Idle();
        }
    }

    void CreateOrder(uint16_t port, const std::string& cid, std::vector<int64_t>* dispatched) {
        json::object body{{"kind", "request"},
                          {"category_id", fixture_.category},
                          {"title", "crash " + cid},
                          {"description", "楼道灯不亮 " + cid},
                          {"place_id", fixture_.building},
                          {"reporter_name", "王阿姨"},
                          {"reporter_phone", "13812345678"},
                          {"channel", "walk_in"}};
        auto reply = Send(port, fixture_.admin_token, "POST", "/api/v1/orders", body, cid);
        if (!reply) {
            return;
        }
        if (reply->status != 201) {
            Refused(cid, *reply);
            return;
        }
        const auto created = reply->Json();
        const int64_t id = created.at("id").as_int64();
        {
            std::lock_guard lock(ledger_mu_);
            ledger_.orders.push_back({id, cid});
        }
        if (created.at("state") == "dispatched") {
            dispatched->push_back(id);
        }
    }

    /// The grid worker's three steps; only the reply is a recorded write, the steps before it are
    /// writes too and their effects are checked as "not half-applied" for every order.
    void Reply(uint16_t port, int64_t order, const std::string& cid) {
        const std::string base = "/api/v1/orders/" + std::to_string(order) + "/";
        for (const char* step : {"start", "resolve"}) {
            auto r = Send(port, fixture_.worker_token, "POST", base + step, {}, cid + "-" + step);
            if (!r) {
                return;
            }
            if (r->status != 200) {
                Refused(cid + "-" + step, *r);
                return;
            }
        }
        auto r = Send(port, fixture_.worker_token, "POST", base + "reply", {{"text", "reply " + cid}}, cid);
        if (!r) {
            return;
        }
        if (r->status != 200) {
            Refused(cid, *r);
            return;
        }
        std::lock_guard lock(ledger_mu_);
        ledger_.replies.push_back({order, cid});
    }

    void CreateResident(uint16_t port, const std::string& cid, std::mt19937_64& rng) {
        json::object body{{"name", "王小明"},
                          {"id_number", NextIdNumber()},
                          {"household_id", fixture_.households[rng() % fixture_.households.size()]},
                          {"relation", "other"},
                          {"note", "crash " + cid}};
        auto reply = Send(port, fixture_.admin_token, "POST", "/api/v1/residents", body, cid);
        if (!reply) {
            return;
        }
        if (reply->status != 201) {
            Refused(cid, *reply);
            return;
        }
        std::lock_guard lock(ledger_mu_);
        ledger_.residents.push_back({IdOf(*reply), cid});
    }

    const Options& options_;
    const Fixture& fixture_;
    std::vector<std::thread> threads_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool up_ = false;
    bool done_ = false;
    int busy_ = 0;
    uint16_t port_ = 0;
    std::atomic<int64_t> id_counter_{0};
    mutable std::mutex ledger_mu_;
    Ledger ledger_;
};

// ---- the checks ----------------------------------------------------------------------------------

struct Findings {
    std::vector<std::string> problems;
    int64_t in_doubt_committed = 0;  // in-doubt writes found in the database (allowed)
    int64_t orders = 0, residents = 0, replies = 0;

    void Add(std::string p) {
        if (problems.size() < 50) {
            problems.push_back(std::move(p));
        }
    }
};

std::unique_ptr<storage::Database> OpenDatabase(const Target& target) {
    storage::Options options;
    options.url = target.url;
    options.readers = 1;
    auto db = storage::Open(options);
    if (!db) {
        throw Broken("cannot open the database: " + db.error().message);
    }
    return std::move(*db);
}

storage::Rows Query(storage::Conn& c, std::string_view sql) {
    auto rows = c.Query(sql);
    if (!rows) {
        throw Broken("query failed: " + rows.error().message + " (" + std::string(sql) + ")");
    }
    return std::move(*rows);
}

/// Opens the database as a restarted server would and checks it against what the load was told.
Findings Check(const Target& target, const Ledger& ledger) {
    Findings f;
    auto db = OpenDatabase(target);
    auto status = db->Read([&](storage::Conn& c) -> Result<void> {
        if (c.dialect() == storage::Dialect::kSqlite) {
            for (const auto& row : Query(c, "PRAGMA integrity_check")) {
                if (row.Text(0) != "ok") {
                    f.Add("integrity_check: " + row.Text(0));
                }
            }
            for (const auto& row : Query(c, "PRAGMA foreign_key_check")) {
                f.Add("foreign_key_check: table " + row.Text(0) + " rowid " + row.Text(1));
            }
        }

        // Orders: each with its submit event, its reporter, and a timeline ending in its state.
        std::map<std::string, int64_t> order_by_title;
        std::map<int64_t, std::string> order_state;
        for (const auto& row : Query(c, "SELECT id, title, state FROM orders")) {
            order_by_title[row.Text(1)] = row.Int(0);
            order_state[row.Int(0)] = row.Text(2);
        }
        f.orders = static_cast<int64_t>(order_state.size());
        std::map<int64_t, std::string> last_to_state;
        std::map<int64_t, int> submits, reply_events;
        for (const auto& row : Query(c, "SELECT order_id, action, to_state FROM order_events ORDER BY order_id, id")) {
            last_to_state[row.Int(0)] = row.Text(2);
            if (row.Text(1) == "submit") {
                ++submits[row.Int(0)];
            } else if (row.Text(1) == "reply") {
                ++reply_events[row.Int(0)];
            }
        }
        std::set<int64_t> reported;
        for (const auto& row : Query(c, "SELECT order_id FROM order_reporters")) {
            reported.insert(row.Int(0));
        }
        for (const auto& [id, state] : order_state) {
            if (submits[id] != 1) {
                f.Add("order " + std::to_string(id) + " has " + std::to_string(submits[id]) + " submit events");
            }
            if (last_to_state[id] != state) {
                f.Add("order " + std::to_string(id) + " is " + state + " but its timeline ends in '" +
                      last_to_state[id] + "'");
            }
            if (!reported.contains(id)) {
                f.Add("order " + std::to_string(id) + " has no reporter row");
            }
        }
        for (const auto& o : ledger.orders) {
            auto it = order_by_title.find("crash " + o.cid);
            if (it == order_by_title.end()) {
                f.Add("acknowledged order " + o.cid + " (id " + std::to_string(o.id) + ") is missing");
            } else if (it->second != o.id) {
                f.Add("acknowledged order " + o.cid + " has id " + std::to_string(it->second) + ", was told " +
                      std::to_string(o.id));
            }
        }

        // Replies: each with its reply event; every acknowledged one present.
        std::map<int64_t, int> replies_of;
        std::set<std::pair<int64_t, std::string>> reply_texts;
        for (const auto& row : Query(c, "SELECT order_id, text FROM order_replies")) {
            ++replies_of[row.Int(0)];
            reply_texts.emplace(row.Int(0), row.Text(1));
        }
        f.replies = static_cast<int64_t>(reply_texts.size());
        for (const auto& [order, n] : replies_of) {
            if (reply_events[order] != n) {
                f.Add("order " + std::to_string(order) + " has " + std::to_string(n) + " replies but " +
                      std::to_string(reply_events[order]) + " reply events");
            }
        }
        for (const auto& [order, n] : reply_events) {
            if (replies_of[order] != n) {
                f.Add("order " + std::to_string(order) + " has " + std::to_string(n) + " reply events but " +
                      std::to_string(replies_of[order]) + " replies");
            }
        }
        for (const auto& r : ledger.replies) {
            if (!reply_texts.contains({r.order_id, "reply " + r.cid})) {
                f.Add("acknowledged reply " + r.cid + " to order " + std::to_string(r.order_id) + " is missing");
            }
        }

        // Residents: each with its audit row and its residency; every acknowledged one present, its
        // audit row carrying the request id the client sent.
        std::map<std::string, int64_t> resident_by_note;
        std::map<int64_t, bool> has_household;
        for (const auto& row : Query(c, "SELECT id, note, household_id FROM residents")) {
            resident_by_note[row.Text(1)] = row.Int(0);
            has_household[row.Int(0)] = !row.IsNull(2);
        }
        f.residents = static_cast<int64_t>(has_household.size());
        std::set<int64_t> lives_somewhere;
        for (const auto& row : Query(c, "SELECT resident_id FROM residencies WHERE moved_out IS NULL")) {
            lives_somewhere.insert(row.Int(0));
        }
        std::map<int64_t, std::string> audit_request;
        for (const auto& row :
             Query(c, "SELECT target_id, request_id FROM audit_log WHERE action = 'resident.create'")) {
            audit_request[row.Int(0)] = row.Text(1);
        }
        for (const auto& [id, household] : has_household) {
            if (!audit_request.contains(id)) {
                f.Add("resident " + std::to_string(id) + " has no resident.create audit row");
            }
            if (household && !lives_somewhere.contains(id)) {
                f.Add("resident " + std::to_string(id) + " has a household but no residency");
            }
        }
        for (const auto& r : ledger.residents) {
            auto it = resident_by_note.find("crash " + r.cid);
            if (it == resident_by_note.end()) {
                f.Add("acknowledged resident " + r.cid + " (id " + std::to_string(r.id) + ") is missing");
            } else if (it->second != r.id) {
                f.Add("acknowledged resident " + r.cid + " has id " + std::to_string(it->second) + ", was told " +
                      std::to_string(r.id));
            } else if (audit_request[r.id] != r.cid) {
                f.Add("acknowledged resident " + r.cid + " has audit request id '" + audit_request[r.id] + "'");
            }
        }

        for (const auto& cid : ledger.in_doubt) {
            if (order_by_title.contains("crash " + cid) || resident_by_note.contains("crash " + cid)) {
                ++f.in_doubt_committed;
            }
        }
        return {};
    });
    if (!status) {
        throw Broken("check failed: " + status.error().message);
    }
    db->Close();
    return f;
}

bool Report(const std::string& when, const Findings& f, const Ledger& ledger) {
    if (ledger.refused > 0) {
        std::cerr << "crash: " << when << ": " << ledger.refused << " write(s) refused, e.g.:\n";
        for (const auto& r : ledger.refusals) {
            std::cerr << "  " << r << "\n";
        }
        return false;
    }
    if (f.problems.empty()) {
        return true;
    }
    std::cerr << "crash: " << when << ": " << f.problems.size() << " problem(s):\n";
    for (const auto& p : f.problems) {
        std::cerr << "  " << p << "\n";
    }
    return false;
}

// ---- backends ------------------------------------------------------------------------------------

/// `base` (postgresql://user@host:port/db?...) with another database name.
std::string WithDatabase(const std::string& base, const std::string& name) {
    const size_t scheme = base.find("://");
    const size_t slash = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t query = base.find('?');
    std::string out = base.substr(0, slash == std::string::npos ? query : slash) + "/" + name;
    if (query != std::string::npos) {
        out += base.substr(query);
    }
    return out;
}

/// Runs one statement outside a transaction (CREATE DATABASE cannot run inside one).
void AdminExec(const std::string& base_url, const std::string& sql) {
    PGconn* conn = PQconnectdb(base_url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string why = PQerrorMessage(conn);
        PQfinish(conn);
        throw Broken("cannot reach PostgreSQL: " + why);
    }
    PGresult* res = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    const std::string why = PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    if (!ok) {
        throw Broken(sql + ": " + why);
    }
}

/// A fresh database for one run: a SQLite file in the work directory, or a new PostgreSQL database
/// (a database, not a schema: pg_dump dumps whole databases). Dropped at the end unless --keep.
class Backend {
public:
    Backend(const Options& options, const std::string& suffix) : options_(options) {
        target_.key_file = options.workdir / "linli.key";
        target_.attachments = options.workdir / "attachments";
        if (options.backend == "sqlite") {
            target_.sqlite_file = options.workdir / ("linli" + suffix + ".db");
            target_.url = "sqlite:" + target_.sqlite_file.string();
            return;
        }
        const char* base = std::getenv("LINLI_TEST_PG_URL");
        base_url_ = base != nullptr ? base : "";
        name_ = "linli_crash_" + crypto::RandomHex(6) + suffix;
        AdminExec(base_url_, "CREATE DATABASE " + name_);
        target_.url = WithDatabase(base_url_, name_);
    }
    ~Backend() {
        if (!name_.empty() && !options_.keep) {
            try {
                AdminExec(base_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
            } catch (const std::exception& e) {
                std::cerr << "crash: " << e.what() << "\n";
            }
        }
    }
    const Target& target() const { return target_; }
    const std::string& base_url() const { return base_url_; }
    const std::string& name() const { return name_; }

private:
    const Options& options_;
    Target target_;
    std::string base_url_;
    std::string name_;
};

// ---- the two runs --------------------------------------------------------------------------------

int RunCrash(const Options& options) {
    Backend backend(options, "");
    const Target& target = backend.target();
    Server server(options, target);
    const Fixture fixture = SetUp(options, target, server);
    Load load(options, fixture);
    load.Begin();
    std::mt19937_64 rng(options.seed);
    const auto started = std::chrono::steady_clock::now();
    size_t last_acknowledged = 0;
    int64_t idle_rounds = 0;
    for (int kill = 1; kill <= options.kills; ++kill) {
        load.Resume(server.port());
        const int up_ms = options.min_up_ms + static_cast<int>(rng() % static_cast<uint64_t>(
                                                                            options.max_up_ms - options.min_up_ms + 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(up_ms));
        load.MarkDown();
        server.Kill();
        load.Pause();  // in-flight requests fail at once: the socket closed with the process

        const Ledger ledger = load.Snapshot();
        const Findings findings = Check(target, ledger);
        if (!Report("after kill " + std::to_string(kill), findings, ledger)) {
            std::cerr << "crash: seed " << options.seed << ", work directory " << options.workdir << "\n";
            return kExitFailed;
        }
        if (ledger.Acknowledged() == last_acknowledged) {
            ++idle_rounds;  // a kill before any write got through: fine now and then, not always
        }
        last_acknowledged = ledger.Acknowledged();
        server.Start();
    }
    // Last, the graceful path over the same database.
    load.Resume(server.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(options.min_up_ms));
    load.Pause();
    server.Stop();
    load.Finish();
    const Ledger ledger = load.Snapshot();
    const Findings findings = Check(target, ledger);
    if (!Report("after the final SIGTERM", findings, ledger)) {
        return kExitFailed;
    }
    if (idle_rounds * 2 > options.kills) {
        std::cerr << "crash: " << idle_rounds << " of " << options.kills
                  << " rounds got no write through; the load is not reaching the server\n";
        return kExitFailed;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "crash " << options.backend << ": " << options.kills << " SIGKILLs in " << static_cast<int>(seconds)
              << " s, seed " << options.seed << "; acknowledged " << ledger.orders.size() << " orders, "
              << ledger.replies.size() << " replies, " << ledger.residents.size() << " residents; "
              << ledger.in_doubt.size() << " in doubt, " << findings.in_doubt_committed
              << " of them committed; database holds " << findings.orders << " orders, " << findings.replies
              << " replies, " << findings.residents << " residents; every check passed\n";
    return 0;
}

/// Every write acknowledged before the backup began, read back through a server on the copy.
void ReadBack(const Options& options, const Target& copy, const Fixture& fixture, const Ledger& before,
              Findings* f) {
    Server server(options, copy);
    const uint16_t port = server.Start();
    HttpClient admin(port);
    admin.credentials.bearer = fixture.admin_token;  // sessions are in the database, so in the copy
    for (const auto& o : before.orders) {
        auto r = admin.Get("/api/v1/orders/" + std::to_string(o.id));
        if (r.status != 200 || TextField(r, "title") != "crash " + o.cid) {
            f->Add("order " + o.cid + " reads " + std::to_string(r.status) + " from the copy: " + Tail(r.body, 200));
        }
    }
    for (const auto& reply : before.replies) {
        auto r = admin.Get("/api/v1/orders/" + std::to_string(reply.order_id));
        if (r.status != 200 || r.body.find("reply " + reply.cid) == std::string::npos) {
            f->Add("reply " + reply.cid + " is not in the copy's order " + std::to_string(reply.order_id));
        }
    }
    for (const auto& res : before.residents) {
        auto r = admin.Get("/api/v1/residents/" + std::to_string(res.id));
        if (r.status != 200 || TextField(r, "note") != "crash " + res.cid) {
            f->Add("resident " + res.cid + " reads " + std::to_string(r.status) + " from the copy");
        }
    }
    server.Stop();
}

int RunBackup(const Options& options) {
    Backend backend(options, "");
    const Target& target = backend.target();
    Server server(options, target);
    const Fixture fixture = SetUp(options, target, server);
    Load load(options, fixture);
    load.Begin();
    load.Resume(server.port());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));

    // What the clients were told before the backup began must be in it; what comes during it may be.
    const Ledger before = load.Snapshot();
    const fs::path file = options.workdir / (options.backend == "sqlite" ? "backup.db" : "backup.dump");
    RunLinli(options, target, {"backup", file.string()});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    load.Pause();
    const Ledger after = load.Snapshot();
    server.Stop();
    load.Finish();
    if (before.Acknowledged() == 0 || after.Acknowledged() == before.Acknowledged()) {
        std::cerr << "backup: the load did not write before and during the backup (" << before.Acknowledged()
                  << " then " << after.Acknowledged() << " acknowledged writes)\n";
        return kExitFailed;
    }

    Target copy = target;
    std::optional<Backend> restored;
    if (options.backend == "sqlite") {
        copy.sqlite_file = file;
        copy.url = "sqlite:" + file.string();
    } else {
        // Restore as docs/operations.md says: pg_restore into an empty database.
        restored.emplace(options, "_restored");
        copy = restored->target();
        const int status =
            Wait(Spawn({"/usr/bin/env", "pg_restore", "--no-owner", "--exit-on-error", "--dbname=" + copy.url,
                        file.string()},
                       options.workdir / "pg_restore.log"));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw Broken("pg_restore failed:\n" + Tail(ReadFile(options.workdir / "pg_restore.log")));
        }
    }
    Findings findings = Check(copy, before);
    if (findings.problems.empty()) {
        ReadBack(options, copy, fixture, before, &findings);
    }
    if (!Report("in the backup", findings, after)) {
        return kExitFailed;
    }
    std::cout << "backup " << options.backend << ": " << before.Acknowledged()
              << " writes acknowledged before the backup began, all in the copy and served from it; "
              << after.Acknowledged() - before.Acknowledged() << " more during and after it; the copy holds "
              << findings.orders << " orders, " << findings.replies << " replies, " << findings.residents
              << " residents, consistent\n";
    return 0;
}

}  // namespace
}  // namespace linli::crash

int main(int argc, char** argv) {
    using namespace linli::crash;
    signal(SIGPIPE, SIG_IGN);  // a server killed mid-request must not kill the harness
    linli::crypto::Init();
    std::optional<Options> parsed;
    try {
        parsed = ParseOptions(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
    }
    if (!parsed) {
        Usage();
        return kExitBroken;
    }
    Options options = *parsed;
    if (options.backend == "postgres") {
        const char* url = std::getenv("LINLI_TEST_PG_URL");
        if (url == nullptr || *url == '\0') {
            std::cout << options.mode << " postgres: skipped, LINLI_TEST_PG_URL is not set\n";
            return kExitSkipped;
        }
    }
    const bool own_workdir = options.workdir.empty();
    if (own_workdir) {
        std::string dir = (std::filesystem::temp_directory_path() / "linli-crash-XXXXXX").string();
        if (mkdtemp(dir.data()) == nullptr) {
            std::cerr << "mkdtemp failed\n";
            return kExitBroken;
        }
        options.workdir = dir;
    }
    std::filesystem::create_directories(options.workdir);
    int rc = kExitBroken;
    try {
        rc = options.mode == "crash" ? RunCrash(options) : RunBackup(options);
    } catch (const std::exception& e) {
        std::cerr << options.mode << " " << options.backend << ": cannot run: " << e.what() << "\n";
        rc = kExitBroken;
    }
    if (own_workdir && rc == 0 && !options.keep) {
        std::error_code ignored;
        std::filesystem::remove_all(options.workdir, ignored);
    } else if (rc != 0) {
        std::cerr << "work directory kept: " << options.workdir << "\n";
    }
    return rc;
}
