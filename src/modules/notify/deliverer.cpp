#include "modules/notify/deliverer.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <future>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "modules/notify/json.hpp"
#include "modules/notify/model.hpp"
#include "modules/notify/repository.hpp"
#include "modules/notify/signature.hpp"

namespace linli::notify {

namespace {

using storage::Conn;

/// After a wake the producer's commit may still be on its way; look again this soon.
constexpr auto kSettle = std::chrono::milliseconds(250);
/// How long after a wake the settle look-again applies.
constexpr auto kWakeWindow = std::chrono::seconds(2);

double Jitter() {
    crypto::Init();
    return static_cast<double>(randombytes_uniform(1'000'001)) / 1'000'000.0;
}

}  // namespace

int64_t BackoffSeconds(int attempt, int64_t base_s, int64_t cap_s, double jitter) {
    int64_t delay = std::max<int64_t>(base_s, 1);
    for (int i = 1; i < attempt && delay < cap_s; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, cap_s);
    jitter = std::clamp(jitter, 0.0, 1.0);
    // "Equal jitter": never sooner than half the delay, so retries still back off, but spread so
    // that many deliveries failing together do not come back together.
    int64_t half = delay / 2;
    return std::max<int64_t>(1, half + static_cast<int64_t>(static_cast<double>(delay - half) * jitter));
}

Deliverer::Deliverer(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
                     std::unique_ptr<WebhookSender> sender, DelivererOptions options)
    : db_(db), clock_(clock), crypto_(crypto), sender_(std::move(sender)), options_(options) {}

Deliverer::~Deliverer() {
    Stop();
}

void Deliverer::Start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stop_) {
        return;
    }
    thread_ = std::thread([this] { Loop(); });
}

void Deliverer::Stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        cancel_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void Deliverer::Wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
        last_wake_ = std::chrono::steady_clock::now();
    }
    cv_.notify_all();
}

void Deliverer::Loop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        woken_ = false;
        lock.unlock();
        bool busy = false;
        try {
            auto pass = RunOnce();
            if (!pass) {
                spdlog::warn("notify: delivery pass failed: {}", pass.error().message);
            } else {
                busy = pass->Busy();
            }
        } catch (const std::exception& e) {
            // A lost database: keep the thread alive and try again at the next poll.
            spdlog::error("notify: delivery pass threw: {}", e.what());
        }
        lock.lock();
        if (stop_) {
            break;
        }
        if (busy) {
            continue;  // drain a backlog without waiting
        }
        auto wait = std::chrono::steady_clock::now() - last_wake_ < kWakeWindow
                        ? std::chrono::duration_cast<std::chrono::milliseconds>(kSettle)
                        : std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::seconds(std::max(options_.poll_seconds, 1)));
        cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
    }
}

Result<PassResult> Deliverer::RunOnce() {
    std::lock_guard pass_lock(pass_mu_);
    PassResult result;
    LINLI_ASSIGN_OR_RETURN(bool due, db_.Read([&](Conn& c) { return AnyDue(c, clock_.Now()); }));
    if (due) {
        LINLI_TRY(FanOut(result));
        LINLI_TRY(SendDue(result));
    }
    LINLI_TRY(PruneIfDue(result));
    return result;
}

Result<void> Deliverer::PruneIfDue(PassResult& result) {
    const int64_t now = clock_.Now();
    if (options_.outbox_retention_s <= 0 || (last_prune_at_ && now - *last_prune_at_ < options_.prune_interval_s)) {
        return {};
    }
    last_prune_at_ = now;
    // Small transactions: on SQLite every write waits for the one writer, and requests come first.
    for (int i = 0; i < options_.prune_batches && !cancel_; ++i) {
        LINLI_ASSIGN_OR_RETURN(int64_t deleted, db_.Write([&](Conn& c) {
            return PruneOutbox(c, now - options_.outbox_retention_s, options_.prune_batch);
        }));
        result.pruned += deleted;
        if (deleted < options_.prune_batch) {
            break;
        }
    }
    if (result.pruned > 0) {
        spdlog::info("notify: pruned {} delivered outbox row(s) older than {} day(s)", result.pruned,
                     options_.outbox_retention_s / 86400);
    }
    return {};
}

Result<void> Deliverer::FanOut(PassResult& result) {
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto rows, db_.Write([&](Conn& c) {
        return ClaimOutbox(c, now, now + options_.outbox_lease_s, options_.batch);
    }));
    if (rows.empty()) {
        return {};
    }
    LINLI_ASSIGN_OR_RETURN(auto webhooks, db_.Read([](Conn& c) { return ActiveWebhooks(c); }));
    for (const OutboxRow& row : rows) {
        auto done = db_.Write([&](Conn& c) -> Result<void> {
            for (int64_t user_id : row.user_ids) {
                LINLI_TRY(InsertInboxRow(c, row.id, user_id));
            }
            if (row.webhooks) {
                for (const WebhookTarget& w : webhooks) {
                    bool match = std::any_of(w.topics.begin(), w.topics.end(),
                                             [&](const std::string& p) { return TopicMatches(p, row.topic); });
                    if (match) {
                        // Random rather than derived from ids: ids repeat across a reinstall, and a
                        // receiver must never drop a new notification as a duplicate of an old one.
                        LINLI_TRY(InsertDelivery(c, row.id, w.id, crypto::RandomHex(16), now));
                    }
                }
            }
            return MarkOutboxDelivered(c, row.id, now);
        });
        if (done) {
            ++result.fanned_out;
            continue;
        }
        spdlog::warn("notify: outbox row {} not delivered (attempt {}): {}", row.id, row.attempts,
                     done.error().message);
        int64_t retry_at =
            now + BackoffSeconds(row.attempts, options_.backoff_base_s, options_.backoff_cap_s, Jitter());
        LINLI_TRY(db_.Write([&](Conn& c) { return DeferOutbox(c, row.id, retry_at, done.error().message); }));
    }
    return {};
}

Result<void> Deliverer::SendDue(PassResult& result) {
    const int64_t now = clock_.Now();
    LINLI_ASSIGN_OR_RETURN(auto jobs, db_.Write([&](Conn& c) {
        return ClaimDeliveries(c, now, now + options_.delivery_lease_s, options_.batch);
    }));
    // One group per subscription, in claim order: a receiver sees its deliveries one at a time and in
    // order, and a receiver that hangs until the timeout holds up only its own group.
    std::vector<std::vector<DeliveryJob>> groups;
    for (auto& job : jobs) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.front().webhook_id == job.webhook_id; });
        if (it == groups.end()) {
            groups.emplace_back();
            it = std::prev(groups.end());
        }
        it->push_back(std::move(job));
    }
    const size_t workers =
        std::min(groups.size(), static_cast<size_t>(std::max(options_.webhook_concurrency, 1)));
    if (workers <= 1) {
        for (const auto& group : groups) {
            LINLI_TRY(SendGroup(group, now, result));
        }
        return {};
    }
    // A few threads take whole groups from a shared index; each counts into its own result. An
    // exception (a lost database) reaches the caller from get(), as it would without the threads.
    std::atomic<size_t> next{0};
    std::vector<PassResult> partial(workers);
    std::vector<std::future<Result<void>>> running;
    for (size_t w = 0; w < workers; ++w) {
        running.push_back(std::async(std::launch::async, [&, w]() -> Result<void> {
            for (size_t g = next++; g < groups.size(); g = next++) {
                LINLI_TRY(SendGroup(groups[g], now, partial[w]));
            }
            return {};
        }));
    }
    std::optional<Error> first_error;
    std::exception_ptr thrown;
    for (auto& f : running) {
        try {
            auto done = f.get();
            if (!done && !first_error) {
                first_error = done.error();
            }
        } catch (...) {
            if (!thrown) {
                thrown = std::current_exception();
            }
        }
    }
    for (const auto& p : partial) {
        result.sent += p.sent;
        result.delivered += p.delivered;
        result.retrying += p.retrying;
        result.failed += p.failed;
    }
    if (thrown) {
        std::rethrow_exception(thrown);
    }
    if (first_error) {
        return *first_error;
    }
    return {};
}

Result<void> Deliverer::SendGroup(const std::vector<DeliveryJob>& jobs, int64_t now, PassResult& result) {
    for (const DeliveryJob& job : jobs) {
        if (cancel_) {
            break;  // the rest stay claimed until their lease runs out, then are sent
        }
        if (!job.webhook_usable) {
            LINLI_TRY(db_.Write([&](Conn& c) {
                return RecordAttempt(c, job.id, DeliveryState::kCancelled, std::nullopt, "webhook paused or deleted",
                                     now, now);
            }));
            ++result.failed;
            continue;
        }
        std::string secret = job.secret;
        if (!job.secret_enc.empty()) {
            auto opened = crypto_.Decrypt(job.secret_enc);
            if (!opened) {
                // Another key file than the one the secret was sealed with: nothing can be signed. Retried
                // like an unreachable receiver, so a restored key file lets it through.
                const int64_t after = clock_.Now();
                const bool last = job.attempts >= options_.max_attempts;
                LINLI_TRY(db_.Write([&](Conn& c) {
                    return RecordAttempt(
                        c, job.id, last ? DeliveryState::kFailed : DeliveryState::kPending, std::nullopt,
                        "the webhook secret cannot be unsealed with this server's key file (security.key_file)",
                        after + BackoffSeconds(job.attempts, options_.backoff_base_s, options_.backoff_cap_s, Jitter()),
                        after);
                }));
                ++(last ? result.failed : result.retrying);
                continue;
            }
            secret = std::move(*opened);
        }
        const std::string body = WebhookBody(job);
        const int64_t timestamp = clock_.Now();
        std::vector<std::pair<std::string, std::string>> headers{
            {std::string(kDeliveryHeader), job.delivery_key},
            {std::string(kTimestampHeader), std::to_string(timestamp)},
            {std::string(kSignatureHeader), SignWebhook(secret, timestamp, body)},
            {std::string(kTopicHeader), job.topic},
        };
        ++result.sent;
        HttpOutcome outcome = sender_->Post(job.url, headers, body, cancel_);
        if (outcome.cancelled) {
            break;
        }
        const int64_t after = clock_.Now();
        const bool ok = outcome.status && *outcome.status >= 200 && *outcome.status <= 299;
        DeliveryState state = DeliveryState::kPending;
        int64_t next_at = after;
        if (ok) {
            state = DeliveryState::kDelivered;
            ++result.delivered;
        } else if (job.attempts >= options_.max_attempts) {
            state = DeliveryState::kFailed;
            ++result.failed;
            spdlog::warn("notify: webhook {} delivery {} failed after {} attempts: {}", job.webhook_id,
                         job.delivery_key, job.attempts, outcome.error);
        } else {
            next_at = after + BackoffSeconds(job.attempts, options_.backoff_base_s, options_.backoff_cap_s, Jitter());
            ++result.retrying;
        }
        LINLI_TRY(db_.Write([&](Conn& c) {
            return RecordAttempt(c, job.id, state, outcome.status, ok ? std::string() : outcome.error, next_at, after);
        }));
    }
    return {};
}

}  // namespace linli::notify
