//! The judge and its hysteresis on generated counter sequences (deterministic seeds), fed to
//! the engine on a simulated clock of 1 s polls: a hovering signal, equal paths, a small
//! failing canary, a lasting incident. `measurements` prints the figures of docs/judgement.md
//! (run with `--nocapture`). The latency noise floor is checked here too, on histograms.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use cutover::engine::{Engine, Mode};
use cutover::figures::Health;
use cutover::judge::errors::{judge, Counts, ErrorRules, Tolerance};
use cutover::judge::Outcome;
use cutover::plan::Plan;
use cutover::source::ScrapeOutcome;
use cutover::timeline::{EventKind, Timeline};

const START_MS: i64 = 1_767_225_600_000;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Requests arriving in one second at `rate` (a Poisson-ish count: whole part plus a draw).
    fn arrivals(&mut self, rate: f64) -> u64 {
        let whole = rate.floor();
        whole as u64 + u64::from(self.next() < rate - whole)
    }
    fn failures(&mut self, n: u64, p: f64) -> u64 {
        (0..n).filter(|_| self.next() < p).count() as u64
    }
}

fn plan(slo: &str) -> Arc<Plan> {
    compiled(&format!("{TRAFFIC}\n  [domain.slo]\n  {slo}\n"))
}

/// One domain `orders` on a source nothing listens on (the tests feed the engine themselves),
/// both paths' requests and errors; a test appends what else it needs.
const TRAFFIC: &str = r#"
[settings]
interval = "1s"
timeout = "500ms"
window = "1m"

[[source]]
name = "gw"
url = "http://127.0.0.1:1/metrics"

[[domain]]
name = "orders"
stage = "canary"

  [domain.traffic]
  source = "gw"
  legacy.requests = 'req_total{path="legacy"}'
  legacy.errors = 'err_total{path="legacy"}'
  new.requests = 'req_total{path="new"}'
  new.errors = 'err_total{path="new"}'
"#;

/// The plan of a config text.
fn compiled(text: &str) -> Arc<Plan> {
    let cfg = cutover::config::parse_str(text, Path::new("judgement.toml")).unwrap();
    cutover::compile::compile(&cfg).unwrap().plan
}

/// The two paths' counters, advanced one second at a time.
struct Paths {
    rng: Rng,
    counts: [u64; 4],
}

impl Paths {
    fn new(seed: u64) -> Paths {
        Paths {
            rng: Rng(seed.max(1)),
            counts: [0; 4],
        }
    }
    fn second(&mut self, legacy: (f64, f64), new: (f64, f64)) {
        let l = self.rng.arrivals(legacy.0);
        let le = self.rng.failures(l, legacy.1);
        let n = self.rng.arrivals(new.0);
        let ne = self.rng.failures(n, new.1);
        self.counts[0] += l;
        self.counts[1] += le;
        self.counts[2] += n;
        self.counts[3] += ne;
    }
    fn body(&self) -> String {
        let [l, le, n, ne] = self.counts;
        format!(
            "req_total{{path=\"legacy\"}} {l}\nerr_total{{path=\"legacy\"}} {le}\nreq_total{{path=\"new\"}} {n}\nerr_total{{path=\"new\"}} {ne}\n"
        )
    }
}

/// Runs `seconds` polls; `rates(t)` gives (legacy rps, legacy error ratio), (new rps, new
/// error ratio) at second t. Returns the health per second and the timeline.
fn run(
    plan: Arc<Plan>,
    seed: u64,
    seconds: i64,
    rates: impl Fn(i64) -> ((f64, f64), (f64, f64)),
) -> (Vec<Health>, Timeline) {
    let mut engine = Engine::new(plan.clone());
    let mut paths = Paths::new(seed);
    let mut timeline = Timeline::new(plan.timing.history);
    let mut health = Vec::new();
    for t in 0..seconds {
        let (l, n) = rates(t);
        paths.second(l, n);
        engine.ingest(&ScrapeOutcome {
            source: "gw".into(),
            at_ms: START_MS + t * 1000,
            duration_ms: 1,
            bytes: 100,
            status: Some(200),
            result: Ok(paths.body()),
        });
        let st = engine.status(Mode::Replay);
        health.push(st.domains[0].health);
        timeline.observe(&st);
    }
    (health, timeline)
}

/// Health changes after the first minute (the window filling up is not a change of health).
fn changes(health: &[Health]) -> usize {
    health[60..].windows(2).filter(|w| w[0] != w[1]).count()
}

fn health_events(t: &Timeline) -> usize {
    t.events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Health(Health::Warn | Health::Crit)))
        .count()
}

#[test]
fn a_signal_hovering_at_its_limit_changes_health_at_most_twice_in_five_minutes() {
    for seed in 1..=5 {
        let (health, _) = run(plan("error_ratio = 0.01"), seed, 360, |_| {
            ((25.0, 0.01), (25.0, 0.01))
        });
        assert!(changes(&health) <= 2, "seed {seed}: {:?}", health);
    }
}

#[test]
fn equal_paths_never_warn_or_crit() {
    for seed in 1..=5 {
        let (health, _) = run(plan(""), seed, 360, |_| ((45.0, 0.005), (5.0, 0.005)));
        let bad = health[60..].iter().filter(|h| **h >= Health::Warn).count();
        assert_eq!(bad, 0, "seed {seed}");
    }
}

#[test]
fn a_canary_failing_six_of_twelve_is_crit_within_30s() {
    // 0.4 rps on the new path, half of it failing from second 90; the monolith at 0.5%.
    let (health, _) = run(plan(""), 7, 150, |t| {
        let new_errors = if t >= 90 { 0.5 } else { 0.0 };
        ((47.0, 0.005), (0.4, new_errors))
    });
    assert!(health[..90].iter().all(|h| *h < Health::Warn));
    let crit_at = health
        .iter()
        .enumerate()
        .skip(90)
        .find(|(_, h)| **h == Health::Crit)
        .map(|(t, _)| t);
    assert!(crit_at.is_some_and(|t| t - 90 <= 30), "{crit_at:?}");
}

/// A brand-new canary's first failed request (1 of 1, then 1 of 2) is 100% and 50% against a
/// 1% limit: far beyond it, but not yet beyond doubt, so it waits `for` (20 s) like any
/// breach; the same ratio on 6 of 12 is beyond doubt and skips it.
#[test]
fn one_failed_request_does_not_page_before_for() {
    let plan = plan("error_ratio = 0.01");
    let mut engine = Engine::new(plan);
    // Monolith: 50 rps, no errors. New path: one failed request at second 60, one good at 61.
    let mut health = Vec::new();
    for t in 0..90i64 {
        let legacy = 50 * (t + 1);
        let (new, new_err) = match t {
            ..60 => (0, 0),
            60 => (1, 1),
            _ => (2, 1),
        };
        let body = format!(
            "req_total{{path=\"legacy\"}} {legacy}\nerr_total{{path=\"legacy\"}} 0\nreq_total{{path=\"new\"}} {new}\nerr_total{{path=\"new\"}} {new_err}\n"
        );
        engine.ingest(&ScrapeOutcome {
            source: "gw".into(),
            at_ms: START_MS + t * 1000,
            duration_ms: 1,
            bytes: 100,
            status: Some(200),
            result: Ok(body),
        });
        health.push(engine.status(Mode::Replay).domains[0].health);
    }
    let crit_at = health.iter().position(|h| *h == Health::Crit);
    assert!(
        crit_at.is_none_or(|t| t >= 60 + 19),
        "crit at {crit_at:?}: {health:?}"
    );
}

#[test]
fn a_lasting_incident_is_one_event() {
    let (_, timeline) = run(plan(""), 11, 420, |t| {
        let bad = (60..300).contains(&t);
        ((45.0, 0.005), (5.0, if bad { 0.05 } else { 0.005 }))
    });
    assert_eq!(health_events(&timeline), 1, "{:#?}", timeline.events());
}

/// The closing note's figures: false alarms of the errors test on equal paths over 1,000
/// windows, and the time to detect 2×, 5×, 10× the monolith's error ratio at 1%, 10%, 50% of
/// the traffic (50 rps, monolith at 1%).
#[test]
fn measurements() {
    let rules = ErrorRules {
        confidence: 0.98,
        tolerance: Tolerance {
            relative: 0.25,
            absolute: 0.001,
        },
        min_requests: 20.0,
    };
    for (share, n) in [("1%", 30), ("10%", 300), ("50%", 1500)] {
        let mut rng = Rng(42);
        let mut fails = 0;
        let mut marginal = 0;
        for _ in 0..1000 {
            // One 1 m window at 50 rps (3,000 requests), `n` on the new path, both at 0.5%.
            let l = 3000 - n;
            let new = Counts {
                errors: rng.failures(n, 0.005) as f64,
                requests: n as f64,
            };
            let legacy = Counts {
                errors: rng.failures(l, 0.005) as f64,
                requests: l as f64,
            };
            match judge(new, legacy, None, &rules).result {
                Outcome::Fail => fails += 1,
                Outcome::Marginal => marginal += 1,
                _ => {}
            }
        }
        println!(
            "equal paths at 0.5%, {share} on the new path, 1,000 windows: {fails} fail, {marginal} marginal"
        );
        assert!(fails <= 20, "{fails} false failures in 1,000 windows");
    }

    let mut equal_engine_alarms = 0;
    for seed in 1..=3 {
        let (health, _) = run(plan(""), seed, 360, |_| ((45.0, 0.005), (5.0, 0.005)));
        equal_engine_alarms += health[60..].iter().filter(|h| **h >= Health::Warn).count();
    }
    println!("equal paths through the engine, 3 × 5 min of 1 s polls: {equal_engine_alarms} polls at warn or crit");

    for factor in [2.0, 5.0, 10.0] {
        let mut row = Vec::new();
        for share in [0.01, 0.1, 0.5] {
            let (health, _) = run(plan(""), 3, 420, |t| {
                let e = if t >= 120 { 0.01 * factor } else { 0.01 };
                ((50.0 * (1.0 - share), 0.01), (50.0 * share, e))
            });
            let at = health
                .iter()
                .enumerate()
                .skip(120)
                .find(|(_, h)| **h == Health::Crit)
                .map(|(t, _)| t - 120);
            row.push(match at {
                Some(s) => format!("{:>3}% share: {s:>3} s", share * 100.0),
                None => format!("{:>3}% share: > 300 s", share * 100.0),
            });
        }
        println!("{factor:>4}× the monolith's 1%: {}", row.join(" | "));
    }
}

/// Health changes per domain over the bundled demo, with the hysteresis (as shipped) and with
/// `for` and `clear_after` at 0 (every poll's raw health, as before the judge held rules).
#[test]
fn demo_health_changes() {
    let path = Path::new("assets/demo.jsonl.gz");
    let rec = cutover::record::read_recording(path).unwrap();
    let compiled = cutover::cli::replay_status::compiled_of(&rec, path).unwrap();
    let count = |plan: Arc<Plan>| {
        let mut engine = Engine::new(plan);
        let status =
            cutover::cli::status_events::replay_with_events(&rec, &mut engine, rec.end_ms());
        let mut per: std::collections::BTreeMap<String, usize> = Default::default();
        for e in status.events.iter().filter(|e| e.kind == "health") {
            *per.entry(e.domain.clone().unwrap_or_default()).or_default() += 1;
        }
        per
    };
    let held = count(compiled.plan.clone());
    let mut raw = (*compiled.plan).clone();
    for d in &mut raw.domains {
        d.slo.hold = cutover::judge::hysteresis::Hold {
            for_ms: 0,
            clear_ms: 0,
        };
    }
    let unheld = count(Arc::new(raw));
    println!("demo health changes, for/clear_after 0: {unheld:?}");
    println!("demo health changes, as shipped:        {held:?}");
    assert!(held.values().sum::<usize>() < unheld.values().sum::<usize>());
}

/// Bucket bounds of the latency histograms below, seconds.
const BOUNDS: [&str; 7] = ["0.05", "0.1", "0.25", "0.5", "1", "2", "+Inf"];
/// Observations per second by bucket (non-cumulative, the last bucket for `+Inf`): the
/// monolith before its shift, after it, and a new path slower than the shifted monolith by
/// 50 ms (more than 25% of its 175 ms median, within that plus the monolith's own 50 ms move).
const FAST: [u64; 7] = [30, 40, 20, 8, 2, 0, 0];
const SHIFTED: [u64; 7] = [10, 30, 40, 15, 5, 0, 0];
const SLOWER: [u64; 7] = [0, 15, 50, 25, 10, 0, 0];

/// The monolith's and the new path's latency histograms and requests, one second a poll;
/// `at(t)` gives the two paths' per-second observations. The verdict's latency evidence at
/// two minutes.
fn latency_verdict(at: fn(i64) -> ([u64; 7], [u64; 7])) -> serde_json::Value {
    let plan = compiled(&format!(
        "{TRAFFIC}  legacy.latency = 'lat_seconds{{path=\"legacy\"}}'\n  \
         new.latency = 'lat_seconds{{path=\"new\"}}'\n"
    ));
    let mut engine = Engine::new(plan);
    let mut buckets = [[0u64; 7]; 2];
    for t in 0..=120 {
        let (legacy, new) = at(t);
        let mut body = String::new();
        for (p, (path, per_second)) in [("legacy", legacy), ("new", new)].iter().enumerate() {
            for (b, n) in per_second.iter().enumerate() {
                buckets[p][b] += n;
            }
            let mut below = 0;
            for (b, le) in BOUNDS.iter().enumerate() {
                below += buckets[p][b];
                body.push_str(&format!(
                    "lat_seconds_bucket{{path=\"{path}\",le=\"{le}\"}} {below}\n"
                ));
            }
            body.push_str(&format!(
                "req_total{{path=\"{path}\"}} {below}\nerr_total{{path=\"{path}\"}} 0\n"
            ));
        }
        engine.ingest(&ScrapeOutcome {
            source: "gw".into(),
            at_ms: START_MS + t * 1000,
            duration_ms: 1,
            bytes: 100,
            status: Some(200),
            result: Ok(body),
        });
    }
    let st = engine.status(Mode::Replay);
    serde_json::to_value(&st.domains[0].verdict).unwrap()["latency"].clone()
}

/// The latency noise floor through the engine: the monolith slowed down by 50 ms from one
/// window to the next and the new path is 50 ms slower still. The shift both paths share is
/// not held against the new path; with a monolith that did not move, the same gap fails.
#[test]
fn a_monolith_that_shifted_by_itself_widens_the_latency_allowed() {
    let shifted = latency_verdict(|t| {
        if t <= 60 {
            (FAST, FAST)
        } else {
            (SHIFTED, SLOWER)
        }
    });
    assert_eq!(shifted["result"], "pass", "{shifted:#}");
    let noise = shifted["noise_seconds"].as_f64().unwrap();
    assert!((noise - 0.05).abs() < 1e-9, "{shifted:#}");

    let steady = latency_verdict(|t| {
        if t <= 60 {
            (SHIFTED, SHIFTED)
        } else {
            (SHIFTED, SLOWER)
        }
    });
    assert_eq!(steady["result"], "fail", "{steady:#}");
    assert!(steady["noise_seconds"].is_null(), "{steady:#}");
}
