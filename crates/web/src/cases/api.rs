//! Cases over HTTP. Residents report without an account and follow their case through a
//! private link (tracking code + token); staff enter cases, work their queues, open a case
//! and act on it; admins keep categories, routing rules, deadlines and the calendar.
//! Every state change goes through `tongxin_app::cases`, which lets the domain decide.

use super::public::PublicCase;
use crate::AppState;
use crate::auth::{Caller, ClientIp};
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{J, Q};
use crate::routes::{RouteSpec, public, r};
use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, delete, get, post, put};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tongxin_app::cases::{CaseActor, CaseError, Place, Report, Reported, Reporter};
use tongxin_domain::case::deadline::{DeadlinePolicy, Urgency};
use tongxin_domain::case::photo::{MAX_PHOTO_BYTES, MAX_PHOTOS};
use tongxin_domain::case::{Action, CaseState, Channel, RoutingRule, Status, route};
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::Page;
use tongxin_store::cases::categories::{CategoryRow, RuleRow};
use tongxin_store::cases::read::{CaseView, QueueFilter};

/// Staff entry: photos arrive base64-encoded in JSON: 9 × 10 MB plus overhead.
const MAX_REPORT_BODY: usize = 128 * 1024 * 1024;
/// A resident's report as JSON (issue 9, item 3): text only, or a small photo; larger photos
/// come as multipart/form-data parts, each read with its own limit.
pub const MAX_REPORT_JSON: usize = 64 * 1024;
/// A resident's report as multipart/form-data: every photo at its largest plus the text fields.
pub const MAX_REPORT_MULTIPART: usize = MAX_PHOTOS * MAX_PHOTO_BYTES + 256 * 1024;
/// Limits of each part of a multipart report.
pub const REPORT_PARTS: crate::limits::PartLimits = crate::limits::PartLimits {
    file_field: "photos",
    max_file_bytes: MAX_PHOTO_BYTES,
    max_files: MAX_PHOTOS,
    max_text_bytes: 32 * 1024,
    max_parts: 40,
};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        public("GET", "/api/v1/categories", get(categories)),
        public("POST", "/api/v1/reports", post(report).layer(DefaultBodyLimit::max(MAX_REPORT_MULTIPART))),
        public("GET", "/api/v1/reports/{code}", get(follow)),
        public("POST", "/api/v1/reports/{code}/confirm", post(confirm)),
        public("POST", "/api/v1/reports/{code}/rating", post(rate)),
        r("POST", "/api/v1/cases", post(enter).layer(DefaultBodyLimit::max(MAX_REPORT_BODY))),
        r(
            "POST",
            "/api/v1/cases/import",
            post(import_hotline).layer(DefaultBodyLimit::max(crate::exchange::api::MAX_UPLOAD)),
        ),
        r("GET", "/api/v1/cases", get(queue)),
        r("GET", "/api/v1/cases/{id}", get(case)),
        r("POST", "/api/v1/cases/{id}/actions", post(act)),
        r("GET", "/api/v1/notices", get(notices)),
        r("PUT", "/api/v1/categories/{code}", put(upsert_category)),
        r("GET", "/api/v1/routing/rules", get(rules)),
        r("POST", "/api/v1/routing/rules", post(create_rule)),
        r("PUT", "/api/v1/routing/rules/{id}", put(update_rule)),
        r("DELETE", "/api/v1/routing/rules/{id}", delete(delete_rule)),
        r("POST", "/api/v1/routing/dry-run", post(dry_run)),
        r("GET", "/api/v1/settings/deadlines", get(deadlines)),
        r("PUT", "/api/v1/settings/deadlines", put(set_deadlines)),
        r("GET", "/api/v1/settings/calendar", get(calendar)),
        r("PUT", "/api/v1/settings/calendar", put(set_calendar)),
    ]
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> ApiError {
        use tongxin_domain::case::TransitionError as T;
        match e {
            CaseError::Invalid { field, message } => ApiError::invalid(field, message),
            CaseError::Transition(t) => {
                let status = match t {
                    T::Forbidden { .. }
                    | T::NotYourUnit { .. }
                    | T::NoUnit { .. }
                    | T::NotParticipant { .. }
                    | T::SelfVerification
                    | T::OverrideNotAllowed => StatusCode::FORBIDDEN,
                    T::Required { .. } | T::TooLong { .. } | T::BadCharacters { .. } | T::ExtensionTooLong { .. } => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                    _ => StatusCode::CONFLICT,
                };
                ApiError::new(status, Code::TransitionRefused, t.to_string())
            }
            CaseError::Store(s) => s.into(),
            CaseError::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Code::Busy, "系统繁忙，请稍后重试"),
        }
    }
}

/// `GET /api/v1/categories`: the active category tree, for report forms.
async fn categories(State(s): State<AppState>) -> Json<Value> {
    let cfg = s.cases.config();
    let mut all: Vec<_> = cfg.categories.values().collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    let node = |c: &tongxin_domain::case::Category| json!({ "code": c.code, "name": c.name, "urgency": c.urgency.as_str(), "urgency_label": c.urgency.label(), "kind": c.kind.as_str() });
    let tree: Vec<Value> = all
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|p| {
            let children: Vec<Value> =
                all.iter().filter(|c| c.parent.as_deref() == Some(&p.code)).map(|c| node(c)).collect();
            let mut v = node(p);
            v["children"] = Value::Array(children);
            v
        })
        .collect();
    Json(Value::Array(tree))
}

#[derive(Deserialize)]
struct ReportBody {
    category: String,
    description: String,
    #[serde(default)]
    title: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    /// The token of a building's QR code.
    building: Option<String>,
    #[serde(default)]
    address: String,
    name: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    anonymous: bool,
    /// Base64 (standard alphabet) image files.
    #[serde(default)]
    photos: Vec<String>,
    /// The files of a multipart report.
    #[serde(skip)]
    photo_bytes: Vec<Vec<u8>>,
}

fn place(lat: Option<f64>, lng: Option<f64>, building: Option<String>, grid: Option<String>) -> ApiResult<Place> {
    Ok(match (building.filter(|b| !b.is_empty()), grid.filter(|g| !g.is_empty()), lat, lng) {
        (Some(qr_token), _, _, _) => Place::Building { qr_token },
        (None, Some(code), _, _) => Place::Grid { code },
        (None, None, Some(lat), Some(lng)) => Place::Point { lng, lat },
        (None, None, None, None) => Place::Address,
        _ => return Err(ApiError::invalid("location", "经纬度须同时提供")),
    })
}

fn photos(encoded: &[String]) -> ApiResult<Vec<Vec<u8>>> {
    encoded
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let data = p.split_once("base64,").map(|(_, d)| d).unwrap_or(p);
            data_encoding::BASE64
                .decode(data.trim().as_bytes())
                .map_err(|_| ApiError::invalid("photos", format!("第 {} 张照片编码错误", i + 1)))
        })
        .collect()
}

fn phone(p: Option<&str>) -> ApiResult<Option<Phone>> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Phone::parse(p).map(Some).map_err(|e| ApiError::invalid("phone", e.to_string())),
        None => Ok(None),
    }
}

fn reported(r: Reported) -> (StatusCode, Json<Value>) {
    let status = if r.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let follow = format!("/track/{}?t={}", r.code, r.follow_token);
    let notice = if r.duplicate {
        "同一问题刚刚已有人反映，您的诉求已并入该诉求一并办理，这是您自己的跟踪链接。"
    } else {
        "已受理，请保存跟踪链接以查看办理进度并评价。"
    };
    (
        status,
        Json(
            json!({ "id": r.id, "code": r.code, "follow_token": r.follow_token, "follow_url": follow, "duplicate": r.duplicate, "notice": notice }),
        ),
    )
}

fn too_many(wait: std::time::Duration) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        Code::Throttled,
        format!("提交过于频繁，请 {} 分钟后再试", wait.as_secs() / 60 + 1),
    )
}

/// The 413 of a report body too large, and what to do instead.
fn report_too_large(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Code::TooLarge,
        format!(
            "{detail}。JSON 格式的反映不超过 {} KB；带照片请以 multipart/form-data 提交（照片字段 photos，每张不超过 {} MB，最多 {MAX_PHOTOS} 张）",
            MAX_REPORT_JSON / 1024,
            MAX_PHOTO_BYTES / 1024 / 1024
        ),
    )
}

/// The report of a body: JSON (small) or multipart/form-data (text fields named as the JSON
/// keys, photos as `photos` file parts), each read within its limits.
async fn read_report_body(s: &AppState, req: axum::extract::Request) -> ApiResult<ReportBody> {
    use axum::extract::FromRequest;
    let content_type = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        let m = axum::extract::Multipart::from_request(req, s)
            .await
            .map_err(|_| ApiError::bad_request("表单（multipart/form-data）无法读取"))?;
        let parts = crate::limits::read_parts(m, REPORT_PARTS).await.map_err(|e| match e {
            crate::limits::PartError::TooLarge(m) => report_too_large(&m),
            crate::limits::PartError::Bad(m) => ApiError::bad_request(m),
        })?;
        return report_from_parts(parts);
    }
    // Refused on its declared length before reading, else while reading past the limit.
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REPORT_JSON as u64) {
        return Err(report_too_large("提交的内容过大"));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REPORT_JSON).await.map_err(|_| report_too_large("提交的内容过大"))?;
    let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
    J::<ReportBody>::from_request(req, s).await.map(|j| j.0)
}

fn report_from_parts(parts: crate::limits::FormParts) -> ApiResult<ReportBody> {
    let text = |key: &str| parts.texts.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let number = |key: &'static str| -> ApiResult<Option<f64>> {
        match text(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.parse::<f64>().map(Some).map_err(|_| ApiError::invalid(key, "经纬度应为十进制数值")),
        }
    };
    Ok(ReportBody {
        category: text("category").unwrap_or_default(),
        description: text("description").unwrap_or_default(),
        title: text("title"),
        lat: number("lat")?,
        lng: number("lng")?,
        building: text("building"),
        address: text("address").unwrap_or_default(),
        name: text("name"),
        phone: text("phone"),
        anonymous: text("anonymous").is_some_and(|v| matches!(v.trim(), "true" | "1" | "on" | "yes")),
        photos: Vec::new(),
        photo_bytes: parts.files,
    })
}

/// `POST /api/v1/reports`: a resident's report, no account needed.
async fn report(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    req: axum::extract::Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    // The per-address limit comes first: a throttled address is refused before a byte of its
    // body is read (issue 9, item 3).
    s.report_limit_ip.attempt(ip).map_err(too_many)?;
    let b = read_report_body(&s, req).await?;
    let phone = if b.anonymous { None } else { phone(b.phone.as_deref())? };
    if let Some(p) = &phone {
        s.report_limit_phone.attempt(p.as_str().to_string()).map_err(too_many)?;
    }
    let report = Report {
        channel: Channel::Web,
        category: b.category,
        urgency: None,
        title: b.title,
        description: b.description,
        place: place(b.lat, b.lng, b.building, None)?,
        address: b.address,
        requester_name: if b.anonymous { None } else { b.name },
        phone,
        photos: if b.photo_bytes.is_empty() { photos(&b.photos)? } else { b.photo_bytes },
        reporter: Reporter::Resident,
        on_spot_reply: None,
    };
    Ok(reported(s.cases.report(report).await?))
}

#[derive(Deserialize)]
struct TokenParam {
    #[serde(default)]
    token: String,
}

async fn requester_case(s: &AppState, code: &str, token: &str) -> ApiResult<CaseView> {
    s.store
        .cases()
        .for_requester(code, token)
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, Code::NotFound, "诉求编号或跟踪链接无效"))
}

/// `GET /api/v1/reports/{code}?token=`: the follow page's data.
async fn follow(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Q(p): Q<TokenParam>,
) -> ApiResult<Json<PublicCase>> {
    let c = requester_case(&s, &code, &p.token).await?;
    let events = s.store.cases().events(c.id).await?;
    let photos = s.store.cases().photos(c.id).await?;
    Ok(Json(PublicCase::of(&c, &events).with_photos(&p.token, &photos)))
}

#[derive(Deserialize)]
struct ConfirmBody {
    version: i64,
    ok: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/reports/{code}/confirm?token=`: the requester confirms the reply (核查).
async fn confirm(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Q(p): Q<TokenParam>,
    J(b): J<ConfirmBody>,
) -> ApiResult<Json<PublicCase>> {
    let c = requester_case(&s, &code, &p.token).await?;
    let actor = CaseActor::Requester { code: code.clone(), token: p.token };
    let c = s.cases.act(&actor, c.id, b.version, Action::Verify { ok: b.ok, note: b.note }).await?;
    Ok(Json(PublicCase::of(&c, &s.store.cases().events(c.id).await?)))
}

#[derive(Deserialize)]
struct RateBody {
    version: i64,
    resolved: bool,
    satisfaction: tongxin_domain::case::Satisfaction,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/reports/{code}/rating?token=`: 回访评价.
async fn rate(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Q(p): Q<TokenParam>,
    J(b): J<RateBody>,
) -> ApiResult<Json<PublicCase>> {
    let c = requester_case(&s, &code, &p.token).await?;
    let actor = CaseActor::Requester { code: code.clone(), token: p.token };
    let action = Action::Rate { resolved: b.resolved, satisfaction: b.satisfaction, comment: b.comment };
    let c = s.cases.act(&actor, c.id, b.version, action).await?;
    Ok(Json(PublicCase::of(&c, &s.store.cases().events(c.id).await?)))
}

#[derive(Deserialize)]
struct EnterBody {
    /// `hotline`, `patrol` or `staff`.
    channel: String,
    category: String,
    urgency: Option<String>,
    title: Option<String>,
    description: String,
    lat: Option<f64>,
    lng: Option<f64>,
    building: Option<String>,
    grid_code: Option<String>,
    #[serde(default)]
    address: String,
    name: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    photos: Vec<String>,
    /// Patrol only: handled on the spot, with this reply (就地解决).
    on_spot_reply: Option<String>,
}

/// `POST /api/v1/cases`: a hotline operator's entry or a grid patrol's report.
async fn enter(State(s): State<AppState>, caller: Caller, J(b): J<EnterBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Permission::EnterCases)?;
    let channel = match b.channel.as_str() {
        "hotline" => Channel::Hotline,
        "patrol" => Channel::Patrol,
        "staff" => Channel::Staff,
        _ => return Err(ApiError::invalid("channel", "来源应为 hotline（热线）、patrol（巡查）或 staff（代录）")),
    };
    let urgency = match b.urgency.as_deref() {
        Some(u) => Some(
            Urgency::parse(u)
                .ok_or_else(|| ApiError::invalid("urgency", "紧急程度应为 紧急、水电气热、一般 或 复杂"))?,
        ),
        None => None,
    };
    let report = Report {
        channel,
        category: b.category,
        urgency,
        title: b.title,
        description: b.description,
        place: place(b.lat, b.lng, b.building, b.grid_code)?,
        address: b.address,
        requester_name: b.name,
        phone: phone(b.phone.as_deref())?,
        photos: photos(&b.photos)?,
        reporter: Reporter::Staff(caller.user.clone()),
        on_spot_reply: b.on_spot_reply.filter(|r| !r.trim().is_empty()),
    };
    Ok(reported(s.cases.report(report).await?))
}

#[derive(Deserialize)]
struct QueueParams {
    /// `open` (default), `all`, or a status.
    status: Option<String>,
    category: Option<String>,
    overdue: Option<bool>,
    grid: Option<String>,
    channel: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// `GET /api/v1/cases`: the queue in scope, most urgent first, with filters and keyword search.
async fn queue(
    State(s): State<AppState>,
    caller: Caller,
    Q(p): Q<QueueParams>,
) -> ApiResult<Json<tongxin_store::Paged<CaseView>>> {
    caller.require(Permission::ReadCases)?;
    let status = p.status.filter(|s| !s.is_empty());
    if let Some(st) = status.as_deref().filter(|s| !matches!(*s, "open" | "all")) {
        Status::parse(st).ok_or_else(|| ApiError::invalid("status", "未知的状态"))?;
    }
    let filter = QueueFilter {
        open_only: status.as_deref().is_none_or(|s| s == "open"),
        status: status.filter(|s| !matches!(s.as_str(), "open" | "all")),
        category: p.category.filter(|c| !c.is_empty()),
        overdue: p.overdue,
        grid: p.grid.filter(|g| !g.is_empty()),
        channel: p.channel.filter(|c| !c.is_empty()),
        created_from: p.from,
        created_to: p.to,
        q: p.q.filter(|q| !q.trim().is_empty()),
    };
    let page = Page::new(p.page, p.per_page);
    s.store.cases().queue(&caller.user.scope, &filter, page).await.map(Json).map_err(|e| match e {
        tongxin_store::StoreError::Invalid(m) => ApiError::invalid("q", m),
        e => e.into(),
    })
}

#[derive(Serialize)]
struct CaseDetail {
    #[serde(flatten)]
    case: CaseView,
    state: Option<CaseState>,
    events: Vec<tongxin_store::cases::read::CaseEvent>,
    merged: Vec<i64>,
}

/// `GET /api/v1/cases/{id}`: the case page's data — state, timeline, merged duplicates.
async fn case(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<CaseDetail>> {
    caller.require(Permission::ReadCases)?;
    let case = s.store.cases().get(&caller.user.scope, id).await?;
    let state = Some(case.state.clone());
    let events = s.store.cases().events(id).await?;
    let merged = s.store.cases().merged_children(id).await?;
    Ok(Json(CaseDetail { case, state, events, merged }))
}

#[derive(Deserialize)]
struct ActBody {
    /// The version the client saw; a stale one gets 409.
    version: i64,
    action: Action,
}

/// `POST /api/v1/cases/{id}/actions`: any step of the loop — dispatch (with 吹哨 assisting
/// units), acknowledge, return, extension, supervise, report, verify, close, merge, contact.
async fn act(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    J(b): J<ActBody>,
) -> ApiResult<Json<CaseView>> {
    caller.require(Permission::ReadCases)?;
    Ok(Json(s.cases.act(&CaseActor::Staff(caller.user.clone()), id, b.version, b.action).await?))
}

/// `PUT /api/v1/categories/{code}`
async fn upsert_category(
    State(s): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    J(mut c): J<CategoryRow>,
) -> ApiResult<StatusCode> {
    caller.require(Permission::ManageCaseConfig)?;
    c.code = code;
    // Bounded texts and codes (issue 9, items 4 and 13).
    let code_ok = |c: &str| {
        !c.is_empty()
            && c.len() <= 64
            && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b))
    };
    if !code_ok(&c.code) {
        return Err(ApiError::invalid("code", "类别代码为不超过 64 位的小写字母、数字、点或下划线"));
    }
    if c.parent_code.as_deref().is_some_and(|p| !code_ok(p)) {
        return Err(ApiError::invalid("parent_code", "上级类别代码为不超过 64 位的小写字母、数字、点或下划线"));
    }
    // The same bound as the admin page's form.
    c.name = tongxin_domain::kernel::text::required("类别名称", &c.name, 30, tongxin_domain::kernel::text::Lines::One)
        .map_err(|e| ApiError::invalid("name", e.to_string()))?;
    if !(-1_000_000..=1_000_000).contains(&c.sort) {
        return Err(ApiError::invalid("sort", "排序应为 -1000000 到 1000000 之间的整数"));
    }
    Urgency::parse(&c.urgency).ok_or_else(|| ApiError::invalid("urgency", "紧急程度无效"))?;
    tongxin_domain::case::CaseKind::parse(&c.kind).ok_or_else(|| ApiError::invalid("kind", "诉求性质无效"))?;
    s.store.categories().upsert(&caller.actor(), &c).await?;
    s.cases.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/routing/rules`
async fn rules(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<RuleRow>>> {
    caller.require(Permission::ReadCases)?;
    Ok(Json(s.store.categories().rules().await?))
}

async fn checked_rule(s: &AppState, r: &RuleRow) -> ApiResult<RoutingRule> {
    // Codes are short and printable (issue 9, items 4 and 13).
    for (field, v) in [
        ("category_code", &r.category_code),
        ("area_kind", &r.area_kind),
        ("area_code", &r.area_code),
        ("target_kind", &r.target_kind),
        ("target_ref", &r.target_ref),
    ] {
        if v.chars().count() > 64 || v.chars().any(char::is_control) {
            return Err(ApiError::invalid(field, "代码过长或含有控制字符"));
        }
    }
    let rule = tongxin_app::cases::config::rule(r)
        .ok_or_else(|| ApiError::invalid("target_ref", "规则的区域或承办单位格式无效"))?;
    rule.validate().map_err(|e| ApiError::invalid("area_code", e.to_string()))?;
    if !s.cases.config().categories.contains_key(&r.category_code) {
        return Err(ApiError::invalid("category_code", "诉求类别不存在"));
    }
    tongxin_app::cases::config::check_unit(&s.store, "target_ref", &rule.target).await?;
    Ok(rule)
}

/// `POST /api/v1/routing/rules`
async fn create_rule(
    State(s): State<AppState>,
    caller: Caller,
    J(r): J<RuleRow>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Permission::ManageCaseConfig)?;
    checked_rule(&s, &r).await?;
    let id = s.store.categories().create_rule(&caller.actor(), &r).await?;
    s.cases.reload().await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

/// `PUT /api/v1/routing/rules/{id}` (with the version read)
async fn update_rule(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    J(mut r): J<RuleRow>,
) -> ApiResult<StatusCode> {
    caller.require(Permission::ManageCaseConfig)?;
    r.id = id;
    checked_rule(&s, &r).await?;
    s.store.categories().update_rule(&caller.actor(), &r).await?;
    s.cases.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/routing/rules/{id}`
async fn delete_rule(State(s): State<AppState>, caller: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    caller.require(Permission::ManageCaseConfig)?;
    s.store.categories().delete_rule(&caller.actor(), id).await?;
    s.cases.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DryRun {
    category: String,
    lat: Option<f64>,
    lng: Option<f64>,
    grid_code: Option<String>,
}

/// `POST /api/v1/routing/dry-run`: which rule fires for (category, place) and why.
async fn dry_run(State(s): State<AppState>, caller: Caller, J(b): J<DryRun>) -> ApiResult<Json<Value>> {
    caller.require(Permission::ReadCases)?;
    let grid = match (b.grid_code.filter(|g| !g.is_empty()), b.lat, b.lng) {
        (Some(g), _, _) => Some(g),
        (None, Some(lat), Some(lng)) => {
            let index = s.locator.get(&s.store).await?;
            index.grids.locate(tongxin_domain::places::LngLat { x: lng, y: lat }).map(|i| index.info[i].code.clone())
        }
        _ => None,
    };
    let cfg = s.cases.config();
    let choice = route(&cfg.rules, &b.category, grid.as_deref());
    Ok(Json(json!({
        "grid_code": grid,
        "winner": choice.winner.map(|w| json!({ "id": w.id, "target": w.target.key(), "auto_dispatch": w.auto_dispatch })),
        "explanation": choice.explanation(),
    })))
}

/// `GET /api/v1/settings/deadlines`
async fn deadlines(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<DeadlinePolicy>> {
    caller.require(Permission::ReadCases)?;
    Ok(Json(s.cases.config().policy.clone()))
}

/// `PUT /api/v1/settings/deadlines`
async fn set_deadlines(State(s): State<AppState>, caller: Caller, J(p): J<DeadlinePolicy>) -> ApiResult<StatusCode> {
    caller.require(Permission::ManageCaseConfig)?;
    p.validate().map_err(|e| ApiError::invalid("policy", e.to_string()))?;
    let json = serde_json::to_string(&p).map_err(|_| ApiError::internal())?;
    s.store.settings().set(&caller.actor(), tongxin_app::cases::config::DEADLINE_KEY, &json).await?;
    s.cases.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/settings/calendar`: the working calendar file in force.
async fn calendar(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Permission::ReadCases)?;
    let text = s
        .store
        .settings()
        .get(tongxin_app::cases::config::CALENDAR_KEY)
        .await?
        .unwrap_or_else(|| tongxin_domain::kernel::calendar::WorkingCalendar::builtin_text().to_string());
    let cal = s.cases.config().calendar.clone();
    Ok(Json(json!({ "text": text, "years": cal.years(), "provisional_years": cal.provisional_years() })))
}

#[derive(Deserialize)]
struct CalendarBody {
    text: String,
}

/// `PUT /api/v1/settings/calendar`: replace the calendar file (errors name the line).
async fn set_calendar(State(s): State<AppState>, caller: Caller, J(b): J<CalendarBody>) -> ApiResult<StatusCode> {
    caller.require(Permission::ManageCaseConfig)?;
    tongxin_domain::kernel::calendar::WorkingCalendar::parse(&b.text)
        .map_err(|e| ApiError::invalid("text", e.to_string()))?;
    s.store.settings().set(&caller.actor(), tongxin_app::cases::config::CALENDAR_KEY, &b.text).await?;
    s.cases.reload().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/cases/import` (body: a UTF-8 CSV of 12345 work orders): all rows or none.
async fn import_hotline(
    State(s): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<tongxin_app::cases::HotlineImportReport>)> {
    use tongxin_app::cases::HotlineImportError;
    caller.require(Permission::EnterCases)?;
    match s.cases.import_hotline_csv(&caller.user, &body).await {
        Ok(report) => Ok((StatusCode::CREATED, Json(report))),
        Err(e @ HotlineImportError::Malformed(_)) => {
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ImportRejected, e.to_string()))
        }
        Err(HotlineImportError::Rows(rows)) => {
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Code::ImportRejected,
                format!("导入失败，未写入任何数据：共 {} 处错误", rows.len()),
            );
            err.details = serde_json::to_value(&rows).ok();
            Err(err)
        }
        Err(HotlineImportError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct PageParams {
    page: Option<u32>,
    per_page: Option<u32>,
}

/// `GET /api/v1/notices`: the notices of the caller's units, newest first (the units as
/// `crate::notices::inboxes` maps a user to them, like the notices page).
async fn notices(State(s): State<AppState>, caller: Caller, Q(p): Q<PageParams>) -> ApiResult<Json<Value>> {
    caller.require(Permission::ReadCases)?;
    let inboxes = crate::notices::inboxes(&s.store, &caller.user).await?;
    let page = s.store.cases().notices_page(&inboxes, Page::new(p.page, p.per_page)).await?;
    Ok(Json(json!({ "items": page.items, "total": page.total })))
}
