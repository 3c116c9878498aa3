//! The art32 binary: parse the command line, call the library, map the
//! result to an exit status (0 done, 1 `check` found errors, 2 usage, schema,
//! cycle or output errors).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_indicatif::IndicatifLayer;
use tracing_indicatif::span_ext::IndicatifSpanExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use art32::cli::{Cli, Command, SchemaCommand};
use art32::schema::Schemas;

/// mimalloc instead of the system allocator: a run allocates and frees
/// millions of small strings and vectors (cells, answers, problems, XML
/// nodes), and glibc's malloc and free were a seventh of a cold run and over
/// a quarter of one on XML returns.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    art32::pipeline::no_transparent_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let show_bars = !cli.quiet && std::io::stderr().is_terminal() && matches!(cli.command, Command::Run(_));
    init_logging(cli.verbose, cli.quiet, show_bars);
    match cli.command {
        Command::Run(args) => {
            let config = args.config();
            let bar = show_bars.then(progress_bar);
            let progress: &dyn art32::pipeline::Progress = match &bar {
                Some(b) => b,
                None => &art32::pipeline::NoProgress,
            };
            match art32::pipeline::run(&config, progress) {
                Ok(r) => {
                    drop(bar);
                    if !cli.quiet {
                        eprintln!(
                            "art32: {} files: {} accepted, {} superseded, {} rejected, {} ignored",
                            r.files.iter().sum::<usize>(),
                            r.files[0],
                            r.files[1],
                            r.files[2],
                            r.files[3]
                        );
                        eprintln!(
                            "art32: obligations: {} complete, {} incomplete, {} missing; {} States to follow up; {} needs declared",
                            r.compliance[0], r.compliance[1], r.compliance[2], r.followup, r.needs
                        );
                        eprintln!("art32: outputs in {}", r.out.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("art32: error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Check(args) => {
            let schemas = match Schemas::load(&args.schemas) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("art32: invalid schemas:\n{e}");
                    return ExitCode::from(2);
                }
            };
            let files: Vec<&std::path::Path> = args.files.iter().map(|p| p.as_path()).collect();
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match art32::diagnose::check_files(&files, &schemas, &args.limits.limits(), &mut out) {
                Ok(true) => ExitCode::from(1),
                Ok(false) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("art32: error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Template(args) => template(&args, cli.quiet),
        Command::Generate(args) => match art32::generate::generate(&args.config()) {
            Ok(r) => {
                if !cli.quiet {
                    eprintln!(
                        "art32: {} files, {} bytes in {}: {:?}",
                        r.files,
                        r.bytes,
                        args.out.display(),
                        r.kinds
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("art32: error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Schema { command: SchemaCommand::Check { dir } } => {
            // The findings are the command's result: on standard output,
            // and a failure to write them is an output error (exit 2).
            let mut out = std::io::stdout().lock();
            let (written, code) = match Schemas::load(&dir) {
                Ok(s) => {
                    let n: usize = s.questionnaires.iter().map(|q| q.questions.len()).sum();
                    let written = writeln!(
                        out,
                        "{}: {} questionnaires ({}), {n} questions, vocabulary in {} languages: ok",
                        dir.display(),
                        s.questionnaires.len(),
                        s.questionnaires.iter().map(|q| q.id.as_str()).collect::<Vec<_>>().join(", "),
                        s.vocabulary.languages.len()
                    );
                    (written, ExitCode::SUCCESS)
                }
                Err(e) => {
                    let written = writeln!(out, "{e}");
                    eprintln!(
                        "art32: {} problem{} in {}",
                        e.0.len(),
                        if e.0.len() == 1 { "" } else { "s" },
                        dir.display()
                    );
                    (written, ExitCode::from(2))
                }
            };
            match written.and_then(|()| out.flush()) {
                Ok(()) => code,
                Err(e) => {
                    eprintln!("art32: error: cannot write to standard output: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `art32 template`: one template into a file (standard output for `--xml`
/// without `-o`), or with `--all` every questionnaire x language into a folder.
fn template(args: &art32::cli::TemplateArgs, quiet: bool) -> ExitCode {
    use art32::model::Lang;
    use art32::template::{Format, render};

    let fail = |message: String| {
        eprintln!("art32: error: {message}");
        ExitCode::from(2)
    };
    let schemas = match Schemas::load(&args.schemas) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("art32: invalid schemas:\n{e}");
            return ExitCode::from(2);
        }
    };
    let format = args.format();
    let write_file = |path: &std::path::Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };

    if args.all {
        let Some(dir) = &args.output else { return fail("--all needs the output folder: -o FOLDER".into()) };
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(format!("cannot create {}: {e}", dir.display()));
        }
        let langs: &[Lang] = if format.has_language() { &Lang::ALL } else { &[Lang::En] };
        let mut written = 0;
        for q in &schemas.questionnaires {
            for &lang in langs {
                let path = dir.join(format.file_name(&q.id, lang));
                let done = render(q, &schemas.vocabulary, format, lang)
                    .map_err(|e| format!("{}: {e}", q.id))
                    .and_then(|bytes| write_file(&path, &bytes));
                if let Err(e) = done {
                    return fail(e);
                }
                written += 1;
            }
        }
        if !quiet {
            eprintln!("art32: {written} templates written into {}", dir.display());
        }
        return ExitCode::SUCCESS;
    }

    let id = args.questionnaire.as_deref().unwrap_or_default();
    let Some(q) = schemas.questionnaire(id) else {
        let known: Vec<&str> = schemas.questionnaires.iter().map(|q| q.id.as_str()).collect();
        return fail(format!(
            "no questionnaire {id:?} in {} (known: {})",
            args.schemas.display(),
            known.join(", ")
        ));
    };
    let lang = match args.lang.as_deref() {
        Some(code) => match Lang::from_code(code) {
            Some(lang) => lang,
            None => return fail(format!("unknown language {code:?}")),
        },
        None if !format.has_language() => Lang::En,
        None => return fail("--lang is required: ar, en, es, fr, ru or zh".into()),
    };
    let bytes = match render(q, &schemas.vocabulary, format, lang) {
        Ok(bytes) => bytes,
        Err(e) => return fail(e.to_string()),
    };
    let written = match (&args.output, format) {
        (Some(path), _) => write_file(path, &bytes),
        (None, Format::Xml) => std::io::stdout().lock().write_all(&bytes).map_err(|e| e.to_string()),
        (None, _) => {
            let path = std::path::PathBuf::from(format.file_name(&q.id, lang));
            write_file(&path, &bytes).inspect(|()| {
                if !quiet {
                    eprintln!("art32: wrote {}", path.display());
                }
            })
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// A progress bar on stderr, shown only when stderr is a terminal and not `-q`.
struct Bar(tracing::Span);

impl art32::pipeline::Progress for Bar {
    fn start(&self, total: u64) {
        self.0.pb_set_length(total);
        self.0.pb_start();
    }

    fn advance(&self) {
        self.0.pb_inc(1);
    }
}

fn progress_bar() -> Bar {
    let span = tracing::error_span!("files");
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{wide_bar} {pos}/{len} files ({per_sec}, {eta} left)")
    {
        span.pb_set_style(&style);
    }
    Bar(span)
}

fn init_logging(verbose: u8, quiet: bool, bars: bool) {
    let default = if quiet {
        "error"
    } else {
        // The libraries' own warnings (calamine's about number formats it
        // does not know, say) name no file and change nothing art32
        // reports: they show from -vvv on, like their debug output.
        match verbose {
            0 => "error,art32=warn",
            1 => "error,art32=info",
            2 => "error,art32=debug",
            _ => "debug",
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    if bars {
        // Log lines go through the progress bars' writer so that they never tear a bar.
        let layer = IndicatifLayer::new();
        let fmt = tracing_subscriber::fmt::layer().with_writer(layer.get_stderr_writer()).with_target(false);
        let _ = tracing_subscriber::registry().with(fmt.with_filter(filter)).with(layer).try_init();
    } else {
        // Colours only on a terminal: not in a log file or a pipe.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let fmt =
            tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false).with_ansi(ansi);
        let _ = tracing_subscriber::registry().with(fmt.with_filter(filter)).try_init();
    }
}
