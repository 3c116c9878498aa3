//! Check: compliance of every State party with its reporting obligations
//! (SPEC 6.4), and the follow-up list.
//!
//! A State is required to return a questionnaire when it is party to the
//! questionnaire's instrument on or before the cycle's `party_as_of` date.
//! States not bound by an instrument get no compliance row for it.

use std::collections::{BTreeMap, BTreeSet};

use crate::cycle::{Cycle, FocalPoint, Register};
use crate::model::{Date, Instrument};
use crate::record::{FileRecord, Outcome};
use crate::resolve::{Resolution, Status};
use crate::schema::Schemas;

/// Compliance status of one State x questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ComplianceStatus {
    /// Every required question validly answered.
    Complete,
    /// A return, with required questions unanswered, blank or invalid.
    Incomplete,
    /// No accepted return.
    Missing,
}

impl ComplianceStatus {
    /// Code in compliance.csv.
    pub fn code(self) -> &'static str {
        match self {
            ComplianceStatus::Complete => "complete",
            ComplianceStatus::Incomplete => "incomplete",
            ComplianceStatus::Missing => "missing",
        }
    }
}

/// Flags of SPEC 6.4, in output order.
pub const FLAGS: [&str; 5] = ["late", "undated", "rejected-files", "conflicting-returns", "no-focal-point"];

/// One row of compliance.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRow {
    /// State.
    pub iso3: String,
    /// State name.
    pub state: String,
    /// Regional group code.
    pub region: &'static str,
    /// Instrument.
    pub instrument: Instrument,
    /// Questionnaire id.
    pub questionnaire: String,
    /// Status.
    pub status: ComplianceStatus,
    /// Flags, in [`FLAGS`] order.
    pub flags: Vec<&'static str>,
    /// Required questions unanswered.
    pub required_missing: Vec<String>,
    /// Submission date of the retained return.
    pub submitted: Option<Date>,
    /// The retained return first, then every other file naming this State and questionnaire.
    pub files: Vec<String>,
}

impl ComplianceRow {
    /// Whether anything needs following up.
    pub fn needs_followup(&self) -> bool {
        self.status != ComplianceStatus::Complete || !self.flags.is_empty()
    }
}

/// One row of followup.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupRow {
    /// State.
    pub iso3: String,
    /// State name.
    pub state: String,
    /// Regional group code.
    pub region: &'static str,
    /// What to follow up, for a person.
    pub findings: String,
    /// The focal point to contact, if any.
    pub focal_point: Option<FocalPoint>,
}

/// Compliance rows (sorted by State, then the cycle's questionnaire order) and the follow-up list.
pub fn check(
    cycle: &Cycle,
    schemas: &Schemas,
    register: &Register,
    focal_points: &[FocalPoint],
    records: &[FileRecord],
    resolution: &Resolution,
) -> (Vec<ComplianceRow>, Vec<FollowupRow>) {
    // Files naming each (iso3, questionnaire), and rejected ones.
    let mut files: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    let mut rejected: BTreeSet<(&str, &str)> = BTreeSet::new();
    for r in records {
        if let (Some(iso3), Some(q)) = r.names() {
            files.entry((iso3, q)).or_default().insert(&r.path);
            if matches!(r.outcome, Outcome::Rejected(_)) {
                rejected.insert((iso3, q));
            }
        }
    }
    // Focal points: the register's, then the covers of accepted returns.
    let mut contacts: BTreeMap<&str, Vec<&FocalPoint>> = BTreeMap::new();
    for fp in focal_points {
        contacts.entry(&fp.iso3).or_default().push(fp);
    }
    let mut cover_contacts: BTreeMap<&str, Vec<&FocalPoint>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if resolution.status[i] == Status::Accepted
            && let Some(fp) = r.as_return().and_then(|ret| ret.focal_point.as_ref())
        {
            cover_contacts.entry(&fp.iso3).or_default().push(fp);
        }
    }

    let mut rows = Vec::new();
    let mut followup = Vec::new();
    for party in &register.parties {
        let mut party_rows = Vec::new();
        for qid in &cycle.questionnaires {
            let Some(q) = schemas.questionnaire(qid) else { continue };
            if !party.is_bound(q.instrument, cycle.party_as_of) {
                continue;
            }
            let key = (party.iso3.clone(), q.id.clone());
            let retained =
                resolution.retained.get(&key).and_then(|&i| records[i].as_return().map(|r| (i, r)));
            let mut flags = Vec::new();
            let (status, required_missing, submitted) = match retained {
                None => (ComplianceStatus::Missing, Vec::new(), None),
                Some((_, r)) => {
                    let status = if r.required_missing.is_empty() {
                        ComplianceStatus::Complete
                    } else {
                        ComplianceStatus::Incomplete
                    };
                    match r.submitted {
                        Some(d) if d > cycle.deadline => flags.push("late"),
                        Some(_) => {}
                        None => flags.push("undated"),
                    }
                    (status, r.required_missing.clone(), r.submitted)
                }
            };
            if rejected.contains(&(party.iso3.as_str(), q.id.as_str())) {
                flags.push("rejected-files");
            }
            if resolution.conflicts.contains(&key) {
                flags.push("conflicting-returns");
            }
            let has_contact =
                contacts.get(party.iso3.as_str()).is_some_and(|v| v.iter().any(|f| !f.is_empty()))
                    || cover_contacts.contains_key(party.iso3.as_str());
            if !has_contact {
                flags.push("no-focal-point");
            }
            let mut file_list: Vec<String> = Vec::new();
            if let Some((i, _)) = retained {
                file_list.push(records[i].path.clone());
            }
            for f in files.get(&(party.iso3.as_str(), q.id.as_str())).into_iter().flatten() {
                if !file_list.iter().any(|x| x == f) {
                    file_list.push((*f).to_owned());
                }
            }
            party_rows.push(ComplianceRow {
                iso3: party.iso3.clone(),
                state: party.name.clone(),
                region: party.region_code(),
                instrument: q.instrument,
                questionnaire: q.id.clone(),
                status,
                flags,
                required_missing,
                submitted,
                files: file_list,
            });
        }
        if party_rows.iter().any(ComplianceRow::needs_followup) {
            let contact =
                best_contact(contacts.get(party.iso3.as_str()), cover_contacts.get(party.iso3.as_str()));
            followup.push(FollowupRow {
                iso3: party.iso3.clone(),
                state: party.name.clone(),
                region: party.region_code(),
                findings: findings(&party_rows),
                focal_point: contact.cloned(),
            });
        }
        rows.extend(party_rows);
    }
    (rows, followup)
}

/// The register's most recently designated focal point, else the one on the
/// cover of the latest accepted return.
fn best_contact<'a>(
    register: Option<&Vec<&'a FocalPoint>>,
    covers: Option<&Vec<&'a FocalPoint>>,
) -> Option<&'a FocalPoint> {
    let latest = |v: Option<&Vec<&'a FocalPoint>>| {
        v.into_iter()
            .flatten()
            .filter(|f| !f.is_empty())
            .max_by(|a, b| a.designated_on.cmp(&b.designated_on).then_with(|| b.source.cmp(&a.source)))
            .copied()
    };
    latest(register).or_else(|| latest(covers))
}

fn findings(rows: &[ComplianceRow]) -> String {
    let mut parts = Vec::new();
    let no_focal_point = rows.iter().any(|r| r.flags.contains(&"no-focal-point"));
    for r in rows.iter().filter(|r| r.needs_followup()) {
        let mut what = vec![r.status.code().to_owned()];
        what.extend(r.flags.iter().filter(|f| **f != "no-focal-point").map(|f| (*f).to_owned()));
        if r.status == ComplianceStatus::Complete && what.len() == 1 {
            continue;
        }
        let mut s = format!("{}: {}", r.questionnaire, what.join(", "));
        if !r.required_missing.is_empty() {
            let n = r.required_missing.len();
            s.push_str(&format!(" ({n} required question{} unanswered)", if n == 1 { "" } else { "s" }));
        }
        parts.push(s);
    }
    if no_focal_point {
        parts.push("no focal point".to_owned());
    }
    parts.join("; ")
}
