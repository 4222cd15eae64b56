//! Notifications: the bell's reasons and the `[[notify]]` webhooks.
//!
//! What is worth telling a person ([`Notice`]) comes from two places: successive statuses
//! (a domain's health turning crit, its verdict turning fail, and back: [`Watch`], pure) and
//! the end of an action (a rollback, a promotion, a ramp's steps), said by whoever ran it.
//! [`Notifier`] posts each notice to the targets that want it from tasks of its own: the
//! caller only puts it in a bounded queue, so no webhook can hold the UI loop, the engine or
//! the action gate. A full queue drops the notice and counts it; a failed delivery is retried
//! a bounded number of times, then reported in words (targets shown with their secrets
//! redacted). Live sessions and the headless commands notify; a replay and the demo never do.

mod body;
mod notice;
mod sender;
mod target;
mod watch;

pub use body::body;
pub use notice::{Notice, NoticeKind};
pub use sender::{Notifier, Report, Tally, ATTEMPTS, BACKOFF, QUEUE};
pub use target::NotifyTarget;
pub use watch::Watch;
