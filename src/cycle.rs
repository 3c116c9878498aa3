//! The cycle folder (SPEC 3.1-3.3): `cycle.toml`, the register of States
//! parties and the designated focal points.
//!
//! These are the run's configuration: any problem here stops the run with a
//! [`CycleError`] naming the file and line, before any return is read.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::{Date, Instrument, Region};
use crate::normalize::fold::fold;

/// A problem with the cycle's own files.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}{}: {message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct CycleError {
    /// The file.
    pub file: PathBuf,
    /// One-based line, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl CycleError {
    fn new(file: &Path, line: Option<u64>, message: impl Into<String>) -> Self {
        CycleError { file: file.to_path_buf(), line, message: message.into() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCycle {
    id: String,
    #[serde(default)]
    title: String,
    /// A date: a TOML local date (`2026-06-30`) or a string holding one.
    deadline: toml::Spanned<toml::Value>,
    party_as_of: toml::Spanned<toml::Value>,
    schemas: String,
    questionnaires: Vec<String>,
    #[serde(default)]
    inbox: Option<String>,
    #[serde(default)]
    parties: Option<String>,
    #[serde(default)]
    focal_points: Option<String>,
}

/// A reporting cycle.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// The cycle folder.
    pub dir: PathBuf,
    /// Cycle id (`2026`).
    pub id: String,
    /// Free title.
    pub title: String,
    /// Returns dated after it are late.
    pub deadline: Date,
    /// A State is bound if party on or before this date.
    pub party_as_of: Date,
    /// Folder of questionnaire definitions.
    pub schemas: PathBuf,
    /// Required questionnaire ids.
    pub questionnaires: Vec<String>,
    /// The inbox folder.
    pub inbox: PathBuf,
    /// The register file.
    pub parties: PathBuf,
    /// The focal points file.
    pub focal_points: PathBuf,
    /// Whether cycle.toml names the focal points file (then it must exist:
    /// a misspelt name would lose every contact without a word).
    pub focal_points_named: bool,
}

impl Cycle {
    /// Reads `DIR/cycle.toml`.
    pub fn load(dir: &Path) -> Result<Cycle, CycleError> {
        let path = dir.join("cycle.toml");
        let src = std::fs::read_to_string(&path)
            .map_err(|e| CycleError::new(&path, None, format!("cannot read the cycle definition: {e}")))?;
        let line_of =
            |offset: usize| src.get(..offset).map(|s| s.bytes().filter(|b| *b == b'\n').count() as u64 + 1);
        let raw: RawCycle = toml::from_str(&src)
            .map_err(|e| CycleError::new(&path, e.span().and_then(|s| line_of(s.start)), e.message()))?;
        let date = |s: &toml::Spanned<toml::Value>, what: &str| {
            let value = match s.get_ref() {
                toml::Value::String(text) => Date::parse_iso(text),
                // A bare TOML date (`deadline = 2026-06-30`): a date-time
                // or a time is not a date.
                toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                    Date::parse_iso(&dt.to_string())
                }
                _ => None,
            };
            value.ok_or_else(|| {
                let shown = match s.get_ref() {
                    toml::Value::String(text) => format!("{text:?}"),
                    other => other.to_string(),
                };
                CycleError::new(
                    &path,
                    line_of(s.span().start),
                    format!("{what} {shown} is not a date (YYYY-MM-DD)"),
                )
            })
        };
        let deadline = date(&raw.deadline, "deadline")?;
        let party_as_of = date(&raw.party_as_of, "party_as_of")?;
        if raw.questionnaires.is_empty() {
            return Err(CycleError::new(&path, None, "questionnaires lists no questionnaire"));
        }
        // A questionnaire listed twice is required once: one compliance row
        // per State and questionnaire, whatever the list says.
        let mut questionnaires: Vec<String> = Vec::with_capacity(raw.questionnaires.len());
        for q in raw.questionnaires {
            if questionnaires.contains(&q) {
                tracing::warn!(file = %path.display(), "questionnaires lists {q:?} twice; it is required once");
            } else {
                questionnaires.push(q);
            }
        }
        let rel = |p: Option<&str>, default: &str| dir.join(p.unwrap_or(default));
        Ok(Cycle {
            dir: dir.to_path_buf(),
            id: raw.id,
            title: raw.title,
            deadline,
            party_as_of,
            schemas: dir.join(&raw.schemas),
            questionnaires,
            inbox: rel(raw.inbox.as_deref(), "inbox"),
            parties: rel(raw.parties.as_deref(), "parties.csv"),
            focal_points: rel(raw.focal_points.as_deref(), "focal-points.csv"),
            focal_points_named: raw.focal_points.is_some(),
        })
    }
}

/// A State (or organization) in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// ISO 3166-1 alpha-3 code (or `EUU`).
    pub iso3: String,
    /// English short name.
    pub name: String,
    /// Regional group, if any.
    pub region: Option<Region>,
    /// Other names.
    pub aliases: Vec<String>,
    /// Date of becoming party, per instrument (in [`Instrument::ALL`] order).
    pub since: [Option<Date>; 4],
    /// Names in other languages, from the optional `name_ar` ... `name_zh` columns.
    pub names: std::collections::BTreeMap<crate::model::Lang, String>,
    /// Line in parties.csv.
    pub line: u64,
}

impl Party {
    /// Whether the party is bound by `instrument` as of `as_of`.
    pub fn is_bound(&self, instrument: Instrument, as_of: Date) -> bool {
        self.since[instrument.index()].is_some_and(|d| d <= as_of)
    }

    /// The name in `lang` (optional `name_<lang>` column), else the English name.
    pub fn name_in(&self, lang: crate::model::Lang) -> &str {
        self.names.get(&lang).map_or(self.name.as_str(), String::as_str)
    }

    /// The region code, or empty.
    pub fn region_code(&self) -> &'static str {
        self.region.map_or("", Region::code)
    }
}

/// The register of States parties.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// Parties sorted by iso3.
    pub parties: Vec<Party>,
    by_name: crate::FastMap<String, usize>,
}

impl Register {
    /// Reads parties.csv.
    pub fn load(path: &Path) -> Result<Register, CycleError> {
        let bytes = std::fs::read(path)
            .map_err(|e| CycleError::new(path, None, format!("cannot read the register: {e}")))?;
        let lines = Lines::of(&bytes);
        let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes.as_slice());
        let headers = rdr.headers().map_err(|e| CycleError::new(path, Some(1), e.to_string()))?.clone();
        let col = |name: &str| -> Result<usize, CycleError> {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| CycleError::new(path, Some(1), format!("missing column {name:?}")))
        };
        let (c_iso, c_name, c_region, c_alias) =
            (col("iso3")?, col("name")?, col("region")?, col("aliases")?);
        let c_inst: Vec<usize> = Instrument::ALL.iter().map(|i| col(i.code())).collect::<Result<_, _>>()?;
        let c_names: Vec<(crate::model::Lang, usize)> = crate::model::Lang::ALL
            .iter()
            .filter_map(|l| {
                let header = format!("name_{}", l.code());
                headers.iter().position(|h| h.trim() == header).map(|i| (*l, i))
            })
            .collect();
        let mut parties: Vec<Party> = Vec::new();
        for rec in rdr.records() {
            let rec =
                rec.map_err(|e| CycleError::new(path, e.position().map(|p| lines.at(p)), e.to_string()))?;
            let line = rec.position().map_or(0, |p| lines.at(p));
            let field = |i: usize| rec.get(i).unwrap_or("").trim();
            let iso3 = field(c_iso).to_owned();
            if iso3.len() != 3 || !iso3.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(CycleError::new(
                    path,
                    Some(line),
                    format!("iso3 {iso3:?} is not three capital letters"),
                ));
            }
            let region = match field(c_region) {
                "" => None,
                r => Some(Region::from_code(r).ok_or_else(|| {
                    CycleError::new(
                        path,
                        Some(line),
                        format!("unknown region {r:?} (expected AFRICA, ASIA-PACIFIC, EASTERN-EUROPE, GRULAC, WEOG or empty)"),
                    )
                })?),
            };
            let mut since = [None; 4];
            for (k, inst) in Instrument::ALL.iter().enumerate() {
                since[k] = match field(c_inst[k]) {
                    "" => None,
                    d => Some(Date::parse_iso(d).ok_or_else(|| {
                        CycleError::new(
                            path,
                            Some(line),
                            format!("{} date {d:?} is not a date (YYYY-MM-DD)", inst.code()),
                        )
                    })?),
                };
            }
            let name = field(c_name).to_owned();
            if name.is_empty() {
                return Err(CycleError::new(path, Some(line), format!("{iso3} has no name")));
            }
            let aliases = field(c_alias)
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
            let names = c_names
                .iter()
                .filter_map(|(l, i)| Some((*l, field(*i).to_owned())).filter(|(_, n)| !n.is_empty()))
                .collect();
            parties.push(Party { iso3, name, region, aliases, since, names, line });
        }
        parties.sort_by(|a, b| a.iso3.cmp(&b.iso3));
        for w in parties.windows(2) {
            if w[0].iso3 == w[1].iso3 {
                return Err(CycleError::new(
                    path,
                    Some(w[1].line.max(w[0].line)),
                    format!("{} is listed twice (lines {} and {})", w[0].iso3, w[0].line, w[1].line),
                ));
            }
        }
        let mut by_name: crate::FastMap<String, usize> = crate::FastMap::default();
        for (i, p) in parties.iter().enumerate() {
            for name in std::iter::once(&p.name).chain(&p.aliases).chain(p.names.values()) {
                let key = fold(name);
                if key.is_empty() {
                    continue;
                }
                if let Some(&j) = by_name.get(&key)
                    && j != i
                {
                    return Err(CycleError::new(
                        path,
                        Some(p.line),
                        format!("the name {name:?} of {} is also a name of {}", p.iso3, parties[j].iso3),
                    ));
                }
                by_name.insert(key, i);
            }
        }
        Ok(Register { parties, by_name })
    }

    /// The party with this code.
    pub fn get(&self, iso3: &str) -> Option<&Party> {
        self.parties.binary_search_by(|p| p.iso3.as_str().cmp(iso3)).ok().map(|i| &self.parties[i])
    }

    /// The party a return names: its code (any case) or any of its names.
    pub fn lookup(&self, text: &str) -> Option<&Party> {
        let t = text.trim();
        if t.len() == 3
            && t.is_ascii()
            && let Some(p) = self.get(&t.to_ascii_uppercase())
        {
            return Some(p);
        }
        let folded = fold(t);
        if let Some(&i) = self.by_name.get(&folded) {
            return Some(&self.parties[i]);
        }
        // The code as folding reads it: full-width `ＦＲＡ` (an East Asian
        // input method), with spaces or marks folding drops.
        if folded.len() == 3
            && folded.bytes().all(|b| b.is_ascii_lowercase())
            && let Some(p) = self.get(&folded.to_ascii_uppercase())
        {
            return Some(p);
        }
        None
    }
}

/// A focal point, from the register file or a return's cover.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FocalPoint {
    /// The State.
    pub iso3: String,
    /// Name.
    pub name: String,
    /// Institution.
    pub institution: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Date of designation.
    pub designated_on: Option<Date>,
    /// Where it came from (`focal-points.csv:12`, or a file and cell).
    pub source: String,
}

impl FocalPoint {
    /// Whether it gives any way to reach someone.
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.email.is_empty() && self.phone.is_empty()
    }
}

/// The lines of a CSV file, to tell on which one a record starts. The csv
/// reader's own line count is one short after a CRLF line end (it counts
/// the `\n` only once it has read past it, and a record's position can be
/// that `\n`): a record starts at its first byte that ends no line.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Offsets of the `\n` bytes, in order.
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn of(bytes: &'a [u8]) -> Self {
        Lines { bytes, newlines: memchr::memchr_iter(b'\n', bytes).collect() }
    }

    /// The one-based line of the record at `pos`.
    fn at(&self, pos: &csv::Position) -> u64 {
        // Past the line-end bytes the position may sit on.
        let from = usize::try_from(pos.byte()).unwrap_or(usize::MAX).min(self.bytes.len());
        let skipped = self.bytes[from..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        self.newlines.partition_point(|&o| o < from + skipped) as u64 + 1
    }
}

/// Reads focal-points.csv (an empty file means none). A missing file is an
/// error where cycle.toml names it (`named`), else none with a warning.
pub fn load_focal_points(
    path: &Path,
    named: bool,
    register: &Register,
) -> Result<Vec<FocalPoint>, CycleError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => {
            tracing::warn!(
                file = %path.display(),
                "no focal points file: no State has a focal point but those on the covers of its returns"
            );
            return Ok(Vec::new());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(CycleError::new(
                path,
                None,
                format!("cannot read the focal points cycle.toml names: {e}"),
            ));
        }
        Err(e) => return Err(CycleError::new(path, None, format!("cannot read the focal points: {e}"))),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let lines = Lines::of(&bytes);
    let mut rdr = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let headers = rdr.headers().map_err(|e| CycleError::new(path, Some(1), e.to_string()))?.clone();
    let col = |name: &str| -> Result<usize, CycleError> {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| CycleError::new(path, Some(1), format!("missing column {name:?}")))
    };
    let cols = [
        col("iso3")?,
        col("name")?,
        col("institution")?,
        col("email")?,
        col("phone")?,
        col("designated_on")?,
    ];
    let file_name =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| CycleError::new(path, e.position().map(|p| lines.at(p)), e.to_string()))?;
        let line = rec.position().map_or(0, |p| lines.at(p));
        let f = |i: usize| rec.get(cols[i]).unwrap_or("").trim().to_owned();
        let iso3 = f(0);
        // A contact the run cannot use does not stop it (SPEC 6.2): the row
        // is left out, or its date, and the log says so.
        if register.get(&iso3).is_none() {
            tracing::warn!(
                "{}:{line}: {iso3:?} is not in the register; this focal point is left out",
                path.display()
            );
            continue;
        }
        let designated_on = match f(5).as_str() {
            "" => None,
            d => Date::parse_iso(d).or_else(|| {
                tracing::warn!(
                    "{}:{line}: designated_on {d:?} is not a date (YYYY-MM-DD); the focal point is kept undated",
                    path.display()
                );
                None
            }),
        };
        out.push(FocalPoint {
            iso3,
            name: f(1),
            institution: f(2),
            email: f(3),
            phone: f(4),
            designated_on,
            source: format!("{file_name}:{line}"),
        });
    }
    Ok(out)
}
