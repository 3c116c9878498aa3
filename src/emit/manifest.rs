//! `manifest.jsonl`: one line per inbox file, whatever became of it.

use std::io::{self, Write};

use serde::Serialize;

use super::{Output, RunOutput};
use crate::model::Severity;
use crate::record::Outcome;
use crate::resolve::Status;

/// manifest.jsonl
pub struct ManifestJsonl;

#[derive(Serialize)]
struct Warning<'a> {
    severity: Severity,
    code: &'a str,
    #[serde(rename = "ref")]
    reference: String,
    message: &'a str,
}

#[derive(Serialize)]
struct Line<'a> {
    path: &'a str,
    sha256: &'a str,
    bytes: u64,
    format: &'a str,
    status: &'a str,
    reason: Option<&'a str>,
    message: String,
    iso3: Option<&'a str>,
    questionnaire: Option<&'a str>,
    warnings: Vec<Warning<'a>>,
}

impl Output for ManifestJsonl {
    fn file_name(&self) -> &'static str {
        "manifest.jsonl"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        for (i, r) in run.records.iter().enumerate() {
            let (status, reason, message) = match (&run.resolution.status[i], &r.outcome) {
                (_, Outcome::Ignored { reason, message }) => {
                    ("ignored", Some(reason.code()), message.clone())
                }
                (_, Outcome::Rejected(rej)) => ("rejected", Some(rej.reason.code()), rej.message.clone()),
                (Status::Superseded { reason, message }, _) => {
                    ("superseded", Some(reason.code()), message.clone())
                }
                (_, Outcome::Return(ret)) => {
                    let state = if ret.required_missing.is_empty() {
                        "complete".to_owned()
                    } else {
                        let n = ret.required_missing.len();
                        format!(
                            "incomplete, {n} required question{} without a valid answer",
                            if n == 1 { "" } else { "s" }
                        )
                    };
                    ("accepted", None, format!("{} questions answered; {state}", ret.answered))
                }
            };
            let (iso3, questionnaire) = r.names();
            let line = Line {
                path: &r.path,
                sha256: &r.sha256,
                bytes: r.bytes,
                format: r.format.code(),
                status,
                reason,
                message,
                iso3,
                questionnaire,
                warnings: r
                    .problems
                    .iter()
                    .map(|p| Warning {
                        severity: p.severity,
                        code: p.code,
                        reference: p.source.to_string(),
                        message: &p.message,
                    })
                    .collect(),
            };
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}
