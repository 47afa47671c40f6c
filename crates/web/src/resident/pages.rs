//! 居民: a resident reports a problem from a phone without an account — from the QR code on a
//! building (`/report?b=TOKEN`) or by tapping the street's grid map — gets a tracking code with
//! a private follow link, follows the case (`/track/{code}?t=TOKEN`), confirms the reply and
//! rates it. Intake and every step go through the same use-cases as the JSON API
//! (`tongxin_app::cases`), with the same per-address and per-phone limits.

use crate::AppState;
use crate::auth::{ClientIp, SESSION_COOKIE, cookie_value};
use crate::cases::public::PublicCase;
use crate::error::ApiError;
use crate::routes::{RouteSpec, public};
use crate::ui::error::{PageError, PageResult, render, urlencode};
use crate::ui::flash::{self, Flash};
use crate::ui::form::{self, CsrfForm};
use crate::ui::map::{MapArea, render_map_sized};
use crate::ui::shell::Shell;
use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;
use tongxin_app::cases::{CaseActor, CaseError, Place, Report, Reporter};
use tongxin_domain::case::photo::MAX_PHOTOS;
use tongxin_domain::case::{Action, Channel, Satisfaction, Status};
use tongxin_domain::kernel::clock::local_minute;
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::cases::read::CaseView;

/// Every photo at its largest plus the text fields (each part has its own limit too).
const MAX_REPORT_BODY: usize = crate::cases::api::MAX_REPORT_MULTIPART;
const MAX_DESCRIPTION: usize = 4000;
/// Width of the report map's drawing (it scales to the screen).
const MAP_WIDTH: f64 = 600.0;

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/report", get(report_form)),
        public("POST", "/report", post(submit).layer(DefaultBodyLimit::max(MAX_REPORT_BODY))),
        public("GET", "/report/done", get(done)),
        public("GET", "/track/{code}", get(track)),
        public("POST", "/track/{code}/rate", post(rate)),
        public("POST", "/track/{code}/confirm", post(confirm)),
    ]
}

/// The token for a resident's form: a signed-in staff member's session token (which
/// `check_csrf` expects when the session cookie is there), else the double-submit token.
pub(crate) async fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(t) = cookie_value(headers, SESSION_COOKIE).filter(|t| !t.is_empty())
        && let Ok(Some(session)) = state.store.accounts().session(&t).await
    {
        return (session.csrf_token, None);
    }
    form::anonymous_token(state, headers)
}

// ---------------------------------------------------------------------------------------------
// The report form

#[derive(Debug, Clone, Default)]
struct ReportInput {
    category: String,
    description: String,
    /// A building's QR token.
    building: String,
    lng: String,
    lat: String,
    grid: String,
    street: String,
    address: String,
    name: String,
    phone: String,
    anonymous: bool,
    photos: Vec<Vec<u8>>,
}

/// A message next to each field that can be wrong.
#[derive(Debug, Clone, Default)]
struct FieldErrors {
    category: Option<String>,
    description: Option<String>,
    location: Option<String>,
    photos: Option<String>,
    phone: Option<String>,
    general: Option<String>,
}

impl FieldErrors {
    fn set(&mut self, field: &str, message: String) {
        let slot = match field {
            "category" => &mut self.category,
            "description" => &mut self.description,
            "location" | "building" | "grid_code" | "address" => &mut self.location,
            "photos" => &mut self.photos,
            "phone" | "name" => &mut self.phone,
            _ => &mut self.general,
        };
        *slot = Some(message);
    }

    /// The slot of `field` already holds a message.
    fn any_for(&self, field: &str) -> bool {
        let mut probe = FieldErrors::default();
        probe.set(field, String::new());
        let filled = |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some();
        filled(&self.category, &probe.category)
            || filled(&self.description, &probe.description)
            || filled(&self.location, &probe.location)
            || filled(&self.photos, &probe.photos)
            || filled(&self.phone, &probe.phone)
            || filled(&self.general, &probe.general)
    }

    fn any(&self) -> bool {
        self.category.is_some()
            || self.description.is_some()
            || self.location.is_some()
            || self.photos.is_some()
            || self.phone.is_some()
            || self.general.is_some()
    }
}

struct Choice {
    code: String,
    name: String,
}

struct Group {
    name: String,
    options: Vec<Choice>,
}

struct StreetLink {
    code: String,
    name: String,
    current: bool,
}

struct BuildingInfo {
    name: String,
    address: String,
}

#[derive(Template)]
#[template(path = "resident/report.html")]
struct ReportPage {
    shell: Shell,
    csrf: String,
    categories: Vec<Group>,
    input: ReportInput,
    errors: FieldErrors,
    building: Option<BuildingInfo>,
    map: Option<String>,
    /// The interactive map's settings (`static/map.js`).
    map_attrs: String,
    streets: Vec<StreetLink>,
    grids: Vec<Group>,
    max_description: usize,
    max_photos: usize,
    photos_dropped: bool,
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    /// A building's QR token.
    #[serde(default)]
    b: String,
    /// The street whose map to show.
    #[serde(default)]
    s: String,
}

/// The two-level category tree, in the administrators' order.
async fn category_groups(state: &AppState) -> PageResult<Vec<Group>> {
    let rows: Vec<_> = state.store.categories().list().await?.into_iter().filter(|c| c.active).collect();
    let mut groups = Vec::new();
    for parent in rows.iter().filter(|c| c.parent_code.is_none()) {
        let mut options: Vec<Choice> = rows
            .iter()
            .filter(|c| c.parent_code.as_deref() == Some(parent.code.as_str()))
            .map(|c| Choice { code: c.code.clone(), name: c.name.clone() })
            .collect();
        if options.is_empty() {
            options.push(Choice { code: parent.code.clone(), name: parent.name.clone() });
        }
        groups.push(Group { name: parent.name.clone(), options });
    }
    Ok(groups)
}

/// Builds the page around the input (a fresh form or one coming back with errors).
async fn report_page(
    state: &AppState,
    csrf: String,
    mut input: ReportInput,
    mut errors: FieldErrors,
    flash: Vec<Flash>,
) -> PageResult<ReportPage> {
    let categories = category_groups(state).await?;
    let photos_dropped = errors.any() && !input.photos.is_empty();
    input.photos.clear();
    let mut building = None;
    if !input.building.is_empty() {
        match state.store.places().building_by_qr(&input.building).await {
            Ok(b) => building = Some(BuildingInfo { name: b.name, address: b.address }),
            Err(tongxin_store::StoreError::NotFound) => {
                input.building.clear();
                if errors.location.is_none() {
                    errors.location = Some("二维码无效或楼栋已撤销，请在地图上选择位置或填写地址".into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let (mut map, mut map_attrs, mut streets, mut grids) = (None, String::new(), Vec::new(), Vec::new());
    if building.is_none() {
        let all_streets = state.store.regions().shapes("", "street").await?;
        let current = all_streets
            .iter()
            .find(|s| s.code == input.street)
            .or_else(|| all_streets.iter().find(|s| input.grid.starts_with(&s.code) && !input.grid.is_empty()))
            .or_else(|| all_streets.first())
            .map(|s| s.code.clone())
            .unwrap_or_default();
        input.street = current.clone();
        if all_streets.len() > 1 {
            streets = all_streets
                .iter()
                .map(|s| StreetLink { code: s.code.clone(), name: s.name.clone(), current: s.code == current })
                .collect();
        }
        if !current.is_empty() {
            let grid_shapes = state.store.regions().shapes(&current, "grid").await?;
            let communities = state.store.regions().shapes(&current, "community").await?;
            let areas: Vec<MapArea> = grid_shapes.iter().cloned().filter_map(MapArea::plain).collect();
            // Letters of 22 units on a 600-unit drawing read at ~13 px on a 390 px phone.
            map = render_map_sized("街道网格地图：点击标出问题位置", &areas, &[], MAP_WIDTH, 22.0);
            map_attrs = state.config.map.box_attrs("report", &format!("/report/map.json?s={current}"), "");
            for c in &communities {
                let options: Vec<Choice> = grid_shapes
                    .iter()
                    .filter(|g| g.parent_code.as_deref() == Some(c.code.as_str()))
                    .map(|g| Choice { code: g.code.clone(), name: g.name.clone() })
                    .collect();
                if !options.is_empty() {
                    grids.push(Group { name: c.name.clone(), options });
                }
            }
        }
    }
    Ok(ReportPage {
        shell: Shell::public("我要反映", flash),
        csrf,
        categories,
        input,
        errors,
        building,
        map,
        map_attrs,
        streets,
        grids,
        max_description: MAX_DESCRIPTION,
        max_photos: MAX_PHOTOS,
        photos_dropped,
    })
}

/// `GET /report[?b=QR_TOKEN][&s=STREET]`: the report form.
async fn report_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<ReportQuery>) -> PageResult {
    let (csrf, cookie) = form_token(&state, &headers).await;
    let input = ReportInput { building: q.b.trim().to_string(), street: q.s, ..ReportInput::default() };
    let page = report_page(&state, csrf, input, FieldErrors::default(), flash::read(&headers)).await?;
    Ok(form::with_cookie(render(&page), cookie))
}

/// Reads the form, multipart (with photos) or urlencoded (without), and its `_csrf` field.
async fn read_report(state: &AppState, req: Request) -> PageResult<(ReportInput, String)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut input = ReportInput::default();
    let mut csrf = String::new();
    let mut put = |input: &mut ReportInput, name: &str, value: String| match name {
        "_csrf" => csrf = value,
        "category" => input.category = value,
        "description" => input.description = value,
        "building" => input.building = value,
        "lng" => input.lng = value,
        "lat" => input.lat = value,
        "grid" => input.grid = value,
        "street" => input.street = value,
        "address" => input.address = value,
        "name" => input.name = value,
        "phone" => input.phone = value,
        "anonymous" => input.anonymous = !value.is_empty(),
        _ => {}
    };
    let too_large =
        || PageError::User(StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过大：照片每张不超过 10 MB，最多 9 张".into());
    if multipart {
        // Each part is read with its own limit (issue 9, item 3).
        let m = Multipart::from_request(req, state).await.map_err(|_| bad_form())?;
        let parts = crate::limits::read_parts(m, crate::cases::api::REPORT_PARTS).await.map_err(|e| match e {
            crate::limits::PartError::TooLarge(m) => PageError::User(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("提交的内容过大：{m}（照片每张不超过 10 MB，最多 9 张）"),
            ),
            crate::limits::PartError::Bad(_) => bad_form(),
        })?;
        for (name, text) in parts.texts {
            put(&mut input, &name, text);
        }
        input.photos = parts.files;
    } else {
        // Without photos a form is small.
        let body = axum::body::to_bytes(req.into_body(), 256 * 1024).await.map_err(|_| too_large())?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| bad_form())?;
        for (k, v) in pairs {
            put(&mut input, &k, v);
        }
    }
    Ok((input, csrf))
}

fn bad_form() -> PageError {
    PageError::User(StatusCode::BAD_REQUEST, "表单无法读取，请返回刷新后重试".into())
}

/// Where the matter is: the building of the QR code, a tapped point, a chosen grid, or only
/// the address text.
fn place_of(input: &ReportInput) -> Place {
    if !input.building.trim().is_empty() {
        return Place::Building { qr_token: input.building.trim().to_string() };
    }
    if let (Ok(lng), Ok(lat)) = (input.lng.trim().parse::<f64>(), input.lat.trim().parse::<f64>()) {
        return Place::Point { lng, lat };
    }
    if !input.grid.trim().is_empty() {
        return Place::Grid { code: input.grid.trim().to_string() };
    }
    Place::Address
}

/// The resident's form as a report to take in.
fn report_of(input: &ReportInput, phone: Option<Phone>) -> Report {
    let name = input.name.trim();
    Report {
        channel: Channel::Web,
        category: input.category.clone(),
        urgency: None,
        title: None,
        description: input.description.clone(),
        place: place_of(input),
        address: input.address.clone(),
        requester_name: (!input.anonymous && !name.is_empty()).then(|| name.to_string()),
        phone,
        photos: input.photos.clone(),
        reporter: Reporter::Resident,
        on_spot_reply: None,
    }
}

/// `POST /report`: the same intake as `POST /api/v1/reports`, then to the confirmation page;
/// errors show the form again with the resident's input.
async fn submit(State(state): State<AppState>, ClientIp(ip): ClientIp, req: Request) -> PageResult {
    let headers = req.headers().clone();
    let too_many = |wait: std::time::Duration| format!("提交过于频繁，请 {} 分钟后再试", wait.as_secs() / 60 + 1);
    // The per-address limit comes before the body is read (issue 9, item 3).
    if let Err(wait) = state.report_limit_ip.attempt(ip) {
        let (csrf, _) = form_token(&state, &headers).await;
        let errors = FieldErrors { general: Some(too_many(wait)), ..FieldErrors::default() };
        let page = report_page(&state, csrf, ReportInput::default(), errors, Vec::new()).await?;
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    let (input, sent) = read_report(&state, req).await?;
    form::check_csrf(&state, &headers, &sent).await?;
    let mut errors = FieldErrors::default();
    let again = |input: ReportInput, errors: FieldErrors, status: StatusCode| {
        let state = state.clone();
        let sent = sent.clone();
        async move {
            let page = report_page(&state, sent, input, errors, Vec::new()).await?;
            Ok::<Response, PageError>((status, render(&page)).into_response())
        }
    };
    // Everything that can be told from the form alone is told at once (issue 11): the
    // resident corrects every field in one go.
    let phone = match input.phone.trim() {
        p if p.is_empty() || input.anonymous => None,
        p => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.phone = Some(e.to_string());
                None
            }
        },
    };
    for (field, message) in state.cases.report_form_problems(&report_of(&input, None)) {
        if !errors.any_for(field) {
            errors.set(field, message);
        }
    }
    if errors.any() {
        return again(input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if let Some(p) = &phone
        && let Err(wait) = state.report_limit_phone.attempt(p.as_str().to_string())
    {
        errors.general = Some(too_many(wait));
        return again(input, errors, StatusCode::TOO_MANY_REQUESTS).await;
    }

    match state.cases.report(report_of(&input, phone)).await {
        Ok(r) => {
            let to = format!(
                "/report/done?c={}&t={}{}",
                urlencode(&r.code),
                urlencode(&r.follow_token),
                if r.duplicate { "&dup=1" } else { "" }
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(CaseError::Invalid { field, message }) => {
            errors.set(field, message);
            again(input, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Confirmation and follow pages

/// The site's configured public address, for links to print or copy; never the request's Host
/// header, which a client can set to anything (issue 9 item 14).
pub(crate) fn origin(state: &AppState, _headers: &HeaderMap) -> String {
    state.config.public_url.trim_end_matches('/').to_string()
}

pub(super) fn follow_path(code: &str, token: &str) -> String {
    format!("/track/{}?t={}", urlencode(code), urlencode(token))
}

pub(super) async fn requester_case(state: &AppState, code: &str, token: &str) -> PageResult<CaseView> {
    if code.is_empty() || token.is_empty() {
        return Err(PageError::NotFound);
    }
    state.store.cases().for_requester(code, token).await.map_err(|e| match e {
        tongxin_store::StoreError::NotFound => PageError::NotFound,
        e => e.into(),
    })
}

#[derive(Template)]
#[template(path = "resident/done.html")]
struct DonePage {
    shell: Shell,
    code: String,
    follow_url: String,
    follow_path: String,
    duplicate: bool,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    c: String,
    #[serde(default)]
    t: String,
    #[serde(default)]
    dup: Option<String>,
}

/// `GET /report/done?c=CODE&t=TOKEN`: the tracking code and the private follow link.
async fn done(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<DoneQuery>) -> PageResult {
    let case = requester_case(&state, &q.c, &q.t).await?;
    let path = follow_path(&case.code, &q.t);
    let mut resp = render(&DonePage {
        shell: Shell::public("已受理", flash::read(&headers)),
        follow_url: format!("{}{path}", origin(&state, &headers)),
        follow_path: path,
        code: case.code,
        duplicate: q.dup.is_some(),
    });
    // The link is the resident's key to the case: keep it out of caches and referrers.
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "resident/track.html")]
struct TrackPage {
    shell: Shell,
    csrf: String,
    token: String,
    /// Everything the requester may see, decided in `cases::public`.
    case: PublicCase,
    /// The category's name (with its parent's).
    category: String,
    /// The building of the QR code the report came from (its name and address are public).
    building: Option<String>,
    status_class: &'static str,
    satisfactions: Vec<(&'static str, &'static str)>,
    /// The handling (lead) unit's name, once dispatched.
    unit: Option<String>,
    /// 催办 is offered (a unit holds the case).
    can_urge: bool,
    /// 补充信息 is offered (the case is open).
    can_note: bool,
    max_note_photos: usize,
}

impl TrackPage {
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        local_minute(*t)
    }

    fn deadline(&self) -> Option<String> {
        self.case.deadline_at.filter(|_| self.case.open).map(local_minute)
    }

    fn reply(&self) -> Option<&str> {
        self.case.reply.as_deref().filter(|r| !r.trim().is_empty())
    }

    fn rating(&self) -> Option<(&'static str, &'static str, &str)> {
        self.case.rating.as_ref().map(|r| {
            let satisfaction =
                Satisfaction::ALL.iter().find(|s| s.as_str() == r.satisfaction).map_or("", |s| s.label());
            (if r.resolved { "已解决" } else { "未解决" }, satisfaction, r.comment.as_str())
        })
    }
}

#[derive(Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    t: String,
}

/// `GET /track/{code}?t=TOKEN`: status, timeline, the reply, and the rating form when due.
async fn track(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<TrackQuery>,
) -> PageResult {
    let c = requester_case(&state, &code, &q.t).await?;
    let events = state.store.cases().events(c.id).await?;
    let cfg = state.cases.config();
    let category = match cfg.categories.get(&c.category_code) {
        Some(cat) => match cat.parent.as_ref().and_then(|p| cfg.categories.get(p)) {
            Some(parent) => format!("{} · {}", parent.name, cat.name),
            None => cat.name.clone(),
        },
        None => c.category_code.clone(),
    };
    let status_class = match c.status {
        Status::Rated | Status::Closed | Status::Verified | Status::Handled | Status::Referred => "ok",
        Status::Rejected => "bad",
        _ if c.overdue => "bad",
        _ => "",
    };
    let building = match c.building_id {
        Some(id) => match state.store.places().building(&tongxin_domain::kernel::access::Scope::All, id).await {
            Ok(b) => Some(format!("{}（{}）", b.name, b.address)),
            Err(tongxin_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let photos = state.store.cases().photos(c.id).await?;
    let public_case = PublicCase::of(&c, &events).with_photos(&q.t, &photos);
    let unit = match &c.state.lead {
        Some(u) => Some(unit_name(&state, u).await?),
        None => None,
    };
    let (csrf, cookie) = form_token(&state, &headers).await;
    let page = TrackPage {
        unit,
        can_urge: tongxin_domain::case::ActionKind::Urge.allowed_in(c.status),
        can_note: tongxin_domain::case::ActionKind::AddNote.allowed_in(c.status),
        max_note_photos: tongxin_domain::case::MAX_NOTE_PHOTOS,
        shell: Shell::public(&format!("诉求 {}", c.code), flash::read(&headers)),
        csrf,
        token: q.t,
        case: public_case,
        category,
        building,
        status_class,
        satisfactions: Satisfaction::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
    };
    let mut resp = form::with_cookie(render(&page), cookie);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(resp)
}

/// A unit as a resident reads it: the department's name, or the grid's name with 网格工作站.
async fn unit_name(state: &AppState, unit: &tongxin_domain::case::Unit) -> PageResult<String> {
    use tongxin_domain::case::Unit;
    Ok(match unit {
        Unit::Department(id) => match state.store.departments().get(*id).await {
            Ok(d) => d.name,
            Err(tongxin_store::StoreError::NotFound) => "承办部门".into(),
            Err(e) => return Err(e.into()),
        },
        Unit::GridTeam(code) => match state.store.regions().shape(code).await? {
            Some(g) => format!("{}网格工作站", g.name.trim_end_matches("网格")),
            None => "网格工作站".into(),
        },
    })
}

/// After a requester's step: back to the follow page with a message; what the resident can
/// correct (a refused step, a stale page) is a flash, not an error page.
async fn act_as_requester(
    state: &AppState,
    c: &CaseView,
    token: &str,
    version: i64,
    action: Action,
    ok: &str,
) -> PageResult {
    let back = follow_path(&c.code, token);
    let actor = CaseActor::Requester { code: c.code.clone(), token: token.to_string() };
    match state.cases.act(&actor, c.id, version, action).await {
        Ok(_) => Ok(flash::redirect(&back, "ok", ok)),
        Err(CaseError::Invalid { message, .. }) => Ok(flash::redirect(&back, "error", &message)),
        Err(CaseError::Transition(t)) => Ok(flash::redirect(&back, "error", &t.to_string())),
        Err(CaseError::Store(tongxin_store::StoreError::Conflict(m))) => Ok(flash::redirect(&back, "error", &m)),
        Err(e) => Err(ApiError::from(e).into()),
    }
}

/// A form's `yes` or `no`; anything else is no answer.
fn yes_no(answer: &str) -> Option<bool> {
    match answer {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    t: String,
    version: i64,
    /// `yes` or `no`.
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    comment: String,
}

/// `POST /track/{code}/rate`: 回访评价 (不满意 or unresolved reopens the case once).
async fn rate(State(state): State<AppState>, Path(code): Path<String>, CsrfForm(f): CsrfForm<RateForm>) -> PageResult {
    let c = requester_case(&state, &code, &f.t).await?;
    let back = follow_path(&c.code, &f.t);
    let Some(resolved) = yes_no(&f.resolved) else {
        return Ok(flash::redirect(&back, "error", "请选择问题是否已解决"));
    };
    let Some(satisfaction) = Satisfaction::parse(&f.satisfaction) else {
        return Ok(flash::redirect(&back, "error", "请选择满意程度"));
    };
    let action = Action::Rate { resolved, satisfaction, comment: f.comment };
    act_as_requester(&state, &c, &f.t, f.version, action, "感谢您的评价，已记录").await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    t: String,
    version: i64,
    /// `yes`: the reply is right; `no`: not done (with a note).
    #[serde(default)]
    ok: String,
    #[serde(default)]
    note: String,
}

/// `POST /track/{code}/confirm`: the requester confirms the department's reply (核查).
async fn confirm(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ConfirmForm>,
) -> PageResult {
    let c = requester_case(&state, &code, &f.t).await?;
    let back = follow_path(&c.code, &f.t);
    let Some(ok) = yes_no(&f.ok) else {
        return Ok(flash::redirect(&back, "error", "请选择办理结果是否属实"));
    };
    let message = if ok { "已确认办理结果，谢谢" } else { "已退回承办单位继续办理" };
    act_as_requester(&state, &c, &f.t, f.version, Action::Verify { ok, note: f.note }, message).await
}
