//! The harness itself: a complete return is accepted and complete.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

#[test]
fn a_complete_xlsx_return_is_accepted_and_complete() {
    let c = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training; legal-advice")]))
        .write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let entry = c.manifest_entry("FRA/untoc.xlsx");
    assert_eq!(entry["status"], "accepted", "{entry}");
    let rows = c.csv("compliance.csv");
    let fra = rows.iter().find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026").unwrap();
    assert_eq!(fra["status"], "complete");
    let needs = c.csv("needs.csv");
    let types: Vec<&str> = needs.iter().map(|r| r["assistance_type"].as_str()).collect();
    assert_eq!(types, ["legal-advice", "training"]);
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let c = TestCycle::new();
    let out = c.run(&["-vv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("discovered"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}
