//! The secrets one source knows, taken out of its error words and (credentials only) of its
//! bodies: a server may echo a header back in its error page or into a label value, and both
//! reach the screen, logs and recordings.

use super::{Auth, SourceSpec};
use crate::redact::{basic_credential, is_secret_name, url_secrets, SecretValues, SHORTEST_SECRET};

/// Removes every configured secret from error text, and every credential from bodies: a
/// server that echoes the `Authorization` header into a 200 page or a label value would
/// otherwise put the token into recordings (which keep bad lines).
#[derive(Clone, Default)]
pub(super) struct Redactor {
    /// Every configured value: header values (a tenant too) and credentials.
    words: SecretValues,
    /// The credentials long enough to look for in a body: replacing a short value there (a
    /// tenant name, a 4-letter password) would garble real data.
    body: SecretValues,
}

impl Redactor {
    /// Shorter credentials are not searched for in bodies.
    const MIN_BODY_LEN: usize = 8;

    pub(super) fn for_spec(spec: &SourceSpec) -> Self {
        let mut values: Vec<String> = spec.headers.iter().map(|(_, v)| v.clone()).collect();
        let mut credentials: Vec<String> = spec
            .headers
            .iter()
            .filter(|(name, _)| is_secret_name(name))
            .map(|(_, v)| v.clone())
            .collect();
        match &spec.auth {
            Auth::None => {}
            Auth::Bearer(token) => credentials.push(token.expose().to_string()),
            Auth::Basic { username, password } => {
                credentials.push(password.expose().to_string());
                credentials.push(basic_credential(username, password.expose()));
            }
        }
        credentials.extend(url_secrets(&spec.url));
        values.extend(credentials.iter().cloned());
        Redactor {
            words: SecretValues::new(values, SHORTEST_SECRET),
            body: SecretValues::new(credentials, Self::MIN_BODY_LEN),
        }
    }

    /// Error words that know only `values` (and bodies none of them).
    #[cfg(test)]
    pub(super) fn with_values(values: SecretValues) -> Self {
        Redactor {
            words: values,
            body: SecretValues::default(),
        }
    }

    /// Every value replaced, and the start of one left at a cut (`…`) too.
    pub(super) fn redact(&self, text: &str) -> String {
        self.words.redact(text).into_owned()
    }

    /// The body, with any credential in it replaced; bodies run to tens of MB, so the body
    /// is only copied when a credential is found.
    pub(super) fn redact_body(&self, body: String) -> String {
        match self.body.replace_whole(&body) {
            std::borrow::Cow::Borrowed(_) => body,
            std::borrow::Cow::Owned(clean) => clean,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::source::SourceKind;

    #[test]
    fn bodies_lose_credentials_but_keep_short_values_and_tenant_headers() {
        let spec = |auth: Auth, headers: Vec<(&str, &str)>| SourceSpec {
            name: "s".into(),
            url: "http://u:url-password-1@127.0.0.1:1/metrics".into(),
            kind: SourceKind::Scrape,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            auth,
            ca_file: None,
            insecure_skip_verify: false,
            max_body: 1 << 20,
            timeout: Duration::from_secs(1),
            queries: Vec::new(),
            batch: Vec::new(),
            limits: Default::default(),
        };
        let bearer = Redactor::for_spec(&spec(
            Auth::Bearer(crate::source::Secret::new("tok-1234567890")),
            vec![
                ("X-Scope-OrgID", "tenant-prod"),
                ("X-Api-Key", "key-abcdefgh"),
            ],
        ));
        let body = "a{auth=\"Bearer tok-1234567890\",t=\"tenant-prod\",k=\"key-abcdefgh\",p=\"url-password-1\"} 1\n";
        assert_eq!(
            bearer.redact_body(body.to_string()),
            "a{auth=\"Bearer <redacted>\",t=\"tenant-prod\",k=\"<redacted>\",p=\"<redacted>\"} 1\n"
        );
        // Error text loses every configured value, the tenant too.
        assert_eq!(
            bearer.redact("HTTP 401: tenant-prod"),
            "HTTP 401: <redacted>"
        );
        let basic = Redactor::for_spec(&spec(
            Auth::Basic {
                username: "ops".into(),
                password: crate::source::Secret::new("orders"),
            },
            Vec::new(),
        ));
        let echoed = format!("Basic {}", basic_credential("ops", "orders"));
        // A six-letter password is also a label value somewhere: bodies keep it.
        assert_eq!(
            basic.redact_body(format!("q{{queue=\"orders\",h=\"{echoed}\"}} 1\n")),
            "q{queue=\"orders\",h=\"Basic <redacted>\"} 1\n"
        );
    }
}
