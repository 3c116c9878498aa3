//! `answers.csv`: every answer row of every retained return, with its status.

use std::io::{self, Write};

use super::csv::{Cell, CsvWriter};
use super::{Output, RunOutput};
use crate::schema::Kind;

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
                let source = a.source.to_string();
                // A number answer's value and raw cell may be `-5`: left alone.
                let is_number = a.kind == Some(Kind::Number);
                csv.row([
                    Cell::Text(&run.cycle.id),
                    Cell::Text(&ret.iso3),
                    Cell::Text(&ret.questionnaire),
                    Cell::Text(&a.question),
                    Cell::Text(a.kind.map_or("", |k| k.code())),
                    if is_number { Cell::Number(&value) } else { Cell::Text(&value) },
                    if is_number { Cell::Number(&a.raw) } else { Cell::Text(&a.raw) },
                    Cell::Text(a.status.code()),
                    Cell::Text(&file.path),
                    Cell::Text(&source),
                ])?;
            }
        }
        csv.finish()
    }
}
