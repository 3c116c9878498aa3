//! Ingest: one file in, one [`RawReturn`] out.
//!
//! Ingest finds the cover fields and answer rows of a return by their machine
//! keys (or localized labels), never by position, and records where each value
//! was found. It does not interpret answers: that is normalize's job.

mod cfb;
mod grid;
pub mod spreadsheet;
pub mod xml;

use crate::discover::Limits;
use crate::model::{Format, RawReturn, Reason, Rejection};
use crate::schema::Vocabulary;

/// Reads a file's bytes as a return of the given format.
pub fn ingest(
    bytes: &[u8],
    format: Format,
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<RawReturn, Rejection> {
    match format {
        f if f.is_spreadsheet() => spreadsheet::read(bytes, f, vocab, limits),
        Format::Xml => xml::read(bytes, limits),
        _ => Err(Rejection::new(Reason::Corrupt, "not a spreadsheet or XML document")),
    }
}
