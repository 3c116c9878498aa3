//! Spreadsheet returns for the generator: one sheet model, laid out like the
//! template (a cover with keys in column A, one sheet per section), written
//! as xlsx (rust_xlsxwriter) or as OpenDocument (the zip written here).

use std::fmt::Write as _;
use std::io::{Cursor, Write};

use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use super::{GenerateError, Ret, Val, choices_text, day_first, esc, token_text, ymd};
use crate::model::{ColumnKey, CoverKey, Date, Lang};
use crate::schema::{ASSISTANCE_TYPES, Kind, Vocabulary};
use crate::template::{phrases, text_in};

/// A cell value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Str(String),
    Num(f64),
    Date(Date),
}

/// How a cell looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Look {
    Plain,
    Title,
    Header,
    Key,
    Wrap,
}

/// One sheet: cells sorted by row, then column.
#[derive(Debug, Clone)]
pub(super) struct Sheet {
    pub name: String,
    pub rtl: bool,
    pub widths: Vec<f64>,
    pub cells: Vec<(u32, u16, Cell, Look)>,
}

impl Sheet {
    fn new(name: String, lang: Lang, widths: &[f64]) -> Sheet {
        Sheet { name, rtl: lang == Lang::Ar, widths: widths.to_vec(), cells: Vec::new() }
    }

    fn put(&mut self, row: u32, col: u16, cell: Cell, look: Look) {
        if !matches!(&cell, Cell::Str(s) if s.is_empty()) {
            self.cells.push((row, col, cell, look));
        }
    }

    fn text(&mut self, row: u32, col: u16, s: &str, look: Look) {
        self.put(row, col, Cell::Str(s.to_owned()), look);
    }
}

/// A sheet name by Excel's rules: at most 31 UTF-16 units, none of `[]:*?/\`.
fn sheet_name(n: usize, title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { ' ' } else { c })
        .collect();
    let full = format!("{n}. {}", cleaned.split_whitespace().collect::<Vec<_>>().join(" "));
    let mut out = String::new();
    let mut units = 0;
    for c in full.chars() {
        units += c.len_utf16();
        if units > 31 {
            break;
        }
        out.push(c);
    }
    out.trim_end_matches([' ', '\'']).to_owned()
}

/// The sheets of a return.
pub(super) fn workbook(ret: &Ret<'_>, vocab: &Vocabulary) -> Vec<Sheet> {
    let lang = ret.lang;
    let mut sheets = Vec::new();
    let words = phrases(lang);
    let mut cover = Sheet::new(words.cover.to_owned(), lang, &[24.0, 34.0, 50.0]);
    cover.text(0, 1, text_in(&ret.q.title, lang).0, Look::Title);
    let version_label = vocab.cover.label(CoverKey::Version.code(), lang);
    cover.text(1, 1, &format!("{} · {version_label} {}", ret.q.id, ret.q.version), Look::Plain);
    cover.text(2, 1, words.instructions, Look::Wrap);
    for (row, key) in (5u32..).zip(CoverKey::ALL) {
        let label = vocab.cover.label(key.code(), lang);
        cover.text(row, 0, if ret.style.cover_labels { label } else { key.code() }, Look::Key);
        cover.text(row, 1, label, Look::Header);
        let value = match key {
            CoverKey::Questionnaire => Cell::Str(ret.q.id.clone()),
            CoverKey::Version => Cell::Num(f64::from(ret.q.version)),
            CoverKey::State if ret.style.state_name => Cell::Str(ret.state_name()),
            CoverKey::State => Cell::Str(ret.party.iso3.clone()),
            CoverKey::Submitted => match ret.submitted {
                Some(d) if ret.style.text_dates => Cell::Str(day_first(d)),
                Some(d) => Cell::Date(d),
                None => Cell::Str(String::new()),
            },
            CoverKey::Language => Cell::Str(lang.code().to_owned()),
            CoverKey::FocalPointName => Cell::Str(ret.focal[0].clone()),
            CoverKey::FocalPointInstitution => Cell::Str(ret.focal[1].clone()),
            CoverKey::FocalPointEmail => Cell::Str(ret.focal[2].clone()),
            CoverKey::FocalPointPhone => Cell::Str(ret.focal[3].clone()),
        };
        cover.put(row, 2, value, Look::Plain);
    }
    sheets.push(cover);

    let column = |k: ColumnKey| vocab.column.label(k.code(), lang);
    for (n, section) in ret.q.sections.iter().enumerate() {
        let answers: Vec<_> = ret.answers.iter().filter(|a| a.q.section == section.id).collect();
        if answers.is_empty() {
            continue;
        }
        let needs = answers.iter().any(|a| a.q.kind == Kind::Need);
        let checkboxes = ret.style.checkboxes && needs;
        let mut widths = vec![16.0, 70.0, 24.0, 40.0];
        if checkboxes {
            widths.extend([15.0; ASSISTANCE_TYPES.len()]);
        } else {
            widths.push(40.0);
        }
        let title = text_in(&section.title, lang).0;
        let mut sh = Sheet::new(sheet_name(n + 1, title), lang, &widths);
        sh.text(0, 1, title, Look::Title);
        let (comment_col, first) = if checkboxes {
            sh.text(1, 4, column(ColumnKey::Assistance), Look::Header);
            let cols = [ColumnKey::Id, ColumnKey::Question, ColumnKey::Answer, ColumnKey::Comment];
            for (c, k) in (0u16..).zip(cols) {
                sh.text(2, c, column(k), Look::Header);
                sh.text(3, c, k.code(), Look::Key);
            }
            for (c, code) in (4u16..).zip(ASSISTANCE_TYPES) {
                sh.text(2, c, vocab.assistance.label(code, lang), Look::Header);
                sh.text(3, c, &format!("assistance:{code}"), Look::Key);
            }
            (3, 4)
        } else {
            let cols = [
                ColumnKey::Id,
                ColumnKey::Question,
                ColumnKey::Answer,
                ColumnKey::Assistance,
                ColumnKey::Comment,
            ];
            for (c, k) in (0u16..).zip(cols) {
                sh.text(2, c, column(k), Look::Header);
            }
            (4, 3)
        };
        for (row, a) in (first..).zip(answers) {
            sh.text(row, 0, &a.q.id, Look::Plain);
            sh.text(row, 1, a.q.text_in(lang), Look::Wrap);
            let value = match &a.value {
                Val::Blank => Cell::Str(String::new()),
                Val::Number(n) => Cell::Num(*n as f64),
                Val::Date(d) if ret.style.text_dates => Cell::Str(day_first(*d)),
                Val::Date(d) => Cell::Date(*d),
                Val::Choices(c) => Cell::Str(choices_text(vocab, c, lang, ret.style.codes)),
                Val::Text(s) => Cell::Str(s.clone()),
                Val::Token(t) => Cell::Str(token_text(row as usize, vocab, *t, lang, ret.style.codes)),
            };
            sh.put(row, 2, value, Look::Wrap);
            if let Some(c) = &a.comment {
                sh.text(row, comment_col, c, Look::Wrap);
            }
            if checkboxes {
                for code in &a.assistance {
                    if let Some(k) = ASSISTANCE_TYPES.iter().position(|t| t == code) {
                        let mark = if row % 7 == 0 { "X" } else { "x" };
                        sh.text(row, 4 + k as u16, mark, Look::Plain);
                    }
                }
            } else if !a.assistance.is_empty() {
                let labels: Vec<&str> = a
                    .assistance
                    .iter()
                    .map(|c| if ret.style.codes { c } else { vocab.assistance.label(c, lang) })
                    .collect();
                sh.text(row, 3, &labels.join("; "), Look::Wrap);
            }
        }
        sh.cells.sort_by_key(|c| (c.0, c.1));
        sheets.push(sh);
    }
    sheets
}

fn workbook_error(e: impl std::fmt::Display) -> GenerateError {
    GenerateError::Workbook(e.to_string())
}

/// The sheets as an xlsx workbook.
pub(super) fn xlsx(sheets: &[super::sheets::Sheet]) -> Result<Vec<u8>, GenerateError> {
    let mut wb = Workbook::new();
    let title = sheets.first().and_then(|s| s.cells.first()).map_or(String::new(), |c| match &c.2 {
        Cell::Str(s) => s.clone(),
        _ => String::new(),
    });
    wb.set_properties(&crate::template::properties(&title, "return".into()).map_err(workbook_error)?);
    let title_f = Format::new().set_bold().set_font_size(13).set_text_wrap().set_align(FormatAlign::Top);
    let header_f = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xDD_EB_F7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    let key_f = Format::new().set_font_color(Color::RGB(0x80_80_80)).set_font_size(9);
    let wrap_f = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let plain_f = Format::new().set_align(FormatAlign::Top);
    let date_f = Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Top);
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(workbook_error)?;
        ws.set_right_to_left(sheet.rtl);
        for (col, w) in (0u16..).zip(&sheet.widths) {
            ws.set_column_width(col, *w).map_err(workbook_error)?;
        }
        for (row, col, cell, look) in &sheet.cells {
            let f = match look {
                Look::Plain => &plain_f,
                Look::Title => &title_f,
                Look::Header => &header_f,
                Look::Key => &key_f,
                Look::Wrap => &wrap_f,
            };
            match cell {
                Cell::Str(s) => ws.write_string_with_format(*row, *col, s, f).map(|_| ()),
                Cell::Num(n) => ws.write_number_with_format(*row, *col, *n, f).map(|_| ()),
                Cell::Date(d) => {
                    let (y, m, day) = ymd(*d);
                    let dt = ExcelDateTime::from_ymd(y, m, day).map_err(workbook_error)?;
                    ws.write_datetime_with_format(*row, *col, &dt, &date_f).map(|_| ())
                }
            }
            .map_err(workbook_error)?;
        }
    }
    wb.save_to_buffer().map_err(workbook_error)
}

const ODS_NS: &str = concat!(
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" ",
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" ",
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" ",
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" ",
    "xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" ",
    "xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" ",
    "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\""
);

const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// The sheets as an OpenDocument spreadsheet: `mimetype` stored first, then
/// the manifest, content, styles and meta, deflated, with fixed timestamps.
pub(super) fn ods(sheets: &[Sheet]) -> Result<Vec<u8>, GenerateError> {
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\n <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\" manifest:media-type=\"{ODS_MIME}\"/>\n <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\n <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>\n <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\n</manifest:manifest>\n"
    );
    let styles = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {ODS_NS} office:version=\"1.2\"><office:styles><style:default-style style:family=\"table-cell\"><style:text-properties fo:font-size=\"10pt\"/></style:default-style></office:styles></office:document-styles>\n"
    );
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {ODS_NS} office:version=\"1.2\"><office:meta><meta:generator>art32 generate</meta:generator><meta:creation-date>2026-01-01T00:00:00</meta:creation-date></office:meta></office:document-meta>\n"
    );
    let content = ods_content(sheets);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stamp = zip::DateTime::default();
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &str, zip::write::SimpleFileOptions); 5] = [
        ("mimetype", ODS_MIME, stored),
        ("META-INF/manifest.xml", &manifest, deflated),
        ("content.xml", &content, deflated),
        ("styles.xml", &styles, deflated),
        ("meta.xml", &meta, deflated),
    ];
    for (name, text, options) in parts {
        zip.start_file(name, options).map_err(workbook_error)?;
        zip.write_all(text.as_bytes()).map_err(workbook_error)?;
    }
    Ok(zip.finish().map_err(workbook_error)?.into_inner())
}

fn ods_content(sheets: &[Sheet]) -> String {
    let mut x = String::with_capacity(32 * 1024);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ODS_NS} office:version=\"1.2\"><office:automatic-styles>"
    );
    x.push_str("<number:date-style style:name=\"N1\"><number:year number:style=\"long\"/><number:text>-</number:text><number:month number:style=\"long\"/><number:text>-</number:text><number:day number:style=\"long\"/></number:date-style>");
    x.push_str("<style:style style:name=\"ce1\" style:family=\"table-cell\"><style:text-properties fo:font-weight=\"bold\"/></style:style>");
    x.push_str("<style:style style:name=\"ce2\" style:family=\"table-cell\" style:data-style-name=\"N1\"/>");
    x.push_str("<style:style style:name=\"ce3\" style:family=\"table-cell\"><style:table-cell-properties fo:wrap-option=\"wrap\" style:vertical-align=\"top\"/></style:style>");
    x.push_str("<style:style style:name=\"ce4\" style:family=\"table-cell\"><style:table-cell-properties fo:background-color=\"#ddebf7\"/><style:text-properties fo:font-weight=\"bold\"/></style:style>");
    x.push_str("</office:automatic-styles><office:body><office:spreadsheet>");
    for sheet in sheets {
        let _ = write!(x, "<table:table table:name=\"{}\">", esc(&sheet.name));
        let ncols = sheet.cells.iter().map(|c| c.1 + 1).max().unwrap_or(1);
        let _ = write!(x, "<table:table-column table:number-columns-repeated=\"{ncols}\"/>");
        let mut next_row = 0u32;
        let mut i = 0;
        while i < sheet.cells.len() {
            let row = sheet.cells[i].0;
            if row > next_row {
                let _ = write!(
                    x,
                    "<table:table-row table:number-rows-repeated=\"{}\"><table:table-cell/></table:table-row>",
                    row - next_row
                );
            }
            x.push_str("<table:table-row>");
            let mut next_col = 0u16;
            while let Some((r, col, cell, look)) = sheet.cells.get(i).filter(|c| c.0 == row) {
                let _ = r;
                if *col > next_col {
                    let _ =
                        write!(x, "<table:table-cell table:number-columns-repeated=\"{}\"/>", col - next_col);
                }
                let style = match look {
                    Look::Title => " table:style-name=\"ce1\"",
                    Look::Header => " table:style-name=\"ce4\"",
                    Look::Wrap => " table:style-name=\"ce3\"",
                    Look::Plain | Look::Key => "",
                };
                match cell {
                    Cell::Str(s) => {
                        let _ = write!(x, "<table:table-cell{style} office:value-type=\"string\">");
                        for line in s.split('\n') {
                            let _ = write!(x, "<text:p>{}</text:p>", esc(line));
                        }
                        x.push_str("</table:table-cell>");
                    }
                    Cell::Num(n) => {
                        let _ = write!(
                            x,
                            "<table:table-cell{style} office:value-type=\"float\" office:value=\"{n}\"><text:p>{n}</text:p></table:table-cell>"
                        );
                    }
                    Cell::Date(d) => {
                        let _ = write!(
                            x,
                            "<table:table-cell table:style-name=\"ce2\" office:value-type=\"date\" office:date-value=\"{d}\"><text:p>{d}</text:p></table:table-cell>"
                        );
                    }
                }
                next_col = col + 1;
                i += 1;
            }
            x.push_str("</table:table-row>");
            next_row = row + 1;
        }
        x.push_str("</table:table>");
    }
    x.push_str("</office:spreadsheet></office:body></office:document-content>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_follow_excels_rules() {
        assert_eq!(sheet_name(1, "Criminalization"), "1. Criminalization");
        assert_eq!(sheet_name(2, "a/b: [c]?"), "2. a b c");
        let long = sheet_name(3, "Prévention, coopération internationale et autres mesures");
        assert!(long.encode_utf16().count() <= 31, "{long}");
    }

    #[test]
    fn ods_starts_with_a_stored_mimetype() {
        let sheet = Sheet {
            name: "Cover".into(),
            rtl: false,
            widths: vec![],
            cells: vec![
                (0, 0, Cell::Str("questionnaire".into()), Look::Key),
                (0, 2, Cell::Str("UNTOC-2026".into()), Look::Plain),
                (3, 1, Cell::Num(1.0), Look::Plain),
            ],
        };
        let bytes = ods(&[sheet]).unwrap();
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..38 + ODS_MIME.len()], ODS_MIME.as_bytes());
        let content = ods_content(&[]);
        assert!(content.ends_with("</office:document-content>\n"));
    }
}
