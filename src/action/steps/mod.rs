//! Rollback step kinds: the HAProxy runtime API, an HTTP call, a program (no shell).
//! Steps run in order; the first failure stops the rest.

pub mod exec;
pub mod haproxy;
pub mod http;

use std::time::Duration;

/// One step, ready to run (secrets already resolved, never printed).
#[derive(Debug, Clone)]
pub enum StepSpec {
    Haproxy {
        /// `host:port` or `unix:/path`.
        address: String,
        command: String,
        timeout: Duration,
    },
    Http {
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<String>,
        /// Environment variable holding a bearer token, read when the step runs.
        bearer_env: Option<String>,
        timeout: Duration,
    },
    Exec {
        argv: Vec<String>,
        timeout: Duration,
    },
}

/// Header names whose values are never shown.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "authorization",
        "token",
        "secret",
        "password",
        "cookie",
        "api-key",
        "apikey",
        "key",
    ]
    .iter()
    .any(|s| n.contains(s))
}

impl StepSpec {
    /// The step exactly as it will run, secrets redacted: shown in the dialog and the audit log.
    pub fn summary(&self) -> String {
        match self {
            StepSpec::Haproxy {
                address, command, ..
            } => format!("haproxy {address}: {command}"),
            StepSpec::Http {
                method,
                url,
                headers,
                body,
                bearer_env,
                ..
            } => {
                let mut s = format!("http {method} {}", crate::config::redact::url(url));
                for (k, v) in headers {
                    let v = if is_secret_header(k) { "<redacted>" } else { v };
                    s.push_str(&format!(" -H '{k}: {v}'"));
                }
                if bearer_env.is_some() {
                    s.push_str(" -H 'Authorization: Bearer <redacted>'");
                }
                if let Some(b) = body {
                    s.push_str(&format!(" -d '{b}'"));
                }
                s
            }
            StepSpec::Exec { argv, .. } => format!("exec {}", shell_words(argv)),
        }
    }

    pub fn timeout(&self) -> Duration {
        match self {
            StepSpec::Haproxy { timeout, .. }
            | StepSpec::Http { timeout, .. }
            | StepSpec::Exec { timeout, .. } => *timeout,
        }
    }

    pub async fn run(&self) -> StepResult {
        let started = std::time::Instant::now();
        let outcome = match self {
            StepSpec::Haproxy {
                address,
                command,
                timeout,
            } => haproxy::run(address, command, *timeout).await,
            StepSpec::Http {
                method,
                url,
                headers,
                body,
                bearer_env,
                timeout,
            } => {
                http::run(
                    method,
                    url,
                    headers,
                    body.as_deref(),
                    bearer_env.as_deref(),
                    *timeout,
                )
                .await
            }
            StepSpec::Exec { argv, timeout } => exec::run(argv, *timeout).await,
        };
        StepResult {
            summary: self.summary(),
            outcome,
            duration: started.elapsed(),
        }
    }
}

fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,".contains(c))
                && !a.is_empty()
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Done; the output in words (may be empty).
    Succeeded(String),
    Failed(String),
    TimedOut(String),
}

#[derive(Debug, Clone)]
pub struct StepResult {
    pub summary: String,
    pub outcome: StepOutcome,
    pub duration: Duration,
}

/// Cuts text to `max` bytes on a char boundary, saying so.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes more)", &text[..end], text.len() - end)
}
