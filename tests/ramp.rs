//! `cutover ramp` end to end, with real listeners on 127.0.0.1: the gateway of the promote
//! tests (a runtime API that records every command, metrics whose split follows the weights it
//! was given) and the binary in a sandbox. Time is scaled short: polls every 250 ms, holds of
//! 1 s, verifications within 3 s.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::action::{audit, wait_for_file, Running};
use common::config::{haproxy, haproxy_step, haproxy_weight, promote_haproxy_step, sh_step};
use common::gateway::Gateway;
use common::{ConfigBuilder, HttpServer, Sandbox};

const NEW_STEP: &str = "set weight be_orders/orders_svc {weight}";
const LEGACY_STEP: &str = "set weight be_orders/monolith {legacy_weight}";

/// The orders domain on the gateway, promoted and rolled back by setting both servers' weights
/// on `api`; `steps` and `hold` as in `[domain.promote]`, `rest` more of the domain.
fn config(
    metrics: &HttpServer,
    api: &str,
    steps: &str,
    hold: &str,
    auto: bool,
    rest: &str,
) -> String {
    let promote = format!(
        "  [domain.promote]\n  steps = {steps}\n  hold = \"{hold}\"\n  verify_within = \"3s\"\n  verify_tolerance = 0.05\n  auto_rollback = {auto}\n{}{}",
        promote_haproxy_step(api, NEW_STEP, "2s"),
        promote_haproxy_step(api, LEGACY_STEP, "2s")
    );
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}{}",
        haproxy_step(api, "set weight be_orders/orders_svc 0", "2s"),
        haproxy_step(api, "set weight be_orders/monolith 100", "2s")
    );
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .gateway(&metrics.url("/metrics"))
        .domain("orders", "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .domain_text(&promote)
        .domain_text(&if rest.is_empty() {
            rollback
        } else {
            rest.to_string()
        })
        .build()
}

fn ramp(sb: &Sandbox, cfg: &Path, tag: &str) -> Running {
    Running::start_with(sb, cfg, &["ramp", "orders", "--json", "--yes"], tag)
}

/// Every line of stdout as JSON (each must parse).
fn lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn kinds(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["event"].as_str().unwrap().to_string())
        .collect()
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

fn sets(api: &common::RuntimeApi) -> Vec<String> {
    api.received()
        .into_iter()
        .filter(|c| c.starts_with("set "))
        .collect()
}

#[test]
fn walks_every_step_to_the_last_verified_and_exits_0() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25, 50, 100]",
        "1s",
        false,
        "",
    ));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(40));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        sets(&api),
        [
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75",
            "set weight be_orders/orders_svc 50",
            "set weight be_orders/monolith 50",
            "set weight be_orders/orders_svc 100",
            "set weight be_orders/monolith 0",
        ]
    );
    let lines = lines(&stdout);
    let kinds = kinds(&lines);
    // Before anything runs: the whole plan, every target's steps filled as they would run.
    assert_eq!(kinds[..2], ["plan", "start"], "{kinds:?}");
    let plan = &lines[0];
    let targets = plan["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 4, "{plan}");
    assert_eq!(targets[1]["to"], 25);
    assert_eq!(
        targets[1]["steps"],
        serde_json::json!([
            format!(
                "haproxy {}: set weight be_orders/orders_svc 25",
                api.address()
            ),
            format!(
                "haproxy {}: set weight be_orders/monolith 75",
                api.address()
            ),
        ])
    );
    assert!(plan["rollback_steps"].is_null(), "{plan}");
    let text = plan["text"].as_str().unwrap();
    assert!(
        text.contains("set weight be_orders/monolith 0") && text.contains("auto_rollback = false"),
        "{text}"
    );
    // Each step is announced, exactly as it runs, before it runs.
    let started: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "step_started")
        .map(|l| l["summary"].as_str().unwrap())
        .collect();
    assert_eq!(started.len(), 6, "{kinds:?}");
    assert!(started[0].ends_with(": set weight be_orders/orders_svc 25"));
    for (i, k) in kinds.iter().enumerate() {
        if k == "step" {
            assert_eq!(kinds[i - 1], "step_started", "{kinds:?}");
        }
    }
    assert_eq!(kinds.last().map(String::as_str), Some("done"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "held").count(),
        3,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "verified").count(),
        3,
        "{kinds:?}"
    );
    assert!(lines
        .iter()
        .all(|l| l["domain"] == "orders" && l["at"].is_string()));
    let promotes: Vec<_> = lines
        .iter()
        .filter(|l| l["event"] == "promote")
        .map(|l| l["to"].as_u64().unwrap())
        .collect();
    assert_eq!(promotes, [25, 50, 100]);
    // Every promotion through the gate, audited as the ramp's.
    let entries = audit(&sb);
    assert_eq!(entries.len(), 9, "{entries:?}");
    for e in &entries {
        assert_eq!(e["action"], "promote", "{e}");
        assert_eq!(e["via"], "ramp", "{e}");
    }
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["event"] == "verified")
            .map(|e| e["to"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [25, 50, 100]
    );
}

#[test]
fn a_fail_verdict_stops_with_3_and_auto_rollback_runs_the_rollback_through_the_gate() {
    // Half the new path's requests fail, none of the monolith's.
    let gw = Gateway::new(10, 90, 1000).with(|s| s.new_error_ratio = 0.5);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25, 50, 100]",
        "1s",
        true,
        "",
    ));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(30));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert_eq!(
        sets(&api),
        [
            "set weight be_orders/orders_svc 0",
            "set weight be_orders/monolith 100"
        ]
    );
    let lines = lines(&stdout);
    let fail = lines.iter().find(|l| l["event"] == "fail").unwrap();
    assert!(
        fail["evidence"]
            .as_str()
            .unwrap()
            .starts_with("verdict fail: "),
        "{fail}"
    );
    assert_eq!(
        kinds(&lines).last().map(String::as_str),
        Some("verified"),
        "{stdout}"
    );
    let entries = audit(&sb);
    assert_eq!(
        entries
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["requested", "succeeded", "verified"]
    );
    for e in &entries {
        assert_eq!(e["action"], "rollback", "{e}");
        assert_eq!(e["via"], "ramp", "{e}");
        assert!(
            e["note"]
                .as_str()
                .unwrap()
                .starts_with("ramp: verdict fail: "),
            "{e}"
        );
    }
}

#[test]
fn a_fail_verdict_without_auto_rollback_stops_with_3_and_leaves_the_domain() {
    let gw = Gateway::new(10, 90, 1000).with(|s| s.new_error_ratio = 0.5);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        false,
        "",
    ));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(30));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(sets(&api).is_empty(), "{:?}", api.received());
    assert_eq!(
        kinds(&lines(&stdout)).last().map(String::as_str),
        Some("fail")
    );
    assert!(audit(&sb).is_empty());
}

#[test]
fn no_traffic_pauses_on_inconclusive_and_the_ramp_resumes_when_it_clears() {
    let gw = Gateway::new(10, 90, 0);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        false,
        "",
    ));
    let running = ramp(&sb, &cfg, "ramp");
    wait_for_event(&running, "paused", Duration::from_secs(15));
    // Paused: nothing moves while the judge cannot tell.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sets(&api).is_empty(), "{:?}", api.received());
    gw.0.lock().unwrap().per_scrape = 1000;
    let (code, stdout, stderr) = running.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let lines = lines(&stdout);
    let paused = lines.iter().find(|l| l["event"] == "paused").unwrap();
    assert_eq!(paused["verdict"], "inconclusive", "{paused}");
    let kinds = kinds(&lines);
    let at = |k: &str| kinds.iter().position(|x| x == k).unwrap();
    assert!(
        at("paused") < at("resumed") && at("resumed") < at("promote"),
        "{kinds:?}"
    );
    assert_eq!(
        sets(&api),
        [
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75"
        ]
    );
}

#[test]
fn a_promotion_elsewhere_is_refused_with_the_ramps_pid_and_sigint_between_actions_stops_it() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "30s",
        false,
        "",
    ));
    let running = ramp(&sb, &cfg, "ramp");
    wait_for_event(&running, "hold", Duration::from_secs(15));
    // Between actions, a promotion elsewhere is refused with the ramp's pid.
    let out = sb.run(&cfg, ["promote", "orders", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "promote of orders refused: ramp of orders in flight in pid {} since ",
            running.pid()
        )),
        "{stderr}"
    );
    running.signal(libc::SIGINT);
    let (code, stdout, stderr) = running.wait(Duration::from_secs(10));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let lines = lines(&stdout);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "stopped", "{stdout}");
    let text = last["text"].as_str().unwrap();
    assert!(
        text.starts_with("stopped by SIGINT between actions; orders stands at 10% (the weight the gateway exports), "),
        "{text}"
    );
    assert!(sets(&api).is_empty(), "{:?}", api.received());
    // Only the other process's refusal was audited: the ramp never acted.
    let entries = audit(&sb);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["event"], "refused");
}

#[test]
fn a_ramp_is_refused_with_2_while_another_process_acts_and_in_read_only() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let started = sb.path().join("started");
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.0\n  verify_within = \"1s\"\n{}",
        sh_step(&format!("touch {}; sleep 3", started.display()), "10s")
    );
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        false,
        &rollback,
    ));
    let running = Running::start(&sb, &cfg, "orders", "rollback");
    wait_for_file(&started, Duration::from_secs(10));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(10));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    let lines = lines(&stdout);
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["event"], "refused");
    assert!(
        lines[0]["text"].as_str().unwrap().starts_with(&format!(
            "rollback of orders in flight in pid {} since ",
            running.pid()
        )),
        "{stdout}"
    );
    let _ = running.wait(Duration::from_secs(20));
    assert!(sets(&api).is_empty(), "{:?}", api.received());

    let ro = Running::start_with(&sb, &cfg, &["--read-only", "ramp", "orders"], "ro");
    let (code, stdout, stderr) = ro.wait(Duration::from_secs(10));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains(": refused: read-only: "), "{stdout}");
    assert!(sets(&api).is_empty());
}

/// `cutover ramp orders ARGS` with `stdin` typed in, run to its end.
fn ramp_typed(sb: &Sandbox, cfg: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut c = sb.cutover();
    c.arg("--config")
        .arg(cfg)
        .args(["ramp", "orders"])
        .args(args)
        .env("USER", "tester");
    common::run_answering(&mut c, stdin)
}

/// Before it asks for the name, the ramp prints every command it may send: each target's
/// steps with the placeholders filled, and the rollback's when auto_rollback is on. A wrong
/// name refuses (2, audited) with nothing sent; the right one starts it.
#[test]
fn the_ramp_prints_what_will_run_and_runs_only_after_the_typed_name() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        true,
        "",
    ));
    let a = api.address();
    let out = ramp_typed(&sb, &cfg, &[], "order\n");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    let prompt = stdout
        .find("Type the domain name (orders) to start the ramp")
        .unwrap_or_else(|| panic!("{stdout}"));
    for line in [
        "To 10%: Verified when the new path serves 10% ± 5 points of requests within 3 s.\n".to_string(),
        format!("  1. haproxy {a}: set weight be_orders/orders_svc 10\n"),
        format!("  2. haproxy {a}: set weight be_orders/monolith 90\n"),
        "To 25%: ".to_string(),
        format!("  1. haproxy {a}: set weight be_orders/orders_svc 25\n"),
        format!("  2. haproxy {a}: set weight be_orders/monolith 75\n"),
        "On a fail verdict (auto_rollback = true) the rollback runs: Verified when the new path serves at most 2% of requests within 3 s.\n".to_string(),
        format!("  1. haproxy {a}: set weight be_orders/orders_svc 0\n"),
        format!("  2. haproxy {a}: set weight be_orders/monolith 100\n"),
    ] {
        let at = stdout.find(&line).unwrap_or_else(|| panic!("{line:?} in\n{stdout}"));
        assert!(at < prompt, "{line:?} after the prompt:\n{stdout}");
    }
    assert!(
        stdout.contains("refused: cancelled: the typed name did not match orders"),
        "{stdout}"
    );
    assert!(api.received().is_empty(), "{:?}", api.received());
    let entries = audit(&sb);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["event"], "refused");
    assert_eq!(entries[0]["via"], "ramp");

    // The name typed: it runs to the last step.
    let out = ramp_typed(&sb, &cfg, &["--json"], "orders\n");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With --json the prompt goes to stderr: stdout stays one JSON object per line.
    let lines = lines(&stdout);
    assert_eq!(lines[0]["event"], "plan");
    assert_eq!(
        lines[0]["rollback_steps"],
        serde_json::json!([
            format!("haproxy {a}: set weight be_orders/orders_svc 0"),
            format!("haproxy {a}: set weight be_orders/monolith 100"),
        ])
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Type the domain name (orders)"));
    assert_eq!(
        sets(&api),
        [
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75"
        ]
    );
}

/// Crit health stops the ramp even while the judge passes the new path: a queue over its crit
/// is a reason not to send it more traffic.
#[test]
fn crit_health_stops_the_ramp_whatever_the_verdict() {
    let gw = Gateway::new(10, 90, 1000).with(|s| {
        s.extra = "# TYPE rabbitmq_queue_messages_ready gauge\nrabbitmq_queue_messages_ready{queue=\"orders.created\"} 50000\n".into()
    });
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let queue = format!(
        "  [[domain.queue]]\n  name = \"orders.created\"\n  source = \"gateway\"\n  depth = 'rabbitmq_queue_messages_ready{{queue=\"orders.created\"}}'\n  warn = 1000\n  crit = 10000\n  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}",
        haproxy_step(&api.address(), "set weight be_orders/orders_svc 0", "2s")
    );
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        false,
        &queue,
    ));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(30));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    let lines = lines(&stdout);
    let fail = lines.iter().find(|l| l["event"] == "fail").unwrap();
    assert!(
        fail["evidence"]
            .as_str()
            .unwrap()
            .starts_with("health crit: "),
        "{fail}"
    );
    assert!(sets(&api).is_empty(), "{:?}", api.received());
}

/// Whatever a runtime API answers, every `--json` line parses as JSON and decodes to exactly
/// the text it quotes, and no control character reaches the terminal raw.
#[test]
fn json_lines_stay_json_with_hostile_text_from_the_runtime_api() {
    let hostile = "No such server.\x7f\x1b[2J\x1b]0;owned\x07\u{9b}31m\u{202e}evil\"\\";
    let gw = Gateway::new(10, 90, 1000);
    let metrics = gw.metrics();
    let api = common::RuntimeApi::start(move |c| {
        if c.starts_with("set ") {
            common::Answer::Text(format!("{hostile}\n"))
        } else {
            common::Answer::Text("10 (initial 10)\n".into())
        }
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25]",
        "1s",
        false,
        "",
    ));
    let (code, stdout, stderr) = ramp(&sb, &cfg, "ramp").wait(Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains(['\x1b', '\x7f', '\x07', '\u{9b}', '\u{202e}']),
        "{stdout:?}"
    );
    let lines = lines(&stdout);
    let step = lines
        .iter()
        .find(|l| l["event"] == "step")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        step["text"]
            .as_str()
            .unwrap()
            .contains(&hostile.replace('\n', " / ")),
        "{step}"
    );
}

/// Across processes: while a ramp runs, a promotion elsewhere is refused with the ramp's pid,
/// but an emergency rollback is not: it runs between the ramp's actions, and the ramp sees it
/// in the audit log and stops with 3, saying so, never promoting over it.
#[test]
fn a_rollback_elsewhere_takes_the_domain_from_a_running_ramp_which_stops_with_3() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    // A hold long enough that the rollback comes while the ramp holds 10%.
    let cfg = sb.config(&config(
        &metrics,
        &api.address(),
        "[10, 25, 50]",
        "30s",
        false,
        "",
    ));
    let running = ramp(&sb, &cfg, "ramp");
    wait_for_event(&running, "hold", Duration::from_secs(15));
    let out = sb.run(&cfg, ["promote", "orders", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::both(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "promote of orders refused: ramp of orders in flight in pid {} since ",
            running.pid()
        )),
        "{}",
        common::both(&out)
    );
    let out = sb.run(&cfg, ["rollback", "orders", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::both(&out));
    let (code, stdout, stderr) = running.wait(Duration::from_secs(15));
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    let lines = lines(&stdout);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "superseded", "{stdout}");
    let text = last["text"].as_str().unwrap();
    assert!(
        text.starts_with("a rollback of orders was requested at ")
            && text.contains(
                " (via cli): the ramp stops and never promotes over it; orders stands at "
            ),
        "{text}"
    );
    // Only the rollback's commands: the ramp never promoted.
    assert_eq!(
        sets(&api),
        [
            "set weight be_orders/orders_svc 0",
            "set weight be_orders/monolith 100"
        ]
    );
    let events: Vec<(String, String)> = audit(&sb)
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("promote".into(), "refused".into()),
            ("rollback".into(), "requested".into()),
            ("rollback".into(), "succeeded".into()),
            ("rollback".into(), "verified".into()),
        ]
    );
    // The ramp's file is gone with it: a promotion is no longer refused as the ramp's.
    let out = sb.run(&cfg, ["promote", "orders", "--yes", "--to", "10"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("ramp of orders in flight"),
        "{}",
        common::both(&out)
    );
}
