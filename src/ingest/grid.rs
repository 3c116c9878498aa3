//! Dense-grid guards for `.ods` and `.xls`, run before calamine opens them.
//!
//! calamine's `Ods::new` and `Xls::new` parse every sheet at open time into
//! dense ranges: a rectangle from the first to the last non-empty cell, plus
//! a second rectangle of formulas. Two cells far apart (A1 and XFD1048576),
//! or one cell repeated with `table:number-rows-repeated="1048576"`, would
//! cost gigabytes. And every cell that shows a shared string, or a repeated
//! cell, holds its own copy of the text.
//!
//! So the file is measured first, cheaply and in a stream: the area of those
//! rectangles over all the sheets of the workbook must stay within
//! [`Limits::max_cells_per_sheet`], no non-empty row may lie beyond
//! [`Limits::max_rows_per_sheet`], and the text the cells would hold within
//! [`Limits::max_text_bytes`]. Every count is an upper bound of what calamine
//! allocates; a real return is far below each of them.

use std::io::{BufRead, BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::cfb;
use crate::discover::Limits;
use crate::model::{Reason, Rejection};

/// The bookkeeping of one sheet (its name, its ranges), counted as cells.
const SHEET_OVERHEAD_CELLS: u64 = 16;

/// What the sheets measured so far would cost.
#[derive(Debug, Default)]
struct Budget {
    cells: u64,
    text: u64,
    /// Bytes calamine may move to build the formulas' text so far
    /// ([`formula_moves`]).
    formula_moves: u64,
}

impl Budget {
    fn add_cells(&mut self, n: u64, sheet: &str, limits: &Limits) -> Result<(), Rejection> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > limits.max_cells_per_sheet {
            return Err(Rejection::new(
                Reason::TooManyCells,
                format!(
                    "the sheets of this workbook span more than {} cells (the limit), reached at sheet {sheet:?}; \
                     cells far apart or repeated make a sheet span its whole rectangle",
                    limits.max_cells_per_sheet
                ),
            ));
        }
        Ok(())
    }

    fn add_text(&mut self, n: u64, sheet: &str, limits: &Limits) -> Result<(), Rejection> {
        self.text = self.text.saturating_add(n);
        if self.text > limits.max_text_bytes {
            return Err(text_too_large(sheet, limits));
        }
        Ok(())
    }
}

/// The rejection for a workbook whose cells would hold too much text.
pub fn text_too_large(sheet: &str, limits: &Limits) -> Rejection {
    Rejection::new(
        Reason::TooLarge,
        format!(
            "the cells of this workbook hold more than {} MiB of text (the limit), reached at sheet {sheet:?}",
            limits.max_text_bytes / (1024 * 1024)
        ),
    )
}

fn row_beyond(sheet: &str, row: u64, limits: &Limits) -> Rejection {
    Rejection::new(
        Reason::TooManyCells,
        format!(
            "sheet {sheet:?} has a non-empty cell in row {}, beyond the limit of {} rows",
            row.saturating_add(1),
            limits.max_rows_per_sheet
        ),
    )
}

// ---------------------------------------------------------------- ods

/// One `table:table` being measured.
#[derive(Debug, Default)]
struct Table {
    name: String,
    /// Zero-based index of the next row.
    next_row: u64,
    /// First and last non-empty rows.
    rows: Option<(u64, u64)>,
    /// One past the last non-empty column of any row.
    cols: u64,
}

/// One `table:table-row` being measured.
#[derive(Debug, Default)]
struct Row {
    repeat: u64,
    next_col: u64,
    /// One past the last non-empty column.
    end: u64,
    text: u64,
}

/// One cell being measured, read as calamine reads it.
#[derive(Debug)]
struct OdsCell {
    repeat: u64,
    non_empty: bool,
    text: u64,
    /// calamine reads the content as the cell's text, up to the first cell
    /// end tag outside an annotation; otherwise it skips to the end tag of
    /// the cell's own name, counting the starts of that name on the way.
    string: bool,
    /// `table:table-cell` or `table:covered-table-cell`.
    name: &'static str,
    /// Open elements of the cell's own name inside it (not a string cell).
    same: usize,
    /// Inside an `office:annotation` of a string cell: calamine reads on to
    /// its end, whatever comes before.
    annotation: bool,
}

impl OdsCell {
    /// Whether this end tag ends the cell, as calamine reads it.
    fn ends_at(&mut self, name: &str) -> bool {
        if self.string {
            if self.annotation {
                self.annotation = name != "office:annotation";
                return false;
            }
            return name == "table:table-cell" || name == "table:covered-table-cell";
        }
        if name != self.name {
            return false;
        }
        if self.same == 0 {
            return true;
        }
        self.same -= 1;
        false
    }

    /// A start tag inside the cell.
    fn start(&mut self, e: &BytesStart<'_>) {
        self.non_empty = true;
        self.text = self.text.saturating_add(attr_text(e)).saturating_add(inline_text(e));
        let name = e.name();
        if self.string {
            self.annotation |= name.as_ref() == "office:annotation";
        } else if name.as_ref() == self.name {
            self.same += 1;
        }
    }
}

/// An attribute's name as calamine reads it: around it, any ASCII
/// whitespace (a form feed too) is a separator, where the XML reader takes
/// a form feed into the name.
fn attr_key<'a>(a: &'a quick_xml::events::attributes::Attribute<'_>) -> &'a str {
    a.key.as_ref().trim_matches(|c: char| c.is_ascii_whitespace())
}

fn repeat_attr(e: &BytesStart<'_>, key: &str) -> u64 {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| attr_key(a) == key)
        .map_or(1, |a| repeat_count(&a.value))
}

/// A count (`table:number-*-repeated`, `text:c`), at least what calamine makes of it:
/// unescaped first (calamine unescapes the row count, so `&#49;0` is 10
/// rows), then parsed, around any spaces. A value that is no number counts
/// 1: calamine refuses it.
fn repeat_count(raw: &str) -> u64 {
    quick_xml::escape::unescape(raw).ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1)
}

/// Refuses an xlsx whose workbook lists two sheets on one worksheet part:
/// no spreadsheet program writes one, and calamine would read the part once
/// per sheet, so that a part of 1.9 million cells listed 200 times took
/// minutes (the limits hold each sheet, not their sum). The parts are named
/// as `xl/_rels/workbook.xml.rels` names them, resolved as OPC resolves a
/// target and compared without regard to case. A workbook without those
/// parts passes: calamine reports it.
pub fn check_xlsx_sheets(bytes: &[u8]) -> Result<(), Rejection> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    // Worksheet parts in the package: a workbook listing no more sheets than
    // that costs at most one reading of each, and is not parsed here.
    let worksheets = archive
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.to_ascii_lowercase().contains("worksheets/")))
        .count();
    let mut part = |name: &str| -> Option<std::borrow::Cow<'_, str>> {
        // By its name as written, else in another case or with backslashes.
        let index = archive.index_for_name(name).or_else(|| {
            (0..archive.len()).find(|&i| {
                archive
                    .name_for_index(i)
                    .is_some_and(|n| n.is_ok_and(|n| n.replace('\\', "/").eq_ignore_ascii_case(name)))
            })
        })?;
        let entry = archive.by_index(index).ok()?;
        // In discover's stored copy the part lies uncompressed in `bytes`:
        // read in place (calamine checks its CRC when it reads it).
        if entry.compression() == zip::CompressionMethod::Stored && !entry.encrypted() {
            let start = usize::try_from(entry.data_start()?).ok()?;
            let len = usize::try_from(entry.size().min(SHEET_PARTS_MAX_BYTES)).ok()?;
            let text = std::str::from_utf8(bytes.get(start..start.checked_add(len)?)?).ok()?;
            return Some(std::borrow::Cow::Borrowed(text));
        }
        let mut text = String::new();
        entry.take(SHEET_PARTS_MAX_BYTES).read_to_string(&mut text).ok()?;
        Some(std::borrow::Cow::Owned(text))
    };
    let Some(workbook) = part("xl/workbook.xml") else { return Ok(()) };
    if sheet_tags(&workbook) <= worksheets {
        return Ok(());
    }
    let Some(rels) = part("xl/_rels/workbook.xml.rels") else { return Ok(()) };
    let attr = |e: &BytesStart<'_>, local: &str| -> Option<String> {
        e.attributes().with_checks(false).flatten().find_map(|a| {
            let key: &str = a.key.as_ref();
            (key.rsplit(':').next() == Some(local) && (local != "id" || key.contains(':')))
                .then(|| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
                .flatten()
        })
    };
    let elements = |xml: &str, local: &str, mut each: Box<dyn FnMut(&BytesStart<'_>) + '_>| {
        let mut reader = quick_xml::Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => each(&e),
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    let mut targets: Vec<(String, String)> = Vec::new();
    elements(
        &rels,
        "Relationship",
        Box::new(|e| {
            if let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target")) {
                targets.push((id, target));
            }
        }),
    );
    let mut parts: Vec<(String, String)> = Vec::new();
    elements(
        &workbook,
        "sheet",
        Box::new(|e| {
            let target =
                attr(e, "id").and_then(|id| targets.iter().find(|(i, _)| *i == id).map(|(_, t)| t.clone()));
            if let (Some(name), Some(target)) = (attr(e, "name"), target) {
                parts.push((resolve_part(&target), name));
            }
        }),
    );
    parts.sort();
    if let Some(pair) = parts.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Rejection::new(
            Reason::Corrupt,
            format!(
                "not a readable xlsx workbook: sheets {:?} and {:?} are both the part {}",
                pair[0].1, pair[1].1, pair[0].0
            ),
        ));
    }
    Ok(())
}

/// How many `<sheet>` elements (in any namespace prefix) a workbook's XML
/// opens, at most: every `sheet` after `<` or `:` and before white space,
/// `/` or `>`.
fn sheet_tags(xml: &str) -> usize {
    let b = xml.as_bytes();
    memchr::memmem::find_iter(b, b"sheet")
        .filter(|&at| {
            at > 0
                && matches!(b[at - 1], b'<' | b':')
                && b.get(at + 5).is_some_and(|c| c.is_ascii_whitespace() || matches!(c, b'/' | b'>'))
        })
        .count()
}

/// Most bytes of the workbook and its relationships [`check_xlsx_sheets`] reads.
const SHEET_PARTS_MAX_BYTES: u64 = 16 << 20;

/// A relationship target of `xl/workbook.xml` as a part name: relative to
/// `xl/` unless absolute, `.` and `..` resolved, in lower case.
fn resolve_part(target: &str) -> String {
    let target = target.replace('\\', "/");
    let (base, rest) = match target.strip_prefix('/') {
        Some(abs) => (Vec::new(), abs.to_owned()),
        None => (vec!["xl".to_owned()], target),
    };
    let mut path = base;
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            s => path.push(s.to_ascii_lowercase()),
        }
    }
    path.join("/")
}

/// Measures `content.xml` of an OpenDocument spreadsheet. A file that is not
/// a readable zip, or has no `content.xml`, passes: calamine reports it.
pub fn check_ods(bytes: &[u8], limits: &Limits) -> Result<(), Rejection> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let Ok(content) = archive.by_name("content.xml") else { return Ok(()) };
    // In discover's stored copy, content.xml lies uncompressed in `bytes`:
    // it is read in place (calamine checks its CRC when it reads it).
    let stored = (content.compression() == zip::CompressionMethod::Stored && !content.encrypted())
        .then(|| content.data_start())
        .flatten()
        .filter(|_| content.size() <= limits.max_zip_entry_bytes)
        .and_then(|start| {
            let start = usize::try_from(start).ok()?;
            bytes.get(start..start.checked_add(usize::try_from(content.size()).ok()?)?)
        });
    if let Some(xml) = stored {
        return check_ods_content(ods_reader(xml), limits);
    }
    // discover has checked the inflated size; the cap keeps this true when
    // ingest is called on its own.
    let content = BufReader::new(content.take(limits.max_zip_entry_bytes.saturating_add(1)));
    check_ods_content(Buffered { reader: ods_reader(content), buf: Vec::new() }, limits)
}

/// A reader of `content.xml` with the configuration calamine reads it with,
/// so that both see the same events.
fn ods_reader<R>(content: R) -> quick_xml::Reader<R> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// The events of an XML document, from a slice (borrowed in place) or from
/// a stream (copied into a buffer).
trait Events {
    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error>;
}

impl Events for quick_xml::Reader<&[u8]> {
    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.read_event()
    }
}

/// A streamed document and the buffer its events are read into.
struct Buffered<R> {
    reader: quick_xml::Reader<R>,
    buf: Vec<u8>,
}

impl<R: BufRead> Events for Buffered<R> {
    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.buf.clear();
        self.reader.read_event_into(&mut self.buf)
    }
}

/// Measures the tables of an ods `content.xml`.
fn check_ods_content(mut events: impl Events, limits: &Limits) -> Result<(), Rejection> {
    let mut budget = Budget::default();
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<OdsCell> = None;
    loop {
        let event = match events.next_event() {
            Ok(e) => e,
            // calamine stops at the same error and reports it.
            Err(_) => return Ok(()),
        };
        match event {
            Event::Eof => {
                // calamine's table loop (and the annotation loop inside a
                // cell) never sees the end of the file and spins forever.
                if let Some(t) = &table {
                    return Err(Rejection::new(
                        Reason::Corrupt,
                        format!(
                            "not a readable ods workbook: content.xml ends inside the table {:?} (a truncated file)",
                            t.name
                        ),
                    ));
                }
                break;
            }
            Event::Start(e) => {
                if let Some(c) = cell.as_mut() {
                    // Content inside a cell (text:p, an annotation...).
                    c.start(&e);
                    continue;
                }
                match e.name().as_ref() {
                    "table:table" => {
                        let name = e
                            .attributes()
                            .with_checks(false)
                            .flatten()
                            .find(|a| attr_key(a) == "table:name")
                            .map(|a| a.value.into_owned())
                            .unwrap_or_default();
                        budget.add_cells(SHEET_OVERHEAD_CELLS, &name, limits)?;
                        table = Some(Table { name, ..Table::default() });
                    }
                    "table:table-row" if table.is_some() => {
                        row = Some(Row {
                            repeat: repeat_attr(&e, "table:number-rows-repeated"),
                            ..Row::default()
                        });
                    }
                    name @ ("table:table-cell" | "table:covered-table-cell") if row.is_some() => {
                        let attrs = cell_attrs(&e);
                        cell = Some(OdsCell {
                            repeat: attrs.repeat,
                            non_empty: attrs.value_text.is_some(),
                            text: attrs.value_text.unwrap_or(0),
                            string: attrs.string,
                            name: if name == "table:table-cell" {
                                "table:table-cell"
                            } else {
                                "table:covered-table-cell"
                            },
                            same: 0,
                            annotation: false,
                        });
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                // Text inside a cell counts at any depth: calamine keeps the
                // text of a cell without text:p too.
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(t.len() as u64);
                    c.non_empty |= !t.trim().is_empty();
                }
            }
            Event::CData(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(t.len() as u64);
                }
            }
            Event::GeneralRef(t) => {
                if let Some(c) = cell.as_mut() {
                    c.text = c.text.saturating_add(t.len() as u64 + 2);
                }
            }
            Event::End(e) => {
                // Inside a cell, only the end tag that ends it for calamine
                // closes anything.
                if let Some(c) = cell.as_mut()
                    && !c.ends_at(e.name().as_ref())
                {
                    continue;
                }
                match e.name().as_ref() {
                    "table:table-cell" | "table:covered-table-cell" if cell.is_some() => {
                        if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                            r.next_col = r.next_col.saturating_add(c.repeat);
                            if c.non_empty && c.repeat > 0 {
                                r.end = r.next_col;
                                r.text = r.text.saturating_add(c.text.saturating_mul(c.repeat));
                            }
                        }
                    }
                    "table:table-row" => {
                        if let (Some(r), Some(t)) = (row.take(), table.as_mut()) {
                            let first = t.next_row;
                            t.next_row = t.next_row.saturating_add(r.repeat);
                            if r.end > 0 && r.repeat > 0 {
                                let last = t.next_row - 1;
                                if last >= u64::from(limits.max_rows_per_sheet) {
                                    return Err(row_beyond(&t.name, last, limits));
                                }
                                let (lo, _) = t.rows.unwrap_or((first, last));
                                t.rows = Some((lo, last));
                                t.cols = t.cols.max(r.end);
                                budget.add_text(r.text.saturating_mul(r.repeat), &t.name, limits)?;
                                // The rectangle so far, checked as it grows so
                                // that a huge sheet stops the scan early.
                                let area = (last - lo + 1).saturating_mul(t.cols).saturating_mul(2);
                                if budget.cells.saturating_add(area) > limits.max_cells_per_sheet {
                                    budget.add_cells(area, &t.name, limits)?;
                                }
                            }
                        }
                    }
                    "table:table" => {
                        if let Some(t) = table.take()
                            && let Some((lo, hi)) = t.rows
                        {
                            // Cells and formulas: two rectangles.
                            let area = (hi - lo + 1).saturating_mul(t.cols).saturating_mul(2);
                            budget.add_cells(area, &t.name, limits)?;
                        }
                        row = None;
                        cell = None;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// What a cell's attributes tell, read in one pass.
struct CellAttrs {
    /// Its column repeat (as [`repeat_attr`] reads it).
    repeat: u64,
    /// The text of its value attributes (`office:*`, `table:formula`), if it
    /// has any.
    value_text: Option<u64>,
    /// Whether calamine reads its content as its text (`get_datatype`: a
    /// string cell without `office:string-value`, or an error cell whose
    /// string value is empty).
    string: bool,
}

fn cell_attrs(e: &BytesStart<'_>) -> CellAttrs {
    let mut repeat = 1;
    let mut found = None;
    let mut seen_repeat = false;
    let (mut value_set, mut is_string, mut is_error, mut empty_string) = (false, false, false, false);
    for a in e.attributes().with_checks(false).flatten() {
        let key = attr_key(&a);
        match key {
            "office:value" | "office:date-value" | "office:time-value" | "office:boolean-value"
                if !value_set =>
            {
                value_set = true;
            }
            "office:string-value" if !value_set => {
                value_set = true;
                empty_string = a.value.is_empty();
            }
            "office:value-type" if !value_set => is_string = a.value == "string",
            "calcext:value-type" => is_error = a.value == "error",
            _ => {}
        }
        if key.starts_with("office:") || key == "table:formula" {
            found = Some(found.unwrap_or(0_u64).saturating_add(a.value.len() as u64));
        } else if key == "table:number-columns-repeated" && !seen_repeat {
            seen_repeat = true;
            repeat = repeat_count(&a.value);
        }
    }
    CellAttrs { repeat, value_text: found, string: (!value_set && is_string) || (is_error && empty_string) }
}

/// The characters an element inside a cell stands for in calamine's text of
/// the cell: `text:s` is `text:c` spaces (unescaped, as calamine reads it:
/// `text:c="2000000000"` would be a 2 GB string), a tab, a line break or a
/// further paragraph one.
fn inline_text(e: &BytesStart<'_>) -> u64 {
    match e.name().as_ref() {
        "text:s" => e
            .attributes()
            .with_checks(false)
            .flatten()
            .find(|a| attr_key(a) == "text:c")
            .map_or(1, |a| repeat_count(&a.value)),
        "text:tab" | "text:line-break" | "text:p" => 1,
        _ => 0,
    }
}

fn attr_text(e: &BytesStart<'_>) -> u64 {
    e.attributes().with_checks(false).flatten().map(|a| a.value.len() as u64).sum()
}

// ---------------------------------------------------------------- xls

/// One BIFF record with the CONTINUE records that follow it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    conts: Vec<&'a [u8]>,
}

/// BIFF records as calamine reads them; stops at the first damaged one.
struct Records<'a> {
    stream: &'a [u8],
    consumed: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let head = |s: &'a [u8]| -> Option<(u16, &'a [u8], &'a [u8])> {
            let typ = u16::from_le_bytes([*s.first()?, *s.get(1)?]);
            let len = usize::from(u16::from_le_bytes([*s.get(2)?, *s.get(3)?]));
            let data = s.get(4..4 + len)?;
            Some((typ, data, s.get(4 + len..)?))
        };
        let (typ, data, mut rest) = head(self.stream)?;
        let mut conts = Vec::new();
        while rest.len() > 4 && rest[..2] == [0x3C, 0x00] {
            let (_, d, r) = head(rest)?;
            conts.push(d);
            rest = r;
        }
        self.consumed += self.stream.len() - rest.len();
        self.stream = rest;
        Some(Record { typ, data, conts })
    }
}

fn rd16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn rd32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// What one string of a shared string table costs calamine besides its
/// text: a `String` header, and what the table's growth leaves unused.
const STRING_COST: u64 = 32;

/// The length in characters of each string of the shared string table,
/// walked as calamine walks it (`None` when the table is damaged; calamine
/// then fails too).
fn sst_lengths(r: &Record<'_>) -> Option<Vec<u32>> {
    let mut parts = r.conts.iter();
    let mut data = r.data.get(8..)?;
    let mut out = Vec::new();
    loop {
        if data.is_empty() {
            match parts.next() {
                Some(p) => data = p,
                None => break,
            }
            if data.is_empty() {
                out.push(0);
                continue;
            }
        }
        let cch = usize::from(rd16(data, 0)?);
        let flags = *data.get(2)?;
        data = &data[3..];
        let mut high = flags & 1 != 0;
        let mut skip = 0_usize;
        if flags & 0x8 != 0 {
            skip += usize::from(rd16(data, 0)?) * 4;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            skip = skip
                .saturating_add(usize::try_from(i32::from_le_bytes(data.get(..4)?.try_into().ok()?)).ok()?);
            data = &data[4..];
        }
        let mut left = cch;
        loop {
            let width = if high { 2 } else { 1 };
            let take = left.min(data.len() / width);
            data = &data[take * width..];
            left -= take;
            if left == 0 {
                break;
            }
            let next = parts.next()?;
            high = *next.first()? & 1 != 0;
            data = &next[1..];
        }
        while skip > 0 {
            if data.is_empty() {
                data = parts.next()?;
                continue;
            }
            let l = skip.min(data.len());
            data = &data[l..];
            skip -= l;
        }
        out.push(u32::try_from(cch).ok()?);
    }
    Some(out)
}

/// The name of a BoundSheet8 record (BIFF8), for messages.
fn sheet_name(data: &[u8], index: usize) -> String {
    let fallback = || format!("sheet {}", index + 1);
    let (Some(&cch), Some(&flags)) = (data.get(6), data.get(7)) else { return fallback() };
    biff8_chars(data.get(8..).unwrap_or(&[]), usize::from(cch), flags).unwrap_or_else(fallback)
}

/// The characters of a BIFF8 string: `cch` of them, 8-bit (the first 256
/// code points) or UTF-16 as bit 0 of its `flags` says; `None` when `bytes`
/// cannot hold them.
fn biff8_chars(bytes: &[u8], cch: usize, flags: u8) -> Option<String> {
    if flags & 1 == 0 {
        Some(bytes.get(..cch)?.iter().map(|&c| char::from(c)).collect())
    } else {
        let units: Vec<u16> =
            bytes.get(..2 * cch)?.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        Some(String::from_utf16_lossy(&units))
    }
}

/// A bounding box of cell positions.
#[derive(Debug, Default, Clone, Copy)]
struct BBox(Option<(u32, u32, u32, u32)>);

impl BBox {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn area(self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1))
    }
}

/// A formula's text as calamine renders it can be much longer than its
/// record (a 5-byte name reference becomes the name); this many bytes of text
/// are counted per byte of formula.
const FORMULA_TEXT_PER_BYTE: u64 = 64;

/// Bytes calamine may move, in a workbook, to build its formulas' text: a
/// few seconds at most.
const MAX_FORMULA_MOVES: u64 = 1 << 34;

/// An upper bound of the bytes calamine moves to build one formula's text
/// (`parse_formula`, run on every FORMULA record when it opens the file):
/// each parenthesis, sign, operator or function token rewrites the text
/// built so far, so the cost is at most their number times the length the
/// text can reach, and a name or a sheet reference (a few bytes of formula)
/// brings in a name of up to 255 characters. Tokens are counted by their
/// byte values wherever they occur, which can only count more: a formula of
/// 32,700 parentheses over 5,450 long names took 6 s.
fn formula_moves(rgce: &[u8]) -> u64 {
    let (mut rewrites, mut names) = (0_u64, 0_u64);
    for &b in rgce {
        match b {
            0x03..=0x15 | 0x19 | 0x21 | 0x22 | 0x41 | 0x42 | 0x61 | 0x62 => rewrites += 1,
            0x23 | 0x43 | 0x63 | 0x3A..=0x3D | 0x5A..=0x5D | 0x7A..=0x7D => names += 1,
            _ => {}
        }
    }
    // Spaces are bounded apart ([`MAX_FORMULA_SPACES`]).
    let text = (rgce.len() as u64).saturating_mul(8).saturating_add(names.saturating_mul(3 * 255 + 8))
        + MAX_FORMULA_SPACES;
    rewrites.saturating_mul(text)
}

/// A record whose fields the guard cannot read is refused rather than
/// skipped: calamine may read it otherwise, and what follows it would go
/// unmeasured (a MulRk record of no columns once stopped the guard, and
/// calamine read on to a grid of 44 TB).
fn malformed_record(sheet: &str, typ: u16) -> Rejection {
    Rejection::new(
        Reason::Corrupt,
        format!(
            "not a readable xls workbook: a record of sheet {sheet:?} (type {typ:#06x}) does not hold its fields"
        ),
    )
}

/// Characters a formula can hold (Excel's limit); the spaces and line
/// breaks a formula's tokens ask for may not add up to more.
const MAX_FORMULA_SPACES: u64 = 8192;

/// The spaces and line breaks a formula's tokens ask for (PtgAttrSpace:
/// `19 40` or `19 41`, a type byte, then a count), found wherever the bytes
/// occur: calamine inserts each character at the front of the formula's
/// text, one at a time, a cost that grows with the square of their number
/// (4,000 tokens in an 18 KB file took 11 s). Counting bytes that only look
/// like the token makes the sum larger, never smaller.
fn formula_spaces(rgce: &[u8]) -> u64 {
    memchr::memchr_iter(0x19, rgce)
        .filter(|&i| matches!(rgce.get(i + 1), Some(0x40 | 0x41)))
        .map(|i| u64::from(rgce.get(i + 3).copied().unwrap_or(0)))
        .sum()
}

/// CONTINUE records one record may have. calamine takes each off the front
/// of a list (a cost that grows with the square of their number); 8,192 full
/// ones hold 64 MiB, the text limit.
const MAX_CONTINUES: usize = 8192;

fn continued_too_often(r: &Record<'_>, where_: &str) -> Result<(), Rejection> {
    if r.conts.len() <= MAX_CONTINUES {
        return Ok(());
    }
    Err(Rejection::new(
        Reason::TooLarge,
        format!(
            "a record of {where_} is continued {} times, over the limit of {MAX_CONTINUES} (record type {:#06x})",
            r.conts.len(),
            r.typ
        ),
    ))
}

/// A number cell's (row, column), and whether its format shows a date.
pub type CellType = ((u32, u32), bool);

/// What [`check_xls`] learnt of a workbook besides its measure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XlsInfo {
    /// The workbook globals open with a BIFF8 BOF (Excel 97 and later).
    pub biff8: bool,
    /// The 1904 date system (DATEMODE).
    pub is_1904: bool,
    /// Per sheet, in the order of the BoundSheet8 records: the (row,
    /// column) of the number cells whose format calamine does not take
    /// ([`refused_format_id`]), sorted, each with whether that format shows
    /// a date. calamine reads such a cell by the built-in format of that
    /// number, which may say the opposite: SheetJS writes `yyyy-mm-dd` as
    /// format 60 (a plain number to calamine), Gnumeric numbers its custom
    /// formats from 50 (East Asian date formats to calamine).
    pub sheet_types: Vec<Vec<CellType>>,
}

/// Whether calamine refuses a FORMAT record of this number (it takes only
/// the ids MS-XLS leaves to custom formats), and so reads the cells of that
/// format as plain numbers. SheetJS writes `yyyy-mm-dd` as format 60, which
/// spreadsheet programs read as the record says.
fn refused_format_id(ifmt: u16) -> bool {
    !matches!(ifmt, 5..=8 | 23..=26 | 41..=44 | 63..=66 | 164..=382)
}

/// Whether calamine takes a number format of this built-in id for a date
/// (its table of Excel's built-in formats).
fn builtin_date_id(ifmt: u16) -> bool {
    matches!(ifmt, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a number format shows a date: a day or a year outside quoted
/// text, escapes and bracketed sections (`[Red]`, `[$-409]`).
fn is_date_format(code: &str) -> bool {
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                }
            }
            'y' | 'Y' | 'd' | 'D' => return true,
            _ => {}
        }
    }
    false
}

/// The format code of a BIFF8 FORMAT record (an id, then an
/// XLUnicodeString), when it holds one whole.
fn format_code(data: &[u8]) -> Option<String> {
    biff8_chars(data.get(5..)?, usize::from(rd16(data, 2)?), *data.get(4)?)
}

/// Measures the sheets of an `.xls` workbook from its BIFF records.
pub fn check_xls(bytes: &[u8], limits: &Limits) -> Result<XlsInfo, Rejection> {
    let stream = match cfb::stream(bytes, &["Workbook", "Book"]) {
        Ok(Some(s)) => s,
        // No workbook stream: calamine reports it.
        Ok(None) => return Ok(XlsInfo::default()),
        Err(e) => {
            return Err(Rejection::new(Reason::Corrupt, format!("not a readable xls workbook: {e}")));
        }
    };
    // Globals: the sheets' positions and the shared strings.
    let mut sheets: Vec<(usize, String)> = Vec::new();
    let mut sst: Vec<u32> = Vec::new();
    let mut info = XlsInfo::default();
    // Formats calamine refuses and would read otherwise (with whether they
    // show a date), and each XF's format.
    let mut refused: Vec<(u16, bool)> = Vec::new();
    let mut xf_formats: Vec<u16> = Vec::new();
    for (k, r) in (Records { stream: &stream, consumed: 0 }).enumerate() {
        continued_too_often(&r, "the workbook globals")?;
        match r.typ {
            // BOF: version 0x0600 is BIFF8.
            0x0809 if k == 0 => info.biff8 = rd16(r.data, 0) == Some(0x0600),
            0x0022 => info.is_1904 = rd16(r.data, 0) == Some(1),
            0x041E if info.biff8 => {
                if let Some(ifmt) = rd16(r.data, 0)
                    && refused_format_id(ifmt)
                    && let Some(code) = format_code(r.data)
                {
                    let date = is_date_format(&code);
                    if date != builtin_date_id(ifmt) {
                        refused.push((ifmt, date));
                    }
                }
            }
            0x00E0 => xf_formats.push(rd16(r.data, 2).unwrap_or(0)),
            // FilePass: encrypted; calamine reports it.
            0x002F if rd16(r.data, 0).is_some_and(|v| v != 0) => return Ok(info),
            0x0085 => {
                let Some(pos) = rd32(r.data, 0) else { return Ok(info) };
                sheets.push((pos as usize, sheet_name(r.data, sheets.len())));
            }
            0x00FC => {
                let Some(lengths) = sst_lengths(&r) else { return Ok(info) };
                // calamine holds every string of the table, each a string
                // header of its own however short: 20 million empty strings
                // (a 60 MB file) took 1 GB.
                let held: u64 = lengths
                    .iter()
                    .map(|&len| u64::from(len).saturating_mul(3).saturating_add(STRING_COST))
                    .sum();
                if held > limits.max_text_bytes {
                    return Err(Rejection::new(
                        Reason::TooLarge,
                        format!(
                            "the shared string table of this workbook holds {} strings, which would take {} MiB (the limit for text is {} MiB)",
                            lengths.len(),
                            held / (1024 * 1024),
                            limits.max_text_bytes / (1024 * 1024)
                        ),
                    ));
                }
                sst = lengths;
            }
            0x000A => break,
            _ => {}
        }
    }
    let xf_types: Vec<Option<bool>> =
        xf_formats.iter().map(|f| refused.iter().find(|(id, _)| id == f).map(|(_, date)| *date)).collect();
    info.sheet_types = vec![Vec::new(); sheets.len()];
    let mut budget = Budget::default();
    // Sheets are scanned in stream order; two sheets that share records are
    // never written by a spreadsheet program, and would make calamine parse
    // the same records (and build the same grid) again and again.
    let mut order: Vec<usize> = (0..sheets.len()).collect();
    order.sort_by_key(|&i| sheets[i].0);
    let mut scanned_to = 0_usize;
    for (k, &i) in order.iter().enumerate() {
        let (pos, name) = &sheets[i];
        let Some(sub) = stream.get(*pos..) else {
            return Err(Rejection::new(
                Reason::Corrupt,
                format!(
                    "not a readable xls workbook: sheet {name:?} starts beyond the end of the workbook stream"
                ),
            ));
        };
        if k > 0 && *pos < scanned_to {
            return Err(Rejection::new(
                Reason::Corrupt,
                format!("not a readable xls workbook: sheet {name:?} shares its records with another sheet"),
            ));
        }
        budget.add_cells(SHEET_OVERHEAD_CELLS, name, limits)?;
        let types = if refused.is_empty() { None } else { info.sheet_types.get_mut(i) };
        let consumed = scan_sheet(sub, name, &sst, limits, &mut budget, &xf_types, types)?;
        scanned_to = pos.saturating_add(consumed);
    }
    for types in &mut info.sheet_types {
        types.sort_unstable();
        types.dedup_by_key(|t| t.0);
    }
    Ok(info)
}

/// Measures one sheet substream; returns the bytes it spans.
fn scan_sheet(
    sub: &[u8],
    name: &str,
    sst: &[u32],
    limits: &Limits,
    budget: &mut Budget,
    xf_types: &[Option<bool>],
    mut types: Option<&mut Vec<CellType>>,
) -> Result<usize, Rejection> {
    let mut records = Records { stream: sub, consumed: 0 };
    // A number cell whose XF (at `at` in the record) has a refused format.
    let mut date_cell = |data: &[u8], at: usize, row: u32, col: u32| {
        if let Some(list) = types.as_deref_mut()
            && let Some(date) = rd16(data, at).and_then(|xf| xf_types.get(usize::from(xf)).copied().flatten())
        {
            list.push(((row, col), date));
        }
    };
    let (mut cells, mut formulas) = (BBox::default(), BBox::default());
    let mut pushed = 0_u64;
    let mut reserved = 0_u64;
    let mut seen_bof = false;
    let mut depth = 0_usize;
    let mut fmla_pos = (0_u32, 0_u32);
    let max_row = limits.max_rows_per_sheet;
    let at = |cells: &mut BBox, row: u32, col: u32, pushed: &mut u64| -> Result<(), Rejection> {
        if row >= max_row {
            return Err(row_beyond(name, u64::from(row), limits));
        }
        cells.add(row, col);
        *pushed += 1;
        Ok(())
    };
    let place = format!("sheet {name:?}");
    for r in records.by_ref() {
        continued_too_often(&r, &place)?;
        if depth > 0 {
            match r.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let pos = || Some((u32::from(rd16(r.data, 0)?), u32::from(rd16(r.data, 2)?)));
        // A record's text as calamine decodes it: through a codepage, a
        // byte can become up to 4 bytes of UTF-8.
        let text = (r.data.len() as u64).saturating_mul(4);
        match r.typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => {
                // DIMENSIONS: calamine reserves rows x columns cells, with
                // u32 arithmetic that wraps as it does in a release build.
                let d = r.data;
                let (rf, rl, mut cf, cl) = match d.len() {
                    10 => (
                        u32::from(rd16(d, 0).unwrap_or(0)),
                        u32::from(rd16(d, 2).unwrap_or(0)),
                        u32::from(rd16(d, 4).unwrap_or(0)),
                        u32::from(rd16(d, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        rd32(d, 0).unwrap_or(0),
                        rd32(d, 4).unwrap_or(0),
                        u32::from(rd16(d, 8).unwrap_or(0)),
                        u32::from(rd16(d, 10).unwrap_or(0)),
                    ),
                    _ => return Err(malformed_record(name, r.typ)),
                };
                if 0xFF < cf || cl < cf {
                    cf = 0;
                }
                let (end_r, end_c) = if rl >= 1 && cl >= 1 { (rl - 1, cl - 1) } else { (rf, cf) };
                let rows = u64::from(end_r.wrapping_sub(rf).wrapping_add(1));
                let cols = u64::from(end_c.wrapping_sub(cf).wrapping_add(1));
                reserved = reserved.max(rows.saturating_mul(cols));
                if reserved > limits.max_cells_per_sheet {
                    return Err(Rejection::new(
                        Reason::TooManyCells,
                        format!(
                            "sheet {name:?} declares dimensions of {rows} rows x {cols} columns, more than the limit of {} cells",
                            limits.max_cells_per_sheet
                        ),
                    ));
                }
            }
            // Number, Label, RString, BoolErr, RK
            0x0203 | 0x0205 | 0x027E => {
                let Some((row, col)) = pos() else { return Err(malformed_record(name, r.typ)) };
                at(&mut cells, row, col, &mut pushed)?;
                if r.typ != 0x0205 {
                    date_cell(r.data, 4, row, col);
                }
            }
            0x0204 | 0x00D6 => {
                let Some((row, col)) = pos() else { return Err(malformed_record(name, r.typ)) };
                at(&mut cells, row, col, &mut pushed)?;
                budget.add_text(text, name, limits)?;
            }
            // LabelSst: a copy of the shared string, six bytes of UTF-8 per
            // character at most (a codepage's high-byte unit decoded).
            0x00FD => {
                let Some((row, col)) = pos() else { return Err(malformed_record(name, r.typ)) };
                let Some(i) = rd32(r.data, 6) else { return Err(malformed_record(name, r.typ)) };
                if let Some(&len) = sst.get(i as usize) {
                    at(&mut cells, row, col, &mut pushed)?;
                    budget.add_text(u64::from(len) * 6, name, limits)?;
                }
            }
            // String: the text value of the formula before it.
            0x0207 => {
                at(&mut cells, fmla_pos.0, fmla_pos.1, &mut pushed)?;
                budget.add_text(text, name, limits)?;
            }
            // MulRk: a run of numbers on one row, read as calamine reads it:
            // its count of columns in u16 arithmetic that wraps.
            0x00BD => {
                let d = r.data;
                let (Some(row), Some(first)) = (rd16(d, 0), rd16(d, 2)) else {
                    return Err(malformed_record(name, r.typ));
                };
                let Some(last) = d.len().checked_sub(2).and_then(|at| rd16(d, at)) else {
                    return Err(malformed_record(name, r.typ));
                };
                let count = last.wrapping_sub(first).wrapping_add(1);
                if d.len() != 6 + 6 * usize::from(count) {
                    return Err(malformed_record(name, r.typ));
                }
                if count > 0 {
                    let (row, first) = (u32::from(row), u32::from(first));
                    at(&mut cells, row, first, &mut pushed)?;
                    at(&mut cells, row, first + u32::from(count) - 1, &mut pushed)?;
                    pushed += u64::from(count).saturating_sub(2);
                    for k in 0..u32::from(count) {
                        date_cell(d, 4 + 6 * k as usize, row, first + k);
                    }
                }
            }
            // Formula: a value cell and a formula text.
            0x0006 => {
                let Some((row, col)) = pos() else { return Err(malformed_record(name, r.typ)) };
                if r.data.len() < 20 {
                    return Err(malformed_record(name, r.typ));
                }
                fmla_pos = (row, col);
                date_cell(r.data, 4, row, col);
                let spaces = formula_spaces(&r.data[20..]);
                if spaces > MAX_FORMULA_SPACES {
                    return Err(Rejection::new(
                        Reason::TooLarge,
                        format!(
                            "the formula of sheet {name:?} at row {}, column {} asks for {spaces} spaces, over the {MAX_FORMULA_SPACES} characters a formula can hold",
                            row + 1,
                            col + 1
                        ),
                    ));
                }
                budget.formula_moves = budget.formula_moves.saturating_add(formula_moves(&r.data[20..]));
                if budget.formula_moves > MAX_FORMULA_MOVES {
                    return Err(Rejection::new(
                        Reason::TooLarge,
                        format!(
                            "the formulas of this workbook would be rebuilt at a cost over the limit, reached at sheet {name:?}, row {}, column {}: \
                             too many parentheses, operators or functions over long names",
                            row + 1,
                            col + 1
                        ),
                    ));
                }
                at(&mut cells, row, col, &mut pushed)?;
                formulas.add(row, col);
                pushed += 1;
                budget.add_text(
                    (r.data.len() as u64).saturating_mul(FORMULA_TEXT_PER_BYTE).saturating_add(64),
                    name,
                    limits,
                )?;
            }
            // MergeCells: calamine reads as many ranges as the count says,
            // and panics past the end of the record.
            0x00E5 => {
                let declared = rd16(r.data, 0).map_or(usize::MAX, |n| 2 + 8 * usize::from(n));
                if r.data.len() < declared {
                    return Err(Rejection::new(
                        Reason::Corrupt,
                        format!(
                            "not a readable xls workbook: a merged cells record of sheet {name:?} lists more ranges than it holds"
                        ),
                    ));
                }
            }
            0x000A => break,
            _ => {}
        }
        // The sparse list of cells, then the two dense rectangles.
        let so_far = pushed.max(reserved).saturating_add(cells.area()).saturating_add(formulas.area());
        if budget.cells.saturating_add(so_far) > limits.max_cells_per_sheet {
            budget.add_cells(so_far, name, limits)?;
        }
    }
    let total = pushed.max(reserved).saturating_add(cells.area()).saturating_add(formulas.area());
    budget.add_cells(total, name, limits)?;
    Ok(records.consumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(rows: &str) -> String {
        format!(
            "<office:document-content><office:body><office:spreadsheet>\
             <table:table table:name=\"Cover\">{rows}</table:table>\
             </office:spreadsheet></office:body></office:document-content>"
        )
    }

    /// The verdict on these rows, read in place and streamed: both must agree.
    fn ods(rows: &str) -> Result<(), Reason> {
        ods_xml(&content(rows))
    }

    /// The verdict on this content.xml, read in place and streamed.
    fn ods_xml(xml: &str) -> Result<(), Reason> {
        let limits = Limits::default();
        let in_place = check_ods_content(ods_reader(xml.as_bytes()), &limits).map_err(|r| r.reason);
        let streamed = Buffered {
            reader: ods_reader(std::io::BufReader::with_capacity(7, xml.as_bytes())),
            buf: Vec::new(),
        };
        assert_eq!(check_ods_content(streamed, &limits).map_err(|r| r.reason), in_place);
        in_place
    }

    #[test]
    fn styled_empty_cells_repeated_to_the_sheet_end_cost_nothing() {
        // What LibreOffice writes after the last row of a template: styled,
        // validated, but empty cells over every row and column.
        let rows = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>state</text:p></table:table-cell></table:table-row>\
            <table:table-row table:number-rows-repeated=\"1048575\">\
            <table:table-cell table:style-name=\"ce1\" table:content-validation-name=\"val1\" table:number-columns-repeated=\"16384\"/>\
            </table:table-row>";
        assert_eq!(ods(rows), Ok(()));
    }

    #[test]
    fn repeated_values_count_as_the_rectangle_they_fill() {
        let cell = |cols: u32| {
            format!(
                "<table:table-cell table:number-columns-repeated=\"{cols}\" office:value-type=\"float\" office:value=\"1\"/>"
            )
        };
        let row = |rows: u32, cols: u32| {
            format!("<table:table-row table:number-rows-repeated=\"{rows}\">{}</table:table-row>", cell(cols))
        };
        assert_eq!(ods(&row(1000, 100)), Ok(()));
        assert_eq!(ods(&row(1000, 1001)), Err(Reason::TooManyCells));
        assert_eq!(ods(&row(100_001, 1)), Err(Reason::TooManyCells));
    }

    #[test]
    fn repeat_counts_written_as_character_references_count_in_full() {
        // calamine unescapes the row count: `&#57;00000` is 900,000 rows of
        // 100 values, gigabytes. The column count it parses raw (and fails
        // on), so counting it in full is only cautious.
        let cells = "<table:table-cell office:value-type=\"string\"><text:p>x</text:p></table:table-cell>"
            .repeat(100);
        let row = |attr: &str, count: &str| {
            format!("<table:table-row {attr}=\"{count}\">{cells}</table:table-row>")
        };
        for count in ["&#57;00000", "&#x39;00000", " 900000 ", "9&#48;0000"] {
            assert_eq!(ods(&row("table:number-rows-repeated", count)), Err(Reason::TooManyCells), "{count}");
        }
        let wide = |count: &str| {
            format!(
                "<table:table-row table:number-rows-repeated=\"2000\"><table:table-cell table:number-columns-repeated=\"{count}\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>"
            )
        };
        assert_eq!(ods(&wide("&#49;000")), Err(Reason::TooManyCells));
        // What is no number at all, calamine refuses: nothing to count.
        assert_eq!(ods(&row("table:number-rows-repeated", "&bogus;")), Ok(()));
        assert_eq!(repeat_count("&#49;0"), 10);
        assert_eq!(repeat_count("x"), 1);
    }

    #[test]
    fn spaces_a_cell_asks_for_count_as_its_text() {
        // `<text:s text:c="N"/>` is N spaces in calamine's text of the cell.
        let cell = |inner: &str| {
            format!(
                "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a{inner}b</text:p></table:table-cell></table:table-row>"
            )
        };
        for count in ["2000000000", "&#50;000000000", "67108864"] {
            let spaces = format!("<text:s text:c=\"{count}\"/>");
            assert_eq!(ods(&cell(&spaces)), Err(Reason::TooLarge), "{count}");
        }
        assert_eq!(ods(&cell("<text:s text:c=\"1000\"/><text:s/><text:tab/><text:line-break/>")), Ok(()));
        // Repeated over rows and columns, a few spaces add up too.
        let many = "<table:table-row table:number-rows-repeated=\"2000\"><table:table-cell table:number-columns-repeated=\"50\" office:value-type=\"string\"><text:p><text:s text:c=\"1000\"/></text:p></table:table-cell></table:table-row>";
        assert_eq!(ods(many), Err(Reason::TooLarge));
    }

    #[test]
    fn content_that_ends_inside_a_table_is_corrupt() {
        // calamine's table loop, and its annotation loop, never see the end
        // of the file: they spin forever.
        let head =
            "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"Cover\">";
        let row = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>state</text:p></table:table-cell></table:table-row>";
        let annotation =
            "<table:table-row><table:table-cell office:value-type=\"string\"><office:annotation><text:p>note";
        for xml in
            [format!("{head}{row}"), format!("{head}{row}{annotation}"), format!("{head}<table:table-row>")]
        {
            assert_eq!(ods_xml(&xml), Err(Reason::Corrupt), "{xml}");
        }
        assert_eq!(ods_xml(&format!("{head}{row}</table:table>")), Ok(()));
        assert_eq!(ods(row), Ok(()));
    }

    #[test]
    fn attribute_names_are_read_as_calamine_reads_them() {
        // calamine's attribute reader takes any ASCII whitespace, a form feed
        // too, between attributes; the XML reader takes the form feed into
        // the name.
        let spaces = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a<text:s x=\"\"\u{c}text:c=\"2000000000\"/></text:p></table:table-cell></table:table-row>";
        assert_eq!(ods(spaces), Err(Reason::TooLarge));
        let rows = "<table:table-row x=\"\"\u{c}table:number-rows-repeated=\"99000\"><table:table-cell x=\"\"\u{c}table:number-columns-repeated=\"1000\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
        // 99 million values: their text passes the limit first.
        assert_eq!(ods(rows), Err(Reason::TooLarge));
    }

    #[test]
    fn a_cell_ends_where_calamine_ends_it() {
        // A float cell: calamine skips to the cell's own end tag, whatever
        // opened inside it. The rows after it must still be measured.
        let huge = "<table:table-row table:number-rows-repeated=\"99000\"><table:table-cell table:number-columns-repeated=\"1000\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>";
        let phantom = format!(
            "<table:table-row><table:table-cell office:value-type=\"float\" office:value=\"1\"><x></table:table-cell></table:table-row>{huge}"
        );
        assert_eq!(ods(&phantom), Err(Reason::TooLarge));
        // A string cell: calamine reads it up to the first cell end tag, and
        // an end of table inside it closes nothing.
        let head =
            "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"Cover\">";
        let inside = format!(
            "{head}<table:table-row><table:table-cell office:value-type=\"string\"><text:p>a</text:p></table:table><office:annotation><text:p>note"
        );
        assert_eq!(ods_xml(&inside), Err(Reason::Corrupt));
        let after = format!(
            "{head}<table:table-row><table:table-cell office:value-type=\"string\"></table:table></table:table-cell></table:table-row>"
        );
        assert_eq!(ods_xml(&after), Err(Reason::Corrupt));
        // Inside an annotation, a cell end tag ends nothing: calamine reads
        // on to the end of the annotation, and then the cell's text.
        let annotated = "<table:table-row><table:table-cell office:value-type=\"string\"><office:annotation></table:table-cell></table:table-row></office:annotation><text:s text:c=\"2000000000\"/></table:table-cell></table:table-row>";
        assert_eq!(ods(annotated), Err(Reason::TooLarge));
    }

    #[test]
    fn text_directly_in_a_cell_counts() {
        // No text:p: calamine keeps the text all the same, once per row.
        let row = format!(
            "<table:table-row table:number-rows-repeated=\"50000\"><table:table-cell office:value-type=\"string\">{}</table:table-cell></table:table-row>",
            "a".repeat(2000)
        );
        assert_eq!(ods(&row), Err(Reason::TooLarge));
    }

    fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend(u16::try_from(data.len()).unwrap().to_le_bytes());
        r.extend(data);
        r
    }

    #[test]
    fn date_formats_are_told_by_their_day_or_year_outside_text() {
        for code in ["yyyy-mm-dd", "dd/mm/yyyy", "d-mmm-yy", "[$-409]mmmm d, yyyy", "DD.MM.YYYY"] {
            assert!(is_date_format(code), "{code}");
        }
        for code in ["0.00", "\"day\" 0", "[Red]0", "mm:ss", "#,##0\\d", "_(* #,##0_)"] {
            assert!(!is_date_format(code), "{code}");
        }
        assert!(refused_format_id(60) && refused_format_id(14) && !refused_format_id(164));
    }

    #[test]
    fn a_record_continued_too_many_times_is_refused() {
        // calamine takes each CONTINUE off the front of a list: a record
        // followed by n of them costs n * n / 2 moves.
        let workbook = |continues: usize| {
            let mut stream = biff(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            stream.extend(biff(0x00FC, &[0; 8]));
            for _ in 0..continues {
                stream.extend(biff(0x003C, &[]));
            }
            stream.extend(biff(0x000A, &[]));
            crate::ingest::cfb::tests::compound("Workbook", &stream, false)
        };
        let verdict = |n| check_xls(&workbook(n), &Limits::default()).map(|i| i.biff8).map_err(|r| r.reason);
        assert_eq!(verdict(MAX_CONTINUES), Ok(true));
        assert_eq!(verdict(MAX_CONTINUES + 1), Err(Reason::TooLarge));
    }

    #[test]
    fn a_shared_string_table_of_millions_of_empty_strings_is_refused() {
        // Each string costs calamine its header however short it is.
        let workbook = |strings: usize| {
            let mut stream = biff(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            let count = u32::try_from(strings).unwrap().to_le_bytes();
            let mut body = [count, count].concat();
            let per_record = 8_000 / 3;
            body.extend([0, 0, 0].repeat(strings.min(per_record)));
            stream.extend(biff(0x00FC, &body));
            let mut left = strings.saturating_sub(per_record);
            while left > 0 {
                let n = left.min(per_record);
                stream.extend(biff(0x003C, &[0, 0, 0].repeat(n)));
                left -= n;
            }
            stream.extend(biff(0x000A, &[]));
            crate::ingest::cfb::tests::compound("Workbook", &stream, false)
        };
        let limits = Limits { max_text_bytes: 64 << 10, ..Limits::default() };
        let verdict = |n| check_xls(&workbook(n), &limits).map(|i| i.biff8).map_err(|r| r.reason);
        assert_eq!(verdict(1_500), Ok(true));
        assert_eq!(verdict(15_000), Err(Reason::TooLarge));
    }

    #[test]
    fn formula_rebuilding_is_bounded_by_tokens_times_text() {
        // 1+2 costs little; 32,700 parentheses over 5,450 names do not.
        let small = [0x1E, 1, 0, 0x1E, 2, 0, 0x03];
        assert!(formula_moves(&small) < 100_000);
        let mut big = Vec::new();
        for _ in 0..5_450 {
            big.extend([0x23, 1, 0, 0, 0, 0x03]);
        }
        big.extend(std::iter::repeat_n(0x15, 32_700));
        assert!(formula_moves(&big) > MAX_FORMULA_MOVES, "{}", formula_moves(&big));
        // A formula as long as Excel allows, of ordinary tokens, passes many
        // times over.
        let ordinary: Vec<u8> = (0..2_000).flat_map(|i| [0x24, (i % 200) as u8, 0, 1, 0, 0x03]).collect();
        assert!(formula_moves(&ordinary) * 10 < MAX_FORMULA_MOVES, "{}", formula_moves(&ordinary));
    }

    #[test]
    fn formula_spaces_are_summed_from_their_tokens() {
        // 1 + (space token, 3 spaces) + (line break token, 2) + another ptg.
        let rgce = [0x1E, 1, 0, 0x19, 0x40, 0x00, 3, 0x19, 0x41, 0x01, 2, 0x03];
        assert_eq!(formula_spaces(&rgce), 5);
        assert_eq!(formula_spaces(&[0x19]), 0);
        let many: Vec<u8> = [0x1E, 1, 0].into_iter().chain([0x19, 0x40, 0x00, 0xFF].repeat(4000)).collect();
        assert_eq!(formula_spaces(&many), 4000 * 255);
        assert!(formula_spaces(&many) > MAX_FORMULA_SPACES);
    }

    /// An SST record whose only string runs into a CONTINUE record.
    #[test]
    fn shared_string_lengths_follow_continue_records() {
        let mut first = vec![2, 0, 0, 0, 2, 0, 0, 0];
        first.extend([5, 0, 0]); // "ab" + 3 more characters, 1 byte each
        first.extend(b"ab");
        let mut cont = vec![1]; // the rest is two bytes per character
        cont.extend([b'c', 0, b'd', 0, b'e', 0]);
        cont.extend([1, 0, 0]); // a second string of one character
        cont.push(b'z');
        let r = Record { typ: 0x00FC, data: &first, conts: vec![&cont] };
        assert_eq!(sst_lengths(&r), Some(vec![5, 1]));
        let short = Record { typ: 0x00FC, data: &first, conts: vec![] };
        assert_eq!(sst_lengths(&short), None);
    }
}
