//! The shadow → canary gate (issue 16, item 1): a domain declared `shadow` is not promoted
//! while its shadow comparisons (`[[domain.data]] kind = "shadow"`) disagree beyond their
//! limit, nor while their ratio is unknown. With real listeners: the test gateway (runtime API
//! recording every command, metrics following its weights) and a service exporting
//! `shadow_comparisons_total` that grows on every scrape with the mismatch share the test sets.
//! The same gate refuses `cutover promote`, the cockpit's `P` and a ramp's promotions; a ramp
//! pauses on it and goes on once the comparisons agree.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::action::{audit, Running};
use common::config::{haproxy, haproxy_weight, promote_haproxy_step};
use common::gateway::Gateway;
use common::{ConfigBuilder, HttpServer, Reply, Sandbox};

/// Comparisons per scrape of the shadow service.
const PER_SCRAPE: u64 = 1000;

/// What the shadow service exports: `None` exports no comparisons at all (no data).
struct Shadow {
    mismatch_share: Option<f64>,
    matched: u64,
    mismatched: u64,
}

/// The shadow service's metrics, its mismatch share changed through the handle.
fn shadow_service(share: Option<f64>) -> (HttpServer, Arc<Mutex<Shadow>>) {
    let state = Arc::new(Mutex::new(Shadow {
        mismatch_share: share,
        matched: 0,
        mismatched: 0,
    }));
    let s = state.clone();
    let server = HttpServer::start(move |_, _| {
        let mut s = s.lock().unwrap();
        let Some(share) = s.mismatch_share else {
            return Some(Reply::text("# no shadow comparisons here\nup 1\n"));
        };
        let bad = (PER_SCRAPE as f64 * share).round() as u64;
        s.mismatched += bad;
        s.matched += PER_SCRAPE - bad;
        Some(Reply::text(format!(
            "# TYPE shadow_comparisons_total counter\n\
             shadow_comparisons_total{{domain=\"orders\",result=\"match\"}} {}\n\
             shadow_comparisons_total{{domain=\"orders\",result=\"mismatch\"}} {}\n\
             shadow_comparisons_total{{domain=\"orders\",result=\"error\"}} 0\n",
            s.matched, s.mismatched
        )))
    });
    (server, state)
}

/// orders, declared `shadow` at weight 0, promoted by setting both weights on `api`; its
/// shadow comparisons from `shadow` with a limit of 1%.
fn config(metrics: &HttpServer, shadow: &HttpServer, api: &str, hold: &str) -> String {
    let promote = format!(
        "  [domain.promote]\n  steps = [10, 25, 50, 100]\n  hold = \"{hold}\"\n  verify_within = \"3s\"\n  verify_tolerance = 0.05\n{}{}",
        promote_haproxy_step(api, "set weight be_orders/orders_svc {weight}", "2s"),
        promote_haproxy_step(api, "set weight be_orders/monolith {legacy_weight}", "2s")
    );
    let data = "  [[domain.data]]\n  name = \"orders-shadow\"\n  kind = \"shadow\"\n  source = \"shadow\"\n  preset = \"shadow\"\n  limit = 0.01\n";
    ConfigBuilder::new()
        .setting("interval", "250ms")
        .setting("timeout", "200ms")
        .setting("window", "2s")
        .gateway(&metrics.url("/metrics"))
        .source("shadow", &shadow.url("/metrics"))
        .domain("orders", "shadow", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .domain_text("  [domain.slo]\n  clear_after = \"1s\"\n")
        .domain_text(&promote)
        .domain_text(data)
        .build()
}

fn promote(sb: &Sandbox, cfg: &Path) -> (Option<i32>, String, String) {
    let out = sb.run(cfg, ["promote", "orders", "--yes"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refusals(sb: &Sandbox) -> Vec<serde_json::Value> {
    audit(sb)
        .into_iter()
        .filter(|e| e["event"] == "refused")
        .collect()
}

#[test]
fn promote_from_shadow_is_refused_while_mismatches_exceed_the_limit_and_audited() {
    let gw = Gateway::new(0, 100, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let (shadow, _) = shadow_service(Some(0.03));
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &shadow, &api.address(), "1s"));
    let (code, stdout, stderr) = promote(&sb, &cfg);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    let why = "orders may not leave the shadow stage: shadow orders-shadow: 30 of 1000 comparisons differ (3.00% > 1.00%)";
    assert!(stderr.contains(why), "{stderr}");
    assert!(api.received().is_empty(), "{:?}", api.received());
    let r = refusals(&sb);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["action"], "promote");
    assert_eq!(r[0]["to"], 10);
    assert!(r[0]["result"].as_str().unwrap().contains(why), "{}", r[0]);
}

#[test]
fn promote_from_shadow_is_refused_when_the_mismatch_ratio_is_unknown_saying_so() {
    let gw = Gateway::new(0, 100, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let (shadow, _) = shadow_service(None);
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &shadow, &api.address(), "1s"));
    let (code, stdout, stderr) = promote(&sb, &cfg);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("the shadow mismatch ratio of orders-shadow is unknown ("),
        "{stderr}"
    );
    assert!(api.received().is_empty());
    assert_eq!(refusals(&sb).len(), 1);
}

#[test]
fn promote_from_shadow_runs_once_the_comparisons_agree() {
    let gw = Gateway::new(0, 100, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let (shadow, _) = shadow_service(Some(0.002));
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &shadow, &api.address(), "1s"));
    let (code, stdout, stderr) = promote(&sb, &cfg);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        api.received()
            .into_iter()
            .filter(|c| c.starts_with("set "))
            .collect::<Vec<_>>(),
        [
            "set weight be_orders/orders_svc 10",
            "set weight be_orders/monolith 90"
        ]
    );
    assert!(refusals(&sb).is_empty());
}

/// Waits until stdout (so far) has `needle`.
fn wait_for(r: &Running, needle: &str, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let out = std::fs::read_to_string(&r.stdout).unwrap_or_default();
        if out.contains(needle) {
            return out;
        }
        assert!(
            start.elapsed() < limit,
            "no {needle} after {limit:?}:\n{out}\n{}",
            std::fs::read_to_string(&r.stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_ramp_from_shadow_pauses_on_mismatches_and_moves_on_once_they_clear() {
    let gw = Gateway::new(0, 100, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let (shadow, knob) = shadow_service(Some(0.05));
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &shadow, &api.address(), "1s"));
    let ramp = Running::start_with(&sb, &cfg, &["ramp", "orders", "--json", "--yes"], "ramp");
    // Paused on the comparisons (unknown on the first poll, then 5% > 1%), saying so.
    let out = wait_for(&ramp, "\"verdict\":\"shadow\"", Duration::from_secs(20));
    assert!(out.contains("orders-shadow"), "{out}");
    // Paused, not stopped: over the limit nothing is sent, nothing rolled back.
    std::thread::sleep(Duration::from_secs(3));
    assert!(api.received().iter().all(|c| !c.starts_with("set ")));
    let out = std::fs::read_to_string(&ramp.stdout).unwrap();
    assert!(!out.contains("\"event\":\"fail\""), "{out}");
    knob.lock().unwrap().mismatch_share = Some(0.0);
    wait_for(&ramp, "\"event\":\"resumed\"", Duration::from_secs(20));
    wait_for(&ramp, "\"event\":\"verified\"", Duration::from_secs(20));
    assert_eq!(
        api.received()
            .into_iter()
            .filter(|c| c.starts_with("set "))
            .take(2)
            .collect::<Vec<_>>(),
        [
            "set weight be_orders/orders_svc 10",
            "set weight be_orders/monolith 90"
        ]
    );
    ramp.signal(libc::SIGINT);
    let (code, stdout, stderr) = ramp.wait(Duration::from_secs(20));
    assert!(code.is_some(), "{stdout}\n{stderr}");
}

/// The cockpit's `P` asks the same gate: refused, with the reason in the answer and the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpits_p_is_refused_by_the_shadow_gate() {
    use cutover::action::{AuditLog, Gate, Kind};
    use cutover::cli::actions::ActionDesk;
    use cutover::ui::{ActionRequest, FeedEvent};
    let gw = Gateway::new(0, 100, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let (shadow, _) = shadow_service(Some(0.03));
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &shadow, &api.address(), "1s"));
    let loaded = cutover::config::load(&cfg).unwrap();
    let compiled = cutover::compile::compile(&loaded).unwrap();
    // The figures as the cockpit's feed publishes them: two polls apart.
    let (engine, _) = cutover::cli::status::two_polls(&compiled).await;
    let (_latest_tx, latest) = tokio::sync::watch::channel(Some(Arc::new(
        engine.status_unheld(cutover::engine::Mode::Live),
    )));
    let desk = ActionDesk {
        gate: Gate::new(None, AuditLog::in_state_dir(&sb.state_dir()))
            .entered_via(cutover::action::EntryPoint::Tui),
        plan: compiled.plan.clone(),
        steps: compiled.steps.clone(),
        promotes: compiled.promotes.clone(),
        latest,
        notifier: cutover::notify::Notifier::none(),
    };
    let (requests, req_rx) = tokio::sync::mpsc::channel(4);
    let (ui_tx, mut answers) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(desk.serve(req_rx, ui_tx));
    requests
        .send(ActionRequest::Open {
            kind: Kind::Promote,
            domain: "orders".into(),
        })
        .await
        .unwrap();
    let answer = loop {
        match answers.recv().await.unwrap() {
            a @ (FeedEvent::Refused { .. } | FeedEvent::Offer(_)) => break a,
            _ => continue,
        }
    };
    let FeedEvent::Refused { reason, .. } = &answer else {
        panic!("offered: {answer:?}");
    };
    assert!(
        reason.contains(
            "may not leave the shadow stage: shadow orders-shadow: 30 of 1000 comparisons differ"
        ),
        "{reason}"
    );
    assert!(api.received().is_empty());
    assert_eq!(refusals(&sb).len(), 1);
    task.abort();
}
