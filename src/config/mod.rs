//! The configuration: one TOML file (DESIGN §2), read into plain types and checked as a whole.
//!
//! - `model`: the serde types, one per table of the file (`data_model`: `[[domain.data]]`);
//! - `load`: reading, with errors that name file, line and key;
//! - `validate`: the rules between values (unique names, known sources, selectors that parse);
//! - `signal_use`, `lookup`: walks and lookups on a loaded config (its signals, a source by
//!   name, secret files, a queue's preset keys);
//! - `bindings`: the grammar of `[bindings]`, shared with the cockpit;
//! - `duration`, `size`: `"2s"` and `"64MiB"`;
//! - `paths`: where the file is looked for and whether its permissions can be trusted;
//! - `context`: contexts (`<config dir>/contexts/NAME.toml`), their names and how one is chosen;
//! - `redact`: the copy of the config that recordings and logs may hold.

pub mod bindings;
pub mod context;
pub mod data_model;
pub mod duration;
mod load;
mod locate;
mod lookup;
pub mod model;
pub mod notify_model;
mod paths;
pub mod programs;
pub mod promote_model;
pub mod redact;
pub mod rollback_model;
mod signal;
mod signal_use;
pub mod size;
pub mod tracing_model;
pub mod url_form;
mod validate;

pub use data_model::*;
pub use duration::{Duration, DurationError};
pub use load::{load, parse_str, ConfigError};
pub use model::*;
pub use notify_model::Notify;
pub use paths::{
    default_path, loose_permissions, readable_secrets, resolve_path, untrusted_files, PathSource,
    CONFIG_ENV,
};
pub use programs::{config_dir, is_relative_program};
pub use promote_model::Promote;
pub use rollback_model::*;
pub use signal_use::SignalUse;
pub use size::{ByteSize, SizeError};
pub use tracing_model::{Hyperlinks, Tracing};
pub use validate::MIN_INTERVAL;
