//! SPEC 6 (rules) and 7 (outputs): every file accounted for, bad input never
//! stops the batch, which return counts, compliance findings, deterministic
//! and neutralized outputs; and the run errors that exit 2.

// Helpers of an integration test crate fail the test by panicking, as the
// `#[test]` functions do (clippy.toml allows that only inside `#[test]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

type Row = BTreeMap<String, String>;

#[test]
fn every_inbox_file_gets_exactly_one_manifest_entry() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    untoc("ESP", V::D(2026, 3, 1)).write(&c.inbox("x.xlsx/inner.xlsx"));
    std::fs::write(c.inbox("FRA/~$untoc.xlsx"), b"lock").unwrap();
    std::fs::write(c.inbox(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
    std::fs::write(c.inbox("notes.txt"), "call FRA back").unwrap();
    std::fs::write(c.inbox("empty.ods"), b"").unwrap();
    std::fs::write(c.inbox("random.xls"), (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>())
        .unwrap();
    let full = std::fs::read(c.inbox("FRA/untoc.xlsx")).unwrap();
    std::fs::write(c.inbox("truncated.xlsx"), &full[..full.len() / 2]).unwrap();
    c.run(&[]);
    let manifest = c.manifest();
    assert_eq!(manifest.len(), count_files(&c.path().join("inbox")));
    assert_eq!(manifest.len(), 8);
    let expect = [
        ("FRA/untoc.xlsx", "accepted", None),
        ("x.xlsx/inner.xlsx", "accepted", None),
        ("FRA/~$untoc.xlsx", "ignored", Some("lock-file")),
        (".DS_Store", "ignored", Some("system-file")),
        ("notes.txt", "ignored", Some("other-file")),
        ("empty.ods", "rejected", Some("empty-file")),
        ("random.xls", "rejected", Some("corrupt")),
        ("truncated.xlsx", "rejected", Some("corrupt")),
    ];
    for (path, status, reason) in expect {
        let e = c.manifest_entry(path);
        assert_eq!((e["status"].as_str(), e["reason"].as_str()), (Some(status), reason), "{e}");
    }
}

#[test]
fn a_compound_file_with_an_encrypted_package_is_rejected_as_encrypted_whatever_its_name() {
    let c = TestCycle::new();
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.resize(1024, 0);
    cfb.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    cfb.resize(2048, 0);
    for name in ["FRA/untoc.xlsx", "FRA/untoc.xls", "FRA/untoc"] {
        std::fs::write(c.inbox(name), &cfb).unwrap();
    }
    c.run(&[]);
    for name in ["FRA/untoc.xlsx", "FRA/untoc.xls", "FRA/untoc"] {
        let e = c.manifest_entry(name);
        assert_eq!(
            (e["status"].as_str(), e["reason"].as_str()),
            (Some("rejected"), Some("encrypted")),
            "{e}"
        );
    }
}

#[test]
fn a_later_resubmission_counts_and_the_earlier_is_superseded() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 4, 1)).write(&c.inbox("FRA/a-resubmitted.xlsx"));
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/b-first.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "FRA/a-resubmitted.xlsx"), ("accepted".into(), String::new()));
    assert_eq!(status(&c, "FRA/b-first.xlsx"), ("superseded".into(), "superseded".into()));
    assert_eq!(row(&c, "FRA", "UNTOC-2026")["submitted"], "2026-04-01");
}

#[test]
fn an_undated_return_ranks_below_a_dated_one() {
    let c = TestCycle::new();
    untoc("FRA", V::E).write(&c.inbox("FRA/undated.xlsx"));
    with_answers("FRA", V::D(2026, 3, 1), blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.1"]))
        .write(&c.inbox("FRA/dated.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "FRA/dated.xlsx").0, "accepted");
    assert_eq!(status(&c, "FRA/undated.xlsx"), ("superseded".into(), "superseded".into()));
}

#[test]
fn on_the_same_date_the_return_with_more_answered_questions_counts() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/a-full.xlsx"));
    with_answers("FRA", V::D(2026, 3, 1), blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.3"]))
        .write(&c.inbox("FRA/b-partial.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "FRA/a-full.xlsx").0, "accepted");
    assert_eq!(status(&c, "FRA/b-partial.xlsx"), ("superseded".into(), "superseded".into()));
    assert!(!row(&c, "FRA", "UNTOC-2026")["flags"].contains("conflicting-returns"));
}

#[test]
fn on_the_same_date_with_as_many_answers_the_greatest_sha256_counts_and_is_flagged() {
    let c = TestCycle::new();
    for (name, text) in [("FRA/one.xlsx", "Act No. 1"), ("FRA/two.xlsx", "Act No. 2")] {
        let mut rows = full_answers("UNTOC-2026", &[]);
        set(&mut rows, "UNTOC.5.3", 2, V::S(text));
        with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox(name));
    }
    c.run(&[]);
    let (one, two) = (c.manifest_entry("FRA/one.xlsx"), c.manifest_entry("FRA/two.xlsx"));
    let (winner, loser) =
        if one["sha256"].as_str() > two["sha256"].as_str() { (one, two) } else { (two, one) };
    assert_eq!(winner["status"], "accepted", "{winner}");
    assert_eq!(
        (loser["status"].as_str(), loser["reason"].as_str()),
        (Some("superseded"), Some("superseded"))
    );
    assert!(row(&c, "FRA", "UNTOC-2026")["flags"].split(';').any(|f| f == "conflicting-returns"));
}

#[test]
fn a_byte_identical_copy_is_superseded_as_duplicate() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    std::fs::copy(c.inbox("FRA/untoc.xlsx"), c.inbox("FRA/untoc (copy).xlsx")).unwrap();
    c.run(&[]);
    let mut got = [status(&c, "FRA/untoc.xlsx"), status(&c, "FRA/untoc (copy).xlsx")];
    got.sort();
    assert_eq!(got, [("accepted".into(), String::new()), ("superseded".into(), "duplicate".into())]);
    assert!(row(&c, "FRA", "UNTOC-2026")["flags"].is_empty());
}

#[test]
fn a_return_after_the_deadline_is_late_and_one_on_the_deadline_is_not() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 7, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    untoc("ESP", V::D(2026, 6, 30)).write(&c.inbox("ESP/untoc.xlsx"));
    c.run(&[]);
    assert!(flags(&c, "FRA", "UNTOC-2026").contains(&"late".to_owned()));
    assert!(!flags(&c, "ESP", "UNTOC-2026").contains(&"late".to_owned()));
}

#[test]
fn an_undated_return_is_flagged_undated() {
    let c = TestCycle::new();
    untoc("FRA", V::E).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let r = row(&c, "FRA", "UNTOC-2026");
    assert_eq!(
        (r["status"].as_str(), r["flags"].as_str(), r["submitted"].as_str()),
        ("complete", "undated", "")
    );
}

#[test]
fn a_rejected_file_naming_the_state_and_questionnaire_flags_rejected_files() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    let mut v9 = untoc("FRA", V::D(2026, 3, 2));
    v9.cover[1].2 = V::N(9.0);
    v9.write(&c.inbox("FRA/untoc-v9.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("FRA/untoc-v9.xlsx");
    assert_eq!(
        (e["status"].as_str(), e["reason"].as_str()),
        (Some("rejected"), Some("unknown-questionnaire"))
    );
    assert_eq!((e["iso3"].as_str(), e["questionnaire"].as_str()), (Some("FRA"), Some("UNTOC-2026")));
    assert_eq!(row(&c, "FRA", "UNTOC-2026")["flags"], "rejected-files");
    assert!(!flags(&c, "FRA", "TIP-2026").contains(&"rejected-files".to_owned()));
}

#[test]
fn a_broken_xml_return_still_flags_the_state_and_questionnaire_it_names() {
    // SPEC 6.4: `rejected-files` when "a rejected file named this State and
    // this questionnaire" -- also when the file breaks after naming them.
    let c = TestCycle::new();
    let head = |state: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\" version=\"1\" language=\"en\">\n  <state code=\"{state}\">x</state>\n  <submitted>2026-03-01</submitted>\n"
        )
    };
    // Cut short; a DOCTYPE; nested past the depth limit; by name, in UTF-16.
    std::fs::write(c.inbox("FRA/cut.xml"), format!("{}  <answer question=\"UNTOC.5.1\">Ye", head("FRA")))
        .unwrap();
    let doctype = head("ESP").replacen("\n", "\n<!DOCTYPE return>\n", 1) + "</return>\n";
    std::fs::write(c.inbox("ESP/doctype.xml"), doctype).unwrap();
    let deep = head("USA") + &"<x>".repeat(100) + &"</x>".repeat(100) + "</return>\n";
    std::fs::write(c.inbox("USA/deep.xml"), deep).unwrap();
    let named = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<data id=\"TIP-2026\" version=\"1\"><state>Francia</state><TIP_5_1>Yes";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(named.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(c.inbox("FRA/odk.xml"), utf16).unwrap();
    // Naming no State of the register, or nothing before it breaks: no flag.
    std::fs::write(c.inbox("XXX/cut.xml"), format!("{}  <answer", head("Atlantis"))).unwrap();
    std::fs::write(c.inbox("YYY/cut.xml"), "<return questionnaire=\"SOM-2026\"><sta").unwrap();
    c.run(&[]);
    for (path, reason, iso3, q) in [
        ("FRA/cut.xml", "malformed-xml", "FRA", "UNTOC-2026"),
        ("ESP/doctype.xml", "doctype-forbidden", "ESP", "UNTOC-2026"),
        ("USA/deep.xml", "too-deep", "USA", "UNTOC-2026"),
        ("FRA/odk.xml", "malformed-xml", "FRA", "TIP-2026"),
    ] {
        let e = c.manifest_entry(path);
        assert_eq!(
            (e["reason"].as_str(), e["iso3"].as_str(), e["questionnaire"].as_str()),
            (Some(reason), Some(iso3), Some(q)),
            "{path}"
        );
        assert_eq!(row(&c, iso3, q)["status"], "missing", "{path}");
        assert!(flags(&c, iso3, q).contains(&"rejected-files".to_owned()), "{path}");
    }
    let e = c.manifest_entry("XXX/cut.xml");
    assert_eq!((e["iso3"].as_str(), e["questionnaire"].as_str()), (None, Some("UNTOC-2026")));
    let e = c.manifest_entry("YYY/cut.xml");
    assert_eq!((e["iso3"].as_str(), e["questionnaire"].as_str()), (None, Some("SOM-2026")));
    assert!(!flags(&c, "FRA", "SOM-2026").contains(&"rejected-files".to_owned()));
}

#[test]
fn no_focal_point_is_flagged_without_a_register_row_or_a_cover_contact() {
    let c = TestCycle::new();
    untoc("ESP", V::D(2026, 3, 1)).write(&c.inbox("ESP/untoc.xlsx"));
    c.run(&[]);
    assert_eq!(row(&c, "ESP", "UNTOC-2026")["flags"], "no-focal-point");
    assert!(!flags(&c, "FRA", "UNTOC-2026").contains(&"no-focal-point".to_owned()));
}

#[test]
fn a_focal_point_on_the_cover_alone_clears_no_focal_point() {
    let c = TestCycle::new();
    let mut r = untoc("USA", V::D(2026, 3, 1));
    r.cover.push(("focal_point.name", "Focal point", V::S("Pat Doe")));
    r.cover.push(("focal_point.email", "Email", V::S("pat.doe@state.example")));
    r.write(&c.inbox("USA/untoc.xlsx"));
    c.run(&[]);
    assert_eq!(row(&c, "USA", "UNTOC-2026")["flags"], "");
    assert!(!flags(&c, "USA", "TIP-2026").contains(&"no-focal-point".to_owned()));
}

#[test]
fn a_signatory_return_is_accepted_unbound_and_creates_no_compliance_row() {
    let c = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "BTN", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training")]))
        .write(&c.inbox("BTN/untoc.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "BTN/untoc.xlsx").0, "accepted");
    let needs = c.csv("needs.csv");
    let btn: Vec<_> = needs.iter().filter(|n| n["iso3"] == "BTN").collect();
    assert_eq!(btn.len(), 1);
    assert_eq!((btn[0]["bound"].as_str(), btn[0]["assistance_type"].as_str()), ("false", "training"));
    assert!(c.csv("compliance.csv").iter().all(|r| r["iso3"] != "BTN"));
}

#[test]
fn a_state_not_party_to_an_instrument_gets_no_compliance_row_for_it() {
    let c = TestCycle::new();
    ReturnSheet::new("FIREARMS-2026", "USA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("FIREARMS-2026", &[]))
        .write(&c.inbox("USA/firearms.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "USA/firearms.xlsx").0, "accepted");
    let usa: Vec<String> = c
        .csv("compliance.csv")
        .into_iter()
        .filter(|r| r["iso3"] == "USA")
        .map(|r| r["questionnaire"].clone())
        .collect();
    assert_eq!(usa, ["UNTOC-2026", "TIP-2026", "SOM-2026"]);
}

#[test]
fn a_state_code_is_read_in_full_width_letters_as_names_are() {
    let c = TestCycle::new();
    untoc("\u{FF26}\u{FF32}\u{FF21}", V::D(2026, 3, 1)).write(&c.inbox("a.xlsx"));
    untoc(" esp ", V::D(2026, 3, 1)).write(&c.inbox("b.xlsx"));
    c.run(&[]);
    assert_eq!(c.manifest_entry("a.xlsx")["iso3"], "FRA");
    assert_eq!(c.manifest_entry("b.xlsx")["iso3"], "ESP");
    assert_eq!(status(&c, "a.xlsx"), ("accepted".into(), String::new()));
}

#[test]
fn a_return_naming_no_state_of_the_register_is_rejected_unknown_state() {
    let c = TestCycle::new();
    untoc("Atlantis", V::D(2026, 3, 1)).write(&c.inbox("atlantis.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "atlantis.xlsx"), ("rejected".into(), "unknown-state".into()));
}

#[test]
fn a_return_whose_state_cell_is_empty_says_which_cell() {
    let c = TestCycle::new();
    untoc("", V::D(2026, 3, 1)).write(&c.inbox("blank.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("blank.xlsx");
    assert_eq!(status(&c, "blank.xlsx"), ("rejected".into(), "unknown-state".into()));
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("no State: the State field ") && message.ends_with(" is empty"), "{message}");
}

#[test]
fn a_return_naming_an_unknown_questionnaire_is_rejected_unknown_questionnaire() {
    let c = TestCycle::new();
    ReturnSheet::new("UNTOC-1999", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .write(&c.inbox("FRA/old.xlsx"));
    c.run(&[]);
    assert_eq!(status(&c, "FRA/old.xlsx"), ("rejected".into(), "unknown-questionnaire".into()));
}

#[test]
fn a_required_question_blank_or_invalid_makes_the_return_incomplete() {
    let c = TestCycle::new();
    with_answers("FRA", V::D(2026, 3, 1), blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.1"]))
        .write(&c.inbox("FRA/untoc.xlsx"));
    let mut rows = full_answers("UNTOC-2026", &[]);
    set(&mut rows, "UNTOC.12.2", 2, V::S("Maybe"));
    with_answers("ESP", V::D(2026, 3, 1), rows).write(&c.inbox("ESP/untoc.xlsx"));
    c.run(&[]);
    for (iso3, q) in [("FRA", "UNTOC.5.1"), ("ESP", "UNTOC.12.2")] {
        let r = row(&c, iso3, "UNTOC-2026");
        assert_eq!((r["status"].as_str(), r["required_missing"].as_str()), ("incomplete", q), "{iso3}");
    }
}

#[test]
fn an_optional_question_left_blank_keeps_the_return_complete() {
    let c = TestCycle::new();
    let rows = blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.2", "UNTOC.5.3", "UNTOC.12.3"]);
    with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let r = row(&c, "FRA", "UNTOC-2026");
    assert_eq!((r["status"].as_str(), r["required_missing"].as_str()), ("complete", ""));
}

#[test]
fn a_blank_row_never_takes_the_place_of_an_answer_to_the_same_question() {
    let c = TestCycle::new();
    // UNTOC.5.1 blank, answered on a later row; UNTOC.6.1 answered, then a
    // blank row; UNTOC.8.1 answered twice.
    let mut rows = blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.1"]);
    for (id, answer) in [("UNTOC.5.1", V::S("Partially")), ("UNTOC.6.1", V::E), ("UNTOC.8.1", V::S("No"))] {
        rows.push(vec![V::T(id.to_owned()), V::S("again"), answer, V::E, V::E]);
    }
    with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let r = row(&c, "FRA", "UNTOC-2026");
    assert_eq!((r["status"].as_str(), r["required_missing"].as_str()), ("complete", ""), "{r:?}");
    let statuses = |q: &str| -> Vec<(String, String)> {
        c.csv("answers.csv")
            .into_iter()
            .filter(|a| a["question"] == q)
            .map(|a| (a["status"].clone(), a["value"].clone()))
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(statuses("UNTOC.5.1"), [s("blank", ""), s("valid", "partial")]);
    assert_eq!(statuses("UNTOC.6.1"), [s("valid", "yes"), s("blank", "")]);
    assert_eq!(statuses("UNTOC.8.1"), [s("valid", "yes"), s("duplicate", "")]);
    let warnings = c.manifest_entry("FRA/untoc.xlsx")["warnings"].to_string();
    assert_eq!(warnings.matches("duplicate-answer").count(), 1, "{warnings}");
    assert!(warnings.contains("UNTOC.8.1 is answered again"), "{warnings}");
}

#[test]
fn answers_csv_holds_every_answer_row_of_the_retained_return_with_its_status() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 1, 1)).write(&c.inbox("FRA/a-old.xlsx"));
    let mut rows = blank(full_answers("UNTOC-2026", &[]), &["UNTOC.5.2"]);
    set(&mut rows, "UNTOC.12.3", 2, V::S("many"));
    rows.push(vec![V::S("UNTOC.99.9"), V::E, V::S("Yes")]);
    rows.push(vec![V::S("UNTOC.5.1"), V::E, V::S("No")]);
    let expected: Vec<(String, &str)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let q = match &r[0] {
                V::T(q) => q.clone(),
                V::S(q) => (*q).to_owned(),
                other => panic!("{other:?}"),
            };
            let status = match (q.as_str(), i + 1 == rows.len()) {
                ("UNTOC.5.2", _) => "blank",
                ("UNTOC.12.3", _) => "invalid",
                ("UNTOC.99.9", _) => "unknown-question",
                ("UNTOC.5.1", true) => "duplicate",
                _ => "valid",
            };
            (q, status)
        })
        .collect();
    with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox("FRA/b-new.xlsx"));
    c.run(&[]);
    let answers = c.csv("answers.csv");
    assert!(answers.iter().all(|a| a["source_file"] == "FRA/b-new.xlsx"));
    let got: Vec<(String, &str)> =
        answers.iter().map(|a| (a["question"].clone(), a["status"].as_str())).collect();
    assert_eq!(got, expected);
    assert_eq!(answers.last().unwrap()["source_ref"], format!("Answers!C{}", expected.len() + 2));
}

#[test]
fn formula_like_comments_are_neutralized_in_needs_csv() {
    let comments = [
        ("UNTOC.5.TA", "=HYPERLINK(\"http://evil.example\",\"annex\")"),
        ("UNTOC.6.TA", "@x"),
        ("UNTOC.8.TA", "-see annex"),
    ];
    let needs = comments_return(&comments);
    for (q, text) in comments {
        assert_eq!(needs[q], format!("'{text}"), "{q}");
    }
}

#[test]
fn a_comment_that_reads_as_a_signed_number_is_neutralized_in_needs_csv() {
    let needs = comments_return(&[("UNTOC.5.TA", "+1")]);
    assert_eq!(needs["UNTOC.5.TA"], "'+1");
}

#[test]
fn a_negative_number_answer_stays_plain_in_answers_csv() {
    let c = TestCycle::new();
    let mut rows = full_answers("UNTOC-2026", &[]);
    set(&mut rows, "UNTOC.12.3", 2, V::N(-5.0));
    with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let a = c.csv("answers.csv").into_iter().find(|a| a["question"] == "UNTOC.12.3").unwrap();
    assert_eq!((a["value"].as_str(), a["raw"].as_str(), a["status"].as_str()), ("-5", "-5", "valid"));
}

const OUTPUTS: [&str; 7] = [
    "needs.csv",
    "needs.jsonl",
    "answers.csv",
    "compliance.csv",
    "followup.csv",
    "manifest.jsonl",
    "summary.json",
];

#[test]
fn outputs_are_byte_identical_with_one_or_two_threads() {
    let c = TestCycle::new();
    for (rel, bytes) in corpus() {
        std::fs::write(c.inbox(&rel), bytes).unwrap();
    }
    let (o1, o2) = (c.path().join("o1"), c.path().join("o2"));
    c.run(&["--threads", "1", "--out", o1.to_str().unwrap()]);
    c.run(&["--threads", "2", "--out", o2.to_str().unwrap()]);
    for name in OUTPUTS {
        assert!(
            std::fs::read(o1.join(name)).unwrap() == std::fs::read(o2.join(name)).unwrap(),
            "{name} differs"
        );
    }
}

#[test]
fn outputs_do_not_depend_on_the_order_files_were_copied_in() {
    let files = corpus();
    let (a, b) = (TestCycle::new(), TestCycle::new());
    for (rel, bytes) in &files {
        std::fs::write(a.inbox(rel), bytes).unwrap();
    }
    for (rel, bytes) in files.iter().rev() {
        std::fs::write(b.inbox(rel), bytes).unwrap();
    }
    a.run(&[]);
    b.run(&["--threads", "2"]);
    for name in OUTPUTS {
        assert!(a.output(name) == b.output(name), "{name} differs");
    }
}

#[test]
fn outputs_do_not_depend_on_folder_names_beyond_the_paths_they_show() {
    // Renamed folders sort in the opposite order; mapped back, every output is the same.
    let renames =
        [("BTN/", "zz-bhutan/"), ("ESP/", "yy-spain/"), ("FRA/", "xx-france/"), ("USA/", "ww-usa/")];
    let files = corpus();
    let (a, b) = (TestCycle::new(), TestCycle::new());
    for (rel, bytes) in &files {
        std::fs::write(a.inbox(rel), bytes).unwrap();
        let renamed = renames.iter().fold(rel.clone(), |p, (from, to)| p.replace(from, to));
        std::fs::write(b.inbox(&renamed), bytes).unwrap();
    }
    a.run(&[]);
    b.run(&[]);
    assert_eq!(a.output("summary.json"), b.output("summary.json"));
    for name in OUTPUTS {
        let back = renames.iter().fold(b.output(name), |t, (from, to)| t.replace(to, from));
        let want_text = a.output(name);
        let mut want: Vec<&str> = want_text.lines().collect();
        let mut got: Vec<&str> = back.lines().collect();
        if name == "manifest.jsonl" {
            // Sorted by path, which the renaming reorders.
            want.sort();
            got.sort();
        }
        assert_eq!(want, got, "{name}");
    }
}

#[test]
fn a_missing_cycle_toml_exits_2_naming_the_file() {
    let c = TestCycle::new();
    std::fs::remove_file(c.path().join("cycle.toml")).unwrap();
    let err = run_fails(c.path(), &[]);
    assert!(err.contains(&c.path().join("cycle.toml").display().to_string()), "{err}");
}

#[test]
fn a_bad_date_in_cycle_toml_exits_2_naming_the_file_and_line() {
    let c = TestCycle::new();
    let toml = std::fs::read_to_string(c.path().join("cycle.toml")).unwrap();
    assert_eq!(toml.lines().nth(2), Some("deadline = \"2026-06-30\""));
    std::fs::write(c.path().join("cycle.toml"), toml.replace("2026-06-30", "2026-06-31")).unwrap();
    let err = run_fails(c.path(), &[]);
    assert!(err.contains("cycle.toml:3:") && err.contains("2026-06-31"), "{err}");
}

#[test]
fn cycle_dates_may_be_toml_dates_and_a_date_time_is_refused() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 7, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    untoc("ESP", V::D(2026, 6, 30)).write(&c.inbox("ESP/untoc.xlsx"));
    let toml = std::fs::read_to_string(c.path().join("cycle.toml")).unwrap();
    let bare = toml.replace("\"2026-06-30\"", "2026-06-30").replace("\"2026-01-01\"", "2026-01-01");
    assert_ne!(bare, toml);
    std::fs::write(c.path().join("cycle.toml"), &bare).unwrap();
    c.run(&["-q"]);
    assert!(flags(&c, "FRA", "UNTOC-2026").contains(&"late".to_owned()));
    assert!(!flags(&c, "ESP", "UNTOC-2026").contains(&"late".to_owned()));
    std::fs::write(c.path().join("cycle.toml"), bare.replace("2026-06-30", "2026-06-30T12:00:00")).unwrap();
    let err = run_fails(c.path(), &[]);
    assert!(err.contains("cycle.toml:3:") && err.contains("2026-06-30T12:00:00"), "{err}");
}

#[test]
fn a_questionnaire_listed_twice_is_required_once() {
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    let toml = std::fs::read_to_string(c.path().join("cycle.toml")).unwrap();
    let twice = toml.replace("[\"UNTOC-2026\",", "[\"UNTOC-2026\", \"UNTOC-2026\",");
    assert_ne!(twice, toml);
    std::fs::write(c.path().join("cycle.toml"), twice).unwrap();
    let out = c.run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"UNTOC-2026\" twice"), "{err}");
    let rows = c.csv("compliance.csv");
    let fra: Vec<_> =
        rows.iter().filter(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026").collect();
    assert_eq!(fra.len(), 1);
    let summary: serde_json::Value = serde_json::from_str(&c.output("summary.json")).unwrap();
    assert_eq!(summary["reporting_by_instrument"]["UNTOC"]["required"], 4, "{summary}");
}

#[test]
fn an_instrument_with_two_required_questionnaires_names_both_in_the_summary() {
    let c = TestCycle::new();
    // A second UNTOC questionnaire: the first one's questions under other ids.
    let schemas = own_schemas(&c);
    let convention = std::fs::read_to_string(schemas.join("UNTOC-2026.toml")).unwrap();
    let part_b =
        convention.replace("id = \"UNTOC-2026\"", "id = \"UNTOCB-2026\"").replace("\"UNTOC.", "\"UNTOCB.");
    std::fs::write(schemas.join("UNTOCB-2026.toml"), part_b).unwrap();
    let toml = std::fs::read_to_string(c.path().join("cycle.toml")).unwrap();
    let toml: String = toml
        .lines()
        .map(|l| match l {
            l if l.starts_with("questionnaires") => {
                "questionnaires = [\"UNTOC-2026\", \"UNTOCB-2026\"]".to_owned()
            }
            l => l.to_owned(),
        })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(c.path().join("cycle.toml"), toml).unwrap();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&["-q"]);
    let summary: serde_json::Value = serde_json::from_str(&c.output("summary.json")).unwrap();
    let rate = &summary["reporting_by_instrument"]["UNTOC"];
    assert_eq!(rate["questionnaire"], "UNTOC-2026;UNTOCB-2026", "{summary}");
    // FRA, ESP, USA and EUU are party to the Convention: two questionnaires each.
    assert_eq!((rate["required"].as_u64(), rate["returned"].as_u64()), (Some(8), Some(1)), "{summary}");
}

#[test]
fn a_focal_point_the_run_cannot_use_is_left_out_with_a_warning() {
    let focal = "iso3,name,institution,email,phone,designated_on\n\
                 XXX,Nobody,Nowhere,n@example.org,,2024-01-01\n\
                 FRA,Jeanne Martin,Ministère,j.martin@example.fr,+33 1,2024-13-01\n";
    let c = TestCycle::with_register(PARTIES, focal);
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    let out = c.run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("focal-points.csv:2:") && err.contains("\"XXX\" is not in the register"), "{err}");
    assert!(err.contains("focal-points.csv:3:") && err.contains("2024-13-01"), "{err}");
    // FRA keeps its (undated) focal point.
    assert!(!flags(&c, "FRA", "UNTOC-2026").contains(&"no-focal-point".to_owned()));
    let followup = c.csv("followup.csv");
    assert!(followup.iter().all(|r| r["iso3"] != "XXX"));
}

#[test]
fn a_bad_region_in_parties_csv_exits_2_naming_the_file_and_line() {
    let parties = PARTIES.replace("ESP,Spain,WEOG", "ESP,Spain,EUROPE");
    let c = TestCycle::with_register(&parties, "");
    let err = run_fails(c.path(), &[]);
    assert!(err.contains("parties.csv:3:") && err.contains("EUROPE"), "{err}");
}

#[test]
fn lines_are_named_alike_with_crlf_line_ends() {
    // The register with Windows line ends: the bad region is still on line 3.
    let parties = PARTIES.replace("ESP,Spain,WEOG", "ESP,Spain,EUROPE").replace('\n', "\r\n");
    let c = TestCycle::with_register(&parties, "");
    let err = run_fails(c.path(), &[]);
    assert!(err.contains("parties.csv:3:") && err.contains("EUROPE"), "{err}");
    // A focal point's source names its own line, not the one before.
    let focal = "iso3,name,institution,email,phone,designated_on\r\n\
                 FRA,Jeanne Martin,Ministère,j.martin@example.fr,+33 1,2024-01-01\r\n\
                 ESP,Lucía Gómez,Ministerio,l.gomez@example.es,+34 9,2024-01-01\r\n";
    let c = TestCycle::with_register(&PARTIES.replace('\n', "\r\n"), focal);
    c.run(&["-q"]);
    let followup = c.csv("followup.csv");
    let esp = followup.iter().find(|r| r["iso3"] == "ESP").unwrap();
    assert_eq!(esp["focal_point_source"], "focal-points.csv:3", "{esp:?}");
}

#[test]
fn an_output_folder_under_a_regular_file_exits_2_naming_the_path() {
    let c = TestCycle::new();
    let blocker = c.path().join("blocker");
    std::fs::write(&blocker, "not a folder").unwrap();
    let err = run_fails(c.path(), &["--out", blocker.join("out").to_str().unwrap()]);
    assert!(err.contains(&blocker.display().to_string()), "{err}");
}

#[test]
fn an_output_folder_given_as_dot_is_written() {
    // `--out .` (from inside the folder) and `DIR/.`: the folder could not be
    // renamed under those names, and the run failed at its very end.
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    let out = c.path().join("results");
    std::fs::create_dir(&out).unwrap();
    let cycle = c.path().to_str().unwrap();
    let r = common::art32().args(["run", cycle, "-q", "--out", "."]).current_dir(&out).output().unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.join("compliance.csv").is_file());
    let dotted = format!("{}/.", out.display());
    let r = run(&["run", cycle, "-q", "--out", &dotted]);
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.join("manifest.jsonl").is_file());
    // A symbolic link to the folder: the outputs go where it points.
    #[cfg(unix)]
    {
        let link = c.path().join("latest");
        std::os::unix::fs::symlink(&out, &link).unwrap();
        std::fs::remove_file(out.join("manifest.jsonl")).unwrap();
        let r = run(&["run", cycle, "-q", "--out", link.to_str().unwrap()]);
        assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(out.join("manifest.jsonl").is_file());
    }
}

// ---------------------------------------------------------------- helpers

/// A copy of the schemas in the cycle folder, which cycle.toml then points at.
fn own_schemas(c: &TestCycle) -> std::path::PathBuf {
    let schemas = c.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    for e in std::fs::read_dir(repo().join("schemas")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), schemas.join(e.file_name())).unwrap();
    }
    let toml = std::fs::read_to_string(c.path().join("cycle.toml")).unwrap();
    let toml: String =
        toml.lines()
            .map(|l| {
                if l.starts_with("schemas") { "schemas = \"schemas\"\n".to_owned() } else { format!("{l}\n") }
            })
            .collect();
    std::fs::write(c.path().join("cycle.toml"), toml).unwrap();
    schemas
}

/// Runs a FRA return whose need questions carry `comments`; returns needs.csv comment per question.
fn comments_return(comments: &[(&str, &'static str)]) -> BTreeMap<String, String> {
    let c = TestCycle::new();
    let needs: Vec<(&str, &'static str)> = comments.iter().map(|(q, _)| (*q, "training")).collect();
    let mut rows = full_answers("UNTOC-2026", &needs);
    for (q, text) in comments {
        set(&mut rows, q, 4, V::S(text));
    }
    with_answers("FRA", V::D(2026, 3, 1), rows).write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    c.csv("needs.csv").into_iter().map(|n| (n["question"].clone(), n["comment"].clone())).collect()
}

/// A complete UNTOC return.
fn untoc(state: &'static str, submitted: V) -> ReturnSheet {
    with_answers(state, submitted, full_answers("UNTOC-2026", &[]))
}

/// A UNTOC return with the given answer rows.
fn with_answers(state: &'static str, submitted: V, rows: Vec<Vec<V>>) -> ReturnSheet {
    ReturnSheet::new("UNTOC-2026", state, submitted, "en").answers("Answers", rows)
}

/// Sets column `col` of the row of question `id`.
fn set(rows: &mut [Vec<V>], id: &str, col: usize, v: V) {
    rows.iter_mut().find(|r| matches!(&r[0], V::T(q) if q == id)).unwrap_or_else(|| panic!("{id}"))[col] = v;
}

/// Blanks the answers of `ids`.
fn blank(mut rows: Vec<Vec<V>>, ids: &[&str]) -> Vec<Vec<V>> {
    for id in ids {
        set(&mut rows, id, 2, V::E);
    }
    rows
}

/// (status, reason) of a manifest entry.
fn status(c: &TestCycle, path: &str) -> (String, String) {
    let e = c.manifest_entry(path);
    (e["status"].as_str().unwrap().to_owned(), e["reason"].as_str().unwrap_or("").to_owned())
}

fn row(c: &TestCycle, iso3: &str, q: &str) -> Row {
    c.csv("compliance.csv")
        .into_iter()
        .find(|r| r["iso3"] == iso3 && r["questionnaire"] == q)
        .unwrap_or_else(|| panic!("no compliance row {iso3} {q}"))
}

fn flags(c: &TestCycle, iso3: &str, q: &str) -> Vec<String> {
    row(c, iso3, q)["flags"].split(';').filter(|f| !f.is_empty()).map(String::from).collect()
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
        .sum()
}

/// Runs `art32 run` expecting exit 2; returns stderr.
fn run_fails(cycle: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", cycle.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(&args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

/// A mixed inbox, written once (workbooks carry their creation time) and
/// returned as (relative path, bytes) in path order.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let stage = TestCycle::new();
    let mut v2 = full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training; legal-advice")]);
    set(&mut v2, "UNTOC.5.TA", 4, V::S("-see annex"));
    with_answers("FRA", V::D(2026, 5, 1), v2).write(&stage.inbox("FRA/untoc-v2.xlsx"));
    untoc("FRA", V::D(2026, 3, 1)).write(&stage.inbox("FRA/untoc-v1.xlsx"));
    ReturnSheet::new("TIP-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", full_answers("TIP-2026", &[("TIP.5.TA", "Formation")]))
        .write(&stage.inbox("FRA/tip.xlsx"));
    with_answers("ESP", V::D(2026, 7, 10), full_answers("UNTOC-2026", &[("UNTOC.6.TA", "equipment")]))
        .write(&stage.inbox("ESP/untoc.xlsx"));
    std::fs::copy(stage.inbox("ESP/untoc.xlsx"), stage.inbox("ESP/untoc copy.xlsx")).unwrap();
    let mut usa = untoc("USA", V::E);
    usa.cover.push(("focal_point.name", "Focal point", V::S("Pat Doe")));
    usa.write(&stage.inbox("USA/untoc.xlsx"));
    with_answers("BTN", V::D(2026, 3, 1), full_answers("UNTOC-2026", &[("UNTOC.28.TA", "data-systems")]))
        .write(&stage.inbox("BTN/untoc.xlsx"));
    std::fs::write(stage.inbox("USA/notes.txt"), "draft").unwrap();
    std::fs::write(stage.inbox("ESP/broken.xlsx"), b"PK\x03\x04broken").unwrap();
    let inbox = stage.path().join("inbox");
    let mut out = Vec::new();
    for dir in ["BTN", "ESP", "FRA", "USA"] {
        for e in std::fs::read_dir(inbox.join(dir)).unwrap() {
            let e = e.unwrap();
            out.push((
                format!("{dir}/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn a_focal_points_file_cycle_toml_names_must_exist_and_a_missing_default_is_a_warning() {
    // A misspelt `focal_points` would lose every contact without a word.
    let c = TestCycle::new();
    untoc("FRA", V::D(2026, 3, 1)).write(&c.inbox("FRA/untoc.xlsx"));
    let toml = c.path().join("cycle.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}focal_points = \"focal-point.csv\"\n")).unwrap();
    let out = run(&["run", c.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("focal-point.csv"), "{err}");
    // No focal_points key and no focal-points.csv: the run goes on, and says so.
    std::fs::write(&toml, text).unwrap();
    std::fs::remove_file(c.path().join("focal-points.csv")).unwrap();
    let out = c.run(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no focal points file"), "{err}");
    assert!(flags(&c, "FRA", "UNTOC-2026").contains(&"no-focal-point".to_owned()));
}

#[test]
fn a_blank_cover_field_gives_way_to_the_same_field_filled_after_it() {
    // An empty State or date cell on the cover, the value on a later row (or
    // sheet): the filled one counts, as an empty answer row gives way.
    let c = TestCycle::new();
    let mut r = untoc("FRA", V::E);
    r.cover[2].2 = V::E; // the State cell, blank
    r.cover.push(("state", "State", V::S("France")));
    r.cover.push(("submitted", "Date", V::D(2026, 3, 1)));
    r.write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("FRA/untoc.xlsx");
    assert_eq!((e["status"].as_str(), e["iso3"].as_str()), (Some("accepted"), Some("FRA")), "{e}");
    assert!(!e["warnings"].to_string().contains("duplicate-cover-field"), "{e}");
    let row = row(&c, "FRA", "UNTOC-2026");
    assert_eq!((row["submitted"].as_str(), row["flags"].as_str()), ("2026-03-01", ""));
}

#[test]
fn a_return_without_a_version_is_held_to_accepts_too() {
    // Read as the template's version: if the cycle does not accept that one,
    // the return is unknown-questionnaire as if it had said so.
    let c = TestCycle::new();
    let schemas = own_schemas(&c);
    let untoc_toml = std::fs::read_to_string(schemas.join("UNTOC-2026.toml")).unwrap();
    std::fs::write(schemas.join("UNTOC-2026.toml"), untoc_toml.replacen("accepts = [1]", "accepts = [2]", 1))
        .unwrap();
    let mut r = untoc("FRA", V::D(2026, 3, 1));
    r.cover.remove(1); // no version
    r.write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("FRA/untoc.xlsx");
    assert_eq!(
        (e["status"].as_str(), e["reason"].as_str()),
        (Some("rejected"), Some("unknown-questionnaire")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("not accepted"), "{e}");
}

#[test]
fn cover_values_in_full_width_as_language_tags_and_as_xs_dates_are_read() {
    // A questionnaire id typed full-width (NFKC), a language as a BCP 47 tag,
    // a date as XML Schema's xs:date writes it with a time zone.
    let c = TestCycle::new();
    let mut r = untoc("FRA", V::S("2026-03-01+02:00"));
    r.cover[0].2 = V::S("ＵＮＴＯＣ－２０２６");
    r.cover[4].2 = V::S("fr-FR");
    r.write(&c.inbox("FRA/untoc.xlsx"));
    c.run(&[]);
    let e = c.manifest_entry("FRA/untoc.xlsx");
    assert_eq!(
        (e["status"].as_str(), e["questionnaire"].as_str()),
        (Some("accepted"), Some("UNTOC-2026")),
        "{e}"
    );
    assert!(!e["warnings"].to_string().contains("unknown-language"), "{e}");
    assert_eq!(row(&c, "FRA", "UNTOC-2026")["submitted"], "2026-03-01");
}
