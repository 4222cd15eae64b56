//! Where a domain's migration stands. One type from the config file (`stage = "canary"`)
//! through the plan to `status --json` (`"stage": "canary"`), so no layer maps or parses it back.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a domain's migration stands, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Planned,
    Shadow,
    Canary,
    Ramp,
    Migrated,
    RolledBack,
}

impl Stage {
    /// The name the config file and `status --json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Planned => "planned",
            Stage::Shadow => "shadow",
            Stage::Canary => "canary",
            Stage::Ramp => "ramp",
            Stage::Migrated => "migrated",
            Stage::RolledBack => "rolled-back",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Stage;

    const ALL: [Stage; 6] = [
        Stage::Planned,
        Stage::Shadow,
        Stage::Canary,
        Stage::Ramp,
        Stage::Migrated,
        Stage::RolledBack,
    ];

    #[test]
    fn serde_names_are_the_display_names() {
        for stage in ALL {
            let json = serde_json::to_string(&stage).expect("serializes");
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            let back: Stage = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, stage);
        }
    }
}
