//! `report.xlsx`: the workbook officers open. Sheets Summary, Compliance,
//! Follow-up, Needs, Needs matrix and Rejected files, each a real Excel table
//! with an autofilter and a frozen header. Cells keep their types (numbers as
//! numbers, dates as dates); text is always written as text, never as a
//! formula, whatever it starts with. The document date is fixed so that the
//! same inputs give the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rust_xlsxwriter::{
    Color, ConditionalFormat3ColorScale, DocProperties, ExcelDateTime, Format, FormatAlign, Table,
    TableColumn, TableStyle, Workbook, Worksheet, XlsxError,
};

use super::phrases::{self, fill};
use super::summary::{self, Rate};
use super::{Output, RunOutput};
use crate::check::ComplianceStatus;
use crate::model::{Date, Lang, Region};
use crate::record::Outcome;
use crate::schema::PRIORITY_AREAS;

/// report.xlsx
pub struct ReportXlsx;

/// A typed cell.
#[derive(Debug, Clone)]
enum X {
    /// Text, always written as a string.
    T(String),
    /// A number.
    N(f64),
    /// A share, shown as a percentage.
    P(f64),
    /// A date.
    D(Date),
    /// A compliance status, coloured.
    S(ComplianceStatus),
    /// A boolean (TRUE or FALSE in Excel).
    B(bool),
    /// Nothing.
    E,
}

fn t(s: impl Into<String>) -> X {
    let s = s.into();
    if s.is_empty() { X::E } else { X::T(s) }
}

struct Formats {
    title: Format,
    date: Format,
    pct: Format,
    complete: Format,
    incomplete: Format,
    missing: Format,
}

impl Formats {
    fn new() -> Self {
        let status = |bg: u32, fg: u32| {
            Format::new().set_background_color(Color::RGB(bg)).set_font_color(Color::RGB(fg))
        };
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            date: Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Left),
            pct: Format::new().set_num_format("0.0%"),
            complete: status(0xC6EFCE, 0x006100),
            incomplete: status(0xFFEB9C, 0x7F6000),
            missing: status(0xFFC7CE, 0x9C0006),
        }
    }
}

/// Excel's limit on the text of a cell, in UTF-16 units.
const MAX_CELL_TEXT: usize = 32_767;

/// A text as a cell can hold it: past Excel's limit (a long comment, a long
/// name in a rejection message), cut and ended with `…`. The CSV and JSON
/// outputs keep the whole text; a workbook cannot, and refusing the text
/// would stop the whole run.
fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= MAX_CELL_TEXT || s.encode_utf16().count() <= MAX_CELL_TEXT {
        return s.into();
    }
    let mut units = 0;
    let end = s
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_CELL_TEXT - 1
        })
        .map_or(s.len(), |(i, _)| i);
    format!("{}\u{2026}", &s[..end]).into()
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &X, f: &Formats) -> Result<(), XlsxError> {
    match cell {
        X::T(s) => {
            ws.write_string(row, col, cell_text(s))?;
        }
        X::N(n) => {
            ws.write_number(row, col, *n)?;
        }
        X::P(p) => {
            ws.write_number_with_format(row, col, *p, &f.pct)?;
        }
        X::D(d) => {
            // A date Excel cannot hold (before 1900: a return may say so) is
            // written as its text: refusing it would stop the whole run.
            let s = d.to_string();
            let ymd = (s.get(0..4), s.get(5..7), s.get(8..10));
            let dt = match ymd {
                (Some(y), Some(m), Some(day)) => match (y.parse(), m.parse(), day.parse()) {
                    (Ok(y), Ok(m), Ok(day)) => ExcelDateTime::from_ymd(y, m, day).ok(),
                    _ => None,
                },
                _ => None,
            };
            match dt {
                Some(dt) => ws.write_datetime_with_format(row, col, &dt, &f.date)?,
                None => ws.write_string(row, col, &s)?,
            };
        }
        X::S(s) => {
            let fmt = match s {
                ComplianceStatus::Complete => &f.complete,
                ComplianceStatus::Incomplete => &f.incomplete,
                ComplianceStatus::Missing => &f.missing,
            };
            ws.write_string_with_format(row, col, s.code(), fmt)?;
        }
        X::B(b) => {
            ws.write_boolean(row, col, *b)?;
        }
        X::E => {}
    }
    Ok(())
}

/// Excel's limit on a column width that autofit sets, in pixels.
const MAX_FIT_PIXELS: u32 = 1790;

/// The width of each ASCII character in Excel's default font, in pixels
/// (autofit's table); every other character counts 8.
const ASCII_PIXELS: [u8; 128] = {
    let mut t = [8u8; 128];
    let widths: [(&[u8], u8); 11] = [
        (b" '", 3),
        (b",.:;I`ijl", 4),
        (b"!()-J[]frt{}", 5),
        (b"\"/L\\csz", 6),
        (b"#$*+0123456789<=>?EFSTYZ^_agkvxy|~", 7),
        (b"BCKPRXbdehnopqu", 8),
        (b"ADGHUV", 9),
        (b"&NOQ", 10),
        (b"%w", 11),
        (b"Mm", 12),
        (b"@W", 13),
    ];
    let mut i = 0;
    while i < widths.len() {
        let (chars, px) = widths[i];
        let mut j = 0;
        while j < chars.len() {
            t[chars[j] as usize] = px;
            j += 1;
        }
        i += 1;
    }
    t
};

/// The width of a text in Excel's default font (Calibri 11), in pixels:
/// the character widths `rust_xlsxwriter`'s autofit uses, so that the
/// widths set here are the ones it would set.
fn text_pixels(s: &str) -> u32 {
    // Over 233 characters is the widest column; a character is at most
    // four bytes.
    const MAX_CHARS: usize = 233;
    if s.len() > 4 * MAX_CHARS {
        return MAX_FIT_PIXELS;
    }
    let mut chars = 0;
    let mut px: u32 = 0;
    for c in s.chars() {
        chars += 1;
        if chars > MAX_CHARS {
            return MAX_FIT_PIXELS;
        }
        px += u32::from(ASCII_PIXELS.get(c as usize).copied().unwrap_or(8));
    }
    px.min(MAX_FIT_PIXELS)
}

/// The width a cell needs, in pixels, as autofit measures it: the widest
/// line of a text, seven pixels a character of a number, a fixed width for
/// a date.
fn cell_pixels(cell: &X) -> u32 {
    let number = |n: f64| 7 * u32::try_from(n.to_string().len()).unwrap_or(u32::MAX / 8);
    match cell {
        X::T(s) if s.contains('\n') => s.lines().map(text_pixels).max().unwrap_or(0),
        X::T(s) => text_pixels(s),
        X::N(n) | X::P(n) => number(*n),
        X::D(_) => 68,
        X::S(s) => text_pixels(s.code()),
        X::B(b) => text_pixels(if *b { "TRUE" } else { "FALSE" }),
        X::E => 0,
    }
}

/// Sets each column of a sheet that holds only the table `table` wrote to
/// the width autofit would give it (autofit measures every cell again, and
/// costs more than the rest of the sheet's cells).
fn fit(ws: &mut Worksheet, widths: &[u32]) -> Result<(), XlsxError> {
    for (c, px) in widths.iter().enumerate() {
        if *px > 0 {
            ws.set_column_autofit_width(u16::try_from(c).unwrap_or(u16::MAX), *px)?;
        }
    }
    Ok(())
}

/// Writes a table with a header at `first_row`; returns the row after it
/// and the width each column needs ([`fit`]).
fn table(
    ws: &mut Worksheet,
    first_row: u32,
    headers: &[&str],
    rows: &[Vec<X>],
    f: &Formats,
    none: &str,
) -> Result<(u32, Vec<u32>), XlsxError> {
    // Autofit's measure: the widest cell, plus 16 pixels for a header's
    // filter button, plus 7 of padding, at most MAX_FIT_PIXELS.
    let pad = |px: u32| if px > 0 { (px + 7).min(MAX_FIT_PIXELS) } else { 0 };
    let last_col = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(0);
    if rows.is_empty() {
        let mut widths: Vec<u32> = headers.iter().map(|h| pad(text_pixels(h))).collect();
        for (c, h) in headers.iter().enumerate() {
            ws.write_string(first_row, u16::try_from(c).unwrap_or(0), *h)?;
        }
        ws.write_string(first_row + 1, 0, none)?;
        if let Some(w) = widths.first_mut() {
            *w = (*w).max(pad(text_pixels(none)));
        }
        return Ok((first_row + 3, widths));
    }
    let mut widths: Vec<u32> = headers
        .iter()
        .map(|h| pad(Some(text_pixels(h)).filter(|px| *px > 0).map_or(0, |px| px + 16)))
        .collect();
    for (r, row) in rows.iter().enumerate() {
        let r = first_row + 1 + u32::try_from(r).unwrap_or(0);
        for (c, cell) in row.iter().enumerate() {
            write_cell(ws, r, u16::try_from(c).unwrap_or(0), cell, f)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(pad(cell_pixels(cell)));
            }
        }
    }
    let columns: Vec<TableColumn> = headers.iter().map(|h| TableColumn::new().set_header(*h)).collect();
    let tbl = Table::new().set_columns(&columns).set_style(TableStyle::Medium2);
    let last_row = first_row + u32::try_from(rows.len()).unwrap_or(0);
    ws.add_table(first_row, 0, last_row, last_col, &tbl)?;
    Ok((last_row + 2, widths))
}

/// A new sheet, laid out right to left for Arabic.
fn sheet<'w>(wb: &'w mut Workbook, name: &str, lang: Option<Lang>) -> Result<&'w mut Worksheet, XlsxError> {
    let ws = wb.add_worksheet().set_name(name)?;
    if lang == Some(Lang::Ar) {
        ws.set_right_to_left(true);
    }
    Ok(ws)
}

fn rate_row(label: &str, questionnaire: &str, r: &Rate) -> Vec<X> {
    vec![
        t(label),
        t(questionnaire),
        X::N(r.required as f64),
        X::N(r.returned as f64),
        X::N(r.complete as f64),
        X::N(r.incomplete as f64),
        X::N(r.missing as f64),
        X::P(r.reporting_rate),
        X::P(r.complete_rate),
    ]
}

fn build(run: &RunOutput<'_>) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let s = summary::build(run);
    let lang = run.labels;
    let p = phrases::get(lang);
    let none = p.none;
    let vocab = &run.schemas.vocabulary;
    let mut wb = Workbook::new();
    // The fastest deflate level: the workbook is small either way, and at
    // level 6 compressing it was half of building it.
    wb.set_zip_compression_level(1);
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(fill(p.xlsx_title, &[("id", &run.cycle.id)]))
            .set_creation_datetime(&epoch),
    );

    // Summary.
    {
        let ws = sheet(&mut wb, "Summary", lang)?;
        let (deadline, as_of) = (run.cycle.deadline.to_string(), run.cycle.party_as_of.to_string());
        ws.write_string_with_format(
            0,
            0,
            cell_text(&fill(p.cycle_title, &[("id", &run.cycle.id), ("title", &run.cycle.title)])),
            &f.title,
        )?;
        ws.write_string(
            1,
            0,
            cell_text(&fill(p.xlsx_deadline, &[("deadline", &deadline), ("as_of", &as_of)])),
        )?;
        let figures = vec![
            vec![t(p.xlsx_files_received), X::N(s.files.total as f64)],
            vec![t(p.xlsx_files_accepted), X::N(s.files.accepted as f64)],
            vec![t(p.xlsx_files_superseded), X::N(s.files.superseded as f64)],
            vec![t(p.xlsx_files_rejected), X::N(s.files.rejected as f64)],
            vec![t(p.xlsx_files_ignored), X::N(s.files.ignored as f64)],
            vec![t(p.xlsx_complete), X::N(s.compliance.complete as f64)],
            vec![t(p.xlsx_incomplete), X::N(s.compliance.incomplete as f64)],
            vec![t(p.xlsx_missing), X::N(s.compliance.missing as f64)],
            vec![t(p.xlsx_followup), X::N(s.states.to_follow_up as f64)],
            vec![t(p.xlsx_needs), X::N(s.needs.needs as f64)],
            vec![t(p.xlsx_needs_states), X::N(s.needs.states as f64)],
        ];
        let mut row = table(ws, 3, &[p.xlsx_figure, p.xlsx_count], &figures, &f, none)?.0;
        let rate_headers = [
            p.instrument,
            p.questionnaire,
            p.required,
            p.returned,
            p.complete,
            p.incomplete,
            p.missing,
            p.reporting_rate,
            p.complete_rate,
        ];
        let by_instrument: Vec<Vec<X>> = s
            .reporting_by_instrument
            .iter()
            .map(|(inst, r)| rate_row(inst, r.questionnaire.as_deref().unwrap_or(""), r))
            .collect();
        ws.write_string_with_format(row, 0, p.xlsx_by_instrument, &f.title)?;
        row = table(ws, row + 1, &rate_headers, &by_instrument, &f, none)?.0;
        let region_headers = [
            p.regional_group,
            p.all_questionnaires,
            p.required,
            p.returned,
            p.complete,
            p.incomplete,
            p.missing,
            p.reporting_rate,
            p.complete_rate,
        ];
        let by_region: Vec<Vec<X>> = s
            .reporting_by_region
            .iter()
            .map(|(g, r)| rate_row(if *g == "NONE" && lang.is_some() { p.no_group } else { g }, "", r))
            .collect();
        ws.write_string_with_format(row, 0, p.xlsx_by_region, &f.title)?;
        table(ws, row + 1, &region_headers, &by_region, &f, none)?;
        // Titles and three tables: autofit measures them all.
        ws.autofit();
    }

    // Compliance.
    {
        let ws = sheet(&mut wb, "Compliance", lang)?;
        let rows: Vec<Vec<X>> = run
            .compliance
            .iter()
            .map(|r| {
                vec![
                    t(&r.iso3),
                    t(&r.state),
                    t(r.region),
                    t(r.instrument.code()),
                    t(&r.questionnaire),
                    X::S(r.status),
                    t(r.flags.join(";")),
                    t(r.required_missing.join(";")),
                    r.submitted.map_or(X::E, X::D),
                    t(r.files.join(";")),
                ]
            })
            .collect();
        let (_, widths) = table(ws, 0, &super::compliance::HEADER[1..], &rows, &f, none)?;
        ws.set_freeze_panes(1, 0)?;
        fit(ws, &widths)?;
    }

    // Follow-up.
    {
        let ws = sheet(&mut wb, "Follow-up", lang)?;
        let rows: Vec<Vec<X>> = run
            .followup
            .iter()
            .map(|r| {
                let fp = r.focal_point.as_ref();
                vec![
                    t(&r.iso3),
                    t(&r.state),
                    t(r.region),
                    t(&r.findings),
                    t(fp.map_or("", |f| f.name.as_str())),
                    t(fp.map_or("", |f| f.institution.as_str())),
                    t(fp.map_or("", |f| f.email.as_str())),
                    t(fp.map_or("", |f| f.phone.as_str())),
                    t(fp.map_or("", |f| f.source.as_str())),
                ]
            })
            .collect();
        let (_, widths) = table(
            ws,
            0,
            &[
                "iso3",
                "state",
                "region",
                "findings",
                "focal_point_name",
                "focal_point_institution",
                "focal_point_email",
                "focal_point_phone",
                "focal_point_source",
            ],
            &rows,
            &f,
            none,
        )?;
        ws.set_freeze_panes(1, 0)?;
        fit(ws, &widths)?;
    }

    // Needs (one row per need x assistance type, as needs.csv, label
    // columns included).
    {
        let ws = sheet(&mut wb, "Needs", lang)?;
        let mut rows = Vec::new();
        for n in run.needs {
            let types: Vec<&str> = if n.assistance_types.is_empty() {
                vec![""]
            } else {
                n.assistance_types.iter().map(String::as_str).collect()
            };
            let question_label = lang.map_or("", |lang| {
                run.schemas
                    .questionnaire(&n.questionnaire)
                    .and_then(|q| q.question(&n.question))
                    .map_or("", |(_, q)| q.text_in(lang))
            });
            let state_label =
                lang.and_then(|lang| run.register.get(&n.iso3).map(|p| p.name_in(lang))).unwrap_or("");
            for ty in types {
                let mut row = vec![
                    t(&n.iso3),
                    t(&n.state),
                    t(n.region),
                    X::B(n.bound),
                    t(n.instrument.code()),
                    t(&n.questionnaire),
                    t(&n.question),
                    t(&n.article),
                    t(&n.priority_area),
                    t(ty),
                    t(&n.comment),
                    t(&n.source_file),
                    t(n.source_ref.to_string()),
                ];
                if let Some(lang) = lang {
                    row.push(t(state_label));
                    row.push(t(vocab.priority_area.label(&n.priority_area, lang)));
                    row.push(t(if ty.is_empty() { "" } else { vocab.assistance.label(ty, lang) }));
                    row.push(t(question_label));
                }
                rows.push(row);
            }
        }
        let mut headers: Vec<&str> = super::needs::HEADER[1..].to_vec();
        if lang.is_some() {
            headers.extend(super::needs::LABEL_HEADER);
        }
        let (_, widths) = table(ws, 0, &headers, &rows, &f, none)?;
        ws.set_freeze_panes(1, 0)?;
        fit(ws, &widths)?;
    }

    // Needs matrix: States x priority areas.
    {
        let ws = sheet(&mut wb, "Needs matrix", lang)?;
        let mut counts: BTreeMap<(&str, &str, &str), [usize; PRIORITY_AREAS.len()]> = BTreeMap::new();
        for n in run.needs {
            let state =
                lang.and_then(|lang| run.register.get(&n.iso3).map(|p| p.name_in(lang))).unwrap_or(&n.state);
            let cell = counts.entry((n.iso3.as_str(), state, n.region)).or_insert([0; PRIORITY_AREAS.len()]);
            if let Some(i) = PRIORITY_AREAS.iter().position(|a| *a == n.priority_area) {
                cell[i] += 1;
            }
        }
        let rows: Vec<Vec<X>> = counts
            .iter()
            .map(|((iso3, state, region), c)| {
                let mut row = vec![t(*iso3), t(*state), t(*region)];
                row.extend(c.iter().map(|n| X::N(*n as f64)));
                row.push(X::N(c.iter().sum::<usize>() as f64));
                row
            })
            .collect();
        // With labels, the header is for people: State, group and priority
        // areas in the run's language.
        let mut headers = match lang {
            Some(_) => vec!["iso3", p.state, p.regional_group],
            None => vec!["iso3", "state", "region"],
        };
        headers.extend(
            PRIORITY_AREAS.iter().map(|a| lang.map_or(*a, |lang| vocab.priority_area.label(a, lang))),
        );
        headers.push(if lang.is_some() { p.total } else { "total" });
        let (_, widths) = table(ws, 0, &headers, &rows, &f, none)?;
        if !rows.is_empty() {
            let last = u32::try_from(rows.len()).unwrap_or(0);
            let scale = ConditionalFormat3ColorScale::new()
                .set_minimum_color(Color::RGB(0xFFFFFF))
                .set_midpoint_color(Color::RGB(0xFFD666))
                .set_maximum_color(Color::RGB(0xE0603C));
            ws.add_conditional_format(
                1,
                3,
                last,
                3 + u16::try_from(PRIORITY_AREAS.len() - 1).unwrap_or(0),
                &scale,
            )?;
        }
        ws.set_freeze_panes(1, 3)?;
        fit(ws, &widths)?;
    }

    // Rejected files.
    {
        let ws = sheet(&mut wb, "Rejected files", lang)?;
        let rows: Vec<Vec<X>> = run
            .records
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Rejected(rej) => Some(vec![
                    t(&r.path),
                    t(rej.reason.code()),
                    t(&rej.message),
                    t(rej.iso3.as_deref().unwrap_or("")),
                    t(rej.questionnaire.as_deref().unwrap_or("")),
                    t(&r.sha256),
                ]),
                _ => None,
            })
            .collect();
        let (_, widths) =
            table(ws, 0, &["path", "reason", "message", "iso3", "questionnaire", "sha256"], &rows, &f, none)?;
        ws.set_freeze_panes(1, 0)?;
        fit(ws, &widths)?;
    }
    let _ = Region::ALL;
    wb.save_to_buffer()
}

impl Output for ReportXlsx {
    fn file_name(&self) -> &'static str {
        "report.xlsx"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let bytes = build(run).map_err(io::Error::other)?;
        w.write_all(&bytes)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_past_excels_limit_are_cut_to_it() {
        use super::{MAX_CELL_TEXT, cell_text};
        assert_eq!(cell_text("short"), "short");
        let exact = "a".repeat(MAX_CELL_TEXT);
        assert_eq!(cell_text(&exact), exact.as_str());
        for unit in ["a", "\u{e9}", "\u{4e2d}", "\u{1f600}"] {
            let long = unit.repeat(40_000);
            let cut = cell_text(&long);
            let units = cut.encode_utf16().count();
            assert!((MAX_CELL_TEXT - 2..=MAX_CELL_TEXT).contains(&units), "{unit}: {units}");
            assert!(cut.ends_with('\u{2026}') && long.starts_with(cut.trim_end_matches('\u{2026}')));
        }
    }

    use super::*;

    /// A one-sheet workbook holding `rows` as a table, with its columns
    /// sized by `fit` or by autofit; the sheet's XML.
    fn workbook(headers: &[&str], rows: &[Vec<X>], autofit: bool) -> String {
        let f = Formats::new();
        let mut wb = Workbook::new();
        let epoch = ExcelDateTime::from_ymd(2000, 1, 1).unwrap();
        wb.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
        let ws = wb.add_worksheet();
        let (_, widths) = table(ws, 0, headers, rows, &f, "none").unwrap();
        if autofit {
            ws.autofit();
        } else {
            fit(ws, &widths).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet)
            .unwrap();
        sheet
    }

    #[test]
    fn columns_get_the_widths_autofit_would_give_them() {
        let long = "Statistics disaggregated by type of offence are not yet available; ".repeat(4);
        let rows = vec![
            vec![
                t("FRA"),
                t("Côte d'Ivoire"),
                X::N(12.0),
                X::P(0.4567),
                X::D(Date::new(2026, 3, 1).unwrap()),
                X::S(ComplianceStatus::Incomplete),
                t("two\nlines, the second one longer"),
                X::E,
            ],
            vec![
                t("中国"),
                t("Российская Федерация"),
                X::N(-1234.5678),
                X::P(1.0),
                X::E,
                X::S(ComplianceStatus::Complete),
                t(long.as_str()),
                t("@%Ww mM"),
            ],
        ];
        let headers = ["iso3", "state", "count", "rate", "submitted", "status", "comment", "x"];
        assert_eq!(workbook(&headers, &rows, false), workbook(&headers, &rows, true));
        assert_eq!(workbook(&headers, &[], false), workbook(&headers, &[], true));
        let narrow = vec![vec![t("FRA"), X::N(1.0)]];
        let headers = ["iso3", "a header wider than its cells"];
        assert_eq!(workbook(&headers, &narrow, false), workbook(&headers, &narrow, true));
    }
}
