//! `--labels LANG` adds label columns; `--redact` removes focal points'
//! names, e-mails and phones from every output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

const FOCAL: &str = "iso3,name,institution,email,phone,designated_on\nFRA,Jeanne Martin,Ministère de la justice,j.martin@justice.example.fr,+33 1 23 45 67 89,2024-01-15\n";

fn cycle_with_need() -> TestCycle {
    let parties = PARTIES.replacen(
        "iso3,name,region,aliases,UNTOC,TIP,SOM,FIREARMS",
        "iso3,name,region,aliases,UNTOC,TIP,SOM,FIREARMS,name_fr",
        1,
    );
    let parties: String = parties
        .lines()
        .enumerate()
        .map(|(i, l)| match (i, l.split(',').next()) {
            (0, _) => format!("{l}\n"),
            (_, Some("FRA")) => format!("{l},France\n"),
            (_, Some("ESP")) => format!("{l},Espagne\n"),
            _ => format!("{l},\n"),
        })
        .collect();
    let c = TestCycle::with_register(&parties, FOCAL);
    let mut sheet = ReturnSheet::new("UNTOC-2026", "ESP", V::D(2026, 3, 1), "es")
        .answers("Respuestas", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training")]));
    sheet.cover.push(("focal_point.name", "Nombre", V::S("Lucía Fernández")));
    sheet.cover.push(("focal_point.email", "Correo", V::S("lucia.fernandez@justicia.example.es")));
    sheet.cover.push(("focal_point.phone", "Teléfono", V::S("+34 91 555 0101")));
    sheet.write(&c.inbox("ESP/untoc.xlsx"));
    c
}

#[test]
fn labels_add_columns_in_the_language_and_keep_the_codes() {
    let c = cycle_with_need();
    c.run(&["--labels", "fr"]);
    let needs = c.csv("needs.csv");
    let n = &needs[0];
    assert_eq!(n["priority_area"], "criminalization");
    assert_eq!(n["priority_area_label"], "Incrimination");
    assert_eq!(n["assistance_type"], "training");
    assert_eq!(n["assistance_type_label"], "Formation");
    assert_eq!(n["state"], "Spain");
    assert_eq!(n["state_label"], "Espagne");
    assert!(n["question_label"].contains("article 5"), "{}", n["question_label"]);
    let compliance = c.csv("compliance.csv");
    let esp = compliance.iter().find(|r| r["iso3"] == "ESP" && r["questionnaire"] == "UNTOC-2026").unwrap();
    assert_eq!(esp["state_label"], "Espagne");
    assert!(esp["questionnaire_label"].starts_with("Questionnaire"), "{}", esp["questionnaire_label"]);
    // A State without a French name falls back to its English name.
    let usa = compliance.iter().find(|r| r["iso3"] == "USA").unwrap();
    assert_eq!(usa["state_label"], "United States of America");
}

#[test]
fn without_labels_the_columns_are_those_of_the_spec() {
    let c = cycle_with_need();
    c.run(&[]);
    let header = c.output("needs.csv").lines().next().unwrap().to_owned();
    assert_eq!(
        header,
        "cycle,iso3,state,region,bound,instrument,questionnaire,question,article,priority_area,assistance_type,comment,source_file,source_ref"
    );
}

#[test]
fn redact_removes_focal_points_from_every_output() {
    let c = cycle_with_need();
    c.run(&["--redact"]);
    let secrets = [
        "Jeanne Martin",
        "j.martin@justice.example.fr",
        "+33 1 23 45 67 89",
        "Lucía Fernández",
        "lucia.fernandez@justicia.example.es",
        "+34 91 555 0101",
    ];
    for name in [
        "needs.csv",
        "needs.jsonl",
        "answers.csv",
        "compliance.csv",
        "followup.csv",
        "manifest.jsonl",
        "summary.json",
        "report.html",
    ] {
        let text = c.output(name);
        for s in secrets {
            assert!(!text.contains(s), "{name} still holds {s:?}");
        }
    }
    // The workbook too: read its strings back.
    let bytes = std::fs::read(c.out().join("report.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        std::io::Read::read_to_string(&mut f, &mut all).ok();
    }
    for s in ["Jeanne Martin", "lucia.fernandez@justicia.example.es"] {
        assert!(!all.contains(s), "report.xlsx still holds {s:?}");
    }
    let followup = c.csv("followup.csv");
    let fra = followup.iter().find(|r| r["iso3"] == "FRA").unwrap();
    assert_eq!(fra["focal_point_name"], "[redacted]");
    assert_eq!(fra["focal_point_email"], "[redacted]");
}

#[test]
fn without_redact_the_focal_point_is_there_to_contact() {
    let c = cycle_with_need();
    c.run(&[]);
    let followup = c.csv("followup.csv");
    let fra = followup.iter().find(|r| r["iso3"] == "FRA").unwrap();
    assert_eq!(fra["focal_point_name"], "Jeanne Martin");
}
