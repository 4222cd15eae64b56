//! The actions this process has in flight, and the request to stop them.
//!
//! Once `requested` is on disk an action is never dropped silently: whoever ends the process
//! (quit, a signal, a terminal that went away) first waits for [`Flights::settled`], and may
//! ask the actions to [`Flights::stop`] at their next safe point (between two steps, or by
//! ending a verification's watch), which the gate audits as `interrupted` / `not_verified`.

use std::sync::Arc;

use tokio::sync::watch;

/// Shared by every clone of a gate: which domains are in flight, and why to stop, if asked.
#[derive(Debug, Clone)]
pub struct Flights {
    domains: Arc<watch::Sender<Vec<String>>>,
    stop: Arc<watch::Sender<Option<String>>>,
}

impl Default for Flights {
    fn default() -> Flights {
        Flights {
            domains: Arc::new(watch::channel(Vec::new()).0),
            stop: Arc::new(watch::channel(None).0),
        }
    }
}

impl Flights {
    /// The domains in flight now, oldest first.
    pub fn in_flight(&self) -> Vec<String> {
        self.domains.borrow().clone()
    }

    /// Follows the domains in flight (for a cockpit that must not quit silently).
    pub fn watch(&self) -> watch::Receiver<Vec<String>> {
        self.domains.subscribe()
    }

    /// Marks a domain in flight; false when it already was.
    pub(crate) fn add(&self, domain: &str) -> bool {
        let mut added = false;
        self.domains.send_modify(|d| {
            if !d.iter().any(|x| x == domain) {
                d.push(domain.to_string());
                added = true;
            }
        });
        added
    }

    pub(crate) fn remove(&self, domain: &str) {
        self.domains.send_modify(|d| d.retain(|x| x != domain));
    }

    /// Asks every action in flight (and any started later) to stop at its next safe point;
    /// `why` is audited (`SIGTERM`). The first reason stays.
    pub fn stop(&self, why: &str) {
        self.stop.send_if_modified(|s| {
            if s.is_some() {
                return false;
            }
            *s = Some(why.to_string());
            true
        });
    }

    /// Why the actions were asked to stop, if they were.
    pub fn stop_reason(&self) -> Option<String> {
        self.stop.borrow().clone()
    }

    /// Waits until asked to stop; returns why.
    pub async fn stopped(&self) -> String {
        let mut rx = self.stop.subscribe();
        loop {
            let why = rx.borrow_and_update().clone();
            if let Some(why) = why {
                return why;
            }
            if rx.changed().await.is_err() {
                // The sender lives as long as `self`: never reached.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Waits until nothing is in flight.
    pub async fn settled(&self) {
        let mut rx = self.domains.subscribe();
        loop {
            let empty = rx.borrow_and_update().is_empty();
            if empty || rx.changed().await.is_err() {
                return;
            }
        }
    }
}
