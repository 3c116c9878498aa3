//! `art32 template QUESTIONNAIRE --xlsform`: the questionnaire as an XLSForm
//! (<https://xlsform.org>), to deploy on ODK Central or KoboToolbox, whose
//! submissions art32 reads as returns (SPEC 5.1).
//!
//! The names are the contract with the reader: a question's field is its id
//! with `.` replaced by `_`, a need's assistance types are the
//! select_multiple `<ID>_assistance` and its comment `<ID>_comment`, the
//! cover fields are `state`, `submitted`, `language` and `focal_point_*`,
//! and `form_id` / `version` are the questionnaire id and version, which the
//! servers put on the root of every submission. Choice names are the machine
//! codes; labels are given in all six languages (English where a text is
//! missing).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{TemplateError, phrases, properties, text_in};
use crate::model::{ColumnKey, CoverKey, Lang, Token};
use crate::schema::{ASSISTANCE_TYPES, Kind, Question, Questionnaire, Vocabulary};

/// The label languages, in the order of the label columns, with the names
/// XLSForm gives them (`label::English (en)`).
const LANGUAGES: [(Lang, &str); 6] = [
    (Lang::En, "English (en)"),
    (Lang::Fr, "French (fr)"),
    (Lang::Es, "Spanish (es)"),
    (Lang::Ru, "Russian (ru)"),
    (Lang::Zh, "Chinese (zh)"),
    (Lang::Ar, "Arabic (ar)"),
];

/// The choice list of yes-no and need questions.
const YES_NO: &str = "ynna";
/// The choice list of yes-no-partial questions.
const YES_NO_PARTIAL: &str = "ynp";
/// The choice list of assistance types.
const ASSISTANCE: &str = "assistance";
/// The choice list of the six languages.
const LANGUAGE: &str = "language";

/// The field name of a question: its id with `.` replaced by `_`.
pub fn field_name(question_id: &str) -> String {
    question_id.replace('.', "_")
}

/// One row of the survey sheet.
struct SurveyRow {
    kind: String,
    name: String,
    labels: Vec<String>,
    required: bool,
    relevant: String,
}

impl SurveyRow {
    fn new(kind: impl Into<String>, name: impl Into<String>, label: impl Fn(Lang) -> String) -> Self {
        SurveyRow {
            kind: kind.into(),
            name: name.into(),
            labels: LANGUAGES.iter().map(|(l, _)| label(*l)).collect(),
            required: false,
            relevant: String::new(),
        }
    }

    fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }
}

/// One row of the choices sheet.
struct Choice {
    list: String,
    name: String,
    labels: Vec<String>,
}

/// Writes the XLSForm of `q` as xlsx bytes.
pub fn write(q: &Questionnaire, vocab: &Vocabulary) -> Result<Vec<u8>, TemplateError> {
    let (survey, choices) = form(q, vocab);
    let mut wb = Workbook::new();
    let title = text_in(&q.title, Lang::En).0;
    wb.set_properties(&properties(title, format!("XLSForm of {} version {}", q.id, q.version))?);
    let bold = Format::new().set_bold();
    let label_headers: Vec<String> = LANGUAGES.iter().map(|(_, n)| format!("label::{n}")).collect();

    let mut ws = Worksheet::new();
    ws.set_name("survey")?;
    let mut header = vec!["type".to_owned(), "name".to_owned()];
    header.extend(label_headers.iter().cloned());
    header.extend(["required".to_owned(), "relevant".to_owned()]);
    write_row(&mut ws, 0, &header, Some(&bold))?;
    for (row, r) in (1u32..).zip(&survey) {
        let mut cells = vec![r.kind.clone(), r.name.clone()];
        cells.extend(r.labels.iter().cloned());
        cells.push(if r.required { "yes".to_owned() } else { String::new() });
        cells.push(r.relevant.clone());
        write_row(&mut ws, row, &cells, None)?;
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 26)?;
    ws.set_column_range_width(2, 7, 50)?;
    ws.set_freeze_panes(1, 0)?;
    wb.push_worksheet(ws);

    let mut ws = Worksheet::new();
    ws.set_name("choices")?;
    let mut header = vec!["list_name".to_owned(), "name".to_owned()];
    header.extend(label_headers.iter().cloned());
    write_row(&mut ws, 0, &header, Some(&bold))?;
    for (row, c) in (1u32..).zip(&choices) {
        let mut cells = vec![c.list.clone(), c.name.clone()];
        cells.extend(c.labels.iter().cloned());
        write_row(&mut ws, row, &cells, None)?;
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 30)?;
    ws.set_column_range_width(2, 7, 36)?;
    ws.set_freeze_panes(1, 0)?;
    wb.push_worksheet(ws);

    let mut ws = Worksheet::new();
    ws.set_name("settings")?;
    let settings = [
        ("form_title", title.to_owned()),
        ("form_id", q.id.clone()),
        ("version", q.version.to_string()),
        ("default_language", LANGUAGES[0].1.to_owned()),
    ];
    for (col, (key, value)) in (0u16..).zip(&settings) {
        ws.write_string_with_format(0, col, *key, &bold)?;
        ws.write_string(1, col, value)?;
        ws.set_column_width(col, 20)?;
    }
    wb.push_worksheet(ws);
    Ok(wb.save_to_buffer()?)
}

fn write_row(
    ws: &mut Worksheet,
    row: u32,
    cells: &[String],
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    for (col, cell) in (0u16..).zip(cells) {
        if cell.is_empty() {
            continue;
        }
        match format {
            Some(f) => ws.write_string_with_format(row, col, cell, f)?,
            None => ws.write_string(row, col, cell)?,
        };
    }
    Ok(())
}

/// The survey and choices rows of `q`.
fn form(q: &Questionnaire, vocab: &Vocabulary) -> (Vec<SurveyRow>, Vec<Choice>) {
    let mut survey = Vec::new();
    let mut choices = Vec::new();
    let mut list =
        |list: &str, codes: &mut dyn Iterator<Item = &str>, label: &dyn Fn(&str, Lang) -> String| {
            for code in codes {
                choices.push(Choice {
                    list: list.to_owned(),
                    name: code.to_owned(),
                    labels: LANGUAGES.iter().map(|(l, _)| label(code, *l)).collect(),
                });
            }
        };
    let token = |code: &str, l: Lang| vocab.answer.label(code, l).to_owned();
    list(YES_NO, &mut [Token::Yes, Token::No, Token::NotApplicable].iter().map(|t| t.code()), &token);
    list(YES_NO_PARTIAL, &mut Token::ALL.iter().map(|t| t.code()), &token);
    list(ASSISTANCE, &mut ASSISTANCE_TYPES.into_iter(), &|code, l| {
        vocab.assistance.label(code, l).to_owned()
    });
    list(LANGUAGE, &mut Lang::ALL.iter().map(|l| l.code()), &|code, l| {
        vocab.language.label(code, l).to_owned()
    });
    for question in q.questions.iter().filter(|x| !x.choices.is_empty()) {
        let name = choice_list(question);
        list(&name, &mut question.choices.iter().map(String::as_str), &|code, l| {
            vocab.choice.label(code, l).to_owned()
        });
    }

    let cover_label = |key: CoverKey| move |l: Lang| vocab.cover.label(key.code(), l).to_owned();
    survey.push(SurveyRow::new("begin_group", "cover", |l| phrases(l).cover.to_owned()));
    survey.push(SurveyRow::new("text", "state", cover_label(CoverKey::State)).required(true));
    survey.push(SurveyRow::new("date", "submitted", cover_label(CoverKey::Submitted)).required(true));
    survey.push(
        SurveyRow::new(format!("select_one {LANGUAGE}"), "language", cover_label(CoverKey::Language))
            .required(true),
    );
    for (key, name) in [
        (CoverKey::FocalPointName, "focal_point_name"),
        (CoverKey::FocalPointInstitution, "focal_point_institution"),
        (CoverKey::FocalPointEmail, "focal_point_email"),
        (CoverKey::FocalPointPhone, "focal_point_phone"),
    ] {
        survey.push(SurveyRow::new("text", name, cover_label(key)));
    }
    survey.push(SurveyRow::new("end_group", "", |_| String::new()));

    for section in &q.sections {
        let questions: Vec<&Question> = q.questions.iter().filter(|x| x.section == section.id).collect();
        if questions.is_empty() {
            continue;
        }
        survey.push(SurveyRow::new("begin_group", group_name(&section.id), |l| {
            text_in(&section.title, l).0.to_owned()
        }));
        for question in questions {
            question_rows(question, vocab, &mut survey);
        }
        survey.push(SurveyRow::new("end_group", "", |_| String::new()));
    }
    (survey, choices)
}

/// The rows of one question: one field, or three for a need.
fn question_rows(question: &Question, vocab: &Vocabulary, survey: &mut Vec<SurveyRow>) {
    let name = field_name(&question.id);
    let kind = match question.kind {
        Kind::YesNo | Kind::Need => format!("select_one {YES_NO}"),
        Kind::YesNoPartial => format!("select_one {YES_NO_PARTIAL}"),
        Kind::Text => "text".to_owned(),
        Kind::Number => "decimal".to_owned(),
        Kind::Date => "date".to_owned(),
        Kind::Choice => format!("select_one {}", choice_list(question)),
        Kind::MultiChoice => format!("select_multiple {}", choice_list(question)),
    };
    let text = |l: Lang| text_in(&question.text, l).0.to_owned();
    survey.push(SurveyRow::new(kind, name.clone(), text).required(question.required));
    if question.kind == Kind::Need {
        let column = |key: ColumnKey| move |l: Lang| vocab.column.label(key.code(), l).to_owned();
        let mut assistance = SurveyRow::new(
            format!("select_multiple {ASSISTANCE}"),
            format!("{name}_assistance"),
            column(ColumnKey::Assistance),
        );
        assistance.relevant = format!("${{{name}}} = '{}'", Token::Yes.code());
        survey.push(assistance);
        survey.push(SurveyRow::new("text", format!("{name}_comment"), column(ColumnKey::Comment)));
    }
}

/// The choice list of a choice or multi-choice question.
fn choice_list(question: &Question) -> String {
    format!("c_{}", field_name(&question.id))
}

/// The group of a section: `grp_` and the section id, as an XML name.
fn group_name(section: &str) -> String {
    let id: String =
        section.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    format!("grp_{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_xml_names_the_reader_maps_back() {
        assert_eq!(field_name("UNTOC.18.13.TA"), "UNTOC_18_13_TA");
        assert_eq!(group_name("international-cooperation"), "grp_international_cooperation");
        assert_eq!(group_name("a b.c"), "grp_a_b_c");
    }
}
