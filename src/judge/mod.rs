//! The judge: is the new path worse than the monolith, and how sure are we? Statistical tests
//! of the two paths on the same window (errors, latency), a noise floor from the monolith
//! against its own previous window, burn rates against the availability objective, and the
//! hysteresis that keeps health steady (Prometheus's `for:`). Rules and sources:
//! docs/judgement.md.

pub mod boundary;
pub mod burn;
pub mod errors;
pub mod history;
pub mod hysteresis;
pub mod latency;
pub mod latency_history;
pub mod outcome;
pub mod special;
pub mod steady;
pub mod verdict;

pub use outcome::Outcome;
