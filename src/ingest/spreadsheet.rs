//! Spreadsheet returns (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, SPEC 4).
//!
//! Cells are read sparsely: xlsx and xlsb through calamine's cell readers, so a
//! sheet with one cell in A1 and one in XFD1048576 costs two cells, not a
//! 17-billion-cell grid; xls and ods through calamine's ranges, which calamine
//! builds dense for every sheet when it opens the file, so those files are
//! measured first ([`super::grid`]). Every sheet is bounded by [`Limits`],
//! and so is the text all the cells hold (a shared string counts once per
//! cell that shows it). Then each row is looked at once: a cover key in
//! column A, a header row of column keys, or an answer row under a header.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::{Arc, LazyLock};

use calamine::{
    Data, DataRef, ExcelDateTime, ExcelDateTimeType, Ods, Reader, SheetType, Xls, XlsOptions, Xlsb, Xlsx,
};
use regex::Regex;

use super::{cfb, grid};
use crate::discover::Limits;
use crate::model::{
    ColumnKey, Date, Format, Problem, Quoted, RawAnswer, RawField, RawReturn, RawValue, Reason, Rejection,
};
use crate::normalize::fold::fold;
use crate::provenance::SourceRef;
use crate::schema::{Vocabulary, matches};

/// A question id as typed in an id cell (case is forgiven here; validate
/// matches it to the questionnaire).
pub(crate) static ID_CELL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z]+(\.[0-9A-Za-z]+)+$").ok());

/// The question id an id cell holds, if it holds one: as typed, or as NFKC
/// reads it (`ＴＩＰ.８.１`, typed with an East Asian input method, is
/// `TIP.8.1`; SPEC 3.4), and without the invisible characters that
/// right-to-left text brings (`\u{200F}TIP.8.1\u{200F}`).
fn question_id(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_ascii() {
        return matches(&ID_CELL, t).then(|| t.to_owned());
    }
    let n = crate::normalize::fold::nfkc_visible(t);
    matches(&ID_CELL, &n).then_some(n)
}

/// One sparse cell: zero-based row, column, value.
type Cell = (u32, u32, RawValue);

/// Reads every worksheet of an xlsx or xlsb workbook through calamine's
/// sparse cell reader (the two readers share a shape but no trait).
macro_rules! read_cells {
    ($wb:ident, $limits:ident, $text:ident, $reader:ident) => {
        for name in worksheet_names($wb.sheets_metadata())? {
            let mut cells = SheetCells::new(&name, $limits, &mut $text);
            let mut rdr =
                $wb.worksheet_cells_reader(&name).map_err(|e| sheet_error(&name, &e.to_string()))?;
            while let Some(cell) = rdr.next_cell().map_err(|e| sheet_error(&name, &e.to_string()))? {
                let (row, col) = cell.get_position();
                cells.push(row, col, from_ref(cell.get_value()))?;
            }
            drop(rdr);
            $reader.sheet(&name, cells.finish());
        }
    };
}

/// Reads a workbook into a raw return. calamine panics on some malformed
/// xls and xlsb records (a truncated BOUNDSHEET, a NAME whose formula runs
/// past its record, a sheet relationship missing): such a workbook is
/// `corrupt`, not a bug of art32.
pub fn read(
    bytes: &[u8],
    format: Format,
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<RawReturn, Rejection> {
    crate::pipeline::catch_reader_panic(|| read_workbook(bytes, format, vocab, limits)).unwrap_or_else(|| {
        Err(Rejection::new(
            Reason::Corrupt,
            format!(
                "not a readable {} workbook: its records contradict each other (a damaged or hand-made file); ask the State to save it again",
                format.code()
            ),
        ))
    })
}

fn read_workbook(
    bytes: &[u8],
    format: Format,
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<RawReturn, Rejection> {
    let mut reader = ReturnBuilder::new(vocab, limits.max_rows_per_sheet as usize);
    let cursor = Cursor::new(bytes);
    // Text held by the cells of all the sheets read so far.
    let mut text = 0_u64;
    match format {
        Format::Xlsx | Format::Xlsm => {
            check_compound(bytes, format)?;
            grid::check_xlsx_sheets(bytes)?;
            let mut wb = Xlsx::new(cursor).map_err(|e| open_error(format, &e.to_string()))?;
            read_cells!(wb, limits, text, reader);
        }
        Format::Xlsb => {
            check_compound(bytes, format)?;
            let mut wb = Xlsb::new(cursor).map_err(|e| open_error(format, &e.to_string()))?;
            check_xlsb_sheets(bytes, wb.sheets_metadata().len())?;
            read_cells!(wb, limits, text, reader);
        }
        Format::Xls => {
            let info = grid::check_xls(bytes, limits)?;
            // In BIFF8 every string says whether it is UTF-16 or 8-bit
            // (the first 256 code points): the CODEPAGE record does not
            // apply to it, and calamine decodes such strings through it all
            // the same (Spreadsheet::WriteExcel declares 1252: every string
            // came out with a NUL between its letters).
            let mut options = XlsOptions::default();
            if info.biff8 {
                options.force_codepage = Some(1200);
            }
            let mut wb =
                Xls::new_with_options(cursor, options).map_err(|e| open_error(format, &e.to_string()))?;
            let names = worksheet_names(wb.sheets_metadata())?;
            // Number cells in a format calamine refuses, by sheet name
            // (the sheets in BoundSheet8 order, as calamine lists them).
            let mut dates = CellTypes { by_sheet: BTreeMap::new(), is_1904: info.is_1904 };
            if wb.sheets_metadata().len() == info.sheet_types.len() {
                for (sheet, cells) in wb.sheets_metadata().iter().zip(&info.sheet_types) {
                    if !cells.is_empty() {
                        dates.by_sheet.insert(sheet.name.clone(), cells.as_slice());
                    }
                }
            }
            read_ranges(&mut wb, names, limits, &mut reader, &mut text, Some(&dates))?;
        }
        Format::Ods => {
            grid::check_ods(bytes, limits)?;
            let mut wb = Ods::new(cursor).map_err(|e| open_error(format, &e.to_string()))?;
            let names = worksheet_names(wb.sheets_metadata())?;
            read_ranges(&mut wb, names, limits, &mut reader, &mut text, None)?;
        }
        Format::Xml | Format::Unknown => {
            return Err(Rejection::new(Reason::Corrupt, "not a spreadsheet"));
        }
    }
    reader.finish()
}

fn read_ranges<'b, R: Reader<Cursor<&'b [u8]>>>(
    wb: &mut R,
    names: Vec<String>,
    limits: &Limits,
    reader: &mut ReturnBuilder<'_>,
    text: &mut u64,
    dates: Option<&CellTypes<'_>>,
) -> Result<(), Rejection>
where
    R::Error: std::fmt::Display,
{
    for name in names {
        let range = wb.worksheet_range(&name).map_err(|e| sheet_error(&name, &e.to_string()))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut cells = SheetCells::new(&name, limits, text);
        let sheet_dates = dates.and_then(|d| d.by_sheet.get(&name).map(|cells| (*cells, d.is_1904)));
        for (r, c, v) in range.used_cells() {
            let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else { continue };
            let (row, col) = (r0.saturating_add(r), c0.saturating_add(c));
            let typed = sheet_dates.and_then(|(cells, is_1904)| {
                let i = cells.binary_search_by_key(&(row, col), |t| t.0).ok()?;
                Some((cells.get(i)?.1, is_1904))
            });
            let date = typed.and_then(|(is_date, is_1904)| match (is_date, v) {
                (true, Data::Float(f)) => {
                    Some(Data::DateTime(ExcelDateTime::new(*f, ExcelDateTimeType::DateTime, is_1904)))
                }
                (true, Data::Int(i)) => {
                    Some(Data::DateTime(ExcelDateTime::new(*i as f64, ExcelDateTimeType::DateTime, is_1904)))
                }
                (false, Data::DateTime(dt)) => Some(Data::Float(dt.as_f64())),
                _ => None,
            });
            cells.push(row, col, from_data(date.as_ref().unwrap_or(v)))?;
        }
        reader.sheet(&name, cells.finish());
    }
    Ok(())
}

/// Number cells of an xls whose format calamine refuses: read as dates, or
/// as plain numbers, as their format says ([`grid::XlsInfo::sheet_types`]).
struct CellTypes<'a> {
    /// Sorted ((row, column), is a date) per sheet name.
    by_sheet: BTreeMap<String, &'a [grid::CellType]>,
    is_1904: bool,
}

/// The names of the worksheets, in order. Two sheets of one name (no
/// spreadsheet program writes them) cannot both be read: calamine finds a
/// sheet by its name, so that one of them would be lost unseen.
fn worksheet_names(sheets: &[calamine::Sheet]) -> Result<Vec<String>, Rejection> {
    let mut seen = std::collections::HashSet::with_capacity(sheets.len());
    if let Some(twice) = sheets.iter().find(|s| !seen.insert(s.name.as_str())) {
        return Err(Rejection::new(
            Reason::Corrupt,
            format!(
                "the workbook names two sheets {:?}: art32 finds a sheet by its name, and cannot read both (rename one and send the return again)",
                twice.name
            ),
        ));
    }
    Ok(sheets.iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect())
}

/// An xlsb whose workbook lists more sheets than its package holds
/// worksheet parts names one part for several sheets; calamine reads that
/// part once per sheet, and finds each sheet by a walk of the list, so that
/// 200,000 sheets on one empty part took a minute. The xlsx check
/// ([`grid::check_xlsx_sheets`]) refuses the same.
fn check_xlsb_sheets(bytes: &[u8], sheets: usize) -> Result<(), Rejection> {
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let parts = archive
        .file_names()
        .filter_map(|n| n.ok())
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            n.contains("worksheets/")
                || n.contains("chartsheets/")
                || n.contains("dialogsheets/")
                || n.contains("macrosheets/")
        })
        .count();
    if sheets > parts {
        return Err(Rejection::new(
            Reason::Corrupt,
            format!(
                "not a readable xlsb workbook: it lists {sheets} sheets, but its package holds {parts} sheet parts, so some sheets share one (Excel writes one part per sheet)"
            ),
        ));
    }
    Ok(())
}

/// calamine opens a compound file handed to it as an xlsx or xlsb (to tell an
/// encrypted workbook) without checking its sector chains, and panics or
/// exhausts memory on damaged ones (fuzz regressions `cfb-*`): check them first.
fn check_compound(bytes: &[u8], format: Format) -> Result<(), Rejection> {
    if !bytes.starts_with(&cfb::MAGIC) {
        return Ok(());
    }
    match cfb::stream(bytes, &["EncryptedPackage"]) {
        Ok(_) => Ok(()),
        Err(e) => Err(open_error(format, &format!("damaged compound file: {e}"))),
    }
}

fn open_error(format: Format, e: &str) -> Rejection {
    if e.to_ascii_lowercase().contains("password") {
        return Rejection::new(
            Reason::Encrypted,
            "the workbook is password-protected: ask the State to send it without a password",
        );
    }
    Rejection::new(Reason::Corrupt, format!("not a readable {} workbook: {e}", format.code()))
}

fn sheet_error(sheet: &str, e: &str) -> Rejection {
    Rejection::new(Reason::Corrupt, format!("sheet {sheet:?} cannot be read: {e}"))
}

/// The cells of one sheet, bounded by the limits.
struct SheetCells<'a> {
    name: &'a str,
    cells: Vec<Cell>,
    limits: &'a Limits,
    /// Text held by the cells of the workbook so far, in bytes.
    text: &'a mut u64,
}

impl<'a> SheetCells<'a> {
    fn new(name: &'a str, limits: &'a Limits, text: &'a mut u64) -> Self {
        SheetCells { name, cells: Vec::new(), limits, text }
    }

    fn push(&mut self, row: u32, col: u32, value: RawValue) -> Result<(), Rejection> {
        if value == RawValue::Empty {
            return Ok(());
        }
        if row >= self.limits.max_rows_per_sheet {
            return Err(Rejection::new(
                Reason::TooManyCells,
                format!(
                    "sheet {:?} has a cell at {}, beyond the limit of {} rows",
                    self.name,
                    SourceRef::cell(self.name, row, col),
                    self.limits.max_rows_per_sheet
                ),
            ));
        }
        if self.cells.len() as u64 >= self.limits.max_cells_per_sheet {
            return Err(Rejection::new(
                Reason::TooManyCells,
                format!("sheet {:?} has more than {} cells", self.name, self.limits.max_cells_per_sheet),
            ));
        }
        if let RawValue::Text(t) | RawValue::Error(t) = &value {
            *self.text = self.text.saturating_add(t.len() as u64);
            if *self.text > self.limits.max_text_bytes {
                return Err(grid::text_too_large(self.name, self.limits));
            }
        }
        self.cells.push((row, col, value));
        Ok(())
    }

    fn finish(mut self) -> Vec<Cell> {
        self.cells.sort_by_key(|c| (c.0, c.1));
        self.cells
    }
}

fn from_datetime(dt: &ExcelDateTime) -> RawValue {
    let serial = dt.as_f64();
    if dt.is_datetime() && serial >= 1.0 && serial.is_finite() {
        let (y, m, d, ..) = dt.to_ymd_hms_milli();
        // Past 9999-12-31 (serial 2958465, 2957003 from 1904) Excel holds no
        // date, and calamine makes every such serial 9999-12-31: a date the
        // State never gave (it would supersede every other return).
        if (y, m, d) == (9999, 12, 31) && ![2_958_465.0, 2_957_003.0].contains(&serial.floor()) {
            return RawValue::Float(serial);
        }
        match Date::new(i32::from(y), u32::from(m), u32::from(d)) {
            Some(date) => RawValue::Date(date),
            None => RawValue::Float(serial),
        }
    } else {
        RawValue::Float(serial)
    }
}

fn from_iso(s: &str) -> RawValue {
    match s.get(..10).and_then(Date::parse_iso) {
        Some(d) if s.len() == 10 || s.as_bytes().get(10) == Some(&b'T') => RawValue::Date(d),
        _ => RawValue::Text(s.to_owned()),
    }
}

/// A string cell; an error cell calamine does not know, as the stored copy
/// holds it ([`crate::discover::tidy::xlsx_errors`]), is that error.
fn from_string(s: &str) -> RawValue {
    match s.strip_prefix(crate::discover::tidy::ERROR_MARK) {
        Some(error) => RawValue::Error(error.to_owned()),
        None => RawValue::Text(s.to_owned()),
    }
}

fn from_ref(v: &DataRef<'_>) -> RawValue {
    match v {
        DataRef::Int(i) => RawValue::Int(*i),
        DataRef::Float(f) => RawValue::Float(*f),
        DataRef::String(s) => from_string(s),
        DataRef::SharedString(s) => RawValue::Text((*s).to_owned()),
        DataRef::Bool(b) => RawValue::Bool(*b),
        DataRef::DateTime(dt) => from_datetime(dt),
        DataRef::DateTimeIso(s) => from_iso(s),
        DataRef::DurationIso(s) => RawValue::Text(s.clone()),
        DataRef::Error(e) => RawValue::Error(e.to_string()),
        DataRef::Empty => RawValue::Empty,
    }
}

fn from_data(v: &Data) -> RawValue {
    match v {
        Data::Int(i) => RawValue::Int(*i),
        Data::Float(f) => RawValue::Float(*f),
        Data::String(s) => from_string(s),
        Data::Bool(b) => RawValue::Bool(*b),
        Data::DateTime(dt) => from_datetime(dt),
        Data::DateTimeIso(s) => from_iso(s),
        Data::DurationIso(s) => RawValue::Text(s.clone()),
        Data::Error(e) => RawValue::Error(e.to_string()),
        Data::Empty => RawValue::Empty,
    }
}

/// The text of the cell in column `col` of a row, if it holds text.
fn text_at(cells: &[Cell], col: u32) -> Option<&str> {
    match cells.iter().find(|c| c.1 == col).map(|c| &c.2) {
        Some(RawValue::Text(t)) => Some(t.as_str()),
        _ => None,
    }
}

/// Moves the value of the cell in column `col` out of a row's cells.
fn take(cells: &mut [Cell], col: u32) -> Option<RawValue> {
    cells.iter_mut().find(|c| c.1 == col).map(|c| std::mem::replace(&mut c.2, RawValue::Empty))
}

/// Where the columns of the current answer table are.
#[derive(Debug, Clone)]
struct Header {
    columns: BTreeMap<ColumnKey, u32>,
    marks: Vec<(String, u32)>,
    /// Columns whose header cell holds some other text (a State's own
    /// column, a note): not read, but headed.
    headed: Vec<u32>,
    /// Of those, the columns headed by text of the State's own (a note
    /// column), with that text: their values are not read, and say so.
    notes: Vec<(u32, String)>,
    /// Checkbox columns whose `assistance:` header names no assistance
    /// type: the header text and the column. A mark in one is not read,
    /// and says so.
    unknown_marks: Vec<(String, u32)>,
}

/// Turns sheets of cells into a raw return.
struct ReturnBuilder<'v> {
    vocab: &'v Vocabulary,
    out: RawReturn,
    saw_header: bool,
    /// Most cover, answer and problem records the return may hold: each
    /// costs far more memory than the cells it came from.
    max_records: usize,
    /// Whether rows were left unread because of `max_records`.
    overflow: bool,
    /// Per column of the current answer table, the values beside filled
    /// answers that no header makes read: the first one's cell and text, and
    /// how many (one warning per column, when the table ends).
    unread: BTreeMap<u32, (SourceRef, String, usize)>,
}

impl<'v> ReturnBuilder<'v> {
    fn new(vocab: &'v Vocabulary, max_records: usize) -> Self {
        ReturnBuilder {
            vocab,
            out: RawReturn::default(),
            saw_header: false,
            max_records,
            overflow: false,
            unread: BTreeMap::new(),
        }
    }

    fn sheet(&mut self, sheet: &str, mut cells: Vec<Cell>) {
        let sheet: Arc<str> = Arc::from(sheet);
        let sheet = &sheet;
        let mut header: Option<Header> = None;
        let mut start = 0;
        while start < cells.len() {
            let row = cells[start].0;
            let end = cells[start..].iter().position(|c| c.0 != row).map_or(cells.len(), |n| start + n);
            self.row(sheet, row, &mut cells[start..end], &mut header);
            start = end;
        }
        self.flush_unread(header.as_ref());
    }

    /// One warning per column whose values beside filled answers were not
    /// read (SPEC 6.1: nothing dropped silently).
    fn flush_unread(&mut self, header: Option<&Header>) {
        for (col, (first, value, n)) in std::mem::take(&mut self.unread) {
            let what = match header.and_then(|h| h.notes.iter().find(|(c, _)| *c == col)) {
                Some((_, text)) => format!("headed {}, which is not a column art32 reads", Quoted(text)),
                None => "without a header".to_owned(),
            };
            let values = if n == 1 { "1 value".to_owned() } else { format!("{n} values") };
            self.out.problems.push(Problem::warning(
                "wrong-column",
                first,
                format!(
                    "{values} beside the answers in a column {what}, not read (the first: {}); assistance types go in the assistance column or under assistance:CODE headers",
                    Quoted(&value)
                ),
            ));
        }
    }

    /// Reads one row. The values a cover field or an answer keeps are moved
    /// out of `cells`, not copied: each cell is read once.
    fn row(&mut self, sheet: &Arc<str>, row: u32, cells: &mut [Cell], header: &mut Option<Header>) {
        if self.out.cover.len() + self.out.answers.len() + self.out.problems.len() >= self.max_records {
            self.overflow = true;
            return;
        }
        // A cover key in column A; its value in column C.
        let cover = text_at(cells, 0).and_then(|t| {
            let key = self.vocab.cover_key(t)?;
            Some((key, !t.trim().eq_ignore_ascii_case(key.code())))
        });
        if let Some((key, by_label)) = cover {
            let value = take(cells, 2).unwrap_or(RawValue::Empty);
            let source = SourceRef::cell_in(sheet, row, 2);
            // Column C empty and a value beside it: in column B beside a
            // label in column A (the cover laid out label then value, the
            // key column deleted), or further right (typed one cell off).
            // Not read (SPEC 4: column B is the label's, the value is in
            // column C), and said.
            let stray = || {
                let in_b = cells.iter().find(|c| {
                    c.1 == 1
                        && by_label
                        && !c.2.is_blank()
                        && !matches!(&c.2, RawValue::Text(t) if self.vocab.cover_key(t).is_some())
                });
                in_b.or_else(|| cells.iter().find(|c| c.1 > 2 && !c.2.is_blank()))
            };
            if value.is_blank()
                && let Some((_, col, typed)) = stray()
            {
                let (beside, rule, why) = if *col == 1 {
                    (
                        "in column B beside the",
                        "cover label",
                        "column B holds a label; a cover value goes in column C",
                    )
                } else {
                    ("beside the", "cover field", "a cover value goes in column C")
                };
                self.out.problems.push(Problem::warning(
                    "wrong-column",
                    SourceRef::cell_in(sheet, row, *col),
                    format!(
                        "{} {beside} {:?} {rule}, whose value cell {} is empty: not read ({why})",
                        Quoted(&typed.to_string()),
                        key.code(),
                        source
                    ),
                ));
            }
            self.out.cover.push((key, RawField { value, source }));
            return;
        }
        // Under a table whose answers are in column C, such a row is a
        // `missing-question` (below).
        let in_table = header.as_ref().is_some_and(|h| {
            [ColumnKey::Answer, ColumnKey::Assistance].iter().any(|k| h.columns.get(k) == Some(&2))
        });
        if !in_table {
            self.cover_not_read(sheet, row, cells);
        }

        // An answer row: under a header, a question id in its `id` column
        // (SPEC 4: "every following row whose id cell holds a question id").
        let answer_id = header.as_ref().and_then(|h| {
            let id_col = *h.columns.get(&ColumnKey::Id)?;
            let id = text_at(cells, id_col).and_then(question_id)?;
            Some((id_col, id))
        });
        let Some((id_col, id)) = answer_id else {
            // A header row: holds the column keys `id` and `answer`.
            if let Some(h) = self.header_row(sheet, row, cells) {
                self.flush_unread(header.as_ref());
                *header = Some(h);
                self.saw_header = true;
            } else if let Some(h) = header.as_ref() {
                self.answer_without_id(sheet, row, cells, h);
            }
            return;
        };
        let Some(h) = header.as_ref() else { return };
        // Distinct keys and marks name distinct columns (a cell names one),
        // so no value is wanted twice.
        let mut field = |key: ColumnKey| {
            h.columns.get(&key).map(|&col| RawField {
                value: take(cells, col).unwrap_or(RawValue::Empty),
                source: SourceRef::cell_in(sheet, row, col),
            })
        };
        let answer = field(ColumnKey::Answer)
            .unwrap_or(RawField { value: RawValue::Empty, source: SourceRef::cell_in(sheet, row, id_col) });
        let assistance = field(ColumnKey::Assistance).filter(|f| !f.value.is_blank()).into_iter().collect();
        let comment = field(ColumnKey::Comment).filter(|f| !f.value.is_blank());
        let checked = |columns: &[(String, u32)], cells: &mut [Cell]| -> Vec<(String, RawField)> {
            columns
                .iter()
                .filter_map(|(code, col)| {
                    let value = take(cells, *col)?;
                    (!value.is_blank()).then(|| {
                        (code.clone(), RawField { value, source: SourceRef::cell_in(sheet, row, *col) })
                    })
                })
                .collect()
        };
        let marks = checked(&h.marks, cells);
        // Under a header that names no assistance type: normalize tells a
        // mark (not read, with a warning) from a no.
        let unknown_marks = checked(&h.unknown_marks, cells);
        if answer.value.is_blank() && h.columns.contains_key(&ColumnKey::Answer) {
            // An empty answer cell, and a value in a column no header names:
            // an answer typed beside its cell (SPEC 2: "answer in the wrong
            // column"). It is not read, and says so.
            for (_, col, value) in cells.iter() {
                let named = *col == id_col
                    || h.columns.values().any(|c| c == col)
                    || h.marks.iter().any(|(_, c)| c == col)
                    || h.headed.contains(col);
                if !named && !value.is_blank() {
                    self.out.problems.push(Problem::warning(
                        "wrong-column",
                        SourceRef::cell_in(sheet, row, *col),
                        format!(
                            "{} in a column without a header, and the answer cell {} of {id} is empty: not read as the answer",
                            Quoted(&value.to_string()),
                            answer.source
                        ),
                    ));
                }
            }
        } else {
            // Beside a filled answer: what a column without a key holds (a
            // list of assistance types typed right of the table, a note) is
            // not read, and says so once per column.
            for (_, col, value) in cells.iter() {
                let read = *col == id_col
                    || h.columns.values().any(|c| c == col)
                    || h.marks.iter().any(|(_, c)| c == col)
                    || (h.headed.contains(col) && !h.notes.iter().any(|(c, _)| c == col));
                if !read && !value.is_blank() {
                    let entry = self
                        .unread
                        .entry(*col)
                        .or_insert_with(|| (SourceRef::cell_in(sheet, row, *col), value.to_string(), 0));
                    entry.2 += 1;
                }
            }
        }
        self.out.answers.push(RawAnswer {
            question: id,
            id_source: SourceRef::cell_in(sheet, row, id_col),
            answer,
            assistance,
            marks,
            unknown_marks,
            comment,
        });
    }

    /// A row that looks like a cover row but is not one, with a value in
    /// column C: a key of the focal point's art32 does not read
    /// (`focal_point.fax`), or column A emptied with the label left in
    /// column B. The value is not read, and says so (SPEC 6.1).
    fn cover_not_read(&mut self, sheet: &Arc<str>, row: u32, cells: &[Cell]) {
        let column_a = text_at(cells, 0);
        let Some(value) = cells.iter().find(|c| c.1 == 2 && !c.2.is_blank()).map(|c| &c.2) else { return };
        let a_blank = cells.iter().find(|c| c.1 == 0).is_none_or(|c| c.2.is_blank());
        let source = SourceRef::cell_in(sheet, row, 2);
        if let Some(key) = column_a.map(str::trim).filter(|t| {
            let t = t.to_ascii_lowercase();
            ["focal_point.", "focal_point_", "focalpoint."]
                .iter()
                .any(|p| t.starts_with(p) && t.len() > p.len())
        }) {
            self.out.problems.push(Problem::warning(
                "unknown-element",
                source,
                format!(
                    "{} under the cover key {} in {}, which is not a cover key art32 reads: not read (the focal point's keys are focal_point.name, .institution, .email and .phone)",
                    Quoted(&value.to_string()),
                    Quoted(key),
                    SourceRef::cell_in(sheet, row, 0)
                ),
            ));
        } else if a_blank
            && let Some(label) = text_at(cells, 1)
            && let Some(key) = self.vocab.cover_key(label)
        {
            self.out.problems.push(Problem::warning(
                "wrong-column",
                source,
                format!(
                    "{} beside the {:?} cover label {} in column B, but column A is empty: not read (a cover row has its key or label in column A)",
                    Quoted(&value.to_string()),
                    key.code(),
                    Quoted(label)
                ),
            ));
        }
    }

    /// A row under a table whose id cell holds no question id (empty, or
    /// `UNTOC 5.3`, `5.3`), with a value in the answer or assistance column:
    /// a State's answer that SPEC 4 does not make one. It is not read, and
    /// says so (SPEC 6.1), once per row. Titles and notes in other columns
    /// are the template's layout, and pass.
    fn answer_without_id(&mut self, sheet: &Arc<str>, row: u32, cells: &[Cell], h: &Header) {
        let Some(&id_col) = h.columns.get(&ColumnKey::Id) else { return };
        let Some((col, value)) = [ColumnKey::Answer, ColumnKey::Assistance]
            .iter()
            .filter_map(|k| h.columns.get(k))
            .find_map(|&col| cells.iter().find(|c| c.1 == col && !c.2.is_blank()).map(|c| (col, &c.2)))
        else {
            return;
        };
        let id_cell = SourceRef::cell_in(sheet, row, id_col);
        let why = match text_at(cells, id_col).map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => format!("its id cell {id_cell} holds {}, which is not a question id", Quoted(t)),
            None => format!("its id cell {id_cell} is empty"),
        };
        self.out.problems.push(Problem::warning(
            "missing-question",
            SourceRef::cell_in(sheet, row, col),
            format!(
                "{} is on a row of the answer table, but {why}: not read (an answer row holds its question id, such as UNTOC.5.1)",
                Quoted(&value.to_string())
            ),
        ));
    }

    /// Recognises a header row; reports one that names `id` without `answer`.
    fn header_row(&mut self, sheet: &Arc<str>, row: u32, cells: &[Cell]) -> Option<Header> {
        let mut columns: BTreeMap<ColumnKey, u32> = BTreeMap::new();
        let mut marks = Vec::new();
        let mut others = Vec::new();
        let mut headed = Vec::new();
        let mut notes = Vec::new();
        let mut unknown_marks = Vec::new();
        // Text that is no key: read once the row is known to head a table.
        let mut rest: Vec<(u32, &str)> = Vec::new();
        for (_, col, value) in cells {
            let RawValue::Text(t) = value else { continue };
            if let Some(checkbox) = checkbox_header(t, self.vocab) {
                match checkbox {
                    Some(code) => marks.push((code, *col)),
                    None => {
                        unknown_marks.push((t.trim().to_owned(), *col));
                        headed.push(*col);
                    }
                }
            } else if let Some(key) = self.vocab.column_key(t) {
                if let Some(first) = columns.get(&key) {
                    headed.push(*col);
                    self.out.problems.push(Problem::warning(
                        "duplicate-column",
                        SourceRef::cell_in(sheet, row, *col),
                        format!(
                            "a second {:?} column; the one in {} is read",
                            key.code(),
                            SourceRef::cell_in(sheet, row, *first)
                        ),
                    ));
                } else {
                    columns.insert(key, *col);
                }
            } else if !t.trim().is_empty() {
                rest.push((*col, t.as_str()));
            }
        }
        let has_id = columns.contains_key(&ColumnKey::Id);
        if !has_id {
            return None;
        }
        for (col, t) in rest {
            if let Some(code) = self.vocab.assistance.lookup(t, None) {
                // An assistance type's label: the template's label row above
                // `assistance:CODE`, read as the key it labels when the key
                // row was deleted (SPEC 4: keys may be given as their
                // localized labels).
                marks.push((code.to_owned(), col));
            } else {
                others.push(t.trim().to_owned());
                headed.push(col);
                notes.push((col, t.trim().to_owned()));
            }
        }
        let has_answer = columns.contains_key(&ColumnKey::Answer) || !marks.is_empty();
        if has_id && columns.contains_key(&ColumnKey::Answer) {
            return Some(Header { columns, marks, headed, notes, unknown_marks });
        }
        if has_id && has_answer && !marks.is_empty() {
            return Some(Header { columns, marks, headed, notes, unknown_marks });
        }
        // `id` plus other header-like cells, but no `answer`: a damaged header.
        if has_id && (columns.len() > 1 || !others.is_empty()) {
            let id_col = columns.get(&ColumnKey::Id).copied().unwrap_or(0);
            self.out.problems.push(Problem::error(
                "header-incomplete",
                SourceRef::cell_in(sheet, row, id_col),
                format!(
                    "header \"answer\" not found{}; the rows below this header are not read",
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!("; found {}", quoted_list(&others))
                    }
                ),
            ));
            return None;
        }
        None
    }

    fn finish(self) -> Result<RawReturn, Rejection> {
        if self.overflow {
            return Err(Rejection::new(
                Reason::TooManyCells,
                format!(
                    "more than {} cover, answer and header rows in this workbook, the limit of --max-rows",
                    self.max_records
                ),
            ));
        }
        if self.out.cover.is_empty() && self.out.answers.is_empty() {
            let msg = if self.saw_header {
                "an answer table without a cover and without answer rows"
            } else {
                "no cover keys (questionnaire, state...) in column A and no answer table with \"id\" and \"answer\" headers"
            };
            return Err(Rejection::new(Reason::NotAReturn, msg));
        }
        Ok(self.out)
    }
}

fn quoted_list(items: &[String]) -> String {
    items.iter().take(5).map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
}

/// A header cell split at its first colon, ASCII or full-width (`：`, as
/// NFKC reads it).
fn split_header(text: &str) -> Option<(&str, &str)> {
    // Every text cell of a sheet comes here: a byte search, not a char one.
    const WIDE: &[u8] = "\u{FF1A}".as_bytes();
    let bytes = text.as_bytes();
    let (at, len) = memchr::memchr2_iter(b':', WIDE[0], bytes).find_map(|i| match bytes[i] {
        b':' => Some((i, 1)),
        _ => bytes[i..].starts_with(WIDE).then_some((i, WIDE.len())),
    })?;
    Some((text.get(..at)?, text.get(at + len..)?))
}

/// `assistance:CODE` (or `assistance: label`) header cells name a checkbox
/// column: `None` when the cell is no such header, `Some(None)` when it is
/// one whose type is not an assistance type.
fn checkbox_header(text: &str, vocab: &Vocabulary) -> Option<Option<String>> {
    let (head, tail) = split_header(text)?;
    if vocab.column_key(head) != Some(ColumnKey::Assistance) {
        return None;
    }
    let tail = tail.trim();
    if vocab.assistance.contains(tail) {
        return Some(Some(tail.to_owned()));
    }
    Some(vocab.assistance.lookup_folded(&fold(tail), None).map(str::to_owned))
}
