//! Secrets out of what is written down: recordings, the audit log, the screen.
//!
//! The config never holds a token or a password itself (only the variable or file that does),
//! but a header value, a URL's user info or query string may still carry one. Anything whose
//! name looks like a credential is replaced by `<redacted>`.

use super::model::{Config, Step};

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Header, query parameter and similar names that carry credentials.
const SECRET_WORDS: [&str; 10] = [
    "auth",
    "token",
    "secret",
    "key",
    "password",
    "passwd",
    "cookie",
    "session",
    "credential",
    "signature",
];

/// True when a header (or query parameter) of this name may carry a credential.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| lower.contains(word))
}

/// The URL with the password of its user info and secret-looking query values replaced.
pub fn url(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_end = text[authority_start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| authority_start + i);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..authority_start]);
    let authority = &text[authority_start..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..=colon]);
                    out.push_str(REDACTED);
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let rest = &text[authority_end..];
    let (before_fragment, fragment) = match rest.find('#') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
                    _ => pair.to_string(),
                })
                .collect();
            out.push_str(&pairs.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    out.push_str(fragment);
    out
}

fn redact_headers(headers: &mut std::collections::BTreeMap<String, String>) {
    for (name, value) in headers.iter_mut() {
        if is_secret_name(name) {
            *value = REDACTED.to_string();
        }
    }
}

impl Config {
    /// A copy safe to write into recordings and logs: secret-looking header values, URL
    /// passwords and secret query parameters replaced by `<redacted>`, HTTP step bodies too
    /// (they may hold anything).
    pub fn redacted(&self) -> Config {
        let mut config = self.clone();
        for source in &mut config.sources {
            source.url = url(&source.url);
            redact_headers(&mut source.headers);
        }
        for domain in &mut config.domains {
            let Some(rollback) = &mut domain.rollback else {
                continue;
            };
            for step in &mut rollback.steps {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "Authorization",
            "X-Api-Key",
            "Cookie",
            "X-Auth-Token",
            "client_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["X-Scope-OrgID", "Accept", "Content-Type"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn url_redaction() {
        assert_eq!(
            url("https://user:hunter2@prom:9090/api/v1?token=abc&q=up#frag"),
            "https://user:<redacted>@prom:9090/api/v1?token=<redacted>&q=up#frag"
        );
        assert_eq!(
            url("http://127.0.0.1:8404/metrics"),
            "http://127.0.0.1:8404/metrics"
        );
        assert_eq!(url("http://user@host/x"), "http://user@host/x");
        assert_eq!(url("not a url"), "not a url");
    }
}
