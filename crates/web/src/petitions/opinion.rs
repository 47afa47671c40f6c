//! 《信访处理意见书》 as a print-ready A4 page (`GET /petitions/{id}/opinion`), and in the same
//! form the 复查 and 复核 opinions (`?stage=review|recheck`): the request, the facts and reasons,
//! the decision (支持、解释说明、不予支持) with its explanation, and the legal basis
//! (《信访工作条例》art 32), with the petitioner's rights that follow (arts 35–36).
//!
//! The petitioner's name and address are masked like everywhere; a holder of the unmask
//! permission prints them in full (`?full=1`) for serving the document, and that look is
//! written to the audit log by the store before anything is shown.

use crate::AppState;
use crate::cases::names::Names;
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use tongxin_domain::case::deadline::shanghai_date;
use tongxin_domain::kernel::access::Action as Permission;
use tongxin_domain::petition::{Served, zh_date};

#[derive(Deserialize, Default)]
pub(crate) struct OpinionParams {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    full: String,
}

#[derive(Template)]
#[template(path = "petitions/opinion.html")]
struct OpinionPage {
    shell: Shell,
    id: i64,
    stage: &'static str,
    title: &'static str,
    number: String,
    petitioner: String,
    address: String,
    request: String,
    facts_and_reasons: String,
    outcome: &'static str,
    finding: String,
    legal_basis: String,
    issuer: String,
    issued: String,
    served: String,
    rights: String,
    full: bool,
    may_unmask: bool,
}

/// `GET /petitions/{id}/opinion?stage=opinion|review|recheck[&full=1]`.
pub(crate) async fn opinion(
    State(s): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<OpinionParams>,
) -> PageResult<Response> {
    staff.require(Permission::ReadPetitions)?;
    let p = s.store.petitions().get(staff.scope(), id).await?;
    let state = &p.state;
    let answer = |a: &Option<tongxin_domain::petition::Appeal>| a.as_ref().and_then(|a| a.answer.clone());
    let body = |a: &Option<tongxin_domain::petition::Appeal>| a.as_ref().map(|a| a.body.clone()).unwrap_or_default();
    let names =
        Names::load(&s, [], [p.street_code.clone()], p.holder.iter().map(|u| u.key()).collect::<Vec<_>>()).await;
    let office = format!("{}信访工作机构", names.region(&p.street_code));
    let (stage, title, suffix, served, issuer, rights): (_, _, _, Option<Served>, String, String) =
        match q.stage.trim() {
            "" | "opinion" => (
                "opinion",
                "信访处理意见书",
                "",
                state.opinion.clone(),
                p.holder.as_ref().map(|u| names.unit(u)).unwrap_or(office),
                "信访人对本处理意见不服的，可以自收到本意见书之日起30日内请求原办理机关、单位的上一级机关、单位复查（《信访工作条例》第三十五条）。".to_string(),
            ),
            "review" => (
                "review",
                "信访事项复查意见书",
                "-复查",
                answer(&state.review),
                body(&state.review),
                "信访人对复查意见不服的，可以自收到复查意见之日起30日内向复查机关、单位的上一级机关、单位请求复核（《信访工作条例》第三十六条）。".to_string(),
            ),
            "recheck" => {
                let published = state.recheck.as_ref().is_some_and(|r| r.publish);
                let mut rights = "本复核意见为终结意见，信访人以同一事实和理由提出的信访事项，不再受理（《信访工作条例》第三十六条）。".to_string();
                if published {
                    rights.push_str("本复核意见经听证作出，依法向社会公示。");
                }
                ("recheck", "信访事项复核意见书", "-复核", answer(&state.recheck), body(&state.recheck), rights)
            }
            _ => return Err(PageError::NotFound),
        };
    let Some(served) = served else {
        return Err(PageError::User(axum::http::StatusCode::NOT_FOUND, format!("该信访件尚未出具{title}。")));
    };
    let may_unmask = staff.user.can_unmask && staff.scope().people_prefix().is_some();
    let full = may_unmask && q.full == "1";
    let (petitioner, address) = if full {
        let person = s.store.petitions().unmask_person(staff.scope(), &staff.actor(), true, id, 0).await?;
        (person.name, person.address.unwrap_or_default())
    } else {
        let people = s.store.petitions().people(staff.scope(), id).await?;
        let first = people.into_iter().next();
        (
            first.as_ref().map(|x| x.name_masked.clone()).unwrap_or_default(),
            first.and_then(|x| x.address_masked).unwrap_or_default(),
        )
    };
    let o = &served.opinion;
    let page = OpinionPage {
        shell: Shell::staff(&format!("{title} {}", p.code), &staff, "/petitions"),
        id,
        stage,
        title,
        number: format!("{}{suffix}", p.code),
        petitioner,
        address,
        request: o.request.to_string(),
        facts_and_reasons: o.facts_and_reasons.to_string(),
        outcome: o.outcome.label(),
        finding: o.finding.to_string(),
        legal_basis: o.legal_basis.to_string(),
        issuer,
        issued: zh_date(shanghai_date(served.issued_at)),
        served: zh_date(served.served_on),
        rights,
        full,
        may_unmask,
    };
    let mut resp = render(&page);
    if full {
        // Personal data in clear is not kept in any cache.
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}
