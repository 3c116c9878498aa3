//! The end-to-end benchmark of issue 6: on generated corpora (by default 800
//! and 10,000 returns, `art32 generate`), the floor (`benches/floor.rs`:
//! calamine reading every cell, quick-xml every event) against `art32 run`
//! cold (no ingest cache) and warm (every entry cached, and after one new
//! return), on 1 and 2 threads; with `--per-format`, also each format alone
//! and an empty inbox (the run's fixed cost), on 1 thread. Each measurement is a child process, timed
//! from spawn to exit, with its CPU time (user and system) and its peak
//! memory (the `ru_utime`, `ru_stime` and `ru_maxrss` that `wait4` reports
//! for that child alone); the best of `--runs` is kept. The floor and the
//! cold run are run in turn, repetition by repetition, so that a change in
//! the machine's load weighs on both alike, and the median of their
//! back-to-back ratios is printed too.
//!
//! ```text
//! cargo bench --bench run -- [--sizes 800,10000] [--runs 3] [--seed 2026] [--corpus DIR] [--per-format]
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
    /// Wall time, spawn to exit.
    secs: f64,
    /// User and system CPU time.
    cpu: f64,
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
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Measure {
        secs,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
    })
}

/// The better of two measurements of the same thing: the least wall and
/// CPU time, the highest peak memory.
fn better(a: Option<Measure>, m: Measure) -> Measure {
    match a {
        None => m,
        Some(b) => {
            Measure { secs: b.secs.min(m.secs), cpu: b.cpu.min(m.cpu), peak_mb: b.peak_mb.max(m.peak_mb) }
        }
    }
}

/// The best (fastest) of `runs` measurements, with the highest peak memory seen.
fn best(runs: usize, mut f: impl FnMut() -> Res<Measure>) -> Res<Measure> {
    let mut out: Option<Measure> = None;
    for _ in 0..runs.max(1) {
        out = Some(better(out, f()?));
    }
    out.ok_or_else(|| "no run".into())
}

/// Two commands measured in turn (a, b, a, b...), so that a change in the
/// machine's load between the repetitions weighs on both alike.
#[derive(Debug, Clone, Copy)]
struct Pair {
    /// The best of each.
    a: Measure,
    b: Measure,
    /// The median, over the repetitions, of b's wall time over a's in that
    /// repetition: a load that comes and goes between repetitions moves
    /// the best of each, but seldom the middle of these ratios.
    median_ratio: f64,
    /// The same in CPU time.
    median_cpu_ratio: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn best_pair(
    runs: usize,
    mut a: impl FnMut() -> Res<Measure>,
    mut b: impl FnMut() -> Res<Measure>,
) -> Res<Pair> {
    let (mut x, mut y) = (None, None);
    let (mut ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let (ma, mb) = (a()?, b()?);
        ratios.push(mb.secs / ma.secs);
        cpu_ratios.push(mb.cpu / ma.cpu);
        x = Some(better(x, ma));
        y = Some(better(y, mb));
    }
    Ok(Pair {
        a: x.ok_or("no run")?,
        b: y.ok_or("no run")?,
        median_ratio: median(ratios),
        median_cpu_ratio: median(cpu_ratios),
    })
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
    /// Also measure each format alone, and an empty inbox.
    per_format: bool,
}

fn options() -> Res<Options> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        sizes: vec![800, 10_000],
        runs: 3,
        seed: 2026,
        corpus: root.join("target/bench-corpus"),
        per_format: false,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => o.sizes = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--runs" => o.runs = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--corpus" => o.corpus = PathBuf::from(value()?),
            "--per-format" => o.per_format = true,
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

/// One row of the table.
fn print_row(files: u64, mb: f64, what: &str, threads: usize, m: Measure, floor: Option<Measure>) {
    let ratio = floor.map_or(String::new(), |f| format!("{:.2}", m.secs / f.secs));
    let cpu_ratio = floor.map_or(String::new(), |f| format!("{:.2}", m.cpu / f.cpu));
    println!(
        "| {files} | {mb:.1} | {what} | {threads} | {:.3} | {:.3} | {:.0} | {:.1} | {ratio} | {cpu_ratio} | {:.0} |",
        m.secs,
        m.cpu,
        files as f64 / m.secs,
        mb / m.secs,
        m.peak_mb
    );
}

/// The median ratio of a [`Pair`], as a row of the table.
fn print_median(files: u64, mb: f64, what: &str, threads: usize, runs: usize, pair: &Pair) {
    println!(
        "| {files} | {mb:.1} | cold / floor, median of {} back-to-back pairs{what} | {threads} | | | | | {:.2} | {:.2} | |",
        runs.max(1),
        pair.median_ratio,
        pair.median_cpu_ratio
    );
}

/// A cycle folder at `to` with the cycle files of `from` and, in its inbox,
/// the files of `from`'s inbox whose extension is `ext` (hard links where
/// the file system allows, copies elsewhere), in the same subfolders.
fn split_by_extension(from: &Path, to: &Path, ext: Option<&str>) -> Res<()> {
    std::fs::create_dir_all(to.join("inbox"))?;
    for name in ["cycle.toml", "parties.csv", "focal-points.csv"] {
        std::fs::copy(from.join(name), to.join(name))?;
    }
    let Some(ext) = ext else { return Ok(()) };
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(from.join("inbox").join(&rel))?.flatten() {
            let (path, rel) = (e.path(), rel.join(e.file_name()));
            if e.file_type()?.is_dir() {
                std::fs::create_dir_all(to.join("inbox").join(&rel))?;
                stack.push(rel);
            } else if path.extension().is_some_and(|x| x == ext) {
                let target = to.join("inbox").join(&rel);
                if std::fs::hard_link(&path, &target).is_err() {
                    std::fs::copy(&path, &target)?;
                }
            }
        }
    }
    Ok(())
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
    println!(
        "| returns | MB | what | threads | seconds | CPU s | files/s | MB/s | x floor | x floor, CPU | peak MB |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let scratch = tempfile::tempdir()?;
    for &n in &o.sizes {
        let dir = corpus(&o, n, o.seed)?;
        let inbox = dir.join("inbox");
        let (mut files, mut bytes) = (0, 0);
        walk(&inbox, &mut files, &mut bytes);
        let mb = bytes as f64 / 1e6;
        let row = |what: &str, threads: usize, m: Measure, floor: Option<Measure>| {
            print_row(files, mb, what, threads, m, floor);
        };
        let out = scratch.path().join(format!("out-{n}"));
        // Per thread count: the floor and the cold run, measured in turn.
        let mut pairs: [Option<Pair>; 3] = [None; 3];
        for threads in [2usize, 1] {
            let t = threads.to_string();
            let pair = best_pair(
                o.runs,
                || measure(Command::new(&me).arg("--floor-child").arg(&inbox).arg(&t)),
                || {
                    measure(art32().arg("run").arg(&dir).arg("--out").arg(&out).args([
                        "--no-cache",
                        "--threads",
                        &t,
                    ]))
                },
            )?;
            let (fl, cold_run) = (pair.a, pair.b);
            row("floor", threads, fl, None);
            row("art32 run, cold", threads, cold_run, Some(fl));
            pairs[threads] = Some(pair);
        }
        let cache = scratch.path().join(format!("cache-{n}"));
        let warm_run = |threads: usize| {
            measure(
                art32()
                    .arg("run")
                    .arg(&dir)
                    .arg("--out")
                    .arg(&out)
                    .arg("--cache")
                    .arg(&cache)
                    .args(["--threads", &threads.to_string()]),
            )
        };
        warm_run(2)?;
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
        let mut incremental = [None; 3];
        let measured = (|| -> Res<()> {
            for threads in [2usize, 1] {
                let warm = best(o.runs, || warm_run(threads))?;
                row("art32 run, warm (all cached)", threads, warm, None);
                let after_one = best(o.runs, || {
                    let src = new_files.get(k).ok_or("no new file left")?;
                    k += 1;
                    std::fs::copy(src, landing.join(src.file_name().ok_or("name")?))?;
                    warm_run(threads)
                })?;
                row("art32 run, warm after one new return", threads, after_one, None);
                incremental[threads] = Some(after_one);
            }
            Ok(())
        })();
        std::fs::remove_dir_all(&landing)?;
        measured?;
        for threads in [2usize, 1] {
            if let (Some(c), Some(w)) = (pairs[threads].map(|p| p.b), incremental[threads]) {
                println!(
                    "| {files} | {mb:.1} | cold / warm after one new return, {threads} thread{} | | {:.1}x | {:.1}x | | | | | |",
                    if threads == 1 { "" } else { "s" },
                    c.secs / w.secs,
                    c.cpu / w.cpu
                );
            }
        }
        for threads in [2usize, 1] {
            if let Some(pair) = &pairs[threads] {
                print_median(files, mb, "", threads, o.runs, pair);
            }
        }
        if o.per_format {
            // Each format alone, and an empty inbox (the run's fixed cost),
            // on 1 thread.
            for ext in [Some("xlsx"), Some("xml"), Some("ods"), Some("xls"), None] {
                let sub = scratch.path().join(format!("n{n}-{}", ext.unwrap_or("empty")));
                split_by_extension(&dir, &sub, ext)?;
                let (mut sub_files, mut sub_bytes) = (0, 0);
                walk(&sub.join("inbox"), &mut sub_files, &mut sub_bytes);
                let pair = best_pair(
                    o.runs,
                    || measure(Command::new(&me).arg("--floor-child").arg(sub.join("inbox")).arg("1")),
                    || {
                        measure(art32().arg("run").arg(&sub).arg("--out").arg(sub.join("out")).args([
                            "--no-cache",
                            "--threads",
                            "1",
                        ]))
                    },
                )?;
                let what = ext.map_or("an empty inbox".to_owned(), |e| format!(".{e} only"));
                let sub_mb = sub_bytes as f64 / 1e6;
                print_row(sub_files, sub_mb, &format!("floor, {what}"), 1, pair.a, None);
                print_row(sub_files, sub_mb, &format!("art32 run, cold, {what}"), 1, pair.b, Some(pair.a));
                print_median(sub_files, sub_mb, &format!(", {what}"), 1, o.runs, &pair);
            }
        }
        if let [_, Some(Pair { a: f1, b: c1, .. }), Some(Pair { a: f2, b: c2, .. })] = pairs {
            println!(
                "| {files} | {mb:.1} | 2 threads / 1: floor {:.2}x, cold run {:.2}x | | | | | | | | |",
                f1.secs / f2.secs,
                c1.secs / c2.secs
            );
        }
    }
    println!();
    println!("load after: {}", load());
    Ok(())
}
