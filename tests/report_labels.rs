//! report.html and report.xlsx follow `--labels LANG`: the page's text, its
//! language and direction, priority areas and State names are in LANG; the
//! workbook's Needs sheet gains the label columns of needs.csv. Without
//! `--labels` both stay in English.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use calamine::{Reader, Xlsx, open_workbook};
use common::*;

/// Runs the demo cycle with extra arguments; returns the output folder.
fn demo_out(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cycle = repo().join("fixtures/cycle-2026");
    let mut args = vec!["run", cycle.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"];
    args.extend(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (tmp, out)
}

/// HTML escaping as the report's template engine does it.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn the_page_is_in_french_with_labels_fr() {
    let (_tmp, out) = demo_out(&["--labels", "fr"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "the page does not say it is French");
    assert!(!html.contains("dir=\"rtl\""), "French runs left to right");
    for heading in [
        "<h2 id=\"h-figures\">Chiffres clés</h2>",
        "<h2 id=\"h-instrument\">Taux de réponse par instrument</h2>",
        "<h2 id=\"h-heat\">Besoins par domaine prioritaire et groupe régional</h2>",
        "<th scope=\"col\">Domaine prioritaire</th>",
        "<th scope=\"col\">Aucun groupe</th>",
    ] {
        assert!(html.contains(heading), "no {heading:?} in the French page");
    }
    for area in ["Incrimination", "Coopération internationale", "Protection des témoins"] {
        let row = format!("<th scope=\"row\">{}</th>", escape(area));
        assert!(html.contains(&row), "no French priority area {area:?} in the heat map");
    }
    for english in
        ["Headline figures", "Reporting rate by", "Priority area", "No group", "entries in the register"]
    {
        assert!(!html.contains(english), "English {english:?} left in the French page");
    }
    assert!(
        !html.contains("<th scope=\"row\">criminalization</th>"),
        "priority area codes in the French page"
    );
    // The States to follow up are named in French, from the register.
    let followup = std::fs::read_to_string(out.join("followup.csv")).unwrap();
    if followup.lines().any(|l| l.starts_with("ARE,")) {
        assert!(html.contains(&escape("Émirats arabes unis (ARE)")), "ARE is not named in French");
    }
}

#[test]
fn the_page_runs_right_to_left_in_arabic() {
    let (_tmp, out) = demo_out(&["--labels", "ar"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "the Arabic page is not right to left");
    assert!(html.contains("<h2 id=\"h-figures\">الأرقام الرئيسية</h2>"));
    assert!(html.contains(&format!("<th scope=\"row\">{}</th>", escape("التعاون الدولي"))));
    assert!(!html.contains("Headline figures"));
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let summary = sheet_rows(&mut wb, "Summary");
    assert!(summary[0][0].starts_with("دورة الإبلاغ"), "Summary title: {:?}", summary[0][0]);
}

#[test]
fn without_labels_the_reports_stay_in_english() {
    let (_tmp, out) = demo_out(&[]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    for text in [
        "<h2 id=\"h-figures\">Headline figures</h2>",
        "<th scope=\"col\">Priority area</th>",
        "<th scope=\"col\">No group</th>",
        "<th scope=\"row\">criminalization</th>",
        // Phrase text is printed as written, not escaped like values.
        "by priority area of COP decision 3/4 and regional group",
        "entries in the register. Written by art32",
    ] {
        assert!(html.contains(text), "no {text:?} in the English page");
    }
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    let summary = sheet_rows(&mut wb, "Summary");
    assert!(summary[0][0].starts_with("Reporting cycle 2026"), "Summary title: {:?}", summary[0][0]);
    assert_eq!(summary[3][..2], ["Figure", "Count"].map(String::from));
    let needs = sheet_rows(&mut wb, "Needs");
    assert!(!needs[0].contains(&"state_label".to_owned()), "label columns without --labels");
}

#[test]
fn the_workbook_follows_labels_and_its_needs_sheet_equals_needs_csv() {
    let (_tmp, out) = demo_out(&["--labels", "fr"]);
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Summary", "Compliance", "Follow-up", "Needs", "Needs matrix", "Rejected files"].map(String::from)
    );
    let needs = sheet_rows(&mut wb, "Needs");
    let csv = csv_rows(&out.join("needs.csv"), &["cycle"]);
    assert!(csv[0].ends_with(
        &["state_label", "priority_area_label", "assistance_type_label", "question_label"].map(String::from)
    ));
    assert!(csv.len() > 1, "the demo cycle declares needs");
    assert_eq!(needs, csv);
    let summary = sheet_rows(&mut wb, "Summary");
    assert!(summary[0][0].starts_with("Cycle de rapports 2026"), "Summary title: {:?}", summary[0][0]);
    assert_eq!(summary[3][..2], ["Indicateur", "Nombre"].map(String::from));
    assert!(summary.iter().any(|r| r[0] == "Fichiers reçus"));
    assert!(
        summary.iter().any(|r| r[0] == "Taux de réponse" || r.contains(&"Taux de réponse".to_owned())),
        "the rates tables have French headers"
    );
}
