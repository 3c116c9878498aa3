//! The ingest cache and the run snapshot (`src/cache.rs`): a warm run gives
//! byte-identical outputs to a cold run and to a run without the cache,
//! re-ingests only new or changed files, and never trusts a corrupt or stale
//! entry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every output file of a run, by name.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        out.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap());
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}

/// What the cache did in one run: ingest entries found and trusted, files
/// ingested, entries not trusted, records reused from the last run's
/// snapshot, and of those the files not even read (their stamp unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stats {
    hits: usize,
    misses: usize,
    invalid: usize,
    reused: usize,
    unread: usize,
}

/// Stats of a run that read every file it reused.
fn stats(hits: usize, misses: usize, invalid: usize, reused: usize) -> Option<Stats> {
    Some(Stats { hits, misses, invalid, reused, unread: 0 })
}

/// Runs `art32 -v run CYCLE --out OUT` with extra arguments; returns what
/// the cache log line says, if there is one.
fn run_cycle(cycle: &Path, out: &Path, extra: &[&str]) -> Option<Stats> {
    let mut args = vec!["-v", "run", cycle.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    let plain = strip_ansi(&stderr);
    let line = plain.lines().find(|l| l.contains("ingest cache"))?;
    let field = |name: &str| -> usize {
        let at = line.find(&format!("{name}=")).unwrap_or_else(|| panic!("{line}"));
        line[at + name.len() + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    Some(Stats {
        unread: field("unread"),
        ..stats(field("hits"), field("misses"), field("invalid"), field("reused"))?
    })
}

/// The text without terminal colour codes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every entry file under a cache folder.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![cache.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out.sort();
    out
}

/// The demo cycle (its outputs and caches go to temporary folders).
fn demo() -> PathBuf {
    repo().join("fixtures/cycle-2026")
}

#[test]
fn warm_and_cold_runs_of_the_demo_cycle_give_byte_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let c = cache.to_str().unwrap();
    assert_eq!(run_cycle(&demo(), &tmp.path().join("none"), &["--no-cache"]), None);
    // The inbox holds a byte-identical duplicate: whichever of the two is
    // read second may already find the first one's entry. And an online
    // edit dated before the submission it deprecates is retained although
    // its answers were set aside while the files streamed in: it is read
    // again, from the entry its first reading wrote.
    let cold = run_cycle(&demo(), &tmp.path().join("cold"), &["--cache", c]).unwrap();
    let Stats { hits, misses, invalid, reused, .. } = cold;
    assert!((1..=2).contains(&hits) && invalid == 0 && misses > 30 && reused == 0, "{cold:?}");
    let stored = entries(&cache.join("ingest")).len();
    assert!(stored == misses || stored + 1 == misses, "{stored} entries, {misses} misses");
    // The next run takes every record of a file it has read from the
    // snapshot: nothing is ingested, not even from the cache.
    let warm = run_cycle(&demo(), &tmp.path().join("warm"), &["--cache", c]).unwrap();
    assert_eq!((warm.hits, warm.misses, warm.invalid), (0, 0, 0), "{warm:?}");
    assert!(warm.reused > misses, "{warm:?}");
    // Without the snapshot, every return comes from its ingest entry.
    std::fs::remove_dir_all(cache.join("records")).unwrap();
    let entries_only = run_cycle(&demo(), &tmp.path().join("entries"), &["--cache", c]).unwrap();
    assert_eq!(entries_only, stats(hits + misses, 0, 0, 0).unwrap());
    assert_eq!(outputs(&tmp.path().join("warm")), outputs(&tmp.path().join("entries")));
    let none = outputs(&tmp.path().join("none"));
    assert_eq!(none, outputs(&tmp.path().join("cold")));
    assert_eq!(none, outputs(&tmp.path().join("warm")));
}

/// A temporary cycle with every twin (all formats, all questionnaires) in its inbox.
fn twins_cycle() -> TestCycle {
    let twins = repo().join("fixtures/twins");
    let read = |name: &str| std::fs::read_to_string(twins.join(name)).unwrap();
    let cycle = TestCycle::with_register(&read("parties.csv"), &read("focal-points.csv"));
    for q in ["UNTOC-2026", "TIP-2026", "SOM-2026", "FIREARMS-2026"] {
        for e in std::fs::read_dir(twins.join(q)).unwrap() {
            let e = e.unwrap();
            let name = format!("{q}/{}", e.file_name().to_string_lossy());
            std::fs::copy(e.path(), cycle.inbox(&name)).unwrap();
        }
    }
    cycle
}

#[test]
fn the_twins_in_every_format_give_the_same_outputs_from_the_cache() {
    let cycle = twins_cycle();
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &dir.join("none"), &["--no-cache"]), None);
    assert!(!dir.join(".art32-cache").exists(), "--no-cache wrote a cache");
    // The default cache folder is CYCLE_DIR/.art32-cache.
    assert_eq!(run_cycle(dir, &dir.join("cold"), &[]), stats(0, 24, 0, 0));
    assert_eq!(entries(&dir.join(".art32-cache/ingest")).len(), 24);
    assert_eq!(entries(&dir.join(".art32-cache/examine")).len(), 24);
    assert_eq!(entries(&dir.join(".art32-cache/records")).len(), 1);
    assert_eq!(run_cycle(dir, &dir.join("warm"), &[]), stats(0, 0, 0, 24));
    std::fs::remove_dir_all(dir.join(".art32-cache/records")).unwrap();
    assert_eq!(run_cycle(dir, &dir.join("entries"), &[]), stats(24, 0, 0, 0));
    let none = outputs(&dir.join("none"));
    assert_eq!(none, outputs(&dir.join("cold")));
    assert_eq!(none, outputs(&dir.join("warm")));
    assert_eq!(none, outputs(&dir.join("entries")));
}

#[test]
fn a_new_return_is_the_only_file_ingested_again() {
    let cycle = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "en")
        .answers("Answers", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training")]))
        .write(&cycle.inbox("FRA/UNTOC.xlsx"));
    ReturnSheet::new("TIP-2026", "ESP", V::D(2026, 3, 2), "es")
        .answers("Answers", full_answers("TIP-2026", &[]))
        .write(&cycle.inbox("ESP/TIP.xlsx"));
    std::fs::write(cycle.inbox("broken.xml"), "<return><a></return>").unwrap();
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 3, 0, 0));
    // A late return arrives, and one file is corrected in place: the two
    // others are taken from the snapshot.
    ReturnSheet::new("SOM-2026", "USA", V::D(2026, 7, 1), "en")
        .answers("Answers", full_answers("SOM-2026", &[]))
        .write(&cycle.inbox("USA/SOM.xlsx"));
    std::fs::write(cycle.inbox("broken.xml"), "<return><a/></return>").unwrap();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 2, 0, 2));
    let warm = outputs(&cycle.out());
    assert_eq!(run_cycle(dir, &dir.join("none"), &["--no-cache"]), None);
    assert_eq!(warm, outputs(&dir.join("none")));
}

#[test]
fn corrupt_entries_are_ignored_and_rewritten() {
    let cycle = twins_cycle();
    let dir = cycle.path();
    let cache = dir.join("elsewhere");
    let c = cache.to_str().unwrap();
    run_cycle(dir, &dir.join("cold"), &["--cache", c]).unwrap();
    assert!(!dir.join(".art32-cache").exists(), "--cache DIR wrote into the cycle folder");
    // Damage every entry a different way: truncated, a flipped payload byte,
    // another version, random bytes, empty, swapped with another entry.
    let files = entries(&cache);
    assert_eq!(
        files.len(),
        53,
        "24 ingest and 24 examine entries, the snapshot and the answers of the 4 retained returns"
    );
    let first = std::fs::read(&files[0]).unwrap();
    for (i, f) in files.iter().enumerate() {
        let mut bytes = std::fs::read(f).unwrap();
        match i % 6 {
            0 => bytes.truncate(bytes.len() / 2),
            1 => {
                let n = bytes.len() - 3;
                bytes[n] ^= 0x20;
            }
            2 => {
                // The header is text, the payload binary.
                let magic = bytes.iter().position(|b| *b == b' ').unwrap();
                let version = magic + 1 + bytes[magic + 1..].iter().position(|b| *b == b' ').unwrap();
                bytes.splice(magic + 1..version, *b"999");
            }
            3 => bytes = (0..bytes.len()).map(|k| (k * 31 % 251) as u8).collect(),
            4 => bytes.clear(),
            _ => bytes = first.clone(),
        }
        std::fs::write(f, bytes).unwrap();
    }
    assert_eq!(run_cycle(dir, &dir.join("repaired"), &["--cache", c]), stats(0, 24, 49, 0));
    assert_eq!(outputs(&dir.join("cold")), outputs(&dir.join("repaired")));
    // The entries were rewritten whole: the next run trusts them all.
    assert_eq!(run_cycle(dir, &dir.join("warm"), &["--cache", c]), stats(0, 0, 0, 24));
    assert_eq!(outputs(&dir.join("cold")), outputs(&dir.join("warm")));
    // A damaged answers entry: its return is read again (from its ingest
    // entry) and the answers entry rewritten.
    let answers = entries(&cache.join("answers"));
    assert_eq!(answers.len(), 4);
    for f in &answers {
        let mut bytes = std::fs::read(f).unwrap();
        let n = bytes.len() - 2;
        bytes[n] ^= 0x01;
        std::fs::write(f, bytes).unwrap();
    }
    assert_eq!(run_cycle(dir, &dir.join("answers"), &["--cache", c]), stats(4, 0, 4, 24));
    assert_eq!(outputs(&dir.join("cold")), outputs(&dir.join("answers")));
    assert_eq!(run_cycle(dir, &dir.join("warm"), &["--cache", c]), stats(0, 0, 0, 24));
    std::fs::remove_dir_all(cache.join("records")).unwrap();
    assert_eq!(run_cycle(dir, &dir.join("entries"), &["--cache", c]), stats(24, 0, 0, 0));
    assert_eq!(outputs(&dir.join("cold")), outputs(&dir.join("entries")));
}

#[test]
fn a_changed_vocabulary_or_limit_makes_every_entry_stale() {
    let tmp = tempfile::tempdir().unwrap();
    let schemas = tmp.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    for e in std::fs::read_dir(repo().join("schemas")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), schemas.join(e.file_name())).unwrap();
    }
    let cycle = TestCycle::new();
    let toml = std::fs::read_to_string(cycle.path().join("cycle.toml")).unwrap();
    let toml = toml.replace(&repo().join("schemas").display().to_string(), &schemas.display().to_string());
    std::fs::write(cycle.path().join("cycle.toml"), toml).unwrap();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", full_answers("UNTOC-2026", &[]))
        .write(&cycle.inbox("FRA/UNTOC.xlsx"));
    std::fs::write(
        cycle.inbox("ESP/TIP.xml"),
        "<return questionnaire=\"TIP-2026\" version=\"1\"><state code=\"ESP\"/></return>",
    )
    .unwrap();
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 2, 0, 0));
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 0, 0, 2));
    let mut vocab = std::fs::read_to_string(schemas.join("vocabulary.toml")).unwrap();
    vocab.push_str("\n# a comment changes the bytes, so every entry is stale\n");
    std::fs::write(schemas.join("vocabulary.toml"), vocab).unwrap();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 2, 0, 0));
    assert_eq!(run_cycle(dir, &cycle.out(), &["--max-xml-depth", "40"]), stats(0, 2, 0, 0));
    // The snapshot and the entries of the default limits are still there.
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 0, 0, 2));
}

#[test]
fn a_changed_register_or_cycle_file_makes_the_snapshot_stale_but_not_the_entries() {
    let cycle = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training")]))
        .write(&cycle.inbox("FRA/UNTOC.xlsx"));
    ReturnSheet::new("TIP-2026", "ESP", V::D(2026, 3, 2), "es")
        .answers("Respuestas", full_answers("TIP-2026", &[]))
        .write(&cycle.inbox("ESP/TIP.xlsx"));
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 2, 0, 0));
    // Bind depends on the register: a record of the last run would be stale.
    let parties = dir.join("parties.csv");
    let register = std::fs::read_to_string(&parties).unwrap();
    let edited: String =
        register.lines().filter(|l| !l.starts_with("ESP,")).map(|l| format!("{l}\n")).collect();
    assert_ne!(edited, register, "ESP is in the test register");
    std::fs::write(&parties, edited).unwrap();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(2, 0, 0, 0));
    let warm = outputs(&cycle.out());
    assert_eq!(run_cycle(dir, &dir.join("none"), &["--no-cache"]), None);
    assert_eq!(warm, outputs(&dir.join("none")));
    // So does cycle.toml.
    let toml = dir.join("cycle.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n# edited\n")).unwrap();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(2, 0, 0, 0));
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 0, 0, 2));
}

#[test]
fn when_the_return_that_counted_is_removed_the_one_it_superseded_is_read_again() {
    let cycle = TestCycle::new();
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 1), "fr")
        .answers("Réponses", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "training")]))
        .write(&cycle.inbox("FRA/first.xlsx"));
    ReturnSheet::new("UNTOC-2026", "FRA", V::D(2026, 3, 5), "fr")
        .answers("Réponses", full_answers("UNTOC-2026", &[("UNTOC.5.TA", "legislative-drafting")]))
        .write(&cycle.inbox("FRA/second.xlsx"));
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(0, 2, 0, 0));
    // The snapshot keeps the answers of the return that counted only.
    std::fs::remove_file(cycle.inbox("FRA/second.xlsx")).unwrap();
    assert_eq!(run_cycle(dir, &cycle.out(), &[]), stats(1, 0, 0, 1));
    let warm = outputs(&cycle.out());
    assert!(String::from_utf8_lossy(&warm["needs.csv"]).contains("training"));
    assert_eq!(run_cycle(dir, &dir.join("none"), &["--no-cache"]), None);
    assert_eq!(warm, outputs(&dir.join("none")));
}

/// Longer than a file must have been left alone for its stamp to be taken
/// (three seconds, more than the coarsest file-system clock tick).
const SETTLE: std::time::Duration = std::time::Duration::from_millis(3200);

#[test]
fn a_file_left_alone_since_the_last_run_is_not_read_again_and_a_changed_one_is() {
    let cycle = twins_cycle();
    let dir = cycle.path();
    assert_eq!(run_cycle(dir, &dir.join("cold"), &[]), stats(0, 24, 0, 0));
    // Files changed a moment ago get no stamp: each run reads them.
    assert_eq!(run_cycle(dir, &dir.join("fresh"), &[]), stats(0, 0, 0, 24));
    std::thread::sleep(SETTLE);
    // Once settled, a run stamps them in the snapshot, and the next run
    // takes their records without reading them.
    assert_eq!(run_cycle(dir, &dir.join("stamped"), &[]), stats(0, 0, 0, 24));
    let unread = run_cycle(dir, &dir.join("unread"), &[]).unwrap();
    assert_eq!(unread, Stats { unread: 24, ..stats(0, 0, 0, 24).unwrap() });
    // A file rewritten in place, with the same size and its modification
    // time put back, and left to settle: its change time has moved, so it
    // is read, and only it.
    let file = cycle.inbox("UNTOC-2026/return.xml");
    let before = std::fs::metadata(&file).unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen("31 décembre 2025", "30 décembre 2025", 1);
    assert_ne!(edited, text);
    std::fs::write(&file, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!((after.len(), after.modified().unwrap()), (before.len(), before.modified().unwrap()));
    std::thread::sleep(SETTLE);
    let changed = run_cycle(dir, &dir.join("changed"), &[]).unwrap();
    assert_eq!(changed, Stats { unread: 23, ..stats(0, 1, 0, 23).unwrap() });
    assert_ne!(
        outputs(&dir.join("changed"))["manifest.jsonl"],
        outputs(&dir.join("unread"))["manifest.jsonl"]
    );
    assert_eq!(run_cycle(dir, &dir.join("none"), &["--no-cache"]), None);
    assert_eq!(outputs(&dir.join("changed")), outputs(&dir.join("none")));
    let cold = outputs(&dir.join("cold"));
    for run in ["fresh", "stamped", "unread"] {
        assert_eq!(cold, outputs(&dir.join(run)), "{run}");
    }
}
