//! Registering a petition (登记): the channel it came by, who brought it and what it asks,
//! its kind, and for a 申诉求决类 matter the route the law gives it.

use super::text::{Facts, PetitionerAddress, PetitionerName, Reasons, Request};
use crate::kernel::text::TextError;
use serde::{Deserialize, Serialize};

/// How a petition came in (《信访工作条例》art 17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 信息网络.
    Online,
    /// 书信.
    Letter,
    /// 电话.
    Phone,
    /// 传真.
    Fax,
    /// 走访: in person at the designated reception place (art 20).
    Visit,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Online, Channel::Letter, Channel::Phone, Channel::Fax, Channel::Visit];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Letter => "letter",
            Channel::Phone => "phone",
            Channel::Fax => "fax",
            Channel::Visit => "visit",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Online => "网络",
            Channel::Letter => "书信",
            Channel::Phone => "电话",
            Channel::Fax => "传真",
            Channel::Visit => "走访",
        }
    }

    /// Oral channels: the office writes the petition down as told (如实记录, art 19).
    pub fn is_oral(self) -> bool {
        matches!(self, Channel::Phone | Channel::Visit)
    }
}

/// The kind of matter, which decides how it is handled (arts 29–31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 建议意见类: studied and answered (art 29).
    Suggestion,
    /// 检举控告类: handled by 纪检监察 or the competent body under its own rules (art 30).
    Accusation,
    /// 申诉求决类: routed into a statutory procedure or answered with a 信访处理意见书 (art 31).
    Claim,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Suggestion, Kind::Accusation, Kind::Claim];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Suggestion => "suggestion",
            Kind::Accusation => "accusation",
            Kind::Claim => "claim",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Suggestion => "建议意见类",
            Kind::Accusation => "检举控告类",
            Kind::Claim => "申诉求决类",
        }
    }
}

/// Where a matter goes (art 31 for 申诉求决类, art 30 for 检举控告类). Every route but
/// [`Route::Opinion`] closes the petition as 转入法定途径.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// 诉讼: court, procuratorate or police procedures (art 31(1)).
    Litigation,
    /// 复议: 行政复议 (art 31(4)).
    Reconsideration,
    /// 仲裁 (art 31(2)).
    Arbitration,
    /// 党员申诉、申请复审 (art 31(3)).
    PartyAppeal,
    /// 行政裁决、确认、许可、处罚等行政程序 (art 31(4)).
    AdministrativeProcedure,
    /// 依法履职: investigating a violation or protecting rights is the body's own duty (art 31(5)).
    StatutoryDuty,
    /// 纪检监察机关依规依纪依法处理 (art 30), for 检举控告类.
    Discipline,
    /// 听取陈述、调查核实、出具《信访处理意见书》 (art 31(6)): the petition procedure itself.
    Opinion,
}

impl Route {
    pub const ALL: [Route; 8] = [
        Route::Litigation,
        Route::Reconsideration,
        Route::Arbitration,
        Route::PartyAppeal,
        Route::AdministrativeProcedure,
        Route::StatutoryDuty,
        Route::Discipline,
        Route::Opinion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Litigation => "litigation",
            Route::Reconsideration => "reconsideration",
            Route::Arbitration => "arbitration",
            Route::PartyAppeal => "party_appeal",
            Route::AdministrativeProcedure => "administrative_procedure",
            Route::StatutoryDuty => "statutory_duty",
            Route::Discipline => "discipline",
            Route::Opinion => "opinion",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::Litigation => "诉讼",
            Route::Reconsideration => "行政复议",
            Route::Arbitration => "仲裁",
            Route::PartyAppeal => "党员申诉",
            Route::AdministrativeProcedure => "行政程序",
            Route::StatutoryDuty => "依法履职",
            Route::Discipline => "纪检监察",
            Route::Opinion => "出具信访处理意见书",
        }
    }

    /// The article that gives this route.
    pub fn article(self) -> &'static str {
        match self {
            Route::Litigation => "第三十一条第一项",
            Route::Arbitration => "第三十一条第二项",
            Route::PartyAppeal => "第三十一条第三项",
            Route::Reconsideration | Route::AdministrativeProcedure => "第三十一条第四项",
            Route::StatutoryDuty => "第三十一条第五项",
            Route::Opinion => "第三十一条第六项",
            Route::Discipline => "第三十条",
        }
    }

    /// A statutory procedure outside the petition system: the petition closes as 转入法定途径.
    pub fn is_statutory(self) -> bool {
        self != Route::Opinion
    }

    /// Whether a matter of `kind` may take this route: 申诉求决类 the routes of art 31; 检举控告类
    /// 纪检监察 (art 30) and the criminal and enforcement procedures (art 31(1), (5)); 建议意见类
    /// none — it is studied and answered (art 29).
    pub fn fits(self, kind: Kind) -> bool {
        match kind {
            Kind::Claim => self != Route::Discipline,
            Kind::Accusation => matches!(self, Route::Discipline | Route::Litigation | Route::StatutoryDuty),
            Kind::Suggestion => false,
        }
    }
}

/// At most this many representatives of a group visit (art 20).
pub const MAX_REPRESENTATIVES: usize = 5;
/// The largest headcount a group visit may record.
pub const MAX_HEADCOUNT: u32 = 100_000;

/// Why a registration was refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("多人走访应推选代表，代表人数不超过{max}人（《信访工作条例》第二十条），不能登记第{nth}位代表")]
    TooManyRepresentatives { max: usize, nth: usize },
    #[error("多人走访应推选代表（《信访工作条例》第二十条），请至少登记1位代表")]
    NoRepresentative,
    #[error("只有走访才登记多人代表（《信访工作条例》第二十条），来信来电请登记信访人本人")]
    GroupNotByVisit,
    #[error("多人走访的人数应在2至{max}人之间")]
    BadHeadcount { max: u32 },
    #[error("代表人数（{representatives}人）不能超过来访人数（{headcount}人）")]
    MoreRepresentativesThanVisitors { representatives: usize, headcount: u32 },
    #[error("转来的诉求编号无效")]
    BadCaseId,
}

/// The representatives a group visit elected (推选代表): one to [`MAX_REPRESENTATIVES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<PetitionerName>", into = "Vec<PetitionerName>")]
pub struct Representatives(Vec<PetitionerName>);

impl Representatives {
    /// One to five names; a sixth is refused (art 20).
    pub fn new(names: Vec<PetitionerName>) -> Result<Representatives, RegisterError> {
        if names.is_empty() {
            return Err(RegisterError::NoRepresentative);
        }
        if names.len() > MAX_REPRESENTATIVES {
            return Err(RegisterError::TooManyRepresentatives {
                max: MAX_REPRESENTATIVES,
                nth: MAX_REPRESENTATIVES + 1,
            });
        }
        Ok(Representatives(names))
    }

    /// Adds one more representative; the sixth is refused (art 20) and the list stays as it was.
    pub fn push(&mut self, name: PetitionerName) -> Result<(), RegisterError> {
        if self.0.len() >= MAX_REPRESENTATIVES {
            return Err(RegisterError::TooManyRepresentatives { max: MAX_REPRESENTATIVES, nth: self.0.len() + 1 });
        }
        self.0.push(name);
        Ok(())
    }

    pub fn names(&self) -> &[PetitionerName] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true (there is at least one representative); for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<PetitionerName>> for Representatives {
    type Error = RegisterError;

    fn try_from(names: Vec<PetitionerName>) -> Result<Self, RegisterError> {
        Representatives::new(names)
    }
}

impl From<Representatives> for Vec<PetitionerName> {
    fn from(r: Representatives) -> Self {
        r.0
    }
}

/// 多人走访: how many came and whom they elected to speak (art 20). Input only (serialisable,
/// built by [`GroupVisit::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupVisit {
    headcount: u32,
    representatives: Representatives,
}

impl GroupVisit {
    /// `headcount` people (2..=[`MAX_HEADCOUNT`]) with at most that many representatives.
    pub fn new(headcount: u32, representatives: Representatives) -> Result<GroupVisit, RegisterError> {
        if !(2..=MAX_HEADCOUNT).contains(&headcount) {
            return Err(RegisterError::BadHeadcount { max: MAX_HEADCOUNT });
        }
        if representatives.len() > headcount as usize {
            return Err(RegisterError::MoreRepresentativesThanVisitors {
                representatives: representatives.len(),
                headcount,
            });
        }
        Ok(GroupVisit { headcount, representatives })
    }

    pub fn headcount(&self) -> u32 {
        self.headcount
    }

    pub fn representatives(&self) -> &Representatives {
        &self.representatives
    }
}

/// Who petitions (art 19: 姓名（名称）、住址).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Petitioner {
    pub name: PetitionerName,
    pub address: PetitionerAddress,
}

/// What the petition says (art 19: 请求、事实、理由), all required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matter {
    pub request: Request,
    pub facts: Facts,
    pub reasons: Reasons,
}

/// A petition as the office registers it (art 22/23: 登记). Input only (serialisable, built by
/// [`Registration::new`]); the store keeps its fields as columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    channel: Channel,
    kind: Kind,
    petitioner: Petitioner,
    matter: Matter,
    group: Option<GroupVisit>,
    from_case: Option<i64>,
}

impl Registration {
    /// Checks what the texts' types do not: a group is recorded only for a visit (art 20), and a
    /// case a petition is escalated from (`from_case`, 接诉即办 case id) is a positive id.
    pub fn new(
        channel: Channel,
        kind: Kind,
        petitioner: Petitioner,
        matter: Matter,
        group: Option<GroupVisit>,
        from_case: Option<i64>,
    ) -> Result<Registration, RegisterError> {
        if group.is_some() && channel != Channel::Visit {
            return Err(RegisterError::GroupNotByVisit);
        }
        if from_case.is_some_and(|id| id <= 0) {
            return Err(RegisterError::BadCaseId);
        }
        Ok(Registration { channel, kind, petitioner, matter, group, from_case })
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn petitioner(&self) -> &Petitioner {
        &self.petitioner
    }

    pub fn matter(&self) -> &Matter {
        &self.matter
    }

    pub fn group(&self) -> Option<&GroupVisit> {
        self.group.as_ref()
    }

    /// The 接诉即办 case this petition was escalated from.
    pub fn from_case(&self) -> Option<i64> {
        self.from_case
    }
}
