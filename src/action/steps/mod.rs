//! Rollback step kinds: the HAProxy runtime API, an HTTP call, a program (no shell).
//! Steps run in order; the first failure stops the rest.

pub mod exec;
pub mod haproxy;
pub mod http;

use std::time::Duration;

use crate::redact;

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

/// Header names whose values are never shown (the same rule as recordings and logs).
pub fn is_secret_header(name: &str) -> bool {
    redact::is_secret_name(name)
}

/// What the values the steps change read now, where a probe can read them without changing
/// anything: HAProxy `set weight B/S` → `get weight B/S`. One line per value, for the
/// `requested` audit entry; a probe that fails says so in its line. Each probe is bounded by
/// its step's timeout.
pub async fn read_before(steps: &[StepSpec]) -> Vec<String> {
    let mut lines = Vec::new();
    for step in steps {
        if let StepSpec::Haproxy {
            address,
            command,
            timeout,
        } = step
        {
            for probe in haproxy::probes_before(command) {
                // A probe is not worth a long wait: the action is what matters.
                let bound = (*timeout).min(std::time::Duration::from_secs(2));
                let read = match haproxy::run(address, &probe, bound).await {
                    StepOutcome::Succeeded(text) => text.trim().to_string(),
                    StepOutcome::Failed(why) | StepOutcome::TimedOut(why) => {
                        format!("could not be read: {why}")
                    }
                };
                lines.push(format!("{probe}: {}", clip(&read, 200)));
            }
        }
    }
    lines
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
                let mut s = format!("http {method} {}", redact::url(url));
                for (k, v) in headers {
                    let v = if is_secret_header(k) {
                        redact::REDACTED
                    } else {
                        v
                    };
                    s.push_str(&format!(" -H '{k}: {v}'"));
                }
                if let Some(var) = bearer_env {
                    s.push_str(&format!(" -H 'Authorization: Bearer <${var}>'"));
                }
                if let Some(b) = body {
                    s.push_str(&format!(" -d '{}'", redact::body(b)));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_show_the_step_as_it_runs_with_secrets_redacted() {
        let http = StepSpec::Http {
            method: "PATCH".into(),
            url: "https://ops:hunter2@kong.internal:8001/upstreams/orders/targets/svc:8000?api_key=abc&x=1".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Api-Key".into(), "abc".into()),
            ],
            body: Some(r#"{"weight":0}"#.into()),
            bearer_env: Some("KONG_TOKEN".into()),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            http.summary(),
            "http PATCH https://ops:<redacted>@kong.internal:8001/upstreams/orders/targets/svc:8000?api_key=<redacted>&x=1 \
             -H 'Content-Type: application/json' -H 'X-Api-Key: <redacted>' \
             -H 'Authorization: Bearer <$KONG_TOKEN>' -d '{\"weight\":0}'"
        );
        let exec = StepSpec::Exec {
            argv: vec![
                "kubectl".into(),
                "argo".into(),
                "rollouts".into(),
                "abort".into(),
                "orders svc".into(),
            ],
            timeout: Duration::from_secs(30),
        };
        assert_eq!(
            exec.summary(),
            "exec kubectl argo rollouts abort 'orders svc'"
        );
        let quote = StepSpec::Exec {
            argv: vec!["echo".into(), "it's".into()],
            timeout: Duration::from_secs(30),
        };
        assert_eq!(quote.summary(), "exec echo 'it'\\''s'");
        let haproxy = StepSpec::Haproxy {
            address: "unix:/run/haproxy/admin.sock".into(),
            command: "set weight be_orders/orders_svc 0".into(),
            timeout: Duration::from_secs(5),
        };
        assert_eq!(
            haproxy.summary(),
            "haproxy unix:/run/haproxy/admin.sock: set weight be_orders/orders_svc 0"
        );
    }

    #[test]
    fn clip_cuts_on_a_char_boundary_and_says_so() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("ééé", 3), "é… (4 bytes more)");
    }
}
