//! Feed events: new figures, replay positions, timeline events and the gate's answers.

use super::{App, Modal};
use crate::feed::FeedEvent;
use crate::timeline::EventKind;
use crate::ui::confirm;

impl App {
    /// Takes what the feed sent. True when the screen changes.
    pub fn apply(&mut self, ev: FeedEvent) -> bool {
        match ev {
            FeedEvent::Status(status) => {
                self.data.timeline.observe(&status);
                self.data.latest = Some(*status);
                if !self.nav.frozen {
                    self.data.status = self.data.latest.clone();
                    self.refresh_order();
                }
                // While frozen nothing on screen moves: the figures, charts and events all stop
                // at the frozen time.
                !self.nav.frozen
            }
            FeedEvent::Replay(pos) => {
                let changed = self.data.replay != Some(pos);
                self.data.replay = Some(pos);
                changed
            }
            FeedEvent::Event {
                at_ms,
                kind,
                domain: about,
                text,
            } => {
                if kind == EventKind::Rollback {
                    if let Some(Modal::RollbackProgress { domain, lines }) =
                        self.modal.open.as_mut()
                    {
                        if about.as_deref() == Some(domain.as_str()) {
                            let prefix = format!("{domain}: ");
                            lines.push(text.strip_prefix(&prefix).unwrap_or(&text).to_string());
                        }
                    }
                }
                self.data
                    .timeline
                    .push_event(at_ms, kind, about.as_deref(), &text);
                true
            }
            FeedEvent::RollbackOffer {
                domain,
                steps,
                verify,
            } => {
                self.modal.open = Some(Modal::ConfirmRollback {
                    domain,
                    steps,
                    verify,
                    typed: String::new(),
                });
                true
            }
            FeedEvent::RollbackRefused { domain, reason } => {
                self.modal.open = Some(confirm::refused(&domain, &reason));
                true
            }
            // A replay or the demo shows the recorded past: this host's audit log is no
            // part of it (the feeds never send marks there; this holds if one did).
            FeedEvent::Marks(_) if self.data.mode != crate::mode::Mode::Live => false,
            // Read every few seconds: only a change is worth a frame.
            FeedEvent::Marks(marks) => {
                let changed = self.data.marks != marks;
                self.data.marks = marks;
                changed
            }
        }
    }

    /// A request the gate never received: the box and the events say nothing ran, in the
    /// words the audit log holds.
    pub fn refused_here(&mut self, domain: &str, reason: &str) {
        self.modal.open = Some(confirm::refused(domain, reason));
        let text = format!("{domain}: rollback refused: {reason}");
        self.data
            .timeline
            .push_event(self.data.now_ms, EventKind::Rollback, Some(domain), &text);
    }

    /// The feed ended (a replay reached its end, or the pollers stopped).
    pub fn feed_ended(&mut self) {
        self.data.feed_closed = true;
        self.say("the feed ended: the figures on screen no longer change");
    }
}
