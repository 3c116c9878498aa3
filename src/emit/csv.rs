//! CSV writing shared by the CSV outputs: RFC 4180, a header row, and cells
//! that a spreadsheet would read as a formula neutralized with a leading `'`.

use std::io::{self, Write};

/// Whether a text cell would be read as a formula: it starts with `=`, `+`,
/// `-`, `@`, a tab, CR or LF.
pub fn is_formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n'])
}

/// Whether a cell is a plain decimal number (`-5`, `+3`, `0.25`).
pub fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && !body.starts_with('.')
        && !body.ends_with('.')
}

/// A text cell as written: neutralized when formula-like.
pub fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// One cell of a row: text (neutralized when formula-like) or a value of a
/// number column (left alone when it is a plain number such as `-5`).
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Free text.
    Text(&'a str),
    /// A value of a number column.
    Number(&'a str),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

impl<'a> Cell<'a> {
    fn written(self) -> std::borrow::Cow<'a, str> {
        match self {
            Cell::Number(s) if is_plain_number(s) => s.into(),
            Cell::Number(s) | Cell::Text(s) => neutralize(s),
        }
    }
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

    /// Writes one row; text cells are neutralized.
    pub fn row<'c, I, C>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell<'c>>,
    {
        // Borrowed as they are; only a neutralized cell is a new string.
        let cells: Vec<std::borrow::Cow<'c, str>> = cells.into_iter().map(|c| c.into().written()).collect();
        self.inner.write_record(cells.iter().map(|c| c.as_bytes())).map_err(io::Error::other)
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
    fn formula_starts_are_neutralized_in_text_cells() {
        for bad in
            ["=1+2", "+33 1 23", "-see annex", "@SUM(A1)", "\tx", "\rx", "\nx", "-", "=", "-5-3", "+1", "-5"]
        {
            assert!(is_formula_like(bad), "{bad:?}");
            assert_eq!(Cell::Text(bad).written(), format!("'{bad}"));
        }
        for ok in ["5", "Yes", "", "a=b", "1-2"] {
            assert_eq!(Cell::Text(ok).written(), ok);
        }
    }

    #[test]
    fn plain_numbers_in_number_columns_are_left_alone() {
        for ok in ["-5", "+3", "-0.25", "5"] {
            assert_eq!(Cell::Number(ok).written(), ok);
        }
        for bad in ["-5-3", "=1", "-", "+1e5", "-.5"] {
            assert_eq!(Cell::Number(bad).written(), format!("'{bad}"));
        }
    }

    #[test]
    fn rows_are_rfc4180() {
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf, &["a", "b"]).unwrap();
            w.row(["x,y", "say \"hi\""]).unwrap();
            w.row(["line\nbreak", "=cmd"]).unwrap();
            w.row([Cell::Number("-5"), Cell::Text("-5")]).unwrap();
            w.finish().unwrap();
        }
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",'=cmd\r\n-5,'-5\r\n");
    }
}
