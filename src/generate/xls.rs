//! Excel 97-2003 workbooks (`.xls`) for the generator: a BIFF8 `Workbook`
//! stream (fonts, a date format, cell formats, one shared-string table, one
//! substream per sheet with LABELSST and NUMBER cells) inside a version-3
//! compound file (512-byte sectors, no mini stream: the stream is padded to
//! 4096 bytes at least). No crate writes xls; this is the least that Excel,
//! LibreOffice and calamine read.

use super::GenerateError;
use super::sheets::{Cell, Look, Sheet};
use crate::model::Date;

/// The largest record body BIFF8 allows.
const MAX_RECORD: usize = 8224;

fn record(out: &mut Vec<u8>, typ: u16, body: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(body);
}

fn bof(out: &mut Vec<u8>, dt: u16) {
    let mut b = Vec::with_capacity(16);
    for v in [0x0600u16, dt, 0x0DBB, 0x07CC] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&6u32.to_le_bytes());
    record(out, 0x0809, &b);
}

/// A string as UTF-16 code units (always stored uncompressed).
fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().take(u16::MAX as usize).collect()
}

fn font(out: &mut Vec<u8>, bold: bool) {
    let mut b = Vec::new();
    for v in [200u16, 0, 0x7FFF, if bold { 700 } else { 400 }, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&[5, 0]);
    b.extend_from_slice(b"Arial");
    record(out, 0x0031, &b);
}

/// An XF record: font, number format, style or cell, wrap.
fn xf(out: &mut Vec<u8>, font: u16, format: u16, style: bool, wrap: bool) {
    let mut b = Vec::with_capacity(20);
    b.extend_from_slice(&font.to_le_bytes());
    b.extend_from_slice(&format.to_le_bytes());
    b.extend_from_slice(&(if style { 0xFFF5u16 } else { 0x0001 }).to_le_bytes());
    b.push(if wrap { 0x08 } else { 0x20 });
    b.extend_from_slice(&[0, 0, if style { 0xF4 } else { 0x00 }]);
    b.extend_from_slice(&[0; 8]);
    b.extend_from_slice(&[0xC0, 0x20]);
    record(out, 0x00E0, &b);
}

/// Cell XF indices (after the 15 style XFs).
const XF_PLAIN: u16 = 15;
const XF_DATE: u16 = 16;
const XF_WRAP: u16 = 17;
const XF_BOLD: u16 = 18;

/// The shared-string table, split into SST and CONTINUE records.
fn sst(out: &mut Vec<u8>, strings: &[String], total: u32) {
    let mut records: Vec<Vec<u8>> = vec![Vec::with_capacity(MAX_RECORD)];
    if let Some(first) = records.first_mut() {
        first.extend_from_slice(&total.to_le_bytes());
        first.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    }
    for s in strings {
        let u = units(s);
        let need = 3 + if u.is_empty() { 0 } else { 2 };
        if records.last().is_none_or(|r| r.len() + need > MAX_RECORD) {
            records.push(Vec::with_capacity(MAX_RECORD));
        }
        let Some(cur) = records.last_mut() else { return };
        cur.extend_from_slice(&(u.len() as u16).to_le_bytes());
        cur.push(1);
        for unit in u {
            if records.last().is_none_or(|r| r.len() + 2 > MAX_RECORD) {
                // A string split across records goes on with its flags byte.
                records.push(vec![1]);
            }
            if let Some(cur) = records.last_mut() {
                cur.extend_from_slice(&unit.to_le_bytes());
            }
        }
    }
    for (i, r) in records.iter().enumerate() {
        record(out, if i == 0 { 0x00FC } else { 0x003C }, r);
    }
}

/// The spreadsheet serial number of a date (1900 system).
fn serial(d: Date) -> f64 {
    (d.to_days() + 25_569) as f64
}

/// The BIFF8 workbook stream.
fn workbook_stream(sheets: &[Sheet]) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut total = 0u32;
    for sheet in sheets {
        for (_, _, cell, _) in &sheet.cells {
            if let Cell::Str(s) = cell {
                total += 1;
                if !index.contains_key(s.as_str()) {
                    index.insert(s.as_str(), strings.len() as u32);
                    strings.push(s.clone());
                }
            }
        }
    }

    let mut globals = Vec::new();
    bof(&mut globals, 0x0005);
    record(&mut globals, 0x0042, &1200u16.to_le_bytes());
    let window1: [u16; 9] = [0, 0, 0x4000, 0x2000, 0x0038, 0, 0, 1, 0x0258];
    record(&mut globals, 0x003D, &window1.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>());
    record(&mut globals, 0x0022, &0u16.to_le_bytes());
    for bold in [false, true, false, false, false] {
        font(&mut globals, bold);
    }
    let fmt = units("yyyy-mm-dd");
    let mut f = Vec::new();
    f.extend_from_slice(&164u16.to_le_bytes());
    f.extend_from_slice(&(fmt.len() as u16).to_le_bytes());
    f.push(1);
    f.extend(fmt.iter().flat_map(|u| u.to_le_bytes()));
    record(&mut globals, 0x041E, &f);
    for _ in 0..15 {
        xf(&mut globals, 0, 0, true, false);
    }
    xf(&mut globals, 0, 0, false, false);
    xf(&mut globals, 0, 164, false, false);
    xf(&mut globals, 0, 0, false, true);
    xf(&mut globals, 1, 0, false, true);
    record(&mut globals, 0x0293, &[0x00, 0x80, 0x00, 0xFF]);
    let mut bound_at = Vec::new();
    for sheet in sheets {
        let name = units(&sheet.name);
        let mut b = vec![0, 0, 0, 0, 0, 0, name.len().min(255) as u8, 1];
        b.extend(name.iter().take(255).flat_map(|u| u.to_le_bytes()));
        bound_at.push(globals.len() + 4);
        record(&mut globals, 0x0085, &b);
    }
    sst(&mut globals, &strings, total);
    record(&mut globals, 0x000A, &[]);

    let mut stream = globals;
    for (k, sheet) in sheets.iter().enumerate() {
        let at = (stream.len() as u32).to_le_bytes();
        if let Some(pos) = bound_at.get(k).copied() {
            stream[pos..pos + 4].copy_from_slice(&at);
        }
        bof(&mut stream, 0x0010);
        let rows = sheet.cells.iter().map(|c| c.0 + 1).max().unwrap_or(0);
        let cols = sheet.cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
        let mut dim = Vec::with_capacity(14);
        dim.extend_from_slice(&0u32.to_le_bytes());
        dim.extend_from_slice(&rows.to_le_bytes());
        dim.extend_from_slice(&0u16.to_le_bytes());
        dim.extend_from_slice(&cols.to_le_bytes());
        dim.extend_from_slice(&0u16.to_le_bytes());
        record(&mut stream, 0x0200, &dim);
        for (col, w) in (0u16..).zip(&sheet.widths) {
            let mut c = Vec::with_capacity(12);
            for v in [col, col, (*w * 256.0) as u16, XF_PLAIN, 0, 0] {
                c.extend_from_slice(&v.to_le_bytes());
            }
            record(&mut stream, 0x007D, &c);
        }
        let grbit: u16 = if sheet.rtl { 0x06F6 } else { 0x06B6 };
        let mut w2 = grbit.to_le_bytes().to_vec();
        w2.extend_from_slice(&[0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        record(&mut stream, 0x023E, &w2);
        for (row, col, cell, look) in &sheet.cells {
            let Ok(row) = u16::try_from(*row) else { continue };
            let ixfe = match look {
                Look::Title | Look::Header => XF_BOLD,
                Look::Wrap => XF_WRAP,
                Look::Plain | Look::Key => XF_PLAIN,
            };
            let mut b = Vec::with_capacity(14);
            b.extend_from_slice(&row.to_le_bytes());
            b.extend_from_slice(&col.to_le_bytes());
            match cell {
                Cell::Str(s) => {
                    b.extend_from_slice(&ixfe.to_le_bytes());
                    b.extend_from_slice(&index.get(s.as_str()).copied().unwrap_or(0).to_le_bytes());
                    record(&mut stream, 0x00FD, &b);
                }
                Cell::Num(n) => {
                    b.extend_from_slice(&ixfe.to_le_bytes());
                    b.extend_from_slice(&n.to_le_bytes());
                    record(&mut stream, 0x0203, &b);
                }
                Cell::Date(d) => {
                    b.extend_from_slice(&XF_DATE.to_le_bytes());
                    b.extend_from_slice(&serial(*d).to_le_bytes());
                    record(&mut stream, 0x0203, &b);
                }
            }
        }
        record(&mut stream, 0x000A, &[]);
    }
    // Streams under 4096 bytes would belong in the mini stream: pad.
    if stream.len() < 4096 {
        stream.resize(4096, 0);
    }
    stream
}

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FREESECT: u32 = 0xFFFF_FFFF;
const FATSECT: u32 = 0xFFFF_FFFD;
const NOSTREAM: u32 = 0xFFFF_FFFF;

/// A 128-byte directory entry.
fn dir_entry(name: &str, typ: u8, child: u32, start: u32, size: u32) -> Vec<u8> {
    let mut e = vec![0u8; 128];
    let u = units(name);
    for (i, unit) in u.iter().take(31).enumerate() {
        e[2 * i..2 * i + 2].copy_from_slice(&unit.to_le_bytes());
    }
    let name_len = if name.is_empty() { 0 } else { (u.len().min(31) as u16 + 1) * 2 };
    e[64..66].copy_from_slice(&name_len.to_le_bytes());
    e[66] = typ;
    e[67] = 1;
    e[68..72].copy_from_slice(&NOSTREAM.to_le_bytes());
    e[72..76].copy_from_slice(&NOSTREAM.to_le_bytes());
    e[76..80].copy_from_slice(&child.to_le_bytes());
    e[116..120].copy_from_slice(&start.to_le_bytes());
    e[120..124].copy_from_slice(&size.to_le_bytes());
    e
}

/// The sheets as an xls file.
pub(super) fn write(sheets: &[Sheet]) -> Result<Vec<u8>, GenerateError> {
    let mut stream = workbook_stream(sheets);
    let len = u32::try_from(stream.len()).map_err(|_| GenerateError::Workbook("xls too large".into()))?;
    stream.resize(stream.len().div_ceil(512) * 512, 0);
    let n = stream.len() / 512;
    let mut fat_sectors = 1;
    while fat_sectors * 128 < n + 1 + fat_sectors {
        fat_sectors += 1;
    }
    if fat_sectors > 109 {
        return Err(GenerateError::Workbook("xls too large".into()));
    }
    let dir_sector = n as u32;
    let mut header = Vec::with_capacity(512);
    header.extend_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header.extend_from_slice(&[0; 16]);
    for v in [0x003Eu16, 0x0003, 0xFFFE, 0x0009, 0x0006] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    header.extend_from_slice(&[0; 6]);
    for v in [0u32, fat_sectors as u32, dir_sector, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    for k in 0..109u32 {
        let id = if (k as usize) < fat_sectors { dir_sector + 1 + k } else { FREESECT };
        header.extend_from_slice(&id.to_le_bytes());
    }

    let mut out = header;
    out.extend_from_slice(&stream);
    out.extend(dir_entry("Root Entry", 5, 1, ENDOFCHAIN, 0));
    out.extend(dir_entry("Workbook", 2, NOSTREAM, 0, len));
    out.extend(dir_entry("", 0, NOSTREAM, 0, 0));
    out.extend(dir_entry("", 0, NOSTREAM, 0, 0));
    let mut fat: Vec<u32> = (1..=n as u32).collect();
    if let Some(last) = fat.last_mut() {
        *last = ENDOFCHAIN;
    }
    fat.push(ENDOFCHAIN);
    fat.extend(std::iter::repeat_n(FATSECT, fat_sectors));
    fat.resize(fat_sectors * 128, FREESECT);
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_string_tables_continue_in_whole_characters() {
        let strings: Vec<String> = (0..300).map(|i| format!("{i} {}", "é".repeat(40))).collect();
        let mut out = Vec::new();
        sst(&mut out, &strings, 300);
        let mut at = 0;
        let mut records = 0;
        while at < out.len() {
            let len = u16::from_le_bytes([out[at + 2], out[at + 3]]) as usize;
            assert!(len <= MAX_RECORD);
            at += 4 + len;
            records += 1;
        }
        assert_eq!(at, out.len());
        assert!(records > 2);
    }
}
