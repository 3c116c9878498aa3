//! Parts of the stored copy rewritten so that calamine reads them as the
//! office suites do.
//!
//! calamine's ods reader takes any event inside a `table:table-row` other
//! than a cell as an error, and keeps every text event inside a string cell
//! as the cell's text. Gnumeric writes `content.xml` indented, so that every
//! ods it saves was refused as corrupt ("Expecting 'table-cell'"), and a
//! cell's text would take the indentation around its paragraphs. The white
//! space that indents a row or a cell (text of white space alone, with a
//! line end in it, right inside `table:table-row`, `table:table-cell` or
//! `table:covered-table-cell`) carries nothing in ODF, where a cell's text is
//! in its paragraphs: it is left out of the copy, every other byte kept.

use memchr::memmem;
use quick_xml::events::Event;

/// What an open element is, as far as the rewrite cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parent {
    /// A row or a cell: white space right inside it is indentation.
    TableItem,
    Other,
}

/// Whether `text` is indentation: white space alone, with a line end.
fn indentation(text: &[u8]) -> bool {
    text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        && text.iter().any(|b| matches!(b, b'\r' | b'\n'))
}

/// Whether some tag after the first row is followed by indentation and
/// another tag: the cheap test that spares the rewrite to the files that
/// need none (LibreOffice writes `content.xml` on one line).
fn indented_rows(xml: &[u8]) -> bool {
    let Some(first_row) = memmem::find(xml, b"<table:table-row") else { return false };
    let rest = &xml[first_row..];
    memchr::memchr_iter(b'>', rest).any(|at| {
        let after = &rest[at + 1..];
        let blank = after.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        blank.is_some_and(|n| n > 0 && after[n] == b'<' && indentation(&after[..n]))
    })
}

/// `content.xml` of an ods without the indentation of its rows and cells,
/// or `None` when it has none (or when the reader stops on an error, which
/// calamine then reports on the part as it is).
pub(crate) fn ods_content(xml: &[u8]) -> Option<Vec<u8>> {
    if !indented_rows(xml) {
        return None;
    }
    // The reader reads the part as calamine does (no check of end names,
    // text kept as it is), but empty elements stay one event: each event
    // is then exactly the bytes between two positions.
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = false;
    let mut out = Vec::with_capacity(xml.len());
    let mut open: Vec<Parent> = Vec::new();
    let mut copied = 0;
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        match reader.read_event().ok()? {
            Event::Start(e) => open.push(match e.name().as_ref() {
                "table:table-row" | "table:table-cell" | "table:covered-table-cell" => Parent::TableItem,
                _ => Parent::Other,
            }),
            Event::End(_) => {
                open.pop();
            }
            Event::Text(_) if open.last() == Some(&Parent::TableItem) => {
                let after = usize::try_from(reader.buffer_position()).ok()?;
                let text = xml.get(before..after)?;
                if indentation(text) {
                    out.extend_from_slice(xml.get(copied..before)?);
                    copied = after;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if copied == 0 {
        return None;
    }
    out.extend_from_slice(xml.get(copied..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDENTED: &str = "<?xml version=\"1.0\"?>\n<office:document-content>\n <office:body>\n  <office:spreadsheet>\n   <table:table table:name=\"Cover\">\n    <table:table-row>\n     <table:table-cell office:value-type=\"string\">\n      <text:p>state</text:p>\n     </table:table-cell>\n     <table:table-cell/>\n     <table:table-cell office:value-type=\"string\">\n      <text:p><text:span>Fr</text:span> <text:span>ance</text:span></text:p>\n      <text:p>second</text:p>\n     </table:table-cell>\n    </table:table-row>\n   </table:table>\n  </office:spreadsheet>\n </office:body>\n</office:document-content>\n";

    #[test]
    fn the_indentation_of_rows_and_cells_is_left_out_and_nothing_else() {
        let tidy = String::from_utf8(ods_content(INDENTED.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            tidy,
            "<?xml version=\"1.0\"?>\n<office:document-content>\n <office:body>\n  <office:spreadsheet>\n   <table:table table:name=\"Cover\">\n    <table:table-row><table:table-cell office:value-type=\"string\"><text:p>state</text:p></table:table-cell><table:table-cell/><table:table-cell office:value-type=\"string\"><text:p><text:span>Fr</text:span> <text:span>ance</text:span></text:p><text:p>second</text:p></table:table-cell></table:table-row>\n   </table:table>\n  </office:spreadsheet>\n </office:body>\n</office:document-content>\n"
        );
    }

    #[test]
    fn a_part_on_one_line_or_unreadable_is_left_as_it_is() {
        let one_line: String = INDENTED.lines().map(str::trim_start).collect();
        assert_eq!(ods_content(one_line.as_bytes()), None);
        // White space without a line end is text a State may have typed.
        assert_eq!(
            ods_content(b"<table:table-row><table:table-cell> </table:table-cell></table:table-row>"),
            None
        );
        assert_eq!(ods_content(b"<table:table-row>\n<table:table-cell></table:table-row"), None);
        assert_eq!(ods_content(b"no rows\n  <a/>"), None);
    }
}
