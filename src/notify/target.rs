//! One `[[notify]]` target, ready to send to: the config's entry with its token named (read
//! at each send, so a rotated file is picked up) and its secrets known, for redaction.

use std::time::Duration;

use super::notice::NoticeKind;
use crate::redact::{self, SecretValues, SHORTEST_SECRET};
use crate::source::SecretFrom;

#[derive(Clone)]
pub struct NotifyTarget {
    pub url: String,
    /// Extra request headers; secret-looking ones are never shown.
    pub headers: Vec<(String, String)>,
    pub bearer: Option<SecretFrom>,
    pub events: Vec<NoticeKind>,
    /// Bound on one attempt: connect, request and answer.
    pub timeout: Duration,
}

/// The URL and header values may carry credentials: Debug shows neither.
impl std::fmt::Debug for NotifyTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyTarget")
            .field("url", &self.shown())
            .field("headers", &self.headers.len())
            .field("bearer", &self.bearer)
            .field("events", &self.events)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl NotifyTarget {
    pub fn wants(&self, kind: NoticeKind) -> bool {
        self.events.contains(&kind)
    }

    /// The target as every report and `check` shows it: user info, secret query values and
    /// path tokens (a chat webhook's key) replaced.
    pub fn shown(&self) -> String {
        redact::webhook_url(&self.url)
    }

    /// What must never leave in a body nor show in a report: the URL's user info, secret
    /// query values and path tokens, and secret-looking header values. The bearer token is
    /// added where it is read.
    pub fn secrets(&self) -> SecretValues {
        let mut values = redact::url_secrets(&self.url);
        values.extend(redact::path_tokens(&self.url));
        for (name, value) in &self.headers {
            if redact::is_secret_name(name) {
                values.push(value.clone());
            }
        }
        if let Some(token) = self.bearer.as_ref().and_then(|b| b.resolve().ok()) {
            values.push(token.expose().to_string());
        }
        SecretValues::new(values, SHORTEST_SECRET)
    }

    /// `https://hooks.example.com/<redacted> for crit, rollback (token from $HOOK_TOKEN)`.
    pub fn summary(&self) -> String {
        let events: Vec<&str> = self.events.iter().map(|k| k.as_str()).collect();
        let token = self
            .bearer
            .as_ref()
            .map(|b| format!(" (bearer token from {})", b.words()))
            .unwrap_or_default();
        format!("{} for {}{token}", self.shown(), events.join(", "))
    }
}
