//! Folding text for matching (SPEC 3.4): trimmed, NFKC, case-folded, Latin
//! diacritics ignored, Arabic harakat and tatweel ignored, invisible format
//! characters (bidirectional marks, zero-width spaces) ignored, surrounding
//! punctuation ignored. Cyrillic and CJK change only in case and width.
//!
//! Folding is used on both sides of every comparison (vocabulary entries and
//! input text), so the two always agree.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Whether a character is a Latin letter that may carry diacritics.
fn is_latin(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF)
}

/// Arabic harakat (short vowels, shadda, sukun, ...), superscript alef and tatweel.
fn is_arabic_ignorable(c: char) -> bool {
    matches!(c as u32, 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0640)
}

/// Invisible format characters that word processors and spreadsheet
/// programs put into text, right-to-left text above all: the bidirectional
/// marks, embeddings and isolates (`\u{200F}نعم\u{200F}`), zero-width
/// spaces and joiners, the word joiner, the soft hyphen and the byte order
/// mark. They change nothing a reader sees.
fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD | 0x061C | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF
    )
}

/// An identifier as NFKC reads it, without invisible format characters,
/// trimmed: `\u{200F}ＴＩＰ．５．１\u{200F}`, typed in an Arabic sheet with an
/// East Asian input method, is `TIP.5.1`. Case is left as it is.
pub fn nfkc_visible(s: &str) -> String {
    let n: String = s.nfkc().filter(|c| !is_invisible(*c)).collect();
    let t = n.trim();
    if t.len() == n.len() { n } else { t.to_owned() }
}

/// Punctuation stripped from both ends of a folded string.
fn is_edge_punctuation(c: char) -> bool {
    (c.is_ascii_punctuation() && c != '#')
        || matches!(
            c,
            '¿' | '¡'
                | '«'
                | '»'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '„'
                | '…'
                | '。'
                | '、'
                | '،'
                | '؛'
                | '؟'
                | '・'
                | '·'
                | '–'
                | '—'
        )
}

/// Folds `s` for matching. The result is empty for blank or punctuation-only
/// text, and folding it again changes nothing.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return fold_ascii(s);
    }
    if s.len() > MEMO_MAX_TEXT {
        return fold_unicode(s);
    }
    // Answers, labels and tokens recur from file to file: each worker
    // remembers what it folded (a pure function, so the outputs cannot
    // depend on which worker folded what).
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(hit) = memo.get(s) {
            return hit.clone();
        }
        let out = fold_unicode(s);
        if memo.len() >= MEMO_MAX_ENTRIES {
            memo.clear();
        }
        memo.insert(s.into(), out.clone());
        out
    })
}

/// Texts longer than this are folded every time (few recur).
const MEMO_MAX_TEXT: usize = 256;
/// Most texts each worker remembers (at most about 5 MB).
const MEMO_MAX_ENTRIES: usize = 8192;

thread_local! {
    static MEMO: std::cell::RefCell<crate::FastMap<Box<str>, String>> =
        std::cell::RefCell::new(crate::FastMap::default());
}

fn fold_unicode(s: &str) -> String {
    // One pass can leave text that another pass changes: NFKC makes a new
    // apostrophe of a full-width one, and a dropped Arabic mark lets the
    // marks around it reorder. A few passes reach the fixed point.
    let mut out = fold_once(s);
    for _ in 0..3 {
        let again = fold_once(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// [`fold`] of ASCII text, which NFKC leaves alone and which has no marks:
/// lower case, runs of white space made one space, a backtick made an
/// apostrophe, punctuation but `#` trimmed from both ends. One pass is the
/// fixed point. (Most cells looked up are ASCII: ids, codes, marks.)
fn fold_ascii(s: &str) -> String {
    // The same steps as for any text, on bytes: collapse whitespace (the
    // ASCII characters `char::is_whitespace` accepts), lower-case, `` ` `` as
    // an apostrophe, then trim edge punctuation and whitespace.
    let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut pending_space = false;
    for &b in s.as_bytes() {
        if is_space(b) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(if b == b'`' { b'\'' } else { b.to_ascii_lowercase() });
    }
    let edge = |b: &u8| (b.is_ascii_punctuation() && *b != b'#') || is_space(*b);
    let end = out.iter().rposition(|b| !edge(b)).map_or(0, |i| i + 1);
    out.truncate(end);
    let start = out.iter().position(|b| !edge(b)).unwrap_or(out.len());
    out.drain(..start);
    // Only ASCII bytes were pushed.
    String::from_utf8(out).unwrap_or_default()
}

fn fold_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_latin = false;
    let mut pending_space = false;
    // Apostrophe look-alikes first: NFKC would turn U+00B4 into a space and a combining accent.
    let apostrophes = s.chars().map(|c| if matches!(c, '’' | '‘' | 'ʼ' | '`' | '´') { '\'' } else { c });
    for c in apostrophes.nfkc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            prev_latin = false;
            continue;
        }
        if is_arabic_ignorable(c) || is_invisible(c) {
            continue;
        }
        if is_combining_mark(c) {
            if prev_latin {
                continue;
            }
            push(&mut out, &mut pending_space, c);
            continue;
        }
        if is_latin(c) {
            let mut base = Vec::with_capacity(2);
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    base.push(d);
                }
            });
            for b in base {
                push(&mut out, &mut pending_space, b);
            }
            prev_latin = true;
            continue;
        }
        prev_latin = c.is_ascii_alphabetic();
        push(&mut out, &mut pending_space, c);
    }
    trim_punctuation(out)
}

fn push(out: &mut String, pending_space: &mut bool, c: char) {
    if *pending_space {
        out.push(' ');
        *pending_space = false;
    }
    out.extend(c.to_lowercase());
}

fn trim_punctuation(s: String) -> String {
    let trimmed = s.trim_matches(|c: char| is_edge_punctuation(c) || c.is_whitespace());
    if trimmed.len() == s.len() { s } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_case_width_and_latin_diacritics() {
        let cases = [
            ("  Sí ", "si"),
            ("SI", "si"),
            ("Réponse", "reponse"),
            ("ÉTAT", "etat"),
            ("Oui ", "oui"),
            ("ＹＥＳ", "yes"),
            ("Yes.", "yes"),
            ("¿Sí?", "si"),
            ("«Oui»", "oui"),
            ("Yes,  in   part", "yes, in part"),
            ("N/A", "n/a"),
            ("Date d’envoi", "date d'envoi"),
            ("n.a.", "n.a"),
            ("#N/A", "#n/a"),
            ("-", ""),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "fold({input:?})");
        }
    }

    #[test]
    fn keeps_cyrillic_letters_apart_but_folds_case() {
        assert_eq!(fold("Да"), "да");
        assert_eq!(fold("ЧАСТИЧНО"), "частично");
        // й must not become и: Cyrillic keeps its marks.
        assert_eq!(fold("Й"), "й");
        assert_ne!(fold("й"), fold("и"));
    }

    #[test]
    fn ignores_arabic_harakat_and_tatweel() {
        assert_eq!(fold("نَعَم"), fold("نعم"));
        assert_eq!(fold("جزئيًا"), fold("جزئيا"));
        assert_eq!(fold("نعـــم"), fold("نعم"));
    }

    #[test]
    fn ignores_bidirectional_marks_and_other_invisible_characters() {
        assert_eq!(fold("\u{200F}نعم\u{200F}"), fold("نعم"));
        assert_eq!(fold("\u{2067}نعم\u{2069}"), fold("نعم"));
        assert_eq!(fold("\u{061C}جزئيا\u{200E}"), fold("جزئيا"));
        assert_eq!(fold("Oui\u{2060}"), "oui");
        assert_eq!(fold("for\u{00AD}ma\u{200D}tion"), "formation");
        assert_eq!(fold("\u{202B}\u{200C}"), "");
    }

    #[test]
    fn identifiers_lose_invisible_characters_and_width_but_keep_case() {
        assert_eq!(super::nfkc_visible("\u{200F}ＴＩＰ．５．１\u{200F}"), "TIP.5.1");
        assert_eq!(super::nfkc_visible(" \u{2068}Tip.5.1\u{2069} "), "Tip.5.1");
    }

    #[test]
    fn cjk_is_unchanged_but_for_width() {
        assert_eq!(fold("是"), "是");
        assert_eq!(fold("不适用。"), "不适用");
        assert_eq!(fold("（是）"), "是");
    }
}

#[cfg(test)]
mod ascii_fast_path {
    use super::*;

    /// The ASCII path gives what the general path gives, on every kind of
    /// ASCII character in every position (a deterministic pseudo-random sweep).
    #[test]
    fn agrees_with_the_general_path() {
        let alphabet: Vec<char> = (0u8..128).map(char::from).collect();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 12) as usize;
            let s: String = (0..len).map(|k| alphabet[((x >> (k * 5)) % 128) as usize]).collect();
            let mut general = fold_once(&s);
            loop {
                let again = fold_once(&general);
                if again == general {
                    break;
                }
                general = again;
            }
            assert_eq!(fold_ascii(&s), general, "{s:?}");
        }
        for s in ["  Yes,  in   part ", "`quoted`", "N/A", "#N/A", "-", "a\u{b}b", "UNTOC.5.TA", "x"] {
            let mut general = fold_once(s);
            general = fold_once(&general);
            assert_eq!(fold_ascii(s), general, "{s:?}");
        }
    }
}
