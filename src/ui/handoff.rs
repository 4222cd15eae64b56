//! Handing the cockpit's requests to the action gate's task without ever waiting on it. A
//! request that cannot be handed over (the gate's queue full, its task gone) did not run, and
//! nothing on screen may suggest otherwise: a dropped confirmation is said in the box and the
//! events, and audited as a refusal in the same words.

use std::fmt;
use std::sync::Arc;

use super::app::App;
use super::{ActionRequest, UiOptions};
use crate::action::{Action, Refusal};

/// Writes a refusal to the audit log for an action: the cockpit's way to audit what the gate
/// never heard. Wired by the command that owns the gate.
#[derive(Clone)]
pub struct RefusalAudit(Arc<RecordFn>);

/// Records one refusal: (the action, why).
type RecordFn = dyn Fn(&Action, &Refusal) + Send + Sync;

impl RefusalAudit {
    pub fn new(f: impl Fn(&Action, &Refusal) + Send + Sync + 'static) -> RefusalAudit {
        RefusalAudit(Arc::new(f))
    }

    pub fn record(&self, action: &Action, why: &Refusal) {
        (self.0)(action, why)
    }
}

impl fmt::Debug for RefusalAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefusalAudit")
    }
}

/// Sends `req` to the gate's task if it takes it now. A request to open a dialog that is not
/// taken is said in the footer; a confirmation that is not taken is refused on screen, in the
/// events and in the audit log.
pub fn hand_over(opts: &UiOptions, app: &mut App, req: ActionRequest) {
    let why = match &opts.actions {
        None => "no action gate in this session".to_string(),
        Some(tx) => match tx.try_send(req.clone()) {
            Ok(()) => return,
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => "its queue is full".to_string(),
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => "it has stopped".to_string(),
        },
    };
    match req {
        ActionRequest::Open { kind, .. } => {
            app.say(format!(
                "{}: the action gate is not answering ({why}); nothing ran",
                kind.as_str()
            ));
        }
        ActionRequest::Confirm { action, .. } => {
            let refusal = Refusal::NotHandedOver(why);
            if let Some(audit) = &opts.refusals {
                audit.record(&action, &refusal);
            }
            app.refused_here(action.which(), action.domain(), &refusal.to_string());
        }
    }
}
