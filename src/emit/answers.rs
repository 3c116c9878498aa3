//! `answers.csv`: every answer row of every retained return, with its status.

use std::io::{self, Write};

use super::csv::CsvWriter;
use super::{Output, RunOutput};

/// answers.csv
pub struct AnswersCsv;

const HEADER: [&str; 10] = [
    "cycle",
    "iso3",
    "questionnaire",
    "question",
    "kind",
    "value",
    "raw",
    "status",
    "source_file",
    "source_ref",
];

impl Output for AnswersCsv {
    fn file_name(&self) -> &'static str {
        "answers.csv"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(w, &HEADER)?;
        // Retained returns in (iso3, questionnaire) order; rows in file order.
        for &i in run.resolution.retained.values() {
            let file = &run.records[i];
            let Some(ret) = file.as_return() else { continue };
            for a in &ret.answers {
                let value = a.value.as_ref().map(|v| v.render()).unwrap_or_default();
                csv.row([
                    run.cycle.id.as_str(),
                    &ret.iso3,
                    &ret.questionnaire,
                    &a.question,
                    a.kind.map_or("", |k| k.code()),
                    &value,
                    &a.raw,
                    a.status.code(),
                    &file.path,
                    &a.source.to_string(),
                ])?;
            }
        }
        csv.finish()
    }
}
