#pragma once
/// The background worker that empties the outbox into inboxes and webhooks.
///
/// One pass (RunOnce):
///  1. claims due outbox rows with a lease (claimed_until = now + outbox_lease_s); a row whose lease
///     expired because its claimer died is due again;
///  2. per row, in ONE write transaction: the inbox rows (UNIQUE (outbox_id, user_id), so a replay
///     after a crash adds nothing), one pending delivery per active webhook whose topics match, and
///     delivered_at. A failed fan-out keeps the row and retries it after a backoff;
///  3. claims due webhook deliveries (lease longer than an HTTP attempt), POSTs each with
///     X-Linli-Delivery (stable per notification × subscription), X-Linli-Timestamp and
///     X-Linli-Signature, and records the outcome: 2xx delivered; otherwise retried at
///     now + backoff (exponential from backoff_base_s, capped at backoff_cap_s, jittered into
///     [delay/2, delay]) until max_attempts, then failed (visible to admins with last_error).
///     Deliveries to different subscriptions go out side by side (up to webhook_concurrency at once),
///     those to one subscription one after another, so a receiver that hangs until the timeout
///     delays only its own deliveries;
///  4. at most every prune_interval_s, deletes outbox rows delivered more than outbox_retention_s ago
///     with their finished webhook deliveries, in batches of prune_batch (PruneOutbox; inbox rows stay).
///
/// Guarantees: inbox delivery is exactly once. Webhook delivery is at-least-once with a stable
/// delivery id: a crash between the POST and recording it repeats the POST with the same id, which
/// the receiver drops (docs/webhooks.md). That is how "never sent twice" holds end to end.
///
/// Threading: Start() runs passes on one thread, woken by Wake() (Outbox::Enqueue calls it) or every
/// poll_seconds. A wake comes before the producer's commit, so after a wake the thread looks again
/// ~250 ms later. Several processes on one PostgreSQL share the work through the leases. RunOnce may
/// also be called directly (tests, a CLI); passes in one process never overlap.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/field_crypto.hpp"
#include "modules/notify/webhook_sender.hpp"
#include "storage/database.hpp"

namespace linli::notify {

struct DeliveryJob;

struct DelivererOptions {
    int poll_seconds = 5;            // look for due work at least this often
    int batch = 100;                 // rows claimed per step
    int64_t outbox_lease_s = 60;     // a claimed outbox row is left alone this long
    int64_t delivery_lease_s = 120;  // longer than an HTTP attempt (curl's total timeout)
    int max_attempts = 10;           // then a webhook delivery is marked failed
    int64_t backoff_base_s = 10;     // first retry after 5..10 s
    int64_t backoff_cap_s = 3600;    // never wait longer than an hour between attempts
    int webhook_concurrency = 4;     // subscriptions served side by side in one pass (each in order)
    int64_t outbox_retention_s = 30 * 86400;  // delivered outbox rows are kept this long; 0: for ever
    int64_t prune_interval_s = 600;           // look for rows to prune at most this often
    int prune_batch = 500;                    // rows deleted per write transaction
    int prune_batches = 10;                   // … and at most this many transactions per look
};

/// What one pass did.
struct PassResult {
    int fanned_out = 0;  // outbox rows delivered to inboxes and turned into webhook deliveries
    int sent = 0;        // webhook POSTs attempted
    int delivered = 0;   // … answered 2xx
    int retrying = 0;    // … failed and scheduled again
    int failed = 0;      // … failed for the last time (or their webhook is gone)
    int64_t pruned = 0;  // old delivered outbox rows deleted
    bool Busy() const { return fanned_out + sent + failed > 0; }
};

/// The wait before retry number `attempt` (1 = after the first failure): min(cap, base·2^(attempt-1))
/// scaled into [delay/2, delay] by `jitter` ∈ [0, 1].
int64_t BackoffSeconds(int attempt, int64_t base_s, int64_t cap_s, double jitter);

class Deliverer {
public:
    /// `db`, `clock` and `crypto` (which unseals webhook secrets) outlive the Deliverer.
    Deliverer(storage::Database& db, const Clock& clock, const FieldCrypto& crypto,
              std::unique_ptr<WebhookSender> sender, DelivererOptions options = {});
    ~Deliverer();
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    /// Starts the background thread. Idempotent.
    void Start();
    /// Cancels an in-flight POST (its delivery is retried after its lease), finishes the pass and
    /// joins the thread. Idempotent; call before closing the database.
    void Stop();
    /// Asks the thread to look for work now. Cheap; safe from any thread.
    void Wake();

    /// One full pass at clock.Now(). Errors from the database end the pass early (the next pass
    /// retries); an unreachable receiver is not an error but a recorded attempt.
    Result<PassResult> RunOnce();

    const DelivererOptions& options() const { return options_; }

private:
    Result<void> FanOut(PassResult& result);
    Result<void> SendDue(PassResult& result);
    /// Sends `jobs` (all to one subscription) in order; stops early on cancel.
    Result<void> SendGroup(const std::vector<DeliveryJob>& jobs, int64_t now, PassResult& result);
    Result<void> PruneIfDue(PassResult& result);
    void Loop();

    storage::Database& db_;
    const Clock& clock_;
    const FieldCrypto& crypto_;
    std::unique_ptr<WebhookSender> sender_;
    DelivererOptions options_;

    std::mutex pass_mu_;  // one pass at a time in this process
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::chrono::steady_clock::time_point last_wake_{};
    std::atomic<bool> cancel_{false};
    std::thread thread_;
    std::optional<int64_t> last_prune_at_;  // guarded by pass_mu_
};

}  // namespace linli::notify
