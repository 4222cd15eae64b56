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
    Modal::Event {
        title: format!("Event {}", format::clock(e.at_ms, utc_offset_secs)),
        lines: vec![about, String::new(), e.text.clone()],
        domain: e.domain.clone(),
    }
}
