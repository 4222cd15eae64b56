//! What the event loop does with the contexts key and a context chosen in its box: list them
//! through the session's [`ContextSwitch`], and allow a switch only when nothing is in flight
//! and the chosen context loads. A refusal says why in a box; the session keeps running.

use tokio::sync::watch;

use super::app::{App, Modal};
use super::{ContextSwitch, UiOptions};
use crate::term_text::for_terminal;

/// The contexts key: the list, or why there is none here.
pub(super) fn open(opts: &UiOptions, app: &mut App) {
    match &opts.contexts {
        ContextSwitch::Unavailable(why) => app.say(why.clone()),
        ContextSwitch::Available { list, .. } => app.show_contexts(list()),
    }
}

/// Whether the cockpit may end to switch to `name`: not while an action of this session is in
/// flight (its progress and verdict would lose their screen), not to the context in use, and
/// only when the context loads (else its error is shown and the current one keeps running).
pub(super) fn may_switch(
    opts: &UiOptions,
    app: &mut App,
    in_flight: Option<&watch::Receiver<Vec<String>>>,
    name: &str,
) -> bool {
    let ContextSwitch::Available { check, .. } = &opts.contexts else {
        return false;
    };
    let shown = for_terminal(name).into_owned();
    let here = app
        .badge()
        .map(|b| format!("context {}", for_terminal(&b.name)))
        .unwrap_or_else(|| "this config".into());
    let busy = in_flight.map(|rx| rx.borrow().clone()).unwrap_or_default();
    if !busy.is_empty() {
        app.modal.open = Some(Modal::Notice {
            title: format!("Not switched to {shown}"),
            lines: vec![
                format!(
                    "An action on {} (a rollback or a promotion, or its verification) is in flight.",
                    for_terminal(&busy.join(", "))
                ),
                "A switch now would leave it without its screen: switch once it has ended.".into(),
                String::new(),
                format!("{here} keeps running."),
            ],
        });
        return false;
    }
    if app.badge().is_some_and(|b| b.name == name) {
        app.say(format!("already in context {shown}"));
        return false;
    }
    match check(name) {
        Ok(()) => true,
        Err(e) => {
            app.modal.open = Some(Modal::Notice {
                title: format!("Not switched to {shown}"),
                lines: vec![
                    format!("Its config does not load: {}", for_terminal(&e)),
                    String::new(),
                    format!("{here} keeps running."),
                ],
            });
            false
        }
    }
}
