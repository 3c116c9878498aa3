//! Numbers and dates as people type them.

use std::borrow::Cow;

use crate::model::{Date, Lang, Quoted, RawValue};

/// Full-width forms of ASCII (`１７`, `２０２６－０３－０１`, typed with an East
/// Asian input method) and the ideographic space, as their ASCII
/// characters: what NFKC makes of them (SPEC 3.4), done here alone since
/// the rest of NFKC would change nothing a number or a date may hold. And
/// the digits of Arabic script (`١٧`, Persian `۱۷`) with its decimal and
/// thousands separators, as Arabic returns may type them.
fn narrow(t: &str) -> Cow<'_, str> {
    if t.is_ascii() {
        return Cow::Borrowed(t);
    }
    t.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + u32::from(b'0')).unwrap_or(c),
            '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + u32::from(b'0')).unwrap_or(c),
            '\u{066B}' => '.',
            '\u{066C}' => ',',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// A date from a date cell, an ISO 8601 string (`2026-02-14`, or `20260214`,
/// optionally with a time), or day-first `dd/mm/yyyy` / `dd.mm.yyyy`.
pub fn date(value: &RawValue) -> Result<Date, String> {
    match value {
        RawValue::Date(d) => Ok(*d),
        RawValue::Text(t) => date_text(narrow(t).trim()).ok_or_else(|| {
            format!("{} is not a date (expected YYYY-MM-DD, dd/mm/yyyy or dd.mm.yyyy)", Quoted(t.trim()))
        }),
        RawValue::Int(_) | RawValue::Float(_) => {
            Err(format!("{value} is a number, not a date (format the cell as a date or type YYYY-MM-DD)"))
        }
        RawValue::Bool(_) => Err(format!("{value} is not a date")),
        RawValue::Error(e) => Err(format!("the cell holds the error {e}")),
        RawValue::Empty => Err("empty".into()),
    }
}

/// The text after an ISO date that is not a time of day (`2026-03-01
/// (revised)`): [`date`] reads the date and leaves that text, which a
/// submission date reports as not read.
pub fn date_note(value: &RawValue) -> Option<&str> {
    let RawValue::Text(t) = value else { return None };
    let t = t.trim();
    let rest = t.get(10..).filter(|_| t.get(..10).and_then(Date::parse_iso).is_some())?;
    let after = rest.strip_prefix([' ', 'T'])?.trim();
    // A time: digits and separators, then perhaps AM/PM and a zone by name
    // (`10:00:00 UTC`, `10:00 AM`, `09:30 CET+1`), as exports write them.
    let clock = after.bytes().take_while(|b| b.is_ascii_digit() || b":.,+-Z ".contains(b)).count();
    let zone_word = |w: &str| {
        let letters = w.bytes().take_while(u8::is_ascii_uppercase).count();
        w.eq_ignore_ascii_case("am")
            || w.eq_ignore_ascii_case("pm")
            || ((1..=5).contains(&letters)
                && w[letters..].strip_prefix(['+', '-']).map_or(letters == w.len(), |o| {
                    !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit() || b == b':')
                }))
    };
    let time =
        after.starts_with(|c: char| c.is_ascii_digit()) && after[clock..].split_whitespace().all(zone_word);
    (!after.is_empty() && !time).then_some(after)
}

/// A time zone after a date, as XML Schema's `xs:date` writes it
/// (`2026-06-30Z`, `2026-06-30+02:00`): the date is the date.
fn is_zone(rest: &str) -> bool {
    let b = rest.as_bytes();
    rest == "Z"
        || (b.len() == 6
            && matches!(b[0], b'+' | b'-')
            && b[1].is_ascii_digit()
            && b[2].is_ascii_digit()
            && b[3] == b':'
            && b[4].is_ascii_digit()
            && b[5].is_ascii_digit())
}

fn date_text(t: &str) -> Option<Date> {
    if let Some(d) = t.get(..10).and_then(Date::parse_iso) {
        let rest = &t[10..];
        if rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ') || is_zone(rest) {
            return Some(d);
        }
        return None;
    }
    // ISO 8601's basic format: `20260214`, optionally with a time.
    if let Some(ymd) = t.get(..8).filter(|d| d.bytes().all(|b| b.is_ascii_digit())) {
        let rest = &t[8..];
        if rest.is_empty() || rest.starts_with('T') {
            return Date::new(ymd[..4].parse().ok()?, ymd[4..6].parse().ok()?, ymd[6..].parse().ok()?);
        }
    }
    let sep = if t.contains('/') { '/' } else { '.' };
    let mut parts = t.split(sep);
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(d) && digits(m) && digits(y)) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A number from a numeric cell or from text with the separators people use
/// (`1 234,5`, `1,234.5`, `1'234`); a single comma followed by three digits
/// is a decimal comma in French, Spanish and Russian returns and a thousands
/// separator otherwise.
pub fn number(value: &RawValue, lang: Option<Lang>) -> Result<f64, String> {
    match value {
        RawValue::Int(i) => Ok(*i as f64),
        RawValue::Float(f) if f.is_finite() => Ok(*f),
        RawValue::Text(t) => {
            number_text(narrow(t).trim(), lang).ok_or_else(|| format!("{} is not a number", Quoted(t.trim())))
        }
        RawValue::Error(e) => Err(format!("the cell holds the error {e}")),
        other => Err(format!("{other} is not a number")),
    }
}

fn number_text(t: &str, lang: Option<Lang>) -> Option<f64> {
    let cleaned: String =
        t.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’')).collect();
    let (sign, body) = match cleaned.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit() || b == b',' || b == b'.') {
        return None;
    }
    let commas = body.matches(',').count();
    let dots = body.matches('.').count();
    let normalized = match (commas, dots) {
        (0, 0 | 1) => body.to_owned(),
        (0, _) => grouped(body, '.')?,
        (_, 0) if commas > 1 => grouped(body, ',')?,
        (1, 0) => {
            let after = body.len() - body.find(',')? - 1;
            let decimal_comma = matches!(lang, Some(Lang::Fr | Lang::Es | Lang::Ru));
            if after != 3 || decimal_comma { body.replace(',', ".") } else { body.replace(',', "") }
        }
        _ => {
            // Both: the last one is the decimal separator.
            let last_comma = body.rfind(',')?;
            let last_dot = body.rfind('.')?;
            if last_comma > last_dot {
                if dots > 0 && commas > 1 {
                    return None;
                }
                body.replace('.', "").replace(',', ".")
            } else {
                if commas > 0 && dots > 1 {
                    return None;
                }
                body.replace(',', "")
            }
        }
    };
    if normalized.starts_with('.') || normalized.ends_with('.') {
        return None;
    }
    format!("{sign}{normalized}").parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `1.234.567` with `.` as thousands separator: every group after the first has three digits.
fn grouped(body: &str, sep: char) -> Option<String> {
    let mut groups = body.split(sep);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 {
            return None;
        }
        out.push_str(g);
    }
    Some(out)
}

/// A number written back: whole numbers without a fraction, others in the shortest form.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> RawValue {
        RawValue::Text(s.into())
    }

    #[test]
    fn text_after_a_date_that_is_no_time_is_its_note() {
        assert_eq!(date_note(&t("2026-03-01 (revised 4 March)")), Some("(revised 4 March)"));
        assert_eq!(date_note(&t("2026-03-01 final")), Some("final"));
        assert_eq!(date_note(&t("2026-03-01 10:00 (draft)")), Some("10:00 (draft)"));
        assert_eq!(date_note(&t("2026-03-01 10:00 final UTC")), Some("10:00 final UTC"));
        for plain in [
            "2026-03-01",
            "2026-03-01 10:30",
            "2026-03-01T10:30:00.5+02:00",
            "2026-03-01 10:30:00 Z",
            "2026-03-01T10:00:00 UTC",
            "2026-03-01 10:00:00 GMT+2",
            "2026-03-01 10:00 AM",
            "2026-03-01 10:00 pm CET",
            "01/03/2026",
        ] {
            assert_eq!(date_note(&t(plain)), None, "{plain}");
        }
        assert_eq!(date_note(&RawValue::Int(46082)), None);
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let ok = [
            ("2026-02-14", "2026-02-14"),
            ("2026-02-14T10:30:00", "2026-02-14"),
            ("14/02/2026", "2026-02-14"),
            ("14.02.2026", "2026-02-14"),
            ("4/2/2026", "2026-02-04"),
            (" 29/02/2024 ", "2024-02-29"),
            // Full-width, as an East Asian input method types them.
            ("２０２６－０３－０１", "2026-03-01"),
            // ISO 8601's basic format.
            ("20260214", "2026-02-14"),
            ("20260214T103000Z", "2026-02-14"),
            ("\u{3000}０１／０３／２０２６", "2026-03-01"),
        ];
        for (input, want) in ok {
            assert_eq!(date(&t(input)).map(|d| d.to_string()), Ok(want.to_string()), "{input}");
        }
        for bad in [
            "31/02/2026",
            "2026-13-01",
            "02/14/26",
            "14-02-2026",
            "tomorrow",
            "2026-02-14x",
            "1/1/1/2026",
            "20261301",
            "202602141",
            "2026021",
        ] {
            assert!(date(&t(bad)).is_err(), "{bad}");
        }
        assert!(date(&RawValue::Float(46067.0)).is_err());
        assert!(date(&RawValue::Error("#N/A".into())).is_err());
    }

    #[test]
    fn full_width_and_arabic_script_digits_are_numbers() {
        assert_eq!(number(&t("１７"), None), Ok(17.0));
        assert_eq!(number(&t("－１，２３４．５"), Some(Lang::Zh)), Ok(-1234.5));
        assert_eq!(number(&t("１ ２３４"), None), Ok(1234.0));
        // Arabic-script digits and separators.
        assert_eq!(number(&t("١٧"), Some(Lang::Ar)), Ok(17.0));
        assert_eq!(number(&t("١٬٢٣٤٫٥"), Some(Lang::Ar)), Ok(1234.5));
        assert_eq!(number(&t("۱۷"), None), Ok(17.0));
        assert_eq!(date(&t("١٤/٠٢/٢٠٢٦")).map(|d| d.to_string()), Ok("2026-02-14".to_string()));
        // Other scripts' digits stay text.
        assert!(number(&t("१७"), None).is_err());
    }

    #[test]
    fn numbers_with_local_separators() {
        let cases = [
            ("42", None, Some(42.0)),
            ("-5", None, Some(-5.0)),
            ("+3", None, Some(3.0)),
            ("1 234", None, Some(1234.0)),
            ("1,234", Some(Lang::En), Some(1234.0)),
            ("1,234", Some(Lang::Fr), Some(1.234)),
            ("1,5", Some(Lang::En), Some(1.5)),
            ("1.234.567", None, Some(1_234_567.0)),
            ("1,234,567", None, Some(1_234_567.0)),
            ("1.234,5", None, Some(1234.5)),
            ("1,234.5", None, Some(1234.5)),
            ("1'234", None, Some(1234.0)),
            ("12 cases", None, None),
            ("1..2", None, None),
            ("", None, None),
            ("-", None, None),
            ("1.2.3,4,5", None, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(number(&t(input), lang).ok(), want, "{input} {lang:?}");
        }
        assert_eq!(number(&RawValue::Int(7), None), Ok(7.0));
        assert!(number(&RawValue::Bool(true), None).is_err());
    }

    #[test]
    fn numbers_format_back_plainly() {
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(-5.0), "-5");
        assert_eq!(format_number(1.25), "1.25");
    }
}
