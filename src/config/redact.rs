//! Secrets out of what is written down: recordings, the audit log, the screen.
//!
//! The config never holds a token or a password itself (only the variable or file that does),
//! but a header value, a URL's user info or query string may still carry one. Anything whose
//! name looks like a credential is replaced by `<redacted>`.

use super::model::{Config, Step};

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Header, query parameter and JSON field names that carry credentials, found anywhere in
/// the name (`X-Auth-Token`, `client_secret`, `api_key`, `X-Amz-Signature`).
const SECRET_WORDS: [&str; 12] = [
    "auth",
    "token",
    "secret",
    "key",
    "password",
    "passwd",
    "passphrase",
    "cookie",
    "session",
    "credential",
    "signature",
    "bearer",
];

/// Short names that carry credentials only as a whole word of the name (`sig`, `X-Pwd`):
/// as substrings they would match `signal` or `design`.
const SECRET_SHORT_WORDS: [&str; 6] = ["sig", "pwd", "pw", "pass", "jwt", "sas"];

/// True when a header, query parameter or JSON field of this name may carry a credential.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| lower.contains(word))
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| SECRET_SHORT_WORDS.contains(&word))
}

/// The URL with its user info and secret-looking query values replaced: `user:<redacted>@`
/// for a password, `<redacted>@` for a user name alone (a token is often sent so). The URL is
/// read with the HTTP client's own parser, so what is shown is what would be requested; text
/// that parser cannot read is shown only up to its scheme, with what follows the last `@`.
pub fn url(text: &str) -> String {
    let Ok(parsed) = reqwest::Url::parse(text) else {
        return unparsed_url(text);
    };
    let Some(host) = parsed.host_str() else {
        return unparsed_url(text);
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(parsed.scheme());
    out.push_str("://");
    match (parsed.username(), parsed.password()) {
        ("", None) => {}
        (user, Some(_)) => {
            out.push_str(user);
            out.push(':');
            out.push_str(REDACTED);
            out.push('@');
        }
        (_, None) => {
            out.push_str(REDACTED);
            out.push('@');
        }
    }
    out.push_str(host);
    if let Some(port) = parsed.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(parsed.path());
    if let Some(query) = parsed.query() {
        out.push('?');
        out.push_str(&query_redacted(query));
    }
    if let Some(fragment) = parsed.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// A URL the client cannot read (shown in the error that says so): nothing before an `@`
/// and no query value is shown.
fn unparsed_url(text: &str) -> String {
    let (head, query) = match text.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (text, None),
    };
    let mut out = match head.rfind('@') {
        Some(at) => {
            let scheme = head
                .split_once("://")
                .map(|(scheme, _)| scheme)
                .filter(|s| {
                    s.starts_with(|c: char| c.is_ascii_alphabetic())
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                });
            match scheme {
                Some(scheme) => format!("{scheme}://{REDACTED}{}", &head[at..]),
                None => format!("{REDACTED}{}", &head[at..]),
            }
        }
        None => head.to_string(),
    };
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query_redacted(query));
    }
    out
}

/// `a=1&token=<redacted>`: values of secret-looking names replaced (names read
/// percent-decoded, so `tok%65n` is `token`).
fn query_redacted(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&percent_decoded(name)) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The secret values a URL carries, as a server may echo them: the password, a user name
/// given alone, the Basic credential the client makes of them, and the values of
/// secret-looking query parameters (raw and decoded).
pub fn url_secrets(text: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    let Ok(parsed) = reqwest::Url::parse(text) else {
        return secrets;
    };
    let user = parsed.username();
    match parsed.password() {
        Some(password) => {
            secrets.push(password.to_string());
            secrets.push(percent_decoded(password));
        }
        None if !user.is_empty() => {
            secrets.push(user.to_string());
            secrets.push(percent_decoded(user));
        }
        None => {}
    }
    if !user.is_empty() || parsed.password().is_some() {
        let basic = format!(
            "{}:{}",
            percent_decoded(user),
            percent_decoded(parsed.password().unwrap_or(""))
        );
        secrets.push(crate::source::scrape::base64(basic.as_bytes()));
    }
    for pair in parsed.query().unwrap_or("").split('&') {
        if let Some((name, value)) = pair.split_once('=') {
            if is_secret_name(&percent_decoded(name)) && !value.is_empty() {
                secrets.push(value.to_string());
                secrets.push(percent_decoded(value));
            }
        }
    }
    secrets.dedup();
    secrets
}

/// An HTTP step's body as the dialog, the CLI and the audit log show it: a JSON document with
/// the values of secret-looking fields replaced (at any depth), a form (`a=1&client_secret=…`)
/// likewise; any other text as it is.
pub fn body(text: &str) -> String {
    if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) {
        if redact_json(&mut value) {
            return value.to_string();
        }
        return text.to_string();
    }
    let looks_like_form = !text.is_empty()
        && !text.contains(char::is_whitespace)
        && text.split('&').all(|pair| pair.contains('='));
    if looks_like_form {
        query_redacted(text)
    } else {
        text.to_string()
    }
}

/// The values of a body's secret-looking fields (JSON at any depth, or a form), as a server
/// echoing the body back would show them.
pub fn body_secrets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        json_secret_values(&value, false, &mut out);
        return out;
    }
    for pair in text.split('&') {
        if let Some((name, value)) = pair.split_once('=') {
            if is_secret_name(&percent_decoded(name)) && !value.is_empty() {
                out.push(value.to_string());
                out.push(percent_decoded(value));
            }
        }
    }
    out
}

fn json_secret_values(value: &serde_json::Value, secret: bool, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (name, field) in map {
                json_secret_values(field, secret || is_secret_name(name), out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_secret_values(item, secret, out);
            }
        }
        serde_json::Value::String(text) if secret => out.push(text.clone()),
        serde_json::Value::Number(n) if secret => out.push(n.to_string()),
        _ => {}
    }
}

/// Replaces the values of secret-looking fields; true when something was replaced.
fn redact_json(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for (name, field) in map.iter_mut() {
                if is_secret_name(name) && !field.is_null() {
                    *field = serde_json::Value::String(REDACTED.to_string());
                    changed = true;
                } else {
                    changed |= redact_json(field);
                }
            }
            changed
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| redact_json(item) | changed),
        _ => false,
    }
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
        assert_eq!(url("http://TOKEN123@host/x"), "http://<redacted>@host/x");
        assert_eq!(url("not a url"), "not a url");
        assert_eq!(
            url("http:/alice:PW@127.0.0.1:1/m?tok%65n=X&sig=Y&signal=up"),
            "http://alice:<redacted>@127.0.0.1:1/m?tok%65n=<redacted>&sig=<redacted>&signal=up"
        );
        assert_eq!(
            url("http:\\\\alice:PW@127.0.0.1:1/m"),
            "http://alice:<redacted>@127.0.0.1:1/m"
        );
        assert_eq!(url("ftp//alice:PW@host?x=1"), "<redacted>@host?x=1");
        assert_eq!(url("http://a:PW@[bad/x"), "http://<redacted>@[bad/x");
    }

    #[test]
    fn url_secrets_are_what_a_server_could_echo() {
        let found = url_secrets("http://alice:p%40ss@h/x?token=T0K&q=up");
        for s in ["p%40ss", "p@ss", "YWxpY2U6cEBzcw==", "T0K"] {
            assert!(found.iter().any(|f| f == s), "{s} in {found:?}");
        }
        assert!(!found.iter().any(|f| f == "up"));
        let lone = url_secrets("http://TOKEN123@h/");
        assert!(lone.iter().any(|f| f == "TOKEN123"), "{lone:?}");
    }

    #[test]
    fn bodies_lose_secret_fields() {
        assert_eq!(
            body(r#"{"client_secret":"abc","weight":0,"nested":[{"apiKey":"k"}]}"#),
            r#"{"client_secret":"<redacted>","nested":[{"apiKey":"<redacted>"}],"weight":0}"#
        );
        assert_eq!(body(r#"{"weight": 0}"#), r#"{"weight": 0}"#);
        assert_eq!(
            body("grant_type=client_credentials&client_secret=abc"),
            "grant_type=client_credentials&client_secret=<redacted>"
        );
        assert_eq!(body("plain text"), "plain text");
    }
}
