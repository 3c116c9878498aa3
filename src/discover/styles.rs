//! What reading a workbook's stylesheet costs calamine.
//!
//! When it opens an xlsx, calamine reads `styles.xml` and builds one style
//! per cell format (`xf` of `cellXfs`), copying into it the font, fill and
//! borders the format names and its number format code, and running its
//! date detection over that code. A small stylesheet of one font with a
//! 100,000-character name and 20,000 formats that name it makes 2 GB of
//! copies: 4 KB of xlsx took 16 s and 3.9 GB. [`copy_cost`] bounds those
//! copies from the stylesheet's bytes, to hold them to the text limit.

use quick_xml::events::Event;

/// Bytes of a style that calamine builds whatever the stylesheet says.
const STYLE_OVERHEAD: u64 = 64;

/// An upper bound of the bytes calamine copies to build the cell formats of
/// this stylesheet: the formats it has, times the largest font, fill and
/// borders and the longest number format code any of them can name.
///
/// Most stylesheets are bounded at once by their size times an upper bound
/// of their formats (every `xf` in the text); the others are parsed. One
/// that cannot be parsed keeps the first bound (calamine refuses it anyway).
pub fn copy_cost(xml: &[u8]) -> u64 {
    let formats = memchr::memmem::find_iter(xml, b"xf").count() as u64;
    let rough = formats.saturating_mul((xml.len() as u64).saturating_add(STYLE_OVERHEAD));
    if rough <= ROUGH_ENOUGH {
        return rough;
    }
    parsed_cost(xml).unwrap_or(rough)
}

/// Below this, the rough bound is taken as it is (it costs no parsing).
const ROUGH_ENOUGH: u64 = 16 * 1024 * 1024;

/// The bound from the structure: formats inside `cellXfs`, and the largest
/// `font`, `fill` and `border` elements and `formatCode` attribute anywhere.
fn parsed_cost(xml: &[u8]) -> Option<u64> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    // Every `xf` from the first `cellXfs` on counts: calamine reads formats
    // until the first end tag of that name it meets outside a format, which
    // an end tag inside a format's body is not.
    let (mut formats, mut in_cell_xfs) = (0_u64, false);
    let (mut font, mut fill, mut border, mut code) = (0_u64, 0_u64, 0_u64, 0_u64);
    // Where the open font, fill and border elements began (by local name).
    let mut open: Vec<(&'static str, u64)> = Vec::new();
    loop {
        let before = reader.buffer_position();
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let local = e.local_name();
                match local.as_ref() {
                    "cellXfs" => in_cell_xfs = true,
                    "xf" if in_cell_xfs => formats += 1,
                    "font" => open.push(("font", before)),
                    "fill" => open.push(("fill", before)),
                    "border" => open.push(("border", before)),
                    "numFmt" => {
                        // The longest value, whatever its name: calamine's
                        // attribute reader may see `formatCode` where the XML
                        // reader sees another name (after a form feed, say).
                        let len =
                            e.attributes().with_checks(false).flatten().map(|a| a.value.len() as u64).max();
                        code = code.max(len.unwrap_or(0));
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let local = e.local_name();
                let name = local.as_ref();
                if let Some(at) = open.iter().rposition(|(n, _)| *n == name) {
                    let (_, start) = open.remove(at);
                    let len = reader.buffer_position().saturating_sub(start);
                    match name {
                        "font" => font = font.max(len),
                        "fill" => fill = fill.max(len),
                        _ => border = border.max(len),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // An element never closed counts to the end of the text.
    for (name, start) in open {
        let len = (xml.len() as u64).saturating_sub(start);
        match name {
            "font" => font = font.max(len),
            "fill" => fill = fill.max(len),
            _ => border = border.max(len),
        }
    }
    let each =
        font.saturating_add(fill).saturating_add(border).saturating_add(code).saturating_add(STYLE_OVERHEAD);
    Some(formats.saturating_mul(each))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stylesheet(font_name: usize, code: usize, formats: usize) -> String {
        format!(
            "<styleSheet><numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"{}\"/></numFmts>\
             <fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><name val=\"{}\"/></font></fonts>\
             <fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>\
             <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
             <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\"/></cellStyleXfs>\
             <cellXfs count=\"{formats}\">{}</cellXfs></styleSheet>",
            "0".repeat(code),
            "a".repeat(font_name),
            "<xf numFmtId=\"164\" fontId=\"1\" fillId=\"0\" borderId=\"0\"/>".repeat(formats)
        )
    }

    #[test]
    fn long_names_times_many_formats_cost_their_product() {
        let cost = copy_cost(stylesheet(100_000, 100_000, 20_000).as_bytes());
        assert!(cost >= 20_000 * 200_000, "{cost}");
        // Parsed, the bound is close to the copies themselves.
        assert!(cost <= 20_000 * 201_000, "{cost}");
    }

    #[test]
    fn tricks_that_hide_formats_or_codes_count_all_the_same() {
        // A cellXfs end tag inside a format's body: calamine reads on.
        let early_end = stylesheet(130_000, 130_000, 1).replace(
            "<cellXfs count=\"1\"><xf numFmtId=\"164\" fontId=\"1\" fillId=\"0\" borderId=\"0\"/>",
            &format!(
                "<cellXfs><xf numFmtId=\"164\" fontId=\"1\"><a></cellXfs></xf>{}",
                "<xf numFmtId=\"164\" fontId=\"1\"/>".repeat(18_000)
            ),
        );
        assert!(copy_cost(early_end.as_bytes()) >= 18_000 * 260_000, "early end");
        // formatCode after a form feed: another name to the XML reader.
        let form_feed = stylesheet(10, 250_000, 18_000)
            .replace("numFmtId=\"164\" formatCode", "numFmtId=\"164\"\u{c}formatCode");
        assert!(copy_cost(form_feed.as_bytes()) >= 18_000 * 250_000, "form feed");
    }

    #[test]
    fn ordinary_stylesheets_cost_little() {
        // A stylesheet as spreadsheet programs write them, and one with the
        // 60,000 formats of a workbook bloated by copy and paste.
        for formats in [20, 60_000] {
            let cost = copy_cost(stylesheet(7, 10, formats).as_bytes());
            assert!(cost < 32 * 1024 * 1024, "{formats}: {cost}");
        }
    }

    #[test]
    fn an_unreadable_stylesheet_keeps_the_rough_bound() {
        // Cut inside the last format's tag: the parser stops at an error.
        let xml = stylesheet(100_000, 0, 2_000);
        let cut = xml.rfind("<xf ").unwrap() + 10;
        let xml = &xml.as_bytes()[..cut];
        assert_eq!(parsed_cost(xml), None);
        assert!(copy_cost(xml) >= 2_000 * 100_000);
    }
}
