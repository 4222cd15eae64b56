//! An HTTP call (Envoy /runtime_modify, a Kubernetes PATCH, Kong, NGINX Plus ...): 2xx is success.

use std::time::Duration;

use super::{clip, StepOutcome};
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
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return StepOutcome::Failed(format!("HTTP client: {e}")),
    };
    let mut req = client.request(method, url);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some(var) = bearer_env {
        match resolve_secret_env(var) {
            Ok(token) => req = req.bearer_auth(token.expose()),
            Err(e) => return StepOutcome::Failed(e.to_string()),
        }
    }
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    match req.send().await {
        Err(e) if e.is_timeout() => {
            StepOutcome::TimedOut(format!("no answer from {url} within {timeout:?}"))
        }
        // reqwest's error text names the URL, never headers: no secret can leak through it.
        Err(e) => StepOutcome::Failed(format!("{url}: {}", error_words(&e))),
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
