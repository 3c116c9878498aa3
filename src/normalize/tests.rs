//! Table-driven tests of normalize against the real `schemas/` (SPEC 3.4 and 4):
//! answer tokens in six languages, typed answers per kind, assistance lists,
//! checkbox marks and folding.

use std::path::Path;
use std::sync::LazyLock;

use super::fold::fold;
use super::{
    MAX_MATCHED_BYTES, Mark, Typed, Value, answer, assistance_list, assistance_parts, folds_to_something,
    mark, split_list,
};
use crate::model::Token::{No, NotApplicable as Na, Partial, Yes};
use crate::model::{Date, Lang, RawAnswer, RawField, RawValue, Token};
use crate::provenance::SourceRef;
use crate::schema::{Kind, Question, Schemas, Vocabulary};

static SCHEMAS: LazyLock<Schemas> = LazyLock::new(|| {
    Schemas::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").as_path())
        .unwrap_or_else(|e| panic!("schemas/ does not load:\n{e}"))
});

/// `vocabulary.toml` as plain TOML, to iterate its entries independently of the loader.
static VOCABULARY_TOML: LazyLock<toml::Table> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join("vocabulary.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
});

fn vocab() -> &'static Vocabulary {
    &SCHEMAS.vocabulary
}

fn t(s: &str) -> RawValue {
    RawValue::Text(s.to_owned())
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).unwrap()
}

fn codes(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Every (code, language, string) of a table of `vocabulary.toml`.
fn toml_strings(table: &str) -> Vec<(String, Lang, String)> {
    let mut out = Vec::new();
    let entries = VOCABULARY_TOML[table].as_table().unwrap();
    for (code, per_lang) in entries {
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

/// The question `id` of the fixture schemas, which must be of `kind`.
fn question(id: &str, kind: Kind) -> &'static Question {
    let q = SCHEMAS
        .questionnaires
        .iter()
        .find_map(|qn| qn.question(id))
        .map(|(_, q)| q)
        .unwrap_or_else(|| panic!("no question {id} in schemas/"));
    assert_eq!(q.kind, kind, "{id} changed kind in schemas/");
    q
}

fn field(value: RawValue, col: u32) -> RawField {
    RawField { value, source: SourceRef::cell("Answers", 9, col) }
}

fn raw(id: &str, value: RawValue) -> RawAnswer {
    RawAnswer {
        question: id.to_owned(),
        id_source: SourceRef::cell("Answers", 9, 0),
        answer: field(value, 2),
        assistance: Vec::new(),
        marks: Vec::new(),
        unknown_marks: Vec::new(),
        comment: None,
    }
}

// ---------------------------------------------------------------------------
// 1. Answer tokens

const AR: &[(&str, Token)] = &[
    ("نعم", Yes),
    ("نَعَم", Yes),
    ("نعـــم", Yes),
    (" نَعَمْ ", Yes),
    ("لا", No),
    ("لَا", No),
    ("ﻻ", No), // lam-alef presentation form, as pasted from PDFs (NFKC)
    ("جزئياً", Partial),
    ("جزئيا", Partial),
    ("جُزْئِيًّا", Partial),
    ("بشكل جزئي", Partial),
    ("لا ينطبق", Na),
    ("غير منطبق", Na),
    ("نعم.", Yes),
];

const EN: &[(&str, Token)] = &[
    ("Yes", Yes),
    ("YES", Yes),
    ("yes.", Yes),
    ("ＹＥＳ", Yes),
    ("Y", Yes),
    ("Yes, fully", Yes),
    ("No", No),
    (" no ", No),
    ("ＮＯ", No),
    ("N", No),
    ("Partly", Partial),
    ("Partially", Partial),
    ("Yes, in part", Partial),
    ("yes,  in   part", Partial),
    ("In part", Partial),
    ("N/A", Na),
    ("n/a", Na),
    ("Ｎ／Ａ", Na),
    ("NA", Na),
    ("n.a.", Na),
    ("Not applicable", Na),
];

const ES: &[(&str, Token)] = &[
    ("Sí", Yes),
    ("Si", Yes),
    ("SI", Yes),
    ("SÍ", Yes),
    ("¡Sí!", Yes),
    ("Sí, plenamente", Yes),
    ("No", No),
    ("NO.", No),
    ("Parcialmente", Partial),
    ("En parte", Partial),
    ("Sí, en parte", Partial),
    ("Parcial", Partial),
    ("No procede", Na),
    ("NO PROCEDE", Na),
    ("No aplica", Na),
    ("No aplicable", Na),
];

const FR: &[(&str, Token)] = &[
    ("Oui", Yes),
    (" oui ", Yes),
    ("OUI.", Yes),
    ("«Oui»", Yes),
    ("Oui, entièrement", Yes),
    ("Non", No),
    ("NON", No),
    ("Partiellement", Partial),
    ("PARTIELLEMENT", Partial),
    ("En partie", Partial),
    ("Oui, en partie", Partial),
    ("Partiel", Partial),
    ("Sans objet", Na),
    ("sans objet.", Na),
    ("S.O.", Na),
    ("Non applicable", Na),
];

const RU: &[(&str, Token)] = &[
    ("Да", Yes),
    ("ДА", Yes),
    (" да. ", Yes),
    ("Да, полностью", Yes),
    ("нет", No),
    ("Нет", No),
    ("НЕТ.", No),
    ("Частично", Partial),
    ("ЧАСТИЧНО", Partial),
    ("Да, частично", Partial),
    ("Неприменимо", Na),
    ("Не применимо", Na),
];

const ZH: &[(&str, Token)] = &[
    ("是", Yes),
    ("是的", Yes),
    ("是。", Yes),
    ("（是）", Yes),
    ("　是　", Yes), // ideographic spaces
    ("有", Yes),
    ("否", No),
    ("不是", No),
    ("没有", No),
    ("无", No),
    ("部分", Partial),
    ("部分是", Partial),
    ("不适用", Na),
    ("不适用。", Na),
];

#[test]
fn answer_tokens_in_six_languages_with_and_without_the_language() {
    let tables: [(Lang, &[(&str, Token)]); 6] =
        [(Lang::Ar, AR), (Lang::En, EN), (Lang::Es, ES), (Lang::Fr, FR), (Lang::Ru, RU), (Lang::Zh, ZH)];
    let mut failures = Vec::new();
    for (lang, cases) in tables {
        assert!(cases.len() >= 10, "{}: only {} cases", lang.code(), cases.len());
        for &(text, want) in cases {
            for l in [Some(lang), None] {
                let got = vocab().token(text, l);
                if got != Some(want) {
                    failures.push(format!("token({text:?}, {l:?}) = {got:?}, want {want:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn answer_tokens_do_not_depend_on_the_declared_language() {
    // A return declared French may still say "Yes": every language is tried.
    let cases =
        [("Yes", Lang::Fr, Yes), ("Oui", Lang::Zh, Yes), ("Нет", Lang::Es, No), ("不适用", Lang::Ar, Na)];
    for (text, lang, want) in cases {
        assert_eq!(vocab().token(text, Some(lang)), Some(want), "{text:?} in a {lang:?} return");
    }
}

#[test]
fn non_answers_are_not_tokens() {
    let cases = [
        "Peut-être",
        "peut etre",
        "Maybe",
        "Tal vez",
        "Возможно",
        "也许",
        "ربما",
        "1",
        "0",
        "x",
        "",
        "   ",
        "-",
        "Yes/No",
        "Oui/Non",
        "Yes, see the comment",
        "Yess",
        "Training",
        "#N/A",
        "#REF!",
    ];
    for text in cases {
        for lang in [None, Some(Lang::En), Some(Lang::Fr), Some(Lang::Zh)] {
            assert_eq!(vocab().token(text, lang), None, "token({text:?}, {lang:?})");
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Every [answer] string of vocabulary.toml

#[test]
fn every_answer_string_of_the_vocabulary_names_its_own_code() {
    let strings = toml_strings("answer");
    assert!(strings.len() >= 4 * 6, "{} answer strings", strings.len());
    let mut failures = Vec::new();
    for (code, lang, text) in &strings {
        let want = Token::from_code(code);
        assert!(want.is_some(), "[answer] has the unknown code {code:?}");
        for l in [Some(*lang), None] {
            let got = vocab().token(text, l);
            if got != want {
                failures.push(format!("[answer] {code}.{}: token({text:?}, {l:?}) = {got:?}", lang.code()));
            }
        }
        // As typed by someone who shouts, or pads the cell.
        let loud = format!("  {}  ", text.to_uppercase());
        if vocab().token(&loud, Some(*lang)) != want {
            failures.push(format!("[answer] {code}.{}: {loud:?} does not match", lang.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// 3. normalize::answer per kind

/// Cases for one question: (raw value, language of the return, expected value or `None` for invalid).
type Cases = Vec<(RawValue, Option<Lang>, Option<Value>)>;

fn check_kind(id: &str, kind: Kind, cases: Cases) {
    let q = question(id, kind);
    let mut failures = Vec::new();
    for (value, lang, want) in cases {
        let got = answer(&raw(id, value.clone()), q, vocab(), lang).typed;
        let ok = match (&got, &want) {
            (Typed::Value(g), Some(w)) => g == w,
            (Typed::Invalid(_), None) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{id} ({}): {value:?} {lang:?} -> {got:?}, want {want:?}", kind.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn tok(t: Token) -> Option<Value> {
    Some(Value::Token(t))
}

#[test]
fn yes_no_rejects_partial() {
    check_kind(
        "UNTOC.12.2",
        Kind::YesNo,
        vec![
            (t("Yes"), Some(Lang::En), tok(Yes)),
            (t("Non"), Some(Lang::Fr), tok(No)),
            (t("нет"), Some(Lang::Ru), tok(No)),
            (t("是"), None, tok(Yes)),
            (t("نَعَم"), Some(Lang::Ar), tok(Yes)),
            (RawValue::Bool(true), None, tok(Yes)),
            (RawValue::Bool(false), None, tok(No)),
            (t("Partially"), Some(Lang::En), None),
            (t("Partiellement"), Some(Lang::Fr), None),
            (t("En parte"), Some(Lang::Es), None),
            (t("部分"), Some(Lang::Zh), None),
            (t("Maybe"), None, None),
            (RawValue::Date(date(2026, 2, 14)), None, None),
        ],
    );
}

#[test]
fn yes_no_partial_accepts_partial() {
    check_kind(
        "UNTOC.5.1",
        Kind::YesNoPartial,
        vec![
            (t("Partially"), Some(Lang::En), tok(Partial)),
            (t("Yes, in part"), None, tok(Partial)),
            (t("En partie"), Some(Lang::Fr), tok(Partial)),
            (t("Частично"), Some(Lang::Ru), tok(Partial)),
            (t("جزئياً"), Some(Lang::Ar), tok(Partial)),
            (t("部分"), Some(Lang::Zh), tok(Partial)),
            (t("Sí"), Some(Lang::Es), tok(Yes)),
            (t("No"), None, tok(No)),
            (t("Peut-être"), Some(Lang::Fr), None),
        ],
    );
}

#[test]
fn need_accepts_yes_no_and_not_applicable() {
    check_kind(
        "UNTOC.5.TA",
        Kind::Need,
        vec![
            (t("Yes"), Some(Lang::En), tok(Yes)),
            (t("Oui"), Some(Lang::Fr), tok(Yes)),
            (t("No"), Some(Lang::Es), tok(No)),
            (t("否"), Some(Lang::Zh), tok(No)),
            (t("N/A"), None, tok(Na)),
            (t("Sans objet"), Some(Lang::Fr), tok(Na)),
            (t("لا ينطبق"), Some(Lang::Ar), tok(Na)),
            (RawValue::Bool(true), None, tok(Yes)),
            (t("Partially"), Some(Lang::En), None),
        ],
    );
}

#[test]
fn numbers() {
    let n = |x: f64| Some(Value::Number(x));
    check_kind(
        "UNTOC.12.3",
        Kind::Number,
        vec![
            (t("1 234"), None, n(1234.0)),
            (t("1 234"), Some(Lang::Fr), n(1234.0)),
            (t("1,5"), Some(Lang::Fr), n(1.5)),
            (t("-5"), None, n(-5.0)),
            (t("42"), Some(Lang::Zh), n(42.0)),
            (RawValue::Int(12), None, n(12.0)),
            (RawValue::Float(2.5), None, n(2.5)),
            (t("about 12"), None, None),
            (t("Yes"), None, None),
            (RawValue::Bool(true), None, None),
        ],
    );
}

#[test]
fn dates() {
    let feb14 = Some(Value::Date(date(2026, 2, 14)));
    check_kind(
        "UNTOC.5.2",
        Kind::Date,
        vec![
            (RawValue::Date(date(2026, 2, 14)), None, feb14.clone()),
            (t("2026-02-14"), None, feb14.clone()),
            (t("14/02/2026"), Some(Lang::Fr), feb14.clone()),
            (t("14.02.2026"), Some(Lang::Ru), feb14.clone()),
            (t(" 14/02/2026 "), None, feb14),
            (t("31/02/2026"), None, None),
            (t("2026-02-30"), None, None),
            (t("tomorrow"), None, None),
            (RawValue::Float(46067.0), None, None),
        ],
    );
}

#[test]
fn choice_by_code_and_label() {
    let c = |code: &str| Some(Value::Choice(code.to_owned()));
    check_kind(
        "UNTOC.18.13.2",
        Kind::Choice,
        vec![
            (t("ministry-of-justice"), None, c("ministry-of-justice")),
            (t(" MINISTRY-OF-JUSTICE "), None, c("ministry-of-justice")),
            (t("Ministry of Justice"), Some(Lang::En), c("ministry-of-justice")),
            (t("Ministère de la justice"), Some(Lang::Fr), c("ministry-of-justice")),
            (t("ministere de la justice"), None, c("ministry-of-justice")),
            (t("Parquet général"), Some(Lang::Fr), c("office-of-prosecutor-general")),
            (t("Office of the Attorney General"), Some(Lang::En), c("office-of-prosecutor-general")),
            (t("Ministry of Home Affairs"), Some(Lang::En), c("ministry-of-interior")),
            (t("Autre"), Some(Lang::Fr), c("other")),
            (t("Ministry of Health"), Some(Lang::En), None),
            // A choice of another question is not a choice of this one.
            (t("servitude"), None, None),
            (t("Ministry of Justice; Ministry of the Interior"), Some(Lang::En), None),
        ],
    );
}

#[test]
fn multi_choice_by_codes_and_labels() {
    let m = |v: &[&str]| Some(Value::MultiChoice(codes(v)));
    check_kind(
        "TIP.5.2",
        Kind::MultiChoice,
        vec![
            (t("servitude"), None, m(&["servitude"])),
            (t("sexual-exploitation; forced-labour"), None, m(&["sexual-exploitation", "forced-labour"])),
            // Reordered to the order of the choices, duplicates dropped.
            (
                t("Forced labour, Sexual exploitation"),
                Some(Lang::En),
                m(&["sexual-exploitation", "forced-labour"]),
            ),
            (t("Travail forcé\nEsclavage"), Some(Lang::Fr), m(&["forced-labour", "slavery"])),
            (t("Slavery; Esclavage; slavery"), None, m(&["slavery"])),
            (t("Exploitation sexuelle, Prélèvement d'organes, Autre"), Some(Lang::Fr), {
                m(&["sexual-exploitation", "organ-removal", "other"])
            }),
            (t("Slavery; Organ trafficking"), Some(Lang::En), None),
            (t("Appropriate housing"), Some(Lang::En), None),
        ],
    );
    // A label holding a comma survives the comma split.
    check_kind(
        "TIP.6.2",
        Kind::MultiChoice,
        vec![
            (
                t("Medical, psychological and material assistance"),
                Some(Lang::En),
                m(&["medical-psychological-assistance"]),
            ),
            (
                t("Medical, psychological and material assistance; Appropriate housing"),
                Some(Lang::En),
                m(&["appropriate-housing", "medical-psychological-assistance"]),
            ),
            (
                t("Logement convenable\nAssistance médicale, psychologique et matérielle"),
                Some(Lang::Fr),
                m(&["appropriate-housing", "medical-psychological-assistance"]),
            ),
        ],
    );
}

#[test]
fn every_choice_label_of_every_choice_question_names_its_code() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for qn in &SCHEMAS.questionnaires {
        for q in qn.questions.iter().filter(|q| matches!(q.kind, Kind::Choice | Kind::MultiChoice)) {
            for code in &q.choices {
                for lang in vocab().choice.languages_of(code) {
                    for label in vocab().choice.strings(code, lang) {
                        checked += 1;
                        let got = answer(&raw(&q.id, t(label)), q, vocab(), Some(lang)).typed;
                        let want = match q.kind {
                            Kind::Choice => Value::Choice(code.clone()),
                            _ => Value::MultiChoice(vec![code.clone()]),
                        };
                        if got != Typed::Value(want) {
                            failures.push(format!("{} {label:?} ({lang:?}) -> {got:?}, want {code}", q.id));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} choice labels checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn error_cells_are_invalid_and_blank_cells_are_blank_for_every_kind() {
    let questions = [
        ("UNTOC.12.2", Kind::YesNo),
        ("UNTOC.5.1", Kind::YesNoPartial),
        ("UNTOC.5.TA", Kind::Need),
        ("UNTOC.5.3", Kind::Text),
        ("UNTOC.12.3", Kind::Number),
        ("UNTOC.5.2", Kind::Date),
        ("UNTOC.18.13.2", Kind::Choice),
        ("TIP.5.2", Kind::MultiChoice),
    ];
    for (id, kind) in questions {
        let q = question(id, kind);
        for e in ["#N/A", "#REF!", "#DIV/0!"] {
            let got = answer(&raw(id, RawValue::Error(e.into())), q, vocab(), None).typed;
            assert!(matches!(&got, Typed::Invalid(m) if m.contains(e)), "{id} error {e}: {got:?}");
        }
        for blank in [RawValue::Empty, t(""), t("   "), t("-"), t(" - "), t("—"), t("\n")] {
            let got = answer(&raw(id, blank.clone()), q, vocab(), Some(Lang::En)).typed;
            assert_eq!(got, Typed::Blank, "{id}: {blank:?}");
        }
    }
}

#[test]
fn an_assistance_type_in_the_answer_cell_points_to_the_assistance_column() {
    let cases = [
        ("UNTOC.12.2", Kind::YesNo, "Training", Some(Lang::En)),
        ("UNTOC.12.2", Kind::YesNo, "Formation", Some(Lang::Fr)),
        ("UNTOC.5.1", Kind::YesNoPartial, "Legal advice", None),
        ("UNTOC.5.TA", Kind::Need, "培训", Some(Lang::Zh)),
        ("UNTOC.5.TA", Kind::Need, "legislative-drafting", None),
    ];
    for (id, kind, text, lang) in cases {
        let got = answer(&raw(id, t(text)), question(id, kind), vocab(), lang).typed;
        assert!(
            matches!(&got, Typed::Invalid(m) if m.contains("assistance column")),
            "{id} {text:?}: {got:?}"
        );
    }
    // Other non-answers do not mention it.
    let got =
        answer(&raw("UNTOC.12.2", t("Maybe")), question("UNTOC.12.2", Kind::YesNo), vocab(), None).typed;
    assert!(matches!(&got, Typed::Invalid(m) if !m.contains("assistance")), "{got:?}");
}

#[test]
fn need_collects_assistance_from_lists_and_marks() {
    let q = question("UNTOC.5.TA", Kind::Need);
    let mut r = raw("UNTOC.5.TA", t("Oui"));
    r.assistance = vec![field(t("Formation; Conseils juridiques"), 3)];
    r.marks = vec![
        ("equipment".into(), field(t("x"), 5)),
        ("other".into(), field(RawValue::Empty, 6)),
        ("training".into(), field(RawValue::Bool(true), 7)),
    ];
    let a = answer(&r, q, vocab(), Some(Lang::Fr));
    assert_eq!(a.typed, Typed::Value(Value::Token(Yes)));
    // SPEC 3.6 order, each once.
    assert_eq!(a.assistance, codes(&["legal-advice", "training", "equipment"]));
    assert_eq!(a.assistance_source, Some(SourceRef::cell("Answers", 9, 3)));
    assert!(a.problems.is_empty(), "{:?}", a.problems);

    // Marks alone.
    let mut r = raw("UNTOC.5.TA", t("Yes"));
    r.marks = vec![("data-systems".into(), field(t("✓"), 8)), ("training".into(), field(t("0"), 9))];
    let a = answer(&r, q, vocab(), Some(Lang::En));
    assert_eq!(a.assistance, codes(&["data-systems"]));
    assert_eq!(a.assistance_source, Some(SourceRef::cell("Answers", 9, 8)));
}

#[test]
fn need_reports_unknown_types_unclear_marks_and_inconsistent_answers() {
    let q = question("UNTOC.5.TA", Kind::Need);
    let problem_codes = |r: &RawAnswer, lang| -> (Vec<String>, Vec<&'static str>) {
        let a = answer(r, q, vocab(), lang);
        (a.assistance, a.problems.iter().map(|p| p.code).collect())
    };

    let mut r = raw("UNTOC.5.TA", t("Yes"));
    r.assistance = vec![field(t("Training; helicopters"), 3)];
    assert_eq!(problem_codes(&r, Some(Lang::En)), (codes(&["training"]), vec!["unknown-assistance"]));

    let mut r = raw("UNTOC.5.TA", t("Yes"));
    r.marks = vec![("equipment".into(), field(t("maybe"), 5))];
    assert_eq!(problem_codes(&r, Some(Lang::En)), (codes(&["equipment"]), vec!["unclear-mark"]));

    for answer_text in ["No", "N/A", "Maybe"] {
        let mut r = raw("UNTOC.5.TA", t(answer_text));
        r.assistance = vec![field(t("Training"), 3)];
        assert_eq!(
            problem_codes(&r, Some(Lang::En)),
            (codes(&["training"]), vec!["inconsistent-need"]),
            "{answer_text}"
        );
    }

    // Assistance on a question that is not a need question is not read.
    let mut r = raw("UNTOC.12.2", t("Yes"));
    r.assistance = vec![field(t("Training"), 3)];
    let a = answer(&r, question("UNTOC.12.2", Kind::YesNo), vocab(), Some(Lang::En));
    assert!(a.assistance.is_empty());
    assert_eq!(a.problems.iter().map(|p| p.code).collect::<Vec<_>>(), vec!["wrong-column"]);
}

// ---------------------------------------------------------------------------
// 4. Assistance lists

#[test]
fn assistance_lists_parse_the_same_whatever_the_separators() {
    let want = codes(&["training", "legal-advice", "equipment"]);
    let cases = [
        "training;legal-advice;equipment",
        "training; legal-advice; equipment",
        "training,legal-advice,equipment",
        "training, legal-advice, equipment",
        "training\nlegal-advice\nequipment",
        "training\r\nlegal-advice\r\nequipment",
        "\ntraining\n\nlegal-advice\n\nequipment\n",
        "training；legal-advice；equipment",
        "training、legal-advice、equipment",
        "training，legal-advice，equipment",
        "training؛ legal-advice؛ equipment",
        "training، legal-advice، equipment",
        "  training ;legal-advice ;; equipment ; ",
        "training,\nlegal-advice;\r\nequipment",
        "Training; LEGAL-ADVICE; Equipment.",
    ];
    for text in cases {
        for lang in [None, Some(Lang::En), Some(Lang::Zh)] {
            let got = assistance_list(&t(text), vocab(), lang);
            assert_eq!(got, (want.clone(), Vec::new()), "{text:?} {lang:?}");
        }
    }
}

#[test]
fn assistance_lists_of_labels_in_every_language() {
    let want = codes(&["training", "legal-advice", "equipment"]);
    let cases = [
        (Lang::En, "Training; Legal advice; Equipment"),
        (Lang::Fr, "Formation, Conseils juridiques, Équipement"),
        (Lang::Fr, "formation\navis juridique\nmateriel"),
        (Lang::Es, "Capacitación; Asesoramiento jurídico; Equipo"),
        (Lang::Ru, "Подготовка кадров; Юридические консультации; Оборудование"),
        (Lang::Zh, "培训、法律咨询、设备"),
        (Lang::Zh, "培训；法律咨询；设备"),
        (Lang::Ar, "التدريب، المشورة القانونية، المعدات"),
        (Lang::Ar, "التدريب\nالمشورة القانونية\nالمعدات"),
        // Mixed languages and codes.
        (Lang::Fr, "Formation; Legal advice, 设备"),
        (Lang::En, "التدريب; legal-advice\nОборудование"),
    ];
    for (lang, text) in cases {
        for l in [Some(lang), None] {
            assert_eq!(assistance_list(&t(text), vocab(), l), (want.clone(), Vec::new()), "{text:?} {l:?}");
        }
    }
}

#[test]
fn assistance_lists_report_unknown_parts() {
    let cases: [(&str, &[&str], &[&str]); 5] = [
        ("training; helicopters; legal-advice", &["training", "legal-advice"], &["helicopters"]),
        ("Formation, voitures blindées", &["training"], &["voitures blindées"]),
        ("Training and equipment", &[], &["Training and equipment"]),
        ("培训、直升机", &["training"], &["直升机"]),
        ("Other, funding", &["other"], &["funding"]),
    ];
    for (text, known, unknown) in cases {
        assert_eq!(assistance_list(&t(text), vocab(), None), (codes(known), codes(unknown)), "{text:?}");
    }
    assert_eq!(assistance_list(&RawValue::Empty, vocab(), None), (Vec::new(), Vec::new()));
}

#[test]
fn a_list_of_millions_of_parts_keeps_each_type_once_and_counts_the_unknown() {
    // A cell of `training;helicopters;` a million times: two entries kept,
    // not two million (a 60 MB cell took 1.7 GB).
    let text = "training;helicopters;Formation,".repeat(1_000_000);
    let (codes_got, unknown, total) = assistance_parts(&t(&text), vocab(), None, 3);
    assert_eq!(codes_got, codes(&["training"]));
    assert_eq!(unknown, codes(&["helicopters", "helicopters", "helicopters"]));
    assert_eq!(total, 1_000_000);
}

#[test]
fn every_assistance_string_is_read_alone_and_in_a_list() {
    let strings = toml_strings("assistance");
    assert!(strings.len() >= 12 * 6);
    let mut failures = Vec::new();
    for (code, lang, label) in &strings {
        // Alone, and inside a list (which also covers labels holding a comma, if any).
        let cases = [
            (label.clone(), vec![code.clone()]),
            (format!("{label}; other"), vec![code.clone(), "other".into()]),
            (format!("other\n{label}"), vec!["other".into(), code.clone()]),
        ];
        for (text, want) in cases {
            let mut want = want;
            want.dedup();
            let got = assistance_list(&t(&text), vocab(), Some(*lang));
            if got != (want.clone(), Vec::new()) {
                failures.push(format!("{text:?} ({lang:?}) -> {got:?}, want {want:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn split_list_keeps_known_entries_holding_a_comma() {
    let known = |p: &str| p == "Medical, psychological and material assistance";
    assert_eq!(
        split_list("Medical, psychological and material assistance; a, b\nc", known),
        ["Medical, psychological and material assistance", "a", "b", "c"]
    );
    assert_eq!(split_list(" ; ,\n\r\n", known), Vec::<&str>::new());
}

#[test]
fn split_list_breaks_at_unicode_line_and_paragraph_separators() {
    let known = |_: &str| false;
    assert_eq!(
        split_list("training\u{2028}legal-advice\u{2029}equipment\u{85}other\u{0B}action-plan", known),
        ["training", "legal-advice", "equipment", "other", "action-plan"]
    );
}

// ---------------------------------------------------------------------------
// 5. Checkbox marks

#[test]
fn checkbox_marks() {
    let checked = [
        t("x"),
        t("X"),
        t(" x "),
        t("✓"),
        t("✔"),
        t("☒"),
        t("☑"),
        t("1"),
        t("TRUE"),
        t("true"),
        RawValue::Bool(true),
        RawValue::Int(1),
        RawValue::Float(1.0),
        t("Oui"),
        t("Yes"),
        t("Sí"),
        t("Да"),
        t("是"),
        t("نعم"),
    ];
    let unchecked = [
        RawValue::Empty,
        t(""),
        t("  "),
        t("0"),
        t("FALSE"),
        t("false"),
        RawValue::Bool(false),
        RawValue::Int(0),
        RawValue::Float(0.0),
        t("No"),
        t("Non"),
        t("нет"),
        t("否"),
        t("لا"),
        t("N/A"),
    ];
    for v in checked {
        assert_eq!(mark(&v, vocab()), Mark::Checked, "{v:?}");
    }
    for v in unchecked {
        assert_eq!(mark(&v, vocab()), Mark::Unchecked, "{v:?}");
    }
    let unclear = [(t("maybe"), "maybe"), (t(" maybe "), "maybe"), (t("Partially"), "Partially")];
    for (v, text) in unclear {
        assert_eq!(mark(&v, vocab()), Mark::Unclear(text.into()), "{v:?}");
    }
    // An error cell is an invalid value (SPEC 4), never a mark.
    let error = RawValue::Error("#N/A".into());
    assert_eq!(mark(&error, vocab()), Mark::Invalid("#N/A".into()));
    // And so is an error's text where the file does not say it is one.
    for text in ["#N/A", " #div/0! ", "Err:502", "#SPILL!"] {
        assert_eq!(mark(&t(text), vocab()), Mark::Invalid(text.trim().into()), "{text}");
    }
    assert_eq!(mark(&t("Err:5020"), vocab()), Mark::Unclear("Err:5020".into()));
}

#[test]
fn every_answer_string_is_a_checkbox_mark_or_an_explicit_no() {
    // SPEC 4: yes in any language is a mark; no and not-applicable say "not requested".
    for (code, lang, text) in toml_strings("answer") {
        let got = mark(&t(&text), vocab());
        match code.as_str() {
            "yes" => assert_eq!(got, Mark::Checked, "{text:?} ({lang:?})"),
            "no" | "not-applicable" => assert_eq!(got, Mark::Unchecked, "{text:?} ({lang:?})"),
            _ => assert_eq!(got, Mark::Unclear(text.clone()), "{text:?} ({lang:?})"),
        }
    }
}

// ---------------------------------------------------------------------------
// 6. fold (beyond the cases in fold.rs)

#[test]
fn fold_more_cases() {
    let cases = [
        // Latin diacritics, decomposed input, ligatures, full-width digits.
        ("Ça", "ca"),
        ("Si\u{301}", "si"),
        ("İ", "i"),
        ("Ệ", "e"),
        ("ﬁn", "fin"),
        ("１２３", "123"),
        ("Peut-être", "peut-etre"),
        // White space of every kind collapses; invisible characters vanish.
        ("Oui,\n en\tpartie", "oui, en partie"),
        ("Yes\u{a0}in part", "yes in part"),
        ("\u{feff}Yes", "yes"),
        ("Ye\u{200b}s", "yes"),
        ("　是　", "是"),
        // Edge punctuation on both sides, inner punctuation kept.
        ("!!Oui!!", "oui"),
        ("(Yes)", "yes"),
        ("'Yes'", "yes"),
        ("“Да”", "да"),
        ("Yes…", "yes"),
        ("نعم؟", "نعم"),
        ("#REF!", "#ref"),
        ("S.O.", "s.o"),
        ("...", ""),
        ("¿?", ""),
        ("   ", ""),
        // Apostrophes.
        ("Generalʼs", "general's"),
        ("l`État", "l'etat"),
    ];
    for (input, want) in cases {
        assert_eq!(fold(input), want, "fold({input:?})");
    }
}

#[test]
fn fold_scripts_without_latin_diacritics() {
    // Cyrillic ё keeps its diaeresis (only case changes).
    assert_eq!(fold("Ёлка"), "ёлка");
    assert_ne!(fold("ёлка"), fold("елка"));
    // Arabic: shadda, sukun and the lam-alef ligature.
    assert_eq!(fold("جُزْئِيًّا"), fold("جزئيا"));
    assert_eq!(fold("ﻻ"), fold("لا"));
    assert_eq!(fold("الإجابة"), "الإجابة");
    // Folding is idempotent.
    for s in ["  Sí, EN PARTE ", "نَعَم", "ＹＥＳ", "不适用。", "Частично."] {
        assert_eq!(fold(&fold(s)), fold(s), "{s:?}");
    }
}

#[test]
fn fold_acute_accent_used_as_an_apostrophe() {
    // fold.rs maps ´ to ' like ’ and `, but nfkc() has already decomposed it:
    // "d´un" folds to "d \u{301}un", so "Date d´envoi" is not "Date d'envoi".
    assert_eq!(fold("d´un"), "d'un");
    assert_eq!(fold("Date d´envoi"), fold("Date d'envoi"));
}

#[test]
fn space_separated_codes_are_a_multi_choice_answer_as_online_forms_send_them() {
    let q = question("TIP.5.2", Kind::MultiChoice);
    let first = &q.choices[0];
    let last = &q.choices[q.choices.len() - 1];
    let got = answer(&raw("TIP.5.2", t(&format!("{last} {first}"))), q, vocab(), None).typed;
    assert_eq!(got, Typed::Value(Value::MultiChoice(vec![first.clone(), last.clone()])));
    // Words that are not all codes are not split on spaces.
    let got = answer(&raw("TIP.5.2", t(&format!("{first} nonsense"))), q, vocab(), None).typed;
    assert!(matches!(got, Typed::Invalid(_)), "{got:?}");
}

#[test]
fn a_mistyped_token_gets_the_nearest_suggestion_in_the_return_language() {
    let q = question("UNTOC.5.1", Kind::YesNoPartial);
    let cases = [
        ("Oiu", Some(Lang::Fr), Some("Oui")),
        ("Nn", Some(Lang::Fr), Some("Non")),
        ("Yse", Some(Lang::En), Some("Yes")),
        ("Partialy", Some(Lang::En), Some("Partial")),
        ("Parcialmnete", Some(Lang::Es), Some("Parcialmente")),
        ("Peut-être", Some(Lang::Fr), None),
        ("Absolutely not", Some(Lang::En), None),
    ];
    for (text, lang, want) in cases {
        let got = answer(&raw("UNTOC.5.1", t(text)), q, vocab(), lang).typed;
        let Typed::Invalid(msg) = got else { panic!("{text}: {got:?}") };
        match want {
            Some(s) => assert!(msg.ends_with(&format!("did you mean {s:?}?")), "{text}: {msg}"),
            None => assert!(!msg.contains("did you mean"), "{text}: {msg}"),
        }
    }
}

#[test]
fn text_longer_than_any_entry_is_not_folded_to_be_matched() {
    // U+FDFA is 3 bytes that Unicode normalization makes 18 letters: a long
    // run of it is no entry of the vocabulary, and is not folded to see.
    let long = "\u{FDFA}".repeat(MAX_MATCHED_BYTES);
    assert_eq!(vocab().answer.lookup(&long, None), None);
    assert_eq!(vocab().assistance.lookup(&long, None), None);
    assert!(matches!(mark(&t(&long), vocab()), Mark::Unclear(_)));
    assert!(folds_to_something(&long));
    // An entry padded with spaces past the bound is still no match, and one
    // within it still is.
    assert_eq!(vocab().answer.lookup(&format!("yes{}", " ".repeat(10)), None), Some("yes"));
}
