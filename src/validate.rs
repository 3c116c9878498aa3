//! Validate: which answers count, and what is wrong with a return.
//!
//! Every answer row gets a status (`valid`, `blank`, `invalid`,
//! `unknown-question`, `duplicate`); every problem names its cell or element.
//! A required question without a valid answer makes the return incomplete;
//! optional questions never do (SPEC 6.4).

use crate::model::Problem;
use crate::normalize::{Normalized, Typed, Value};
use crate::provenance::SourceRef;
use crate::schema::{Kind, Questionnaire};

/// The status of one answer row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum AnswerStatus {
    /// A valid answer; it counts.
    Valid,
    /// Nothing given.
    Blank,
    /// Not an answer to the question.
    Invalid,
    /// The id is not a question of the questionnaire.
    UnknownQuestion,
    /// The question was already answered higher up; this row does not count.
    /// (A blank row is `Blank` wherever it stands: it never claims a
    /// question, so an answer below it counts.)
    Duplicate,
}

impl AnswerStatus {
    /// The code written in answers.csv.
    pub fn code(self) -> &'static str {
        match self {
            AnswerStatus::Valid => "valid",
            AnswerStatus::Blank => "blank",
            AnswerStatus::Invalid => "invalid",
            AnswerStatus::UnknownQuestion => "unknown-question",
            AnswerStatus::Duplicate => "duplicate",
        }
    }
}

/// One answer row, validated.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Answer {
    /// Question id (canonical when known).
    pub question: String,
    /// Index in the questionnaire, when known.
    pub index: Option<usize>,
    /// Question kind, when known.
    pub kind: Option<Kind>,
    /// Status.
    pub status: AnswerStatus,
    /// The typed value, when valid.
    pub value: Option<Value>,
    /// The raw answer.
    pub raw: String,
    /// Where the answer is.
    pub source: SourceRef,
    /// Assistance codes (need questions).
    pub assistance: Vec<String>,
    /// Where the assistance types were read.
    pub assistance_source: Option<SourceRef>,
    /// Comment.
    pub comment: Option<String>,
}

/// A validated return.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    /// Every answer row, in file order.
    pub answers: Vec<Answer>,
    /// Problems, in file order.
    pub problems: Vec<Problem>,
    /// Required questions without a valid answer, in questionnaire order.
    pub required_missing: Vec<String>,
    /// Number of questions with a valid answer.
    pub answered: usize,
}

/// Validates normalized answers against the questionnaire.
pub fn validate(normalized: Vec<Normalized>, questionnaire: &Questionnaire) -> Validated {
    let n = questionnaire.questions.len();
    let mut counted: Vec<Option<usize>> = vec![None; n]; // answer index that counts
    let mut first_blank: Vec<Option<usize>> = vec![None; n]; // the first blank row, if no answer
    let mut answers = Vec::with_capacity(normalized.len());
    let mut problems = Vec::new();
    for Normalized { question, answer: a } in normalized {
        problems.extend(a.problems.iter().cloned());
        let q = question.map(|i| &questionnaire.questions[i]);
        let (mut status, value) = match (&q, &a.typed) {
            (None, _) => (AnswerStatus::UnknownQuestion, None),
            (Some(_), Typed::Blank) => (AnswerStatus::Blank, None),
            (Some(_), Typed::Invalid(_)) => (AnswerStatus::Invalid, None),
            (Some(_), Typed::Value(v)) => (AnswerStatus::Valid, Some(v.clone())),
        };
        if let Some(i) = question {
            match counted[i] {
                // A blank row is no answer: it neither claims the question
                // (a later row may answer it) nor repeats an answer.
                _ if status == AnswerStatus::Blank => {
                    first_blank[i].get_or_insert(answers.len());
                }
                Some(first) => {
                    let first: &Answer = &answers[first];
                    problems.push(Problem::warning(
                        "duplicate-answer",
                        a.source.clone(),
                        format!(
                            "{} is answered again; the answer in {} counts",
                            a.question,
                            first.source.located()
                        ),
                    ));
                    status = AnswerStatus::Duplicate;
                }
                None => counted[i] = Some(answers.len()),
            }
        }
        match (&status, &a.typed, q) {
            (AnswerStatus::UnknownQuestion, _, _) => problems.push(Problem::warning(
                "unknown-question",
                a.source.clone(),
                format!("{:?} is not a question of {}; the row is not read", a.question, questionnaire.id),
            )),
            (AnswerStatus::Invalid, Typed::Invalid(why), _) => {
                problems.push(Problem::error("invalid-value", a.source.clone(), why.clone()));
            }
            _ => {}
        }
        answers.push(Answer {
            question: a.question,
            index: question,
            kind: q.map(|q| q.kind),
            status,
            value: if status == AnswerStatus::Valid { value } else { None },
            raw: a.raw,
            source: a.source,
            assistance: a.assistance,
            assistance_source: a.assistance_source,
            comment: a.comment,
        });
    }
    let mut required_missing = Vec::new();
    let mut answered = 0;
    for (i, q) in questionnaire.questions.iter().enumerate() {
        let valid = counted[i].is_some_and(|k| answers[k].status == AnswerStatus::Valid);
        if valid {
            answered += 1;
        } else if q.required {
            required_missing.push(q.id.clone());
            let (source, how) = match counted[i].or(first_blank[i]) {
                Some(k) => (answers[k].source.clone(), answers[k].status.code()),
                None => (SourceRef::File, "absent"),
            };
            let what = match how {
                "absent" => "has no answer row".to_owned(),
                "blank" => "is not answered".to_owned(),
                other => format!("has no valid answer ({other})"),
            };
            problems.push(Problem::error(
                "required-unanswered",
                source,
                format!("{} is required but {what}", q.id),
            ));
        }
    }
    Validated { answers, problems, required_missing, answered }
}
