//! `art32 generate` (a hidden command): a deterministic corpus of realistic
//! returns for benchmarks and load tests.
//!
//! It writes a cycle folder — `cycle.toml` pointing at the schemas, the
//! register's `parties.csv` and `focal-points.csv` copied — and N returns in
//! its inbox, for the States of the register, all questionnaires and the six
//! languages, in the mix a secretariat receives: about 60% xlsx, 10% ods,
//! 5% xls, 25% XML (native returns and ODK instances); about 5% resubmissions
//! (a later correction of an earlier return, now and then a byte-identical
//! re-send); about 1% broken files (a truncated workbook, random bytes, a
//! DOCTYPE, a truncated XML document). Answers, needs and comments have the
//! length of real ones.
//!
//! Every byte is a function of the seed, the count, the schemas and the
//! register: each file is drawn from its own generator seeded by (seed,
//! index), so the files can be written in parallel and still come out the
//! same.

mod sheets;
mod xls;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cycle::{CycleError, Party, Register};
use crate::model::{Date, Lang, Token};
use crate::schema::{ASSISTANCE_TYPES, Kind, Question, Questionnaire, SchemaErrors, Schemas, Vocabulary};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    /// The cycle folder to write (its inbox must not exist yet or be empty).
    pub out: PathBuf,
    /// Number of inbox files.
    pub count: usize,
    /// Seed of the generator: the same seed gives the same bytes.
    pub seed: u64,
    /// The schemas folder (`cycle.toml` points at it).
    pub schemas: PathBuf,
    /// The folder holding the register (`parties.csv`, `focal-points.csv`).
    pub register: PathBuf,
}

/// Why a corpus could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The schemas folder.
    #[error("invalid schemas:\n{0}")]
    Schema(#[from] SchemaErrors),
    /// The register.
    #[error("{0}")]
    Register(#[from] CycleError),
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The inbox already holds files.
    #[error("{} already holds files: generate into a new folder", .0.display())]
    NotEmpty(PathBuf),
    /// A workbook writer failed.
    #[error("cannot build a workbook: {0}")]
    Workbook(String),
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct GenerateReport {
    /// Inbox files written.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Files per kind (`xlsx`, `ods`, `xls`, `xml`, `odk`, `broken`, `resubmission`, `duplicate`).
    pub kinds: BTreeMap<&'static str, usize>,
}

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    fn pick_str<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.pick(items).copied().unwrap_or("")
    }

    /// `k` distinct items, in their original order.
    fn several<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..idx.len() {
            let j = i + self.below(idx.len() - i);
            idx.swap(i, j);
        }
        idx.truncate(k.min(items.len()));
        idx.sort_unstable();
        idx.into_iter().filter_map(|i| items.get(i)).collect()
    }
}

/// Mixes the seed with a file index into that file's own seed.
fn file_seed(seed: u64, index: usize) -> u64 {
    Rng::new(seed ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)).next()
}

/// The container a return is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Xlsx,
    Ods,
    Xls,
    Xml,
    Odk,
}

impl Container {
    fn code(self) -> &'static str {
        match self {
            Container::Xlsx => "xlsx",
            Container::Ods => "ods",
            Container::Xls => "xls",
            Container::Xml => "xml",
            Container::Odk => "odk",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Container::Xlsx => "xlsx",
            Container::Ods => "ods",
            Container::Xls => "xls",
            Container::Xml | Container::Odk => "xml",
        }
    }

    /// About 60% xlsx, 10% ods, 5% xls, 13% native XML, 12% ODK.
    fn draw(rng: &mut Rng) -> Container {
        match rng.below(100) {
            0..60 => Container::Xlsx,
            60..70 => Container::Ods,
            70..75 => Container::Xls,
            75..88 => Container::Xml,
            _ => Container::Odk,
        }
    }
}

/// How a file is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damage {
    TruncatedWorkbook,
    RandomBytes,
    Doctype,
    TruncatedXml,
}

/// One inbox file to write.
#[derive(Debug, Clone)]
enum Plan {
    /// A return.
    Return { party: usize, questionnaire: usize, lang: Lang, container: Container, seed: u64 },
    /// A later correction of the return planned at this index.
    Resubmission { of: usize, container: Container, seed: u64 },
    /// The same bytes as the file planned at this index, sent again.
    Duplicate { of: usize },
    /// A broken file.
    Broken { damage: Damage, seed: u64 },
}

/// Writes the corpus.
pub fn generate(config: &GenerateConfig) -> Result<GenerateReport, GenerateError> {
    let schemas = Schemas::load(&config.schemas)?;
    let register = Register::load(&config.register.join("parties.csv"))?;
    let inbox = config.out.join("inbox");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Io { path, source }
    };
    if std::fs::read_dir(&inbox).is_ok_and(|mut d| d.next().is_some()) {
        return Err(GenerateError::NotEmpty(inbox));
    }
    std::fs::create_dir_all(&inbox).map_err(io(&inbox))?;
    let schemas_dir = std::fs::canonicalize(&config.schemas).map_err(io(&config.schemas))?;
    let ids: Vec<String> = schemas.questionnaires.iter().map(|q| format!("{:?}", q.id)).collect();
    let toml = format!(
        "id = \"2026\"\ntitle = \"Generated cycle ({} returns, seed {})\"\ndeadline = \"2026-06-30\"\nparty_as_of = \"2026-01-01\"\nschemas = {:?}\nquestionnaires = [{}]\n",
        config.count,
        config.seed,
        schemas_dir.display().to_string(),
        ids.join(", ")
    );
    let cycle_toml = config.out.join("cycle.toml");
    std::fs::write(&cycle_toml, toml).map_err(io(&cycle_toml))?;
    for name in ["parties.csv", "focal-points.csv"] {
        let to = config.out.join(name);
        std::fs::copy(config.register.join(name), &to).map_err(io(&to))?;
    }

    let plans = plan(config.count, config.seed, register.parties.len(), schemas.questionnaires.len());
    let world = World { schemas: &schemas, parties: &register.parties };
    for p in &register.parties {
        let dir = inbox.join(&p.iso3);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    }
    let written: Vec<(u64, &'static str)> = (0..plans.len())
        .into_par_iter()
        .map(|i| {
            let (rel, bytes) = world.render(&plans, i)?;
            let path = inbox.join(&rel);
            std::fs::write(&path, &bytes).map_err(io(&path))?;
            Ok((bytes.len() as u64, kind_of(&plans, i)))
        })
        .collect::<Result<_, GenerateError>>()?;
    let mut report = GenerateReport { files: written.len(), ..GenerateReport::default() };
    for (bytes, kind) in written {
        report.bytes += bytes;
        *report.kinds.entry(kind).or_insert(0) += 1;
    }
    Ok(report)
}

fn kind_of(plans: &[Plan], i: usize) -> &'static str {
    match plans.get(i) {
        Some(Plan::Return { container, .. }) => container.code(),
        Some(Plan::Resubmission { .. }) => "resubmission",
        Some(Plan::Duplicate { .. }) => "duplicate",
        Some(Plan::Broken { .. }) | None => "broken",
    }
}

/// Which file is what: drawn in order from the seed.
fn plan(count: usize, seed: u64, parties: usize, questionnaires: usize) -> Vec<Plan> {
    let mut rng = Rng::new(seed);
    let mut plans = Vec::with_capacity(count);
    let mut returns: Vec<usize> = Vec::new();
    for i in 0..count {
        let r = rng.below(1000);
        let file = file_seed(seed, i);
        let p = if r < 10 {
            let damage = match rng.below(4) {
                0 => Damage::TruncatedWorkbook,
                1 => Damage::RandomBytes,
                2 => Damage::Doctype,
                _ => Damage::TruncatedXml,
            };
            Plan::Broken { damage, seed: file }
        } else if r < 60 && !returns.is_empty() {
            let of = returns[rng.below(returns.len())];
            if r < 20 {
                Plan::Duplicate { of }
            } else {
                let container = if rng.chance(70) {
                    match plans.get(of) {
                        Some(Plan::Return { container, .. }) => *container,
                        _ => Container::Xlsx,
                    }
                } else {
                    Container::draw(&mut rng)
                };
                Plan::Resubmission { of, container, seed: file }
            }
        } else {
            returns.push(i);
            Plan::Return {
                party: rng.below(parties),
                questionnaire: rng.below(questionnaires),
                lang: draw_lang(&mut rng),
                container: Container::draw(&mut rng),
                seed: file,
            }
        };
        plans.push(p);
    }
    plans
}

/// The languages of returns, roughly as the Conference receives them.
fn draw_lang(rng: &mut Rng) -> Lang {
    match rng.below(100) {
        0..40 => Lang::En,
        40..60 => Lang::Fr,
        60..75 => Lang::Es,
        75..85 => Lang::Ru,
        85..94 => Lang::Ar,
        _ => Lang::Zh,
    }
}

/// A value as a State wrote it (rendered per format later).
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Blank,
    Token(Token),
    Text(String),
    Number(i64),
    Date(Date),
    Choices(Vec<String>),
}

/// One answer row.
#[derive(Debug, Clone)]
struct Ans<'s> {
    q: &'s Question,
    value: Val,
    assistance: Vec<&'static str>,
    comment: Option<String>,
}

/// A return's content, independent of its container.
#[derive(Debug, Clone)]
struct Ret<'s> {
    q: &'s Questionnaire,
    party: &'s Party,
    lang: Lang,
    submitted: Option<Date>,
    /// name, institution, email, phone
    focal: [String; 4],
    answers: Vec<Ans<'s>>,
    instance: String,
    deprecated: Option<String>,
    /// How the spreadsheet is laid out and spelled.
    style: Style,
}

/// The habits of the person who filled in a spreadsheet.
#[derive(Debug, Clone, Copy)]
struct Style {
    /// Assistance as checkbox columns (the template), else one list column.
    checkboxes: bool,
    /// Cover keys as localized labels instead of machine keys.
    cover_labels: bool,
    /// The State as its name, else its code.
    state_name: bool,
    /// Dates as text `dd/mm/yyyy`, else date cells.
    text_dates: bool,
    /// Answer tokens and choices as codes, else localized labels.
    codes: bool,
}

impl Ret<'_> {
    /// The State as the return names it: the register's name or one of its
    /// aliases (names in other languages), the way the register knows it.
    fn state_name(&self) -> String {
        let n = self.instance.bytes().map(usize::from).sum::<usize>();
        match self.party.aliases.get(n % (self.party.aliases.len() + 1)) {
            Some(alias) if self.lang != Lang::En => alias.clone(),
            _ => self.party.name.clone(),
        }
    }
}

struct World<'w> {
    schemas: &'w Schemas,
    parties: &'w [Party],
}

impl<'w> World<'w> {
    fn vocab(&self) -> &'w Vocabulary {
        &self.schemas.vocabulary
    }

    /// The content of the return planned at `i` (following resubmissions).
    fn content(&self, plans: &[Plan], i: usize) -> Option<Ret<'w>> {
        match plans.get(i)? {
            Plan::Return { party, questionnaire, lang, container, seed } => {
                let party = self.parties.get(*party)?;
                let q = self.schemas.questionnaires.get(*questionnaire)?;
                Some(self.draw(party, q, *lang, *container, *seed))
            }
            Plan::Resubmission { of, seed, .. } => {
                let original = self.content(plans, *of)?;
                Some(self.revise(original, *seed))
            }
            Plan::Duplicate { .. } | Plan::Broken { .. } => None,
        }
    }

    fn draw(
        &self,
        party: &'w Party,
        q: &'w Questionnaire,
        lang: Lang,
        container: Container,
        seed: u64,
    ) -> Ret<'w> {
        let mut rng = Rng::new(seed);
        let day = Date::new(2026, 1, 15).map_or(20_468, Date::to_days) + rng.below(212) as i64;
        let submitted = if rng.chance(3) { None } else { Date::from_days(day) };
        let answers = q.questions.iter().map(|question| self.answer(&mut rng, question, lang)).collect();
        let style = Style {
            checkboxes: rng.chance(75),
            cover_labels: rng.chance(15),
            state_name: rng.chance(70),
            text_dates: rng.chance(15),
            codes: container == Container::Odk || rng.chance(10),
        };
        Ret {
            q,
            party,
            lang,
            submitted,
            focal: focal_point(&mut rng, party, lang),
            answers,
            instance: uuid(&mut rng),
            deprecated: None,
            style,
        }
    }

    fn answer(&self, rng: &mut Rng, q: &'w Question, lang: Lang) -> Ans<'w> {
        let blank = if q.required { 2 } else { 12 };
        let mut ans = Ans { q, value: Val::Blank, assistance: Vec::new(), comment: None };
        if rng.chance(blank) {
            return ans;
        }
        let token = |rng: &mut Rng, weights: [u64; 4]| {
            let r = rng.below(100) as u64;
            let mut acc = 0;
            for (t, w) in Token::ALL.into_iter().zip(weights) {
                acc += w;
                if r < acc {
                    return t;
                }
            }
            Token::NotApplicable
        };
        ans.value = match q.kind {
            Kind::YesNo => Val::Token(token(rng, [60, 30, 0, 10])),
            Kind::YesNoPartial => Val::Token(token(rng, [45, 18, 30, 7])),
            Kind::Need => {
                let t = token(rng, [40, 60, 0, 0]);
                if t == Token::Yes {
                    let k = 1 + rng.below(4);
                    ans.assistance = rng.several(&ASSISTANCE_TYPES, k).into_iter().copied().collect();
                    if rng.chance(60) {
                        let n = 1 + rng.below(2);
                        ans.comment = Some(sentences(rng, lang, n));
                    }
                }
                Val::Token(t)
            }
            Kind::Text => {
                let n = 1 + rng.below(4);
                Val::Text(sentences(rng, lang, n))
            }
            Kind::Number => Val::Number(rng.below(5000) as i64),
            Kind::Date => {
                let (y, m, d) =
                    (1995 + rng.below(31) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
                Date::new(y, m, d).map_or(Val::Blank, Val::Date)
            }
            Kind::Choice => Val::Choices(rng.pick(&q.choices).cloned().into_iter().collect()),
            Kind::MultiChoice => {
                let k = 1 + rng.below(3);
                Val::Choices(rng.several(&q.choices, k).into_iter().cloned().collect())
            }
        };
        if q.kind != Kind::Need && rng.chance(25) {
            ans.comment = Some(sentences(rng, lang, 1));
        }
        ans
    }

    /// A later correction: a later date, a few answers changed.
    fn revise(&self, mut ret: Ret<'w>, seed: u64) -> Ret<'w> {
        let mut rng = Rng::new(seed);
        let later = ret.submitted.map_or(20_500, Date::to_days) + 7 + rng.below(40) as i64;
        ret.submitted = Date::from_days(later);
        for _ in 0..3 {
            let i = rng.below(ret.answers.len());
            if let Some(a) = ret.answers.get_mut(i) {
                *a = self.answer(&mut rng, a.q, ret.lang);
            }
        }
        ret.deprecated = Some(std::mem::replace(&mut ret.instance, uuid(&mut rng)));
        ret
    }

    /// The relative path and bytes of file `i`.
    fn render(&self, plans: &[Plan], i: usize) -> Result<(String, Vec<u8>), GenerateError> {
        let missing = || GenerateError::Workbook(format!("no plan for file {i}"));
        match plans.get(i).ok_or_else(missing)? {
            Plan::Return { container, .. } => {
                let ret = self.content(plans, i).ok_or_else(missing)?;
                Ok((file_name(&ret, *container, i, ""), self.bytes(&ret, *container)?))
            }
            Plan::Resubmission { container, .. } => {
                let ret = self.content(plans, i).ok_or_else(missing)?;
                let odk = *container == Container::Odk;
                let mut ret = ret;
                ret.style.codes |= odk;
                Ok((file_name(&ret, *container, i, "_rev"), self.bytes(&ret, *container)?))
            }
            Plan::Duplicate { of } => {
                let (rel, bytes) = self.render(plans, *of)?;
                let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                Ok((format!("{dir}/{stem}_sent-again-{i:05}.{ext}"), bytes))
            }
            Plan::Broken { damage, seed } => self.broken(*damage, *seed, i),
        }
    }

    fn bytes(&self, ret: &Ret<'_>, container: Container) -> Result<Vec<u8>, GenerateError> {
        match container {
            Container::Xlsx => sheets::xlsx(&sheets::workbook(ret, self.vocab())),
            Container::Ods => sheets::ods(&sheets::workbook(ret, self.vocab())),
            Container::Xls => xls::write(&sheets::workbook(ret, self.vocab())),
            Container::Xml => Ok(native_xml(ret, self.vocab()).into_bytes()),
            Container::Odk => Ok(odk_xml(ret).into_bytes()),
        }
    }

    fn broken(&self, damage: Damage, seed: u64, i: usize) -> Result<(String, Vec<u8>), GenerateError> {
        let mut rng = Rng::new(seed);
        let party = rng.pick(self.parties).ok_or_else(|| GenerateError::Workbook("empty register".into()))?;
        let q = rng
            .pick(&self.schemas.questionnaires)
            .ok_or_else(|| GenerateError::Workbook("no questionnaire".into()))?;
        let lang = draw_lang(&mut rng);
        let ret = self.draw(party, q, lang, Container::Xml, rng.next());
        let name = |ext: &str| format!("{}/{}_{}_{i:05}_received.{ext}", party.iso3, q.id, party.iso3);
        Ok(match damage {
            Damage::TruncatedWorkbook => {
                let mut bytes = sheets::xlsx(&sheets::workbook(&ret, self.vocab()))?;
                bytes.truncate(bytes.len() * (30 + rng.below(50)) / 100);
                (name("xlsx"), bytes)
            }
            Damage::RandomBytes => {
                let n = 2_000 + rng.below(30_000);
                let bytes = (0..n).map(|_| rng.next() as u8).collect();
                (name(if rng.chance(50) { "xlsx" } else { "ods" }), bytes)
            }
            Damage::Doctype => {
                let xml = native_xml(&ret, self.vocab());
                let body = xml.split_once("?>\n").map_or(xml.as_str(), |(_, b)| b);
                let bomb = "<!DOCTYPE return [\n  <!ENTITY a \"aaaaaaaaaaaaaaaaaaaa\">\n  <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n";
                (
                    name("xml"),
                    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{bomb}{body}").into_bytes(),
                )
            }
            Damage::TruncatedXml => {
                let xml = native_xml(&ret, self.vocab()).into_bytes();
                let cut = xml.len() * (20 + rng.below(70)) / 100;
                (name("xml"), xml.get(..cut).unwrap_or(&xml).to_vec())
            }
        })
    }
}

fn file_name(ret: &Ret<'_>, container: Container, i: usize, suffix: &str) -> String {
    let odk = if container == Container::Odk { "_odk" } else { "" };
    format!(
        "{}/{}_{}_{}_{i:05}{odk}{suffix}.{}",
        ret.party.iso3,
        ret.q.id,
        ret.party.iso3,
        ret.lang.code(),
        container.extension()
    )
}

fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "uuid:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        b >> 52,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// Year, month and day of a date.
fn ymd(d: Date) -> (u16, u8, u8) {
    let s = d.to_string();
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u16>().ok()).unwrap_or(1);
    (num(0..4), num(5..7) as u8, num(8..10) as u8)
}

/// A date as a State might type it: `dd/mm/yyyy`.
fn day_first(d: Date) -> String {
    let (y, m, day) = ymd(d);
    format!("{day:02}/{m:02}/{y}")
}

/// The text of an answer token or choice as written in a return.
fn token_text(rng_pick: usize, vocab: &Vocabulary, t: Token, lang: Lang, codes: bool) -> String {
    if codes {
        return t.code().to_owned();
    }
    let strings = vocab.answer.strings(t.code(), lang);
    // Mostly the first (the template's) spelling, now and then another.
    let i = if rng_pick.is_multiple_of(4) { rng_pick / 4 % strings.len().max(1) } else { 0 };
    strings.get(i).cloned().unwrap_or_else(|| vocab.answer.label(t.code(), lang).to_owned())
}

/// Choices as written: labels (or codes) separated by `; `.
fn choices_text(vocab: &Vocabulary, codes: &[String], lang: Lang, as_codes: bool) -> String {
    let items: Vec<&str> =
        codes.iter().map(|c| if as_codes { c.as_str() } else { vocab.choice.label(c, lang) }).collect();
    items.join("; ")
}

/// A value as the text a spreadsheet cell or an XML element holds.
fn value_text(a: &Ans<'_>, ret: &Ret<'_>, vocab: &Vocabulary) -> String {
    let pick = a.q.id.len() + a.q.id.bytes().map(usize::from).sum::<usize>() + ret.instance.len();
    match &a.value {
        Val::Blank => String::new(),
        Val::Token(t) => token_text(pick, vocab, *t, ret.lang, ret.style.codes),
        Val::Text(s) => s.clone(),
        Val::Number(n) => n.to_string(),
        Val::Date(d) => d.to_string(),
        Val::Choices(c) => choices_text(vocab, c, ret.lang, ret.style.codes),
    }
}

/// XML text and attribute escaping.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// A native return (SPEC 5).
fn native_xml(ret: &Ret<'_>, vocab: &Vocabulary) -> String {
    let mut x = String::with_capacity(16 * 1024);
    let _ = writeln!(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        x,
        "<return xmlns=\"{}\" questionnaire=\"{}\" version=\"{}\" language=\"{}\">",
        crate::ingest::xml::RETURN_NS,
        esc(&ret.q.id),
        ret.q.version,
        ret.lang.code()
    );
    let _ = writeln!(x, "  <state code=\"{}\">{}</state>", ret.party.iso3, esc(&ret.state_name()));
    if let Some(d) = ret.submitted {
        let _ = writeln!(x, "  <submitted>{d}</submitted>");
    }
    let _ = writeln!(x, "  <focalPoint>");
    for (tag, v) in ["name", "institution", "email", "phone"].iter().zip(&ret.focal) {
        let _ = writeln!(x, "    <{tag}>{}</{tag}>", esc(v));
    }
    let _ = writeln!(x, "  </focalPoint>");
    for section in &ret.q.sections {
        let answers: Vec<&Ans<'_>> = ret.answers.iter().filter(|a| a.q.section == section.id).collect();
        if answers.is_empty() {
            continue;
        }
        let _ = writeln!(x, "  <section id=\"{}\">", esc(&section.id));
        for a in answers {
            let value = esc(&value_text(a, ret, vocab));
            if a.assistance.is_empty() && a.comment.is_none() {
                let _ = writeln!(x, "    <answer question=\"{}\">{value}</answer>", a.q.id);
                continue;
            }
            let _ = writeln!(x, "    <answer question=\"{}\">", a.q.id);
            let _ = writeln!(x, "      <value>{value}</value>");
            for code in &a.assistance {
                let label = if ret.style.codes { code } else { vocab.assistance.label(code, ret.lang) };
                let _ = writeln!(x, "      <assistance>{}</assistance>", esc(label));
            }
            if let Some(c) = &a.comment {
                let _ = writeln!(x, "      <comment>{}</comment>", esc(c));
            }
            let _ = writeln!(x, "    </answer>");
        }
        let _ = writeln!(x, "  </section>");
    }
    x.push_str("</return>\n");
    x
}

/// An ODK Central submission instance (SPEC 5.1).
fn odk_xml(ret: &Ret<'_>) -> String {
    let mut x = String::with_capacity(16 * 1024);
    let _ = writeln!(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        x,
        "<data xmlns:orx=\"http://openrosa.org/xforms\" xmlns:jr=\"http://openrosa.org/javarosa\" id=\"{}\" orx:version=\"{}\">",
        esc(&ret.q.id),
        ret.q.version
    );
    let day = ret.submitted.map_or_else(|| "2026-03-01".to_owned(), |d| d.to_string());
    let _ = writeln!(x, "  <start>{day}T09:12:05.000+01:00</start>\n  <end>{day}T10:47:31.000+01:00</end>");
    let _ = writeln!(x, "  <cover>\n    <state>{}</state>", ret.party.iso3);
    match ret.submitted {
        Some(d) => {
            let _ = writeln!(x, "    <submitted>{d}</submitted>");
        }
        None => x.push_str("    <submitted />\n"),
    }
    let _ = writeln!(x, "    <language>{}</language>", ret.lang.code());
    for (tag, v) in ["name", "institution", "email", "phone"].iter().zip(&ret.focal) {
        let _ = writeln!(x, "    <focal_point_{tag}>{}</focal_point_{tag}>", esc(v));
    }
    x.push_str("  </cover>\n");
    for section in &ret.q.sections {
        let answers: Vec<&Ans<'_>> = ret.answers.iter().filter(|a| a.q.section == section.id).collect();
        if answers.is_empty() {
            continue;
        }
        let _ = writeln!(x, "  <grp_{}>", section.id.replace('-', "_"));
        for a in answers {
            let field = a.q.id.replace('.', "_");
            let value = match &a.value {
                Val::Choices(c) => c.join(" "),
                Val::Token(t) => t.code().to_owned(),
                Val::Blank => String::new(),
                Val::Text(s) => s.clone(),
                Val::Number(n) => n.to_string(),
                Val::Date(d) => d.to_string(),
            };
            if value.is_empty() {
                let _ = writeln!(x, "    <{field} />");
            } else {
                let _ = writeln!(x, "    <{field}>{}</{field}>", esc(&value));
            }
            if a.q.kind == Kind::Need {
                let _ =
                    writeln!(x, "    <{field}_assistance>{}</{field}_assistance>", a.assistance.join(" "));
            }
            match &a.comment {
                Some(c) => {
                    let _ = writeln!(x, "    <{field}_comment>{}</{field}_comment>", esc(c));
                }
                None if a.q.kind == Kind::Need => {
                    let _ = writeln!(x, "    <{field}_comment />");
                }
                None => {}
            }
        }
        let _ = writeln!(x, "  </grp_{}>", section.id.replace('-', "_"));
    }
    let _ = writeln!(x, "  <meta>\n    <instanceID>{}</instanceID>", ret.instance);
    if let Some(d) = &ret.deprecated {
        let _ = writeln!(x, "    <deprecatedID>{d}</deprecatedID>");
    }
    x.push_str("  </meta>\n</data>\n");
    x
}

/// A focal point with a name, institution, e-mail and phone of the State's language.
fn focal_point(rng: &mut Rng, party: &Party, lang: Lang) -> [String; 4] {
    let (first, last, inst): (&[&str], &[&str], &[&str]) = match lang {
        Lang::Ar => (
            &["أحمد", "فاطمة", "كريم", "ليلى", "يوسف", "مريم"],
            &["بن علي", "المنصوري", "حداد", "الخطيب", "السيد"],
            &[
                "وزارة العدل، إدارة التعاون الدولي",
                "النيابة العامة، مكتب المساعدة القانونية المتبادلة",
                "وزارة الداخلية، الإدارة العامة لمكافحة الجريمة المنظمة",
            ],
        ),
        Lang::Es => (
            &["Lucía", "Javier", "María José", "Andrés", "Carmen", "Diego"],
            &["Fernández Ortega", "Ramírez", "García López", "Morales", "Castillo Ruiz"],
            &[
                "Ministerio de Justicia, Dirección de Asuntos Internacionales",
                "Fiscalía General, Unidad contra la Delincuencia Organizada",
                "Ministerio del Interior, Departamento de Cooperación Policial",
            ],
        ),
        Lang::Fr => (
            &["Mathieu", "Claire", "Amadou", "Sophie", "Yannick", "Aïcha"],
            &["Lefèvre", "Diallo", "Moreau", "Traoré", "Dubois"],
            &[
                "Ministère de la Justice, Direction des affaires criminelles et des grâces",
                "Parquet général, Bureau de l'entraide pénale internationale",
                "Ministère de l'Intérieur, Office central de lutte contre le crime organisé",
            ],
        ),
        Lang::Ru => (
            &["Ирина", "Андрей", "Ольга", "Дмитрий", "Наталья", "Сергей"],
            &["Соколова", "Коваленко", "Иванов", "Петрова", "Смирнов"],
            &[
                "Генеральная прокуратура, Управление международно-правового сотрудничества",
                "Министерство юстиции, Департамент международного права",
                "Министерство внутренних дел, Главное управление по противодействию организованной преступности",
            ],
        ),
        Lang::Zh => (
            &["伟", "芳", "敏", "静", "磊", "娜"],
            &["王", "李", "张", "刘", "陈"],
            &["司法部国际合作局", "最高人民检察院国际合作局", "公安部刑事侦查局"],
        ),
        Lang::En => (
            &["Rebecca", "James", "Amina", "Daniel", "Priya", "Thomas"],
            &["Thornton", "Okafor", "Williams", "Mensah", "Clarke"],
            &[
                "Attorney-General's Department, International Crime Cooperation Division",
                "Ministry of Justice, Central Authority for Mutual Legal Assistance",
                "Office of the Director of Public Prosecutions, Organized Crime Unit",
            ],
        ),
    };
    let (f, l) = (rng.pick_str(first), rng.pick_str(last));
    let name = if lang == Lang::Zh { format!("{l}{f}") } else { format!("{f} {l}") };
    let user = format!("fp{}", rng.below(900) + 100);
    let domain = party.iso3.to_ascii_lowercase();
    [
        name,
        rng.pick_str(inst).to_owned(),
        format!("{user}@justice.example.{domain}"),
        format!(
            "+{} {} {:03} {:04}",
            1 + rng.below(998),
            1 + rng.below(99),
            rng.below(1000),
            rng.below(10_000)
        ),
    ]
}

/// `n` sentences of answer or comment text in `lang`.
fn sentences(rng: &mut Rng, lang: Lang, n: usize) -> String {
    let bank: &[&str] = match lang {
        Lang::Ar => &[
            "يجرّم قانون العقوبات، في المادة 303 مكرر، المشاركة في جماعة إجرامية منظمة.",
            "اعتُمد القانون رقم 23-04 المتعلق بالوقاية من الجريمة المنظمة ومكافحتها في عام 2023.",
            "تتولى وزارة العدل دور السلطة المركزية فيما يخص طلبات المساعدة القانونية المتبادلة.",
            "لا تتوفر بعد إحصاءات مصنفة حسب نوع الجريمة، ويجري إعداد نظام وطني لجمع البيانات.",
            "نُظمت دورات تدريبية للقضاة وأعضاء النيابة العامة بالتعاون مع مكتب الأمم المتحدة المعني بالمخدرات والجريمة.",
            "المعلومات المقدمة محدَّثة حتى 31 كانون الأول/ديسمبر 2025.",
        ],
        Lang::Es => &[
            "El Código Penal tipifica la participación en un grupo delictivo organizado en su artículo 570 bis.",
            "La Ley Orgánica 5/2010 reformó el régimen de decomiso y recuperación de activos.",
            "La Fiscalía General actúa como autoridad central para las solicitudes de asistencia judicial recíproca.",
            "Todavía no se dispone de estadísticas desglosadas por tipo de delito; se está desarrollando un sistema nacional de datos.",
            "Se impartieron talleres de capacitación para jueces y fiscales con el apoyo de la UNODC.",
            "La información se refiere al período comprendido entre 2021 y 2025.",
        ],
        Lang::Fr => &[
            "Le Code pénal incrimine la participation à une association de malfaiteurs (art. 450-1) ; la loi n° 2024-12 en précise les éléments.",
            "La loi relative à la criminalité organisée a été adoptée en 2023 « après une large consultation » et est entrée en vigueur le 1er janvier 2024.",
            "Le ministère de la Justice est l'autorité centrale pour l'entraide judiciaire et l'extradition.",
            "Aucune statistique ventilée par type d'infraction n'est encore disponible ; un système national de collecte est en cours d'élaboration.",
            "Des sessions de formation ont été organisées pour les magistrats et les enquêteurs, avec l'appui de l'ONUDC.",
            "Les informations sont à jour au 31 décembre 2025.",
        ],
        Lang::Ru => &[
            "Статья 210 Уголовного кодекса устанавливает ответственность за организацию преступного сообщества.",
            "Федеральный закон № 115-ФЗ регулирует конфискацию и возвращение активов.",
            "Генеральная прокуратура является центральным органом по вопросам взаимной правовой помощи и выдачи.",
            "Статистические данные в разбивке по видам преступлений пока отсутствуют; разрабатывается национальная система сбора данных.",
            "Для судей и прокуроров при поддержке ЮНОДК были проведены учебные семинары.",
            "Информация приводится по состоянию на 31 декабря 2025 года.",
        ],
        Lang::Zh => &[
            "《刑法》第二百九十四条规定了组织、领导、参加黑社会性质组织罪。",
            "2023年通过的《反有组织犯罪法》对财产没收和追回作出了规定。",
            "司法部是司法协助和引渡事项的中央机关。",
            "目前尚无按犯罪类型分列的统计数据，国家数据收集系统正在建设中。",
            "在联合国毒品和犯罪问题办公室的支持下，为法官和检察官举办了培训班。",
            "所提供的信息截至2025年12月31日。",
        ],
        Lang::En => &[
            "Section 12 of the Organized Crime Act 2019 criminalizes participation in an organized criminal group, with penalties of up to 15 years' imprisonment.",
            "The Proceeds of Crime Act was amended in 2023 to allow non-conviction-based confiscation & the sharing of confiscated assets.",
            "The Attorney-General's Department is the central authority for mutual legal assistance and extradition requests.",
            "Statistics disaggregated by type of offence are not yet available; a national case-management system is being developed.",
            "Training for judges, prosecutors and investigators was delivered in 2024 with the support of UNODC and regional partners.",
            "The information provided is current as at 31 December 2025.",
        ],
    };
    let picked = rng.several(bank, n);
    picked.into_iter().copied().collect::<Vec<&str>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_follows_the_brief() {
        let plans = plan(10_000, 7, 57, 4);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for i in 0..plans.len() {
            *counts.entry(kind_of(&plans, i)).or_insert(0) += 1;
        }
        let share = |k: &str| counts.get(k).copied().unwrap_or(0) as f64 / 100.0;
        assert!((0.5..1.6).contains(&share("broken")), "{counts:?}");
        assert!((3.5..6.5).contains(&(share("resubmission") + share("duplicate"))), "{counts:?}");
        assert!((50.0..62.0).contains(&share("xlsx")), "{counts:?}");
        assert!((7.0..12.0).contains(&share("ods")), "{counts:?}");
        assert!((20.0..27.0).contains(&(share("xml") + share("odk"))), "{counts:?}");
    }

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        assert_eq!(
            (0..10).map(|_| a.next()).collect::<Vec<_>>(),
            (0..10).map(|_| b.next()).collect::<Vec<_>>()
        );
        assert_ne!(file_seed(1, 2), file_seed(1, 3));
        assert_eq!(uuid(&mut Rng::new(3)), uuid(&mut Rng::new(3)));
        assert!(uuid(&mut Rng::new(3)).len() == 41);
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(esc("a & <b> \"c\""), "a &amp; &lt;b&gt; &quot;c&quot;");
    }
}
