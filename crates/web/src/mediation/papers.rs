//! A dispute's papers: the print-ready 调解协议书 (`/agreement`), the signed scan uploaded back
//! (`/scan`) and, after 调解不成, the page of the other routes and what to bring to each
//! (`/routes`, 人民调解法 art 26) — each for whoever may read the dispute.
//!
//! The 调解协议书 holds what 人民调解法 art 29 lists: the parties' particulars; the main facts,
//! the points in dispute and each party's responsibility; what was agreed and how, where and by
//! when it is performed (2002 规定 art 35 adds the place). It is numbered with the dispute's
//! code (一案一编码) and carries a QR code of `/mediation/code/{code}`, which opens the record
//! for staff who may read it. Signatures, seals and fingerprints are made on the printed paper
//! (the browser prints it; `@media print` lays it out on A4).

use super::views::{not_found, viewer};
use crate::AppState;
use crate::ui::{PageError, PageResult, Shell, Staff, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_domain::mediation::agreement::{AgreementForm, AgreementParty, PerformanceTerm};
use tongxin_domain::mediation::kinds::DisputeType;
use tongxin_domain::mediation::org::OrgKind;
use tongxin_domain::mediation::scan::ScanType;
use tongxin_domain::mediation::{DisputeState, Route};

struct ItemLine {
    party: String,
    content: String,
    method: String,
    place: String,
    due: String,
}

#[derive(Template)]
#[template(path = "mediation/agreement.html")]
struct AgreementPage {
    shell: Shell,
    id: i64,
    code: String,
    title: String,
    org: String,
    /// 人民调解委员会印章, or the organisation's seal.
    seal: &'static str,
    written: bool,
    parties: Vec<AgreementParty>,
    facts: String,
    issues: String,
    responsibilities: String,
    terms: String,
    content: String,
    items: Vec<ItemLine>,
    mediators: Vec<String>,
    copies: usize,
    effective: String,
    qr: String,
}

fn items(state: &DisputeState, items: &[PerformanceTerm]) -> Vec<ItemLine> {
    items
        .iter()
        .map(|t| ItemLine {
            party: state.parties.get(usize::from(t.party)).map(|p| p.name.clone()).unwrap_or_default(),
            content: t.content.clone(),
            method: t.method.clone(),
            place: t.place.clone().unwrap_or_default(),
            due: format!("{}年{}月{}日前", t.due.format("%Y"), t.due.format("%-m"), t.due.format("%-d")),
        })
        .collect()
}

/// `GET /mediation/disputes/{id}/agreement`
pub async fn agreement(
    State(s): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    let d = s.store.mediation().get(&viewer(&staff), id).await.map_err(not_found)?;
    let Some(record) = d.state.agreement.as_ref() else {
        return Err(PageError::User(StatusCode::NOT_FOUND, "该纠纷尚未达成调解协议".into()));
    };
    let mut mediators = Vec::new();
    for m in &d.state.mediators {
        if let Ok(r) = s.store.mediation().mediator(*m).await {
            mediators.push(r.mediator.name);
        }
    }
    let qr_url = format!("{}/mediation/code/{}", crate::resident::pages::origin(&s, &headers), d.code);
    let qr = crate::places::qr::qr_svg(&qr_url, &format!("纠纷 {} 的二维码", d.code)).map_err(|e| {
        tracing::error!(error = %e, dispute = d.id, "QR code failed");
        PageError::Internal
    })?;
    let committee = d.state.org.kind == OrgKind::PeoplesCommittee;
    let (written, parties, facts, issues, responsibilities, terms, content, list) = match &record.agreement {
        AgreementForm::Written(a) => (
            true,
            a.parties.clone(),
            a.facts.clone(),
            a.issues.clone(),
            a.responsibilities.clone(),
            a.terms.clone(),
            String::new(),
            items(&d.state, &a.items),
        ),
        AgreementForm::Oral(o) => (
            false,
            d.state
                .parties
                .iter()
                .map(|p| AgreementParty { name: p.name.clone(), particulars: String::new() })
                .collect(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            o.content.clone(),
            items(&d.state, &o.items),
        ),
    };
    let title = if written { "调解协议书" } else { "口头调解协议记录" };
    let page = AgreementPage {
        shell: Shell::staff(&format!("{title} {}", d.code), &staff, "/mediation"),
        id: d.id,
        title: title.into(),
        org: d.org_name.clone(),
        seal: if committee { "人民调解委员会（印章）" } else { "调解组织（印章）" },
        written,
        copies: parties.len() + 1,
        parties,
        facts,
        issues,
        responsibilities,
        terms,
        content,
        items: list,
        mediators,
        effective: record.effective_on.map(|d| d.to_string()).unwrap_or_default(),
        qr,
        code: d.code,
    };
    Ok(render(&page))
}

/// `GET /mediation/disputes/{id}/scan`: the signed agreement's scan as stored (its type checked
/// against the accepted ones), never guessed by the browser, cached by the browser only.
pub async fn scan(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    let v = viewer(&staff);
    let d = s.store.mediation().get(&v, id).await.map_err(not_found)?;
    let reference = d.state.agreement.as_ref().and_then(|a| a.scan.clone()).ok_or(PageError::NotFound)?;
    let file = s.store.mediation().file_by_ref(&v, id, &reference).await.map_err(not_found)?;
    let kind = ScanType::from_mime(&file.content_type).ok_or(PageError::NotFound)?;
    let mut resp = file.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    let disposition = format!("inline; filename=\"{}.{}\"", d.code, if kind.is_pdf() { "pdf" } else { "img" });
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|_| PageError::Internal)?);
    Ok(resp)
}

/// One route after 调解不成: where to go and what to bring.
struct RouteGuide {
    name: &'static str,
    told: bool,
    where_to: String,
    bring: Vec<&'static str>,
    note: &'static str,
}

#[derive(Template)]
#[template(path = "mediation/routes.html")]
struct RoutesPage {
    shell: Shell,
    id: i64,
    code: String,
    dispute_type: &'static str,
    reason: String,
    guides: Vec<RouteGuide>,
}

/// Where a dispute of this type goes by each route.
fn where_to(route: Route, kind: DisputeType) -> String {
    use DisputeType::*;
    match (route, kind) {
        (Route::Arbitration, Labour) => {
            "劳动人事争议仲裁委员会（劳动争议须先经仲裁，对裁决不服的再向人民法院起诉）".into()
        }
        (Route::Arbitration, LandContract) => "农村土地承包仲裁委员会".into(),
        (Route::Arbitration, _) => "双方约定的仲裁委员会（须有书面仲裁协议或合同中的仲裁条款）".into(),
        (Route::Administrative, TrafficAccident) => "公安机关交通管理部门（损害赔偿调解）".into(),
        (Route::Administrative, Medical) => "卫生健康主管部门，或医疗纠纷人民调解委员会".into(),
        (Route::Administrative, Consumer) => "市场监督管理部门（12315 投诉举报）".into(),
        (Route::Administrative, PropertyManagement) => "住房和城乡建设（房管）部门、街道办事处".into(),
        (Route::Administrative, LandContract | LandRequisition | HousingHomestead) => {
            "乡镇人民政府（街道办事处）、自然资源或农业农村主管部门".into()
        }
        (Route::Administrative, Labour) => "人力资源和社会保障部门（劳动保障监察）".into(),
        (Route::Administrative, _) => "对该事项负有职责的行政机关（可先向街道办事处咨询）".into(),
        (Route::Litigation, _) => "有管辖权的人民法院（一般为被告住所地的基层人民法院）".into(),
    }
}

fn guide(route: Route, kind: DisputeType, told: bool) -> RouteGuide {
    let (bring, note): (Vec<&'static str>, &'static str) = match route {
        Route::Arbitration => (
            vec![
                "仲裁申请书（写明双方基本情况、仲裁请求、事实和理由）",
                "申请人的身份证明",
                "证据材料及清单（如合同、劳动合同、工资凭证、往来记录）",
                "仲裁协议或合同中的仲裁条款（劳动争议无须）",
                "本纠纷的调解终止记录（可打印本页）",
            ],
            "劳动争议申请仲裁的时效一般为一年，从知道或者应当知道其权利被侵害之日起计算（劳动争议调解仲裁法第二十七条）。",
        ),
        Route::Administrative => (
            vec![
                "书面申请或投诉（写明请求、事实和理由）",
                "申请人的身份证明",
                "证据材料（照片、票据、合同、鉴定意见等）",
                "本纠纷的调解终止记录（可打印本页）",
            ],
            "行政机关对属于其职责的事项依法处理；不属于其职责的，会告知应当向哪个机关提出。",
        ),
        Route::Litigation => (
            vec![
                "起诉状（并按被告人数提交副本）",
                "原告的身份证明",
                "被告的姓名（名称）、住址和联系方式",
                "证据材料及清单",
                "本纠纷的调解终止记录（可打印本页）",
            ],
            "向人民法院请求保护民事权利的诉讼时效期间一般为三年（民法典第一百八十八条）。经济困难的，可以申请法律援助（12348 公共法律服务热线）。",
        ),
    };
    RouteGuide { name: route.label(), told, where_to: where_to(route, kind), bring, note }
}

/// `GET /mediation/disputes/{id}/routes`: 调解不成 — the other routes (人民调解法 art 26), the
/// ones the parties were told of first.
pub async fn routes(State(s): State<AppState>, staff: Staff, Path(id): Path<i64>) -> PageResult<Response> {
    staff.require(Permission::ReadDisputes)?;
    let d = s.store.mediation().get(&viewer(&staff), id).await.map_err(not_found)?;
    let Some(failure) = d.state.failure.as_ref() else {
        return Err(PageError::User(StatusCode::NOT_FOUND, "该纠纷没有终止调解".into()));
    };
    let mut order: Vec<Route> = failure.routes.clone();
    order.extend(Route::ALL.iter().copied().filter(|r| !failure.routes.contains(r)));
    let guides = order.into_iter().map(|r| guide(r, d.dispute_type, failure.routes.contains(&r))).collect();
    let page = RoutesPage {
        shell: Shell::staff(&format!("纠纷 {} 的其他解决途径", d.code), &staff, "/mediation"),
        id: d.id,
        dispute_type: d.dispute_type.label(),
        reason: failure.reason.clone(),
        guides,
        code: d.code,
    };
    Ok(render(&page))
}
