//! The multilingual vocabulary (`schemas/vocabulary.toml`): answer tokens,
//! assistance types, priority areas, cover and column labels, choice labels.
//!
//! Lookups fold both sides (see [`crate::normalize::fold`]), try the machine
//! code first, then the labels of the return's language, then every language.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{ColumnKey, CoverKey, Lang, Token};
use crate::normalize::fold::fold;

/// One or several strings in the TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

pub(crate) type RawTable = BTreeMap<String, BTreeMap<String, OneOrMany>>;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVocabulary {
    pub languages: Vec<String>,
    #[serde(default)]
    pub marks: Vec<String>,
    #[serde(default)]
    pub language: RawTable,
    pub answer: RawTable,
    pub assistance: RawTable,
    pub priority_area: RawTable,
    pub cover: RawTable,
    pub column: RawTable,
    #[serde(default)]
    pub choice: RawTable,
}

/// A table of codes with per-language labels.
#[derive(Debug, Clone, Default)]
pub struct Table {
    codes: Vec<String>,
    labels: Vec<BTreeMap<Lang, Vec<String>>>,
    /// folded string -> (language or None for the code itself, entry index)
    index: crate::FastMap<String, Vec<(Option<Lang>, usize)>>,
    /// The most letters any folded string of the index has: see [`Table::lookup`].
    max_letters: usize,
    /// Tells this table's entries apart in each worker's [`LOOKUPS`] memo.
    id: u64,
}

/// Texts longer than this are looked up every time (few recur).
const MEMO_MAX_TEXT: usize = 256;
/// Most texts each worker remembers, all tables together (at most about
/// 1.5 MB); past it, the worker forgets them all and starts again.
const MEMO_MAX_ENTRIES: usize = 4096;

/// What each text looked up in one table and language names (an entry index).
type Remembered = crate::FastMap<Box<str>, Option<usize>>;

/// Per table and language, what was looked up.
#[derive(Default)]
struct Lookups {
    entries: usize,
    by_table: crate::FastMap<(u64, Option<Lang>), Remembered>,
}

thread_local! {
    /// Each worker's lookups. Cells recur from file to file (question ids,
    /// labels, tokens), and a lookup is a pure function of the table and
    /// the text, so the outputs cannot depend on which worker looked up what.
    static LOOKUPS: std::cell::RefCell<Lookups> = std::cell::RefCell::new(Lookups::default());
}

impl Table {
    pub(crate) fn build(raw: &RawTable) -> (Table, Vec<String>) {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut table =
            Table { id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed), ..Table::default() };
        let mut unknown_langs = Vec::new();
        for (code, per_lang) in raw {
            let i = table.codes.len();
            table.codes.push(code.clone());
            let mut labels = BTreeMap::new();
            table.index.entry(fold(code)).or_default().push((None, i));
            for (lang, strings) in per_lang {
                let Some(l) = Lang::from_code(lang) else {
                    unknown_langs.push(format!("{code}.{lang}"));
                    continue;
                };
                let strings = strings.clone().into_vec();
                for s in &strings {
                    table.index.entry(fold(s)).or_default().push((Some(l), i));
                }
                labels.insert(l, strings);
            }
            table.labels.push(labels);
        }
        table.max_letters = table.index.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        (table, unknown_langs)
    }

    /// The codes, in file order (sorted).
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Whether `code` is an entry.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c == code)
    }

    /// The display label of `code` in `lang`, falling back to English, then the code.
    pub fn label<'a>(&'a self, code: &'a str, lang: Lang) -> &'a str {
        let Some(i) = self.codes.iter().position(|c| c == code) else { return code };
        let labels = &self.labels[i];
        labels
            .get(&lang)
            .or_else(|| labels.get(&Lang::En))
            .and_then(|v| v.first())
            .map_or(code, String::as_str)
    }

    /// All the strings of `code` in `lang`.
    pub fn strings(&self, code: &str, lang: Lang) -> &[String] {
        self.codes
            .iter()
            .position(|c| c == code)
            .and_then(|i| self.labels[i].get(&lang))
            .map_or(&[], Vec::as_slice)
    }

    /// Languages that have labels for `code`.
    pub fn languages_of(&self, code: &str) -> Vec<Lang> {
        self.codes
            .iter()
            .position(|c| c == code)
            .map(|i| self.labels[i].keys().copied().collect())
            .unwrap_or_default()
    }

    /// The code that `text` names (a code or any label), preferring `lang`.
    ///
    /// Folding is the costly part of a lookup, and most cells looked up are
    /// question texts and answers: a code itself is matched without folding,
    /// and text with more [kept letters](is_kept_letter) than any folded
    /// string of the table has characters is not folded at all, since its
    /// fold (which keeps every one of those letters) cannot be in the index.
    pub fn lookup(&self, text: &str, lang: Option<Lang>) -> Option<&str> {
        if text.len() > MEMO_MAX_TEXT || self.id == 0 {
            return self.lookup_unmemoized(text, lang);
        }
        let found = LOOKUPS.with(|memo| {
            let mut memo = memo.borrow_mut();
            if let Some(hit) = memo.by_table.get(&(self.id, lang)).and_then(|m| m.get(text)) {
                return *hit;
            }
            let found = self.lookup_unmemoized(text, lang).and_then(|code| self.position(code));
            if memo.entries >= MEMO_MAX_ENTRIES {
                *memo = Lookups::default();
            }
            memo.entries += 1;
            memo.by_table.entry((self.id, lang)).or_default().insert(text.into(), found);
            found
        });
        found.and_then(|i| self.codes.get(i)).map(String::as_str)
    }

    /// The index of `code` among the codes.
    fn position(&self, code: &str) -> Option<usize> {
        self.codes.iter().position(|c| c == code)
    }

    pub(crate) fn lookup_unmemoized(&self, text: &str, lang: Option<Lang>) -> Option<&str> {
        let trimmed = text.trim();
        if trimmed.len() > MAX_MATCHED_BYTES
            || trimmed.chars().filter(|c| is_kept_letter(*c)).nth(self.max_letters).is_some()
        {
            return None;
        }
        if let Some(code) = self.codes.iter().find(|c| c.as_str() == trimmed) {
            return Some(code.as_str());
        }
        self.lookup_folded(&fold(trimmed), lang)
    }

    /// Like [`Table::lookup`] on text that is already folded.
    pub fn lookup_folded(&self, folded: &str, lang: Option<Lang>) -> Option<&str> {
        let hits = self.index.get(folded)?;
        let pick = hits
            .iter()
            .find(|(l, _)| l.is_none())
            .or_else(|| hits.iter().find(|(l, _)| lang.is_some() && *l == lang))
            .or_else(|| hits.first())?;
        Some(self.codes[pick.1].as_str())
    }

    /// Folded strings that name more than one code (for `schema check`).
    pub(crate) fn collisions(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = self
            .index
            .iter()
            .filter_map(|(k, hits)| {
                let mut codes: Vec<String> = hits.iter().map(|(_, i)| self.codes[*i].clone()).collect();
                codes.sort();
                codes.dedup();
                (codes.len() > 1).then(|| (k.clone(), codes))
            })
            .collect();
        out.sort();
        out
    }

    /// Every folded string of the table.
    pub(crate) fn folded_strings(&self) -> impl Iterator<Item = &String> {
        self.index.keys()
    }
}

/// Longest text (in bytes) ever compared with the vocabulary or a
/// question's choices: entries are short labels, and folding is costly on
/// text that Unicode normalization expands (one 3-byte ligature becomes 18
/// letters: a 1 MB workbook of such text took 33 s to fold).
pub const MAX_MATCHED_BYTES: usize = 4096;

/// A letter that folding always keeps, as one character: an ASCII letter or
/// digit, a basic Cyrillic or Arabic letter, a CJK ideograph.
pub(crate) fn is_kept_letter(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '\u{0401}' | '\u{0410}'..='\u{044F}' | '\u{0451}' | '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{4E00}'..='\u{9FFF}'
        )
}

/// The loaded vocabulary.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Languages the vocabulary declares.
    pub languages: Vec<Lang>,
    /// Folded tick marks for checkbox columns.
    pub marks: Vec<String>,
    /// Names of the languages.
    pub language: Table,
    /// Answer tokens.
    pub answer: Table,
    /// Assistance types.
    pub assistance: Table,
    /// Priority areas.
    pub priority_area: Table,
    /// Cover keys.
    pub cover: Table,
    /// Column keys.
    pub column: Table,
    /// Choice codes.
    pub choice: Table,
}

impl Vocabulary {
    pub(crate) fn build(raw: &RawVocabulary) -> (Vocabulary, Vec<String>) {
        let mut unknown = Vec::new();
        let mut table = |t: &RawTable| {
            let (table, bad) = Table::build(t);
            unknown.extend(bad);
            table
        };
        let vocab = Vocabulary {
            languages: raw.languages.iter().filter_map(|l| Lang::from_code(l)).collect(),
            marks: raw.marks.iter().map(|m| fold(m)).filter(|m| !m.is_empty()).collect(),
            language: table(&raw.language),
            answer: table(&raw.answer),
            assistance: table(&raw.assistance),
            priority_area: table(&raw.priority_area),
            cover: table(&raw.cover),
            column: table(&raw.column),
            choice: table(&raw.choice),
        };
        (vocab, unknown)
    }

    /// The answer token `text` names.
    pub fn token(&self, text: &str, lang: Option<Lang>) -> Option<Token> {
        self.answer.lookup(text, lang).and_then(Token::from_code)
    }

    /// The cover key `text` names (machine key or label).
    pub fn cover_key(&self, text: &str) -> Option<CoverKey> {
        self.cover.lookup(text, None).and_then(CoverKey::from_code)
    }

    /// The column key `text` names (machine key or label).
    pub fn column_key(&self, text: &str) -> Option<ColumnKey> {
        self.column.lookup(text, None).and_then(ColumnKey::from_code)
    }

    /// The language a cover's `language` field names (code or name).
    pub fn language(&self, text: &str) -> Option<Lang> {
        Lang::from_code(text).or_else(|| self.language.lookup(text, None).and_then(Lang::from_code)).or_else(
            || {
                // A language tag (`fr-FR`, `zh_Hans`, `ar-SA`): its language.
                let t = text.trim();
                let (primary, region) = t.split_once(['-', '_'])?;
                (!region.is_empty()
                    && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .then(|| Lang::from_code(primary))
                .flatten()
            },
        )
    }

    /// Whether folded text is a tick mark or a yes token.
    pub fn is_mark(&self, folded: &str) -> bool {
        self.marks.iter().any(|m| m == folded)
            || self.answer.lookup_folded(folded, None) == Some(Token::Yes.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let raw: RawTable = toml::from_str(
            r#"
            yes = { en = ["Yes", "Y"], fr = "Oui", zh = "是" }
            not-applicable = { en = "Not applicable", fr = "Sans objet" }
            "#,
        )
        .unwrap();
        Table::build(&raw).0
    }

    #[test]
    fn lookups_skip_folding_only_where_nothing_can_match() {
        let t = table();
        assert_eq!(t.lookup("yes", None), Some("yes"));
        assert_eq!(t.lookup("  not-applicable ", None), Some("not-applicable"));
        assert_eq!(t.lookup("ＮＯＴ   ＡＰＰＬＩＣＡＢＬＥ", None), Some("not-applicable"));
        assert_eq!(t.lookup(&format!("{}Oui{}", " ".repeat(500), "\n".repeat(300)), None), Some("yes"));
        assert_eq!(
            t.lookup(&format!("N{}ot applicable", "\u{0301}".repeat(300)), None),
            Some("not-applicable")
        );
        for s in ["yes", "oui", "是", "not applicable", "sans objet", "y"] {
            assert!(s.chars().all(is_kept_letter) || s.contains(' '));
        }
        assert_eq!(t.lookup("« Sans objet »", Some(Lang::Fr)), Some("not-applicable"));
        assert_eq!(t.lookup(&"Yes ".repeat(40), None), None);
    }

    #[test]
    fn remembered_lookups_are_kept_apart_by_table_and_language() {
        let first = table();
        let raw: RawTable = toml::from_str(r#"oui = { en = "Yes" }"#).unwrap();
        let second = Table::build(&raw).0;
        for _ in 0..3 {
            assert_eq!(first.lookup("Yes", None), Some("yes"));
            assert_eq!(second.lookup("Yes", None), Some("oui"));
            assert_eq!(second.lookup("Oui", None), Some("oui"));
            assert_eq!(first.lookup("Oui", Some(Lang::Fr)), Some("yes"));
            assert_eq!(first.lookup("nothing", None), None);
        }
        // Past the memo's size it starts again, with the same answers.
        for k in 0..MEMO_MAX_ENTRIES + 10 {
            assert_eq!(first.lookup(&format!("text {k}"), None), None);
        }
        assert_eq!(first.lookup("Y", None), Some("yes"));
    }
}
