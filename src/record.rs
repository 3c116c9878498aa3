//! What one inbox file became after the per-file stages (discover, ingest,
//! bind, normalize, validate). These records are all that resolve, derive,
//! check and emit see: the raw workbook is gone by then.

use serde::{Deserialize, Serialize};

use crate::cycle::FocalPoint;
use crate::model::{Date, Format, Instrument, Lang, Problem, Reason, Rejection};
use crate::validate::Answer;

/// One inbox file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the inbox, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the content (empty when the file was not read).
    pub sha256: String,
    /// Format told from the content.
    pub format: Format,
    /// What became of it.
    pub outcome: Outcome,
    /// Every problem noticed, errors and warnings, in file order.
    pub problems: Vec<Problem>,
}

/// The per-file verdict, before resolve.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Outcome {
    /// Not a return.
    Ignored {
        /// Why.
        reason: Reason,
        /// For a person.
        message: String,
    },
    /// A return that cannot be used.
    Rejected(Rejection),
    /// A readable return of a known State and questionnaire.
    Return(Box<ReturnRecord>),
}

/// A readable return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReturnRecord {
    /// The State (register code).
    pub iso3: String,
    /// Questionnaire id.
    pub questionnaire: String,
    /// Its instrument.
    pub instrument: Instrument,
    /// Whether the State is bound by the instrument as of the cycle's date.
    pub bound: bool,
    /// Template version declared.
    pub version: u32,
    /// Submission date.
    pub submitted: Option<Date>,
    /// Language declared.
    pub language: Option<Lang>,
    /// Focal point on the cover.
    pub focal_point: Option<FocalPoint>,
    /// Every answer row (never part of the record's serialized form: the
    /// run snapshot keeps answers apart, see [`crate::cache::Snapshot`]).
    #[serde(skip)]
    pub answers: Vec<Answer>,
    /// Required questions without a valid answer.
    pub required_missing: Vec<String>,
    /// Questions with a valid answer.
    pub answered: usize,
    /// Online submission id.
    pub instance_id: Option<String>,
    /// Online submission this one replaces.
    pub deprecated_id: Option<String>,
    /// SHA-256 of what the return says (cover and answers, not where): two
    /// files with the same content key say the same thing.
    pub content_key: String,
}

impl FileRecord {
    /// The return, if the file is one.
    pub fn as_return(&self) -> Option<&ReturnRecord> {
        match &self.outcome {
            Outcome::Return(r) => Some(r),
            _ => None,
        }
    }

    /// The State and questionnaire the file names, when known.
    pub fn names(&self) -> (Option<&str>, Option<&str>) {
        match &self.outcome {
            Outcome::Return(r) => (Some(&r.iso3), Some(&r.questionnaire)),
            Outcome::Rejected(rej) => (rej.iso3.as_deref(), rej.questionnaire.as_deref()),
            Outcome::Ignored { .. } => (None, None),
        }
    }
}
