//! The one table the benchmark prints: every figure as the median of its rounds with the
//! range beside it (the machine is noisy; a single run says little), then each target of
//! the performance issue with the measured ratio.

use std::collections::BTreeMap;
use std::fmt::Write;

/// A row of the table: a scenario measured through one proxy.
type Row = (String, &'static str);
/// A row's samples, metric by metric in the order first recorded.
type Samples = Vec<(&'static str, Vec<f64>)>;

/// Samples by (scenario, proxy, metric), in the order they were first recorded.
#[derive(Debug, Default)]
pub(crate) struct Report {
    order: Vec<Row>,
    samples: BTreeMap<Row, Samples>,
    targets: Vec<Target>,
}

#[derive(Debug)]
struct Target {
    what: &'static str,
    goal: &'static str,
    measured: String,
    met: bool,
}

/// Column order and units of the metrics a row may carry; a table shows those it measured.
const METRICS: [(&str, &str); 11] = [
    ("req/s", "req/s"),
    ("p50", "p50 µs"),
    ("p99", "p99 µs"),
    ("cpu", "CPU µs/req"),
    // The backends benchmark: its servers' CPU, and the gateway's whole peak RSS.
    ("pg cpu", "PostgreSQL CPU µs/req"),
    ("redis cpu", "Redis CPU µs/req"),
    ("peak rss", "peak RSS MB"),
    ("instructions", "instr/req"),
    ("mb/s", "MB/s"),
    ("rss", "peak RSS +MB"),
    ("kb/req", "KB/waiting req"),
];

impl Report {
    pub(crate) fn record(&mut self, scenario: &str, proxy: &'static str, metric: &'static str, value: f64) {
        let key = (scenario.to_owned(), proxy);
        if !self.samples.contains_key(&key) {
            self.order.push(key.clone());
        }
        let metrics = self.samples.entry(key).or_default();
        match metrics.iter_mut().find(|(name, _)| *name == metric) {
            Some((_, values)) => values.push(value),
            None => metrics.push((metric, vec![value])),
        }
    }

    /// The median of a row's metric, if it was measured.
    pub(crate) fn median(&self, scenario: &str, proxy: &'static str, metric: &str) -> Option<f64> {
        let metrics = self.samples.get(&(scenario.to_owned(), proxy))?;
        let (_, values) = metrics.iter().find(|(name, _)| *name == metric)?;
        Some(median(values))
    }

    /// Records a target: a measured ratio (or figure) and whether it meets its bound.
    pub(crate) fn target(
        &mut self,
        what: &'static str,
        goal: &'static str,
        ratio: Option<f64>,
        met: impl Fn(f64) -> bool,
    ) {
        let (measured, met) = match ratio {
            Some(ratio) => (format!("{ratio:.2}"), met(ratio)),
            None => ("not measured".to_owned(), false),
        };
        self.targets.push(Target { what, goal, measured, met });
    }

    pub(crate) fn render(&self) -> String {
        let columns: Vec<_> = METRICS
            .into_iter()
            .filter(|(metric, _)| self.samples.values().any(|metrics| metrics.iter().any(|(name, _)| name == metric)))
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{:<34} {:<10}", "scenario", "proxy");
        for (_, header) in &columns {
            let _ = write!(out, " {header:>22}");
        }
        out.push('\n');
        for key in &self.order {
            let metrics = &self.samples[key];
            let _ = write!(out, "{:<34} {:<10}", key.0, key.1);
            for (metric, _) in &columns {
                let cell = metrics.iter().find(|(name, _)| name == metric).map(|(_, values)| cell(values));
                let _ = write!(out, " {:>22}", cell.unwrap_or_default());
            }
            out.push('\n');
        }
        if self.targets.is_empty() {
            return out;
        }
        out.push_str("\ntargets (medians; wabagate / nginx unless said)\n");
        for target in &self.targets {
            let verdict = if target.met { "met" } else { "NOT met" };
            let _ = writeln!(out, "  {:<58} {:<10} {:>12}  {verdict}", target.what, target.goal, target.measured);
        }
        out
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 0 { (sorted[middle - 1] + sorted[middle]) / 2.0 } else { sorted[middle] }
}

/// `median (min–max)`, or just the value when there is one sample.
fn cell(values: &[f64]) -> String {
    let format = |value: f64| if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.1}") };
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.len() == 1 {
        format(values[0])
    } else {
        format!("{} ({}–{})", format(median(values)), format(min), format(max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ranges() {
        let mut report = Report::default();
        for value in [3.0, 1.0, 2.0] {
            report.record("send", "nginx", "cpu", value);
        }
        assert_eq!(report.median("send", "nginx", "cpu"), Some(2.0));
        assert!(report.render().contains("2.0 (1.0–3.0)"));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
    }
}
