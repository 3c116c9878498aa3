//! SPEC 8: `art32 check FILE...` prints compiler-style diagnostics, and
//! `art32 schema check` names the file and line of every schema problem.

// Helpers of an integration test crate fail the test by panicking, as the
// `#[test]` functions do (clippy.toml allows that only inside `#[test]`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

#[test]
fn check_prints_the_summary_of_a_valid_return_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fra.xlsx");
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .write(&path);
    let out = check(&[&path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let p = path.display();
    let n = full_answers("UNTOC-2026", &[]).len();
    let want = format!(
        "{p}: UNTOC-2026 v1 from FRA (en): {n} of {n} questions answered, complete; 0 errors, 0 warnings\n1 file checked, 0 with errors\n"
    );
    assert_eq!(stdout, want);
}

#[test]
fn check_names_the_cell_of_an_answer_that_is_not_a_token_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fra.xlsx");
    let mut rows = full_answers("UNTOC-2026", &[]);
    let i = rows.iter().position(|r| matches!(&r[0], V::T(q) if q == "UNTOC.5.1")).unwrap();
    let mut row = rows.remove(i);
    row[2] = V::S("Peut-être");
    rows.insert(0, row);
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr").answers("Réponses", rows).write(&path);
    let out = check(&[&path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let want = format!(
        "{}: Réponses!C3: \"Peut-être\" is not an answer to UNTOC.5.1 (yes-no-partial)",
        path.display()
    );
    assert!(stdout.lines().any(|l| l == want), "no line {want:?} in:\n{stdout}");
}

#[test]
fn check_reports_a_corrupt_file_as_rejected_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.xlsx");
    std::fs::write(&path, b"PK\x03\x04 this is not a zip archive").unwrap();
    let out = check(&[&path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let prefix = format!("{}: rejected (corrupt)", path.display());
    assert!(stdout.lines().any(|l| l.starts_with(&prefix)), "{stdout}");
}

#[test]
fn check_with_a_broken_schemas_folder_exits_2() {
    let (schemas, _) =
        broken_schemas("UNTOC-2026.toml", "id = \"UNTOC.5.1\"", 3, |_| Some("kind = \"maybe\"".into()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fra.xlsx");
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .write(&path);
    let out = run(&["check", path.to_str().unwrap(), "--schemas", schemas.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNTOC-2026.toml:"));
}

#[test]
fn schema_check_accepts_the_shipped_schemas() {
    let out = run(&["schema", "check", repo().join("schemas").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.trim_end().ends_with(": ok"), "{stdout}");
}

#[test]
fn schema_check_that_cannot_write_its_result_fails() {
    // SPEC 8: exit 2 for output errors.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let out = common::art32()
        .args(["schema", "check", repo().join("schemas").to_str().unwrap()])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn schema_check_names_the_line_of_a_duplicate_question_id() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.2\"", 0, 0, "already defined", |_| {
        Some("id = \"UNTOC.5.1\"".into())
    });
}

#[test]
fn schema_check_names_the_line_of_a_question_id_with_bad_syntax() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.3\"", 0, 0, "does not match [A-Z]+(\\.", |_| {
        Some("id = \"UNTOC-5-3\"".into())
    });
}

#[test]
fn a_question_id_need_not_start_with_its_instrument_code() {
    // SPEC 3.4 asks of an id only its syntax and that it be unique.
    let (dir, _) =
        broken_schemas("UNTOC-2026.toml", "id = \"UNTOC.5.3\"", 0, |_| Some("id = \"CTOC.5.3\"".into()));
    let out = run(&["schema", "check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn schema_check_names_the_line_of_a_need_question_without_priority_area() {
    // The line is removed; the error names the question's id line.
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.TA\"", 4, 0, "no priority_area", |old| {
        assert!(old.starts_with("priority_area"), "{old}");
        None
    });
}

#[test]
fn schema_check_names_the_line_of_an_unknown_priority_area() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.TA\"", 4, 4, "unknown priority area", |old| {
        assert!(old.starts_with("priority_area"), "{old}");
        Some("priority_area = \"crime-prevention\"".into())
    });
}

#[test]
fn schema_check_names_the_line_of_a_section_that_is_not_defined() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.1\"", 1, 1, "not defined", |old| {
        assert!(old.starts_with("section"), "{old}");
        Some("section = \"criminalisation\"".into())
    });
}

#[test]
fn schema_check_names_the_line_of_a_choice_missing_from_the_vocabulary() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.18.13.2\"", 4, 4, "[choice]", |old| {
        assert!(old.starts_with("choices") && old.contains("\"other\""), "{old}");
        Some(old.replace("\"other\"", "\"parliament\""))
    });
}

#[test]
fn schema_check_names_the_line_of_an_unknown_kind() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.1\"", 3, 3, "unknown kind", |old| {
        assert!(old.starts_with("kind"), "{old}");
        Some("kind = \"yes-maybe\"".into())
    });
}

#[test]
fn schema_check_names_the_line_of_a_toml_syntax_error() {
    schema_error("UNTOC-2026.toml", "id = \"UNTOC.5.1\"", 3, 3, "", |old| {
        assert!(old.starts_with("kind"), "{old}");
        Some("kind = \"yes-no-partial".into())
    });
}

#[test]
fn schema_check_names_the_line_of_an_answer_token_missing_in_a_language() {
    schema_error("vocabulary.toml", "partial = {", 0, 0, "has no token in \"ru\"", |old| {
        let start = old.find("ru = [").unwrap_or_else(|| panic!("no Russian tokens in {old}"));
        let end = start + old[start..].find("], ").unwrap() + "], ".len();
        Some(format!("{}{}", &old[..start], &old[end..]))
    });
}

#[test]
fn schema_check_names_the_line_of_a_label_missing_in_a_language() {
    // SPEC 3.4: the vocabulary holds every assistance type, priority area,
    // cover label and column label in each language, as the answer tokens.
    for (anchor, lang, from, to) in [
        ("training = {", "ar", ", ar = \"التدريب\"", ""),
        ("state = {", "fr", "fr = [\"État\", \"Pays\", \"État partie\"], ", ""),
        ("answer = { en = [\"Answer\"", "ru", "ru = [\"Ответ\"], ", ""),
    ] {
        let what = format!("has no label in \"{lang}\"");
        schema_error("vocabulary.toml", anchor, 0, 0, &what, |old| {
            assert!(old.contains(from), "{old}");
            Some(old.replace(from, to))
        });
    }
}

// ---------------------------------------------------------------- helpers

/// `art32 check` with the shipped schemas.
fn check(files: &[&Path]) -> Output {
    let schemas = repo().join("schemas");
    let mut args: Vec<&str> = vec!["check", "--schemas", schemas.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    run(&args)
}

/// A copy of schemas/ where, in `file`, the line `offset` lines below the
/// first line starting with `anchor` is replaced by `edit(old)` (removed on
/// `None`). Returns the folder and the one-based line of the anchor.
fn broken_schemas(
    file: &str,
    anchor: &str,
    offset: usize,
    edit: impl Fn(&str) -> Option<String>,
) -> (tempfile::TempDir, usize) {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(repo().join("schemas")).unwrap() {
        let p: PathBuf = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines.iter().position(|l| l.starts_with(anchor)).unwrap_or_else(|| panic!("{anchor}"));
    match edit(&lines[at + offset]) {
        Some(new) => lines[at + offset] = new,
        None => {
            lines.remove(at + offset);
        }
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (dir, at + 1)
}

/// Breaks one line (see [`broken_schemas`]) and asserts that `schema check`
/// exits 2 with an error at `file:LINE:` (the anchor's line + `line_offset`)
/// whose message contains `needle`.
fn schema_error(
    file: &str,
    anchor: &str,
    offset: usize,
    line_offset: usize,
    needle: &str,
    edit: impl Fn(&str) -> Option<String>,
) {
    let (dir, anchor_line) = broken_schemas(file, anchor, offset, edit);
    let out = run(&["schema", "check", dir.path().to_str().unwrap()]);
    // The findings are the command's result: on standard output.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    let at = format!("{file}:{}:", anchor_line + line_offset);
    assert!(
        stdout.lines().any(|l| l.contains(&at) && l.contains(needle)),
        "no {at} ... {needle:?} in:\n{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("problem"));
}
