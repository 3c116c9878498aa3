//! `summary.json`: run totals, reporting rates by instrument and by regional
//! group, and needs by priority area x region.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde::Serialize;

use super::{Output, RunOutput};
use crate::check::{ComplianceStatus, FLAGS};
use crate::model::Region;
use crate::record::Outcome;
use crate::resolve::Status;
use crate::schema::PRIORITY_AREAS;

/// summary.json
pub struct SummaryJson;

/// The region key for parties outside the groups.
const NO_REGION: &str = "NONE";

#[derive(Serialize, Default)]
pub(crate) struct Files {
    pub(crate) total: usize,
    pub(crate) accepted: usize,
    pub(crate) superseded: usize,
    pub(crate) rejected: usize,
    pub(crate) ignored: usize,
    pub(crate) by_reason: BTreeMap<&'static str, usize>,
}

#[derive(Serialize, Default, Clone)]
pub(crate) struct Rate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) questionnaire: Option<String>,
    pub(crate) required: usize,
    pub(crate) returned: usize,
    pub(crate) complete: usize,
    pub(crate) incomplete: usize,
    pub(crate) missing: usize,
    pub(crate) reporting_rate: f64,
    pub(crate) complete_rate: f64,
}

impl Rate {
    fn add(&mut self, status: ComplianceStatus) {
        self.required += 1;
        match status {
            ComplianceStatus::Complete => {
                self.complete += 1;
                self.returned += 1;
            }
            ComplianceStatus::Incomplete => {
                self.incomplete += 1;
                self.returned += 1;
            }
            ComplianceStatus::Missing => self.missing += 1,
        }
    }

    fn finish(mut self) -> Self {
        self.reporting_rate = ratio(self.returned, self.required);
        self.complete_rate = ratio(self.complete, self.required);
        self
    }
}

/// A share rounded to four decimals (0 when there is nothing to share).
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0 }
}

#[derive(Serialize, Default)]
pub(crate) struct AreaRegion {
    pub(crate) needs: usize,
    pub(crate) states: usize,
}

#[derive(Serialize)]
pub(crate) struct Summary<'a> {
    pub(crate) cycle: &'a str,
    pub(crate) title: &'a str,
    pub(crate) deadline: String,
    pub(crate) party_as_of: String,
    pub(crate) art32_version: &'static str,
    pub(crate) questionnaires: Vec<QuestionnaireInfo<'a>>,
    pub(crate) files: Files,
    pub(crate) returns: Returns,
    pub(crate) states: States,
    pub(crate) compliance: ComplianceTotals,
    pub(crate) reporting_by_instrument: BTreeMap<&'static str, Rate>,
    pub(crate) reporting_by_region: BTreeMap<&'static str, Rate>,
    pub(crate) needs: NeedTotals,
}

#[derive(Serialize)]
pub(crate) struct QuestionnaireInfo<'a> {
    pub(crate) id: &'a str,
    pub(crate) instrument: &'static str,
    pub(crate) version: u32,
    pub(crate) questions: usize,
}

#[derive(Serialize, Default)]
pub(crate) struct Returns {
    pub(crate) accepted: usize,
    pub(crate) accepted_bound: usize,
    pub(crate) accepted_not_bound: usize,
    pub(crate) superseded: usize,
}

#[derive(Serialize, Default)]
pub(crate) struct States {
    pub(crate) in_register: usize,
    pub(crate) bound: usize,
    pub(crate) with_accepted_returns: usize,
    pub(crate) to_follow_up: usize,
}

#[derive(Serialize, Default)]
pub(crate) struct ComplianceTotals {
    pub(crate) rows: usize,
    pub(crate) complete: usize,
    pub(crate) incomplete: usize,
    pub(crate) missing: usize,
    pub(crate) flags: BTreeMap<&'static str, usize>,
}

#[derive(Serialize, Default)]
pub(crate) struct NeedTotals {
    pub(crate) needs: usize,
    pub(crate) need_type_rows: usize,
    pub(crate) states: usize,
    pub(crate) by_priority_area: BTreeMap<&'static str, usize>,
    pub(crate) by_assistance_type: BTreeMap<String, usize>,
    pub(crate) by_priority_area_and_region: BTreeMap<&'static str, BTreeMap<&'static str, AreaRegion>>,
}

impl Output for SummaryJson {
    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, &build(run))?;
        w.write_all(b"\n")
    }
}

/// Computes the run's totals and rates (shared by summary.json and the reports).
pub(crate) fn build<'a>(run: &RunOutput<'a>) -> Summary<'a> {
    {
        let mut files = Files { total: run.records.len(), ..Files::default() };
        let mut returns = Returns::default();
        let mut reporting_states = BTreeSet::new();
        for (i, r) in run.records.iter().enumerate() {
            match (&run.resolution.status[i], &r.outcome) {
                (_, Outcome::Ignored { reason, .. }) => {
                    files.ignored += 1;
                    *files.by_reason.entry(reason.code()).or_default() += 1;
                }
                (_, Outcome::Rejected(rej)) => {
                    files.rejected += 1;
                    *files.by_reason.entry(rej.reason.code()).or_default() += 1;
                }
                (Status::Superseded { reason, .. }, _) => {
                    files.superseded += 1;
                    returns.superseded += 1;
                    *files.by_reason.entry(reason.code()).or_default() += 1;
                }
                (_, Outcome::Return(ret)) => {
                    files.accepted += 1;
                    returns.accepted += 1;
                    if ret.bound {
                        returns.accepted_bound += 1;
                    } else {
                        returns.accepted_not_bound += 1;
                    }
                    reporting_states.insert(ret.iso3.as_str());
                }
            }
        }

        let mut compliance = ComplianceTotals { rows: run.compliance.len(), ..Default::default() };
        for f in FLAGS {
            compliance.flags.insert(f, 0);
        }
        let mut by_q: BTreeMap<&'static str, Rate> = BTreeMap::new();
        // Every regional group, and the parties outside them when the
        // register has any (the European Union): the same keys in the
        // reporting rates and in every row of the needs table.
        let mut regions: Vec<&'static str> = Region::ALL.iter().map(|r| r.code()).collect();
        if run.register.parties.iter().any(|p| p.region.is_none()) {
            regions.push(NO_REGION);
        }
        let mut by_region: BTreeMap<&'static str, Rate> = BTreeMap::new();
        for r in &regions {
            by_region.insert(r, Rate::default());
        }
        let mut bound_states = BTreeSet::new();
        for row in run.compliance {
            match row.status {
                ComplianceStatus::Complete => compliance.complete += 1,
                ComplianceStatus::Incomplete => compliance.incomplete += 1,
                ComplianceStatus::Missing => compliance.missing += 1,
            }
            for f in &row.flags {
                *compliance.flags.entry(f).or_default() += 1;
            }
            let rate = by_q.entry(row.instrument.code()).or_default();
            // Two required questionnaires of one instrument are both named,
            // `;`-separated in the order of the compliance rows.
            match &mut rate.questionnaire {
                None => rate.questionnaire = Some(row.questionnaire.clone()),
                Some(names) => {
                    if !names.split(';').any(|n| n == row.questionnaire) {
                        names.push(';');
                        names.push_str(&row.questionnaire);
                    }
                }
            }
            rate.add(row.status);
            by_region
                .entry(if row.region.is_empty() { NO_REGION } else { row.region })
                .or_default()
                .add(row.status);
            bound_states.insert(row.iso3.as_str());
        }

        let mut needs = NeedTotals::default();
        let mut need_states = BTreeSet::new();
        let mut area_states: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
        for area in PRIORITY_AREAS {
            needs.by_priority_area.insert(area, 0);
            let per_region = needs.by_priority_area_and_region.entry(area).or_default();
            for r in &regions {
                per_region.insert(r, AreaRegion::default());
            }
        }
        for n in run.needs {
            needs.needs += 1;
            needs.need_type_rows += n.assistance_types.len().max(1);
            need_states.insert(n.iso3.as_str());
            let area = PRIORITY_AREAS.iter().find(|a| **a == n.priority_area).copied().unwrap_or("other");
            let region = if n.region.is_empty() { NO_REGION } else { n.region };
            *needs.by_priority_area.entry(area).or_default() += 1;
            needs.by_priority_area_and_region.entry(area).or_default().entry(region).or_default().needs += 1;
            area_states.entry((area, region)).or_default().insert(&n.iso3);
            for t in &n.assistance_types {
                *needs.by_assistance_type.entry(t.clone()).or_default() += 1;
            }
        }
        for ((area, region), states) in area_states {
            if let Some(cell) =
                needs.by_priority_area_and_region.get_mut(area).and_then(|m| m.get_mut(region))
            {
                cell.states = states.len();
            }
        }
        needs.states = need_states.len();

        Summary {
            cycle: &run.cycle.id,
            title: &run.cycle.title,
            deadline: run.cycle.deadline.to_string(),
            party_as_of: run.cycle.party_as_of.to_string(),
            art32_version: env!("CARGO_PKG_VERSION"),
            questionnaires: run
                .cycle
                .questionnaires
                .iter()
                .filter_map(|id| run.schemas.questionnaire(id))
                .map(|q| QuestionnaireInfo {
                    id: &q.id,
                    instrument: q.instrument.code(),
                    version: q.version,
                    questions: q.questions.len(),
                })
                .collect(),
            files,
            returns,
            states: States {
                in_register: run.register.parties.len(),
                bound: bound_states.len(),
                with_accepted_returns: reporting_states.len(),
                to_follow_up: run.followup.len(),
            },
            compliance,
            reporting_by_instrument: by_q.into_iter().map(|(k, v)| (k, v.finish())).collect(),
            reporting_by_region: by_region.into_iter().map(|(k, v)| (k, v.finish())).collect(),
            needs,
        }
    }
}
