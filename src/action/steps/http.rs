//! An HTTP call (Envoy /runtime_modify, a Kubernetes PATCH, Kong, NGINX Plus ...): 2xx is success.

use std::time::Duration;

use super::{clip, StepOutcome};
use crate::config::redact::{self, REDACTED};
use crate::source::resolve_secret_env;

pub async fn run(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    bearer_env: Option<&str>,
    timeout: Duration,
) -> StepOutcome {
    let method = match reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
        Ok(m) => m,
        Err(_) => return StepOutcome::Failed(format!("bad HTTP method {method:?}")),
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
        Err(e) => return StepOutcome::Failed(format!("HTTP client: {e}")),
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
    if let Some(var) = bearer_env {
        match resolve_secret_env(var) {
            Ok(token) => {
                req = req.bearer_auth(token.expose());
                secrets.push(token.expose().to_string());
            }
            Err(e) => return StepOutcome::Failed(e.to_string()),
        }
    }
    if let Ok(parsed) = reqwest::Url::parse(url) {
        if let Some(password) = parsed.password() {
            // The client sends a URL's user info as a Basic credential: an echo shows it so.
            let basic = format!("{}:{password}", parsed.username());
            secrets.push(crate::source::scrape::base64(basic.as_bytes()));
            secrets.push(password.to_string());
        }
    }
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    // Words name the URL as the audit log's step summary does: password and secret-looking
    // query values replaced.
    let shown_url = redact::url(url);
    redact(send(req, &shown_url, timeout).await, &secrets)
}

/// Sends the request; `url` is the URL as the words may show it.
async fn send(req: reqwest::RequestBuilder, url: &str, timeout: Duration) -> StepOutcome {
    match req.send().await {
        Err(e) if e.is_timeout() => {
            StepOutcome::TimedOut(format!("no answer from {url} within {timeout:?}"))
        }
        // reqwest's error text names the URL (as written), never headers: the URL's secrets
        // are taken out by `redact`.
        Err(e) => StepOutcome::Failed(format!("{url}: {}", error_words(&e.without_url()))),
        Ok(resp) => {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            let text = clip(text.trim(), 500);
            if status.is_success() {
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
            }
        }
    }
}

/// The outcome with every secret value replaced by `<redacted>` (values under 4 characters
/// hide nothing and would garble the words).
fn redact(outcome: StepOutcome, secrets: &[String]) -> StepOutcome {
    let clean = |mut text: String| {
        for secret in secrets.iter().filter(|s| s.len() >= 4) {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), REDACTED);
            }
        }
        text
    };
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
