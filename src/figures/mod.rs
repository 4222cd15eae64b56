//! Figures: pure functions from the store to what every view and `status --json` report.
//! No I/O, no clock: time is the newest scrape's timestamp, so live and replay agree.

pub mod at;
pub mod boundary;
pub mod counter;
pub mod data;
pub mod exemplar;
pub mod finite;
pub mod gateway_state;
pub mod health;
pub mod last_poll;
pub mod latency;
pub mod quantile;
pub mod queue;
pub mod rollback_ready;
pub mod saga;
pub mod slo_p95;
pub mod source_view;
pub mod span;
pub mod split_gap;
pub mod status;
pub mod traffic;

pub use status::*;
