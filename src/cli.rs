//! The command line: clap parses the raw flags ([`Cli`]), which are then
//! turned into validated configurations; only those reach the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::discover::Limits;
use crate::pipeline::RunConfig;

/// art32: batch processing of article 32(5) reporting returns.
#[derive(Debug, Parser)]
#[command(name = "art32", version, about, propagate_version = true)]
pub struct Cli {
    /// More log output on stderr (-v: info, -vv: debug with phase timings, -vvv: the libraries' debug too).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr; no summary.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Process a cycle folder: needs, answers, compliance, follow-up, manifest.
    Run(RunArgs),
    /// Diagnostics for single returns, compiler-style (exit 1 on errors).
    Check(CheckArgs),
    /// Write a blank return for a questionnaire.
    Template(TemplateArgs),
    /// A corpus of generated returns for benchmarks (not for users).
    #[command(hide = true)]
    Generate(GenerateArgs),
    /// Questionnaire definitions.
    Schema {
        /// What to do.
        #[command(subcommand)]
        command: SchemaCommand,
    },
}

/// `art32 schema ...`
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Validate questionnaire definitions and the vocabulary.
    Check {
        /// The schemas folder.
        #[arg(default_value = "schemas")]
        dir: PathBuf,
    },
}

/// `art32 run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The cycle folder (holding cycle.toml).
    pub cycle_dir: PathBuf,
    /// Output folder (default: CYCLE_DIR/out).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Add label columns in this language (ar, en, es, fr, ru, zh) to needs.csv and compliance.csv.
    #[arg(long, value_name = "LANG", value_parser = ["ar", "en", "es", "fr", "ru", "zh"])]
    pub labels: Option<String>,
    /// Remove focal points' names, e-mails and phones from every output.
    #[arg(long)]
    pub redact: bool,
    /// Folder of the ingest cache (default: CYCLE_DIR/.art32-cache).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Ingest every file again, without reading or writing the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Input limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `art32 generate` (hidden): a deterministic benchmark corpus.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The cycle folder to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of inbox files.
    #[arg(short = 'n', long = "count")]
    pub count: usize,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// The schemas folder.
    #[arg(long, default_value = "schemas")]
    pub schemas: PathBuf,
    /// The folder holding parties.csv and focal-points.csv.
    #[arg(long, default_value = "fixtures/cycle-2026")]
    pub register: PathBuf,
}

impl GenerateArgs {
    /// The generator configuration.
    pub fn config(&self) -> crate::generate::GenerateConfig {
        crate::generate::GenerateConfig {
            out: self.out.clone(),
            count: self.count,
            seed: self.seed,
            schemas: self.schemas.clone(),
            register: self.register.clone(),
        }
    }
}

/// `art32 template`: a workbook by default, `--xml` or `--xlsform`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Questionnaire id (`UNTOC-2026`); omitted with `--all`.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub questionnaire: Option<String>,
    /// The schemas folder.
    #[arg(long, default_value = "schemas")]
    pub schemas: PathBuf,
    /// A native XML return (SPEC 5) instead of a workbook.
    #[arg(long, conflicts_with = "xlsform")]
    pub xml: bool,
    /// An XLSForm in all six languages, for ODK Central and KoboToolbox (SPEC 5.1).
    #[arg(long, conflicts_with = "lang")]
    pub xlsform: bool,
    /// Every questionnaire, in every language, into the folder given by `-o`.
    #[arg(long, requires = "output", conflicts_with = "lang")]
    pub all: bool,
    /// Language of the template: ar, en, es, fr, ru or zh.
    #[arg(long, value_parser = ["ar", "en", "es", "fr", "ru", "zh"], required_unless_present_any = ["xlsform", "all"])]
    pub lang: Option<String>,
    /// Output file; with `--all`, the output folder (default: standard output
    /// for `--xml`, `QUESTIONNAIRE-LANG.xlsx` or `QUESTIONNAIRE-xlsform.xlsx`
    /// in the current folder otherwise).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

impl TemplateArgs {
    /// The format asked for.
    pub fn format(&self) -> crate::template::Format {
        use crate::template::Format;
        if self.xml {
            Format::Xml
        } else if self.xlsform {
            Format::XlsForm
        } else {
            Format::Xlsx
        }
    }
}

/// `art32 check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Return files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The schemas folder.
    #[arg(long, default_value = "schemas")]
    pub schemas: PathBuf,
    /// Input limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Limits on input files (SPEC 6.2).
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest file read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_file_mib: u64,
    /// Most cells read from one sheet.
    #[arg(long, value_name = "N", default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_cells: u64,
    /// Highest row read on a sheet.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rows: u32,
    /// Deepest XML element nesting.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_xml_depth: u32,
    /// Longest XML element text or attribute value, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_xml_text: u32,
    /// Most attributes on one XML element.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_xml_attributes: u32,
    /// Most elements in one XML document.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_xml_elements: u32,
    /// Most entries in a zip container (xlsx, xlsm, xlsb, ods).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_zip_entries: u64,
    /// Largest uncompressed size of one zip entry, declared or actual, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_zip_entry_mib: u64,
    /// Largest uncompressed size of all the entries of a zip container, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_zip_total_mib: u64,
    /// Highest compression ratio of a zip entry or container over 1 MiB (N:1).
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_zip_ratio: u64,
    /// Most text the cells of one workbook may hold, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_text_mib: u64,
}

impl LimitArgs {
    /// The validated limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_mib * 1024 * 1024,
            max_cells_per_sheet: self.max_cells,
            max_rows_per_sheet: self.max_rows,
            max_xml_depth: self.max_xml_depth as usize,
            max_xml_text: self.max_xml_text as usize,
            max_xml_attributes: self.max_xml_attributes as usize,
            max_xml_elements: self.max_xml_elements as usize,
            max_zip_entries: self.max_zip_entries,
            max_zip_entry_bytes: self.max_zip_entry_mib * 1024 * 1024,
            max_zip_total_bytes: self.max_zip_total_mib * 1024 * 1024,
            max_zip_ratio: self.max_zip_ratio,
            max_text_bytes: self.max_text_mib * 1024 * 1024,
            ..Limits::default()
        }
    }
}

impl RunArgs {
    /// The run configuration.
    pub fn config(&self) -> RunConfig {
        RunConfig {
            cycle_dir: self.cycle_dir.clone(),
            out: crate::emit::out_path(&self.out.clone().unwrap_or_else(|| self.cycle_dir.join("out"))),
            threads: self.threads.map(usize::from),
            limits: self.limits.limits(),
            labels: self.labels.as_deref().and_then(crate::model::Lang::from_code),
            redact: self.redact,
            cache: (!self.no_cache).then(|| {
                self.cache.clone().unwrap_or_else(|| self.cycle_dir.join(crate::cache::DEFAULT_DIR))
            }),
        }
    }
}
