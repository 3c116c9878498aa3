//! Loading and checking `schemas/`: the questionnaire definitions and the
//! vocabulary (SPEC 3.4).
//!
//! [`Schemas::load`] either returns schemas that every later stage can trust
//! (unique ids, known kinds, resolvable sections, priority areas and choices)
//! or every problem found, each naming the file and line.

pub mod questionnaire;
pub mod vocabulary;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ColumnKey, CoverKey, Instrument, Lang, Token};
pub use questionnaire::{Kind, Question, Questionnaire, Section};
pub use vocabulary::Vocabulary;

/// Question id syntax (SPEC 3.4).
pub static QUESTION_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[A-Z]+(\.[0-9A-Za-z]+)+$").ok());

/// Questionnaire id syntax.
static QUESTIONNAIRE_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$").ok());

/// Whether `text` matches a pattern written in this source code. A pattern
/// that failed to compile matches nothing rather than panicking; a unit test
/// checks that every one compiles.
pub(crate) fn matches(pattern: &LazyLock<Option<Regex>>, text: &str) -> bool {
    pattern.as_ref().is_some_and(|r| r.is_match(text))
}

/// The assistance types of SPEC 3.6.
pub const ASSISTANCE_TYPES: [&str; 12] = [
    "legislative-drafting",
    "legal-advice",
    "model-legislation",
    "good-practices",
    "on-site-expert",
    "action-plan",
    "training",
    "institution-building",
    "data-systems",
    "equipment",
    "regional-workshop",
    "other",
];

/// The priority areas of SPEC 3.5.
pub const PRIORITY_AREAS: [&str; 8] = [
    "criminalization",
    "international-cooperation",
    "central-authorities",
    "data-collection",
    "victims",
    "witness-protection",
    "firearms-controls",
    "reporting",
];

/// One problem in a schema file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemaError {
    /// The file.
    pub file: PathBuf,
    /// One-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// Every problem found in a schemas folder.
#[derive(Debug, Clone, thiserror::Error)]
pub struct SchemaErrors(pub Vec<SchemaError>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Questionnaires and vocabulary, checked.
#[derive(Debug, Clone)]
pub struct Schemas {
    /// The folder they were read from.
    pub dir: PathBuf,
    /// The vocabulary.
    pub vocabulary: Vocabulary,
    /// Questionnaires, sorted by id.
    pub questionnaires: Vec<Questionnaire>,
}

impl Schemas {
    /// The questionnaire with this id (exact, or ignoring ASCII case).
    pub fn questionnaire(&self, id: &str) -> Option<&Questionnaire> {
        let id = id.trim();
        let found = self
            .questionnaires
            .iter()
            .find(|q| q.id == id)
            .or_else(|| self.questionnaires.iter().find(|q| q.id.eq_ignore_ascii_case(id)));
        if found.is_some() || id.is_ascii() {
            return found;
        }
        // Typed in full-width characters (`ＵＮＴＯＣ－２０２６`), or between
        // right-to-left marks: as NFKC reads it, without them.
        let id = crate::normalize::fold::nfkc_visible(id);
        self.questionnaires.iter().find(|q| q.id.eq_ignore_ascii_case(&id))
    }

    /// Loads and checks every `*.toml` of `dir` (`vocabulary.toml` and questionnaires).
    pub fn load(dir: &Path) -> Result<Schemas, SchemaErrors> {
        let mut errors = Vec::new();
        let vocab_path = dir.join("vocabulary.toml");
        let vocabulary = load_vocabulary(&vocab_path, &mut errors);

        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "toml")
                        && p.file_name().is_some_and(|n| n != "vocabulary.toml")
                })
                .collect(),
            Err(e) => {
                errors.push(SchemaError {
                    file: dir.to_path_buf(),
                    line: None,
                    message: format!("cannot read the schemas folder: {e}"),
                });
                Vec::new()
            }
        };
        files.sort();
        if files.is_empty() && errors.is_empty() {
            errors.push(SchemaError {
                file: dir.to_path_buf(),
                line: None,
                message: "no questionnaire definitions (*.toml) found".into(),
            });
        }

        let mut questionnaires = Vec::new();
        // question id -> (file, line) of its first definition, across all questionnaires
        let mut seen_questions: HashMap<String, (PathBuf, usize)> = HashMap::new();
        let mut seen_questionnaires: HashMap<String, PathBuf> = HashMap::new();
        for file in files {
            if let Some(q) = load_questionnaire(
                &file,
                vocabulary.as_ref(),
                &mut seen_questions,
                &mut seen_questionnaires,
                &mut errors,
            ) {
                questionnaires.push(q);
            }
        }
        questionnaires.sort_by(|a, b| a.id.cmp(&b.id));

        match vocabulary {
            Some(vocabulary) if errors.is_empty() => {
                Ok(Schemas { dir: dir.to_path_buf(), vocabulary, questionnaires })
            }
            _ => {
                errors.sort();
                Err(SchemaErrors(errors))
            }
        }
    }
}

fn line_of(src: &str, offset: usize) -> usize {
    src.get(..offset.min(src.len())).map_or(1, |s| s.bytes().filter(|b| *b == b'\n').count() + 1)
}

/// Where each line of a source starts, to tell the line of many offsets
/// (every question's) without counting from the start each time.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(src: &str) -> LineIndex {
        LineIndex(memchr::memchr_iter(b'\n', src.as_bytes()).collect())
    }

    /// The one-based line of `offset`, as [`line_of`] tells it.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|nl| *nl < offset) + 1
    }
}

/// The line of the first `key =` (bare or quoted) in a TOML source, for
/// errors about table keys, which carry no span.
fn line_of_key(src: &str, section: &str, key: &str) -> Option<usize> {
    let header = format!("[{section}]");
    let start = src.find(&header).unwrap_or(0);
    let quoted = format!("\"{key}\"");
    src[start..].lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        let hit = (t.starts_with(key) && t[key.len()..].trim_start().starts_with('='))
            || (t.starts_with(&quoted) && t[quoted.len()..].trim_start().starts_with('='));
        hit.then(|| line_of(src, start) + i)
    })
}

fn parse_error(file: &Path, src: &str, e: &toml::de::Error) -> SchemaError {
    let line = e.span().map(|s| line_of(src, s.start));
    SchemaError { file: file.to_path_buf(), line, message: e.message().to_owned() }
}

fn load_vocabulary(path: &Path, errors: &mut Vec<SchemaError>) -> Option<Vocabulary> {
    let mut err = |line: Option<usize>, message: String| {
        errors.push(SchemaError { file: path.to_path_buf(), line, message })
    };
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            err(None, format!("cannot read the vocabulary: {e}"));
            return None;
        }
    };
    let raw: vocabulary::RawVocabulary = match toml::from_str(&src) {
        Ok(r) => r,
        Err(e) => {
            errors.push(parse_error(path, &src, &e));
            return None;
        }
    };
    let before = errors.len();
    let mut err = |section: &str, key: &str, message: String| {
        let line = line_of_key(&src, section, key);
        errors.push(SchemaError { file: path.to_path_buf(), line, message })
    };
    for l in &raw.languages {
        if Lang::from_code(l).is_none() {
            err("", "languages", format!("unknown language code {l:?} (expected ar, en, es, fr, ru, zh)"));
        }
    }
    let (vocab, unknown_langs) = Vocabulary::build(&raw);
    for u in unknown_langs {
        let key = u.split('.').next().unwrap_or("");
        err("", key, format!("unknown language code in {u:?}"));
    }
    // Required codes per table.
    let tables: [(&str, &vocabulary::Table, Vec<&str>); 5] = [
        ("answer", &vocab.answer, Token::ALL.iter().map(|t| t.code()).collect()),
        ("assistance", &vocab.assistance, ASSISTANCE_TYPES.to_vec()),
        ("priority_area", &vocab.priority_area, PRIORITY_AREAS.to_vec()),
        ("cover", &vocab.cover, CoverKey::ALL.iter().map(|k| k.code()).collect()),
        ("column", &vocab.column, ColumnKey::ALL.iter().map(|k| k.code()).collect()),
    ];
    for (name, table, required) in &tables {
        for code in required {
            if !table.contains(code) {
                err(name, name, format!("[{name}] lacks the entry {code:?}"));
            }
        }
        for code in table.codes() {
            if !required.contains(&code.as_str()) {
                err(
                    name,
                    code,
                    format!(
                        "[{name}] has an unknown entry {code:?} (expected one of {})",
                        required.join(", ")
                    ),
                );
            }
            if !table.languages_of(code).contains(&Lang::En) {
                err(name, code, format!("[{name}] {code:?} has no English label"));
            }
        }
        for (folded, codes) in table.collisions() {
            err(
                name,
                &codes[0],
                format!("[{name}] the text {folded:?} names several entries: {}", codes.join(", ")),
            );
        }
    }
    // Every entry in every declared language (SPEC 3.4): a label missing in
    // one leaves that language's templates in English and its returns'
    // labels unread.
    for (name, table, required) in &tables {
        let what = if *name == "answer" { "token" } else { "label" };
        for code in required.iter().filter(|c| table.contains(c)) {
            // English is required whatever the languages (above).
            for lang in vocab.languages.iter().filter(|l| **l != Lang::En) {
                if table.strings(code, *lang).is_empty() {
                    err(name, code, format!("[{name}] {code:?} has no {what} in {:?}", lang.code()));
                }
            }
        }
    }
    for (folded, codes) in vocab.choice.collisions() {
        err(
            "choice",
            &codes[0],
            format!("[choice] the text {folded:?} names several entries: {}", codes.join(", ")),
        );
    }
    // Cover and column labels are matched in the same rows: they must not overlap.
    let covers: HashSet<&String> = vocab.cover.folded_strings().collect();
    let mut overlap: Vec<&String> = vocab.column.folded_strings().filter(|s| covers.contains(s)).collect();
    overlap.sort();
    for s in overlap {
        err("column", "id", format!("the text {s:?} is both a cover label and a column label"));
    }
    (errors.len() == before).then_some(vocab)
}

fn load_questionnaire(
    path: &Path,
    vocab: Option<&Vocabulary>,
    seen_questions: &mut HashMap<String, (PathBuf, usize)>,
    seen_questionnaires: &mut HashMap<String, PathBuf>,
    errors: &mut Vec<SchemaError>,
) -> Option<Questionnaire> {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            errors.push(SchemaError {
                file: path.to_path_buf(),
                line: None,
                message: format!("cannot read: {e}"),
            });
            return None;
        }
    };
    let raw: questionnaire::RawQuestionnaire = match toml::from_str(&src) {
        Ok(r) => r,
        Err(e) => {
            errors.push(parse_error(path, &src, &e));
            return None;
        }
    };
    let before = errors.len();
    let lines = LineIndex::new(&src);
    let mut err = |offset: usize, message: String| {
        errors.push(SchemaError { file: path.to_path_buf(), line: Some(lines.line(offset)), message })
    };
    let at = |s: &toml::Spanned<String>| s.span().start;

    let id = raw.id.get_ref().clone();
    if !matches(&QUESTIONNAIRE_ID, &id) {
        err(at(&raw.id), format!("questionnaire id {id:?} is not of the form UNTOC-2026"));
    }
    if let Some(first) = seen_questionnaires.get(&id) {
        err(at(&raw.id), format!("questionnaire id {id:?} is already defined in {}", first.display()));
    } else {
        seen_questionnaires.insert(id.clone(), path.to_path_buf());
    }
    let instrument = Instrument::from_code(raw.instrument.get_ref());
    if instrument.is_none() {
        err(
            at(&raw.instrument),
            format!(
                "unknown instrument {:?} (expected UNTOC, TIP, SOM or FIREARMS)",
                raw.instrument.get_ref()
            ),
        );
    }
    let accepts = if raw.accepts.is_empty() { vec![raw.version] } else { raw.accepts.clone() };
    if !raw.title.contains_key("en") {
        err(at(&raw.id), "the questionnaire title has no English text".into());
    }

    let mut sections = Vec::new();
    let mut section_ids: BTreeMap<String, usize> = BTreeMap::new();
    for s in &raw.sections {
        let sid = s.id.get_ref().clone();
        if let Some(line) = section_ids.get(&sid) {
            err(at(&s.id), format!("section {sid:?} is already defined at line {line}"));
            continue;
        }
        section_ids.insert(sid.clone(), lines.line(at(&s.id)));
        sections.push(Section { id: sid, title: s.title.clone() });
    }

    let mut questions = Vec::new();
    let mut upper_ids: HashMap<String, String> = HashMap::new();
    for q in &raw.questions {
        let qid = q.id.get_ref().clone();
        let line = lines.line(at(&q.id));
        if !matches(&QUESTION_ID, &qid) {
            err(at(&q.id), format!("question id {qid:?} does not match [A-Z]+(\\.[0-9A-Za-z]+)+"));
        }
        if let Some((file, first)) = seen_questions.get(&qid) {
            err(at(&q.id), format!("question id {qid:?} is already defined at {}:{first}", file.display()));
        } else {
            seen_questions.insert(qid.clone(), (path.to_path_buf(), line));
        }
        if let Some(other) = upper_ids.insert(qid.to_ascii_uppercase(), qid.clone())
            && other != qid
        {
            err(at(&q.id), format!("question ids {other:?} and {qid:?} differ only in case"));
        }
        if !section_ids.contains_key(q.section.get_ref()) {
            err(
                at(&q.section),
                format!("question {qid:?} names section {:?}, which is not defined", q.section.get_ref()),
            );
        }
        let kind = Kind::from_code(q.kind.get_ref());
        if kind.is_none() {
            err(
                at(&q.kind),
                format!(
                    "question {qid:?} has unknown kind {:?} (expected yes-no, yes-no-partial, text, number, date, choice, multi-choice or need)",
                    q.kind.get_ref()
                ),
            );
        }
        match (kind, &q.priority_area) {
            (Some(Kind::Need), None) => err(at(&q.id), format!("need question {qid:?} has no priority_area")),
            (Some(Kind::Need), Some(area)) => {
                let known = vocab.map_or(PRIORITY_AREAS.contains(&area.get_ref().as_str()), |v| {
                    v.priority_area.contains(area.get_ref())
                });
                if !known {
                    err(
                        at(area),
                        format!("question {qid:?} names unknown priority area {:?}", area.get_ref()),
                    );
                }
            }
            (Some(_), Some(area)) => {
                err(at(area), format!("question {qid:?} is not a need question but has a priority_area"))
            }
            _ => {}
        }
        let is_choice = matches!(kind, Some(Kind::Choice | Kind::MultiChoice));
        if is_choice && q.choices.is_empty() {
            err(at(&q.id), format!("choice question {qid:?} has no choices"));
        }
        if !is_choice && !q.choices.is_empty() && kind.is_some() {
            err(at(&q.id), format!("question {qid:?} is not a choice question but has choices"));
        }
        let mut seen_choices = HashSet::new();
        for c in &q.choices {
            if !seen_choices.insert(c.get_ref()) {
                err(at(c), format!("question {qid:?} lists choice {:?} twice", c.get_ref()));
            }
            if let Some(v) = vocab
                && !v.choice.contains(c.get_ref())
            {
                err(
                    at(c),
                    format!(
                        "question {qid:?}: choice {:?} is not defined in vocabulary.toml [choice]",
                        c.get_ref()
                    ),
                );
            }
        }
        if q.article.trim().is_empty() {
            err(at(&q.id), format!("question {qid:?} has an empty article"));
        }
        if !q.text.contains_key("en") {
            err(at(&q.id), format!("question {qid:?} has no English text"));
        }
        for lang in q.text.keys() {
            if Lang::from_code(lang).is_none() {
                err(at(&q.id), format!("question {qid:?} has a text in unknown language {lang:?}"));
            }
        }
        if let Some(kind) = kind {
            questions.push(Question {
                id: qid,
                section: q.section.get_ref().clone(),
                article: q.article.trim().to_owned(),
                kind,
                required: q.required,
                priority_area: q.priority_area.as_ref().map(|a| a.get_ref().clone()),
                choices: q.choices.iter().map(|c| c.get_ref().clone()).collect(),
                text: q.text.clone(),
            });
        }
    }
    if raw.questions.is_empty() {
        err(at(&raw.id), format!("questionnaire {id:?} has no questions"));
    }
    let instrument = instrument?;
    (errors.len() == before).then(|| {
        Questionnaire::new(id, instrument, raw.version, accepts, raw.title.clone(), sections, questions)
    })
}

#[cfg(test)]
mod pattern_tests {
    use super::*;

    #[test]
    fn every_source_pattern_compiles() {
        assert!(QUESTION_ID.is_some());
        assert!(QUESTIONNAIRE_ID.is_some());
        assert!(crate::ingest::spreadsheet::ID_CELL.is_some());
        assert!(matches(&QUESTION_ID, "UNTOC.18.13.TA"));
        assert!(!matches(&QUESTION_ID, "untoc.5.1"));
        assert!(matches(&QUESTIONNAIRE_ID, "UNTOC-2026"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_index_tells_every_offset_s_line_as_counting_does() {
        for src in ["", "a", "\n", "a\nb", "a\n\nb\n", "\n\nx = 1\n[[q]]\nid = \"A.1\"\n"] {
            let index = LineIndex::new(src);
            for offset in 0..=src.len() + 2 {
                assert_eq!(index.line(offset), line_of(src, offset), "{src:?} at {offset}");
            }
        }
    }
}
