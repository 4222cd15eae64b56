//! `[[notify]]` as the file writes it: where notices are posted and which kinds.

use super::duration::Duration;
use crate::notify::NoticeKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[[notify]]`: one webhook target. The token is named (variable or file), never written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Where the JSON is posted (Alertmanager-style receiver, Slack/Mattermost webhook, ...).
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Environment variable holding a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// File holding a bearer token (read at each send, so rotation works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_file: Option<PathBuf>,
    /// The kinds this target receives; all of them when not written.
    #[serde(default = "all_events")]
    pub events: Vec<NoticeKind>,
    /// Bound on one attempt (connect, request, answer).
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
}

fn all_events() -> Vec<NoticeKind> {
    NoticeKind::ALL.to_vec()
}

/// Long enough for a chat service across the internet, short enough that three attempts end
/// within a headless command's patience.
fn default_timeout() -> Duration {
    Duration::from_secs(5)
}
