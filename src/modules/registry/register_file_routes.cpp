#include "modules/registry/register_file_routes.hpp"

#include "http/json_io.hpp"
#include "modules/ledger/table_writer.hpp"
#include "modules/registry/import_jobs.hpp"
#include "modules/registry/register_files.hpp"
#include "modules/registry/resident_service.hpp"

namespace linli::registry {

namespace {

using http::AccessRule;
using http::Method;
using http::Request;
using http::Response;

constexpr const char* kImports = "/api/v1/residents/imports";

boost::json::object StatusJson(const ImportStatus& s) {
    boost::json::object o{
        {"id", s.id}, {"phase", s.phase}, {"total", s.total}, {"done", s.done}, {"started_at", s.started_at}};
    if (s.summary) {
        o["result"] = {{"committed", s.summary->committed},
                       {"inserted", s.summary->inserted},
                       {"updated", s.summary->updated},
                       {"skipped", s.summary->skipped},
                       {"nodes_created", s.summary->nodes_created},
                       {"errors", s.summary->errors.size()}};
        boost::json::array first;
        for (size_t i = 0; i < s.summary->errors.size() && i < 50; ++i) {
            const auto& e = s.summary->errors[i];
            first.push_back({{"line", e.line}, {"column", e.column}, {"message", e.message_zh + " / " + e.message_en}});
        }
        o["first_errors"] = std::move(first);
        o["error_report"] = s.summary->errors.empty()
                                ? boost::json::value(nullptr)
                                : boost::json::value(std::string(kImports) + "/" + s.id + "/errors");
    }
    if (s.error) {
        o["error"] = {{"code", ErrorCodeName(s.error->code)}, {"message", s.error->message}, {"field", s.error->field}};
    }
    return o;
}

Response Download(std::string bytes, const std::string& content_type, const std::string& filename) {
    Response r;
    r.content_type = content_type;
    r.body = std::move(bytes);
    r.AddHeader("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    r.AddHeader("Cache-Control", "no-store");  // personal data, even masked, stays out of caches
    return r;
}

Response DownloadLedger(std::string bytes, FileFormat format, const std::string& stem) {
    return format == FileFormat::kXlsx
               ? Download(std::move(bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          stem + ".xlsx")
               : Download(std::move(bytes), "text/csv; charset=utf-8", stem + ".csv");
}

FileFormat FormatOf(const std::optional<std::string>& format) {
    return format && *format == "xlsx" ? FileFormat::kXlsx : FileFormat::kCsv;
}

/// ?reveal=true&reason=... → the reason to hand to the export (which checks the role and the
/// reason's length); a reason without reveal=true is a mistake worth telling.
/// REQUIRES: both parameters were read from `query` and Finish() succeeded.
Result<std::optional<std::string>> RevealReason(const std::optional<std::string>& reveal,
                                                const std::optional<std::string>& reason) {
    if (reveal && *reveal == "true") {
        return std::optional<std::string>(reason.value_or(""));
    }
    if (reason) {
        return InvalidArgument("reveal", "reason is only read with reveal=true");
    }
    return std::optional<std::string>();
}

}  // namespace

void RegisterFileRoutes(http::Router& router, ResidentService& residents, AssignmentService& assignments,
                        ImportJobs& jobs, storage::Database& db, const Clock& clock) {
    const auto writers =
        AccessRule::Roles({Role::kAdmin, Role::kSubdistrictLeader, Role::kCommunityStaff, Role::kGridWorker});

    router.Add(
        Method::kPost, kImports, writers,
        [&jobs, &residents](Request& req) -> Result<Response> {
            http::QueryReader query(req);
            auto into = query.Int("into", 1);
            auto skip = query.Enum("skip_invalid", {"true", "false"});
            LINLI_TRY(query.Finish());
            if (!into) {
                return InvalidArgument("into", "into (the community or grid node id) is required");
            }
            if (req.body.empty()) {
                return InvalidArgument("file", "the request body must be the CSV or XLSX file");
            }
            // A target outside the caller's scope is a 404 now, not a job that fails later.
            LINLI_TRY(residents.CheckImportTarget(req.caller(), *into, "into"));
            std::string id = jobs.Start(req.caller(), *into, skip && *skip == "true", std::move(req.body),
                                        RequestInfo{req.request_id, req.remote_addr});
            auto r = http::JsonResponse(202, {{"id", id}, {"status_url", std::string(kImports) + "/" + id}});
            r.AddHeader("Location", std::string(kImports) + "/" + id);
            return r;
        },
        "Upload a residents file (CSV or XLSX) to import; answers 202 with a job to poll");
    router.SetBodyLimit(Method::kPost, kImports, kMaxImportBytes);

    router.Add(
        Method::kGet, std::string(kImports) + "/{id}", writers,
        [&jobs](Request& req) -> Result<Response> {
            LINLI_ASSIGN_OR_RETURN(auto status, jobs.Get(req.caller(), req.path_params.at("id")));
            return http::JsonResponse(200, StatusJson(status));
        },
        "An import's progress and result");

    router.Add(
        Method::kGet, std::string(kImports) + "/{id}/errors", writers,
        [&jobs](Request& req) -> Result<Response> {
            http::QueryReader query(req);
            auto format = FormatOf(query.Enum("format", {"csv", "xlsx"}));
            LINLI_TRY(query.Finish());
            const std::string& id = req.path_params.at("id");
            LINLI_ASSIGN_OR_RETURN(auto report, jobs.Report(req.caller(), id));
            LINLI_ASSIGN_OR_RETURN(auto bytes, WriteLedger(*report, format, "错误报告"));
            return DownloadLedger(std::move(bytes), format, "import-errors-" + id);
        },
        "The import's rejected rows with their original cells and 行号, 错误列, 错误说明, error, as CSV or XLSX; "
        "correct it and import it again");

    router.Add(
        Method::kGet, "/api/v1/residents/export", AccessRule::AnyUser(),
        [&residents, &db, &clock](Request& req) -> Result<Response> {
            http::QueryReader query(req);
            auto format = query.Enum("format", {"csv", "xlsx"});
            auto node = query.Int("node_id", 1);
            auto reveal = query.Enum("reveal", {"true", "false"});
            auto reason = query.String("reason", {0, 1000});
            LINLI_TRY(query.Finish());
            ExportOptions options;
            options.format = FormatOf(format);
            LINLI_ASSIGN_OR_RETURN(options.reveal_reason, RevealReason(reveal, reason));
            ResidentQuery filter;
            filter.under_node_id = node;
            LINLI_ASSIGN_OR_RETURN(auto bytes,
                                   ExportResidents(residents, db, req.caller(), filter, options,
                                                   RequestInfo{req.request_id, req.remote_addr}, clock.Now()));
            return DownloadLedger(std::move(bytes), options.format, "residents");
        },
        "The residents ledger (台账) in the caller's scope, masked unless revealed with a reason, as CSV or XLSX; "
        "audited");

    router.Add(
        Method::kGet, "/api/v1/households/export", AccessRule::AnyUser(),
        [&residents, &assignments, &db, &clock](Request& req) -> Result<Response> {
            http::QueryReader query(req);
            auto format = query.Enum("format", {"csv", "xlsx"});
            auto node = query.Int("node_id", 1);
            auto reveal = query.Enum("reveal", {"true", "false"});
            auto reason = query.String("reason", {0, 1000});
            LINLI_TRY(query.Finish());
            ExportOptions options;
            options.format = FormatOf(format);
            LINLI_ASSIGN_OR_RETURN(options.reveal_reason, RevealReason(reveal, reason));
            LINLI_ASSIGN_OR_RETURN(auto bytes,
                                   ExportHouseholds(residents, assignments, db, req.caller(), node, options,
                                                    RequestInfo{req.request_id, req.remote_addr}, clock.Now()));
            return DownloadLedger(std::move(bytes), options.format, "households");
        },
        "The households ledger (户台账) in the caller's scope: place, tenure, head, members, link leader, tags; "
        "heads' phones masked unless revealed with a reason; audited");
}

}  // namespace linli::registry
