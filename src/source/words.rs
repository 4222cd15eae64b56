//! Every failure of a poll put in words: what the client reported (without the URL, which may
//! hold a password), what an HTTP error page or a query API said (redacted, on one line, cut).

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use reqwest::StatusCode;

use super::redactor::Redactor;
use crate::format::{config_duration, config_size};
use crate::ingest::query_api::QueryError;

/// Characters of an error body quoted in the error text.
const ERROR_SNIPPET_CHARS: usize = 120;

/// Characters of a query API's `errorType` quoted (Prometheus's are single words).
const ERROR_TYPE_CHARS: usize = 40;

/// Why one poll of a source gave no body. Its words (Display) are what `check`, `status`,
/// the cockpit, logs and recordings show, once the source's secrets are taken out of them
/// (see `Fetcher::fetch`).
#[derive(Debug, thiserror::Error)]
pub(super) enum FetchError {
    /// The whole poll (connect, request, body, every query) outlasted the timeout.
    #[error("timed out after {}", config_duration(*.0))]
    TimedOut(Duration),
    /// No answer came.
    #[error(transparent)]
    Request(#[from] RequestFailure),
    /// The body could not be read within the limits.
    #[error(transparent)]
    Body(#[from] BodyProblem),
    /// A non-2xx answer that is no query API error.
    #[error(transparent)]
    Status(#[from] HttpStatus),
    /// A query API's own error envelope: its `errorType` and `error`, each quoted as a
    /// snippet.
    #[error("the query failed ({error_type}): {message}")]
    QueryApi { error_type: String, message: String },
    /// A query answer that could not be read, quoted as a snippet.
    #[error("{0}")]
    Answer(String),
    /// The task decoding an answer failed.
    #[error("reading the answer failed: {0}")]
    DecodeTask(String),
    /// The probe of a query source without queries failed.
    #[error("probe query `vector(1)`: {0}")]
    Probe(Box<FetchError>),
    /// One of a query source's queries failed (`index` from 1, `query` cut to 80 characters).
    #[error("query {index} (`{query}`): {failure}")]
    Query {
        index: usize,
        query: String,
        failure: Box<FetchError>,
    },
}

/// Why a request got no answer, in words built from the client's causes (its own message
/// names the URL, which may hold a password).
#[derive(Debug, thiserror::Error)]
pub(super) enum RequestFailure {
    #[error("timed out after {}", config_duration(*.0))]
    TimedOut(Duration),
    #[error(transparent)]
    Redirect(RedirectRefused),
    #[error("connection refused")]
    Refused,
    #[error("connection reset by peer")]
    Reset,
    #[error("TLS: {0}")]
    Tls(String),
    #[error("name does not resolve")]
    NoName,
    /// The connection failed; the innermost cause, if any said something.
    #[error("cannot connect{}", .0.as_ref().map(|c| format!(": {c}")).unwrap_or_default())]
    Connect(Option<String>),
    /// The innermost cause of another failure.
    #[error("{0}")]
    Other(String),
    #[error("request failed")]
    Unknown,
}

/// A non-2xx answer: `HTTP 404 Not Found` for an empty body, else `HTTP 500: <first line of
/// what it said>`.
#[derive(Debug)]
pub(super) struct HttpStatus {
    status: StatusCode,
    /// What the body said, redacted, on one line and cut; empty when it said nothing.
    snippet: String,
}

impl std::fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = self.status.as_u16();
        if self.snippet.is_empty() {
            let reason = self.status.canonical_reason().unwrap_or("");
            f.write_str(format!("HTTP {code} {reason}").trim_end())
        } else {
            write!(f, "HTTP {code}: {}", self.snippet)
        }
    }
}

impl StdError for HttpStatus {}

/// Why a body was not read to its end.
#[derive(Debug, thiserror::Error)]
pub(super) enum BodyProblem {
    #[error("body over max_body {}", config_size(*limit))]
    OverWire { limit: u64 },
    #[error("body over max_body after gzip inflation")]
    OverInflated,
    #[error("gzip body is corrupt or truncated")]
    BadGzip,
    #[error("unsupported Content-Encoding {0:?}")]
    Encoding(String),
    #[error("reading body: {0}")]
    Transport(String),
}

/// Why a redirect chain was not followed to its end (see `client`).
#[derive(Debug, Clone, thiserror::Error)]
pub(super) enum RedirectRefused {
    #[error("redirect loop")]
    Loop,
    /// More than this many.
    #[error("more than {0} redirects")]
    TooMany(usize),
    #[error("redirect to another host ({0}) refused: the source's headers would be sent there")]
    OtherHost(String),
}

/// A query API's refusal in words: what the server wrote (its `error`, `errorType`, a result
/// type, a label name) is redacted, put on one line and cut, whatever the status it came with.
pub(super) fn query_failure(error: QueryError, redactor: &Redactor) -> FetchError {
    match error {
        QueryError::Api {
            error_type,
            message,
        } => FetchError::QueryApi {
            error_type: one_line_snippet(&error_type, redactor, ERROR_TYPE_CHARS),
            message: one_line_snippet(&message, redactor, ERROR_SNIPPET_CHARS),
        },
        other => FetchError::Answer(one_line_snippet(
            &other.to_string(),
            redactor,
            2 * ERROR_SNIPPET_CHARS,
        )),
    }
}

/// Why a request failed. The client's own message names the URL (which may hold a
/// password), so the failure is read from the causes instead.
pub(super) fn request_failure(
    error: &reqwest::Error,
    https: bool,
    timeout: Duration,
) -> RequestFailure {
    if error.is_timeout() {
        return RequestFailure::TimedOut(timeout);
    }
    let mut cause: Option<&(dyn StdError + 'static)> = error.source();
    let mut innermost: Option<String> = None;
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<RedirectRefused>() {
            return RequestFailure::Redirect(refused.clone());
        }
        if let Some(io_error) = current.downcast_ref::<io::Error>() {
            // An I/O error may wrap another (hyper-rustls wraps the TLS failure twice);
            // the innermost one says what happened.
            let mut io_error = io_error;
            while let Some(inner) = io_error
                .get_ref()
                .and_then(|e| e.downcast_ref::<io::Error>())
            {
                io_error = inner;
            }
            match io_error.kind() {
                io::ErrorKind::ConnectionRefused => return RequestFailure::Refused,
                io::ErrorKind::ConnectionReset => return RequestFailure::Reset,
                io::ErrorKind::TimedOut => return RequestFailure::TimedOut(timeout),
                io::ErrorKind::InvalidData if https && error.is_connect() => {
                    return RequestFailure::Tls(io_error.to_string())
                }
                _ => {}
            }
        }
        let text = current.to_string();
        if text == "dns error" || text.contains("failed to lookup address") {
            return RequestFailure::NoName;
        }
        if !text.is_empty() {
            innermost = Some(text);
        }
        cause = current.source();
    }
    match innermost {
        text if error.is_connect() => RequestFailure::Connect(text),
        Some(text) => RequestFailure::Other(text),
        None => RequestFailure::Unknown,
    }
}

/// The causes of an error, innermost last, without the outermost message (which may name the
/// URL).
pub(super) fn error_chain_words(error: &(dyn StdError + 'static)) -> String {
    let mut words = Vec::new();
    let mut cause = error.source();
    while let Some(current) = cause {
        words.push(current.to_string());
        cause = current.source();
    }
    if words.is_empty() {
        // The outer message is all there is; reqwest puts the URL in parentheses.
        let text = error.to_string();
        return match text.find(" for url (") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
    }
    words.join(": ")
}

/// A non-2xx answer, quoting what its body said.
pub(super) fn http_status(status: StatusCode, body: &[u8], redactor: &Redactor) -> HttpStatus {
    HttpStatus {
        status,
        snippet: body_snippet(body, redactor),
    }
}

/// The first [`ERROR_SNIPPET_CHARS`] characters of a body on one line; for an HTML page, its
/// title (or its text without tags), which is what a person would read.
/// Secrets are taken out before the cut, so the cut cannot leave the start of one behind.
fn body_snippet(body: &[u8], redactor: &Redactor) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let readable = if trimmed.starts_with('<') {
        html_title(trimmed).unwrap_or_else(|| strip_tags(trimmed))
    } else {
        trimmed.to_string()
    };
    one_line_snippet(&readable, redactor, ERROR_SNIPPET_CHARS)
}

/// Text a remote end wrote, as error words may quote it: secrets taken out first, then on one
/// line (a line break in it must not start a line of its own in `check` or `status`, where it
/// could pass for another source's row), then cut to `max` characters.
fn one_line_snippet(text: &str, redactor: &Redactor, max: usize) -> String {
    let readable = redactor.redact(text);
    let one_line = readable.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&one_line, max)
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = html[start..end].trim();
    (!title.is_empty()).then(|| title.to_string())
}

fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// At most `max` characters, with `…` when something was cut.
pub(super) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::SecretValues;

    #[test]
    fn snippets_are_redacted_before_they_are_cut() {
        let token = "tok-0123456789abcdefghijklmnop";
        let bearer = Redactor::with_values(SecretValues::new([token.to_string()], 4));
        for filler in 100..=ERROR_SNIPPET_CHARS {
            let body = format!("{}{token} and more", "x".repeat(filler));
            let words = bearer.redact(
                &http_status(StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes(), &bearer)
                    .to_string(),
            );
            assert!(!words.contains(&token[..8]), "{filler}: {words}");
        }
    }

    #[test]
    fn snippets_are_one_line_and_html_shows_its_title() {
        let html = b"<html>\n<head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(body_snippet(html, &Redactor::default()), "502 Bad Gateway");
        assert_eq!(
            body_snippet(b"boom\n  at line 3\n", &Redactor::default()),
            "boom at line 3"
        );
        let long = "x".repeat(200);
        let cut = body_snippet(long.as_bytes(), &Redactor::default());
        assert_eq!(cut.chars().count(), ERROR_SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
