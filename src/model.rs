//! The types that cross stage boundaries.
//!
//! Each stage of the pipeline (SPEC section 2) takes and returns the types of
//! this module, so that no stage reaches into another stage's raw material.
//! Everything here is plain data: no I/O, no global state.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::provenance::SourceRef;

/// A calendar date (proleptic Gregorian), with no time zone and no time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None` (month 13, February 30th, year 0...).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if leap => 29,
            _ => 28,
        };
        if day > days {
            return None;
        }
        Some(Date { year, month: month as u8, day: day as u8 })
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
        };
        Date::new(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    /// The date of a day count since 1970-01-01.
    pub fn from_days(days: i64) -> Option<Date> {
        // Howard Hinnant's civil_from_days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(i32::try_from(year).ok()?, month as u32, day as u32)
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of a spreadsheet serial number (the time of day is dropped).
    pub fn from_excel_serial(serial: f64, is_1904: bool) -> Option<Date> {
        if !(1.0..=2_958_466.0).contains(&serial) {
            return None;
        }
        let whole = serial.floor() as i64;
        let days = if is_1904 {
            whole - 24_107 // 1904-01-01 is day -24107 from 1970
        } else {
            // 1900 system: serial 60 is the fictitious 1900-02-29.
            let whole = if whole > 60 { whole - 1 } else { whole };
            whole - 25_568 // serial 1 = 1900-01-01
        };
        Date::from_days(days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_iso(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s:?}")))
    }
}

/// The Convention and its three Protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Instrument {
    /// The Convention.
    Untoc,
    /// Protocol on trafficking in persons.
    Tip,
    /// Protocol against the smuggling of migrants.
    Som,
    /// Firearms Protocol.
    Firearms,
}

impl Instrument {
    /// All instruments, in the order of the register's columns.
    pub const ALL: [Instrument; 4] =
        [Instrument::Untoc, Instrument::Tip, Instrument::Som, Instrument::Firearms];

    /// The code used in files (`UNTOC`, `TIP`, `SOM`, `FIREARMS`).
    pub fn code(self) -> &'static str {
        match self {
            Instrument::Untoc => "UNTOC",
            Instrument::Tip => "TIP",
            Instrument::Som => "SOM",
            Instrument::Firearms => "FIREARMS",
        }
    }

    /// Parses an instrument code.
    pub fn from_code(s: &str) -> Option<Instrument> {
        Instrument::ALL.into_iter().find(|i| i.code() == s)
    }

    /// Position in [`Instrument::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A UN regional group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    /// African States.
    Africa,
    /// Asia-Pacific States.
    AsiaPacific,
    /// Eastern European States.
    EasternEurope,
    /// Latin American and Caribbean States.
    Grulac,
    /// Western European and other States.
    Weog,
}

impl Region {
    /// All groups, in display order.
    pub const ALL: [Region; 5] =
        [Region::Africa, Region::AsiaPacific, Region::EasternEurope, Region::Grulac, Region::Weog];

    /// The code used in files.
    pub fn code(self) -> &'static str {
        match self {
            Region::Africa => "AFRICA",
            Region::AsiaPacific => "ASIA-PACIFIC",
            Region::EasternEurope => "EASTERN-EUROPE",
            Region::Grulac => "GRULAC",
            Region::Weog => "WEOG",
        }
    }

    /// Parses a region code.
    pub fn from_code(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// One of the six languages of the Conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// Arabic.
    Ar,
    /// English.
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// Russian.
    Ru,
    /// Chinese.
    Zh,
}

impl Lang {
    /// All six, in alphabetical order of their codes.
    pub const ALL: [Lang; 6] = [Lang::Ar, Lang::En, Lang::Es, Lang::Fr, Lang::Ru, Lang::Zh];

    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Ru => "ru",
            Lang::Zh => "zh",
        }
    }

    /// Parses a two-letter code, in any case.
    pub fn from_code(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == s)
    }
}

/// The container format of an inbox file, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros.
    Xlsm,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97-2003 workbook (compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// XML document.
    Xml,
    /// Not recognised.
    Unknown,
}

impl Format {
    /// Lower-case name used in the manifest.
    pub fn code(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Xml => "xml",
            Format::Unknown => "unknown",
        }
    }

    /// Whether calamine reads it.
    pub fn is_spreadsheet(self) -> bool {
        matches!(self, Format::Xlsx | Format::Xlsm | Format::Xlsb | Format::Xls | Format::Ods)
    }
}

/// A cover field of a return (SPEC 4, "Cover").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CoverKey {
    /// Questionnaire id.
    Questionnaire,
    /// Template version.
    Version,
    /// The reporting State.
    State,
    /// Date of submission.
    Submitted,
    /// Language of the return.
    Language,
    /// Focal point's name.
    FocalPointName,
    /// Focal point's institution.
    FocalPointInstitution,
    /// Focal point's e-mail.
    FocalPointEmail,
    /// Focal point's phone.
    FocalPointPhone,
}

impl CoverKey {
    /// All keys, in template order.
    pub const ALL: [CoverKey; 9] = [
        CoverKey::Questionnaire,
        CoverKey::Version,
        CoverKey::State,
        CoverKey::Submitted,
        CoverKey::Language,
        CoverKey::FocalPointName,
        CoverKey::FocalPointInstitution,
        CoverKey::FocalPointEmail,
        CoverKey::FocalPointPhone,
    ];

    /// The machine key.
    pub fn code(self) -> &'static str {
        match self {
            CoverKey::Questionnaire => "questionnaire",
            CoverKey::Version => "version",
            CoverKey::State => "state",
            CoverKey::Submitted => "submitted",
            CoverKey::Language => "language",
            CoverKey::FocalPointName => "focal_point.name",
            CoverKey::FocalPointInstitution => "focal_point.institution",
            CoverKey::FocalPointEmail => "focal_point.email",
            CoverKey::FocalPointPhone => "focal_point.phone",
        }
    }

    /// Parses a machine key.
    pub fn from_code(s: &str) -> Option<CoverKey> {
        CoverKey::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A column of an answer table (SPEC 4, "Answers").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnKey {
    /// Question id.
    Id,
    /// Question text (for people; never read).
    Question,
    /// The answer.
    Answer,
    /// Assistance types of a need question.
    Assistance,
    /// Free comment.
    Comment,
}

impl ColumnKey {
    /// All keys.
    pub const ALL: [ColumnKey; 5] =
        [ColumnKey::Id, ColumnKey::Question, ColumnKey::Answer, ColumnKey::Assistance, ColumnKey::Comment];

    /// The machine key.
    pub fn code(self) -> &'static str {
        match self {
            ColumnKey::Id => "id",
            ColumnKey::Question => "question",
            ColumnKey::Answer => "answer",
            ColumnKey::Assistance => "assistance",
            ColumnKey::Comment => "comment",
        }
    }

    /// Parses a machine key.
    pub fn from_code(s: &str) -> Option<ColumnKey> {
        ColumnKey::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// A cell or element value as the file holds it, before normalization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RawValue {
    /// Nothing there.
    Empty,
    /// Text.
    Text(String),
    /// Whole number.
    Int(i64),
    /// Floating-point number.
    Float(f64),
    /// Boolean (a TRUE/FALSE cell, a checkbox).
    Bool(bool),
    /// A date cell (time of day dropped).
    Date(Date),
    /// An error cell (`#N/A`, `#REF!`), with its text.
    Error(String),
}

impl RawValue {
    /// Whether there is nothing (or only white space) there.
    pub fn is_blank(&self) -> bool {
        match self {
            RawValue::Empty => true,
            RawValue::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Empty => Ok(()),
            RawValue::Text(t) => f.write_str(t),
            RawValue::Int(i) => write!(f, "{i}"),
            RawValue::Float(x) => write!(f, "{x}"),
            RawValue::Bool(true) => f.write_str("TRUE"),
            RawValue::Bool(false) => f.write_str("FALSE"),
            RawValue::Date(d) => write!(f, "{d}"),
            RawValue::Error(e) => f.write_str(e),
        }
    }
}

/// A raw value and where it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawField {
    /// The value.
    pub value: RawValue,
    /// Its cell or element.
    pub source: SourceRef,
}

/// One answer row (or element) as found in a return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawAnswer {
    /// The question id as written (trimmed).
    pub question: String,
    /// Where the question id was found.
    pub id_source: SourceRef,
    /// The answer cell or element (its source is the answer's reference).
    pub answer: RawField,
    /// Assistance lists (a need question's `assistance` cell, or XML elements).
    pub assistance: Vec<RawField>,
    /// Checkbox columns: assistance code and the mark cell.
    pub marks: Vec<(String, RawField)>,
    /// Checkbox columns whose `assistance:` header names no assistance
    /// type: the header and the cell. A mark in one is not read, and says so.
    #[serde(default)]
    pub unknown_marks: Vec<(String, RawField)>,
    /// The comment, if any.
    pub comment: Option<RawField>,
}

/// Everything ingest found in one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawReturn {
    /// Cover fields in the order found (the first of a key counts).
    pub cover: Vec<(CoverKey, RawField)>,
    /// Answer rows in the order found.
    pub answers: Vec<RawAnswer>,
    /// Online-form submission id (XML only).
    pub instance_id: Option<String>,
    /// The submission an edit replaces (XML only).
    pub deprecated_id: Option<String>,
    /// The State's name beside its code (`<state code="FRA">France</state>`,
    /// XML only): bind checks that it names the same State.
    #[serde(default)]
    pub state_name: Option<RawField>,
    /// Things noticed while reading that do not stop the file.
    pub problems: Vec<Problem>,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes a return incomplete or an answer invalid; `check` exits 1.
    Error,
    /// Worth knowing; changes nothing.
    Warning,
}

/// A problem found in a return, with its place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code (`invalid-value`, `unknown-question`...); one of
    /// [`Problem::CODES`].
    pub code: &'static str,
    /// Where.
    pub source: SourceRef,
    /// What, for a person.
    pub message: String,
}

/// A [`Problem`] as read back (from the ingest cache), before its code is
/// mapped to the static string: a code art32 does not know is an error,
/// never leaked into a new `&'static str`.
#[derive(Deserialize)]
struct ProblemData {
    severity: Severity,
    code: String,
    source: SourceRef,
    message: String,
}

impl<'de> Deserialize<'de> for Problem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = ProblemData::deserialize(d)?;
        let code = Problem::known_code(&p.code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown problem code {:?}", p.code)))?;
        Ok(Problem { severity: p.severity, code, source: p.source, message: p.message })
    }
}

impl Problem {
    /// Every problem code art32 emits (a unit test checks the sources against it).
    pub const CODES: [&'static str; 20] = [
        "duplicate-answer",
        "duplicate-column",
        "duplicate-cover-field",
        "duplicate-element",
        "header-incomplete",
        "inconsistent-need",
        "invalid-value",
        "missing-question",
        "missing-version",
        "required-unanswered",
        "state-mismatch",
        "stray-text",
        "unclear-mark",
        "unknown-assistance",
        "unknown-attribute",
        "unknown-element",
        "unknown-language",
        "unknown-namespace",
        "unknown-question",
        "wrong-column",
    ];

    /// The static code equal to `code`, if art32 knows it.
    pub fn known_code(code: &str) -> Option<&'static str> {
        Problem::CODES.iter().copied().find(|c| *c == code)
    }

    /// An error.
    pub fn error(code: &'static str, source: SourceRef, message: impl Into<String>) -> Self {
        Problem { severity: Severity::Error, code, source, message: bounded(message.into()) }
    }

    /// A warning.
    pub fn warning(code: &'static str, source: SourceRef, message: impl Into<String>) -> Self {
        Problem { severity: Severity::Warning, code, source, message: bounded(message.into()) }
    }

    /// Longest message kept, in bytes: a message may quote what a cell
    /// holds, and a megabyte quoted in each of many warnings made a manifest
    /// of tens of megabytes. The cell itself is named by the problem's source.
    pub const MAX_MESSAGE_BYTES: usize = 2000;
}

/// Problems of one code kept for one file; past these, one problem counts
/// the rest (a file of 500,000 unknown elements would otherwise fill the
/// manifest with as many warnings).
pub const MAX_PROBLEMS_PER_CODE: usize = 100;

/// Keeps the first [`MAX_PROBLEMS_PER_CODE`] problems of each code, in
/// order, and ends the list with one problem per code that had more, saying
/// how many more: none is dropped silently.
pub fn cap_problems(problems: &mut Vec<Problem>) {
    let mut counts: std::collections::BTreeMap<&'static str, (usize, Severity)> =
        std::collections::BTreeMap::new();
    problems.retain(|p| {
        let (n, _) = counts.entry(p.code).or_insert((0, p.severity));
        *n += 1;
        *n <= MAX_PROBLEMS_PER_CODE
    });
    for (code, (n, severity)) in counts {
        if n > MAX_PROBLEMS_PER_CODE {
            problems.push(Problem {
                severity,
                code,
                source: SourceRef::File,
                message: format!("and {} more of this kind ({code})", n - MAX_PROBLEMS_PER_CODE),
            });
        }
    }
}

/// Text from a file, quoted in a message as `{:?}` quotes it, at most its
/// first 200 characters (then `…`): quoting a megabyte of text cost seconds
/// (escaping checks every character) and made megabytes of manifest.
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX_CHARS: usize = 200;
        match self.0.char_indices().nth(MAX_CHARS) {
            None => write!(f, "{:?}", self.0),
            Some((end, _)) => write!(f, "{:?}\u{2026}", &self.0[..end]),
        }
    }
}

/// A message cut to [`Problem::MAX_MESSAGE_BYTES`] at a character boundary,
/// ended with `…` when cut.
fn bounded(mut message: String) -> String {
    if message.len() > Problem::MAX_MESSAGE_BYTES {
        let mut end = Problem::MAX_MESSAGE_BYTES;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('\u{2026}');
    }
    message
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source {
            SourceRef::File => write!(f, "{}", self.message),
            _ => write!(f, "{}: {}", self.source.located(), self.message),
        }
    }
}

/// Why a file was rejected, superseded or ignored: a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// The file could not be read from disk.
    Unreadable,
    /// Zero bytes.
    EmptyFile,
    /// Not a readable spreadsheet or document.
    Corrupt,
    /// A format art32 recognises but does not read yet.
    UnsupportedFormat,
    /// Not well-formed XML, or bytes that are not in the declared encoding.
    MalformedXml,
    /// An XML document with a `<!DOCTYPE` (never processed).
    DoctypeForbidden,
    /// XML nested deeper than the limit.
    TooDeep,
    /// An XML element text or attribute longer than the limit.
    TextTooLong,
    /// An XML element with more attributes than the limit.
    TooManyAttributes,
    /// An XML document with more elements than the limit.
    TooManyElements,
    /// Password-protected or encrypted.
    Encrypted,
    /// Larger than a size limit: the file, or the text its cells hold.
    TooLarge,
    /// A sheet with more cells or rows than the limit.
    TooManyCells,
    /// A readable file without a cover or answers.
    NotAReturn,
    /// No questionnaire named on the cover.
    MissingQuestionnaire,
    /// A questionnaire or version this cycle does not accept.
    UnknownQuestionnaire,
    /// No State of the register named (SPEC 6.4): none named, or one that
    /// is not in the register; the message tells which.
    UnknownState,
    /// Byte-identical to another file (or a re-sent online submission).
    Duplicate,
    /// Replaced by a later or better return of the same State.
    Superseded,
    /// Replaced by an online edit that deprecates it.
    Deprecated,
    /// A bug in art32: the file's processing panicked.
    InternalError,
    /// An office lock file (`~$x.xlsx`).
    LockFile,
    /// An operating-system file (`.DS_Store`, `Thumbs.db`).
    SystemFile,
    /// An extension and content that are not a return.
    NotAReturnFile,
    /// A symbolic link (never followed).
    Symlink,
    /// A zip container (xlsx, xlsm, xlsb, ods) that inflates beyond the size
    /// or compression-ratio limits, or whose parts inflate beyond their
    /// declared sizes.
    ZipBomb,
    /// A zip container with more entries than the limit.
    TooManyEntries,
}

impl Reason {
    /// The code written in the manifest.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Unreadable => "unreadable",
            Reason::EmptyFile => "empty-file",
            Reason::Corrupt => "corrupt",
            Reason::UnsupportedFormat => "unsupported-format",
            Reason::MalformedXml => "malformed-xml",
            Reason::DoctypeForbidden => "doctype-forbidden",
            Reason::TooDeep => "too-deep",
            Reason::TextTooLong => "text-too-long",
            Reason::TooManyAttributes => "too-many-attributes",
            Reason::TooManyElements => "too-many-elements",
            Reason::Encrypted => "encrypted",
            Reason::TooLarge => "too-large",
            Reason::TooManyCells => "too-many-cells",
            Reason::NotAReturn => "not-a-return",
            Reason::MissingQuestionnaire => "missing-questionnaire",
            Reason::UnknownQuestionnaire => "unknown-questionnaire",
            Reason::UnknownState => "unknown-state",
            Reason::Duplicate => "duplicate",
            Reason::Superseded => "superseded",
            Reason::Deprecated => "deprecated",
            Reason::InternalError => "internal-error",
            Reason::LockFile => "lock-file",
            Reason::SystemFile => "system-file",
            Reason::NotAReturnFile => "other-file",
            Reason::Symlink => "symlink",
            Reason::ZipBomb => "zip-bomb",
            Reason::TooManyEntries => "too-many-entries",
        }
    }
}

/// A file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Stable reason.
    pub reason: Reason,
    /// Human message, naming the cell or element where there is one.
    pub message: String,
    /// The State the file names, when that much was read.
    pub iso3: Option<String>,
    /// The questionnaire the file names, when that much was read.
    pub questionnaire: Option<String>,
}

impl Rejection {
    /// A rejection that names no State or questionnaire.
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Rejection { reason, message: message.into(), iso3: None, questionnaire: None }
    }
}

/// The answer tokens of the vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Token {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Partially.
    Partial,
    /// Not applicable.
    NotApplicable,
}

impl Token {
    /// All tokens.
    pub const ALL: [Token; 4] = [Token::Yes, Token::No, Token::Partial, Token::NotApplicable];

    /// The code written in outputs.
    pub fn code(self) -> &'static str {
        match self {
            Token::Yes => "yes",
            Token::No => "no",
            Token::Partial => "partial",
            Token::NotApplicable => "not-applicable",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Token> {
        Token::ALL.into_iter().find(|t| t.code() == s)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn problems_past_the_cap_are_counted_in_one() {
        use super::{MAX_PROBLEMS_PER_CODE, Problem, SourceRef, cap_problems};
        let mut ps: Vec<Problem> =
            (0..250).map(|i| Problem::warning("unknown-element", SourceRef::File, format!("w{i}"))).collect();
        ps.push(Problem::error("invalid-value", SourceRef::File, "e"));
        cap_problems(&mut ps);
        assert_eq!(ps.len(), MAX_PROBLEMS_PER_CODE + 2);
        assert_eq!(ps[MAX_PROBLEMS_PER_CODE].code, "invalid-value");
        let last = ps.last().unwrap();
        assert_eq!(
            (last.code, last.message.as_str()),
            ("unknown-element", "and 150 more of this kind (unknown-element)")
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        use super::{Problem, SourceRef};
        let p = Problem::warning("invalid-value", SourceRef::File, "\u{e9}".repeat(5000));
        assert!(p.message.len() <= Problem::MAX_MESSAGE_BYTES + 3 && p.message.ends_with('\u{2026}'));
        assert_eq!(Problem::warning("invalid-value", SourceRef::File, "short").message, "short");
        assert_eq!(super::Quoted("a\"b").to_string(), "\"a\\\"b\"");
        let long = super::Quoted(&"x".repeat(1000)).to_string();
        assert_eq!(long, format!("{:?}\u{2026}", "x".repeat(200)));
    }

    use super::*;

    #[test]
    fn dates_validate_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2026, 2, 29).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert_eq!(Date::parse_iso("2026-06-30").map(|d| d.to_string()), Some("2026-06-30".into()));
        assert!(Date::parse_iso("2026-6-30").is_none());
        assert!(Date::parse_iso("2026-06-3x").is_none());
    }

    #[test]
    fn day_counts_round_trip() {
        for days in [-700_000_i64, -1, 0, 1, 19_000, 20_000, 2_000_000] {
            let d = Date::from_days(days).unwrap();
            assert_eq!(d.to_days(), days);
        }
        assert_eq!(Date::from_days(0).unwrap().to_string(), "1970-01-01");
    }

    #[test]
    fn excel_serials_follow_both_epochs() {
        assert_eq!(Date::from_excel_serial(1.0, false).unwrap().to_string(), "1900-01-01");
        assert_eq!(Date::from_excel_serial(59.0, false).unwrap().to_string(), "1900-02-28");
        assert_eq!(Date::from_excel_serial(61.0, false).unwrap().to_string(), "1900-03-01");
        assert_eq!(Date::from_excel_serial(46_067.75, false).unwrap().to_string(), "2026-02-14");
        assert_eq!(Date::from_excel_serial(0.0, true), None);
        assert_eq!(Date::from_excel_serial(1.0, true).unwrap().to_string(), "1904-01-02");
        assert_eq!(Date::from_excel_serial(f64::NAN, false), None);
    }
}
