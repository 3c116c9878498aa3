//! `art32 template QUESTIONNAIRE --lang L`: a blank workbook return (SPEC 4)
//! that a State fills in Excel or LibreOffice and that art32 reads back.
//!
//! What the reader needs is machine-made and locked: the cover keys in
//! column A, the header row of column keys (`id`, `question`, `answer`,
//! `comment`, `assistance:CODE`) and the question ids. What people read is in
//! language L above or beside it (labels, question texts, assistance types);
//! only the cells to fill in are unlocked. Sheets are protected without a
//! password, so the protection guards against slips, not against the State.
//! The bytes depend only on the schemas: the document date is fixed.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, ProtectionOptions, Workbook, Worksheet, XlsxError, column_number_to_name,
};

use super::{TemplateError, falls_back, phrases, properties, text_in};
use crate::model::{ColumnKey, CoverKey, Lang, Token};
use crate::schema::{ASSISTANCE_TYPES, Kind, Question, Questionnaire, Vocabulary};

/// Excel's limit on a sheet name, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;

/// The first row of questions on a section sheet (after the title, group,
/// label and machine header rows).
const FIRST_QUESTION_ROW: u32 = 4;

/// Columns of a section sheet.
const COL_ID: u16 = 0;
const COL_QUESTION: u16 = 1;
const COL_ANSWER: u16 = 2;
const COL_COMMENT: u16 = 3;
const COL_FIRST_MARK: u16 = 4;

/// The name of the hidden sheet that holds dropdown lists too long for a
/// cell's own list (or with commas in their items).
const LISTS_SHEET: &str = "_lists";

/// Writes the template of `q` in `lang` as xlsx bytes.
pub fn write(q: &Questionnaire, vocab: &Vocabulary, lang: Lang) -> Result<Vec<u8>, TemplateError> {
    let styles = Styles::new();
    let mut lists = Lists::default();
    let mut names = SheetNames::default();
    let mut wb = Workbook::new();
    let (title, _) = text_in(&q.title, lang);
    wb.set_properties(&properties(title, format!("{} version {}", q.id, q.version))?);
    wb.push_worksheet(cover(q, vocab, lang, &styles, &mut names)?);
    for (i, section) in q.sections.iter().enumerate() {
        let questions: Vec<&Question> = q.questions.iter().filter(|x| x.section == section.id).collect();
        if questions.is_empty() {
            continue;
        }
        let (title, _) = text_in(&section.title, lang);
        let name = names.add(title, i + 1);
        let ws = section_sheet(&name, title, &questions, vocab, lang, &styles, &mut lists)?;
        wb.push_worksheet(ws);
    }
    if let Some(ws) = lists.sheet(lang)? {
        wb.push_worksheet(ws);
    }
    Ok(wb.save_to_buffer()?)
}

/// The cell formats of a template.
struct Styles {
    title: Format,
    subtitle: Format,
    note: Format,
    text: Format,
    key: Format,
    label: Format,
    input: Format,
    input_date: Format,
    locked_value: Format,
    id: Format,
    question: Format,
    header_label: Format,
    header_key: Format,
    mark: Format,
    no_mark: Format,
}

impl Styles {
    fn new() -> Styles {
        let grey = Color::RGB(0x80_80_80);
        let input = Format::new()
            .set_unlocked()
            .set_background_color(Color::RGB(0xFF_F2_CC))
            .set_border(FormatBorder::Thin)
            .set_border_color(Color::RGB(0xBF_BF_BF))
            .set_align(FormatAlign::Top)
            .set_text_wrap();
        Styles {
            title: Format::new().set_bold().set_font_size(14).set_text_wrap().set_align(FormatAlign::Top),
            subtitle: Format::new().set_font_color(grey),
            note: Format::new().set_italic().set_font_color(Color::RGB(0x9C_00_06)).set_text_wrap(),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            key: Format::new().set_font_color(grey).set_font_size(9).set_align(FormatAlign::VerticalCenter),
            label: Format::new().set_bold().set_align(FormatAlign::VerticalCenter),
            input_date: input.clone().set_num_format("yyyy-mm-dd"),
            input,
            locked_value: Format::new().set_background_color(Color::RGB(0xF2_F2_F2)),
            id: Format::new().set_align(FormatAlign::Top),
            question: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            header_label: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xDD_EB_F7))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter),
            header_key: Format::new()
                .set_font_color(grey)
                .set_font_size(9)
                .set_background_color(Color::RGB(0xF2_F2_F2)),
            mark: Format::new()
                .set_unlocked()
                .set_background_color(Color::RGB(0xFF_F2_CC))
                .set_border(FormatBorder::Thin)
                .set_border_color(Color::RGB(0xBF_BF_BF))
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::Top),
            no_mark: Format::new().set_background_color(Color::RGB(0xF2_F2_F2)),
        }
    }
}

/// Sheet protection: locked cells stay locked, but people may still resize
/// rows and columns to read long texts.
fn protect(ws: &mut Worksheet) {
    ws.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    });
}

/// A sheet laid out for `lang` (right to left for Arabic).
fn new_sheet(name: &str, lang: Lang) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    if lang == Lang::Ar {
        ws.set_right_to_left(true);
    }
    Ok(ws)
}

/// The cover: title rows, then one row per cover key (key in A, label in B,
/// value in C).
fn cover(
    q: &Questionnaire,
    vocab: &Vocabulary,
    lang: Lang,
    styles: &Styles,
    names: &mut SheetNames,
) -> Result<Worksheet, XlsxError> {
    let words = phrases(lang);
    let name = names.add(words.cover, 0);
    let mut ws = new_sheet(&name, lang)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 34)?;
    ws.set_column_width(2, 50)?;
    const MERGED_WIDTH: usize = 84;

    let (title, _) = text_in(&q.title, lang);
    ws.merge_range(0, 1, 0, 2, title, &styles.title)?;
    ws.set_row_height(0, row_height(title, MERGED_WIDTH, 19.0))?;
    let version_label = vocab.cover.label(CoverKey::Version.code(), lang);
    ws.write_string_with_format(1, 1, format!("{} · {version_label} {}", q.id, q.version), &styles.subtitle)?;
    ws.merge_range(2, 1, 2, 2, words.instructions, &styles.text)?;
    ws.set_row_height(2, row_height(words.instructions, MERGED_WIDTH, 15.0))?;
    if falls_back(q, lang) {
        ws.merge_range(3, 1, 3, 2, words.fallback, &styles.note)?;
        ws.set_row_height(3, row_height(words.fallback, MERGED_WIDTH, 15.0))?;
    }

    let first = 5;
    for (row, key) in (first..).zip(CoverKey::ALL) {
        ws.write_string_with_format(row, 0, key.code(), &styles.key)?;
        ws.write_string_with_format(row, 1, vocab.cover.label(key.code(), lang), &styles.label)?;
        ws.set_row_height(row, 20)?;
        match key {
            // Machine values: filled in and locked, the reader binds the return with them.
            CoverKey::Questionnaire => {
                ws.write_string_with_format(row, 2, &q.id, &styles.locked_value)?;
            }
            CoverKey::Version => {
                ws.write_number_with_format(row, 2, f64::from(q.version), &styles.locked_value)?;
            }
            CoverKey::Language => {
                ws.write_string_with_format(row, 2, lang.code(), &styles.input)?;
                let codes: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
                let dv = warn(DataValidation::new().allow_list_strings(&codes)?);
                ws.add_data_validation(row, 2, row, 2, &dv)?;
            }
            CoverKey::Submitted => {
                ws.write_blank(row, 2, &styles.input_date)?;
                ws.add_data_validation(row, 2, row, 2, &date_validation()?)?;
            }
            _ => {
                ws.write_blank(row, 2, &styles.input)?;
            }
        }
    }
    protect(&mut ws);
    Ok(ws)
}

/// One section: title, the localized column labels, the machine header row,
/// then one row per question.
fn section_sheet(
    name: &str,
    title: &str,
    questions: &[&Question],
    vocab: &Vocabulary,
    lang: Lang,
    styles: &Styles,
    lists: &mut Lists,
) -> Result<Worksheet, XlsxError> {
    let mut ws = new_sheet(name, lang)?;
    let marks = questions.iter().any(|x| x.kind == Kind::Need);
    let last_col = if marks { COL_FIRST_MARK + ASSISTANCE_TYPES.len() as u16 - 1 } else { COL_COMMENT };
    ws.set_column_width(COL_ID, 16)?;
    ws.set_column_width(COL_QUESTION, 70)?;
    ws.set_column_width(COL_ANSWER, 24)?;
    ws.set_column_width(COL_COMMENT, 40)?;
    if marks {
        ws.set_column_range_width(COL_FIRST_MARK, last_col, 15)?;
    }
    ws.write_string_with_format(0, COL_QUESTION, title, &styles.title)?;
    ws.set_row_height(0, 22)?;

    // Row 3: what people read; row 4: what the reader reads.
    let label_row = FIRST_QUESTION_ROW - 2;
    let key_row = FIRST_QUESTION_ROW - 1;
    let columns = [
        (COL_ID, ColumnKey::Id),
        (COL_QUESTION, ColumnKey::Question),
        (COL_ANSWER, ColumnKey::Answer),
        (COL_COMMENT, ColumnKey::Comment),
    ];
    for (col, key) in columns {
        ws.write_string_with_format(
            label_row,
            col,
            vocab.column.label(key.code(), lang),
            &styles.header_label,
        )?;
        ws.write_string_with_format(key_row, col, key.code(), &styles.header_key)?;
    }
    if marks {
        let group = vocab.column.label(ColumnKey::Assistance.code(), lang);
        ws.merge_range(label_row - 1, COL_FIRST_MARK, label_row - 1, last_col, group, &styles.header_label)?;
        for (col, code) in (COL_FIRST_MARK..).zip(ASSISTANCE_TYPES) {
            ws.write_string_with_format(
                label_row,
                col,
                vocab.assistance.label(code, lang),
                &styles.header_label,
            )?;
            ws.write_string_with_format(key_row, col, format!("assistance:{code}"), &styles.header_key)?;
        }
    }

    let mark = if marks { Some(warn(DataValidation::new().allow_list_strings(&["x"])?)) } else { None };
    for (row, question) in (FIRST_QUESTION_ROW..).zip(questions) {
        ws.write_string_with_format(row, COL_ID, &question.id, &styles.id)?;
        let text = question_text(question, vocab, lang);
        ws.write_string_with_format(row, COL_QUESTION, &text, &styles.question)?;
        let answer_format = if question.kind == Kind::Date { &styles.input_date } else { &styles.input };
        ws.write_blank(row, COL_ANSWER, answer_format)?;
        if let Some(dv) = answer_validation(question, vocab, lang, lists)? {
            ws.add_data_validation(row, COL_ANSWER, row, COL_ANSWER, &dv)?;
        }
        ws.write_blank(row, COL_COMMENT, &styles.input)?;
        if let Some(dv) = &mark {
            let need = question.kind == Kind::Need;
            for col in COL_FIRST_MARK..=last_col {
                ws.write_blank(row, col, if need { &styles.mark } else { &styles.no_mark })?;
            }
            if need {
                ws.add_data_validation(row, COL_FIRST_MARK, row, last_col, dv)?;
            }
        }
    }
    ws.set_freeze_panes(FIRST_QUESTION_ROW, COL_ANSWER)?;
    ws.set_repeat_rows(label_row, key_row)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    protect(&mut ws);
    Ok(ws)
}

/// The question text in `lang` (English where missing); a multi-choice
/// question lists its choices under it, since one cell cannot offer a
/// dropdown of several values.
fn question_text(question: &Question, vocab: &Vocabulary, lang: Lang) -> String {
    let (text, _) = text_in(&question.text, lang);
    if question.kind != Kind::MultiChoice {
        return text.to_owned();
    }
    let choices: Vec<&str> = question.choices.iter().map(|c| vocab.choice.label(c, lang)).collect();
    format!("{text}\n{} {}", phrases(lang).several, choices.join("; "))
}

/// What the answer cell offers: the tokens of `lang`, the choices, a date
/// or a number. A warning, not a stop: other spellings are still read.
fn answer_validation(
    question: &Question,
    vocab: &Vocabulary,
    lang: Lang,
    lists: &mut Lists,
) -> Result<Option<DataValidation>, XlsxError> {
    let tokens = |ts: &[Token]| -> Vec<String> {
        ts.iter().map(|t| vocab.answer.label(t.code(), lang).to_owned()).collect()
    };
    let dv = match question.kind {
        Kind::YesNo | Kind::Need => {
            lists.validation(tokens(&[Token::Yes, Token::No, Token::NotApplicable]))?
        }
        Kind::YesNoPartial => {
            lists.validation(tokens(&[Token::Yes, Token::No, Token::Partial, Token::NotApplicable]))?
        }
        Kind::Choice => lists
            .validation(question.choices.iter().map(|c| vocab.choice.label(c, lang).to_owned()).collect())?,
        Kind::Date => date_validation()?,
        Kind::Number => DataValidation::new().allow_decimal_number(DataValidationRule::Between(-1e12, 1e12)),
        Kind::Text | Kind::MultiChoice => return Ok(None),
    };
    Ok(Some(warn(dv)))
}

fn date_validation() -> Result<DataValidation, XlsxError> {
    let dv = DataValidation::new().allow_date(DataValidationRule::Between(
        ExcelDateTime::from_ymd(1900, 1, 1)?,
        ExcelDateTime::from_ymd(2100, 12, 31)?,
    ));
    Ok(warn(dv))
}

fn warn(dv: DataValidation) -> DataValidation {
    dv.set_error_style(DataValidationErrorStyle::Warning)
}

/// Dropdown lists that cannot be written in the validation itself (an item
/// with a comma, or more than Excel's 255 characters), kept for a hidden sheet.
#[derive(Default)]
struct Lists {
    columns: Vec<Vec<String>>,
}

impl Lists {
    /// A list validation offering `items`.
    fn validation(&mut self, items: Vec<String>) -> Result<DataValidation, XlsxError> {
        let inline = items.iter().all(|i| !i.contains(',') && !i.is_empty())
            && items.iter().map(|i| i.encode_utf16().count() + 3).sum::<usize>() <= 255;
        if inline {
            return DataValidation::new().allow_list_strings(&items);
        }
        let col = match self.columns.iter().position(|c| *c == items) {
            Some(i) => i,
            None => {
                self.columns.push(items);
                self.columns.len() - 1
            }
        };
        let len = self.columns[col].len().max(1);
        // Column A of the hidden sheet stays empty: the reader looks there for cover keys.
        let letter =
            column_number_to_name(u16::try_from(col + 1).map_err(|_| XlsxError::RowColumnLimitError)?);
        Ok(DataValidation::new()
            .allow_list_formula(Formula::new(format!("='{LISTS_SHEET}'!${letter}$1:${letter}${len}"))))
    }

    /// The hidden sheet, when some list needed it.
    fn sheet(&self, lang: Lang) -> Result<Option<Worksheet>, XlsxError> {
        if self.columns.is_empty() {
            return Ok(None);
        }
        let mut ws = new_sheet(LISTS_SHEET, lang)?;
        for (col, items) in (1u16..).zip(&self.columns) {
            for (row, item) in (0u32..).zip(items) {
                ws.write_string(row, col, item)?;
            }
        }
        ws.set_hidden(true);
        protect(&mut ws);
        Ok(Some(ws))
    }
}

/// Sheet names: Excel's rules (31 characters, none of `[]:*?/\`, no
/// apostrophe at either end, unique whatever the case).
#[derive(Default)]
struct SheetNames {
    taken: Vec<String>,
}

impl SheetNames {
    /// A valid, unused name made from `wanted` (`Section n` if nothing is left of it).
    fn add(&mut self, wanted: &str, n: usize) -> String {
        let cleaned: String = wanted
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { ' ' } else { c }
            })
            .collect();
        let mut base = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        base = base.trim_matches('\'').trim().to_owned();
        if base.is_empty() || base.eq_ignore_ascii_case("history") || base == LISTS_SHEET {
            base = format!("Section {n}");
        }
        let mut name = truncate_utf16(&base, SHEET_NAME_MAX);
        let mut k = 2;
        while self.taken.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
            let suffix = format!(" ({k})");
            name = format!("{}{suffix}", truncate_utf16(&base, SHEET_NAME_MAX - suffix.len()));
            k += 1;
        }
        self.taken.push(name.clone());
        name
    }
}

/// The longest prefix of `s` within `max` UTF-16 code units, without a
/// trailing space or apostrophe.
fn truncate_utf16(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in s.chars() {
        units += c.len_utf16();
        if units > max {
            break;
        }
        out.push(c);
    }
    out.trim_end_matches([' ', '\'']).to_owned()
}

/// A row height (points) that shows `text` wrapped in a merged cell about
/// `width` characters wide: Excel does not fit merged cells itself.
fn row_height(text: &str, width: usize, line: f64) -> f64 {
    // East Asian characters take about two character widths.
    let chars: usize = text.chars().map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 }).sum();
    let lines = chars.div_ceil(width.max(1)).max(1);
    line * lines as f64 + 4.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_follow_excels_rules_and_stay_unique() {
        let mut names = SheetNames::default();
        assert_eq!(names.add("Criminalization", 1), "Criminalization");
        assert_eq!(names.add("CRIMINALIZATION", 2), "CRIMINALIZATION (2)");
        assert_eq!(names.add("a/b: [c]?", 3), "a b c");
        assert_eq!(names.add("'quoted'", 4), "quoted");
        assert_eq!(names.add(" :: ", 5), "Section 5");
        assert_eq!(names.add("History", 6), "Section 6");
        let long = "Prévention, coopération et autres mesures";
        let a = names.add(long, 7);
        let b = names.add(long, 8);
        assert_eq!(a, "Prévention, coopération et autr");
        assert_eq!(b, "Prévention, coopération et (2)");
        for n in [&a, &b] {
            assert!(n.encode_utf16().count() <= SHEET_NAME_MAX);
        }
        // Astral characters count twice and are never split.
        assert_eq!(truncate_utf16("𝒜𝒜𝒜", 5), "𝒜𝒜");
    }

    #[test]
    fn lists_with_commas_or_too_long_go_to_the_hidden_sheet() {
        let mut lists = Lists::default();
        lists.validation(vec!["Yes".into(), "No".into()]).unwrap();
        assert!(lists.columns.is_empty());
        let commas = vec!["Medical, psychological".to_owned(), "Other".to_owned()];
        lists.validation(commas.clone()).unwrap();
        lists.validation(commas).unwrap();
        lists.validation(vec!["x".repeat(200), "y".repeat(60)]).unwrap();
        assert_eq!(lists.columns.len(), 2);
        assert!(lists.sheet(Lang::En).unwrap().is_some());
    }

    #[test]
    fn merged_rows_grow_with_their_text() {
        assert_eq!(row_height("short", 80, 15.0), 19.0);
        assert_eq!(row_height(&"a".repeat(170), 80, 15.0), 49.0);
        assert_eq!(row_height(&"中".repeat(50), 80, 15.0), 34.0);
    }
}
