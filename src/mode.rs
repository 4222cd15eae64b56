//! Where the figures come from. One type for the engine (which writes it into `status --json`
//! as `"live"` or `"replay"`), the cockpit's header (`LIVE`, `REPLAY`, `DEMO`) and the
//! command line that picks it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where the figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Polled now from the configured sources.
    Live,
    /// Computed from a recording.
    Replay,
    /// The bundled demo recording. The engine computes its figures as a replay, so
    /// `status --json` never says `demo`; only the cockpit's header does.
    Demo,
}

impl Mode {
    /// The name `status --json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Replay => "replay",
            Mode::Demo => "demo",
        }
    }

    /// The cockpit header's badge.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Live => "LIVE",
            Mode::Replay => "REPLAY",
            Mode::Demo => "DEMO",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    #[test]
    fn serde_names_are_the_display_names() {
        for mode in [Mode::Live, Mode::Replay, Mode::Demo] {
            let json = serde_json::to_string(&mode).expect("serializes");
            assert_eq!(json, format!("\"{mode}\""));
            let back: Mode = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, mode);
        }
    }
}
