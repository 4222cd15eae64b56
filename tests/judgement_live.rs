//! The judge and its hysteresis through the binary, as an engineer meets them: a real HTTP
//! server on 127.0.0.1 answers each scrape with the next step of generated counter sequences
//! (deterministic seeds, binomial errors), `cutover record` polls it, and
//! `cutover status --json --replay` gives the recording's timeline (the events view's, with
//! the hysteresis the cockpit applies) and each health event's `from` and `to`.
//!
//! All scenarios are domains of one recording (one server, one `record`), made once and read
//! by every test, so the binary's wall time is one recording's whatever the test threads.
//!
//! Time is scaled by 8 so that the binary runs in under a minute: polls every 250 ms, each
//! answering 2 s of scenario traffic, with `window` (1m → 7.5s), `for` (20s → 2.5s) and
//! `clear_after` (60s → 7.5s) divided by the same factor. Requests per window, `for` and
//! `clear_after` against the window, and the scenario's 5 minutes (37.5 s of wall time) keep
//! the ratios; the one difference is 30 polls per window instead of 60 (each poll
//! carries twice the traffic). "Within 30 s" is checked as within 30 s / 8 of data time.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex, OnceLock};

use common::counters::{rate, Paths, Rate};
use common::{json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};
use serde_json::Value;

/// Scenario seconds per second of wall time.
const SCALE: f64 = 8.0;
/// Scenario seconds each poll answers (250 ms × [`SCALE`]).
const STEP_SECONDS: f64 = 2.0;

/// The held rules at the defaults (`for` 20s, `clear_after` 60s), scaled.
const HOLD: &str = "  for = \"2500ms\"\n  clear_after = \"7500ms\"\n";

/// Traffic of the two paths at a scenario second: (monolith, new path).
type Rates = fn(f64) -> (Rate, Rate);

struct Domain {
    name: String,
    seed: u64,
    rates: Rates,
    /// More `[domain.slo]` keys, as written.
    slo: &'static str,
}

fn domain(name: &str, seed: u64, rates: Rates, slo: &'static str) -> Domain {
    Domain {
        name: name.to_string(),
        seed,
        rates,
        slo,
    }
}

/// What one recording showed.
struct Run {
    sb: Sandbox,
    recording: std::path::PathBuf,
    /// When the server answered the first scrape (unix ms): the recording's start, near enough.
    started_ms: i64,
    /// The final status (`status --json --replay`), with the whole recording's events.
    status: Value,
    /// Per domain, when (unix ms) the server answered the step before the first whose
    /// new-path errors grew: the scrape that first saw errors is stamped after this (it was
    /// sent after that answer) and before the server's answer to it.
    first_new_errors_ms: Vec<(String, Option<i64>)>,
}

impl Run {
    /// The domain's health events: (unix ms, from, to, text).
    fn health(&self, domain: &str) -> Vec<(i64, String, String, String)> {
        self.status["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "health" && e["domain"] == domain)
            .map(|e| {
                let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                    .unwrap()
                    .timestamp_millis();
                let s = |k: &str| e[k].as_str().unwrap_or("null").to_string();
                (at, s("from"), s("to"), s("text"))
            })
            .collect()
    }

    /// Changes between judged levels (ok, warn, crit): the window filling up (start, unknown)
    /// is not a change of health.
    fn judged_changes(&self, domain: &str) -> Vec<(i64, String, String, String)> {
        let judged = |h: &str| matches!(h, "ok" | "warn" | "crit");
        self.health(domain)
            .into_iter()
            .filter(|e| judged(&e.1) && judged(&e.2))
            .collect()
    }

    /// `status --json --replay --at` the recording's offset of `at_ms`: the figures then.
    fn status_at(&self, at_ms: i64) -> Value {
        let offset = format!("{}ms", (at_ms - self.started_ms).max(0));
        json(&run_ok(
            self.sb
                .cutover()
                .args(["status", "--json", "--replay"])
                .arg(&self.recording)
                .args(["--at", &offset]),
        ))
    }

    fn final_domain(&self, domain: &str) -> &Value {
        self.status["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == domain)
            .unwrap()
    }
}

/// Serves `scenario_seconds` of the domains' traffic (one step per scrape), records it with
/// the binary in scaled time and replays the recording.
fn run(domains: &[Domain], scenario_seconds: f64) -> Run {
    let wall_ms = (scenario_seconds / SCALE * 1000.0).ceil() as u64;
    // Steps to spare: a late poll takes the next step, never skips one.
    let steps = (wall_ms / 250) as usize + 40;
    let mut paths: Vec<Paths> = domains
        .iter()
        .map(|d| Paths::new(&d.name, d.seed))
        .collect();
    let mut first_errors: Vec<Option<usize>> = vec![None; domains.len()];
    let mut bodies = Vec::with_capacity(steps);
    for k in 0..steps {
        if k > 0 {
            let t = (k - 1) as f64 * STEP_SECONDS;
            for (i, (p, d)) in paths.iter_mut().zip(domains).enumerate() {
                let before = p.counts[3];
                let (legacy, new) = (d.rates)(t);
                p.advance(STEP_SECONDS, legacy, new);
                if p.counts[3] > before && first_errors[i].is_none() {
                    first_errors[i] = Some(k);
                }
            }
        }
        bodies.push(paths.iter().map(Paths::lines).collect::<String>());
    }
    let served: Arc<Mutex<Vec<i64>>> = Arc::default();
    let log = served.clone();
    let server = HttpServer::start(move |_, n| {
        log.lock()
            .unwrap()
            .push(chrono::Utc::now().timestamp_millis());
        Some(Reply::text(bodies[n.min(bodies.len() - 1)].clone()))
    });

    let mut config = ConfigBuilder::new()
        .setting("interval", "250ms")
        .setting("timeout", "200ms")
        .setting("window", "7500ms")
        .source("sim", &server.url("/metrics"));
    for d in domains {
        config = config
            .domain(&d.name, "canary", "sim")
            .signal(
                "legacy",
                "requests",
                &Paths::selector(&d.name, "req", "legacy"),
            )
            .signal(
                "legacy",
                "errors",
                &Paths::selector(&d.name, "err", "legacy"),
            )
            .signal("new", "requests", &Paths::selector(&d.name, "req", "new"))
            .signal("new", "errors", &Paths::selector(&d.name, "err", "new"))
            .domain_text(&format!("  [domain.slo]\n{HOLD}{}", d.slo));
    }
    let sb = Sandbox::new();
    let path = config.write(&sb);
    let recording = sb.path().join("run.rec");
    run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&path)
            .args(["record", "--duration", &format!("{wall_ms}ms"), "--out"])
            .arg(&recording),
    );
    let out = run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&recording),
    );

    let served = served.lock().unwrap().clone();
    Run {
        started_ms: served[0],
        sb,
        recording,
        status: json(&out),
        first_new_errors_ms: domains
            .iter()
            .zip(&first_errors)
            .map(|(d, k)| (d.name.clone(), k.and_then(|k| served.get(k - 1).copied())))
            .collect(),
    }
}

/// Scenario seconds recorded: the longest scenario's (the lasting incident's).
const SCENARIO_SECONDS: f64 = 340.0;

/// Every scenario's domains, recorded once.
fn recorded() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut domains = hovering();
        domains.extend(equal());
        domains.push(canary());
        domains.push(incident());
        run(&domains, SCENARIO_SECONDS)
    })
}

/// Both paths at 1% against a limit of 1%, 50 requests per second between them: the ratio
/// crosses its limit by noise alone, again and again. Five seeds.
fn hovering() -> Vec<Domain> {
    (1..=5)
        .map(|seed| {
            domain(
                &format!("hover-{seed}"),
                seed,
                |_| (rate(25.0, 0.01), rate(25.0, 0.01)),
                "  error_ratio = 0.01\n",
            )
        })
        .collect()
}

/// Two paths failing alike (0.5%), a tenth of the traffic on the new one. Five seeds.
fn equal() -> Vec<Domain> {
    (11..=15)
        .map(|seed| {
            domain(
                &format!("equal-{seed}"),
                seed,
                |_| (rate(45.0, 0.005), rate(5.0, 0.005)),
                "",
            )
        })
        .collect()
}

/// A 1% canary (0.4 requests per second) turned on at 90 s and failing half its requests,
/// against a monolith at 0.5%: about twelve requests and six failures in its first 30 s, below
/// `min_requests` (20) all along.
fn canary() -> Domain {
    domain(
        "canary",
        7,
        |t| {
            let new = if t >= 90.0 {
                rate(0.4, 0.5)
            } else {
                rate(0.0, 0.0)
            };
            (rate(47.0, 0.005), new)
        },
        "",
    )
}

/// The new path at 5% against the monolith's 0.5% for three minutes (40 s to 220 s), then
/// healthy again.
fn incident() -> Domain {
    domain(
        "incident",
        11,
        |t| {
            let bad = (40.0..220.0).contains(&t);
            (rate(45.0, 0.005), rate(5.0, if bad { 0.05 } else { 0.005 }))
        },
        "",
    )
}

/// A signal hovering around its limit changes health at most twice in 5 minutes (here
/// the whole recording, 5 m 40 s, counting from the first judged level).
#[test]
fn a_signal_hovering_at_its_limit_changes_health_at_most_twice_in_five_minutes() {
    let run = recorded();
    for d in hovering() {
        let changes = run.judged_changes(&d.name);
        assert!(changes.len() <= 2, "{}: {changes:#?}", d.name);
        let last = run.final_domain(&d.name);
        assert!(
            matches!(last["health"].as_str(), Some("ok" | "warn" | "crit")),
            "{} was never judged: {last:#}",
            d.name
        );
    }
}

#[test]
fn equal_paths_never_reach_warn_or_crit_in_five_minutes() {
    let run = recorded();
    for d in equal() {
        let bad: Vec<_> = run
            .health(&d.name)
            .into_iter()
            .filter(|e| e.2 == "warn" || e.2 == "crit")
            .collect();
        assert!(bad.is_empty(), "{}: {bad:#?}", d.name);
        let last = run.final_domain(&d.name);
        assert_eq!(last["health"], "ok", "{}: {last:#}", d.name);
        // Judged, not silent: a pass, or a marginal (shown, never raising health) by noise.
        assert!(
            matches!(
                last["verdict"]["result"].as_str(),
                Some("pass" | "marginal")
            ),
            "{}: {last:#}",
            d.name
        );
    }
}

/// 6 failures in 12 requests against a monolith at 0.5% is crit within 30 s of its first
/// errors, though below `min_requests`; the reason is the judge's.
#[test]
fn a_canary_failing_six_of_twelve_is_crit_within_30s_of_its_first_errors() {
    let run = recorded();
    let first = run
        .first_new_errors_ms
        .iter()
        .find(|(name, _)| name == "canary")
        .and_then(|(_, at)| *at)
        .expect("the canary's errors were served");
    let events = run.health("canary");
    let early: Vec<_> = events
        .iter()
        .filter(|e| e.0 <= first && (e.2 == "warn" || e.2 == "crit"))
        .collect();
    assert!(early.is_empty(), "health before the errors: {early:#?}");
    let crit = events
        .iter()
        .find(|e| e.0 > first && e.2 == "crit")
        .unwrap_or_else(|| panic!("never crit after the errors at {first}: {events:#?}"));
    let after = (crit.0 - first) as f64 * SCALE / 1000.0;
    eprintln!(
        "crit {after:.0} scenario seconds after the first errors: {}",
        crit.3
    );
    assert!(
        after <= 30.0,
        "crit {after:.0} scenario seconds after the first errors: {crit:#?}"
    );
    assert!(crit.3.contains("worse, confidence"), "{}", crit.3);
    // 30 s after the first errors the judge itself fails the canary, below min_requests.
    let then = run.status_at(first + (30_000.0 / SCALE) as i64);
    let canary = then["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "canary")
        .unwrap();
    let errors = &canary["verdict"]["errors"];
    assert_eq!(canary["health"], "crit", "{canary:#}");
    assert_eq!(errors["result"], "fail", "{canary:#}");
    assert!(
        errors["new"]["requests"].as_f64().unwrap() < 20.0,
        "{canary:#}"
    );
    eprintln!("30 s after the first errors: {}", errors["reason"]);
}

/// An incident that lasts is one change to crit (and at most one back), not a series.
#[test]
fn an_incident_that_lasts_is_one_event() {
    let changes = recorded().judged_changes("incident");
    let bad: Vec<_> = changes
        .iter()
        .filter(|e| e.2 == "warn" || e.2 == "crit")
        .collect();
    assert_eq!(bad.len(), 1, "{changes:#?}");
    assert_eq!(bad[0].1, "ok", "{changes:#?}");
    assert!(changes.len() <= 2, "{changes:#?}");
    if let Some(back) = changes.get(1) {
        assert_eq!((back.1.as_str(), back.2.as_str()), ("crit", "ok"));
    }
}
