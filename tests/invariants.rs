//! Run invariants (SPEC 6.1, 6.2 and 7), proved on the demo cycle
//! (`fixtures/cycle-2026`) and on a hostile inbox built here (empty, random,
//! truncated and encrypted workbooks, DOCTYPE, external-entity, 10,000-deep
//! and invalid UTF-8 XML, lock and system files, nested folders, a folder
//! named `x.xlsx`, an empty folder, symbolic links out of the inbox and in a
//! loop):
//!
//! - every inbox file has exactly one manifest entry, under its own path;
//! - every answer row of every accepted return is in answers.csv with a
//!   status: the rows are read from each accepted file independently of art32
//!   (calamine for spreadsheets, a plain scan for XML) and matched one to one
//!   by question and cell;
//! - every output file is byte-identical with `--threads 1` and `--threads 2`,
//!   and when the inbox is created in the reverse order on another file
//!   system (so that listing order differs);
//! - with renamed folders, every output is the same once the paths are
//!   mapped back;
//! - a run killed with SIGKILL (as soon as its temporary output folder
//!   appears, or after various delays) leaves the output folder either the
//!   previous outputs or the new ones, complete, never missing or partial;
//!   a later run removes what killed runs left behind.
//!
//! With the feature `fault-injection` (`cargo test --features
//! fault-injection --test invariants fault_`, run by `.ci/run`):
//! - a panic in one file's processing becomes an `internal-error` manifest
//!   entry and a single log line, and the run completes with the other files
//!   processed as without the fault;
//! - a run killed at each step of the output swap (paused there on purpose)
//!   leaves the outputs whole, also on the two-rename path used where the
//!   file system cannot exchange two folders, which the next run repairs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// SIGKILL, symbolic links and /dev/shm: Unix only.
#![cfg(unix)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

type Outputs = BTreeMap<String, Vec<u8>>;

// ------------------------------------------------------------- invariants

#[test]
fn demo_every_file_has_one_manifest_entry_and_every_answer_row_is_in_answers_csv() {
    let c = Corpus::demo().cycle(Layout::default());
    c.run(&["-q"]);
    assert_files_and_answers_accounted_for(&c, 20);
}

#[test]
fn hostile_every_file_has_one_manifest_entry_and_every_answer_row_is_in_answers_csv() {
    let corpus = Corpus::hostile();
    let c = corpus.cycle(Layout::default());
    c.run(&["-q"]);
    assert_files_and_answers_accounted_for(&c, 4);
    // The oracle itself, on files whose rows are known: every row written.
    let rows = |rel: &str| answer_rows_in_file(&c.path().join("inbox").join(rel), "xlsx").len();
    assert_eq!(rows("FRA/UNTOC-2026_France.xlsx"), full_answers("UNTOC-2026", &[]).len());
    assert_eq!(rows("ESP/2026/03/scan/again/TIP-2026_Spain.xlsx"), full_answers("TIP-2026", &[]).len());
    for (path, reason) in [
        ("empty.xlsx", "empty-file"),
        ("random.xlsx", "corrupt"),
        ("random-zip.xlsx", "corrupt"),
        ("truncated.xlsx", "corrupt"),
        ("encrypted.xlsx", "encrypted"),
        ("doctype.xml", "doctype-forbidden"),
        ("external-entity.xml", "doctype-forbidden"),
    ] {
        let e = c.manifest_entry(path);
        assert_eq!((e["status"].as_str(), e["reason"].as_str()), (Some("rejected"), Some(reason)), "{e}");
    }
    for path in ["deep.xml", "invalid-utf8.xml"] {
        assert_eq!(c.manifest_entry(path)["status"], "rejected", "{path}");
    }
    for path in
        ["FRA/~$UNTOC-2026_France.xlsx", ".DS_Store", "notes.txt", "no-extension", "link-out.xlsx", "loop"]
    {
        assert_eq!(c.manifest_entry(path)["status"], "ignored", "{path}");
    }
    assert_eq!(c.manifest_entry("received/Réponse – 中国 (copie).xlsx")["reason"], "duplicate");
}

#[test]
fn demo_outputs_are_byte_identical_with_one_or_two_threads() {
    same_with_one_or_two_threads(&Corpus::demo());
}

#[test]
fn hostile_outputs_are_byte_identical_with_one_or_two_threads() {
    same_with_one_or_two_threads(&Corpus::hostile());
}

#[test]
fn demo_outputs_are_byte_identical_when_the_inbox_is_created_in_reverse_order() {
    same_in_reverse_order(&Corpus::demo());
}

#[test]
fn hostile_outputs_are_byte_identical_when_the_inbox_is_created_in_reverse_order() {
    same_in_reverse_order(&Corpus::hostile());
}

#[test]
fn demo_outputs_are_the_same_with_renamed_folders_once_paths_are_mapped_back() {
    same_with_renamed_folders(&Corpus::demo());
}

#[test]
fn hostile_outputs_are_the_same_with_renamed_folders_once_paths_are_mapped_back() {
    same_with_renamed_folders(&Corpus::hostile());
}

/// SIGKILL at moments found by polling and at delays spread over a run:
/// the output folder is always whole (the previous outputs or the new ones).
#[test]
fn a_run_killed_while_writing_leaves_the_previous_outputs_whole() {
    let corpus = Corpus::demo();
    let c = corpus.cycle(Layout::default());
    c.run(&["-q"]);
    let baseline = read_outputs(&c.out());
    // A larger inbox for the killed runs: the demo 12 times over.
    for n in 1..12 {
        corpus.write_into(&c.path().join("inbox"), &format!("copy-{n:02}/"));
    }
    let reference = c.path().join("reference");
    let started = Instant::now();
    c.run(&["-q", "--out", reference.to_str().unwrap()]);
    let full = started.elapsed();
    let new = read_outputs(&reference);
    assert_ne!(baseline, new);

    // How long the outputs take to write, from the temporary folder's
    // appearance to the end of the run; kills are spread over that phase.
    let writing = (0..2).map(|_| time_writing(c.path())).min().unwrap();
    write_outputs(&c.out(), &baseline);
    let mut plans: Vec<Kill> = [0, 100, 300, 500, 700, 850, 930, 970, 990, 1000, 1020]
        .into_iter()
        .map(|per_mille| Kill::AfterTmp(writing.mul_f64(f64::from(per_mille) / 1000.0)))
        .collect();
    // And pseudo-random moments of a whole run, the same on every test run.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..5 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let per_mille = 150 + seed % 900;
        plans.push(Kill::After(full.mul_f64(per_mille as f64 / 1000.0)));
    }
    let mut outcomes = BTreeMap::<&str, usize>::new();
    let mut left_behind = 0;
    for plan in plans {
        let killed = kill_run(c.path(), &[], plan);
        let now = read_outputs(&c.out());
        let outcome = if now == baseline {
            "previous outputs"
        } else if now == new {
            // The kill came after the swap: put the baseline back for the next one.
            write_outputs(&c.out(), &baseline);
            "new outputs"
        } else {
            panic!(
                "after a kill ({plan:?}, killed: {killed}) the output folder is neither the previous outputs nor the new ones: {:?}",
                now.keys().collect::<Vec<_>>()
            );
        };
        *outcomes.entry(if killed { outcome } else { "run finished first" }).or_default() += 1;
        left_behind += leftovers(c.path()).len();
    }
    eprintln!("writing takes {writing:?}; kills: {outcomes:?}; leftover folders seen: {left_behind}");
    assert!(left_behind > 0, "no kill landed while the outputs were written: {outcomes:?}");
    assert!(outcomes.get("previous outputs").copied().unwrap_or(0) >= 3, "{outcomes:?}");
    // A later run completes and removes what the killed runs left.
    c.run(&["-q"]);
    assert_eq!(read_outputs(&c.out()), new);
    assert_eq!(leftovers(c.path()), Vec::<String>::new());
}

#[test]
fn an_output_folder_holding_other_files_is_refused_and_left_as_it_was() {
    let c = TestCycle::new();
    let refused = |out: &Path| {
        let r = run(&["run", c.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
        let err = String::from_utf8_lossy(&r.stderr).into_owned();
        assert_eq!(r.status.code(), Some(2), "{err}");
        err
    };
    // `--out` the cycle folder itself: the outputs would replace the cycle.
    let err = refused(c.path());
    assert!(err.contains("cycle.toml") && err.contains("inbox"), "{err}");
    assert!(c.path().join("cycle.toml").is_file() && c.path().join("inbox").is_dir());
    // A folder of the officer's own.
    let mine = c.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let err = refused(&mine);
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);
    // A folder inside the inbox, existing or not.
    let err = refused(&c.path().join("inbox").join("out"));
    assert!(err.contains("inside the inbox"), "{err}");
    assert!(!c.path().join("inbox/out").exists());
    // The outputs of an earlier run, with report.xlsx open in Excel and a
    // desktop's file beside them: replaced.
    c.run(&["-q"]);
    std::fs::write(c.out().join("~$report.xlsx"), b"\x05owner").unwrap();
    std::fs::write(c.out().join(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
    c.run(&["-q"]);
    assert!(c.out().join("manifest.jsonl").is_file());
}

// ------------------------------------------------- fault injection (feature)

/// A panic injected into two files' processing (one a return, one not)
/// becomes an `internal-error` entry each and one log line each; the run
/// exits 0 and every other file is processed as in a run without them.
#[cfg(feature = "fault-injection")]
#[test]
fn fault_a_panic_in_one_file_becomes_an_internal_error_and_the_run_completes() {
    let stage = TestCycle::new();
    let needs = [("UNTOC.5.TA", "training")];
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", full_answers("UNTOC-2026", &needs))
        .write(&stage.inbox("FRA/untoc.xlsx"));
    ReturnSheet::new("UNTOC-2026", "ESP", V::D(2026, 3, 2), "es")
        .answers("Respuestas", full_answers("UNTOC-2026", &[]))
        .write(&stage.inbox("ESP/untoc.xlsx"));
    ReturnSheet::new("UNTOC-2026", "USA", V::D(2026, 3, 3), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[]))
        .write(&stage.inbox("USA/untoc__art32_panic__.xlsx"));
    std::fs::write(stage.inbox("notes__art32_panic__.txt"), "call back").unwrap();
    std::fs::write(stage.inbox("empty.xlsx"), b"").unwrap();
    let injected = ["USA/untoc__art32_panic__.xlsx", "notes__art32_panic__.txt"];
    let files = read_tree(&stage.path().join("inbox"), "");
    let (with, without) = (TestCycle::new(), TestCycle::new());
    for (rel, entry) in &files {
        entry.write(&with.inbox(rel));
        if !injected.contains(&rel.as_str()) {
            entry.write(&without.inbox(rel));
        }
    }
    for threads in ["1", "2"] {
        let o = art32()
            .args(["run", with.path().to_str().unwrap(), "--threads", threads])
            .env_remove("RUST_LOG")
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("internal error")).collect();
        assert_eq!(lines.len(), injected.len(), "{stderr}");
        for path in injected {
            assert_eq!(lines.iter().filter(|l| l.contains(path)).count(), 1, "{stderr}");
        }
        for noise in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
            assert!(!stderr.contains(noise), "{noise:?} in stderr:\n{stderr}");
        }
    }
    without.run(&["-q"]);
    for path in injected {
        let e = with.manifest_entry(path);
        assert_eq!(
            (e["status"].as_str(), e["reason"].as_str()),
            (Some("rejected"), Some("internal-error")),
            "{e}"
        );
    }
    let others: Vec<serde_json::Value> =
        with.manifest().into_iter().filter(|e| !injected.iter().any(|p| e["path"] == *p)).collect();
    assert_eq!(others, without.manifest());
    for name in ["needs.csv", "needs.jsonl", "answers.csv", "compliance.csv", "followup.csv"] {
        assert!(with.output(name) == without.output(name), "{name} differs");
    }
    assert_eq!(with.csv("answers.csv").len(), 2 * full_answers("UNTOC-2026", &[]).len());
}

/// A run paused on purpose at each step of the output swap, then killed:
/// the output folder is whole at every step; where the exchange is not
/// available (forced here), a kill between the two renames leaves it missing
/// and the next run, even one that fails, puts the previous outputs back.
#[cfg(feature = "fault-injection")]
#[test]
fn fault_a_run_killed_at_each_step_of_the_output_swap_leaves_the_outputs_whole() {
    let corpus = Corpus::demo();
    let c = corpus.cycle(Layout::default());
    c.run(&["-q"]);
    let baseline = read_outputs(&c.out());
    corpus.write_into(&c.path().join("inbox"), "copy/");
    let reference = c.path().join("reference");
    c.run(&["-q", "--out", reference.to_str().unwrap()]);
    let new = read_outputs(&reference);
    assert_ne!(baseline, new);
    let steps = [
        ("written-one", "written-one", "previous"),
        ("before-swap", "before-swap", "previous"),
        ("after-exchange", "after-exchange", "new"),
        ("no-exchange,written-one", "written-one", "previous"),
        ("no-exchange,between-renames", "between-renames", "missing"),
    ];
    for (faults, point, expect) in steps {
        let killed = kill_run(c.path(), &[("ART32_FAULT", faults)], Kill::AtPause(point));
        let pid = pid_of(killed, point);
        let now = read_outputs(&c.out());
        let tmp = c.path().join(format!(".out.art32-tmp-{pid}"));
        let old = c.path().join(format!(".out.art32-old-{pid}"));
        match expect {
            "previous" => {
                assert_eq!(now, baseline, "killed at {faults}");
                assert!(tmp.is_dir(), "killed at {faults}: no temporary folder left");
            }
            "new" => {
                assert_eq!(now, new, "killed at {faults}");
                assert_eq!(read_outputs(&tmp), baseline, "killed at {faults}: the swapped-out folder");
                write_outputs(&c.out(), &baseline);
            }
            _ => {
                assert!(!c.out().exists(), "killed at {faults}: out/ should be missing");
                assert_eq!(read_outputs(&old), baseline, "killed at {faults}: the set-aside folder");
                assert_eq!(read_outputs(&tmp), new, "killed at {faults}: the new outputs");
                // The next run repairs out/ before anything else, even if it then fails.
                let toml = c.path().join("cycle.toml");
                std::fs::rename(&toml, c.path().join("cycle.toml.away")).unwrap();
                let o = run(&["run", c.path().to_str().unwrap(), "-q"]);
                assert_eq!(o.status.code(), Some(2));
                std::fs::rename(c.path().join("cycle.toml.away"), &toml).unwrap();
                assert_eq!(read_outputs(&c.out()), baseline, "not restored after a kill at {faults}");
                assert_eq!(leftovers(c.path()), Vec::<String>::new());
            }
        }
    }
    c.run(&["-q"]);
    assert_eq!(read_outputs(&c.out()), new);
    assert_eq!(leftovers(c.path()), Vec::<String>::new());
}

#[cfg(feature = "fault-injection")]
fn pid_of(killed: bool, point: &str) -> u32 {
    assert!(killed, "the run did not pause at {point}");
    LAST_PID.with(std::cell::Cell::get)
}

// ------------------------------------------------------------- the checks

/// The manifest lists every inbox file once (same paths); each accepted
/// return's answer rows, read from the file, are answers.csv's rows of that
/// file, one to one, each with a status; no other file has rows.
fn assert_files_and_answers_accounted_for(c: &TestCycle, min_accepted: usize) {
    let inbox = c.path().join("inbox");
    let files: BTreeSet<String> = read_tree(&inbox, "")
        .into_iter()
        .filter(|(_, e)| !matches!(e, Entry::Dir))
        .map(|(rel, _)| rel)
        .collect();
    let manifest = c.manifest();
    let paths: Vec<String> = manifest.iter().map(|e| e["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths.len(), files.len(), "count(inbox files) = count(manifest entries)");
    assert_eq!(paths.iter().cloned().collect::<BTreeSet<_>>(), files);

    let answers = c.csv("answers.csv");
    let status = regex::Regex::new("^[a-z]+(-[a-z]+)*$").unwrap();
    for a in &answers {
        assert!(status.is_match(&a["status"]), "answer row without a status: {a:?}");
    }
    let accepted: Vec<&serde_json::Value> = manifest.iter().filter(|e| e["status"] == "accepted").collect();
    assert!(accepted.len() >= min_accepted, "{} accepted", accepted.len());
    let accepted_paths: BTreeSet<&str> = accepted.iter().map(|e| e["path"].as_str().unwrap()).collect();
    for a in &answers {
        assert!(accepted_paths.contains(a["source_file"].as_str()), "row of a file not accepted: {a:?}");
    }
    for e in accepted {
        let path = e["path"].as_str().unwrap();
        let mut want = answer_rows_in_file(&inbox.join(path), e["format"].as_str().unwrap());
        let xml = e["format"] == "xml";
        let mut got: Vec<(String, String)> = answers
            .iter()
            .filter(|a| a["source_file"] == path)
            .map(|a| (a["question"].clone(), if xml { String::new() } else { sheet_row(&a["source_ref"]) }))
            .collect();
        want.sort();
        got.sort();
        assert!(!want.is_empty(), "{path}: no answer rows found in the file");
        assert_eq!(got, want, "{path}: answers.csv rows (left) differ from the rows in the file (right)");
    }
}

fn same_with_one_or_two_threads(corpus: &Corpus) {
    let c = corpus.cycle(Layout::default());
    let (one, two) = (c.path().join("one"), c.path().join("two"));
    c.run(&["-q", "--threads", "1", "--out", one.to_str().unwrap()]);
    c.run(&["-q", "--threads", "2", "--out", two.to_str().unwrap()]);
    assert_same(&read_outputs(&one), &read_outputs(&two), "--threads 1 and --threads 2");
}

fn same_in_reverse_order(corpus: &Corpus) {
    let a = corpus.cycle(Layout::default());
    // tmpfs lists a folder in creation order, most other file systems by
    // name hash: the reversed inbox goes there so that listing order differs.
    let shm = Path::new("/dev/shm");
    let b = corpus.cycle(Layout { reverse: true, on: shm.is_dir().then_some(shm), ..Layout::default() });
    let listing = |c: &TestCycle| -> Vec<String> {
        std::fs::read_dir(c.path().join("inbox"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    if shm.is_dir() {
        assert_ne!(
            listing(&a),
            listing(&b),
            "the two inboxes list in the same order: the test proves nothing"
        );
    } else {
        eprintln!("note: no /dev/shm, the reversed inbox may list in the same order");
    }
    a.run(&["-q", "--threads", "2"]);
    b.run(&["-q", "--threads", "2"]);
    assert_same(&read_outputs(&a.out()), &read_outputs(&b.out()), "inbox created in reverse order");
}

/// Outputs listed by path (the manifest; the rejected files in report.html):
/// their lines are compared sorted once paths are mapped back, as renaming
/// reorders them. Every other output must match line for line (report.xlsx:
/// sheet rows compared sorted within each sheet).
const SORTED_BY_PATH: [&str; 2] = ["manifest.jsonl", "report.html"];

fn same_with_renamed_folders(corpus: &Corpus) {
    let a = corpus.cycle(Layout::default());
    let b = corpus.cycle(Layout { rename: true, ..Layout::default() });
    a.run(&["-q"]);
    b.run(&["-q"]);
    let back = regex::Regex::new(r"q\d\d~").unwrap();
    assert!(back.is_match(&b.output("manifest.jsonl")), "nothing was renamed");
    let (want, got) = (read_outputs(&a.out()), read_outputs(&b.out()));
    assert_eq!(want.keys().collect::<Vec<_>>(), got.keys().collect::<Vec<_>>());
    for (name, bytes) in &want {
        if name.ends_with(".xlsx") {
            let w = xlsx_rows(bytes, |c| c.to_owned());
            let g = xlsx_rows(&got[name], |c| back.replace_all(c, "").into_owned());
            assert_eq!(w, g, "{name}: sheet rows differ once paths are mapped back");
            continue;
        }
        let w = String::from_utf8(bytes.clone()).unwrap();
        let g = back.replace_all(std::str::from_utf8(&got[name]).unwrap(), "").into_owned();
        if SORTED_BY_PATH.contains(&name.as_str()) {
            let mut w: Vec<&str> = w.lines().collect();
            let mut g: Vec<&str> = g.lines().collect();
            w.sort_unstable();
            g.sort_unstable();
            assert_eq!(w, g, "{name}: rows differ once paths are mapped back");
        } else {
            assert!(w == g, "{name} differs once paths are mapped back{}", first_difference(&w, &g));
        }
    }
}

fn first_difference(a: &str, b: &str) -> String {
    match a.lines().zip(b.lines()).find(|(x, y)| x != y) {
        Some((x, y)) => format!(":\n  {x}\n  {y}"),
        None => format!(" ({} and {} lines)", a.lines().count(), b.lines().count()),
    }
}

/// Every sheet's rows of a workbook, as text passed through `map`, sorted
/// within each sheet (the rows listed by path move when folders are renamed).
fn xlsx_rows(bytes: &[u8], map: impl Fn(&str) -> String) -> Vec<(String, Vec<String>)> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let mut rows: Vec<(String, Vec<String>)> =
            range.rows().map(|r| (name.clone(), r.iter().map(|c| map(&c.to_string())).collect())).collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

fn assert_same(a: &Outputs, b: &Outputs, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: output files");
    assert!(a.len() >= 9, "{what}: only {:?}", a.keys());
    for (name, bytes) in a {
        assert!(*bytes == b[name], "{name} differs between {what}");
    }
}

// ----------------------------------------------- answer rows, read apart

/// (question, `sheet!row`) of every answer row of a return, read without
/// art32: in a spreadsheet, every cell holding a question id; in XML, every
/// `answer` element, or in an online-form instance every question field
/// (row place empty).
fn answer_rows_in_file(path: &Path, format: &str) -> Vec<(String, String)> {
    let bytes = std::fs::read(path).unwrap();
    if format == "xml" {
        return xml_answer_questions(&bytes).into_iter().map(|q| (q, String::new())).collect();
    }
    use calamine::{Data, Reader};
    let id = regex::Regex::new(r"^[A-Z]+(\.[0-9A-Za-z]+)+$").unwrap();
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let top = range.start().map_or(0, |(r, _)| r as usize);
        for (r, _, cell) in range.cells() {
            if let Data::String(s) = cell
                && id.is_match(s.trim())
            {
                rows.push((s.trim().to_owned(), format!("{name}!{}", top + r + 1)));
            }
        }
    }
    rows
}

/// `Sheet!C42` -> `Sheet!42`.
fn sheet_row(source_ref: &str) -> String {
    let (sheet, cell) = source_ref.rsplit_once('!').unwrap_or(("", source_ref));
    format!("{sheet}!{}", cell.trim_start_matches(|c: char| c.is_ascii_alphabetic()))
}

fn xml_answer_questions(bytes: &[u8]) -> Vec<String> {
    let (encoding, skip) = encoding_rs::Encoding::for_bom(bytes).unwrap_or_else(|| {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        let label = regex::Regex::new(r#"encoding\s*=\s*["']([^"']+)["']"#).unwrap();
        let encoding = label
            .captures(&head)
            .and_then(|c| encoding_rs::Encoding::for_label(c[1].as_bytes()))
            .unwrap_or(encoding_rs::UTF_8);
        (encoding, 0)
    });
    let text = encoding.decode_without_bom_handling(&bytes[skip..]).0.into_owned();
    let text = regex::Regex::new(r"(?s)<!--.*?-->").unwrap().replace_all(&text, "").into_owned();
    let native =
        regex::Regex::new(r#"<(?:[A-Za-z_][\w.-]*:)?answer\b[^>]*?\bquestion\s*=\s*["']([^"']*)["']"#)
            .unwrap();
    let questions: Vec<String> = native.captures_iter(&text).map(|c| c[1].trim().to_owned()).collect();
    if !questions.is_empty() {
        return questions;
    }
    let field = regex::Regex::new(r"<(?:[\w.-]+:)?([A-Z]+(?:_[0-9A-Za-z]+)+)[\s/>]").unwrap();
    field
        .captures_iter(&text)
        .map(|c| c[1].to_owned())
        .filter(|f| !f.ends_with("_assistance") && !f.ends_with("_comment"))
        .map(|f| f.replace('_', "."))
        .collect()
}

// ------------------------------------------------------------ the inboxes

/// One inbox entry.
#[derive(Debug, Clone)]
enum Entry {
    /// A file's bytes.
    File(Vec<u8>),
    /// A symbolic link's target.
    Link(PathBuf),
    /// An empty folder.
    Dir,
}

impl Entry {
    fn write(&self, path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match self {
            Entry::File(bytes) => std::fs::write(path, bytes).unwrap(),
            Entry::Link(target) => std::os::unix::fs::symlink(target, path).unwrap(),
            Entry::Dir => std::fs::create_dir_all(path).unwrap(),
        }
    }
}

/// Every entry under `dir` (links not followed), sorted by path.
fn read_tree(dir: &Path, prefix: &str) -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let rel = format!("{prefix}{}", e.file_name().to_string_lossy());
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        if meta.file_type().is_symlink() {
            out.push((rel, Entry::Link(std::fs::read_link(e.path()).unwrap())));
        } else if meta.is_dir() {
            let inner = read_tree(&e.path(), &format!("{rel}/"));
            if inner.is_empty() {
                out.push((rel, Entry::Dir));
            }
            out.extend(inner);
        } else {
            out.push((rel, Entry::File(std::fs::read(e.path()).unwrap())));
        }
    }
    out
}

/// How a corpus is laid out in a fresh cycle.
#[derive(Default)]
struct Layout<'a> {
    /// Create the entries in the reverse path order.
    reverse: bool,
    /// Rename folders (see [`Corpus::renamer`]).
    rename: bool,
    /// Make the cycle under this folder instead of the default temporary one.
    on: Option<&'a Path>,
}

struct Corpus {
    entries: Vec<(String, Entry)>,
    /// parties.csv, focal-points.csv and cycle.toml, when not the test register.
    register: Option<(String, String, String)>,
}

impl Corpus {
    /// The demo inbox and register.
    fn demo() -> Corpus {
        let dir = repo().join("fixtures/cycle-2026");
        let toml = std::fs::read_to_string(dir.join("cycle.toml")).unwrap();
        let schemas = format!("schemas = {:?}", repo().join("schemas").display().to_string());
        let toml =
            toml.lines().map(|l| if l.starts_with("schemas") { &schemas } else { l }).collect::<Vec<_>>();
        Corpus {
            entries: read_tree(&dir.join("inbox"), ""),
            register: Some((
                std::fs::read_to_string(dir.join("parties.csv")).unwrap(),
                std::fs::read_to_string(dir.join("focal-points.csv")).unwrap(),
                toml.join("\n") + "\n",
            )),
        }
    }

    /// Returns with every kind of damage, between readable ones (test register).
    fn hostile() -> Corpus {
        let stage = TestCycle::new();
        let needs = [("UNTOC.5.TA", "training; legal-advice")];
        let fra = stage.inbox("FRA/UNTOC-2026_France.xlsx");
        ReturnSheet::new("UNTOC-2026", "France", V::D(2026, 3, 1), "en")
            .answers("Answers", full_answers("UNTOC-2026", &needs))
            .write(&fra);
        ReturnSheet::new("TIP-2026", "ESP", V::D(2026, 4, 1), "es")
            .answers("Respuestas", full_answers("TIP-2026", &[("TIP.5.TA", "Formación")]))
            .write(&stage.inbox("ESP/2026/03/scan/again/TIP-2026_Spain.xlsx"));
        ReturnSheet::new("UNTOC-2026", "USA", V::E, "en")
            .answers("Answers", full_answers("UNTOC-2026", &[]))
            .write(&stage.inbox("x.xlsx/UNTOC-2026_USA.xlsx"));
        std::fs::write(stage.inbox("received/SOM-2026_France.xml"), SOM_XML).unwrap();
        let good = std::fs::read(&fra).unwrap();
        std::fs::write(stage.inbox("received/Réponse – 中国 (copie).xlsx"), &good).unwrap();
        std::fs::write(stage.inbox("truncated.xlsx"), &good[..good.len() / 2]).unwrap();
        std::fs::write(stage.inbox("FRA/~$UNTOC-2026_France.xlsx"), b"\x06Jeanne").unwrap();
        std::fs::write(stage.inbox(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
        std::fs::write(stage.inbox("notes.txt"), "call FRA back").unwrap();
        std::fs::write(stage.inbox("empty.xlsx"), b"").unwrap();
        std::fs::write(stage.inbox("random.xlsx"), noise(8192, 1)).unwrap();
        std::fs::write(stage.inbox("no-extension"), noise(512, 2)).unwrap();
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(noise(4096, 3));
        std::fs::write(stage.inbox("random-zip.xlsx"), zip).unwrap();
        let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        cfb.resize(1024, 0);
        cfb.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        cfb.resize(4096, 0);
        std::fs::write(stage.inbox("encrypted.xlsx"), cfb).unwrap();
        std::fs::write(stage.inbox("doctype.xml"), BILLION_LAUGHS).unwrap();
        std::fs::write(stage.inbox("external-entity.xml"), EXTERNAL_ENTITY).unwrap();
        let deep = format!(
            "<?xml version=\"1.0\"?>\n<return xmlns=\"urn:art32:return:1\">{}{}</return>\n",
            "<a>".repeat(10_000),
            "</a>".repeat(10_000)
        );
        std::fs::write(stage.inbox("deep.xml"), deep).unwrap();
        let mut bad = SOM_XML.replace("Training for prosecutors", "\u{1}").into_bytes();
        let at = bad.iter().position(|&b| b == 1).unwrap();
        bad.splice(at..=at, [0xFF, 0xC0, 0x80]);
        std::fs::write(stage.inbox("invalid-utf8.xml"), bad).unwrap();
        std::fs::create_dir_all(stage.path().join("inbox/empty-folder.xlsx")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", stage.inbox("link-out.xlsx")).unwrap();
        std::os::unix::fs::symlink(".", stage.inbox("loop")).unwrap();
        Corpus { entries: read_tree(&stage.path().join("inbox"), ""), register: None }
    }

    /// A fresh cycle with this inbox.
    fn cycle(&self, layout: Layout<'_>) -> TestCycle {
        let c = match layout.on {
            Some(base) => TestCycle { dir: tempfile::tempdir_in(base).unwrap() },
            None => TestCycle { dir: tempfile::tempdir().unwrap() },
        };
        let fresh = TestCycle::new();
        for name in ["cycle.toml", "parties.csv", "focal-points.csv"] {
            std::fs::copy(fresh.path().join(name), c.path().join(name)).unwrap();
        }
        if let Some((parties, focal_points, toml)) = &self.register {
            std::fs::write(c.path().join("parties.csv"), parties).unwrap();
            std::fs::write(c.path().join("focal-points.csv"), focal_points).unwrap();
            std::fs::write(c.path().join("cycle.toml"), toml).unwrap();
        }
        std::fs::create_dir(c.path().join("inbox")).unwrap();
        let rename = self.renamer();
        let mut entries: Vec<&(String, Entry)> = self.entries.iter().collect();
        if layout.reverse {
            entries.reverse();
        }
        for (rel, entry) in entries {
            let rel = if layout.rename { rename(rel) } else { rel.clone() };
            entry.write(&c.path().join("inbox").join(rel));
        }
        c
    }

    /// Writes every entry again under `inbox/prefix`.
    fn write_into(&self, inbox: &Path, prefix: &str) {
        for (rel, entry) in &self.entries {
            entry.write(&inbox.join(format!("{prefix}{rel}")));
        }
    }

    /// Renames every folder but `received*` ones: siblings get names that
    /// sort in the reverse order (`q99~ARE` after `q98~AZE`), all before
    /// `received*`, so that each byte-identical copy in `received*` still
    /// comes after its original (SPEC 6.3: the earlier path counts; which of
    /// two identical files is kept depends on paths by design).
    fn renamer(&self) -> impl Fn(&str) -> String {
        let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (rel, entry) in &self.entries {
            let parts: Vec<&str> = rel.split('/').collect();
            let dirs = if matches!(entry, Entry::Dir) { parts.len() } else { parts.len() - 1 };
            for i in 0..dirs {
                folders.entry(parts[..i].join("/")).or_default().insert(parts[i].to_owned());
            }
        }
        let mut new_name: BTreeMap<(String, String), String> = BTreeMap::new();
        for (parent, children) in folders {
            for (i, child) in children.iter().enumerate() {
                assert!(i < 99);
                let renamed = if child.starts_with("received") {
                    child.clone()
                } else {
                    format!("q{:02}~{child}", 99 - i)
                };
                new_name.insert((parent.clone(), child.clone()), renamed);
            }
        }
        move |rel: &str| {
            let parts: Vec<&str> = rel.split('/').collect();
            let mut out = Vec::new();
            for i in 0..parts.len() {
                let key = (parts[..i].join("/"), parts[i].to_owned());
                out.push(new_name.get(&key).cloned().unwrap_or_else(|| parts[i].to_owned()));
            }
            out.join("/")
        }
    }
}

/// Deterministic pseudo-random bytes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

const SOM_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<return xmlns="urn:art32:return:1" questionnaire="SOM-2026" version="1" language="en">
  <state code="FRA">France</state>
  <submitted>2026-03-05</submitted>
  <!-- <answer question="SOM.99.9">a comment, not an answer</answer> -->
  <section id="general">
    <answer question="SOM.0.TA">No</answer>
  </section>
  <section id="criminalization">
    <answer question="SOM.6.1">Yes</answer>
    <answer question="SOM.6.2">Partially</answer>
    <answer question="SOM.6.TA">
      <value>Yes</value>
      <assistance>training</assistance>
      <comment>Training for prosecutors</comment>
    </answer>
  </section>
  <answer question="SOM.16.1">maybe</answer>
  <answer question="SOM.77.1">Yes</answer>
</return>
"#;

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE return [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<return xmlns="urn:art32:return:1" questionnaire="SOM-2026" version="1">
  <state code="FRA">&e;</state>
</return>
"#;

const EXTERNAL_ENTITY: &str = r#"<?xml version="1.0"?>
<!DOCTYPE return [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<return xmlns="urn:art32:return:1" questionnaire="SOM-2026" version="1">
  <state code="FRA">&x;</state>
</return>
"#;

// -------------------------------------------------------- killing runs

/// When to SIGKILL a run.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after its temporary output folder appears.
    AfterTmp(Duration),
    /// This long after it starts.
    After(Duration),
    /// When it says it paused at this point (feature `fault-injection`).
    #[cfg_attr(not(feature = "fault-injection"), allow(dead_code))]
    AtPause(&'static str),
}

thread_local! {
    static LAST_PID: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Starts `art32 run` on `cycle` and SIGKILLs it as `plan` says; whether the
/// kill landed (the run had not finished).
fn kill_run(cycle: &Path, env: &[(&str, &str)], plan: Kill) -> bool {
    let mut cmd = art32();
    cmd.args(["run", cycle.to_str().unwrap(), "-q"]).env_remove("RUST_LOG").stdout(Stdio::null());
    cmd.stderr(if matches!(plan, Kill::AtPause(_)) { Stdio::piped() } else { Stdio::null() });
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let pid = child.id();
    LAST_PID.with(|p| p.set(pid));
    let deadline = Instant::now() + Duration::from_secs(300);
    match plan {
        Kill::AfterTmp(delay) => {
            wait_for_tmp(cycle, &mut child, deadline);
            std::thread::sleep(delay);
        }
        Kill::After(delay) => std::thread::sleep(delay),
        Kill::AtPause(point) => {
            use std::io::BufRead;
            let want = format!("art32-fault: paused at {point}");
            let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    if line.contains(&want) {
                        let _ = tx.send(());
                    } else {
                        eprintln!("art32: {line}");
                    }
                }
            });
            if rx.recv_timeout(Duration::from_secs(300)).is_err() {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    status.signal() == Some(9)
}

/// Polls (every 100 µs) until the run's temporary output folder appears or the run ends.
fn wait_for_tmp(cycle: &Path, child: &mut std::process::Child, deadline: Instant) {
    let tmp = cycle.join(format!(".out.art32-tmp-{}", child.id()));
    while !tmp.exists() && child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the run neither finished nor wrote");
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Runs `art32 run` on `cycle` to the end; how long it took from the
/// appearance of its temporary output folder.
fn time_writing(cycle: &Path) -> Duration {
    let mut child = art32()
        .args(["run", cycle.to_str().unwrap(), "-q"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_tmp(cycle, &mut child, Instant::now() + Duration::from_secs(300));
    let started = Instant::now();
    assert!(child.wait().unwrap().success());
    started.elapsed()
}

/// Every file of an output folder (empty when it is missing); it holds files only.
fn read_outputs(dir: &Path) -> Outputs {
    let Ok(entries) = std::fs::read_dir(dir) else { return Outputs::new() };
    entries
        .map(|e| {
            let e = e.unwrap();
            assert!(e.file_type().unwrap().is_file(), "{}: not a file", e.path().display());
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Makes `dir` hold exactly `outputs`.
fn write_outputs(dir: &Path, outputs: &Outputs) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir(dir).unwrap();
    for (name, bytes) in outputs {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// What killed runs left beside the output folder.
fn leftovers(cycle: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(cycle)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.art32-"))
        .collect();
    v.sort();
    v
}
