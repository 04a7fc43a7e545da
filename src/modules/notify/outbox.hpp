#pragma once
/// The transactional outbox: how any module sends a notification.
///
/// A producer calls Enqueue with the Conn of its own write transaction, next to the change the
/// notification is about:
///
///     db.Write([&](storage::Conn& c) -> Result<Order> {
///         LINLI_TRY(repo.SetState(c, ...));
///         LINLI_TRY(outbox.Enqueue(c, notify::Notification{...}, clock.Now()));
///         return order;
///     });
///
/// Enqueue only INSERTs one row with that Conn, so the notification commits or rolls back with the
/// change: a rolled-back change notifies no one, a committed one is delivered even if the process
/// dies right after (the Deliverer picks the row up after a restart). The dedupe key is unique and a
/// repeated key is silently ignored (ON CONFLICT DO NOTHING, so the caller's transaction is never
/// aborted by it): a producer that retries its work cannot notify twice.

#include <cstdint>
#include <functional>
#include <utility>

#include "core/error.hpp"
#include "modules/notify/model.hpp"
#include "storage/database.hpp"

namespace linli::notify {

/// Checks `n` (topic, title, body, link, payload, dedupe key, recipients) and inserts its outbox row
/// with `conn`. A bad field is kInvalidArgument naming it ("notification.title", ...): a bug in the
/// producer. REQUIRES: `conn` is inside a write transaction.
Result<void> Enqueue(storage::Conn& conn, const Notification& n, int64_t now);

/// Enqueue plus a nudge to the Deliverer so delivery starts in well under a second instead of at the
/// next poll. Services hold an `Outbox&`; the app wires it to its Deliverer, tests may use a default
/// (unwired) one. Thread safety: Enqueue may be called from any thread.
class Outbox {
public:
    /// `on_enqueue` (e.g. Deliverer::Wake) is called after each successful insert. It runs before the
    /// caller's transaction commits; the Deliverer allows for that (see deliverer.hpp).
    explicit Outbox(std::function<void()> on_enqueue = {}) : on_enqueue_(std::move(on_enqueue)) {}

    /// See the free Enqueue above.
    Result<void> Enqueue(storage::Conn& conn, const Notification& n, int64_t now) const;

private:
    std::function<void()> on_enqueue_;
};

}  // namespace linli::notify
