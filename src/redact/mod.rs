//! Secrets out of everything cutover writes down or shows: recordings, logs, the audit log,
//! the screen. One place decides what counts as a secret (a credential-looking name, a URL's
//! user info, a known value) and what replaces it, so config, sources and actions agree.
//!
//! - `urls`: a URL as it may be shown, and the secrets it carries;
//! - `bodies`: an HTTP step's body as it may be shown, and the secrets it carries;
//! - `values`: known secret values taken out of text, before and after it is cut.

mod bodies;
mod urls;
mod values;

use base64::Engine as _;

pub use bodies::{body, body_secrets};
pub use urls::{path_tokens, url, url_secrets, webhook_url};
pub use values::{SecretValues, CUT_MARK, EDGE_MIN_CHARS, SHORTEST_SECRET};

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

/// The credential an HTTP client sends for Basic auth (`base64("user:password")`), as a server
/// echoing the `Authorization` header would show it. Encoding this is the only use of base64.
pub fn basic_credential(username: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
}

/// `%41` and `+` decoded, as a server reads a query or form name or value.
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
    fn basic_credentials_are_standard_base64_with_padding() {
        assert_eq!(basic_credential("", ""), "Og==");
        assert_eq!(basic_credential("f", ""), "Zjo=");
        assert_eq!(basic_credential("fo", "o"), "Zm86bw==");
        assert_eq!(basic_credential("alice", "s3cret"), "YWxpY2U6czNjcmV0");
        assert_eq!(basic_credential("ops", "orders"), "b3BzOm9yZGVycw==");
    }
}
