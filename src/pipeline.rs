//! The only module that knows the order of the stages (SPEC 2):
//!
//! discover -> ingest -> bind -> normalize -> validate -> resolve -> derive -> check -> emit
//!
//! The per-file stages run in parallel (rayon), one file in memory per worker;
//! what comes back is a small [`FileRecord`]. The whole-cycle stages then run
//! on records sorted by path, so the outputs never depend on the thread count
//! or on the order files were found in.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::bind::{BindContext, bind};
use crate::check::{ComplianceRow, ComplianceStatus, FollowupRow, check};
use crate::cycle::{Cycle, CycleError, Register, load_focal_points};
use crate::derive::{Need, derive};
use crate::discover::{self, Candidate, Limits, Verdict};
use crate::emit::{self, EmitError, RunOutput};
use crate::model::{Date, Format, Reason, Rejection};
use crate::normalize;
use crate::record::{FileRecord, Outcome, ReturnRecord};
use crate::resolve::{Resolution, Status, resolve};
use crate::schema::{SchemaErrors, Schemas};
use crate::validate::validate;

/// A validated `art32 run` configuration.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The cycle folder.
    pub cycle_dir: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Input limits.
    pub limits: Limits,
    /// Language of the label columns added to needs.csv and compliance.csv.
    pub labels: Option<crate::model::Lang>,
    /// Remove focal points' names, e-mails and phones from every output.
    pub redact: bool,
    /// Folder of the ingest cache (`None`: no cache).
    pub cache: Option<PathBuf>,
}

/// Why a run could not do its job (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// cycle.toml, parties.csv or focal-points.csv.
    #[error("{0}")]
    Cycle(#[from] CycleError),
    /// The schemas folder.
    #[error("invalid schemas:\n{0}")]
    Schema(#[from] SchemaErrors),
    /// The inbox folder cannot be listed.
    #[error("cannot read the inbox {}: {source}", path.display())]
    Inbox {
        /// The inbox.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The outputs cannot be written.
    #[error("{0}")]
    Emit(#[from] EmitError),
    /// The thread pool cannot be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// What a finished run reports to the person who ran it.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Files per manifest status: accepted, superseded, rejected, ignored.
    pub files: [usize; 4],
    /// Compliance rows per status: complete, incomplete, missing.
    pub compliance: [usize; 3],
    /// Needs declared.
    pub needs: usize,
    /// States to follow up.
    pub followup: usize,
    /// The output folder.
    pub out: PathBuf,
}

/// Told how the per-file work advances: a progress bar on a terminal, or nothing.
pub trait Progress: Sync {
    /// The number of files about to be processed.
    fn start(&self, _total: u64) {}
    /// One more file done.
    fn advance(&self) {}
    /// All files done.
    fn finish(&self) {}
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// What the per-file stages need.
#[derive(Debug, Clone, Copy)]
pub struct FileContext<'a> {
    /// Binding context (schemas, accepted questionnaires, register).
    pub bind: BindContext<'a>,
    /// Limits.
    pub limits: &'a Limits,
    /// The date on which parties must be bound (`None` outside a cycle).
    pub party_as_of: Option<Date>,
    /// The ingest cache, if any.
    pub cache: Option<&'a crate::cache::Cache>,
    /// The records of the last run under the same context, if any.
    pub snapshot: Option<&'a crate::cache::Snapshot>,
}

/// Runs the batch on a cycle folder.
pub fn run(config: &RunConfig, progress: &dyn Progress) -> Result<RunReport, RunError> {
    let phase = Phases::start();
    // Repair what a run killed while replacing the outputs may have left,
    // then make sure that replacing the output folder loses nothing.
    emit::recover(&config.out);
    emit::check_out(&config.out)?;
    let cycle = Cycle::load(&config.cycle_dir)?;
    emit::check_out_of_inbox(&config.out, &cycle.inbox)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build().map_err(|_| RunError::Threads(config.threads.unwrap_or(0)))?;
    // The schemas, the register, the inbox listing and the cache's snapshot
    // depend on the cycle file alone: they are read at the same time, and
    // their errors reported in this order.
    let ((schemas, register), (candidates, (cache, context, snapshot))) = pool.install(|| {
        rayon::join(
            || {
                rayon::join(
                    || Schemas::load(&cycle.schemas),
                    || {
                        Register::load(&cycle.parties).and_then(|register| {
                            let focal_points =
                                load_focal_points(&cycle.focal_points, cycle.focal_points_named, &register)?;
                            Ok((register, focal_points))
                        })
                    },
                )
            },
            || {
                let candidates = discover::list(&cycle.inbox, &config.limits);
                let cache = config
                    .cache
                    .as_deref()
                    .and_then(|d| crate::cache::Cache::open(d, &cycle.schemas, &config.limits));
                let context = cache.as_ref().and_then(|_| {
                    crate::cache::context(&cycle.dir.join("cycle.toml"), &cycle.parties, &cycle.schemas)
                });
                let snapshot =
                    cache.as_ref().zip(context.as_deref()).and_then(|(c, ctx)| c.load_snapshot(ctx));
                (candidates, (cache, context, snapshot))
            },
        )
    });
    let schemas = schemas?;
    check_cycle_questionnaires(&cycle, &schemas)?;
    let (register, focal_points) = register?;
    let candidates = candidates.map_err(|source| RunError::Inbox { path: cycle.inbox.clone(), source })?;
    tracing::info!(files = candidates.len(), inbox = %cycle.inbox.display(), "discovered");
    phase.done("cycle, schemas and register loaded, inbox listed, cache opened");
    let ctx = FileContext {
        bind: BindContext {
            schemas: &schemas,
            questionnaires: Some(&cycle.questionnaires),
            register: Some(&register),
        },
        limits: &config.limits,
        party_as_of: Some(cycle.party_as_of),
        cache: cache.as_ref(),
        snapshot: snapshot.as_ref(),
    };
    progress.start(candidates.len() as u64);
    let Gathered { records, resolution, changed, stored, retained } =
        pool.install(|| per_file(&candidates, &ctx, progress));
    phase.done("files read");
    if let Some(s) = cache.as_ref().map(crate::cache::Cache::stats) {
        tracing::info!(
            hits = s.hits,
            misses = s.misses,
            invalid = s.invalid,
            reused = s.reused,
            unread = s.unread,
            "ingest cache"
        );
    }
    // The next run reuses these records; a run that reused every record of
    // the snapshot, and only those, has nothing new to store.
    let hashed = records.iter().filter(|r| !r.sha256.is_empty()).count();
    let same = !changed && snapshot.as_ref().is_some_and(|s| s.len() == hashed && !s.restamped());
    let store_snapshot = || {
        if let (Some(cache), Some(context), false) = (cache.as_ref(), context.as_deref(), same) {
            cache.store_snapshot(
                context,
                &records,
                |i| retained.contains(&i),
                |i| stored[i],
                |i| candidates.get(i).and_then(|c| c.stamp),
            );
        }
    };
    progress.finish();
    let needs = derive(&records, &resolution, &schemas, &register);
    let (compliance, followup) = check(&cycle, &schemas, &register, &focal_points, &records, &resolution);
    phase.done("needs derived, compliance checked");
    let redacted = config.redact.then(|| {
        let r = crate::redact::Redactor::new(&focal_points, &records);
        (r.records(&records), r.needs(&needs), r.followup(&followup))
    });
    let (out_records, out_needs, out_followup) = match &redacted {
        Some((r, n, f)) => (r.as_slice(), n.as_slice(), f.as_slice()),
        None => (records.as_slice(), needs.as_slice(), followup.as_slice()),
    };
    let output = RunOutput {
        cycle: &cycle,
        schemas: &schemas,
        register: &register,
        records: out_records,
        resolution: &resolution,
        needs: out_needs,
        compliance: &compliance,
        followup: out_followup,
        labels: config.labels,
    };
    // The snapshot is written while the outputs are.
    let ((), written) =
        pool.install(|| rayon::join(store_snapshot, || emit::write_all(&config.out, &output)));
    written?;
    phase.done("outputs written");
    Ok(report(&records, &resolution, &needs, &compliance, &followup, &config.out))
}

/// Logs, at debug level (`-vv`), how long each phase of a run took.
struct Phases {
    last: std::cell::Cell<std::time::Instant>,
}

impl Phases {
    fn start() -> Self {
        Phases { last: std::cell::Cell::new(std::time::Instant::now()) }
    }

    fn done(&self, what: &str) {
        let now = std::time::Instant::now();
        let ms = now.duration_since(self.last.replace(now)).as_secs_f64() * 1e3;
        tracing::debug!(ms = format_args!("{ms:.1}"), "{what}");
    }
}

fn check_cycle_questionnaires(cycle: &Cycle, schemas: &Schemas) -> Result<(), RunError> {
    for id in &cycle.questionnaires {
        if !schemas.questionnaires.iter().any(|q| &q.id == id) {
            return Err(RunError::Cycle(CycleError {
                file: cycle.dir.join("cycle.toml"),
                line: None,
                message: format!("questionnaire {id:?} is not defined in {}", cycle.schemas.display()),
            }));
        }
    }
    Ok(())
}

/// The per-file stages on every candidate, in the current rayon pool.
fn per_file(candidates: &[Candidate], ctx: &FileContext<'_>, progress: &dyn Progress) -> Gathered {
    let reducer = std::sync::Mutex::new(Reducer::new(candidates.len()));
    candidates.par_iter().enumerate().for_each(|(i, c)| {
        let (record, from) = process(c, ctx);
        // A poisoned lock only means another worker panicked outside
        // process_file; the records themselves are whole.
        reducer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add(i, record, from);
        progress.advance();
        release_freed_memory();
    });
    let reducer = reducer.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    reducer.finish(candidates, ctx)
}

/// Gathers the records as the workers finish them, keeping memory flat: of
/// the returns of one (State, questionnaire) read in this run, only the
/// likely winner keeps its answers, which are most of a record's size; the
/// others keep what resolve, check and the manifest need. (Records taken
/// from the snapshot hold answers only if the last run retained them.) The
/// likely winner is the greatest by (submitted, answered, sha256), the first
/// by path among byte-identical files: what resolve retains unless an
/// online edit or a re-sent submission decides otherwise ([`crate::resolve`]). When resolve retains a
/// return whose answers were dropped, [`Reducer::finish`] reads that file
/// again. The greatest of a set does not depend on the order its members
/// arrive in, so neither does the result.
struct Reducer {
    records: Vec<Option<FileRecord>>,
    /// Per (iso3, questionnaire): the index of the return holding answers.
    leader: crate::FastMap<(String, String), usize>,
    /// Indices of returns whose answers were dropped (or, taken from the
    /// snapshot, never there).
    dropped: Vec<bool>,
    /// Whether a record did not come from the snapshot.
    changed: bool,
    /// Indices of records whose answers came from their snapshot entry.
    stored: Vec<bool>,
}

/// What the per-file stages give the rest of the run.
struct Gathered {
    /// Every record, in candidate order; the retained returns with answers.
    records: Vec<FileRecord>,
    /// Which returns count.
    resolution: Resolution,
    /// Whether any record was read in this run, not taken from the snapshot.
    changed: bool,
    /// Per record: whether its answers came from its snapshot entry.
    stored: Vec<bool>,
    /// Indices of the retained returns (the records that hold answers).
    retained: std::collections::HashSet<usize>,
}

/// Where a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The file was read by the per-file stages.
    Read,
    /// The snapshot, with the return's answers.
    Kept,
    /// The snapshot, without them.
    KeptWithoutAnswers,
}

type Standing<'a> = (Option<Date>, usize, &'a str, std::cmp::Reverse<&'a str>);

fn standing(record: &FileRecord) -> Option<Standing<'_>> {
    let ret = record.as_return()?;
    Some((ret.submitted, ret.answered, record.sha256.as_str(), std::cmp::Reverse(record.path.as_str())))
}

impl Reducer {
    fn new(n: usize) -> Self {
        Reducer {
            records: vec![None; n],
            leader: crate::FastMap::default(),
            dropped: vec![false; n],
            changed: false,
            stored: vec![false; n],
        }
    }

    fn add(&mut self, i: usize, mut record: FileRecord, from: Origin) {
        self.changed |= from == Origin::Read;
        if from == Origin::Kept
            && let Some(s) = self.stored.get_mut(i)
        {
            *s = true;
        }
        if from == Origin::KeptWithoutAnswers
            && let Some(d) = self.dropped.get_mut(i)
        {
            *d = true;
        }
        // Only records read in this run compete: one from the snapshot kept
        // its answers because the last run retained it (at most one per
        // State and questionnaire), and one without them has none to drop.
        if from == Origin::Read
            && let Some(ret) = record.as_return()
        {
            let key = (ret.iso3.clone(), ret.questionnaire.clone());
            match self.leader.get(&key).copied() {
                None => {
                    self.leader.insert(key, i);
                }
                Some(lead) => {
                    let ahead = match self.records.get(lead).and_then(Option::as_ref) {
                        Some(current) => standing(&record) > standing(current),
                        None => true,
                    };
                    if ahead {
                        if let Some(Some(current)) = self.records.get_mut(lead) {
                            drop_answers(current);
                            self.dropped[lead] = true;
                        }
                        self.leader.insert(key, i);
                    } else {
                        drop_answers(&mut record);
                        self.dropped[i] = true;
                    }
                }
            }
        }
        if let Some(slot) = self.records.get_mut(i) {
            *slot = Some(record);
        }
    }

    /// The records in candidate order, every retained return with its
    /// answers (read again when they were dropped), and their resolution.
    fn finish(self, candidates: &[Candidate], ctx: &FileContext<'_>) -> Gathered {
        let Reducer { records, mut dropped, mut changed, mut stored, .. } = self;
        let mut records: Vec<FileRecord> = records
            .into_iter()
            .zip(candidates)
            .map(|(r, c)| r.unwrap_or_else(|| process_file(c, &FileContext { snapshot: None, ..*ctx })))
            .collect();
        // Each pass either restores a retained return's answers or, if its
        // file changed meanwhile, rejects it: it ends.
        loop {
            let resolution = resolve(&records);
            let missing: Vec<usize> = resolution.retained.values().copied().filter(|&i| dropped[i]).collect();
            if missing.is_empty() {
                // Answers are kept for the retained returns only.
                let retained: std::collections::HashSet<usize> =
                    resolution.retained.values().copied().collect();
                for (i, r) in records.iter_mut().enumerate() {
                    if !dropped[i] && !retained.contains(&i) {
                        drop_answers(r);
                    }
                }
                return Gathered { records, resolution, changed, stored, retained };
            }
            tracing::debug!(files = missing.len(), "reading retained returns again for their answers");
            changed = true;
            let fresh = FileContext { snapshot: None, ..*ctx };
            for i in missing {
                dropped[i] = false;
                stored[i] = false;
                let again = process_file(&candidates[i], &fresh);
                records[i] = if again.sha256 == records[i].sha256 {
                    again
                } else {
                    FileRecord {
                        outcome: Outcome::Rejected(Rejection::new(
                            Reason::Unreadable,
                            "the file changed while art32 was reading it: run art32 again",
                        )),
                        ..again
                    }
                };
            }
        }
    }
}

fn drop_answers(record: &mut FileRecord) {
    if let Outcome::Return(ret) = &mut record.outcome {
        ret.answers = Vec::new();
    }
}

/// Keeps this process's memory off transparent huge pages (Linux; elsewhere
/// nothing). Under mimalloc, which the art32 binary and the benchmark's
/// floor allocate with, 2 MiB pages were freed and faulted anew, and the
/// kernel spent up to a third of a cold run clearing them; without them a
/// run on 10,000 returns peaks at 45 MB instead of 85-92 MB and takes about
/// 5% less time. Call it first thing in `main`.
pub fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process, which the
    // kernel reads when it backs a page fault.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Hands the memory freed by the per-file work back to the system now and
/// then. Each file's parse allocates and frees many small blocks between the
/// few that its record keeps; glibc keeps the pages those records pin, so the
/// resident size of a run grew with its number of files, not with its
/// records. `malloc_trim` releases the free pages (every 256 files, on each
/// worker; a few milliseconds a time). This is for glibc's allocator, which
/// the library's users (and its tests) may run on: the art32 binary
/// allocates with mimalloc (`src/main.rs`), which returns freed pages to the
/// system by itself, and for which this call finds glibc's heap nearly
/// empty and returns at once.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::cell::Cell;
        thread_local!(static FILES: Cell<u32> = const { Cell::new(0) });
        let n = FILES.with(|f| {
            f.set(f.get().wrapping_add(1));
            f.get()
        });
        if n.is_multiple_of(256) {
            // SAFETY: malloc_trim only returns free heap pages to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    }
}

/// Runs the per-file stages on one inbox entry; a panic becomes an
/// `internal-error` rejection instead of ending the batch, logged as one
/// line naming the file, without the panic's own report or backtrace.
pub fn process_file(c: &Candidate, ctx: &FileContext<'_>) -> FileRecord {
    process(c, ctx).0
}

/// [`process_file`], and where the record came from.
fn process(c: &Candidate, ctx: &FileContext<'_>) -> (FileRecord, Origin) {
    match guarded(|| process_file_inner(c, ctx)) {
        Ok(record) => record,
        Err((payload, at)) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = at.unwrap_or_default();
            tracing::error!(
                file = %c.rel,
                panic = %what.escape_debug(),
                at = %at,
                "internal error while reading this file"
            );
            let record = FileRecord {
                path: c.rel.clone(),
                bytes: std::fs::symlink_metadata(&c.path).map_or(0, |m| m.len()),
                sha256: String::new(),
                format: Format::Unknown,
                outcome: Outcome::Rejected(Rejection::new(
                    Reason::InternalError,
                    "art32 failed on this file (a bug): please report it with the file",
                )),
                problems: Vec::new(),
            };
            (record, Origin::Read)
        }
    }
}

/// Runs `f`, a library's reading of a file's bytes; a panic in it (calamine
/// panics on some malformed xls and xlsb records) comes back as `None`,
/// without the panic's own report, so that the file can be rejected as
/// what it is (`corrupt`) rather than as a bug of art32.
pub fn catch_reader_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    guarded(f).ok()
}

/// Runs `f` under `catch_unwind`, the panic hook kept quiet: a panic comes
/// back with its payload and where it happened.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, (Box<dyn std::any::Any + Send>, Option<String>)> {
    quiet_file_panics();
    IN_FILE.with(|n| n.set(n.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_FILE.with(|n| n.set(n.get().saturating_sub(1)));
    result.map_err(|payload| (payload, PANIC_AT.with(|p| p.take())))
}

thread_local! {
    /// How deep this thread is in [`process_file`] (rayon may nest jobs).
    static IN_FILE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Where the last caught panic of this thread happened.
    static PANIC_AT: std::cell::Cell<Option<String>> = const { std::cell::Cell::new(None) };
}

/// Installs, once per process, a panic hook that keeps quiet about panics
/// inside [`process_file`] (it only notes where they happened, for the one
/// log line `process_file` writes) and hands every other panic to the
/// previous hook, so that a bug elsewhere still reports as usual.
fn quiet_file_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_FILE.try_with(std::cell::Cell::get).unwrap_or(0) > 0 {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                let _ = PANIC_AT.try_with(|p| p.set(at));
            } else {
                previous(info);
            }
        }));
    });
}

/// Test builds only (feature `fault-injection`): the per-file stages panic
/// on a file whose path contains `__art32_panic__`, so that a test can prove
/// that [`process_file`] turns a panic into an `internal-error` rejection.
#[cfg(feature = "fault-injection")]
#[allow(clippy::panic)] // the deliberate fault, compiled only with the feature
fn inject_fault(rel: &str) {
    if rel.contains("__art32_panic__") {
        panic!("injected fault (feature fault-injection)");
    }
}

fn process_file_inner(c: &Candidate, ctx: &FileContext<'_>) -> (FileRecord, Origin) {
    // A file the last run saw, unchanged since: not even read.
    if let (Some(snapshot), Some(cache), Some(stamp)) = (ctx.snapshot, ctx.cache, c.stamp.as_ref())
        && let Some(kept) = snapshot.take_unchanged(&c.rel, stamp)
    {
        cache.count_unread();
        return reuse(kept, snapshot, cache);
    }
    let (examined, verdict) = match discover::read(c, ctx.limits) {
        Err(settled) => *settled,
        Ok((bytes, sha256)) => {
            // A file the last run saw, at the same path with the same bytes.
            if let (Some(snapshot), Some(cache)) = (ctx.snapshot, ctx.cache)
                && let Some(kept) = snapshot.take(&c.rel, &sha256, c.stamp)
            {
                return reuse(kept, snapshot, cache);
            }
            crate::cache::judge(ctx.cache, c, bytes, sha256, ctx.limits)
        }
    };
    #[cfg(feature = "fault-injection")]
    inject_fault(&c.rel);
    let (bytes, size, sha256, format) = match examined {
        // The stored copy of a zip container, when discover made one, is
        // read instead of the file: its entries are then inflated once.
        Some(e) => (e.unpacked.unwrap_or(e.bytes), e.size, e.sha256, e.format),
        None => (Vec::new(), 0, String::new(), Format::Unknown),
    };
    let mut record = FileRecord {
        path: c.rel.clone(),
        bytes: size,
        sha256,
        format,
        outcome: Outcome::Rejected(Rejection::new(Reason::InternalError, "not processed")),
        problems: Vec::new(),
    };
    record.outcome = match verdict {
        Verdict::Ignore(reason, message) => Outcome::Ignored { reason, message },
        Verdict::Reject(r) => Outcome::Rejected(r),
        Verdict::Process => read_return(&bytes, &record.sha256, format, &c.rel, ctx, &mut record.problems),
    };
    crate::model::cap_problems(&mut record.problems);
    tracing::debug!(file = %c.rel, "processed");
    (record, Origin::Read)
}

/// The record the last run made of a file, with its answers if they were
/// stored.
fn reuse(
    kept: crate::cache::Kept,
    snapshot: &crate::cache::Snapshot,
    cache: &crate::cache::Cache,
) -> (FileRecord, Origin) {
    cache.count_reused();
    let mut record = kept.record;
    let answers = kept.answers.then(|| cache.load_answers(snapshot, &record)).flatten();
    let origin = match (answers, &mut record.outcome) {
        (Some(answers), Outcome::Return(ret)) => {
            ret.answers = answers;
            Origin::Kept
        }
        _ => Origin::KeptWithoutAnswers,
    };
    (record, origin)
}

/// ingest -> bind -> normalize -> validate for one file's bytes.
pub fn read_return(
    bytes: &[u8],
    sha256: &str,
    format: Format,
    rel: &str,
    ctx: &FileContext<'_>,
    problems: &mut Vec<crate::model::Problem>,
) -> Outcome {
    let vocab = &ctx.bind.schemas.vocabulary;
    let raw = match crate::cache::ingest_cached(ctx.cache, sha256, bytes, format, vocab, ctx.limits) {
        Ok(raw) => raw,
        Err(mut r) => {
            // A broken return still says whose it is (SPEC 6.4: the
            // `rejected-files` flag of the State and questionnaire it names).
            if format == Format::Xml && r.iso3.is_none() && r.questionnaire.is_none() {
                (r.iso3, r.questionnaire) = crate::bind::named(&crate::ingest::xml::named(bytes), &ctx.bind);
            }
            return Outcome::Rejected(r);
        }
    };
    problems.extend(raw.problems.iter().cloned());
    let bound = match bind(&raw, &ctx.bind, rel, format) {
        Ok(b) => b,
        Err(r) => return Outcome::Rejected(r),
    };
    problems.extend(bound.problems.iter().cloned());
    let q = bound.questionnaire;
    let normalized = normalize::return_answers(&raw.answers, q, &ctx.bind.schemas.vocabulary, bound.language);
    let validated = validate(normalized, q);
    problems.extend(validated.problems);
    let is_bound = match (ctx.bind.register, ctx.party_as_of) {
        (Some(reg), Some(as_of)) => {
            reg.get(&bound.state.iso3).is_some_and(|p| p.is_bound(q.instrument, as_of))
        }
        _ => false,
    };
    let content_key = content_key(q.id.as_str(), &bound, &validated.answers);
    Outcome::Return(Box::new(ReturnRecord {
        iso3: bound.state.iso3,
        questionnaire: q.id.clone(),
        instrument: q.instrument,
        bound: is_bound,
        version: bound.version,
        submitted: bound.submitted,
        language: bound.language,
        focal_point: bound.focal_point,
        answers: validated.answers,
        required_missing: validated.required_missing,
        answered: validated.answered,
        instance_id: raw.instance_id,
        deprecated_id: raw.deprecated_id,
        content_key,
    }))
}

/// A hash of what a return says, independent of the file's layout and format.
fn content_key(
    questionnaire: &str,
    bound: &crate::bind::Bound<'_>,
    answers: &[crate::validate::Answer],
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update(s.len().to_le_bytes());
        h.update(s.as_bytes());
    };
    put(questionnaire);
    put(&bound.state.iso3);
    put(&bound.version.to_string());
    put(&bound.submitted.map(|d| d.to_string()).unwrap_or_default());
    for a in answers {
        put(&a.question);
        put(a.status.code());
        match &a.value {
            Some(v) => put(&v.render()),
            None => put(&a.raw),
        }
        put(&a.assistance.join(";"));
        put(a.comment.as_deref().unwrap_or(""));
    }
    crate::discover::hex(&h.finalize())
}

fn report(
    records: &[FileRecord],
    resolution: &Resolution,
    needs: &[Need],
    compliance: &[ComplianceRow],
    followup: &[FollowupRow],
    out: &Path,
) -> RunReport {
    let mut r = RunReport {
        needs: needs.len(),
        followup: followup.len(),
        out: out.to_path_buf(),
        ..Default::default()
    };
    for (i, rec) in records.iter().enumerate() {
        let k = match (&resolution.status[i], &rec.outcome) {
            (_, Outcome::Ignored { .. }) => 3,
            (_, Outcome::Rejected(_)) => 2,
            (Status::Superseded { .. }, _) => 1,
            _ => 0,
        };
        r.files[k] += 1;
    }
    for row in compliance {
        let k = match row.status {
            ComplianceStatus::Complete => 0,
            ComplianceStatus::Incomplete => 1,
            ComplianceStatus::Missing => 2,
        };
        r.compliance[k] += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Instrument;
    use crate::provenance::SourceRef;
    use crate::validate::{Answer, AnswerStatus};

    fn ret(path: &str, sha: &str, day: u32, answered: usize) -> FileRecord {
        let answer = Answer {
            question: "UNTOC.5.1".into(),
            index: Some(1),
            kind: None,
            status: AnswerStatus::Valid,
            value: None,
            raw: path.into(),
            source: SourceRef::cell("Answers", 4, 2),
            assistance: Vec::new(),
            assistance_source: None,
            comment: None,
        };
        FileRecord {
            path: path.into(),
            bytes: 1,
            sha256: sha.into(),
            format: Format::Xlsx,
            outcome: Outcome::Return(Box::new(ReturnRecord {
                iso3: "FRA".into(),
                questionnaire: "UNTOC-2026".into(),
                instrument: Instrument::Untoc,
                bound: true,
                version: 1,
                submitted: Date::new(2026, 3, day),
                language: None,
                focal_point: None,
                answers: vec![answer],
                required_missing: Vec::new(),
                answered,
                instance_id: None,
                deprecated_id: None,
                content_key: sha.into(),
            })),
            problems: Vec::new(),
        }
    }

    fn has_answers(r: &FileRecord) -> bool {
        r.as_return().is_some_and(|r| !r.answers.is_empty())
    }

    /// All the orders of `n` indices.
    fn orders(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![Vec::new()];
        }
        let mut out = Vec::new();
        for rest in orders(n - 1) {
            for at in 0..=rest.len() {
                let mut o = rest.clone();
                o.insert(at, n - 1);
                out.push(o);
            }
        }
        out
    }

    #[test]
    fn the_same_return_keeps_its_answers_whatever_order_the_records_arrive_in() {
        // The latest; then more answers on an earlier date; a byte-identical
        // copy of the latest under a later path; an earlier one.
        let records = [
            ret("a/late.xlsx", "cc", 9, 10),
            ret("b/early-full.xlsx", "dd", 5, 40),
            ret("c/late-copy.xlsx", "cc", 9, 10),
            ret("d/earliest.xlsx", "ee", 1, 40),
        ];
        for order in orders(records.len()) {
            let mut reducer = Reducer::new(records.len());
            for &i in &order {
                reducer.add(i, records[i].clone(), Origin::Read);
            }
            let kept: Vec<bool> =
                reducer.records.iter().map(|r| r.as_ref().is_some_and(has_answers)).collect();
            assert_eq!(kept, [true, false, false, false], "order {order:?}");
            assert_eq!(reducer.dropped, [false, true, true, true], "order {order:?}");
            assert!(reducer.changed);
        }
    }

    #[test]
    fn records_from_the_snapshot_keep_what_they_had_and_do_not_compete() {
        let mut reducer = Reducer::new(3);
        let mut without = ret("a/late.xlsx", "cc", 9, 10);
        drop_answers(&mut without);
        reducer.add(0, without, Origin::KeptWithoutAnswers);
        reducer.add(1, ret("b/retained.xlsx", "dd", 5, 40), Origin::Kept);
        reducer.add(2, ret("c/new.xlsx", "ee", 1, 40), Origin::Read);
        let kept: Vec<bool> = reducer.records.iter().map(|r| r.as_ref().is_some_and(has_answers)).collect();
        // The new file is the only one read: it leads, and keeps its answers.
        assert_eq!(kept, [false, true, true]);
        assert_eq!(reducer.dropped, [true, false, false]);
    }
}
