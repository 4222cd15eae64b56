//! The cockpit shows the forward plan (issue 15, item 3): the detail view's promote section
//! (steps with the current one marked, the time at it, what the gate would say about the next
//! step now), and a ramp run by another cutover process on this host, read from its lock file
//! and the audit log: with a real `cutover ramp` holding the lock in a process of its own.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cutover::action::ramp_seen::{self, RampSeen};
use cutover::figures::{DomainStatus, Health, Side, Status, Traffic};
use cutover::judge::outcome::Outcome;
use cutover::judge::verdict::Verdict;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions};

use common::action::Running;
use common::config::{haproxy, haproxy_step, haproxy_weight, promote_haproxy_step};
use common::gateway::Gateway;
use common::{ConfigBuilder, HttpServer, Sandbox};

/// 2026-12-07T10:00:00Z.
const T0: i64 = 1_796_637_600_000;

/// The orders domain on the test gateway with `[domain.promote]` and a rollback.
fn config(metrics: &str, api: &str, hold: &str) -> String {
    let promote = format!(
        "  [domain.promote]\n  steps = [10, 25, 50, 100]\n  hold = \"{hold}\"\n  verify_within = \"3s\"\n  verify_tolerance = 0.05\n{}{}",
        promote_haproxy_step(api, "set weight be_orders/orders_svc {weight}", "2s"),
        promote_haproxy_step(api, "set weight be_orders/monolith {legacy_weight}", "2s")
    );
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}",
        haproxy_step(api, "set weight be_orders/orders_svc 0", "2s"),
    );
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .gateway(metrics)
        .domain("orders", "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .domain_text(&promote)
        .domain_text(&rollback)
        .build()
}

fn app(config: &str) -> App {
    let cfg = cutover::config::parse_str(config, Path::new("plan.toml")).unwrap();
    let compiled = cutover::compile::compile(&cfg).unwrap();
    let opts = UiOptions {
        color: ColorChoice::Never,
        ascii: Some(false),
        plan: compiled.plan.clone(),
        history: Duration::from_secs(600),
        promotes: compiled.promotes.clone(),
        ..Default::default()
    };
    let caps = TermCaps {
        depth: ColorDepth::None,
        ascii: false,
        utc_offset_secs: 0,
    };
    App::new(&opts, ThemeSet::builtin(), caps).unwrap()
}

fn orders(new_weight: f64, result: Outcome, reasons: &[&str]) -> DomainStatus {
    DomainStatus {
        name: "orders".into(),
        stage: cutover::stage::Stage::Canary,
        health: if result == Outcome::Fail {
            Health::Crit
        } else {
            Health::Ok
        },
        reasons: Vec::new(),
        stale: false,
        traffic: Some(Traffic {
            legacy: Side::default(),
            new: Side::default(),
            new_share: Some(new_weight),
            configured_new_share: Some(new_weight),
        }),
        queues: Vec::new(),
        sagas: Vec::new(),
        data: Vec::new(),
        verdict: Some(Verdict {
            result,
            confidence: (result != Outcome::Inconclusive).then_some(0.99),
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            errors: None,
            latency: None,
            boundaries: Vec::new(),
        }),
        burn: None,
        rollback_ready: None,
        findings: Default::default(),
    }
}

fn status(at_ms: i64, d: DomainStatus) -> FeedEvent {
    FeedEvent::Status(Box::new(Status {
        version: 1,
        at: String::new(),
        mode: cutover::mode::Mode::Live,
        domains: vec![d],
        sources: Vec::new(),
        at_ms,
        events: Vec::new(),
    }))
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| cutover::ui::views::draw(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines of the promote plan's box.
fn plan_box(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("Promote plan"))
        .unwrap_or_else(|| panic!("no promote plan on screen:\n{screen}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('└'))
        .map(|l| {
            l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                .to_string()
        })
        .collect()
}

fn open_detail(app: &mut App) {
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

/// The plan at 25% after four minutes of pass, with another process's ramp on it; then the
/// verdict fails and the next step is blocked in the verdict's words.
#[test]
fn the_detail_view_shows_the_steps_the_time_held_the_next_step_and_a_ramp_elsewhere() {
    let mut app = app(&config("http://127.0.0.1:9/metrics", "127.0.0.1:9", "10m"));
    // Seen at 10% first, then moved to 25% at 10:01 and passing since.
    app.tick(T0);
    app.apply(status(T0, orders(0.10, Outcome::Pass, &["errors as good"])));
    for s in 0..=4 {
        let at = T0 + 60_000 + s * 60_000;
        app.apply(status(at, orders(0.25, Outcome::Pass, &["errors as good"])));
    }
    app.tick(T0 + 300_000);
    app.apply(FeedEvent::Ramps(
        [(
            "orders".to_string(),
            RampSeen {
                pid: Some(4121),
                since_ms: Some(T0 + 120_000),
                step: Some(25),
            },
        )]
        .into(),
    ));
    open_detail(&mut app);
    let shown = screen(&app, 100, 48);
    insta::assert_snapshot!("plan_pass_with_a_ramp_100x48", shown);
    assert_eq!(
        plan_box(&shown),
        [
            "steps 10% [25%] 50% 100%",
            "at 25% (the weight the gateway exports) for 4m00s",
            "next: 50% in 6m00s if the verdict stays pass",
            "ramp of orders by pid 4121 since 10:02, step 25%",
            "P promotes to the next step",
        ]
    );

    // Inconclusive: a ramp would pause, and says why.
    app.apply(status(
        T0 + 360_000,
        orders(
            0.25,
            Outcome::Inconclusive,
            &["too few requests (12 of 200)"],
        ),
    ));
    app.tick(T0 + 360_000);
    assert_eq!(
        plan_box(&screen(&app, 100, 48))[2],
        "paused: verdict inconclusive: too few requests (12 of 200); next: 50% after 10m00s of verdict"
    );

    // The verdict fails: the next step is blocked, in the verdict's words.
    app.apply(status(
        T0 + 420_000,
        orders(0.25, Outcome::Fail, &["new path p95 worse"]),
    ));
    app.apply(FeedEvent::Ramps(Default::default()));
    app.tick(T0 + 420_000);
    let shown = screen(&app, 100, 48);
    insta::assert_snapshot!("plan_blocked_100x48", shown);
    assert_eq!(
        plan_box(&shown)[2],
        "blocked: verdict fail: new path p95 worse, confidence 99.0%"
    );
    // The key hint does not invite a key the gate would refuse.
    assert_eq!(plan_box(&shown)[3], "P is refused while blocked");
}

/// A name from the config reaches the screen sanitized, in the ramp's line as everywhere.
#[test]
fn a_hostile_domain_name_in_the_ramp_line_is_sanitized() {
    let seen = RampSeen {
        pid: Some(1),
        since_ms: Some(T0),
        step: None,
    };
    let words = seen.words("ord\x1b]0;pwned\x07ers", 0);
    let shown = cutover::term_text::for_terminal(&words);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07'),
        "{shown:?}"
    );
    assert!(
        shown.ends_with("still at the step it started from"),
        "{shown}"
    );
}

/// Waits until stdout (so far) has an event of `kind`.
fn wait_for_event(r: &Running, kind: &str, limit: Duration) {
    let start = Instant::now();
    let needle = format!("\"event\":\"{kind}\"");
    while !std::fs::read_to_string(&r.stdout)
        .unwrap_or_default()
        .contains(&needle)
    {
        assert!(
            start.elapsed() < limit,
            "no {kind} event after {limit:?}:\n{}\n{}",
            std::fs::read_to_string(&r.stdout).unwrap_or_default(),
            std::fs::read_to_string(&r.stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A real `cutover ramp` in a process of its own holds the lock; the cockpit's feed reads it
/// and the audit log and the detail view says whose ramp it is and at which step. When the
/// ramp ends, the line goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ramp_in_another_process_is_shown_from_its_lock_and_the_audit_log() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics): (_, HttpServer) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let text = config(&metrics.url("/metrics"), &api.address(), "5s");
    let cfg = sb.config(&text);
    let ramp = Running::start_with(&sb, &cfg, &["ramp", "orders", "--json", "--yes"], "ramp");
    let audit = sb.state_dir().join("audit.jsonl");
    // Held from the start, before any step: the ramp is there, at the step it started from.
    wait_for_event(&ramp, "hold", Duration::from_secs(20));
    let first = ramp_seen::look(&audit, "orders").expect("the ramp's lock is seen");
    assert_eq!(first.pid, Some(ramp.pid()));
    assert_eq!(first.step, None);
    // Its first promotion (10% -> 25%) verified: the step is 25%, through the cockpit's feed.
    wait_for_event(&ramp, "verified", Duration::from_secs(30));
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let feed = tokio::spawn(cutover::cli::ramp_feed::serve(
        audit.clone(),
        vec!["orders".into()],
        tx,
    ));
    let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let FeedEvent::Ramps(ramps) = &event else {
        panic!("not ramps: {event:?}");
    };
    let seen = &ramps["orders"];
    assert_eq!(seen.pid, Some(ramp.pid()));
    assert_eq!(seen.step, Some(25), "{seen:?}");
    let since = seen.since_ms.unwrap();
    assert!((since - cutover::clock::now_ms()).abs() < 60_000);

    let mut app = app(&text);
    app.tick(cutover::clock::now_ms());
    app.apply(status(
        cutover::clock::now_ms(),
        orders(0.25, Outcome::Pass, &["errors as good"]),
    ));
    app.apply(event);
    open_detail(&mut app);
    let expected = format!(
        "ramp of orders by pid {} since {}, step 25%",
        ramp.pid(),
        cutover::format::clock_minutes(since, 0)
    );
    assert!(
        plan_box(&screen(&app, 100, 48)).contains(&expected),
        "{}",
        screen(&app, 100, 48)
    );

    // The ramp stopped (SIGINT between actions): its lock is gone, and so is the line.
    ramp.signal(libc::SIGINT);
    let (code, stdout, stderr) = ramp.wait(Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert_eq!(ramp_seen::look(&audit, "orders"), None);
    let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&event, FeedEvent::Ramps(r) if r.is_empty()),
        "{event:?}"
    );
    app.apply(event);
    assert!(!screen(&app, 100, 48).contains("ramp of orders"));
    feed.abort();
}
