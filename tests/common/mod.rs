//! Shared helpers for the integration tests: run the real binary, build small
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::type_complexity)]
//! cycle folders in a temporary directory, write returns with a real xlsx
//! writer (rust_xlsxwriter).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The art32 binary built for these tests.
pub fn art32() -> Command {
    Command::new(env!("CARGO_BIN_EXE_art32"))
}

/// Runs art32 with arguments; returns the output.
pub fn run(args: &[&str]) -> Output {
    art32().args(args).env_remove("RUST_LOG").output().expect("art32 runs")
}

/// A small register used by the focused tests.
pub const PARTIES: &str = "iso3,name,region,aliases,UNTOC,TIP,SOM,FIREARMS
FRA,France,WEOG,République française|Francia,2002-10-29,2002-10-29,2002-10-29,2019-03-28
ESP,Spain,WEOG,España|Espagne,2002-03-01,2002-03-01,2002-03-01,2007-02-09
USA,United States of America,WEOG,États-Unis|Estados Unidos,2005-11-03,2005-11-03,2005-11-03,
BTN,Bhutan,ASIA-PACIFIC,Bhoutan,,,,
EUU,European Union,,Union européenne|Unión Europea,2004-05-21,,,2014-03-21
";

/// A cycle folder in a temporary directory.
pub struct TestCycle {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
}

impl TestCycle {
    /// A cycle requiring the four demo questionnaires, with the small register
    /// and one focal point (FRA).
    pub fn new() -> Self {
        Self::with_register(
            PARTIES,
            "iso3,name,institution,email,phone,designated_on\nFRA,Jeanne Martin,Ministère de la justice,j.martin@justice.example.fr,+33 1 23 45 67 89,2024-01-15\n",
        )
    }

    /// A cycle with the given parties.csv and focal-points.csv.
    pub fn with_register(parties: &str, focal_points: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let schemas = repo().join("schemas");
        let toml = format!(
            "id = \"2026\"\ntitle = \"Test cycle\"\ndeadline = \"2026-06-30\"\nparty_as_of = \"2026-01-01\"\nschemas = {:?}\nquestionnaires = [\"UNTOC-2026\", \"TIP-2026\", \"SOM-2026\", \"FIREARMS-2026\"]\n",
            schemas.display().to_string()
        );
        std::fs::write(dir.path().join("cycle.toml"), toml).unwrap();
        std::fs::write(dir.path().join("parties.csv"), parties).unwrap();
        std::fs::write(dir.path().join("focal-points.csv"), focal_points).unwrap();
        std::fs::create_dir(dir.path().join("inbox")).unwrap();
        TestCycle { dir }
    }

    /// The cycle folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the inbox (parent folders are created).
    pub fn inbox(&self, rel: &str) -> PathBuf {
        let p = self.dir.path().join("inbox").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    /// The output folder.
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Runs `art32 run` on the cycle (with extra arguments) and asserts exit 0.
    pub fn run(&self, extra: &[&str]) -> Output {
        let mut args = vec!["run", self.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert!(out.status.success(), "art32 run failed: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// An output file as text.
    pub fn output(&self, name: &str) -> String {
        std::fs::read_to_string(self.out().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// manifest.jsonl, parsed.
    pub fn manifest(&self) -> Vec<serde_json::Value> {
        self.output("manifest.jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// The manifest entry of one inbox path.
    pub fn manifest_entry(&self, path: &str) -> serde_json::Value {
        self.manifest()
            .into_iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("{path} not in manifest"))
    }

    /// A CSV output as rows of (header -> value) maps.
    pub fn csv(&self, name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        let text = self.output(name);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr.headers().unwrap().clone();
        rdr.records()
            .map(|r| headers.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
            .collect()
    }
}

/// A cell value for [`ReturnSheet`] rows.
#[derive(Debug, Clone)]
pub enum V {
    /// Text.
    S(&'static str),
    /// Owned text.
    T(String),
    /// Number.
    N(f64),
    /// Boolean.
    B(bool),
    /// A date cell (y, m, d).
    D(u16, u8, u8),
    /// Nothing.
    E,
}

/// A spreadsheet return written with rust_xlsxwriter: a cover sheet and answer sheets.
pub struct ReturnSheet {
    /// (key, label, value) rows of the cover.
    pub cover: Vec<(&'static str, &'static str, V)>,
    /// Answer sheets: name, header row, rows.
    pub sheets: Vec<(String, Vec<&'static str>, Vec<Vec<V>>)>,
}

impl ReturnSheet {
    /// A cover with questionnaire, version, state, submitted date and language.
    pub fn new(
        questionnaire: &'static str,
        state: &'static str,
        submitted: V,
        language: &'static str,
    ) -> Self {
        ReturnSheet {
            cover: vec![
                ("questionnaire", "Questionnaire", V::S(questionnaire)),
                ("version", "Version", V::N(1.0)),
                ("state", "State", V::S(state)),
                ("submitted", "Date of submission", submitted),
                ("language", "Language", V::S(language)),
            ],
            sheets: Vec::new(),
        }
    }

    /// Adds an answer sheet with the standard header `id, question, answer, assistance, comment`.
    pub fn answers(mut self, sheet: &str, rows: Vec<Vec<V>>) -> Self {
        self.sheets.push((sheet.to_owned(), vec!["id", "question", "answer", "assistance", "comment"], rows));
        self
    }

    /// Adds an answer sheet with a custom header row.
    pub fn table(mut self, sheet: &str, header: Vec<&'static str>, rows: Vec<Vec<V>>) -> Self {
        self.sheets.push((sheet.to_owned(), header, rows));
        self
    }

    /// Writes the workbook to `path`.
    pub fn write(&self, path: &Path) {
        let mut wb = Workbook::new();
        let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
        {
            let ws = wb.add_worksheet().set_name("Cover").unwrap();
            ws.write_string(0, 1, "Test return").unwrap();
            for (i, (key, label, value)) in self.cover.iter().enumerate() {
                let row = i as u32 + 2;
                ws.write_string(row, 0, *key).unwrap();
                ws.write_string(row, 1, *label).unwrap();
                write_cell(ws, row, 2, value, &date_fmt);
            }
        }
        for (name, header, rows) in &self.sheets {
            let ws = wb.add_worksheet().set_name(name).unwrap();
            ws.write_string(0, 0, "Answers").unwrap();
            for (c, h) in header.iter().enumerate() {
                ws.write_string(1, c as u16, *h).unwrap();
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    write_cell(ws, r as u32 + 2, c as u16, v, &date_fmt);
                }
            }
        }
        wb.save(path).unwrap();
    }
}

fn write_cell(ws: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, v: &V, date_fmt: &Format) {
    match v {
        V::S(s) => {
            ws.write_string(row, col, *s).unwrap();
        }
        V::T(s) => {
            ws.write_string(row, col, s).unwrap();
        }
        V::N(n) => {
            ws.write_number(row, col, *n).unwrap();
        }
        V::B(b) => {
            ws.write_boolean(row, col, *b).unwrap();
        }
        V::D(y, m, d) => {
            let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
            ws.write_datetime_with_format(row, col, &dt, date_fmt).unwrap();
        }
        V::E => {}
    }
}

/// Every question of a questionnaire answered validly (yes for yes/no kinds,
/// "no" for need questions unless listed in `needs` with assistance types).
/// Returns rows for [`ReturnSheet::answers`].
pub fn full_answers(questionnaire: &str, needs: &[(&str, &'static str)]) -> Vec<Vec<V>> {
    let text = std::fs::read_to_string(repo().join("schemas").join(format!("{questionnaire}.toml"))).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut rows = Vec::new();
    for q in doc["question"].as_array().unwrap() {
        let id = q["id"].as_str().unwrap().to_owned();
        let kind = q["kind"].as_str().unwrap();
        let choices: Vec<String> = q
            .get("choices")
            .and_then(|c| c.as_array())
            .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        let (answer, assistance) = match kind {
            "need" => match needs.iter().find(|(n, _)| *n == id) {
                Some((_, types)) => (V::S("Yes"), V::S(types)),
                None => (V::S("No"), V::E),
            },
            "yes-no" | "yes-no-partial" => (V::S("Yes"), V::E),
            "text" => (V::S("Act No. 12 of 2020"), V::E),
            "number" => (V::N(12.0), V::E),
            "date" => (V::D(2020, 5, 1), V::E),
            "choice" | "multi-choice" => (V::T(choices[0].clone()), V::E),
            other => panic!("unknown kind {other}"),
        };
        rows.push(vec![V::T(id), V::S("question text"), answer, assistance, V::E]);
    }
    rows
}

/// The rows of a workbook sheet as text (dates as `YYYY-MM-DD`), header first.
pub fn sheet_rows(
    wb: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Vec<Vec<String>> {
    use calamine::{Data, Reader};
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::DateTime(d) => {
                        let (y, m, day, ..) = d.to_ymd_hms_milli();
                        format!("{y:04}-{m:02}-{day:02}")
                    }
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// A CSV's rows, header first, without the `skip_cols` columns and without the
/// leading `'` that neutralizes formula-like text (a workbook holds the text itself).
pub fn csv_rows(path: &Path, skip_cols: &[&str]) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let keep: Vec<usize> = (0..headers.len()).filter(|i| !skip_cols.contains(&&headers[*i])).collect();
    let mut rows = vec![keep.iter().map(|&i| headers[i].to_owned()).collect::<Vec<_>>()];
    for r in rdr.records() {
        let r = r.unwrap();
        rows.push(keep.iter().map(|&i| r[i].strip_prefix('\'').unwrap_or(&r[i]).to_owned()).collect());
    }
    rows
}
