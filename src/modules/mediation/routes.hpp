#pragma once
/// HTTP routes of dispute mediation.

#include "core/clock.hpp"
#include "http/router.hpp"
#include "modules/mediation/service.hpp"

namespace linli::mediation {

/// Adds:
///   GET  /api/v1/dispute-categories                   → {"items":[category]}
///   GET  /api/v1/mediators                            ?include_inactive&specialism → {"items":[mediator]}
///   POST /api/v1/mediators                            {user_id, specialisms[], title} → 201 mediator
///   GET/PATCH /api/v1/mediators/{id}
///   GET  /api/v1/mediation/duty                       ?community_id&from&to&specialism → {"items":[entry]}
///   POST /api/v1/mediation/duty                       {community_id, entries:[{date, mediator_id, specialism}]}
///   DELETE /api/v1/mediation/duty/{id}
///   POST /api/v1/disputes                             intake → 201 dispute detail (+ warnings) + Location
///   GET  /api/v1/disputes                             ?state&node_id&overdue&cursor&limit → page of summaries
///   GET  /api/v1/disputes/{id}                        → dispute detail
///   POST /api/v1/disputes/{id}/parties                {side, resident_id | name [, phone]}
///   POST /api/v1/disputes/{id}/mediators              {mediator_id, lead}
///   POST /api/v1/disputes/{id}/sessions               {held_on, start_time, place_id, place_note,
///                                                      attendee_party_ids, attendee_mediator_ids,
///                                                      other_attendees, notes}
///   PUT  /api/v1/disputes/{id}/agreement              {text}
///   POST /api/v1/disputes/{id}/agreement/decisions    {party_id, decision, note}
///   POST /api/v1/disputes/{id}/outcome                {outcome, referral, referral_to, note}
///   GET  /api/v1/disputes/stats                       ?group_by&node_id&from&to → figures
///   GET  /api/v1/disputes/stats/export                same + format=csv|xlsx → a ledger file
/// REQUIRES: the service and clock outlive `router`.
void RegisterRoutes(http::Router& router, MediationService& service, const Clock& clock);

}  // namespace linli::mediation
