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

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{LazyLock, Mutex, Once};

use art32::discover::{Limits, Verdict, judge};
use art32::ingest::ingest;
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

/// Source lines of calamine that have panicked so far.
static CALAMINE_PANICS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Lets panics raised in calamine unwind to `catch_unwind`; any other panic
/// goes to libFuzzer's hook, which reports the crash.
fn catch_calamine_panics() {
    let crash = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| match info.location() {
        Some(at) if at.file().contains("/calamine-") => {
            let first = CALAMINE_PANICS
                .lock()
                .map(|mut seen| seen.insert(format!("{}:{}", at.file(), at.line())))
                .unwrap_or(false);
            if first {
                eprintln!("calamine panicked (caught, as the pipeline does): {info}");
            }
        }
        _ => crash(info),
    }));
}

static HOOK: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    HOOK.call_once(catch_calamine_panics);
    let limits = Limits::default();
    for name in ["return.xlsx", "return.xlsb", "return.ods"] {
        let (format, verdict, unpacked) = judge(name, bytes, &limits);
        if let (Verdict::Process, Some(copy)) = (verdict, unpacked) {
            let _ = catch_unwind(AssertUnwindSafe(|| ingest(&copy, format, &VOCABULARY, &limits)));
        }
    }
});
