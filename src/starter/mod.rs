//! `cutover init`: a commented starter config from what the given endpoints serve, so that a
//! newcomer goes from nothing to real figures without writing selectors first.

pub mod config_text;
pub mod detect;

pub use config_text::{starter_config, Probe};
pub use detect::{detect, Finding, Role, SIGNATURES};
