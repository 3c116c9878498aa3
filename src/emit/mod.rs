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
pub mod phrases;
pub mod report_html;
pub mod report_xlsx;
pub mod summary;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

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
    /// Language of the label columns of needs.csv and compliance.csv, if any.
    pub labels: Option<crate::model::Lang>,
}

/// One output file.
pub trait Output: Send + Sync {
    /// File name inside the output folder.
    fn file_name(&self) -> &'static str;
    /// Writes the whole file.
    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()>;
}

/// Every output of a run, the longest to write first: they are written in
/// parallel, and report.xlsx (about half of the writing) started last
/// finished last, after the others.
pub fn outputs() -> Vec<Box<dyn Output>> {
    vec![
        Box::new(report_xlsx::ReportXlsx),
        Box::new(answers::AnswersCsv),
        Box::new(needs::NeedsCsv),
        Box::new(needs::NeedsJsonl),
        Box::new(report_html::ReportHtml),
        Box::new(manifest::ManifestJsonl),
        Box::new(compliance::ComplianceCsv),
        Box::new(compliance::FollowupCsv),
        Box::new(summary::SummaryJson),
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
///
/// The outputs are written and synced in a temporary folder beside `out`
/// (each output a task of the current rayon pool: they are independent),
/// which is then swapped with `out` in one step (Linux: `renameat2` with
/// `RENAME_EXCHANGE`), so that `out` is at every moment either the previous
/// outputs or the new ones, complete. Where the file system cannot exchange,
/// `out` is moved aside and the new folder renamed into place; a run killed
/// between those two renames leaves `out` missing, and the next run puts the
/// previous outputs back ([`recover`]).
pub fn write_all(out: &Path, run: &RunOutput<'_>) -> Result<(), EmitError> {
    let (parent, name) = parent_and_name(out);
    std::fs::create_dir_all(&parent).map_err(err(&parent))?;
    recover(out);
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.art32-tmp-{pid}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(err(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(err(&tmp))?;
    let result = (|| {
        // Every output is written before any is synced: the first fsync
        // then commits the file system's journal for all of them, where
        // syncing each as it was done cost one commit per output.
        let written: Vec<(PathBuf, std::fs::File)> = outputs()
            .par_iter()
            .map(|output| {
                let path = tmp.join(output.file_name());
                let started = std::time::Instant::now();
                let file = std::fs::File::create(&path).map_err(err(&path))?;
                let mut w = io::BufWriter::new(file);
                output.write(run, &mut w).map_err(err(&path))?;
                let file =
                    w.into_inner().map_err(|e| EmitError { path: path.clone(), source: e.into_error() })?;
                tracing::debug!(
                    output = output.file_name(),
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "output written"
                );
                fault_pause("written-one");
                Ok((path, file))
            })
            .collect::<Result<_, EmitError>>()?;
        let started = std::time::Instant::now();
        written.par_iter().try_for_each(|(path, file)| file.sync_all().map_err(err(path)))?;
        tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, "outputs synced");
        sync_dir(&tmp);
        fault_pause("before-swap");
        swap_into_place(&tmp, out, &parent, &name, pid)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Refuses an output folder that holds anything but art32's outputs.
///
/// The outputs replace the whole folder at once ([`write_all`]), so whatever
/// else it held would be lost: `--out .` in a cycle folder would take the
/// cycle file, the register and the inbox with it. A folder that does not
/// exist yet, an empty one, or one that holds only outputs of an earlier
/// run (and the lock and desktop files left beside them) is fine.
pub fn check_out(out: &Path) -> Result<(), EmitError> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        // Not a folder, or not readable: write_all says so, with its error.
        Err(_) => return Ok(()),
    };
    let ours: Vec<&'static str> = outputs().iter().map(|o| o.file_name()).collect();
    let mut foreign: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Office lock files (report.xlsx open in Excel) and the files a
        // desktop leaves in a folder it shows are not the officer's work.
        .filter(|name| !ours.contains(&name.as_str()) && crate::discover::ignored_by_name(name).is_none())
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
    let more = if foreign.len() > shown.len() {
        format!(" and {} more", foreign.len() - shown.len())
    } else {
        String::new()
    };
    Err(EmitError {
        path: out.to_path_buf(),
        source: io::Error::other(format!(
            "the output folder holds files art32 did not write ({}{more}); the outputs replace the whole folder, \
             so choose an empty folder, a new one, or the output folder of an earlier run",
            shown.join(", ")
        )),
    })
}

/// Refuses an output folder inside the inbox: the next run would list the
/// outputs as received files (and report.xlsx as a return that is not one).
pub fn check_out_of_inbox(out: &Path, inbox: &Path) -> Result<(), EmitError> {
    let Ok(inbox) = std::fs::canonicalize(inbox) else { return Ok(()) };
    // The output folder may not exist yet: its nearest existing ancestor,
    // resolved, then the rest of its path.
    let mut existing = out.to_path_buf();
    let mut rest = Vec::new();
    let resolved = loop {
        match std::fs::canonicalize(&existing) {
            Ok(p) => break p,
            Err(_) => match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_owned());
                    existing =
                        if parent.as_os_str().is_empty() { PathBuf::from(".") } else { parent.to_path_buf() };
                }
                _ => return Ok(()),
            },
        }
    };
    let out_resolved = rest.iter().rev().fold(resolved, |p, name| p.join(name));
    if out_resolved.starts_with(&inbox) {
        return Err(EmitError {
            path: out.to_path_buf(),
            source: io::Error::other(format!(
                "the output folder is inside the inbox ({}): the next run would read the outputs as received files",
                inbox.display()
            )),
        });
    }
    Ok(())
}

/// The folder that holds `out`, and `out`'s own name.
/// The output folder as a path whose last component names it: `--out .`,
/// `DIR/.` or `DIR/..` name a folder that cannot be renamed under those
/// names, so they are made absolute (`..` resolved); and a symbolic link to
/// a folder is the folder it names (the swap would replace the link, and
/// leave the folder it names as it was).
pub fn out_path(out: &Path) -> PathBuf {
    let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let clean: PathBuf = abs.components().collect();
    let is_link = std::fs::symlink_metadata(&clean).is_ok_and(|m| m.file_type().is_symlink());
    if is_link
        || clean.file_name().is_none()
        || clean.components().any(|c| c == std::path::Component::ParentDir)
    {
        // Resolved where the folder exists.
        if let Ok(real) = std::fs::canonicalize(&clean) {
            return real;
        }
    }
    clean
}

fn parent_and_name(out: &Path) -> (PathBuf, String) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    (parent, name)
}

/// Replaces `out` by `tmp`: swapped in one step where the file system can;
/// otherwise the old folder is moved aside, the new one renamed into place,
/// then the old one removed.
fn swap_into_place(tmp: &Path, out: &Path, parent: &Path, name: &str, pid: u32) -> Result<(), EmitError> {
    let had_old = out.exists();
    if had_old && !out.is_dir() {
        return Err(EmitError {
            path: out.to_path_buf(),
            source: io::Error::other("exists and is not a folder"),
        });
    }
    if had_old && exchange(tmp, out).map_err(err(out))? {
        // `out` holds the new outputs, `tmp` the previous ones.
        sync_dir(parent);
        fault_pause("after-exchange");
        if let Err(e) = std::fs::remove_dir_all(tmp) {
            tracing::warn!(folder = %tmp.display(), "cannot remove the previous outputs: {e}");
        }
        return Ok(());
    }
    let old = parent.join(format!(".{name}.art32-old-{pid}"));
    if had_old {
        std::fs::rename(out, &old).map_err(err(out))?;
        fault_pause("between-renames");
    }
    if let Err(e) = std::fs::rename(tmp, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        return Err(EmitError { path: out.to_path_buf(), source: e });
    }
    sync_dir(parent);
    if had_old {
        std::fs::remove_dir_all(&old).map_err(err(&old))?;
    }
    Ok(())
}

/// Repairs what runs killed while writing `out` left beside it: when `out`
/// is missing and a dead run's previous outputs are still set aside
/// (`.NAME.art32-old-PID`), they are put back; then the dead runs' temporary
/// and set-aside folders are removed. Folders of live processes are left
/// alone. Best effort: what cannot be restored or removed is logged and left.
pub fn recover(out: &Path) {
    let (parent, name) = parent_and_name(out);
    let Ok(entries) = std::fs::read_dir(&parent) else { return };
    let me = std::process::id();
    let mut leftovers: Vec<(bool, PathBuf)> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.art32-")) else { continue };
        let (set_aside, pid) = match (rest.strip_prefix("old-"), rest.strip_prefix("tmp-")) {
            (Some(pid), _) => (true, pid),
            (_, Some(pid)) => (false, pid),
            _ => continue,
        };
        // Our own pid: a dead run's, reused (this run has made nothing yet).
        match pid.parse::<u32>() {
            Ok(pid) if pid == me || !process_alive(pid) => leftovers.push((set_aside, entry.path())),
            _ => {}
        }
    }
    leftovers.sort();
    if std::fs::symlink_metadata(out).is_err()
        && let Some((_, old)) = leftovers.iter().rev().find(|(set_aside, _)| *set_aside)
    {
        match std::fs::rename(old, out) {
            Ok(()) => {
                tracing::warn!(out = %out.display(), "previous outputs restored (a run was killed while replacing them)")
            }
            Err(e) => tracing::warn!(folder = %old.display(), "cannot restore the previous outputs: {e}"),
        }
    }
    for (_, path) in leftovers {
        if path.exists()
            && let Err(e) = std::fs::remove_dir_all(&path)
        {
            tracing::warn!(folder = %path.display(), "cannot remove a killed run's leftover: {e}");
        }
    }
}

/// Flushes a folder's entries to disk (best effort: not every system can).
fn sync_dir(dir: &Path) {
    let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
}

/// Swaps two existing paths in one step; `Ok(false)` when the system or the
/// file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    if fault_injected("no-exchange") {
        return Ok(false);
    }
    let a = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both are NUL-terminated strings that outlive the call; relative
    // paths resolve against the working directory (AT_FDCWD), as in rename(2).
    let r = unsafe {
        libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE)
    };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

/// Swaps two existing paths in one step; `Ok(false)` when the system or the
/// file system cannot.
#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Whether process `pid` exists.
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 sends nothing; kill only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whether process `pid` exists (unknown here: leftovers count as dead, so
/// concurrent runs into one output folder are not supported).
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    false
}

/// Test builds only (feature `fault-injection`): whether the environment
/// variable `ART32_FAULT` (comma-separated) names `point`.
fn fault_injected(point: &str) -> bool {
    cfg!(feature = "fault-injection")
        && std::env::var("ART32_FAULT").is_ok_and(|v| v.split(',').any(|p| p == point))
}

/// Test builds only (feature `fault-injection`): when `ART32_FAULT` names
/// `point`, says so on stderr and waits there forever, for a test to kill
/// the process at that point. Does nothing in other builds.
fn fault_pause(point: &str) {
    if fault_injected(point) {
        eprintln!("art32-fault: paused at {point}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}
