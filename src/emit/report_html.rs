//! `report.html`: one self-contained page (no network, no script, no external
//! font) that a person can read, print and e-mail: headline figures,
//! reporting rates as inline SVG bar charts, a heat map of needs by priority
//! area and region, the States to follow up and the rejected files. The page
//! is rendered by minijinja with HTML escaping on, so every value that came
//! from a return is escaped.

use std::io::{self, Write};

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use super::summary::{self, Rate};
use super::{Output, RunOutput};
use crate::model::Region;
use crate::record::Outcome;
use crate::schema::PRIORITY_AREAS;

/// report.html
pub struct ReportHtml;

const TEMPLATE: &str = include_str!("report.html");

#[derive(Serialize)]
struct Figure {
    id: &'static str,
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    y: usize,
    width: String,
    text: String,
    required: usize,
    returned: usize,
    complete: usize,
}

#[derive(Serialize)]
struct Chart {
    id: &'static str,
    title: &'static str,
    key: &'static str,
    description: String,
    height: usize,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct HeatCell {
    count: usize,
    level: usize,
}

#[derive(Serialize)]
struct HeatRow {
    area: &'static str,
    cells: Vec<HeatCell>,
    total: usize,
}

#[derive(Serialize)]
struct Followup<'a> {
    iso3: &'a str,
    state: &'a str,
    region: &'a str,
    findings: &'a str,
    name: &'a str,
    email: &'a str,
    phone: &'a str,
}

#[derive(Serialize)]
struct Rejected<'a> {
    path: &'a str,
    reason: &'a str,
    message: &'a str,
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

fn chart(id: &'static str, title: &'static str, key: &'static str, rates: Vec<(String, &Rate)>) -> Chart {
    let bars: Vec<Bar> = rates
        .into_iter()
        .enumerate()
        .map(|(i, (label, r))| Bar {
            label,
            y: i * 26 + 4,
            width: format!("{:.1}", r.reporting_rate * 320.0),
            text: format!("{} ({} of {})", percent(r.reporting_rate), r.returned, r.required),
            required: r.required,
            returned: r.returned,
            complete: r.complete,
        })
        .collect();
    let description = bars.iter().map(|b| format!("{}: {}", b.label, b.text)).collect::<Vec<_>>().join("; ");
    Chart { id, title, key, description, height: bars.len() * 26 + 8, bars }
}

fn render(run: &RunOutput<'_>) -> Result<String, minijinja::Error> {
    let s = summary::build(run);
    let overall = {
        let required: usize = s.reporting_by_instrument.values().map(|r| r.required).sum();
        let returned: usize = s.reporting_by_instrument.values().map(|r| r.returned).sum();
        if required == 0 { 0.0 } else { returned as f64 / required as f64 }
    };
    let figures = vec![
        Figure { id: "returns", label: "returns accepted", value: s.files.accepted.to_string() },
        Figure { id: "rate", label: "of reporting obligations met", value: percent(overall) },
        Figure { id: "complete", label: "obligations complete", value: s.compliance.complete.to_string() },
        Figure {
            id: "incomplete",
            label: "obligations incomplete",
            value: s.compliance.incomplete.to_string(),
        },
        Figure { id: "missing", label: "obligations missing", value: s.compliance.missing.to_string() },
        Figure { id: "followup", label: "States to follow up", value: s.states.to_follow_up.to_string() },
        Figure { id: "needs", label: "needs declared", value: s.needs.needs.to_string() },
        Figure { id: "rejected", label: "files rejected", value: s.files.rejected.to_string() },
    ];
    let by_instrument = run
        .cycle
        .questionnaires
        .iter()
        .filter_map(|id| run.schemas.questionnaire(id))
        .filter_map(|q| {
            s.reporting_by_instrument
                .get(q.instrument.code())
                .map(|r| (format!("{} ({})", q.instrument.code(), q.id), r))
        })
        .collect();
    let by_region = s
        .reporting_by_region
        .iter()
        .map(|(g, r)| (if *g == "NONE" { "No regional group".to_owned() } else { (*g).to_owned() }, r))
        .collect();
    let charts = vec![
        chart("instrument", "Reporting rate by instrument", "Instrument", by_instrument),
        chart("region", "Reporting rate by regional group", "Regional group", by_region),
    ];

    let regions: Vec<&str> = Region::ALL.iter().map(|r| r.code()).chain(std::iter::once("NONE")).collect();
    let region_headers: Vec<&str> =
        regions.iter().map(|r| if *r == "NONE" { "No group" } else { r }).collect();
    let max = s
        .needs
        .by_priority_area_and_region
        .values()
        .flat_map(|m| m.values().map(|c| c.needs))
        .max()
        .unwrap_or(0);
    let heat: Vec<HeatRow> = PRIORITY_AREAS
        .iter()
        .map(|area| {
            let per_region = s.needs.by_priority_area_and_region.get(area);
            let cells: Vec<HeatCell> = regions
                .iter()
                .map(|r| {
                    let count = per_region.and_then(|m| m.get(r)).map_or(0, |c| c.needs);
                    let level = if count == 0 || max == 0 { 0 } else { 1 + (count * 4 - 1) / max.max(1) };
                    HeatCell { count, level: level.min(4) }
                })
                .collect();
            HeatRow { area, total: cells.iter().map(|c| c.count).sum(), cells }
        })
        .collect();
    let followup: Vec<Followup<'_>> = run
        .followup
        .iter()
        .map(|r| {
            let fp = r.focal_point.as_ref();
            Followup {
                iso3: &r.iso3,
                state: &r.state,
                region: r.region,
                findings: &r.findings,
                name: fp.map_or("", |f| f.name.as_str()),
                email: fp.map_or("", |f| f.email.as_str()),
                phone: fp.map_or("", |f| f.phone.as_str()),
            }
        })
        .collect();
    let rejected: Vec<Rejected<'_>> = run
        .records
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Rejected(rej) => {
                Some(Rejected { path: &r.path, reason: rej.reason.code(), message: &rej.message })
            }
            _ => None,
        })
        .collect();

    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let tmpl = env.get_template("report.html")?;
    let ctx = Serde(serde_json::json!({
        "cycle": {
            "id": run.cycle.id,
            "title": run.cycle.title,
            "deadline": run.cycle.deadline.to_string(),
            "party_as_of": run.cycle.party_as_of.to_string(),
        },
        "figures": figures,
        "charts": charts,
        "regions": region_headers,
        "heat": heat,
        "followup": followup,
        "rejected": rejected,
        "questionnaires": s.questionnaires,
        "files": s.files,
        "register": run.register.parties.len(),
        "version": env!("CARGO_PKG_VERSION"),
    }));
    tmpl.render(ctx)
}

impl Output for ReportHtml {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let html = render(run).map_err(io::Error::other)?;
        w.write_all(html.as_bytes())
    }
}
