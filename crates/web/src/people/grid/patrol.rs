//! `GET/POST /grid/patrol`: 巡查上报 — a problem the grid worker found on patrol (自主发现),
//! entered through the intake use-case on the patrol channel; ticking 已就地解决 with a note
//! closes it on the spot (就地解决).

use super::{grid_name, my_grid};
use crate::AppState;
use crate::ui::error::{PageError, PageResult, render};
use crate::ui::flash;
use crate::ui::form::check_csrf;
use crate::ui::shell::Shell;
use crate::ui::staff::Staff;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use tongxin_app::cases::{CaseError, Place, Report, Reporter};
use tongxin_domain::case::Channel;
use tongxin_domain::case::photo::MAX_PHOTOS;
use tongxin_domain::kernel::access::Action;
use tongxin_store::Page;
use tongxin_store::places::Building;

/// Longest description (the intake use-case checks it too).
const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Longest on-the-spot note, as the case's reply.
const MAX_REPLY_CHARS: usize = 2000;

/// What the form sent (text fields as typed, photos as bytes).
#[derive(Default)]
struct Fields {
    csrf: String,
    category: String,
    description: String,
    building: String,
    address: String,
    on_spot: bool,
    on_spot_reply: String,
    photos: Vec<Vec<u8>>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "people/patrol.html")]
struct PatrolPage {
    shell: Shell,
    grid_name: String,
    categories: Vec<Choice>,
    buildings: Vec<Choice>,
    description: String,
    address: String,
    on_spot: bool,
    on_spot_reply: String,
    max_description: usize,
    max_photos: usize,
    /// (field, message) of what needs correcting.
    errors: Vec<(&'static str, String)>,
}

impl PatrolPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

async fn buildings(s: &AppState, staff: &Staff, grid: &str) -> Result<Vec<Building>, PageError> {
    let page = Page::new(Some(1), Some(Page::MAX_PER_PAGE));
    Ok(s.store.places().buildings(staff.scope(), Some(grid), page).await?.items)
}

async fn view(
    s: &AppState,
    staff: &Staff,
    grid: &str,
    f: &Fields,
    errors: Vec<(&'static str, String)>,
) -> PageResult<PatrolPage> {
    let cfg = s.cases.config();
    let mut cats: Vec<_> = cfg.categories.values().collect();
    cats.sort_by(|a, b| a.code.cmp(&b.code));
    let parent_name = |c: &tongxin_domain::case::Category| {
        c.parent.as_ref().and_then(|p| cfg.categories.get(p)).map(|p| format!("{} · ", p.name)).unwrap_or_default()
    };
    let categories =
        std::iter::once(Choice {
            value: String::new(), label: "请选择类别".into(), selected: f.category.is_empty()
        })
        .chain(cats.iter().map(|c| Choice {
            value: c.code.clone(),
            label: format!("{}{}", parent_name(c), c.name),
            selected: c.code == f.category,
        }))
        .collect();
    let buildings = std::iter::once(Choice {
        value: String::new(),
        label: "不选楼栋（填写地址）".into(),
        selected: f.building.is_empty(),
    })
    .chain(buildings(s, staff, grid).await?.into_iter().map(|b| Choice {
        selected: b.id.to_string() == f.building,
        value: b.id.to_string(),
        label: b.name,
    }))
    .collect();
    Ok(PatrolPage {
        shell: Shell::staff("巡查上报", staff, "/grid/patrol").narrow(),
        grid_name: grid_name(s, staff, grid).await,
        categories,
        buildings,
        description: f.description.clone(),
        address: f.address.clone(),
        on_spot: f.on_spot,
        on_spot_reply: f.on_spot_reply.clone(),
        max_description: MAX_DESCRIPTION_CHARS,
        max_photos: MAX_PHOTOS,
        errors,
    })
}

pub(super) async fn form(State(s): State<AppState>, staff: Staff) -> PageResult {
    let grid = my_grid(&staff, Action::EnterCases)?;
    Ok(render(&view(&s, &staff, &grid, &Fields::default(), Vec::new()).await?))
}

fn bad_form() -> PageError {
    PageError::User(StatusCode::BAD_REQUEST, "表单无法读取，请返回刷新后重试".into())
}

/// Reads the form: multipart (with photos) from the page, or urlencoded (no photos).
async fn read_fields(s: &AppState, req: Request) -> Result<Fields, PageError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut f = Fields::default();
    let put = |f: &mut Fields, name: &str, value: String| match name {
        "_csrf" => f.csrf = value,
        "category" => f.category = value,
        "description" => f.description = value,
        "building" => f.building = value,
        "address" => f.address = value,
        "on_spot" => f.on_spot = !value.is_empty(),
        "on_spot_reply" => f.on_spot_reply = value,
        _ => {}
    };
    if multipart {
        // Each part is read with its own limit (issue 9, item 3).
        let parts = Multipart::from_request(req, s).await.map_err(|_| bad_form())?;
        let limits = crate::limits::PartLimits { file_field: "photo", ..crate::cases::api::REPORT_PARTS };
        let parts = crate::limits::read_parts(parts, limits).await.map_err(|e| match e {
            crate::limits::PartError::TooLarge(m) => {
                PageError::User(StatusCode::PAYLOAD_TOO_LARGE, format!("提交的内容过大：{m}（照片每张不超过 10 MB）"))
            }
            crate::limits::PartError::Bad(_) => bad_form(),
        })?;
        for (name, text) in parts.texts {
            put(&mut f, &name, text);
        }
        f.photos = parts.files;
    } else {
        let body = Bytes::from_request(req, s).await.map_err(|_| bad_form())?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| bad_form())?;
        for (k, v) in pairs {
            put(&mut f, &k, v);
        }
    }
    Ok(f)
}

pub(super) async fn submit(State(s): State<AppState>, staff: Staff, req: Request) -> PageResult {
    let headers = req.headers().clone();
    let f = read_fields(&s, req).await?;
    check_csrf(&s, &headers, &f.csrf).await?;
    let grid = my_grid(&staff, Action::EnterCases)?;

    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let reply = f.on_spot_reply.trim().to_string();
    if f.on_spot && reply.is_empty() {
        errors.push(("on_spot_reply", "勾选“已就地解决”时，请填写处理情况".into()));
    }
    if reply.chars().count() > MAX_REPLY_CHARS {
        errors.push(("on_spot_reply", format!("处理情况不能超过 {MAX_REPLY_CHARS} 字")));
    }
    if f.photos.len() > MAX_PHOTOS {
        errors.push(("photos", format!("照片最多 {MAX_PHOTOS} 张")));
    }
    // A building of my grid (its position locates the case), or my grid with the address typed.
    let place = match f.building.trim() {
        "" if f.address.trim().is_empty() => {
            errors.push(("location", "请选择楼栋或填写地址".into()));
            None
        }
        "" => Some((Place::Grid { code: grid.clone() }, f.address.trim().to_string())),
        b => match b.parse::<i64>().ok() {
            Some(id) => match s.store.places().building(staff.scope(), id).await {
                Ok(b) if b.grid_code == grid => {
                    let address = if f.address.trim().is_empty() { b.address.clone() } else { f.address.trim().into() };
                    Some((Place::Point { lng: b.lng, lat: b.lat }, address))
                }
                Ok(_) | Err(tongxin_store::StoreError::NotFound) => {
                    errors.push(("location", "所选楼栋不在本网格".into()));
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => {
                errors.push(("location", "所选楼栋不在本网格".into()));
                None
            }
        },
    };
    let (place, address) = match place {
        Some(p) if errors.is_empty() => p,
        _ => {
            return Ok(
                (StatusCode::UNPROCESSABLE_ENTITY, render(&view(&s, &staff, &grid, &f, errors).await?)).into_response()
            );
        }
    };
    let report = Report {
        channel: Channel::Patrol,
        category: f.category.trim().to_string(),
        urgency: None,
        title: None,
        description: f.description.clone(),
        place,
        address,
        requester_name: None,
        phone: None,
        photos: f.photos.clone(),
        reporter: Reporter::Staff(staff.user.clone()),
        on_spot_reply: f.on_spot.then_some(reply),
    };
    match s.cases.report(report).await {
        Ok(done) => {
            let text = if done.duplicate {
                format!("相同的问题刚刚已上报，编号 {}", done.code)
            } else if f.on_spot {
                format!("已上报并就地解决，编号 {}", done.code)
            } else {
                format!("已上报，编号 {}，等待派单处理", done.code)
            };
            Ok(flash::redirect("/grid/patrol", "ok", &text))
        }
        Err(CaseError::Invalid { field, message }) => {
            let field = match field {
                "category" | "description" | "photos" | "on_spot_reply" => field,
                _ => "location",
            };
            let page = view(&s, &staff, &grid, &f, vec![(field, message)]).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(crate::error::ApiError::from(e).into()),
    }
}
