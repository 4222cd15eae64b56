//! One event shown whole in a box: a row of the events view is cut to the screen's width, and
//! an event (an exporter's error, a step's answer) is often longer than any row.

use super::app::Modal;
use crate::format;
use crate::timeline::TimelineEvent;

/// The box for `e`: its time and kind in the title, what it is about, then its text, wrapped
/// by the box with nothing cut. The domain lets the box open that domain's detail.
pub fn open(e: &TimelineEvent, utc_offset_secs: i32) -> Modal {
    let about = match &e.domain {
        Some(d) => format!("{} event about {d}", e.kind.label()),
        None => format!("{} event", e.kind.label()),
    };
    let (when, lines) = match e.earlier_session {
        None => (
            format::clock(e.at_ms, utc_offset_secs),
            vec![about, String::new(), e.text.clone()],
        ),
        // Days may have passed: the date, and the session it is from.
        Some(start) => (
            format::date_minutes(e.at_ms, utc_offset_secs),
            vec![
                about,
                format!(
                    "from an {}",
                    crate::ui::views::events::session_words(start, utc_offset_secs)
                ),
                String::new(),
                e.text.clone(),
            ],
        ),
    };
    Modal::Event {
        title: format!("Event {when}"),
        lines,
        domain: e.domain.clone(),
    }
}
