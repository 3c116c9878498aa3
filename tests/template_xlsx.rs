//! `art32 template QUESTIONNAIRE --lang L`: the workbook templates, filled in
//! in their own language by a program as a State would by hand, come back
//! through `art32 run` with exactly the answers put in; and the templates are
//! protected, right to left in Arabic, byte-identical from run to run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use art32::model::{Lang, Token};
use art32::schema::{ASSISTANCE_TYPES, Kind, Questionnaire, Schemas, Vocabulary};
use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// One State per language, party to every instrument.
const REGISTER: &str = "iso3,name,region,aliases,UNTOC,TIP,SOM,FIREARMS
EGY,Egypt,AFRICA,مصر,2004-03-05,2004-03-05,2005-03-01,2004-12-09
GBR,United Kingdom,WEOG,,2006-02-09,2006-02-09,2006-02-09,2020-01-01
ESP,Spain,WEOG,España,2002-03-01,2002-03-01,2002-03-01,2007-02-09
FRA,France,WEOG,République française,2002-10-29,2002-10-29,2002-10-29,2019-03-28
RUS,Russian Federation,EASTERN-EUROPE,Российская Федерация,2004-05-26,2004-05-26,2004-05-26,2004-05-26
CHN,China,ASIA-PACIFIC,中国,2003-09-23,2010-02-08,2003-09-23,2003-09-23
";

/// The State that answers in each language.
fn state_of(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "EGY",
        Lang::En => "GBR",
        Lang::Es => "ESP",
        Lang::Fr => "FRA",
        Lang::Ru => "RUS",
        Lang::Zh => "CHN",
    }
}

/// Free text as a State would write it.
fn sample_text(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "القانون رقم 12 لسنة 2020",
        Lang::En => "Act No. 12 of 2020",
        Lang::Es => "Ley n.º 12 de 2020",
        Lang::Fr => "Loi nº 12 du 1er mars 2020",
        Lang::Ru => "Закон № 12 от 2020 года",
        Lang::Zh => "2020年第12号法",
    }
}

fn schemas() -> Schemas {
    Schemas::load(&repo().join("schemas")).unwrap()
}

/// iso3, questionnaire, question.
type Key = (String, String, String);

/// What one answer row should read back as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    kind: String,
    value: String,
    /// The text typed, when it was typed as text.
    raw: Option<String>,
    /// Assistance types and comment of a need answered yes.
    need: Option<(Vec<String>, String)>,
}

/// A cell to write into the filled-in copy.
enum Cell {
    Text(String),
    Number(f64),
    Date(u16, u8, u8),
}

/// The answer a State answering in `lang` gives to the `i`-th question: the
/// cells to write (answer, assistance marks, comment) and what must come back.
fn answer(
    i: usize,
    q: &art32::schema::Question,
    vocab: &Vocabulary,
    lang: Lang,
) -> (Cell, Vec<&'static str>, Option<String>, Expected) {
    let token = |t: Token| {
        let label = vocab.answer.label(t.code(), lang).to_owned();
        (Cell::Text(label.clone()), t.code().to_owned(), Some(label))
    };
    let mut marks = Vec::new();
    let mut comment = None;
    let mut need = None;
    let (cell, value, raw) = match q.kind {
        Kind::YesNo => token([Token::Yes, Token::No, Token::NotApplicable][i % 3]),
        Kind::YesNoPartial => token([Token::Yes, Token::No, Token::Partial, Token::NotApplicable][i % 4]),
        Kind::Need if i.is_multiple_of(2) => {
            marks = vec![ASSISTANCE_TYPES[i % 12], ASSISTANCE_TYPES[(i + 5) % 12]];
            let text = format!("{} ({})", sample_text(lang), q.id);
            comment = Some(text.clone());
            let mut types: Vec<String> = marks.iter().map(|m| (*m).to_owned()).collect();
            types.sort();
            need = Some((types, text));
            token(Token::Yes)
        }
        Kind::Need => token(Token::No),
        Kind::Text => {
            let text = format!("{} — {}", sample_text(lang), q.id);
            (Cell::Text(text.clone()), text.clone(), Some(text))
        }
        Kind::Number => {
            let x = i as f64 + 0.5;
            (Cell::Number(x), format!("{x}"), None)
        }
        Kind::Date => {
            let day = (i % 28) as u8 + 1;
            (Cell::Date(2019, 11, day), format!("2019-11-{day:02}"), None)
        }
        Kind::Choice => {
            let code = &q.choices[i % q.choices.len()];
            let label = vocab.choice.label(code, lang).to_owned();
            (Cell::Text(label.clone()), code.clone(), Some(label))
        }
        Kind::MultiChoice => {
            let (first, last) = (&q.choices[0], &q.choices[q.choices.len() - 1]);
            let text = format!("{}; {}", vocab.choice.label(first, lang), vocab.choice.label(last, lang));
            (Cell::Text(text.clone()), format!("{first};{last}"), Some(text))
        }
    };
    (cell, marks, comment, Expected { kind: q.kind.code().to_owned(), value, raw, need })
}

/// Fills in a generated template: opens it with calamine, writes a new
/// workbook with every cell of the template plus the cover values, the
/// answers, the assistance marks (`x`) and the comments, found by the machine
/// keys of the header rows. Returns what each question must read back as.
fn fill(
    template: &Path,
    out: &Path,
    q: &Questionnaire,
    vocab: &Vocabulary,
    lang: Lang,
) -> BTreeMap<String, Expected> {
    let mut src: Xlsx<_> = open_workbook(template).unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut wb = Workbook::new();
    let mut expected = BTreeMap::new();
    for name in src.sheet_names() {
        let range = src.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let ws = wb.add_worksheet().set_name(&name).unwrap();
        let mut grid: BTreeMap<(u32, u32), Data> = BTreeMap::new();
        for (r, c, v) in range.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            grid.insert((r, c), v.clone());
            let col = c as u16;
            match v {
                Data::String(s) => {
                    ws.write_string(r, col, s).unwrap();
                }
                Data::Float(x) => {
                    ws.write_number(r, col, *x).unwrap();
                }
                Data::Int(x) => {
                    ws.write_number(r, col, *x as f64).unwrap();
                }
                Data::Bool(b) => {
                    ws.write_boolean(r, col, *b).unwrap();
                }
                Data::DateTime(d) => {
                    ws.write_number_with_format(r, col, d.as_f64(), &date).unwrap();
                }
                other => panic!("{name}: unexpected cell {other:?} in a template"),
            }
        }
        let text = |r: u32, c: u32| match grid.get(&(r, c)) {
            Some(Data::String(s)) => Some(s.as_str()),
            _ => None,
        };
        // The cover: keys in column A, values in C.
        for &(r, c) in grid.keys().filter(|k| k.1 == 0) {
            let value = match text(r, c) {
                Some("state") => state_of(lang),
                Some("focal_point.name") => "Test Focal Point",
                Some("focal_point.email") => "focal.point@example.org",
                Some("submitted") => {
                    let d = ExcelDateTime::from_ymd(2026, 3, 1).unwrap();
                    ws.write_datetime_with_format(r, 2, &d, &date).unwrap();
                    continue;
                }
                _ => continue,
            };
            ws.write_string(r, 2, value).unwrap();
        }
        // The answer table: the header row of machine keys.
        let Some(header) = grid.keys().map(|k| k.0).find(|&r| {
            (0..32).any(|c| text(r, c) == Some("id")) && (0..32).any(|c| text(r, c) == Some("answer"))
        }) else {
            continue;
        };
        let col_of = |key: &str| (0..64).find(|&c| text(header, c) == Some(key));
        let (id_col, answer_col, comment_col) =
            (col_of("id").unwrap(), col_of("answer").unwrap(), col_of("comment").unwrap());
        let mark_cols: BTreeMap<String, u32> = (0..64)
            .filter_map(|c| Some((text(header, c)?.strip_prefix("assistance:")?.to_owned(), c)))
            .collect();
        let rows: Vec<u32> =
            grid.keys().map(|k| k.0).filter(|&r| r > header).collect::<BTreeSet<_>>().into_iter().collect();
        for r in rows {
            let Some(id) = text(r, id_col) else { continue };
            let Some((i, question)) = q.question(id) else { continue };
            let (cell, marks, comment, exp) = answer(i, question, vocab, lang);
            let col = answer_col as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, col, s).unwrap();
                }
                Cell::Number(x) => {
                    ws.write_number(r, col, x).unwrap();
                }
                Cell::Date(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                    ws.write_datetime_with_format(r, col, &dt, &date).unwrap();
                }
            }
            for code in marks {
                let c = mark_cols.get(code).unwrap_or_else(|| panic!("{name}: no assistance:{code} column"));
                ws.write_string(r, *c as u16, "x").unwrap();
            }
            if let Some(comment) = comment {
                ws.write_string(r, comment_col as u16, comment).unwrap();
            }
            assert!(expected.insert(id.to_owned(), exp).is_none(), "{id} twice in the template");
        }
    }
    wb.save(out).unwrap();
    assert_eq!(expected.len(), q.questions.len(), "{} {}: every question has a row", q.id, lang.code());
    expected
}

fn generate_all(dir: &Path) {
    let schemas = repo().join("schemas");
    let out =
        run(&["template", "--all", "-o", dir.to_str().unwrap(), "--schemas", schemas.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_template_filled_in_its_language_reads_back_exactly() {
    let schemas = schemas();
    let templates = tempfile::tempdir().unwrap();
    generate_all(templates.path());
    let cycle = TestCycle::with_register(REGISTER, "iso3,name,institution,email,phone,designated_on\n");
    let mut expected: BTreeMap<Key, Expected> = BTreeMap::new();
    let mut files = 0;
    for q in &schemas.questionnaires {
        for lang in Lang::ALL {
            let template = templates.path().join(format!("{}-{}.xlsx", q.id, lang.code()));
            let filled = cycle.inbox(&format!("{}/{}-{}.xlsx", state_of(lang), q.id, lang.code()));
            for (id, e) in fill(&template, &filled, q, &schemas.vocabulary, lang) {
                expected.insert((state_of(lang).to_owned(), q.id.clone(), id), e);
            }
            files += 1;
        }
    }
    assert_eq!(files, 24);
    cycle.run(&[]);

    for entry in cycle.manifest() {
        assert_eq!(entry["status"], "accepted", "{entry}");
        assert_eq!(entry["warnings"].as_array().map_or(0, Vec::len), 0, "{entry}");
    }
    let answers = cycle.csv("answers.csv");
    let mut got: BTreeMap<Key, (String, String, String, String)> = BTreeMap::new();
    for row in &answers {
        let key = (row["iso3"].clone(), row["questionnaire"].clone(), row["question"].clone());
        let value = (row["kind"].clone(), row["value"].clone(), row["raw"].clone(), row["status"].clone());
        assert!(got.insert(key.clone(), value).is_none(), "{key:?} twice in answers.csv");
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "answers.csv holds exactly the questions answered"
    );
    for (key, e) in &expected {
        let (kind, value, raw, status) = &got[key];
        assert_eq!((kind, value, status.as_str()), (&e.kind, &e.value, "valid"), "{key:?}");
        if let Some(r) = &e.raw {
            assert_eq!(raw, r, "{key:?}: raw text");
        }
    }

    let mut needs: BTreeMap<Key, (Vec<String>, String)> = BTreeMap::new();
    for row in cycle.csv("needs.csv") {
        let entry = needs
            .entry((row["iso3"].clone(), row["questionnaire"].clone(), row["question"].clone()))
            .or_insert_with(|| (Vec::new(), row["comment"].clone()));
        entry.0.push(row["assistance_type"].clone());
        assert_eq!(entry.1, row["comment"]);
        assert_eq!(row["bound"], "true");
    }
    for types in needs.values_mut() {
        types.0.sort();
    }
    let want: BTreeMap<_, _> =
        expected.iter().filter_map(|(k, e)| e.need.clone().map(|n| (k.clone(), n))).collect();
    assert!(want.len() >= 24, "some needs declared in every return");
    assert_eq!(needs, want, "needs.csv holds exactly the needs declared");

    let compliance = cycle.csv("compliance.csv");
    assert_eq!(compliance.len(), 24);
    for row in compliance {
        assert_eq!(row["status"], "complete", "{row:?}");
        assert_eq!(row["flags"], "", "{row:?}");
    }
}

/// The parts of an xlsx file, by name.
fn parts(path: &Path) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() {
            out.insert(f.name().unwrap().into_owned(), s);
        }
    }
    out
}

#[test]
fn templates_are_protected_right_to_left_in_arabic_and_identical_from_run_to_run() {
    let dir = tempfile::tempdir().unwrap();
    generate_all(dir.path());
    let schemas = repo().join("schemas");
    for lang in Lang::ALL {
        let path = dir.path().join(format!("SOM-2026-{}.xlsx", lang.code()));
        let sheets: Vec<(String, String)> =
            parts(&path).into_iter().filter(|(name, _)| name.starts_with("xl/worksheets/sheet")).collect();
        assert!(sheets.len() >= 2, "a cover and section sheets");
        for (name, xml) in &sheets {
            assert!(xml.contains("<sheetProtection"), "{name} is protected");
            assert!(!xml.contains("password="), "{name}: protection without a password");
            assert_eq!(xml.contains("rightToLeft=\"1\""), lang == Lang::Ar, "{name} in {}", lang.code());
            assert!(xml.contains("<dataValidations"), "{name} has dropdowns");
        }
        // Section sheets freeze their header rows.
        assert!(sheets.iter().skip(1).all(|(_, xml)| xml.contains("state=\"frozen\"")));

        // The same template twice, and from --all: the same bytes.
        let again = dir.path().join("again.xlsx");
        let out = run(&[
            "template",
            "SOM-2026",
            "--lang",
            lang.code(),
            "-o",
            again.to_str().unwrap(),
            "--schemas",
            schemas.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&path).unwrap(), "{}", lang.code());
    }
}

#[test]
fn the_cover_says_when_texts_fall_back_to_english() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    std::fs::copy(repo().join("schemas/vocabulary.toml"), schemas.join("vocabulary.toml")).unwrap();
    std::fs::write(
        schemas.join("TIP-2099.toml"),
        r#"id = "TIP-2099"
instrument = "TIP"
version = 3
title = { en = "Test questionnaire", fr = "Questionnaire d'essai" }

[[section]]
id = "general"
title = { en = "General", fr = "Généralités" }

[[question]]
id = "TIP.99.1"
section = "general"
article = "5"
kind = "yes-no"
required = true
text = { en = "Only in English?" }
"#,
    )
    .unwrap();
    let fr = dir.path().join("fr.xlsx");
    let out = run(&[
        "template",
        "TIP-2099",
        "--lang",
        "fr",
        "-o",
        fr.to_str().unwrap(),
        "--schemas",
        schemas.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut wb: Xlsx<_> = open_workbook(&fr).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names, ["Page de garde", "Généralités"]);
    let cover = wb.worksheet_range(&names[0]).unwrap();
    let note = cover
        .rows()
        .find(|row| {
            row.first().is_none_or(|a| *a == Data::Empty)
                && row.iter().any(|c| c.to_string().contains("anglais"))
        })
        .unwrap_or_else(|| panic!("no fallback note on the cover: {cover:?}"));
    assert!(note.iter().any(|c| c.to_string().contains("anglais")));
    let version = cover.rows().find(|row| row.first() == Some(&Data::String("version".into()))).unwrap();
    assert_eq!(version.get(2), Some(&Data::Float(3.0)));
    let section = wb.worksheet_range(&names[1]).unwrap();
    assert!(section.rows().any(|row| row.iter().any(|c| *c == Data::String("Only in English?".into()))));

    // English itself has nothing to fall back from.
    let en = dir.path().join("en.xlsx");
    let out = run(&[
        "template",
        "TIP-2099",
        "--lang",
        "en",
        "-o",
        en.to_str().unwrap(),
        "--schemas",
        schemas.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let mut wb: Xlsx<_> = open_workbook(&en).unwrap();
    let cover = wb.worksheet_range("Cover").unwrap();
    assert!(!cover.rows().any(|row| row.iter().any(|c| c.to_string().contains("given in English"))));
}

#[test]
fn template_usage_errors_exit_2() {
    let schemas = repo().join("schemas");
    let s = schemas.to_str().unwrap();
    for args in [
        vec!["template", "UNTOC-2026", "--schemas", s], // no --lang
        vec!["template", "UNTOC-2026", "--xml", "--xlsform", "--schemas", s], // two formats
        vec!["template", "--all", "--schemas", s],      // --all without -o
        vec!["template", "UNTOC-2026", "--all", "-o", "x", "--schemas", s], // --all and a questionnaire
        vec!["template", "--xlsform", "UNTOC-2026", "--lang", "fr", "--schemas", s],
        vec!["template", "UNTOC-1999", "--lang", "fr", "-o", "x.xlsx", "--schemas", s],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
