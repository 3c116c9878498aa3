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
///
/// Fields go through `csv_core` whole: the `csv` crate's writer hands them
/// over through an 8 KiB buffer, and `csv_core` looks for the next quote
/// through all the rest of a field on each pass, so a field of n bytes that
/// needs quotes cost n * n / 8 KiB (a 60 MB answer of `;,;,` took seconds).
/// Here each field has room for its quoted form at once, and rows are
/// handed to the writer 64 KiB at a time.
pub struct CsvWriter<'w> {
    out: &'w mut dyn Write,
    core: csv_core::Writer,
    buf: Vec<u8>,
}

/// Rows are handed to the writer once this much is buffered.
const FLUSH_AT: usize = 64 * 1024;

impl<'w> CsvWriter<'w> {
    /// Starts a file with its header row.
    pub fn new(w: &'w mut dyn Write, header: &[&str]) -> io::Result<Self> {
        let core = csv_core::WriterBuilder::new().terminator(csv_core::Terminator::CRLF).build();
        let mut csv = CsvWriter { out: w, core, buf: Vec::with_capacity(FLUSH_AT + 1024) };
        csv.record(header.iter().map(|h| h.as_bytes()))?;
        Ok(csv)
    }

    /// Writes one row; text cells are neutralized.
    pub fn row<'c, I, C>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = C>,
        C: Into<Cell<'c>>,
    {
        // Borrowed as they are; only a neutralized cell is a new string.
        let cells: Vec<std::borrow::Cow<'c, str>> = cells.into_iter().map(|c| c.into().written()).collect();
        self.record(cells.iter().map(|c| c.as_bytes()))
    }

    fn record<'a>(&mut self, fields: impl Iterator<Item = &'a [u8]>) -> io::Result<()> {
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.put(2, |core, out| {
                    let (res, n) = core.delimiter(out);
                    (res, 0, n)
                })?;
            }
            // Quoted, every byte may double, plus the opening quote.
            self.put(2 * field.len() + 2, |core, out| core.field(field, out))?;
        }
        // The closing quote, the terminator (or `""` for a lone empty field).
        self.put(4, |core, out| {
            let (res, n) = core.terminator(out);
            (res, 0, n)
        })?;
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Runs one `csv_core` step with `room` bytes free after the buffer.
    fn put(
        &mut self,
        room: usize,
        step: impl FnOnce(&mut csv_core::Writer, &mut [u8]) -> (csv_core::WriteResult, usize, usize),
    ) -> io::Result<()> {
        let at = self.buf.len();
        self.buf.resize(at + room, 0);
        let (res, _, written) = step(&mut self.core, &mut self.buf[at..]);
        self.buf.truncate(at + written);
        match res {
            csv_core::WriteResult::InputEmpty => Ok(()),
            csv_core::WriteResult::OutputFull => Err(io::Error::other("CSV field larger than its room")),
        }
    }

    /// Hands the last rows to the writer, and flushes it.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
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

    #[test]
    fn fields_longer_than_any_buffer_are_written_whole_and_read_back() {
        // Past the 64 KiB the rows are handed over by, quotes and
        // separators all through, and one lone empty field.
        let long = ";,\"x\"\n".repeat(40_000);
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf, &["a", "b", "c"]).unwrap();
            for _ in 0..3 {
                w.row([long.as_str(), "", "plain"]).unwrap();
            }
            w.finish().unwrap();
        }
        let mut r = csv::ReaderBuilder::new().from_reader(buf.as_slice());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        for row in rows {
            assert_eq!((&row[0], &row[1], &row[2]), (long.as_str(), "", "plain"));
        }
        let mut lone = Vec::new();
        {
            let mut w = CsvWriter::new(&mut lone, &["a"]).unwrap();
            w.row([""]).unwrap();
            w.finish().unwrap();
        }
        assert_eq!(String::from_utf8(lone).unwrap(), "a\r\n\"\"\r\n");
    }
}
