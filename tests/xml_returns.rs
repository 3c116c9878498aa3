//! SPEC 5, 5.1 and 6.1-6.3 for XML returns.
//!
//! Every file of `fixtures/xml-cases/` (written by
//! `fixtures/make_xml_cases.py`) is run alone through `art32 run` and must end
//! in the manifest with the status and reason of the README table; malformed
//! files must name their line. Valid returns give answers with element
//! provenance, identically in eight encodings. Online submissions are resolved
//! by `meta/instanceID` and `meta/deprecatedID` (SPEC 6.3), and `art32 check`
//! names the element and line of an invalid answer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use common::*;

type Row = BTreeMap<String, String>;

/// The folder of XML fixtures.
fn cases_dir() -> PathBuf {
    repo().join("fixtures").join("xml-cases")
}

/// (file, manifest status, reason) of every fixture alone in an inbox; the
/// same table as fixtures/xml-cases/README.md.
const CASES: &[(&str, &str, &str)] = &[
    ("valid-native-utf8.xml", "accepted", ""),
    ("valid-native-utf8-bom.xml", "accepted", ""),
    ("valid-native-utf16le-bom.xml", "accepted", ""),
    ("valid-native-utf16be-bom.xml", "accepted", ""),
    ("valid-native-utf16le-no-bom.xml", "accepted", ""),
    ("valid-native-utf16be-no-bom.xml", "accepted", ""),
    ("valid-native-windows-1252.xml", "accepted", ""),
    ("valid-native-iso-8859-1.xml", "accepted", ""),
    ("valid-prefixed-namespace.xml", "accepted", ""),
    ("valid-cdata-and-character-references.xml", "accepted", ""),
    ("valid-unknown-elements.xml", "accepted", ""),
    ("valid-odk-central-instance.xml", "accepted", ""),
    ("valid-kobo-instance.xml", "accepted", ""),
    ("malformed-unclosed-tag.xml", "rejected", "malformed-xml"),
    ("malformed-unclosed-element.xml", "rejected", "malformed-xml"),
    ("malformed-unclosed-at-end-of-file.xml", "rejected", "malformed-xml"),
    ("malformed-mismatched-end-tag.xml", "rejected", "malformed-xml"),
    ("malformed-invalid-utf8-byte.xml", "rejected", "malformed-xml"),
    ("malformed-utf16-lone-surrogate.xml", "rejected", "malformed-xml"),
    ("malformed-undefined-entity-nbsp.xml", "rejected", "malformed-xml"),
    ("malformed-text-after-root.xml", "rejected", "malformed-xml"),
    ("doctype-billion-laughs.xml", "rejected", "doctype-forbidden"),
    ("doctype-external-entity.xml", "rejected", "doctype-forbidden"),
    ("doctype-plain.xml", "rejected", "doctype-forbidden"),
    ("too-deep.xml", "rejected", "too-deep"),
    ("text-too-long.xml", "rejected", "text-too-long"),
    ("too-many-attributes.xml", "rejected", "too-many-attributes"),
    ("encrypted-odk-submission.xml", "rejected", "encrypted"),
    ("not-a-return-html.xml", "rejected", "not-a-return"),
    ("not-a-return-invoice.xml", "rejected", "not-a-return"),
    ("unknown-questionnaire-odk.xml", "rejected", "unknown-questionnaire"),
    ("unknown-questionnaire-version-odk.xml", "rejected", "unknown-questionnaire"),
];

/// The eight encodings of the same native return.
const ENCODINGS: [&str; 8] = [
    "valid-native-utf8.xml",
    "valid-native-utf8-bom.xml",
    "valid-native-utf16le-bom.xml",
    "valid-native-utf16be-bom.xml",
    "valid-native-utf16le-no-bom.xml",
    "valid-native-utf16be-no-bom.xml",
    "valid-native-windows-1252.xml",
    "valid-native-iso-8859-1.xml",
];

/// A test cycle whose inbox holds only `file` (a fixture), after `art32 run`.
fn alone(file: &str) -> TestCycle {
    let cycle = TestCycle::new();
    std::fs::copy(cases_dir().join(file), cycle.inbox(file)).unwrap();
    cycle.run(&["-q"]);
    cycle
}

/// A test cycle with XML strings written into its inbox, after `art32 run`.
fn with_files(files: &[(&str, &str)]) -> TestCycle {
    let cycle = TestCycle::new();
    for (name, text) in files {
        std::fs::write(cycle.inbox(name), text).unwrap();
    }
    cycle.run(&["-q"]);
    cycle
}

/// Whether `message` names `line N` (and not `line N0`).
fn names_line(message: &str, line: u32) -> bool {
    let needle = format!("line {line}");
    message
        .match_indices(&needle)
        .any(|(i, _)| !message[i + needle.len()..].chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// The manifest entry of a fixture alone in an inbox; checks status and reason.
fn manifest_of(file: &str) -> serde_json::Value {
    let &(_, status, reason) =
        CASES.iter().find(|c| c.0 == file).unwrap_or_else(|| panic!("{file} is not in CASES"));
    let cycle = alone(file);
    let manifest = cycle.manifest();
    assert_eq!(manifest.len(), 1, "{manifest:#?}");
    let e = manifest.into_iter().next().unwrap();
    assert_eq!(e["path"], file);
    assert_eq!(e["format"], "xml", "{e}");
    assert_eq!(e["status"], status, "{e}");
    if reason.is_empty() {
        assert!(e["reason"].is_null(), "{e}");
        assert!(!cycle.csv("answers.csv").is_empty(), "an accepted file gave no answers");
    } else {
        assert_eq!(e["reason"], reason, "{e}");
        assert!(!e["message"].as_str().unwrap().trim().is_empty(), "{e}");
        assert!(cycle.csv("answers.csv").is_empty(), "a rejected file gave answers");
        assert!(cycle.csv("needs.csv").is_empty(), "a rejected file gave needs");
    }
    e
}

/// Checks a fixture's manifest entry and, when given, the line its message names.
fn case(file: &str, line: Option<u32>) {
    let e = manifest_of(file);
    if let Some(line) = line {
        let message = e["message"].as_str().unwrap();
        assert!(names_line(message, line), "{file}: message does not name line {line}: {message:?}");
    }
}

macro_rules! cases {
    ($($name:ident: $file:literal, $line:expr;)*) => {
        $(
            #[test]
            fn $name() {
                case($file, $line);
            }
        )*
    };
}

cases! {
    valid_native_utf8_is_accepted: "valid-native-utf8.xml", None;
    valid_native_utf8_bom_is_accepted: "valid-native-utf8-bom.xml", None;
    valid_native_utf16le_bom_is_accepted: "valid-native-utf16le-bom.xml", None;
    valid_native_utf16be_bom_is_accepted: "valid-native-utf16be-bom.xml", None;
    valid_native_utf16le_without_bom_is_accepted: "valid-native-utf16le-no-bom.xml", None;
    valid_native_utf16be_without_bom_is_accepted: "valid-native-utf16be-no-bom.xml", None;
    valid_native_windows_1252_is_accepted: "valid-native-windows-1252.xml", None;
    valid_native_iso_8859_1_is_accepted: "valid-native-iso-8859-1.xml", None;
    valid_prefixed_namespace_is_accepted: "valid-prefixed-namespace.xml", None;
    valid_cdata_and_character_references_are_accepted: "valid-cdata-and-character-references.xml", None;
    valid_unknown_elements_are_accepted: "valid-unknown-elements.xml", None;
    valid_odk_central_instance_is_accepted: "valid-odk-central-instance.xml", None;
    valid_kobo_instance_is_accepted: "valid-kobo-instance.xml", None;
    unclosed_start_tag_is_malformed_at_its_line: "malformed-unclosed-tag.xml", Some(6);
    unclosed_element_is_malformed_at_the_parent_end_tag: "malformed-unclosed-element.xml", Some(9);
    unclosed_element_at_end_of_file_is_malformed: "malformed-unclosed-at-end-of-file.xml", None;
    mismatched_end_tag_is_malformed_at_its_line: "malformed-mismatched-end-tag.xml", Some(6);
    invalid_utf8_byte_is_malformed_at_its_line: "malformed-invalid-utf8-byte.xml", Some(6);
    utf16_lone_surrogate_is_malformed: "malformed-utf16-lone-surrogate.xml", None;
    undefined_entity_nbsp_is_malformed_at_its_line: "malformed-undefined-entity-nbsp.xml", Some(6);
    text_after_root_is_malformed: "malformed-text-after-root.xml", None;
    billion_laughs_is_doctype_forbidden: "doctype-billion-laughs.xml", Some(2);
    external_entity_is_doctype_forbidden: "doctype-external-entity.xml", Some(2);
    plain_doctype_is_doctype_forbidden: "doctype-plain.xml", Some(2);
    ten_thousand_deep_nesting_is_too_deep: "too-deep.xml", Some(68);
    text_of_1_1_mib_is_too_long: "text-too-long.xml", Some(5);
    hundred_attributes_are_too_many: "too-many-attributes.xml", Some(5);
    encrypted_odk_submission_is_encrypted: "encrypted-odk-submission.xml", None;
    html_root_is_not_a_return: "not-a-return-html.xml", Some(2);
    invoice_root_is_not_a_return: "not-a-return-invoice.xml", Some(2);
    unknown_questionnaire_id_in_odk_instance_is_rejected: "unknown-questionnaire-odk.xml", Some(2);
    unaccepted_version_in_odk_instance_is_rejected: "unknown-questionnaire-version-odk.xml", Some(2);
}

#[test]
fn unclosed_element_at_end_of_file_names_the_open_element_line() {
    // <section> opens on line 5 and is never closed; the file ends on line 6.
    let e = manifest_of("malformed-unclosed-at-end-of-file.xml");
    let message = e["message"].as_str().unwrap();
    assert!(names_line(message, 5) || names_line(message, 6), "{message:?}");
}

#[test]
fn utf16_lone_surrogate_names_its_line() {
    let e = manifest_of("malformed-utf16-lone-surrogate.xml");
    let message = e["message"].as_str().unwrap();
    assert!(names_line(message, 6), "{message:?}");
}

#[test]
fn text_after_root_names_the_line_of_the_text() {
    // </return> is on line 6, "Envoyé depuis mon iPhone" on line 7.
    let e = manifest_of("malformed-text-after-root.xml");
    let message = e["message"].as_str().unwrap();
    assert!(names_line(message, 7), "{message:?}");
}

// ------------------------------------------------------------ the fixture set

#[test]
fn readme_table_lists_every_fixture_with_its_status_and_reason() {
    let readme = std::fs::read_to_string(cases_dir().join("README.md")).unwrap();
    let rows: Vec<(String, String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let reason = if cells[3] == "-" { "" } else { cells[3] };
            (cells[1].trim_matches('`').to_owned(), cells[2].to_owned(), reason.to_owned())
        })
        .collect();
    let want: Vec<(String, String, String)> =
        CASES.iter().map(|(f, s, r)| ((*f).to_owned(), (*s).to_owned(), (*r).to_owned())).collect();
    assert_eq!(rows, want);
    let on_disk: BTreeSet<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn fixtures_are_what_the_generator_writes() {
    // Python 3.11 (tomllib) is needed; without it there is nothing to compare.
    let python = Command::new("python3")
        .args(["-c", "import sys, tomllib; sys.exit(0 if sys.version_info >= (3, 11) else 1)"])
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 >= 3.11 not found: fixtures not regenerated");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(repo().join("fixtures").join("make_xml_cases.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let fresh = std::fs::read(entry.path()).unwrap();
        let committed = std::fs::read(cases_dir().join(&name)).unwrap();
        assert!(fresh == committed, "{name} differs from what make_xml_cases.py writes: regenerate it");
    }
}

#[test]
fn fixture_sizes_are_as_described() {
    let long = std::fs::metadata(cases_dir().join("text-too-long.xml")).unwrap().len();
    assert!(long > 1024 * 1024 + 100 * 1024 && long < 1_300_000, "{long}");
    let deep = std::fs::read_to_string(cases_dir().join("too-deep.xml")).unwrap();
    assert_eq!(deep.matches("<g>").count(), 10_000);
    let attrs = std::fs::read_to_string(cases_dir().join("too-many-attributes.xml")).unwrap();
    let answer = attrs.lines().find(|l| l.contains("<answer")).unwrap();
    assert_eq!(answer.matches("=\"").count(), 101, "question + 100 attributes");
}

// ------------------------------------------------------------- valid returns

/// For each question of a native fixture written one element per line: the
/// expected source_ref of its answer: the `<answer>` element,
/// `/return/section[s]/answer[a]`, whether its text or a `<value>` inside it
/// holds the value.
fn native_refs(file: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(cases_dir().join(file)).unwrap();
    let mut refs = BTreeMap::new();
    let (mut section, mut answer) = (0, 0);
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with("<section") {
            section += 1;
            answer = 0;
        } else if let Some(rest) = l.strip_prefix("<answer question=\"") {
            answer += 1;
            let id = &rest[..rest.find('"').unwrap()];
            let element = format!("/return/section[{section}]/answer[{answer}]");
            refs.insert(id.to_owned(), element);
        }
    }
    refs
}

/// The question ids of UNTOC-2026, in schema order, with their kind.
fn untoc_questions() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("schemas").join("UNTOC-2026.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["question"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["id"].as_str().unwrap().to_owned(), q["kind"].as_str().unwrap().to_owned()))
        .collect()
}

fn by_question(rows: &[Row]) -> BTreeMap<String, Row> {
    rows.iter().map(|r| (r["question"].clone(), r.clone())).collect()
}

/// Rows without the columns that name the file and the place in it.
fn without_source(rows: Vec<Row>) -> Vec<Row> {
    rows.into_iter()
        .map(|mut r| {
            r.remove("source_file");
            r.remove("source_ref");
            r
        })
        .collect()
}

#[test]
fn native_return_answers_every_question_with_its_element() {
    let cycle = alone("valid-native-utf8.xml");
    let rows = cycle.csv("answers.csv");
    let questions = untoc_questions();
    assert_eq!(rows.len(), questions.len());
    let refs = native_refs("valid-native-utf8.xml");
    assert_eq!(refs.len(), questions.len());
    for (row, (id, kind)) in rows.iter().zip(&questions) {
        assert_eq!(&row["question"], id, "rows follow the document order");
        assert_eq!(&row["kind"], kind);
        assert_eq!(row["iso3"], "FRA");
        assert_eq!(row["questionnaire"], "UNTOC-2026");
        assert_eq!(row["status"], "valid", "{row:?}");
        assert_eq!(row["source_file"], "valid-native-utf8.xml");
        assert_eq!(row["source_ref"], refs[id], "{id}");
    }
    let a = by_question(&rows);
    // The shapes the SPEC shows, on known lines of the fixture.
    assert_eq!(a["UNTOC.0.TA"]["source_ref"], "/return/section[1]/answer[1]");
    assert_eq!(a["UNTOC.5.1"]["source_ref"], "/return/section[2]/answer[1]");
    assert_eq!(a["UNTOC.5.2"]["source_ref"], "/return/section[2]/answer[2]");
    // French tokens, numbers, dates and choice labels are normalized.
    assert_eq!(
        (a["UNTOC.5.1"]["raw"].as_str(), a["UNTOC.5.1"]["value"].as_str()),
        ("Partiellement", "partial")
    );
    assert_eq!((a["UNTOC.5.TA"]["raw"].as_str(), a["UNTOC.5.TA"]["value"].as_str()), ("oui", "yes"));
    assert_eq!((a["UNTOC.0.TA"]["raw"].as_str(), a["UNTOC.0.TA"]["value"].as_str()), ("non", "no"));
    assert_eq!(a["UNTOC.5.2"]["value"], "2001-11-15");
    assert_eq!(a["UNTOC.18.2"]["value"], "1254");
    assert_eq!(a["UNTOC.18.13.2"]["value"], "ministry-of-justice");
    let manifest = cycle.manifest_entry("valid-native-utf8.xml");
    assert_eq!(manifest["iso3"], "FRA");
    assert_eq!(manifest["questionnaire"], "UNTOC-2026");
    assert_eq!(manifest["warnings"].as_array().unwrap().len(), 0, "{manifest}");
    let compliance = cycle.csv("compliance.csv");
    let row = compliance.iter().find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026").unwrap();
    assert_eq!(row["status"], "complete", "{row:?}");
}

#[test]
fn native_needs_read_assistance_codes_and_french_labels() {
    let cycle = alone("valid-native-utf8.xml");
    let mut needs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut comments: BTreeMap<String, String> = BTreeMap::new();
    for r in cycle.csv("needs.csv") {
        needs.entry(r["question"].clone()).or_default().push(r["assistance_type"].clone());
        comments.insert(r["question"].clone(), r["comment"].clone());
    }
    // Codes and French labels alike, in the order of SPEC 3.6.
    let want: BTreeMap<String, Vec<String>> = [
        ("UNTOC.18.13.TA", vec!["training", "institution-building"]),
        ("UNTOC.28.TA", vec!["legal-advice", "data-systems", "equipment"]),
        ("UNTOC.5.TA", vec!["legislative-drafting", "training"]),
    ]
    .into_iter()
    .map(|(q, t)| (q.to_owned(), t.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(needs, want);
    assert_eq!(comments["UNTOC.5.TA"], "Priorité : la législation sur la participation.");
}

#[test]
fn eight_encodings_give_identical_answers_and_needs() {
    let mut reference: Option<(Vec<Row>, Vec<Row>)> = None;
    for file in ENCODINGS {
        let cycle = alone(file);
        let answers = cycle.csv("answers.csv");
        assert!(answers.iter().all(|r| r["source_file"] == file), "{file}");
        let a = by_question(&answers);
        assert_eq!(
            a["UNTOC.5.3"]["value"],
            "Code pénal, article 450-1 ; loi n° 2001-1062 du 15 novembre 2001 relative à la sécurité quotidienne",
            "{file}"
        );
        assert_eq!(
            a["UNTOC.28.2"]["value"],
            "Le service statistique ministériel reçoit les données des forces de l'ordre et les analyse chaque année.",
            "{file}"
        );
        let got = (without_source(answers), without_source(cycle.csv("needs.csv")));
        assert_eq!(got.0.len(), 34, "{file}");
        match &reference {
            None => reference = Some(got),
            Some(want) => {
                assert_eq!(&got.0, &want.0, "answers.csv of {file} differ from the UTF-8 return");
                assert_eq!(&got.1, &want.1, "needs.csv of {file} differ from the UTF-8 return");
            }
        }
    }
}

#[test]
fn prefixed_namespace_reads_like_the_default_namespace() {
    let plain = alone("valid-native-utf8.xml").csv("answers.csv");
    let prefixed = alone("valid-prefixed-namespace.xml").csv("answers.csv");
    let strip = |rows: Vec<Row>| -> Vec<Row> {
        rows.into_iter()
            .map(|mut r| {
                r.remove("source_file");
                r
            })
            .collect()
    };
    // Same lines, same local names: the same rows, source_ref included.
    assert_eq!(strip(prefixed), strip(plain));
}

#[test]
fn cdata_character_references_and_predefined_entities_are_decoded() {
    let cycle = alone("valid-cdata-and-character-references.xml");
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a.len(), 34);
    assert_eq!((a["UNTOC.5.1"]["raw"].as_str(), a["UNTOC.5.1"]["value"].as_str()), ("Oui", "yes"));
    assert_eq!(
        (a["UNTOC.6.1"]["raw"].as_str(), a["UNTOC.6.1"]["value"].as_str()),
        ("Partiellement", "partial")
    );
    assert_eq!((a["UNTOC.5.TA"]["raw"].as_str(), a["UNTOC.5.TA"]["value"].as_str()), ("oui", "yes"));
    assert_eq!(a["UNTOC.5.3"]["value"], "Code pénal & loi n° 2001-1062 <sécurité> \"quotidienne\" l'article");
    assert_eq!(a["UNTOC.28.2"]["value"], "Voir <loi> & \"décret\"  (données & analyses)");
    assert!(a.values().all(|r| r["status"] == "valid"), "{a:#?}");
}

#[test]
fn unknown_elements_are_warnings_with_their_path() {
    let cycle = alone("valid-unknown-elements.xml");
    let e = cycle.manifest_entry("valid-unknown-elements.xml");
    let unknown: Vec<(String, String)> = e["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "unknown-element")
        .map(|w| {
            assert_eq!(w["severity"], "warning", "{w}");
            (w["ref"].as_str().unwrap().to_owned(), w["message"].as_str().unwrap().to_owned())
        })
        .collect();
    let refs: Vec<&str> = unknown.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        refs,
        [
            "/return/focalPoint[1]/fax[1]",
            "/return/section[1]/annex[1]",
            "/return/section[1]/answer[2]/note[1]",
            "/return/remarks[1]",
        ]
    );
    assert!(unknown[0].1.contains("<fax>"), "{:?}", unknown[0]);
    // The known elements next to them are still read.
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a["UNTOC.5.1"]["value"], "yes");
    assert_eq!(a["UNTOC.5.TA"]["value"], "no");
    assert_eq!(a["UNTOC.5.TA"]["source_ref"], "/return/section[1]/answer[2]");
}

/// For an online-form fixture: question id -> `/ROOT/GROUP[1]/FIELD[1]`.
fn form_refs(file: &str, root: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(cases_dir().join(file)).unwrap();
    let mut refs = BTreeMap::new();
    let mut group = String::new();
    for line in text.lines() {
        let l = line.trim();
        let Some(name) = l.strip_prefix('<').and_then(|r| r.split(['>', '/', ' ']).next()) else { continue };
        if line.starts_with("  <") && !line.starts_with("    ") && l.ends_with(&format!("<{name}>")) {
            group = name.to_owned();
        } else if name.starts_with("UNTOC_") && !name.ends_with("_assistance") && !name.ends_with("_comment")
        {
            let id = name.replace('_', ".");
            refs.insert(id, format!("/{root}/{group}[1]/{name}[1]"));
        }
    }
    refs
}

#[test]
fn odk_central_instance_answers_name_their_element() {
    let file = "valid-odk-central-instance.xml";
    let cycle = alone(file);
    let e = cycle.manifest_entry(file);
    assert_eq!(e["iso3"], "FRA");
    assert_eq!(e["questionnaire"], "UNTOC-2026");
    assert_eq!(e["warnings"].as_array().unwrap().len(), 0, "{e}");
    let rows = cycle.csv("answers.csv");
    let refs = form_refs(file, "data");
    assert_eq!(rows.len(), 34);
    assert_eq!(refs.len(), 34);
    for r in &rows {
        assert_eq!(r["source_ref"], refs[&r["question"]], "{r:?}");
        assert_eq!(r["status"], "valid", "{r:?}");
    }
    let a = by_question(&rows);
    assert_eq!(a["UNTOC.5.1"]["source_ref"], "/data/criminalization[1]/UNTOC_5_1[1]");
    assert_eq!(a["UNTOC.5.1"]["value"], "partial");
    assert_eq!(a["UNTOC.18.13.2"]["value"], "ministry-of-justice");
    let needs: BTreeSet<(String, String)> = cycle
        .csv("needs.csv")
        .into_iter()
        .map(|r| (r["question"].clone(), r["assistance_type"].clone()))
        .collect();
    assert!(needs.contains(&("UNTOC.5.TA".into(), "legislative-drafting".into())), "{needs:?}");
    assert!(needs.contains(&("UNTOC.5.TA".into(), "training".into())), "{needs:?}");
    assert!(needs.contains(&("UNTOC.28.TA".into(), "data-systems".into())), "{needs:?}");
    assert_eq!(needs.len(), 7, "{needs:?}");
}

#[test]
fn kobo_instance_metadata_is_not_read_as_answers_or_warned() {
    let file = "valid-kobo-instance.xml";
    let cycle = alone(file);
    let e = cycle.manifest_entry(file);
    assert_eq!(e["iso3"], "ESP");
    assert_eq!(e["questionnaire"], "UNTOC-2026");
    assert_eq!(e["warnings"].as_array().unwrap().len(), 0, "formhub, __version__, _version_...: {e}");
    let rows = cycle.csv("answers.csv");
    let refs = form_refs(file, "UNTOC-2026");
    assert_eq!(rows.len(), 34);
    for r in &rows {
        assert_eq!(r["iso3"], "ESP");
        assert_eq!(r["source_ref"], refs[&r["question"]], "{r:?}");
    }
}

// --------------------------------------------- SPEC 6.3: online submissions

/// A small ODK Central instance of UNTOC-2026 for FRA.
fn odk(instance: &str, deprecated: Option<&str>, submitted: &str, answer_5_1: &str) -> String {
    let deprecated =
        deprecated.map(|d| format!("\n    <deprecatedID>{d}</deprecatedID>")).unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="UNTOC-2026" orx:version="1">
  <cover>
    <state>FRA</state>
    <submitted>{submitted}</submitted>
    <language>fr</language>
  </cover>
  <criminalization>
    <UNTOC_5_1>{answer_5_1}</UNTOC_5_1>
    <UNTOC_5_TA>yes</UNTOC_5_TA>
    <UNTOC_5_TA_assistance>training</UNTOC_5_TA_assistance>
  </criminalization>
  <meta>
    <instanceID>{instance}</instanceID>{deprecated}
  </meta>
</data>
"#
    )
}

fn status_reason(cycle: &TestCycle, path: &str) -> (String, Option<String>) {
    let e = cycle.manifest_entry(path);
    (e["status"].as_str().unwrap().to_owned(), e["reason"].as_str().map(String::from))
}

fn fra_untoc(cycle: &TestCycle) -> Row {
    cycle
        .csv("compliance.csv")
        .into_iter()
        .find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026")
        .unwrap()
}

#[test]
fn an_edit_that_corrects_the_state_supersedes_the_submission_it_deprecates() {
    // Submitted for the wrong State, then edited in ODK Central to name the
    // right one: the original counts for neither.
    let original = odk("uuid:0001-original", None, "2026-03-10", "no").replace("<state>FRA", "<state>ESP");
    let edit = odk("uuid:0002-edit", Some("uuid:0001-original"), "2026-03-01", "yes");
    for (o, e) in [("a-original.xml", "b-edit.xml"), ("b-original.xml", "a-edit.xml")] {
        let cycle = with_files(&[(o, &original), (e, &edit)]);
        assert_eq!(status_reason(&cycle, o), ("superseded".into(), Some("deprecated".into())));
        let message = cycle.manifest_entry(o)["message"].as_str().unwrap().to_owned();
        assert!(message.contains(e) && message.contains("FRA UNTOC-2026"), "{message}");
        assert_eq!(status_reason(&cycle, e), ("accepted".into(), None));
        assert_eq!(fra_untoc(&cycle)["submitted"], "2026-03-01");
        let esp = cycle
            .csv("compliance.csv")
            .into_iter()
            .find(|r| r["iso3"] == "ESP" && r["questionnaire"] == "UNTOC-2026")
            .unwrap();
        assert_eq!(esp["status"], "missing", "{esp:?}");
        assert!(cycle.csv("answers.csv").iter().all(|r| r["iso3"] == "FRA"));
    }
}

#[test]
fn of_two_edits_of_one_submission_naming_different_states_one_counts() {
    let original = odk("uuid:0001-original", None, "2026-03-01", "no");
    let edit_fra = odk("uuid:0002-edit", Some("uuid:0001-original"), "2026-03-05", "yes");
    let edit_esp = odk("uuid:0003-edit", Some("uuid:0001-original"), "2026-03-09", "yes")
        .replace("<state>FRA", "<state>ESP");
    let cycle =
        with_files(&[("original.xml", &original), ("edit-fra.xml", &edit_fra), ("edit-esp.xml", &edit_esp)]);
    assert_eq!(status_reason(&cycle, "original.xml"), ("superseded".into(), Some("deprecated".into())));
    assert_eq!(status_reason(&cycle, "edit-esp.xml"), ("accepted".into(), None));
    assert_eq!(status_reason(&cycle, "edit-fra.xml"), ("superseded".into(), Some("superseded".into())));
    let message = cycle.manifest_entry("edit-fra.xml")["message"].as_str().unwrap().to_owned();
    assert!(message.contains("edit-esp.xml") && message.contains("ESP UNTOC-2026"), "{message}");
    assert_eq!(fra_untoc(&cycle)["status"], "missing");
}

#[test]
fn an_edit_supersedes_the_submission_it_deprecates_even_when_dated_earlier() {
    let original = odk("uuid:0001-original", None, "2026-03-10", "no");
    let edit = odk("uuid:0002-edit", Some("uuid:0001-original"), "2026-03-01", "yes");
    // Both orders of paths: the outcome depends on deprecatedID only.
    for (o, e) in [("a-original.xml", "b-edit.xml"), ("b-original.xml", "a-edit.xml")] {
        let cycle = with_files(&[(o, &original), (e, &edit)]);
        assert_eq!(status_reason(&cycle, o), ("superseded".into(), Some("deprecated".into())));
        assert_eq!(status_reason(&cycle, e), ("accepted".into(), None));
        let a = by_question(&cycle.csv("answers.csv"));
        assert_eq!(a["UNTOC.5.1"]["value"], "yes");
        assert_eq!(a["UNTOC.5.1"]["source_file"], e);
        let row = fra_untoc(&cycle);
        assert!(!row["flags"].contains("conflicting-returns"), "{row:?}");
        assert_eq!(row["submitted"], "2026-03-01", "{row:?}");
    }
}

#[test]
fn a_resent_submission_with_the_same_content_is_a_duplicate() {
    let first = odk("uuid:0003-resent", None, "2026-03-02", "partial");
    // Same instanceID and content, other bytes: no groups, no indentation.
    let again = first
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("<cover") && !l.starts_with("</cover") && !l.contains("criminalization>"))
        .collect::<Vec<_>>()
        .join("");
    assert_ne!(first, again);
    let cycle = with_files(&[("1-first.xml", &first), ("2-again.xml", &again)]);
    assert_eq!(status_reason(&cycle, "1-first.xml"), ("accepted".into(), None));
    assert_eq!(status_reason(&cycle, "2-again.xml"), ("superseded".into(), Some("duplicate".into())));
    let m = cycle.manifest_entry("2-again.xml");
    assert_ne!(m["sha256"], cycle.manifest_entry("1-first.xml")["sha256"]);
    let row = fra_untoc(&cycle);
    assert!(!row["flags"].contains("conflicting-returns"), "{row:?}");
}

#[test]
fn the_same_instance_id_with_different_content_is_ranked_like_any_two_returns() {
    // SPEC 6.3: only the same content is a duplicate; otherwise the later
    // date counts, and conflicting-returns is for returns that tie.
    let one = odk("uuid:0004-same", None, "2026-03-02", "yes");
    let other = odk("uuid:0004-same", None, "2026-03-05", "no");
    let cycle = with_files(&[("1-one.xml", &one), ("2-other.xml", &other)]);
    assert_eq!(status_reason(&cycle, "2-other.xml"), ("accepted".into(), None));
    assert_eq!(status_reason(&cycle, "1-one.xml"), ("superseded".into(), Some("superseded".into())));
    let row = fra_untoc(&cycle);
    assert!(!row["flags"].contains("conflicting-returns"), "{row:?}");
    // The same date and as many answers: they tie, and are flagged.
    let tie = odk("uuid:0004-same", None, "2026-03-02", "no");
    let cycle = with_files(&[("1-one.xml", &one), ("2-tie.xml", &tie)]);
    assert!(fra_untoc(&cycle)["flags"].split(';').any(|f| f == "conflicting-returns"));
}

#[test]
fn a_kobo_submission_resent_under_its_orx_instance_id_is_a_duplicate() {
    // The Kobo fixture names its submission in <orx:meta><orx:instanceID>.
    let kobo = std::fs::read_to_string(cases_dir().join("valid-kobo-instance.xml")).unwrap();
    let tabs = kobo.replace("\n  ", "\n\t");
    assert_ne!(kobo, tabs);
    let cycle = with_files(&[("kobo-1.xml", &kobo), ("kobo-2.xml", &tabs)]);
    assert_eq!(status_reason(&cycle, "kobo-1.xml"), ("accepted".into(), None));
    assert_eq!(status_reason(&cycle, "kobo-2.xml"), ("superseded".into(), Some("duplicate".into())));
    let message = cycle.manifest_entry("kobo-2.xml")["message"].as_str().unwrap().to_owned();
    assert!(message.contains("uuid:3d2e9c7a-1f4b-4e8d-8c6a-5b0f9e1d2c37"), "{message}");
}

// ------------------------------------------------------------- art32 check

#[test]
fn check_names_the_element_and_line_of_an_invalid_xml_answer_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fra.xml");
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="fr">
  <state code="FRA">France</state>
  <submitted>2026-02-14</submitted>
  <section id="criminalization">
    <answer question="UNTOC.5.TA"><value>non</value></answer>
    <answer question="UNTOC.5.1">Peut-être</answer>
  </section>
</return>
"#;
    std::fs::write(&path, xml).unwrap();
    let schemas = repo().join("schemas");
    let out = run(&["check", path.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let want = format!(
        "{}: /return/section[1]/answer[2] (line 7): \"Peut-être\" is not an answer to UNTOC.5.1 (yes-no-partial)",
        path.display()
    );
    assert!(stdout.lines().any(|l| l == want), "no line {want:?} in:\n{stdout}");
}

#[test]
fn check_reports_a_malformed_xml_fixture_as_rejected_and_exits_1() {
    let path = cases_dir().join("malformed-mismatched-end-tag.xml");
    let schemas = repo().join("schemas");
    let out = run(&["check", path.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with(&format!("{}: rejected (malformed-xml): ", path.display())), "{stdout}");
    assert!(names_line(first, 6), "{stdout}");
}

// ---------------------------------------------------------------- SPEC 6.1-6.2

#[test]
fn all_fixtures_in_one_inbox_are_each_accounted_for_and_the_run_completes() {
    let cycle = TestCycle::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Nested one level, as returns often arrive.
        let rel = format!("xml/{name}");
        std::fs::copy(entry.path(), cycle.inbox(&rel)).unwrap();
        names.push(rel);
    }
    names.sort();
    cycle.run(&["-q", "--threads", "2"]);
    let manifest = cycle.manifest();
    let paths: Vec<String> = manifest.iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(sorted, names, "count(inbox files) = count(manifest entries), once each");
    for e in &manifest {
        assert_ne!(e["reason"], "internal-error", "{e}");
        let path = e["path"].as_str().unwrap();
        let name = path.trim_start_matches("xml/");
        if name == "README.md" {
            assert_eq!(e["status"], "ignored", "{e}");
            continue;
        }
        let &(_, status, reason) = CASES.iter().find(|c| c.0 == name).unwrap();
        if status == "rejected" {
            assert_eq!((e["status"].as_str(), e["reason"].as_str()), (Some("rejected"), Some(reason)), "{e}");
        } else {
            // Several valid FRA returns: one counts, the others are superseded.
            assert!(matches!(e["status"].as_str(), Some("accepted" | "superseded")), "{e}");
        }
    }
    let accepted: BTreeSet<(String, String)> = manifest
        .iter()
        .filter(|e| e["status"] == "accepted")
        .map(|e| (e["iso3"].as_str().unwrap().to_owned(), e["questionnaire"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        accepted,
        BTreeSet::from([
            ("ESP".to_owned(), "UNTOC-2026".to_owned()),
            ("FRA".to_owned(), "UNTOC-2026".to_owned())
        ])
    );
    assert_eq!(manifest.iter().filter(|e| e["status"] == "accepted").count(), 2);
}

#[test]
fn a_comment_longer_than_a_workbook_cell_holds_is_kept_whole_outside_the_workbook() {
    // 40,000 characters: more than an Excel cell holds (32,767). The run
    // completes; needs.csv keeps the whole comment, report.xlsx a cut one.
    let long = "Priorit\u{e9} ".repeat(4_000);
    let xml = std::fs::read_to_string(cases_dir().join("valid-native-utf8.xml"))
        .unwrap()
        .replace("Priorité : la législation sur la participation.", &long);
    assert!(xml.contains(&long));
    let cycle = with_files(&[("long-comment.xml", &xml)]);
    let entry = cycle.manifest_entry("long-comment.xml");
    assert_eq!(entry["status"], "accepted", "{entry}");
    let needs = cycle.csv("needs.csv");
    assert!(needs.iter().any(|n| n["comment"] == long.trim()), "the whole comment in needs.csv");
    assert!(cycle.out().join("report.xlsx").is_file());
}

#[test]
fn a_submission_date_excel_cannot_hold_is_written_as_text() {
    // Excel's dates start in 1900: the report writes this one as its text,
    // and the run completes.
    let xml = std::fs::read_to_string(cases_dir().join("valid-native-utf8.xml"))
        .unwrap()
        .replace("<submitted>2026-02-14</submitted>", "<submitted>1000-06-15</submitted>");
    assert!(xml.contains("1000-06-15"));
    let cycle = with_files(&[("old-date.xml", &xml)]);
    assert_eq!(cycle.manifest_entry("old-date.xml")["status"], "accepted");
    assert!(cycle.out().join("report.xlsx").is_file());
}

#[test]
fn a_list_of_many_unknown_assistance_types_is_warned_about_in_a_few_lines() {
    let parts: Vec<String> = (0..5_000).map(|i| format!("unheard-of-{i}")).collect();
    let xml = std::fs::read_to_string(cases_dir().join("valid-native-utf8.xml")).unwrap().replacen(
        "<assistance>Formation</assistance>",
        &format!("<assistance>Formation, {}</assistance>", parts.join(", ")),
        1,
    );
    assert!(xml.contains("unheard-of-4999"));
    let cycle = with_files(&[("many-unknown.xml", &xml)]);
    let entry = cycle.manifest_entry("many-unknown.xml");
    assert_eq!(entry["status"], "accepted", "{entry}");
    let warnings: Vec<&serde_json::Value> =
        entry["warnings"].as_array().unwrap().iter().filter(|w| w["code"] == "unknown-assistance").collect();
    assert_eq!(warnings.len(), 11, "{warnings:?}");
    assert!(warnings[10]["message"].as_str().unwrap().contains("4990 more"), "{}", warnings[10]);
    // The known type in the same list still counts.
    let needs = cycle.csv("needs.csv");
    assert!(
        needs.iter().any(|n| n["question"] == "UNTOC.5.TA" && n["assistance_type"] == "training"),
        "{needs:?}"
    );
}

#[test]
fn submissions_that_deprecate_each_other_are_ranked_not_both_dropped() {
    // Each names the other as the submission it replaces: neither can be the
    // edit, so the usual order decides (the later one), and the State's
    // questionnaire is not reported missing.
    let a = odk("uuid:0005-a", Some("uuid:0006-b"), "2026-03-01", "no");
    let b = odk("uuid:0006-b", Some("uuid:0005-a"), "2026-03-04", "yes");
    let cycle = with_files(&[("a.xml", &a), ("b.xml", &b)]);
    assert_eq!(status_reason(&cycle, "b.xml"), ("accepted".into(), None));
    assert_eq!(status_reason(&cycle, "a.xml").0, "superseded");
    assert_ne!(fra_untoc(&cycle)["status"], "missing");
}

// ---------------------------------------------------------------- nothing dropped silently

/// The warnings of a manifest entry with this code: (ref, message).
fn warnings_coded(e: &serde_json::Value, code: &str) -> Vec<(String, String)> {
    e["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == code)
        .map(|w| (w["ref"].as_str().unwrap().to_owned(), w["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn a_second_value_or_comment_in_an_answer_is_a_warning_and_the_first_counts() {
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRA"/>
  <submitted>2026-02-14</submitted>
  <answer question="UNTOC.5.1"><value>yes</value><value>no</value></answer>
  <answer question="UNTOC.5.TA"><value>yes</value><comment>first</comment><comment>second</comment></answer>
</return>
"#;
    let cycle = with_files(&[("native.xml", native)]);
    let e = cycle.manifest_entry("native.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    let dups = warnings_coded(&e, "duplicate-element");
    let refs: Vec<&str> = dups.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(refs, ["/return/answer[1]/value[2]", "/return/answer[2]/comment[2]"]);
    assert!(dups[0].1.contains("/return/answer[1]/value[1] (line 5)"), "{dups:?}");
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a["UNTOC.5.1"]["value"], "yes");
    assert_eq!(a["UNTOC.5.1"]["source_ref"], "/return/answer[1]");
    let needs = cycle.csv("needs.csv");
    let need = needs.iter().find(|n| n["question"] == "UNTOC.5.TA").unwrap();
    assert_eq!(need["comment"], "first", "{need:?}");
}

#[test]
fn a_form_field_given_twice_is_a_warning_and_the_first_counts() {
    let form = r#"<data id="UNTOC-2026" version="1">
  <state>FRA</state>
  <submitted>2026-02-14</submitted>
  <UNTOC_5_1>yes</UNTOC_5_1>
  <grp><UNTOC_5_1>no</UNTOC_5_1></grp>
</data>
"#;
    let cycle = with_files(&[("form.xml", form)]);
    let e = cycle.manifest_entry("form.xml");
    let dups = warnings_coded(&e, "duplicate-element");
    assert_eq!(dups.len(), 1, "{e}");
    assert_eq!(dups[0].0, "/data/grp[1]/UNTOC_5_1[1]");
    assert_eq!(by_question(&cycle.csv("answers.csv"))["UNTOC.5.1"]["value"], "yes");
}

#[test]
fn a_missing_state_or_questionnaire_is_told_in_xml_terms() {
    let no_state = r#"<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1"><answer question="UNTOC.5.1">yes</answer></return>"#;
    let no_questionnaire = r#"<return xmlns="urn:art32:return:1"><state code="FRA"/></return>"#;
    let cycle = with_files(&[("no-state.xml", no_state), ("no-questionnaire.xml", no_questionnaire)]);
    for (file, reason, element) in [
        ("no-state.xml", "unknown-state", "<state>"),
        ("no-questionnaire.xml", "missing-questionnaire", "questionnaire attribute"),
    ] {
        let e = cycle.manifest_entry(file);
        assert_eq!(e["reason"], reason, "{e}");
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(element) && !message.contains("column"), "{message}");
    }
}

#[test]
fn of_two_edits_of_one_submission_the_message_names_the_one_ranked_first() {
    let original = odk("uuid:0009-orig", None, "2026-03-01", "yes");
    let early = odk("uuid:0009-early", Some("uuid:0009-orig"), "2026-03-02", "no");
    let late = odk("uuid:0009-late", Some("uuid:0009-orig"), "2026-03-05", "partial");
    // Whichever edit's path sorts last, the later edit is named.
    for (early_path, late_path) in [("b-early.xml", "a-late.xml"), ("a-early.xml", "b-late.xml")] {
        let cycle = with_files(&[("0-original.xml", &original), (early_path, &early), (late_path, &late)]);
        let e = cycle.manifest_entry("0-original.xml");
        assert_eq!(e["reason"], "deprecated", "{e}");
        assert!(e["message"].as_str().unwrap().contains(late_path), "{e}");
    }
}

#[test]
fn answers_in_nested_sections_and_other_wrappers_are_read() {
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRA">France</state>
  <submitted>2026-02-14</submitted>
  <section id="criminalization">
    <section id="article-5">
      <answer question="UNTOC.5.1">partial</answer>
    </section>
    <group>
      <answer question="UNTOC.6.1">yes</answer>
    </group>
    <note>not an answer</note>
  </section>
  <answers>
    <answer question="UNTOC.8.1">no</answer>
  </answers>
</return>
"#;
    let cycle = with_files(&[("native.xml", native)]);
    let e = cycle.manifest_entry("native.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a["UNTOC.5.1"]["value"], "partial");
    assert_eq!(a["UNTOC.5.1"]["source_ref"], "/return/section[1]/section[1]/answer[1]");
    assert_eq!(a["UNTOC.6.1"]["source_ref"], "/return/section[1]/group[1]/answer[1]");
    assert_eq!(a["UNTOC.8.1"]["value"], "no");
    let unknown = warnings_coded(&e, "unknown-element");
    let refs: Vec<(&str, bool)> =
        unknown.iter().map(|(r, m)| (r.as_str(), m.contains("the answers inside it are read"))).collect();
    assert_eq!(
        refs,
        [
            ("/return/section[1]/group[1]", true),
            ("/return/section[1]/note[1]", false),
            ("/return/answers[1]", true)
        ]
    );
}

#[test]
fn text_beside_a_value_and_a_state_name_naming_another_state_are_warnings() {
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRA">Spain</state>
  <submitted>2026-02-14</submitted>
  <answer question="UNTOC.5.1">no<value>yes</value></answer>
</return>
"#;
    let cycle = with_files(&[("native.xml", native)]);
    let e = cycle.manifest_entry("native.xml");
    assert_eq!((e["status"].as_str(), e["iso3"].as_str()), (Some("accepted"), Some("FRA")), "{e}");
    let mismatch = warnings_coded(&e, "state-mismatch");
    assert_eq!(mismatch.len(), 1, "{e}");
    assert!(mismatch[0].0.starts_with("/return/state[1]"), "{mismatch:?}");
    assert!(mismatch[0].1.contains("Spain (ESP)") && mismatch[0].1.contains("read as FRA"), "{mismatch:?}");
    let dups = warnings_coded(&e, "duplicate-element");
    assert_eq!(dups.len(), 1, "{e}");
    assert!(dups[0].1.contains("\"no\"") && dups[0].1.contains("value[1]"), "{dups:?}");
    assert_eq!(by_question(&cycle.csv("answers.csv"))["UNTOC.5.1"]["value"], "yes");
    // The name alone, or a name the register does not know: no warning.
    for state in ["<state code=\"FRA\">France</state>", "<state code=\"FRA\">Frankreich</state>"] {
        let cycle =
            with_files(&[("native.xml", &native.replace("<state code=\"FRA\">Spain</state>", state))]);
        assert!(warnings_coded(&cycle.manifest_entry("native.xml"), "state-mismatch").is_empty());
    }
}

#[test]
fn a_question_id_in_full_width_is_read_as_nfkc_reads_it() {
    // SPEC 3.4: matching is on NFKC text.
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="zh">
  <state code="FRA">France</state>
  <submitted>2026-02-14</submitted>
  <answer question="ＵＮＴＯＣ．５．１">partial</answer>
</return>
"#;
    let cycle = with_files(&[("native.xml", native)]);
    let e = cycle.manifest_entry("native.xml");
    assert!(warnings_coded(&e, "unknown-question").is_empty(), "{e}");
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!((a["UNTOC.5.1"]["value"].as_str(), a["UNTOC.5.1"]["status"].as_str()), ("partial", "valid"));
}

#[test]
fn a_state_code_the_register_does_not_know_gives_way_to_a_name_it_does() {
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRN">France</state>
  <submitted>2026-02-14</submitted>
  <answer question="UNTOC.5.1">partial</answer>
</return>
"#;
    let cycle = with_files(&[("native.xml", native)]);
    let e = cycle.manifest_entry("native.xml");
    assert_eq!((e["status"].as_str(), e["iso3"].as_str()), (Some("accepted"), Some("FRA")), "{e}");
    let w = warnings_coded(&e, "state-mismatch");
    assert!(w.len() == 1 && w[0].1.contains("\"FRN\""), "{e}");
}

#[test]
fn an_xml_document_over_the_element_limit_is_too_many_elements() {
    // 100,000 by default: a return has a few hundred, and a hostile file of
    // 500,000 elements took 600-750 MB while it was read.
    let mut native = String::from(
        r#"<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1"><state code="FRA"/>"#,
    );
    native.push_str(&"<x/>".repeat(100_000));
    native.push_str("</return>");
    let cycle = with_files(&[("many.xml", &native)]);
    let e = cycle.manifest_entry("many.xml");
    assert_eq!(
        (e["status"].as_str(), e["reason"].as_str()),
        (Some("rejected"), Some("too-many-elements")),
        "{e}"
    );
    let fewer = native.replacen("<x/>", "", 3);
    let cycle = with_files(&[("fewer.xml", &fewer)]);
    assert_eq!(cycle.manifest_entry("fewer.xml")["status"], "accepted");
}

#[test]
fn elements_of_another_namespace_are_unknown_whatever_their_name() {
    // A generating tool's own `<tool:state>`, `<tool:submitted>` and
    // `<x:answer>` come first: they must not take the State, the date or the
    // answer from the return's own elements (SPEC 5: unknown elements are
    // warnings). A prefix on the root alone leaves the children the return's.
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" xmlns:tool="urn:example:tool" xmlns:x="urn:example:other" questionnaire="UNTOC-2026" version="1" language="en">
  <tool:state code="DEU">server location</tool:state>
  <state code="FRA">France</state>
  <tool:submitted>2026-09-30</tool:submitted>
  <submitted>2026-03-01</submitted>
  <x:answer question="UNTOC.5.1">no</x:answer>
  <answer question="UNTOC.5.1">yes</answer>
  <answer question="UNTOC.6.1" xmlns="urn:example:other">no</answer>
</return>
"#;
    let prefixed_root = r#"<?xml version="1.0" encoding="UTF-8"?>
<a:return xmlns:a="urn:art32:return:1" questionnaire="TIP-2026" version="1" language="en">
  <state code="FRA">France</state>
  <a:submitted>2026-03-02</a:submitted>
  <answer question="TIP.5.1">yes</answer>
</a:return>
"#;
    let cycle = with_files(&[("native.xml", native), ("prefixed.xml", prefixed_root)]);
    let e = cycle.manifest_entry("native.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    assert_eq!(e["iso3"], "FRA", "{e}");
    let unknown = warnings_coded(&e, "unknown-element");
    let refs: Vec<&str> = unknown.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        refs,
        [
            "/return/tool:state[1]",
            "/return/tool:submitted[1]",
            "/return/x:answer[1]",
            "/return/{urn:example:other}answer[1]"
        ],
        "{unknown:?}"
    );
    assert!(unknown[0].1.contains("<tool:state>"), "{unknown:?}");
    assert!(warnings_coded(&e, "duplicate-cover-field").is_empty(), "{e}");
    assert!(warnings_coded(&e, "duplicate-answer").is_empty(), "{e}");
    let rows = cycle.csv("answers.csv");
    let untoc: Vec<_> = rows.iter().filter(|r| r["questionnaire"] == "UNTOC-2026").collect();
    assert_eq!(untoc.len(), 1, "{untoc:?}");
    assert_eq!(untoc[0]["value"], "yes");
    assert_eq!(untoc[0]["source_ref"], "/return/answer[1]");
    let compliance = cycle.csv("compliance.csv");
    let row = compliance.iter().find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026").unwrap();
    assert_eq!(row["submitted"], "2026-03-01", "{row:?}");
    assert!(!row["flags"].contains("late"), "{row:?}");
    let p = cycle.manifest_entry("prefixed.xml");
    assert_eq!(p["status"], "accepted", "{p}");
    assert!(warnings_coded(&p, "unknown-element").is_empty(), "{p}");
    let tip = rows.iter().find(|r| r["question"] == "TIP.5.1").unwrap();
    assert_eq!(tip["value"], "yes");
    let row = compliance.iter().find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "TIP-2026").unwrap();
    assert_eq!(row["submitted"], "2026-03-02", "{row:?}");
}

#[test]
fn bidirectional_marks_around_a_token_or_label_are_ignored() {
    // Word and Excel put right-to-left marks around Arabic text; an officer
    // reads `\u{200F}نعم\u{200F}` as نعم (yes).
    let native = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\" version=\"1\" language=\"ar\">
  <state code=\"FRA\">France</state>
  <submitted>2026-03-01</submitted>
  <answer question=\"UNTOC.5.1\">\u{200F}نعم\u{200F}</answer>
  <answer question=\"UNTOC.5.TA\"><value>\u{2067}نعم\u{2069}</value><assistance>\u{200F}training\u{200E}</assistance></answer>
</return>
";
    let cycle = with_files(&[("rlm.xml", native)]);
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a["UNTOC.5.1"]["value"], "yes", "{:?}", a["UNTOC.5.1"]);
    assert_eq!(a["UNTOC.5.1"]["status"], "valid");
    assert_eq!(a["UNTOC.5.TA"]["value"], "yes", "{:?}", a["UNTOC.5.TA"]);
    let needs = cycle.csv("needs.csv");
    assert_eq!(needs.len(), 1, "{needs:?}");
    assert_eq!(needs[0]["assistance_type"], "training");
}

#[test]
fn unread_attributes_and_loose_text_are_warnings() {
    // Nothing a State typed is dropped silently (SPEC 6.1): an attribute
    // art32 does not read, or text outside any answer or field, is named.
    // Attributes in a namespace (xsi:schemaLocation) are metadata.
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:art32:return:1 return.xsd" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRA">France</state>
  see the annex
  <submitted date="2026-03-01"/>
  <section id="criminalization" title="Criminalization">
    <answer question="UNTOC.5.1" value="yes"/>
    <answer question="UNTOC.5.TA" assistance="training"><value>yes</value><assistance code="legal-advice"/></answer>
  </section>
</return>
"#;
    let cycle = with_files(&[("attrs.xml", native)]);
    let e = cycle.manifest_entry("attrs.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    let attrs = warnings_coded(&e, "unknown-attribute");
    let refs: Vec<&str> = attrs.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        refs,
        [
            "/return/submitted[1]/@date",
            "/return/section[1]/answer[1]/@value",
            "/return/section[1]/answer[2]/@assistance",
            "/return/section[1]/answer[2]/assistance[1]/@code",
        ],
        "{attrs:?}"
    );
    assert!(attrs[1].1.contains("value=\"yes\""), "{attrs:?}");
    let stray = warnings_coded(&e, "stray-text");
    assert_eq!(stray.len(), 1, "{stray:?}");
    assert_eq!(stray[0].0, "/return");
    assert!(stray[0].1.contains("see the annex"), "{stray:?}");
}

#[test]
fn text_after_the_submission_date_is_a_warning_and_the_date_is_read() {
    let native = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="UNTOC-2026" version="1" language="en">
  <state code="FRA">France</state>
  <submitted>2026-03-01 (revised 4 March)</submitted>
  <answer question="UNTOC.5.1">yes</answer>
</return>
"#;
    let cycle = with_files(&[("dated.xml", native)]);
    let e = cycle.manifest_entry("dated.xml");
    let stray = warnings_coded(&e, "stray-text");
    assert_eq!(stray.len(), 1, "{e}");
    assert_eq!(stray[0].0, "/return/submitted[1]");
    assert!(stray[0].1.contains("\"(revised 4 March)\""), "{stray:?}");
    let compliance = cycle.csv("compliance.csv");
    let row = compliance.iter().find(|r| r["iso3"] == "FRA" && r["questionnaire"] == "UNTOC-2026").unwrap();
    assert_eq!(row["submitted"], "2026-03-01", "{row:?}");
    assert!(!row["flags"].contains("undated"), "{row:?}");
}

#[test]
fn a_kobo_deployment_version_is_read_as_no_template_version() {
    // KoboToolbox writes its own count of deployments and their date as the
    // form's version: the submission names no template version.
    let kobo = odk("uuid:k1", None, "2026-03-01", "oui")
        .replace(r#"orx:version="1""#, r#"version="3 (2026-03-01 10:00:00)""#);
    let bad =
        odk("uuid:k2", None, "2026-03-01", "oui").replace(r#"orx:version="1""#, r#"version="3 (draft)""#);
    let cycle = with_files(&[("kobo.xml", &kobo), ("other.xml", &bad)]);
    let e = cycle.manifest_entry("kobo.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    let missing = warnings_coded(&e, "missing-version");
    assert_eq!(missing.len(), 1, "{e}");
    assert_eq!(missing[0].0, "/data/@version");
    assert!(
        missing[0].1.contains("KoboToolbox") && missing[0].1.contains("read as version 1"),
        "{missing:?}"
    );
    // Any other text is still no version.
    let (status, reason) = status_reason(&cycle, "other.xml");
    assert_eq!((status.as_str(), reason.as_deref()), ("rejected", Some("unknown-questionnaire")));
}

#[test]
fn right_to_left_marks_around_ids_are_ignored() {
    let native = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<return xmlns=\"urn:art32:return:1\" questionnaire=\"\u{200F}UNTOC-2026\u{200F}\" version=\"1\" language=\"ar\">
  <state code=\"FRA\">France</state>
  <submitted>2026-03-01</submitted>
  <answer question=\"\u{200F}UNTOC.5.1\u{200F}\">نعم</answer>
</return>
";
    let cycle = with_files(&[("rlm-ids.xml", native)]);
    let e = cycle.manifest_entry("rlm-ids.xml");
    assert_eq!(e["status"], "accepted", "{e}");
    assert_eq!(e["questionnaire"], "UNTOC-2026", "{e}");
    let a = by_question(&cycle.csv("answers.csv"));
    assert_eq!(a["UNTOC.5.1"]["status"], "valid", "{a:?}");
    assert_eq!(a["UNTOC.5.1"]["value"], "yes");
}
