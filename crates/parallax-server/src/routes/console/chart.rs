//! A horizontal bar chart drawn as SVG on the server: no chart library, no script, and it
//! prints and screenshots as it looks. Positions and sizes are attributes, not styles, so it
//! needs nothing that the Content-Security-Policy forbids. Labels are text nodes escaped by the
//! template like every other user string.

use maud::{html, Markup};

/// One bar: its label, its length, an optional part drawn in the alarm colour (errors), and
/// where clicking it leads.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub part: f64,
    pub value_text: String,
    pub href: Option<String>,
}

const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 200.0;
const VALUE_W: f64 = 90.0;
const ROW_H: f64 = 24.0;
const BAR_H: f64 = 16.0;
/// Longest label drawn, in characters; the full label is in the bar's tooltip.
const LABEL_CHARS: usize = 28;

fn clip_label(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('…');
        t
    }
}

/// The chart; bars are scaled to the largest value. An empty or all-zero input draws a note.
pub fn bar_chart(title: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let area = WIDTH - LABEL_W - VALUE_W;
    let height = (bars.len() as f64 * ROW_H + 8.0).max(ROW_H);
    html! {
        figure.chart {
            figcaption { (title) }
            @if bars.is_empty() || max <= 0.0 {
                p.dim { "Nothing to draw." }
            } @else {
                svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {height}")) width=(WIDTH) height=(height) role="img" aria-label=(title) {
                    @for (i, b) in bars.iter().enumerate() {
                        @let y = 4.0 + i as f64 * ROW_H;
                        @let w = (b.value.max(0.0) / max * area).max(1.0);
                        @let pw = (b.part.clamp(0.0, b.value.max(0.0)) / max * area).min(w);
                        g.row {
                            title { (b.label) ": " (b.value_text) }
                            text.label x=(fmt(LABEL_W - 8.0)) y=(fmt(y + BAR_H - 4.0)) text-anchor="end" { (clip_label(&b.label)) }
                            @if let Some(href) = &b.href {
                                a href=(href) { rect.bar x=(fmt(LABEL_W)) y=(fmt(y)) width=(fmt(w)) height=(fmt(BAR_H)) rx="2" {} }
                            } @else {
                                rect.bar x=(fmt(LABEL_W)) y=(fmt(y)) width=(fmt(w)) height=(fmt(BAR_H)) rx="2" {}
                            }
                            @if pw > 0.0 {
                                rect.bar.err x=(fmt(LABEL_W)) y=(fmt(y)) width=(fmt(pw)) height=(fmt(BAR_H)) rx="2" {}
                            }
                            text.value x=(fmt(LABEL_W + w + 6.0)) y=(fmt(y + BAR_H - 4.0)) { (b.value_text) }
                        }
                    }
                }
            }
        }
    }
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64, part: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            part,
            value_text: value.to_string(),
            href: None,
        }
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let svg = bar_chart("count", &[bar("a", 10.0, 5.0), bar("b", 5.0, 0.0)]).into_string();
        let area = WIDTH - LABEL_W - VALUE_W;
        assert!(svg.contains(&format!("width=\"{:.1}\"", area)), "{svg}");
        assert!(
            svg.contains(&format!("width=\"{:.1}\"", area / 2.0)),
            "{svg}"
        );
        // The error part of the first bar is half of it and drawn in the alarm class.
        assert!(
            svg.contains(&format!(
                "class=\"bar err\" x=\"200.0\" y=\"4.0\" width=\"{:.1}\"",
                area / 2.0
            )),
            "{svg}"
        );
        assert_eq!(svg.matches("<g class=\"row\">").count(), 2);
    }

    #[test]
    fn labels_are_escaped_and_clipped() {
        let svg = bar_chart(
            "t",
            &[bar(
                "<script>alert(1)</script> and a very long label indeed",
                1.0,
                0.0,
            )],
        )
        .into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; a…"),
            "{svg}"
        );
    }

    #[test]
    fn nothing_to_draw() {
        assert!(bar_chart("t", &[])
            .into_string()
            .contains("Nothing to draw."));
        assert!(bar_chart("t", &[bar("a", 0.0, 0.0)])
            .into_string()
            .contains("Nothing to draw."));
    }
}
