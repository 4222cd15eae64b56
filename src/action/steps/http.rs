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
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let mut token = None;
    if let Some(var) = bearer_env {
        match resolve_secret_env(var) {
            Ok(t) => {
                req = req.bearer_auth(t.expose());
                token = Some(t);
            }
            Err(e) => return StepOutcome::Failed(e.to_string()),
        }
    }
    // A server that echoes the request back must not carry the token into the audit log.
    let scrub = |text: String| match &token {
        Some(t) if !t.expose().is_empty() => text.replace(t.expose(), REDACTED),
        _ => text,
    };
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    match req.send().await {
        Err(e) if e.is_timeout() => StepOutcome::TimedOut(format!(
            "no answer from {} within {timeout:?}",
            redact::url(url)
        )),
        // The error's own copy of the URL is dropped for the redacted one; headers never show.
        Err(e) => StepOutcome::Failed(format!(
            "{}: {}",
            redact::url(url),
            scrub(error_words(&e.without_url()))
        )),
        Ok(resp) => {
            let status = resp.status();
            let text = scrub(resp.text().await.unwrap_or_default());
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
