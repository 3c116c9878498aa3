//! `report.html`: one self-contained page (no network, no script, no external
//! font) that a person can read, print and e-mail: headline figures,
//! reporting rates as inline SVG bar charts, a heat map of needs by priority
//! area and region, the States to follow up and the rejected files. The page
//! is rendered by minijinja with HTML escaping on, so every value that came
//! from a return is escaped.

use std::io::{self, Write};

use minijinja::value::{Serde, Value};
use minijinja::{Environment, HtmlEscape, context};
use serde::Serialize;

use super::phrases::{self, Phrases, fill};
use super::summary::{self, Rate};
use super::{Output, RunOutput};
use crate::model::{Lang, Region};
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
    /// Left edge of the filled part of the bar.
    x: String,
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
    caption: String,
    description: String,
    height: usize,
    bars: Vec<Bar>,
}

/// Where a chart's parts go: labels, bar track and bar text; mirrored for a
/// right-to-left page, whose text runs leftwards from its `x`.
#[derive(Serialize)]
struct Layout {
    label_x: usize,
    track_x: usize,
    text_x: usize,
}

const LTR: Layout = Layout { label_x: 0, track_x: 210, text_x: 540 };
const RTL: Layout = Layout { label_x: 640, track_x: 110, text_x: 100 };

#[derive(Serialize)]
struct HeatCell {
    count: usize,
    level: usize,
}

#[derive(Serialize)]
struct HeatRow<'a> {
    area: &'a str,
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

fn percent(p: &Phrases, rate: f64) -> String {
    fill(p.percent, &[("n", &format!("{:.0}", rate * 100.0))])
}

fn chart(
    p: &Phrases,
    layout: &Layout,
    id: &'static str,
    title: &'static str,
    key: &'static str,
    rates: Vec<(String, &Rate)>,
) -> Chart {
    let bars: Vec<Bar> = rates
        .into_iter()
        .enumerate()
        .map(|(i, (label, r))| {
            let width = r.reporting_rate * 320.0;
            let x = if layout.track_x == LTR.track_x {
                layout.track_x.to_string()
            } else {
                format!("{:.1}", layout.track_x as f64 + 320.0 - width)
            };
            let text = fill(
                p.bar_text,
                &[
                    ("rate", &percent(p, r.reporting_rate)),
                    ("returned", &r.returned.to_string()),
                    ("required", &r.required.to_string()),
                ],
            );
            Bar {
                label,
                y: i * 26 + 4,
                x,
                width: format!("{width:.1}"),
                text,
                required: r.required,
                returned: r.returned,
                complete: r.complete,
            }
        })
        .collect();
    let description = bars.iter().map(|b| format!("{}: {}", b.label, b.text)).collect::<Vec<_>>().join("; ");
    let caption = fill(p.figures_caption, &[("title", title)]);
    Chart { id, title, key, caption, description, height: bars.len() * 26 + 8, bars }
}

/// `s` escaped as the template engine escapes it.
fn esc(s: &str) -> String {
    HtmlEscape(s).to_string()
}

/// The page's own text in the run's language: phrases with their values
/// filled in (escaped), marked safe so the template prints them as they are.
fn page_text(
    run: &RunOutput<'_>,
    p: &Phrases,
    s: &summary::Summary<'_>,
    followup: usize,
    rejected: usize,
) -> Value {
    let c = run.cycle;
    let (id, title) = (esc(&c.id), esc(&c.title));
    let (deadline, as_of) = (esc(&c.deadline.to_string()), esc(&c.party_as_of.to_string()));
    let list = s
        .questionnaires
        .iter()
        .map(|q| {
            fill(
                p.footer_questionnaire,
                &[
                    ("id", &esc(q.id)),
                    ("version", &q.version.to_string()),
                    ("questions", &q.questions.to_string()),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join(p.list_sep);
    let f = &s.files;
    let pairs: Vec<(&str, String)> = vec![
        ("cycle_title", fill(p.cycle_title, &[("id", &id), ("title", &title)])),
        ("cycle_sub", fill(p.cycle_sub, &[("deadline", &deadline), ("as_of", &as_of)])),
        ("headline", p.headline.to_owned()),
        ("required", p.required.to_owned()),
        ("returned", p.returned.to_owned()),
        ("complete", p.complete.to_owned()),
        ("reporting_rate", p.reporting_rate.to_owned()),
        ("heat_title", p.heat_title.to_owned()),
        ("heat_description", p.heat_description.to_owned()),
        ("priority_area", p.priority_area.to_owned()),
        ("total", p.total.to_owned()),
        ("followup_title", fill(p.followup_title, &[("n", &followup.to_string())])),
        ("state", p.state.to_owned()),
        ("group", p.group.to_owned()),
        ("what_is_missing", p.what_is_missing.to_owned()),
        ("focal_point", p.focal_point.to_owned()),
        ("none_known", p.none_known.to_owned()),
        ("all_met", p.all_met.to_owned()),
        ("rejected_title", fill(p.rejected_title, &[("n", &rejected.to_string())])),
        ("file", p.file.to_owned()),
        ("reason", p.reason.to_owned()),
        ("message", p.message.to_owned()),
        ("none_rejected", p.none_rejected.to_owned()),
        ("footer_cycle", fill(p.footer_cycle, &[("id", &id), ("deadline", &deadline), ("as_of", &as_of)])),
        ("footer_questionnaires", fill(p.footer_questionnaires, &[("list", &list)])),
        (
            "footer_files",
            fill(
                p.footer_files,
                &[
                    ("total", &f.total.to_string()),
                    ("accepted", &f.accepted.to_string()),
                    ("superseded", &f.superseded.to_string()),
                    ("rejected", &f.rejected.to_string()),
                    ("ignored", &f.ignored.to_string()),
                ],
            ),
        ),
        (
            "footer_register",
            fill(
                p.footer_register,
                &[
                    ("register", &run.register.parties.len().to_string()),
                    ("version", env!("CARGO_PKG_VERSION")),
                ],
            ),
        ),
    ];
    Value::from_pairs(pairs.into_iter().map(|(k, v)| (k, Value::from_safe_string(v))))
}

fn render(run: &RunOutput<'_>) -> Result<String, minijinja::Error> {
    let p = phrases::get(run.labels);
    let layout = if run.labels == Some(Lang::Ar) { &RTL } else { &LTR };
    let s = summary::build(run);
    let overall = {
        let required: usize = s.reporting_by_instrument.values().map(|r| r.required).sum();
        let returned: usize = s.reporting_by_instrument.values().map(|r| r.returned).sum();
        if required == 0 { 0.0 } else { returned as f64 / required as f64 }
    };
    let figures = vec![
        Figure { id: "returns", label: p.fig_returns, value: s.files.accepted.to_string() },
        Figure { id: "rate", label: p.fig_rate, value: percent(p, overall) },
        Figure { id: "complete", label: p.fig_complete, value: s.compliance.complete.to_string() },
        Figure { id: "incomplete", label: p.fig_incomplete, value: s.compliance.incomplete.to_string() },
        Figure { id: "missing", label: p.fig_missing, value: s.compliance.missing.to_string() },
        Figure { id: "followup", label: p.fig_followup, value: s.states.to_follow_up.to_string() },
        Figure { id: "needs", label: p.fig_needs, value: s.needs.needs.to_string() },
        Figure { id: "rejected", label: p.fig_rejected, value: s.files.rejected.to_string() },
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
        .map(|(g, r)| (if *g == "NONE" { p.no_regional_group.to_owned() } else { (*g).to_owned() }, r))
        .collect();
    let charts = vec![
        chart(p, layout, "instrument", p.rate_by_instrument, p.instrument, by_instrument),
        chart(p, layout, "region", p.rate_by_region, p.regional_group, by_region),
    ];

    let regions: Vec<&str> = Region::ALL.iter().map(|r| r.code()).chain(std::iter::once("NONE")).collect();
    let region_headers: Vec<&str> =
        regions.iter().map(|r| if *r == "NONE" { p.no_group } else { r }).collect();
    let max = s
        .needs
        .by_priority_area_and_region
        .values()
        .flat_map(|m| m.values().map(|c| c.needs))
        .max()
        .unwrap_or(0);
    let vocab = &run.schemas.vocabulary;
    let heat: Vec<HeatRow<'_>> = PRIORITY_AREAS
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
            let label = run.labels.map_or(*area, |lang| vocab.priority_area.label(area, lang));
            HeatRow { area: label, total: cells.iter().map(|c| c.count).sum(), cells }
        })
        .collect();
    let followup: Vec<Followup<'_>> = run
        .followup
        .iter()
        .map(|r| {
            let fp = r.focal_point.as_ref();
            let state =
                run.labels.and_then(|lang| run.register.get(&r.iso3).map(|party| party.name_in(lang)));
            Followup {
                iso3: &r.iso3,
                state: state.unwrap_or(&r.state),
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
    let text = page_text(run, p, &s, followup.len(), rejected.len());

    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let tmpl = env.get_template("report.html")?;
    let data = Value::from(Serde(serde_json::json!({
        "lang": run.labels.map_or("en", Lang::code),
        "rtl": run.labels == Some(Lang::Ar),
        "layout": layout,
        "figures": figures,
        "charts": charts,
        "regions": region_headers,
        "heat": heat,
        "followup": followup,
        "rejected": rejected,
    })));
    tmpl.render(context! { t => text, ..data })
}

impl Output for ReportHtml {
    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn write(&self, run: &RunOutput<'_>, w: &mut dyn Write) -> io::Result<()> {
        let html = render(run).map_err(io::Error::other)?;
        w.write_all(without_controls(&html).as_bytes())
    }
}

/// The page with every control character a value brought (`&#1;` in an
/// XML return, say) shown as U+FFFD: HTML allows none but tab and the line
/// ends, and escaping does not remove them. The template holds none.
fn without_controls(html: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if !html.contains(bad) {
        return html.into();
    }
    html.chars().map(|c| if bad(c) { '\u{FFFD}' } else { c }).collect::<String>().into()
}

#[cfg(test)]
mod control_tests {
    #[test]
    fn control_characters_are_shown_as_replacement_characters() {
        assert_eq!(
            super::without_controls("<td>a\u{1}b\u{1b}c\u{9f}</td>\n\t"),
            "<td>a\u{FFFD}b\u{FFFD}c\u{FFFD}</td>\n\t"
        );
        assert!(matches!(super::without_controls("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
