//! An HTTP step's body as it may be shown (secret-looking fields replaced), and the secret
//! values it carries.

use super::urls::query_redacted;
use super::{is_secret_name, percent_decoded, REDACTED};

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

#[cfg(test)]
mod tests {
    use super::*;

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
