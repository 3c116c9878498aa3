//! report.html and report.xlsx: the page holds the run's figures, escapes
//! what came from returns, renders in a real browser (headless Chromium), and
//! the workbook holds the same rows as the CSVs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;

fn demo_out() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cycle = repo().join("fixtures/cycle-2026");
    let o = run(&["run", cycle.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
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

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn the_page_is_self_contained_and_shows_the_figures() {
    let (_tmp, out) = demo_out();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let s = summary(&out);
    for needle in ["<script", "http://", "https://", "@import", "url("] {
        assert!(!html.contains(needle), "report.html must not hold {needle:?}");
    }
    let accepted = s["files"]["accepted"].as_u64().unwrap();
    assert!(html.contains(&format!("<span class=\"n\" id=\"figure-returns\">{accepted}</span>")));
    let missing = s["compliance"]["missing"].as_u64().unwrap();
    assert!(html.contains(&format!("id=\"figure-missing\">{missing}</span>")));
    // The rate counts returned questionnaires, complete or not: its caption
    // says so (it said "obligations met", which an incomplete one is not).
    let (required, returned) =
        s["reporting_by_instrument"].as_object().unwrap().values().fold((0, 0), |(q, r), v| {
            (q + v["required"].as_u64().unwrap(), r + v["returned"].as_u64().unwrap())
        });
    let rate = format!("{}%", (returned * 100 + required / 2) / required);
    assert!(
        html.contains(&format!("id=\"figure-rate\">{rate}</span>of required questionnaires returned</li>")),
        "{rate}"
    );
    assert!(html.contains("<svg role=\"img\""), "bar charts are inline SVG");
    assert!(html.contains("<title id=\"t-instrument\">"), "charts have titles");
    assert!(html.contains("<th scope=\"col\">"), "tables have header cells");
    // Every rejected file is listed.
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    for line in manifest.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        if e["status"] == "rejected" {
            let path = escape(e["path"].as_str().unwrap());
            assert!(html.contains(&path), "rejected file {path} not in the page");
        }
    }
}

#[test]
fn values_from_returns_are_escaped_in_the_page() {
    let c = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "<script>alert(1)</script>", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .write(&c.inbox("evil.xlsx"));
    c.run(&[]);
    let html = c.output("report.html");
    assert!(!html.contains("<script>alert(1)</script>"), "unescaped markup from a return");
    assert!(
        html.contains(&escape("<script>alert(1)</script>")),
        "the rejected file's message is shown escaped"
    );
}

/// The Chromium binary, if any.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let out = Command::new("which").arg(name).output().ok()?;
        out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn the_page_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium (installed by .ci/run)");
        eprintln!("skipped: no chromium binary on this machine (CI installs Debian's chromium)");
        return;
    };
    let (tmp, out) = demo_out();
    let page = out.join("report.html");
    let url = format!("file://{}", page.display());
    let profile = tmp.path().join("profile");
    let dom = headless(&browser, &profile).arg("--dump-dom").arg(&url).output().unwrap();
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8_lossy(&dom.stdout);
    let s = summary(&out);
    assert!(dom.contains("Headline figures"), "the DOM lacks the headline section");
    let needs = s["needs"]["needs"].as_u64().unwrap();
    assert!(dom.contains(&format!("id=\"figure-needs\">{needs}</span>")), "the DOM lacks the needs figure");
    assert!(dom.contains("States to follow up"), "the DOM lacks the follow-up section");

    let shot = tmp.path().join("report.png");
    let o = headless(&browser, &profile)
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(o.status.success(), "chromium screenshot failed: {}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    // A blank page compresses to a few kilobytes; text, tables and charts do not.
    assert!(png.len() > 40_000, "the screenshot looks blank ({} bytes)", png.len());
    if let Some(dest) = std::env::var_os("ART32_SCREENSHOT") {
        std::fs::copy(&shot, dest).unwrap();
    }
}

#[test]
fn the_workbook_holds_the_same_rows_as_the_csvs() {
    let (_tmp, out) = demo_out();
    let mut wb: Xlsx<_> = open_workbook(out.join("report.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Summary", "Compliance", "Follow-up", "Needs", "Needs matrix", "Rejected files"].map(String::from)
    );
    assert_eq!(sheet_rows(&mut wb, "Compliance"), csv_rows(&out.join("compliance.csv"), &["cycle"]));
    assert_eq!(sheet_rows(&mut wb, "Needs"), csv_rows(&out.join("needs.csv"), &["cycle"]));
    // Cells keep their types: `bound` is a boolean, not the text "true".
    let needs = wb.worksheet_range("Needs").unwrap();
    let bound = needs
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|h| matches!(h, Data::String(s) if s == "bound"))
        .unwrap();
    assert!(needs.rows().skip(1).all(|r| matches!(r[bound], Data::Bool(_))), "{:?}", needs.rows().nth(1));
    let followup = sheet_rows(&mut wb, "Follow-up");
    let without_institution: Vec<Vec<String>> = followup
        .iter()
        .map(|r| r.iter().enumerate().filter(|(i, _)| *i != 5).map(|(_, c)| c.clone()).collect())
        .collect();
    assert_eq!(without_institution, csv_rows(&out.join("followup.csv"), &[]));
    let rejected = sheet_rows(&mut wb, "Rejected files");
    let s = summary(&out);
    assert_eq!(rejected.len() as u64 - 1, s["files"]["rejected"].as_u64().unwrap());
}

#[test]
fn the_reports_are_byte_identical_across_runs() {
    let (_a, out_a) = demo_out();
    let (_b, out_b) = demo_out();
    for name in ["report.xlsx", "report.html"] {
        assert!(
            std::fs::read(out_a.join(name)).unwrap() == std::fs::read(out_b.join(name)).unwrap(),
            "{name} differs"
        );
    }
}
