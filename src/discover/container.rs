//! Zip container limits (xlsx, xlsm, xlsb, ods), checked before calamine
//! opens the file.
//!
//! calamine inflates the parts of a workbook into memory (a 205 KB xlsx with a
//! 200 MB `sharedStrings.xml` costs it over 600 MB), so a container is
//! measured first, in three steps that each cost little memory:
//!
//! 1. the entry count declared by the end-of-central-directory record, read by
//!    hand *before* the `zip` crate builds its index of the entries;
//! 2. each entry's declared uncompressed size, their total, and the
//!    compression ratio of each entry and of the whole container, read from
//!    the central directory;
//! 3. declared sizes can lie, so every entry is then inflated into a sink,
//!    capped at its declared size plus one byte (`Read::take`): an entry that
//!    inflates further is a zip bomb. The XML parts are scanned on the way for
//!    a `<!DOCTYPE`, which workbooks never need (billion laughs, external
//!    entities), and `sharedStrings.xml` for the string count it declares
//!    (`uniqueCount`: calamine reserves memory for that many strings before
//!    it reads one), which must fit in the part; `styles.xml` is measured for
//!    the copies calamine makes of it ([`styles::copy_cost`]).
//!
//! Only containers that are spreadsheets get steps 2 and 3: another zip
//! document in the inbox is ignored, never inflated.
//!
//! Step 3 inflates every entry once; so that calamine does not inflate them a
//! second time, a container whose entries declare at most
//! [`UNPACK_MAX_BYTES`] in all is copied, on the way, into a zip of the same
//! entries *stored* (uncompressed, written by [`super::stored`]), which ingest
//! hands to calamine instead of the file: reading a stored entry is a copy.
//! Larger containers are only measured, and calamine inflates the file itself.
//! A deflated part headed for the copy is inflated in one step by libdeflate
//! ([`inflate_whole`]), into a buffer of its declared size plus one byte,
//! and kept only if it fills exactly its declared size with its declared
//! checksum; any other part, and any part that does not inflate so, goes
//! through the `zip` crate's reader as above, which gives the verdict.
//!
//! Parts that hold none of the workbook's cells, strings, styles or
//! structure ([`unread_part`]: the package's content types, document
//! properties, themes, images, thumbnails) are neither inflated here nor
//! put into the stored copy; their declared sizes still count against the
//! limits. calamine reads none of them for values: without a theme (which it
//! would otherwise parse with the styles, only to resolve colors) it takes
//! the default one. A test reads every workbook of the fixtures from the
//! copy and from the file, and compares every value.

use std::io::{self, Cursor, Read, Write};

use super::stored::StoredZip;
use super::{Limits, styles};
use crate::model::{Reason, Rejection};

/// Entries smaller than this are not held to the compression ratio: small
/// parts of real workbooks (styles, empty sheets) can compress very well and
/// cost nothing. The same grace applies to the container as a whole.
pub const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

/// Containers whose entries declare at most this much in all are unpacked
/// into a stored copy for ingest (see the module documentation); above it,
/// the copy would cost more memory than the second inflate costs time.
pub const UNPACK_MAX_BYTES: u64 = 32 * 1024 * 1024;

const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The number of entries the end-of-central-directory record declares (the
/// zip64 record when the classic one says 0xFFFF), or `None` when there is no
/// such record (the `zip` crate then reports the damage).
pub fn declared_entries(bytes: &[u8]) -> Option<u64> {
    // The record is 22 bytes plus a comment of at most 65,535 bytes.
    let last = bytes.len().checked_sub(22)?;
    let first = last.saturating_sub(65_535);
    let candidates = || (first..=last).rev().filter(|&i| bytes.get(i..i + 4) == Some(EOCD_SIG.as_slice()));
    // The signature may also stand in the archive's comment: the record is
    // the last one whose central directory lies before it (zip64 records
    // say 0xFFFFFFFF there), else the last signature.
    let plausible = |at: usize| match (u32_at(bytes, at + 12), u32_at(bytes, at + 16)) {
        (Some(size), Some(offset)) => {
            size == u32::MAX || offset == u32::MAX || u64::from(offset) + u64::from(size) <= at as u64
        }
        _ => false,
    };
    let at = candidates().find(|&at| plausible(at)).or_else(|| candidates().next())?;
    let total = u16_at(bytes, at + 10)?;
    if total != 0xFFFF {
        return Some(u64::from(total));
    }
    let locator = at.checked_sub(20)?;
    if bytes.get(locator..locator + 4) != Some(ZIP64_LOCATOR_SIG.as_slice()) {
        return Some(u64::from(total));
    }
    let eocd64 = usize::try_from(u64_at(bytes, locator + 8)?).ok()?;
    if bytes.get(eocd64..eocd64 + 4) != Some(ZIP64_EOCD_SIG.as_slice()) {
        return Some(u64::from(total));
    }
    u64_at(bytes, eocd64 + 32)
}

/// Refuses a container that declares more entries than the limit, before any
/// index of its entries is built.
pub fn check_entry_count(bytes: &[u8], limits: &Limits) -> Result<(), Rejection> {
    match declared_entries(bytes) {
        Some(n) if n > limits.max_zip_entries => Err(Rejection::new(
            Reason::TooManyEntries,
            format!("the zip container declares {n} entries, over the limit of {}", limits.max_zip_entries),
        )),
        _ => Ok(()),
    }
}

fn mib(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

fn bomb(message: String) -> Rejection {
    Rejection::new(Reason::ZipBomb, message)
}

/// Checks a spreadsheet container against the limits: declared sizes and
/// ratios from the central directory, then the actual inflated size of every
/// entry and the absence of a `<!DOCTYPE` in its XML parts. Gives the
/// container's entries stored uncompressed, when they are small enough to
/// keep ([`UNPACK_MAX_BYTES`]).
pub fn check_spreadsheet(
    bytes: &[u8],
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, Rejection> {
    let n = archive.len();
    if n as u64 > limits.max_zip_entries {
        return Err(Rejection::new(
            Reason::TooManyEntries,
            format!("the zip container has {n} entries, over the limit of {}", limits.max_zip_entries),
        ));
    }
    // The zip crate keeps one entry per name: a central directory declaring
    // more entries than it kept holds two of one name.
    if let Some(declared) = declared_entries(bytes).filter(|d| *d > n as u64) {
        return Err(Rejection::new(
            Reason::Corrupt,
            format!(
                "not a readable spreadsheet: the zip container declares {declared} entries but names only {n}: two entries share a name, and a package names each part once"
            ),
        ));
    }
    let mut entries = Vec::with_capacity(n);
    let (mut total, mut total_compressed) = (0_u64, 0_u64);
    for i in 0..n {
        let e = archive.by_index_data(i).map_err(|e| damaged(&format!("entry {}", i + 1), &e))?;
        let name = String::from_utf8_lossy(e.name_raw()).into_owned();
        let (size, compressed) = (e.size(), e.compressed_size());
        if size > limits.max_zip_entry_bytes {
            return Err(bomb(format!(
                "zip entry {name:?} declares {} uncompressed, over the limit of {} per entry",
                mib(size),
                mib(limits.max_zip_entry_bytes)
            )));
        }
        if size > RATIO_GRACE_BYTES && size / compressed.max(1) > limits.max_zip_ratio {
            return Err(bomb(format!(
                "zip entry {name:?} inflates {compressed} bytes into {size} (ratio {}:1, over the limit of {}:1)",
                size / compressed.max(1),
                limits.max_zip_ratio
            )));
        }
        total = total.saturating_add(size);
        total_compressed = total_compressed.saturating_add(compressed);
        if total > limits.max_zip_total_bytes {
            return Err(bomb(format!(
                "the zip entries declare more than {} uncompressed in total (the limit), reached at entry {name:?}",
                mib(limits.max_zip_total_bytes)
            )));
        }
        // A part compressed otherwise than stored or deflated (7-Zip's
        // Deflate64, BZIP2, LZMA...): neither art32 nor calamine reads it,
        // and the container is not damaged for all that.
        let method = e.compression();
        if !e.is_dir()
            && !e.encrypted()
            && method != zip::CompressionMethod::Stored
            && method != zip::CompressionMethod::Deflated
        {
            return Err(Rejection::new(
                Reason::Corrupt,
                format!(
                    "not a readable spreadsheet: zip entry {name:?} is compressed with {}, which no spreadsheet application writes; save the workbook again, or zip it with standard Deflate",
                    method_name(method)
                ),
            ));
        }
        // The name as the zip crate decodes it (what calamine looks entries up
        // by), for the stored copy.
        // In the copy, `\` is `/`, as calamine reads it: its lookups by exact
        // name (an xlsb's relationships) then find the part.
        let decoded = e.name().ok().map(|n| n.replace('\\', "/"));
        entries.push((name, decoded, size, e.is_dir(), e.encrypted(), e.crc32()));
    }
    if total > RATIO_GRACE_BYTES && total / total_compressed.max(1) > limits.max_zip_ratio {
        return Err(bomb(format!(
            "the zip container inflates {total_compressed} bytes into {total} (ratio {}:1, over the limit of {}:1)",
            total / total_compressed.max(1),
            limits.max_zip_ratio
        )));
    }
    // A package names each part once, whatever the case (OPC): of two
    // entries of one name, the zip crate and calamine read the last, and a
    // second `sheet1.xml` would replace the first's answers unseen.
    let mut names = std::collections::HashSet::with_capacity(entries.len());
    for (name, _, _, is_dir, ..) in &entries {
        if !*is_dir && !names.insert(part_key(name)) {
            return Err(Rejection::new(
                Reason::Corrupt,
                format!(
                    "not a readable spreadsheet: the zip container holds two entries named {name:?} (ignoring case), and a package names each part once"
                ),
            ));
        }
    }
    let mut copy = (total <= UNPACK_MAX_BYTES).then(|| {
        let capacity = usize::try_from(total).unwrap_or(0).saturating_add(128 * entries.len());
        StoredZip::with_capacity(capacity)
    });
    // One inflater serves every part written into the copy.
    let mut inflater = libdeflater::Decompressor::new();
    // An xlsb's parts are records, each with its length up front.
    let xlsb = entries.iter().any(|(name, ..)| part_key(name) == "xl/workbook.bin");
    let mut skipped = Vec::new();
    for (i, (name, decoded, size, is_dir, encrypted, crc)) in entries.into_iter().enumerate() {
        let unread = unread_part(&name);
        if is_dir {
            if let Some(w) = copy.as_mut()
                && decoded.is_none_or(|d| !w.add_directory(&d))
            {
                copy = None;
            }
            continue;
        }
        if encrypted {
            return Err(Rejection::new(
                Reason::Encrypted,
                format!(
                    "zip entry {name:?} is encrypted: ask the State to send the workbook without a password"
                ),
            ));
        }
        if unread {
            // Left out of the copy: nothing reads it there. Measured only if
            // calamine is to read the file itself after all (below).
            skipped.push((i, name, size));
            continue;
        }
        // A copy that cannot hold the entry (two entries of one name, say)
        // is dropped: calamine then reads the file itself. The entry's
        // checksum is the one the file declares, which inflate_whole checks
        // the inflated bytes against, or else the reader before
        // inflate_capped returns.
        if let Some(w) = copy.as_mut()
            && decoded.is_none_or(|d| !w.start_file(&d, crc))
        {
            copy = None;
        }
        let records = xlsb && is_record_part(&name);
        if let Some(w) = copy.as_mut()
            && inflate_whole(bytes, archive, i, size, crc, w, &mut inflater)
        {
            let mut sink = Sink::new(&name, size, records, None);
            sink.write_all(w.part()).map_err(|e| damaged(&format!("entry {name:?}"), &e))?;
            sink.verdict(&name, limits)?;
        } else {
            inflate_capped(archive, i, &name, size, copy.as_mut(), records, limits)?;
        }
        // An ods's content, in the copy, without the indentation calamine
        // cannot read (super::tidy).
        if name == "content.xml"
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::ods_content(w.part())
        {
            w.replace_part(&tidy);
        }
        // Its cells with text but no type, read as text (super::tidy).
        if name == "content.xml"
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::ods_untyped(w.part())
        {
            w.replace_part(&tidy);
        }
        // Its error cells, read as errors (super::tidy).
        if name == "content.xml"
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::ods_errors(w.part())
        {
            w.replace_part(&tidy);
        }
        // And an xlsx's runs of rich text keep the white space at their
        // edges, as the office suites show it (super::tidy).
        if (is_shared_strings(&name) || (part_key(&name).contains("worksheets/") && is_xml_part(&name)))
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::xlsx_runs(w.part())
        {
            w.replace_part(&tidy);
        }
        // And error cells calamine does not know are read as errors, not
        // as the loss of the sheet (super::tidy).
        if part_key(&name).contains("worksheets/")
            && is_xml_part(&name)
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::xlsx_errors(w.part())
        {
            w.replace_part(&tidy);
        }
        // An xlsb's short cell records, in full (super::tidy).
        if records
            && part_key(&name).starts_with("xl/worksheets/")
            && let Some(w) = copy.as_mut()
            && let Some(tidy) = super::tidy::xlsb_short_cells(w.part())
        {
            w.replace_part(&tidy);
        }
    }
    let copy = copy.and_then(StoredZip::finish);
    if copy.is_none() {
        // calamine reads the file itself, every part of it: a part left
        // unread by name may be read after all (a workbook whose relations
        // point into docProps/, say), so each is measured and scanned too.
        for (i, name, size) in skipped {
            inflate_capped(archive, i, &name, size, None, xlsb && is_record_part(&name), limits)?;
        }
    }
    Ok(copy)
}

/// A zip compression method as people know it.
fn method_name(method: zip::CompressionMethod) -> String {
    // The zip crate names the methods it was built without by number only.
    let debug = format!("{method:?}");
    let number = debug
        .strip_prefix("Unsupported(")
        .and_then(|r| r.strip_suffix(')'))
        .and_then(|n| n.parse::<u16>().ok());
    match number {
        Some(9) => "Deflate64".into(),
        Some(12) => "BZIP2".into(),
        Some(14) => "LZMA".into(),
        Some(93) => "Zstandard".into(),
        Some(95) => "XZ".into(),
        Some(98) => "PPMd".into(),
        Some(n) => format!("compression method {n}"),
        None => debug,
    }
}

fn lies(name: &str, declared: u64) -> Rejection {
    bomb(format!("zip entry {name:?} inflates to more than the {declared} bytes it declares"))
}

fn damaged(what: &str, e: &dyn std::fmt::Display) -> Rejection {
    Rejection::new(
        Reason::Corrupt,
        format!("not a readable spreadsheet: damaged zip container ({what}: {e})"),
    )
}

/// Parts of a workbook that hold none of its cells, strings, styles or
/// structure: OOXML's content types, document properties, themes, images
/// and printer settings; OpenDocument's thumbnails, pictures and UI
/// configuration.
fn unread_part(name: &str) -> bool {
    let lower = part_key(name);
    lower == "[content_types].xml"
        || [
            "docprops/",
            "xl/theme/",
            "xl/media/",
            "xl/printersettings/",
            "thumbnails/",
            "pictures/",
            "configurations2/",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The shared strings of an xlsx (calamine opens `sharedStrings.xml` in the
/// workbook's folder, whatever the case of its name).
fn is_shared_strings(name: &str) -> bool {
    let lower = part_key(name);
    lower == "sharedstrings.xml" || lower.ends_with("/sharedstrings.xml")
}

/// The stylesheet of an xlsx (calamine opens `styles.xml` in the workbook's
/// folder).
fn is_stylesheet(name: &str) -> bool {
    let lower = part_key(name);
    lower == "styles.xml" || lower.ends_with("/styles.xml")
}

/// A binary part of an xlsb that calamine may read as records: any `.bin`
/// but printer settings, ActiveX controls and embedded objects (Windows
/// structures and compound files, not records).
fn is_record_part(name: &str) -> bool {
    let lower = part_key(name);
    lower.ends_with(".bin")
        && !["xl/printersettings/", "xl/activex/", "xl/embeddings/"].iter().any(|p| lower.starts_with(p))
}

/// The macros of a workbook (`vbaProject.bin`): a compound file, which
/// calamine reads only when asked for the macros.
fn is_macros(name: &str) -> bool {
    part_key(name).ends_with("/vbaproject.bin")
}

/// A part's name as calamine looks parts up: `\` read as `/`, any case.
fn part_key(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

fn is_xml_part(name: &str) -> bool {
    let lower = part_key(name);
    lower.ends_with(".xml") || lower.ends_with(".rels")
}

/// Inflates a deflated entry in one step, straight into the stored copy's
/// current part, with libdeflate: the part's bytes are all in memory and
/// its size is declared, so no stream is needed, and this is about a third
/// faster than inflating through the `zip` crate's reader. `true` when the
/// entry inflated to exactly its declared size with its declared checksum;
/// otherwise (damage, a size that lies, another compression method) the
/// part is left empty and `false` lets [`inflate_capped`] read it as before
/// and give its verdict. The output buffer holds the declared size plus one
/// byte, so no entry inflates past it.
fn inflate_whole(
    bytes: &[u8],
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    declared: u64,
    crc: u32,
    copy: &mut StoredZip,
    inflater: &mut libdeflater::Decompressor,
) -> bool {
    let Ok(size) = usize::try_from(declared) else { return false };
    let raw = {
        let Ok(entry) = archive.by_index_raw(index) else { return false };
        if entry.compression() != zip::CompressionMethod::Deflated || entry.encrypted() {
            return false;
        }
        let start = entry.data_start().and_then(|s| usize::try_from(s).ok());
        let len = usize::try_from(entry.compressed_size()).ok();
        match (start, len) {
            (Some(start), Some(len)) => start.checked_add(len).and_then(|end| bytes.get(start..end)),
            _ => None,
        }
    };
    let Some(raw) = raw else { return false };
    let out = copy.grow_part(size.saturating_add(1));
    let whole = match inflater.deflate_decompress(raw, out) {
        Ok(n) => n == size && out.get(..n).is_some_and(|data| libdeflater::crc32(data) == crc),
        Err(_) => false,
    };
    copy.keep(if whole { size } else { 0 });
    whole
}

/// Inflates one entry into a sink, at most its declared size plus one byte,
/// and into the stored copy's current entry when there is one.
fn inflate_capped(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    name: &str,
    declared: u64,
    copy: Option<&mut StoredZip>,
    records: bool,
    limits: &Limits,
) -> Result<(), Rejection> {
    let entry = archive.by_index(index).map_err(|e| damaged(&format!("entry {name:?}"), &e))?;
    let mut sink = Sink::new(name, declared, records, copy);
    if let Err(e) = io::copy(&mut entry.take(declared.saturating_add(1)), &mut sink) {
        // The zip crate itself stops an entry at its declared size, with this
        // error; anything else is damage.
        if e.to_string().contains("larger than its declared") {
            return Err(lies(name, declared));
        }
        return Err(damaged(&format!("entry {name:?}"), &e));
    }
    if sink.written > declared {
        return Err(lies(name, declared));
    }
    sink.verdict(name, limits)?;
    Ok(())
}

/// Counts what is written; optionally looks for `<!DOCTYPE` on the way, and
/// copies it into the stored copy.
struct Sink<'a> {
    doctype: Option<DoctypeScan>,
    /// For a shared strings part: the string count it declares.
    strings: Option<CountScan>,
    /// For a stylesheet: its bytes, measured once whole ([`styles::copy_cost`]).
    held: Option<Vec<u8>>,
    /// For a binary part of an xlsb: its records' headers.
    records: Option<RecordScan>,
    written: u64,
    copy: Option<&'a mut StoredZip>,
}

impl<'a> Sink<'a> {
    /// A sink for the part `name`, which declares `declared` bytes
    /// uncompressed; `records` when it is an xlsb part of records.
    fn new(name: &str, declared: u64, records: bool, copy: Option<&'a mut StoredZip>) -> Self {
        Sink {
            doctype: is_xml_part(name).then(DoctypeScan::default),
            strings: is_shared_strings(name).then(CountScan::default),
            held: is_stylesheet(name)
                .then(|| Vec::with_capacity(usize::try_from(declared.min(1 << 20)).unwrap_or(0))),
            records: records
                .then(|| RecordScan { may_be_compound: is_macros(name), ..RecordScan::default() }),
            written: 0,
            copy,
        }
    }

    /// What the scans found in the part `name`, once it is all inflated.
    fn verdict(&self, name: &str, limits: &Limits) -> Result<(), Rejection> {
        if let Some(scan) = &self.strings {
            // A `<si/>` takes 5 bytes: more strings than the part can hold is a
            // count made up, and calamine reserves memory for every one of them
            // before it reads the first (24 bytes each). Small overcounts, which
            // careless writers make, cost little and pass.
            let can_hold = self.written / 5;
            if scan.max > can_hold && scan.max > MAX_STRINGS_OVERCOUNT {
                return Err(Rejection::new(
                    Reason::TooLarge,
                    format!(
                        "the shared strings part {name:?} declares {} strings (uniqueCount) in {} bytes, which can hold at most {can_hold}: \
                         reading it would reserve memory for every one",
                        if scan.max == u64::MAX {
                            "an endless number of".to_owned()
                        } else {
                            scan.max.to_string()
                        },
                        self.written
                    ),
                ));
            }
        }
        // What calamine will hold for the shared strings: their text (at
        // most the part) and a String for each one.
        let strings = self.strings.as_ref().map(|s| s.elements).or(self.records.as_ref().map(|r| r.strings));
        if let Some(n) = strings.filter(|n| *n > 0) {
            let cost = n.saturating_mul(STRING_COST).saturating_add(self.written);
            if cost > limits.max_text_bytes {
                return Err(Rejection::new(
                    Reason::TooLarge,
                    format!(
                        "the shared strings part {name:?} holds {n} strings in {} bytes: reading them takes about {} MB, over the limit for text of {}",
                        self.written,
                        cost.div_ceil(1_000_000),
                        mib(limits.max_text_bytes)
                    ),
                ));
            }
        }
        if let Some(scan) = &self.records {
            if let Some(len) = scan.long_name {
                return Err(Rejection::new(
                    Reason::TooLarge,
                    format!(
                        "the binary part {name:?} defines a name of {len} bytes, over the limit of {MAX_NAME_RECORD} (reading its formula costs the square of its length)"
                    ),
                ));
            }
            if let Some(typ) = scan.short {
                return Err(Rejection::new(
                    Reason::Corrupt,
                    format!(
                        "not a readable spreadsheet: a record (type {typ:#06x}) of the binary part {name:?} is shorter than the fields it declares"
                    ),
                ));
            }
            if let RecordState::Body(rest) = scan.state
                && rest > MAX_RECORD_OVERRUN
            {
                return Err(Rejection::new(
                    Reason::Corrupt,
                    format!(
                        "not a readable spreadsheet: the last record of the binary part {name:?} declares {rest} bytes more than the part holds"
                    ),
                ));
            }
        }
        if let Some(xml) = &self.held {
            let cost = styles::copy_cost(xml);
            if cost > limits.max_text_bytes {
                return Err(Rejection::new(
                    Reason::TooLarge,
                    format!(
                        "the stylesheet {name:?} makes the cell formats copy up to {} of fonts, fills, borders and number formats (the limit for text is {})",
                        mib(cost),
                        mib(limits.max_text_bytes)
                    ),
                ));
            }
        }
        if self.doctype.is_some_and(|d| d.found) {
            return Err(Rejection::new(
                Reason::DoctypeForbidden,
                format!(
                    "the workbook part {name:?} has a <!DOCTYPE> declaration: workbooks never need one, and it is not processed"
                ),
            ));
        }
        Ok(())
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written = self.written.saturating_add(buf.len() as u64);
        if let Some(scan) = self.doctype.as_mut() {
            scan.feed(buf);
        }
        if let Some(scan) = self.strings.as_mut() {
            scan.feed(buf);
        }
        if let Some(held) = self.held.as_mut() {
            held.extend_from_slice(buf);
        }
        if let Some(scan) = self.records.as_mut() {
            scan.feed(buf);
        }
        if let Some(w) = self.copy.as_mut() {
            w.write(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How many more strings than its part can hold a shared strings count may
/// declare before the workbook is refused (calamine reserves 24 bytes for
/// each: 2.4 MB).
const MAX_STRINGS_OVERCOUNT: u64 = 100_000;

const UNIQUE_COUNT: &[u8] = b"uniqueCount";

/// Longest run of spaces and digits after `uniqueCount` that is still read
/// as one value; longer, the count is taken as endless.
const MAX_COUNT_TAIL: usize = 256;

/// Finds the largest `uniqueCount="N"` in a stream of chunks, across chunk
/// boundaries: calamine reserves room for N strings when it opens the
/// workbook. Every occurrence counts, wherever it is: at worst a text that
/// happens to read so makes the count larger, never smaller.
#[derive(Debug, Default)]
struct CountScan {
    /// The end of the previous chunk, where a match may continue.
    carry: Vec<u8>,
    max: u64,
    /// The `<si>` elements seen: calamine holds a `String` for each, even
    /// an empty `<si/>` (13 million of them, 67 MB stored, took 592 MB).
    elements: u64,
    /// The last bytes of the previous chunk, where an `<si` may begin.
    tail: [u8; 3],
    tail_len: usize,
}

/// What follows `uniqueCount`.
enum CountAt {
    Count(u64),
    /// The chunk ends before the value does.
    Incomplete,
    NotACount,
}

/// What calamine holds for each shared string besides its text, in bytes
/// (a `String` and its share of the vector's growth), as the xls reader
/// counts it.
const STRING_COST: u64 = 32;

/// Whether `at` in `data` opens a `<si>` element: `<si` then `>`, `/` or
/// white space.
fn opens_si(data: &[u8], at: usize) -> bool {
    data.get(at..at + 3) == Some(b"<si")
        && matches!(data.get(at + 3), Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
}

impl CountScan {
    /// Counts the `<si` openings in a chunk. One is counted once its fourth
    /// byte is seen: those that begin in the last three bytes are decided
    /// with the next chunk, from [`CountScan::tail`].
    fn count_elements(&mut self, buf: &[u8]) {
        let mut room = [0u8; 6];
        let carried = self.tail_len;
        let head = buf.len().min(3);
        room[..carried].copy_from_slice(&self.tail[..carried]);
        room[carried..carried + head].copy_from_slice(&buf[..head]);
        let joined = &room[..carried + head];
        self.elements +=
            (0..carried).filter(|&at| at + 3 < joined.len() && opens_si(joined, at)).count() as u64;
        self.elements += memchr::memmem::find_iter(buf, b"<si")
            .filter(|&at| at + 3 < buf.len() && opens_si(buf, at))
            .count() as u64;
        // The last three bytes of all that was seen: the openings not decided.
        let last =
            if buf.len() >= 3 { &buf[buf.len() - 3..] } else { &joined[joined.len().saturating_sub(3)..] };
        self.tail[..last.len()].copy_from_slice(last);
        self.tail_len = last.len();
    }

    fn feed(&mut self, buf: &[u8]) {
        self.count_elements(buf);
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            buf
        } else {
            let mut j = std::mem::take(&mut self.carry);
            j.extend_from_slice(buf);
            joined = j;
            &joined
        };
        let mut keep_from = data.len().saturating_sub(UNIQUE_COUNT.len() - 1);
        for at in memchr::memmem::find_iter(data, UNIQUE_COUNT) {
            match count_at(&data[at + UNIQUE_COUNT.len()..]) {
                CountAt::Count(n) => self.max = self.max.max(n),
                CountAt::NotACount => {}
                CountAt::Incomplete if data.len() - at > MAX_COUNT_TAIL => self.max = u64::MAX,
                CountAt::Incomplete => {
                    keep_from = keep_from.min(at);
                    break;
                }
            }
        }
        self.carry = data[keep_from..].to_vec();
    }
}

/// Reads `\s*=\s*["']digits` as calamine's attribute reader and number
/// parser would, saturating on overflow.
fn count_at(rest: &[u8]) -> CountAt {
    let mut bytes = rest.iter().copied().skip_while(u8::is_ascii_whitespace).peekable();
    match bytes.next() {
        None => return CountAt::Incomplete,
        Some(b'=') => {}
        Some(_) => return CountAt::NotACount,
    }
    let mut bytes = bytes.skip_while(u8::is_ascii_whitespace);
    match bytes.next() {
        None => return CountAt::Incomplete,
        Some(b'"' | b'\'') => {}
        Some(_) => return CountAt::NotACount,
    }
    let mut n: Option<u64> = None;
    for b in bytes {
        if !b.is_ascii_digit() {
            return n.map_or(CountAt::NotACount, CountAt::Count);
        }
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(u64::from(b - b'0')));
    }
    CountAt::Incomplete
}

/// Longest defined name (BrtName record) of an xlsb: calamine renders its
/// formula at a cost that grows with the square of its length (1 MB of
/// parentheses took 23 s). Excel's own limit on a formula is 8,192
/// characters.
const MAX_NAME_RECORD: u64 = 64 * 1024;

/// How far past the end of its part the last record may claim to run: for
/// any record it reads, calamine first makes a buffer of the declared length
/// (up to 256 MiB), then finds the part too short.
const MAX_RECORD_OVERRUN: u64 = 1024 * 1024;

/// BrtName, a defined name in an xlsb workbook.
const BRT_NAME: u16 = 0x0027;
/// MS-XLSB BrtSSTItem: one shared string.
const BRT_SST_ITEM: u16 = 0x0013;

/// The magic number of a compound file (an embedded object or macros in a
/// `.bin` part: not records).
const COMPOUND_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Walks the record headers of an xlsb binary part as they stream by, as
/// calamine reads them: a type of one or two bytes and a length of one to
/// four, seven bits each.
#[derive(Debug, Default)]
struct RecordScan {
    state: RecordState,
    started: bool,
    /// A compound file, not records: nothing to walk. Only a part that
    /// calamine never reads as records may be one (macros): calamine reads
    /// the others as records whatever they start with.
    compound: bool,
    may_be_compound: bool,
    typ: u16,
    /// The length of a defined name over [`MAX_NAME_RECORD`].
    long_name: Option<u64>,
    /// The shared strings (BrtSSTItem) seen: calamine holds a `String` for
    /// each, as for an xlsx `<si>`.
    strings: u64,
    /// A record of [`FIELDED`] being read: its type, length and first bytes.
    watched: Option<(u16, u64, Vec<u8>)>,
    /// The type of a record shorter than the fields calamine reads from it.
    short: Option<u16>,
}

/// Records whose fields calamine reads from its buffer without looking at
/// the record's length, so that a record too short for them is read with
/// the bytes of an earlier, longer one (one long string re-read for each of
/// 250,000 empty records: a crash, or hours): BrtFmt, BrtSSTItem and
/// BrtExternSheet.
const FIELDED: [u16; 3] = [0x002C, 0x0013, 0x016A];

/// The length a record of [`FIELDED`] needs for the fields it declares in
/// its first bytes `head`; `None` when `head` cannot even hold the count.
fn fielded_len(typ: u16, head: &[u8]) -> Option<u64> {
    let count = |at: usize| Some(u64::from(u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?)));
    match typ {
        // A format id, then a string (a length in characters, UTF-16).
        0x002C => Some(6 + 2 * count(2)?),
        // A flags byte, then a string.
        0x0013 => Some(5 + 2 * count(1)?),
        // A count of 12-byte entries.
        _ => Some(4 + 12 * count(0)?),
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum RecordState {
    #[default]
    Type,
    /// The low seven bits of a two-byte type.
    Type2(u16),
    Len {
        shift: u32,
        len: u64,
    },
    /// Bytes of the record's body still to come.
    Body(u64),
}

impl RecordScan {
    /// A record has been read to its end: a watched one must hold its fields.
    fn record_read(&mut self) {
        if let Some((typ, len, head)) = self.watched.take()
            && fielded_len(typ, &head).is_none_or(|needed| len < needed)
        {
            self.short = Some(typ);
        }
    }

    fn feed(&mut self, mut buf: &[u8]) {
        if !self.started {
            self.started = true;
            self.compound = self.may_be_compound && buf.starts_with(&COMPOUND_MAGIC);
        }
        if self.compound {
            return;
        }
        while let Some((&b, rest)) = buf.split_first() {
            self.state = match self.state {
                RecordState::Body(n) => {
                    let k = n.min(buf.len() as u64);
                    let taken = usize::try_from(k).unwrap_or(buf.len());
                    if let Some((_, _, head)) = self.watched.as_mut()
                        && head.len() < 8
                    {
                        head.extend_from_slice(&buf[..taken.min(8 - head.len())]);
                    }
                    buf = &buf[taken..];
                    self.state = if k == n {
                        self.record_read();
                        RecordState::Type
                    } else {
                        RecordState::Body(n - k)
                    };
                    continue;
                }
                RecordState::Type if b & 0x80 != 0 => RecordState::Type2(u16::from(b & 0x7F)),
                RecordState::Type => {
                    self.typ = u16::from(b);
                    RecordState::Len { shift: 0, len: 0 }
                }
                RecordState::Type2(low) => {
                    self.typ = low + (u16::from(b & 0x7F) << 7);
                    RecordState::Len { shift: 0, len: 0 }
                }
                RecordState::Len { shift, len } => {
                    let len = len + (u64::from(b & 0x7F) << (7 * shift));
                    if b & 0x80 != 0 && shift < 3 {
                        RecordState::Len { shift: shift + 1, len }
                    } else {
                        if self.typ == BRT_SST_ITEM {
                            self.strings += 1;
                        }
                        if self.typ == BRT_NAME && len > MAX_NAME_RECORD {
                            self.long_name = Some(self.long_name.unwrap_or(0).max(len));
                        }
                        if FIELDED.contains(&self.typ) {
                            self.watched = Some((self.typ, len, Vec::with_capacity(8)));
                        }
                        if len == 0 {
                            self.record_read();
                            RecordState::Type
                        } else {
                            RecordState::Body(len)
                        }
                    }
                }
            };
            buf = rest;
        }
    }
}

const DOCTYPE: &[u8] = b"<!DOCTYPE";

/// Finds `<!DOCTYPE` in a stream of chunks, across chunk boundaries.
#[derive(Debug, Default, Clone, Copy)]
struct DoctypeScan {
    /// The last bytes of the previous chunk (at most `DOCTYPE.len() - 1`).
    carry: [u8; 8],
    carry_len: usize,
    found: bool,
}

impl DoctypeScan {
    fn feed(&mut self, buf: &[u8]) {
        if self.found {
            return;
        }
        // The carry joined with the head of this chunk covers a match that
        // straddles the boundary.
        let head = &buf[..buf.len().min(DOCTYPE.len() - 1)];
        let mut joined = [0_u8; 16];
        joined[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
        joined[self.carry_len..self.carry_len + head.len()].copy_from_slice(head);
        if super::contains(&joined[..self.carry_len + head.len()], DOCTYPE) || super::contains(buf, DOCTYPE) {
            self.found = true;
            return;
        }
        let keep = DOCTYPE.len() - 1;
        if buf.len() >= keep {
            self.carry[..keep].copy_from_slice(&buf[buf.len() - keep..]);
            self.carry_len = keep;
        } else {
            // Shift the old carry left and append this short chunk.
            let total = self.carry_len + buf.len();
            let mut all = [0_u8; 16];
            all[..self.carry_len].copy_from_slice(&self.carry[..self.carry_len]);
            all[self.carry_len..total].copy_from_slice(buf);
            let start = total.saturating_sub(keep);
            self.carry_len = total - start;
            self.carry[..self.carry_len].copy_from_slice(&all[start..total]);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn doctype_is_found_across_chunk_boundaries() {
        let text = b"<?xml version=\"1.0\"?>\n<!DOCTYPE sst [<!ENTITY a \"b\">]><sst/>";
        for split in 0..text.len() {
            let mut scan = DoctypeScan::default();
            scan.feed(&text[..split]);
            scan.feed(&text[split..]);
            assert!(scan.found, "split at {split}");
        }
        let mut scan = DoctypeScan::default();
        for b in text.iter() {
            scan.feed(std::slice::from_ref(b));
        }
        assert!(scan.found, "byte by byte");
        let mut clean = DoctypeScan::default();
        clean.feed(b"<sst><si><t>&lt;!DOCTYPE</t></si></sst>");
        assert!(!clean.found);
    }

    fn deflated_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, deflated).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn a_part_compressed_with_another_method_is_named_as_such() {
        let zip = deflated_zip(&[("xl/workbook.xml", b"<workbook/>"), ("content.xml", b"<a/>")]);
        // The central directory's method (and, after it, its time): 9 is Deflate64.
        let deflate64 = patch_central(zip, "content.xml", 10, 9);
        let mut archive = zip::ZipArchive::new(Cursor::new(deflate64.as_slice())).unwrap();
        let err = check_spreadsheet(&deflate64, &mut archive, &Limits::default()).unwrap_err();
        assert_eq!(err.reason, Reason::Corrupt);
        assert!(err.message.contains("\"content.xml\" is compressed with Deflate64"), "{}", err.message);
    }

    #[test]
    fn an_end_record_signature_in_the_comment_is_not_the_end_record() {
        let zip = deflated_zip(&[("a.xml", b"<a/>"), ("b.xml", b"<b/>")]);
        assert_eq!(declared_entries(&zip), Some(2));
        // A comment holding the signature, then a made-up count (0x7878) and
        // a central directory that cannot be where it says.
        let mut comment = b"note: PK\x05\x06\0\0\0\0xxxx".to_vec();
        comment.extend_from_slice(&[b'x'; 24]);
        let mut with = zip.clone();
        let end = with.len() - 22;
        with[end + 20..end + 22].copy_from_slice(&u16::try_from(comment.len()).unwrap().to_le_bytes());
        with.extend_from_slice(&comment);
        assert_eq!(declared_entries(&with), Some(2));
        assert!(check_entry_count(&with, &Limits::default()).is_ok());
    }

    /// `zip` with the central directory's field at `offset` (16: checksum,
    /// 24: uncompressed size) of the entry `name` set to `value`: what the
    /// reader goes by.
    fn patch_central(mut zip: Vec<u8>, name: &str, offset: usize, value: u32) -> Vec<u8> {
        let at = (0..zip.len() - 46)
            .find(|&i| {
                zip[i..i + 4] == *b"PK\x01\x02" && {
                    let n = usize::from(u16::from_le_bytes([zip[i + 28], zip[i + 29]]));
                    zip.get(i + 46..i + 46 + n) == Some(name.as_bytes())
                }
            })
            .unwrap();
        zip[at + offset..at + offset + 4].copy_from_slice(&value.to_le_bytes());
        zip
    }

    fn verdict_and_copy(zip: &[u8]) -> Result<Option<Vec<u8>>, Reason> {
        let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        check_spreadsheet(zip, &mut archive, &Limits::default()).map_err(|r| r.reason)
    }

    #[test]
    fn parts_that_inflate_whole_in_one_step_or_not_get_the_streamed_verdict() {
        let sheet = b"<worksheet><sheetData><row r=\"1\"/></sheetData></worksheet>".repeat(40);
        let zip = deflated_zip(&[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &sheet)]);
        let name = "xl/worksheets/sheet1.xml";
        // Whole, in one step: the copy holds the part.
        let copy = verdict_and_copy(&zip).unwrap().unwrap();
        let mut copied = zip::ZipArchive::new(Cursor::new(copy.as_slice())).unwrap();
        let mut read = Vec::new();
        copied.by_name(name).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read, sheet);
        // A checksum that does not match: damaged, as the reader finds.
        assert_eq!(
            verdict_and_copy(&patch_central(zip.clone(), name, 16, 0xDEAD_BEEF)),
            Err(Reason::Corrupt)
        );
        // A part that inflates past the size it declares: a zip bomb.
        let short = u32::try_from(sheet.len() - 10).unwrap();
        assert_eq!(verdict_and_copy(&patch_central(zip.clone(), name, 24, short)), Err(Reason::ZipBomb));
        // A part that declares more than it holds is read as the reader reads
        // it, whole, into the copy.
        let long = u32::try_from(sheet.len() + 1000).unwrap();
        let copy = verdict_and_copy(&patch_central(zip, name, 24, long)).unwrap().unwrap();
        let mut copied = zip::ZipArchive::new(Cursor::new(copy.as_slice())).unwrap();
        let mut read = Vec::new();
        copied.by_name(name).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read, sheet);
    }

    #[test]
    fn the_stored_copy_holds_the_parts_read_uncompressed_and_leaves_out_the_others() {
        let theme = b"<a:theme/>".repeat(500);
        let sheet = b"<worksheet><sheetData/></worksheet>".repeat(50);
        let entries: [(&str, &[u8]); 5] = [
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/theme/theme1.xml", &theme),
            ("docProps/app.xml", b"<Properties/>"),
            ("xl/worksheets/sh\u{e9}et1.xml", &sheet),
        ];
        let bytes = deflated_zip(&entries);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        let copy = check_spreadsheet(bytes.as_slice(), &mut archive, &Limits::default()).unwrap().unwrap();
        let mut copied = zip::ZipArchive::new(Cursor::new(copy.as_slice())).unwrap();
        let read: Vec<_> = entries.iter().filter(|(name, _)| !unread_part(name)).collect();
        assert_eq!(copied.len(), read.len());
        for (name, data) in read {
            let mut e = copied.by_name(name).unwrap();
            assert_eq!(e.compression(), zip::CompressionMethod::Stored, "{name}");
            let mut content = Vec::new();
            io::Read::read_to_end(&mut e, &mut content).unwrap();
            assert_eq!(&content, data, "{name}");
        }
    }

    /// A sheet's name and its values with their positions.
    type SheetValues = (String, Vec<((u32, u32), calamine::Data)>);

    /// Every value of every sheet as calamine reads it (cell by cell, as
    /// ingest does), with its position.
    fn values(xlsx: &[u8]) -> Vec<SheetValues> {
        use calamine::Reader;
        let mut wb = calamine::Xlsx::new(Cursor::new(xlsx)).unwrap();
        wb.sheet_names()
            .into_iter()
            .map(|name| {
                let mut reader = wb.worksheet_cells_reader(&name).unwrap();
                let mut cells = Vec::new();
                while let Some(cell) = reader.next_cell().unwrap() {
                    cells.push((cell.get_position(), calamine::Data::from(cell.get_value().clone())));
                }
                (name, cells)
            })
            .collect()
    }

    fn stored_copy(xlsx: &[u8]) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        check_spreadsheet(xlsx, &mut archive, &Limits::default()).unwrap().unwrap()
    }

    #[test]
    fn dates_numbers_and_text_read_the_same_from_the_stored_copy() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let formats = [
            Format::new(),
            Format::new().set_num_format("dd/mm/yyyy"),
            Format::new().set_num_format("yyyy-mm-dd hh:mm").set_bold(),
            Format::new().set_num_format("[$-F800]dddd, mmmm dd, yyyy").set_italic(),
            Format::new().set_num_format("0.00%").set_font_color("#FF0000"),
            Format::new()
                .set_num_format("\"CHF\" #,##0.00")
                .set_background_color("#FFFF00")
                .set_border(rust_xlsxwriter::FormatBorder::Thin),
            Format::new().set_num_format("h:mm:ss"),
            Format::new().set_num_format_index(14),
            Format::new().set_num_format("@"),
        ];
        let date = ExcelDateTime::from_ymd(2026, 2, 10).unwrap().and_hms(9, 30, 0).unwrap();
        for (row, format) in (0_u32..).zip(&formats) {
            ws.write_number_with_format(row, 0, 46_063.395_833, format).unwrap();
            ws.write_datetime_with_format(row, 1, &date, format).unwrap();
            ws.write_string_with_format(row, 2, "r\u{e9}ponse", format).unwrap();
            ws.write_boolean_with_format(row, 3, row % 2 == 0, format).unwrap();
        }
        let xlsx = wb.save_to_buffer().unwrap();
        let copy = stored_copy(&xlsx);
        let has_theme = |zip: &[u8]| {
            zip::ZipArchive::new(Cursor::new(zip)).unwrap().by_name("xl/theme/theme1.xml").is_ok()
        };
        assert!(has_theme(&xlsx) && !has_theme(&copy), "the theme is left out of the copy");
        let read = values(&copy);
        assert_eq!(read, values(&xlsx));
        let dates = read[0].1.iter().filter(|(_, v)| matches!(v, calamine::Data::DateTime(_))).count();
        assert!(dates >= 10, "{read:?}");
    }

    /// Whether some part of an xlsx has runs of rich text that do not say to
    /// keep their white space.
    fn has_trimmed_runs(xlsx: &[u8]) -> bool {
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        (0..archive.len()).any(|i| {
            let mut part = Vec::new();
            archive.by_index(i).unwrap().read_to_end(&mut part).unwrap();
            super::super::tidy::xlsx_runs(&part).is_some()
        })
    }

    /// Values with the white space taken out of their text.
    fn without_spaces(sheets: Vec<SheetValues>) -> Vec<SheetValues> {
        sheets
            .into_iter()
            .map(|(name, cells)| {
                let cells = cells
                    .into_iter()
                    .map(|(at, v)| match v {
                        calamine::Data::String(s) => {
                            (at, calamine::Data::String(s.chars().filter(|c| !c.is_whitespace()).collect()))
                        }
                        v => (at, v),
                    })
                    .collect();
                (name, cells)
            })
            .collect()
    }

    #[test]
    fn every_workbook_of_the_fixtures_reads_the_same_from_the_stored_copy() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut stack = vec![root];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if !path.ends_with("hostile") {
                        stack.push(path);
                    }
                    continue;
                }
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
                if ext != "xlsx" && ext != "xlsm" {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes.as_slice())) else { continue };
                // Workbooks refused by the check or that calamine cannot open
                // are the hostile ones, tested elsewhere.
                let Ok(Some(copy)) = check_spreadsheet(bytes.as_slice(), &mut archive, &Limits::default())
                else {
                    continue;
                };
                if <calamine::Xlsx<_> as calamine::Reader<_>>::new(Cursor::new(bytes.as_slice())).is_err() {
                    continue;
                }
                let (from_copy, from_file) = (values(&copy), values(&bytes));
                if from_copy != from_file {
                    // Only rich-text runs whose edge spaces calamine trims
                    // in the file and the copy keeps (super::super::tidy).
                    assert!(has_trimmed_runs(&bytes), "{}", path.display());
                    assert_eq!(without_spaces(from_copy), without_spaces(from_file), "{}", path.display());
                }
                seen += 1;
            }
        }
        assert!(seen >= 20, "only {seen} workbooks compared");
    }

    #[test]
    fn the_declared_string_count_is_found_across_chunk_boundaries() {
        let text =
            b"<?xml version=\"1.0\"?><sst count=\"7\" uniqueCount = '1000000000'><si><t>a</t></si></sst>";
        for split in 0..text.len() {
            let mut scan = CountScan::default();
            scan.feed(&text[..split]);
            scan.feed(&text[split..]);
            assert_eq!(scan.max, 1_000_000_000, "split at {split}");
        }
        let mut scan = CountScan::default();
        for b in text.iter() {
            scan.feed(std::slice::from_ref(b));
        }
        assert_eq!(scan.max, 1_000_000_000, "byte by byte");
        for (text, max) in [
            (&b"<sst uniqueCount=\"3\"><si><t>uniqueCount</t></si></sst>"[..], 3),
            (b"<sst uniqueCount=\"99999999999999999999999\">", u64::MAX),
            (b"<sst uniqueCount=\"x\"/>", 0),
            (b"<sst/>", 0),
        ] {
            let mut scan = CountScan::default();
            scan.feed(text);
            assert_eq!(scan.max, max, "{}", String::from_utf8_lossy(text));
        }
        // Padding that never ends is not followed: the count is endless.
        let mut scan = CountScan::default();
        scan.feed(b"<sst uniqueCount=");
        for _ in 0..100 {
            scan.feed(&[b' '; 10]);
        }
        assert_eq!(scan.max, u64::MAX);
        assert!(scan.carry.len() <= MAX_COUNT_TAIL + 16);
    }

    #[test]
    fn shared_strings_are_counted_across_chunk_boundaries() {
        let text = b"<sst><si><t>a</t></si><si/><si ><t>sign</t></si><sib/><si\n/><x:si/><t><si</t></sst>";
        let want = 4;
        for split in 0..text.len() {
            for split2 in split..text.len() {
                let mut scan = CountScan::default();
                scan.feed(&text[..split]);
                scan.feed(&text[split..split2]);
                scan.feed(&text[split2..]);
                assert_eq!(scan.elements, want, "split at {split}, {split2}");
            }
        }
        let mut scan = CountScan::default();
        for b in text.iter() {
            scan.feed(std::slice::from_ref(b));
        }
        assert_eq!(scan.elements, want, "byte by byte");
    }

    #[test]
    fn millions_of_empty_shared_strings_are_too_large() {
        // 3 million `<si/>` (15 MB stored): calamine would hold a String for
        // each, about 96 MB, over a 64 MiB limit for text.
        let mut sst = String::from("<sst>");
        sst.push_str(&"<si/>".repeat(3_000_000));
        sst.push_str("</sst>");
        let xlsx =
            deflated_zip(&[("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", sst.as_bytes())]);
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx.as_slice())).unwrap();
        let limits = Limits { max_zip_ratio: u64::MAX, ..Limits::default() };
        let err = check_spreadsheet(xlsx.as_slice(), &mut archive, &limits).unwrap_err();
        assert_eq!(err.reason, Reason::TooLarge, "{}", err.message);
        assert!(err.message.contains("3000000 strings"), "{}", err.message);
        // A workbook's usual few hundred strings pass.
        let small = format!("<sst>{}</sst>", "<si><t>Yes</t></si>".repeat(500));
        let xlsx =
            deflated_zip(&[("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", small.as_bytes())]);
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx.as_slice())).unwrap();
        assert!(check_spreadsheet(xlsx.as_slice(), &mut archive, &Limits::default()).is_ok());
    }

    #[test]
    fn millions_of_empty_xlsb_shared_strings_are_too_large() {
        // 3 million empty BrtSSTItem records (7 bytes each): calamine would
        // hold a String for each, as for an xlsx `<si/>`.
        let item = record(BRT_SST_ITEM, &[0, 0, 0, 0, 0]);
        let sst = item.repeat(3_000_000);
        let xlsb = deflated_zip(&[("xl/workbook.bin", &record(0x83, &[])), ("xl/sharedStrings.bin", &sst)]);
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsb.as_slice())).unwrap();
        let limits = Limits { max_zip_ratio: u64::MAX, ..Limits::default() };
        let err = check_spreadsheet(xlsb.as_slice(), &mut archive, &limits).unwrap_err();
        assert_eq!(err.reason, Reason::TooLarge, "{}", err.message);
        assert!(err.message.contains("3000000 strings"), "{}", err.message);
        let few = item.repeat(500);
        let xlsb = deflated_zip(&[("xl/workbook.bin", &record(0x83, &[])), ("xl/sharedStrings.bin", &few)]);
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsb.as_slice())).unwrap();
        assert!(check_spreadsheet(xlsb.as_slice(), &mut archive, &Limits::default()).is_ok());
    }

    #[test]
    fn a_made_up_shared_string_count_is_too_large() {
        let sst = |count: u64| format!("<sst uniqueCount=\"{count}\"><si><t>a</t></si></sst>");
        let check = |count: u64| {
            let bytes = deflated_zip(&[
                ("xl/workbook.xml", b"<workbook/>"),
                ("xl/sharedStrings.xml", sst(count).as_bytes()),
            ]);
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
            check_spreadsheet(bytes.as_slice(), &mut archive, &Limits::default())
                .map(|_| ())
                .map_err(|r| r.reason)
        };
        assert_eq!(check(1), Ok(()));
        assert_eq!(check(MAX_STRINGS_OVERCOUNT), Ok(()), "a careless overcount");
        assert_eq!(check(1_000_000_000), Err(Reason::TooLarge));
        assert!(is_shared_strings("xl/SharedStrings.xml") && is_shared_strings("sharedStrings.xml"));
        assert!(is_shared_strings("xl\\sharedStrings.xml"), "calamine reads a backslash as a slash");
        assert!(!is_shared_strings("xl/worksheets/sheet1.xml"));
    }

    #[test]
    fn parts_left_unread_are_checked_when_calamine_reads_the_file_itself() {
        // A workbook whose relations point into docProps/, with a made-up
        // string count there; two names that decode alike make the stored
        // copy refuse the second, so calamine would read the file.
        let sst = b"<sst uniqueCount=\"10000000000\"><si><t>a</t></si></sst>";
        let mut bytes = deflated_zip(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/x\u{c7}.xml", b"<a/>"),
            ("xl/x~.xml", b"<a/>"),
            ("docProps/sharedStrings.xml", sst),
        ]);
        let at = memchr::memmem::find_iter(&bytes, b"xl/x~.xml").collect::<Vec<_>>();
        for i in at {
            bytes[i + 4] = 0x80; // CP437 for the same letter
        }
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        let verdict = check_spreadsheet(bytes.as_slice(), &mut archive, &Limits::default())
            .map(|_| ())
            .map_err(|r| r.reason);
        assert_eq!(verdict, Err(Reason::TooLarge));
    }

    /// An xlsb record; a type of 0x80 or more takes two bytes.
    pub(crate) fn record(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut r =
            if typ < 0x80 { vec![typ as u8] } else { vec![(typ & 0x7F) as u8 | 0x80, (typ >> 7) as u8] };
        let mut n = body.len();
        loop {
            let b = (n & 0x7F) as u8;
            n >>= 7;
            r.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        r.extend_from_slice(body);
        r
    }

    #[test]
    fn xlsb_records_are_walked_across_chunks() {
        let mut part = record(0x0083, &[]);
        part.extend(record(0x0027, &vec![0; 300]));
        part.extend(record(0x019C, &[1, 2, 3]));
        for split in [0, 1, 2, 3, 5, 200, part.len()] {
            let mut scan = RecordScan::default();
            scan.feed(&part[..split]);
            scan.feed(&part[split..]);
            assert_eq!(scan.state, RecordState::Type, "split at {split}");
            assert_eq!(scan.long_name, None);
        }
        // A name longer than the limit, and a record that claims 256 MiB in a
        // 6-byte part.
        let mut scan = RecordScan::default();
        scan.feed(&record(BRT_NAME, &vec![0x15; 70_000]));
        assert_eq!(scan.long_name, Some(70_000));
        let mut scan = RecordScan::default();
        scan.feed(&[0xE7, 0x04, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert_eq!(scan.state, RecordState::Body(0x0FFF_FFFF));
        // A compound file is not walked in the macros, and is elsewhere.
        let mut cfb = COMPOUND_MAGIC.to_vec();
        cfb.extend([0xFF; 64]);
        let mut scan = RecordScan { may_be_compound: true, ..RecordScan::default() };
        scan.feed(&cfb);
        assert_eq!(scan.state, RecordState::Type);
        let mut scan = RecordScan::default();
        scan.feed(&cfb);
        assert_ne!(scan.state, RecordState::Type);
        // Records shorter than the fields they declare, and whole ones.
        let string = |cch: u32, chars: usize| {
            let mut b = cch.to_le_bytes().to_vec();
            b.extend(std::iter::repeat_n(0x41, 2 * chars));
            b
        };
        let fmt = |cch, chars| [vec![0xA4, 0x00], string(cch, chars)].concat();
        let sst = |cch, chars| [vec![0x00], string(cch, chars)].concat();
        for (typ, body, short) in [
            (0x002C, fmt(3, 3), false),
            (0x002C, fmt(3, 2), true),
            (0x002C, Vec::new(), true),
            (0x0013, sst(5, 5), false),
            (0x0013, Vec::new(), true),
            (0x016A, [2_u32.to_le_bytes().to_vec(), vec![0; 24]].concat(), false),
            (0x016A, [9_u32.to_le_bytes().to_vec(), vec![0; 24]].concat(), true),
        ] {
            let part = record(typ, &body);
            for split in [0, 1, 2, 3, 4, 7, part.len()] {
                let mut scan = RecordScan::default();
                scan.feed(&part[..split.min(part.len())]);
                scan.feed(&part[split.min(part.len())..]);
                assert_eq!(scan.short.is_some(), short, "{typ:#x} {body:?} split at {split}");
            }
        }
    }

    #[test]
    fn xlsb_parts_whose_records_overrun_or_define_long_names_are_refused() {
        let check = |part: &[u8]| {
            let bytes = deflated_zip(&[("xl/workbook.bin", part), ("xl/vbaProject.bin", &COMPOUND_MAGIC)]);
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
            check_spreadsheet(bytes.as_slice(), &mut archive, &Limits::default())
                .map(|_| ())
                .map_err(|r| r.reason)
        };
        assert_eq!(check(&record(0x0083, &[])), Ok(()));
        assert_eq!(check(&[0x83, 0x01, 0xFF, 0xFF, 0xFF, 0x7F]), Err(Reason::Corrupt));
        assert_eq!(check(&record(BRT_NAME, &vec![0x15; 70_000])), Err(Reason::TooLarge));
        assert!(is_record_part("xl/worksheets/sheet1.bin") && !is_record_part("xl/printerSettings/p1.bin"));
        assert!(
            !is_record_part("xl/activeX/activeX1.bin") && !is_record_part("xl/embeddings/oleObject1.bin")
        );
    }

    #[test]
    fn unread_parts_are_told_by_name() {
        for name in ["[Content_Types].xml", "docProps/core.xml", "xl/theme/theme1.xml", "Thumbnails/t.png"] {
            assert!(unread_part(name), "{name}");
        }
        for name in ["xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "content.xml"] {
            assert!(!unread_part(name), "{name}");
        }
    }

    #[test]
    fn the_declared_entry_count_is_read_from_the_end_record() {
        let mut zip = b"PK\x03\x04 local data".to_vec();
        let mut eocd = EOCD_SIG.to_vec();
        eocd.extend([0, 0, 0, 0, 0x10, 0x27, 0x11, 0x27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip.extend(&eocd);
        assert_eq!(declared_entries(&zip), Some(10_001));
        assert_eq!(declared_entries(b"PK\x03\x04"), None);
        let limits = Limits::default();
        assert_eq!(check_entry_count(&zip, &limits).map_err(|r| r.reason), Err(Reason::TooManyEntries));
    }
}
