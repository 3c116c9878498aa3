//! `art32 template QUESTIONNAIRE --xlsform`: the XLSForm has the sheets,
//! columns and names of the XLSForm spec and of SPEC 5.1; an ODK submission
//! instance built from its field names comes back through `art32 run` with
//! exactly the answers put in; and pyxform converts it without errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use art32::schema::{ASSISTANCE_TYPES, Kind, Questionnaire, Schemas};
use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;

const LABELS: [&str; 6] = [
    "label::English (en)",
    "label::French (fr)",
    "label::Spanish (es)",
    "label::Russian (ru)",
    "label::Chinese (zh)",
    "label::Arabic (ar)",
];

fn schemas() -> Schemas {
    Schemas::load(&repo().join("schemas")).unwrap()
}

/// Writes the XLSForm of `q` into `dir`.
fn xlsform(q: &str, dir: &Path) -> PathBuf {
    let path = dir.join(format!("{q}.xlsx"));
    let schemas = repo().join("schemas");
    let out = run(&[
        "template",
        q,
        "--xlsform",
        "-o",
        path.to_str().unwrap(),
        "--schemas",
        schemas.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// A sheet of the form as rows of (header -> text).
fn sheet(path: &Path, name: &str) -> Vec<BTreeMap<String, String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)), "{name} starts in A1");
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(Data::to_string).collect();
    rows.map(|r| header.iter().cloned().zip(r.iter().map(Data::to_string)).collect()).collect()
}

fn header(path: &Path, name: &str) -> Vec<String> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().next().unwrap().iter().map(Data::to_string).filter(|h| !h.is_empty()).collect()
}

#[test]
fn the_xlsform_has_the_sheets_columns_and_names_the_reader_reads() {
    let schemas = schemas();
    let dir = tempfile::tempdir().unwrap();
    for q in &schemas.questionnaires {
        let path = xlsform(&q.id, dir.path());
        let wb: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(wb.sheet_names(), ["survey", "choices", "settings"]);

        let mut want = vec!["type", "name"];
        want.extend(LABELS);
        want.extend(["required", "relevant"]);
        assert_eq!(header(&path, "survey"), want);
        let mut want = vec!["list_name", "name"];
        want.extend(LABELS);
        assert_eq!(header(&path, "choices"), want);

        let settings = sheet(&path, "settings");
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0]["form_id"], q.id);
        assert_eq!(settings[0]["version"], q.version.to_string());
        assert_eq!(settings[0]["default_language"], "English (en)");
        assert!(!settings[0]["form_title"].is_empty());

        let survey = sheet(&path, "survey");
        let by_name: BTreeMap<&str, &BTreeMap<String, String>> =
            survey.iter().filter(|r| !r["name"].is_empty()).map(|r| (r["name"].as_str(), r)).collect();
        for (name, kind) in [
            ("state", "text"),
            ("submitted", "date"),
            ("language", "select_one language"),
            ("focal_point_name", "text"),
            ("focal_point_institution", "text"),
            ("focal_point_email", "text"),
            ("focal_point_phone", "text"),
        ] {
            assert_eq!(by_name[name]["type"], kind, "{name}");
        }
        let groups = |t: &str| survey.iter().filter(|r| r["type"] == t).count();
        assert_eq!(groups("begin_group"), groups("end_group"));
        assert_eq!(groups("begin_group"), 1 + q.sections.len());
        for question in &q.questions {
            let name = question.id.replace('.', "_");
            let row = by_name.get(name.as_str()).unwrap_or_else(|| panic!("{name} not in the survey"));
            let kind = match question.kind {
                Kind::YesNo | Kind::Need => "select_one ynna".to_owned(),
                Kind::YesNoPartial => "select_one ynp".to_owned(),
                Kind::Text => "text".to_owned(),
                Kind::Number => "decimal".to_owned(),
                Kind::Date => "date".to_owned(),
                Kind::Choice => format!("select_one c_{name}"),
                Kind::MultiChoice => format!("select_multiple c_{name}"),
            };
            assert_eq!(row["type"], kind, "{name}");
            assert_eq!(row["required"], if question.required { "yes" } else { "" }, "{name}");
            for label in LABELS {
                assert!(!row[label].is_empty(), "{name}: {label}");
            }
            assert_eq!(row["label::English (en)"], question.text["en"]);
            if let Some(fr) = question.text.get("fr") {
                assert_eq!(&row["label::French (fr)"], fr);
            }
            if question.kind == Kind::Need {
                let a = by_name[format!("{name}_assistance").as_str()];
                assert_eq!(a["type"], "select_multiple assistance");
                assert_eq!(a["relevant"], format!("${{{name}}} = 'yes'"));
                assert_eq!(by_name[format!("{name}_comment").as_str()]["type"], "text");
            }
        }
        // One field per question, plus two per need, the seven cover fields and the groups.
        let needs = q.questions.iter().filter(|x| x.kind == Kind::Need).count();
        assert_eq!(by_name.len(), q.questions.len() + 2 * needs + 7 + 1 + q.sections.len());

        let choices = sheet(&path, "choices");
        let list = |l: &str| -> Vec<String> {
            choices.iter().filter(|c| c["list_name"] == l).map(|c| c["name"].clone()).collect()
        };
        assert_eq!(list("ynna"), ["yes", "no", "not-applicable"]);
        assert_eq!(list("ynp"), ["yes", "no", "partial", "not-applicable"]);
        assert_eq!(list("assistance"), ASSISTANCE_TYPES);
        assert_eq!(list("language"), ["ar", "en", "es", "fr", "ru", "zh"]);
        for question in q.questions.iter().filter(|x| !x.choices.is_empty()) {
            assert_eq!(list(&format!("c_{}", question.id.replace('.', "_"))), question.choices);
        }
        for c in &choices {
            for label in LABELS {
                assert!(!c[label].is_empty(), "{c:?}: {label}");
            }
        }
    }
}

/// Text safe in XML character data.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// What a question must read back as: kind, value, and for a need answered
/// yes its assistance types and comment.
type Expected = (String, String, Option<(Vec<String>, String)>);

/// An ODK Central / Kobo submission instance of the form at `form`, built
/// from the form's own rows: groups as elements, each field named as in the
/// survey sheet, choice values from the choices sheet.
fn instance(form: &Path, q: &Questionnaire, state: &str, uuid: &str) -> (String, BTreeMap<String, Expected>) {
    let settings = sheet(form, "settings");
    let choices = sheet(form, "choices");
    let names = |list: &str| -> Vec<String> {
        choices.iter().filter(|c| c["list_name"] == list).map(|c| c["name"].clone()).collect()
    };
    let mut xml = format!(
        "<?xml version='1.0' encoding='UTF-8' ?>\n<data xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:orx=\"http://openrosa.org/xforms\" id=\"{}\" version=\"{}\">\n<formhub><uuid>0f1e2d3c</uuid></formhub>\n",
        settings[0]["form_id"], settings[0]["version"]
    );
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    let mut open: Vec<String> = Vec::new();
    // The answer of the need a field belongs to, for its `relevant`.
    let mut need_yes: BTreeMap<String, bool> = BTreeMap::new();
    for row in sheet(form, "survey") {
        let (kind, name) = (row["type"].as_str(), row["name"].as_str());
        let value = match kind {
            "begin_group" => {
                xml.push_str(&format!("<{name}>\n"));
                open.push(name.to_owned());
                continue;
            }
            "end_group" => {
                xml.push_str(&format!("</{}>\n", open.pop().unwrap()));
                continue;
            }
            _ if name == "state" => state.to_owned(),
            _ if name == "submitted" => "2026-03-02".to_owned(),
            _ if name == "language" => "fr".to_owned(),
            _ if name.starts_with("focal_point_") => format!("{name} & co"),
            _ => {
                let (base, part) = match (name.strip_suffix("_assistance"), name.strip_suffix("_comment")) {
                    (Some(b), _) => (b, "assistance"),
                    (_, Some(b)) => (b, "comment"),
                    _ => (name, ""),
                };
                let (i, question) = q
                    .questions
                    .iter()
                    .enumerate()
                    .find(|(_, x)| x.id.replace('.', "_") == base)
                    .unwrap_or_else(|| panic!("{name} names no question"));
                let id = question.id.clone();
                match part {
                    "assistance" => {
                        if !need_yes[base] {
                            String::new()
                        } else {
                            let types = [ASSISTANCE_TYPES[i % 12], ASSISTANCE_TYPES[(i + 7) % 12]];
                            let mut sorted: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
                            sorted.sort();
                            expected.get_mut(&id).unwrap().2 = Some((sorted, String::new()));
                            types.join(" ")
                        }
                    }
                    "comment" => {
                        if need_yes[base] {
                            let comment = format!("Besoin <urgent> & précis ({id})");
                            expected.get_mut(&id).unwrap().2.as_mut().unwrap().1 = comment.clone();
                            comment
                        } else {
                            String::new()
                        }
                    }
                    _ => {
                        let list = kind.split_once(' ').map(|(_, l)| l);
                        let (value, shown) = match (question.kind, list) {
                            (Kind::Need, Some(l)) => {
                                let v = names(l)[i % 2].clone();
                                need_yes.insert(base.to_owned(), v == "yes");
                                (v.clone(), v)
                            }
                            (Kind::YesNo | Kind::YesNoPartial, Some(l)) => {
                                let options = names(l);
                                let v = options[i % options.len()].clone();
                                (v.clone(), v)
                            }
                            (Kind::Choice, Some(l)) => {
                                let options = names(l);
                                let v = options[i % options.len()].clone();
                                (v.clone(), v)
                            }
                            (Kind::MultiChoice, Some(l)) => {
                                let options = names(l);
                                let (a, b) = (&options[1 % options.len()], &options[options.len() - 1]);
                                (format!("{a} {b}"), format!("{a};{b}"))
                            }
                            (Kind::Number, None) => (format!("{}.25", i + 1), format!("{}.25", i + 1)),
                            (Kind::Date, None) => {
                                let d = format!("2018-0{}-1{}", i % 9 + 1, i % 10);
                                (d.clone(), d)
                            }
                            (Kind::Text, None) => {
                                let t = format!("Loi nº 12 & décret <3> ({id})");
                                (t.clone(), t)
                            }
                            other => panic!("{name}: unexpected type {kind} for {other:?}"),
                        };
                        expected.insert(id, (question.kind.code().to_owned(), shown, None));
                        value
                    }
                }
            }
        };
        if value.is_empty() {
            xml.push_str(&format!("<{name}/>\n"));
        } else {
            xml.push_str(&format!("<{name}>{}</{name}>\n", escape(&value)));
        }
    }
    assert!(open.is_empty(), "groups are balanced");
    xml.push_str(&format!(
        "<__version__>vQ8nS2</__version__>\n<meta>\n<instanceID>uuid:{uuid}</instanceID>\n<instanceName>{state}</instanceName>\n</meta>\n</data>\n"
    ));
    (xml, expected)
}

#[test]
fn an_odk_instance_of_the_xlsform_reads_back_exactly() {
    let schemas = schemas();
    let forms = tempfile::tempdir().unwrap();
    let cycle = TestCycle::new();
    let mut expected: BTreeMap<(String, String), Expected> = BTreeMap::new();
    for (n, q) in schemas.questionnaires.iter().enumerate() {
        let form = xlsform(&q.id, forms.path());
        let (xml, want) = instance(&form, q, "FRA", &format!("4b1c9e52-0000-4000-8000-00000000000{n}"));
        std::fs::write(cycle.inbox(&format!("odk/{}-submission.xml", q.id)), xml).unwrap();
        for (id, e) in want {
            expected.insert((q.id.clone(), id), e);
        }
    }
    cycle.run(&[]);
    for entry in cycle.manifest() {
        assert_eq!(entry["status"], "accepted", "{entry}");
        assert_eq!(entry["warnings"].as_array().map_or(0, Vec::len), 0, "{entry}");
    }
    let mut got: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for row in cycle.csv("answers.csv") {
        assert_eq!(row["iso3"], "FRA");
        assert_eq!(row["status"], "valid", "{row:?}");
        let key = (row["questionnaire"].clone(), row["question"].clone());
        assert!(got.insert(key, (row["kind"].clone(), row["value"].clone())).is_none());
    }
    let want: BTreeMap<_, _> =
        expected.iter().map(|(k, e)| (k.clone(), (e.0.clone(), e.1.clone()))).collect();
    assert_eq!(got, want, "answers.csv holds exactly the answers put in");

    let mut needs: BTreeMap<(String, String), (Vec<String>, String)> = BTreeMap::new();
    for row in cycle.csv("needs.csv") {
        let e = needs
            .entry((row["questionnaire"].clone(), row["question"].clone()))
            .or_insert_with(|| (Vec::new(), row["comment"].clone()));
        e.0.push(row["assistance_type"].clone());
    }
    for e in needs.values_mut() {
        e.0.sort();
    }
    let want: BTreeMap<_, _> =
        expected.iter().filter_map(|(k, e)| e.2.clone().map(|n| (k.clone(), n))).collect();
    assert!(!want.is_empty());
    assert_eq!(needs, want, "needs.csv holds exactly the needs declared");

    for row in cycle.csv("compliance.csv").iter().filter(|r| r["iso3"] == "FRA") {
        assert_eq!(row["status"], "complete", "{row:?}");
    }
}

fn python_has_pyxform() -> bool {
    Command::new("python3").args(["-c", "import pyxform"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn pyxform_converts_the_xlsform_without_errors() {
    if !python_has_pyxform() {
        let msg = "pyxform is not installed: `python3 -m pip install pyxform==4.5.0` (.ci/run does)";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    // ODK Validate (JavaRosa), shipped with pyxform, runs when Java is there.
    let java = Command::new("java").arg("-version").output().is_ok_and(|o| o.status.success());
    if !java {
        eprintln!("note: no Java, so pyxform converts without ODK Validate");
    }
    let schemas = schemas();
    let dir = tempfile::tempdir().unwrap();
    for q in &schemas.questionnaires {
        let form = xlsform(&q.id, dir.path());
        let xform = dir.path().join(format!("{}.xml", q.id));
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys\nfrom pyxform.xls2xform import xls2xform_convert\n\
                 w = xls2xform_convert(sys.argv[1], sys.argv[2], validate=sys.argv[3] == 'yes')\n\
                 print('\\n'.join(w))\nsys.exit(1 if w else 0)",
                form.to_str().unwrap(),
                xform.to_str().unwrap(),
                if java { "yes" } else { "no" },
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: pyxform failed or warned:\n{}{}",
            q.id,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let xml = std::fs::read_to_string(&xform).unwrap();
        assert!(xml.contains(&format!("<data id=\"{}\" version=\"{}\">", q.id, q.version)), "{}", q.id);
        for question in &q.questions {
            let name = question.id.replace('.', "_");
            assert!(xml.contains(&format!("<{name}/>")), "{name} not in the XForm instance");
        }
    }
}
