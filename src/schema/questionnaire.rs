//! Questionnaire definitions (`schemas/<ID>.toml`, SPEC 3.4).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::model::{Instrument, Lang};

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize)]
pub enum Kind {
    /// Yes or no.
    YesNo,
    /// Yes, no or partially.
    YesNoPartial,
    /// Free text.
    Text,
    /// A number.
    Number,
    /// A date.
    Date,
    /// One code of the question's choices.
    Choice,
    /// Several codes of the question's choices.
    MultiChoice,
    /// A technical-assistance need: yes/no plus assistance types.
    Need,
}

impl Kind {
    const ALL: [Kind; 8] = [
        Kind::YesNo,
        Kind::YesNoPartial,
        Kind::Text,
        Kind::Number,
        Kind::Date,
        Kind::Choice,
        Kind::MultiChoice,
        Kind::Need,
    ];

    /// The code used in schemas and outputs.
    pub fn code(self) -> &'static str {
        match self {
            Kind::YesNo => "yes-no",
            Kind::YesNoPartial => "yes-no-partial",
            Kind::Text => "text",
            Kind::Number => "number",
            Kind::Date => "date",
            Kind::Choice => "choice",
            Kind::MultiChoice => "multi-choice",
            Kind::Need => "need",
        }
    }

    /// Parses a kind code.
    pub fn from_code(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Texts per language code, as written.
pub type Texts = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestionnaire {
    pub id: Spanned<String>,
    pub instrument: Spanned<String>,
    pub version: u32,
    #[serde(default)]
    pub accepts: Vec<u32>,
    pub title: Texts,
    #[serde(default, rename = "section")]
    pub sections: Vec<RawSection>,
    #[serde(default, rename = "question")]
    pub questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSection {
    pub id: Spanned<String>,
    pub title: Texts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQuestion {
    pub id: Spanned<String>,
    pub section: Spanned<String>,
    pub article: String,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub required: bool,
    pub priority_area: Option<Spanned<String>>,
    #[serde(default)]
    pub choices: Vec<Spanned<String>>,
    pub text: Texts,
}

/// A section of a questionnaire.
#[derive(Debug, Clone)]
pub struct Section {
    /// Section id.
    pub id: String,
    /// Titles per language.
    pub title: Texts,
}

/// One question.
#[derive(Debug, Clone)]
pub struct Question {
    /// Question id, unique across all questionnaires.
    pub id: String,
    /// Section id.
    pub section: String,
    /// Article (and paragraph) of the instrument.
    pub article: String,
    /// Answer kind.
    pub kind: Kind,
    /// Whether a return without a valid answer is incomplete.
    pub required: bool,
    /// Priority area of a need question.
    pub priority_area: Option<String>,
    /// Choice codes of a choice or multi-choice question.
    pub choices: Vec<String>,
    /// Texts per language.
    pub text: Texts,
}

impl Question {
    /// The question text in `lang`, falling back to English.
    pub fn text_in(&self, lang: Lang) -> &str {
        self.text.get(lang.code()).or_else(|| self.text.get("en")).map_or("", String::as_str)
    }
}

/// A questionnaire definition.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    /// Questionnaire id (`UNTOC-2026`).
    pub id: String,
    /// The instrument it reports on.
    pub instrument: Instrument,
    /// Current template version.
    pub version: u32,
    /// Versions accepted this cycle.
    pub accepts: Vec<u32>,
    /// Titles per language.
    pub title: Texts,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Questions in order.
    pub questions: Vec<Question>,
    index: crate::FastMap<String, usize>,
}

impl Questionnaire {
    pub(crate) fn new(
        id: String,
        instrument: Instrument,
        version: u32,
        accepts: Vec<u32>,
        title: Texts,
        sections: Vec<Section>,
        questions: Vec<Question>,
    ) -> Questionnaire {
        let mut index = crate::FastMap::default();
        for (i, q) in questions.iter().enumerate() {
            index.entry(q.id.clone()).or_insert(i);
            index.entry(q.id.to_ascii_uppercase()).or_insert(i);
        }
        Questionnaire { id, instrument, version, accepts, title, sections, questions, index }
    }

    /// The question with this id (exact, or ignoring ASCII case).
    pub fn question(&self, id: &str) -> Option<(usize, &Question)> {
        let i = self.index.get(id).or_else(|| self.index.get(&id.to_ascii_uppercase())).or_else(|| {
            // Typed in full-width letters, or another form NFKC reads as the
            // id, or between right-to-left marks.
            (!id.is_ascii())
                .then(|| crate::normalize::fold::nfkc_visible(id).to_ascii_uppercase())
                .and_then(|n| self.index.get(&n))
        })?;
        Some((*i, &self.questions[*i]))
    }
}
