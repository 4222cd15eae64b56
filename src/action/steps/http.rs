//! An HTTP call (Envoy /runtime_modify, a Kubernetes PATCH, Kong, NGINX Plus ...): 2xx is success.

use std::time::Duration;

use futures_util::StreamExt;

use super::StepOutcome;
use crate::redact::{self, SecretValues, SHORTEST_SECRET};
use crate::source::SecretFrom;

/// Bytes of a response kept for the words: enough for any error message, and a bound on what
/// a misbehaving endpoint can make the process hold.
const RESPONSE_READ_LIMIT: usize = 64 * 1024;

/// Bytes of a response quoted in the outcome (after secrets are taken out).
const RESPONSE_SHOWN: usize = 500;

pub async fn run(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    bearer_env: Option<&str>,
    timeout: Duration,
) -> StepOutcome {
    let bearer = bearer_env.map(|var| SecretFrom::Env(var.to_string()));
    call(method, url, headers, body, bearer.as_ref(), timeout)
        .await
        .outcome
}

/// What one HTTP call came to: the outcome in words (secrets taken out), and the status when
/// the server answered, for a caller that retries only what may pass on a second try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: StepOutcome,
    pub status: Option<u16>,
}

/// One HTTP call as a rollback step makes it (no proxy, no redirects, bounded by `timeout`,
/// answers quoted with every secret taken out), with the bearer token read from where the
/// config names it. Shared by the action steps and the notification webhooks.
pub async fn call(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    bearer: Option<&SecretFrom>,
    timeout: Duration,
) -> Answer {
    let failed = |why: String| Answer {
        outcome: StepOutcome::Failed(why),
        status: None,
    };
    let method = match reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
        Ok(m) => m,
        Err(_) => return failed(format!("bad HTTP method {method:?}")),
    };
    // Like the scrapes: no proxy from the environment (the call goes where the config says),
    // and no redirects (a PATCH must not silently turn into a GET somewhere else).
    let client = match reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
    {
        Ok(c) => c,
        Err(e) => return failed(format!("HTTP client: {e}")),
    };
    let mut req = client.request(method, url);
    // Values the answer must not carry into the screen or the audit log: a server may echo
    // the credential back in its error page.
    let mut secrets: Vec<String> = Vec::new();
    for (k, v) in headers {
        req = req.header(k, v);
        if super::is_secret_header(k) {
            secrets.push(v.clone());
        }
    }
    if let Some(from) = bearer {
        match from.resolve() {
            Ok(token) => {
                req = req.bearer_auth(token.expose());
                secrets.push(token.expose().to_string());
            }
            Err(e) => return failed(e.to_string()),
        }
    }
    // The client sends a URL's user info as a Basic credential: an echo shows it so; and a
    // server may quote the URL with its `?token=` back.
    secrets.extend(redact::url_secrets(url));
    if let Some(b) = body {
        secrets.extend(redact::body_secrets(b));
        req = req.body(b.to_string());
    }
    // Words name the URL as the audit log's step summary does: password and secret-looking
    // query values replaced.
    let shown_url = redact::url(url);
    let secrets = SecretValues::new(secrets, SHORTEST_SECRET);
    let (outcome, status) = send(req, &shown_url, timeout, &secrets).await;
    Answer {
        outcome: redact(outcome, &secrets),
        status,
    }
}

/// Sends the request; `url` is the URL as the words may show it. The answer is quoted with
/// secrets taken out before it is cut, so a cut never leaves part of a token behind.
async fn send(
    req: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
    secrets: &SecretValues,
) -> (StepOutcome, Option<u16>) {
    match req.send().await {
        Err(e) if e.is_timeout() => (
            StepOutcome::TimedOut(format!("no answer from {url} within {timeout:?}")),
            None,
        ),
        // reqwest's error text names the URL (as written), never headers: the URL's secrets
        // are taken out by `redact`.
        Err(e) => (
            StepOutcome::Failed(format!("{url}: {}", error_words(&e.without_url()))),
            None,
        ),
        Ok(resp) => {
            let status = resp.status();
            let (text, cut) = read_limited(resp, RESPONSE_READ_LIMIT).await;
            let text = if cut {
                // The read stopped inside the answer: that end is a cut edge too.
                secrets.redact_cut_end(text.trim_start()).into_owned()
            } else {
                text.trim().to_string()
            };
            let text = secrets.clip(&text, RESPONSE_SHOWN);
            let outcome = if status.is_success() {
                StepOutcome::Succeeded(format!(
                    "HTTP {}{}",
                    status.as_u16(),
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(": {text}")
                    }
                ))
            } else {
                StepOutcome::Failed(format!("HTTP {}: {text}", status))
            };
            (outcome, Some(status.as_u16()))
        }
    }
}

/// At most `limit` bytes of the answer, as text; true when there was more.
async fn read_limited(resp: reqwest::Response, limit: usize) -> (String, bool) {
    let mut data = Vec::new();
    let mut stream = resp.bytes_stream();
    let mut cut = false;
    while let Some(Ok(chunk)) = stream.next().await {
        let room = limit - data.len();
        if chunk.len() > room {
            data.extend_from_slice(&chunk[..room]);
            cut = true;
            break;
        }
        data.extend_from_slice(&chunk);
    }
    (String::from_utf8_lossy(&data).into_owned(), cut)
}

/// The outcome with every secret value replaced by `<redacted>` (the error words name the URL
/// and may quote the client's error).
fn redact(outcome: StepOutcome, secrets: &SecretValues) -> StepOutcome {
    let clean = |text: String| secrets.redact(&text).into_owned();
    match outcome {
        StepOutcome::Succeeded(t) => StepOutcome::Succeeded(clean(t)),
        StepOutcome::Failed(t) => StepOutcome::Failed(clean(t)),
        StepOutcome::TimedOut(t) => StepOutcome::TimedOut(clean(t)),
    }
}

fn error_words(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
