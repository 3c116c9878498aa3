//! `compliance.csv` (State party x required questionnaire) and `followup.csv`
//! (States with anything to follow up, and whom to contact).

use std::io::{self, Write};

use super::csv::CsvWriter;
use super::{Output, RunOutput};

/// compliance.csv
pub struct ComplianceCsv;

/// followup.csv
pub struct FollowupCsv;

/// The columns of compliance.csv (the workbook's Compliance sheet has the same, less `cycle`).
pub(crate) const HEADER: [&str; 11] = [
    "cycle",
    "iso3",
    "state",
    "region",
    "instrument",
    "questionnaire",
    "status",
    "flags",
    "required_missing",
    "submitted",
    "files",
];

impl Output for ComplianceCsv {
    fn file_name(&self) -> &'static str {
        "compliance.csv"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let mut header = HEADER.to_vec();
        if run.labels.is_some() {
            header.extend(["state_label", "questionnaire_label"]);
        }
        let mut csv = CsvWriter::new(w, &header)?;
        for r in run.compliance {
            let labels: Vec<String> = match run.labels {
                None => Vec::new(),
                Some(lang) => vec![
                    run.register.get(&r.iso3).map_or(r.state.as_str(), |p| p.name_in(lang)).to_owned(),
                    run.schemas
                        .questionnaire(&r.questionnaire)
                        .and_then(|q| q.title.get(lang.code()).or_else(|| q.title.get("en")))
                        .cloned()
                        .unwrap_or_default(),
                ],
            };
            let fixed = [
                run.cycle.id.as_str(),
                &r.iso3,
                &r.state,
                r.region,
                r.instrument.code(),
                &r.questionnaire,
                r.status.code(),
                &r.flags.join(";"),
                &r.required_missing.join(";"),
                &r.submitted.map(|d| d.to_string()).unwrap_or_default(),
                &r.files.join(";"),
            ];
            csv.row(fixed.into_iter().chain(labels.iter().map(String::as_str)))?;
        }
        csv.finish()
    }
}

impl Output for FollowupCsv {
    fn file_name(&self) -> &'static str {
        "followup.csv"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(
            w,
            &[
                "iso3",
                "state",
                "region",
                "findings",
                "focal_point_name",
                "focal_point_email",
                "focal_point_phone",
                "focal_point_source",
            ],
        )?;
        for r in run.followup {
            let fp = r.focal_point.as_ref();
            csv.row([
                r.iso3.as_str(),
                &r.state,
                r.region,
                &r.findings,
                fp.map_or("", |f| f.name.as_str()),
                fp.map_or("", |f| f.email.as_str()),
                fp.map_or("", |f| f.phone.as_str()),
                fp.map_or("", |f| f.source.as_str()),
            ])?;
        }
        csv.finish()
    }
}
