//! 信访 (issue 12, 《信访工作条例》2022): the staff pages of the petition register.
//!
//! - [`list`]: `GET /petitions`, the register of the caller's scope (filters: status, channel,
//!   kind, the clock that is overdue; paginated; names masked), and `GET /petitions/overdue`,
//!   one list per clock — 15 日 to tell (arts 22–23), 5 个工作日 to object (art 23), 60 (+30)
//!   日 to handle (art 34), 30 日 to answer a 复查/复核 (arts 35–36) — warned before the last
//!   day, overdue after;
//! - [`register`]: `GET /petitions/new` and `POST /petitions`, registration from every channel
//!   (art 17) with name, address, request, facts and reasons (art 19) and at most five
//!   representatives of a group visit (art 20), through `app::petitions::register` — the same
//!   matter still open is linked, not registered again (art 19), and after 复核 refused (art
//!   36); `?case=` escalates a 接诉即办 case (`app::petitions::escalate_case`);
//! - [`page`]: `GET /petitions/{id}`, the petition with its clocks, history and a form for every
//!   step the rules let the caller take now;
//! - [`act`]: `POST /petitions/{id}/act` (`app::petitions::act`) and
//!   `POST /petitions/{id}/mediate` (`app::petitions::mediate`, art 33);
//! - [`opinion`]: `GET /petitions/{id}/opinion`, the 信访处理意见书 (and the 复查/复核 opinions)
//!   as a print-ready A4 page (art 32).
//!
//! Reads go to `store.petitions()` with the caller's scope (a department: what it holds); every
//! write is a use-case of `tongxin_app::petitions`; which step a caller may take is asked of the
//! domain's `decide`, never decided here.

pub mod act;
pub mod list;
pub mod opinion;
pub mod page;
pub mod register;
mod views;

use crate::AppState;
use crate::routes::{RouteSpec, r};
use axum::routing::{MethodRouter, get, post};

pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        r("GET", "/petitions", get(list::register_list)),
        r("GET", "/petitions/overdue", get(list::overdue)),
        r("GET", "/petitions/new", get(register::form)),
        r("POST", "/petitions", post(register::submit)),
        r("GET", "/petitions/{id}", get(page::petition_page)),
        r("POST", "/petitions/{id}/act", post(act::act)),
        r("POST", "/petitions/{id}/mediate", post(act::mediate)),
        r("GET", "/petitions/{id}/opinion", get(opinion::opinion)),
    ]
}
