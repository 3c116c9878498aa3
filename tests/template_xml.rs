//! `art32 template --xml`: the blank native XML return is well formed, reads
//! back as a return of the right questionnaire, and once filled in is
//! complete.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

fn template(q: &str, lang: &str) -> String {
    let out =
        run(&["template", q, "--xml", "--lang", lang, "--schemas", repo().join("schemas").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Fills every answer of a template with a valid value for its kind.
fn fill(template: &str, q: &str) -> String {
    let text = std::fs::read_to_string(repo().join("schemas").join(format!("{q}.toml"))).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut out = template
        .replace("<state code=\"\"/>", "<state code=\"FRA\"/>")
        .replace("<submitted/>", "<submitted>2026-03-01</submitted>");
    for question in doc["question"].as_array().unwrap() {
        let id = question["id"].as_str().unwrap();
        let kind = question["kind"].as_str().unwrap();
        let first_choice = question.get("choices").and_then(|c| c.as_array()).map(|a| a[0].as_str().unwrap());
        let empty = format!("<answer question=\"{id}\"/>");
        let value = match kind {
            "need" => {
                let block_start = out.find(&format!("<answer question=\"{id}\">")).unwrap();
                let value_at = block_start + out[block_start..].find("<value/>").unwrap();
                out.replace_range(value_at..value_at + "<value/>".len(), "<value>yes</value>");
                let assist_at = block_start + out[block_start..].find("<assistance/>").unwrap();
                out.replace_range(
                    assist_at..assist_at + "<assistance/>".len(),
                    "<assistance>training</assistance>",
                );
                continue;
            }
            "yes-no" | "yes-no-partial" => "yes".to_owned(),
            "text" => "Law 1 of 2020".to_owned(),
            "number" => "3".to_owned(),
            "date" => "2020-01-31".to_owned(),
            _ => first_choice.unwrap().to_owned(),
        };
        assert!(out.contains(&empty), "{id} not in the template");
        out = out.replace(&empty, &format!("<answer question=\"{id}\">{value}</answer>"));
    }
    out
}

#[test]
fn a_filled_in_xml_template_is_a_complete_return_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    for q in ["UNTOC-2026", "TIP-2026", "SOM-2026", "FIREARMS-2026"] {
        for lang in ["ar", "en", "es", "fr", "ru", "zh"] {
            let blank = template(q, lang);
            assert!(blank.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
            let path = dir.path().join(format!("{q}-{lang}.xml"));
            std::fs::write(&path, fill(&blank, q)).unwrap();
            let schemas = repo().join("schemas");
            let out = run(&["check", "--schemas", schemas.to_str().unwrap(), path.to_str().unwrap()]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{q} {lang}: {stdout}");
            assert!(stdout.contains("complete; 0 errors"), "{q} {lang}: {stdout}");
        }
    }
}

#[test]
fn a_blank_xml_template_reads_back_as_a_return_without_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.xml");
    std::fs::write(&path, template("TIP-2026", "fr")).unwrap();
    let schemas = repo().join("schemas");
    let out = run(&["check", "--schemas", schemas.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rejected (unknown-state)"), "{stdout}");
}

#[test]
fn an_unknown_questionnaire_or_language_is_a_usage_error() {
    let schemas = repo().join("schemas");
    let out =
        run(&["template", "UNTOC-1999", "--xml", "--lang", "fr", "--schemas", schemas.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNTOC-1999"));
    let out =
        run(&["template", "UNTOC-2026", "--xml", "--lang", "de", "--schemas", schemas.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}
