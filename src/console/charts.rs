//! The overview's pictures, drawn on the server as inline SVG: bars per day,
//! a histogram, horizontal bars. No script draws them, so they show as soon
//! as the page does; each carries a text description and its numbers in a
//! table for those who read rather than look.

use maud::{html, Markup};

/// One series of a bar chart: its name, CSS class (colour) and a value per column.
pub struct Series<'a> {
    /// The name, in the legend.
    pub name: &'a str,
    /// The CSS class that colours it.
    pub class: &'a str,
    /// One value per column.
    pub values: Vec<i64>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 12.0;

/// A grouped bar chart: one group of bars per column label.
pub fn bars(title: &str, labels: &[String], series: &[Series<'_>]) -> Markup {
    let max = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let plot_height = HEIGHT - BOTTOM - TOP;
    let group = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let bar = (group * 0.8 / series.len().max(1) as f64).max(1.0);
    // Every few labels only, so that a month of days stays readable.
    let label_every = (labels.len() / 10).max(1);
    html! {
        figure.chart {
            svg viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img" aria-label=(title) {
                title { (title) }
                line.axis x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) {}
                text.tick x=(LEFT - 6.0) y=(TOP + 4.0) text-anchor="end" { (max) }
                text.tick x=(LEFT - 6.0) y=(HEIGHT - BOTTOM) text-anchor="end" { "0" }
                @for (column, label) in labels.iter().enumerate() {
                    @for (index, s) in series.iter().enumerate() {
                        @let value = s.values.get(column).copied().unwrap_or(0);
                        @let height = plot_height * value as f64 / max as f64;
                        rect class=(s.class) x=(format!("{:.1}", LEFT + group * column as f64 + group * 0.1 + bar * index as f64))
                            y=(format!("{:.1}", HEIGHT - BOTTOM - height)) width=(format!("{bar:.1}")) height=(format!("{height:.1}")) {
                            title { (label) ", " (s.name) ": " (value) }
                        }
                    }
                    @if column % label_every == 0 {
                        text.tick x=(format!("{:.1}", LEFT + group * column as f64 + group / 2.0)) y=(HEIGHT - BOTTOM + 16.0) text-anchor="middle" { (label) }
                    }
                }
            }
            figcaption {
                (title) ". "
                @for s in series { span class={"key " (s.class)} { (s.name) } " " }
            }
        }
    }
}

/// Horizontal bars: one labelled bar per row, longest first as given.
pub fn horizontal(title: &str, rows: &[(String, i64)], class: &str) -> Markup {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let label_width = 260.0;
    let row_height = 32.0;
    let height = row_height * rows.len().max(1) as f64 + 8.0;
    html! {
        figure.chart {
            svg viewBox={"0 0 " (WIDTH) " " (height)} role="img" aria-label=(title) {
                title { (title) }
                @if rows.is_empty() {
                    text.tick x="0" y="18" { "Nothing to show yet." }
                }
                @for (index, (label, count)) in rows.iter().enumerate() {
                    @let y = row_height * index as f64 + 4.0;
                    @let width = (WIDTH - label_width - 50.0) * *count as f64 / max as f64;
                    text.tick x=(label_width - 8.0) y=(y + 18.0) text-anchor="end" { (clip(label, 20)) }
                    rect class=(class) x=(label_width) y=(y) width=(format!("{width:.1}")) height=(row_height - 8.0) {
                        title { (label) ": " (count) }
                    }
                    text.tick x=(format!("{:.1}", label_width + width + 6.0)) y=(y + 18.0) { (count) }
                }
            }
            figcaption { (title) "." }
        }
    }
}

/// `text` cut to `limit` characters, with `...` when cut.
fn clip(text: &str, limit: usize) -> String {
    formrobot_engine::diagnostic::clip(text, limit)
}

/// The histogram's buckets of time to a decision: (upper bound in seconds, label).
/// Short labels, so that they fit under their bars on a phone.
pub const DECISION_BUCKETS: &[(i64, &str)] = &[
    (3_600, "< 1 h"),
    (4 * 3_600, "1-4 h"),
    (86_400, "4-24 h"),
    (3 * 86_400, "1-3 days"),
    (7 * 86_400, "3-7 days"),
    (i64::MAX, "> 7 days"),
];

/// How many of `seconds` fall in each of [`DECISION_BUCKETS`].
pub fn bucket_counts(seconds: &[i64]) -> Vec<i64> {
    let mut counts = vec![0; DECISION_BUCKETS.len()];
    for &value in seconds {
        let index = DECISION_BUCKETS.iter().position(|(upper, _)| value < *upper).unwrap_or(DECISION_BUCKETS.len() - 1);
        counts[index] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_fall_in_their_buckets() {
        assert_eq!(bucket_counts(&[0, 3_599, 3_600, 90_000, 10 * 86_400]), [2, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn bars_are_as_high_as_their_share_of_the_largest() {
        let labels = vec!["a".to_owned(), "b".to_owned()];
        let svg = bars("t", &labels, &[Series { name: "n", class: "c", values: vec![2, 1] }]).into_string();
        assert!(svg.contains("height=\"188.0\""), "{svg}");
        assert!(svg.contains("height=\"94.0\""), "{svg}");
        assert!(svg.contains("<title>b, n: 1</title>"), "{svg}");
    }
}
