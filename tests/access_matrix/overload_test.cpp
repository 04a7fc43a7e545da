// Past saturation the server sheds load and recovers (issue 7, item 5). With a tiny
// server.max_inflight, writes held behind a database write the test keeps open fill every slot; a
// flood of further requests from many connections is then answered 503 at once (Retry-After, error
// code "unavailable"), none hangs and none is dropped; when the write is let go the held requests
// complete as acknowledged writes, and the same server serves as before. Nothing here depends on
// timing: the slots are full because the test holds them, and it waits on the server's own gauge.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"

namespace linli::testing {
namespace {

namespace json = boost::json;

constexpr int kMaxInflight = 4;
constexpr int kFloodConnections = 64;
constexpr int kRequestsPerConnection = 10;

int64_t Inflight(TestServer& server) {
    return server.app()
        .metrics()
        .GetGauge("linli_http_requests_inflight", "Requests handed to the work pool.")
        .value();
}

/// Runs `per_thread` requests on each of `threads` threads; returns how many got each status.
std::map<int, int> Flood(int threads, int per_thread, const std::function<HttpReply(int, int)>& request,
                         std::vector<std::string>* bad_bodies = nullptr) {
    std::mutex mu;
    std::map<int, int> statuses;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                HttpReply reply = request(t, i);
                std::lock_guard lock(mu);
                ++statuses[reply.status];
                if (bad_bodies != nullptr && reply.status == 503 &&
                    (reply.ErrorCode() != "unavailable" || reply.Header("retry-after") != "1")) {
                    bad_bodies->push_back(reply.body);
                }
            }
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    return statuses;
}

TEST(Overload, ShedsWith503WhenEverySlotIsTakenAndRecovers) {
    TestServer server(Backend::kSqlite, [](app::Config& c) {
        c.max_inflight = kMaxInflight;
        c.workers = 16;
    });
    const int64_t subdistrict = server.CreateNode(std::nullopt, "subdistrict", "和平街道");
    const int64_t community = server.CreateNode(subdistrict, "community", "青和居社区");
    server.CreateUser("staff1", Role::kCommunityStaff, {community});
    const std::string bearer = server.LoggedIn("staff1", true).credentials.bearer;
    auto client = [&] {
        HttpClient c = server.Client();
        c.credentials.bearer = bearer;
        return c;
    };
    const std::string node_url = "/api/v1/territory/nodes/" + std::to_string(community);
    auto add_grid = [&](const std::string& name) {
        return client().Post("/api/v1/territory/nodes",
                             json::object{{"parent_id", community}, {"kind", "grid"}, {"name", name}});
    };

    // Hold the database's single writer with a write of our own.
    std::promise<void> holding;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::thread blocker([&] {
        auto r = server.app().db().Write([&](storage::Conn&) -> Result<void> {
            holding.set_value();
            released.wait();
            return {};
        });
        EXPECT_TRUE(r);
    });
    holding.get_future().wait();

    // Fill every slot: writes that wait behind it (each is acknowledged only after its commit).
    std::vector<std::thread> held;
    std::vector<int> held_status(kMaxInflight, 0);
    for (int i = 0; i < kMaxInflight; ++i) {
        held.emplace_back([&, i] { held_status[i] = add_grid("第" + std::to_string(i + 1) + "网格").status; });
    }
    ASSERT_TRUE(Eventually([&] { return Inflight(server) == kMaxInflight; }))
        << "in flight: " << Inflight(server);

    // The flood: reads and writes from many connections, all refused at once with 503.
    std::vector<std::string> bad;
    auto shed = Flood(
        kFloodConnections, kRequestsPerConnection,
        [&](int t, int i) {
            if ((t + i) % 4 == 0) {
                return add_grid("洪水" + std::to_string(t) + "-" + std::to_string(i));
            }
            return client().Get(i % 2 == 0 ? node_url : std::string("/healthz"));
        },
        &bad);
    EXPECT_EQ(shed, (std::map<int, int>{{503, kFloodConnections * kRequestsPerConnection}}));
    EXPECT_TRUE(bad.empty()) << "a 503 without error code \"unavailable\" and Retry-After: 1: " << bad.front();

    // Let go: the held writes complete, acknowledged.
    release.set_value();
    blocker.join();
    for (auto& th : held) {
        th.join();
    }
    EXPECT_EQ(held_status, std::vector<int>(kMaxInflight, 201));
    ASSERT_TRUE(Eventually([&] { return Inflight(server) == 0; }));

    // Normal service: as many connections as there are slots, every request served.
    auto served = Flood(kMaxInflight, 25, [&](int t, int i) {
        if (i % 5 == 0) {
            return add_grid("恢复" + std::to_string(t) + "-" + std::to_string(i));
        }
        return client().Get(node_url);
    });
    const int writes = kMaxInflight * 5;
    EXPECT_EQ(served, (std::map<int, int>{{200, kMaxInflight * 25 - writes}, {201, writes}}));

    // None of the refused writes landed; the held ones and the later ones did.
    auto count = client().Get("/api/v1/territory/nodes/count?parent_id=" + std::to_string(community));
    ASSERT_EQ(count.status, 200) << count.body;
    EXPECT_EQ(count.Json().at("count").as_int64(), kMaxInflight + writes);
    EXPECT_EQ(client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace linli::testing
