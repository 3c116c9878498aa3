//! The ingest cache: incremental runs re-parse only the files that changed.
//!
//! Ingest is the costly per-file stage (unzipping and parsing workbooks and
//! XML) and a pure function of the file's bytes, its format, the vocabulary,
//! the [`Limits`] and the art32 build. So its result — the [`RawReturn`], or
//! the [`Rejection`] — is stored under a key made of the file's SHA-256 and a
//! fingerprint of all of those.
//!
//! Discover's verdict on a file (its format told from its bytes, or why it is
//! rejected or ignored, after the container checks that inflate every zip
//! entry) is the same kind of pure function, of the bytes, the extension and
//! the limits, and as costly: it is cached too, under the file's SHA-256 and
//! extension.
//!
//! The run snapshot goes one step further: the [`FileRecord`] of every file
//! of the last run — what discover, ingest, bind, normalize and validate made
//! of it, with the answers of the returns that run retained — keyed by the
//! same fingerprint and a hash of the cycle's context ([`context`]: the
//! cycle file, the register, the schemas). A file found again at the same
//! path with the same SHA-256 takes its record from there, and one listed
//! with the same [`Stamp`] (inode, size, times) is not even read or hashed.
//! Resolve, derive, check and emit still run every time, so a run's outputs
//! are the same with and without the cache.
//!
//! An entry is a one-line header — format version, key, payload length and
//! a 64-bit checksum of the payload — then the payload, in [postcard]'s
//! compact binary encoding (a run after one new return decodes the answers
//! of every retained return, and decoding them from JSON cost a fifth of
//! such a run). An entry whose version, key, length or checksum does not
//! match, or whose payload does not decode, is never trusted: the file is
//! examined or ingested again and the entry overwritten.
//! Entries are written to a temporary file and renamed into place, so a
//! reader (another thread, another art32) sees a whole entry or none; a
//! crash mid-write leaves at worst an entry that fails its checksum. The
//! cache never stops a run: a folder that cannot be written only costs time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::discover::{self, Candidate, Examined, Limits, Stamp, Verdict, hex};
use crate::ingest::ingest;
use crate::model::{Format, RawReturn, Reason, Rejection};
use crate::record::FileRecord;
use crate::schema::Vocabulary;
use crate::validate::Answer;

/// The first word of every entry.
const MAGIC: &str = "art32-ingest-cache";

/// The entry layout and payload encoding. Bump it whenever [`RawReturn`],
/// [`Rejection`], [`FileRecord`] or their parts change shape or meaning.
pub const FORMAT_VERSION: u32 = 4;

/// The default cache folder inside a cycle folder.
pub const DEFAULT_DIR: &str = ".art32-cache";

/// What ingest gives for one file.
pub type Ingested = Result<RawReturn, Rejection>;

/// Discover's verdict on a file's bytes, as cached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Told {
    Process,
    Ignore(Reason, String),
    Reject(Rejection),
}

/// The kinds of entries, each in a folder of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ingest,
    Examine,
    Records,
    Answers,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::Ingest => "ingest",
            Kind::Examine => "examine",
            Kind::Records => "records",
            Kind::Answers => "answers",
        }
    }
}

/// An ingest cache in one folder, shared by the worker threads of a run.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    fingerprint: String,
    hits: AtomicUsize,
    misses: AtomicUsize,
    invalid: AtomicUsize,
    reused: AtomicUsize,
    unread: AtomicUsize,
    write_failed: AtomicBool,
}

/// What a cache did during a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose ingest result was read from the cache.
    pub hits: usize,
    /// Files ingested (no entry, or an entry not trusted).
    pub misses: usize,
    /// Entries found but not trusted (corrupt, stale, undecodable).
    pub invalid: usize,
    /// Files whose whole record was taken from the last run's snapshot.
    pub reused: usize,
    /// Of those, files not even read: their stamp had not changed.
    pub unread: usize,
}

impl Cache {
    /// A cache in `dir` (created at the first write) for ingest with this
    /// vocabulary file's bytes and these limits.
    pub fn new(dir: &Path, vocabulary_toml: &[u8], limits: &Limits) -> Cache {
        Cache {
            dir: dir.to_path_buf(),
            fingerprint: fingerprint(vocabulary_toml, limits, &build_id()),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            invalid: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
            unread: AtomicUsize::new(0),
            write_failed: AtomicBool::new(false),
        }
    }

    /// A cache in `dir` for the vocabulary of the schemas folder `schemas_dir`;
    /// `None` (with a warning) when the vocabulary cannot be read.
    pub fn open(dir: &Path, schemas_dir: &Path, limits: &Limits) -> Option<Cache> {
        let path = schemas_dir.join("vocabulary.toml");
        match std::fs::read(&path) {
            Ok(bytes) => Some(Cache::new(dir, &bytes, limits)),
            Err(e) => {
                tracing::warn!("ingest cache off: cannot read {}: {e}", path.display());
                None
            }
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a file's ingest entry: its SHA-256 (lower-case hex), its
    /// format and this cache's fingerprint.
    pub fn key(&self, sha256: &str, format: Format) -> String {
        self.key_of("ingest", format.code(), sha256)
    }

    fn key_of(&self, kind: &str, tag: &str, sha256: &str) -> String {
        let mut h = Sha256::new();
        for part in [self.fingerprint.as_str(), kind, tag, sha256] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex(&h.finalize())
    }

    fn path(&self, kind: Kind, key: &str) -> PathBuf {
        self.dir.join(kind.folder()).join(key.get(..2).unwrap_or("00")).join(key)
    }

    /// The trusted ingest entry of `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<Ingested> {
        self.read(Kind::Ingest, key)
    }

    fn read<T: serde::de::DeserializeOwned>(&self, kind: Kind, key: &str) -> Option<T> {
        let bytes = std::fs::read(self.path(kind, key)).ok()?;
        let found = decode(&bytes, key);
        if found.is_none() {
            self.invalid.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(key, "cache entry not trusted; reading the file again");
        }
        found
    }

    /// Stores the ingest entry of `key` (atomically: temporary file, then rename).
    pub fn put(&self, key: &str, value: &Ingested) {
        self.store(Kind::Ingest, key, value);
    }

    fn store<T: Serialize>(&self, kind: Kind, key: &str, value: &T) {
        if let Err(e) = self.write(kind, key, value)
            && !self.write_failed.swap(true, Ordering::Relaxed)
        {
            tracing::warn!("cannot write the ingest cache in {}: {e}", self.dir.display());
        }
    }

    fn write<T: Serialize>(&self, kind: Kind, key: &str, value: &T) -> std::io::Result<()> {
        let path = self.path(kind, key);
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent)?;
        let (header, payload) = encode(key, value)?;
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = parent.join(format!(".tmp-{}-{n}-{key}", std::process::id()));
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&header)?;
            f.write_all(&payload)
        });
        let renamed = written.and_then(|()| std::fs::rename(&tmp, &path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        renamed
    }

    /// Ingest through the cache: the trusted entry of the file, else ingest
    /// and store the result.
    pub fn ingest(
        &self,
        sha256: &str,
        bytes: &[u8],
        format: Format,
        vocab: &Vocabulary,
        limits: &Limits,
    ) -> Ingested {
        let key = self.key(sha256, format);
        if let Some(found) = self.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return found;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let result = ingest(bytes, format, vocab, limits);
        self.put(&key, &result);
        result
    }

    /// Discover's examination through the cache: the file is read and hashed,
    /// and its cached verdict used; else [`discover::examine`] and store.
    /// Files discover settles without reading (symbolic links, lock files,
    /// oversized files) go straight to it.
    pub fn examine(&self, c: &Candidate, limits: &Limits) -> (Option<Examined>, Verdict) {
        match discover::read(c, limits) {
            Ok((bytes, sha256)) => self.judge(c, bytes, sha256, limits),
            Err(settled) => *settled,
        }
    }

    /// Discover's verdict on a file already read and hashed, through the cache.
    pub fn judge(
        &self,
        c: &Candidate,
        bytes: Vec<u8>,
        sha256: String,
        limits: &Limits,
    ) -> (Option<Examined>, Verdict) {
        let key = self.key_of("examine", &discover::extension(&c.rel), &sha256);
        let mut unpacked = None;
        let (format, verdict) = match self.read::<(Format, Told)>(Kind::Examine, &key) {
            Some((format, told)) => {
                let verdict = match told {
                    Told::Process => Verdict::Process,
                    Told::Ignore(reason, message) => Verdict::Ignore(reason, message),
                    Told::Reject(r) => Verdict::Reject(r),
                };
                (format, verdict)
            }
            None => {
                let (format, verdict, copy) = discover::judge(&c.rel, &bytes, limits);
                unpacked = copy;
                let told = match &verdict {
                    Verdict::Process => Told::Process,
                    Verdict::Ignore(reason, message) => Told::Ignore(*reason, message.clone()),
                    Verdict::Reject(r) => Told::Reject(r.clone()),
                };
                self.store(Kind::Examine, &key, &(format, told));
                (format, verdict)
            }
        };
        let size = bytes.len() as u64;
        (Some(Examined { bytes, size, sha256, format, unpacked }), verdict)
    }

    /// Hits, misses and untrusted entries so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            invalid: self.invalid.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            unread: self.unread.load(Ordering::Relaxed),
        }
    }
}

/// Discover's verdict on a file already read and hashed, through `cache`
/// when there is one.
pub fn judge(
    cache: Option<&Cache>,
    c: &Candidate,
    bytes: Vec<u8>,
    sha256: String,
    limits: &Limits,
) -> (Option<Examined>, Verdict) {
    match cache {
        Some(cache) => cache.judge(c, bytes, sha256, limits),
        None => discover::judge_read(&c.rel, bytes, sha256, limits),
    }
}

/// Ingest through `cache` when there is one (and the file was hashed).
pub fn ingest_cached(
    cache: Option<&Cache>,
    sha256: &str,
    bytes: &[u8],
    format: Format,
    vocab: &Vocabulary,
    limits: &Limits,
) -> Ingested {
    match cache {
        Some(c) if sha256.len() == 64 => c.ingest(sha256, bytes, format, vocab, limits),
        _ => ingest(bytes, format, vocab, limits),
    }
}

/// What identifies this art32 build: its version, and the size and
/// modification time of the running executable, so that a rebuilt art32
/// (whose ingest may differ) never trusts the entries of another build.
fn build_id() -> String {
    let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok());
    let stamp = exe
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{modified}", m.len())
        })
        .unwrap_or_default();
    format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
}

/// One file's record in a run snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kept {
    /// The record, as the per-file stages left it, without its answers.
    pub record: FileRecord,
    /// Whether its answers were stored too: only those of the returns that
    /// run retained are.
    pub answers: bool,
    /// The file's stamp when that run listed it, if it had settled.
    pub stamp: Option<Stamp>,
}

/// [`Kept`], borrowed for writing.
#[derive(Serialize)]
struct KeptRef<'a> {
    record: &'a FileRecord,
    answers: bool,
    stamp: Option<Stamp>,
}

/// The records of the last run of a cycle, by path and SHA-256: what the
/// per-file stages (discover, ingest, bind, normalize, validate) made of
/// each file. They depend on the file's bytes and path and on the context
/// the snapshot is keyed by ([`context`]), so a file of the same path and
/// SHA-256 under the same context gets the same record without being
/// parsed again.
///
/// The snapshot itself holds the records without their answers (a few
/// hundred bytes each); the answers of each retained return are an entry of
/// their own, under the same context, path and SHA-256, written once, when
/// the return is first retained, and read by the worker that takes the
/// record. So a run after one new return rewrites the small snapshot and
/// one answers entry, and decodes the answers on every worker at once.
///
/// A record also keeps the file's [`Stamp`] from the run that stored it. A
/// file listed again at the same path with the same stamp has not been
/// changed since, so its record is taken without the file being read or
/// hashed at all ([`Snapshot::take_unchanged`]).
#[derive(Debug, Default)]
pub struct Snapshot {
    context: String,
    files: crate::FastMap<(String, String), std::sync::Mutex<Option<Kept>>>,
    /// Per path: the stamp and SHA-256 of the record kept for it.
    stamps: crate::FastMap<String, (Stamp, String)>,
    /// Whether a record was taken for a file whose stamp is not the one
    /// stored with it (the snapshot is then worth writing again).
    restamped: AtomicBool,
}

impl Snapshot {
    /// Takes the record of the file at `path` with this content, if the last
    /// run saw it (each record is taken once: a run sees each path once).
    /// `stamp` is the file's stamp in this run.
    pub fn take(&self, path: &str, sha256: &str, stamp: Option<Stamp>) -> Option<Kept> {
        let slot = self.files.get(&(path.to_owned(), sha256.to_owned()))?;
        let kept = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()?;
        if kept.stamp != stamp {
            self.restamped.store(true, Ordering::Relaxed);
        }
        Some(kept)
    }

    /// Takes the record of the file at `path` if the file has the stamp
    /// stored with it: unchanged since, it need not be read.
    pub fn take_unchanged(&self, path: &str, stamp: &Stamp) -> Option<Kept> {
        let (stored, sha256) = self.stamps.get(path)?;
        if stored != stamp {
            return None;
        }
        self.take(path, sha256, Some(*stamp))
    }

    /// Whether a record was taken for a file whose stamp has changed (or
    /// settled) since the snapshot was stored.
    pub fn restamped(&self) -> bool {
        self.restamped.load(Ordering::Relaxed)
    }

    /// Files in the snapshot.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// What the per-file stages depend on besides the file and the ingest
/// fingerprint: `cycle.toml` (questionnaires, the date parties must be bound
/// by), the register and every file of the schemas folder. `None` when one
/// cannot be read (no snapshot is then used or written).
pub fn context(cycle_toml: &Path, parties: &Path, schemas_dir: &Path) -> Option<String> {
    let mut h = Sha256::new();
    let mut put = |name: &str, bytes: &[u8]| {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    put("cycle.toml", &std::fs::read(cycle_toml).ok()?);
    put("parties.csv", &std::fs::read(parties).ok()?);
    let mut schema_files: Vec<PathBuf> = std::fs::read_dir(schemas_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    schema_files.sort();
    for p in schema_files {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        put(&name, &std::fs::read(&p).ok()?);
    }
    Some(hex(&h.finalize()))
}

impl Cache {
    fn snapshot_key(&self, context: &str) -> String {
        self.key_of("records", "snapshot", context)
    }

    fn answers_key(&self, context: &str, path: &str, sha256: &str) -> String {
        self.key_of("answers", context, &format!("{}\n{path}\n{sha256}", path.len()))
    }

    /// The trusted snapshot of the last run under `context`, if there is one.
    pub fn load_snapshot(&self, context: &str) -> Option<Snapshot> {
        let kept: Vec<Kept> = self.read(Kind::Records, &self.snapshot_key(context))?;
        let stamps = kept
            .iter()
            .filter(|k| !k.record.sha256.is_empty())
            .filter_map(|k| Some((k.record.path.clone(), (k.stamp?, k.record.sha256.clone()))))
            .collect();
        let files = kept
            .into_iter()
            .filter(|k| !k.record.sha256.is_empty())
            .map(|k| ((k.record.path.clone(), k.record.sha256.clone()), std::sync::Mutex::new(Some(k))))
            .collect();
        Some(Snapshot { context: context.to_owned(), files, stamps, restamped: AtomicBool::new(false) })
    }

    /// The answers of a record taken from `snapshot`, if they were stored
    /// and their entry is trusted.
    pub fn load_answers(&self, snapshot: &Snapshot, record: &FileRecord) -> Option<Vec<Answer>> {
        self.read(Kind::Answers, &self.answers_key(&snapshot.context, &record.path, &record.sha256))
    }

    /// Stores this run's records under `context`, without their answers;
    /// `retained(i)` tells whether record `i` is a retained return, whose
    /// answers are kept, `stored(i)` whether they were read from their
    /// entry (which is then not written again), and `stamp(i)` the stamp of
    /// its file when this run listed it.
    pub fn store_snapshot(
        &self,
        context: &str,
        records: &[FileRecord],
        retained: impl Fn(usize) -> bool,
        stored: impl Fn(usize) -> bool,
        stamp: impl Fn(usize) -> Option<Stamp>,
    ) {
        for (i, r) in records.iter().enumerate() {
            if let (true, false, Some(ret)) = (retained(i), stored(i), r.as_return()) {
                self.store(Kind::Answers, &self.answers_key(context, &r.path, &r.sha256), &ret.answers);
            }
        }
        let kept: Vec<KeptRef<'_>> = records
            .iter()
            .enumerate()
            .map(|(i, record)| KeptRef { record, answers: retained(i), stamp: stamp(i) })
            .collect();
        self.store(Kind::Records, &self.snapshot_key(context), &kept);
    }

    /// Counts a record taken from the snapshot.
    pub fn count_reused(&self) {
        self.reused.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a record taken from the snapshot without its file being read.
    pub fn count_unread(&self) {
        self.unread.fetch_add(1, Ordering::Relaxed);
    }
}

/// Everything ingest depends on besides the file: the vocabulary's bytes,
/// the limits, the art32 build and the entry format.
fn fingerprint(vocabulary_toml: &[u8], limits: &Limits, build: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("{MAGIC} {FORMAT_VERSION}\n{build}\n{limits:?}\n").as_bytes());
    h.update(vocabulary_toml);
    hex(&h.finalize())
}

/// A fast 64-bit checksum of an entry's payload. It guards against torn
/// writes and damage, not against someone who can write the cache folder
/// (who could as well change the inbox): any change within one 8-byte word
/// always changes it, and any other change does but with odds of 2^-64.
fn checksum(data: &[u8]) -> String {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (data.len() as u64) ^ 0xA076_1D64_78BD_642F;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K);
    h ^= h >> 32;
    format!("{:016x}", h.wrapping_mul(K))
}

/// An entry: `MAGIC VERSION KEY LENGTH CHECKSUM\n` then the postcard payload
/// (the two parts, written one after the other: a snapshot's payload is
/// megabytes, not worth copying).
fn encode<T: Serialize>(key: &str, value: &T) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let payload = postcard::to_stdvec(value).map_err(std::io::Error::other)?;
    let sum = checksum(&payload);
    let header = format!("{MAGIC} {FORMAT_VERSION} {key} {} {sum}\n", payload.len()).into_bytes();
    Ok((header, payload))
}

/// The value of an entry, if every check passes.
fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], key: &str) -> Option<T> {
    let end = bytes.iter().take(256).position(|b| *b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..end]).ok()?;
    let payload = &bytes[end + 1..];
    let mut parts = header.split(' ');
    let ok = parts.next() == Some(MAGIC)
        && parts.next() == Some(FORMAT_VERSION.to_string().as_str())
        && parts.next() == Some(key)
        && parts.next().and_then(|n| n.parse::<usize>().ok()) == Some(payload.len())
        && parts.next() == Some(checksum(payload).as_str())
        && parts.next().is_none();
    if !ok {
        return None;
    }
    postcard::from_bytes(payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::EntryKind;
    use crate::model::{CoverKey, Problem, RawAnswer, RawField, RawValue, Reason};
    use crate::provenance::SourceRef;

    fn sample() -> RawReturn {
        let cell = |r, c| SourceRef::cell("Réponses", r, c);
        RawReturn {
            cover: vec![
                (
                    CoverKey::Questionnaire,
                    RawField { value: RawValue::Text("UNTOC-2026".into()), source: cell(0, 2) },
                ),
                (
                    CoverKey::Submitted,
                    RawField {
                        value: RawValue::Date(crate::model::Date::new(2026, 2, 14).unwrap()),
                        source: cell(1, 2),
                    },
                ),
            ],
            answers: vec![RawAnswer {
                question: "UNTOC.5.TA".into(),
                id_source: cell(4, 0),
                answer: RawField { value: RawValue::Float(1.5), source: cell(4, 2) },
                assistance: vec![RawField { value: RawValue::Error("#N/A".into()), source: cell(4, 3) }],
                marks: vec![(
                    "training".into(),
                    RawField { value: RawValue::Bool(true), source: cell(4, 6) },
                )],
                unknown_marks: vec![(
                    "assistance:bogus".into(),
                    RawField { value: RawValue::Text("x".into()), source: cell(4, 7) },
                )],
                comment: Some(RawField {
                    value: RawValue::Int(-3),
                    source: SourceRef::Element { path: "/return/answer[1]".into(), line: 4 },
                }),
            }],
            instance_id: Some("uuid:1".into()),
            deprecated_id: None,
            state_name: Some(RawField { value: RawValue::Text("France".into()), source: SourceRef::File }),
            problems: vec![Problem::warning("unknown-element", SourceRef::File, "x")],
        }
    }

    fn cache(dir: &Path) -> Cache {
        Cache::new(dir, b"languages = []", &Limits::default())
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let key = c.key(SHA, Format::Xlsx);
        assert_eq!(c.get(&key), None);
        c.put(&key, &Ok(sample()));
        assert_eq!(c.get(&key), Some(Ok(sample())));
        let rejected: Ingested = Err(Rejection::new(Reason::MalformedXml, "line 2"));
        c.put(&key, &rejected);
        assert_eq!(c.get(&key), Some(rejected));
        assert_eq!(c.stats().invalid, 0);
    }

    #[test]
    fn keys_depend_on_everything_ingest_depends_on() {
        let limits = Limits::default();
        let a = Cache::new(Path::new("x"), b"v1", &limits);
        let b = Cache::new(Path::new("x"), b"v2", &limits);
        let c = Cache::new(Path::new("x"), b"v1", &Limits { max_xml_depth: 3, ..limits });
        let k = a.key(SHA, Format::Xlsx);
        assert_eq!(k, a.key(SHA, Format::Xlsx));
        assert_ne!(k, a.key(SHA, Format::Xlsm));
        assert_ne!(k, b.key(SHA, Format::Xlsx));
        assert_ne!(k, c.key(SHA, Format::Xlsx));
        assert_ne!(fingerprint(b"v", &limits, "0.1.0 1"), fingerprint(b"v", &limits, "0.1.0 2"));
    }

    /// Writes raw bytes as the entry of `key`.
    fn plant(c: &Cache, key: &str, bytes: &[u8]) {
        let path = c.path(Kind::Ingest, key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn untrusted_entries_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let key = c.key(SHA, Format::Xml);
        let good = encode::<Ingested>(&key, &Ok(sample())).map(|(h, p)| [h, p].concat()).unwrap();
        let header_end = good.iter().position(|b| *b == b'\n').unwrap();
        let header = String::from_utf8(good[..header_end].to_vec()).unwrap();
        let payload = &good[header_end + 1..];
        let with_header = |h: String, p: &[u8]| [h.as_bytes(), b"\n", p].concat();

        // Unknown format version.
        let v2 = header.replacen(&format!(" {FORMAT_VERSION} "), " 999 ", 1);
        // Wrong key (an entry copied under another name).
        let other = c.key(SHA, Format::Xlsx);
        let wrong_key = header.replacen(&key, &other, 1);
        // Bad checksum: one payload byte changed.
        let mut flipped = payload.to_vec();
        flipped[10] ^= 1;
        // Truncated.
        let truncated = &good[..good.len() - 5];
        // Undecodable payload with a correct header.
        let garbage = b"{\"Ok\": 12}".to_vec();
        let garbage_header =
            format!("{MAGIC} {FORMAT_VERSION} {key} {} {}", garbage.len(), checksum(&garbage));
        // A problem code art32 does not know, with a correct header (the
        // same length: the payload prefixes each string with its length).
        let (known, made_up) = (b"unknown-element", b"made-up-code-xy");
        let at = payload.windows(known.len()).position(|w| w == known).unwrap();
        let mut unknown_code = payload.to_vec();
        unknown_code[at..at + made_up.len()].copy_from_slice(made_up);
        let unknown_header =
            format!("{MAGIC} {FORMAT_VERSION} {key} {} {}", unknown_code.len(), checksum(&unknown_code));
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("unknown version", with_header(v2, payload)),
            ("wrong key", with_header(wrong_key, payload)),
            ("bad checksum", with_header(header.clone(), &flipped)),
            ("truncated", truncated.to_vec()),
            ("undecodable payload", with_header(garbage_header, &garbage)),
            ("unknown problem code", with_header(unknown_header, &unknown_code)),
            ("empty", Vec::new()),
            ("random bytes", (0..=255u8).cycle().take(3000).collect()),
        ];
        for (what, bytes) in &cases {
            plant(&c, &key, bytes);
            assert_eq!(c.get(&key), None, "{what}");
        }
        assert_eq!(c.stats().invalid, cases.len());
        plant(&c, &key, &good);
        assert_eq!(c.get(&key), Some(Ok(sample())));
    }

    #[test]
    fn a_corrupt_entry_is_overwritten_by_a_fresh_ingest() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let xml = b"<return questionnaire=\"UNTOC-2026\"><state code=\"FRA\"/></return>";
        let sha = hex(&Sha256::digest(xml));
        let key = c.key(&sha, Format::Xml);
        plant(&c, &key, b"art32-ingest-cache 1 nonsense");
        let vocab = Vocabulary::default();
        let limits = Limits::default();
        let first = c.ingest(&sha, xml, Format::Xml, &vocab, &limits);
        assert!(first.is_ok());
        assert_eq!(c.stats(), CacheStats { hits: 0, misses: 1, invalid: 1, reused: 0, unread: 0 });
        assert_eq!(c.get(&key), Some(first.clone()));
        assert_eq!(c.ingest(&sha, xml, Format::Xml, &vocab, &limits), first);
        assert_eq!(c.stats().hits, 1);
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(c.path(Kind::Ingest, &key).parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![key]);
    }

    #[test]
    fn an_unwritable_folder_only_costs_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"not a folder").unwrap();
        let c = cache(&file);
        let xml = b"<return questionnaire=\"X\"/>";
        let r = c.ingest(SHA, xml, Format::Xml, &Vocabulary::default(), &Limits::default());
        assert!(r.is_ok());
        assert_eq!(c.stats().misses, 1);
    }

    #[test]
    fn concurrent_writers_leave_a_valid_entry() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        let key = c.key(SHA, Format::Xlsx);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        c.put(&key, &Ok(sample()));
                        assert!(matches!(c.get(&key), Some(Ok(_)) | None));
                    }
                });
            }
        });
        assert_eq!(c.get(&key), Some(Ok(sample())));
    }

    #[test]
    fn every_single_byte_change_changes_the_checksum() {
        let data: Vec<u8> = (0..100u8).collect();
        let sum = checksum(&data);
        for i in 0..data.len() {
            for bit in 0..8 {
                let mut d = data.clone();
                d[i] ^= 1 << bit;
                assert_ne!(checksum(&d), sum, "byte {i} bit {bit}");
            }
        }
        assert_ne!(checksum(&data[..99]), sum);
        assert_eq!(checksum(&data), sum);
    }

    /// A payload damaged past its checksum (as by someone writing to the
    /// cache folder, against whom the checksum does not guard) never makes
    /// decoding panic or reserve without bound: every truncation, every
    /// flipped bit and every byte set to 0xFF of a real entry decodes to
    /// something or to nothing.
    #[test]
    fn a_damaged_payload_with_a_valid_header_decodes_or_is_refused() {
        let key = "k";
        let (_, payload) = encode::<Ingested>(key, &Ok(sample())).unwrap();
        let entry = |p: &[u8]| {
            [format!("{MAGIC} {FORMAT_VERSION} {key} {} {}\n", p.len(), checksum(p)).as_bytes(), p].concat()
        };
        assert_eq!(decode::<Ingested>(&entry(&payload), key), Some(Ok(sample())));
        for n in 0..payload.len() {
            let _ = decode::<Ingested>(&entry(&payload[..n]), key);
        }
        for i in 0..payload.len() {
            for bit in 0..8 {
                let mut p = payload.clone();
                p[i] ^= 1 << bit;
                let _ = decode::<Ingested>(&entry(&p), key);
            }
            let mut p = payload.clone();
            p[i] = 0xFF;
            let _ = decode::<Ingested>(&entry(&p), key);
        }
    }

    #[test]
    fn discovers_verdicts_are_cached_by_content_and_extension() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(&dir.path().join("cache"));
        let limits = Limits::default();
        let file = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            Candidate { rel: name.into(), path, kind: EntryKind::File, stamp: None }
        };
        let xml = file("a.xml", b"<return questionnaire=\"X\"/>");
        let broken = file("b.xlsx", b"PK\x03\x04 not a zip");
        let text = file("c.txt", b"a cover letter");
        for cand in [&xml, &broken, &text] {
            let (fresh, verdict) = discover::examine(cand, &limits);
            let fresh = fresh.unwrap();
            for _ in 0..2 {
                let (e, v) = c.examine(cand, &limits);
                let e = e.unwrap();
                assert_eq!(v, verdict, "{}", cand.rel);
                assert_eq!(
                    (e.format, &e.sha256, e.size, &e.bytes),
                    (fresh.format, &fresh.sha256, fresh.size, &fresh.bytes)
                );
            }
        }
        // Same bytes under another extension: examined again, not taken for the other.
        let renamed = file("a.txt", b"<return questionnaire=\"X\"/>");
        assert_eq!(c.examine(&renamed, &limits).1, discover::examine(&renamed, &limits).1);
        // A damaged entry is not trusted.
        let key = c.key_of("examine", "xml", &hex(&Sha256::digest(b"<return questionnaire=\"X\"/>")));
        std::fs::write(c.path(Kind::Examine, &key), b"art32-ingest-cache 1 x").unwrap();
        let before = c.stats().invalid;
        assert_eq!(c.examine(&xml, &limits).1, Verdict::Process);
        assert_eq!(c.stats().invalid, before + 1);
        // Lock files and symbolic links are settled by discover alone.
        let lock = file("~$a.xlsx", b"x");
        assert!(matches!(c.examine(&lock, &limits).1, Verdict::Ignore(Reason::LockFile, _)));
    }

    /// Every problem code written in the sources is in [`Problem::CODES`],
    /// so that a cached problem always maps back to its static code.
    #[test]
    fn every_problem_code_in_the_sources_is_known() {
        let re = regex::Regex::new(r#"Problem::(?:warning|error)\(\s*"([^"]+)""#).unwrap();
        let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        let mut seen = 0;
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for cap in re.captures_iter(&text) {
                    seen += 1;
                    assert!(
                        Problem::known_code(&cap[1]).is_some(),
                        "{}: code {:?} not in Problem::CODES",
                        p.display(),
                        &cap[1]
                    );
                }
            }
        }
        assert!(seen > 10);
    }
}
