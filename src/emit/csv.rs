//! CSV writing shared by the CSV outputs: RFC 4180, a header row, and cells
//! that a spreadsheet would read as a formula neutralized with a leading `'`.

use std::io::{self, Write};

/// Whether a cell would be read as a formula: it starts with `=`, `+`, `-`,
/// `@`, a tab, CR or LF, and is not a plain number (so `-5` stays `-5`).
pub fn is_formula_like(cell: &str) -> bool {
    let Some(first) = cell.chars().next() else { return false };
    if !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '\n') {
        return false;
    }
    !is_plain_number(cell)
}

fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.')
}

/// The cell as written: neutralized when formula-like.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// A CSV file being written.
pub struct CsvWriter<'w> {
    inner: csv::Writer<&'w mut dyn Write>,
}

impl<'w> CsvWriter<'w> {
    /// Starts a file with its header row.
    pub fn new(w: &'w mut dyn Write, header: &[&str]) -> io::Result<Self> {
        let mut inner = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
        inner.write_record(header).map_err(io::Error::other)?;
        Ok(CsvWriter { inner })
    }

    /// Writes one row; every cell is neutralized.
    pub fn row<I, S>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| neutralize(c.as_ref()).into_owned()).collect();
        self.inner.write_record(&cells).map_err(io::Error::other)
    }

    /// Flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `true`/`false`.
pub fn bool_cell(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralized_numbers_are_not() {
        for bad in ["=1+2", "+33 1 23", "-see annex", "@SUM(A1)", "\tx", "\rx", "\nx", "-", "=", "-5-3"] {
            assert!(is_formula_like(bad), "{bad:?}");
            assert_eq!(neutralize(bad), format!("'{bad}"));
        }
        for ok in ["-5", "+3", "-0.25", "5", "Yes", "", "a=b", "1-2"] {
            assert!(!is_formula_like(ok), "{ok:?}");
            assert_eq!(neutralize(ok), ok);
        }
    }

    #[test]
    fn rows_are_rfc4180() {
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf, &["a", "b"]).unwrap();
            w.row(["x,y", "say \"hi\""]).unwrap();
            w.row(["line\nbreak", "=cmd"]).unwrap();
            w.finish().unwrap();
        }
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",'=cmd\r\n");
    }
}
