#include "modules/mediation/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace linli::mediation {

namespace {

/// The number written by exactly `s.size()` ASCII digits, or nullopt.
std::optional<int> Digits(std::string_view s) {
    int value = 0;
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::from_chars(s.data(), s.data() + s.size(), value);
    return value;
}

}  // namespace

std::optional<int64_t> ParseDay(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    const auto y = Digits(text.substr(0, 4));
    const auto m = Digits(text.substr(5, 2));
    const auto d = Digits(text.substr(8, 2));
    if (!y || !m || !d) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                                          std::chrono::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    return std::chrono::sys_days(ymd).time_since_epoch().count();
}

std::string FormatDay(int64_t day) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

Result<int64_t> RequireDay(std::string_view text, std::string_view field) {
    auto day = ParseDay(text);
    if (!day) {
        return InvalidArgument(std::string(field), std::string(field) + " must be a date written YYYY-MM-DD");
    }
    return *day;
}

Result<std::string> RequireTime(std::string_view text, std::string_view field) {
    std::optional<int> h;
    std::optional<int> m;
    if (text.size() == 5 && text[2] == ':') {
        h = Digits(text.substr(0, 2));
        m = Digits(text.substr(3, 2));
    }
    if (!h || !m || *h > 23 || *m > 59) {
        return InvalidArgument(std::string(field), std::string(field) + " must be a time written HH:MM (00:00-23:59)");
    }
    return std::string(text);
}

Result<std::vector<Specialism>> ParseSpecialisms(const std::vector<std::string>& codes, std::string_view field) {
    const std::string name(field);
    if (codes.empty()) {
        return InvalidArgument(name, "give at least one specialism: " + NameList(kSpecialisms));
    }
    std::vector<bool> seen(kSpecialisms.size(), false);
    for (const auto& code : codes) {
        auto s = Lookup(kSpecialisms, code);
        if (!s) {
            return InvalidArgument(name, name + " must be among: " + NameList(kSpecialisms));
        }
        seen[static_cast<size_t>(*s)] = true;
    }
    std::vector<Specialism> out;
    for (const auto& [s, code] : kSpecialisms) {
        if (seen[static_cast<size_t>(s)]) {
            out.push_back(s);
        }
    }
    return out;
}

std::string JoinSpecialisms(const std::vector<Specialism>& list) {
    std::string out;
    for (auto s : list) {
        out += out.empty() ? "" : ",";
        out += NameOf(kSpecialisms, s);
    }
    return out;
}

std::vector<Specialism> SplitSpecialisms(std::string_view stored) {
    std::vector<Specialism> out;
    while (!stored.empty()) {
        const size_t comma = stored.find(',');
        if (auto s = Lookup(kSpecialisms, stored.substr(0, comma))) {
            out.push_back(*s);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        stored.remove_prefix(comma + 1);
    }
    return out;
}

Result<void> CheckAgreement(const Dispute& d) {
    if (d.outcome) {
        return Conflict("the outcome is recorded: the agreement can no longer change", "agreement");
    }
    return {};
}

Result<void> CheckDecision(const Dispute& d, const DecisionInput& input) {
    if (d.outcome) {
        return Conflict("the outcome is recorded: decisions on the agreement can no longer change", "decision");
    }
    if (!d.agreement_text) {
        return Conflict("there is no agreement text to accept or decline yet", "agreement");
    }
    const bool is_party = std::any_of(d.parties.begin(), d.parties.end(),
                                      [&](const Party& p) { return p.id == input.party_id; });
    if (!is_party) {
        return InvalidArgument("party_id", "party_id " + std::to_string(input.party_id) +
                                               " is not a party to this dispute; only its parties accept or "
                                               "decline its agreement");
    }
    if (input.decision == Decision::kPending) {
        return InvalidArgument("decision", "decision must be accepted or declined");
    }
    return {};
}

Result<void> CheckOutcome(const Dispute& d, const OutcomeInput& input) {
    if (d.outcome) {
        return Conflict("the outcome is recorded already (" + std::string(NameOf(kOutcomes, *d.outcome)) + ")",
                        "outcome");
    }
    if (input.outcome == Outcome::kAgreed && input.referral) {
        return InvalidArgument("referral", "an agreed dispute is not referred anywhere");
    }
    if (input.referral && input.referral_to.empty()) {
        return InvalidArgument("referral_to", "say where the dispute is referred to (e.g. 区人民法院)");
    }
    if (!input.referral && !input.referral_to.empty()) {
        return InvalidArgument("referral", "referral_to needs a referral: " + NameList(kReferrals));
    }
    if (input.outcome == Outcome::kFailed) {
        return {};
    }
    if (!d.agreement_text) {
        return Conflict("an agreed outcome needs the agreement text (调解协议) first", "outcome");
    }
    if (d.parties.empty()) {
        return Conflict("an agreed outcome needs the parties who accepted the agreement", "outcome");
    }
    std::string missing;
    for (const auto& p : d.parties) {
        if (p.decision != Decision::kAccepted) {
            missing += missing.empty() ? "" : ", ";
            missing += p.name;
        }
    }
    if (!missing.empty()) {
        return Conflict("every party must accept the agreement first; not yet: " + missing, "outcome");
    }
    return {};
}

void FinishFigures(DisputeFigures& f) {
    const int64_t agreed = f.agreed + f.partly_agreed;
    const int64_t concluded = agreed + f.failed;
    if (concluded > 0) {
        f.success_rate = static_cast<double>(agreed) / static_cast<double>(concluded);
    } else {
        f.success_rate.reset();
    }
}

}  // namespace linli::mediation
