//! Parts of the stored copy rewritten so that calamine reads them as the
//! office suites do.
//!
//! calamine's ods reader takes any event inside a `table:table-row` other
//! than a cell as an error, and keeps every text event inside a string cell
//! as the cell's text. Gnumeric writes `content.xml` indented, so that every
//! ods it saves was refused as corrupt ("Expecting 'table-cell'"), and a
//! cell's text would take the indentation around its paragraphs. The white
//! space that indents a row or a cell (text of white space alone, with a
//! line end in it, right inside `table:table-row`, `table:table-cell` or
//! `table:covered-table-cell`) carries nothing in ODF, where a cell's text is
//! in its paragraphs: it is left out of the copy, every other byte kept.
//!
//! calamine's xlsx reader trims the white space at both ends of every `<t>`
//! that does not say `xml:space="preserve"`, then joins the runs of a rich
//! text. Gnumeric writes a run's separating space at its edge without that
//! attribute (`<r><t>Oui,</t></r><r><t> en partie</t></r>`), so that
//! "Oui, en partie" read as "Oui,en partie", an invalid answer, where Excel,
//! LibreOffice and Gnumeric all show the space. In the shared strings and the
//! worksheets of the copy, the `<t>` of a run that does not say how to treat
//! its white space says to keep it.
//!
//! calamine's xlsb reader knows a cell record only in its full form, which
//! names the cell's column. MS-XLSB also has a short form for a cell that
//! follows another in its row (BrtShortBlank to BrtShortIsst, 0x0C-0x12: the
//! full record without its column), which SheetJS writes for every such
//! cell: calamine skipped them, so that a return kept only the first cell of
//! each run of adjacent cells (column C lost beside column B). In the
//! worksheets of an xlsb's copy, each short record is written in its full
//! form, with the column it implies.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use quick_xml::events::Event;

/// Searchers built once: building one costs more than searching a part.
static ROW: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<table:table-row"));
static RUN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<r>"));
static PREFIXED_RUN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b":r>"));

/// What an open element is, as far as the rewrite cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parent {
    /// A row or a cell: white space right inside it is indentation.
    TableItem,
    Other,
}

/// Whether `text` is indentation: white space alone, with a line end.
fn indentation(text: &[u8]) -> bool {
    text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        && text.iter().any(|b| matches!(b, b'\r' | b'\n'))
}

/// Whether some tag after the first row is followed by indentation and
/// another tag: the cheap test that spares the rewrite to the files that
/// need none (LibreOffice writes `content.xml` on one line).
fn indented_rows(xml: &[u8]) -> bool {
    let Some(first_row) = ROW.find(xml) else { return false };
    let rest = &xml[first_row..];
    // Indentation has a line end: each line end, with the white space
    // around it, between a `>` and a `<` (each byte looked at once or twice).
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'\n', b'\r', &rest[from..]) {
        let at = from + found;
        let start = rest[from..at].iter().rposition(|b| !ws(b)).map(|k| from + k);
        let end = rest[at..].iter().position(|b| !ws(b)).map(|k| at + k);
        if let (Some(start), Some(end)) = (start, end)
            && rest[start] == b'>'
            && rest[end] == b'<'
        {
            return true;
        }
        match end {
            Some(end) => from = end,
            None => return false,
        }
    }
    false
}

/// A reader of a part as calamine reads it (no check of end names, text
/// kept as it is), but with empty elements left as one event: each event is
/// then exactly the bytes between two positions, to be copied or not.
fn byte_exact_reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = false;
    reader
}

/// `content.xml` of an ods without the indentation of its rows and cells,
/// or `None` when it has none (or when the reader stops on an error, which
/// calamine then reports on the part as it is).
pub(crate) fn ods_content(xml: &[u8]) -> Option<Vec<u8>> {
    if !indented_rows(xml) {
        return None;
    }
    let mut reader = byte_exact_reader(xml);
    let mut out = Vec::with_capacity(xml.len());
    let mut open: Vec<Parent> = Vec::new();
    let mut copied = 0;
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        match reader.read_event().ok()? {
            Event::Start(e) => open.push(match e.name().as_ref() {
                "table:table-row" | "table:table-cell" | "table:covered-table-cell" => Parent::TableItem,
                _ => Parent::Other,
            }),
            Event::End(_) => {
                open.pop();
            }
            Event::Text(_) if open.last() == Some(&Parent::TableItem) => {
                let after = usize::try_from(reader.buffer_position()).ok()?;
                let text = xml.get(before..after)?;
                if indentation(text) {
                    out.extend_from_slice(xml.get(copied..before)?);
                    copied = after;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if copied == 0 {
        return None;
    }
    out.extend_from_slice(xml.get(copied..)?);
    Some(out)
}

/// The attribute a run's text gets.
const PRESERVE: &[u8] = b" xml:space=\"preserve\"";

/// A part copied with bytes put in or put in place of others, at positions
/// in increasing order; nothing is allocated until the first edit.
struct Splice<'a> {
    xml: &'a [u8],
    out: Option<Vec<u8>>,
    copied: usize,
}

impl<'a> Splice<'a> {
    fn new(xml: &'a [u8]) -> Self {
        Splice { xml, out: None, copied: 0 }
    }

    /// Where `part`, borrowed from the part, starts in it (checked).
    fn offset(&self, part: &[u8]) -> Option<usize> {
        let at = (part.as_ptr() as usize).checked_sub(self.xml.as_ptr() as usize)?;
        (self.xml.get(at..at.checked_add(part.len())?) == Some(part)).then_some(at)
    }

    /// Puts `bytes` in place of the part's bytes `from..to`.
    fn replace(&mut self, from: usize, to: usize, bytes: &[u8]) -> Option<()> {
        let o = self.out.get_or_insert_with(|| Vec::with_capacity(self.xml.len() + 4096));
        o.extend_from_slice(self.xml.get(self.copied..from)?);
        o.extend_from_slice(bytes);
        self.copied = to;
        Some(())
    }

    /// Puts `bytes` in at `at`.
    fn insert(&mut self, at: usize, bytes: &[u8]) -> Option<()> {
        self.replace(at, at, bytes)
    }

    /// The edited part, or `None` when nothing was edited.
    fn finish(self) -> Option<Vec<u8>> {
        let mut out = self.out?;
        out.extend_from_slice(self.xml.get(self.copied..)?);
        Some(out)
    }
}

/// An xlsx part (shared strings, a worksheet) whose runs' texts keep their
/// white space, or `None` when no run needed it (or when the reader stops
/// on an error, which calamine then reports on the part as it is).
pub(crate) fn xlsx_runs(xml: &[u8]) -> Option<Vec<u8>> {
    // Runs are `<r>` (or `<x:r>`); a cell is `<c r="A1">`, a row `<row`.
    if RUN.find(xml).is_none() && PREFIXED_RUN.find(xml).is_none() {
        return None;
    }
    let mut reader = byte_exact_reader(xml);
    let mut splice = Splice::new(xml);
    // Per open element, whether it is a run.
    let mut open: Vec<bool> = Vec::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let local = e.local_name();
                if local.as_ref() == "t"
                    && open.last() == Some(&true)
                    && e.attributes().with_checks(false).flatten().all(|a| a.key.as_ref() != "xml:space")
                {
                    // Right after `<` and the element's name.
                    let at = before.checked_add(1 + e.name().as_ref().len())?;
                    if xml.get(before) != Some(&b'<') {
                        return None;
                    }
                    splice.insert(at, PRESERVE)?;
                }
                open.push(local.as_ref() == "r");
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    splice.finish()
}

/// The error values calamine's xlsx reader knows; any other refuses the
/// whole sheet ("Unsupported cell error value").
const XLSX_ERRORS: [&str; 7] = ["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"];

/// Marks, in the copy, the text of an error cell that calamine does not know
/// (see [`xlsx_errors`]); ingest reads such a cell back as the error it is.
pub(crate) const ERROR_MARK: &str = "\u{FDD0}";

static QUOTED_E: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"e\""));
static APOS_E: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"'e'"));

/// A worksheet whose error cells calamine does not know (`#SPILL!`,
/// `#CALC!`, `#GETTING_DATA`... that current Excel writes, or any other
/// text) are string cells of that text after [`ERROR_MARK`], or `None` when
/// it has none (or when the reader stops on an error, which calamine then
/// reports on the part as it is). SPEC 4: an error cell is an invalid
/// answer, never the loss of the whole return.
pub(crate) fn xlsx_errors(xml: &[u8]) -> Option<Vec<u8>> {
    if QUOTED_E.find(xml).is_none() && APOS_E.find(xml).is_none() {
        return None;
    }
    let mut reader = byte_exact_reader(xml);
    let mut splice = Splice::new(xml);
    // Where the open error cell's `t` value is, and whether its `<v>` is open.
    let mut cell: Option<usize> = None;
    let mut in_value = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => match e.local_name().as_ref() {
                "c" => {
                    cell = None;
                    for a in e.attributes().with_checks(false).flatten() {
                        if a.key.as_ref() == "t" && a.value.as_ref() == "e" {
                            let std::borrow::Cow::Borrowed(v) = a.value else { return None };
                            cell = Some(splice.offset(v.as_bytes())?);
                        }
                    }
                }
                "v" => in_value = cell.is_some(),
                _ => {}
            },
            Event::Text(t) if in_value => {
                in_value = false;
                let Some(t_at) = cell.take() else { continue };
                let text = t.xml10_content();
                if XLSX_ERRORS.contains(&text.as_ref()) {
                    continue;
                }
                let text_at = splice.offset(t.as_ref().as_ref())?;
                splice.replace(t_at, t_at + 1, b"str")?;
                splice.insert(text_at, ERROR_MARK.as_bytes())?;
            }
            Event::End(e) => {
                // `<v></v>`: an error with no text at all.
                if in_value && e.local_name().as_ref() == "v" {
                    in_value = false;
                    let Some(t_at) = cell.take() else { continue };
                    let end_at = usize::try_from(reader.buffer_position())
                        .ok()?
                        .checked_sub(e.name().as_ref().len() + 3)?;
                    splice.replace(t_at, t_at + 1, b"str")?;
                    splice.insert(end_at, ERROR_MARK.as_bytes())?;
                } else if e.local_name().as_ref() == "c" {
                    cell = None;
                    in_value = false;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    splice.finish()
}

static ODS_ERROR: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"calcext:value-type=\"error\""));

static PARAGRAPH: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<text:p"));
static VALUE_TYPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"office:value-type="));

/// An ods `content.xml` whose cells holding a paragraph but no
/// `office:value-type` (odfpy's `TableCell()` with a `P(text=...)` in it)
/// say `office:value-type="string"`, or `None` when it has none. LibreOffice
/// shows such a cell's text, and reads it as text; calamine reads a
/// paragraph only in a string cell, so that the cell was blank, and a return
/// written so had no cover and no answer.
pub(crate) fn ods_untyped(xml: &[u8]) -> Option<Vec<u8>> {
    // Office suites type every cell they give a paragraph: no more
    // paragraphs than types (a cell of several lines, a comment, aside),
    // nothing to do.
    if PARAGRAPH.find_iter(xml).count() <= VALUE_TYPE.find_iter(xml).count() {
        return None;
    }
    let mut reader = byte_exact_reader(xml);
    let mut splice = Splice::new(xml);
    // Where the open untyped cell's name ends: the type goes in there when
    // a paragraph shows that it holds text.
    let mut untyped: Option<usize> = None;
    // The depth of a comment inside the cell: its paragraphs are not the
    // cell's text (calamine skips them).
    let mut annotation = 0_usize;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    let typed = e.attributes().with_checks(false).flatten().any(|a| {
                        let key = a.key.as_ref();
                        key == "calcext:value-type" || key.starts_with("office:")
                    });
                    annotation = 0;
                    untyped = if typed {
                        None
                    } else {
                        Some(splice.offset(e.as_ref().as_ref())? + e.name().as_ref().len())
                    };
                }
                "office:annotation" => annotation += 1,
                "text:p" if annotation == 0 => {
                    if let Some(at) = untyped.take() {
                        splice.insert(at, b" office:value-type=\"string\"")?;
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => untyped = None,
                "office:annotation" => annotation = annotation.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    splice.finish()
}

/// An ods `content.xml` whose error cells (LibreOffice's
/// `calcext:value-type="error"`, an error's text in the cell's paragraph:
/// `#N/A`, `Err:502`) have that text after [`ERROR_MARK`], so that they are
/// read as errors and not as text that a text question or a checkbox would
/// take; or `None` when it has none (or when the reader stops on an error,
/// which calamine then reports on the part as it is).
pub(crate) fn ods_errors(xml: &[u8]) -> Option<Vec<u8>> {
    ODS_ERROR.find(xml)?;
    let mut reader = byte_exact_reader(xml);
    let mut splice = Splice::new(xml);
    // Inside an error cell whose text is not yet marked; the depth of an
    // annotation inside it (whose text is not the cell's).
    let mut error_cell = false;
    let mut annotation = 0_usize;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    // calamine reads the paragraph only where the string
                    // value is absent or empty.
                    let (mut error, mut string_value) = (false, false);
                    for a in e.attributes().with_checks(false).flatten() {
                        match a.key.as_ref() {
                            "calcext:value-type" => error = a.value.as_ref() == "error",
                            "office:string-value" => string_value = !a.value.is_empty(),
                            _ => {}
                        }
                    }
                    error_cell = error && !string_value;
                    annotation = 0;
                }
                "office:annotation" if error_cell => annotation += 1,
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => error_cell = false,
                "office:annotation" if error_cell => annotation = annotation.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if error_cell && annotation == 0 => {
                error_cell = false;
                let at = splice.offset(t.as_ref().as_ref())?;
                splice.insert(at, ERROR_MARK.as_bytes())?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    splice.finish()
}

/// The header of the xlsb record at `at`, as calamine reads it: a type of
/// one or two bytes and a length of one to four, seven bits each. The type,
/// the length and where the body starts.
fn record_header(part: &[u8], at: usize) -> Option<(u16, usize, usize)> {
    let mut i = at;
    let b = *part.get(i)?;
    i += 1;
    let typ = if b & 0x80 != 0 {
        let b2 = *part.get(i)?;
        i += 1;
        u16::from(b & 0x7F) + (u16::from(b2 & 0x7F) << 7)
    } else {
        u16::from(b)
    };
    let mut len = 0_usize;
    for shift in 0..4 {
        let b = *part.get(i)?;
        i += 1;
        len += usize::from(b & 0x7F) << (7 * shift);
        if b & 0x80 == 0 {
            break;
        }
    }
    Some((typ, len, i))
}

/// Writes an xlsb record header for `typ` (under 0x80) and `len`.
fn put_record_header(out: &mut Vec<u8>, typ: u8, mut len: usize) {
    out.push(typ);
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        out.push(if len > 0 { b | 0x80 } else { b });
        if len == 0 {
            break;
        }
    }
}

/// BrtRowHdr: a row starts.
const BRT_ROW_HDR: u16 = 0x0000;
/// BrtCellBlank to BrtFmlaError: cell records that open with their column.
const FULL_CELLS: std::ops::RangeInclusive<u16> = 0x0001..=0x000B;
/// BrtShortBlank to BrtShortIsst: cell records without their column, each
/// the full record 11 types lower (BrtShortRk 0x0D is BrtCellRk 0x02).
const SHORT_CELLS: std::ops::RangeInclusive<u16> = 0x000C..=0x0012;

/// A worksheet part of an xlsb with its short cell records in their full
/// form; `None` when it has none, or when its records cannot be walked to
/// its end (calamine then reads it as it is).
pub(crate) fn xlsb_short_cells(part: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    // The column of the row's last cell: a short record is the next one.
    let mut last_col: Option<u32> = None;
    while at < part.len() {
        let (typ, len, body) = record_header(part, at)?;
        let end = body.checked_add(len).filter(|&e| e <= part.len())?;
        match typ {
            BRT_ROW_HDR => last_col = None,
            t if FULL_CELLS.contains(&t) => {
                last_col = part.get(body..body + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
            }
            t if SHORT_CELLS.contains(&t) => {
                // Four bytes of length at most: 28 bits.
                if len + 4 >= 1 << 28 {
                    return None;
                }
                let col = last_col.map_or(0, |c| c.saturating_add(1));
                last_col = Some(col);
                let o = out.get_or_insert_with(|| Vec::with_capacity(part.len() + part.len() / 4));
                o.extend_from_slice(&part[copied..at]);
                put_record_header(o, (t - 11) as u8, len + 4);
                o.extend_from_slice(&col.to_le_bytes());
                o.extend_from_slice(&part[body..end]);
                copied = end;
            }
            _ => {}
        }
        at = end;
    }
    let mut out = out?;
    out.extend_from_slice(&part[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::container::tests::record;
    use super::*;

    #[test]
    fn ods_cells_with_a_paragraph_and_no_type_are_typed_string() {
        let xml = concat!(
            r#"<table:table-row><table:table-cell><text:p>Oui</text:p></table:table-cell>"#,
            r#"<table:table-cell table:style-name="ce1"><text:p>a</text:p><text:p>b</text:p></table:table-cell>"#,
            r#"<table:table-cell><office:annotation><text:p>note</text:p></office:annotation></table:table-cell>"#,
            r#"<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell>"#,
            r#"<table:table-cell/></table:table-row>"#
        );
        let out = String::from_utf8(ods_untyped(xml.as_bytes()).unwrap()).unwrap();
        let want = xml
            .replacen("<table:table-cell>", r#"<table:table-cell office:value-type="string">"#, 1)
            .replacen(
                r#"<table:table-cell table:style-name="ce1">"#,
                r#"<table:table-cell office:value-type="string" table:style-name="ce1">"#,
                1,
            );
        assert_eq!(out, want);
        // Every paragraph typed: nothing to do.
        let typed = br#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
        assert!(ods_untyped(typed).is_none());
    }

    #[test]
    fn ods_error_cells_get_the_mark_before_their_text() {
        let m = ERROR_MARK;
        let xml = concat!(
            r#"<table:table-row><table:table-cell table:formula="of:=NA()" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>x</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string" calcext:value-type="error"><office:annotation><text:p>note</text:p></office:annotation><text:p>Err:502</text:p></table:table-cell></table:table-row>"#
        );
        let out = String::from_utf8(ods_errors(xml.as_bytes()).unwrap()).unwrap();
        let want = xml.replacen("<text:p>#N/A", &format!("<text:p>{m}#N/A"), 1).replacen(
            "<text:p>Err:502",
            &format!("<text:p>{m}Err:502"),
            1,
        );
        assert_eq!(out, want);
        assert!(
            ods_errors(
                br#"<table:table-cell calcext:value-type="string"><text:p>x</text:p></table:table-cell>"#
            )
            .is_none()
        );
    }

    #[test]
    fn error_cells_calamine_does_not_know_become_marked_strings() {
        let m = ERROR_MARK;
        let xml = concat!(
            r#"<sheetData><row r="1"><c r="A1" t="e"><f>NA()</f><v>#N/A</v></c>"#,
            r#"<c r="B1" s="2" t="e"><v>#SPILL!</v></c><c t='e' r='C1'><v>#CALC!</v></c>"#,
            r#"<c r="D1" t="e"><v></v></c><c r="E1" t="e"/><c r="F1" t="s"><v>0</v></c></row></sheetData>"#
        );
        let out = String::from_utf8(xlsx_errors(xml.as_bytes()).unwrap()).unwrap();
        let want = format!(
            concat!(
                r#"<sheetData><row r="1"><c r="A1" t="e"><f>NA()</f><v>#N/A</v></c>"#,
                r#"<c r="B1" s="2" t="str"><v>{m}#SPILL!</v></c><c t='str' r='C1'><v>{m}#CALC!</v></c>"#,
                r#"<c r="D1" t="str"><v>{m}</v></c><c r="E1" t="e"/><c r="F1" t="s"><v>0</v></c></row></sheetData>"#
            ),
            m = m
        );
        assert_eq!(out, want);
        // Only errors calamine knows, or none at all: nothing to rewrite.
        assert!(xlsx_errors(br#"<c t="e"><v>#REF!</v></c><c t="s"><v>1</v></c>"#).is_none());
        assert!(xlsx_errors(br#"<c t="s"><v>1</v></c>"#).is_none());
    }

    #[test]
    fn short_cell_records_are_written_in_full_with_the_column_they_imply() {
        let style = [0, 0, 0, 0];
        let real = |v: f64| [&style[..], &v.to_le_bytes()].concat();
        let isst = |i: u32| [&style[..], &i.to_le_bytes()].concat();
        let full = |typ: u16, col: u32, rest: &[u8]| record(typ, &[&col.to_le_bytes()[..], rest].concat());
        let mut part = record(0x0081, &[]); // BrtBeginSheet
        part.extend(record(0x0000, &[3, 0, 0, 0, 0, 0, 0, 0])); // row 3
        part.extend(full(0x07, 1, &isst(9))); // B: a full BrtCellIsst
        part.extend(record(0x12, &isst(10))); // C: BrtShortIsst
        part.extend(record(0x10, &real(2.5))); // D: BrtShortReal
        part.extend(record(0x0000, &[4, 0, 0, 0, 0, 0, 0, 0])); // row 4
        part.extend(full(0x05, 5, &real(1.0))); // F
        part.extend(record(0x0C, &style)); // G: BrtShortBlank
        part.extend(record(0x0092, &[])); // BrtEndSheetData
        let tidy = xlsb_short_cells(&part).unwrap();
        let mut want = record(0x0081, &[]);
        want.extend(record(0x0000, &[3, 0, 0, 0, 0, 0, 0, 0]));
        want.extend(full(0x07, 1, &isst(9)));
        want.extend(full(0x07, 2, &isst(10)));
        want.extend(full(0x05, 3, &real(2.5)));
        want.extend(record(0x0000, &[4, 0, 0, 0, 0, 0, 0, 0]));
        want.extend(full(0x05, 5, &real(1.0)));
        want.extend(full(0x01, 6, &style));
        want.extend(record(0x0092, &[]));
        assert_eq!(tidy, want);
        // Nothing short, or records that overrun the part: left as they are.
        assert_eq!(xlsb_short_cells(&want), None);
        let mut overrun = part.clone();
        overrun.extend([0x05, 0x7F]);
        assert_eq!(xlsb_short_cells(&overrun), None);
    }

    const INDENTED: &str = "<?xml version=\"1.0\"?>\n<office:document-content>\n <office:body>\n  <office:spreadsheet>\n   <table:table table:name=\"Cover\">\n    <table:table-row>\n     <table:table-cell office:value-type=\"string\">\n      <text:p>state</text:p>\n     </table:table-cell>\n     <table:table-cell/>\n     <table:table-cell office:value-type=\"string\">\n      <text:p><text:span>Fr</text:span> <text:span>ance</text:span></text:p>\n      <text:p>second</text:p>\n     </table:table-cell>\n    </table:table-row>\n   </table:table>\n  </office:spreadsheet>\n </office:body>\n</office:document-content>\n";

    #[test]
    fn the_indentation_of_rows_and_cells_is_left_out_and_nothing_else() {
        let tidy = String::from_utf8(ods_content(INDENTED.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            tidy,
            "<?xml version=\"1.0\"?>\n<office:document-content>\n <office:body>\n  <office:spreadsheet>\n   <table:table table:name=\"Cover\">\n    <table:table-row><table:table-cell office:value-type=\"string\"><text:p>state</text:p></table:table-cell><table:table-cell/><table:table-cell office:value-type=\"string\"><text:p><text:span>Fr</text:span> <text:span>ance</text:span></text:p><text:p>second</text:p></table:table-cell></table:table-row>\n   </table:table>\n  </office:spreadsheet>\n </office:body>\n</office:document-content>\n"
        );
    }

    #[test]
    fn the_text_of_a_run_keeps_its_white_space() {
        let sheet = r#"<row r="5"><c r="C5" t="inlineStr"><is><r><rPr><b val="true"/></rPr><t>Oui,</t></r><r><rPr/><t> en partie</t></r></is></c><c r="D5" t="inlineStr"><is><t> plain </t></is></c></row>"#;
        let tidy = String::from_utf8(xlsx_runs(sheet.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            tidy,
            sheet
                .replace("<t>", "<t xml:space=\"preserve\">")
                .replace("<is><t xml:space=\"preserve\"> plain", "<is><t> plain")
        );
        // A prefixed run, and one that says already.
        let prefixed =
            r#"<x:si><x:r><x:t>a </x:t></x:r><x:r><x:t xml:space="preserve"> b</x:t></x:r></x:si>"#;
        let tidy = String::from_utf8(xlsx_runs(prefixed.as_bytes()).unwrap()).unwrap();
        assert_eq!(tidy, prefixed.replacen("<x:t>", "<x:t xml:space=\"preserve\">", 1));
        // No runs, or runs that say already: nothing to do.
        assert_eq!(xlsx_runs(br#"<si><t> a </t></si>"#), None);
        assert_eq!(xlsx_runs(br#"<si><r><t xml:space="preserve"> a</t></r></si>"#), None);
    }

    #[test]
    fn a_part_on_one_line_or_unreadable_is_left_as_it_is() {
        let one_line: String = INDENTED.lines().map(str::trim_start).collect();
        assert_eq!(ods_content(one_line.as_bytes()), None);
        // White space without a line end is text a State may have typed.
        assert_eq!(
            ods_content(b"<table:table-row><table:table-cell> </table:table-cell></table:table-row>"),
            None
        );
        assert_eq!(ods_content(b"<table:table-row>\n<table:table-cell></table:table-row"), None);
        assert_eq!(ods_content(b"no rows\n  <a/>"), None);
    }
}
