//! The copy of the config that recordings and logs may hold.
//!
//! The config never holds a token or a password itself (only the variable or file that does),
//! but a header value, a URL's user info or query string may still carry one; what counts as a
//! secret and what replaces it is decided in [`crate::redact`].

use super::model::Config;
use super::rollback_model::Step;
use crate::redact::{is_secret_name, url, REDACTED};

fn redact_headers(headers: &mut std::collections::BTreeMap<String, String>) {
    for (name, value) in headers.iter_mut() {
        if is_secret_name(name) {
            *value = REDACTED.to_string();
        }
    }
}

/// A `[tracing] url` template redacted like a source URL, its `{trace_id}` kept (the URL
/// redaction would percent-encode the braces); `None` when the placeholder itself sat in a
/// secret (the template then cannot make links, and a replay must still load it).
pub(super) fn redact_trace_url(template: &str) -> Option<String> {
    use crate::trace_url::PLACEHOLDER;
    const STAND_IN: &str = "cutover-trace-id-placeholder";
    let redacted = url(&template.replace(PLACEHOLDER, STAND_IN)).replace(STAND_IN, PLACEHOLDER);
    redacted.contains(PLACEHOLDER).then_some(redacted)
}

impl Config {
    /// A copy safe to write into recordings and logs: secret-looking header values, URL
    /// passwords and secret query parameters replaced by `<redacted>`, HTTP step bodies too
    /// (they may hold anything). The `[[notify]]` targets are left out whole: a chat webhook
    /// carries its key in the URL's path, and a recording never notifies.
    pub fn redacted(&self) -> Config {
        let mut config = self.clone();
        config.notify.clear();
        for source in &mut config.sources {
            source.url = url(&source.url);
            redact_headers(&mut source.headers);
        }
        config.tracing.url = config.tracing.url.as_deref().and_then(redact_trace_url);
        for domain in &mut config.domains {
            for (_, _, step) in domain.action_steps_mut() {
                if let Step::Http(http) = step {
                    http.url = url(&http.url);
                    redact_headers(&mut http.headers);
                    if http.body.is_some() {
                        http.body = Some(REDACTED.to_string());
                    }
                }
            }
        }
        config
    }

    /// A copy that names no file or variable to read a credential from, for replay: a
    /// recording never polls, and one received from someone else must not make cutover read
    /// files it names (a FIFO would hang the replay, `/dev/zero` exhaust memory).
    pub fn without_credential_sources(&self) -> Config {
        let mut config = self.clone();
        // A replay never notifies.
        config.notify.clear();
        for source in &mut config.sources {
            source.bearer_token_env = None;
            source.bearer_token_file = None;
            if let Some(auth) = &mut source.basic_auth {
                auth.password_env = None;
                auth.password_file = None;
            }
        }
        config
    }

    /// The redacted config as TOML, for the header of a recording.
    pub fn redacted_toml(&self) -> String {
        // Every type in the model serializes to TOML (strings, numbers, tables, arrays of
        // tables), so this cannot fail on a Config.
        toml::to_string(&self.redacted()).expect("a Config always serializes to TOML")
    }
}
