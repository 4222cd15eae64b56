//! Redraws the clock alone asks for: a frame is worth its bytes only when a label that moves
//! with time (the header clock, an age) would read differently, or a message expired.

use super::{App, View};
use crate::format;
use crate::mode::Mode;

impl App {
    /// Sets the clock (wall time, unix ms). True when a time label on screen would change,
    /// or a message expired: only then is a redraw worth its bytes.
    pub fn tick(&mut self, now_ms: i64) -> bool {
        self.data.now_ms = now_ms;
        let mut changed = false;
        if self.message.as_ref().is_some_and(|m| now_ms >= m.until_ms) {
            self.message = None;
            changed = true;
        }
        changed || self.time_labels() != self.drawn_times
    }

    /// Tells the state a frame was drawn: the time labels on screen are the current ones.
    pub fn mark_drawn(&mut self) {
        self.drawn_times = self.time_labels();
    }

    /// Every label on screen that moves with the clock alone.
    fn time_labels(&self) -> String {
        let mut out = String::new();
        if self.data.mode == Mode::Live {
            out.push_str(&format::clock_minutes(
                self.data.now_ms,
                self.look.utc_offset_secs,
            ));
            out.push('|');
        }
        if let Some(a) = self.data_age_ms() {
            out.push_str(&format::age_fine(a));
        }
        match self.nav.view {
            View::Overview => {
                for d in self.visible_domains() {
                    out.push('|');
                    if let Some(a) = self.domain_age_ms(d) {
                        out.push_str(format::age_coarse(a));
                    }
                }
            }
            View::Sources | View::Detail => {
                if let Some(st) = &self.data.status {
                    for s in &st.sources {
                        out.push('|');
                        if let Some(a) = self.source_age_ms(s) {
                            out.push_str(&format::age_fine(a));
                        }
                    }
                }
            }
            View::Events | View::Help => {}
        }
        out
    }
}
