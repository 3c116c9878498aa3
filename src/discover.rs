//! Discover: every file under the inbox, with its size, hash and format.
//!
//! [`list`] walks the inbox (never following symbolic links) and returns one
//! [`Candidate`] per directory entry that is not a directory, sorted by path,
//! so that every file ends in the manifest. [`examine`] then reads one file
//! (bounded by the size limit), hashes it and tells its format from its first
//! bytes, not only from its extension. A zip container that is a
//! spreadsheet is measured against the zip limits before anything inflates
//! it for real ([`container`]).

pub mod container;
mod stored;
mod styles;
pub(crate) mod tidy;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::{Format, Reason, Rejection};

/// Limits that protect a run from oversized input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Most cells read from one sheet.
    pub max_cells_per_sheet: u64,
    /// Highest row number read on a sheet (one-based).
    pub max_rows_per_sheet: u32,
    /// Deepest folder nesting walked under the inbox.
    pub max_depth: usize,
    /// Deepest XML element nesting.
    pub max_xml_depth: usize,
    /// Longest XML element text or attribute value, in bytes.
    pub max_xml_text: usize,
    /// Most attributes on one XML element.
    pub max_xml_attributes: usize,
    /// Most elements in one XML document.
    pub max_xml_elements: usize,
    /// Most entries in a zip container (xlsx, xlsm, xlsb, ods).
    pub max_zip_entries: u64,
    /// Largest uncompressed size of one zip entry, declared or actual, in bytes.
    pub max_zip_entry_bytes: u64,
    /// Largest uncompressed size of all the entries of a zip container, in bytes.
    pub max_zip_total_bytes: u64,
    /// Highest compression ratio (uncompressed / compressed) of an entry or of
    /// a whole container; entries under [`container::RATIO_GRACE_BYTES`] are exempt.
    pub max_zip_ratio: u64,
    /// Most text, in bytes, that the cells of one workbook may hold in memory
    /// (a shared string is counted once per cell that shows it).
    pub max_text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_cells_per_sheet: 2_000_000,
            max_rows_per_sheet: 100_000,
            max_depth: 1024,
            max_xml_depth: 64,
            max_xml_text: 1024 * 1024,
            max_xml_attributes: 64,
            max_xml_elements: 100_000,
            max_zip_entries: 10_000,
            max_zip_entry_bytes: 64 * 1024 * 1024,
            max_zip_total_bytes: 256 * 1024 * 1024,
            max_zip_ratio: 200,
            max_text_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What a directory entry is, before its content is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link (never followed).
    Symlink,
    /// Neither a file, a folder nor a link (a named pipe, a socket, a
    /// device), as the listing named it: never opened, since opening a
    /// named pipe waits for a writer.
    Special(&'static str),
    /// Something that could not be inspected, with the error.
    Unreadable(String),
    /// A folder deeper than the nesting limit (not walked).
    TooDeep,
}

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Path relative to the inbox, with `/` separators.
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    /// What it is.
    pub kind: EntryKind,
    /// What `lstat` told of a regular file while the inbox was walked, if
    /// its last change was long enough ago to tell a later one ([`Stamp`]).
    pub stamp: Option<Stamp>,
}

/// What the file system tells of a file without reading it: device, inode,
/// size and the times of its last modification and last change (the change
/// time moves on every write, rename or `touch`, and cannot be set back).
/// As in `git`'s index, an equal stamp means the file has not been changed
/// since the stamp was taken, and a run may reuse what it knew of the file
/// instead of reading and hashing it again ([`crate::cache::Snapshot`]).
///
/// A stamp is only taken of a file whose last modification and change are
/// at least [`Stamp::SETTLED`] old: a file changed twice within one tick of
/// its file system's clock keeps the same times, so a stamp taken in that
/// tick could hide the second change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, in nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Last change of content or metadata, in nanoseconds since the epoch.
    pub ctime_ns: i64,
}

impl Stamp {
    /// How old a file's last change must be for its stamp to be taken: more
    /// than the coarsest file-system clock tick in use (FAT's two seconds).
    pub const SETTLED: std::time::Duration = std::time::Duration::from_secs(3);

    /// The stamp of a regular file, if it has settled by `now`.
    #[cfg(unix)]
    pub fn of(m: &std::fs::Metadata, now: std::time::SystemTime) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let ns = |secs: i64, nsec: i64| secs.checked_mul(1_000_000_000)?.checked_add(nsec);
        let stamp = Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec())?,
            ctime_ns: ns(m.ctime(), m.ctime_nsec())?,
        };
        let now = i64::try_from(now.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos()).ok()?;
        let settled = now.checked_sub(i64::try_from(Self::SETTLED.as_nanos()).ok()?)?;
        (m.is_file() && stamp.mtime_ns < settled && stamp.ctime_ns < settled).then_some(stamp)
    }

    /// No stamps where the file system does not give change times.
    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata, _: std::time::SystemTime) -> Option<Stamp> {
        None
    }
}

/// Walks `inbox` recursively; entries are sorted by relative path.
pub fn list(inbox: &Path, limits: &Limits) -> std::io::Result<Vec<Candidate>> {
    let mut out = Vec::new();
    // The inbox itself must be readable: a missing inbox is a cycle error.
    std::fs::read_dir(inbox)?;
    walk(inbox, limits, std::time::SystemTime::now(), &mut out);
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The entries of one folder, sorted by name; a folder that cannot be
/// listed is an entry of its own.
fn folder(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<Candidate>,
) -> Option<std::vec::IntoIter<(String, PathBuf)>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut names: Vec<(String, PathBuf)> =
                entries.filter_map(Result::ok).map(|e| (name_text(&e.file_name()), e.path())).collect();
            names.sort();
            Some(names.into_iter())
        }
        Err(e) => {
            out.push(Candidate {
                rel: if prefix.is_empty() { ".".into() } else { prefix.trim_end_matches('/').into() },
                path: dir.to_path_buf(),
                kind: EntryKind::Unreadable(format!("cannot list folder: {e}")),
                stamp: None,
            });
            None
        }
    }
}

/// Lists the inbox at any depth, with a stack of open folders rather than
/// recursion: a deep tree costs memory, never the thread's stack. A tree
/// deeper than [`Limits::max_depth`] (or whose paths grow past what the
/// system can open) ends in one entry for the folder not walked.
fn walk(inbox: &Path, limits: &Limits, now: std::time::SystemTime, out: &mut Vec<Candidate>) {
    let mut open: Vec<(std::vec::IntoIter<(String, PathBuf)>, String)> = Vec::new();
    if let Some(entries) = folder(inbox, "", out) {
        open.push((entries, String::new()));
    }
    while let Some((entries, prefix)) = open.last_mut() {
        let Some((name, path)) = entries.next() else {
            open.pop();
            continue;
        };
        let rel = format!("{prefix}{name}");
        let kind = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => EntryKind::Symlink,
            Ok(m) if m.is_dir() => {
                // This folder's level: 1 for a folder in the inbox itself.
                if open.len() > limits.max_depth {
                    EntryKind::TooDeep
                } else {
                    let prefix = format!("{rel}/");
                    if let Some(entries) = folder(&path, &prefix, out) {
                        open.push((entries, prefix));
                    }
                    continue;
                }
            }
            Ok(m) if m.is_file() => {
                out.push(Candidate { rel, path, kind: EntryKind::File, stamp: Stamp::of(&m, now) });
                continue;
            }
            Ok(m) => EntryKind::Special(special(&m.file_type())),
            Err(e) => EntryKind::Unreadable(e.to_string()),
        };
        out.push(Candidate { rel, path, kind, stamp: None });
    }
}

/// What an entry that is neither a file, a folder nor a link is.
fn special(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = t;
    "not a regular file"
}

/// The verdict on an entry that is not a regular file.
fn not_a_file(what: &str) -> ReadOutcome {
    settled((None, Verdict::Ignore(Reason::NotAReturnFile, format!("{what}, not a regular file: not read"))))
}

/// A file name as the manifest writes it: as it is when it is UTF-8;
/// otherwise each byte that is not UTF-8 as `\xNN` (and `\` as `\\`), so
/// that two such names never read alike (a replacement character for each
/// would make them one).
fn name_text(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(&chunk.valid().replace('\\', "\\\\"));
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// A file read into memory, hashed and identified.
#[derive(Debug, Clone)]
pub struct Examined {
    /// The bytes (empty when the file was not read).
    pub bytes: Vec<u8>,
    /// Size on disk.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content (empty when not read).
    pub sha256: String,
    /// Format told from the content.
    pub format: Format,
    /// A zip container's entries stored uncompressed, made while its entries
    /// were measured ([`container`]): ingest reads this instead of `bytes`,
    /// so the entries are inflated once. `None` for other formats, large
    /// containers, and when the verdict came from the cache.
    pub unpacked: Option<Vec<u8>>,
}

impl Examined {
    /// A file of this size settled without its content being read or hashed.
    fn unread(size: u64) -> Self {
        Examined { bytes: Vec::new(), size, sha256: String::new(), format: Format::Unknown, unpacked: None }
    }
}

/// Why a file is not processed as a return.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Read it as a return.
    Process,
    /// Not a return (lock file, system file, other document).
    Ignore(Reason, String),
    /// A return that cannot be read.
    Reject(Rejection),
}

const RETURN_EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "ods", "xml"];

pub(crate) fn extension(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Files that are never returns, told by name alone.
pub fn ignored_by_name(rel: &str) -> Option<(Reason, String)> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.starts_with("~$") || name.starts_with(".~lock.") {
        return Some((Reason::LockFile, "an office lock file, not a return".into()));
    }
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_str(), ".ds_store" | "thumbs.db" | "desktop.ini") || name.starts_with("._") {
        return Some((Reason::SystemFile, "an operating-system file, not a return".into()));
    }
    None
}

/// Reads, hashes and identifies one file.
pub fn examine(c: &Candidate, limits: &Limits) -> (Option<Examined>, Verdict) {
    match read(c, limits) {
        Err(settled) => *settled,
        Ok((bytes, sha256)) => judge_read(&c.rel, bytes, sha256, limits),
    }
}

/// [`judge`] on a file [`read`] has read and hashed.
pub fn judge_read(rel: &str, bytes: Vec<u8>, sha256: String, limits: &Limits) -> (Option<Examined>, Verdict) {
    let (format, verdict, unpacked) = judge(rel, &bytes, limits);
    let size = bytes.len() as u64;
    (Some(Examined { bytes, size, sha256, format, unpacked }), verdict)
}

/// What discover settles without looking at a file's content (links,
/// unreadable and oversized files, lock and system files), or the file's
/// bytes (within the size limit) and their SHA-256.
pub type ReadOutcome = Result<(Vec<u8>, String), Box<(Option<Examined>, Verdict)>>;

fn settled(outcome: (Option<Examined>, Verdict)) -> ReadOutcome {
    Err(Box::new(outcome))
}

/// Reads and hashes one inbox entry, or settles it without its content.
pub fn read(c: &Candidate, limits: &Limits) -> ReadOutcome {
    match &c.kind {
        EntryKind::Symlink => {
            return settled((None, Verdict::Ignore(Reason::Symlink, "a symbolic link, not followed".into())));
        }
        EntryKind::Unreadable(e) => {
            return settled((
                None,
                Verdict::Reject(Rejection::new(Reason::Unreadable, format!("cannot read: {e}"))),
            ));
        }
        EntryKind::TooDeep => {
            return settled((
                None,
                Verdict::Reject(Rejection::new(
                    Reason::Unreadable,
                    format!("folder nested deeper than {} levels, not walked", limits.max_depth),
                )),
            ));
        }
        EntryKind::Special(what) => return not_a_file(what),
        EntryKind::File => {}
    }
    if let Some((reason, msg)) = ignored_by_name(&c.rel) {
        // Not a return, but the manifest still gives its SHA-256 (SPEC 7)
        // when it can be read.
        let ex = match load(&c.path, limits) {
            Ok(bytes) => Examined {
                size: bytes.len() as u64,
                sha256: hex(&Sha256::digest(&bytes)),
                bytes: Vec::new(),
                format: Format::Unknown,
                unpacked: None,
            },
            Err(Unloaded::NotAFile(what)) => return not_a_file(what),
            Err(_) => Examined::unread(std::fs::symlink_metadata(&c.path).map_or(0, |m| m.len())),
        };
        return settled((Some(ex), Verdict::Ignore(reason, msg)));
    }
    match load(&c.path, limits) {
        Ok(bytes) => {
            let sha256 = hex(&Sha256::digest(&bytes));
            Ok((bytes, sha256))
        }
        Err(Unloaded::NotAFile(what)) => not_a_file(what),
        Err(Unloaded::Unreadable(message)) => {
            // The manifest gives its size all the same (a file without read
            // permission still says how large it is).
            let size = std::fs::symlink_metadata(&c.path).map_or(0, |m| m.len());
            settled((
                Some(Examined::unread(size)),
                Verdict::Reject(Rejection::new(Reason::Unreadable, message)),
            ))
        }
        Err(Unloaded::TooLarge(size, message)) => settled((
            Some(Examined::unread(size)),
            Verdict::Reject(Rejection::new(Reason::TooLarge, message)),
        )),
    }
}

/// Why a file's bytes were not loaded.
enum Unloaded {
    NotAFile(&'static str),
    Unreadable(String),
    /// Its size (or what was read of it), and the message.
    TooLarge(u64, String),
}

/// A file's bytes, within the size limit.
fn load(path: &Path, limits: &Limits) -> Result<Vec<u8>, Unloaded> {
    // Without waiting: an entry replaced by a named pipe since the listing
    // must not stop the run (reads of a regular file do not change).
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Unloaded::Unreadable(format!("cannot open: {e}")))?;
    let size = match file.metadata() {
        Ok(m) if !m.is_file() => return Err(Unloaded::NotAFile(special(&m.file_type()))),
        m => m.map_or(0, |m| m.len()),
    };
    if size > limits.max_file_bytes {
        return Err(Unloaded::TooLarge(
            size,
            format!("{size} bytes, over the limit of {} bytes", limits.max_file_bytes),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limits.max_file_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Unloaded::Unreadable(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(Unloaded::TooLarge(
            bytes.len() as u64,
            format!("over the limit of {} bytes", limits.max_file_bytes),
        ));
    }
    Ok(bytes)
}

/// The format of a file told from its bytes, and whether it is processed,
/// ignored or rejected: all that depends on its name is its extension.
/// With it, a zip container's entries stored uncompressed when the container
/// checks made them ([`Examined::unpacked`]).
pub fn judge(rel: &str, bytes: &[u8], limits: &Limits) -> (Format, Verdict, Option<Vec<u8>>) {
    let ext = extension(rel);
    let is_return_ext = RETURN_EXTENSIONS.contains(&ext.as_str());
    let sniffed = sniff(bytes, &ext, limits);
    let mut unpacked = None;
    let (format, verdict) = match sniffed {
        Sniffed::Format(f) => (f, Verdict::Process),
        Sniffed::Unpacked(f, copy) => {
            unpacked = Some(copy);
            (f, Verdict::Process)
        }
        Sniffed::Encrypted => (
            Format::Unknown,
            Verdict::Reject(Rejection::new(
                Reason::Encrypted,
                "an encrypted (password-protected) workbook: ask the State to send it without a password",
            )),
        ),
        Sniffed::Empty if is_return_ext || ext.is_empty() => (
            Format::Unknown,
            Verdict::Reject(Rejection::new(Reason::EmptyFile, "the file is empty (0 bytes)")),
        ),
        Sniffed::Refused(format, r) if is_return_ext || ext.is_empty() => (format, Verdict::Reject(r)),
        Sniffed::BrokenZip(e) if is_return_ext => (
            Format::Unknown,
            Verdict::Reject(Rejection::new(
                Reason::Corrupt,
                format!("not a readable spreadsheet: damaged zip container ({e})"),
            )),
        ),
        _ if is_return_ext => (
            Format::Unknown,
            Verdict::Reject(Rejection::new(
                Reason::Corrupt,
                format!(
                    "not a readable spreadsheet or XML document: its content does not match the .{ext} extension"
                ),
            )),
        ),
        _ => (
            Format::Unknown,
            Verdict::Ignore(
                Reason::NotAReturnFile,
                format!("not a return (extension {:?}, content not a spreadsheet)", ext),
            ),
        ),
    };
    (format, verdict, unpacked)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[derive(Debug, PartialEq)]
enum Sniffed {
    Format(Format),
    /// A spreadsheet container, and its entries stored uncompressed.
    Unpacked(Format, Vec<u8>),
    Encrypted,
    Empty,
    BrokenZip(String),
    /// A file over a limit (a zip container's entry count, sizes, ratio,
    /// DOCTYPE, strings), with its format when its content told it (the
    /// parts a zip container lists).
    Refused(Format, Rejection),
    Other,
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(hay, needle).is_some()
}

fn sniff(bytes: &[u8], ext: &str, limits: &Limits) -> Sniffed {
    if bytes.is_empty() {
        return Sniffed::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // Count the entries before the zip crate indexes them all.
        if let Err(r) = container::check_entry_count(bytes, limits) {
            return Sniffed::Refused(Format::Unknown, r);
        }
        return sniff_zip(bytes, ext, limits);
    }
    if bytes.starts_with(&CFB_MAGIC) {
        // Directory entry names are UTF-16LE: an encrypted OOXML package is a
        // compound file with an EncryptedPackage stream; an xls has a
        // Workbook (or Book) stream.
        if contains(bytes, &utf16le("EncryptedPackage")) {
            return Sniffed::Encrypted;
        }
        if contains(bytes, &utf16le("Workbook")) || contains(bytes, &utf16le("Book")) {
            return Sniffed::Format(Format::Xls);
        }
        return Sniffed::Other;
    }
    if looks_like_xml(bytes) && (ext == "xml" || ext.is_empty() || bytes.starts_with(b"<?xml")) {
        return Sniffed::Format(Format::Xml);
    }
    if ext == "xls" && is_biff2_to_4(bytes) {
        return Sniffed::Refused(
            Format::Unknown,
            Rejection::new(
                Reason::UnsupportedFormat,
                "an Excel 2.x-4.0 worksheet (BIFF2-4), which art32 does not read: ask for the return as .xlsx (or open this file and save it so)",
            ),
        );
    }
    Sniffed::Other
}

/// A worksheet of Excel 2.x to 4.0 (BIFF2-4): a bare record stream that
/// opens with its BOF record, of 4 bytes in BIFF2 (0x0009) and 6 in BIFF3
/// and BIFF4 (0x0209, 0x0409), whose document type is a worksheet (0x10),
/// a chart (0x20), a macro sheet (0x40) or a BIFF4 workbook (0x100).
fn is_biff2_to_4(bytes: &[u8]) -> bool {
    let Some(head) = bytes.get(..8) else { return false };
    let len_ok = matches!(head[..4], [0x09, 0x00, 0x04, 0x00] | [0x09, 0x02 | 0x04, 0x06, 0x00]);
    len_ok && matches!(u16::from_le_bytes([head[6], head[7]]), 0x10 | 0x20 | 0x40 | 0x100)
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    if crate::ingest::xml::utf32(bytes).is_some() || crate::ingest::xml::bare_utf16(bytes).is_some() {
        return true;
    }
    let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<')
}

/// Tells a zip container's format by the parts it lists; a spreadsheet is
/// then held to the zip limits, and one over them is refused as the format
/// it is.
fn sniff_zip(bytes: &[u8], ext: &str, limits: &Limits) -> Sniffed {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => return Sniffed::BrokenZip(e.to_string()),
    };
    // A part's name as calamine looks it up: any case, and `\` read as `/`
    // (Windows' Compress-Archive writes `xl\workbook.xml`).
    let same = |x: &u8, y: u8| x.eq_ignore_ascii_case(&y) || (*x == b'\\' && y == b'/');
    let has = |n: &str| {
        archive
            .file_names_raw()
            .any(|x| x.len() == n.len() && x.iter().zip(n.bytes()).all(|(a, b)| same(a, b)))
    };
    let format = if has("xl/workbook.bin") {
        Format::Xlsb
    } else if has("xl/workbook.xml") {
        if ext == "xlsm" { Format::Xlsm } else { Format::Xlsx }
    } else if has("content.xml") && (has("mimetype") || has("META-INF/manifest.xml")) {
        // OpenDocument: only spreadsheets are returns.
        let mime_ok =
            bytes.get(30..).is_some_and(|b| contains(&b[..b.len().min(120)], b"opendocument.spreadsheet"));
        if !(mime_ok || ext == "ods") {
            return Sniffed::Other;
        }
        Format::Ods
    } else {
        return Sniffed::Other;
    };
    match container::check_spreadsheet(bytes, &mut archive, limits) {
        Ok(Some(copy)) => Sniffed::Unpacked(format, copy),
        Ok(None) => Sniffed::Format(format),
        Err(r) => Sniffed::Refused(format, r),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_stay_apart() {
        use std::os::unix::ffi::OsStrExt;
        let name = |b: &[u8]| super::name_text(std::ffi::OsStr::from_bytes(b));
        assert_eq!(name(b"ok \\ name.xml"), "ok \\ name.xml");
        assert_eq!(name(b"\xff.xml"), "\\xFF.xml");
        assert_ne!(name(b"d\xff/\xc3.xml"), name(b"d\xff/\xc4.xml"));
        assert_eq!(name(b"a\\\xfe"), "a\\\\\\xFE");
    }

    use super::*;

    #[test]
    fn folders_are_walked_down_to_the_depth_limit_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["a/b/c/deep.txt", "a/b/two.txt", "a/one.txt", "b.txt", "a/b/c2/x.txt"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, rel).unwrap();
        }
        let listed = |max_depth: usize| -> Vec<(String, EntryKind)> {
            let limits = Limits { max_depth, ..Limits::default() };
            list(dir.path(), &limits).unwrap().into_iter().map(|c| (c.rel, c.kind)).collect()
        };
        // Two levels of folders: a (level 1) and a/b (level 2); a/b/c is too deep.
        assert_eq!(
            listed(2),
            [
                ("a/b/c".to_owned(), EntryKind::TooDeep),
                ("a/b/c2".to_owned(), EntryKind::TooDeep),
                ("a/b/two.txt".to_owned(), EntryKind::File),
                ("a/one.txt".to_owned(), EntryKind::File),
                ("b.txt".to_owned(), EntryKind::File),
            ]
        );
        let all: Vec<String> = listed(3).into_iter().map(|(rel, _)| rel).collect();
        assert_eq!(all, ["a/b/c/deep.txt", "a/b/c2/x.txt", "a/b/two.txt", "a/one.txt", "b.txt"]);
    }

    #[test]
    fn a_stamp_is_taken_only_of_a_regular_file_that_has_settled() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xlsx");
        std::fs::write(&path, b"bytes").unwrap();
        let m = std::fs::symlink_metadata(&path).unwrap();
        let changed = std::time::UNIX_EPOCH
            + std::time::Duration::new(u64::try_from(m.ctime().max(m.mtime())).unwrap(), 999_999_999);
        assert_eq!(Stamp::of(&m, changed), None, "changed a moment ago");
        assert_eq!(Stamp::of(&m, changed + Stamp::SETTLED / 2), None);
        let stamp = Stamp::of(&m, changed + Stamp::SETTLED * 2).unwrap();
        assert_eq!((stamp.size, stamp.ino), (5, m.ino()));
        let later = std::time::SystemTime::now() + Stamp::SETTLED * 2;
        assert_eq!(Stamp::of(&std::fs::symlink_metadata(dir.path()).unwrap(), later), None, "a folder");
    }

    #[test]
    fn lock_and_system_files_are_ignored_by_name() {
        assert_eq!(ignored_by_name("FRA/~$UNTOC.xlsx").map(|r| r.0), Some(Reason::LockFile));
        assert_eq!(ignored_by_name(".DS_Store").map(|r| r.0), Some(Reason::SystemFile));
        assert_eq!(ignored_by_name("a/Thumbs.db").map(|r| r.0), Some(Reason::SystemFile));
        assert_eq!(ignored_by_name("FRA/UNTOC.xlsx"), None);
    }

    fn sn(bytes: &[u8], ext: &str) -> Sniffed {
        sniff(bytes, ext, &Limits::default())
    }

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(sn(b"", "xlsx"), Sniffed::Empty);
        assert_eq!(sn(b"<?xml version=\"1.0\"?><return/>", "txt"), Sniffed::Format(Format::Xml));
        assert_eq!(sn(b"  <return/>", "xml"), Sniffed::Format(Format::Xml));
        assert_eq!(sn(b"hello", "xlsx"), Sniffed::Other);
        let mut cfb = CFB_MAGIC.to_vec();
        cfb.extend(utf16le("EncryptedPackage"));
        assert_eq!(sn(&cfb, "xlsx"), Sniffed::Encrypted);
        let mut xls = CFB_MAGIC.to_vec();
        xls.extend(utf16le("Workbook"));
        assert_eq!(sn(&xls, ""), Sniffed::Format(Format::Xls));
        // Excel 2.1 and 4.0 BOF records; text that starts with a tab and a NUL is not one.
        assert!(is_biff2_to_4(&[0x09, 0x00, 0x04, 0x00, 0x02, 0x00, 0x10, 0x00, 0x00]));
        assert!(is_biff2_to_4(&[0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01]));
        assert!(!is_biff2_to_4(&[0x09, 0x00, 0x78, 0x00, 0x61, 0x00, 0x62, 0x00]));
        assert!(!is_biff2_to_4(&[0x09, 0x00, 0x04, 0x00]));
        assert!(matches!(sn(b"PK\x03\x04garbage", "xlsx"), Sniffed::BrokenZip(_)));
    }

    #[test]
    fn extensions_are_lower_cased() {
        assert_eq!(extension("a/b/C.XLSX"), "xlsx");
        assert_eq!(extension("a/.hidden"), "");
        assert_eq!(extension("noext"), "");
    }
}
