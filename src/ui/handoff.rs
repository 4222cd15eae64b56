//! Handing the cockpit's requests to the action gate's task without ever waiting on it. A
//! request that cannot be handed over (the gate's queue full, its task gone) did not run, and
//! nothing on screen may suggest otherwise: a dropped confirmation is said in the box and the
//! events, and audited as a refusal in the same words.

use std::fmt;
use std::sync::Arc;

use super::app::App;
use super::{ActionRequest, UiOptions};
use crate::action::Refusal;

/// Writes a refusal to the audit log for a domain: the cockpit's way to audit what the gate
/// never heard. Wired by the command that owns the gate.
#[derive(Clone)]
pub struct RefusalAudit(Arc<RecordFn>);

/// Records one refusal: (domain, why).
type RecordFn = dyn Fn(&str, &Refusal) + Send + Sync;

impl RefusalAudit {
    pub fn new(f: impl Fn(&str, &Refusal) + Send + Sync + 'static) -> RefusalAudit {
        RefusalAudit(Arc::new(f))
    }

    pub fn record(&self, domain: &str, why: &Refusal) {
        (self.0)(domain, why)
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
        ActionRequest::Open { .. } => {
            app.say(format!(
                "rollback: the action gate is not answering ({why}); nothing ran"
            ));
        }
        ActionRequest::Confirm { domain, .. } => {
            let refusal = Refusal::NotHandedOver(why);
            if let Some(audit) = &opts.refusals {
                audit.record(&domain, &refusal);
            }
            app.refused_here(&domain, &refusal.to_string());
        }
    }
}
