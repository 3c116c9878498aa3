//! The end-to-end benchmark of issue 6: on generated corpora (by default 800
//! and 10,000 returns, `art32 generate`), the floor (`benches/floor.rs`:
//! calamine reading every cell, quick-xml every event) against `art32 run`
//! cold (no ingest cache) and warm (every entry cached, and after one new
//! return), on 1 and 2 threads. Each measurement is a child process, timed
//! from spawn to exit, its peak memory the `ru_maxrss` that `wait4` reports
//! for that child alone; the best of `--runs` is kept.
//!
//! ```text
//! cargo bench --bench run -- [--sizes 800,10000] [--runs 3] [--seed 2026] [--corpus DIR]
//! ```
//!
//! Corpora are generated once into `target/bench-corpus/` (kept between
//! runs). The bench prints a markdown table; it never asserts a timing.

#[allow(dead_code)]
#[path = "floor.rs"]
mod floor;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn Error>>;

/// One timed child process.
#[derive(Debug, Clone, Copy)]
struct Measure {
    secs: f64,
    peak_mb: f64,
}

/// Runs a command to completion; its wall time and peak resident memory.
fn measure(cmd: &mut Command) -> Res<Measure> {
    cmd.stdout(Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id())?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std never waits for a
    // dropped Child); both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    if reaped != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{cmd:?} failed (status {status})").into());
    }
    Ok(Measure { secs, peak_mb: usage.ru_maxrss as f64 / 1024.0 })
}

/// The best (fastest) of `runs` measurements, with the highest peak memory seen.
fn best(runs: usize, mut f: impl FnMut() -> Res<Measure>) -> Res<Measure> {
    let mut out: Option<Measure> = None;
    for _ in 0..runs.max(1) {
        let m = f()?;
        out = Some(match out {
            None => m,
            Some(b) => Measure { secs: b.secs.min(m.secs), peak_mb: b.peak_mb.max(m.peak_mb) },
        });
    }
    out.ok_or_else(|| "no run".into())
}

/// Files and bytes under a folder.
fn walk(dir: &Path, files: &mut u64, bytes: &mut u64) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&e.path(), files, bytes),
            Ok(t) if t.is_file() => {
                *files += 1;
                *bytes += e.metadata().map_or(0, |m| m.len());
            }
            _ => {}
        }
    }
}

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    seed: u64,
    corpus: PathBuf,
}

fn options() -> Res<Options> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut o =
        Options { sizes: vec![800, 10_000], runs: 3, seed: 2026, corpus: root.join("target/bench-corpus") };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => o.sizes = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--runs" => o.runs = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--corpus" => o.corpus = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(o)
}

fn art32() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_art32"));
    c.arg("-q");
    c
}

/// Generates a corpus unless it is there already.
fn corpus(o: &Options, n: usize, seed: u64) -> Res<PathBuf> {
    let dir = o.corpus.join(format!("n{n}-seed{seed}"));
    if !dir.join("cycle.toml").exists() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let _ = std::fs::remove_dir_all(&dir);
        let status = art32()
            .args(["generate", "--out"])
            .arg(&dir)
            .args(["-n", &n.to_string(), "--seed", &seed.to_string(), "--schemas"])
            .arg(root.join("schemas"))
            .arg("--register")
            .arg(root.join("fixtures/cycle-2026"))
            .status()?;
        if !status.success() {
            return Err("art32 generate failed".into());
        }
    }
    Ok(dir)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--floor-child") {
        let dir = args.get(2).ok_or("--floor-child DIR THREADS")?;
        let threads = args.get(3).and_then(|t| t.parse().ok());
        floor::measure(Path::new(dir), threads);
        return Ok(());
    }
    let o = options()?;
    let me = std::env::current_exe()?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    println!(
        "machine: {} cores ({cpu}); load before: {}",
        std::thread::available_parallelism().map_or(0, usize::from),
        load()
    );
    println!();
    println!("| returns | MB | what | threads | seconds | files/s | MB/s | x floor | peak MB |");
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|");
    let scratch = tempfile::tempdir()?;
    for &n in &o.sizes {
        let dir = corpus(&o, n, o.seed)?;
        let inbox = dir.join("inbox");
        let (mut files, mut bytes) = (0, 0);
        walk(&inbox, &mut files, &mut bytes);
        let mb = bytes as f64 / 1e6;
        let row = |what: &str, threads: usize, m: Measure, floor: Option<Measure>| {
            let ratio = floor.map_or(String::new(), |f| format!("{:.2}", m.secs / f.secs));
            println!(
                "| {files} | {mb:.1} | {what} | {threads} | {:.3} | {:.0} | {:.1} | {ratio} | {:.0} |",
                m.secs,
                files as f64 / m.secs,
                mb / m.secs,
                m.peak_mb
            );
        };
        let out = scratch.path().join(format!("out-{n}"));
        let (mut cold, mut floors) = ([None; 3], [None; 3]);
        for threads in [2usize, 1] {
            let t = threads.to_string();
            let fl = best(o.runs, || measure(Command::new(&me).arg("--floor-child").arg(&inbox).arg(&t)))?;
            row("floor", threads, fl, None);
            let cold_run = best(o.runs, || {
                measure(art32().arg("run").arg(&dir).arg("--out").arg(&out).args([
                    "--no-cache",
                    "--threads",
                    &t,
                ]))
            })?;
            row("art32 run, cold", threads, cold_run, Some(fl));
            cold[threads] = Some(cold_run);
            floors[threads] = Some(fl);
        }
        let cache = scratch.path().join(format!("cache-{n}"));
        let warm_run = || {
            measure(
                art32()
                    .arg("run")
                    .arg(&dir)
                    .arg("--out")
                    .arg(&out)
                    .arg("--cache")
                    .arg(&cache)
                    .args(["--threads", "2"]),
            )
        };
        warm_run()?;
        let warm = best(o.runs, warm_run)?;
        row("art32 run, warm (all cached)", 2, warm, None);
        // One new return per repetition, each a file the cache has never seen.
        let extra = corpus(&o, o.runs.max(1) * 4, o.seed + 1)?;
        let mut new_files = Vec::new();
        let mut stack = vec![extra.join("inbox")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)?.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "xlsx") {
                    new_files.push(p);
                }
            }
        }
        new_files.sort();
        let landing = inbox.join("NEW");
        std::fs::create_dir_all(&landing)?;
        let mut k = 0;
        let incremental = best(o.runs, || {
            let src = new_files.get(k).ok_or("no new file left")?;
            k += 1;
            std::fs::copy(src, landing.join(src.file_name().ok_or("name")?))?;
            warm_run()
        });
        std::fs::remove_dir_all(&landing)?;
        let incremental = incremental?;
        row("art32 run, warm after one new return", 2, incremental, None);
        for threads in [1, 2] {
            if let Some(c) = cold[threads] {
                println!(
                    "| {files} | {mb:.1} | cold ({threads} thread{}) / warm after one new return | | {:.1}x | | | | |",
                    if threads == 1 { "" } else { "s" },
                    c.secs / incremental.secs
                );
            }
        }
        if let ([_, Some(f1), Some(f2)], [_, Some(c1), Some(c2)]) = (floors, cold) {
            println!(
                "| {files} | {mb:.1} | 2 threads / 1: floor {:.2}x, cold run {:.2}x | | | | | | |",
                f1.secs / f2.secs,
                c1.secs / c2.secs
            );
        }
    }
    println!();
    println!("load after: {}", load());
    Ok(())
}
