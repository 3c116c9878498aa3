//! `art32 template QUESTIONNAIRE --xml --lang L`: a blank native XML return
//! (SPEC 5) with every question as an empty `<answer>` element, grouped by
//! section, and the question texts, kinds and accepted tokens as comments.

use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{falls_back, text_in};
use crate::ingest::xml::RETURN_NS;
use crate::model::{Lang, Token};
use crate::schema::{Kind, Questionnaire, Vocabulary};

/// Text safe inside an XML comment (no `--`, no trailing `-`).
fn comment_text(s: &str) -> String {
    let mut t = s.to_owned();
    while t.contains("--") {
        t = t.replace("--", "- -");
    }
    if t.ends_with('-') {
        t.push(' ');
    }
    format!(" {t} ")
}

fn comment<W: Write>(w: &mut Writer<W>, s: &str) -> io::Result<()> {
    w.write_event(Event::Comment(BytesText::from_escaped(comment_text(s))))
}

/// What may be typed as the answer to a question of this kind, in `lang`.
fn accepted(kind: Kind, q_choices: &[String], vocab: &Vocabulary, lang: Lang) -> String {
    let tokens =
        |ts: &[Token]| ts.iter().map(|t| vocab.answer.label(t.code(), lang)).collect::<Vec<_>>().join(" | ");
    match kind {
        Kind::YesNo => tokens(&[Token::Yes, Token::No, Token::NotApplicable]),
        Kind::YesNoPartial => tokens(&[Token::Yes, Token::No, Token::Partial, Token::NotApplicable]),
        Kind::Need => tokens(&[Token::Yes, Token::No, Token::NotApplicable]),
        Kind::Text => "text".into(),
        Kind::Number => "a number".into(),
        Kind::Date => "a date, YYYY-MM-DD".into(),
        Kind::Choice => format!("one of: {}", q_choices.join(", ")),
        Kind::MultiChoice => format!("one or more of, separated by ';': {}", q_choices.join(", ")),
    }
}

/// Writes the blank return.
pub fn write(q: &Questionnaire, vocab: &Vocabulary, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let mut w = Writer::new_with_indent(out, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let (title, _) = text_in(&q.title, lang);
    comment(&mut w, &format!("{} (version {}): {title}", q.id, q.version))?;
    if falls_back(q, lang) {
        comment(
            &mut w,
            &format!("Some texts are not available in {:?} and are given in English.", lang.code()),
        )?;
    }
    comment(
        &mut w,
        "Fill in <state code=\"ISO3\">, <submitted> (YYYY-MM-DD), the focal point, and each <answer>. \
         For a need question, put the answer in <value> and one <assistance> element per type of assistance (code or label).",
    )?;
    let version = q.version.to_string();
    let mut root = BytesStart::new("return");
    root.push_attribute(("xmlns", RETURN_NS));
    root.push_attribute(("questionnaire", q.id.as_str()));
    root.push_attribute(("version", version.as_str()));
    root.push_attribute(("language", lang.code()));
    w.write_event(Event::Start(root))?;
    let mut state = BytesStart::new("state");
    state.push_attribute(("code", ""));
    w.write_event(Event::Empty(state))?;
    w.write_event(Event::Empty(BytesStart::new("submitted")))?;
    w.create_element("focalPoint").write_inner_content(|w| {
        for f in ["name", "institution", "email", "phone"] {
            w.write_event(Event::Empty(BytesStart::new(f)))?;
        }
        Ok(())
    })?;
    let assistance_codes = crate::schema::ASSISTANCE_TYPES.join(", ");
    for section in &q.sections {
        let mut s = BytesStart::new("section");
        s.push_attribute(("id", section.id.as_str()));
        w.write_event(Event::Start(s))?;
        comment(&mut w, text_in(&section.title, lang).0)?;
        for question in q.questions.iter().filter(|x| x.section == section.id) {
            let (text, _) = text_in(&question.text, lang);
            comment(
                &mut w,
                &format!(
                    "{} ({}, {}; article {}): {text} [{}]",
                    question.id,
                    question.kind.code(),
                    if question.required { "required" } else { "optional" },
                    question.article,
                    accepted(question.kind, &question.choices, vocab, lang)
                ),
            )?;
            let mut a = BytesStart::new("answer");
            a.push_attribute(("question", question.id.as_str()));
            if question.kind == Kind::Need {
                comment(&mut w, &format!("assistance types: {assistance_codes}"))?;
                w.write_event(Event::Start(a))?;
                for e in ["value", "assistance", "comment"] {
                    w.write_event(Event::Empty(BytesStart::new(e)))?;
                }
                w.write_event(Event::End(BytesEnd::new("answer")))?;
            } else {
                w.write_event(Event::Empty(a))?;
            }
        }
        w.write_event(Event::End(BytesEnd::new("section")))?;
    }
    w.write_event(Event::End(BytesEnd::new("return")))?;
    w.into_inner().write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_never_hold_a_double_hyphen() {
        assert_eq!(comment_text("a -- b-"), " a - - b-  ");
        assert!(!comment_text("x---y").contains("--"));
    }
}
