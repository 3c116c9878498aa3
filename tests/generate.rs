//! `art32 generate` (hidden): the benchmark corpus is deterministic, in the
//! mix of formats asked for, and every file it writes is read by `art32 run`
//! (broken ones rejected with a reason, none an internal error).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn generate(out: &Path, n: usize, seed: u64) {
    let o = run(&[
        "-q",
        "generate",
        "--out",
        out.to_str().unwrap(),
        "-n",
        &n.to_string(),
        "--seed",
        &seed.to_string(),
        "--schemas",
        repo().join("schemas").to_str().unwrap(),
        "--register",
        repo().join("fixtures/cycle-2026").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every file under a folder: relative path -> bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    generate(&a, 120, 9);
    generate(&b, 120, 9);
    generate(&c, 120, 10);
    let (ta, tb, tc) = (tree(&a.join("inbox")), tree(&b.join("inbox")), tree(&c.join("inbox")));
    assert_eq!(ta.len(), 120);
    assert!(ta == tb, "two corpora of the same seed differ");
    assert_ne!(ta, tc);
    for name in ["parties.csv", "focal-points.csv"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(repo().join("fixtures/cycle-2026").join(name)).unwrap()
        );
    }
    // A second generate into the same folder refuses to mix corpora.
    let o = run(&[
        "generate",
        "--out",
        a.to_str().unwrap(),
        "-n",
        "3",
        "--schemas",
        repo().join("schemas").to_str().unwrap(),
        "--register",
        repo().join("fixtures/cycle-2026").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_generated_file_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cycle");
    generate(&dir, 400, 2026);
    let out = tmp.path().join("out");
    let o = run(&["run", dir.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-cache"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = std::fs::read_to_string(out.join("manifest.jsonl")).unwrap();
    let entries: Vec<serde_json::Value> =
        manifest.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 400);
    let mut formats: BTreeMap<String, usize> = BTreeMap::new();
    let mut rejected = 0;
    for e in &entries {
        *formats.entry(e["format"].as_str().unwrap().to_owned()).or_insert(0) += 1;
        if e["status"] == "rejected" {
            rejected += 1;
            assert_ne!(e["reason"], "internal-error", "{e}");
            let reason = e["reason"].as_str().unwrap();
            assert!(["corrupt", "malformed-xml", "doctype-forbidden"].contains(&reason), "{e}");
        }
    }
    assert!(rejected <= 12, "{rejected} rejected");
    for f in ["xlsx", "ods", "xls", "xml"] {
        assert!(formats.get(f).copied().unwrap_or(0) > 5, "{formats:?}");
    }
    // The answers are what a State writes: all but blanks are valid.
    let answers = std::fs::read_to_string(out.join("answers.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(answers.as_bytes());
    let status = rdr.headers().unwrap().iter().position(|h| h == "status").unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        assert!(["valid", "blank"].contains(&&r[status]), "{r:?}");
    }
}
