//! 受理: a report from a resident (no account), a hotline operator, a grid patrol or a machine
//! client becomes a case — validated, located on the grid map, routed, given its deadlines,
//! and written with its event, audit record and notifications.

use super::config::CaseConfig;
use super::effects::{CaseFacts, plan};
use super::{CaseError, CaseService};
use sha2::{Digest, Sha256};
use tongxin_domain::case::deadline::Urgency;
use tongxin_domain::case::photo::check_photos;
use tongxin_domain::case::{Action, Actor, CaseState, Channel, Decision, TransitionError, Unit, decide, route};
use tongxin_domain::kernel::phone::Phone;
use tongxin_domain::kernel::text::{Address, Description, Lines, PersonName, TextError, Title, check};
use tongxin_domain::places::LngLat;
use tongxin_store::Actor as StoreActor;
use tongxin_store::StoreError;
use tongxin_store::accounts::User;
use tongxin_store::cases::write::{self, Effects, Intake, NewCase, NewEvent, NewPhoto};

/// Where the matter is.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A point tapped on the map.
    Point { lng: f64, lat: f64 },
    /// A building, through the token of its QR code.
    Building { qr_token: String },
    /// A grid chosen by staff (patrol, hotline operator).
    Grid { code: String },
    /// Only the address text.
    Address,
}

#[derive(Debug, Clone)]
pub enum Reporter {
    /// A resident without an account.
    Resident,
    Staff(User),
    /// An import or machine client, named.
    System(String),
}

#[derive(Debug, Clone)]
pub struct Report {
    pub channel: Channel,
    pub category: String,
    /// Staff may set the urgency; otherwise the category's applies.
    pub urgency: Option<Urgency>,
    pub title: Option<String>,
    pub description: String,
    pub place: Place,
    pub address: String,
    pub requester_name: Option<String>,
    pub phone: Option<Phone>,
    pub photos: Vec<Vec<u8>>,
    pub reporter: Reporter,
    /// A grid patrol's report handled on the spot (就地解决), with the reply.
    pub on_spot_reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub id: i64,
    pub code: String,
    /// The private follow link's token.
    pub follow_token: String,
    /// The same text at the same place a moment ago: this is that case.
    pub duplicate: bool,
}

/// Buildings read to match an address-only report (a district has tens of thousands).
const GEOCODE_REGISTER_LIMIT: i64 = 100_000;

struct Located {
    street_code: String,
    grid_code: Option<String>,
    building_id: Option<i64>,
    point: Option<(f64, f64)>,
}

/// Same words at the same place: whitespace and punctuation do not count (the demo's history
/// keys its cases the same way).
pub fn dedupe_key(description: &str, place: &str) -> String {
    let text: String = description.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    data_encoding::HEXLOWER.encode(&Sha256::digest(format!("{text}|{place}").as_bytes()))
}

/// A title from the description's first line when the reporter gave none.
pub fn default_title(description: &str) -> String {
    let first_line = description.lines().next().unwrap_or("").trim();
    let mut title: String = first_line.chars().take(24).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if first_line.chars().count() > 24 {
        title.push('…');
    }
    title
}

impl CaseService {
    async fn locate(&self, cfg: &CaseConfig, place: &Place, address: &str) -> Result<Located, CaseError> {
        let outside = || CaseError::invalid("location", "该位置不在本平台服务的网格范围内，请重新选择");
        let street_of = |grid: &str| grid[..9].to_string();
        match place {
            Place::Point { lng, lat } => {
                if !(lng.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(lng)
                    && (-90.0..=90.0).contains(lat))
                {
                    return Err(CaseError::invalid("location", "位置坐标无效"));
                }
                let index = self.locator.get(&self.store).await?;
                let p = LngLat { x: *lng, y: *lat };
                let grid = index.grids.locate(p).map(|i| index.info[i].code.clone());
                let building = index.buildings.nearest_within(p, crate::locator::BUILDING_RADIUS_M).map(|(id, _)| id);
                match grid {
                    Some(g) => Ok(Located {
                        street_code: street_of(&g),
                        grid_code: Some(g),
                        building_id: building,
                        point: Some((*lng, *lat)),
                    }),
                    None => Err(outside()),
                }
            }
            Place::Building { qr_token } => {
                let b = self.store.places().building_by_qr(qr_token).await.map_err(|e| match e {
                    StoreError::NotFound => CaseError::invalid("building", "二维码无效或楼栋已撤销"),
                    e => e.into(),
                })?;
                Ok(Located {
                    street_code: street_of(&b.grid_code),
                    grid_code: Some(b.grid_code),
                    building_id: Some(b.id),
                    point: Some((b.lng, b.lat)),
                })
            }
            Place::Grid { code } => {
                let shape = self
                    .store
                    .regions()
                    .shape(code)
                    .await?
                    .filter(|s| s.level == "grid")
                    .ok_or_else(|| CaseError::invalid("grid_code", "网格不存在"))?;
                Ok(Located {
                    street_code: street_of(&shape.code),
                    grid_code: Some(shape.code),
                    building_id: None,
                    point: None,
                })
            }
            Place::Address => match (self.building_named(cfg, address).await?, &cfg.sole_street) {
                (Some(at), _) => Ok(at),
                (None, Some(street)) => {
                    Ok(Located { street_code: street.clone(), grid_code: None, building_id: None, point: None })
                }
                (None, None) => Err(CaseError::invalid("location", "请在地图上选择位置或扫描楼栋二维码")),
            },
        }
    }

    /// The building an address text names, looked up in the building register (of the sole
    /// street, else of every street): its grid routes the case by grid and community rules.
    /// Several matches in one grid give the grid; matches in different grids give nothing.
    async fn building_named(&self, cfg: &CaseConfig, address: &str) -> Result<Option<Located>, CaseError> {
        if address.trim().is_empty() {
            return Ok(None);
        }
        let prefix = cfg.sole_street.as_deref().unwrap_or("");
        let register = self.store.places().in_area(prefix, GEOCODE_REGISTER_LIMIT).await?;
        let found = tongxin_domain::places::matching_buildings(
            address,
            register.iter().map(|b| (b.name.as_str(), b.address.as_str())),
        );
        let Some(first) = found.first().map(|&i| &register[i]) else {
            return Ok(None);
        };
        if found.iter().any(|&i| register[i].grid_code != first.grid_code) {
            return Ok(None);
        }
        let one = found.len() == 1;
        Ok(Some(Located {
            street_code: first.grid_code.get(..9).unwrap_or(&first.grid_code).to_string(),
            grid_code: Some(first.grid_code.clone()),
            building_id: one.then_some(first.id),
            point: one.then_some((first.lng, first.lat)),
        }))
    }

    /// Takes a report in; answers once it is durably written (or is found to be a duplicate).
    pub async fn report(&self, r: Report) -> Result<Reported, CaseError> {
        // What the fields alone tell (a leaf category, texts, photos, a place), first problem first.
        if let Some((field, message)) = self.report_form_problems(&r).into_iter().next() {
            return Err(CaseError::invalid(field, message));
        }
        let cfg = self.config();
        // Every text within its bound, without NUL or control characters (issue 9, items 4 and 13).
        let bad = |field: &'static str| move |e: TextError| CaseError::invalid(field, e.to_string());
        let description = match Description::new(&r.description) {
            Ok(d) => d.into_string(),
            Err(TextError::Required { .. }) => return Err(CaseError::invalid("description", "请描述您反映的问题")),
            Err(e) => return Err(bad("description")(e)),
        };
        let title = Title::optional(r.title.as_deref().unwrap_or("")).map_err(bad("title"))?;
        let address = Address::optional(&r.address).map_err(bad("address"))?.map(String::from).unwrap_or_default();
        let requester_name =
            PersonName::optional(r.requester_name.as_deref().unwrap_or("")).map_err(bad("name"))?.map(String::from);
        // The place's token or code is looked up in the database: short and printable too.
        match &r.place {
            Place::Building { qr_token } => {
                check("二维码", qr_token, 128, Lines::One).map_err(bad("building"))?;
            }
            Place::Grid { code } => {
                check("网格编码", code, 32, Lines::One).map_err(bad("grid_code"))?;
            }
            Place::Point { .. } | Place::Address => {}
        }
        let category =
            cfg.categories.get(&r.category).ok_or_else(|| CaseError::invalid("category", "请选择有效的诉求类别"))?;
        // 咨询 answered during the call (issue 11 item 7): only a question can be closed so.
        if r.on_spot_reply.is_some()
            && r.channel == Channel::Hotline
            && category.kind != tongxin_domain::case::CaseKind::Question
        {
            return Err(CaseError::invalid("answered", "只有咨询类诉求可以在电话中直接答复，其他诉求请登记后派单"));
        }
        let types = check_photos(&r.photos).map_err(|e| CaseError::invalid("photos", e.to_string()))?;
        if matches!(r.place, Place::Address) && address.is_empty() {
            return Err(CaseError::invalid("location", "请在地图上选择位置、扫描楼栋二维码或填写地址"));
        }
        let at = self.locate(&cfg, &r.place, &address).await?;
        if let Reporter::Staff(user) = &r.reporter {
            let in_scope = match &at.grid_code {
                Some(g) => user.scope.covers_place(g),
                None => user.scope.covers_place(&at.street_code),
            };
            if !in_scope {
                return Err(CaseError::invalid("location", "该位置不在您的管辖范围内"));
            }
        }
        let urgency = r.urgency.unwrap_or(category.urgency);
        let place_key = match (&at.building_id, &at.point, &at.grid_code) {
            (Some(b), _, _) => format!("b{b}"),
            (None, Some((x, y)), _) => format!("p{x:.4},{y:.4}"),
            (None, None, Some(g)) => format!("g{g}|{address}"),
            _ => format!("a{address}"),
        };
        let now = self.store.now();
        let initial = CaseState::new(r.channel);
        // A patrol handles it on the spot, or a routing rule may dispatch it at once.
        let decision = if let Some(reply) = &r.on_spot_reply {
            let Reporter::Staff(user) = &r.reporter else {
                return Err(CaseError::invalid("on_spot_reply", "只有网格员巡查上报可以就地解决"));
            };
            let unit = at.grid_code.clone().map(Unit::GridTeam);
            Some(decide(
                &initial,
                &Actor::Staff { role: user.role, unit },
                &Action::HandleOnSpot { reply: reply.clone() },
                now,
            )?)
        } else {
            auto_dispatch(&cfg, &initial, &category.code, at.grid_code.as_deref(), now)?
        };
        let facts = new_case_facts(&at.street_code, at.grid_code.as_deref(), urgency, r.phone.is_some());
        let (state, mut effects, version) = first_state(&cfg, &facts, &initial, decision, now);
        // The intake message carries the reporter's own follow link (the store fills in the
        // code and the token).
        effects.requester_sms = self
            .follow_url("{code}", "{token}")
            .map(|link| format!("【同心】您反映的问题已受理，诉求编号 {{code}}。查看办理进度、补充信息或催办：{link}"));
        effects.events.insert(
            0,
            NewEvent { kind: "received".into(), unit: None, note: r.channel.label().into(), data: "{}".into() },
        );
        effects.photos = r
            .photos
            .into_iter()
            .zip(types)
            .map(|(bytes, t)| NewPhoto { purpose: "report".into(), content_type: t.mime().into(), bytes })
            .collect();
        let (actor, created_by) = match &r.reporter {
            Reporter::Resident => (StoreActor { user_id: None, name: "居民".into() }, None),
            Reporter::Staff(u) => (StoreActor { user_id: Some(u.id), name: u.username.clone() }, Some(u.id)),
            Reporter::System(name) => (StoreActor::system(name), None),
        };
        let title = title.map(String::from).unwrap_or_else(|| default_title(&description));
        let search_words = tongxin_store::cases::search::index_words(&[&title, &description, &address]);
        let new = NewCase {
            street_code: at.street_code,
            grid_code: at.grid_code,
            building_id: at.building_id,
            category_code: category.code.clone(),
            kind: category.kind.as_str().into(),
            urgency: urgency.as_str().into(),
            channel: r.channel.as_str().into(),
            title,
            search_words,
            dedupe_key: dedupe_key(&description, &place_key),
            description,
            address,
            point: at.point,
            requester_name,
            phone: r.phone,
            created_by,
            actor,
            state,
            version,
            effects,
        };
        let outcome = self.writer.submit(new).await.map_err(|_| CaseError::Busy)??;
        let (id, code, requester) = match outcome {
            Intake::Created { id, code } => (id, code, 1),
            Intake::Duplicate { id, code, requester } => (id, code, requester),
        };
        // Each reporter follows with their own token, never the first reporter's (issue 9 item 2).
        Ok(Reported {
            id,
            follow_token: self.store.pii().requester_token(&code, requester),
            code,
            duplicate: requester > 1,
        })
    }
}

/// A routing rule that dispatches this category at this place at once takes the new case's
/// first step; otherwise (`None`) it waits in the dispatcher's queue.
pub(super) fn auto_dispatch(
    cfg: &CaseConfig,
    initial: &CaseState,
    category: &str,
    grid: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Decision>, TransitionError> {
    match route(&cfg.rules, category, grid).winner {
        Some(rule) if rule.auto_dispatch => Ok(Some(decide(
            initial,
            &Actor::System,
            &Action::Dispatch { lead: rule.target.clone(), assisting: Vec::new(), auto: true },
            now,
        )?)),
        _ => Ok(None),
    }
}

/// What the effects need to know of a case not written yet (no code, no deadlines so far).
pub(super) fn new_case_facts(
    street_code: &str,
    grid_code: Option<&str>,
    urgency: Urgency,
    has_phone: bool,
) -> CaseFacts {
    CaseFacts {
        code: String::new(),
        street_code: street_code.to_string(),
        grid_code: grid_code.map(str::to_string),
        urgency,
        has_phone,
        warn_at: None,
        contact_deadline_at: None,
    }
}

/// What a new case is written as: after its first decision, or simply received (受理).
pub(super) fn first_state(
    cfg: &CaseConfig,
    facts: &CaseFacts,
    initial: &CaseState,
    decision: Option<Decision>,
    now: chrono::DateTime<chrono::Utc>,
) -> (write::CaseState, Effects, i64) {
    match decision {
        Some(mut d) => {
            let (row, effects) = plan(cfg, facts, initial, &mut d, now);
            (row, effects, d.state.version)
        }
        None => (
            write::CaseState {
                status: initial.status.as_str().into(),
                open: true,
                lead_unit: None,
                state: serde_json::to_string(initial).expect("case state serialises"),
                deadline_at: None,
                warn_at: None,
                contact_deadline_at: None,
                parent_case_id: None,
            },
            Effects::default(),
            initial.version,
        ),
    }
}
