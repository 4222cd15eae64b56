//! The one written form of a URL that a person, the redactor and the HTTP client all read the
//! same way.
//!
//! The client's parser (WHATWG URL) silently makes `http:alice:PW@host`, `http:/alice:PW@host`
//! and `http:\\alice:PW@host` into `http://alice:PW@host`, reads a backslash as a slash and
//! drops tabs and line breaks: what a reader (or a redactor looking for `://`) takes for a
//! path or a host would be sent as a credential. So a URL must start with `http://` or
//! `https://` written out, and hold no backslash, whitespace or control character.

use crate::redact;

/// Why `url` is not in the literal form, in words that never quote a credential; `None` when
/// it is (or when it is no http URL at all: the parser's own check says so).
pub fn problem(url: &str) -> Option<String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let http_like = lower.starts_with("http:") || lower.starts_with("https:");
    if http_like && !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Some(format!(
            "\"{}\" must start with http:// or https:// (written out, with both slashes)",
            redact::url(url)
        ));
    }
    let bad = url
        .chars()
        .find(|&c| c == '\\' || c.is_whitespace() || c.is_control())?;
    Some(format!(
        "\"{}\" holds {}: write it percent-encoded (the HTTP client would drop or change it)",
        redact::url(url),
        match bad {
            '\\' => "a backslash".to_string(),
            ' ' => "a space".to_string(),
            c => format!("the character {}", c.escape_unicode()),
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_literal_form_passes() {
        for ok in [
            "http://127.0.0.1:9090/metrics",
            "HTTPS://prom.internal/api?x=1",
            "ftp://elsewhere/",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for bad in [
            "http:alice:PW@127.0.0.1/m",
            "http:/alice:PW@127.0.0.1/m?token=X",
            "http:\\\\alice:PW@127.0.0.1/m",
            "http://alice:PW@127.0.0.1\\m",
            "http://127.0.0.1/m\tx",
            " http://127.0.0.1/m",
        ] {
            let why = problem(bad).unwrap_or_else(|| panic!("{bad} passes"));
            assert!(!why.contains("PW") && !why.contains('X'), "{why}");
        }
    }
}
