//! Open311 GeoReport v2 under `/open311/v2/` (DESIGN §2.9): services are the active leaf
//! categories, service requests are cases, so existing 311 clients can report and read.
//!
//! Every resource answers in XML or JSON by its suffix (`services.xml`, `requests/ID.json`),
//! exactly as the spec writes them; every error is the spec's list of `{code, description}`
//! with status 400, 403 or 404. Reading is public; posting a request needs an `api_key`
//! issued to the client (`tongxin_store::cases::open311`). Creation is synchronous, so a
//! request's token is its tracking code.

pub mod render;

use crate::AppState;
use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use render::{Format, Open311Error, Reply, V};
use tongxin_app::cases::{CaseError, Place, Report, Reporter};
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::{CaseKind, Channel, Status, format_code, parse_code};
use tongxin_domain::kernel::clock::{from_shanghai, local_minute, shanghai};
use tongxin_domain::kernel::phone::Phone;
use tongxin_store::StoreError;
use tongxin_store::cases::categories::CategoryRow;
use tongxin_store::cases::open311::{MAX_REQUESTS, RequestFilter, ServiceRequestRow};

/// Where the endpoint lives.
pub const BASE: &str = "/open311/v2";
/// The specification token of the discovery document.
pub const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// GET requests without dates covers this many most recent days; a range may not span more.
pub const DEFAULT_DAYS: i64 = 90;

const CONTACT: &str = "同心平台 Open311 接口：如需帮助，请联系所在街道接诉即办中心（12345 热线）。";
const KEY_SERVICE: &str =
    "提交诉求需要 api_key：请向平台管理员申请，由管理员为贵方客户端签发（查询服务与诉求无需密钥）。";

type Params = Vec<(String, String)>;

impl Format {
    fn suffix(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

/// The Open311 routes (merged into the application by `crate::app`).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for f in [Format::Json, Format::Xml] {
        let ext = f.suffix();
        router = router
            .route(&format!("{BASE}/discovery.{ext}"), only(get(move |s: State<AppState>| discovery(s, f)), f))
            .route(&format!("{BASE}/services.{ext}"), only(get(move |s: State<AppState>| services(s, f)), f))
            .route(
                &format!("{BASE}/requests.{ext}"),
                only(
                    get(move |s: State<AppState>, q: Result<Query<Params>, QueryRejection>| list_requests(s, q, f))
                        .post(
                            move |s: State<AppState>,
                                  q: Result<Query<Params>, QueryRejection>,
                                  form: Result<Form<Params>, FormRejection>| {
                                create_request(s, q, form, f)
                            },
                        ),
                    f,
                ),
            );
    }
    router
        .route(&format!("{BASE}/services/{{file}}"), get(service_definition).fallback(bad_method_in_file))
        .route(&format!("{BASE}/requests/{{file}}"), get(one_request).fallback(bad_method_in_file))
        .route(&format!("{BASE}/tokens/{{file}}"), get(token).fallback(bad_method_in_file))
        .route("/open311", any(unknown_resource))
        .route("/open311/", any(unknown_resource))
        .route("/open311/{*rest}", any(unknown_resource))
}

/// Any other method on a resource: the spec's error list rather than an empty 405.
fn only(route: MethodRouter<AppState>, f: Format) -> MethodRouter<AppState> {
    route.fallback(move |method: Method| async move {
        Open311Error::bad_request(f, format!("该资源不支持 {method} 请求")).into_response()
    })
}

async fn bad_method_in_file(method: Method, Path(file): Path<String>) -> Response {
    let f = split_file(&file).map_or(Format::Xml, |(_, f)| f);
    Open311Error::bad_request(f, format!("该资源不支持 {method} 请求")).into_response()
}

async fn unknown_resource(uri: axum::http::Uri) -> Response {
    let f = if uri.path().ends_with(".json") { Format::Json } else { Format::Xml };
    Open311Error::not_found(
        f,
        format!("资源不存在：{}（Open311 接口位于 {BASE}/，见 {BASE}/discovery.xml）", uri.path()),
    )
    .into_response()
}

/// `NAME.json` / `NAME.xml` → (NAME, format).
fn split_file(file: &str) -> Option<(&str, Format)> {
    let (stem, ext) = file.rsplit_once('.')?;
    Some((stem, Format::from_suffix(ext)?)).filter(|(stem, _)| !stem.is_empty())
}

fn unsupported_format(file: &str) -> Open311Error {
    Open311Error::not_found(Format::Xml, format!("资源不存在：{file}（请以 .xml 或 .json 结尾）"))
}

/// A datetime in the W3C profile of ISO 8601, in Beijing time (`2026-11-22T09:00:00+08:00`).
pub fn w3c(t: DateTime<Utc>) -> String {
    shanghai(t).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Reads a W3C datetime (`2010-01-01T00:00:00Z`, `…+08:00`, minutes only, or a bare date in
/// Beijing time). A `+` sent unencoded in a query arrives as a space and is taken back.
pub fn parse_w3c(input: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let time = if end_of_day { d.and_hms_opt(23, 59, 59)? } else { d.and_hms_opt(0, 0, 0)? };
        return from_shanghai(time);
    }
    let mut s = s.to_string();
    if s.len() > 6 && s.as_bytes()[s.len() - 6] == b' ' {
        let at = s.len() - 6;
        s.replace_range(at..=at, "+");
    }
    if let Some(head) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        s = format!("{head}+00:00");
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M%:z").ok().map(|t| t.with_timezone(&Utc))
}

/// The first non-empty value of a parameter (the spec treats empty as absent).
fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim()).find(|v| !v.is_empty())
}

/// Every comma-separated value of a parameter, over all its occurrences.
fn list_param(params: &[(String, String)], key: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

fn store_error(f: Format, e: StoreError) -> Open311Error {
    match e {
        StoreError::NotFound => Open311Error::not_found(f, "记录不存在"),
        StoreError::Invalid(m) | StoreError::Conflict(m) => Open311Error::bad_request(f, m),
        StoreError::Unavailable(detail) => {
            tracing::error!(%detail, "open311: storage unavailable");
            Open311Error::bad_request(f, "服务暂时不可用，请稍后重试（General Service Error）")
        }
        StoreError::Internal(cause) => {
            tracing::error!(detail = %cause, source = ?cause.driver_error(), "open311: storage error");
            Open311Error::bad_request(f, "服务暂时不可用，请稍后重试（General Service Error）")
        }
    }
}

fn case_error(f: Format, e: CaseError) -> Open311Error {
    match e {
        CaseError::Invalid { message, .. } => Open311Error::bad_request(f, message),
        CaseError::Transition(t) => Open311Error::bad_request(f, t.to_string()),
        CaseError::Store(e) => store_error(f, e),
        CaseError::Busy => Open311Error::bad_request(f, "系统繁忙，请稍后重试"),
    }
}

/// The endpoint's URL from the configured public address, never from the request's Host
/// header, which a client can set to anything (issue 9 item 14).
fn base_url(s: &AppState) -> String {
    format!("{}{BASE}", s.config.public_url.trim_end_matches('/'))
}

/// `GET discovery.{format}`.
async fn discovery(State(s): State<AppState>, f: Format) -> Result<Reply, Open311Error> {
    let changeset =
        w3c(s.store.open311().changeset().await.map_err(|e| store_error(f, e))?.unwrap_or_else(|| s.store.now()));
    let endpoint = V::Obj(vec![
        ("specification", V::str(SPECIFICATION)),
        ("url", V::str(base_url(&s))),
        ("changeset", V::str(changeset.clone())),
        ("type", V::str("production")),
        ("formats", V::List("format", vec![V::str("text/xml"), V::str("application/json")])),
    ]);
    Ok(Reply::ok(
        f,
        "discovery",
        V::Obj(vec![
            ("changeset", V::str(changeset)),
            ("contact", V::str(CONTACT)),
            ("key_service", V::str(KEY_SERVICE)),
            ("endpoints", V::List("endpoint", vec![endpoint])),
        ]),
    ))
}

/// The services: active categories with no active child, each with its parent (the group).
fn leaf_services(rows: &[CategoryRow]) -> Vec<(&CategoryRow, Option<&CategoryRow>)> {
    rows.iter()
        .filter(|c| c.active)
        .filter(|c| !rows.iter().any(|k| k.active && k.parent_code.as_deref() == Some(c.code.as_str())))
        .map(|c| (c, c.parent_code.as_deref().and_then(|p| rows.iter().find(|k| k.code == p))))
        .collect()
}

/// `GET services.{format}`.
async fn services(State(s): State<AppState>, f: Format) -> Result<Reply, Open311Error> {
    let rows = s.store.categories().list().await.map_err(|e| store_error(f, e))?;
    let policy = s.cases.config().policy.clone();
    let list = leaf_services(&rows)
        .into_iter()
        .map(|(c, parent)| {
            let group = parent.map(|p| p.name.clone());
            let kind = CaseKind::parse(&c.kind).map(CaseKind::label);
            let limit = Urgency::parse(&c.urgency).map(|u| policy.limit(u).label());
            let mut description = match &group {
                Some(g) => format!("{g} · {}", c.name),
                None => c.name.clone(),
            };
            if let Some(k) = kind {
                description.push_str(&format!("（{k}类）"));
            }
            if let Some(l) = &limit {
                description.push_str(&format!("，办理时限 {l}"));
            }
            let keywords: Vec<&str> = [Some(c.name.as_str()), group.as_deref(), kind].into_iter().flatten().collect();
            V::Obj(vec![
                ("service_code", V::str(&c.code)),
                ("service_name", V::str(&c.name)),
                ("description", V::str(description)),
                ("metadata", V::Bool(false)),
                ("type", V::str("realtime")),
                ("keywords", V::str(keywords.join(", "))),
                ("group", V::opt_str(group)),
            ])
        })
        .collect();
    Ok(Reply::ok(f, "services", V::List("service", list)))
}

/// `GET services/{service_code}.{format}`: our services ask for no extra attributes.
async fn service_definition(State(s): State<AppState>, Path(file): Path<String>) -> Result<Reply, Open311Error> {
    let (code, f) = split_file(&file).ok_or_else(|| unsupported_format(&file))?;
    let rows = s.store.categories().list().await.map_err(|e| store_error(f, e))?;
    if !leaf_services(&rows).iter().any(|(c, _)| c.code == code) {
        return Err(Open311Error::not_found(f, format!("未找到服务类型 service_code={code}")));
    }
    Ok(Reply::ok(
        f,
        "service_definition",
        V::Obj(vec![("service_code", V::str(code)), ("attributes", V::List("attribute", Vec::new()))]),
    ))
}

fn is_cjk(s: &str) -> bool {
    s.chars().all(|c| matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '·'))
}

/// 姓 + 名 for Chinese names, "first last" otherwise.
fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (first, last) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (Some(first), Some(last)) if is_cjk(first) && is_cjk(last) => Some(format!("{last}{first}")),
        (Some(first), Some(last)) => Some(format!("{first} {last}")),
    }
}

/// `POST requests.{format}` (application/x-www-form-urlencoded).
async fn create_request(
    State(s): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
    f: Format,
) -> Result<Reply, Open311Error> {
    let query = query.map(|q| q.0).unwrap_or_default();
    let form = form
        .map_err(|e| {
            Open311Error::bad_request(
                f,
                format!("请求体须为 application/x-www-form-urlencoded 表单：{}", e.body_text()),
            )
        })?
        .0;
    let get = |key: &str| param(&form, key).or_else(|| param(&query, key));

    let api_key = get("api_key").ok_or_else(|| Open311Error::forbidden(f, "缺少 api_key，无法提交诉求"))?;
    let client = s
        .store
        .open311()
        .client_by_key(api_key)
        .await
        .map_err(|e| store_error(f, e))?
        .ok_or_else(|| Open311Error::forbidden(f, "api_key 无效或已被吊销，无法提交诉求"))?;

    let service_code =
        get("service_code").ok_or_else(|| Open311Error::bad_request(f, "缺少 service_code（服务类型）"))?;
    let cfg = s.cases.config();
    let category = cfg
        .categories
        .get(service_code)
        .filter(|c| !cfg.categories.values().any(|k| k.parent.as_deref() == Some(c.code.as_str())))
        .ok_or_else(|| Open311Error::not_found(f, format!("未找到服务类型 service_code={service_code}")))?;

    let address = get("address_string").unwrap_or("").to_string();
    let coordinate = |key: &'static str| -> Result<Option<f64>, Open311Error> {
        get(key)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| Open311Error::bad_request(f, format!("{key} 应为十进制经纬度数值（WGS84）")))
            })
            .transpose()
    };
    let place = match (coordinate("lat")?, coordinate("long")?) {
        (Some(lat), Some(lng)) => Place::Point { lng, lat },
        (Some(_), None) | (None, Some(_)) => {
            return Err(Open311Error::bad_request(f, "lat 与 long 须同时提供"));
        }
        (None, None) if !address.is_empty() => Place::Address,
        (None, None) => {
            return Err(Open311Error::bad_request(f, "缺少位置：请提供 lat 与 long，或 address_string"));
        }
    };
    let phone = get("phone")
        .map(|p| Phone::parse(p).map_err(|e| Open311Error::bad_request(f, format!("phone 格式有误：{e}"))))
        .transpose()?;
    let name = full_name(get("first_name"), get("last_name"));
    // Bounded texts (issue 9, items 4 and 13); intake checks them again, this names the parameter.
    if let Some(n) = &name
        && let Err(e) = tongxin_domain::kernel::text::PersonName::optional(n)
    {
        return Err(Open311Error::bad_request(f, format!("first_name / last_name：{e}")));
    }
    for (key, max, lines) in [
        (
            "description",
            tongxin_domain::kernel::text::Description::MAX_CHARS,
            tongxin_domain::kernel::text::Lines::Many,
        ),
        ("address_string", tongxin_domain::kernel::text::Address::MAX_CHARS, tongxin_domain::kernel::text::Lines::One),
    ] {
        if let Err(e) = tongxin_domain::kernel::text::check(key, get(key).unwrap_or(""), max, lines) {
            return Err(Open311Error::bad_request(f, e.to_string()));
        }
    }
    let report = Report {
        channel: Channel::Open311,
        category: category.code.clone(),
        urgency: None,
        title: None,
        description: get("description").unwrap_or("").to_string(),
        place,
        address,
        requester_name: name,
        phone,
        photos: Vec::new(),
        reporter: Reporter::System(format!("open311:{}", client.name)),
        on_spot_reply: None,
    };
    let done = s.cases.report(report).await.map_err(|e| case_error(f, e))?;
    let notice = if done.duplicate {
        format!("相同诉求已于近期受理（受理编号 {}），本次提交已并入该诉求。", done.code)
    } else {
        let limit = cfg.policy.limit(category.urgency).label();
        format!(
            "诉求已受理，受理编号 {}。将按“{}”类诉求的办理时限（{limit}）处理，可凭受理编号查询办理进度。",
            done.code, category.name
        )
    };
    Ok(Reply::ok(
        f,
        "service_requests",
        V::List(
            "request",
            vec![V::Obj(vec![
                ("service_request_id", V::str(done.code)),
                ("service_notice", V::str(notice)),
                ("account_id", V::Null),
            ])],
        ),
    ))
}

/// Degrees rounded to 3 decimals: about 100 m, enough to see the place, not the doorway.
fn coarse(deg: Option<f64>) -> Option<f64> {
    deg.map(|d| (d * 1000.0).round() / 1000.0)
}

/// A case as Open311 publishes it (issue 9 item 8): only cases of public categories reach here;
/// the location is coarsened and named by its street only; a hotline caller's own words are not
/// published (they did not write for the public).
fn request_value(r: &ServiceRequestRow) -> V {
    let notice = match (r.open, r.deadline_at) {
        (true, Some(d)) => Some(format!("承办单位须于 {} 前办结", local_minute(d))),
        _ => None,
    };
    let description = if r.channel == Channel::Hotline.as_str() { "" } else { r.description.as_str() };
    V::Obj(vec![
        ("service_request_id", V::str(&r.code)),
        ("status", V::str(if r.open { "open" } else { "closed" })),
        ("status_notes", V::opt_str(Status::parse(&r.status).map(Status::label))),
        ("service_name", V::opt_str(r.category_name.clone())),
        ("service_code", V::str(&r.category_code)),
        ("description", V::str(description)),
        ("agency_responsible", V::opt_str(r.lead_unit_name.clone())),
        ("service_notice", V::opt_str(notice)),
        ("requested_datetime", V::str(w3c(r.created_at))),
        ("updated_datetime", V::str(w3c(r.updated_at))),
        ("expected_datetime", V::opt_str(r.deadline_at.map(w3c))),
        ("address", V::opt_str(r.street_name.clone())),
        ("address_id", V::Null),
        ("zipcode", V::Null),
        ("lat", V::opt_num(coarse(r.lat))),
        ("long", V::opt_num(coarse(r.lng))),
        ("media_url", V::Null),
    ])
}

/// The categories an admin marked public: the only ones whose cases Open311 shows.
async fn public_categories(s: &AppState, f: Format) -> Result<Vec<String>, Open311Error> {
    let rows = s.store.categories().list().await.map_err(|e| store_error(f, e))?;
    Ok(rows.into_iter().filter(|c| c.public).map(|c| c.code).collect())
}

/// A tracking code in its canonical form, if it is one.
fn canonical_code(s: &str) -> Option<String> {
    parse_code(s).and_then(|(day, seq)| format_code(day, seq))
}

fn requests_reply(f: Format, rows: &[ServiceRequestRow]) -> Reply {
    Reply::ok(f, "service_requests", V::List("request", rows.iter().map(request_value).collect()))
}

/// `GET requests.{format}` with the spec's filters and defaults.
async fn list_requests(
    State(s): State<AppState>,
    query: Result<Query<Params>, QueryRejection>,
    f: Format,
) -> Result<Reply, Open311Error> {
    let q = query.map_err(|e| Open311Error::bad_request(f, format!("查询参数有误：{}", e.body_text())))?.0;
    let ids = list_param(&q, "service_request_id");
    let filter = if !ids.is_empty() {
        // The id list overrides every other argument.
        let codes: Vec<String> = ids.iter().filter_map(|id| canonical_code(id)).collect();
        if codes.is_empty() {
            return Ok(requests_reply(f, &[]));
        }
        RequestFilter { codes, limit: MAX_REQUESTS, ..RequestFilter::default() }
    } else {
        let date = |key: &'static str, end: bool| -> Result<Option<DateTime<Utc>>, Open311Error> {
            param(&q, key)
                .map(|v| {
                    parse_w3c(v, end).ok_or_else(|| {
                        Open311Error::bad_request(
                            f,
                            format!("{key} 须为 W3C 日期时间格式，如 2026-11-01T00:00:00+08:00"),
                        )
                    })
                })
                .transpose()
        };
        let span = Duration::days(DEFAULT_DAYS);
        let (from, to) = match (date("start_date", false)?, date("end_date", true)?) {
            (None, None) => (s.store.now() - span, None),
            (Some(a), None) => (a, Some(a + span)),
            (None, Some(b)) => (b - span, Some(b)),
            (Some(a), Some(b)) if a > b => {
                return Err(Open311Error::bad_request(f, "start_date 不能晚于 end_date"));
            }
            (Some(a), Some(b)) if b - a > span => {
                return Err(Open311Error::bad_request(
                    f,
                    format!("start_date 与 end_date 的跨度不能超过 {DEFAULT_DAYS} 天"),
                ));
            }
            (Some(a), Some(b)) => (a, Some(b)),
        };
        let mut open = None;
        let statuses = list_param(&q, "status");
        for st in &statuses {
            match st.as_str() {
                "open" | "closed" => {}
                other => {
                    return Err(Open311Error::bad_request(f, format!("status 只能是 open 或 closed，收到 {other}")));
                }
            }
        }
        let wants_open = statuses.iter().any(|x| x == "open");
        let wants_closed = statuses.iter().any(|x| x == "closed");
        if wants_open != wants_closed {
            open = Some(wants_open);
        }
        // Only public categories, narrowed further by the client's service_code.
        let public = public_categories(&s, f).await?;
        let asked = list_param(&q, "service_code");
        let categories: Vec<String> =
            if asked.is_empty() { public } else { asked.into_iter().filter(|c| public.contains(c)).collect() };
        if categories.is_empty() {
            return Ok(requests_reply(f, &[]));
        }
        RequestFilter { codes: Vec::new(), categories, from: Some(from), to, open, limit: MAX_REQUESTS }
    };
    let public = public_categories(&s, f).await?;
    let mut rows = s.store.open311().requests(&filter).await.map_err(|e| store_error(f, e))?;
    rows.retain(|r| public.contains(&r.category_code));
    Ok(requests_reply(f, &rows))
}

async fn find_one(s: &AppState, f: Format, id: &str) -> Result<ServiceRequestRow, Open311Error> {
    let missing = || Open311Error::not_found(f, format!("未找到诉求 service_request_id={id}"));
    let code = canonical_code(id).ok_or_else(missing)?;
    let filter = RequestFilter { codes: vec![code], limit: 1, ..RequestFilter::default() };
    let row = s.store.open311().requests(&filter).await.map_err(|e| store_error(f, e))?.into_iter().next();
    // A case of a private category is as absent as one that does not exist.
    let public = public_categories(s, f).await?;
    row.filter(|r| public.contains(&r.category_code)).ok_or_else(missing)
}

/// `GET requests/{service_request_id}.{format}`: a list with the one request.
async fn one_request(State(s): State<AppState>, Path(file): Path<String>) -> Result<Reply, Open311Error> {
    let (id, f) = split_file(&file).ok_or_else(|| unsupported_format(&file))?;
    let row = find_one(&s, f, id).await?;
    Ok(requests_reply(f, &[row]))
}

/// `GET tokens/{token}.{format}`: requests are created at once, so a token is the tracking code.
async fn token(State(s): State<AppState>, Path(file): Path<String>) -> Result<Reply, Open311Error> {
    let (token, f) = split_file(&file).ok_or_else(|| unsupported_format(&file))?;
    let row = find_one(&s, f, token).await.map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            Open311Error::not_found(f, format!("未找到 token={token}"))
        } else {
            e
        }
    })?;
    Ok(Reply::ok(
        f,
        "service_requests",
        V::List("request", vec![V::Obj(vec![("service_request_id", V::str(row.code)), ("token", V::str(token))])]),
    ))
}
