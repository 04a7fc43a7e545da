#pragma once
/// The pure rules of mediation, apart from the database so they are tested alone: local dates and
/// times as people write them, and when an agreement may be decided on and an outcome recorded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "modules/mediation/model.hpp"

namespace linli::mediation {

/// "YYYY-MM-DD" → days since 1970-01-01; nullopt for anything that is not a real date.
std::optional<int64_t> ParseDay(std::string_view text);
/// Days since 1970-01-01 → "YYYY-MM-DD".
std::string FormatDay(int64_t day);
/// A real date written "YYYY-MM-DD", or 400 naming `field`.
Result<int64_t> RequireDay(std::string_view text, std::string_view field);
/// "HH:MM", 00:00–23:59, or 400 naming `field`.
Result<std::string> RequireTime(std::string_view text, std::string_view field);

/// Specialisms from their codes, deduplicated, in kSpecialisms order; 400 naming `field` for an
/// unknown code or an empty list.
Result<std::vector<Specialism>> ParseSpecialisms(const std::vector<std::string>& codes, std::string_view field);
/// "law,police" (storage form) ⇄ the list.
std::string JoinSpecialisms(const std::vector<Specialism>& list);
std::vector<Specialism> SplitSpecialisms(std::string_view stored);

/// Whether `d` may take `input` as a party's decision: 409 once the outcome is recorded or while
/// there is no agreement text ("agreement"); 400 party_id when it names nobody of this dispute;
/// 400 decision when it is "pending".
Result<void> CheckDecision(const Dispute& d, const DecisionInput& input);

/// Whether `d` may have the agreement text replaced: 409 once the outcome is recorded.
Result<void> CheckAgreement(const Dispute& d);

/// Whether `d` may take `input` as its outcome: 409 "outcome" when one is recorded already, and
/// for agreed / partly_agreed when there is no agreement text, no party, or a party who has not
/// accepted it (named); 400 referral for an agreed dispute that names a referral; 400 referral_to
/// when a referral has no destination, 400 referral when a destination has no referral.
Result<void> CheckOutcome(const Dispute& d, const OutcomeInput& input);

/// The figures' success rate: (agreed + partly agreed) / concluded, none when nothing concluded.
void FinishFigures(DisputeFigures& f);

}  // namespace linli::mediation
