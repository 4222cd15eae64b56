//! Feed events: new figures, replay positions, timeline events and the gate's answers.

use super::{App, Modal};
use crate::action::Kind;
use crate::feed::FeedEvent;
use crate::timeline::EventKind;
use crate::ui::confirm;

impl App {
    /// Takes what the feed sent. True when the screen changes.
    pub fn apply(&mut self, ev: FeedEvent) -> bool {
        match ev {
            FeedEvent::Status(status) => {
                self.data.timeline.observe(&status);
                self.keep_cursor_in_history();
                self.data.observe_holds(&status);
                self.bell.observe(&status);
                self.data.latest = Some(*status);
                if !self.nav.frozen {
                    self.data.status = self.data.latest.clone();
                    self.refresh_order();
                }
                // While frozen nothing on screen moves: the figures, charts and events all stop
                // at the frozen time (a bell still rings, with a frame that changes nothing).
                !self.nav.frozen || self.bell.is_due()
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
                if let Some(Modal::Progress {
                    kind: doing,
                    domain,
                    lines,
                }) = self.modal.open.as_mut()
                {
                    if kind == EventKind::of(*doing) && about.as_deref() == Some(domain.as_str()) {
                        let prefix = format!("{domain}: ");
                        lines.push(text.strip_prefix(&prefix).unwrap_or(&text).to_string());
                    }
                }
                self.data
                    .timeline
                    .push_event(at_ms, kind, about.as_deref(), &text);
                true
            }
            FeedEvent::Offer(offer) => {
                self.modal.open = Some(Modal::Confirm {
                    expect: self.typed_name.expected(offer.domain()),
                    offer,
                    typed: String::new(),
                });
                true
            }
            FeedEvent::Refused {
                kind,
                domain,
                reason,
            } => {
                self.modal.open = Some(confirm::refused(kind, &domain, &reason));
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
            FeedEvent::Ramps(_) if self.data.mode != crate::mode::Mode::Live => false,
            FeedEvent::Ramps(ramps) => {
                let changed = self.data.ramps != ramps;
                self.data.ramps = ramps;
                changed
            }
            FeedEvent::ActionEnded { .. } => {
                self.bell.action_ended();
                self.bell.is_due()
            }
            FeedEvent::Readiness(_) if self.data.mode != crate::mode::Mode::Live => false,
            FeedEvent::Readiness(ready) => {
                let changed = self.data.readiness != ready;
                self.data.readiness = ready;
                changed
            }
        }
    }

    /// A request the gate never received: the box and the events say nothing ran, in the
    /// words the audit log holds.
    pub fn refused_here(&mut self, kind: Kind, domain: &str, reason: &str) {
        self.modal.open = Some(confirm::refused(kind, domain, reason));
        let text = format!("{domain}: {} refused: {reason}", kind.as_str());
        self.data
            .timeline
            .push_event(self.data.now_ms, EventKind::of(kind), Some(domain), &text);
    }

    /// The feed ended (a replay reached its end, or the pollers stopped).
    pub fn feed_ended(&mut self) {
        self.data.feed_closed = true;
        self.say("the feed ended: the figures on screen no longer change");
    }
}
