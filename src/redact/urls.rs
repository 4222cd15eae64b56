//! A URL as it may be shown (user info and secret query values replaced), and the secret
//! values it carries, as a server may echo them.

use super::{basic_credential, is_secret_name, percent_decoded, REDACTED};

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
pub(super) fn query_redacted(query: &str) -> String {
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
        secrets.push(basic_credential(
            &percent_decoded(user),
            &percent_decoded(parsed.password().unwrap_or("")),
        ));
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

/// A webhook URL as it may be shown: [`url`], and then every path segment that reads as a
/// token replaced. Chat incoming webhooks carry their credential in the path
/// (`/services/T0/B0/XXXXXXXXXXXXXXXXXXXXXXXX`, `/hooks/3k9x...`), where no name says so.
pub fn webhook_url(text: &str) -> String {
    let mut shown = url(text);
    for token in path_tokens(text) {
        shown = shown.replace(&format!("/{token}"), &format!("/{REDACTED}"));
    }
    shown
}

/// The path segments of a URL that read as tokens: at least 16 characters of letters, digits,
/// `-` and `_`, with both letters and digits (a Slack or Mattermost webhook key, a Discord
/// token), as [`webhook_url`] hides them and as a server may echo them.
pub fn path_tokens(text: &str) -> Vec<String> {
    let Ok(parsed) = reqwest::Url::parse(text) else {
        return Vec::new();
    };
    let mut tokens: Vec<String> = parsed
        .path()
        .split('/')
        .filter(|seg| {
            seg.len() >= 16
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && seg.chars().any(|c| c.is_ascii_digit())
                && seg.chars().any(|c| c.is_ascii_alphabetic())
        })
        .map(str::to_string)
        .collect();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn webhook_urls_hide_path_tokens() {
        assert_eq!(
            webhook_url(
                "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcDEF123456ghiJKL789012"
            ),
            "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/<redacted>"
        );
        assert_eq!(
            webhook_url("https://chat.example.com/hooks/3k9xw7q1b5fz8rpy4u6tne2mca?token=abc"),
            "https://chat.example.com/hooks/<redacted>?token=<redacted>"
        );
        assert_eq!(
            webhook_url("http://127.0.0.1:9093/api/v2/alerts"),
            "http://127.0.0.1:9093/api/v2/alerts"
        );
        assert_eq!(
            path_tokens("https://h/services/T0/B0/abcDEF123456ghiJKL789012"),
            vec!["abcDEF123456ghiJKL789012".to_string()]
        );
        assert!(path_tokens("https://h/alertmanager-webhook-receiver/x").is_empty());
    }
}
