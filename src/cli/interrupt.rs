//! Signals and quitting while an action is in flight. Once `requested` is on disk an action is
//! never dropped: SIGHUP (the terminal went away) only means nobody watches any more; a first
//! SIGTERM or SIGINT (or quitting the cockpit) lets it run to its verdict without a screen; the
//! next SIGTERM or SIGINT asks it to stop at its next safe point (between two steps, or by
//! ending the verification's watch), and the gate audits that as `interrupted` / `not_verified`.

use crate::action::Flights;
use crate::ui::terminal::ExitSignals;

/// Writes to stderr, ignoring failures: the terminal may be gone (EIO) and the action must
/// still end properly.
pub fn note(text: &str) {
    crate::errln!("{text}");
}

/// Follows signals for as long as it is polled. `asked`: whether the operator already asked
/// to leave once (a signal that ended the cockpit, or a confirmed quit), so that the next
/// SIGTERM or SIGINT stops the actions.
pub async fn guard(mut signals: ExitSignals, flights: Flights, mut asked: bool) {
    loop {
        let sig = signals.next().await;
        tracing::warn!("{sig} while {:?} in flight", flights.in_flight());
        if sig == "SIGHUP" {
            note(&format!(
                "cutover: {sig}: the terminal went away; what is in flight goes on to its verdict and is audited"
            ));
        } else if asked {
            flights.stop(sig);
            note(&format!(
                "cutover: {sig} again: stopping at the next safe point (after the current step, or ending the verification); audited"
            ));
        } else {
            asked = true;
            note(&format!(
                "cutover: {sig}: the rollback goes on to its verdict and is audited; {sig} again stops it after the current step"
            ));
        }
    }
}

/// After the cockpit has given the terminal back: waits for `work` (the action desk, which
/// ends once every action it started has ended), saying so when something is in flight.
/// Signals meanwhile stop the actions at their next safe point.
pub async fn finish_headless(flights: &Flights, work: impl std::future::Future<Output = ()>) {
    let busy = flights.in_flight();
    if !busy.is_empty() {
        note(&format!(
            "cutover: the rollback of {} is in flight: it goes on without the screen to its verdict, audited (`cutover audit`); SIGTERM or SIGINT stops it at the next safe point",
            busy.join(", ")
        ));
    }
    let signals = ExitSignals::new();
    tokio::pin!(work);
    match signals {
        Ok(signals) => {
            tokio::select! {
                () = &mut work => {}
                () = guard(signals, flights.clone(), true) => {}
            }
        }
        Err(e) => {
            tracing::warn!("signals: {e}");
            work.await;
        }
    }
    if !busy.is_empty() {
        note("cutover: what was in flight has ended; its outcome is in the audit log (`cutover audit`)");
    }
}
