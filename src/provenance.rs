//! Where a value came from.
//!
//! Every value art32 emits carries a [`SourceRef`]: the cell of a spreadsheet
//! (`Cover!C7`) or the element of an XML document (`/return/answer[12]`).
//! Rows, columns and lines are stored zero-based for cells and one-based
//! for lines, and always *displayed* the way a spreadsheet or editor shows
//! them (row 1, column A, line 1). The outputs show a reference as SPEC
//! writes it, an element by its path alone; diagnostics for a reader add the
//! element's line ([`SourceRef::located`]).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A place inside one input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SourceRef {
    /// A spreadsheet cell: sheet name, zero-based row and column.
    Cell {
        /// Sheet name as the workbook spells it (shared by the references
        /// of one sheet).
        sheet: Arc<str>,
        /// Zero-based row index (row 1 in a spreadsheet is 0 here).
        row: u32,
        /// Zero-based column index (column A is 0).
        col: u32,
    },
    /// An XML element: an XPath-like path and the one-based line it starts on.
    Element {
        /// Path such as `/return/section[2]/answer[5]`.
        path: String,
        /// One-based line number.
        line: u32,
    },
    /// The file as a whole (problems that have no finer place).
    File,
}

impl SourceRef {
    /// A spreadsheet cell reference.
    pub fn cell(sheet: &str, row: u32, col: u32) -> Self {
        SourceRef::Cell { sheet: Arc::from(sheet), row, col }
    }

    /// A reference to a cell of a sheet whose name is already shared.
    pub fn cell_in(sheet: &Arc<str>, row: u32, col: u32) -> Self {
        SourceRef::Cell { sheet: Arc::clone(sheet), row, col }
    }

    /// The reference with an element's line, for a person reading a
    /// diagnostic in an editor: `/return/answer[12] (line 40)`.
    pub fn located(&self) -> Located<'_> {
        Located(self)
    }
}

/// A [`SourceRef`] displayed with its element's line ([`SourceRef::located`]).
pub struct Located<'r>(&'r SourceRef);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            SourceRef::Element { path, line } => write!(f, "{path} (line {line})"),
            other => other.fmt(f),
        }
    }
}

/// Column letters for a zero-based column index (0 -> `A`, 26 -> `AA`).
pub fn column_name(col: u32) -> String {
    let (buf, start) = column_letters(col);
    String::from_utf8_lossy(&buf[start..]).into_owned()
}

/// Column letters, right-aligned in a buffer, and where they start (a u32
/// column has at most 7 letters): no allocation for each reference written.
fn column_letters(col: u32) -> ([u8; 8], usize) {
    let mut buf = [0u8; 8];
    let mut start = buf.len();
    let mut n = u64::from(col) + 1;
    while n > 0 && start > 0 {
        start -= 1;
        buf[start] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    (buf, start)
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceRef::Cell { sheet, row, col } => {
                let (buf, start) = column_letters(*col);
                f.write_str(sheet)?;
                f.write_str("!")?;
                f.write_str(std::str::from_utf8(&buf[start..]).map_err(|_| fmt::Error)?)?;
                write!(f, "{}", u64::from(*row) + 1)
            }
            SourceRef::Element { path, .. } => f.write_str(path),
            SourceRef::File => f.write_str("(file)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs_display_like_a_spreadsheet() {
        assert_eq!(SourceRef::cell("Cover", 6, 2).to_string(), "Cover!C7");
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
        assert_eq!(column_name(u32::MAX), "MWLQKWV");
        assert_eq!(SourceRef::cell("S", u32::MAX, u32::MAX).to_string(), "S!MWLQKWV4294967296");
    }

    #[test]
    fn element_refs_are_their_path_and_diagnostics_add_the_line() {
        let r = SourceRef::Element { path: "/return/answer[12]".into(), line: 40 };
        assert_eq!(r.to_string(), "/return/answer[12]");
        assert_eq!(r.located().to_string(), "/return/answer[12] (line 40)");
        assert_eq!(SourceRef::cell("Cover", 6, 2).located().to_string(), "Cover!C7");
    }
}
