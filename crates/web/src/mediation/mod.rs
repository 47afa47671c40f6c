//! 矛盾纠纷多元化解 for staff (issue 12): the street's 矛调中心 / 综治中心 desk, the community
//! committees and the mediators' daily tool. Every write goes through `tongxin_app::mediation`;
//! every read through `store.mediation()` with the caller's [`Viewer`](tongxin_store::mediation::Viewer)
//! (a mediator reads only the disputes of the organisations they serve and those assigned to
//! them, and nothing once removed: 人民调解法 art 15).
//!
//! | route | what |
//! |---|---|
//! | `GET /mediation`, `/mediation/overdue` | the disputes in scope with filters; the 督办 list of those past their limit ([`list`]) |
//! | `GET`/`POST /mediation/new` | 调解登记: parties, type, place, amount, consent, the desk's mediator and risk level ([`register`]) |
//! | `GET /mediation/disputes/{id}` | a dispute: parties (masked), clocks, sessions, agreement, history, and a form for every step the rules allow the caller ([`dispute`]) |
//! | `POST /mediation/disputes/{id}/act`, `/confirm`, `/sign` | those steps: `act`, the 司法确认 steps, the signing with the signed scan ([`act`]) |
//! | `GET /mediation/disputes/{id}/agreement`, `/scan`, `/routes` | the print-ready 调解协议书, the signed scan, the other routes after 调解不成 ([`papers`]) |
//! | `GET /mediation/code/{code}` | the 调解协议书's QR code: the dispute by its code (一案一编码) |
//! | `/mediation/orgs…`, `/mediation/mediators/{id}/remove` | organisations, committee rosters, mediators and their removal ([`orgs`]) |
//! | `/mediation/risk-levels` | the risk levels (admin) ([`risk`]) |
//! | `/mediate…`, `/mediation/consultations…` | 在线评估, 在线咨询, 在线申请 for anyone, and the desk's answers ([`online`]) |
//! | `GET`/`POST /mediation/screenings` | 网格排查: each grid of the month screened or not, the log of a grid's screening ([`screenings`]) |
//! | `GET /mediation/stats` | the leaders' figures: 化解率, 调解成功率, 履行, 小事不出村, days, by type and risk, 信访按期率; xlsx ([`stats`]) |
//! | `GET /mediation/daily` | the 矛调中心's daily list; xlsx ([`daily`]) |
//! | `GET /mediation/map`, `/mediation/map/layers.json` | open disputes at their grids by risk colour ([`map`]) |

pub mod act;
pub mod daily;
pub mod dispute;
mod fields;
pub mod list;
pub mod map;
pub mod online;
pub mod orgs;
pub mod papers;
mod reach;
pub mod register;
pub mod risk;
pub mod screenings;
pub mod stats;
mod views;

use crate::AppState;
use crate::routes::{RouteSpec, public, r};
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/mediation", get(list::all)),
        r("GET", "/mediation/overdue", get(list::overdue)),
        r("GET", "/mediation/new", get(register::page)),
        r("POST", "/mediation/new", post(register::submit)),
        r("GET", "/mediation/code/{code}", get(dispute::by_code)),
        r("GET", "/mediation/disputes/{id}", get(dispute::page)),
        r("POST", "/mediation/disputes/{id}/act", post(act::act)),
        r("POST", "/mediation/disputes/{id}/confirm", post(act::confirm)),
        r("POST", "/mediation/disputes/{id}/sign", post(act::sign).layer(DefaultBodyLimit::max(act::MAX_SIGN_BODY))),
        r("POST", "/mediation/disputes/{id}/parties/{idx}/unmask", post(dispute::unmask)),
        r("GET", "/mediation/disputes/{id}/agreement", get(papers::agreement)),
        r("GET", "/mediation/disputes/{id}/scan", get(papers::scan)),
        r("GET", "/mediation/disputes/{id}/routes", get(papers::routes)),
        r("GET", "/mediation/orgs", get(orgs::list)),
        r("POST", "/mediation/orgs", post(orgs::create)),
        r("GET", "/mediation/orgs/{id}", get(orgs::detail)),
        r("POST", "/mediation/orgs/{id}/committee", post(orgs::committee)),
        r("POST", "/mediation/orgs/{id}/mediators", post(orgs::add_mediator)),
        r("POST", "/mediation/mediators/{id}/remove", post(orgs::remove_mediator)),
        r("GET", "/mediation/screenings", get(screenings::page)),
        r("POST", "/mediation/screenings", post(screenings::log)),
        r("GET", "/mediation/risk-levels", get(risk::page)),
        r("GET", "/mediation/consultations", get(online::desk)),
        r("POST", "/mediation/consultations/{id}/answer", post(online::answer)),
        public("GET", "/mediate", get(online::page)),
        public("POST", "/mediate/ask", post(online::ask)),
        public("POST", "/mediate/apply", post(online::apply)),
        public("POST", "/mediate/confirm/{id}", post(online::confirm)),
        public("GET", "/mediate/answers/{id}/{token}", get(online::answer_page)),
        r("POST", "/mediation/risk-levels", post(risk::save)),
        r("GET", "/mediation/stats", get(stats::page)),
        r("GET", "/mediation/daily", get(daily::page)),
        r("GET", "/mediation/map", get(map::page)),
        r("GET", "/mediation/map/layers.json", get(map::layers)),
    ]
}
