#include "app/demo_mediation.hpp"

#include <string>
#include <vector>

#include "core/actor.hpp"
#include "modules/accounts/service.hpp"
#include "modules/mediation/rules.hpp"
#include "modules/mediation/service.hpp"
#include "modules/registry/resident_service.hpp"
#include "modules/registry/service.hpp"

namespace linli::app {

namespace {

using mediation::Decision;
using mediation::NewParty;
using mediation::Outcome;
using mediation::PartySide;
using mediation::Specialism;

constexpr int kRosterDays = 14;

struct MediatorSpec {
    const char* username;
    const char* display_name;
    Role role;            // for the accounts the demo creates here (the first two exist already)
    Specialism specialism;
    const char* title;
};

// 青和居's rota as the reports describe one: judges, police officers, lawyers, Party members and the
// community's own people's mediator, taking turns.
constexpr MediatorSpec kMediators[] = {
    {"staff_qhj", "", Role::kCommunityStaff, Specialism::kPeopleMediator, "青和居社区 人民调解员"},
    {"volunteer_qhj", "", Role::kVolunteer, Specialism::kPartyMember, "青和居 党员志愿者"},
    {"mediator_judge_qhj", "区人民法院 法官 黄静", Role::kPartnerUnit, Specialism::kLaw, "区人民法院 驻社区法官"},
    {"mediator_police_qhj", "青和派出所 社区民警 马涛", Role::kPartnerUnit, Specialism::kPolice, "青和派出所 社区民警"},
    {"mediator_lawyer_qhj", "志愿律师 郑雪", Role::kVolunteer, Specialism::kLaw, "青和律师事务所 志愿律师"},
};

/// The actor of an existing account, with its scope resolved as authentication would.
Result<Actor> ActorOf(accounts::AccountsService& accounts, registry::RegistryService& registry,
                      const std::string& username) {
    LINLI_ASSIGN_OR_RETURN(auto user, accounts.GetUserByUsername(accounts::AccountsService::SystemActor("demo"),
                                                                 username));
    Actor a;
    a.user_id = user.id;
    a.username = user.username;
    a.role = user.role;
    LINLI_ASSIGN_OR_RETURN(a.scope, registry.ResolveScope(user.scope_node_ids));
    return a;
}

NewParty Resident(PartySide side, int64_t id) {
    NewParty p;
    p.side = side;
    p.resident_id = id;
    return p;
}

NewParty Outsider(PartySide side, std::string name, std::string phone) {
    NewParty p;
    p.side = side;
    p.name = std::move(name);
    p.phone = std::move(phone);
    return p;
}

}  // namespace

Result<DemoDisputes> LoadDemoDisputes(mediation::MediationService& service, accounts::AccountsService& accounts,
                                      registry::RegistryService& registry, registry::ResidentService& residents) {
    const Actor system = accounts::AccountsService::SystemActor("demo");
    const RequestInfo info{"demo", "local"};
    DemoDisputes summary;
    LINLI_ASSIGN_OR_RETURN(auto existing, service.ListMediators(system, true, std::nullopt));
    if (!existing.empty()) {
        return summary;  // loaded already
    }
    auto staff = ActorOf(accounts, registry, "staff_qhj");
    if (!staff) {
        return summary;  // no demo city
    }
    registry::NodeQuery q;
    q.kind = registry::NodeKind::kCommunity;
    q.q = "青和居社区";
    LINLI_ASSIGN_OR_RETURN(auto communities, registry.List(system, q));
    if (communities.items.empty()) {
        return summary;
    }
    const int64_t qhj = communities.items.front().id;

    // The rota: two accounts of the demo and three newcomers without a password.
    std::vector<Actor> people;
    std::vector<int64_t> mediator_ids;
    for (const auto& spec : kMediators) {
        auto found = ActorOf(accounts, registry, spec.username);
        if (!found) {
            accounts::NewUser user;
            user.username = spec.username;
            user.display_name = spec.display_name;
            user.role = spec.role;
            LINLI_TRY(accounts.CreateUser(system, user, info));  // no password, like the carers
            found = ActorOf(accounts, registry, spec.username);
        }
        LINLI_ASSIGN_OR_RETURN(Actor actor, std::move(found));
        LINLI_ASSIGN_OR_RETURN(auto m, service.CreateMediator(*staff, {actor.user_id, {spec.specialism}, spec.title},
                                                              info));
        people.push_back(actor);
        mediator_ids.push_back(m.id);
    }
    summary.mediators = static_cast<int64_t>(mediator_ids.size());

    // Two on duty a day, in turn, from today.
    const int64_t today = *mediation::ParseDay(residents.Today());
    std::vector<mediation::NewDutyEntry> roster;
    for (int d = 0; d < kRosterDays; ++d) {
        for (int k = 0; k < 2; ++k) {
            const size_t who = static_cast<size_t>(2 * d + k) % mediator_ids.size();
            roster.push_back({mediation::FormatDay(today + d), mediator_ids[who], std::nullopt});
        }
    }
    LINLI_TRY(service.AddDuty(*staff, qhj, roster, info));
    summary.duty_days = kRosterDays;

    // The parties: 青和居's residents, as the office finds them in the register.
    registry::ResidentQuery rq;
    rq.under_node_id = qhj;
    rq.limit = 12;
    LINLI_ASSIGN_OR_RETURN(auto page, residents.ListResidents(*staff, rq));
    if (page.items.size() < 8) {
        return summary;
    }
    auto resident = [&](size_t i) { return page.items[i].id; };
    const std::string date = mediation::FormatDay(today);

    struct Plan {
        const char* category;
        const char* subject;
        const char* description;
        std::vector<NewParty> parties;
        std::optional<size_t> mediator;  // index into kMediators
    };
    const std::vector<Plan> plans = {
        {"neighbours", "楼上漏水", "楼上卫生间漏水渗到楼下，双方多次争吵",
         {Resident(PartySide::kApplicant, resident(0)), Resident(PartySide::kRespondent, resident(1))}, 0},
        {"family", "赡养老人纠纷", "兄妹二人对母亲的赡养费分担有争议",
         {Resident(PartySide::kApplicant, resident(2)), Resident(PartySide::kRespondent, resident(3))}, 1},
        {"property", "物业费与车位纠纷", "业主以车位被占为由拒交物业费",
         {Resident(PartySide::kApplicant, resident(4)), Outsider(PartySide::kRespondent, "刘建国", "13800138000")}, 4},
        {"tenancy", "押金退还纠纷", "租客退租后房东未退押金",
         {Outsider(PartySide::kApplicant, "陈晓", "13700137000"), Resident(PartySide::kRespondent, resident(5))},
         std::nullopt},
        {"neighbours", "装修噪音扰民", "周末早上七点开始装修，邻居不堪其扰",
         {Resident(PartySide::kApplicant, resident(6)), Resident(PartySide::kRespondent, resident(7))}, 3},
    };
    std::vector<int64_t> ids;
    for (const auto& plan : plans) {
        mediation::NewDispute in;
        in.category = plan.category;
        in.subject = plan.subject;
        in.description = plan.description;
        in.parties = plan.parties;
        if (plan.mediator) {
            in.mediator_id = mediator_ids[*plan.mediator];
        }
        LINLI_ASSIGN_OR_RETURN(auto created, service.Create(*staff, in, info));
        ids.push_back(created.dispute.order_id);
    }
    summary.disputes = static_cast<int64_t>(ids.size());

    // Where each has got to: a session for every dispute with a mediator; 漏水 and 噪音 agreed, 物业费
    // failed and referred to the court, 赡养 still in mediation, 押金 waiting for a mediator.
    auto meet = [&](const Actor& who, int64_t id, const char* notes) -> Result<mediation::DisputeDetail> {
        LINLI_ASSIGN_OR_RETURN(auto d, service.Get(who, id));
        mediation::NewSession s;
        s.held_on = date;
        s.start_time = "19:00";
        s.place_id = qhj;
        s.place_note = "社区红色议事厅";
        for (const auto& p : d.dispute.parties) {
            s.party_ids.push_back(p.id);
        }
        for (const auto& m : d.dispute.mediators) {
            s.mediator_ids.push_back(m.mediator_id);
        }
        s.notes = notes;
        return service.AddSession(who, id, s, info);
    };
    auto agree = [&](const Actor& who, int64_t id, const char* text, bool all) -> Result<void> {
        LINLI_ASSIGN_OR_RETURN(auto d, service.SetAgreement(who, id, text, info));
        for (size_t i = 0; i < d.dispute.parties.size(); ++i) {
            const bool accepts = all || i == 0;
            LINLI_TRY(service.Decide(who, id,
                                     {d.dispute.parties[i].id, accepts ? Decision::kAccepted : Decision::kDeclined, ""},
                                     info));
        }
        return {};
    };
    LINLI_TRY(meet(people[0], ids[0], "双方到场，查明漏水点在楼上卫生间防水层"));
    LINLI_TRY(agree(people[0], ids[0], "楼上住户三日内修复防水层，并赔偿楼下装修损失八百元。", true));
    LINLI_TRY(service.RecordOutcome(people[0], ids[0], {Outcome::kAgreed, std::nullopt, "", "当场签字"}, info));
    LINLI_TRY(meet(people[1], ids[1], "兄妹各自陈述，约定下周再谈"));
    LINLI_TRY(meet(people[4], ids[2], "物业称车位问题另案处理，业主坚持先解决车位"));
    LINLI_TRY(agree(people[4], ids[2], "业主补交物业费，物业一个月内清理占用车位。", false));
    LINLI_TRY(service.RecordOutcome(people[4], ids[2],
                                    {Outcome::kFailed, mediation::Referral::kCourt, "区人民法院", "业主不接受协议，告知诉讼途径"},
                                    info));
    LINLI_TRY(meet(people[3], ids[4], "约定装修时间为工作日八点至十二点、十四点至十八点"));
    LINLI_TRY(agree(people[3], ids[4], "装修方遵守约定时间，违者由物业暂停施工。", true));
    LINLI_TRY(service.RecordOutcome(people[3], ids[4], {Outcome::kAgreed, std::nullopt, "", ""}, info));
    summary.created = true;
    return summary;
}

void PrintDemoDisputes(const DemoDisputes& summary, std::ostream& out) {
    if (!summary.created) {
        return;
    }
    out << "demo: mediation in 青和居社区: " << summary.mediators << " mediators on a " << summary.duty_days
        << "-day duty roster, " << summary.disputes << " disputes (agreed, in mediation, referred, waiting)\n";
}

}  // namespace linli::app
