//! Any bytes, read as an XML return: ingest must return a raw return or a
//! rejection, never panic, hang or exhaust memory.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use art32::discover::Limits;
use art32::ingest::ingest;
use art32::model::Format;
use art32::schema::{Schemas, Vocabulary};
use libfuzzer_sys::fuzz_target;

/// The repository's real vocabulary, loaded once.
static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    match Schemas::load(&dir) {
        Ok(s) => s.vocabulary,
        Err(e) => panic!("{} does not load:\n{e}", dir.display()),
    }
});

fuzz_target!(|bytes: &[u8]| {
    let _ = ingest(bytes, Format::Xml, &VOCABULARY, &Limits::default());
});
