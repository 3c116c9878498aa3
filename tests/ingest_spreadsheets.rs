//! SPEC 4: spreadsheet returns are read by machine keys and localized labels,
//! never by position, whatever cells States put them in.

// Helpers of an integration test crate fail the test by panicking, as the
// `#[test]` functions do (clippy.toml allows that only inside `#[test]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

#[test]
fn cover_keys_are_read_from_any_sheet() {
    let c = TestCycle::new();
    let mut answers = vec![header()];
    answers.extend(full_answers("UNTOC-2026", &[]));
    let mut info = vec![vec![V::S("Informations")], vec![]];
    info.extend(cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr"));
    write_book(&c.inbox("FRA/r.xlsx"), &[("Réponses", answers), ("Informations", info)]);
    c.run(&[]);
    let e = c.manifest_entry("FRA/r.xlsx");
    assert_eq!((e["status"].as_str(), e["iso3"].as_str()), (Some("accepted"), Some("FRA")), "{e}");
    let row = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!((row["status"].as_str(), row["submitted"].as_str()), ("complete", "2026-03-01"));
}

#[test]
fn cover_keys_are_read_by_localized_label_in_column_a() {
    let c = TestCycle::new();
    let mut rows: Vec<Vec<V>> = [
        ("Questionnaire", V::S("UNTOC-2026")),
        ("Version", V::N(1.0)),
        ("État", V::S("France")),
        ("Date de soumission", V::S("14/02/2026")),
        ("Langue", V::S("Français")),
    ]
    .into_iter()
    .map(|(label, value)| vec![V::S(label), V::S(label), value])
    .collect();
    rows.push(vec![]);
    rows.push(header());
    rows.extend(full_answers("UNTOC-2026", &[]));
    write_book(&c.inbox("r.xlsx"), &[("Feuil1", rows)]);
    c.run(&[]);
    assert_eq!(c.manifest_entry("r.xlsx")["status"], "accepted");
    let row = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!((row["status"].as_str(), row["submitted"].as_str()), ("complete", "2026-02-14"));
}

#[test]
fn header_row_is_found_by_localized_labels() {
    let c = TestCycle::new();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr");
    rows.push(vec![
        V::S("Identifiant"),
        V::S("Question"),
        V::S("Réponse"),
        V::S("Assistance requise"),
        V::S("Commentaire"),
    ]);
    rows.extend(full_answers("UNTOC-2026", &[("UNTOC.5.TA", "Formation")]));
    write_book(&c.inbox("r.xlsx"), &[("Questionnaire", rows)]);
    c.run(&[]);
    assert_eq!(compliance_row(&c, "FRA", "UNTOC-2026")["status"], "complete");
    assert_eq!(need_types(&c), BTreeMap::from([("UNTOC.5.TA".into(), vec!["training".into()])]));
}

#[test]
fn answer_column_may_precede_id_column_with_blank_columns_and_rows_between() {
    let c = TestCycle::new();
    let mut rows = vec![vec![], vec![], vec![], vec![]];
    rows.push(vec![V::E, V::S("answer"), V::E, V::S("comment"), V::E, V::S("id"), V::S("assistance")]);
    for (i, r) in full_answers("UNTOC-2026", &[("UNTOC.6.TA", "training")]).into_iter().enumerate() {
        let [id, _, answer, assistance, _] = <[V; 5]>::try_from(r).unwrap();
        rows.push(vec![V::E, answer, V::E, V::E, V::E, id, assistance]);
        if i % 3 == 0 {
            rows.push(vec![]);
        }
    }
    write_book(
        &c.inbox("r.xlsx"),
        &[("Cover", cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")), ("Data", rows)],
    );
    c.run(&[]);
    assert_eq!(compliance_row(&c, "FRA", "UNTOC-2026")["status"], "complete");
    let answers = c.csv("answers.csv");
    let first = answers.iter().find(|a| a["question"] == "UNTOC.0.TA").unwrap();
    assert_eq!(first["source_ref"], "Data!B6", "answers are read from column B, rows from 6");
    assert_eq!(need_types(&c)["UNTOC.6.TA"], ["training"]);
}

#[test]
fn answer_sheets_are_read_in_any_order_and_under_any_name() {
    let c = TestCycle::new();
    let all = full_answers("UNTOC-2026", &[]);
    let (first, second) = all.split_at(all.len() / 2);
    let mut part2 = vec![header()];
    part2.extend(second.iter().cloned());
    let mut part1 = vec![header()];
    part1.extend(first.iter().cloned());
    write_book(
        &c.inbox("r.xlsx"),
        &[
            ("Zweiter Teil", part2),
            ("Portada", cover("UNTOC-2026", "ESP", V::D(2026, 3, 1), "es")),
            ("Hoja 1 (2)", part1),
        ],
    );
    c.run(&[]);
    let row = compliance_row(&c, "ESP", "UNTOC-2026");
    assert_eq!((row["status"].as_str(), row["required_missing"].as_str()), ("complete", ""));
    assert_eq!(c.csv("answers.csv").iter().filter(|a| a["status"] == "valid").count(), all.len());
}

#[test]
fn assistance_lists_split_on_semicolons_commas_and_line_breaks() {
    let c = TestCycle::new();
    let needs = [
        ("UNTOC.5.TA", "training; legal-advice"),
        ("UNTOC.6.TA", "equipment, data-systems"),
        ("UNTOC.8.TA", "model-legislation\naction-plan\r\nother"),
    ];
    standard_return(&c, "FRA", "en", &needs);
    c.run(&[]);
    let types = need_types(&c);
    assert_eq!(types["UNTOC.5.TA"], ["legal-advice", "training"]);
    assert_eq!(types["UNTOC.6.TA"], ["data-systems", "equipment"]);
    assert_eq!(types["UNTOC.8.TA"], ["model-legislation", "action-plan", "other"]);
}

#[test]
fn assistance_labels_are_read_in_any_language() {
    let c = TestCycle::new();
    let needs = [
        ("UNTOC.5.TA", "Formation; Asesoramiento jurídico"),
        ("UNTOC.6.TA", "培训\nОборудование"),
        ("UNTOC.8.TA", "التدريب, Legislative drafting"),
    ];
    standard_return(&c, "FRA", "en", &needs);
    c.run(&[]);
    let types = need_types(&c);
    assert_eq!(types["UNTOC.5.TA"], ["legal-advice", "training"]);
    assert_eq!(types["UNTOC.6.TA"], ["training", "equipment"]);
    assert_eq!(types["UNTOC.8.TA"], ["legislative-drafting", "training"]);
}

#[test]
fn checkbox_columns_read_x_check_one_and_true_as_requested() {
    let c = TestCycle::new();
    let row = [V::S("x"), V::S("✓"), V::N(1.0), V::B(true), V::S("TRUE")];
    checkbox_return(&c, &row);
    c.run(&[]);
    let types = need_types(&c);
    assert_eq!(
        types["UNTOC.5.TA"],
        ["legislative-drafting", "legal-advice", "training", "equipment", "other"]
    );
}

#[test]
fn checkbox_columns_read_blank_false_and_no_as_not_requested() {
    let c = TestCycle::new();
    let row = [V::E, V::B(false), V::S("No"), V::S("FALSE"), V::S("x")];
    checkbox_return(&c, &row);
    c.run(&[]);
    assert_eq!(need_types(&c)["UNTOC.5.TA"], ["other"]);
}

#[test]
fn a_mark_under_a_checkbox_header_naming_no_assistance_type_is_a_warning() {
    let c = TestCycle::new();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    // The third header with a full-width colon, as East Asian input types it.
    rows.push(vec![
        V::S("id"),
        V::S("answer"),
        V::S("assistance:training"),
        V::S("Assistance: bogus"),
        V::S("assistance\u{FF1A}other"),
    ]);
    for r in full_answers("UNTOC-2026", &[]) {
        let marks = match &r[0] {
            V::T(q) if q == "UNTOC.5.TA" => Some([V::S("x"), V::S("x"), V::S("x")]),
            // A no under the unknown header is no mark: nothing to say.
            V::T(q) if q == "UNTOC.6.TA" => Some([V::S("x"), V::S("no"), V::E]),
            _ => None,
        };
        let mut row = vec![r[0].clone(), if marks.is_some() { V::S("Yes") } else { r[2].clone() }];
        row.extend(marks.into_iter().flatten());
        rows.push(row);
    }
    write_book(&c.inbox("FRA/untoc.xlsx"), &[("Return", rows)]);
    c.run(&[]);
    assert_eq!(need_types(&c)["UNTOC.5.TA"], ["training", "other"]);
    assert_eq!(need_types(&c)["UNTOC.6.TA"], ["training"]);
    let warnings = c.manifest_entry("FRA/untoc.xlsx")["warnings"].clone();
    let bogus: Vec<_> =
        warnings.as_array().unwrap().iter().filter(|w| w.to_string().contains("Assistance: bogus")).collect();
    assert_eq!(bogus.len(), 1, "{warnings}");
    let w = bogus[0].to_string();
    assert!(w.contains("unknown-assistance") && w.contains("Return!D"), "{w}");
}

#[test]
fn string_number_and_boolean_cells_are_typed() {
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    set_answer(&mut rows, "UNTOC.5.1", V::S("Partiellement"));
    set_answer(&mut rows, "UNTOC.12.2", V::B(true));
    set_answer(&mut rows, "UNTOC.16.1", V::B(false));
    set_answer(&mut rows, "UNTOC.12.3", V::N(42.0));
    set_answer(&mut rows, "UNTOC.18.2", V::S("1 234"));
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", rows)
        .write(&c.inbox("r.xlsx"));
    c.run(&[]);
    let values = answer_values(&c, "FRA");
    for (q, want) in [
        ("UNTOC.5.1", "partial"),
        ("UNTOC.12.2", "yes"),
        ("UNTOC.16.1", "no"),
        ("UNTOC.12.3", "42"),
        ("UNTOC.18.2", "1234"),
    ] {
        assert_eq!(values[q], (want.to_owned(), "valid".to_owned()), "{q}");
    }
}

#[test]
fn dates_are_read_from_date_cells_iso_text_and_day_first_text() {
    let c = TestCycle::new();
    let forms = [
        ("FRA", V::D(2020, 5, 1)),
        ("ESP", V::S("2020-05-01")),
        ("USA", V::S("01/05/2020")),
        ("EUU", V::S("01.05.2020")),
    ];
    for (state, date) in &forms {
        let mut rows = full_answers("UNTOC-2026", &[]);
        set_answer(&mut rows, "UNTOC.5.2", date.clone());
        let state: &'static str = state;
        ReturnSheet::new("UNTOC-2026", state, V::D(2026, 3, 1), "en")
            .answers("Answers", rows)
            .write(&c.inbox(&format!("{state}.xlsx")));
    }
    c.run(&[]);
    for (state, _) in forms {
        let got = &answer_values(&c, state)["UNTOC.5.2"];
        assert_eq!(got, &("2020-05-01".to_owned(), "valid".to_owned()), "{state}");
    }
}

#[test]
fn an_error_cell_is_an_invalid_answer_not_a_crash() {
    let c = TestCycle::new();
    // UNTOC.5.1 holds =NA() with the cached result #N/A, as Excel saves it.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Cover").unwrap();
    put_rows(ws, &cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en"));
    let ws = wb.add_worksheet().set_name("Answers").unwrap();
    let mut rows = vec![header()];
    rows.extend(full_answers("UNTOC-2026", &[]));
    let row = rows.iter().position(|r| matches!(&r[0], V::T(id) if id == "UNTOC.5.1")).unwrap();
    rows[row][2] = V::E;
    put_rows(ws, &rows);
    ws.write_formula(row as u32, 2, "=NA()").unwrap().set_formula_result(row as u32, 2, "#N/A");
    wb.save(c.inbox("r.xlsx")).unwrap();
    c.run(&[]);
    assert_eq!(c.manifest_entry("r.xlsx")["status"], "accepted");
    let a = c.csv("answers.csv").into_iter().find(|a| a["question"] == "UNTOC.5.1").unwrap();
    assert_eq!((a["status"].as_str(), a["raw"].as_str()), ("invalid", "#N/A"), "{a:?}");
    let row = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!((row["status"].as_str(), row["required_missing"].as_str()), ("incomplete", "UNTOC.5.1"));
}

#[test]
fn error_values_of_current_excel_are_invalid_answers_and_never_marks() {
    // Excel 365 saves #SPILL!, #CALC!, #GETTING_DATA... as error cells
    // (`t="e"`), which calamine does not know: the whole workbook was lost.
    // And a checkbox filled by a formula that fails requests nothing.
    let c = TestCycle::new();
    let codes = ["legislative-drafting", "legal-advice"];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Return").unwrap();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    let mut head = vec![V::S("id"), V::S("question"), V::S("answer"), V::S("assistance"), V::S("comment")];
    head.extend(codes.iter().map(|c| V::T(format!("assistance:{c}"))));
    rows.push(head);
    let first = rows.len();
    rows.extend(full_answers("UNTOC-2026", &[("UNTOC.5.TA", "")]));
    let at =
        |id: &str| first + rows[first..].iter().position(|r| matches!(&r[0], V::T(q) if q == id)).unwrap();
    let (answer, need) = (at("UNTOC.6.1"), at("UNTOC.5.TA"));
    rows[answer][2] = V::E;
    rows[need].extend([V::S("x"), V::E]);
    put_rows(ws, &rows);
    ws.write_formula(answer as u32, 2, "=NA()").unwrap().set_formula_result(answer as u32, 2, "#N/A");
    ws.write_formula(need as u32, 6, "=1/0").unwrap().set_formula_result(need as u32, 6, "#DIV/0!");
    // A stray #CALC! outside every table, and #SPILL! for the answer.
    ws.write_formula(0, 8, "=NA()").unwrap().set_formula_result(0, 8, "#N/A");
    let mut bytes = wb.save_to_buffer().unwrap();
    let mut n = 0;
    bytes = rezip(&bytes, |name, part| {
        if !name.starts_with("xl/worksheets/") {
            return part;
        }
        let xml = String::from_utf8(part).unwrap();
        n += xml.matches("<v>#N/A</v>").count();
        xml.replacen("<v>#N/A</v>", "<v>#CALC!</v>", 1)
            .replacen("<v>#N/A</v>", "<v>#SPILL!</v>", 1)
            .into_bytes()
    });
    assert_eq!(n, 2);
    std::fs::write(c.inbox("r.xlsx"), &bytes).unwrap();
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    assert_eq!(e["status"], "accepted", "{e}");
    let a = c.csv("answers.csv").into_iter().find(|a| a["question"] == "UNTOC.6.1").unwrap();
    assert_eq!((a["status"].as_str(), a["raw"].as_str()), ("invalid", "#SPILL!"), "{a:?}");
    assert_eq!(need_types(&c)["UNTOC.5.TA"], ["legislative-drafting"]);
    let warnings = e["warnings"].to_string();
    assert!(warnings.contains("#DIV/0!") && warnings.contains("not a mark"), "{warnings}");
}

#[test]
fn libreoffice_error_cells_in_ods_are_invalid_answers_not_text() {
    // LibreOffice keeps an error's text (`#N/A`, `Err:502`) in the cell's
    // paragraph, marked only by `calcext:value-type="error"`: calamine reads
    // it as text, which a text question took as its answer.
    let ods = std::fs::read(repo().join("fixtures/suites/UNTOC-2026/libreoffice.ods")).unwrap();
    let answer = "<text:p>Code pénal, art. 450-1 ; loi n° 2024-12 « relative à la criminalité organisée » &amp; décret d&apos;application.</text:p>";
    let mut n = 0;
    let edited = rezip(&ods, |name, part| {
        if name != "content.xml" {
            return part;
        }
        let xml = String::from_utf8(part).unwrap();
        n = xml.matches(answer).count();
        let cell = format!(
            r#"<table:table-cell table:style-name="ce2" office:value-type="string" calcext:value-type="string">{answer}</table:table-cell>"#
        );
        let error = r#"<table:table-cell table:formula="of:=NA()" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>"#;
        xml.replacen(&cell, error, 1).into_bytes()
    });
    assert_eq!(n, 1);
    let c = TestCycle::new();
    std::fs::write(c.inbox("r.ods"), &edited).unwrap();
    c.run(&[]);
    assert_eq!(c.manifest_entry("r.ods")["status"], "accepted", "{}", c.manifest_entry("r.ods"));
    let a = c.csv("answers.csv").into_iter().find(|a| a["question"] == "UNTOC.5.3").unwrap();
    assert_eq!((a["status"].as_str(), a["raw"].as_str()), ("invalid", "#N/A"), "{a:?}");
}

#[test]
fn an_xlsx_listing_one_worksheet_part_under_two_sheets_is_rejected_at_once() {
    // calamine reads the part once per sheet: a part of 1.9 million cells
    // listed 200 times took minutes. No spreadsheet program writes one. A
    // second relationship to the same part, spelt otherwise, counts too.
    let xlsx = std::fs::read(repo().join("fixtures/twins/UNTOC-2026/return.xlsx")).unwrap();
    let edited = rezip(&xlsx, |name, part| {
        let xml = String::from_utf8(part).unwrap();
        match name {
            "xl/workbook.xml" => xml
                .replacen("</sheets>", r#"<sheet name="Copie" sheetId="7" r:id="rId99" /></sheets>"#, 1)
                .into_bytes(),
            "xl/_rels/workbook.xml.rels" => xml
                .replacen(
                    "</Relationships>",
                    r#"<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="./worksheets/../worksheets/SHEET3.xml" Id="rId99" /></Relationships>"#,
                    1,
                )
                .into_bytes(),
            _ => xml.into_bytes(),
        }
    });
    let c = TestCycle::new();
    std::fs::write(c.inbox("r.xlsx"), &edited).unwrap();
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    assert_eq!((e["status"].as_str(), e["reason"].as_str()), (Some("rejected"), Some("corrupt")), "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("\"Copie\"") && message.contains("xl/worksheets/sheet3.xml"), "{message}");
}

/// `xlsx` with each part passed through `edit` (by name), zipped again.
fn rezip(xlsx: &[u8], mut edit: impl FnMut(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut part = from.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        // An ods's `mimetype` comes first, stored.
        let options = if name == "mimetype" {
            deflated.compression_method(zip::CompressionMethod::Stored)
        } else {
            deflated
        };
        to.start_file(name.clone(), options).unwrap();
        to.write_all(&edit(&name, bytes)).unwrap();
    }
    to.finish().unwrap().into_inner()
}

#[test]
fn a_question_id_typed_in_full_width_is_read_as_nfkc_reads_it() {
    // SPEC 3.4: matching is on NFKC text; an East Asian input method types
    // `ＵＮＴＯＣ．５．１`. The row was dropped without a word.
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    let row = rows.iter_mut().find(|r| matches!(&r[0], V::T(q) if q == "UNTOC.5.1")).unwrap();
    row[0] = V::S("ＵＮＴＯＣ．５．１");
    row[2] = V::S("Partially");
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", rows)
        .write(&c.inbox("r.xlsx"));
    c.run(&[]);
    assert_eq!(answer_values(&c, "FRA")["UNTOC.5.1"], ("partial".to_owned(), "valid".to_owned()));
    assert_eq!(compliance_row(&c, "FRA", "UNTOC-2026")["status"], "complete");
}

#[test]
fn values_beside_filled_answers_in_columns_no_key_names_are_one_warning_per_column() {
    // SPEC 6.1: nothing dropped silently. Assistance types typed right of
    // the table (no header), and a State's own notes column.
    let c = TestCycle::new();
    let mut rows = vec![vec![
        V::S("id"),
        V::S("question"),
        V::S("answer"),
        V::S("assistance"),
        V::S("comment"),
        V::E,
        V::S("Ref. no."),
    ]];
    let mut answers = full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training"), ("UNTOC.6.TA", "training")]);
    for (id, extra) in [("UNTOC.5.TA", "Formation; Équipement"), ("UNTOC.6.TA", "Équipement")] {
        let row = answers.iter_mut().find(|r| matches!(&r[0], V::T(q) if q == id)).unwrap();
        row.extend([V::T(extra.to_owned()), V::S("see annex")]);
    }
    rows.extend(answers);
    let mut sheet = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    sheet.extend(rows);
    write_book(&c.inbox("r.xlsx"), &[("Return", sheet)]);
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    assert_eq!(e["status"], "accepted", "{e}");
    let wrong: Vec<String> = e["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "wrong-column")
        .map(|w| w["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(
        wrong[0].starts_with("2 values")
            && wrong[0].contains("without a header")
            && wrong[0].contains("Formation; Équipement"),
        "{wrong:?}"
    );
    assert!(wrong[1].starts_with("2 values") && wrong[1].contains("headed \"Ref. no.\""), "{wrong:?}");
    // What was read is unchanged: the assistance column.
    assert_eq!(need_types(&c)["UNTOC.5.TA"], ["training"]);
}

#[test]
fn assistance_labels_in_a_header_row_are_read_as_checkbox_columns() {
    // The template's label row above `assistance:CODE` ("Formation"), when
    // the row of keys was deleted: keys may be given as their labels.
    let c = TestCycle::new();
    let head = vec![V::S("Identifiant"), V::S("Réponse"), V::S("Formation"), V::S("Équipement")];
    checkbox_table(&c, "fr", head, V::S("Oui"), &[V::S("x"), V::E]);
    c.run(&[]);
    assert_eq!(need_types(&c)["UNTOC.5.TA"], ["training"]);
}

#[test]
fn an_answer_typed_beside_its_empty_cell_is_a_wrong_column_warning() {
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    let at = rows.iter().position(|r| matches!(&r[0], V::T(id) if id == "UNTOC.5.1")).unwrap();
    // The answer cell (C) left empty, a note in the State's own column F
    // (headed "Ref. no.": not an answer), and "No" typed in column G, which
    // has no header; on the next row, a value beside an answer that is
    // there is reported once for its column, as not read.
    rows[at][2] = V::E;
    rows[at].resize(7, V::E);
    rows[at][5] = V::S("see annex");
    rows[at][6] = V::S("No");
    rows[at + 1].resize(7, V::E);
    rows[at + 1][6] = V::S("a note");
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .table("Answers", vec!["id", "question", "answer", "assistance", "comment", "Ref. no."], rows)
        .write(&c.inbox("r.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    let wrong: Vec<&serde_json::Value> =
        e["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "wrong-column").collect();
    let row = at + 3;
    assert_eq!(wrong.len(), 2, "{e}");
    assert_eq!(wrong[1]["ref"], format!("Answers!G{}", row + 1), "{e}");
    assert!(wrong[1]["message"].as_str().unwrap().contains("\"a note\""), "{e}");
    assert_eq!(wrong[0]["ref"], format!("Answers!G{row}"), "{e}");
    let message = wrong[0]["message"].as_str().unwrap();
    assert!(message.contains("\"No\"") && message.contains(&format!("Answers!C{row}")), "{message}");
    // Not read: the question stays unanswered.
    let compliance = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!(compliance["required_missing"], "UNTOC.5.1", "{compliance:?}");
}

#[test]
fn an_answer_typed_in_the_comment_column_is_a_wrong_column_warning() {
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    let row_of =
        |rows: &[Vec<V>], id: &str| rows.iter().position(|r| matches!(&r[0], V::T(q) if q == id)).unwrap();
    // UNTOC.5.1: empty answer, "Partially" in the comment column (read as
    // an answer: warned). UNTOC.6.1: empty answer, a real comment (not an
    // answer: nothing to say). A text question takes any comment, and
    // an answer that is there makes its comment a comment.
    let (at5, at6) = (row_of(&rows, "UNTOC.5.1"), row_of(&rows, "UNTOC.6.1"));
    rows[at5][2] = V::E;
    rows[at5][4] = V::S("Partially");
    rows[at6][2] = V::E;
    rows[at6][4] = V::S("The bill is before parliament");
    let at8 = row_of(&rows, "UNTOC.8.1");
    rows[at8][4] = V::S("Yes");
    with_comment_table(&c, rows);
    let e = c.manifest_entry("r.xlsx");
    let wrong: Vec<&serde_json::Value> =
        e["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "wrong-column").collect();
    assert_eq!(wrong.len(), 1, "{e}");
    let row = at5 + 3;
    assert_eq!(wrong[0]["ref"], format!("Answers!E{row}"), "{e}");
    let message = wrong[0]["message"].as_str().unwrap();
    assert!(message.contains("\"Partially\"") && message.contains(&format!("Answers!C{row}")), "{message}");
    let compliance = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!(compliance["required_missing"], "UNTOC.5.1;UNTOC.6.1", "{compliance:?}");
}

#[test]
fn an_answer_on_a_row_without_a_question_id_is_a_missing_question_warning() {
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    let at = rows.iter().position(|r| matches!(&r[0], V::T(id) if id == "UNTOC.5.1")).unwrap();
    // UNTOC.5.1's id typed with a space (not an id: its answer is not
    // read); a continuation row with no id under an answer; a section
    // title in the id column with nothing in the answer column (layout:
    // nothing to say); a note in the answer column below the table.
    rows[at][0] = V::S("UNTOC 5.1");
    rows.insert(at + 1, vec![V::E, V::E, V::S("continued: see the annex")]);
    rows.insert(at + 2, vec![V::S("Article 6"), V::S("Laundering of proceeds of crime")]);
    rows.push(vec![V::E, V::S("Additional information"), V::S("Law 2026-12 is before parliament")]);
    let last = rows.len();
    with_comment_table(&c, rows);
    let e = c.manifest_entry("r.xlsx");
    let missing: Vec<(&str, &str)> = e["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "missing-question")
        .map(|w| (w["ref"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect();
    let row = at + 3;
    let refs: Vec<&str> = missing.iter().map(|m| m.0).collect();
    assert_eq!(
        refs,
        [format!("Answers!C{row}"), format!("Answers!C{}", row + 1), format!("Answers!C{}", last + 2)],
        "{e}"
    );
    assert!(missing[0].1.contains("\"UNTOC 5.1\", which is not a question id"), "{missing:?}");
    assert!(missing[1].1.contains(&format!("id cell Answers!A{} is empty", row + 1)), "{missing:?}");
    assert!(missing[2].1.contains("Law 2026-12"), "{missing:?}");
    let compliance = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!(compliance["required_missing"], "UNTOC.5.1", "{compliance:?}");
}

#[test]
fn right_to_left_marks_around_question_ids_are_ignored() {
    // An Arabic sheet wraps what is typed in it between right-to-left marks.
    let c = TestCycle::new();
    let rows: Vec<Vec<V>> = full_answers("UNTOC-2026", &[])
        .into_iter()
        .map(|mut r| {
            if let V::T(id) = &r[0] {
                r[0] = V::T(format!("\u{200F}{id}\u{200F}"));
            }
            r
        })
        .collect();
    with_comment_table(&c, rows);
    let e = c.manifest_entry("r.xlsx");
    assert_eq!(e["status"], "accepted", "{e}");
    let compliance = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!(compliance["status"], "complete", "{compliance:?}");
}

#[test]
fn a_cover_value_typed_past_column_c_is_a_wrong_column_warning() {
    // The phone typed in column D, its cell C left empty: not read (SPEC 4:
    // the value is in column C), and said.
    let c = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .table("Contact", vec!["focal_point.phone", "Phone", "", "+33 1 23 45 67 89"], vec![])
        .write(&c.inbox("r.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    let wrong: Vec<&serde_json::Value> =
        e["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "wrong-column").collect();
    assert_eq!(wrong.len(), 1, "{e}");
    assert_eq!(wrong[0]["ref"], "Contact!D2", "{e}");
    let message = wrong[0]["message"].as_str().unwrap();
    assert!(message.contains("+33 1 23 45 67 89") && message.contains("Contact!C2"), "{message}");
}

#[test]
fn cover_rows_art32_cannot_read_are_warnings() {
    // SPEC 4: a cover row has its key or label in column A and its value in
    // column C. Rows that miss that shape lose their value, and say so.
    let c = TestCycle::new();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    rows.extend([
        // Label then value: the key column deleted.
        vec![V::S("Email"), V::S("ana@example.org")],
        // A key art32 does not read.
        vec![V::S("focal_point.fax"), V::S("Fax"), V::S("+33 1 00 00 00 00")],
        // Column A emptied, the label left in column B.
        vec![V::S(""), V::S("Telephone"), V::S("+33 9 87 65 43 21")],
        // Empty fields, laid out as templates do: no warning.
        vec![V::S("focal_point.name"), V::S("Focal point name")],
        vec![V::S("Institution"), V::S("Institution")],
        vec![],
    ]);
    rows.push(header());
    rows.extend(full_answers("UNTOC-2026", &[]));
    write_book(&c.inbox("r.xlsx"), &[("Sheet1", rows)]);
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    assert_eq!(e["status"], "accepted", "{e}");
    let got: Vec<(String, String)> = e["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["code"].as_str().unwrap().to_owned(), w["ref"].as_str().unwrap().to_owned()))
        .collect();
    let want: Vec<(String, String)> =
        [("wrong-column", "Sheet1!B6"), ("unknown-element", "Sheet1!C7"), ("wrong-column", "Sheet1!C8")]
            .iter()
            .map(|(c, r)| ((*c).to_owned(), (*r).to_owned()))
            .collect();
    assert_eq!(got, want, "{e}");
    let messages: Vec<&str> =
        e["warnings"].as_array().unwrap().iter().map(|w| w["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains("ana@example.org") && messages[0].contains("Sheet1!C6"), "{messages:?}");
    assert!(
        messages[1].contains("focal_point.fax") && messages[1].contains("+33 1 00 00 00 00"),
        "{messages:?}"
    );
    assert!(messages[2].contains("Telephone") && messages[2].contains("+33 9 87 65 43 21"), "{messages:?}");
    // None of them is read as the focal point.
    let followup = std::fs::read_to_string(c.out().join("followup.csv")).unwrap();
    assert!(!followup.contains("ana@example.org") && !followup.contains("+33 9 87"), "{followup}");
}

#[test]
fn a_date_serial_past_9999_12_31_is_no_date() {
    // Excel holds no date past serial 2958465; calamine made every larger
    // one 9999-12-31, a submission date that superseded every other return.
    let c = TestCycle::new();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    rows.push(vec![]);
    rows.push(header());
    rows.extend(full_answers("UNTOC-2026", &[]));
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Sheet1").unwrap();
    put_rows(ws, &rows);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_number_with_format(3, 2, 2_958_466.0, &date).unwrap();
    wb.save(c.inbox("r.xlsx")).unwrap();
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    let w = e["warnings"].as_array().unwrap();
    let hit = w.iter().find(|w| w["code"] == "invalid-value").unwrap_or_else(|| panic!("{e}"));
    assert_eq!(hit["ref"], "Sheet1!C4", "{hit}");
    let row = compliance_row(&c, "FRA", "UNTOC-2026");
    assert_eq!(row["submitted"].as_str(), "", "{row:?}");
    assert!(!row["flags"].contains("late"), "{row:?}");
}

fn with_comment_table(c: &TestCycle, rows: Vec<Vec<V>>) {
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .table("Answers", vec!["id", "question", "answer", "assistance", "comment"], rows)
        .write(&c.inbox("r.xlsx"));
    c.run(&[]);
}

/// A valid return plus a sheet with cells at A1 and XFD1048576.
fn sparse_giant(c: &TestCycle) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Cover").unwrap();
    put_rows(ws, &cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en"));
    let ws = wb.add_worksheet().set_name("Answers").unwrap();
    let mut rows = vec![header()];
    rows.extend(full_answers("UNTOC-2026", &[]));
    put_rows(ws, &rows);
    let ws = wb.add_worksheet().set_name("Far").unwrap();
    ws.write_string(0, 0, "top left").unwrap();
    ws.write_string(1_048_575, 16_383, "bottom right").unwrap();
    wb.save(c.inbox("giant.xlsx")).unwrap();
}

#[test]
fn a_sheet_from_a1_to_xfd1048576_does_not_stop_the_run() {
    let c = TestCycle::new();
    sparse_giant(&c);
    c.run(&[]);
    let e = c.manifest_entry("giant.xlsx");
    match e["status"].as_str() {
        Some("rejected") => assert_eq!(e["reason"], "too-many-cells", "{e}"),
        Some("accepted") => {}
        other => panic!("unexpected status {other:?}: {e}"),
    }
}

#[test]
fn a_sheet_from_a1_to_xfd1048576_is_read_sparsely_when_the_row_limit_allows() {
    let c = TestCycle::new();
    sparse_giant(&c);
    c.run(&["--max-rows", "1048576"]);
    let e = c.manifest_entry("giant.xlsx");
    assert_eq!(e["status"], "accepted", "{e}");
}

#[test]
fn a_header_with_id_but_no_answer_column_is_reported_as_header_incomplete() {
    let c = TestCycle::new();
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en");
    rows.push(vec![V::S("id"), V::S("question"), V::S("Antwort"), V::S("comment")]);
    rows.push(vec![V::S("UNTOC.5.1"), V::S("text"), V::S("Yes")]);
    write_book(&c.inbox("r.xlsx"), &[("Sheet1", rows)]);
    c.run(&[]);
    let e = c.manifest_entry("r.xlsx");
    let w = e["warnings"].as_array().unwrap();
    let hit = w.iter().find(|w| w["code"] == "header-incomplete").unwrap_or_else(|| panic!("{e}"));
    assert_eq!(hit["ref"], "Sheet1!A6", "{hit}");
    assert!(hit["message"].as_str().unwrap().contains("\"Antwort\""), "{hit}");
}

// ---------------------------------------------------------------- helpers

/// The standard answer-table header.
fn header() -> Vec<V> {
    ["id", "question", "answer", "assistance", "comment"].into_iter().map(V::S).collect()
}

/// Cover rows: key, label, value.
fn cover(q: &'static str, state: &'static str, submitted: V, lang: &'static str) -> Vec<Vec<V>> {
    vec![
        vec![V::S("questionnaire"), V::S("Questionnaire"), V::S(q)],
        vec![V::S("version"), V::S("Version"), V::N(1.0)],
        vec![V::S("state"), V::S("State"), V::S(state)],
        vec![V::S("submitted"), V::S("Date"), submitted],
        vec![V::S("language"), V::S("Language"), V::S(lang)],
    ]
}

/// Writes a workbook of sheets given as grids of rows from A1.
fn write_book(path: &Path, sheets: &[(&str, Vec<Vec<V>>)]) {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet().set_name(*name).unwrap();
        put_rows(ws, rows);
    }
    wb.save(path).unwrap();
}

fn put_rows(ws: &mut Worksheet, rows: &[Vec<V>]) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            let (r, col) = (r as u32, col as u16);
            match v {
                V::S(s) => {
                    ws.write_string(r, col, *s).unwrap();
                }
                V::T(s) => {
                    ws.write_string(r, col, s).unwrap();
                }
                V::N(n) => {
                    ws.write_number(r, col, *n).unwrap();
                }
                V::B(b) => {
                    ws.write_boolean(r, col, *b).unwrap();
                }
                V::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(r, col, &dt, &date).unwrap();
                }
                V::E => {}
            }
        }
    }
}

/// Replaces the answer cell of question `id` in `full_answers` rows.
fn set_answer(rows: &mut [Vec<V>], id: &str, v: V) {
    let row = rows.iter_mut().find(|r| matches!(&r[0], V::T(q) if q == id)).unwrap();
    row[2] = v;
}

/// A complete UNTOC return of `state` with the given needs, via the harness.
fn standard_return(c: &TestCycle, state: &'static str, lang: &'static str, needs: &[(&str, &'static str)]) {
    ReturnSheet::new("UNTOC-2026", state, V::D(2026, 3, 1), lang)
        .answers("Answers", full_answers("UNTOC-2026", needs))
        .write(&c.inbox(&format!("{state}/untoc.xlsx")));
}

/// A FRA return whose table has checkbox columns; UNTOC.5.TA is yes with `marks`.
fn checkbox_return(c: &TestCycle, marks: &[V; 5]) {
    let codes = ["legislative-drafting", "legal-advice", "training", "equipment", "other"];
    let mut head = vec![V::S("id"), V::S("answer")];
    head.extend(codes.iter().map(|c| V::T(format!("assistance:{c}"))));
    checkbox_table(c, "en", head, V::S("Yes"), marks);
}

/// A FRA return in `lang` whose table has the header `head` (id, answer,
/// then checkbox columns); UNTOC.5.TA is `yes` with `marks`.
fn checkbox_table(c: &TestCycle, lang: &'static str, head: Vec<V>, yes: V, marks: &[V]) {
    let mut rows = cover("UNTOC-2026", "FRA", V::D(2026, 3, 1), lang);
    rows.push(head);
    for r in full_answers("UNTOC-2026", &[]) {
        let is_target = matches!(&r[0], V::T(q) if q == "UNTOC.5.TA");
        let mut row = vec![r[0].clone(), if is_target { yes.clone() } else { r[2].clone() }];
        if is_target {
            row.extend(marks.iter().cloned());
        }
        rows.push(row);
    }
    write_book(&c.inbox("FRA/untoc.xlsx"), &[("Return", rows)]);
}

/// needs.csv assistance types per question (in file order).
fn need_types(c: &TestCycle) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in c.csv("needs.csv") {
        out.entry(r["question"].clone()).or_default().push(r["assistance_type"].clone());
    }
    out
}

/// answers.csv (value, status) per question of one State.
fn answer_values(c: &TestCycle, iso3: &str) -> BTreeMap<String, (String, String)> {
    c.csv("answers.csv")
        .into_iter()
        .filter(|a| a["iso3"] == iso3)
        .map(|a| (a["question"].clone(), (a["value"].clone(), a["status"].clone())))
        .collect()
}

fn compliance_row(c: &TestCycle, iso3: &str, q: &str) -> BTreeMap<String, String> {
    c.csv("compliance.csv")
        .into_iter()
        .find(|r| r["iso3"] == iso3 && r["questionnaire"] == q)
        .unwrap_or_else(|| panic!("no compliance row {iso3} {q}"))
}

#[test]
fn a_workbook_zipped_with_backslashes_in_its_part_names_is_read_the_same() {
    // Windows' Compress-Archive (PowerShell 5) names parts `xl\workbook.xml`.
    use std::io::{Read, Write};
    let original = std::fs::read(repo().join("fixtures/twins/UNTOC-2026/return.xlsx")).unwrap();
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(original.as_slice())).unwrap();
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut part = from.by_index(i).unwrap();
        let name = part.name().unwrap().replace('/', "\\");
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        to.start_file(name, deflated).unwrap();
        to.write_all(&bytes).unwrap();
    }
    let rezipped = to.finish().unwrap().into_inner();
    let answers = |bytes: &[u8]| {
        let c = TestCycle::new();
        std::fs::write(c.inbox("r.xlsx"), bytes).unwrap();
        c.run(&[]);
        assert_eq!(c.manifest_entry("r.xlsx")["status"], "accepted", "{}", c.manifest_entry("r.xlsx"));
        c.csv("answers.csv")
            .into_iter()
            .map(|r| (r["question"].clone(), r["raw"].clone(), r["status"].clone()))
            .collect::<Vec<_>>()
    };
    let read = answers(&rezipped);
    assert!(read.len() > 30);
    assert_eq!(read, answers(&original));
}

#[test]
fn a_biff8_workbook_declaring_a_codepage_reads_its_utf16_strings() {
    // Spreadsheet::WriteExcel 2.40, given Perl character strings, writes
    // every string as UTF-16 under a CODEPAGE record of 1252; calamine
    // decoded them through that codepage (a NUL between every letter), so
    // the return was no return.
    let file = repo().join("fixtures/writers/cases/writeexcel-codepage-1252.xls");
    let schemas = repo().join("schemas");
    let out = run(&["check", file.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("TIP-2026 v1 from España (es): 20 of 20 questions answered, complete"),
        "{stdout}"
    );
    assert!(!stdout.contains('\0'), "{stdout}");
}

#[test]
fn a_gnumeric_xls_number_in_a_custom_format_is_a_number() {
    // Gnumeric numbers its custom formats from 50, where Excel's built-in
    // table has East Asian date formats: calamine refuses the FORMAT record
    // and read 42 (in `0.0 "cases"`) as 1900-02-11, an invalid number.
    let file = repo().join("fixtures/writers/cases/gnumeric-custom-number-format.xls");
    let c = TestCycle::new();
    std::fs::copy(&file, c.inbox("ESP/tip.xls")).unwrap();
    c.run(&[]);
    let a = c.csv("answers.csv").into_iter().find(|a| a["question"] == "TIP.5.4").unwrap();
    assert_eq!((a["value"].as_str(), a["status"].as_str()), ("42", "valid"), "{a:?}");
}

#[test]
fn ods_cells_with_text_and_no_value_type_are_read_as_text() {
    // odfpy's TableCell() holding a P(text=...), no office:value-type:
    // LibreOffice reads the text, calamine read a blank, and the return had
    // no cover. Read as the xlsx it was made from, comments left out.
    let answers = |file: &str, name: &str| {
        let c = TestCycle::new();
        std::fs::copy(repo().join(file), c.inbox(name)).unwrap();
        c.run(&[]);
        assert_eq!(c.manifest_entry(name)["status"], "accepted", "{file}");
        c.csv("answers.csv")
            .into_iter()
            .map(|a| (a["question"].clone(), a["value"].clone(), a["status"].clone()))
            .collect::<Vec<_>>()
    };
    let ods = answers("fixtures/writers/cases/odfpy-untyped-cells.ods", "r.ods");
    assert_eq!(ods, answers("fixtures/twins/UNTOC-2026/return.xlsx", "r.xlsx"));
    assert!(ods.len() > 30, "{ods:?}");
}

#[test]
fn spreadsheet_formats_art32_does_not_read_are_named_unsupported() {
    // Both written by SheetJS 0.18.5 under .xls: Excel 2003 XML
    // (SpreadsheetML) and Excel 2.1 (BIFF2).
    let schemas = repo().join("schemas");
    for (file, what) in [
        ("sheetjs-spreadsheetml-2003.xls", "an Excel 2003 XML spreadsheet (SpreadsheetML)"),
        ("sheetjs-biff2.xls", "an Excel 2.x-4.0 worksheet (BIFF2-4)"),
    ] {
        let path = repo().join("fixtures/writers/cases").join(file);
        let out = run(&["check", path.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(&format!("rejected (unsupported-format): {what}")), "{file}: {stdout}");
        assert_eq!(out.status.code(), Some(1), "{file}");
    }
}
