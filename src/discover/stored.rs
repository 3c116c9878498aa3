//! The stored copy of a workbook's zip container ([`super::container`]): the
//! parts calamine reads, uncompressed, in a zip written here rather than by
//! the `zip` crate's writer.
//!
//! Each part's bytes are appended as they are inflated, and the copy takes
//! the checksum the source declares for the part: the `zip` crate's reader
//! has checked the inflated bytes against it when the part ends (a part that
//! does not match is refused as damaged before its copy is used), and checks
//! them again when calamine reads the copy. The writer computed the checksum
//! a second time and kept books for every entry, a tenth of the container
//! check. Like that writer, the copy refuses a second entry of the same name
//! (calamine then reads the file itself), and it holds at most 65,534
//! entries and 4 GiB, so that it never needs zip64 records.

use std::collections::HashSet;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
/// Version 2.0: what a reader needs for stored entries and folders.
const VERSION: u16 = 20;
/// Made on Unix (for the permissions in the external attributes).
const MADE_BY: u16 = (3 << 8) | VERSION;
/// Bit 11 of the flags: the name is UTF-8.
const UTF8_NAME: u16 = 1 << 11;
/// 1980-01-01 00:00, the earliest MS-DOS date, as the `zip` crate's default.
const DOS_DATE: u16 = (1 << 5) | 1;
/// Where the checksum starts in a local header (sizes follow it).
const LOCAL_CRC_AT: usize = 14;
/// Most entries without a zip64 end record (0xFFFF means "see zip64").
const MAX_ENTRIES: usize = 0xFFFE;

/// The entry being written.
#[derive(Debug)]
struct Open {
    /// Where its local header starts in `bytes`.
    header_at: usize,
    /// Its index in `entries`.
    index: usize,
}

/// One entry, for the central directory.
#[derive(Debug)]
struct Entry {
    name: String,
    crc: u32,
    size: u32,
    header_at: u32,
    dir: bool,
}

/// A zip of stored entries being written.
#[derive(Debug, Default)]
pub(crate) struct StoredZip {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    names: HashSet<String>,
    open: Option<Open>,
}

fn put16(b: &mut Vec<u8>, v: u16) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn flags(name: &str) -> u16 {
    if name.is_ascii() { 0 } else { UTF8_NAME }
}

impl StoredZip {
    /// An empty zip with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        StoredZip { bytes: Vec::with_capacity(capacity), ..StoredZip::default() }
    }

    /// Ends the entry being written: its size and checksum go into its local
    /// header. `false` when it holds 4 GiB or more.
    fn close(&mut self) -> bool {
        let Some(open) = self.open.take() else { return true };
        let data_at = open.header_at + 30 + self.entries[open.index].name.len();
        let Ok(size) = u32::try_from(self.bytes.len() - data_at) else { return false };
        let entry = &mut self.entries[open.index];
        entry.size = size;
        let mut fields = [0_u8; 12];
        fields[0..4].copy_from_slice(&entry.crc.to_le_bytes());
        fields[4..8].copy_from_slice(&size.to_le_bytes());
        fields[8..12].copy_from_slice(&size.to_le_bytes());
        let at = open.header_at + LOCAL_CRC_AT;
        self.bytes[at..at + 12].copy_from_slice(&fields);
        true
    }

    /// Starts an entry; `false` (and the copy is to be dropped) for a name
    /// already there, a name over 65,535 bytes, or one entry too many.
    fn start(&mut self, name: String, crc: u32, dir: bool) -> bool {
        if !self.close()
            || self.entries.len() >= MAX_ENTRIES
            || u16::try_from(name.len()).is_err()
            || self.names.contains(&name)
        {
            return false;
        }
        let Ok(header_at) = u32::try_from(self.bytes.len()) else { return false };
        let b = &mut self.bytes;
        put32(b, LOCAL_SIG);
        put16(b, VERSION);
        put16(b, flags(&name));
        put16(b, 0); // stored
        put16(b, 0); // time
        put16(b, DOS_DATE);
        put32(b, crc);
        put32(b, 0); // compressed size, set by close
        put32(b, 0); // uncompressed size, set by close
        put16(b, name.len() as u16);
        put16(b, 0); // extra field
        b.extend_from_slice(name.as_bytes());
        self.names.insert(name.clone());
        self.entries.push(Entry { name, crc, size: 0, header_at, dir });
        self.open = Some(Open { header_at: header_at as usize, index: self.entries.len() - 1 });
        true
    }

    /// Starts a part whose inflated bytes have the checksum `crc`; its bytes
    /// follow through [`StoredZip::write`].
    pub(crate) fn start_file(&mut self, name: &str, crc: u32) -> bool {
        self.start(name.to_owned(), crc, false)
    }

    /// Adds a folder entry (a `/` is appended to its name unless it ends
    /// with one, as the `zip` crate's writer does).
    pub(crate) fn add_directory(&mut self, name: &str) -> bool {
        let name =
            if name.ends_with('/') || name.ends_with('\\') { name.to_owned() } else { format!("{name}/") };
        self.start(name, 0, true) && self.close()
    }

    /// Appends bytes to the part being written.
    pub(crate) fn write(&mut self, buf: &[u8]) {
        self.bytes.extend_from_slice(buf);
    }

    /// Where the data of the part being written starts.
    fn data_at(&self) -> Option<usize> {
        let open = self.open.as_ref()?;
        Some(open.header_at + 30 + self.entries[open.index].name.len())
    }

    /// Appends `n` zero bytes to the part being written and lends out all
    /// its bytes so far, to be filled in place; [`StoredZip::keep`] then
    /// says how many it holds. Empty when no part is being written.
    pub(crate) fn grow_part(&mut self, n: usize) -> &mut [u8] {
        let Some(at) = self.data_at() else { return &mut [] };
        self.bytes.resize(self.bytes.len() + n, 0);
        &mut self.bytes[at..]
    }

    /// Keeps the first `k` bytes of the part being written (at most those it
    /// has).
    pub(crate) fn keep(&mut self, k: usize) {
        if let Some(at) = self.data_at() {
            self.bytes.truncate(at.saturating_add(k));
        }
    }

    /// Puts `new` in place of the bytes of the part being written (a part
    /// art32 has rewritten, [`super::tidy`]), under the checksum of `new`.
    pub(crate) fn replace_part(&mut self, new: &[u8]) {
        let (Some(at), Some(open)) = (self.data_at(), self.open.as_ref()) else { return };
        let index = open.index;
        self.bytes.truncate(at);
        self.bytes.extend_from_slice(new);
        self.entries[index].crc = libdeflater::crc32(new);
    }

    /// The bytes of the part being written so far.
    pub(crate) fn part(&self) -> &[u8] {
        self.data_at().and_then(|at| self.bytes.get(at..)).unwrap_or(&[])
    }

    /// The whole zip: the central directory and its end record after the
    /// entries. `None` past 4 GiB.
    pub(crate) fn finish(mut self) -> Option<Vec<u8>> {
        if !self.close() {
            return None;
        }
        let central_at = u32::try_from(self.bytes.len()).ok()?;
        let count = u16::try_from(self.entries.len()).ok()?;
        let b = &mut self.bytes;
        for e in &self.entries {
            put32(b, CENTRAL_SIG);
            put16(b, MADE_BY);
            put16(b, VERSION);
            put16(b, flags(&e.name));
            put16(b, 0); // stored
            put16(b, 0); // time
            put16(b, DOS_DATE);
            put32(b, e.crc);
            put32(b, e.size);
            put32(b, e.size);
            put16(b, e.name.len() as u16);
            put16(b, 0); // extra field
            put16(b, 0); // comment
            put16(b, 0); // disk
            put16(b, 0); // internal attributes
            // Unix permissions, and the MS-DOS folder bit for folders.
            put32(b, if e.dir { (0o40755 << 16) | 0x10 } else { 0o100644 << 16 });
            put32(b, e.header_at);
            b.extend_from_slice(e.name.as_bytes());
        }
        let central_size = u32::try_from(b.len()).ok()? - central_at;
        put32(b, END_SIG);
        put16(b, 0); // this disk
        put16(b, 0); // the central directory's disk
        put16(b, count);
        put16(b, count);
        put32(b, central_size);
        put32(b, central_at);
        put16(b, 0); // comment
        Some(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    /// CRC-32 (IEEE), bit by bit.
    fn crc(data: &[u8]) -> u32 {
        let mut c = !0_u32;
        for &byte in data {
            c ^= u32::from(byte);
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn the_zip_reader_reads_back_every_entry_with_its_name_and_bytes() {
        let parts: [(&str, &[u8]); 4] = [
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData/></worksheet>"),
            ("xl/\u{e9}t\u{e9}.xml", b""),
            ("xl/sharedStrings.xml", &[b'x'; 70_000]),
        ];
        let mut z = StoredZip::with_capacity(0);
        assert!(z.add_directory("xl"));
        for (name, data) in parts {
            assert!(z.start_file(name, crc(data)));
            z.write(&data[..data.len() / 2]);
            z.write(&data[data.len() / 2..]);
        }
        let bytes = z.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 5);
        assert!(archive.by_name("xl/").unwrap().is_dir());
        for (name, data) in parts {
            let mut f = archive.by_name(name).unwrap();
            assert_eq!(f.compression(), zip::CompressionMethod::Stored);
            assert_eq!(f.size(), data.len() as u64);
            let mut read = Vec::new();
            f.read_to_end(&mut read).unwrap();
            assert_eq!(read, data, "{name}");
        }
    }

    proptest::proptest! {
        /// Any parts, with any names (folders among them) and any bytes,
        /// split into any writes, read back whole through the zip reader.
        #[test]
        fn any_parts_read_back_as_written(
            parts in proptest::collection::btree_map(
                r"[a-zA-Z0-9_./\\é中ا -]{1,40}",
                (proptest::collection::vec(proptest::num::u8::ANY, 0..3000), 1_usize..5),
                0..12,
            ),
            dirs in proptest::collection::btree_set("[a-z]{1,8}", 0..3),
        ) {
            let mut z = StoredZip::with_capacity(0);
            let mut kept = Vec::new();
            for d in &dirs {
                let name = format!("{d}/");
                if !parts.contains_key(&name) {
                    proptest::prop_assert!(z.add_directory(d));
                    kept.push((name, None));
                }
            }
            for (name, (data, pieces)) in &parts {
                if name.ends_with('/') || dirs.iter().any(|d| format!("{d}/") == *name) {
                    continue;
                }
                proptest::prop_assert!(z.start_file(name, crc(data)));
                for piece in data.chunks(data.len().div_ceil(*pieces).max(1)) {
                    z.write(piece);
                }
                kept.push((name.clone(), Some(data.clone())));
            }
            let bytes = z.finish().unwrap();
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            proptest::prop_assert_eq!(archive.len(), kept.len());
            for (name, data) in kept {
                let mut f = archive.by_name(&name).unwrap();
                match data {
                    None => proptest::prop_assert!(f.is_dir()),
                    Some(data) => {
                        let mut read = Vec::new();
                        f.read_to_end(&mut read).unwrap();
                        proptest::prop_assert_eq!(read, data);
                    }
                }
            }
        }
    }

    #[test]
    fn a_second_entry_of_one_name_drops_the_copy() {
        let mut z = StoredZip::with_capacity(0);
        assert!(z.start_file("a.xml", crc(b"")));
        assert!(!z.start_file("a.xml", crc(b"")));
        assert!(z.add_directory("d/"));
        assert!(!z.add_directory("d"), "the slash is added before names are compared");
    }

    #[test]
    fn a_checksum_that_does_not_match_is_found_by_the_reader() {
        let mut z = StoredZip::with_capacity(0);
        assert!(z.start_file("a.xml", crc(b"other")));
        z.write(b"these bytes");
        let bytes = z.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut read = Vec::new();
        assert!(archive.by_name("a.xml").unwrap().read_to_end(&mut read).is_err());
    }
}
