//! Bind: which questionnaire (id, version) and which State a return is.
//!
//! Reads the cover fields of a [`RawReturn`]; the first occurrence of a key
//! counts and later ones are warnings. A return that names no known
//! questionnaire, or (in a cycle) no State of the register, is rejected here.

use crate::cycle::{FocalPoint, Party, Register};
use crate::model::{CoverKey, Date, Format, Lang, Problem, Quoted, RawField, RawReturn, Reason, Rejection};
use crate::normalize::scalar;
use crate::provenance::SourceRef;
use crate::schema::{Questionnaire, Schemas};

/// What binding needs to know about the run.
#[derive(Debug, Clone, Copy)]
pub struct BindContext<'a> {
    /// Questionnaires and vocabulary.
    pub schemas: &'a Schemas,
    /// Questionnaire ids this cycle accepts (`None`: every schema).
    pub questionnaires: Option<&'a [String]>,
    /// The register (`None` in `art32 check`, where any State is taken as written).
    pub register: Option<&'a Register>,
}

/// The State a return names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRef {
    /// ISO3 code (the register's), or the text as written without a register.
    pub iso3: String,
    /// Where it was read.
    pub source: SourceRef,
}

/// A return bound to its questionnaire and State.
#[derive(Debug, Clone)]
pub struct Bound<'s> {
    /// The questionnaire.
    pub questionnaire: &'s Questionnaire,
    /// The version the return declares.
    pub version: u32,
    /// The State.
    pub state: StateRef,
    /// The submission date, when given and valid.
    pub submitted: Option<Date>,
    /// The language of the return, when given.
    pub language: Option<Lang>,
    /// The focal point on the cover, when any of its fields is given.
    pub focal_point: Option<FocalPoint>,
    /// Problems with cover fields (all warnings or errors that do not reject).
    pub problems: Vec<Problem>,
}

fn text(f: &RawField) -> String {
    f.value.to_string().trim().to_owned()
}

/// Binds a raw return. `file` names the file in focal-point provenance.
pub fn bind<'s>(
    raw: &RawReturn,
    ctx: &BindContext<'s>,
    file: &str,
    format: Format,
) -> Result<Bound<'s>, Rejection> {
    // Where a missing cover field is looked for, in this file's terms.
    let xml = format == Format::Xml;
    let mut problems = Vec::new();
    let mut fields: Vec<(CoverKey, &RawField)> = Vec::new();
    for (key, field) in &raw.cover {
        match fields.iter_mut().find(|(k, _)| k == key) {
            // A blank field claims nothing: one filled in after it counts
            // (an empty State cell on the cover, the State on another sheet;
            // an empty form field, the same field in another group).
            Some((_, first)) if first.value.is_blank() => *first = field,
            Some((_, first)) if !field.value.is_blank() && text(first) != text(field) => {
                problems.push(Problem::warning(
                    "duplicate-cover-field",
                    field.source.clone(),
                    format!(
                        "a second {:?} cover field; the one in {} is read",
                        key.code(),
                        first.source.located()
                    ),
                ));
            }
            Some(_) => {}
            None => fields.push((*key, field)),
        }
    }
    let get = |key: CoverKey| {
        fields.iter().find(|(k, _)| *k == key).map(|(_, f)| *f).filter(|f| !f.value.is_blank())
    };

    // The State first, so that a rejection for the questionnaire can still name it.
    let state = match get(CoverKey::State) {
        None => None,
        Some(f) => {
            let t = text(f);
            match ctx.register {
                Some(reg) => match reg.lookup(&t) {
                    Some(p) => Some(Ok(state_ref(p, f))),
                    // `<state code="XXX">France</state>`: a code the register
                    // does not know, and a name it does. The name counts, and
                    // says so.
                    None if let Some((name, p)) =
                        raw.state_name.as_ref().and_then(|n| reg.lookup(&text(n)).map(|p| (n, p))) =>
                    {
                        problems.push(Problem::warning(
                            "state-mismatch",
                            f.source.clone(),
                            format!(
                                "{} is not a State of the register; {} names {} ({}): read as {}",
                                Quoted(&t),
                                Quoted(&text(name)),
                                p.name,
                                p.iso3,
                                p.iso3
                            ),
                        ));
                        Some(Ok(state_ref(p, name)))
                    }
                    None => Some(Err(Rejection::new(
                        Reason::UnknownState,
                        format!("{}: {} is not a State of the register", f.source.located(), Quoted(&t)),
                    ))),
                },
                None => Some(Ok(StateRef { iso3: t, source: f.source.clone() })),
            }
        }
    };
    let named_iso3 = state.as_ref().and_then(|s| s.as_ref().ok()).map(|s| s.iso3.clone());
    // `<state code="FRA">Germany</state>`: the code counts; a name that is
    // another State's says so. (A name the register does not know, say in a
    // language it has no alias in, is no contradiction.)
    if let (Some(iso3), Some(name), Some(reg)) = (&named_iso3, &raw.state_name, ctx.register)
        && let Some(other) = reg.lookup(&text(name)).filter(|p| p.iso3 != *iso3)
    {
        problems.push(Problem::warning(
            "state-mismatch",
            name.source.clone(),
            format!(
                "{} names {} ({}), but the code says {iso3}; read as {iso3}",
                Quoted(&text(name)),
                other.name,
                other.iso3
            ),
        ));
    }

    let q_field = get(CoverKey::Questionnaire).ok_or_else(|| {
        let mut r = Rejection::new(
            Reason::MissingQuestionnaire,
            if xml {
                "no questionnaire: an art32 return names it in the root element's questionnaire attribute (or a <questionnaire> element), an online-form submission in the root element's id attribute"
            } else {
                "no questionnaire on the cover (a row with \"questionnaire\" in column A and the id in column C)"
            },
        );
        r.iso3 = named_iso3.clone();
        r
    })?;
    let q_text = text(q_field);
    let reject_q = |message: String| {
        let mut r = Rejection::new(Reason::UnknownQuestionnaire, message);
        r.iso3 = named_iso3.clone();
        r.questionnaire = Some(q_text.clone());
        r
    };
    let questionnaire = ctx
        .schemas
        .questionnaire(&q_text)
        .filter(|q| ctx.questionnaires.is_none_or(|ids| ids.contains(&q.id)))
        .ok_or_else(|| {
            reject_q(format!(
                "{}: {} is not a questionnaire of this cycle",
                q_field.source.located(),
                Quoted(&q_text)
            ))
        })?;
    let reject_q = |message: String| {
        let mut r = reject_q(message);
        r.questionnaire = Some(questionnaire.id.clone());
        r
    };

    // KoboToolbox replaces a form's version with its own count of
    // deployments and their date (`3 (2026-03-01 10:00:00)`): no template
    // version, so a submission of it is read as one without.
    let (declared, kobo) = match get(CoverKey::Version) {
        Some(f) if kobo_version(&text(f)) => (None, Some(f)),
        other => (other, None),
    };
    let version = match declared {
        None if !questionnaire.accepts.contains(&questionnaire.version) => {
            // Read as the template's version, which this cycle does not accept.
            let accepted: Vec<String> = questionnaire.accepts.iter().map(u32::to_string).collect();
            return Err(reject_q(format!(
                "{}: no template version, and version {} of {} (the template's) is not accepted this cycle (accepted: {})",
                kobo.map_or(&q_field.source, |f| &f.source).located(),
                questionnaire.version,
                questionnaire.id,
                accepted.join(", ")
            )));
        }
        None => {
            let message = match kobo {
                Some(f) => format!(
                    "version {} is KoboToolbox's count of deployments and their date, not the template's version; read as version {}",
                    Quoted(&text(f)),
                    questionnaire.version
                ),
                None => {
                    format!("no template version on the cover; read as version {}", questionnaire.version)
                }
            };
            problems.push(Problem::warning(
                "missing-version",
                kobo.map_or(&q_field.source, |f| &f.source).clone(),
                message,
            ));
            questionnaire.version
        }
        Some(f) => {
            let v = scalar::number(&f.value, None)
                .ok()
                .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < f64::from(u32::MAX))
                .map(|v| v as u32)
                .ok_or_else(|| {
                    reject_q(format!(
                        "{}: version {} is not a whole number",
                        f.source.located(),
                        Quoted(&text(f))
                    ))
                })?;
            if !questionnaire.accepts.contains(&v) {
                let accepted: Vec<String> = questionnaire.accepts.iter().map(u32::to_string).collect();
                return Err(reject_q(format!(
                    "{}: version {v} of {} is not accepted this cycle (accepted: {})",
                    f.source.located(),
                    questionnaire.id,
                    accepted.join(", ")
                )));
            }
            v
        }
    };

    let state = match state {
        Some(Ok(s)) => s,
        Some(Err(mut r)) => {
            r.questionnaire = Some(questionnaire.id.clone());
            return Err(r);
        }
        None => {
            // The field is there but empty (a template sent back blank), or
            // there is none.
            let empty = fields.iter().find(|(k, _)| *k == CoverKey::State).map(|(_, f)| &f.source);
            let message = match (empty, xml) {
                (Some(at), _) => format!("no State: the State field {} is empty", at.located()),
                (None, true) => "no State: an art32 return names it in a <state> element (its code attribute or its text), an online-form submission in a <state> field".to_owned(),
                (None, false) => "no State on the cover (a row with \"state\" in column A)".to_owned(),
            };
            let mut r = Rejection::new(Reason::UnknownState, message);
            r.questionnaire = Some(questionnaire.id.clone());
            return Err(r);
        }
    };

    let language = get(CoverKey::Language).and_then(|f| {
        let lang = ctx.schemas.vocabulary.language(&text(f));
        if lang.is_none() {
            problems.push(Problem::warning(
                "unknown-language",
                f.source.clone(),
                format!(
                    "{} is not one of ar, en, es, fr, ru, zh; answers are matched in every language",
                    Quoted(&text(f))
                ),
            ));
        }
        lang
    });

    let submitted = get(CoverKey::Submitted).and_then(|f| match scalar::date(&f.value) {
        Ok(d) => {
            if let Some(note) = scalar::date_note(&f.value) {
                problems.push(Problem::warning(
                    "stray-text",
                    f.source.clone(),
                    format!("submission date: read as {d}; the text after it, {}, is not read", Quoted(note)),
                ));
            }
            Some(d)
        }
        Err(e) => {
            problems.push(Problem::error(
                "invalid-value",
                f.source.clone(),
                format!("submission date: {e}; the return is treated as undated"),
            ));
            None
        }
    });

    let fp = |key: CoverKey| get(key).map(text).unwrap_or_default();
    let focal_point = FocalPoint {
        iso3: state.iso3.clone(),
        name: fp(CoverKey::FocalPointName),
        institution: fp(CoverKey::FocalPointInstitution),
        email: fp(CoverKey::FocalPointEmail),
        phone: fp(CoverKey::FocalPointPhone),
        designated_on: submitted,
        source: format!(
            "{file} {}",
            get(CoverKey::FocalPointName)
                .or_else(|| get(CoverKey::FocalPointEmail))
                .or_else(|| get(CoverKey::FocalPointPhone))
                .map(|f| f.source.to_string())
                .unwrap_or_default()
        ),
    };
    let focal_point = (!focal_point.is_empty()).then_some(focal_point);

    Ok(Bound { questionnaire, version, state, submitted, language, focal_point, problems })
}

/// The State and questionnaire, as the register and the schemas know them,
/// that a rejected XML file names in what can be read of it
/// ([`crate::ingest::xml::named`]): a State or questionnaire that neither
/// knows is left out, as [`bind`] would not have taken it either.
pub fn named(named: &crate::ingest::xml::Named, ctx: &BindContext<'_>) -> (Option<String>, Option<String>) {
    let iso3 = named.state.as_deref().and_then(|t| match ctx.register {
        Some(reg) => reg.lookup(t).map(|p| p.iso3.clone()),
        None => Some(t.to_owned()),
    });
    let questionnaire = named
        .questionnaire
        .as_deref()
        .and_then(|t| ctx.schemas.questionnaire(t))
        .filter(|q| ctx.questionnaires.is_none_or(|ids| ids.contains(&q.id)))
        .map(|q| q.id.clone());
    (iso3, questionnaire)
}

fn state_ref(p: &Party, f: &RawField) -> StateRef {
    StateRef { iso3: p.iso3.clone(), source: f.source.clone() }
}

/// A version as KoboToolbox writes it on the forms it deploys: the number
/// of deployments, then their date in parentheses (`3 (2026-03-01
/// 10:00:00)`).
fn kobo_version(text: &str) -> bool {
    let t = text.trim();
    let Some((count, rest)) = t.split_once(" (") else { return false };
    let date = rest.strip_suffix(')').and_then(|r| r.get(..10));
    !count.is_empty()
        && count.bytes().all(|b| b.is_ascii_digit())
        && date.and_then(crate::model::Date::parse_iso).is_some()
}
