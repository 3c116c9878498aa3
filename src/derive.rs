//! Derive: one need record per need question answered yes in a retained
//! return (SPEC 2, "derive").

use crate::cycle::Register;
use crate::model::{Instrument, Token};
use crate::normalize::Value;
use crate::provenance::SourceRef;
use crate::record::FileRecord;
use crate::resolve::Resolution;
use crate::schema::{Kind, Schemas};
use crate::validate::AnswerStatus;

/// A declared technical-assistance need.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Need {
    /// The State.
    pub iso3: String,
    /// Questionnaire id.
    pub questionnaire: String,
    /// Position of the question in the questionnaire (for sorting).
    pub order: usize,
    /// Question id.
    pub question: String,
    /// State name (register).
    pub state: String,
    /// Regional group code (empty for none).
    pub region: &'static str,
    /// Whether the State is bound by the instrument.
    pub bound: bool,
    /// Instrument.
    pub instrument: Instrument,
    /// Article.
    pub article: String,
    /// Priority area.
    pub priority_area: String,
    /// Assistance types requested (may be empty), in SPEC order.
    pub assistance_types: Vec<String>,
    /// Comment on the need.
    pub comment: String,
    /// File, relative to the inbox.
    pub source_file: String,
    /// Cell or element of the answer.
    pub source_ref: SourceRef,
    /// Cell or element where the assistance types were read.
    pub assistance_ref: Option<SourceRef>,
    /// Content hash of the file.
    pub sha256: String,
}

/// The needs declared in the retained returns, sorted by State, questionnaire and question order.
pub fn derive(
    records: &[FileRecord],
    resolution: &Resolution,
    schemas: &Schemas,
    register: &Register,
) -> Vec<Need> {
    let mut needs = Vec::new();
    for &i in resolution.retained.values() {
        let file = &records[i];
        let Some(ret) = file.as_return() else { continue };
        let Some(q) = schemas.questionnaire(&ret.questionnaire) else { continue };
        let party = register.get(&ret.iso3);
        for a in &ret.answers {
            let Some(idx) = a.index else { continue };
            let question = &q.questions[idx];
            if question.kind != Kind::Need
                || a.status != AnswerStatus::Valid
                || a.value != Some(Value::Token(Token::Yes))
            {
                continue;
            }
            needs.push(Need {
                iso3: ret.iso3.clone(),
                questionnaire: ret.questionnaire.clone(),
                order: idx,
                question: question.id.clone(),
                state: party.map_or_else(String::new, |p| p.name.clone()),
                region: party.map_or("", |p| p.region_code()),
                bound: ret.bound,
                instrument: ret.instrument,
                article: question.article.clone(),
                priority_area: question.priority_area.clone().unwrap_or_default(),
                assistance_types: a.assistance.clone(),
                comment: a.comment.clone().unwrap_or_default(),
                source_file: file.path.clone(),
                source_ref: a.source.clone(),
                assistance_ref: a.assistance_source.clone(),
                sha256: file.sha256.clone(),
            });
        }
    }
    needs.sort();
    needs
}
