//! The authorization table: every route × every role × one object in scope and one out of
//! scope → the expected status. A route declared in `tongxin_web::api::routes()` without a row
//! here fails the test, so no endpoint ships unexamined.

use crate::support;
use tongxin_testkit::both_backends;

use support::*;

/// What a row expects of each caller, as (in scope, out of scope).
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The same for everyone, logged in or not.
    Public(u16),
    /// Any logged-in user; anonymous callers get 401.
    Everyone(u16),
    /// Places: readable by all staff within their scope (departments: their street).
    Places,
    /// People: staff within scope; department staff never.
    People,
    /// Party organisations and members.
    Party,
    AdminOnly(u16),
    /// Register/edit residents: admin, community and grid workers.
    Writers(u16),
    /// Export residents: admin and community workers; the "out" request asks for unmasked data.
    Export,
    /// Full ID and phone: holders of the unmask permission, within scope.
    Unmask,
    /// Own API token vs someone else's.
    OwnToken,
    /// The start page: a page for sessions, a redirect to /login otherwise.
    Home,
    /// `POST /logout` with a wrong CSRF token.
    LogoutForm,
    /// Public, with different answers in and out (e.g. a valid and a forged follow token).
    PublicInOut(u16, u16),
    /// Anything else: the caller's (in, out) statuses.
    Custom(fn(Who) -> (u16, u16)),
}

/// Case readers: admin everywhere; street, community, grid and department staff within their
/// scope; party secretaries and mediators do not work cases.
fn case_readers(who: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (401, 401),
        Who::Admin => (in_status, in_status),
        Who::Party | Who::Mediator => (403, 403),
        _ => (in_status, out_status),
    }
}

/// Case pages: like [`case_readers`], but without a session a redirect to the login page.
fn case_page(who: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        _ => case_readers(who, in_status, out_status),
    }
}

/// A page every staff member may open; without a session, a redirect to the login page.
fn staff_page(who: Who) -> (u16, u16) {
    if who == Who::Anonymous { (303, 303) } else { (200, 200) }
}

/// A staff form posted with a wrong (or no) CSRF token: the 403 page; anonymous: to login.
fn staff_form_bad_csrf(who: Who) -> (u16, u16) {
    if who == Who::Anonymous { (303, 303) } else { (403, 403) }
}

/// A page for one role only (the others get the 403 page); without a session, to the login page.
fn one_role_page(who: Who, role: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        w if w == role => (in_status, out_status),
        _ => (403, 403),
    }
}

/// 网格员 pages of the worker's own grid.
fn grid_worker_page(who: Who) -> (u16, u16) {
    one_role_page(who, Who::Grid, 200, 200)
}

/// 网格员 pages about one resident or household: another grid's is the 404 page.
fn grid_worker_page_in_out(who: Who) -> (u16, u16) {
    one_role_page(who, Who::Grid, 200, 404)
}

/// 热线登记: dispatchers and the admin.
fn hotline_page(who: Who) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin | Who::Dispatcher => (200, 200),
        _ => (403, 403),
    }
}

/// 管理 pages: the admin only.
fn admin_page(who: Who) -> (u16, u16) {
    one_role_page(who, Who::Admin, 200, 200)
}

/// 管理 uploads posted urlencoded: unreadable (400) for the admin, 403 for others.
fn admin_upload_unreadable(who: Who) -> (u16, u16) {
    one_role_page(who, Who::Admin, 400, 400)
}

/// 职能部门 inbox: departments only.
fn department_page(who: Who) -> (u16, u16) {
    one_role_page(who, Who::Department, 200, 200)
}

/// Pages for some staff within scope (in 200, out 404), the admin everywhere, others the 403 page.
fn scoped_page(who: Who, readers: &[Who]) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin => (200, 200),
        w if readers.contains(&w) => (200, 404),
        _ => (403, 403),
    }
}

/// 矛盾纠纷 pages: whoever reads disputes (leaders, the desk, grid workers, mediators) within
/// scope — a mediator only their organisations' disputes — the admin everywhere; party
/// secretaries and departments the 403 page; without a session, to the login page.
fn dispute_page(who: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin => (in_status, in_status),
        Who::Party | Who::Department => (403, 403),
        _ => (in_status, out_status),
    }
}

/// The leaders' views of disputes (figures, daily list, risk map): leaders, the desk, community
/// workers and mediators within their reach (an area outside it: 404), the admin everywhere; grid
/// workers, party secretaries and departments the 403 page.
fn dispute_stats_page(who: Who) -> (u16, u16) {
    scoped_page(who, &[Who::Leader, Who::Dispatcher, Who::Community, Who::Mediator])
}

/// 调解组织 pages: the desk (dispatchers, community workers) within scope, the admin everywhere.
fn mediation_desk(who: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin => (in_status, in_status),
        Who::Dispatcher | Who::Community => (in_status, out_status),
        _ => (403, 403),
    }
}

/// 信访 pages: every role that works petitions, within scope (departments: what they hold).
fn petition_page(who: Who) -> (u16, u16) {
    scoped_page(who, &[Who::Leader, Who::Dispatcher, Who::Community, Who::Grid, Who::Department])
}

/// 信访 lists: always of the caller's own scope; party secretaries and mediators the 403 page.
fn petition_list(who: Who) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Party | Who::Mediator => (403, 403),
        _ => (200, 200),
    }
}

/// 信访登记 and 升级为信访: the registering office (dispatchers) and the admin.
fn petition_registrars(who: Who) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin => (200, 200),
        Who::Dispatcher => (200, 404),
        _ => (403, 403),
    }
}

/// The dashboard and its exports: leaders and dispatchers.
fn dashboard_page(who: Who) -> (u16, u16) {
    scoped_page(who, &[Who::Leader, Who::Dispatcher])
}

/// The street map: dispatchers and community workers.
fn map_page(who: Who) -> (u16, u16) {
    scoped_page(who, &[Who::Dispatcher, Who::Community])
}

/// The interactive map's layers: whoever reads cases within a region scope (not departments).
fn map_layers(who: Who) -> (u16, u16) {
    match who {
        Who::Anonymous => (303, 303),
        Who::Admin => (200, 200),
        Who::Leader | Who::Dispatcher | Who::Community | Who::Grid => (200, 404),
        _ => (403, 403),
    }
}

/// 三率 readers: leaders, dispatchers and community workers within scope; the admin everywhere.
fn evaluation_readers(who: Who) -> (u16, u16) {
    match who {
        Who::Anonymous => (401, 401),
        Who::Admin => (200, 200),
        Who::Leader | Who::Dispatcher | Who::Community => (200, 404),
        _ => (403, 403),
    }
}

fn admin_only_in_out(who: Who, in_status: u16, out_status: u16) -> (u16, u16) {
    match who {
        Who::Anonymous => (401, 401),
        Who::Admin => (in_status, out_status),
        _ => (403, 403),
    }
}

fn expected(e: Expect, who: Who) -> (u16, u16) {
    use Who::*;
    if who == Anonymous {
        return match e {
            Expect::Public(s) => (s, s),
            Expect::PublicInOut(a, b) => (a, b),
            Expect::Custom(f) => f(who),
            Expect::Home | Expect::LogoutForm => (303, 303),
            _ => (401, 401),
        };
    }
    match e {
        Expect::Public(s) | Expect::Everyone(s) => (s, s),
        Expect::Places => {
            if who == Admin {
                (200, 200)
            } else {
                (200, 404)
            }
        }
        Expect::People => match who {
            Admin => (200, 200),
            Department => (403, 403),
            _ => (200, 404),
        },
        Expect::Party => match who {
            Admin => (200, 200),
            Leader | Community | Grid | Party => (200, 404),
            _ => (403, 403),
        },
        Expect::AdminOnly(s) => {
            if who == Admin {
                (s, s)
            } else {
                (403, 403)
            }
        }
        Expect::Writers(s) => match who {
            Admin => (s, s),
            Community | Grid => (s, 404),
            _ => (403, 403),
        },
        Expect::Unmask => match who {
            Admin => (200, 200),
            Community => (200, 404),
            _ => (403, 403),
        },
        // Admins may revoke anyone's token (issue 9 item 10).
        Expect::OwnToken if who == Admin => (204, 204),
        Expect::OwnToken => (204, 404),
        Expect::Export => match who {
            Admin | Community => (200, 200),
            _ => (403, 403),
        },
        Expect::Home => (200, 200),
        Expect::PublicInOut(a, b) => (a, b),
        Expect::Custom(f) => f(who),
        Expect::LogoutForm => (403, 403),
    }
}

/// One row: the declared route, a request on an object in scope and one out of scope.
struct Row {
    method: &'static str,
    path: &'static str,
    in_uri: &'static str,
    out_uri: &'static str,
    /// JSON body, or `form:` + urlencoded body.
    body_in: Option<&'static str>,
    body_out: Option<&'static str>,
    expect: Expect,
    /// The request ends the session (logout): use a session of its own.
    fresh_session: bool,
}

const fn row(
    method: &'static str,
    path: &'static str,
    in_uri: &'static str,
    out_uri: &'static str,
    expect: Expect,
) -> Row {
    Row { method, path, in_uri, out_uri, body_in: None, body_out: None, expect, fresh_session: false }
}

const fn with_body(mut r: Row, body_in: &'static str, body_out: &'static str) -> Row {
    r.body_in = Some(body_in);
    r.body_out = Some(body_out);
    r
}

#[rustfmt::skip]
fn table() -> Vec<Row> {
    use Expect::*;
    let mut logout = row(
        "POST",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout",
        Everyone(204),
    );
    logout.fresh_session = true;
    vec![
        row("GET", "/", "/", "/", Home),
        row("GET", "/login", "/login", "/login", Public(200)),
        with_body(
            row("POST", "/login", "/login", "/login", Public(403)),
            "form:username=a&password=b&_csrf=x",
            "form:username=a&password=b",
        ),
        with_body(
            row("POST", "/logout", "/logout", "/logout", LogoutForm),
            "form:_csrf=wrong",
            "form:",
        ),
        row("GET", "/healthz", "/healthz", "/healthz", Public(200)),
        // ---- pages (crates/web/src/pages): staff pages send anonymous callers to the login page ----
        // 管理 forms and pages (pages/admin: categories, rules, calendar, evaluation weights, accounts): the admin only.
        row("GET", "/admin/categories/{code}", "/admin/categories/city.noise", "/admin/categories/city.garbage", Custom(admin_page)),
        with_body(row("POST", "/admin/categories", "/admin/categories", "/admin/categories", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&parent_code=city&code=x1&name=x&urgency=general&kind=help&active=1", "form:parent_code=city&code=x2&name=x&urgency=general&kind=help&active=1"),
        with_body(row("POST", "/admin/categories/{code}", "/admin/categories/city.noise", "/admin/categories/city.garbage", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&name=x&urgency=general&kind=help", "form:name=x&urgency=general&kind=help"),
        row("GET", "/admin/routing-rules/{id}", "/admin/routing-rules/{rule_id}", "/admin/routing-rules/{rule_id}", Custom(admin_page)),
        with_body(row("POST", "/admin/routing-rules/{id}", "/admin/routing-rules/{rule_id}", "/admin/routing-rules/{rule_id}", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&version={rule_version}&category_code=city.noise&area_kind=anywhere&target_kind=department&target_department=1", "form:version={rule_version}&category_code=city.noise&area_kind=anywhere&target_kind=department&target_department=1"),
        with_body(row("POST", "/admin/routing-rules/{id}/delete", "/admin/routing-rules/{rule_id}/delete", "/admin/routing-rules/{fresh_rule}/delete", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&confirm=1", "form:confirm=1"),
        row("GET", "/admin/deadlines/calendar.txt", "/admin/deadlines/calendar.txt", "/admin/deadlines/calendar.txt", Custom(admin_page)),
        with_body(row("POST", "/admin/deadlines/calendar", "/admin/deadlines/calendar", "/admin/deadlines/calendar", Custom(admin_upload_unreadable)), "form:_csrf=wrong", "form:"),
        row("GET", "/admin/evaluation", "/admin/evaluation", "/admin/evaluation", Custom(admin_page)),
        with_body(row("POST", "/admin/evaluation", "/admin/evaluation", "/admin/evaluation", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&response=0.2&resolution=0.4&satisfaction=0.4", "form:response=0.2&resolution=0.4&satisfaction=0.4"),
        row("GET", "/admin/users/{id}", "/admin/users/1", "/admin/users/2", Custom(admin_page)),
        with_body(row("POST", "/admin/users/{id}", "/admin/users/2", "/admin/users/3", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&role=admin&active=1", "form:role=admin&active=1"),
        with_body(row("POST", "/admin/users/{id}/password", "/admin/users/2/password", "/admin/users/3/password", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&password=Strong%40Pass2026", "form:password=Strong%40Pass2026"),
        with_body(row("POST", "/admin/users/{id}/tokens/{token}/revoke", "/admin/users/2/tokens/{own_token}/revoke", "/admin/users/3/tokens/{other_token}/revoke", Custom(staff_form_bad_csrf)), "form:_csrf=wrong", "form:"),
        // 党组织 (pages/party): readers of party data within scope; in = grid A1 / its branch, out = street 2 / its branch.
        row("GET", "/party", "/party?within={A1}", "/party?within={street2}", Custom(|w| scoped_page(w, &[Who::Leader, Who::Community, Who::Grid, Who::Party]))),
        row("GET", "/party/orgs/{id}", "/party/orgs/{org_in}", "/party/orgs/{org_out}", Custom(|w| scoped_page(w, &[Who::Leader, Who::Community, Who::Grid, Who::Party]))),
        // 网格员 (pages/grid): a grid worker's own grid only; other staff the 403 page; in = A1, out = C1.
        row("GET", "/grid", "/grid", "/grid?page=2&tpage=2", Custom(grid_worker_page)),
        row("GET", "/grid/patrol", "/grid/patrol", "/grid/patrol", Custom(grid_worker_page)),
        with_body(row("POST", "/grid/patrol", "/grid/patrol", "/grid/patrol", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&category=city.noise&description=x&address=y", "form:category=city.noise&description=x&address=y"),
        // 住户信息 / 居民查询: every resident reader over their own scope (a search never leaves it); departments the 403 page.
        row("GET", "/grid/households", "/grid/households", "/grid/households?q=%E5%BC%A0", Custom(|w| match w { Who::Anonymous => (303, 303), Who::Department => (403, 403), _ => (200, 200) })),
        row("GET", "/grid/residents/{id}", "/grid/residents/{resident_in}", "/grid/residents/{resident_out}", Custom(|w| scoped_page(w, &[Who::Leader, Who::Dispatcher, Who::Community, Who::Grid, Who::Party, Who::Mediator]))),
        row("GET", "/grid/visits", "/grid/visits?household={household_in}", "/grid/visits?household={household_out}", Custom(grid_worker_page_in_out)),
        with_body(row("POST", "/grid/visits", "/grid/visits", "/grid/visits", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&household={household_in}&kind=%E8%B5%B0%E8%AE%BF&visited_at=2026-01-01T10:00&note=x", "form:household={household_out}&kind=%E8%B5%B0%E8%AE%BF&visited_at=2026-01-01T10:00&note=x"),
        // 指挥中心 / 职能部门 (pages/cases, pages/inbox): case readers within scope; departments their own cases.
        row("GET", "/cases", "/cases?grid={A1}", "/cases?grid={C1}", Custom(|w| if w == Who::Department { (200, 200) } else { case_page(w, 200, 404) })),
        row("GET", "/cases/{id}", "/cases/{case_in}", "/cases/{case_out}", Custom(|w| case_page(w, 200, 404))),
        with_body(row("POST", "/cases/{id}/act", "/cases/{case_in}/act", "/cases/{case_out}/act", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&version={case_version_in}&action=close", "form:version={case_version_out}&action=close"),
        // 转调解 (cases/refer): whoever refers registers a dispute too (not leaders, departments);
        // the form leaves out the applicant's name, so the case (which has none) is never referred
        // here — in scope the rules or the form answer with a flash (303), out of scope 404.
        with_body(row("POST", "/cases/{id}/refer", "/cases/{case_in}/refer", "/cases/{case_out}/refer", Custom(|w| match w {
                Who::Anonymous => (303, 303),
                Who::Admin => (303, 303),
                Who::Dispatcher | Who::Community | Who::Grid => (303, 404),
                _ => (403, 403),
            })),
            "form:_csrf={csrf}&version={case_version_in}&dispute_type=neighbourhood&org_id=&requester_name=&other_party=x&reason=x",
            "form:_csrf={csrf}&version={case_version_out}&dispute_type=neighbourhood&org_id=&requester_name=&other_party=x&reason=x"),
        // Replies are multipart: a urlencoded body is unreadable (400) for case readers.
        with_body(row("POST", "/cases/{id}/reply", "/cases/{case_in}/reply", "/cases/{case_out}/reply", Custom(|w| case_page(w, 400, 400))), "form:_csrf=wrong&version=1&reply=x", "form:version=1&reply=x"),
        row("GET", "/inbox", "/inbox", "/inbox?page=2", Custom(department_page)),
        // Photos (cases/photos): the case page's readers in scope; the requester by the follow token.
        row("GET", "/cases/{id}/photos/{photo}", "/cases/{photo_in}", "/cases/{photo_out}", Custom(|w| case_page(w, 200, 404))),
        row("GET", "/track/{code}/photos/{photo}", "/track/{photo_track_in}", "/track/{photo_track_forged}", PublicInOut(200, 404)),
        // 查看完整号码 without the form's token: refused before anything is revealed.
        with_body(row("POST", "/cases/{id}/phone", "/cases/{case_in}/phone", "/cases/{case_out}/phone", Custom(staff_form_bad_csrf)), "form:_csrf=wrong", "form:"),
        // 信访 (petitions): in = a petition in A1 assigned to department 1 (answered with an opinion), out = one in street 2;
        // the register's form escalates a case with ?case= (out: a case of street 2).
        row("GET", "/petitions", "/petitions", "/petitions?status=all&page=2", Custom(petition_list)),
        row("GET", "/petitions/overdue", "/petitions/overdue", "/petitions/overdue?clock=handling&page=2", Custom(petition_list)),
        row("GET", "/petitions/new", "/petitions/new", "/petitions/new?case={case_out}", Custom(petition_registrars)),
        with_body(row("POST", "/petitions", "/petitions", "/petitions", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&region={A1}&channel=letter&kind=claim&name=x&address=y&request=z&facts=f&reasons=r", "form:region={C1}&channel=letter&kind=claim&name=x&address=y&request=z&facts=f&reasons=r"),
        row("GET", "/petitions/{id}", "/petitions/{petition_in}", "/petitions/{petition_out}", Custom(petition_page)),
        with_body(row("POST", "/petitions/{id}/act", "/petitions/{petition_in}/act", "/petitions/{petition_out}/act", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&version=1&action=conclude", "form:version=1&action=conclude"),
        with_body(row("POST", "/petitions/{id}/mediate", "/petitions/{petition_in}/mediate", "/petitions/{petition_out}/mediate", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&version=1&dispute=TJ1", "form:version=1&dispute=TJ1"),
        row("GET", "/petitions/{id}/opinion", "/petitions/{petition_in}/opinion", "/petitions/{petition_out}/opinion?stage=opinion", Custom(petition_page)),
        // 响应率 explained (evaluation/pages): the ranking's readers, units within their scope.
        row("GET", "/evaluation/units/{unit}", "/evaluation/units/area:{A1}", "/evaluation/units/area:{C1}", Custom(|w| scoped_page(w, &[Who::Leader, Who::Dispatcher, Who::Community]))),
        // 热线登记 (cases/hotline): the dispatch centre and the admin; the address search stays within scope.
        row("GET", "/hotline", "/hotline", "/hotline", Custom(hotline_page)),
        with_body(row("POST", "/hotline", "/hotline", "/hotline", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&category=city.noise&description=x&place=y", "form:category=city.noise&description=x&place=y"),
        row("GET", "/hotline/places", "/hotline/places?q=%E5%B0%8F%E5%8C%BA1", "/hotline/places?q=%E5%B0%8F%E5%8C%BA3", Custom(hotline_page)),
        // 通知 (notices): every staff member reads the notices of their own units only; in = a
        // notice to department 1 (the department's), out = one to department 2 (no one's here).
        row("GET", "/notices", "/notices", "/notices?page=2", Custom(staff_page)),
        row("GET", "/notices/{id}", "/notices/{notice_in}", "/notices/{notice_out}", Custom(|w| match w {
            Who::Anonymous => (303, 303),
            Who::Department => (303, 404),
            _ => (404, 404),
        })),
        with_body(row("POST", "/notices/read-all", "/notices/read-all", "/notices/read-all", Custom(staff_form_bad_csrf)), "form:_csrf=wrong", "form:"),
        // The grids' QR sheets by community (the community worker's menu): every staff member, within scope.
        row("GET", "/grids", "/grids", "/grids", Custom(staff_page)),
        // 矛盾纠纷 (mediation): in = committee A's disputes (the mediator's) in grid A1; out = for
        // the mediator, community and grid workers another committee's dispute in grid B1 of the
        // same street, for everyone else one in street 2. Forms carry the session's token.
        row("GET", "/mediation", "/mediation", "/mediation?area={C1}", Custom(|w| dispute_page(w, 200, 200))),
        row("GET", "/mediation/overdue", "/mediation/overdue", "/mediation/overdue?page=2", Custom(|w| dispute_page(w, 200, 200))),
        row("GET", "/mediation/new", "/mediation/new", "/mediation/new?resident={resident_out}", Custom(|w| match w {
            Who::Leader => (403, 403),
            _ => dispute_page(w, 200, 404),
        })),
        with_body(row("POST", "/mediation/new", "/mediation/new", "/mediation/new", Custom(|w| match w {
                Who::Leader => (403, 403),
                _ => dispute_page(w, 303, 422),
            })),
            "form:_csrf={csrf}&region={A1}&org_id={committee_a}&dispute_type=neighbourhood&source=walk_in&summary=x&party_name=%E5%BC%A0%E4%B8%89&party_side=applicant&party_id_number=&party_phone=&party_consent=written&party_resident=&party_name=%E6%9D%8E%E5%9B%9B&party_side=respondent&party_id_number=&party_phone=&party_consent=&party_resident=",
            "form:_csrf={csrf}&region={C1}&org_id={committee_c}&dispute_type=neighbourhood&source=walk_in&summary=x&party_name=%E5%BC%A0%E4%B8%89&party_side=applicant&party_id_number=&party_phone=&party_consent=written&party_resident=&party_name=%E6%9D%8E%E5%9B%9B&party_side=respondent&party_id_number=&party_phone=&party_consent=&party_resident="),
        row("GET", "/mediation/code/{code}", "/mediation/code/{dispute_code_in}", "/mediation/code/{dispute_code_out}", Custom(|w| dispute_page(w, 303, 404))),
        row("GET", "/mediation/disputes/{id}", "/mediation/disputes/{dispute_in}", "/mediation/disputes/{dispute_out}", Custom(|w| dispute_page(w, 200, 404))),
        // A party's full numbers: holders of the unmask permission within scope (audited); others the 403 page.
        with_body(row("POST", "/mediation/disputes/{id}/parties/{idx}/unmask", "/mediation/disputes/{dispute_in}/parties/0/unmask", "/mediation/disputes/{dispute_out}/parties/0/unmask", Custom(|w| match w {
                Who::Anonymous => (303, 303),
                Who::Admin => (200, 200),
                Who::Community => (200, 404),
                _ => (403, 403),
            })),
            "form:_csrf={csrf}", "form:_csrf={csrf}"),
        // 督办 is the leaders' and the desk's (SUPERVISOR_ROLES); the rules refuse the others on the page (422).
        with_body(row("POST", "/mediation/disputes/{id}/act", "/mediation/disputes/{dispute_in}/act", "/mediation/disputes/{dispute_out}/act", Custom(|w| match w {
                Who::Admin => (303, 303),
                Who::Leader | Who::Dispatcher => (303, 404),
                _ => dispute_page(w, 422, 404),
            })),
            "form:_csrf={csrf}&version={dispute_version_in}&form_id=supervise&action=supervise&note=x",
            "form:_csrf={csrf}&version={dispute_version_out}&form_id=supervise&action=supervise&note=x"),
        // 司法确认 of an agreement not in effect out there, refused by the rules (422) wherever visible.
        with_body(row("POST", "/mediation/disputes/{id}/confirm", "/mediation/disputes/{dispute_in}/confirm", "/mediation/disputes/{dispute_out}/confirm", Custom(|w| dispute_page(w, 422, 404))),
            "form:_csrf={csrf}&version={dispute_version_in}&form_id=reject&step=reject&on=2026-01-01&reason=x",
            "form:_csrf={csrf}&version={dispute_version_out}&form_id=reject&step=reject&on=2026-01-01&reason=x"),
        // The signing is multipart: a urlencoded body is unreadable (400) for readers.
        with_body(row("POST", "/mediation/disputes/{id}/sign", "/mediation/disputes/{dispute_in}/sign", "/mediation/disputes/{dispute_out}/sign", Custom(|w| dispute_page(w, 400, 400))),
            "form:_csrf={csrf}&version=1", "form:_csrf={csrf}&version=1"),
        // Street 2's dispute has no agreement: the admin gets the 404 too.
        row("GET", "/mediation/disputes/{id}/agreement", "/mediation/disputes/{signed_in}/agreement", "/mediation/disputes/{dispute_out}/agreement", Custom(|w| match w {
            Who::Admin => (200, 404),
            _ => dispute_page(w, 200, 404),
        })),
        row("GET", "/mediation/disputes/{id}/scan", "/mediation/disputes/{signed_in}/scan", "/mediation/disputes/{dispute_out}/scan", Custom(|w| match w {
            Who::Admin => (200, 404),
            _ => dispute_page(w, 200, 404),
        })),
        row("GET", "/mediation/disputes/{id}/routes", "/mediation/disputes/{failed_in}/routes", "/mediation/disputes/{dispute_out}/routes", Custom(|w| match w {
            Who::Admin => (200, 404),
            _ => dispute_page(w, 200, 404),
        })),
        // 调解组织 (the desk): in = committee A, out = committee C (street 2).
        row("GET", "/mediation/orgs", "/mediation/orgs", "/mediation/orgs", Custom(|w| mediation_desk(w, 200, 200))),
        with_body(row("POST", "/mediation/orgs", "/mediation/orgs", "/mediation/orgs", Custom(|w| mediation_desk(w, 303, 422))),
            "form:_csrf={csrf}&kind=social_organisation&name=%E5%92%8C%E4%BA%8B%E4%BD%AC{unique}&region_code={communityA}",
            "form:_csrf={csrf}&kind=social_organisation&name=%E5%92%8C%E4%BA%8B%E4%BD%AC{unique}&region_code={communityC}"),
        row("GET", "/mediation/orgs/{id}", "/mediation/orgs/{committee_a}", "/mediation/orgs/{committee_c}", Custom(|w| mediation_desk(w, 200, 404))),
        with_body(row("POST", "/mediation/orgs/{id}/committee", "/mediation/orgs/{committee_a}/committee", "/mediation/orgs/{committee_c}/committee", Custom(|w| mediation_desk(w, 303, 404))),
            "form:_csrf={csrf}&version={committee_version_a}&m_name=x&m_gender=female&m_post=director&m_minority=&m_start=2026-01-01&m_end=2028-12-31",
            "form:_csrf={csrf}&version={committee_version_c}&m_name=x&m_gender=female&m_post=director&m_minority=&m_start=2026-01-01&m_end=2028-12-31"),
        with_body(row("POST", "/mediation/orgs/{id}/mediators", "/mediation/orgs/{committee_a}/mediators", "/mediation/orgs/{committee_c}/mediators", Custom(|w| mediation_desk(w, 303, 404))),
            "form:_csrf={csrf}&name=x&birth_date=1970-01-01&appointment=hired&term_start=2026-01-01&term_end=&qualification=",
            "form:_csrf={csrf}&name=x&birth_date=1970-01-01&appointment=hired&term_start=2026-01-01&term_end=&qualification="),
        with_body(row("POST", "/mediation/mediators/{id}/remove", "/mediation/mediators/{fresh_mediator_a}/remove", "/mediation/mediators/{fresh_mediator_c}/remove", Custom(|w| mediation_desk(w, 303, 404))),
            "form:_csrf={csrf}&version=1&reason=partiality&text=", "form:_csrf={csrf}&version=1&reason=partiality&text="),
        // 风险等级: the admin only; an invalid colour comes back (422).
        // 网格排查: the street, community and grid read their grids' screenings (out: an area of
        // street 2); grid and community workers log their own grids' (out: grid C1, refused 422).
        row("GET", "/mediation/screenings", "/mediation/screenings", "/mediation/screenings?area={C1}", Custom(|w| match w {
            Who::Anonymous => (303, 303),
            Who::Admin => (200, 200),
            Who::Leader | Who::Dispatcher | Who::Community | Who::Grid => (200, 404),
            _ => (403, 403),
        })),
        with_body(row("POST", "/mediation/screenings", "/mediation/screenings", "/mediation/screenings", Custom(|w| match w {
                Who::Anonymous => (303, 303),
                Who::Community | Who::Grid => (303, 422),
                _ => (403, 403),
            })),
            "form:_csrf={csrf}&grid={A1}&period={period}&screened_on={today}&findings=0&note=",
            "form:_csrf={csrf}&grid={C1}&period={period}&screened_on={today}&findings=0&note="),
        row("GET", "/mediation/risk-levels", "/mediation/risk-levels", "/mediation/risk-levels", Custom(admin_page)),
        with_body(row("POST", "/mediation/risk-levels", "/mediation/risk-levels", "/mediation/risk-levels", Custom(|w| one_role_page(w, Who::Admin, 303, 422))),
            "form:_csrf={csrf}&code=red&name=%E7%BA%A2&colour=%23D93025&escalate_to=district&response_hours=2&code=green&name=%E7%BB%BF&colour=%231E8E3E&escalate_to=grid&response_hours=168",
            "form:_csrf={csrf}&code=red&name=%E7%BA%A2&colour=red&escalate_to=district&response_hours=2"),
        // 在线评估, 在线咨询, 在线申请 (public): an unknown place is refused on the page (422); the forms
        // need the CSRF token; an answer link is found only with its keyed token.
        row("GET", "/mediate", "/mediate", "/mediate?place=330702999999&type=neighbourhood&apart=same_community", PublicInOut(200, 422)),
        with_body(row("POST", "/mediate/ask", "/mediate/ask", "/mediate/ask", PublicInOut(403, 403)),
            "form:_csrf=wrong&place={communityA}&name=x&phone=13800000000&question=x", "form:place={communityA}&name=x&phone=13800000000&question=x"),
        with_body(row("POST", "/mediate/apply", "/mediate/apply", "/mediate/apply", PublicInOut(403, 403)),
            "form:_csrf=wrong&place={communityA}&name=x&phone=13800000000", "form:place={communityA}&name=x&phone=13800000000"),
        with_body(row("POST", "/mediate/confirm/{id}", "/mediate/confirm/1", "/mediate/confirm/999999", PublicInOut(403, 403)),
            "form:_csrf=wrong&otp=123456", "form:otp=123456"),
        row("GET", "/mediate/answers/{id}/{token}", "/mediate/answers/1/forged", "/mediate/answers/999999/forged", PublicInOut(404, 404)),
        // The desk's questions: who registers disputes, each within their scope (the list shows only
        // those); others the 403 page.
        row("GET", "/mediation/consultations", "/mediation/consultations", "/mediation/consultations?page=2", Custom(|w| match w {
            Who::Anonymous => (303, 303),
            Who::Admin | Who::Dispatcher | Who::Community | Who::Grid | Who::Mediator => (200, 200),
            _ => (403, 403),
        })),
        with_body(row("POST", "/mediation/consultations/{id}/answer", "/mediation/consultations/1/answer", "/mediation/consultations/999999/answer", Custom(staff_form_bad_csrf)),
            "form:_csrf=wrong&answer=x", "form:answer=x"),
        // The leaders' views of disputes: leaders, the desk, community workers and mediators within
        // their reach, the admin everywhere; in = the caller's own scope, out = street 2 asked by area.
        row("GET", "/mediation/stats", "/mediation/stats", "/mediation/stats?area=330702002", Custom(dispute_stats_page)),
        row("GET", "/mediation/daily", "/mediation/daily", "/mediation/daily?area=330702002", Custom(dispute_stats_page)),
        row("GET", "/mediation/map", "/mediation/map", "/mediation/map?area=330702002", Custom(dispute_stats_page)),
        row("GET", "/mediation/map/layers.json", "/mediation/map/layers.json", "/mediation/map/layers.json?area=330702002001", Custom(dispute_stats_page)),
        // 在线调解室 (room): a mediator's account in the rooms of its committee's disputes (another
        // committee's: 404), every other role the 403 page; in = a dispute being mediated in A1, out =
        // committee B's. Messages are multipart: a urlencoded body is refused (400) before anything.
        row("GET", "/static/room.js", "/static/room.js", "/static/room.js", Public(200)),
        row("GET", "/rooms/{id}", "/rooms/{room_in}", "/rooms/{room_out}", Custom(|w| one_role_page(w, Who::Mediator, 200, 404))),
        // A live feed: the status is read, the stream is not.
        row("GET", "/rooms/{id}/feed", "/rooms/{room_in}/feed", "/rooms/{room_out}/feed", Custom(|w| one_role_page(w, Who::Mediator, 200, 404))),
        with_body(row("POST", "/rooms/{id}/messages", "/rooms/{room_in}/messages", "/rooms/{room_out}/messages", Custom(|w| if w == Who::Anonymous { (303, 303) } else { (400, 400) })),
            "form:_csrf={csrf}&body=x", "form:_csrf={csrf}&body=x"),
        with_body(row("POST", "/rooms/{id}/draft", "/rooms/{room_in}/draft", "/rooms/{room_out}/draft", Custom(|w| one_role_page(w, Who::Mediator, 303, 404))),
            "form:_csrf={csrf}&draft=%E6%9D%8E%E5%9B%9B%E8%B5%94%E5%81%BF800%E5%85%83", "form:_csrf={csrf}&draft=x"),
        with_body(row("POST", "/rooms/{id}/invite", "/rooms/{room_in}/invite", "/rooms/{room_out}/invite", Custom(|w| one_role_page(w, Who::Mediator, 303, 404))),
            "form:_csrf={csrf}&party=1", "form:_csrf={csrf}&party=1"),
        row("GET", "/rooms/{id}/files/{file}", "/rooms/{room_in}/files/{room_file}", "/rooms/{room_out}/files/{room_file}", Custom(|w| one_role_page(w, Who::Mediator, 200, 404))),
        // The parties' side is public and keyed by the invitation: a real one opens the way in, a
        // forged one is the 404 page; without the party's room session there is no room, feed or
        // file; its forms need the CSRF token (double-submit), which these requests lack.
        row("GET", "/r/{invite}", "/r/{invite_in}", "/r/{invite_forged}", PublicInOut(200, 404)),
        with_body(row("POST", "/r/{invite}/code", "/r/{invite_in}/code", "/r/{invite_forged}/code", PublicInOut(403, 403)), "form:_csrf=wrong", "form:"),
        with_body(row("POST", "/r/{invite}/join", "/r/{invite_in}/join", "/r/{invite_forged}/join", PublicInOut(403, 403)), "form:_csrf=wrong&otp=123456", "form:otp=123456"),
        row("GET", "/r/{invite}/feed", "/r/{invite_in}/feed", "/r/{invite_forged}/feed", PublicInOut(404, 404)),
        with_body(row("POST", "/r/{invite}/messages", "/r/{invite_in}/messages", "/r/{invite_forged}/messages", PublicInOut(400, 400)), "form:_csrf=wrong&body=x", "form:body=x"),
        with_body(row("POST", "/r/{invite}/confirm-code", "/r/{invite_in}/confirm-code", "/r/{invite_forged}/confirm-code", PublicInOut(403, 403)), "form:_csrf=wrong&version=1", "form:version=1"),
        with_body(row("POST", "/r/{invite}/confirm", "/r/{invite_in}/confirm", "/r/{invite_forged}/confirm", PublicInOut(403, 403)), "form:_csrf=wrong&version=1&otp=123456", "form:version=1&otp=123456"),
        row("GET", "/r/{invite}/files/{file}", "/r/{invite_in}/files/{room_file}", "/r/{invite_forged}/files/{room_file}", PublicInOut(404, 404)),
        with_body(row("POST", "/r/{invite}/leave", "/r/{invite_in}/leave", "/r/{invite_forged}/leave", PublicInOut(403, 403)), "form:_csrf=wrong", "form:"),
        // 管理 (pages/admin): the admin only, others the 403 page; in = street 1, out = street 2.
        row("GET", "/admin/regions", "/admin/regions?code=330702001", "/admin/regions?code=330702002", Custom(admin_page)),
        row("GET", "/admin/categories", "/admin/categories", "/admin/categories?category=city.noise&grid=330702002001001", Custom(admin_page)),
        row("GET", "/admin/deadlines", "/admin/deadlines", "/admin/deadlines?year=2027", Custom(admin_page)),
        row("GET", "/admin/users", "/admin/users", "/admin/users?page=2", Custom(admin_page)),
        row("GET", "/admin/imports", "/admin/imports", "/admin/imports", Custom(admin_page)),
        row("GET", "/admin/sms", "/admin/sms", "/admin/sms?page=2", Custom(admin_page)),
        with_body(row("POST", "/admin/routing-rules", "/admin/routing-rules", "/admin/routing-rules", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&category_code=city.noise&area_kind=anywhere&target_kind=department&target_department=1", "form:category_code=city.noise&area_kind=anywhere&target_kind=department&target_department=1"),
        with_body(row("POST", "/admin/deadlines", "/admin/deadlines", "/admin/deadlines", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&general=1&general_unit=hours", "form:general=1&general_unit=hours"),
        with_body(row("POST", "/admin/users", "/admin/users", "/admin/users", Custom(staff_form_bad_csrf)), "form:_csrf=wrong&username=x1234&role=admin", "form:username=x1234&role=admin"),
        // Uploads are multipart: a urlencoded body is unreadable (400) for the admin, 403 for others.
        with_body(row("POST", "/admin/imports/grids", "/admin/imports/grids", "/admin/imports/grids", Custom(admin_upload_unreadable)), "form:_csrf=wrong", "form:"),
        with_body(row("POST", "/admin/imports/residents", "/admin/imports/residents", "/admin/imports/residents", Custom(admin_upload_unreadable)), "form:_csrf=wrong", "form:"),
        // Resident pages (no account): the forms need the double-submit or session CSRF token, which these requests lack.
        row("GET", "/report", "/report?b=qr-1", "/report?b=forged", Public(200)),
        with_body(row("POST", "/report", "/report", "/report", PublicInOut(403, 403)),
            "form:_csrf=wrong&category=city.noise&description=x&building=qr-1", "form:category=city.noise&description=x&building=qr-1"),
        row("GET", "/report/done", "/report/done?c={case_code_in}&t={case_token_in}", "/report/done?c={case_code_in}&t=forged", PublicInOut(200, 404)),
        row("GET", "/track/{code}", "/track/{case_code_in}?t={case_token_in}", "/track/{case_code_in}?t=forged", PublicInOut(200, 404)),
        with_body(row("POST", "/track/{code}/rate", "/track/{case_code_in}/rate", "/track/{case_code_in}/rate", PublicInOut(403, 403)),
            "form:_csrf=wrong&t={case_token_in}&version=1&resolved=yes&satisfaction=satisfied", "form:t=forged&version=1&resolved=yes&satisfaction=satisfied"),
        with_body(row("POST", "/track/{code}/confirm", "/track/{case_code_in}/confirm", "/track/{case_code_in}/confirm", PublicInOut(403, 403)),
            "form:_csrf=wrong&t={case_token_in}&version=1&ok=yes", "form:t=forged&version=1&ok=yes"),
        // Finding a case again (resident/follow): the lookup page is public; its forms need the CSRF token;
        // 我的诉求 without a verified phone sends back to the lookup; the note form is multipart (400 when urlencoded).
        row("GET", "/track", "/track", "/track?c={case_code_in}", Public(200)),
        with_body(row("POST", "/track", "/track", "/track", PublicInOut(403, 403)),
            "form:_csrf=wrong&code={case_code_in}&phone=13900001111", "form:code={case_code_in}&phone=13900001111"),
        with_body(row("POST", "/track/verify", "/track/verify", "/track/verify", PublicInOut(403, 403)),
            "form:_csrf=wrong&code={case_code_in}&phone=13900001111&otp=123456", "form:code={case_code_in}&phone=13900001111&otp=123456"),
        row("GET", "/track/mine", "/track/mine", "/track/mine?c={case_code_in}", Public(303)),
        with_body(row("POST", "/track/{code}/urge", "/track/{case_code_in}/urge", "/track/{case_code_in}/urge", PublicInOut(403, 403)),
            "form:_csrf=wrong&t={case_token_in}&version=1", "form:t=forged&version=1"),
        with_body(row("POST", "/track/{code}/note", "/track/{case_code_in}/note", "/track/{case_code_in}/note", PublicInOut(400, 400)),
            "form:_csrf=wrong&t={case_token_in}&version=1&note=x", "form:t=forged&version=1&note=x"),
        // QR sheets: staff who may read the grid; in = A1, out = C1.
        row("GET", "/grids/{code}/qr", "/grids/{A1}/qr", "/grids/{C1}/qr", Custom(|who| match who {
            Who::Anonymous => (303, 303),
            Who::Admin => (200, 200),
            _ => (200, 404),
        })),
        // Dashboard: leaders, dispatchers and the admin; in = street 1, out = street 2.
        row(
            "GET",
            "/dashboard",
            "/dashboard?area=330702001",
            "/dashboard?area=330702002",
            Custom(dashboard_page),
        ),
        row(
            "GET",
            "/dashboard/export.xlsx",
            "/dashboard/export.xlsx?chart=category&area=330702001",
            "/dashboard/export.xlsx?chart=category&area=330702002",
            Custom(dashboard_page),
        ),
        // Street map: dispatchers, community workers and the admin; in = community A, out = community C.
        row(
            "GET",
            "/map",
            "/map?area=330702001008",
            "/map?area=330702002001",
            Custom(map_page),
        ),
        row("GET", "/static/app.css", "/static/app.css", "/static/app.css", Public(200)),
        row("GET", "/static/app.js", "/static/app.js", "/static/app.js", Public(200)),
        row("GET", "/static/map.js", "/static/map.js", "/static/map.js", Public(200)),
        // The vendored Leaflet: its files by name, nothing else (no directory, no source map).
        row(
            "GET",
            "/static/vendor/leaflet-1.9.4/{file}",
            "/static/vendor/leaflet-1.9.4/leaflet.js",
            "/static/vendor/leaflet-1.9.4/leaflet.js.map",
            PublicInOut(200, 404),
        ),
        row(
            "GET",
            "/static/vendor/leaflet-1.9.4/images/{file}",
            "/static/vendor/leaflet-1.9.4/images/marker-icon.png",
            "/static/vendor/leaflet-1.9.4/images/..%2F..%2Fleaflet.js",
            PublicInOut(200, 404),
        ),
        // The interactive map's layers: case readers with a region scope; in = grid A1, out = grid C1.
        row(
            "GET",
            "/map/layers.json",
            "/map/layers.json?area=330702001008001&buildings=1",
            "/map/layers.json?area=330702002001001",
            Custom(map_layers),
        ),
        // The report form's layers: public; in = street 1, out = a street that does not exist.
        row("GET", "/report/map.json", "/report/map.json?s=330702001", "/report/map.json?s=330702099", PublicInOut(200, 404)),
        row("GET", "/password", "/password", "/password", Custom(staff_page)),
        with_body(
            row("POST", "/password", "/password", "/password", Custom(staff_form_bad_csrf)),
            "form:_csrf=wrong&current_password=a&new_password=b",
            "form:current_password=a&new_password=b",
        ),
        with_body(
            row("POST", "/password/tokens/{id}/revoke", "/password/tokens/{own_token}/revoke", "/password/tokens/{other_token}/revoke", Custom(staff_form_bad_csrf)),
            "form:_csrf=wrong",
            "form:",
        ),
        // ---- end of pages ----
        with_body(
            row(
                "POST",
                "/api/v1/auth/login",
                "/api/v1/auth/login",
                "/api/v1/auth/login",
                Public(401),
            ),
            // A name per request: failures delay a (name, address) pair (issue 9 item 12).
            r#"{"username":"nobody{unique}","password":"x"}"#,
            r#"{"username":"nobody{unique}","password":"y"}"#,
        ),
        row(
            "GET",
            "/api/v1/auth/me",
            "/api/v1/auth/me",
            "/api/v1/auth/me",
            Everyone(200),
        ),
        logout,
        with_body(
            row(
                "POST",
                "/api/v1/auth/password",
                "/api/v1/auth/password",
                "/api/v1/auth/password",
                Everyone(422),
            ),
            r#"{"current_password":"wrong","new_password":"Another@2026x"}"#,
            r#"{"current_password":"wrong","new_password":"Another@2026x"}"#,
        ),
        row(
            "POST",
            "/api/v1/auth/totp/setup",
            "/api/v1/auth/totp/setup",
            "/api/v1/auth/totp/setup",
            Everyone(200),
        ),
        with_body(
            row(
                "POST",
                "/api/v1/auth/totp/enable",
                "/api/v1/auth/totp/enable",
                "/api/v1/auth/totp/enable",
                Everyone(422),
            ),
            r#"{"secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","code":"000000"}"#,
            r#"{"secret":"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ","code":"000001"}"#,
        ),
        row(
            "GET",
            "/api/v1/regions",
            "/api/v1/regions",
            "/api/v1/regions?include_grids=true",
            Everyone(200),
        ),
        row(
            "GET",
            "/api/v1/regions/{code}",
            "/api/v1/regions/{A1}",
            "/api/v1/regions/{street2}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/grids",
            "/api/v1/grids?within={A1}",
            "/api/v1/grids?within={street2}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/grids/{code}",
            "/api/v1/grids/{A1}",
            "/api/v1/grids/{C1}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/grids/{code}/team",
            "/api/v1/grids/{A1}/team",
            "/api/v1/grids/{C1}/team",
            Places,
        ),
        row(
            "GET",
            "/api/v1/locate",
            "/api/v1/locate?lat={A1lat}&lng={A1lng}",
            "/api/v1/locate?lat={C1lat}&lng={C1lng}",
            Everyone(200),
        ),
        row(
            "GET",
            "/api/v1/buildings",
            "/api/v1/buildings?grid={A1}",
            "/api/v1/buildings?grid={C1}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/buildings/{id}",
            "/api/v1/buildings/{building_in}",
            "/api/v1/buildings/{building_out}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/households",
            "/api/v1/households?grid={A1}",
            "/api/v1/households?grid={C1}",
            People,
        ),
        row(
            "GET",
            "/api/v1/households/{id}",
            "/api/v1/households/{household_in}",
            "/api/v1/households/{household_out}",
            People,
        ),
        row(
            "GET",
            "/api/v1/residents",
            "/api/v1/residents?grid={A1}",
            "/api/v1/residents?grid={C1}",
            People,
        ),
        with_body(
            row(
                "POST",
                "/api/v1/residents",
                "/api/v1/residents",
                "/api/v1/residents",
                Writers(201),
            ),
            r#"{"name":"新居民","id_number":"{new_id}","grid_code":"{A1}"}"#,
            r#"{"name":"新居民","id_number":"{new_id}","grid_code":"{C1}"}"#,
        ),
        row(
            "GET",
            "/api/v1/residents/{id}",
            "/api/v1/residents/{resident_in}",
            "/api/v1/residents/{resident_out}",
            People,
        ),
        with_body(
            row(
                "PATCH",
                "/api/v1/residents/{id}",
                "/api/v1/residents/{resident_in}",
                "/api/v1/residents/{resident_out}",
                Writers(200),
            ),
            r#"{"version":{version_in},"relation":"户主"}"#,
            r#"{"version":{version_out},"relation":"户主"}"#,
        ),
        row(
            "GET",
            "/api/v1/residents/{id}/unmasked",
            "/api/v1/residents/{resident_in}/unmasked",
            "/api/v1/residents/{resident_out}/unmasked",
            Unmask,
        ),
        row(
            "GET",
            "/api/v1/party/orgs",
            "/api/v1/party/orgs?within={A1}",
            "/api/v1/party/orgs?within={street2}",
            Party,
        ),
        row(
            "GET",
            "/api/v1/party/orgs/{id}",
            "/api/v1/party/orgs/{org_in}",
            "/api/v1/party/orgs/{org_out}",
            Party,
        ),
        row(
            "GET",
            "/api/v1/party/members",
            "/api/v1/party/members?within={A1}",
            "/api/v1/party/members?within={C1}",
            Party,
        ),
        row(
            "GET",
            "/api/v1/departments",
            "/api/v1/departments",
            "/api/v1/departments",
            Everyone(200),
        ),
        row(
            "GET",
            "/api/v1/departments/{id}",
            "/api/v1/departments/{dept_in}",
            "/api/v1/departments/{dept_out}",
            Places,
        ),
        row(
            "GET",
            "/api/v1/users",
            "/api/v1/users",
            "/api/v1/users",
            AdminOnly(200),
        ),
        with_body(
            row(
                "POST",
                "/api/v1/users",
                "/api/v1/users",
                "/api/v1/users",
                AdminOnly(201),
            ),
            r#"{"username":"u{unique}","display_name":"新用户","password":"Tongxin@2026","role":"grid_worker","scope_region":"{A1}"}"#,
            r#"{"username":"u{unique}","display_name":"新用户","password":"Tongxin@2026","role":"grid_worker","scope_region":"{C1}"}"#,
        ),
        with_body(
            row(
                "POST",
                "/api/v1/tokens",
                "/api/v1/tokens",
                "/api/v1/tokens",
                Everyone(201),
            ),
            r#"{"name":"测试"}"#,
            r#"{"name":"测试"}"#,
        ),
        row(
            "DELETE",
            "/api/v1/tokens/{id}",
            "/api/v1/tokens/{own_token}",
            "/api/v1/tokens/{other_token}",
            OwnToken,
        ),
        row("GET", "/api/v1/tokens", "/api/v1/tokens", "/api/v1/tokens", Everyone(200)),
        row("GET", "/api/v1/users/{id}/tokens", "/api/v1/users/1/tokens", "/api/v1/users/2/tokens", AdminOnly(200)),
        row(
            "GET",
            "/api/v1/audit",
            "/api/v1/audit",
            "/api/v1/audit?entity=resident&entity_id=1",
            AdminOnly(200),
        ),
        row(
            "GET",
            "/api/v1/audit/verify",
            "/api/v1/audit/verify",
            "/api/v1/audit/verify",
            AdminOnly(200),
        ),
        // Import and export. An unusable body is refused whole (422) once the role may import.
        with_body(row("POST", "/api/v1/grids/import", "/api/v1/grids/import", "/api/v1/grids/import", AdminOnly(422)), "{}", "[]"),
        row("GET", "/api/v1/grids/export", "/api/v1/grids/export?within={A1}", "/api/v1/grids/export?within={street2}", Places),
        with_body(row("POST", "/api/v1/residents/import", "/api/v1/residents/import", "/api/v1/residents/import", AdminOnly(422)), "not a workbook", ""),
        row("GET", "/api/v1/residents/export", "/api/v1/residents/export", "/api/v1/residents/export?unmasked=true", Export),
        // The case loop. Residents: a point in A1 vs one outside every grid; a valid follow link vs a forged one.
        row("GET", "/api/v1/categories", "/api/v1/categories", "/api/v1/categories", Public(200)),
        with_body(row("POST", "/api/v1/reports", "/api/v1/reports", "/api/v1/reports", PublicInOut(201, 422)),
            r#"{"category":"city.noise","description":"噪音{unique}","lat":{A1lat},"lng":{A1lng}}"#,
            r#"{"category":"city.noise","description":"噪音{unique}","lat":10.0,"lng":10.0}"#),
        row("GET", "/api/v1/reports/{code}", "/api/v1/reports/{case_code_in}?token={case_token_in}", "/api/v1/reports/{case_code_in}?token=forged", PublicInOut(200, 404)),
        // Not yet handled: confirming or rating is refused (409); a forged link finds nothing.
        with_body(row("POST", "/api/v1/reports/{code}/confirm", "/api/v1/reports/{case_code_in}/confirm?token={case_token_in}", "/api/v1/reports/{case_code_in}/confirm?token=forged", PublicInOut(409, 404)),
            r#"{"version":{case_version_in},"ok":true}"#, r#"{"version":{case_version_in},"ok":true}"#),
        with_body(row("POST", "/api/v1/reports/{code}/rating", "/api/v1/reports/{case_code_in}/rating?token={case_token_in}", "/api/v1/reports/{case_code_in}/rating?token=forged", PublicInOut(409, 404)),
            r#"{"version":{case_version_in},"resolved":true,"satisfaction":"satisfied"}"#, r#"{"version":{case_version_in},"resolved":true,"satisfaction":"satisfied"}"#),
        // Staff entry in A1 (everyone's scope) and in C1 (the admin's only).
        with_body(row("POST", "/api/v1/cases", "/api/v1/cases", "/api/v1/cases", Custom(|who| match who {
                Who::Anonymous => (401, 401),
                Who::Admin => (201, 201),
                Who::Dispatcher | Who::Community | Who::Grid => (201, 422),
                _ => (403, 403),
            })),
            r#"{"channel":"hotline","category":"city.noise","description":"来电{unique}","grid_code":"{A1}"}"#,
            r#"{"channel":"hotline","category":"city.noise","description":"来电{unique}","grid_code":"{C1}"}"#),
        // Departments see the cases they take part in, whatever the grid filter says.
        row("GET", "/api/v1/cases", "/api/v1/cases?grid={A1}", "/api/v1/cases?grid={C1}", Custom(|who| if who == Who::Department { (200, 200) } else { case_readers(who, 200, 404) })),
        row("GET", "/api/v1/cases/{id}", "/api/v1/cases/{case_in}", "/api/v1/cases/{case_out}", Custom(|who| case_readers(who, 200, 404))),
        // Closing a dispatched case is refused by the rules (409) once the case is visible at all.
        with_body(row("POST", "/api/v1/cases/{id}/actions", "/api/v1/cases/{case_in}/actions", "/api/v1/cases/{case_out}/actions", Custom(|who| case_readers(who, 409, 404))),
            r#"{"version":{case_version_in},"action":{"action":"close"}}"#, r#"{"version":{case_version_out},"action":{"action":"close"}}"#),
        with_body(row("PUT", "/api/v1/categories/{code}", "/api/v1/categories/city.noise", "/api/v1/categories/city.noise", Custom(|who| admin_only_in_out(who, 204, 422))),
            r#"{"code":"","name":"噪音扰民","parent_code":"city","urgency":"general","kind":"complaint","active":true,"sort":1}"#,
            r#"{"code":"","name":"","parent_code":"city","urgency":"general","kind":"complaint","active":true,"sort":1}"#),
        row("GET", "/api/v1/routing/rules", "/api/v1/routing/rules", "/api/v1/routing/rules", Custom(|who| case_readers(who, 200, 200))),
        with_body(row("POST", "/api/v1/routing/rules", "/api/v1/routing/rules", "/api/v1/routing/rules", Custom(|who| admin_only_in_out(who, 201, 422))),
            r#"{"id":0,"category_code":"city.noise","area_kind":"grid","area_code":"{A1}","target_kind":"department","target_ref":"1","auto_dispatch":false,"version":1}"#,
            r#"{"id":0,"category_code":"no.such","area_kind":"grid","area_code":"{A1}","target_kind":"department","target_ref":"1","auto_dispatch":false,"version":1}"#),
        with_body(row("PUT", "/api/v1/routing/rules/{id}", "/api/v1/routing/rules/{rule_id}", "/api/v1/routing/rules/999999", Custom(|who| admin_only_in_out(who, 204, 409))),
            r#"{"id":0,"category_code":"city.noise","area_kind":"street","area_code":"330702001","target_kind":"department","target_ref":"1","auto_dispatch":true,"version":{rule_version}}"#,
            r#"{"id":0,"category_code":"city.noise","area_kind":"street","area_code":"330702001","target_kind":"department","target_ref":"1","auto_dispatch":true,"version":1}"#),
        row("DELETE", "/api/v1/routing/rules/{id}", "/api/v1/routing/rules/{fresh_rule}", "/api/v1/routing/rules/999999", Custom(|who| admin_only_in_out(who, 204, 404))),
        with_body(row("POST", "/api/v1/routing/dry-run", "/api/v1/routing/dry-run", "/api/v1/routing/dry-run", Custom(|who| case_readers(who, 200, 200))),
            r#"{"category":"city.noise","grid_code":"{A1}"}"#, r#"{"category":"city.noise","grid_code":"{C1}"}"#),
        row("GET", "/api/v1/settings/deadlines", "/api/v1/settings/deadlines", "/api/v1/settings/deadlines", Custom(|who| case_readers(who, 200, 200))),
        with_body(row("PUT", "/api/v1/settings/deadlines", "/api/v1/settings/deadlines", "/api/v1/settings/deadlines", Custom(|who| admin_only_in_out(who, 204, 422))),
            r#"{"emergency":{"hours":2},"utility":{"hours":24},"general":{"working_days":7},"complex":{"working_days":15},"contact":{"hours":24},"warn_ratio":0.8}"#,
            r#"{"emergency":{"hours":0},"utility":{"hours":24},"general":{"working_days":7},"complex":{"working_days":15},"contact":{"hours":24},"warn_ratio":1.5}"#),
        row("GET", "/api/v1/settings/calendar", "/api/v1/settings/calendar", "/api/v1/settings/calendar", Custom(|who| case_readers(who, 200, 200))),
        with_body(row("PUT", "/api/v1/settings/calendar", "/api/v1/settings/calendar", "/api/v1/settings/calendar", Custom(|who| admin_only_in_out(who, 204, 422))),
            r#"{"text":"2026-10-01..2026-10-07 休 国庆节"}"#, r#"{"text":"2026-13-01 休 错误"}"#),
        // 12345 work orders: a file in A1 imports; one in C1 is outside all but the admin's scope.
        with_body(row("POST", "/api/v1/cases/import", "/api/v1/cases/import", "/api/v1/cases/import", Custom(|who| match who {
                Who::Anonymous => (401, 401),
                Who::Admin => (201, 201),
                Who::Dispatcher | Who::Community | Who::Grid => (201, 422),
                _ => (403, 403),
            })),
            "工单编号,来电时间,诉求类别,诉求内容,网格编码\n{unique},2026-11-20 08:30,噪音扰民,楼上噪音,{A1}\n",
            "工单编号,来电时间,诉求类别,诉求内容,网格编码\n{unique},2026-11-20 08:30,噪音扰民,楼上噪音,{C1}\n"),
        row("GET", "/api/v1/evaluation", "/api/v1/evaluation?level=grid&within={A1}", "/api/v1/evaluation?level=grid&within={street2}", Custom(evaluation_readers)),
        row("GET", "/api/v1/evaluation/export", "/api/v1/evaluation/export?level=grid&within={A1}&format=csv", "/api/v1/evaluation/export?level=grid&within={street2}&format=xlsx", Custom(evaluation_readers)),
        row("GET", "/api/v1/settings/evaluation-weights", "/api/v1/settings/evaluation-weights", "/api/v1/settings/evaluation-weights", Custom(|who| match who {
                Who::Anonymous => (401, 401),
                Who::Admin | Who::Leader | Who::Dispatcher | Who::Community | Who::Department => (200, 200),
                _ => (403, 403),
            })),
        with_body(row("PUT", "/api/v1/settings/evaluation-weights", "/api/v1/settings/evaluation-weights", "/api/v1/settings/evaluation-weights", Custom(|who| admin_only_in_out(who, 200, 422))),
            r#"{"response":0.3,"resolution":0.35,"satisfaction":0.35}"#, r#"{"response":0.3,"resolution":0.3,"satisfaction":0.3}"#),
        row("GET", "/api/v1/notices", "/api/v1/notices", "/api/v1/notices?page=2", Custom(|who| case_readers(who, 200, 200))),
    ]
}

struct Vars<'a> {
    f: &'a Fixture,
    med: &'a support::mediation::Med,
    /// The caller's session token, for forms that should pass the CSRF check.
    csrf: String,
    who: Who,
    counter: u32,
}

impl Vars<'_> {
    async fn fill(&mut self, template: &str) -> String {
        let f = self.f;
        let ids = &f.ids;
        let mut s = template
            .replace("{A1}", GRID_A1)
            .replace("{C1}", GRID_C1)
            .replace("{street2}", STREET2)
            .replace("{A1lat}", &POINT_A1.1.to_string())
            .replace("{A1lng}", &POINT_A1.0.to_string())
            .replace("{C1lat}", &POINT_C1.1.to_string())
            .replace("{C1lng}", &POINT_C1.0.to_string())
            .replace("{building_in}", &ids.building_a1.to_string())
            .replace("{building_out}", &ids.building_c1.to_string())
            .replace("{household_in}", &ids.household_a1.to_string())
            .replace("{household_out}", &ids.household_c1.to_string())
            .replace("{resident_in}", &ids.resident_a1.to_string())
            .replace("{resident_out}", &ids.resident_c1.to_string())
            .replace("{org_in}", &ids.org_a1.to_string())
            .replace("{org_out}", &ids.org_c1.to_string())
            .replace("{dept_in}", &ids.dept_street1.to_string())
            .replace("{dept_out}", &ids.dept_street2.to_string())
            .replace("{case_in}", &ids.case_a1.id.to_string())
            .replace("{case_out}", &ids.case_c1.id.to_string())
            .replace("{case_code_in}", &ids.case_a1.code)
            .replace("{case_token_in}", &ids.case_a1.follow_token)
            .replace("{rule_id}", &ids.rule.to_string());
        s = self.mediation(s).await;
        let today = tongxin_domain::case::deadline::shanghai_date(f.store.now());
        s = s.replace("{today}", &today.to_string()).replace("{period}", &today.format("%Y-%m").to_string());
        self.counter += 1;
        let unique = format!("{:?}{}", self.who, self.counter).to_lowercase();
        s = s.replace("{unique}", &unique);
        if s.contains("{new_id}") {
            let seq = (self.who as u16) * 50 + self.counter as u16;
            let id = tongxin_domain::people::idcard::IdNumber::compose(
                "330702",
                chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                seq,
            );
            s = s.replace("{new_id}", id.as_str());
        }
        let admin = tongxin_domain::kernel::access::Scope::All;
        for (key, id) in [("{version_in}", ids.resident_a1), ("{version_out}", ids.resident_c1)] {
            if s.contains(key) {
                let v = f.store.residents().get(&admin, id).await.unwrap().version;
                s = s.replace(key, &v.to_string());
            }
        }
        let admin_scope = tongxin_domain::kernel::access::Scope::All;
        for (key, id) in [("{case_version_in}", ids.case_a1.id), ("{case_version_out}", ids.case_c1.id)] {
            if s.contains(key) {
                let v = f.store.cases().get(&admin_scope, id).await.unwrap().version;
                s = s.replace(key, &v.to_string());
            }
        }
        // A case with a photo, made for the row: in grid A1 (department 1's) or C1 (street 2).
        for (key, grid) in [
            ("{photo_in}", GRID_A1),
            ("{photo_out}", GRID_C1),
            ("{photo_track_in}", GRID_A1),
            ("{photo_track_forged}", GRID_A1),
        ] {
            if s.contains(key) {
                let (case, photos) =
                    support::pages::case_with_photos(f, grid, &[crate::case_photos_contact::PNG_WITH_TEXT]).await;
                let path = match key {
                    "{photo_track_in}" => format!("{}/photos/{}?t={}", case.code, photos[0], case.follow_token),
                    "{photo_track_forged}" => format!("{}/photos/{}?t=forged", case.code, photos[0]),
                    _ => format!("{}/photos/{}", case.id, photos[0]),
                };
                s = s.replace(key, &path);
            }
        }
        for (key, dept) in [("{notice_in}", ids.dept_street1), ("{notice_out}", ids.dept_street2)] {
            if s.contains(key) {
                let id = deliver_notice(f, &format!("dept:{dept}"), Some(ids.case_a1.id), "dispatched").await;
                s = s.replace(key, &id.to_string());
            }
        }
        if s.contains("{petition_") {
            let (a, b) = crate::petitions::authz_petitions(f).await;
            s = s.replace("{petition_in}", &a.to_string()).replace("{petition_out}", &b.to_string());
        }
        if s.contains("{rule_version}") {
            let v = f.store.categories().rules().await.unwrap().into_iter().find(|r| r.id == ids.rule).unwrap().version;
            s = s.replace("{rule_version}", &v.to_string());
        }
        if s.contains("{fresh_rule}") {
            let r = tongxin_store::cases::categories::RuleRow {
                id: 0,
                category_code: "city.noise".into(),
                area_kind: "anywhere".into(),
                area_code: String::new(),
                target_kind: "department".into(),
                target_ref: "1".into(),
                auto_dispatch: false,
                version: 1,
            };
            let id = f.store.categories().create_rule(&tongxin_store::Actor::system("test"), &r).await.unwrap();
            s = s.replace("{fresh_rule}", &id.to_string());
        }
        for (key, owner) in [
            ("{own_token}", self.who),
            ("{other_token}", if self.who == Who::Leader { Who::Admin } else { Who::Leader }),
        ] {
            if s.contains(key) {
                let user = ids.users.get(&owner).copied().unwrap_or(ids.users[&Who::Admin]);
                let id = f
                    .store
                    .accounts()
                    .create_api_token(&tongxin_store::Actor::system("test"), user, "t", &format!("tok-{unique}-{key}"))
                    .await
                    .unwrap();
                s = s.replace(key, &id.to_string());
            }
        }
        s
    }
}

impl Vars<'_> {
    /// The mediation placeholders: the fixture's disputes and organisations, fresh versions
    /// and mediators, the caller's CSRF token.
    async fn mediation(&self, mut s: String) -> String {
        use support::mediation::{dispute, fresh_mediator};
        let m = self.med;
        // Another committee's dispute of the same street for those who work inside it.
        let out = match self.who {
            Who::Mediator | Who::Community | Who::Grid => &m.dispute_b,
            _ => &m.dispute_c,
        };
        s = s
            .replace("{csrf}", &self.csrf)
            .replace("{dispute_in}", &m.dispute_a.id.to_string())
            .replace("{dispute_out}", &out.id.to_string())
            .replace("{dispute_code_in}", &m.dispute_a.code)
            .replace("{dispute_code_out}", &out.code)
            .replace("{signed_in}", &m.signed.id.to_string())
            .replace("{failed_in}", &m.failed.id.to_string())
            .replace("{room_in}", &m.room.id.to_string())
            .replace("{room_out}", &m.dispute_b.id.to_string())
            .replace("{room_file}", &m.room_file.to_string())
            .replace("{invite_in}", &tongxin_app::mediation::room::invite_token(&self.f.store, m.room.id, 1))
            .replace("{invite_forged}", &format!("{}-1-0123456789abcdef01234567", m.room.id))
            .replace("{committee_a}", &m.committee_a.to_string())
            .replace("{committee_c}", &m.committee_c.to_string())
            .replace("{communityA}", support::COMMUNITY_A)
            .replace("{communityC}", support::COMMUNITY_C);
        for (key, id) in [("{dispute_version_in}", m.dispute_a.id), ("{dispute_version_out}", out.id)] {
            if s.contains(key) {
                s = s.replace(key, &dispute(self.f, id).await.version.to_string());
            }
        }
        for (key, id) in [("{committee_version_a}", m.committee_a), ("{committee_version_c}", m.committee_c)] {
            if s.contains(key) {
                let v = self.f.store.mediation().org_by_id(id).await.unwrap().version;
                s = s.replace(key, &v.to_string());
            }
        }
        for (key, org) in [("{fresh_mediator_a}", m.committee_a), ("{fresh_mediator_c}", m.committee_c)] {
            if s.contains(key) {
                let id = fresh_mediator(self.f, &m.admin, org, "赵调解员").await;
                s = s.replace(key, &id.to_string());
            }
        }
        s
    }
}

/// Sends one row's request and reads its status only, never the body (a room's live feed never
/// ends).
async fn send_row(f: &Fixture, session: &Session, method: &str, uri: &str, body: Option<&str>) -> u16 {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(c) = &session.cookie {
        req = req.header(header::COOKIE, c);
    }
    let body = match body.map(|b| (b, b.strip_prefix("form:"))) {
        Some((_, Some(form))) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(form.to_string())
        }
        other => {
            if let Some(t) = &session.csrf {
                req = req.header("x-csrf-token", t);
            }
            match other {
                Some((json, None)) => {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                    Body::from(json.to_string())
                }
                _ => Body::empty(),
            }
        }
    };
    f.app.clone().oneshot(req.body(body).unwrap()).await.unwrap().status().as_u16()
}

both_backends! {
    async fn every_route_every_role_in_and_out_of_scope(t: TestStore) {
        let f = fixture(&t).await;
        let med = support::mediation::setup(&f).await;
        let table = table();
        let mut failures = Vec::new();
        for (spec, _) in tongxin_web::api::routes() {
            if !table.iter().any(|r| r.method == spec.method && r.path == spec.path) {
                failures.push(format!("route {} {} has no row in the authorization table", spec.method, spec.path));
            }
        }
        let mut sessions = std::collections::HashMap::new();
        for who in Who::ALL {
            sessions.insert(who, login(&f, who).await);
        }
        let mut checked = 0;
        for r in &table {
            assert!(
                tongxin_web::api::routes().iter().any(|(spec, _)| spec.method == r.method && spec.path == r.path),
                "row {} {} names no route",
                r.method,
                r.path
            );
            for who in Who::ALL {
                let (want_in, want_out) = expected(r.expect, who);
                for (template, body, want) in [(r.in_uri, r.body_in, want_in), (r.out_uri, r.body_out, want_out)] {
                    let session = if r.fresh_session { login(&f, who).await } else { sessions[&who].clone() };
                    let csrf = session.csrf.clone().unwrap_or_default();
                    let mut vars = Vars { f: &f, med: &med, csrf, who, counter: checked };
                    let uri = vars.fill(template).await;
                    let body = match body {
                        Some(b) => Some(vars.fill(b).await),
                        None => None,
                    };
                    let got = send_row(&f, &session, r.method, &uri, body.as_deref()).await;
                    checked += 1;
                    if got != want {
                        failures.push(format!("{}: {} {uri} as {who:?}: got {got}, want {want}", t.label, r.method));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{} authorization mismatches:\n{}", failures.len(), failures.join("\n"));
        assert!(checked > 500, "the table exercised {checked} requests");
        assert_eq!(f.store.audit().verify().await.unwrap().map(|n| n > 0), Ok(true), "{}: audit chain intact", t.label);
    }
}
