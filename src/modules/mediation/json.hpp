#pragma once
/// JSON shapes of the mediation module, and its figures as a ledger table (Chinese headers) for
/// CSV / XLSX export. Only routes.cpp and tests include this with Boost.JSON.

#include <boost/json.hpp>

#include "core/paging.hpp"
#include "modules/ledger/table.hpp"
#include "modules/mediation/model.hpp"

namespace linli::mediation {

/// {"id","code","name_zh","name_en"}
boost::json::object CategoryToJson(const DisputeCategory& c);
/// {"id","user_id","username","display_name","role","specialisms":[...],"title","active",...}
boost::json::object MediatorToJson(const Mediator& m);
/// {"id","community_id","date","mediator_id","mediator_name","mediator_title","specialism"}
boost::json::object DutyEntryToJson(const DutyEntry& e);
/// {"id","tracking_code","category":{...},"subject","received_at","parties":[...],"mediators":[...],
///  "sessions":[...],"agreement":{"text","at"}|null,"outcome":{...}|null,"order":<order detail>,
///  "warnings":[{"code","message"}]}; phones only masked.
boost::json::object DisputeDetailToJson(const DisputeDetail& d, int64_t now);
/// {"items":[{"id","tracking_code","state","overdue","due_resolve_at","place","category","subject",
///  "parties","sessions","lead_mediator","outcome","referral","created_at"}],"next_cursor"}
boost::json::object DisputePageToJson(const Page<DisputeSummary>& page, int64_t now);
/// {"group_by","from","to","node_id","rows":[{"key","name",<figures>}],"total":{<figures>}}
boost::json::object FiguresToJson(const FigureReport& r);
/// One row per group and a 合计 row; rates in percent.
ledger::Table FiguresToTable(const FigureReport& r);

}  // namespace linli::mediation
