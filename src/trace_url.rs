//! `[tracing] url = "https://tempo.example/trace/{trace_id}"`: the template that turns a kept
//! trace ID into a link, checked once when the config loads.
//!
//! The link goes into terminal escapes (OSC 8 to make text clickable, OSC 52 to copy it), so
//! neither part may carry anything a terminal acts on: the template is printable ASCII without
//! blanks (so no ESC, BEL or C1 control can end the escape early), starts with `http://` or
//! `https://`, holds no credentials, and has exactly one `{trace_id}`; the ID put in it is a
//! validated one ([`crate::trace_id`]: base64url characters only, which need no escaping in a URL).

use crate::trace_id;

/// The placeholder the template holds.
pub const PLACEHOLDER: &str = "{trace_id}";
/// The longest template accepted: a link is a URL, not a document.
pub const MAX_LEN: usize = 512;

/// A checked URL template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceUrl {
    template: String,
}

/// Why a template was refused, in words for `check`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceUrlError {
    #[error("must start with http:// or https://")]
    Scheme,
    #[error("must hold {PLACEHOLDER} exactly once")]
    Placeholder,
    #[error("may hold only printable ASCII without blanks (no control characters or escapes)")]
    Characters,
    #[error("is longer than {MAX_LEN} characters")]
    Length,
    #[error("must not hold a user or password (it is shown and copied)")]
    Credentials,
}

impl TraceUrl {
    pub fn parse(template: &str) -> Result<TraceUrl, TraceUrlError> {
        if template.len() > MAX_LEN {
            return Err(TraceUrlError::Length);
        }
        if !template.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(TraceUrlError::Characters);
        }
        let rest = template
            .strip_prefix("https://")
            .or_else(|| template.strip_prefix("http://"))
            .ok_or(TraceUrlError::Scheme)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(TraceUrlError::Credentials);
        }
        if template.matches(PLACEHOLDER).count() != 1 {
            return Err(TraceUrlError::Placeholder);
        }
        Ok(TraceUrl {
            template: template.to_string(),
        })
    }

    /// The link for a trace, or `None` when `id` is not a valid trace ID.
    pub fn link(&self, id: &str) -> Option<String> {
        trace_id::is_valid(id).then(|| self.template.replace(PLACEHOLDER, id))
    }

    pub fn template(&self) -> &str {
        &self.template
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_templates_and_valid_ids_make_links() {
        let url = TraceUrl::parse("https://tempo.example/trace/{trace_id}?orgId=1").expect("ok");
        assert_eq!(
            url.link("4bf92f3577b34da6").as_deref(),
            Some("https://tempo.example/trace/4bf92f3577b34da6?orgId=1")
        );
        assert_eq!(url.link("4bf92f35\u{1b}\\"), None);
        for (bad, why) in [
            ("ftp://x/{trace_id}", TraceUrlError::Scheme),
            ("javascript:{trace_id}", TraceUrlError::Scheme),
            ("https://x/trace", TraceUrlError::Placeholder),
            (
                "https://x/{trace_id}/{trace_id}",
                TraceUrlError::Placeholder,
            ),
            (
                "https://x/\u{1b}]52;c;/{trace_id}",
                TraceUrlError::Characters,
            ),
            ("https://x/\u{7}/{trace_id}", TraceUrlError::Characters),
            ("https://x/a b/{trace_id}", TraceUrlError::Characters),
            ("https://x/\u{9c}/{trace_id}", TraceUrlError::Characters),
            ("https://u:p@x/{trace_id}", TraceUrlError::Credentials),
        ] {
            assert_eq!(TraceUrl::parse(bad), Err(why), "{bad:?}");
        }
        let long = format!("https://x/{}{PLACEHOLDER}", "a".repeat(MAX_LEN));
        assert_eq!(TraceUrl::parse(&long), Err(TraceUrlError::Length));
    }
}
