//! Rollback readiness: would the rollback's targets take it now, and can the monolith carry the
//! traffic back? Each step's target gets a read-only probe; the gateway's server state and the
//! monolith's peak in the history say the rest.
//!
//! Probes can never act. An HAProxy probe is a [`ProbeCommand`], one of the read-only runtime
//! API commands docs/rollback.md lists, built from the step's `backend/server` (never a string
//! from the config sent as is); an HTTP probe is always a GET of the step's `probe_url`, without
//! a body, carrying only the step's credentials (its other headers, a method override among
//! them, could make some servers act on the GET); an `exec` step is never probed (running a program is acting), so it leaves readiness
//! unknown.

use std::time::Duration;

pub use super::probe_command::{ProbeCommand, READ_ONLY_COMMANDS};
use super::steps::{haproxy, http, StepOutcome};
use crate::config::Step;
use crate::figures::rollback_ready::RollbackReady;
use crate::figures::status::Side;
use crate::format::number as num;
use crate::store::SignalHistory;

/// The longest a probe waits: readiness is a glance, not an action.
pub const PROBE_BOUND: Duration = Duration::from_secs(2);

/// Least time between two probes of a domain in the cockpit.
pub const PROBE_EVERY: Duration = Duration::from_secs(30);

/// One rollback step's probe, ready to send.
#[derive(Debug, Clone)]
pub enum Probe {
    Haproxy {
        address: String,
        command: ProbeCommand,
        timeout: Duration,
    },
    /// A GET of the step's `probe_url`, with its credential headers and bearer token.
    HttpGet {
        url: String,
        headers: Vec<(String, String)>,
        bearer_env: Option<String>,
        timeout: Duration,
    },
    /// A step no probe can read, and why.
    Unprobed(String),
}

/// The probes of a domain's rollback steps, in step order.
pub fn probes(steps: &[Step]) -> Vec<Probe> {
    let bound =
        |t: Option<crate::config::Duration>| t.map_or(PROBE_BOUND, |t| t.as_std().min(PROBE_BOUND));
    let mut out = Vec::new();
    for step in steps {
        match step {
            Step::Haproxy(h) => {
                let commands = ProbeCommand::for_command(&h.command);
                if commands.is_empty() {
                    out.push(Probe::Unprobed(format!(
                        "haproxy step names no backend/server to probe ({})",
                        h.address
                    )));
                }
                out.extend(commands.into_iter().map(|command| Probe::Haproxy {
                    address: h.address.clone(),
                    command,
                    timeout: bound(h.timeout),
                }));
            }
            Step::Http(h) => out.push(match &h.probe_url {
                Some(url) => Probe::HttpGet {
                    url: url.clone(),
                    headers: h
                        .headers
                        .iter()
                        .filter(|(k, _)| probe_may_send(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                    bearer_env: h.bearer_token_env.clone(),
                    timeout: bound(h.timeout),
                },
                None => Probe::Unprobed(format!(
                    "http step {} has no probe_url",
                    crate::redact::url(&h.url)
                )),
            }),
            Step::Exec(_) => out.push(Probe::Unprobed(
                "exec step: never run to probe, so its target is unknown".into(),
            )),
        }
    }
    out
}

/// Whether a step's header goes with its probe: only a credential (`Authorization`,
/// `Proxy-Authorization`, and the names that carry one: `X-Auth-Token`, `X-API-Key`, a cookie),
/// so that the probe is let in where the step would be. Never a method override
/// (`X-HTTP-Method-Override: POST` turns a GET into a POST on some servers), nor anything else.
fn probe_may_send(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !lower.contains("method") && !lower.contains("override") && super::steps::is_secret_header(name)
}

/// What one probe found: `Some(true)` answered, `Some(false)` did not (with why), `None` unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub answered: Option<bool>,
    pub words: String,
}

impl Probe {
    /// Sends the probe, bounded by its timeout.
    pub async fn run(&self) -> ProbeResult {
        match self {
            Probe::Haproxy {
                address,
                command,
                timeout,
            } => {
                let text = command.text();
                match haproxy::run(address, &text, *timeout).await {
                    StepOutcome::Succeeded(_) => ProbeResult {
                        answered: Some(true),
                        words: "runtime API answers".into(),
                    },
                    StepOutcome::Failed(why) | StepOutcome::TimedOut(why) => ProbeResult {
                        answered: Some(false),
                        words: format!("runtime API: {text}: {why}"),
                    },
                }
            }
            Probe::HttpGet {
                url,
                headers,
                bearer_env,
                timeout,
            } => {
                // The method is this literal: a probe is a GET whatever the step's method is.
                match http::run("GET", url, headers, None, bearer_env.as_deref(), *timeout).await {
                    StepOutcome::Succeeded(_) => ProbeResult {
                        answered: Some(true),
                        words: "probe_url answers".into(),
                    },
                    StepOutcome::Failed(why) | StepOutcome::TimedOut(why) => ProbeResult {
                        answered: Some(false),
                        words: format!("probe_url: {why}"),
                    },
                }
            }
            Probe::Unprobed(why) => ProbeResult {
                answered: None,
                words: why.clone(),
            },
        }
    }
}

/// Runs every probe of a domain, concurrently, all within [`PROBE_BOUND`] and a little.
pub async fn run_all(probes: &[Probe]) -> Vec<ProbeResult> {
    futures_util::future::join_all(probes.iter().map(Probe::run)).await
}

/// The shortest span a peak rate is measured over. Two frames a poll apart can be a few
/// milliseconds apart for one source (a slow neighbour delays the poll), and a counter read
/// over such a gap makes a burst look like the monolith's capacity (533 rps "at peak" on the
/// lab while it carried 70): a peak over at least this span is a load the monolith held.
const PEAK_SPAN_MS: i64 = 10_000;

/// The highest request rate the counter's history shows over any span of at least
/// [`PEAK_SPAN_MS`] (over the whole history when it is shorter); a drop, a counter reset, is
/// left out. `None` with fewer than two frames.
pub fn peak_rps(history: &SignalHistory, since_ms: i64) -> Option<f64> {
    peak_of(
        history
            .since(since_ms)
            .filter(|f| !f.values.is_empty())
            .map(|f| (f.at_ms, f.sum())),
    )
}

/// [`peak_rps`] on `(unix ms, counter)` points in time order: each point against the newest
/// one at least the span before it (two pointers: linear in the points).
fn peak_of(points: impl Iterator<Item = (i64, f64)>) -> Option<f64> {
    let points: Vec<(i64, f64)> = points.collect();
    let rate = |(a, va): (i64, f64), (b, vb): (i64, f64)| {
        let secs = (b - a) as f64 / 1000.0;
        let r = (vb - va) / secs;
        (secs > 0.0 && r.is_finite() && r >= 0.0).then_some(r)
    };
    let (first, last) = (*points.first()?, *points.last()?);
    if last.0 - first.0 < PEAK_SPAN_MS {
        return rate(first, last);
    }
    let mut peak: Option<f64> = None;
    let mut from = 0;
    for (i, &p) in points.iter().enumerate() {
        while from + 1 < i && p.0 - points[from + 1].0 >= PEAK_SPAN_MS {
            from += 1;
        }
        if p.0 - points[from].0 >= PEAK_SPAN_MS {
            if let Some(r) = rate(points[from], p) {
                peak = Some(peak.map_or(r, |q: f64| q.max(r)));
            }
        }
    }
    peak
}

/// The verdict from the probes, the monolith's side as the gateway sees it and its peak rate.
pub fn assess(results: &[ProbeResult], legacy: Option<&Side>, peak: Option<f64>) -> RollbackReady {
    let mut reasons = Vec::new();
    let mut parts = Vec::new();
    let mut failed = false;
    let mut unknown = false;
    if results.is_empty() {
        failed = true;
        reasons.push("no rollback steps".to_string());
    }
    for r in results {
        match r.answered {
            Some(true) => {
                if !parts.contains(&r.words) {
                    parts.push(r.words.clone());
                }
            }
            Some(false) => {
                failed = true;
                reasons.push(r.words.clone());
            }
            None => {
                unknown = true;
                reasons.push(r.words.clone());
            }
        }
    }
    match legacy.and_then(|s| s.gateway_up) {
        Some(false) => {
            failed = true;
            reasons.push("monolith marked DOWN at the gateway".into());
            parts.push("monolith DOWN".into());
        }
        Some(true) => parts.push(match legacy.and_then(|s| s.gateway_servers_up) {
            Some(n) if n > 0.0 => format!(
                "monolith {} server{} up",
                num(n),
                if (n - 1.0).abs() < f64::EPSILON {
                    ""
                } else {
                    "s"
                }
            ),
            _ => "monolith up".into(),
        }),
        None => parts.push("monolith state unknown (the gateway exports none)".into()),
    }
    let now = legacy.and_then(|s| s.rps);
    parts.push(match (peak, now) {
        (Some(p), Some(n)) => format!(
            "it carried {} rps at peak in the history vs {} rps now",
            num(p),
            num(n)
        ),
        (Some(p), None) => format!("it carried {} rps at peak in the history", num(p)),
        (None, _) => "its capacity is unknown (no traffic history)".into(),
    });
    let ready = if failed {
        Some(false)
    } else if unknown {
        None
    } else {
        Some(true)
    };
    let head = match ready {
        Some(true) => "rollback now",
        Some(false) => "rollback NOT ready",
        None => "rollback readiness unknown",
    };
    let mut summary = format!("{head}: {}", parts.join(", "));
    if ready != Some(true) {
        if let Some(first) = reasons.first() {
            summary = format!("{summary}; {first}");
        }
    }
    RollbackReady {
        ready,
        reasons,
        summary,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_burst_between_two_close_frames_is_not_the_monoliths_peak() {
        // 70 rps for a minute, frames a second apart, but one pair 50 ms apart across which
        // the counter jumped by 27 requests (a late scrape): 540 rps over those 50 ms.
        let mut points = Vec::new();
        let mut v = 0.0;
        for s in 0..60i64 {
            points.push((s * 1000, v));
            v += 70.0;
            if s == 30 {
                points.push((s * 1000 + 50, v - 70.0 + 27.0));
            }
        }
        let peak = peak_of(points.into_iter()).unwrap();
        assert!((69.0..=73.0).contains(&peak), "{peak}");
        // A load held for 20 s is the peak.
        let mut points = Vec::new();
        let mut v = 0.0;
        for s in 0..60i64 {
            points.push((s * 1000, v));
            v += if (20..40).contains(&s) { 150.0 } else { 50.0 };
        }
        assert_eq!(peak_of(points.into_iter()), Some(150.0));
        // Shorter than the span: the rate over all of it.
        assert_eq!(peak_of([(0, 0.0), (2000, 100.0)].into_iter()), Some(50.0));
        assert_eq!(peak_of([(0, 5.0)].into_iter()), None);
        // A reset is no rate.
        assert_eq!(peak_of([(0, 500.0), (12_000, 3.0)].into_iter()), None);
    }

    use super::*;

    fn answered(words: &str) -> ProbeResult {
        ProbeResult {
            answered: Some(true),
            words: words.into(),
        }
    }

    #[test]
    fn a_probe_carries_credentials_and_nothing_else() {
        for sent in [
            "Authorization",
            "proxy-authorization",
            "X-Auth-Token",
            "X-API-Key",
            "Cookie",
        ] {
            assert!(probe_may_send(sent), "{sent}");
        }
        for kept in [
            "X-HTTP-Method-Override",
            "X-Method-Override",
            "X-HTTP-Method",
            "Content-Type",
            "X-Request-Action",
            "Accept",
        ] {
            assert!(!probe_may_send(kept), "{kept}");
        }
    }

    #[test]
    fn ready_needs_answers_and_a_monolith_not_down() {
        let side = Side {
            gateway_up: Some(true),
            gateway_servers_up: Some(2.0),
            rps: Some(41.0),
            ..Side::default()
        };
        let r = assess(&[answered("runtime API answers")], Some(&side), Some(118.0));
        assert_eq!(r.ready, Some(true));
        assert_eq!(
            r.summary,
            "rollback now: runtime API answers, monolith 2 servers up, it carried 118 rps at \
             peak in the history vs 41 rps now"
        );
        let down = Side {
            gateway_up: Some(false),
            ..side.clone()
        };
        let r = assess(&[answered("runtime API answers")], Some(&down), None);
        assert_eq!(r.ready, Some(false));
        assert!(r.reasons[0].contains("DOWN"), "{r:?}");
        let refused = ProbeResult {
            answered: Some(false),
            words: "runtime API: refused".into(),
        };
        assert_eq!(assess(&[refused], Some(&side), None).ready, Some(false));
        let exec = ProbeResult {
            answered: None,
            words: "exec step".into(),
        };
        assert_eq!(assess(&[exec], Some(&side), None).ready, None);
    }
}
