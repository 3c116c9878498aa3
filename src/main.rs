//! The art32 binary: parse the command line, call the library, map the
//! result to an exit status (0 done, 1 `check` found errors, 2 usage, schema,
//! cycle or output errors).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use art32::cli::{Cli, Command, SchemaCommand};
use art32::schema::Schemas;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    init_logging(cli.verbose, cli.quiet);
    match cli.command {
        Command::Run(args) => {
            let config = args.config();
            match art32::pipeline::run(&config) {
                Ok(r) => {
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
        Command::Template(args) => template(&args),
        Command::Schema { command: SchemaCommand::Check { dir } } => match Schemas::load(&dir) {
            Ok(s) => {
                let n: usize = s.questionnaires.iter().map(|q| q.questions.len()).sum();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(
                    out,
                    "{}: {} questionnaires ({}), {n} questions, vocabulary in {} languages: ok",
                    dir.display(),
                    s.questionnaires.len(),
                    s.questionnaires.iter().map(|q| q.id.as_str()).collect::<Vec<_>>().join(", "),
                    s.vocabulary.languages.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                eprintln!(
                    "art32: {} problem{} in {}",
                    e.0.len(),
                    if e.0.len() == 1 { "" } else { "s" },
                    dir.display()
                );
                ExitCode::from(2)
            }
        },
    }
}

fn template(args: &art32::cli::TemplateArgs) -> ExitCode {
    let schemas = match Schemas::load(&args.schemas) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("art32: invalid schemas:\n{e}");
            return ExitCode::from(2);
        }
    };
    let Some(q) = schemas.questionnaire(&args.questionnaire) else {
        let known: Vec<&str> = schemas.questionnaires.iter().map(|q| q.id.as_str()).collect();
        eprintln!(
            "art32: error: no questionnaire {:?} in {} (known: {})",
            args.questionnaire,
            args.schemas.display(),
            known.join(", ")
        );
        return ExitCode::from(2);
    };
    let Some(lang) = art32::model::Lang::from_code(&args.lang) else {
        eprintln!("art32: error: unknown language {:?}", args.lang);
        return ExitCode::from(2);
    };
    let mut buf = Vec::new();
    if let Err(e) = art32::template::xml::write(q, &schemas.vocabulary, lang, &mut buf) {
        eprintln!("art32: error: {e}");
        return ExitCode::from(2);
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, &buf).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout().lock().write_all(&buf).map_err(|e| e.to_string()),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("art32: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
