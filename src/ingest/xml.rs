//! XML returns (SPEC 5): the native `urn:art32:return:1` layout and the
//! submission instances of online forms (ODK Central, KoboToolbox, SPEC 5.1).
//!
//! The bytes are first decoded (BOM, or the encoding the XML declaration
//! names) into UTF-8; undecodable bytes reject the file. quick-xml's
//! namespace-aware reader then builds a small, bounded tree: depth, element
//! count, attribute count and text length are capped, a `<!DOCTYPE` is
//! rejected, and no entity other than the five predefined ones and character
//! references is ever expanded. The tree is then read by element names, in any
//! order; unknown elements, and unknown attributes and loose text in a native
//! return, are warnings with their path.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::discover::Limits;
use crate::model::{CoverKey, Problem, RawAnswer, RawField, RawReturn, RawValue, Reason, Rejection};
use crate::provenance::SourceRef;

/// The namespace of native returns.
pub const RETURN_NS: &str = "urn:art32:return:1";

/// One element of the bounded tree.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    ns: Option<String>,
    /// (namespace, local name, value)
    attrs: Vec<(Option<String>, String, String)>,
    /// The element's text, less the white space before its first other
    /// character: text is only ever read trimmed or split at white space,
    /// and the indentation between elements is never stored.
    text: String,
    /// Bytes of text the element has had, white space included: what
    /// [`Limits::max_xml_text`] holds.
    text_len: usize,
    /// Children are linked, first to last: no list to allocate per element.
    first_child: Option<usize>,
    next_sibling: Option<usize>,
    line: u32,
    path: String,
}

impl Node {
    fn source(&self) -> SourceRef {
        SourceRef::Element { path: self.path.clone(), line: self.line }
    }

    fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|(ns, n, _)| ns.is_none() && n == local).map(|(_, _, v)| v.as_str())
    }

    fn attr_any_ns(&self, local: &str) -> Option<&str> {
        self.attr(local)
            .or_else(|| self.attrs.iter().find(|(_, n, _)| n == local).map(|(_, _, v)| v.as_str()))
    }

    fn attr_source(&self, local: &str) -> SourceRef {
        let mut path = String::with_capacity(self.path.len() + 2 + local.len());
        path.push_str(&self.path);
        path.push_str("/@");
        path.push_str(local);
        SourceRef::Element { path, line: self.line }
    }

    fn field(&self) -> RawField {
        let text = self.text.trim();
        let value = if text.is_empty() { RawValue::Empty } else { RawValue::Text(text.to_owned()) };
        RawField { value, source: self.source() }
    }
}

/// Reads an XML return.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<RawReturn, Rejection> {
    let text = line_ends(decode(bytes)?);
    check_chars(&text)?;
    let nodes = parse(&text, limits)?;
    let Some(root) = nodes.first() else {
        return Err(Rejection::new(Reason::MalformedXml, "no root element"));
    };
    if root.attr_any_ns("encrypted").is_some_and(|v| v.trim().eq_ignore_ascii_case("yes")) {
        return Err(Rejection::new(
            Reason::Encrypted,
            "an encrypted online-form submission: decrypt it on the server (with the form's private key) and export it again",
        ));
    }
    // Spreadsheets saved as XML: told apart from returns, with what to ask for.
    let spreadsheet = match (root.name.as_str(), root.ns.as_deref()) {
        ("Workbook", Some("urn:schemas-microsoft-com:office:spreadsheet")) => {
            Some("an Excel 2003 XML spreadsheet (SpreadsheetML)")
        }
        ("document", Some("urn:oasis:names:tc:opendocument:xmlns:office:1.0")) => {
            Some("a flat OpenDocument spreadsheet (.fods)")
        }
        _ => None,
    };
    if let Some(what) = spreadsheet {
        return Err(Rejection::new(
            Reason::UnsupportedFormat,
            format!(
                "{what}, which art32 does not read: ask for the return as .xlsx (or open this file and save it so)"
            ),
        ));
    }
    if is_native(root) {
        Ok(native(&nodes))
    } else if root.attr("id").is_some() {
        Ok(online_form(&nodes))
    } else {
        Err(Rejection::new(
            Reason::NotAReturn,
            format!(
                "the root element <{}> (line {}) is neither an art32 return (<return xmlns=\"{RETURN_NS}\">) nor an online-form submission (a root with an id attribute)",
                root.name, root.line
            ),
        ))
    }
}

/// A native return's root: `<return>` (in its namespace, or another), with
/// no online form's `id`, or with a `questionnaire` attribute (then an `id`
/// beside it is an `unknown-attribute` warning, and the questionnaire the
/// return names counts).
fn is_native(root: &Node) -> bool {
    root.name == "return" && (root.attr("id").is_none() || root.attr("questionnaire").is_some())
}

/// What a file that [`read`] rejects names, as far as it can be read: the
/// questionnaire (the root's `questionnaire` attribute, an online form's
/// `id`, or a `<questionnaire>` element) and the State (the first `<state>`
/// element: its `code`, else its text). A truncated or malformed return
/// still tells whose it is in its first lines, and SPEC 6.4 flags
/// `rejected-files` on the State and questionnaire a rejected file names.
///
/// The scan stops at the first error, at the end of the root, once both are
/// found, or after [`NAMED_MAX_EVENTS`] events; nothing is expanded (a
/// DOCTYPE is skipped, not read).
pub fn named(bytes: &[u8]) -> Named {
    let mut named = Named::default();
    let text = match decode(bytes) {
        Ok(t) => t,
        // Bytes that are not UTF-8 further on: what comes before them.
        Err(_) => match std::str::from_utf8(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(e) => {
                let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
                std::borrow::Cow::Borrowed(std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default())
            }
        },
    };
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().check_end_names = false;
    let local = |name: &str| -> String { name.rsplit(':').next().unwrap_or_default().to_owned() };
    let attr = |e: &BytesStart<'_>, key: &str| -> Option<String> {
        e.attributes().flatten().find(|a| local(a.key.as_ref()) == key).and_then(|a| {
            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?.trim().to_owned();
            (!v.is_empty()).then_some(v)
        })
    };
    // The element whose text is being read: a `<state>` or `<questionnaire>`.
    let mut reading: Option<(bool, String)> = None;
    let mut depth = 0_usize;
    let mut seen_root = false;
    for _ in 0..NAMED_MAX_EVENTS {
        if named.questionnaire.is_some() && named.state.is_some() {
            break;
        }
        match reader.read_event() {
            Err(_) | Ok(Event::Eof) => break,
            Ok(ev @ (Event::Start(_) | Event::Empty(_))) => {
                let is_start = matches!(ev, Event::Start(_));
                let (Event::Start(e) | Event::Empty(e)) = ev else { break };
                let name = local(e.name().as_ref());
                if !seen_root {
                    seen_root = true;
                    named.questionnaire = attr(&e, "questionnaire").or_else(|| attr(&e, "id"));
                } else if name == "state" && named.state.is_none() {
                    named.state = attr(&e, "code");
                    if named.state.is_none() && is_start {
                        reading = Some((true, String::new()));
                    }
                } else if name == "questionnaire" && named.questionnaire.is_none() && is_start {
                    reading = Some((false, String::new()));
                }
                if !is_start {
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                depth += 1;
            }
            Ok(Event::End(_)) => {
                if let Some((is_state, t)) = reading.take() {
                    let t = t.trim().to_owned();
                    if !t.is_empty() {
                        if is_state {
                            named.state = Some(t);
                        } else {
                            named.questionnaire = Some(t);
                        }
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Ok(Event::Text(t)) => {
                if let Some((_, buf)) = reading.as_mut()
                    && buf.len() < NAMED_MAX_TEXT
                {
                    buf.push_str(&t.xml10_content());
                }
            }
            Ok(_) => {}
        }
    }
    named
}

/// Most events [`named`] reads of a rejected file.
const NAMED_MAX_EVENTS: usize = 100_000;
/// Most bytes of a `<state>` or `<questionnaire>` text [`named`] keeps.
const NAMED_MAX_TEXT: usize = 4096;

/// What a rejected XML file names: see [`named`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Named {
    /// The questionnaire id as written.
    pub questionnaire: Option<String>,
    /// The State as written (a code or a name).
    pub state: Option<String>,
}

/// Decodes the document to UTF-8: a BOM, else the declaration's encoding, else UTF-8.
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, Rejection> {
    let malformed = |msg: String| Rejection::new(Reason::MalformedXml, msg);
    if let Some((big_endian, body)) = utf32(bytes) {
        return decode_utf32(body, big_endian).map(std::borrow::Cow::Owned);
    }
    let (encoding, body) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        (encoding_rs::UTF_8, rest)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (encoding_rs::UTF_16LE, rest)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        (encoding_rs::UTF_16BE, rest)
    } else if let Some(encoding) = bare_utf16(bytes) {
        (encoding, bytes)
    } else {
        match declared_encoding(bytes) {
            None => (encoding_rs::UTF_8, bytes),
            Some(label) => match encoding_rs::Encoding::for_label(label.as_bytes()) {
                // A UTF-16 label on ASCII-compatible bytes: the bytes win.
                Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => {
                    (encoding_rs::UTF_8, bytes)
                }
                Some(e) => (e, bytes),
                None => return Err(malformed(format!("unknown encoding {label:?} in the XML declaration"))),
            },
        }
    };
    if encoding == encoding_rs::UTF_8 {
        return match std::str::from_utf8(body) {
            Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
            Err(e) => {
                let (line, col) = line_col(&body[..e.valid_up_to()]);
                Err(malformed(format!("invalid UTF-8 at line {line}, column {col}")))
            }
        };
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(body.len());
    let mut read_total = 0;
    loop {
        let capacity = decoder
            .max_utf8_buffer_length_without_replacement(body.len() - read_total)
            .unwrap_or(body.len() * 3 + 16);
        out.reserve(capacity);
        let (result, read) =
            decoder.decode_to_string_without_replacement(&body[read_total..], &mut out, true);
        read_total += read;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(std::borrow::Cow::Owned(out)),
            encoding_rs::DecoderResult::OutputFull => continue,
            encoding_rs::DecoderResult::Malformed(_, _) => {
                let (line, col) = line_col(out.as_bytes());
                return Err(malformed(format!(
                    "bytes that are not valid {} at line {line}, column {col} (byte {read_total})",
                    encoding.name()
                )));
            }
        }
    }
}

/// A UTF-32 (UCS-4) document, which encoding_rs does not know: told by
/// its BOM, or by a first `<` of four bytes (XML 1.0 appendix F). Whether
/// it is big-endian, and its bytes after any BOM.
pub(crate) fn utf32(bytes: &[u8]) -> Option<(bool, &[u8])> {
    match bytes.get(..4)? {
        [0xFF, 0xFE, 0, 0] => Some((false, &bytes[4..])),
        [0, 0, 0xFE, 0xFF] => Some((true, &bytes[4..])),
        [0x3C, 0, 0, 0] => Some((false, bytes)),
        [0, 0, 0, 0x3C] => Some((true, bytes)),
        _ => None,
    }
}

/// A UTF-32 document (after its BOM) as UTF-8.
fn decode_utf32(body: &[u8], big_endian: bool) -> Result<String, Rejection> {
    let mut out = String::with_capacity(body.len() / 4);
    for unit in body.chunks(4) {
        let Ok(unit) = <[u8; 4]>::try_from(unit) else {
            let (line, col) = line_col(out.as_bytes());
            return Err(Rejection::new(
                Reason::MalformedXml,
                format!("a UTF-32 document cut inside a character at line {line}, column {col}"),
            ));
        };
        let code = if big_endian { u32::from_be_bytes(unit) } else { u32::from_le_bytes(unit) };
        match char::from_u32(code) {
            Some(c) => out.push(c),
            None => {
                let (line, col) = line_col(out.as_bytes());
                return Err(Rejection::new(
                    Reason::MalformedXml,
                    format!("bytes that are not valid UTF-32 at line {line}, column {col}"),
                ));
            }
        }
    }
    Ok(out)
}

/// The byte order of a UTF-16 document without a BOM, told from its first
/// `<` (after any whitespace) as a 16-bit unit, as XML 1.0 (appendix F)
/// does: `3C 00` is little-endian, `00 3C` big-endian.
pub(crate) fn bare_utf16(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let mut order = None;
    for unit in bytes.chunks_exact(2).take(256) {
        let (c, this) = match unit {
            [c, 0] => (*c, encoding_rs::UTF_16LE),
            [0, c] => (*c, encoding_rs::UTF_16BE),
            _ => return None,
        };
        if order.is_some_and(|o| o != this) {
            return None;
        }
        order = Some(this);
        match c {
            b'<' => return order,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => return None,
        }
    }
    None
}

/// The `encoding` pseudo-attribute of an ASCII-compatible XML declaration.
/// XML allows any white space between its pseudo-attributes: the
/// declaration is looked for in the first 64 KiB, not in a line's worth (a
/// windows-1252 return whose declaration was padded past 512 bytes was
/// read as UTF-8, and rejected).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

/// One-based line and column (in characters) at the end of `prefix`.
/// The document with its line ends as XML 1.0 reads them (2.11): CR LF
/// and a CR alone are each one LF, so that a file saved with CR line ends
/// (classic Mac OS) names its lines as one saved with LF does.
fn line_ends(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest: &str = &text;
    while let Some(i) = rest.find('\r') {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('\n') {
            rest = after;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether XML 1.0 allows a character in a document (its `Char`
/// production): tab, line ends, and every other character but the C0
/// controls, surrogates and U+FFFE, U+FFFF.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Where the first C0 control character but tab, LF and CR is. Each block
/// of bytes is first tested whole, without stopping early (a loop the
/// compiler turns into vector instructions): almost every block holds
/// none.
fn first_control(bytes: &[u8]) -> Option<usize> {
    let control = |b: u8| (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r');
    let mut at = 0;
    for block in bytes.chunks(4096) {
        if block.iter().fold(false, |any, &b| any | control(b)) {
            return block.iter().position(|&b| control(b)).map(|i| at + i);
        }
        at += block.len();
    }
    None
}

/// Refuses a document holding a character XML 1.0 does not allow (a NUL, a
/// control character, U+FFFF): not XML, and never meant as an answer.
fn check_chars(text: &str) -> Result<(), Rejection> {
    let bad = first_control(text.as_bytes()).or_else(|| {
        memchr::memmem::find(text.as_bytes(), "\u{FFFE}".as_bytes())
            .into_iter()
            .chain(memchr::memmem::find(text.as_bytes(), "\u{FFFF}".as_bytes()))
            .min()
    });
    match bad {
        None => Ok(()),
        Some(at) => {
            let (line, col) = line_col(&text.as_bytes()[..at]);
            let c = text[at..].chars().next().unwrap_or('\0');
            Err(Rejection::new(
                Reason::MalformedXml,
                format!(
                    "a character XML does not allow (U+{:04X}) at line {line}, column {col}",
                    u32::from(c)
                ),
            ))
        }
    }
}

fn line_col(prefix: &[u8]) -> (usize, usize) {
    let line = prefix.iter().filter(|b| **b == b'\n').count() + 1;
    let last = prefix.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&prefix[last..]).chars().count() + 1;
    (line, col)
}

/// How many children of each name an open element has had so far. An
/// element's children have few distinct names, so a short list is searched;
/// past [`SiblingCounts::LIST`] names (a crafted file of 200,000 distinct
/// names made that search quadratic), a map.
#[derive(Debug, Default)]
struct SiblingCounts {
    list: Vec<(String, usize)>,
    /// Made only past the list (an empty map still seeds its hasher).
    map: Option<crate::FastMap<String, usize>>,
}

impl SiblingCounts {
    const LIST: usize = 32;

    /// Counts one more child named `name`; its rank among them, from 1.
    fn next(&mut self, name: &str) -> usize {
        if let Some((_, k)) = self.list.iter_mut().find(|(n, _)| n == name) {
            *k += 1;
            return *k;
        }
        if self.list.len() < Self::LIST {
            self.list.push((name.to_owned(), 1));
            return 1;
        }
        let k = self.map.get_or_insert_with(Default::default).entry(name.to_owned()).or_insert(0);
        *k += 1;
        *k
    }
}

/// An element not yet closed: its node, its last child so far, and how
/// many children of each name it has had.
#[derive(Debug)]
struct Open {
    node: usize,
    last_child: Option<usize>,
    counts: SiblingCounts,
}

/// Appends `k` in decimal, without the formatting machinery.
fn push_decimal(out: &mut String, mut k: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (k % 10) as u8;
        k /= 10;
        if k == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// Counts lines incrementally as the reader moves forward.
struct Lines<'s> {
    text: &'s str,
    pos: usize,
    line: u32,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> u32 {
        let pos = pos.min(self.text.len());
        if pos > self.pos {
            let added = self.text.as_bytes()[self.pos..pos].iter().filter(|b| **b == b'\n').count();
            self.line = self.line.saturating_add(u32::try_from(added).unwrap_or(u32::MAX));
            self.pos = pos;
        }
        self.line
    }
}

fn parse(text: &str, limits: &Limits) -> Result<Vec<Node>, Rejection> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut lines = Lines { text, pos: 0, line: 1 };
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // Every element keeps its path: their sum is held to the text limit (a
    // long root name copied into 40,000 children's paths took 3.9 GB).
    let mut path_bytes = 0_u64;
    // Whether the root is a native return's: told once, when it is read.
    let mut native = false;
    let malformed = |reader: &NsReader<&[u8]>, lines: &mut Lines<'_>, e: &dyn std::fmt::Display| {
        let pos = usize::try_from(reader.error_position()).unwrap_or(0);
        let (line, col) = line_col(&text.as_bytes()[..pos.min(text.len())]);
        let _ = lines;
        Rejection::new(Reason::MalformedXml, format!("malformed XML at line {line}, column {col}: {e}"))
    };
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(0);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            // quick-xml's own bound on namespace declarations in scope (its
            // message names its API): a limit, where the element begins.
            Err(e) if e.to_string().contains("namespace bindings") => {
                let (line, col) = line_col(&text.as_bytes()[..start.min(text.len())]);
                return Err(Rejection::new(
                    Reason::TooLarge,
                    format!(
                        "the element at line {line}, column {col} brings the namespace declarations in scope over 128, more than any return needs"
                    ),
                ));
            }
            Err(e) => return Err(malformed(&reader, &mut lines, &e)),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                if stack.len() >= limits.max_xml_depth {
                    return Err(Rejection::new(
                        Reason::TooDeep,
                        format!(
                            "XML nested deeper than {} elements (line {})",
                            limits.max_xml_depth,
                            lines.at(start)
                        ),
                    ));
                }
                if stack.is_empty() && !nodes.is_empty() {
                    return Err(Rejection::new(
                        Reason::MalformedXml,
                        format!("a second root element at line {}", lines.at(start)),
                    ));
                }
                if nodes.len() >= limits.max_xml_elements {
                    return Err(Rejection::new(
                        Reason::TooManyElements,
                        format!("more than {} XML elements", limits.max_xml_elements),
                    ));
                }
                let line = lines.at(start);
                // The root keeps its namespace (a native return's should be
                // RETURN_NS); below a native root, only whether an element
                // is in the root's is looked at (next).
                let ns = stack.is_empty().then(|| namespace(reader.resolver().resolve_element(e.name()).0));
                let mut node = element(&reader, e, ns.flatten(), line, limits)?;
                // In a native return, an element of another namespace than
                // the return's (a generating tool's `<tool:submitted>`) is
                // none of art32's, whatever its local name: it keeps its
                // prefixed name, so that nothing reads it as a cover field
                // or an answer, its warning names it as written, and it has
                // its own rank in its path. An element of no namespace is
                // the return's (a prefix written on the root alone).
                if let Some(root) = nodes.first().filter(|_| native && !stack.is_empty()) {
                    let qname = e.name().into_inner();
                    match reader.resolver().resolve_element(e.name()).0 {
                        ResolveResult::Bound(n) if root.ns.as_deref() != Some(n.into_inner()) => {
                            // Unprefixed under another default namespace: in
                            // Clark's notation, `{urn:example}answer`.
                            node.name = if qname.contains(':') {
                                qname.to_owned()
                            } else {
                                ["{", n.into_inner(), "}", qname].concat()
                            };
                        }
                        ResolveResult::Unknown(_) => qname.clone_into(&mut node.name),
                        _ => {}
                    }
                }
                // `/name` for the root, `PARENT/name[k]` below it (the k-th
                // child of that name), built without the formatting machinery:
                // every element has one.
                let path = match stack.last_mut() {
                    None => ["/", node.name.as_str()].concat(),
                    Some(parent) => {
                        let k = parent.counts.next(&node.name);
                        let parent_path = &nodes[parent.node].path;
                        let mut path = String::with_capacity(parent_path.len() + node.name.len() + 8);
                        path.push_str(parent_path);
                        path.push('/');
                        path.push_str(&node.name);
                        path.push('[');
                        push_decimal(&mut path, k);
                        path.push(']');
                        path
                    }
                };
                path_bytes = path_bytes.saturating_add(path.len() as u64);
                if path_bytes > limits.max_text_bytes {
                    return Err(Rejection::new(
                        Reason::TooLarge,
                        format!(
                            "the paths of the XML elements add up to more than {} bytes (the limit for text), at line {}",
                            limits.max_text_bytes, line
                        ),
                    ));
                }
                let idx = nodes.len();
                nodes.push(Node { path, ..node });
                if idx == 0 {
                    native = is_native(&nodes[0]);
                }
                if let Some(parent) = stack.last_mut() {
                    match parent.last_child.replace(idx) {
                        Some(previous) => nodes[previous].next_sibling = Some(idx),
                        None => nodes[parent.node].first_child = Some(idx),
                    }
                }
                if !is_empty {
                    stack.push(Open { node: idx, last_child: None, counts: SiblingCounts::default() });
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                append_text(&mut nodes, &stack, &s, limits, &mut lines, start)?;
            }
            Event::CData(t) => {
                let s = t.into_inner().into_owned();
                append_text(&mut nodes, &stack, &s, limits, &mut lines, start)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c.to_string(),
                        _ => {
                            return Err(Rejection::new(
                                Reason::MalformedXml,
                                format!("invalid character reference &{}; at line {}", &*r, lines.at(start)),
                            ));
                        }
                    }
                } else {
                    match &*r {
                        "amp" => "&".to_owned(),
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        other => {
                            return Err(Rejection::new(
                                Reason::MalformedXml,
                                format!(
                                    "undefined entity &{other}; at line {} (only the five predefined entities and character references are allowed)",
                                    lines.at(start)
                                ),
                            ));
                        }
                    }
                };
                append_text(&mut nodes, &stack, &resolved, limits, &mut lines, start)?;
            }
            Event::DocType(_) => {
                return Err(Rejection::new(
                    Reason::DoctypeForbidden,
                    format!(
                        "a <!DOCTYPE> declaration at line {}: returns never need one, and it is not processed",
                        lines.at(start)
                    ),
                ));
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        let n = &nodes[open.node];
        return Err(Rejection::new(
            Reason::MalformedXml,
            format!("the document ends before <{}> (line {}) is closed", n.name, n.line),
        ));
    }
    if nodes.is_empty() {
        return Err(Rejection::new(Reason::MalformedXml, "no root element"));
    }
    Ok(nodes)
}

fn namespace(ns: ResolveResult<'_>) -> Option<String> {
    match ns {
        ResolveResult::Bound(n) => Some(n.into_inner().to_owned()),
        _ => None,
    }
}

fn element(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    ns: Option<String>,
    line: u32,
    limits: &Limits,
) -> Result<Node, Rejection> {
    let name = e.local_name().into_inner().to_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| {
            Rejection::new(
                Reason::MalformedXml,
                format!("malformed attribute on <{name}> at line {line}: {err}"),
            )
        })?;
        let key = a.key.into_inner();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        if attrs.len() >= limits.max_xml_attributes {
            return Err(Rejection::new(
                Reason::TooManyAttributes,
                format!("<{name}> at line {line} has more than {} attributes", limits.max_xml_attributes),
            ));
        }
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|err| {
            Rejection::new(
                Reason::MalformedXml,
                format!("attribute {key:?} of <{name}> at line {line}: {err}"),
            )
        })?;
        // The document holds none (check_chars): one here came from a
        // character reference.
        if let Some(c) = value.chars().find(|c| !is_xml_char(*c)) {
            return Err(Rejection::new(
                Reason::MalformedXml,
                format!(
                    "attribute {key:?} of <{name}> at line {line}: a character reference to U+{:04X}, which XML does not allow",
                    u32::from(c)
                ),
            ));
        }
        if value.len() > limits.max_xml_text {
            return Err(Rejection::new(
                Reason::TextTooLong,
                format!(
                    "attribute {key:?} of <{name}> at line {line} is longer than {} bytes",
                    limits.max_xml_text
                ),
            ));
        }
        let (ans, local) = reader.resolver().resolve_attribute(a.key);
        attrs.push((namespace(ans), local.into_inner().to_owned(), value.into_owned()));
    }
    Ok(Node {
        name,
        ns,
        attrs,
        text: String::new(),
        text_len: 0,
        first_child: None,
        next_sibling: None,
        line,
        path: String::new(),
    })
}

fn append_text(
    nodes: &mut [Node],
    stack: &[Open],
    s: &str,
    limits: &Limits,
    lines: &mut Lines<'_>,
    start: usize,
) -> Result<(), Rejection> {
    let Some(top) = stack.last().map(|o| o.node) else {
        // Text outside the root: only white space is allowed.
        if s.trim().is_empty() {
            return Ok(());
        }
        let first = s.len() - s.trim_start().len();
        return Err(Rejection::new(
            Reason::MalformedXml,
            format!("text outside the root element at line {}", lines.at(start + first)),
        ));
    };
    let node = &mut nodes[top];
    node.text_len = node.text_len.saturating_add(s.len());
    if node.text_len > limits.max_xml_text {
        return Err(Rejection::new(
            Reason::TextTooLong,
            format!(
                "the text of <{}> (line {}) is longer than {} bytes",
                node.name, node.line, limits.max_xml_text
            ),
        ));
    }
    // White space before any other character is never read (see Node::text).
    if !node.text.is_empty() || !s.trim().is_empty() {
        node.text.push_str(s);
    }
    Ok(())
}

/// Warns of the attributes of an element that art32 reads other than
/// `known` (`<answer question="UNTOC.5.1" value="yes"/>`: the value is the
/// text or a `<value>`). Attributes in a namespace (`xsi:schemaLocation`,
/// `xml:lang`, a tool's own) are metadata, and are passed over.
fn unread_attributes(node: &Node, known: &[&str], problems: &mut Vec<Problem>) {
    for (ns, name, value) in &node.attrs {
        if ns.is_none() && !known.contains(&name.as_str()) {
            problems.push(Problem::warning(
                "unknown-attribute",
                node.attr_source(name),
                format!(
                    "unknown attribute {name}={} on <{}>, not read",
                    crate::model::Quoted(value.trim()),
                    node.name
                ),
            ));
        }
    }
}

/// Warns of text typed straight inside an element that holds only other
/// elements (the return, a section, the focal point): it is not read.
fn stray_text(node: &Node, problems: &mut Vec<Problem>) {
    let text = node.text.trim();
    if !text.is_empty() {
        problems.push(Problem::warning(
            "stray-text",
            node.source(),
            format!(
                "text {} inside <{}>, outside any answer or field: not read",
                crate::model::Quoted(text),
                node.name
            ),
        ));
    }
}

fn unknown(node: &Node, problems: &mut Vec<Problem>) {
    problems.push(Problem::warning(
        "unknown-element",
        node.source(),
        format!("unknown element <{}>, not read", node.name),
    ));
}

/// Keeps the first of an element that an answer holds once (its value, its
/// comment, a form field); another is not read, and says so.
fn once<'n>(slot: &mut Option<&'n Node>, n: &'n Node, problems: &mut Vec<Problem>) {
    let blank = |n: &Node| n.text.trim().is_empty();
    match slot {
        None => *slot = Some(n),
        // An empty element claims nothing: a filled one after it counts
        // (an empty form field, the same field filled in another group).
        Some(first) if blank(first) && !blank(n) => *slot = Some(n),
        Some(_) if blank(n) => {}
        Some(first) => problems.push(Problem::warning(
            "duplicate-element",
            n.source(),
            format!("<{}> given again, not read; the one at {} is", n.name, first.source().located()),
        )),
    }
}

/// The field of an element read as text: an element inside it (markup in
/// a comment, say) holds nothing that is read, and says so.
fn leaf(nodes: &[Node], node: &Node, problems: &mut Vec<Problem>) -> RawField {
    unread_attributes(node, &[], problems);
    leaf_of(nodes, node, problems)
}

/// [`leaf`] of an element whose attributes were looked at already.
fn leaf_of(nodes: &[Node], node: &Node, problems: &mut Vec<Problem>) -> RawField {
    for c in children(nodes, node) {
        problems.push(Problem::warning(
            "unknown-element",
            c.source(),
            format!("<{}> inside <{}>, not read (only the text of <{}> is)", c.name, node.name, node.name),
        ));
    }
    node.field()
}

fn children<'n>(nodes: &'n [Node], node: &'n Node) -> impl Iterator<Item = &'n Node> + 'n {
    std::iter::successors(node.first_child.map(|i| &nodes[i]), move |n| n.next_sibling.map(|i| &nodes[i]))
}

/// The indices of an element's children, first to last.
fn child_indices(nodes: &[Node], node: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(nodes[node].first_child, move |&i| nodes[i].next_sibling)
}

/// The native layout: `<return questionnaire=".." version=".." language="..">`.
fn native(nodes: &[Node]) -> RawReturn {
    let root = &nodes[0];
    let mut out = RawReturn::default();
    if root.ns.as_deref().is_some_and(|ns| ns != RETURN_NS) {
        out.problems.push(Problem::warning(
            "unknown-namespace",
            root.source(),
            format!(
                "the root element's namespace is {:?}, not {RETURN_NS:?}; read as a return",
                root.ns.as_deref().unwrap_or("")
            ),
        ));
    }
    for (key, attr) in [
        (CoverKey::Questionnaire, "questionnaire"),
        (CoverKey::Version, "version"),
        (CoverKey::Language, "language"),
    ] {
        if let Some(v) = root.attr(attr) {
            out.cover.push((
                key,
                RawField { value: RawValue::Text(v.trim().to_owned()), source: root.attr_source(attr) },
            ));
        }
    }
    unread_attributes(root, &["questionnaire", "version", "language"], &mut out.problems);
    stray_text(root, &mut out.problems);
    let below = answers_below(nodes);
    for ci in child_indices(nodes, 0) {
        let child = &nodes[ci];
        match child.name.as_str() {
            "state" => {
                unread_attributes(child, &["code"], &mut out.problems);
                let field = match child.attr("code").filter(|c| !c.trim().is_empty()) {
                    Some(code) => {
                        if out.state_name.is_none() && !child.text.trim().is_empty() {
                            out.state_name = Some(child.field());
                        }
                        RawField {
                            value: RawValue::Text(code.trim().to_owned()),
                            source: child.attr_source("code"),
                        }
                    }
                    None => leaf_of(nodes, child, &mut out.problems),
                };
                out.cover.push((CoverKey::State, field));
            }
            "submitted" => out.cover.push((CoverKey::Submitted, leaf(nodes, child, &mut out.problems))),
            "questionnaire" => {
                out.cover.push((CoverKey::Questionnaire, leaf(nodes, child, &mut out.problems)))
            }
            "version" => out.cover.push((CoverKey::Version, leaf(nodes, child, &mut out.problems))),
            "language" => out.cover.push((CoverKey::Language, leaf(nodes, child, &mut out.problems))),
            "focalPoint" => {
                unread_attributes(child, &[], &mut out.problems);
                stray_text(child, &mut out.problems);
                for f in children(nodes, child) {
                    let key = match f.name.as_str() {
                        "name" => CoverKey::FocalPointName,
                        "institution" => CoverKey::FocalPointInstitution,
                        "email" => CoverKey::FocalPointEmail,
                        "phone" => CoverKey::FocalPointPhone,
                        _ => {
                            unknown(f, &mut out.problems);
                            continue;
                        }
                    };
                    out.cover.push((key, leaf(nodes, f, &mut out.problems)));
                }
            }
            _ => native_answers(nodes, ci, &below, &mut out),
        }
    }
    out
}

/// Per element: whether it holds `<answer>` elements at any depth. The
/// elements are in document order, so each one's children come after it:
/// one pass from the last.
fn answers_below(nodes: &[Node]) -> Vec<bool> {
    let mut below = vec![false; nodes.len()];
    for i in (0..nodes.len()).rev() {
        let mut child = nodes[i].first_child;
        while let Some(c) = child {
            if nodes[c].name == "answer" || below.get(c).copied().unwrap_or(false) {
                below[i] = true;
                break;
            }
            child = nodes[c].next_sibling;
        }
    }
    below
}

/// An unknown element whose answers are read all the same.
fn wrapper(node: &Node, problems: &mut Vec<Problem>) {
    problems.push(Problem::warning(
        "unknown-element",
        node.source(),
        format!("unknown element <{}>; the answers inside it are read", node.name),
    ));
}

/// The answers an element of the return (other than a cover field) gives,
/// in document order: an `<answer>`, those of a `<section>` and of the
/// sections inside it (grouping is free to nest), and those of any other
/// element around answers (a warning names it); anything else is unknown.
fn native_answers(nodes: &[Node], item: usize, below: &[bool], out: &mut RawReturn) {
    let mut stack = vec![item];
    while let Some(i) = stack.pop() {
        let n = &nodes[i];
        let inner = |stack: &mut Vec<usize>| {
            let at = stack.len();
            stack.extend(child_indices(nodes, i));
            stack[at..].reverse();
        };
        match n.name.as_str() {
            "answer" => native_answer(nodes, n, out),
            "section" => {
                unread_attributes(n, &["id", "title", "name"], &mut out.problems);
                stray_text(n, &mut out.problems);
                inner(&mut stack);
            }
            _ if below[i] => {
                wrapper(n, &mut out.problems);
                inner(&mut stack);
            }
            _ => unknown(n, &mut out.problems),
        }
    }
}

fn native_answer(nodes: &[Node], a: &Node, out: &mut RawReturn) {
    let Some(question) = a.attr("question").map(str::trim).filter(|q| !q.is_empty()) else {
        out.problems.push(Problem::warning(
            "missing-question",
            a.source(),
            "an <answer> without a question attribute, not read",
        ));
        return;
    };
    unread_attributes(a, &["question"], &mut out.problems);
    let mut value: Option<&Node> = None;
    let mut assistance = Vec::new();
    let mut comment: Option<&Node> = None;
    for c in children(nodes, a) {
        match c.name.as_str() {
            "value" => once(&mut value, c, &mut out.problems),
            "assistance" => assistance.push(leaf(nodes, c, &mut out.problems)),
            "comment" => once(&mut comment, c, &mut out.problems),
            _ => unknown(c, &mut out.problems),
        }
    }
    if let Some(v) = value
        && !a.text.trim().is_empty()
    {
        out.problems.push(Problem::warning(
            "duplicate-element",
            a.source(),
            format!(
                "the answer is given both as text ({}) and as <value>; the <value> at {} is read",
                crate::model::Quoted(a.text.trim()),
                v.source().located()
            ),
        ));
    }
    // The answer is the `<answer>` element, whether its text or a `<value>`
    // inside it holds the value: `/return/answer[12]`, as SPEC 2 names it.
    let answer = value
        .map_or_else(|| a.field(), |v| RawField { source: a.source(), ..leaf(nodes, v, &mut out.problems) });
    let comment = comment.map(|c| leaf(nodes, c, &mut out.problems)).filter(|f| !f.value.is_blank());
    out.answers.push(RawAnswer {
        question: question.to_owned(),
        id_source: a.attr_source("question"),
        answer,
        assistance: assistance.into_iter().filter(|f| !f.value.is_blank()).collect(),
        marks: Vec::new(),
        unknown_marks: Vec::new(),
        comment,
    });
}

/// Metadata elements of ODK and Kobo instances that carry nothing to read.
const FORM_METADATA: [&str; 12] = [
    "__version__",
    "_version_",
    "formhub",
    "uuid",
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
];

/// The value, assistance and comment elements of one question in an online form.
type FieldNodes<'n> = (Option<&'n Node>, Option<&'n Node>, Option<&'n Node>);

/// An online-form submission: fields named after question ids at any depth.
fn online_form(nodes: &[Node]) -> RawReturn {
    let root = &nodes[0];
    let mut out = RawReturn::default();
    if let Some(id) = root.attr("id") {
        out.cover.push((
            CoverKey::Questionnaire,
            RawField { value: RawValue::Text(id.trim().to_owned()), source: root.attr_source("id") },
        ));
    }
    if let Some(v) = root.attr_any_ns("version") {
        out.cover.push((
            CoverKey::Version,
            RawField { value: RawValue::Text(v.trim().to_owned()), source: root.attr_source("version") },
        ));
    }
    // Per question, in document order of first sight: its id and its value,
    // assistance and comment elements; found by the field name's base (which
    // names one id: `UNTOC_5_1` is `UNTOC.5.1`).
    let mut fields: Vec<(String, FieldNodes<'_>)> = Vec::new();
    let mut by_base: crate::FastMap<&str, usize> = crate::FastMap::default();
    let mut stack: Vec<&Node> = children(nodes, root).collect();
    stack.reverse();
    while let Some(n) = stack.pop() {
        let name = n.name.as_str();
        if name == "meta" {
            for m in children(nodes, n) {
                match m.name.as_str() {
                    "instanceID" => {
                        out.instance_id = Some(m.text.trim().to_owned()).filter(|s| !s.is_empty())
                    }
                    "deprecatedID" => {
                        out.deprecated_id = Some(m.text.trim().to_owned()).filter(|s| !s.is_empty())
                    }
                    _ => {}
                }
            }
            continue;
        }
        if FORM_METADATA.contains(&name) {
            continue;
        }
        let cover = match name {
            "state" => Some(CoverKey::State),
            "submitted" => Some(CoverKey::Submitted),
            "language" => Some(CoverKey::Language),
            "focal_point_name" => Some(CoverKey::FocalPointName),
            "focal_point_institution" => Some(CoverKey::FocalPointInstitution),
            "focal_point_email" => Some(CoverKey::FocalPointEmail),
            "focal_point_phone" => Some(CoverKey::FocalPointPhone),
            _ => None,
        };
        if let Some(key) = cover {
            out.cover.push((key, n.field()));
            continue;
        }
        let (base, part) = if let Some(b) = name.strip_suffix("_assistance") {
            (b, 1)
        } else if let Some(b) = name.strip_suffix("_comment") {
            (b, 2)
        } else {
            (name, 0)
        };
        let known = by_base.get(base).copied();
        if let Some(i) = known.or_else(|| {
            let id = field_question_id(base)?;
            by_base.insert(base, fields.len());
            fields.push((id, (None, None, None)));
            Some(fields.len() - 1)
        }) {
            let entry = &mut fields[i].1;
            let slot = match part {
                0 => &mut entry.0,
                1 => &mut entry.1,
                _ => &mut entry.2,
            };
            once(slot, n, &mut out.problems);
            continue;
        }
        if n.first_child.is_none() {
            unknown(n, &mut out.problems);
        } else {
            // A group: its fields are read at any depth, in document order.
            let mut kids: Vec<&Node> = children(nodes, n).collect();
            kids.reverse();
            stack.extend(kids);
        }
    }
    for (id, (value, assistance, comment)) in fields {
        let anchor = value.or(assistance).or(comment);
        let Some(anchor) = anchor else { continue };
        let answer =
            value.map_or_else(|| RawField { value: RawValue::Empty, source: anchor.source() }, Node::field);
        let assistance = assistance
            .map(|a| {
                a.text
                    .split_whitespace()
                    .map(|code| RawField { value: RawValue::Text(code.to_owned()), source: a.source() })
                    .collect()
            })
            .unwrap_or_default();
        out.answers.push(RawAnswer {
            question: id,
            id_source: anchor.source(),
            answer,
            assistance,
            marks: Vec::new(),
            unknown_marks: Vec::new(),
            comment: comment.map(Node::field).filter(|f| !f.value.is_blank()),
        });
    }
    out
}

/// `UNTOC_5_1` -> `UNTOC.5.1` when the name has the shape of a question id.
fn field_question_id(name: &str) -> Option<String> {
    let (head, rest) = name.split_once('_')?;
    if head.is_empty() || !head.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    if rest.split('_').any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    Some(name.replace('_', "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn siblings_are_ranked_by_name_past_the_short_list() {
        let mut counts = SiblingCounts::default();
        let names: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        for round in 1..=3 {
            for n in &names {
                assert_eq!(counts.next(n), round, "{n}");
            }
        }
        // 20,000 distinct names under one parent parse, every path ranked.
        let doc = format!("<r>{}</r>", (0..20_000).map(|i| format!("<e{i}/>")).collect::<String>());
        let nodes = parse(&doc, &limits()).unwrap();
        assert_eq!(nodes.len(), 20_001);
        assert_eq!(nodes[20_000].path, "/r/e19999[1]");
    }

    #[test]
    fn element_paths_are_held_to_the_text_limit() {
        // A long root name is copied into every child's path.
        let root = "r".repeat(10_000);
        let doc = format!("<{root}>{}</{root}>", "<c/>".repeat(200));
        let limits = Limits { max_text_bytes: 1024 * 1024, ..Limits::default() };
        assert_eq!(parse(&doc, &limits).map(|_| ()).map_err(|r| r.reason), Err(Reason::TooLarge));
        assert!(parse(&doc, &Limits::default()).is_ok());
    }

    #[test]
    fn utf16_without_a_bom_is_told_from_its_first_markup() {
        let le = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
        let be = |s: &str| s.encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<u8>>();
        for text in ["<?xml version=\"1.0\"?><r/>", "<r/>", "\r\n  <r/>"] {
            assert_eq!(bare_utf16(&le(text)), Some(encoding_rs::UTF_16LE), "{text:?}");
            assert_eq!(bare_utf16(&be(text)), Some(encoding_rs::UTF_16BE), "{text:?}");
            let bytes = be(text);
            assert_eq!(decode(&bytes).unwrap(), text);
        }
        // ASCII, text before the markup, byte orders mixed, too short.
        let mut mixed = le(" ");
        mixed.extend(be("<r/>"));
        for bytes in [b"<r/>".to_vec(), le("x<r/>"), mixed, vec![0], Vec::new(), le(&" ".repeat(300))] {
            assert_eq!(bare_utf16(&bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn field_names_map_to_question_ids() {
        assert_eq!(field_question_id("UNTOC_5_1").as_deref(), Some("UNTOC.5.1"));
        assert_eq!(field_question_id("FIREARMS_13_2_TA").as_deref(), Some("FIREARMS.13.2.TA"));
        assert_eq!(field_question_id("focal_point_name"), None);
        assert_eq!(field_question_id("UNTOC"), None);
        assert_eq!(field_question_id("UNTOC__1"), None);
    }

    #[test]
    fn a_declaration_padded_past_a_line_keeps_its_encoding() {
        let padded = format!("<?xml version=\"1.0\"{} encoding=\"windows-1252\"?><a/>", " ".repeat(2000));
        assert_eq!(declared_encoding(padded.as_bytes()).as_deref(), Some("windows-1252"));
        let unknown =
            format!("<?xml version=\"1.0\"{} encoding=\"{}\"?><a/>", " ".repeat(600), "x".repeat(1000));
        assert_eq!(read(unknown.as_bytes(), &limits()).unwrap_err().reason, Reason::MalformedXml);
    }

    #[test]
    fn declared_encodings_are_found() {
        assert_eq!(
            declared_encoding(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding = 'ISO-8859-1' ?><a/>").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?><a/>"), None);
        assert_eq!(declared_encoding(b"<a/>"), None);
    }

    #[test]
    fn native_return_is_read_with_paths_and_lines() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\" version=\"1\" language=\"fr\">\n  <state code=\"FRA\">France</state>\n  <submitted>2026-02-14</submitted>\n  <section id=\"a\">\n    <answer question=\"UNTOC.5.1\">Partiellement</answer>\n  </section>\n  <section id=\"b\">\n    <answer question=\"UNTOC.5.TA\"><value>oui</value><assistance>training</assistance><assistance>Formation</assistance><comment>x &amp; y</comment></answer>\n  </section>\n  <extra/>\n</return>\n";
        let raw = read(xml.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.cover.len(), 5);
        assert_eq!(raw.answers.len(), 2);
        assert_eq!(raw.answers[0].answer.value, RawValue::Text("Partiellement".into()));
        assert_eq!(
            raw.answers[0].answer.source.located().to_string(),
            "/return/section[1]/answer[1] (line 6)"
        );
        assert_eq!(
            raw.answers[1].answer.source.located().to_string(),
            "/return/section[2]/answer[1] (line 9)"
        );
        assert_eq!(raw.answers[1].assistance.len(), 2);
        assert_eq!(raw.answers[1].comment.as_ref().unwrap().value, RawValue::Text("x & y".into()));
        assert_eq!(raw.problems.len(), 1);
        assert_eq!(raw.problems[0].code, "unknown-element");
    }

    #[test]
    fn utf32_is_read_by_its_bom_or_its_first_character() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-32\"?>\n<return xmlns=\"urn:art32:return:1\" questionnaire=\"TIP-2026\"><state code=\"ESP\">Espa\u{f1}a</state><answer question=\"TIP.5.1\">S\u{ed} \u{1F600}</answer></return>";
        let le: Vec<u8> = doc.chars().flat_map(|c| u32::from(c).to_le_bytes()).collect();
        let be: Vec<u8> = doc.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect();
        for bytes in
            [[&[0xFF, 0xFE, 0, 0][..], &le].concat(), [&[0, 0, 0xFE, 0xFF][..], &be].concat(), le.clone(), be]
        {
            let raw = read(&bytes, &limits()).unwrap();
            assert_eq!(raw.answers[0].answer.value, RawValue::Text("S\u{ed} \u{1F600}".into()));
            assert_eq!(raw.answers[0].answer.source.located().to_string(), "/return/answer[1] (line 2)");
        }
        let cut = read(&le[..le.len() - 1], &limits()).unwrap_err();
        assert_eq!(cut.reason, Reason::MalformedXml);
        let mut surrogate = le.clone();
        surrogate.extend(0xD800_u32.to_le_bytes());
        assert_eq!(read(&surrogate, &limits()).unwrap_err().reason, Reason::MalformedXml);
    }

    #[test]
    fn an_empty_element_claims_nothing_and_markup_inside_a_text_is_named() {
        let form = "<data id=\"TIP-2026\" version=\"1\"><g1><TIP_5_1/></g1><g2><TIP_5_1>yes</TIP_5_1></g2><g3><TIP_5_1></TIP_5_1></g3></data>";
        let raw = read(form.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.answers[0].answer.value, RawValue::Text("yes".into()));
        assert_eq!(raw.answers[0].answer.source.located().to_string(), "/data/g2[1]/TIP_5_1[1] (line 1)");
        assert!(raw.problems.is_empty(), "{:?}", raw.problems);
        let native = "<return xmlns=\"urn:art32:return:1\" questionnaire=\"TIP-2026\"><answer question=\"TIP.5.TA\"><value/><value>yes</value><comment>see <b>annex</b> 3</comment></answer></return>";
        let raw = read(native.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.answers[0].answer.value, RawValue::Text("yes".into()));
        let codes: Vec<(&str, String)> =
            raw.problems.iter().map(|p| (p.code, p.source.located().to_string())).collect();
        assert_eq!(codes, [("unknown-element", "/return/answer[1]/comment[1]/b[1] (line 1)".to_owned())]);
    }

    #[test]
    fn the_first_control_character_is_found_in_any_word_position() {
        for len in 0..40 {
            for at in 0..len {
                for c in [0_u8, 1, 8, 11, 12, 14, 31] {
                    let mut bytes = vec![b'a'; len];
                    // Tabs and line ends around it are allowed.
                    if at > 0 {
                        bytes[at - 1] = b'\n';
                    }
                    bytes[at] = c;
                    assert_eq!(first_control(&bytes), Some(at), "{len} {at} {c}");
                }
            }
            let allowed: Vec<u8> = (0..len).map(|i| [b'\t', b'\n', b'\r', b' ', 0x7F, 0xC3][i % 6]).collect();
            assert_eq!(first_control(&allowed), None, "{len}");
        }
    }

    #[test]
    fn cr_line_ends_count_lines_as_lf_does() {
        let lf = "<?xml version=\"1.0\"?>\n<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\">\n  <state code=\"FRA\"/>\n  <answer question=\"UNTOC.5.1\">Oui\nmais</answer>\n</return>\n";
        for text in [lf.to_owned(), lf.replace('\n', "\r"), lf.replace('\n', "\r\n")] {
            let raw = read(text.as_bytes(), &limits()).unwrap();
            assert_eq!(
                raw.answers[0].answer.source.located().to_string(),
                "/return/answer[1] (line 4)",
                "{text:?}"
            );
            assert_eq!(raw.answers[0].answer.value, RawValue::Text("Oui\nmais".into()), "{text:?}");
        }
    }

    #[test]
    fn characters_xml_does_not_allow_are_refused_raw_or_referenced() {
        let doc = |answer: &str| {
            format!(
                "<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\">\n<answer question=\"UNTOC.5.1\">{answer}</answer></return>"
            )
        };
        for answer in ["a\u{0}b", "a\u{1}b", "a\u{1F}", "\u{FFFE}", "\u{FFFF}", "&#1;", "&#x0;", "&#xFFFE;"] {
            let err = read(doc(answer).as_bytes(), &limits()).unwrap_err();
            assert_eq!(err.reason, Reason::MalformedXml, "{answer:?}");
            assert!(err.message.contains("line 2"), "{answer:?}: {}", err.message);
        }
        let attr = "<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC&#2;\"/>";
        assert_eq!(read(attr.as_bytes(), &limits()).unwrap_err().reason, Reason::MalformedXml);
        // Tab, line ends and every other character are text.
        for answer in ["a\tb", "&#9;&#10;&#13;x", "\u{85}\u{2028}\u{FFFD}\u{10FFFF}", "&#x10FFFF;"] {
            assert!(read(doc(answer).as_bytes(), &limits()).is_ok(), "{answer:?}");
        }
    }

    #[test]
    fn a_flood_of_namespace_declarations_is_too_large_where_it_begins() {
        // Under 64 attributes per element, but 40 declarations on each of
        // five nested elements: over quick-xml's 128 in scope.
        let mut xml = String::from("<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\">\n");
        for level in 0..5 {
            let decls: String =
                (0..40).map(|i| format!(" xmlns:p{level}x{i}=\"urn:x:{level}:{i}\"")).collect();
            xml.push_str(&format!("<section{decls}>\n"));
        }
        let err = read(xml.as_bytes(), &limits()).unwrap_err();
        assert_eq!(err.reason, Reason::TooLarge, "{}", err.message);
        assert!(
            err.message.contains("namespace declarations") && err.message.contains("line 5,"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("NamespaceResolver"), "{}", err.message);
    }

    #[test]
    fn a_native_root_with_an_id_beside_its_questionnaire_is_native() {
        let xml = "<return xmlns=\"urn:art32:return:1\" questionnaire=\"UNTOC-2026\" id=\"SOM-2026\"><answer question=\"UNTOC.5.1\">Oui</answer></return>";
        let raw = read(xml.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.answers.len(), 1);
        assert!(
            raw.problems.iter().any(|p| p.code == "unknown-attribute" && p.message.contains("id")),
            "{:?}",
            raw.problems
        );
        let q = raw.cover.iter().find(|(k, _)| *k == crate::model::CoverKey::Questionnaire).unwrap();
        assert_eq!(q.1.value, RawValue::Text("UNTOC-2026".into()));
    }

    #[test]
    fn prefixed_namespaces_and_cdata_are_read() {
        let xml = "<r:return xmlns:r=\"urn:art32:return:1\" questionnaire=\"TIP-2026\"><r:answer question=\"TIP.5.1\"><![CDATA[Yes]]></r:answer></r:return>";
        let raw = read(xml.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.answers[0].answer.value, RawValue::Text("Yes".into()));
    }

    #[test]
    fn doctype_and_custom_entities_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><return>&lol;</return>";
        assert_eq!(read(bomb.as_bytes(), &limits()).unwrap_err().reason, Reason::DoctypeForbidden);
        let undefined = "<return questionnaire=\"X\">&lol;</return>";
        assert_eq!(read(undefined.as_bytes(), &limits()).unwrap_err().reason, Reason::MalformedXml);
    }

    #[test]
    fn limits_are_enforced() {
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(read(deep.as_bytes(), &limits()).unwrap_err().reason, Reason::TooDeep);
        let small = Limits { max_xml_text: 10, ..Limits::default() };
        let long = "<return><answer question=\"A.1\">0123456789ABC</answer></return>";
        assert_eq!(read(long.as_bytes(), &small).unwrap_err().reason, Reason::TextTooLong);
    }

    #[test]
    fn encodings_are_decoded() {
        let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
        utf16.extend(
            "<return questionnaire=\"X\"><state code=\"FRA\">République</state></return>"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let raw = read(&utf16, &limits()).unwrap();
        assert_eq!(raw.cover.len(), 2);
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><return questionnaire=\"X\"><submitted>R\xe9publique</submitted></return>";
        let raw = read(latin1, &limits()).unwrap();
        assert_eq!(raw.cover[1].1.value, RawValue::Text("République".into()));
        let bad = b"<return>\n<a>\xff</a></return>";
        let err = read(bad, &limits()).unwrap_err();
        assert_eq!(err.reason, Reason::MalformedXml);
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn malformed_markup_names_line_and_column() {
        let err = read(b"<return>\n  <a></b>\n</return>", &limits()).unwrap_err();
        assert_eq!(err.reason, Reason::MalformedXml);
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn online_form_instances_are_read() {
        let xml = r#"<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="UNTOC-2026" orx:version="1">
  <state>FRA</state>
  <grp_crim><UNTOC_5_1>partial</UNTOC_5_1><UNTOC_5_TA>yes</UNTOC_5_TA><UNTOC_5_TA_assistance>training legal-advice</UNTOC_5_TA_assistance><UNTOC_5_TA_comment>note</UNTOC_5_TA_comment></grp_crim>
  <__version__>vX</__version__>
  <meta><instanceID>uuid:2</instanceID><deprecatedID>uuid:1</deprecatedID></meta>
</data>"#;
        let raw = read(xml.as_bytes(), &limits()).unwrap();
        assert_eq!(raw.instance_id.as_deref(), Some("uuid:2"));
        assert_eq!(raw.deprecated_id.as_deref(), Some("uuid:1"));
        assert_eq!(raw.answers.len(), 2);
        assert_eq!(raw.answers[1].question, "UNTOC.5.TA");
        assert_eq!(raw.answers[1].assistance.len(), 2);
        assert!(raw.problems.is_empty(), "{:?}", raw.problems);
        let enc =
            r#"<data id="UNTOC-2026" encrypted="yes"><base64EncryptedKey>x</base64EncryptedKey></data>"#;
        assert_eq!(read(enc.as_bytes(), &limits()).unwrap_err().reason, Reason::Encrypted);
    }
}
