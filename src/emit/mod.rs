//! Emit: the output files of SPEC 7, written all or nothing.
//!
//! Each output is an [`Output`] in a file of its own. [`write_all`] writes
//! them into a temporary folder beside the output folder, then swaps it into
//! place, so a run that dies leaves the previous outputs whole. Every output
//! is sorted and free of clocks, hash-map order and thread scheduling: two
//! runs on the same inputs give byte-identical files.

pub mod answers;
pub mod compliance;
pub mod csv;
pub mod manifest;
pub mod needs;
pub mod report_html;
pub mod report_xlsx;
pub mod summary;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::check::{ComplianceRow, FollowupRow};
use crate::cycle::{Cycle, Register};
use crate::derive::Need;
use crate::record::FileRecord;
use crate::resolve::Resolution;
use crate::schema::Schemas;

/// Everything a run produced, for the outputs to write.
#[derive(Debug, Clone, Copy)]
pub struct RunOutput<'a> {
    /// The cycle.
    pub cycle: &'a Cycle,
    /// Questionnaires and vocabulary.
    pub schemas: &'a Schemas,
    /// The register.
    pub register: &'a Register,
    /// Every inbox file, sorted by path.
    pub records: &'a [FileRecord],
    /// Which returns count.
    pub resolution: &'a Resolution,
    /// Declared needs.
    pub needs: &'a [Need],
    /// Compliance rows.
    pub compliance: &'a [ComplianceRow],
    /// Follow-up rows.
    pub followup: &'a [FollowupRow],
}

/// One output file.
pub trait Output {
    /// File name inside the output folder.
    fn file_name(&self) -> &'static str;
    /// Writes the whole file.
    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()>;
}

/// Every output of a run, in the order they are written.
pub fn outputs() -> Vec<Box<dyn Output>> {
    vec![
        Box::new(needs::NeedsCsv),
        Box::new(needs::NeedsJsonl),
        Box::new(answers::AnswersCsv),
        Box::new(compliance::ComplianceCsv),
        Box::new(compliance::FollowupCsv),
        Box::new(manifest::ManifestJsonl),
        Box::new(summary::SummaryJson),
        Box::new(report_xlsx::ReportXlsx),
        Box::new(report_html::ReportHtml),
    ]
}

/// Failure to write the outputs.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct EmitError {
    /// The path that failed.
    pub path: PathBuf,
    /// The I/O error.
    pub source: io::Error,
}

fn err(path: &Path) -> impl FnOnce(io::Error) -> EmitError + '_ {
    move |source| EmitError { path: path.to_path_buf(), source }
}

/// Writes every output into `out`, atomically replacing what was there.
pub fn write_all(out: &Path, run: &RunOutput<'_>) -> Result<(), EmitError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(err(&parent))?;
    let name = out.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.art32-tmp-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(err(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(err(&tmp))?;
    let result = (|| {
        for output in outputs() {
            let path = tmp.join(output.file_name());
            let file = std::fs::File::create(&path).map_err(err(&path))?;
            let mut w = io::BufWriter::new(file);
            output.write(run, &mut w).map_err(err(&path))?;
            let file =
                w.into_inner().map_err(|e| EmitError { path: path.clone(), source: e.into_error() })?;
            file.sync_all().map_err(err(&path))?;
        }
        swap_into_place(&tmp, out, &parent, &name, pid)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Replaces `out` by `tmp`: the old folder is moved aside, the new one
/// renamed into place, then the old one removed.
fn swap_into_place(tmp: &Path, out: &Path, parent: &Path, name: &str, pid: u32) -> Result<(), EmitError> {
    let old = parent.join(format!(".{name}.art32-old-{pid}"));
    let had_old = out.exists();
    if had_old {
        if !out.is_dir() {
            return Err(EmitError {
                path: out.to_path_buf(),
                source: io::Error::other("exists and is not a folder"),
            });
        }
        std::fs::rename(out, &old).map_err(err(out))?;
    }
    if let Err(e) = std::fs::rename(tmp, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        return Err(EmitError { path: out.to_path_buf(), source: e });
    }
    if had_old {
        std::fs::remove_dir_all(&old).map_err(err(&old))?;
    }
    Ok(())
}
