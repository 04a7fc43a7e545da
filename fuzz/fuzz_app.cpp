#include "fuzz/fuzz_app.hpp"

#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/id_number.hpp"
#include "http/pipeline.hpp"
#include "modules/accounts/routes.hpp"
#include "modules/accounts/service.hpp"
#include "modules/registry/service.hpp"

namespace linli::fuzz {

namespace fs = std::filesystem;

namespace {

std::string* g_dir = nullptr;  // removed at exit

void RemoveDir() {
    if (g_dir != nullptr) {
        std::error_code ignored;
        fs::remove_all(*g_dir, ignored);
    }
}

/// A new folder on tmpfs when there is one: every accepted write is an fsync, which tmpfs makes free.
std::string MakeTempDir() {
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                      : fs::temp_directory_path();
    std::string dir = (base / "linli-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return dir;
}

template <class T>
T OrDie(Result<T> r, std::string_view what) {
    if (!r) {
        std::cerr << "fuzz set-up: " << what << ": " << r.error().message << "\n";
        std::abort();
    }
    return std::move(*r);
}

const SystemClock& TheClock() {
    static const SystemClock clock;
    return clock;
}

}  // namespace

struct FuzzApp::PipelineHolder {
    std::unique_ptr<http::Pipeline> pipeline;
};

FuzzApp& FuzzApp::Get() {
    // Never destroyed: the writer and import threads may still run while the process exits.
    static FuzzApp* app = new FuzzApp();
    return *app;
}

FuzzApp::FuzzApp() {
    crypto::Init();
    spdlog::set_level(spdlog::level::err);  // an escaped exception is logged, the rest is noise
    g_dir = new std::string(MakeTempDir());
    std::atexit(RemoveDir);

    app::Config config;
    config.db = "sqlite:" + *g_dir + "/fuzz.db";
    config.key_file = *g_dir + "/fuzz.key";
    config.attachments_dir = *g_dir + "/attachments";
    config.password_cost = "minimum";
    config.access_log = false;
    config.listen = "127.0.0.1:0";
    app_ = OrDie(app::App::Create(config, TheClock()), "the app");

    const Actor system = accounts::AccountsService::SystemActor("fuzz");
    const RequestInfo info{"fuzz", "local"};
    auto node = [&](std::optional<int64_t> parent, std::string_view kind, std::string name) {
        registry::NewNode n;
        n.parent_id = parent;
        n.kind = *registry::ParseNodeKind(kind);
        n.name = std::move(name);
        return OrDie(app_->registry().Create(system, n, info), "a node").id;
    };
    places_.subdistrict = node(std::nullopt, "subdistrict", "和平街道");
    places_.community = node(places_.subdistrict, "community", "青和居社区");
    places_.grid = node(places_.community, "grid", "第1网格");
    places_.building = node(places_.grid, "building", "1号楼");
    places_.unit = node(places_.building, "unit", "1单元");
    places_.household = node(places_.unit, "household", "101");

    actors_.resize(AllRoles().size());
    for (Role role : AllRoles()) {
        accounts::NewUser user;
        user.username = std::string(RoleName(role));
        user.password = "Fuzz-passw0rd";
        user.role = role;
        if (role == Role::kGridWorker) {
            user.scope_node_ids = {places_.grid};
        } else if (role == Role::kBuildingHead || role == Role::kLinkLeader) {
            user.scope_node_ids = {places_.building};
        } else if (role != Role::kAdmin && role != Role::kPartnerUnit) {
            user.scope_node_ids = {places_.community};
        }
        auto created = OrDie(app_->accounts().CreateUser(system, user, info), "an account");
        Actor actor;
        actor.user_id = created.id;
        actor.username = created.username;
        actor.role = role;
        actor.scope = OrDie(app_->accounts().ResolveScope(user.scope_node_ids), "a scope");
        actors_[static_cast<size_t>(role)] = std::move(actor);
    }

    auto real = accounts::MakeAuthenticator(app_->accounts());
    pipeline_ = std::make_unique<PipelineHolder>();
    pipeline_->pipeline = std::make_unique<http::Pipeline>(
        app_->router(),
        [this, real](const http::Request& req) -> Result<std::optional<Actor>> {
            if (req.Header("authorization") || req.Cookie("linli_session")) {
                return real(req);
            }
            auto role = ParseRole(req.Header("x-fuzz-role").value_or("admin"));
            return std::optional<Actor>(ActorFor(role.value_or(Role::kAdmin)));
        },
        app_->metrics(), http::PipelineOptions{false});

    // A record of each common kind, so that "1" in a path names something real.
    auto seed = [&](std::string path, boost::json::object body) {
        http::Request req;
        req.method = http::Method::kPost;
        req.target = req.path = std::move(path);
        req.headers = {{"content-type", "application/json"}};
        req.body = boost::json::serialize(body);
        auto res = Handle(req);
        if (res.status >= 300) {
            std::cerr << "fuzz set-up: POST " << req.path << " answered " << res.status << ": " << res.body << "\n";
            std::abort();
        }
    };
    seed("/api/v1/orders", {{"kind", "request"},
                            {"category_id", 1},
                            {"title", "楼道灯不亮"},
                            {"place_id", places_.building},
                            {"reporter_name", "王阿姨"},
                            {"reporter_phone", "13812345678"},
                            {"channel", "walk_in"}});
    seed("/api/v1/residents", {{"name", "王建国"},
                               {"id_number", std::string("11010819500101001") + id_number::CheckCharacter("11010819500101001")},
                               {"household_id", places_.household},
                               {"relation", "head"}});
    seed("/api/v1/handling-units", {{"name", "物业公司"}, {"kind", "property_company"}});
}

http::Response FuzzApp::Handle(http::Request& req) {
    auto res = pipeline_->pipeline->Handle(req);
    // LINLI_FUZZ_VERBOSE=1: each request and its answer, to see how deep the seeds reach.
    static const bool verbose = std::getenv("LINLI_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
        std::cerr << http::MethodName(req.method) << " " << req.target << " → " << res.status << " "
                  << res.body.substr(0, 160) << "\n";
    }
    return res;
}

const Actor& FuzzApp::ActorFor(Role role) const {
    return actors_.at(static_cast<size_t>(role));
}

void CheckResponse(const http::Request& req, const http::Response& res) {
    const auto describe = [&] {
        return std::string(http::MethodName(req.method)) + " " + req.target + " → " + std::to_string(res.status) +
               " " + res.body.substr(0, 500);
    };
    Expect(res.status != 500, "no input may cause a 500: " + describe());
    Expect(res.status >= 200 && res.status <= 599, "a status outside 200..599: " + describe());
    // The API's own paths answer errors in one JSON shape (Open311 answers in its own formats).
    if (res.status >= 400 && req.path.starts_with("/api/")) {
        boost::system::error_code ec;
        auto body = boost::json::parse(res.body, ec);
        const auto* object = ec ? nullptr : body.if_object();
        const auto* error = object != nullptr ? object->if_contains("error") : nullptr;
        Expect(error != nullptr && error->is_object() && error->as_object().contains("code"),
               "an error without the error body: " + describe());
    }
}

}  // namespace linli::fuzz
