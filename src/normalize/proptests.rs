//! Property tests of normalize against the real `schemas/`: no text in any
//! script makes a normalizer panic, every vocabulary token and assistance
//! list reads the same however it is spaced, cased and separated, dates
//! round-trip through every accepted form, and folding is idempotent.
//!
//! The number of cases per property is proptest's (256, or `PROPTEST_CASES`).

use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;

use super::fold::fold;
use super::scalar::{date, number};
use super::{answer, assistance_list, mark, split_list, suggest};
use crate::model::{Date, Lang, RawAnswer, RawField, RawValue};
use crate::provenance::SourceRef;
use crate::schema::{ASSISTANCE_TYPES, Kind, Question, Schemas, Vocabulary};

static SCHEMAS: LazyLock<Schemas> = LazyLock::new(|| {
    Schemas::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").as_path())
        .unwrap_or_else(|e| panic!("schemas/ does not load:\n{e}"))
});

/// `vocabulary.toml` as plain TOML, read independently of the loader.
static VOCABULARY_TOML: LazyLock<toml::Table> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join("vocabulary.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
});

/// One question of every kind, from the real questionnaires.
static QUESTIONS: LazyLock<Vec<&'static Question>> = LazyLock::new(|| {
    let all: Vec<&Question> = SCHEMAS.questionnaires.iter().flat_map(|q| q.questions.iter()).collect();
    let kinds = [
        Kind::YesNo,
        Kind::YesNoPartial,
        Kind::Text,
        Kind::Number,
        Kind::Date,
        Kind::Choice,
        Kind::MultiChoice,
        Kind::Need,
    ];
    kinds
        .iter()
        .map(|k| *all.iter().find(|q| q.kind == *k).unwrap_or_else(|| panic!("no {k:?} question")))
        .collect()
});

fn vocab() -> &'static Vocabulary {
    &SCHEMAS.vocabulary
}

/// Every (code, language, string) of a table of `vocabulary.toml`.
fn toml_strings(table: &str) -> Vec<(String, Lang, String)> {
    let mut out = Vec::new();
    for (code, per_lang) in VOCABULARY_TOML[table].as_table().unwrap() {
        for (lang, strings) in per_lang.as_table().unwrap() {
            let lang = Lang::from_code(lang).unwrap();
            let strings: Vec<&str> = match strings {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(a) => a.iter().map(|s| s.as_str().unwrap()).collect(),
                other => panic!("[{table}] {code}.{}: unexpected {other}", lang.code()),
            };
            out.extend(strings.into_iter().map(|s| (code.clone(), lang, s.to_owned())));
        }
    }
    out
}

static ANSWER_STRINGS: LazyLock<Vec<(String, Lang, String)>> = LazyLock::new(|| toml_strings("answer"));

/// Assistance labels that hold no list separator, so that any separator splits them apart.
static ASSISTANCE_STRINGS: LazyLock<Vec<(String, Lang, String)>> = LazyLock::new(|| {
    toml_strings("assistance")
        .into_iter()
        .filter(|(_, _, s)| {
            !s.contains([
                ';', ',', '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{0B}', '\u{0C}', '、', '；', '，',
                '،', '؛',
            ])
        })
        .collect()
});

/// Characters from every script a return is written in, and the awkward
/// ones around them: combining marks, harakat, tatweel, zero-width and
/// ideographic spaces, full-width forms, punctuation, list separators.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        any::<char>(),
        proptest::char::range(' ', '~'),
        proptest::char::range('\u{00A0}', '\u{024F}'), // Latin-1, Latin Extended
        proptest::char::range('\u{0300}', '\u{036F}'), // combining diacritics
        proptest::char::range('\u{0400}', '\u{04FF}'), // Cyrillic
        proptest::char::range('\u{0600}', '\u{06FF}'), // Arabic, harakat, tatweel
        proptest::char::range('\u{FB50}', '\u{FEFF}'), // Arabic presentation forms, BOM
        proptest::char::range('\u{2000}', '\u{206F}'), // spaces, quotes, zero-width
        proptest::char::range('\u{3000}', '\u{303F}'), // CJK punctuation
        proptest::char::range('\u{4E00}', '\u{9FFF}'), // CJK ideographs
        proptest::char::range('\u{FF00}', '\u{FFEF}'), // full-width forms
        proptest::char::range('\u{1D400}', '\u{1D7FF}'), // mathematical letters (NFKC)
        proptest::sample::select(vec!['\u{FDFA}', '\u{FB4F}', 'ß', 'İ', 'ſ', 'Σ', 'ς', 'ǅ', '\u{0345}']),
    ]
}

/// Text in any mix of scripts.
fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any_char(), 0..40).prop_map(|cs| cs.into_iter().collect())
}

/// A cell value of any type.
fn any_value() -> impl Strategy<Value = RawValue> {
    prop_oneof![
        4 => any_text().prop_map(RawValue::Text),
        1 => any::<i64>().prop_map(RawValue::Int),
        1 => any::<f64>().prop_map(RawValue::Float),
        1 => any::<bool>().prop_map(RawValue::Bool),
        1 => (1..=9999i32, 1..=12u32, 1..=31u32)
            .prop_filter_map("a valid date", |(y, m, d)| Date::new(y, m, d).map(RawValue::Date)),
        1 => any_text().prop_map(RawValue::Error),
        1 => Just(RawValue::Empty),
    ]
}

fn any_lang() -> impl Strategy<Value = Option<Lang>> {
    proptest::option::of(proptest::sample::select(Lang::ALL.to_vec()))
}

/// Whitespace that people and spreadsheets put around a value.
fn spacing() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec![' ', '\t', '\u{A0}', '\u{3000}', '\u{2009}']),
        0..4,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// `s` with the case of each character flipped or not, per `flips`.
fn recase(s: &str, flips: &[bool]) -> String {
    s.chars()
        .zip(flips.iter().cycle())
        .map(|(c, &flip)| {
            let other: Vec<char> =
                if c.is_uppercase() { c.to_lowercase().collect() } else { c.to_uppercase().collect() };
            match other[..] {
                [o] if flip => o,
                _ => c,
            }
        })
        .collect()
}

fn field(value: RawValue, col: u32) -> RawField {
    RawField { value, source: SourceRef::cell("Answers", 9, col) }
}

proptest! {
    #[test]
    fn no_text_makes_a_normalizer_panic(text in any_text(), lang in any_lang()) {
        let v = vocab();
        let folded = fold(&text);
        let _ = v.answer.lookup_folded(&folded, lang);
        let _ = v.token(&text, lang);
        let _ = v.assistance.lookup(&text, lang);
        let _ = v.choice.lookup(&text, lang);
        // A remembered lookup gives what a fresh one gives.
        for table in [&v.answer, &v.assistance, &v.choice, &v.cover, &v.column] {
            prop_assert_eq!(table.lookup(&text, lang), table.lookup_unmemoized(&text, lang));
            prop_assert_eq!(table.lookup(&text, lang), table.lookup_unmemoized(&text, lang));
        }
        let _ = v.cover_key(&text);
        let _ = v.column_key(&text);
        let _ = v.language(&text);
        let value = RawValue::Text(text.clone());
        let _ = number(&value, lang);
        let _ = date(&value);
        let _ = assistance_list(&value, v, lang);
        let _ = mark(&value, v);
        let _ = split_list(&text, |p| p.len() % 2 == 0);
    }

    #[test]
    fn no_value_makes_an_answer_of_any_kind_panic(
        value in any_value(),
        assistance in proptest::collection::vec(any_value(), 0..3),
        marks in proptest::collection::vec(any_value(), 0..3),
        comment in proptest::option::of(any_value()),
        lang in any_lang(),
    ) {
        for q in QUESTIONS.iter() {
            let raw = RawAnswer {
                question: q.id.clone(),
                id_source: SourceRef::cell("Answers", 9, 0),
                answer: field(value.clone(), 2),
                assistance: assistance.iter().cloned().map(|a| field(a, 3)).collect(),
                marks: marks
                    .iter()
                    .cloned()
                    .zip(ASSISTANCE_TYPES)
                    .map(|(m, code)| (code.to_owned(), field(m, 4)))
                    .collect(),
                unknown_marks: Vec::new(),
                comment: comment.clone().map(|c| field(c, 5)),
            };
            let typed = answer(&raw, q, vocab(), lang);
            prop_assert_eq!(&typed.question, &q.id);
            let _ = suggest(&value.to_string(), q.kind, vocab(), lang);
            let _ = number(&value, lang);
            let _ = date(&value);
            let _ = mark(&value, vocab());
        }
    }

    #[test]
    fn every_answer_token_names_its_code_however_spaced_and_cased(
        entry in proptest::sample::select(ANSWER_STRINGS.clone()),
        before in spacing(),
        after in spacing(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
        with_lang in any::<bool>(),
    ) {
        let (code, lang, s) = entry;
        let text = format!("{before}{}{after}", recase(&s, &flips));
        let got = vocab().token(&text, with_lang.then_some(lang));
        prop_assert_eq!(got.map(|t| t.code()), Some(code.as_str()), "{:?} ({})", text, lang.code());
    }

    #[test]
    fn assistance_lists_parse_the_same_whatever_the_separators(
        entries in proptest::collection::vec(proptest::sample::select(ASSISTANCE_STRINGS.clone()), 1..6),
        seps in proptest::collection::vec(
            proptest::sample::select(vec![";", ",", "\n", "\r\n", "、", "；"]), 5),
        spaces in proptest::collection::vec((spacing(), spacing()), 6),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let mut text = String::new();
        for (i, (_, _, label)) in entries.iter().enumerate() {
            if i > 0 {
                text.push_str(seps[i - 1]);
            }
            let (before, after) = &spaces[i];
            text.push_str(&format!("{before}{}{after}", recase(label, &flips)));
        }
        // Each type once, in the order first named.
        let mut want: Vec<&str> = Vec::new();
        for (code, _, _) in &entries {
            if !want.contains(&code.as_str()) {
                want.push(code.as_str());
            }
        }
        let lang = entries[0].1;
        for l in [None, Some(lang)] {
            let (codes, unknown) = assistance_list(&RawValue::Text(text.clone()), vocab(), l);
            prop_assert_eq!(&codes, &want, "{:?}", text);
            prop_assert!(unknown.is_empty(), "{:?}: unknown {:?}", text, unknown);
        }
    }

    #[test]
    fn valid_dates_round_trip_through_every_accepted_form(
        (y, m, d) in (1..=9999i32, 1..=12u32, 1..=31u32)
            .prop_filter("a valid date", |(y, m, d)| Date::new(*y, *m, *d).is_some()),
        pad in any::<bool>(),
        before in spacing(),
        after in spacing(),
    ) {
        let want = Date::new(y, m, d);
        let (dd, mm) = if pad { (format!("{d:02}"), format!("{m:02}")) } else { (d.to_string(), m.to_string()) };
        for text in [
            format!("{y:04}-{m:02}-{d:02}"),
            format!("{y:04}-{m:02}-{d:02}T12:30:00"),
            format!("{dd}/{mm}/{y:04}"),
            format!("{dd}.{mm}.{y:04}"),
        ] {
            let got = date(&RawValue::Text(format!("{before}{text}{after}"))).ok();
            prop_assert_eq!(got, want, "{:?}", text);
            prop_assert_eq!(got.map(|g| g.to_string()), Some(format!("{y:04}-{m:02}-{d:02}")));
        }
    }

    #[test]
    fn fold_is_idempotent(text in any_text()) {
        let once = fold(&text);
        prop_assert_eq!(fold(&once), once.clone(), "{:?}", text);
    }
}

/// The inputs on which `fold_is_idempotent` first failed: NFKC made a grave
/// accent of a full-width one after apostrophes were mapped, and a dropped
/// Arabic mark left two combining accents out of canonical order.
#[test]
fn fold_is_idempotent_where_it_once_was_not() {
    for text in ["〃｀\0", "\u{300}\u{6dd}\u{316}", "x｀s"] {
        let once = fold(text);
        assert_eq!(fold(&once), once, "{text:?}");
    }
    assert_eq!(fold("l｀eau"), fold("l'eau"));
}
