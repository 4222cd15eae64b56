//! What a queue figure counts. "Depth 0" of a Redis stream group read from its pending list
//! said nothing about the 500 entries not yet delivered: each figure carries its meaning from
//! the preset that reads it through the plan to the screen and `status --json`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a queue figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueMeaning {
    /// A hand-written selector: the cockpit does not know what it counts.
    #[default]
    Depth,
    /// Entries not yet delivered to (Redis stream group) or consumed by (Kafka group) a consumer.
    Lag,
    /// Messages waiting for a consumer (RabbitMQ).
    Ready,
    /// Delivered to a consumer and not yet acknowledged (Redis stream group): in flight.
    Pending,
    /// Delivered to a consumer and not yet acknowledged (RabbitMQ): in flight.
    Unacked,
}

impl QueueMeaning {
    /// The word the screen and `status --json` use.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueMeaning::Depth => "depth",
            QueueMeaning::Lag => "lag",
            QueueMeaning::Ready => "ready",
            QueueMeaning::Pending => "pending",
            QueueMeaning::Unacked => "unacked",
        }
    }
}

impl fmt::Display for QueueMeaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_word_is_the_screen_word() {
        for m in [
            QueueMeaning::Depth,
            QueueMeaning::Lag,
            QueueMeaning::Ready,
            QueueMeaning::Pending,
            QueueMeaning::Unacked,
        ] {
            let json = serde_json::to_string(&m).unwrap_or_default();
            assert_eq!(json, format!("\"{m}\""));
        }
    }
}
