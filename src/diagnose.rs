//! `art32 check FILE...`: compiler-style diagnostics for single returns,
//! without a cycle. The same per-file stages as a run, with no register: the
//! State is taken as written.

use std::io::{self, Write};
use std::path::Path;

use crate::bind::BindContext;
use crate::discover::{Candidate, EntryKind, Limits};
use crate::model::Severity;
use crate::pipeline::{FileContext, process_file};
use crate::record::Outcome;
use crate::schema::Schemas;

/// Checks each file and writes diagnostics to `out`; returns whether any file had errors.
pub fn check_files(
    files: &[&Path],
    schemas: &Schemas,
    limits: &Limits,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let ctx = FileContext {
        bind: BindContext { schemas, questionnaires: None, register: None },
        limits,
        party_as_of: None,
        cache: None,
        snapshot: None,
    };
    let mut files_with_errors = 0;
    for path in files {
        let shown = path.display().to_string();
        let kind = match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => EntryKind::Unreadable("a folder, not a file".into()),
            Ok(_) => EntryKind::File,
            Err(e) => EntryKind::Unreadable(e.to_string()),
        };
        let candidate = Candidate { rel: shown.clone(), path: path.to_path_buf(), kind, stamp: None };
        let record = process_file(&candidate, &ctx);
        let mut errors = 0;
        let mut warnings = 0;
        for p in &record.problems {
            let place = match p.source {
                crate::provenance::SourceRef::File => String::new(),
                ref s => format!("{}: ", s.located()),
            };
            match p.severity {
                Severity::Error => {
                    errors += 1;
                    writeln!(out, "{shown}: {place}{}", p.message)?;
                }
                Severity::Warning => {
                    warnings += 1;
                    writeln!(out, "{shown}: {place}warning: {}", p.message)?;
                }
            }
        }
        match &record.outcome {
            Outcome::Ignored { reason, message } => {
                errors += 1;
                writeln!(out, "{shown}: not a return ({}): {message}", reason.code())?;
            }
            Outcome::Rejected(r) => {
                errors += 1;
                writeln!(out, "{shown}: rejected ({}): {}", r.reason.code(), r.message)?;
            }
            Outcome::Return(r) => {
                let total = schemas.questionnaire(&r.questionnaire).map_or(0, |q| q.questions.len());
                writeln!(
                    out,
                    "{shown}: {} v{} from {}{}: {} of {total} questions answered, {}; {errors} error{}, {warnings} warning{}",
                    r.questionnaire,
                    r.version,
                    r.iso3,
                    r.language.map(|l| format!(" ({})", l.code())).unwrap_or_default(),
                    r.answered,
                    if r.required_missing.is_empty() {
                        "complete".to_owned()
                    } else {
                        format!("{} required unanswered", r.required_missing.len())
                    },
                    if errors == 1 { "" } else { "s" },
                    if warnings == 1 { "" } else { "s" },
                )?;
            }
        }
        if errors > 0 {
            files_with_errors += 1;
        }
    }
    writeln!(
        out,
        "{} file{} checked, {files_with_errors} with errors",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    )?;
    Ok(files_with_errors > 0)
}
