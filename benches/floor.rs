//! The floor: the least any tool must do to read an inbox — calamine opening
//! each workbook and reading every cell of every sheet, quick-xml reading
//! every event of each XML file — and nothing else. art32's end-to-end run is
//! measured against it.
//!
//! `cargo bench --bench floor -- INBOX_DIR [--threads N]` prints files/s and
//! MB/s for the floor over every file under INBOX_DIR, read in parallel like
//! `art32 run` does.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::{Reader, open_workbook_auto_from_rs};
use quick_xml::events::Event;
use rayon::prelude::*;

/// The allocator art32 uses (`src/main.rs`), with transparent huge pages
/// off as there ([`measure`]), so that the floor and the run compared with
/// it allocate alike: mimalloc makes the floor about 7% cheaper too
/// (instructions, 800 returns), and a floor on glibc's malloc would credit
/// art32 with the allocator's gain. (This module is also
/// `benches/run.rs`'s floor, which then uses it as well.)
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => files(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

/// Reads one file the cheapest complete way; returns the number of cells or events.
fn floor(path: &Path) -> usize {
    let Ok(bytes) = std::fs::read(path) else { return 0 };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "xml" {
        let mut r = quick_xml::Reader::from_reader(bytes.as_slice());
        let mut buf = Vec::new();
        let mut n = 0;
        loop {
            match r.read_event_into(&mut buf) {
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => n += 1,
            }
            buf.clear();
        }
        return n;
    }
    let Ok(mut wb) = open_workbook_auto_from_rs(Cursor::new(bytes)) else { return 0 };
    let mut n = 0;
    for name in wb.sheet_names() {
        if let Ok(range) = wb.worksheet_range(&name) {
            n += range.used_cells().count();
        }
    }
    n
}

/// Reads every file under `dir` the floor's way on `threads` workers (one per
/// core when `None`) and prints one line: files, MB, cells/events, seconds.
pub fn measure(dir: &Path, threads: Option<usize>) {
    // As art32 does (`src/main.rs`): no transparent huge pages under mimalloc.
    art32::pipeline::no_transparent_huge_pages();
    let mut list = Vec::new();
    files(dir, &mut list);
    list.sort();
    let bytes: u64 = list.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    let Ok(pool) = builder.build() else {
        eprintln!("cannot start the thread pool");
        return;
    };
    let start = Instant::now();
    let items: usize = pool.install(|| list.par_iter().map(|p| floor(p)).sum());
    let secs = start.elapsed().as_secs_f64();
    println!(
        "floor: {} files, {:.1} MB, {items} cells/events in {secs:.3} s: {:.0} files/s, {:.1} MB/s",
        list.len(),
        bytes as f64 / 1e6,
        list.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(dir) = args.next() else {
        eprintln!("usage: cargo bench --bench floor -- INBOX_DIR [--threads N]");
        return;
    };
    let mut threads = None;
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args.next().and_then(|n| n.parse::<usize>().ok());
        }
    }
    measure(Path::new(&dir), threads);
}
