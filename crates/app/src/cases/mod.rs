//! The 接诉即办 use-cases: report a case (intake) and act on one. Each loads what it needs,
//! asks the domain to decide, and writes the decision atomically; intake goes through a
//! batching writer so bursts of reports share transactions.

pub mod config;
pub mod effects;
pub mod follow;
mod import;
mod intake;
mod report_check;

pub use import::{
    HOTLINE_COLUMNS, HotlineImportError, HotlineImportReport, ImportRowError, ImportedCase, MAX_IMPORT_ERRORS,
    MAX_IMPORT_ROWS, ORDER_KEY_PREFIX, parse_csv,
};
pub use intake::{Place, Report, Reported, Reporter, dedupe_key, default_title};

use config::CaseConfig;
use effects::{CaseFacts, plan};
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use tongxin_domain::case::{Action, Actor, CaseState, MergeTarget, Notice, TransitionError, Unit, check_merge, decide};
use tongxin_domain::kernel::access::{Role, Scope};
use tongxin_store::accounts::User;
use tongxin_store::audit::AuditEntry;
use tongxin_store::batcher::Batcher;
use tongxin_store::cases::read::CaseView;
use tongxin_store::cases::write::{Intake, NewCase};
use tongxin_store::{Store, StoreError};

/// Why a case operation failed, for the web layer to map to a status.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaseError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Transition(#[from] TransitionError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("系统繁忙，请稍后重试")]
    Busy,
}

impl CaseError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> CaseError {
        CaseError::Invalid { field, message: message.into() }
    }
}

/// A decided change of a case, planned and not yet saved ([`CaseService::prepare`]).
#[derive(Debug, Clone)]
pub struct PreparedChange {
    /// The case as loaded (its version is the one the change is guarded by).
    pub case: CaseView,
    pub row: tongxin_store::cases::write::CaseState,
    pub effects: tongxin_store::cases::write::Effects,
    /// Who the events and the audit record name.
    pub actor: tongxin_store::Actor,
    pub audit: AuditEntry,
}

impl PreparedChange {
    /// The change as the store writes it.
    pub fn change(&self) -> tongxin_store::cases::write::CaseChange<'_> {
        tongxin_store::cases::write::CaseChange {
            case_id: self.case.id,
            expected_version: self.case.version,
            state: &self.row,
            effects: &self.effects,
            audit: self.audit.clone(),
        }
    }
}

/// Who acts on an existing case.
#[derive(Debug, Clone)]
pub enum CaseActor {
    Staff(User),
    /// The requester, through the private link (tracking code + token).
    Requester {
        code: String,
        token: String,
    },
    /// A background job.
    System,
}

#[derive(Clone)]
pub struct CaseService {
    store: Store,
    config: Arc<RwLock<Arc<CaseConfig>>>,
    writer: Batcher<NewCase, Result<Intake, StoreError>>,
    locator: Arc<crate::locator::LocatorCache>,
    /// The site's public address for links in text messages ([`CaseService::set_public_url`]).
    public_url: Arc<RwLock<String>>,
}

/// Writes one intake batch in one transaction. A batch either commits whole or answers every
/// request with an error (never a tracking code for a report that was not saved, issue 9 item 0).
/// If it fails, its requests are written one by one, so a report the database refuses fails
/// alone and the others are still created (issue 9 item 13); once two single writes in a row
/// fail because the database itself is unavailable (disk full, connection lost), the rest are
/// answered with that error without trying further.
async fn write_batch(store: &Store, batch: &[NewCase]) -> Vec<Result<Intake, StoreError>> {
    let e = match store.cases().insert(batch).await {
        Ok(results) => return results.into_iter().map(Ok).collect(),
        Err(e) => e,
    };
    tracing::error!(error = %e, cases = batch.len(), "intake batch failed");
    if batch.len() == 1 {
        return vec![Err(e)];
    }
    let mut out = Vec::with_capacity(batch.len());
    let (mut unavailable, mut last) = (0, e);
    for case in batch {
        if unavailable >= 2 {
            out.push(Err(last.clone()));
            continue;
        }
        let r = store.cases().insert(std::slice::from_ref(case)).await.map(|mut v| v.remove(0));
        match &r {
            Err(err @ StoreError::Unavailable(_)) => {
                unavailable += 1;
                last = err.clone();
            }
            Err(err) => {
                unavailable = 0;
                tracing::warn!(error = %err, "report refused by the database");
            }
            Ok(_) => unavailable = 0,
        }
        out.push(r);
    }
    out
}

/// Requests per intake transaction at most.
const MAX_BATCH: usize = 256;

impl CaseService {
    /// Loads the configuration (seeding the default categories on first use) and starts the
    /// intake writer. Must run inside a Tokio runtime.
    pub async fn start(store: Store, locator: Arc<crate::locator::LocatorCache>) -> Result<CaseService, StoreError> {
        config::seed_categories(&store).await?;
        let config = Arc::new(RwLock::new(Arc::new(CaseConfig::load(&store).await?)));
        let writer_store = store.clone();
        let writer = Batcher::spawn(MAX_BATCH, 8 * MAX_BATCH, move |batch: Vec<NewCase>| {
            let store = writer_store.clone();
            async move { write_batch(&store, &batch).await }
        });
        Ok(CaseService { store, config, writer, locator, public_url: Arc::new(RwLock::new(String::new())) })
    }

    /// Writes a batch of prepared cases the way the intake writer does (one transaction, each
    /// request on its own if the batch fails); for tests of the writer and for bulk callers.
    pub async fn write_intake_batch(&self, batch: &[NewCase]) -> Vec<Result<Intake, StoreError>> {
        write_batch(&self.store, batch).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> Arc<CaseConfig> {
        self.config.read().expect("config lock").clone()
    }

    /// Reloads categories, rules, calendar and policy after an admin changed them.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let fresh = Arc::new(CaseConfig::load(&self.store).await?);
        *self.config.write().expect("config lock") = fresh;
        Ok(())
    }

    /// The unit a staff user acts for on this case.
    /// The unit a staff member acts for on a case: their department, or the grid team of a
    /// case in their grid (community workers: in their community); none for others.
    pub fn unit_of(user: &User, case: &CaseView) -> Option<Unit> {
        match (&user.scope, user.role) {
            (Scope::Department { id, .. }, _) => Some(Unit::Department(*id)),
            (Scope::Region { code }, Role::GridWorker | Role::CommunityWorker) => match &case.grid_code {
                Some(g) if g.starts_with(code.as_str()) => Some(Unit::GridTeam(g.clone())),
                _ => None,
            },
            _ => None,
        }
    }

    async fn load(&self, actor: &CaseActor, case_id: i64) -> Result<CaseView, CaseError> {
        Ok(match actor {
            CaseActor::Staff(user) => self.store.cases().get(&user.scope, case_id).await?,
            CaseActor::Requester { code, token } => {
                let c = self.store.cases().for_requester(code, token).await?;
                if c.id != case_id {
                    return Err(StoreError::NotFound.into());
                }
                c
            }
            CaseActor::System => self.store.cases().get(&Scope::All, case_id).await?,
        })
    }

    /// Performs `action` on a case the actor may see, if it is still at `expected_version`.
    pub async fn act(
        &self,
        actor: &CaseActor,
        case_id: i64,
        expected_version: i64,
        action: Action,
    ) -> Result<CaseView, CaseError> {
        self.act_with_photos(actor, case_id, expected_version, action, Vec::new()).await
    }

    /// [`CaseService::act`] with photos kept in the same transaction as the decision (a reply's
    /// evidence, named in the action by [`tongxin_store::cases::write::photo_ref`]).
    pub async fn act_with_photos(
        &self,
        actor: &CaseActor,
        case_id: i64,
        expected_version: i64,
        action: Action,
        photos: Vec<tongxin_store::cases::write::NewPhoto>,
    ) -> Result<CaseView, CaseError> {
        if matches!(action, Action::ReferToMediation { .. }) {
            // The dispute must be registered with it: `tongxin_app::mediation::refer_case`.
            return Err(CaseError::invalid("action", "转调解请使用“转调解”表单，同时登记纠纷"));
        }
        let p = self.prepare(actor, case_id, expected_version, action, photos).await?;
        self.store.cases().apply_change(case_id, p.case.version, &p.row, &p.effects, &p.actor, p.audit).await?;
        Ok(self.store.cases().get(&Scope::All, case_id).await?)
    }

    /// Everything short of saving: loads the case the actor may see, checks the version, lets
    /// the rules decide and plans what the decision writes (state, events, notices, counters,
    /// the audit record). [`CaseService::act_with_photos`] saves it alone; a referral to
    /// mediation saves it with the dispute in one transaction.
    pub async fn prepare(
        &self,
        actor: &CaseActor,
        case_id: i64,
        expected_version: i64,
        action: Action,
        photos: Vec<tongxin_store::cases::write::NewPhoto>,
    ) -> Result<PreparedChange, CaseError> {
        let case = self.load(actor, case_id).await?;
        if case.version != expected_version {
            return Err(StoreError::Conflict("该诉求刚被他人处理过，请刷新后重试".into()).into());
        }
        if matches!(action, Action::Merge { into_case_id } if into_case_id == case_id) {
            return Err(CaseError::invalid("into_case_id", TransitionError::MergeIntoSelf.to_string()));
        }
        // Decoded by the store when the row was read (a corrupt row is a StoreError there).
        let mut state: CaseState = case.state.clone();
        state.version = case.version;
        let domain_actor = match actor {
            CaseActor::Staff(user) => Actor::Staff { role: user.role, unit: Self::unit_of(user, &case) },
            CaseActor::Requester { .. } => Actor::Requester,
            CaseActor::System => Actor::System,
        };
        let now = self.store.now();
        let mut decision = decide(&state, &domain_actor, &action, now)?;
        // What the domain cannot see from one case: the units, the other case, the photos.
        self.check_references(actor, &case, &action, &photos).await?;
        let cfg = self.config();
        let facts = CaseFacts {
            code: case.code.clone(),
            street_code: case.street_code.clone(),
            grid_code: case.grid_code.clone(),
            urgency: case.urgency,
            has_phone: case.phone_masked.is_some(),
            warn_at: case.warn_at,
            contact_deadline_at: case.contact_deadline_at,
        };
        let (row, mut effects) = plan(&cfg, &facts, &state, &mut decision, now);
        effects.photos.extend(photos);
        // Every message asking the requester to look carries their follow link.
        if let Some(link) = self.follow_url(&case.code, &self.store.pii().follow_token(&case.code)) {
            for o in effects.outbox.iter_mut().filter(|o| o.channel == "sms" && o.recipient == "requester") {
                o.payload = follow::with_link(&o.payload, &link);
            }
        }
        // Reporters of merged duplicates hear of the outcome too (and may rate their case).
        if decision.notices.iter().any(|n| matches!(n, Notice::Handled | Notice::Closed)) {
            for child in self.merged_descendants(case_id).await? {
                let c = self.store.cases().get(&Scope::All, child).await?;
                if c.phone_masked.is_none() {
                    continue;
                }
                let text = format!(
                    "您反映的诉求 {} 已与 {} 合并办理，现已{}，请通过跟踪链接查看并评价。",
                    c.code,
                    case.code,
                    if decision.notices.contains(&Notice::Closed) { "结案" } else { "办结" }
                );
                let text = match self.follow_url(&c.code, &self.store.pii().follow_token(&c.code)) {
                    Some(link) => format!("{text}查看：{link}"),
                    None => text,
                };
                effects.outbox.push(tongxin_store::cases::write::NewOutbox {
                    channel: "sms".into(),
                    kind: "merged_outcome".into(),
                    recipient: "requester".into(),
                    payload: serde_json::json!({ "code": c.code, "text": text }).to_string(),
                    about_case: Some(child),
                });
            }
        }
        let store_actor = match actor {
            CaseActor::Staff(user) => tongxin_store::Actor { user_id: Some(user.id), name: user.username.clone() },
            CaseActor::Requester { .. } => tongxin_store::Actor { user_id: None, name: "诉求人".into() },
            CaseActor::System => tongxin_store::Actor::system("jobs"),
        };
        let kind = action.kind().as_str();
        let audit = AuditEntry::new(&format!("case.{kind}"), "case", case_id)
            .before(tongxin_domain::kernel::audit::digest_of(&state))
            .after(tongxin_domain::kernel::audit::digest_of(&decision.state));
        Ok(PreparedChange { case, row, effects, actor: store_actor, audit })
    }

    /// Issue 9 item 11, checked after the domain allowed the action (so who may not act learns
    /// nothing about other units or cases): a dispatch names only units on record; a merge
    /// goes into a visible, open, unmerged case that is not merged into this one; a report's
    /// evidence names only photos of this case (sent with it or stored before).
    async fn check_references(
        &self,
        actor: &CaseActor,
        case: &CaseView,
        action: &Action,
        photos: &[tongxin_store::cases::write::NewPhoto],
    ) -> Result<(), CaseError> {
        match action {
            Action::Dispatch { lead, assisting, .. } => {
                config::check_unit(&self.store, "lead", lead).await?;
                for unit in assisting {
                    config::check_unit(&self.store, "assisting", unit).await?;
                }
            }
            Action::Merge { into_case_id } => {
                let refuse = |e: TransitionError| CaseError::invalid("into_case_id", e.to_string());
                let parent = self
                    .load(actor, *into_case_id)
                    .await
                    .map_err(|_| CaseError::invalid("into_case_id", "要合并到的诉求不存在或不在您的管辖范围内"))?;
                let target = MergeTarget { id: parent.id, status: parent.status, merged_into: parent.parent_case_id };
                check_merge(case.id, &self.merged_descendants(case.id).await?, &target).map_err(refuse)?;
            }
            Action::Report { evidence, .. } if !evidence.is_empty() => {
                let mut own: HashSet<String> = self.store.cases().photo_refs(case.id).await?.into_iter().collect();
                own.extend(photos.iter().map(|p| tongxin_store::cases::write::photo_ref(&p.bytes)));
                if let Some(i) = evidence.iter().position(|r| !own.contains(r)) {
                    return Err(CaseError::invalid("evidence", format!("第 {} 项佐证不是本诉求上传的照片", i + 1)));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every case merged into this one, directly or through cases merged into those.
    async fn merged_descendants(&self, case_id: i64) -> Result<Vec<i64>, CaseError> {
        let mut seen = vec![case_id];
        let mut todo = vec![case_id];
        while let Some(id) = todo.pop() {
            for child in self.store.cases().merged_children(id).await? {
                if !seen.contains(&child) {
                    seen.push(child);
                    todo.push(child);
                }
            }
        }
        seen.remove(0);
        Ok(seen)
    }
}
