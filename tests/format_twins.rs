//! Format twins: the same return, written in every input format, gives the
//! same records.
//!
//! `fixtures/twins/` (written by `fixtures/make_format_twins.py`) holds, for
//! each of the four questionnaires, one return (same State, date, focal point
//! and answers) as xlsx, xls, ods, xlsb, native XML and an ODK Central
//! instance, plus the cycle files. Each format runs `art32 run` in its own
//! temporary cycle (the cycle files and that format's four returns), so that
//! the twins never supersede each other; then, for every pair of formats and
//! every questionnaire, the rows of `answers.csv` and of `needs.csv` must be
//! identical once `source_file` and `source_ref` (which name the file and the
//! cell or element) are left out.
//!
//! `fixtures/suites/` holds the xlsx twin of each questionnaire as two
//! office suites save it, Gnumeric and LibreOffice, in .ods, .xlsx and .xls
//! (`fixtures/make_suite_twins.sh`), and with its text cells in rich text
//! (the first word bold) as openpyxl and then Gnumeric save it; and the
//! xlsx twin's cells written anew by other libraries
//! (`fixtures/make_writer_twins.sh`): SheetJS as xlsx, xlsb (short cell
//! records), xls (dates under format 60) and ods, ExcelJS, and Perl's
//! Spreadsheet::WriteExcel (CODEPAGE 1252) and Excel::Writer::XLSX. Each
//! must give the xlsx twin's records.
//!
//! One allowance, dictated by the formats themselves: the `raw` text of a
//! `multi-choice` answer is compared as its list of codes, because an ODK
//! select_multiple can only separate its choice names with spaces
//! (`a b`) where a spreadsheet cell or a native `<answer>` says `a; b`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::*;

const QUESTIONNAIRES: [&str; 4] = ["UNTOC-2026", "TIP-2026", "SOM-2026", "FIREARMS-2026"];

/// (name used in the tests, file name in each questionnaire folder, manifest
/// format): the twins of `fixtures/twins/`, then the xlsx twin as Gnumeric
/// and LibreOffice save it (`fixtures/suites/`, `fixtures/make_suite_twins.sh`),
/// with its text cells in rich text, as openpyxl and then Gnumeric save it,
/// and its cells as SheetJS, ExcelJS, Spreadsheet::WriteExcel and
/// Excel::Writer::XLSX write them (`fixtures/make_writer_twins.sh`).
const FORMATS: [(&str, &str, &str); 21] = [
    ("xlsx", "return.xlsx", "xlsx"),
    ("xls", "return.xls", "xls"),
    ("ods", "return.ods", "ods"),
    ("xlsb", "return.xlsb", "xlsb"),
    ("xml", "return.xml", "xml"),
    ("odk", "return.odk.xml", "xml"),
    ("gnumeric-ods", "../../suites/Q/gnumeric.ods", "ods"),
    ("gnumeric-xlsx", "../../suites/Q/gnumeric.xlsx", "xlsx"),
    ("gnumeric-xls", "../../suites/Q/gnumeric.xls", "xls"),
    ("libreoffice-ods", "../../suites/Q/libreoffice.ods", "ods"),
    ("libreoffice-xlsx", "../../suites/Q/libreoffice.xlsx", "xlsx"),
    ("libreoffice-xls", "../../suites/Q/libreoffice.xls", "xls"),
    ("openpyxl-rich-xlsx", "../../suites/Q/openpyxl-rich.xlsx", "xlsx"),
    ("gnumeric-rich-xlsx", "../../suites/Q/gnumeric-rich.xlsx", "xlsx"),
    ("sheetjs-xlsx", "../../suites/Q/sheetjs.xlsx", "xlsx"),
    ("sheetjs-xlsb", "../../suites/Q/sheetjs.xlsb", "xlsb"),
    ("sheetjs-xls", "../../suites/Q/sheetjs.xls", "xls"),
    ("sheetjs-ods", "../../suites/Q/sheetjs.ods", "ods"),
    ("exceljs-xlsx", "../../suites/Q/exceljs.xlsx", "xlsx"),
    ("writeexcel-xls", "../../suites/Q/writeexcel.xls", "xls"),
    ("excel-writer-xlsx", "../../suites/Q/excel-writer-xlsx.xlsx", "xlsx"),
];

/// The columns that name where a record was read, not what it says.
const PROVENANCE: [&str; 2] = ["source_file", "source_ref"];

type Row = BTreeMap<String, String>;

/// What one format's run produced.
struct Outputs {
    answers: Vec<Row>,
    needs: Vec<Row>,
    manifest: Vec<serde_json::Value>,
}

fn twins() -> std::path::PathBuf {
    repo().join("fixtures/twins")
}

/// Runs `art32 run` on a temporary cycle holding the twins' cycle files and
/// one format's four returns.
fn run_format(file: &str) -> Outputs {
    let read = |name: &str| {
        std::fs::read_to_string(twins().join(name)).unwrap_or_else(|e| {
            panic!("fixtures/twins/{name}: {e} (run python3 fixtures/make_format_twins.py)")
        })
    };
    let cycle = TestCycle::with_register(&read("parties.csv"), &read("focal-points.csv"));
    let toml = read("cycle.toml");
    let relative = "schemas = \"../../schemas\"";
    assert!(toml.contains(relative), "fixtures/twins/cycle.toml: expected {relative}");
    let schemas = format!("schemas = {:?}", repo().join("schemas").display().to_string());
    std::fs::write(cycle.path().join("cycle.toml"), toml.replace(relative, &schemas)).unwrap();
    for q in QUESTIONNAIRES {
        // A suite's file is named in its questionnaire's folder of suites/.
        let file = file.replace("/Q/", &format!("/{q}/"));
        let from = twins().join(q).join(&file);
        let name = file.rsplit('/').next().unwrap_or(&file);
        std::fs::copy(&from, cycle.inbox(&format!("{q}/{name}")))
            .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    cycle.run(&["-q"]);
    Outputs { answers: cycle.csv("answers.csv"), needs: cycle.csv("needs.csv"), manifest: cycle.manifest() }
}

/// The outputs of one format, computed once per test binary.
fn outputs(format: &str) -> &'static Outputs {
    static CACHE: [OnceLock<Outputs>; FORMATS.len()] = [const { OnceLock::new() }; FORMATS.len()];
    let i = FORMATS.iter().position(|f| f.0 == format).unwrap_or_else(|| panic!("no format {format}"));
    CACHE[i].get_or_init(|| run_format(FORMATS[i].1))
}

/// A record without its provenance; a multi-choice raw text as its list of codes.
fn comparable(row: &Row) -> Row {
    let mut row = row.clone();
    for column in PROVENANCE {
        assert!(row.remove(column).is_some(), "no {column} column");
    }
    if row.get("kind").map(String::as_str) == Some("multi-choice")
        && let Some(raw) = row.get_mut("raw")
    {
        let codes: Vec<&str> = raw
            .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        *raw = codes.join(";");
    }
    row
}

fn describe(row: Option<&Row>) -> String {
    row.map_or_else(
        || "(no row)".to_owned(),
        |r| r.iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join(", "),
    )
}

/// Requires the rows of `file` (answers.csv or needs.csv) to be the same for two formats.
fn assert_same(file: &str, a: &str, b: &str) {
    let rows = |format: &str| {
        let o = outputs(format);
        if file == "answers.csv" { &o.answers } else { &o.needs }
    };
    let mut differences = Vec::new();
    for q in QUESTIONNAIRES {
        let pick = |format: &str| -> Vec<Row> {
            rows(format).iter().filter(|r| r["questionnaire"] == q).map(comparable).collect()
        };
        let (ra, rb) = (pick(a), pick(b));
        assert!(!ra.is_empty(), "{file}: no {q} rows from the {a} twin");
        assert!(!rb.is_empty(), "{file}: no {q} rows from the {b} twin");
        if ra == rb {
            continue;
        }
        differences.push(format!("{q}: {} rows from {a}, {} from {b}", ra.len(), rb.len()));
        for i in 0..ra.len().max(rb.len()) {
            let (x, y) = (ra.get(i), rb.get(i));
            if x != y {
                differences.push(format!(
                    "  row {}:\n    {a}: {}\n    {b}: {}",
                    i + 1,
                    describe(x),
                    describe(y)
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{file} differs between the {a} and {b} twins:\n{}",
        differences.join("\n")
    );
}

#[test]
fn every_twin_is_read_and_accepted() {
    for (name, file, format) in FORMATS {
        let manifest = &outputs(name).manifest;
        assert_eq!(manifest.len(), QUESTIONNAIRES.len(), "{name}: {manifest:?}");
        for q in QUESTIONNAIRES {
            let path = format!("{q}/{}", file.rsplit('/').next().unwrap_or(file));
            let e =
                manifest.iter().find(|e| e["path"] == path.as_str()).unwrap_or_else(|| panic!("no {path}"));
            assert_eq!(e["status"], "accepted", "{path}: {e}");
            assert_eq!(e["format"], format, "{path}: {e}");
            assert_eq!(e["questionnaire"], q, "{path}: {e}");
        }
    }
}

#[test]
fn the_twins_answer_every_kind_and_declare_needs() {
    let o = outputs("xlsx");
    for kind in ["yes-no", "yes-no-partial", "number", "date", "text", "choice", "multi-choice", "need"] {
        assert!(
            o.answers.iter().any(|r| r["kind"] == kind && r["status"] == "valid"),
            "no valid {kind} answer"
        );
    }
    for token in ["yes", "no", "partial", "not-applicable"] {
        assert!(o.answers.iter().any(|r| r["value"] == token), "no {token} answer");
    }
    assert!(o.answers.iter().any(|r| r["status"] == "blank"), "no unanswered question");
    for q in QUESTIONNAIRES {
        let needs: Vec<&Row> = o.needs.iter().filter(|r| r["questionnaire"] == q).collect();
        let types: std::collections::BTreeSet<&str> =
            needs.iter().map(|r| r["assistance_type"].as_str()).collect();
        assert!(types.len() >= 3, "{q}: needs with several assistance types: {types:?}");
        assert!(needs.iter().any(|r| !r["comment"].is_empty()), "{q}: no need with a comment");
    }
}

/// One test per output file and pair of formats.
macro_rules! twins_agree {
    ($($(#[$attr:meta])* $name:ident: $file:literal, $a:literal, $b:literal;)*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                assert_same($file, $a, $b);
            }
        )*
    };
}

twins_agree! {
    answers_xlsx_xls: "answers.csv", "xlsx", "xls";
    answers_xlsx_ods: "answers.csv", "xlsx", "ods";
    answers_xlsx_xlsb: "answers.csv", "xlsx", "xlsb";
    answers_xlsx_xml: "answers.csv", "xlsx", "xml";
    answers_xlsx_odk: "answers.csv", "xlsx", "odk";
    answers_xls_ods: "answers.csv", "xls", "ods";
    answers_xls_xlsb: "answers.csv", "xls", "xlsb";
    answers_xls_xml: "answers.csv", "xls", "xml";
    answers_xls_odk: "answers.csv", "xls", "odk";
    answers_ods_xlsb: "answers.csv", "ods", "xlsb";
    answers_ods_xml: "answers.csv", "ods", "xml";
    answers_ods_odk: "answers.csv", "ods", "odk";
    answers_xlsb_xml: "answers.csv", "xlsb", "xml";
    answers_xlsb_odk: "answers.csv", "xlsb", "odk";
    answers_xml_odk: "answers.csv", "xml", "odk";

    needs_xlsx_xls: "needs.csv", "xlsx", "xls";
    needs_xlsx_ods: "needs.csv", "xlsx", "ods";
    needs_xlsx_xlsb: "needs.csv", "xlsx", "xlsb";
    needs_xlsx_xml: "needs.csv", "xlsx", "xml";
    needs_xlsx_odk: "needs.csv", "xlsx", "odk";
    needs_xls_ods: "needs.csv", "xls", "ods";
    needs_xls_xlsb: "needs.csv", "xls", "xlsb";
    needs_xls_xml: "needs.csv", "xls", "xml";
    needs_xls_odk: "needs.csv", "xls", "odk";
    needs_ods_xlsb: "needs.csv", "ods", "xlsb";
    needs_ods_xml: "needs.csv", "ods", "xml";
    needs_ods_odk: "needs.csv", "ods", "odk";
    needs_xlsb_xml: "needs.csv", "xlsb", "xml";
    needs_xlsb_odk: "needs.csv", "xlsb", "odk";
    needs_xml_odk: "needs.csv", "xml", "odk";

    answers_xlsx_gnumeric_ods: "answers.csv", "xlsx", "gnumeric-ods";
    answers_xlsx_gnumeric_xlsx: "answers.csv", "xlsx", "gnumeric-xlsx";
    answers_xlsx_gnumeric_xls: "answers.csv", "xlsx", "gnumeric-xls";
    answers_xlsx_libreoffice_ods: "answers.csv", "xlsx", "libreoffice-ods";
    answers_xlsx_libreoffice_xlsx: "answers.csv", "xlsx", "libreoffice-xlsx";
    answers_xlsx_libreoffice_xls: "answers.csv", "xlsx", "libreoffice-xls";
    needs_xlsx_gnumeric_ods: "needs.csv", "xlsx", "gnumeric-ods";
    needs_xlsx_gnumeric_xlsx: "needs.csv", "xlsx", "gnumeric-xlsx";
    needs_xlsx_gnumeric_xls: "needs.csv", "xlsx", "gnumeric-xls";
    needs_xlsx_libreoffice_ods: "needs.csv", "xlsx", "libreoffice-ods";
    needs_xlsx_libreoffice_xlsx: "needs.csv", "xlsx", "libreoffice-xlsx";
    needs_xlsx_libreoffice_xls: "needs.csv", "xlsx", "libreoffice-xls";
    answers_xlsx_openpyxl_rich_xlsx: "answers.csv", "xlsx", "openpyxl-rich-xlsx";
    answers_xlsx_gnumeric_rich_xlsx: "answers.csv", "xlsx", "gnumeric-rich-xlsx";
    needs_xlsx_openpyxl_rich_xlsx: "needs.csv", "xlsx", "openpyxl-rich-xlsx";
    needs_xlsx_gnumeric_rich_xlsx: "needs.csv", "xlsx", "gnumeric-rich-xlsx";
    answers_xlsx_sheetjs_xlsx: "answers.csv", "xlsx", "sheetjs-xlsx";
    needs_xlsx_sheetjs_xlsx: "needs.csv", "xlsx", "sheetjs-xlsx";
    answers_xlsx_sheetjs_xlsb: "answers.csv", "xlsx", "sheetjs-xlsb";
    needs_xlsx_sheetjs_xlsb: "needs.csv", "xlsx", "sheetjs-xlsb";
    answers_xlsx_sheetjs_xls: "answers.csv", "xlsx", "sheetjs-xls";
    needs_xlsx_sheetjs_xls: "needs.csv", "xlsx", "sheetjs-xls";
    answers_xlsx_sheetjs_ods: "answers.csv", "xlsx", "sheetjs-ods";
    needs_xlsx_sheetjs_ods: "needs.csv", "xlsx", "sheetjs-ods";
    answers_xlsx_exceljs_xlsx: "answers.csv", "xlsx", "exceljs-xlsx";
    needs_xlsx_exceljs_xlsx: "needs.csv", "xlsx", "exceljs-xlsx";
    answers_xlsx_writeexcel_xls: "answers.csv", "xlsx", "writeexcel-xls";
    needs_xlsx_writeexcel_xls: "needs.csv", "xlsx", "writeexcel-xls";
    answers_xlsx_excel_writer_xlsx: "answers.csv", "xlsx", "excel-writer-xlsx";
    needs_xlsx_excel_writer_xlsx: "needs.csv", "xlsx", "excel-writer-xlsx";
}
