//! The footer message: one line that goes away by itself.

/// How long a message stays in the footer when no key is pressed.
const MESSAGE_MS: i64 = 8_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    /// Clock time after which it goes away by itself.
    pub until_ms: i64,
}

impl Message {
    /// A message shown from `now_ms` for a few seconds.
    pub(crate) fn new(text: String, now_ms: i64) -> Message {
        Message {
            text,
            until_ms: now_ms + MESSAGE_MS,
        }
    }
}
