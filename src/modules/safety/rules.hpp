#pragma once
/// The pure rules of safety inspections, unit-tested without a database: rectification deadlines,
/// which items an inspection must answer, the fingerprint that tells a repeated post from a
/// different inspection under the same client id, client ids, photo id lists, local dates.
///
/// Thread safety: every function is pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "modules/safety/model.hpp"

namespace linli::safety {

/// The end (23:59:59 local) of the `days`-th local day after the day of `from`: a hazard found on
/// Monday with 1 day to put it right is due at the end of Tuesday. `utc_offset` in seconds.
int64_t RectifyDeadline(int64_t from, int days, int utc_offset);

/// Checks the answers of an inspection against the version it was made against: every item of the
/// version answered exactly once and nothing else. 400 naming "items[i].item_id" for an item
/// outside the version or answered twice, "items" for a missing one (naming the item).
Result<void> CheckAnswers(const TemplateVersion& version, const std::vector<NewInspectionItem>& answers);

/// A client id: 1–64 characters of A–Z a–z 0–9 . _ : - (a UUID fits). 400 client_id otherwise.
Result<void> CheckClientId(std::string_view client_id);

/// A fingerprint of what an inspection says (not of how the JSON was written): a repeat of the same
/// inspection has the same one.
std::string InspectionFingerprint(const NewInspection& in);

/// "3,5,8" ⇄ {3, 5, 8}; malformed parts are skipped.
std::string JoinIds(const std::vector<int64_t>& ids);
std::vector<int64_t> SplitIds(std::string_view text);

/// The first `max_chars` code points of `text` (valid UTF-8), with "…" when it was cut.
std::string Truncate(std::string_view text, size_t max_chars);

/// "YYYY-MM-DD" → the epoch second at which that local day starts; nullopt when not a real date.
std::optional<int64_t> ParseLocalDate(std::string_view text, int utc_offset);
/// "YYYY-MM-DD" of the local day of `epoch_seconds`.
std::string FormatLocalDate(int64_t epoch_seconds, int utc_offset);
/// "YYYY-MM-DD HH:MM" local.
std::string FormatLocalMinute(int64_t epoch_seconds, int utc_offset);

/// The default party responsible for a hazard when the inspector names none: the venue's owner,
/// else the landlord of a rental building, else the property company.
Responsible DefaultResponsible(TemplateKind kind, const std::optional<Venue>& venue);

/// The order category code a template kind files hazards under by default.
std::string_view DefaultCategoryCode(TemplateKind kind);

/// A template code: 2–40 of a–z 0–9 _. 400 code otherwise.
Result<void> CheckTemplateCode(std::string_view code);

}  // namespace linli::safety
