//! Promote end to end, with real listeners on 127.0.0.1: a TCP server speaking the HAProxy
//! runtime protocol (answers as a real HAProxy 2.6 gives them) that records every command, and
//! an HTTP server serving the gateway's metrics (the real HAProxy capture, with live counters)
//! whose split follows the weights the runtime API was given: after `set weight`, the new
//! path's share of each scrape's requests moves to the new weight (or stays, when the gateway
//! "does not follow"). Every refusal and every exit code of `cutover promote`, the cockpit's
//! dialog (TestBackend and insta) and its key, through the same desk as the rollback.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::action::{audit, events, wait_for_file, Running};
use common::config::{haproxy, haproxy_step, haproxy_weight, promote_haproxy_step, sh_step};
use common::gateway::Gateway;
use common::{ConfigBuilder, HttpServer, RuntimeApi, Sandbox};
use cutover::action::promote::{self, Target};
use cutover::action::{AuditEvent, AuditLog, Gate, Kind, Refusal};

const NEW_STEP: &str = "set weight be_orders/orders_svc {weight}";
const LEGACY_STEP: &str = "set weight be_orders/monolith {legacy_weight}";

/// The orders domain on the gateway, promoted by setting both servers' weights on `api`;
/// `weights`: whether the config reads the weights the gateway exports. `rest` is more of the
/// domain (a queue, a rollback) as written.
fn config(metrics: &HttpServer, api: &str, weights: bool, rest: &str) -> String {
    let mut b = ConfigBuilder::new()
        .every("250ms", "200ms")
        .gateway(&metrics.url("/metrics"))
        .domain("orders", "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#));
    if weights {
        b = b
            .signal("legacy", "weight", &haproxy_weight("monolith"))
            .signal("new", "weight", &haproxy_weight("orders_svc"));
    }
    let steps =
        promote_haproxy_step(api, NEW_STEP, "2s") + &promote_haproxy_step(api, LEGACY_STEP, "2s");
    b.promote("[10, 25, 50, 100]", "3s", "0.05", &steps)
        .domain_text(rest)
        .build()
}

/// `cutover promote` with `args`, `stdin` typed in.
fn promote_cmd(sb: &Sandbox, config: &Path, args: &[&str], stdin: &str) -> Output {
    let mut c = sb.cutover();
    c.arg("--config")
        .arg(config)
        .arg("promote")
        .args(args)
        .env("USER", "tester");
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

/// Only reads: nothing on the runtime API changed anything.
fn only_reads(api: &RuntimeApi) -> bool {
    api.received().iter().all(|c| c.starts_with("get "))
}

#[test]
fn promote_to_the_next_step_is_audited_run_and_verified() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes", "--note", "CHG-12"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let (stdout, _) = text(&out);
    let a = api.address();
    assert!(
        stdout.contains(
            "Promote orders from 10% (the weight the gateway exports) to 25% of requests on the new path: 2 step(s)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  1. haproxy {a}: set weight be_orders/orders_svc 25\n"
        )) && stdout.contains(&format!(
            "  2. haproxy {a}: set weight be_orders/monolith 75\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("Verified when the new path serves 25% ± 5 points of requests within 3 s."),
        "{stdout}"
    );
    assert!(
        stdout.contains("verified in ") && stdout.contains("target 25% ± 5 points"),
        "{stdout}"
    );
    assert_eq!(
        api.received(),
        [
            "get weight be_orders/orders_svc",
            "get weight be_orders/monolith",
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75"
        ]
    );
    assert_eq!(events(&sb), ["requested", "succeeded", "verified"]);
    for e in audit(&sb) {
        assert_eq!(e["action"], "promote", "{e}");
        assert_eq!(e["from"], 10.0, "{e}");
        assert_eq!(e["to"], 25, "{e}");
        assert_eq!(e["via"], "cli", "{e}");
        assert_eq!(e["note"], "CHG-12", "{e}");
    }
    assert_eq!(
        audit(&sb)[0]["before"],
        serde_json::json!([
            "get weight be_orders/orders_svc: 10 (initial 10)",
            "get weight be_orders/monolith: 90 (initial 90)"
        ])
    );
    // The listing says from where to where.
    let out = common::run_ok(sb.cutover().arg("audit"));
    assert!(
        text(&out).0.contains("    promote from 10% to 25%"),
        "{}",
        text(&out).0
    );
}

#[test]
fn without_weights_the_observed_share_is_the_current_one_and_the_plan_says_so() {
    let gw = Gateway::new(25, 75, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), false, ""));
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(
            "Promote orders from 25% (the share of requests observed; the gateway exports no weight) to 50% of requests"
        ),
        "{stdout}"
    );
    assert!(api
        .received()
        .contains(&"set weight be_orders/orders_svc 50".to_string()));
    assert_eq!(audit(&sb)[0]["from"], 25.0);
}

#[test]
fn to_names_a_target_between_the_steps() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes", "--to", "30"], "");
    assert_eq!(code(&out), 0, "{}", explain(&out));
    assert_eq!(
        &api.received()[2..],
        [
            "set weight be_orders/orders_svc 30",
            "set weight be_orders/monolith 70"
        ]
    );
    assert_eq!(audit(&sb)[0]["to"], 30);
    // Out of range is a usage error before anything is read.
    for bad in ["0", "101", "25.5"] {
        let out = promote_cmd(&sb, &cfg, &["orders", "--yes", "--to", bad], "");
        assert_eq!(code(&out), 2, "{bad}: {}", explain(&out));
    }
    assert_eq!(events(&sb).len(), 3);
}

#[test]
fn a_gateway_that_does_not_follow_is_not_verified_and_exits_3() {
    let gw = Gateway::new(10, 90, 1000).with(|s| s.follows = false);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let started = Instant::now();
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 3, "{}", explain(&out));
    assert!(started.elapsed() < Duration::from_secs(15));
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(
            "NOT verified after 3 s: new path serves 10% (100 of 1000 requests in the last"
        ) && stdout.contains("target 25% ± 5 points"),
        "{stdout}"
    );
    assert_eq!(events(&sb), ["requested", "succeeded", "not_verified"]);
}

#[test]
fn a_step_haproxy_refuses_fails_the_run_and_exits_1() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    // A server HAProxy does not know: its answer is the error, and the second step never runs.
    let body = config(&metrics, &api.address(), true, "").replace(
        "be_orders/orders_svc {weight}",
        "be_orders/orders-svc {weight}",
    );
    let cfg = sb.config(&body);
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 1, "{}", explain(&out));
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("promote of orders FAILED at step 1 of 2")
            && stderr.contains("(1 later step(s) not run)"),
        "{stderr}"
    );
    assert!(!api
        .received()
        .iter()
        .any(|c| c.starts_with("set weight be_orders/monolith")));
    assert_eq!(events(&sb), ["requested", "failed"]);
}

#[test]
fn read_only_refuses_before_any_source_is_asked() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let by_flag = Sandbox::new();
    let cfg = by_flag.config(&config(&metrics, &api.address(), true, ""));
    let mut c = by_flag.cutover();
    let flag = c
        .args(["--read-only", "--config"])
        .arg(&cfg)
        .args(["promote", "orders", "--yes"])
        .output()
        .unwrap();
    let by_setting = Sandbox::new();
    let cfg = by_setting.config(
        &config(&metrics, &api.address(), true, "")
            .replace("[settings]\n", "[settings]\nread_only = true\n"),
    );
    let setting = promote_cmd(&by_setting, &cfg, &["orders", "--yes"], "");
    for (sb, out, why) in [
        (&by_flag, &flag, "read-only: --read-only was given"),
        (&by_setting, &setting, "read-only: read_only = true in "),
    ] {
        assert_eq!(code(out), 2, "{}", explain(out));
        let (stdout, stderr) = text(out);
        assert!(
            stderr.contains("promote of orders refused") && stderr.contains(why),
            "{stderr}"
        );
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(events(sb), ["refused"]);
        assert_eq!(audit(sb)[0]["action"], "promote");
    }
    assert!(api.received().is_empty());
    assert!(metrics.requests().is_empty());
}

#[tokio::test]
async fn replay_and_demo_refuse_and_audit_with_nothing_sent() {
    let gw = Gateway::new(10, 90, 1000);
    let api = gw.runtime_api();
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_state_dir(dir.path());
    let cfg = cutover::config::parse_str(
        &ConfigBuilder::new()
            .gateway("http://127.0.0.1:9/metrics")
            .orders_haproxy()
            .promote(
                "[10, 25]",
                "3s",
                "0.05",
                &promote_haproxy_step(&api.address(), NEW_STEP, "2s"),
            )
            .build(),
        Path::new("t.toml"),
    )
    .unwrap();
    let compiled = cutover::compile::compile(&cfg).unwrap();
    let plan = compiled.promotes.get("orders");
    for gate in [
        Gate::for_replay(Path::new("incident-0412.jsonl.gz"), log.clone()),
        Gate::for_demo(log.clone()),
    ] {
        let r = promote::admit(&gate, "orders", plan, None, Target::Explicit(25)).unwrap_err();
        assert_eq!(r, Refusal::ReadOnly(gate.read_only().unwrap().to_string()));
    }
    assert!(api.received().is_empty());
    let entries = log.read_all().unwrap();
    assert_eq!(entries.len(), 2);
    for e in &entries {
        assert_eq!(
            (e.event, e.action.as_str(), e.to),
            (AuditEvent::Refused, "promote", Some(25))
        );
    }
    assert!(entries[0]
        .result
        .contains("replaying incident-0412.jsonl.gz"));
    assert!(entries[1].result.contains("demo"));
}

/// The domain's standing refuses: the reason on stderr and in the audit log, nothing changed.
fn refused_for(gw: Gateway, weights: bool, rest: &str, args: &[&str], words: &str) {
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), weights, rest));
    let out = promote_cmd(&sb, &cfg, args, "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.contains(&format!("promote of orders refused: {words}")),
        "{words}\n{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
    assert!(api.received().is_empty(), "{:?}", api.received());
    assert_eq!(events(&sb), ["refused"]);
    let entry = &audit(&sb)[0];
    assert_eq!(entry["action"], "promote");
    assert!(
        entry["result"].as_str().unwrap().starts_with(words),
        "{entry}"
    );
}

#[test]
fn a_failing_verdict_refuses() {
    // Half the new path's requests fail, none of the monolith's.
    let gw = Gateway::new(10, 90, 1000).with(|s| s.new_error_ratio = 0.5);
    refused_for(
        gw,
        true,
        "",
        &["orders", "--yes"],
        "the verdict on orders is fail (",
    );
}

#[test]
fn crit_health_refuses() {
    // The new path is as good as the monolith, but a queue of the domain is over its crit.
    let gw = Gateway::new(10, 90, 1000).with(|s| {
        s.extra = "# TYPE rabbitmq_queue_messages_ready gauge\nrabbitmq_queue_messages_ready{queue=\"orders.created\"} 50000\n".into()
    });
    let queue = "  [[domain.queue]]\n  name = \"orders.created\"\n  source = \"gateway\"\n  depth = 'rabbitmq_queue_messages_ready{queue=\"orders.created\"}'\n  warn = 1000\n  crit = 10000\n";
    refused_for(gw, true, queue, &["orders", "--yes"], "orders is crit (");
}

#[test]
fn no_step_above_the_current_one_refuses() {
    let gw = Gateway::new(100, 0, 1000);
    refused_for(
        gw,
        true,
        "",
        &["orders", "--yes"],
        "orders is at 100% (the weight the gateway exports), at or above its last step (100%): nothing to promote to",
    );
}

#[test]
fn an_unknown_share_refuses_without_to_and_to_still_acts() {
    // No weights read and no traffic: nobody can tell the next step.
    refused_for(
        Gateway::new(10, 90, 0),
        false,
        "",
        &["orders", "--yes"],
        "the new-path share of orders is unknown",
    );
    // Named, it runs; with no traffic afterwards it is not verified.
    let gw = Gateway::new(10, 90, 0);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), false, ""));
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes", "--to", "10"], "");
    assert_eq!(code(&out), 3, "{}", explain(&out));
    assert!(
        text(&out)
            .0
            .contains("NOT verified after 3 s: no traffic observed since the promotion"),
        "{}",
        explain(&out)
    );
}

#[test]
fn the_typed_name_confirms_and_an_inconclusive_verdict_is_said_first() {
    // 10 requests a scrape: too few for a verdict.
    let gw = Gateway::new(10, 90, 10);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let out = promote_cmd(&sb, &cfg, &["orders"], "order\n");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("WARNING: The verdict is INCONCLUSIVE (")
            && stdout
                .contains("Type the domain name (orders) to promote it; anything else cancels: "),
        "{stdout}"
    );
    assert!(
        stderr
            .contains("promote of orders refused: cancelled: the typed name did not match orders"),
        "{stderr}"
    );
    assert!(only_reads(&api) && api.received().is_empty());
    assert_eq!(events(&sb), ["refused"]);

    let out = promote_cmd(&sb, &cfg, &["orders"], "orders\n");
    assert_ne!(code(&out), 2, "{}", explain(&out));
    assert!(api
        .received()
        .contains(&"set weight be_orders/orders_svc 25".to_string()));
    assert_eq!(events(&sb)[1..3], ["requested", "succeeded"]);
}

#[test]
fn a_domain_without_a_promote_plan_or_unknown_is_refused() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(
        &(config(&metrics, &api.address(), true, "")
            + "[[domain]]\nname = \"billing\"\nstage = \"planned\"\n"),
    );
    let out = promote_cmd(&sb, &cfg, &["inventory", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    assert!(
        text(&out)
            .1
            .contains("unknown domain inventory; the config names: orders, billing"),
        "{}",
        explain(&out)
    );
    let out = promote_cmd(&sb, &cfg, &["billing", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    assert!(
        text(&out)
            .1
            .contains("promote of billing refused: no promote steps are configured for billing"),
        "{}",
        explain(&out)
    );
    assert_eq!(events(&sb), ["refused"]);
    assert!(api.received().is_empty() && metrics.requests().is_empty());
}

/// A rollback running in another process holds the domain: the promotion is refused with its
/// pid, before anything is sent.
#[test]
fn an_action_in_flight_in_another_process_refuses_with_its_pid() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let started = sb.path().join("started");
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.0\n  verify_within = \"1s\"\n{}",
        sh_step(&format!("touch {}; sleep 3", started.display()), "10s")
    );
    let cfg = sb.config(&config(&metrics, &api.address(), true, &rollback));
    let running = Running::start(&sb, &cfg, "orders", "rollback");
    wait_for_file(&started, Duration::from_secs(10));
    let out = promote_cmd(&sb, &cfg, &["orders", "--yes"], "");
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains(&format!(
            "promote of orders refused: rollback of orders in flight in pid {} since ",
            running.pid()
        )),
        "{stderr}"
    );
    assert!(api.received().is_empty());
    let (exit, _, _) = running.wait(Duration::from_secs(20));
    assert!(exit.is_some());
    let refusals: Vec<_> = audit(&sb)
        .into_iter()
        .filter(|e| e["event"] == "refused")
        .collect();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["action"], "promote");
}

// ------------------------------------------------------------------ the cockpit

/// The desk of a cockpit on `config`, fed with figures polled from its sources.
struct Cockpit {
    requests: tokio::sync::mpsc::Sender<cutover::ui::ActionRequest>,
    answers: tokio::sync::mpsc::Receiver<cutover::ui::FeedEvent>,
    feeding: tokio::task::JoinHandle<()>,
}

impl Cockpit {
    async fn start(config: &Path, state: &Path) -> Cockpit {
        use cutover::cli::actions::ActionDesk;
        let cfg = cutover::config::load(config).unwrap();
        let compiled = cutover::compile::compile(&cfg).unwrap();
        let (latest_tx, latest_rx) = tokio::sync::watch::channel(None);
        // The figures, as the cockpit's feed publishes them: two polls at a time.
        let first = cutover::cli::status::two_polls(&compiled).await.0;
        latest_tx.send_replace(Some(Arc::new(
            first.status_unheld(cutover::engine::Mode::Live),
        )));
        let plan = compiled.plan.clone();
        let specs_of = cfg.clone();
        let feeding = tokio::spawn(async move {
            let compiled = cutover::compile::compile(&specs_of).unwrap();
            loop {
                let (engine, _) = cutover::cli::status::two_polls(&compiled).await;
                latest_tx.send_replace(Some(Arc::new(
                    engine.status_unheld(cutover::engine::Mode::Live),
                )));
            }
        });
        let desk = ActionDesk {
            gate: Gate::new(None, AuditLog::in_state_dir(state))
                .entered_via(cutover::action::EntryPoint::Tui),
            plan,
            steps: compiled.steps.clone(),
            promotes: compiled.promotes.clone(),
            latest: latest_rx,
            notifier: cutover::notify::Notifier::none(),
        };
        let (requests, req_rx) = tokio::sync::mpsc::channel(4);
        let (ui_tx, answers) = tokio::sync::mpsc::channel(64);
        tokio::spawn(desk.serve(req_rx, ui_tx));
        Cockpit {
            requests,
            answers,
            feeding,
        }
    }

    async fn ask(&mut self, req: cutover::ui::ActionRequest) -> cutover::ui::FeedEvent {
        self.requests.send(req).await.unwrap();
        self.answers.recv().await.unwrap()
    }
}

impl Drop for Cockpit {
    fn drop(&mut self) {
        self.feeding.abort();
    }
}

fn app() -> cutover::ui::App {
    use cutover::ui::theme::ThemeSet;
    use cutover::ui::{ColorChoice, ColorDepth, TermCaps, UiOptions};
    let opts = UiOptions {
        color: ColorChoice::Never,
        ascii: Some(false),
        history: Duration::from_secs(600),
        ..Default::default()
    };
    let caps = TermCaps {
        depth: ColorDepth::None,
        ascii: false,
        utc_offset_secs: 0,
    };
    cutover::ui::App::new(&opts, ThemeSet::builtin(), caps).unwrap()
}

fn screen(app: &cutover::ui::App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| cutover::ui::views::draw(f, app)).unwrap();
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

fn press(app: &mut cutover::ui::App, c: char) -> Vec<cutover::ui::UiCommand> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn enter(app: &mut cutover::ui::App) -> Vec<cutover::ui::UiCommand> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// The dialog the key P opens: from where to where, every step filled as it runs, the
/// verification's terms and, on an inconclusive verdict, the warning in words, then the name
/// to type. Its lines are the command's, word for word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_promote_dialog_shows_what_will_run_and_warns_on_inconclusive() {
    use cutover::ui::{ActionRequest, FeedEvent, UiCommand};
    // Few requests (no verdict yet); the steps go to the discard port: this test never runs them.
    let gw = Gateway::new(10, 90, 10);
    let metrics = gw.metrics();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, "127.0.0.1:9", true, ""));
    let mut cockpit = Cockpit::start(&cfg, &sb.state_dir()).await;
    let mut app = app();
    let offer = cockpit
        .ask(ActionRequest::Open {
            kind: Kind::Promote,
            domain: "orders".into(),
        })
        .await;
    let FeedEvent::Offer(o) = &offer else {
        panic!("{offer:?}")
    };
    assert_eq!(o.action.from_to(), (Some(10.0), Some(25)));
    app.apply(offer);
    let s = screen(&app, 120, 40);
    insta::assert_snapshot!("promote_dialog_120x40", s);
    assert!(s.contains("Promote orders"), "{s}");
    assert!(s.contains("WARNING: The verdict is INCONCLUSIVE"), "{s}");

    // The command states the same terms, character for character.
    let out = tokio::task::block_in_place(|| promote_cmd(&sb, &cfg, &["orders"], "no\n"));
    assert_eq!(code(&out), 2, "{}", explain(&out));
    let (stdout, _) = text(&out);
    for line in stdout.lines().filter(|l| {
        l.starts_with("  1. ") || l.starts_with("  2. ") || l.starts_with("Verified when")
    }) {
        assert!(s.contains(line.trim()), "the dialog lacks {line:?}:\n{s}");
    }

    // Typed and confirmed, what goes to the gate is the promotion it showed.
    for c in "orders".chars() {
        assert!(press(&mut app, c).is_empty());
    }
    screen(&app, 120, 40);
    let cmds = enter(&mut app);
    assert!(
        matches!(cmds.as_slice(), [UiCommand::Confirm { action, drawn_whole: true, .. }]
            if action.from_to() == (Some(10.0), Some(25))),
        "{cmds:?}"
    );
}

/// The key P through the desk, as the cockpit runs it: the steps go to the runtime API,
/// verified on the figures that follow; a target the dialog did not offer from the steps is
/// refused; a promotion while one is in flight is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_runs_what_its_dialog_showed_and_refuses_a_target_off_the_steps() {
    use cutover::action::Action;
    use cutover::ui::{ActionRequest, FeedEvent};
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let mut cockpit = Cockpit::start(&cfg, &sb.state_dir()).await;

    // A confirmation for 30%, which no dialog offers (not a step): refused, nothing sent.
    let off_plan = Action::Promote {
        domain: "orders".into(),
        from: Some(10.0),
        to: Some(30),
    };
    let answer = cockpit
        .ask(ActionRequest::Confirm {
            action: off_plan,
            typed: "orders".into(),
            drawn_whole: true,
            shown: Default::default(),
        })
        .await;
    assert!(
        matches!(&answer, FeedEvent::Refused { kind: Kind::Promote, reason, .. }
            if reason.starts_with("30% is not one of the steps of orders (10%, 25%, 50%, 100%)")),
        "{answer:?}"
    );
    assert!(api.received().is_empty());

    let offer = cockpit
        .ask(ActionRequest::Open {
            kind: Kind::Promote,
            domain: "orders".into(),
        })
        .await;
    let FeedEvent::Offer(o) = offer else {
        panic!("{offer:?}")
    };
    cockpit
        .requests
        .send(ActionRequest::Confirm {
            action: o.action.clone(),
            typed: "orders".into(),
            drawn_whole: true,
            shown: o.shown(),
        })
        .await
        .unwrap();
    // While it runs and is verified, P is refused as in flight.
    let mut verdict = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut asked_again = false;
    while verdict.is_none() {
        assert!(Instant::now() < deadline, "no verdict");
        let ev = tokio::time::timeout(Duration::from_secs(10), cockpit.answers.recv())
            .await
            .unwrap()
            .unwrap();
        match ev {
            FeedEvent::Event { text, .. } if text.contains("steps done") && !asked_again => {
                asked_again = true;
                cockpit
                    .requests
                    .send(ActionRequest::Open {
                        kind: Kind::Promote,
                        domain: "orders".into(),
                    })
                    .await
                    .unwrap();
            }
            FeedEvent::Refused { reason, .. } => {
                assert!(
                    reason.starts_with("promote of orders in flight in pid"),
                    "{reason}"
                );
            }
            FeedEvent::Event { text, .. } if text.contains("verified in") => verdict = Some(text),
            FeedEvent::Event { text, .. } if text.contains("NOT verified") => panic!("{text}"),
            _ => {}
        }
    }
    assert!(asked_again);
    assert_eq!(
        &api.received()[2..],
        [
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75"
        ]
    );
    let events: Vec<_> = audit(&sb)
        .into_iter()
        .map(|e| (e["event"].as_str().unwrap().to_string(), e["via"].clone()))
        .collect();
    assert_eq!(
        events.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["refused", "requested", "succeeded", "refused", "verified"]
    );
    assert!(events.iter().all(|e| e.1 == "tui"));
}

/// Every TOML example in docs/promote.md loads with the real config loader and compiles to a
/// plan whose steps fill, so the documentation cannot drift from what cutover accepts.
#[test]
fn every_example_in_the_promote_docs_loads() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/promote.md"))
            .unwrap();
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 8, "{} examples", blocks.len());
    let mut kinds = std::collections::BTreeSet::new();
    for block in blocks {
        let domain = if block.contains("[[domain]]") {
            ""
        } else {
            "[[domain]]\nname = \"orders\"\nstage = \"canary\"\n"
        };
        let text = format!(
            "[[source]]\nname = \"gateway\"\nurl = \"http://127.0.0.1:8404/metrics\"\n{domain}{block}"
        );
        let config = cutover::config::parse_str(&text, Path::new("docs/promote.md"))
            .unwrap_or_else(|e| panic!("{e}\n{block}"));
        let compiled = cutover::compile::compile(&config).unwrap();
        let plan = &compiled.promotes["orders"];
        let to = plan.steps[1];
        for s in plan.steps_for(to) {
            let shown = s.summary();
            assert!(
                !shown.contains("{weight}") && !shown.contains("{legacy_weight}"),
                "{shown}"
            );
            kinds.insert(shown.split(' ').next().unwrap().to_string());
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["exec", "haproxy", "http"]
    );
}

// ------------------------------------------------------------------ the cockpit in a terminal

/// The key P in a real terminal: refused with the holder's pid while a rollback of the domain
/// runs in another process; once it has ended, the dialog says from where to where, the typed
/// name runs the filled steps on the runtime API, and the promotion is verified and audited as
/// started from the cockpit.
#[test]
#[ignore = "needs tmux"]
fn p_in_the_cockpit_is_refused_while_another_process_acts_then_promotes() {
    use common::tmux::{Pane, SETTLE, STARTUP};
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let started = sb.path().join("rollback-started");
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.0\n  verify_within = \"1s\"\n{}",
        sh_step(&format!("touch {}; sleep 2", started.display()), "10s")
    );
    let cfg = sb.config(&config(&metrics, &api.address(), true, &rollback));
    let pane = Pane::start(&sb, &["--config", cfg.to_str().unwrap()], &[]);
    pane.wait_for("the overview with figures", STARTUP, |s| {
        s.contains(" LIVE ") && s.contains(" orders ") && s.contains("10%")
    });

    let running = Running::start(&sb, &cfg, "orders", "rollback");
    wait_for_file(&started, Duration::from_secs(10));
    pane.keys(&["P"]);
    let pid = running.pid();
    pane.wait_for("the refusal with the pid", SETTLE, |s| {
        s.contains("Promote refused") && s.contains(&format!("in flight in pid {pid}"))
    });
    assert!(api.received().is_empty());
    pane.keys(&["Escape"]);
    let (exit, _, _) = running.wait(Duration::from_secs(20));
    assert!(exit.is_some());

    pane.keys(&["P"]);
    pane.wait_for("the dialog", SETTLE, |s| {
        s.contains("Promote orders from 10% (the weight the gateway exports) to 25%")
            && s.contains("Type orders to confirm")
    });
    pane.text("orders");
    pane.keys(&["Enter"]);
    let start = Instant::now();
    while !events(&sb).contains(&"verified".to_string()) {
        assert!(start.elapsed() < SETTLE, "{:?}", audit(&sb));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        &api.received()[2..],
        [
            "set weight be_orders/orders_svc 25",
            "set weight be_orders/monolith 75"
        ]
    );
    let promotes: Vec<_> = audit(&sb)
        .into_iter()
        .filter(|e| e["action"] == "promote")
        .collect();
    assert_eq!(
        promotes
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["refused", "requested", "succeeded", "verified"]
    );
    assert!(promotes.iter().all(|e| e["via"] == "tui"));
    pane.keys(&["Escape"]);
    // Escape and q read together are Alt-q: let the Escape be read on its own.
    std::thread::sleep(Duration::from_millis(300));
    pane.keys(&["q"]);
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "{s}");
}

/// `cutover promote orders` whose plan is printed, then `change` (the world moving while the
/// operator reads), then the name typed: exit code, stdout, stderr.
fn promote_typed_after(
    sb: &Sandbox,
    cfg: &Path,
    change: impl FnOnce(),
) -> (Option<i32>, String, String) {
    let stdout = sb.path().join("promote.out");
    let mut c = sb.cutover();
    c.arg("--config")
        .arg(cfg)
        .args(["promote", "orders"])
        .env("USER", "tester")
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&stdout)
        .unwrap_or_default()
        .contains("Type the domain name (orders)")
    {
        assert!(start.elapsed() < Duration::from_secs(15), "no prompt");
        std::thread::sleep(Duration::from_millis(20));
    }
    change();
    // Two polls of the changed gateway before the name arrives, as a reading operator's would.
    std::thread::sleep(Duration::from_millis(600));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"orders\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        std::fs::read_to_string(&stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// After the typed name the domain is read again: a verdict that turned to fail while the
/// operator read the plan refuses (2, audited), with nothing sent.
#[test]
fn a_verdict_that_fails_while_the_plan_is_read_refuses_at_the_typed_name() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let (code, stdout, stderr) = promote_typed_after(&sb, &cfg, || {
        gw.0.lock().unwrap().new_error_ratio = 0.5;
    });
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("promote of orders refused: the verdict on orders is fail ("),
        "{stderr}"
    );
    assert!(only_reads(&api), "{:?}", api.received());
    let last = audit(&sb).pop().unwrap();
    assert_eq!(last["event"], "refused");
    assert!(
        last["result"]
            .as_str()
            .unwrap()
            .starts_with("the verdict on orders is fail"),
        "{last}"
    );
}

/// A share that moved away from where the printed plan started (someone set the weights
/// meanwhile) refuses at the typed name: the plan read is no longer the plan that would run.
#[test]
fn a_share_that_moves_while_the_plan_is_read_refuses_at_the_typed_name() {
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let (code, stdout, stderr) = promote_typed_after(&sb, &cfg, || {
        let mut s = gw.0.lock().unwrap();
        s.new_weight = 20;
        s.legacy_weight = 80;
    });
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "promote of orders refused: the new-path share of orders moved from 10% to 20% since the plan was shown"
        ),
        "{stderr}"
    );
    assert!(only_reads(&api), "{:?}", api.received());
    assert_eq!(audit(&sb).pop().unwrap()["event"], "refused");
}

/// Asks the desk for P until its offer satisfies `ready` (the figures it weighs have caught up
/// with a change to the gateway); the offer.
async fn offer_when(
    cockpit: &mut Cockpit,
    ready: impl Fn(&cutover::feed::Offer) -> bool,
) -> cutover::feed::Offer {
    use cutover::ui::{ActionRequest, FeedEvent};
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        assert!(Instant::now() < deadline, "the figures never caught up");
        let ev = cockpit
            .ask(ActionRequest::Open {
                kind: Kind::Promote,
                domain: "orders".into(),
            })
            .await;
        if let FeedEvent::Offer(o) = ev {
            if ready(&o) {
                return o;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn confirm_offer(cockpit: &mut Cockpit, o: &cutover::feed::Offer) -> cutover::ui::FeedEvent {
    cockpit
        .ask(cutover::ui::ActionRequest::Confirm {
            action: o.action.clone(),
            typed: "orders".into(),
            drawn_whole: true,
            shown: o.shown(),
        })
        .await
}

/// The cockpit's P at Enter: another action on the domain since the dialog opened (a rollback
/// from another shell) refuses, with nothing sent, even with the right name typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_refuses_a_promotion_when_another_action_ran_since_its_dialog_opened() {
    use cutover::ui::FeedEvent;
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}",
        haproxy_step(&api.address(), "get weight be_orders/orders_svc", "2s")
    );
    let cfg = sb.config(&config(&metrics, &api.address(), true, &rollback));
    let mut cockpit = Cockpit::start(&cfg, &sb.state_dir()).await;
    let o = offer_when(&mut cockpit, |_| true).await;
    // A rollback from another shell while the dialog is open (its step only reads).
    let out = tokio::task::block_in_place(|| sb.run(&cfg, ["rollback", "orders", "--yes"]));
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}",
        common::both(&out)
    );
    let answer = confirm_offer(&mut cockpit, &o).await;
    let FeedEvent::Refused { reason, .. } = &answer else {
        panic!("{answer:?}")
    };
    assert!(
        reason.starts_with("a rollback of orders was requested at ")
            && reason.contains(
                "since the plan was shown, so the confirmation no longer holds and nothing ran"
            ),
        "{reason}"
    );
    assert!(only_reads(&api), "{:?}", api.received());
    let last = audit(&sb).pop().unwrap();
    assert_eq!(
        (&last["event"], &last["via"]),
        (&"refused".into(), &"tui".into())
    );
}

/// The cockpit's P at Enter: a share that moved since the dialog opened (so its target may no
/// longer be above it), or a kind of warning that appeared meanwhile, is not acted on: the
/// dialog opens again as it reads now, saying why, and the name must be typed anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cockpit_reopens_its_dialog_when_the_share_moved_or_a_warning_appeared() {
    use cutover::ui::FeedEvent;
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&metrics, &api.address(), true, ""));
    let mut cockpit = Cockpit::start(&cfg, &sb.state_dir()).await;

    // Opened at 10% → 25% with a passing verdict; then someone sets 25% elsewhere.
    let first = offer_when(&mut cockpit, |o| o.cautions.is_empty()).await;
    assert_eq!(first.action.from_to(), (Some(10.0), Some(25)));
    {
        let mut s = gw.0.lock().unwrap();
        s.new_weight = 25;
        s.legacy_weight = 75;
    }
    offer_when(&mut cockpit, |o| o.action.from_to().0 == Some(25.0)).await;
    let answer = confirm_offer(&mut cockpit, &first).await;
    let FeedEvent::Offer(again) = &answer else {
        panic!("{answer:?}")
    };
    assert_eq!(again.action.from_to(), (Some(25.0), Some(50)));
    assert!(
        again.warnings[0].starts_with("Your confirmation was refused and this dialog opened again: the new-path share of orders moved from 10% to 25% since the plan was shown"),
        "{:?}",
        again.warnings
    );

    // Opened with a passing verdict; then the traffic stops and the judge can no longer tell.
    let second = offer_when(&mut cockpit, |o| o.cautions.is_empty()).await;
    gw.0.lock().unwrap().per_scrape = 0;
    offer_when(&mut cockpit, |o| {
        o.cautions.iter().any(|c| c == "inconclusive")
    })
    .await;
    let answer = confirm_offer(&mut cockpit, &second).await;
    let FeedEvent::Offer(again) = &answer else {
        panic!("{answer:?}")
    };
    assert!(
        again.warnings[0].starts_with(
            "Your confirmation was refused and this dialog opened again: new since the plan was shown, so nothing ran: The verdict is INCONCLUSIVE"
        ),
        "{:?}",
        again.warnings
    );
    assert!(
        again.warnings[1..]
            .iter()
            .any(|w| w.starts_with("The verdict is INCONCLUSIVE")),
        "{:?}",
        again.warnings
    );
    assert!(only_reads(&api), "{:?}", api.received());
    let refusals: Vec<String> = audit(&sb)
        .iter()
        .map(|e| format!("{} {}", e["event"], e["result"]))
        .collect();
    assert_eq!(refusals.len(), 2, "{refusals:?}");
    assert!(
        refusals.iter().all(|r| r.starts_with("\"refused\"")),
        "{refusals:?}"
    );
}

/// Across processes: while `cutover ramp` runs on the domain, the cockpit's P is refused with
/// the ramp's pid, and its R is offered: the way back stays open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_ramp_runs_the_cockpit_refuses_p_with_its_pid_and_still_offers_r() {
    use cutover::ui::{ActionRequest, FeedEvent};
    let gw = Gateway::new(10, 90, 1000);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}",
        haproxy_step(&api.address(), "set weight be_orders/orders_svc 0", "2s")
    );
    let cfg = sb.config(&config(&metrics, &api.address(), true, &rollback));
    // The default hold (10 m): the ramp holds at 10% for the whole test.
    let ramp = Running::start_with(&sb, &cfg, &["ramp", "orders", "--json", "--yes"], "ramp");
    let start = Instant::now();
    while !std::fs::read_to_string(&ramp.stdout)
        .unwrap_or_default()
        .contains("\"event\":\"hold\"")
    {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the ramp never held"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut cockpit = Cockpit::start(&cfg, &sb.state_dir()).await;
    let answer = cockpit
        .ask(ActionRequest::Open {
            kind: Kind::Promote,
            domain: "orders".into(),
        })
        .await;
    assert!(
        matches!(&answer, FeedEvent::Refused { reason, .. }
            if reason.starts_with(&format!("ramp of orders in flight in pid {} since ", ramp.pid()))),
        "{answer:?}"
    );
    let answer = cockpit
        .ask(ActionRequest::Open {
            kind: Kind::Rollback,
            domain: "orders".into(),
        })
        .await;
    assert!(matches!(answer, FeedEvent::Offer(_)), "{answer:?}");
    ramp.signal(libc::SIGTERM);
    let (code, stdout, _) = tokio::task::block_in_place(|| ramp.wait(Duration::from_secs(10)));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(api.received().iter().all(|c| c.starts_with("get ")));
}
