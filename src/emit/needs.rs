//! `needs.csv` (one row per need x assistance type) and `needs.jsonl` (one
//! object per need).

use std::io::{self, Write};

use serde::Serialize;

use super::csv::{CsvWriter, bool_cell};
use super::{Output, RunOutput};

/// needs.csv
pub struct NeedsCsv;

/// needs.jsonl
pub struct NeedsJsonl;

/// The columns of needs.csv (the workbook's Needs sheet has the same, less `cycle`).
pub(crate) const HEADER: [&str; 14] = [
    "cycle",
    "iso3",
    "state",
    "region",
    "bound",
    "instrument",
    "questionnaire",
    "question",
    "article",
    "priority_area",
    "assistance_type",
    "comment",
    "source_file",
    "source_ref",
];

/// The label columns `--labels` adds.
pub(crate) const LABEL_HEADER: [&str; 4] =
    ["state_label", "priority_area_label", "assistance_type_label", "question_label"];

impl Output for NeedsCsv {
    fn file_name(&self) -> &'static str {
        "needs.csv"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let mut header: Vec<&str> = HEADER.to_vec();
        if run.labels.is_some() {
            header.extend(LABEL_HEADER);
        }
        let mut csv = CsvWriter::new(w, &header)?;
        let vocab = &run.schemas.vocabulary;
        for n in run.needs {
            let types: Vec<&str> = if n.assistance_types.is_empty() {
                vec![""]
            } else {
                n.assistance_types.iter().map(String::as_str).collect()
            };
            let source_ref = n.source_ref.to_string();
            let question_label = run.labels.map_or("", |lang| {
                run.schemas
                    .questionnaire(&n.questionnaire)
                    .and_then(|q| q.question(&n.question))
                    .map_or("", |(_, q)| q.text_in(lang))
            });
            let state_label =
                run.labels.and_then(|lang| run.register.get(&n.iso3).map(|p| p.name_in(lang))).unwrap_or("");
            for t in types {
                let mut row = vec![
                    run.cycle.id.as_str(),
                    &n.iso3,
                    &n.state,
                    n.region,
                    bool_cell(n.bound),
                    n.instrument.code(),
                    &n.questionnaire,
                    &n.question,
                    &n.article,
                    &n.priority_area,
                    t,
                    &n.comment,
                    &n.source_file,
                    &source_ref,
                ];
                if let Some(lang) = run.labels {
                    row.push(state_label);
                    row.push(vocab.priority_area.label(&n.priority_area, lang));
                    row.push(if t.is_empty() { "" } else { vocab.assistance.label(t, lang) });
                    row.push(question_label);
                }
                csv.row(row)?;
            }
        }
        csv.finish()
    }
}

#[derive(Serialize)]
struct Source<'a> {
    file: &'a str,
    #[serde(rename = "ref")]
    reference: String,
    assistance_ref: Option<String>,
    sha256: &'a str,
}

#[derive(Serialize)]
struct NeedLine<'a> {
    cycle: &'a str,
    iso3: &'a str,
    state: &'a str,
    region: &'a str,
    bound: bool,
    instrument: &'a str,
    questionnaire: &'a str,
    question: &'a str,
    article: &'a str,
    priority_area: &'a str,
    assistance_types: &'a [String],
    comment: &'a str,
    source: Source<'a>,
}

impl Output for NeedsJsonl {
    fn file_name(&self) -> &'static str {
        "needs.jsonl"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        for n in run.needs {
            let line = NeedLine {
                cycle: &run.cycle.id,
                iso3: &n.iso3,
                state: &n.state,
                region: n.region,
                bound: n.bound,
                instrument: n.instrument.code(),
                questionnaire: &n.questionnaire,
                question: &n.question,
                article: &n.article,
                priority_area: &n.priority_area,
                assistance_types: &n.assistance_types,
                comment: &n.comment,
                source: Source {
                    file: &n.source_file,
                    reference: n.source_ref.to_string(),
                    assistance_ref: n.assistance_ref.as_ref().map(ToString::to_string),
                    sha256: &n.sha256,
                },
            };
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}
