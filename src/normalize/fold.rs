//! Folding text for matching (SPEC 3.4): trimmed, NFKC, case-folded, Latin
//! diacritics ignored, Arabic harakat and tatweel ignored, surrounding
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

/// Folds `s` for matching. The result is empty for blank or punctuation-only text.
pub fn fold(s: &str) -> String {
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
        if is_arabic_ignorable(c) || c == '\u{200B}' || c == '\u{FEFF}' {
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
    fn cjk_is_unchanged_but_for_width() {
        assert_eq!(fold("是"), "是");
        assert_eq!(fold("不适用。"), "不适用");
        assert_eq!(fold("（是）"), "是");
    }
}
