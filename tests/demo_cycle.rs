//! The demo cycle in `fixtures/cycle-2026`, end to end: every output file is
//! compared with the reviewed golden copy in `tests/golden/cycle-2026/`.
//!
//! After an intended change, regenerate the golden files with
//! `UPDATE_GOLDEN=1 cargo test --test demo_cycle` and review the diff.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;

const OUTPUTS: [&str; 7] = [
    "needs.csv",
    "needs.jsonl",
    "answers.csv",
    "compliance.csv",
    "followup.csv",
    "manifest.jsonl",
    "summary.json",
];

fn run_demo(out: &Path, threads: &str) {
    let cycle = repo().join("fixtures/cycle-2026");
    let o =
        run(&["run", cycle.to_str().unwrap(), "--out", out.to_str().unwrap(), "--threads", threads, "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn demo_cycle_outputs_match_the_golden_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_demo(&out, "2");
    let golden = repo().join("tests/golden/cycle-2026");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut differ = Vec::new();
    for name in OUTPUTS {
        let got = std::fs::read_to_string(out.join(name)).unwrap();
        if update {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(golden.join(name), &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(golden.join(name)).unwrap_or_default();
        if got != want {
            let line = got.lines().zip(want.lines()).position(|(a, b)| a != b).map_or(0, |n| n + 1);
            differ.push(format!("{name} (first difference near line {line})"));
        }
    }
    assert!(
        differ.is_empty(),
        "outputs differ from tests/golden/cycle-2026: {differ:?}; rerun with UPDATE_GOLDEN=1 and review"
    );
}

#[test]
fn demo_cycle_outputs_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    run_demo(&tmp.path().join("one"), "1");
    run_demo(&tmp.path().join("two"), "2");
    for name in OUTPUTS {
        let a = std::fs::read(tmp.path().join("one").join(name)).unwrap();
        let b = std::fs::read(tmp.path().join("two").join(name)).unwrap();
        assert!(a == b, "{name} differs between --threads 1 and --threads 2");
    }
}

#[test]
fn every_inbox_file_is_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_demo(&out, "2");
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { count(&p) } else { 1 })
            .sum()
    }
    let inbox = count(&repo().join("fixtures/cycle-2026/inbox"));
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap().lines().count();
    assert_eq!(inbox, manifest);
}

#[test]
fn the_demo_cycle_shows_every_feature() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_demo(&out, "2");
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> =
        manifest.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let has = |key: &str, value: &str| entries.iter().any(|e| e[key] == value);
    for format in ["xlsx", "xlsm", "xlsb", "xls", "ods", "xml"] {
        assert!(
            entries.iter().any(|e| e["format"] == format && e["status"] == "accepted"),
            "no accepted {format}"
        );
    }
    for status in ["accepted", "superseded", "rejected", "ignored"] {
        assert!(has("status", status), "no {status} file");
    }
    for reason in [
        "duplicate",
        "superseded",
        "unknown-state",
        "unknown-questionnaire",
        "corrupt",
        "empty-file",
        "lock-file",
        "encrypted",
        "doctype-forbidden",
        "deprecated",
    ] {
        assert!(has("reason", reason), "no file with reason {reason}");
    }
    let compliance = std::fs::read_to_string(out.join("compliance.csv")).unwrap();
    for flag in ["late", "undated", "rejected-files", "conflicting-returns", "no-focal-point"] {
        assert!(compliance.contains(flag), "no {flag} flag");
    }
    for status in [",complete,", ",incomplete,", ",missing,"] {
        assert!(compliance.contains(status), "no {status} row");
    }
    let needs = std::fs::read_to_string(out.join("needs.csv")).unwrap();
    assert!(needs.contains(",false,"), "no need from a State not bound by the instrument");
}

#[test]
fn summary_tables_have_every_region_in_every_row() {
    // SPEC 7: needs by priority area x region is a table: every area has the
    // same regions, those of the reporting rates, the parties outside the
    // groups (the European Union: "NONE") among them, with zeros.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_demo(&out, "2");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let regions: Vec<&String> = summary["reporting_by_region"].as_object().unwrap().keys().collect();
    assert!(regions.iter().any(|r| *r == "NONE"), "{regions:?}");
    let table = summary["needs"]["by_priority_area_and_region"].as_object().unwrap();
    assert_eq!(table.len(), 8);
    for (area, row) in table {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, regions, "{area}");
    }
}
