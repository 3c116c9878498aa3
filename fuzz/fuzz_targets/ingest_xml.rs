//! Any bytes, read as an XML return: ingest must return a raw return or a
//! rejection, never panic, hang or exhaust memory; and the scan of what a
//! rejected file names must not either.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use art32::discover::Limits;
use art32::ingest::ingest;
use art32::model::Format;
use common::VOCABULARY;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if ingest(bytes, Format::Xml, &VOCABULARY, &Limits::default()).is_err() {
        let _ = art32::ingest::xml::named(bytes);
    }
});
