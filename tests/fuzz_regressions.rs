//! Inputs that the fuzz targets (`fuzz/`) found to crash, hang or exhaust
//! memory, kept under `fixtures/fuzz-regressions/<target>/` and named after
//! the damage they carry. Those that art32 now refuses before calamine
//! (`cfb-*`) are read again by ingest the way their target read them; those
//! that still panic inside calamine (`calamine-panic-*`) must cost the run
//! nothing but their own `corrupt` entry. The whole set goes through
//! `art32 run`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use art32::discover::Limits;
use art32::ingest::ingest;
use art32::model::Format;
use art32::schema::{Schemas, Vocabulary};
use common::*;

const TARGETS: [&str; 2] = ["ingest_spreadsheet", "ingest_xml"];

static VOCABULARY: LazyLock<Vocabulary> =
    LazyLock::new(|| Schemas::load(&repo().join("schemas")).unwrap().vocabulary);

/// The regression inputs of a fuzz target, sorted (none yet is fine).
fn fixtures(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("fixtures/fuzz-regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn name(path: &Path) -> &str {
    path.file_name().unwrap().to_str().unwrap()
}

#[test]
fn damaged_compound_files_are_rejected_as_corrupt_by_every_spreadsheet_reader() {
    let files: Vec<PathBuf> =
        fixtures("ingest_spreadsheet").into_iter().filter(|p| name(p).starts_with("cfb-")).collect();
    assert!(!files.is_empty());
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        // As fuzz/fuzz_targets/ingest_spreadsheet.rs reads them.
        for format in [Format::Xlsx, Format::Xlsb, Format::Xls, Format::Ods] {
            let got = ingest(&bytes, format, &VOCABULARY, &Limits::default());
            let rejection = got.err().unwrap_or_else(|| panic!("{} as {format:?} was accepted", name(&path)));
            assert_eq!(rejection.reason.code(), "corrupt", "{} as {format:?}: {rejection:?}", name(&path));
        }
    }
}

#[test]
fn xml_regressions_are_read_without_panic() {
    for path in fixtures("ingest_xml") {
        let bytes = std::fs::read(&path).unwrap();
        // As fuzz/fuzz_targets/ingest_xml.rs reads them.
        let _ = ingest(&bytes, Format::Xml, &VOCABULARY, &Limits::default());
    }
}

#[test]
fn every_fuzz_regression_input_ends_in_the_manifest_and_the_run_succeeds() {
    let c = TestCycle::new();
    let mut expected = Vec::new();
    for target in TARGETS {
        for path in fixtures(target) {
            let rel = format!("{target}/{}", name(&path));
            std::fs::copy(&path, c.inbox(&rel)).unwrap();
            expected.push(rel);
        }
    }
    c.run(&[]);
    let manifest = c.manifest();
    assert_eq!(manifest.len(), expected.len(), "{manifest:#?}");
    for rel in expected {
        let e = c.manifest_entry(&rel);
        assert_eq!(e["status"], "rejected", "{e}");
        // A panic inside calamine is caught around it: the file is corrupt,
        // in the format its bytes tell, not a bug of art32.
        assert_ne!(e["reason"], "internal-error", "{e}");
        if rel.contains("/calamine-panic-") {
            let format = if rel.ends_with(".xlsb") { "xlsb" } else { "xls" };
            assert_eq!((e["reason"].as_str(), e["format"].as_str()), (Some("corrupt"), Some(format)), "{e}");
            // Refused before calamine (a record overrunning its part), or
            // caught in it.
            let message = e["message"].as_str().unwrap();
            assert!(message.starts_with("not a readable"), "{e}");
        }
    }
}
