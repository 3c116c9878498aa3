//! Any bytes, read as each spreadsheet format in turn: ingest must return a
//! raw return or a rejection, never panic, hang or exhaust memory.
//!
//! A panic inside calamine is caught here as art32's pipeline catches it
//! (the file is rejected as `internal-error` and the run goes on), and
//! reported once per source line on stderr; a panic anywhere else is a crash.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use art32::discover::Limits;
use art32::ingest::ingest;
use art32::model::Format;
use common::{VOCABULARY, catch_calamine_panics};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    catch_calamine_panics();
    let limits = Limits::default();
    for format in [Format::Xlsx, Format::Xlsb, Format::Xls, Format::Ods] {
        let _ = catch_unwind(AssertUnwindSafe(|| ingest(bytes, format, &VOCABULARY, &limits)));
    }
});
