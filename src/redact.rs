//! `--redact`: removes focal points' names, e-mails and phones from every
//! output and from the manifest's messages.
//!
//! Redaction works on the data the outputs are written from, not on the
//! written files, so every output (CSV, JSON, workbook, web page) gets the
//! same treatment: the focal point fields become `[redacted]`, and every
//! occurrence of a known name, e-mail or phone in a message, answer or
//! comment is replaced too.

use crate::check::FollowupRow;
use crate::cycle::FocalPoint;
use crate::derive::Need;
use crate::record::{FileRecord, Outcome};

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// The strings to remove: every focal point's name, e-mail and phone.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Collects the names, e-mails and phones of the register's focal points
    /// and of the covers of every return.
    pub fn new(register: &[FocalPoint], records: &[FileRecord]) -> Self {
        let covers = records.iter().filter_map(|r| r.as_return().and_then(|ret| ret.focal_point.as_ref()));
        let mut needles: Vec<String> = register
            .iter()
            .chain(covers)
            .flat_map(|f| [f.name.trim(), f.email.trim(), f.phone.trim()])
            .filter(|s| s.chars().count() >= 3)
            .map(str::to_owned)
            .collect();
        // Longest first, so that a name inside a longer string goes with it.
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    /// `text` with every known name, e-mail and phone replaced.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), REDACTED);
            }
        }
        out
    }

    fn focal_point(&self, f: &FocalPoint) -> FocalPoint {
        let blank = |s: &str| if s.trim().is_empty() { String::new() } else { REDACTED.to_owned() };
        FocalPoint {
            name: blank(&f.name),
            email: blank(&f.email),
            phone: blank(&f.phone),
            institution: self.scrub(&f.institution),
            ..f.clone()
        }
    }

    /// Redacted copies of the records.
    pub fn records(&self, records: &[FileRecord]) -> Vec<FileRecord> {
        records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                for p in &mut r.problems {
                    p.message = self.scrub(&p.message);
                }
                match &mut r.outcome {
                    Outcome::Ignored { message, .. } => *message = self.scrub(message),
                    Outcome::Rejected(rej) => rej.message = self.scrub(&rej.message),
                    Outcome::Return(ret) => {
                        ret.focal_point = ret.focal_point.as_ref().map(|f| self.focal_point(f));
                        for a in &mut ret.answers {
                            a.raw = self.scrub(&a.raw);
                            a.comment = a.comment.as_deref().map(|c| self.scrub(c));
                            if let Some(crate::normalize::Value::Text(t)) = &mut a.value {
                                *t = self.scrub(t);
                            }
                        }
                    }
                }
                r
            })
            .collect()
    }

    /// Redacted copies of the needs.
    pub fn needs(&self, needs: &[Need]) -> Vec<Need> {
        needs.iter().map(|n| Need { comment: self.scrub(&n.comment), ..n.clone() }).collect()
    }

    /// Redacted copies of the follow-up rows.
    pub fn followup(&self, rows: &[FollowupRow]) -> Vec<FollowupRow> {
        rows.iter()
            .map(|r| FollowupRow {
                findings: self.scrub(&r.findings),
                focal_point: r.focal_point.as_ref().map(|f| self.focal_point(f)),
                ..r.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(name: &str, email: &str, phone: &str) -> FocalPoint {
        FocalPoint {
            iso3: "FRA".into(),
            name: name.into(),
            institution: "Ministère".into(),
            email: email.into(),
            phone: phone.into(),
            designated_on: None,
            source: "focal-points.csv:2".into(),
        }
    }

    #[test]
    fn names_emails_and_phones_are_scrubbed_from_text() {
        let r =
            Redactor::new(&[fp("Jeanne Martin", "j.martin@justice.example.fr", "+33 1 23 45 67 89")], &[]);
        assert_eq!(
            r.scrub("Contact Jeanne Martin (j.martin@justice.example.fr, +33 1 23 45 67 89)."),
            "Contact [redacted] ([redacted], [redacted])."
        );
        assert_eq!(r.scrub("nothing personal"), "nothing personal");
    }

    #[test]
    fn focal_point_fields_are_replaced_and_empty_ones_stay_empty() {
        let r = Redactor::new(&[], &[]);
        let f = r.focal_point(&fp("Jeanne Martin", "", "+33 1"));
        assert_eq!((f.name.as_str(), f.email.as_str(), f.phone.as_str()), (REDACTED, "", REDACTED));
        assert_eq!(f.institution, "Ministère");
    }
}
