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
            out.push_str(format::age_coarse(a));
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
            View::Detail => {
                if let Some(d) = self.selected_domain() {
                    for name in self.domain_source_names(&d.name) {
                        out.push('|');
                        let s = self
                            .data
                            .status
                            .as_ref()
                            .and_then(|st| st.sources.iter().find(|s| s.name == *name));
                        if let Some(a) = s.and_then(|s| self.source_age_ms(s)) {
                            out.push_str(format::age_coarse(a));
                        }
                    }
                }
            }
            View::Sources => {
                let list = self.visible_sources();
                let selected = self.nav.source_selected.min(list.len().saturating_sub(1));
                for (i, s) in list.iter().enumerate() {
                    out.push('|');
                    if let Some(a) = self.source_age_ms(s) {
                        // The selected source's own line has the age to the second.
                        if i == selected {
                            out.push_str(&format::age_fine(a));
                        } else {
                            out.push_str(format::age_coarse(a));
                        }
                    }
                }
            }
            View::Events | View::Help => {}
        }
        out
    }
}
