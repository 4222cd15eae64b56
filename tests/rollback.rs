//! Rollback end to end, with real listeners on 127.0.0.1: a TCP server speaking the HAProxy
//! runtime protocol (answers taken from a real HAProxy 2.6), an HTTP server that records the
//! requests it gets and serves the gateway's metrics, and real scripts for exec steps. The
//! metrics follow what the listeners received: after the rollback command the new path's
//! counters stop growing (or keep growing, when the rollback "did not work").
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::action::{audit, events};
use common::config::{exec_step, haproxy_step, haproxy_weight};
use common::gateway::Gateway;
use common::{fixture, Answer, ConfigBuilder, HttpServer, Reply, RuntimeApi, Sandbox};
use cutover::action::{
    act, Action, AuditEvent, AuditLog, Gate, Goal, Refusal, StepOutcome, StepSpec,
};

const TOKEN: &str = "tok-3f9a7c1e-do-not-leak";
const SET_WEIGHT: &str = "set weight be_orders/orders_svc 0";
/// What the audit log's `before` reads first.
const GET_WEIGHT: &str = "get weight be_orders/orders_svc";

/// What the real HAProxy 2.6 answered (tests/fixtures/real/haproxy-runtime-*.txt).
fn haproxy_answer(command: &str) -> Answer {
    if command == SET_WEIGHT {
        Answer::Text(fixture(
            "real/haproxy-runtime-rollback-set-weight-response.txt",
        ))
    } else if command.starts_with("get weight be_orders/orders_svc") {
        Answer::Text(fixture("real/haproxy-runtime-rollback-get-weight.txt"))
    } else {
        Answer::Text(fixture("real/haproxy-runtime-error-response.txt"))
    }
}

/// Whether the gateway has been rolled back; the metrics follow it.
#[derive(Clone, Default)]
struct Switch {
    flipped: Arc<AtomicBool>,
    /// An exec step flips the switch by creating this file.
    marker: Option<PathBuf>,
}

impl Switch {
    fn flip(&self) {
        self.flipped.store(true, Ordering::SeqCst);
    }
    fn is_flipped(&self) -> bool {
        self.flipped.load(Ordering::SeqCst) || self.marker.as_ref().is_some_and(|m| m.exists())
    }
}

/// The gateway's HAProxy metrics (the real capture, with live counters): every scrape 20 more
/// requests, 10% of them on orders_svc until the switch flips. The server also answers the
/// HTTP rollback calls, flipping the switch on `POST /rollback/open`.
fn gateway_metrics(switch: Switch) -> HttpServer {
    let legacy = Arc::new(AtomicU64::new(1800));
    let new = Arc::new(AtomicU64::new(200));
    let template = fixture("real/haproxy-idle.prom");
    HttpServer::start(move |req, _| {
        if req.path != "/metrics" {
            let ok = req.path == "/rollback/open" && req.method == "POST";
            if ok {
                switch.flip();
            }
            return Some(if ok {
                Reply::status(200, "rollback opened")
            } else {
                Reply::status(500, "upstream not found")
            });
        }
        let rolled_back = switch.is_flipped();
        let (dl, dn) = if rolled_back { (20, 0) } else { (18, 2) };
        let l = legacy.fetch_add(dl, Ordering::SeqCst) + dl;
        let n = new.fetch_add(dn, Ordering::SeqCst) + dn;
        let body = template
            .replace(
                r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",code="2xx"} 0"#,
                &format!(r#"haproxy_server_http_responses_total{{proxy="be_orders",server="monolith",code="2xx"}} {l}"#),
            )
            .replace(
                r#"haproxy_server_http_responses_total{proxy="be_orders",server="orders_svc",code="2xx"} 0"#,
                &format!(r#"haproxy_server_http_responses_total{{proxy="be_orders",server="orders_svc",code="2xx"}} {n}"#),
            )
            .replace(
                r#"haproxy_server_weight{proxy="be_orders",server="orders_svc"} 10"#,
                &format!(
                    r#"haproxy_server_weight{{proxy="be_orders",server="orders_svc"}} {}"#,
                    if rolled_back { 0 } else { 10 }
                ),
            );
        Some(Reply::text(body))
    })
}

/// A config for the orders domain behind the gateway, with these rollback steps.
fn config(metrics: &HttpServer, steps: &str, extra_settings: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .settings_text(extra_settings)
        .gateway(&metrics.url("/metrics"))
        .orders_haproxy()
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .rollback("3s", steps)
        .build()
}

/// Runs `cutover rollback orders` with `args`, `stdin` typed in.
fn rollback_cmd(sb: &Sandbox, config: &Path, args: &[&str], stdin: &str) -> Output {
    let mut c = sb.cutover();
    c.arg("--config")
        .arg(config)
        .arg("rollback")
        .args(args)
        .env("USER", "tester")
        .env("ORDERS_TOKEN", TOKEN);
    common::run_answering(&mut c, stdin)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn explain(out: &Output) -> String {
    let (o, e) = text(out);
    format!("exit {:?}\nstdout:\n{o}\nstderr:\n{e}", out.status.code())
}

/// The gateway of the promote tests at 10% on the new path, 20 requests a scrape: the runtime
/// API records every command and the split follows the weights it sets.
fn gateway() -> (Gateway, RuntimeApi, HttpServer) {
    let gw = Gateway::new(10, 90, 20);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    (gw, api, metrics)
}

#[test]
fn haproxy_rollback_is_audited_run_and_verified() {
    let (_gw, haproxy, metrics) = gateway();
    let sb = Sandbox::new();
    let steps = haproxy_step(&haproxy.address(), SET_WEIGHT, "2s")
        + &haproxy_step(&haproxy.address(), "get weight be_orders/orders_svc", "2s");
    let cfg = sb.config(&config(&metrics, &steps, ""));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(&format!("1. haproxy {}: {SET_WEIGHT}", haproxy.address())),
        "{stdout}"
    );
    assert!(stdout.contains("[1/2] ok in"), "{stdout}");
    assert!(
        stdout.contains("[2/2] ok in") && stdout.contains("0 (initial 10)"),
        "{stdout}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("verified in ") && last.contains("new path served 0% of "),
        "{stdout}"
    );
    // The weight is read before it is changed, for the audit log's `before`.
    assert_eq!(haproxy.received(), [GET_WEIGHT, SET_WEIGHT, GET_WEIGHT]);

    let entries = audit(&sb);
    assert_eq!(
        events(&sb),
        ["requested", "succeeded", "verified"],
        "{entries:?}"
    );
    for e in &entries {
        assert!(
            e["operator"].as_str().unwrap().starts_with("tester@"),
            "{e}"
        );
        assert_eq!(e["domain"], "orders");
        assert_eq!(
            e["steps"][0],
            format!("haproxy {}: {SET_WEIGHT}", haproxy.address())
        );
    }
    assert!(entries[1]["duration_ms"].is_u64());
    assert_eq!(entries[2]["result"].as_str().unwrap(), last);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sb.state_dir().join("audit.jsonl")), 0o600);
        assert_eq!(mode(&sb.state_dir()), 0o700);
    }

    // `cutover audit` shows it newest first, readable and as JSON.
    let out = common::run_ok(sb.cutover().arg("audit"));
    let (listing, _) = text(&out);
    let headings: Vec<&str> = listing
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(
        headings,
        ["verified", "succeeded", "requested"],
        "{listing}"
    );
    assert!(listing.contains(&format!(
        "    1. haproxy {}: {SET_WEIGHT}",
        haproxy.address()
    )));
    let out = common::run_ok(sb.cutover().args(["audit", "--json"]));
    let json = common::json(&out);
    assert_eq!(json[0]["event"], "verified");
    assert_eq!(json[2]["event"], "requested");
}

#[test]
fn a_new_path_that_keeps_serving_is_not_verified() {
    // The weight is set, but the traffic keeps its old split.
    let gw = Gateway::new(10, 90, 20).with(|s| s.follows = false);
    let (haproxy, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let steps = haproxy_step(&haproxy.address(), SET_WEIGHT, "2s");
    let cfg = sb.config(&config(&metrics, &steps, ""));
    let started = Instant::now();
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 3, "{}", explain(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    let (stdout, _) = text(&out);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("NOT verified after 3 s: new path still serves 10% ("),
        "{stdout}"
    );
    assert_eq!(haproxy.received(), [GET_WEIGHT, SET_WEIGHT]);
    assert_eq!(events(&sb), ["requested", "succeeded", "not_verified"]);
}

#[test]
fn the_typed_name_confirms_and_anything_else_refuses() {
    let (_gw, haproxy, metrics) = gateway();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &haproxy_step(&haproxy.address(), SET_WEIGHT, "2s"),
        "",
    ));

    for typed in ["order\n", "", "ORDERS\n"] {
        let out = rollback_cmd(&sb, &cfg, &["orders"], typed);
        assert_eq!(code(&out), 2, "{}", explain(&out));
        let (stdout, stderr) = text(&out);
        assert!(stdout.contains("Type the domain name (orders)"), "{stdout}");
        assert!(stderr.contains("refused"), "{stderr}");
        // Piped input is not echoed: the prompt's line is ended for it.
        assert!(stdout.ends_with("anything else cancels: \n"), "{stdout:?}");
    }
    assert!(haproxy.received().is_empty());
    assert!(metrics.requests().is_empty());
    assert_eq!(events(&sb), ["refused", "refused", "refused"]);

    let out = rollback_cmd(&sb, &cfg, &["orders"], "orders\n");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("anything else cancels: \n"),
        "the progress after the prompt starts on a line of its own: {stdout:?}"
    );
    assert_eq!(haproxy.received(), [GET_WEIGHT, SET_WEIGHT]);
}

#[test]
fn an_error_answer_fails_the_step_and_stops_the_rest() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    let marker = sb.path().join("second-step-ran");
    let steps = haproxy_step(
        &haproxy.address(),
        "set weight be_orders/orders_svc_typo 0",
        "2s",
    ) + &exec_step(&["touch", marker.to_str().unwrap()], "5s");
    let cfg = sb.config(&config(&metrics, &steps, ""));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("[1/2] FAILED"), "{stdout}");
    assert!(
        stderr.contains("FAILED at step 1 of 2: HAProxy answered: No such server.")
            && stderr.contains("1 later step(s) not run"),
        "{stderr}"
    );
    assert!(!marker.exists());
    assert!(
        metrics.requests().is_empty(),
        "no verification after a failure"
    );
    assert_eq!(events(&sb), ["requested", "failed"]);
    let failed = &audit(&sb)[1];
    assert!(failed["result"]
        .as_str()
        .unwrap()
        .contains("No such server."));
}

#[test]
fn a_silent_runtime_api_times_out() {
    let haproxy = RuntimeApi::start(|_| Answer::Silent);
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &haproxy_step(&haproxy.address(), SET_WEIGHT, "300ms"),
        "",
    ));
    let started = Instant::now();
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    assert!(started.elapsed() < Duration::from_secs(5));
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("[1/1] TIMED OUT"), "{stdout}");
    assert!(stderr.contains("no answer from"), "{stderr}");
    assert_eq!(haproxy.received(), [GET_WEIGHT, SET_WEIGHT]);
    assert_eq!(events(&sb), ["requested", "timed_out"]);
}

#[test]
fn unreachable_addresses_fail() {
    // A port that was just free: nothing listens there.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics = Gateway::new(10, 90, 20).metrics();
    for step in [
        haproxy_step(&format!("127.0.0.1:{closed}"), SET_WEIGHT, "2s"),
        format!(
            r#"  [[domain.rollback.step]]
  kind = "http"
  method = "POST"
  url = "http://127.0.0.1:{closed}/rollback/open"
"#
        ),
    ] {
        let sb = Sandbox::new();
        let cfg = sb.config(&config(&metrics, &step, ""));
        let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
        assert_eq!(code(&out), 1, "{}", explain(&out));
        let (_, stderr) = text(&out);
        assert!(stderr.contains(&format!("127.0.0.1:{closed}")), "{stderr}");
        assert_eq!(events(&sb), ["requested", "failed"]);
    }
}

/// flagger-loadtester's `POST /rollback/open`, with a bearer token from the environment.
fn http_step(metrics: &HttpServer, path: &str) -> String {
    format!(
        r#"  [[domain.rollback.step]]
  kind = "http"
  method = "POST"
  url = "{}"
  headers = {{ "Content-Type" = "application/json", "X-Request-Source" = "cutover" }}
  body = '{{"name":"orders","namespace":"shop"}}'
  bearer_token_env = "ORDERS_TOKEN"
  timeout = "2s"
"#,
        metrics.url(path)
    )
}

#[test]
fn http_step_sends_the_call_and_keeps_the_token_out_of_every_record() {
    let switch = Switch::default();
    let metrics = gateway_metrics(switch);
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &http_step(&metrics, "/rollback/open"),
        "",
    ));
    let out = rollback_cmd(&sb, &cfg, &["orders"], "orders\n");
    assert_eq!(code(&out), 0, "{}", explain(&out));

    let calls: Vec<_> = metrics
        .requests()
        .into_iter()
        .filter(|r| r.path != "/metrics")
        .collect();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/rollback/open")
    );
    assert_eq!(call.body, r#"{"name":"orders","namespace":"shop"}"#);
    let header = |name: &str| {
        call.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("authorization"), Some(format!("Bearer {TOKEN}")));
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("x-request-source").as_deref(), Some("cutover"));

    let (stdout, stderr) = text(&out);
    let audit_text = std::fs::read_to_string(sb.state_dir().join("audit.jsonl")).unwrap();
    for (what, t) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("audit", &audit_text),
    ] {
        assert!(!t.contains(TOKEN), "the token leaked into {what}:\n{t}");
    }
    assert!(
        stdout.contains("-H 'Authorization: Bearer <$ORDERS_TOKEN>'"),
        "{stdout}"
    );
    assert!(stdout.contains("[1/1] ok in") && stdout.contains("HTTP 200: rollback opened"));
    assert_eq!(events(&sb), ["requested", "succeeded", "verified"]);
}

#[test]
fn http_step_that_gets_an_error_status_fails() {
    let metrics = gateway_metrics(Switch::default());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &http_step(&metrics, "/rollback/nope"),
        "",
    ));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.contains("HTTP 500") && stderr.contains("upstream not found"),
        "{stderr}"
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    assert_eq!(events(&sb), ["requested", "failed"]);
}

#[test]
fn http_step_without_an_answer_times_out() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    let hung = HttpServer::start(|_, _| None);
    let sb = Sandbox::new();
    let step =
        http_step(&hung, "/rollback/open").replace(r#"timeout = "2s""#, r#"timeout = "300ms""#);
    let cfg = sb.config(&config(&metrics, &step, ""));
    let started = Instant::now();
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    assert!(started.elapsed() < Duration::from_secs(5));
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("[1/1] TIMED OUT"), "{stdout}");
    assert!(
        stderr.contains("no answer from http://127.0.0.1:"),
        "{stderr}"
    );
    assert_eq!(hung.requests().len(), 1);
    assert_eq!(events(&sb), ["requested", "timed_out"]);
}

/// A script in the sandbox: it records its arguments, prints, and flips the gateway.
fn script(sb: &Sandbox, name: &str, body: &str) -> PathBuf {
    let path = sb.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    path
}

#[test]
fn exec_step_runs_the_program_without_a_shell_and_keeps_its_output() {
    let sb = Sandbox::new();
    let marker = sb.path().join("aborted");
    let switch = Switch {
        marker: Some(marker.clone()),
        ..Switch::default()
    };
    let metrics = gateway_metrics(switch);
    let args_file = sb.path().join("args");
    let abort = script(
        &sb,
        "rollouts-abort",
        &format!(
            "printf '%s\\n' \"$@\" > {}\necho \"rollout 'orders' aborted\"\necho 'warning: canary scaled down' >&2\ntouch {}",
            args_file.display(),
            marker.display()
        ),
    );
    // `$HOME; rm -rf` would be expanded or run by a shell: here it is one literal argument.
    let steps = exec_step(
        &[
            abort.to_str().unwrap(),
            "abort",
            "orders",
            "-n",
            "shop; echo $HOME",
        ],
        "5s",
    );
    let cfg = sb.config(&config(&metrics, &steps, ""));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    assert_eq!(
        std::fs::read_to_string(&args_file).unwrap(),
        "abort\norders\n-n\nshop; echo $HOME\n"
    );
    let succeeded = &audit(&sb)[1];
    assert_eq!(succeeded["event"], "succeeded");
    let result = succeeded["result"].as_str().unwrap();
    assert!(
        result.contains(
            "exit 0; stdout: rollout 'orders' aborted; stderr: warning: canary scaled down"
        ),
        "{result}"
    );
    assert_eq!(events(&sb), ["requested", "succeeded", "verified"]);
}

#[test]
fn exec_step_with_a_non_zero_exit_fails() {
    let sb = Sandbox::new();
    let metrics = Gateway::new(10, 90, 20).metrics();
    let fail = script(
        &sb,
        "forbidden",
        "echo 'Error from server (Forbidden): rollouts.argoproj.io \"orders\" is forbidden' >&2\nexit 1",
    );
    let cfg = sb.config(&config(
        &metrics,
        &exec_step(&[fail.to_str().unwrap()], "5s"),
        "",
    ));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("exit 1;") && stderr.contains("is forbidden"),
        "{stderr}"
    );
    assert_eq!(events(&sb), ["requested", "failed"]);
    assert!(audit(&sb)[1]["result"]
        .as_str()
        .unwrap()
        .contains("Error from server (Forbidden)"));
}

#[test]
fn exec_step_past_its_timeout_is_killed() {
    let sb = Sandbox::new();
    let metrics = Gateway::new(10, 90, 20).metrics();
    let hang = script(&sb, "hang", "echo waiting for the API server\nsleep 30");
    let cfg = sb.config(&config(
        &metrics,
        &exec_step(&[hang.to_str().unwrap()], "500ms"),
        "",
    ));
    let started = Instant::now();
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let (stdout, _) = text(&out);
    assert!(stdout.contains("[1/1] TIMED OUT"), "{stdout}");
    assert_eq!(events(&sb), ["requested", "timed_out"]);
    assert!(audit(&sb)[1]["result"]
        .as_str()
        .unwrap()
        .contains("killed; stdout: waiting for the API server"));
}

/// Every read-only cause refuses before anything is sent anywhere.
#[test]
fn read_only_refuses_with_nothing_received() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let metrics = gateway_metrics(Switch::default());
    let steps =
        haproxy_step(&haproxy.address(), SET_WEIGHT, "2s") + &http_step(&metrics, "/rollback/open");

    let flag = Sandbox::new();
    let cfg = flag.config(&config(&metrics, &steps, ""));
    let mut c = flag.cutover();
    let by_flag = c
        .args(["--read-only", "--config"])
        .arg(&cfg)
        .args(["rollback", "orders", "--yes"])
        .output()
        .unwrap();

    let setting = Sandbox::new();
    let cfg = setting.config(&config(&metrics, &steps, "read_only = true"));
    let by_setting = rollback_cmd(&setting, &cfg, &["orders", "--yes"], "");

    let loose = Sandbox::new();
    let cfg = loose.config(&config(&metrics, &steps, ""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let by_permissions = rollback_cmd(&loose, &cfg, &["orders", "--yes"], "");

    for (sb, out, why) in [
        (&flag, &by_flag, "read-only: --read-only was given"),
        (&setting, &by_setting, "read-only: read_only = true in "),
        (
            &loose,
            &by_permissions,
            "is writable by its group and all users (mode 0666)",
        ),
    ] {
        assert_eq!(code(out), 2, "{}", explain(out));
        let (stdout, stderr) = text(out);
        assert!(
            stderr.contains("rollback of orders refused") && stderr.contains(why),
            "{stderr}"
        );
        assert!(stdout.is_empty(), "no plan shown when refused: {stdout}");
        assert_eq!(events(sb), ["refused"]);
    }
    assert!(haproxy.received().is_empty());
    assert!(metrics.requests().is_empty());
}

#[test]
fn an_audit_log_that_cannot_be_written_refuses_with_nothing_received() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    // Tests may run as root, for whom permissions do not stop a write: a directory does.
    std::fs::create_dir_all(sb.state_dir().join("audit.jsonl")).unwrap();
    let cfg = sb.config(&config(
        &metrics,
        &haproxy_step(&haproxy.address(), SET_WEIGHT, "2s"),
        "",
    ));
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let (_, stderr) = text(&out);
    assert!(stderr.contains("audit log"), "{stderr}");
    assert!(haproxy.received().is_empty());
    assert!(metrics.requests().is_empty());
}

#[test]
fn an_unknown_domain_is_a_usage_error_and_a_domain_without_steps_is_refused() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    let steps = haproxy_step(&haproxy.address(), SET_WEIGHT, "2s")
        + "\n[[domain]]\nname = \"billing\"\nstage = \"planned\"\n";
    let cfg = sb.config(&config(&metrics, &steps, ""));
    let out = rollback_cmd(&sb, &cfg, &["inventory", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    assert!(
        text(&out)
            .1
            .contains("unknown domain inventory; the config names: orders, billing"),
        "{}",
        explain(&out)
    );
    let out = rollback_cmd(&sb, &cfg, &["billing", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    assert!(
        text(&out)
            .1
            .contains("no rollback steps are configured for billing"),
        "{}",
        explain(&out)
    );
    assert!(haproxy.received().is_empty());
    assert_eq!(events(&sb), ["refused"]);
}

fn orders() -> Action {
    Action::Rollback {
        domain: "orders".into(),
    }
}

fn runtime_step(haproxy: &RuntimeApi) -> StepSpec {
    StepSpec::Haproxy {
        address: haproxy.address(),
        command: SET_WEIGHT.into(),
        timeout: Duration::from_secs(5),
    }
}

/// Refused because this process holds orders: "rollback of orders in flight in pid N since …".
fn held_here(r: &Refusal) -> bool {
    matches!(r, Refusal::InFlight { kind, domain, holder }
        if kind == "rollback" && domain == "orders" && holder.pid == Some(std::process::id()))
}

/// A key repeat must not roll back twice: while one rollback of a domain runs, a second is
/// refused as in flight; once the first has ended, a new one may run.
#[tokio::test]
async fn a_second_trigger_while_one_is_in_flight_is_refused() {
    let haproxy = RuntimeApi::start(|c| {
        Answer::Slow(
            Duration::from_millis(400),
            match haproxy_answer(c) {
                Answer::Text(t) => t,
                _ => unreachable!(),
            },
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_state_dir(dir.path());
    let gate = Gate::new(None, log.clone());
    let steps = [runtime_step(&haproxy)];
    let action = orders();
    let (first, second) = tokio::join!(gate.run(&action, &steps), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        gate.clone().run(&action, &steps).await
    });
    let first = first.unwrap();
    assert!(first.succeeded(), "{}", first.words());
    assert!(held_here(&second.unwrap_err()));
    assert_eq!(haproxy.received(), [GET_WEIGHT, SET_WEIGHT]);

    // Through the orchestration the domain stays held until the verdict.
    let run = act(&gate, &action, &steps, |_| {}).await.unwrap();
    assert!(run.succeeded());
    let verification = run.verification(Goal::AtMost(0.0), Duration::from_secs(60));
    assert!(held_here(&gate.run(&action, &steps).await.unwrap_err()));
    drop(verification);
    assert!(gate.run(&action, &steps).await.unwrap().succeeded());
    assert_eq!(
        haproxy.received(),
        [GET_WEIGHT, SET_WEIGHT, GET_WEIGHT, SET_WEIGHT, GET_WEIGHT, SET_WEIGHT]
    );
    let events: Vec<AuditEvent> = log.read_all().unwrap().iter().map(|e| e.event).collect();
    use AuditEvent::*;
    assert_eq!(
        events,
        [
            // The second trigger is refused while the first reads the weight before it.
            Refused,
            Requested,
            Succeeded,
            Requested,
            Succeeded,
            Refused,
            NotVerified,
            Requested,
            Succeeded
        ]
    );
}

/// Replay and demo sessions refuse at the gate: the runtime API never hears a thing.
#[tokio::test]
async fn replay_and_demo_refuse_with_nothing_received() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_state_dir(dir.path());
    let steps = [runtime_step(&haproxy)];
    for gate in [
        Gate::for_replay(Path::new("incident-0412.jsonl.gz"), log.clone()),
        Gate::for_demo(log.clone()),
    ] {
        let reason = gate.read_only().unwrap().to_string();
        assert_eq!(
            gate.precheck(&orders()),
            Err(Refusal::ReadOnly(reason.clone()))
        );
        let refused = act(&gate, &orders(), &steps, |_| {}).await.unwrap_err();
        assert_eq!(refused, Refusal::ReadOnly(reason));
    }
    assert!(haproxy.received().is_empty());
    let entries = log.read_all().unwrap();
    assert!(entries.iter().all(|e| e.event == AuditEvent::Refused));
    assert!(entries[0]
        .result
        .contains("replaying incident-0412.jsonl.gz"));
    assert!(entries[1].result.contains("demo"));
}

/// The step result a gate returns carries HAProxy's own words.
#[tokio::test]
async fn the_runtime_api_answer_is_in_the_result() {
    let haproxy = RuntimeApi::start(haproxy_answer);
    let dir = tempfile::tempdir().unwrap();
    let gate = Gate::new(None, AuditLog::in_state_dir(dir.path()));
    let steps = [StepSpec::Haproxy {
        address: haproxy.address(),
        command: "get weight be_orders/orders_svc".into(),
        timeout: Duration::from_secs(2),
    }];
    let report = gate.run(&orders(), &steps).await.unwrap();
    assert_eq!(
        report.steps[0].outcome,
        StepOutcome::Succeeded("0 (initial 10)".into())
    );
}

/// Every TOML example in docs/rollback.md loads with the real config loader and compiles to the
/// steps it shows, so the documentation cannot drift from what cutover accepts.
#[test]
fn every_example_in_the_rollback_docs_loads() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rollback.md"))
            .unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 10, "{} examples", blocks.len());
    let mut kinds = std::collections::BTreeSet::new();
    let mut summaries = Vec::new();
    for block in blocks {
        let domain = if block.contains("[[domain]]") {
            ""
        } else {
            "[[domain]]\nname = \"orders\"\nstage = \"canary\"\n"
        };
        let text = format!(
            "[[source]]\nname = \"gateway\"\nurl = \"http://127.0.0.1:8404/metrics\"\n{domain}{block}"
        );
        let config = cutover::config::parse_str(&text, Path::new("docs/rollback.md"))
            .unwrap_or_else(|e| panic!("{e}\n{block}"));
        let compiled = cutover::compile::compile(&config).unwrap();
        let steps = &compiled.steps["orders"];
        assert!(!steps.is_empty(), "{block}");
        for s in steps {
            kinds.insert(s.summary().split(' ').next().unwrap().to_string());
            summaries.push(s.summary());
        }
    }
    // The step shown as the dialog shows it is what cutover really prints for that example.
    let shown = doc
        .lines()
        .find(|l| l.starts_with("http PATCH https://k8s-api.internal:6443/apis/argoproj.io"))
        .unwrap();
    assert!(
        summaries.iter().any(|s| s == shown),
        "{shown}\n{summaries:#?}"
    );
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["exec", "haproxy", "http"]
    );
}

/// The rollback's terms as the cockpit's dialog draws them: the gate's desk answers `R` with
/// its offer, and the `App` draws it in a 160×48 frame.
async fn dialog_screen(config: &Path, state: &Path) -> String {
    use cutover::cli::actions::ActionDesk;
    use cutover::mode::Mode;
    use cutover::ui::theme::ThemeSet;
    use cutover::ui::{
        views, ActionRequest, App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions,
    };

    let cfg = cutover::config::load(config).unwrap();
    let compiled = cutover::compile::compile(&cfg).unwrap();
    let desk = ActionDesk {
        gate: Gate::new(None, AuditLog::in_state_dir(state)),
        plan: compiled.plan.clone(),
        steps: compiled.steps.clone(),
        promotes: compiled.promotes.clone(),
        latest: tokio::sync::watch::channel(None).1,
        notifier: cutover::notify::Notifier::none(),
    };
    let (req_tx, req_rx) = tokio::sync::mpsc::channel(1);
    let (ui_tx, mut ui_rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(desk.serve(req_rx, ui_tx));
    req_tx
        .send(ActionRequest::Open {
            kind: cutover::action::Kind::Rollback,
            domain: "orders".into(),
        })
        .await
        .unwrap();
    let offer = ui_rx.recv().await.unwrap();
    assert!(matches!(offer, FeedEvent::Offer(_)), "{offer:?}");
    let opts = UiOptions {
        mode: Mode::Live,
        color: ColorChoice::Never,
        ascii: Some(false),
        plan: compiled.plan.clone(),
        history: Duration::from_secs(600),
        ..Default::default()
    };
    let caps = TermCaps {
        depth: ColorDepth::None,
        ascii: false,
        utc_offset_secs: 0,
    };
    let mut app = App::new(&opts, ThemeSet::builtin(), caps).unwrap();
    app.apply(offer);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
    t.draw(|f| views::draw(f, &app)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dialog_and_the_command_state_the_same_terms_to_the_digit() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    for (share, within, words) in [
        ("0.005", "1500ms", "at most 0.5% of requests within 1.5 s."),
        (
            "0.0004",
            "1234ms",
            "at most 0.04% of requests within 1.234 s.",
        ),
        ("0.333", "90s", "at most 33.3% of requests within 90 s."),
        ("0.07", "250ms", "at most 7% of requests within 0.25 s."),
    ] {
        let sb = Sandbox::new();
        let marker = sb.path().join("ran");
        let steps = exec_step(&["/usr/bin/touch", marker.to_str().unwrap()], "5s")
            + &haproxy_step("127.0.0.1:9", SET_WEIGHT, "2s");
        let body = config(&metrics, &steps, "").replace(
            "verify_share = 0.0\n  verify_within = \"3s\"",
            &format!("verify_share = {share}\n  verify_within = \"{within}\""),
        );
        assert!(body.contains(within), "{body}");
        let cfg = sb.config(&body);

        // The command states its terms, then is told no.
        let out = tokio::task::block_in_place(|| rollback_cmd(&sb, &cfg, &["orders"], "no\n"));
        assert_eq!(code(&out), 2, "{}", explain(&out));
        assert!(!marker.exists());
        let (stdout, _) = text(&out);
        let terms: Vec<&str> = stdout
            .lines()
            .filter(|l| {
                l.starts_with("  1. ") || l.starts_with("  2. ") || l.starts_with("Verified")
            })
            .collect();
        assert_eq!(terms.len(), 3, "{stdout}");
        assert!(terms[2].ends_with(words), "{share} {within}: {}", terms[2]);

        // The dialog draws the same lines, character for character.
        let screen = dialog_screen(&cfg, &sb.state_dir()).await;
        for line in &terms {
            assert!(
                screen.contains(line.trim()),
                "{share} {within}: the dialog lacks {line:?}:\n{screen}"
            );
        }
    }
}

#[test]
fn the_entries_of_one_action_share_an_id_name_the_entry_point_and_keep_the_note_and_the_weight_before(
) {
    let (gw, haproxy, metrics) = gateway();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &metrics,
        &haproxy_step(&haproxy.address(), SET_WEIGHT, "2s"),
        "",
    ));

    // A note that is not one line is refused before anything happens.
    let out = rollback_cmd(
        &sb,
        &cfg,
        &["orders", "--yes", "--note", "INC-1\nverified"],
        "",
    );
    assert_eq!(code(&out), 2, "{}", explain(&out));
    assert!(haproxy.received().is_empty());
    assert!(audit(&sb).is_empty());

    let out = rollback_cmd(
        &sb,
        &cfg,
        &["orders", "--yes", "--note", "INC-4711 error spike"],
        "",
    );
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let entries = audit(&sb);
    assert_eq!(
        events(&sb),
        ["requested", "succeeded", "verified"],
        "{entries:?}"
    );
    let id = entries[0]["id"].as_str().unwrap();
    assert!(!id.is_empty());
    for e in &entries {
        assert_eq!(e["id"], id, "{e}");
        assert_eq!(e["via"], "cli", "{e}");
        assert_eq!(e["note"], "INC-4711 error spike", "{e}");
    }
    assert_eq!(
        entries[0]["before"],
        serde_json::json!(["get weight be_orders/orders_svc: 10 (initial 10)"])
    );

    let out = common::run_ok(sb.cutover().arg("audit"));
    let (listing, _) = text(&out);
    assert!(listing.contains(&format!("via cli  [{id}]")), "{listing}");
    assert!(
        listing.contains("    note: INC-4711 error spike"),
        "{listing}"
    );
    assert!(
        listing.contains("    before: get weight be_orders/orders_svc: 10 (initial 10)"),
        "{listing}"
    );

    // A second action gets an id of its own.
    gw.0.lock().unwrap().new_weight = 10;
    let out = rollback_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let entries = audit(&sb);
    assert_ne!(entries[3]["id"], id);
    assert!(entries[3].get("note").is_none());

    // The mark is cleared on request, audited; a read-only session may not.
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["--read-only", "audit", "--clear", "orders"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let out = common::run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&cfg)
            .args(["audit", "--clear", "orders"]),
    );
    assert!(text(&out).0.contains("cleared the mark of orders"));
    let last = audit(&sb).pop().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["domain"].as_str()),
        (Some("cleared"), Some("orders"))
    );
}
