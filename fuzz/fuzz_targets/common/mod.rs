//! What the fuzz targets share: the real vocabulary, and the panic hook that
//! lets calamine's panics be caught as the pipeline catches them.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{LazyLock, Mutex, Once};

use art32::schema::{Schemas, Vocabulary};

/// The repository's real vocabulary, loaded once.
pub static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    match Schemas::load(&dir) {
        Ok(s) => s.vocabulary,
        Err(e) => panic!("{} does not load:\n{e}", dir.display()),
    }
});

/// Source lines of calamine that have panicked so far.
static CALAMINE_PANICS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

static HOOK: Once = Once::new();

/// Lets panics raised in calamine unwind to `catch_unwind` (reported once
/// per source line on stderr); any other panic goes to libFuzzer's hook,
/// which reports the crash. Installs the hook on the first call only.
pub fn catch_calamine_panics() {
    HOOK.call_once(|| {
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
    });
}
