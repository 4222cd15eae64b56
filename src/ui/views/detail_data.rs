//! The detail view's data section: one compact line per `[[domain.data]]` entry (name, what it
//! measures with its figures, health marker), e.g. `orders-copy  lag 430.6kB paused  [WARN]`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{boxed, health_style};
use crate::figures::data::summary;
use crate::figures::DomainStatus;
use crate::term_text::for_terminal;
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
        .map(|e| crate::ui::widgets::width(&for_terminal(&e.name)))
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
        let name = fit(&for_terminal(&e.name), name_w, app.look.glyphs.ellipsis).into_owned();
        let x = inner.x + 1;
        put(buf, x, y, name_w as u16, &name, st.text);
        let fx = x + name_w as u16 + 2;
        let room = inner.right().saturating_sub(fx + marker_w + 1);
        let words = summary(e, app.look.glyphs.unknown);
        let text = fit(&words, usize::from(room), app.look.glyphs.ellipsis);
        put(buf, fx, y, room, &text, st.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::data::{DataFigures, DataStatus};
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
        assert_eq!(summary(&lag, "?"), "lag 430.6kB paused");
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
        assert_eq!(summary(&lag, "?"), "lag ?");
        let writes = entry(
            DataFigures::MonolithWrites {
                rows: Some(1500.0),
                rows_per_second: Some(150.0),
                rows_total: Some(3000.0),
            },
            "rows",
        );
        assert_eq!(summary(&writes, "?"), "monolith writes 1500 rows, 150/s");
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
        assert_eq!(summary(&shadow, "?"), "shadow 50/950 differ 5.26%");
        let reconcile = entry(
            DataFigures::Reconcile {
                checked: Some(200.0),
                mismatches: None,
                mismatch_ratio: None,
                limit: 0.0,
            },
            "ratio",
        );
        assert_eq!(summary(&reconcile, "?"), "reconcile ?/200 differ ?");
    }
}
