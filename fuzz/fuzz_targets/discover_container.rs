//! Any bytes, judged by discover as a workbook of each zip format (the
//! container checks, which inflate every part read into the stored copy),
//! then, when a stored copy was made, ingested from it as the pipeline does:
//! discover must give a verdict and ingest a raw return or a rejection,
//! never panic, hang or exhaust memory.
//!
//! A panic inside calamine is caught here as art32's pipeline catches it
//! (the file is rejected as `internal-error`), and reported once per source
//! line on stderr; a panic anywhere else is a crash.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use art32::discover::{Limits, Verdict, judge};
use art32::ingest::ingest;
use common::{VOCABULARY, catch_calamine_panics};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    catch_calamine_panics();
    let limits = Limits::default();
    for name in ["return.xlsx", "return.xlsb", "return.ods"] {
        let (format, verdict, unpacked) = judge(name, bytes, &limits);
        if let (Verdict::Process, Some(copy)) = (verdict, unpacked) {
            let _ = catch_unwind(AssertUnwindSafe(|| ingest(&copy, format, &VOCABULARY, &limits)));
        }
    }
});
