//! The detail view's data section: one compact line per `[[domain.data]]` entry (name, what it
//! measures with its figures, health marker), e.g. `orders-copy  lag 430.6kB paused  [WARN]`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{boxed, health_style};
use crate::figures::data::{DataFigures, DataStatus};
use crate::figures::DomainStatus;
use crate::format;
use crate::ui::app::App;
use crate::ui::widgets::{fit, put, put_right};

/// Rows the section needs inside its box.
pub(super) fn rows(d: &DomainStatus) -> usize {
    d.data.len()
}

pub(super) fn data(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let st = &app.look.styles;
    let inner = boxed(app, area, "Data", buf);
    let name_w = d
        .data
        .iter()
        .map(|e| crate::ui::widgets::width(&e.name))
        .max()
        .unwrap_or(0)
        .min(usize::from(inner.width / 3));
    for (i, e) in d.data.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let marker = e.health.marker();
        let marker_w = marker.len() as u16 + 1;
        put_right(
            buf,
            inner.right().saturating_sub(1),
            y,
            marker_w,
            marker,
            health_style(app, e.health),
        );
        let name = fit(&e.name, name_w, app.look.glyphs.ellipsis);
        let x = inner.x + 1;
        put(buf, x, y, name_w as u16, &name, st.text);
        let fx = x + name_w as u16 + 2;
        let room = inner.right().saturating_sub(fx + marker_w + 1);
        let words = line(e, app.look.glyphs.unknown);
        let text = fit(&words, usize::from(room), app.look.glyphs.ellipsis);
        put(buf, fx, y, room, &text, st.text);
    }
}

/// What an entry measures and its figures, in words.
pub(super) fn line(e: &DataStatus, unknown: &str) -> String {
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or(unknown.to_string(), f);
    match &e.figures {
        DataFigures::Lag { lag, running, .. } => {
            let state = match running {
                Some(false) => " paused",
                _ => "",
            };
            format!("lag {}{state}", opt(*lag, &|v| format::lag(v, &e.unit)))
        }
        DataFigures::MonolithWrites {
            rows,
            rows_per_second,
            ..
        } => format!(
            "monolith writes {} rows, {}",
            opt(*rows, &format::count),
            opt(*rows_per_second, &format::per_second)
        ),
        DataFigures::Reconcile {
            checked,
            mismatches,
            mismatch_ratio,
            ..
        } => format!(
            "reconcile {}/{} differ {}",
            opt(*mismatches, &format::count),
            opt(*checked, &format::count),
            opt(*mismatch_ratio, &format::ratio)
        ),
        DataFigures::Shadow {
            comparisons,
            mismatches,
            mismatch_ratio,
            ..
        } => format!(
            "shadow {}/{} differ {}",
            opt(*mismatches, &format::count),
            opt(*comparisons, &format::count),
            opt(*mismatch_ratio, &format::ratio)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Health;

    fn entry(figures: DataFigures, unit: &str) -> DataStatus {
        DataStatus {
            name: "x".into(),
            figures,
            unit: unit.into(),
            health: Health::Ok,
            reasons: Vec::new(),
        }
    }

    #[test]
    fn each_kind_in_one_line_and_unknown_as_the_glyph() {
        let lag = entry(
            DataFigures::Lag {
                lag: Some(430_560.0),
                trend_per_second: None,
                running: Some(false),
                warn: None,
                crit: None,
            },
            "bytes",
        );
        assert_eq!(line(&lag, "?"), "lag 430.6kB paused");
        let lag = entry(
            DataFigures::Lag {
                lag: None,
                trend_per_second: None,
                running: None,
                warn: None,
                crit: None,
            },
            "seconds",
        );
        assert_eq!(line(&lag, "?"), "lag ?");
        let writes = entry(
            DataFigures::MonolithWrites {
                rows: Some(1500.0),
                rows_per_second: Some(150.0),
                rows_total: Some(3000.0),
            },
            "rows",
        );
        assert_eq!(line(&writes, "?"), "monolith writes 1500 rows, 150/s");
        let shadow = entry(
            DataFigures::Shadow {
                comparisons: Some(950.0),
                mismatches: Some(50.0),
                errors: Some(50.0),
                mismatch_ratio: Some(50.0 / 950.0),
                error_ratio: Some(0.05),
                limit: 0.01,
            },
            "ratio",
        );
        assert_eq!(line(&shadow, "?"), "shadow 50/950 differ 5.26%");
        let reconcile = entry(
            DataFigures::Reconcile {
                checked: Some(200.0),
                mismatches: None,
                mismatch_ratio: None,
                limit: 0.0,
            },
            "ratio",
        );
        assert_eq!(line(&reconcile, "?"), "reconcile ?/200 differ ?");
    }
}
