//! Normalize: raw answers in, typed answers out (SPEC 2, "normalize").
//!
//! Pure functions: answer tokens in six languages, numbers, dates, choices,
//! assistance lists and checkbox marks. A value that cannot be read becomes
//! [`Typed::Invalid`] with the reason; it is never guessed.

pub mod fold;
pub mod scalar;

use crate::model::{Lang, Problem, Quoted, RawAnswer, RawField, RawValue, Token};
use crate::provenance::SourceRef;
use crate::schema::vocabulary::MAX_MATCHED_BYTES;
use crate::schema::{ASSISTANCE_TYPES, Kind, Question, Vocabulary};
use fold::fold;

/// A typed value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// yes / no / partial / not-applicable.
    Token(Token),
    /// A number.
    Number(f64),
    /// A date.
    Date(crate::model::Date),
    /// Free text.
    Text(String),
    /// One choice code.
    Choice(String),
    /// Several choice codes.
    MultiChoice(Vec<String>),
}

impl Value {
    /// The value as written in answers.csv.
    pub fn render(&self) -> String {
        match self {
            Value::Token(t) => t.code().to_owned(),
            Value::Number(x) => scalar::format_number(*x),
            Value::Date(d) => d.to_string(),
            Value::Text(t) => t.clone(),
            Value::Choice(c) => c.clone(),
            Value::MultiChoice(cs) => cs.join(";"),
        }
    }
}

/// The outcome of reading one answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// Nothing given.
    Blank,
    /// A valid value.
    Value(Value),
    /// Something that is not an answer to the question, and why.
    Invalid(String),
}

/// A typed answer with everything derive and emit need.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedAnswer {
    /// The question id as written.
    pub question: String,
    /// The answer.
    pub typed: Typed,
    /// The raw answer as the file holds it.
    pub raw: String,
    /// Where the answer is.
    pub source: SourceRef,
    /// Assistance type codes (need questions), in SPEC order.
    pub assistance: Vec<String>,
    /// Where the assistance types were read (the list cell or the first mark).
    pub assistance_source: Option<SourceRef>,
    /// The comment, trimmed.
    pub comment: Option<String>,
    /// Warnings met on the way (unknown assistance types, odd marks...).
    pub problems: Vec<Problem>,
}

/// A raw answer matched to its question (by index into the questionnaire).
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// Index of the question in the questionnaire, `None` for an unknown id.
    pub question: Option<usize>,
    /// The typed answer (for an unknown id: blank, with the raw text kept).
    pub answer: TypedAnswer,
}

/// Normalizes every answer row of a return against its questionnaire.
pub fn return_answers(
    raw: &[RawAnswer],
    questionnaire: &crate::schema::Questionnaire,
    vocab: &Vocabulary,
    lang: Option<Lang>,
) -> Vec<Normalized> {
    raw.iter()
        .map(|r| match questionnaire.question(&r.question) {
            Some((i, q)) => {
                let mut answer = answer(r, q, vocab, lang);
                answer.question = q.id.clone();
                Normalized { question: Some(i), answer }
            }
            None => Normalized {
                question: None,
                answer: TypedAnswer {
                    question: r.question.clone(),
                    typed: Typed::Blank,
                    raw: r.answer.value.to_string(),
                    source: r.answer.source.clone(),
                    assistance: Vec::new(),
                    assistance_source: None,
                    comment: r
                        .comment
                        .as_ref()
                        .map(|c| c.value.to_string().trim().to_owned())
                        .filter(|c| !c.is_empty()),
                    problems: Vec::new(),
                },
            },
        })
        .collect()
}

/// Unknown assistance types warned about one by one in an answer; past
/// these, one warning counts the rest (a list of a million commas made a
/// warning each: 715 MB of manifest, or a crash).
pub const MAX_UNKNOWN_LISTED: usize = 10;

/// Reads one raw answer as an answer to `question`.
pub fn answer(raw: &RawAnswer, question: &Question, vocab: &Vocabulary, lang: Option<Lang>) -> TypedAnswer {
    let mut problems = Vec::new();
    let typed = typed_value(&raw.answer, question, vocab, lang);
    // An empty answer beside a comment that reads as an answer (`Yes`, a
    // choice, a date): an answer typed in the comment column (SPEC 2: an
    // answer in the wrong column). It is not read as the answer, and says
    // so. A text question takes any comment as an answer, so is left out.
    if typed == Typed::Blank
        && question.kind != Kind::Text
        && let Some(comment) = raw.comment.as_ref()
        && let Typed::Value(_) = typed_value(comment, question, vocab, lang)
    {
        problems.push(Problem::warning(
            "wrong-column",
            comment.source.clone(),
            format!(
                "{} is given as the comment and reads as an answer to {}, but the answer {} is empty: not read as the answer",
                Quoted(comment.value.to_string().trim()),
                question.id,
                raw.answer.source.located()
            ),
        ));
    }
    let mut assistance = Vec::new();
    let mut assistance_source = None;
    if question.kind == Kind::Need {
        let mut unknown_parts = 0_usize;
        for field in &raw.assistance {
            assistance_source.get_or_insert_with(|| field.source.clone());
            let listed = MAX_UNKNOWN_LISTED.saturating_sub(unknown_parts);
            let (codes, unknown, total) = assistance_parts(&field.value, vocab, lang, listed);
            assistance.extend(codes);
            for u in unknown {
                problems.push(Problem::warning(
                    "unknown-assistance",
                    field.source.clone(),
                    format!("{} is not an assistance type; it is left out", Quoted(&u)),
                ));
            }
            unknown_parts += total;
        }
        if unknown_parts > MAX_UNKNOWN_LISTED
            && let Some(field) = raw.assistance.first()
        {
            problems.push(Problem::warning(
                "unknown-assistance",
                field.source.clone(),
                format!(
                    "and {} more parts that are not assistance types; they are left out",
                    unknown_parts - MAX_UNKNOWN_LISTED
                ),
            ));
        }
        // A checkbox column whose header names no assistance type: a mark
        // in it is not read, and says so.
        for (header, field) in &raw.unknown_marks {
            if mark(&field.value, vocab) != Mark::Unchecked {
                problems.push(Problem::warning(
                    "unknown-assistance",
                    field.source.clone(),
                    format!(
                        "{} under the header {}, which names no assistance type: not read",
                        Quoted(&field.value.to_string()),
                        Quoted(header)
                    ),
                ));
            }
        }
        for (code, field) in &raw.marks {
            match mark(&field.value, vocab) {
                Mark::Checked => {
                    assistance_source.get_or_insert_with(|| field.source.clone());
                    assistance.push(code.clone());
                }
                Mark::Unchecked => {}
                Mark::Unclear(text) => {
                    assistance_source.get_or_insert_with(|| field.source.clone());
                    assistance.push(code.clone());
                    problems.push(Problem::warning(
                        "unclear-mark",
                        field.source.clone(),
                        format!("{} in the {code} column is read as a mark (requested)", Quoted(&text)),
                    ));
                }
                Mark::Invalid(text) => problems.push(Problem::warning(
                    "invalid-value",
                    field.source.clone(),
                    format!(
                        "{} in the {code} column is an error cell, not a mark: not requested",
                        Quoted(&text)
                    ),
                )),
            }
        }
        assistance.sort_by_key(|c| ASSISTANCE_TYPES.iter().position(|t| t == c).unwrap_or(usize::MAX));
        assistance.dedup();
        match &typed {
            Typed::Value(Value::Token(Token::Yes)) => {}
            _ if assistance.is_empty() => {}
            Typed::Value(Value::Token(t)) => problems.push(Problem::warning(
                "inconsistent-need",
                raw.answer.source.clone(),
                format!("assistance types are given but the answer is {:?}: no need is recorded", t.code()),
            )),
            _ => problems.push(Problem::warning(
                "inconsistent-need",
                raw.answer.source.clone(),
                "assistance types are given but the answer is not yes: no need is recorded",
            )),
        }
    } else {
        for field in raw.assistance.iter().chain(raw.marks.iter().chain(&raw.unknown_marks).map(|(_, f)| f)) {
            problems.push(Problem::warning(
                "wrong-column",
                field.source.clone(),
                format!("{} is not a need question: the assistance given here is not read", question.id),
            ));
        }
    }
    TypedAnswer {
        question: raw.question.clone(),
        typed,
        raw: raw.answer.value.to_string(),
        source: raw.answer.source.clone(),
        assistance,
        assistance_source,
        comment: raw
            .comment
            .as_ref()
            .map(|c| c.value.to_string().trim().to_owned())
            .filter(|c| !c.is_empty()),
        problems,
    }
}

fn typed_value(field: &RawField, question: &Question, vocab: &Vocabulary, lang: Option<Lang>) -> Typed {
    let value = &field.value;
    if value.is_blank() {
        return Typed::Blank;
    }
    if let RawValue::Error(e) = value {
        return Typed::Invalid(format!("the cell holds the error {e}"));
    }
    if let RawValue::Text(t) = value
        && !folds_to_something(t)
    {
        return Typed::Blank;
    }
    let not_an_answer = |what: &str| {
        let wrong_column = match value {
            RawValue::Text(t) => vocab.assistance.lookup(t, lang).is_some(),
            _ => false,
        };
        if wrong_column {
            Typed::Invalid(format!(
                "{} is an assistance type, not an answer to {} ({}): did it belong in the assistance column?",
                Quoted(&value.to_string()),
                question.id,
                what
            ))
        } else {
            Typed::Invalid(format!(
                "{} is not an answer to {} ({})",
                Quoted(&value.to_string()),
                question.id,
                what
            ))
        }
    };
    match question.kind {
        Kind::YesNo | Kind::YesNoPartial | Kind::Need => {
            let token = match value {
                RawValue::Bool(true) => Some(Token::Yes),
                RawValue::Bool(false) => Some(Token::No),
                RawValue::Text(t) => vocab.token(t, lang),
                _ => None,
            };
            match token {
                Some(Token::Partial) if question.kind != Kind::YesNoPartial => {
                    not_an_answer(question.kind.code())
                }
                Some(t) => Typed::Value(Value::Token(t)),
                None => match (not_an_answer(question.kind.code()), value) {
                    (Typed::Invalid(msg), RawValue::Text(t)) => {
                        match suggest(t, question.kind, vocab, lang) {
                            Some(s) => Typed::Invalid(format!("{msg} \u{2014} did you mean {s:?}?")),
                            None => Typed::Invalid(msg),
                        }
                    }
                    (other, _) => other,
                },
            }
        }
        Kind::Text => Typed::Value(Value::Text(value.to_string().trim().to_owned())),
        Kind::Number => match scalar::number(value, lang) {
            Ok(x) => Typed::Value(Value::Number(x)),
            Err(e) => Typed::Invalid(format!("{e}: not an answer to {} (number)", question.id)),
        },
        Kind::Date => match scalar::date(value) {
            Ok(d) => Typed::Value(Value::Date(d)),
            Err(e) => Typed::Invalid(format!("{e}: not an answer to {} (date)", question.id)),
        },
        Kind::Choice => match choice(&value.to_string(), question, vocab, lang) {
            Some(c) => Typed::Value(Value::Choice(c)),
            None => Typed::Invalid(format!(
                "{} is not one of the choices of {} ({})",
                Quoted(&value.to_string()),
                question.id,
                question.choices.join(", ")
            )),
        },
        Kind::MultiChoice => {
            let text = value.to_string();
            if let Some(c) = choice(&text, question, vocab, lang) {
                return Typed::Value(Value::MultiChoice(vec![c]));
            }
            // Each choice once: a cell may name millions.
            let mut codes: Vec<String> = Vec::new();
            let add = |codes: &mut Vec<String>, c: &str| {
                if !codes.iter().any(|k| k == c) {
                    codes.push(c.to_owned());
                }
            };
            // Online forms (select_multiple) separate codes with spaces.
            let is_choice = |w: &str| question.choices.iter().any(|c| c == w);
            if text.split_whitespace().nth(1).is_some() && text.split_whitespace().all(is_choice) {
                for w in text.split_whitespace() {
                    add(&mut codes, w);
                }
            }
            if codes.is_empty() {
                for part in list_parts(&text, |p| choice(p, question, vocab, lang).is_some()) {
                    match choice(part, question, vocab, lang) {
                        Some(c) => add(&mut codes, &c),
                        None => {
                            return Typed::Invalid(format!(
                                "{} is not one of the choices of {} ({})",
                                Quoted(part),
                                question.id,
                                question.choices.join(", ")
                            ));
                        }
                    }
                }
            }
            codes.sort_by_key(|c| question.choices.iter().position(|q| q == c));
            codes.dedup();
            if codes.is_empty() { Typed::Blank } else { Typed::Value(Value::MultiChoice(codes)) }
        }
    }
}

/// The answer token nearest to a mistyped one (`Oiu` -> `Oui`), in the
/// return's language (every language when it is unknown), if it is close.
pub fn suggest(text: &str, kind: Kind, vocab: &Vocabulary, lang: Option<Lang>) -> Option<String> {
    // Tokens are short: a long text is no typo of one (and would cost a large table).
    if text.len() > 64 {
        return None;
    }
    let typed: Vec<char> = fold(text).chars().collect();
    if typed.is_empty() {
        return None;
    }
    let tokens: &[Token] = match kind {
        Kind::YesNoPartial => &Token::ALL,
        _ => &[Token::Yes, Token::No, Token::NotApplicable],
    };
    let langs: Vec<Lang> = match lang {
        Some(l) => vec![l],
        None => Lang::ALL.to_vec(),
    };
    let mut best: Option<(usize, String)> = None;
    for token in tokens {
        for l in &langs {
            for candidate in vocab.answer.strings(token.code(), *l) {
                let folded: Vec<char> = fold(candidate).chars().collect();
                let d = edit_distance(&typed, &folded);
                if best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                    best = Some((d, candidate.clone()));
                }
            }
        }
    }
    let (d, candidate) = best?;
    // Short words allow one edit (a transposition counts once: "Oiu" -> "Oui").
    let limit = if typed.len() <= 3 { 1 } else { 2 };
    (d > 0 && d <= limit).then_some(candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and transpositions of adjacent characters each cost one.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// Whether [`fold`] leaves anything of `t`, without folding where that is
/// plain: fold keeps every ASCII letter and digit, basic Cyrillic and Arabic
/// letter and CJK ideograph. (Folding long answers only to see that they are
/// not blank was the costliest part of normalizing.)
fn folds_to_something(t: &str) -> bool {
    t.chars().any(crate::schema::vocabulary::is_kept_letter)
        || t.len() > MAX_MATCHED_BYTES
        || !fold(t).is_empty()
}

/// Whether a code is its own fold: lower-case ASCII letters and digits with
/// inner hyphens (`ministry-of-justice`), so it is compared without folding.
fn is_folded_code(code: &str) -> bool {
    let b = code.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first() != Some(&b'-')
        && b.last() != Some(&b'-')
}

fn choice(text: &str, question: &Question, vocab: &Vocabulary, lang: Option<Lang>) -> Option<String> {
    if text.len() > MAX_MATCHED_BYTES {
        return None;
    }
    let folded = fold(text);
    if let Some(c) =
        question.choices.iter().find(|c| if is_folded_code(c) { **c == folded } else { fold(c) == folded })
    {
        return Some(c.clone());
    }
    vocab
        .choice
        .lookup_folded(&folded, lang)
        .filter(|c| question.choices.iter().any(|q| q == c))
        .map(str::to_owned)
}

/// Splits a list on `;` and line breaks (those of Unicode too: a line or
/// paragraph separator, NEL, a vertical tab, as word processors write them),
/// then on `,` those parts that are not themselves an entry (`known`), so
/// that a label holding a comma survives. Lazily: a cell may hold millions
/// of parts, and its caller keeps only what they name.
pub fn list_parts<'t>(text: &'t str, known: impl Fn(&str) -> bool + 't) -> impl Iterator<Item = &'t str> {
    text.split([';', '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{0B}', '\u{0C}', '；', '؛'])
        .map(str::trim)
        .filter(|part| folds_to_something(part))
        .flat_map(move |part| {
            // A known entry whole; else its pieces between commas.
            let whole = known(part);
            let pieces = (!whole)
                .then(|| part.split([',', '，', '、', '،']).map(str::trim).filter(|p| folds_to_something(p)));
            whole.then_some(part).into_iter().chain(pieces.into_iter().flatten())
        })
}

/// [`list_parts`], collected.
#[cfg(test)]
pub fn split_list<'t>(text: &'t str, known: impl Fn(&str) -> bool + 't) -> Vec<&'t str> {
    list_parts(text, known).collect()
}

/// Assistance types named in a list cell: the known codes, each once, and
/// the first `max_unknown` unknown parts with the count of all of them.
pub fn assistance_parts(
    value: &RawValue,
    vocab: &Vocabulary,
    lang: Option<Lang>,
    max_unknown: usize,
) -> (Vec<String>, Vec<String>, usize) {
    let text = value.to_string();
    if let Some(code) = vocab.assistance.lookup(&text, lang) {
        return (vec![code.to_owned()], Vec::new(), 0);
    }
    let mut codes: Vec<String> = Vec::new();
    let mut unknown = Vec::new();
    let mut unknown_total = 0;
    for part in list_parts(&text, |p| vocab.assistance.lookup(p, lang).is_some()) {
        match vocab.assistance.lookup(part, lang) {
            Some(code) => {
                if !codes.iter().any(|c| c == code) {
                    codes.push(code.to_owned());
                }
            }
            None => {
                unknown_total += 1;
                if unknown.len() < max_unknown {
                    unknown.push(part.to_owned());
                }
            }
        }
    }
    (codes, unknown, unknown_total)
}

/// Assistance types named in a list cell: known codes, and the unknown parts.
#[cfg(test)]
pub fn assistance_list(
    value: &RawValue,
    vocab: &Vocabulary,
    lang: Option<Lang>,
) -> (Vec<String>, Vec<String>) {
    let (codes, unknown, _) = assistance_parts(value, vocab, lang, usize::MAX);
    (codes, unknown)
}

/// What a checkbox cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Requested.
    Checked,
    /// Explicitly not requested (`FALSE`, `0`, a no token) or blank.
    Unchecked,
    /// Some other text, read as a mark.
    Unclear(String),
    /// An error cell (`#N/A`, `#REF!`): an invalid value (SPEC 4), so not a
    /// mark. A checkbox filled by a formula that fails says nothing.
    Invalid(String),
}

/// Whether text is a spreadsheet's error value (`#N/A`, `#DIV/0!`,
/// `#SPILL!`, LibreOffice's `Err:502`...).
fn is_error_text(t: &str) -> bool {
    const ERRORS: [&str; 15] = [
        "#N/A",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    ];
    ERRORS.iter().any(|e| e.eq_ignore_ascii_case(t))
        || t.strip_prefix("Err:").is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads a checkbox cell.
pub fn mark(value: &RawValue, vocab: &Vocabulary) -> Mark {
    match value {
        RawValue::Empty => Mark::Unchecked,
        RawValue::Bool(b) => {
            if *b {
                Mark::Checked
            } else {
                Mark::Unchecked
            }
        }
        RawValue::Int(i) => {
            if *i != 0 {
                Mark::Checked
            } else {
                Mark::Unchecked
            }
        }
        RawValue::Float(f) => {
            if *f != 0.0 {
                Mark::Checked
            } else {
                Mark::Unchecked
            }
        }
        RawValue::Text(t) if t.len() > MAX_MATCHED_BYTES => Mark::Unclear(t.trim().to_owned()),
        // An error's text where the file does not mark it as an error
        // (Gnumeric's ods): never a tick.
        RawValue::Text(t) if is_error_text(t.trim()) => Mark::Invalid(t.trim().to_owned()),
        RawValue::Text(t) => {
            let folded = fold(t);
            if folded.is_empty() || matches!(folded.as_str(), "0" | "false" | "☐" | "□") {
                Mark::Unchecked
            } else if vocab.is_mark(&folded) {
                Mark::Checked
            } else if matches!(vocab.answer.lookup_folded(&folded, None), Some("no" | "not-applicable")) {
                Mark::Unchecked
            } else {
                Mark::Unclear(t.trim().to_owned())
            }
        }
        RawValue::Date(_) => Mark::Unclear(value.to_string()),
        RawValue::Error(e) => Mark::Invalid(e.clone()),
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod fast_paths {
    use super::*;

    #[test]
    fn shortcuts_agree_with_folding() {
        let texts = [
            "",
            " ",
            "-",
            "« »",
            "\u{064B}\u{0640}",
            "Oui",
            "  да ",
            "نعم",
            "是",
            "Ｙｅｓ",
            "#N/A",
            "¿?",
            "é",
            "\u{200B}",
            "Yes, in part",
            "…",
            "Частично.",
            "1",
            "—",
        ];
        for t in texts {
            assert_eq!(folds_to_something(t), !fold(t).is_empty(), "{t:?}");
        }
        for code in ["ministry-of-justice", "other", "ten-to-twenty-years", "a1"] {
            assert!(is_folded_code(code));
            assert_eq!(fold(code), code);
        }
        for code in ["Other", "-x", "x-", "a b", ""] {
            assert!(!is_folded_code(code), "{code:?}");
        }
    }
}
