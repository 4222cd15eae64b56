//! Notifications end to end, with real HTTP servers on 127.0.0.1 as the webhook targets:
//! the POST of an action's end and of a crit carries the documented JSON (cutover's fields,
//! Alertmanager's, a chat `text`) and never a secret; a target that hangs holds neither the
//! command nor the sender's callers (the UI loop, the gate); one that fails is retried with
//! backoff, then reported, and a full queue drops and counts. The bell rings for crit and the
//! end of a verification, live only.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::config::sh_step;
use common::{ConfigBuilder, HttpServer, Reply, Sandbox, Seen};
use cutover::notify::{Notice, NoticeKind, Notifier, NotifyTarget, Report, ATTEMPTS, QUEUE};
use serde_json::Value;

const TOKEN: &str = "hook-tok-7c1e3f9a-do-not-leak";
const URL_SECRET: &str = "urlsecret-5b2d8e";
const KEY_SECRET: &str = "apikey-91f0c4aa";

/// Counters that grow by 20 requests a scrape, 2 of them on the new path, and errors on the
/// new path when `failing` is set (half of its requests: health crit).
fn metrics(failing: Arc<AtomicBool>) -> HttpServer {
    let n = Arc::new(AtomicU64::new(0));
    HttpServer::start(move |_, _| {
        let i = n.fetch_add(1, Ordering::SeqCst) + 1;
        let errors = if failing.load(Ordering::SeqCst) {
            10 * i
        } else {
            0
        };
        Some(Reply::text(format!(
            "# TYPE req_total counter\nreq_total{{side=\"legacy\"}} {}\nreq_total{{side=\"new\"}} {}\n# TYPE err_total counter\nerr_total{{side=\"new\"}} {errors}\n",
            80 * i,
            20 * i
        )))
    })
}

/// `orders` on `metrics`, every 250 ms, with these rollback steps verified within 1 s (never
/// verified: the new path keeps serving), and `notify` appended as written.
fn config(metrics: &HttpServer, steps: &str, notify: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .source("app", &metrics.url("/metrics"))
        .domain("orders", "canary", "app")
        .signal("legacy", "requests", r#"req_total{side="legacy"}"#)
        .signal("new", "requests", r#"req_total{side="new"}"#)
        .signal("new", "errors", r#"err_total{side="new"}"#)
        .rollback("1s", steps)
        .raw(notify)
        .build()
}

/// A `[[notify]]` table for `url`, with the bearer token from `$HOOK_TOKEN` and a timeout.
fn target(url: &str, events: &str, timeout: &str) -> String {
    format!(
        "\n[[notify]]\nurl = \"{url}\"\nbearer_token_env = \"HOOK_TOKEN\"\nevents = {events}\ntimeout = \"{timeout}\"\n"
    )
}

/// A webhook receiver recording what it gets (with the time), answering with `answer`.
struct Hook {
    server: HttpServer,
    times: Arc<Mutex<Vec<Instant>>>,
}

impl Hook {
    fn start(answer: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static) -> Hook {
        let times: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let t = times.clone();
        let server = HttpServer::start(move |req, _| {
            t.lock().unwrap().push(Instant::now());
            answer(req)
        });
        Hook { server, times }
    }

    fn posts(&self) -> Vec<Seen> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect()
    }

    fn bodies(&self) -> Vec<Value> {
        self.posts()
            .iter()
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect()
    }
}

fn header<'a>(req: &'a Seen, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn rollback(sb: &Sandbox, cfg: &std::path::Path) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let out = sb
        .cutover()
        .arg("--config")
        .arg(cfg)
        .args(["rollback", "orders", "--yes"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .unwrap();
    (out, started.elapsed())
}

fn texts(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_rollback_end_is_posted_with_the_documented_json() {
    let m = metrics(Arc::default());
    let hook = Hook::start(|_| Some(Reply::status(200, "ok")));
    let sb = Sandbox::new();
    let url = hook
        .server
        .url(&format!("/hook?token={URL_SECRET}&team=ops"));
    let cfg = sb.config(&config(
        &m,
        &sh_step("true", "5s"),
        &target(&url, r#"["rollback"]"#, "2s"),
    ));
    let (out, _) = rollback(&sb, &cfg);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");

    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let req = &posts[0];
    assert!(req.path.starts_with("/hook?token="), "{}", req.path);
    assert_eq!(
        header(req, "authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(header(req, "content-type"), Some("application/json"));
    let b: Value = serde_json::from_str(&req.body).unwrap();
    // cutover's own fields.
    assert_eq!(b["domain"], "orders");
    assert_eq!(b["kind"], "rollback");
    assert_eq!(b["from"], Value::Null);
    assert_eq!(b["to"], "monolith");
    assert!(!b["host"].as_str().unwrap().is_empty());
    chrono::DateTime::parse_from_rfc3339(b["at"].as_str().unwrap()).unwrap();
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains("orders: rollback not_verified: NOT verified"),
        "{text}"
    );
    // Alertmanager's webhook payload: one firing alert (the rollback was not verified).
    assert_eq!(b["version"], "4");
    assert_eq!(b["status"], "firing");
    assert_eq!(b["alerts"][0]["status"], "firing");
    assert_eq!(b["alerts"][0]["labels"]["alertname"], "CutoverRollback");
    assert_eq!(b["alerts"][0]["labels"]["domain"], "orders");
    assert_eq!(b["alerts"][0]["annotations"]["summary"], text);
    assert_eq!(b["commonLabels"]["severity"], "warning");
    // No secret in the body, nor in anything said.
    for secret in [TOKEN, URL_SECRET] {
        assert!(!req.body.contains(secret), "{secret} in {}", req.body);
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    assert!(!stderr.contains("notifications:"), "{stderr}");
}

#[test]
fn secrets_never_reach_the_body_even_when_an_action_quotes_them() {
    let m = metrics(Arc::default());
    let hook = Hook::start(|_| Some(Reply::status(204, "")));
    let sb = Sandbox::new();
    let token_file = sb.path().join("hook.token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let url = hook
        .server
        .url(&format!("/alerts?access_token={URL_SECRET}"));
    // The step fails quoting every secret the target has: the failure's words go into the
    // notice, and must come out of the body.
    let step = sh_step(
        &format!("echo {TOKEN} {URL_SECRET} {KEY_SECRET}; exit 1"),
        "5s",
    );
    let notify = format!(
        "\n[[notify]]\nurl = \"{url}\"\nbearer_token_file = \"{}\"\nheaders = {{ \"X-Api-Key\" = \"{KEY_SECRET}\" }}\n",
        token_file.display()
    );
    let cfg = sb.config(&config(&m, &step, &notify));
    let (out, _) = rollback(&sb, &cfg);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let req = &posts[0];
    assert_eq!(
        header(req, "authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(header(req, "x-api-key"), Some(KEY_SECRET));
    let b: Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(b["kind"], "rollback");
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains("rollback failed: FAILED at step 1 of 1"),
        "{text}"
    );
    // `<redacted>` in Slack's escapes: what a chat shows as `<redacted>`.
    assert!(text.contains("&lt;redacted&gt;"), "{text}");
    for secret in [TOKEN, URL_SECRET, KEY_SECRET] {
        assert!(!req.body.contains(secret), "{secret} in {}", req.body);
    }
}

#[test]
fn a_hung_target_adds_at_most_the_short_flush_to_a_command() {
    let m = metrics(Arc::default());
    let sb = Sandbox::new();
    let steps = sh_step("true", "5s");
    let (baseline, plain) = rollback(&sb, &sb.config(&config(&m, &steps, "")));
    assert_eq!(baseline.status.code(), Some(3), "{:?}", texts(&baseline));

    let hook = Hook::start(|_| None);
    let sb = Sandbox::new();
    let notify = target(&hook.server.url("/hook"), r#"["rollback"]"#, "30s");
    let (out, hung) = rollback(&sb, &sb.config(&config(&m, &steps, &notify)));
    let (stdout, stderr) = texts(&out);
    eprintln!("rollback exit: {plain:?} without a target, {hung:?} with a hung one");
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert_eq!(hook.posts().len(), 1);
    assert!(
        hung < plain + cutover::cli::notify_feed::FLUSH + Duration::from_secs(1),
        "{hung:?} against {plain:?}"
    );
    assert!(
        stderr.contains(
            "notifications: 0 sent, 0 failed, 0 dropped (queue full), 1 not sent before exit"
        ),
        "{stderr}"
    );
}

#[test]
fn a_failing_target_is_retried_with_backoff_then_reported() {
    let m = metrics(Arc::default());
    // The receiver echoes the credential it got in its error page.
    let hook = Hook::start(|req| {
        let auth = header(req, "authorization").unwrap_or_default().to_string();
        Some(Reply::status(503, format!("overloaded; you sent {auth}")))
    });
    let sb = Sandbox::new();
    let notify = target(&hook.server.url("/hook"), r#"["rollback"]"#, "2s");
    let cfg = sb.config(&config(&m, &sh_step("true", "5s"), &notify));
    let (out, _) = rollback(&sb, &cfg);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert_eq!(hook.posts().len(), ATTEMPTS as usize);
    let times = hook.times.lock().unwrap().clone();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= Duration::from_millis(240), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(490), "{gaps:?}");
    assert!(
        stderr.contains("rollback of orders NOT delivered after 3 attempt(s): HTTP 503"),
        "{stderr}"
    );
    assert!(stderr.contains("<redacted>"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    assert!(
        stderr.contains("notifications: 0 sent, 1 failed, 0 dropped (queue full)"),
        "{stderr}"
    );
}

fn notice(i: usize) -> Notice {
    Notice {
        kind: NoticeKind::Crit,
        domain: format!("d{i}"),
        from: Some("ok".into()),
        to: Some("crit".into()),
        text: format!("d{i}: health ok -> crit"),
        at_ms: 1_700_000_000_000,
        firing: true,
    }
}

fn lib_target(url: String, timeout: Duration) -> NotifyTarget {
    NotifyTarget {
        url,
        headers: Vec::new(),
        bearer: None,
        events: vec![NoticeKind::Crit],
        timeout,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_never_waits_and_a_full_queue_drops_and_counts() {
    let hook = Hook::start(|_| None);
    let reports: Arc<Mutex<Vec<Report>>> = Arc::default();
    let r = reports.clone();
    let n = Notifier::start(
        vec![lib_target(
            hook.server.url("/hook"),
            Duration::from_secs(30),
        )],
        "test-host".into(),
        move |report| r.lock().unwrap().push(report),
    );
    let sends = 200;
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for i in 0..sends {
        let t = Instant::now();
        n.send(notice(i));
        slowest = slowest.max(t.elapsed());
    }
    let all = started.elapsed();
    eprintln!("{sends} sends to a hung target: {all:?} in all, the slowest {slowest:?}");
    assert!(slowest < Duration::from_millis(20), "{slowest:?}");
    let tally = n.tally();
    // The queue holds QUEUE; the task may already hold one more.
    assert!(
        (sends - QUEUE - 1..=sends - QUEUE).contains(&(tally.dropped as usize)),
        "{tally:?}"
    );
    // Said at the 1st, 2nd, 4th, ... 128th drop: counted all along, shown without flooding.
    let reports = reports.lock().unwrap().clone();
    let said: Vec<u64> = reports
        .iter()
        .map(|r| match r {
            Report::Dropped { dropped, .. } => *dropped,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(said, [1, 2, 4, 8, 16, 32, 64, 128], "{tally:?}");
    assert!(
        reports[7].words().ends_with("dropped (128 dropped so far)"),
        "{:?}",
        reports[7]
    );
    // A flush is bounded however much is stuck.
    let t = Instant::now();
    let at_exit = n.flush(Duration::from_millis(300)).await;
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(
        at_exit.unsent + at_exit.dropped,
        sends as u64,
        "{at_exit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_refused_as_wrong_is_not_retried() {
    let hook = Hook::start(|_| Some(Reply::status(400, "invalid_payload")));
    let reports: Arc<Mutex<Vec<Report>>> = Arc::default();
    let r = reports.clone();
    let n = Notifier::start(
        vec![lib_target(hook.server.url("/hook"), Duration::from_secs(2))],
        "test-host".into(),
        move |report| r.lock().unwrap().push(report),
    );
    n.send(notice(1));
    let tally = n.flush(Duration::from_secs(5)).await;
    assert_eq!(
        (tally.sent, tally.failed, tally.unsent),
        (0, 1, 0),
        "{tally:?}"
    );
    assert_eq!(hook.posts().len(), 1);
    let words = reports.lock().unwrap()[0].words();
    assert!(
        words.contains(
            "crit of d1 NOT delivered after 1 attempt(s): HTTP 400 Bad Request: invalid_payload"
        ),
        "{words}"
    );
    // Nor is one whose token cannot be read: nothing is sent without it.
    let mut t = lib_target(hook.server.url("/hook"), Duration::from_secs(2));
    t.bearer = Some(cutover::source::SecretFrom::Env(
        "CUTOVER_TEST_UNSET_HOOK_TOKEN".into(),
    ));
    let r = reports.clone();
    let unset = Notifier::start(vec![t], "test-host".into(), move |report| {
        r.lock().unwrap().push(report)
    });
    unset.send(notice(2));
    assert_eq!(unset.flush(Duration::from_secs(5)).await.failed, 1);
    assert_eq!(hook.posts().len(), 1, "nothing sent without its token");
    let words = reports.lock().unwrap()[1].words();
    assert!(
        words.ends_with("crit of d2 NOT delivered after 1 attempt(s): environment variable CUTOVER_TEST_UNSET_HOOK_TOKEN is not set"),
        "{words}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_gets_only_the_kinds_it_names() {
    let hook = Hook::start(|_| Some(Reply::status(200, "ok")));
    let mut t = lib_target(hook.server.url("/hook"), Duration::from_secs(2));
    t.events = vec![NoticeKind::Promote];
    let n = Notifier::start(vec![t], "test-host".into(), |_| {});
    n.send(notice(1));
    let mut promote = notice(2);
    promote.kind = NoticeKind::Promote;
    n.send(promote);
    let tally = n.flush(Duration::from_secs(5)).await;
    assert_eq!(tally.sent, 1, "{tally:?}");
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["kind"], "promote");
    assert_eq!(bodies[0]["host"], "test-host");
}

#[test]
fn record_posts_a_crit_and_its_recording_names_no_target() {
    let failing = Arc::new(AtomicBool::new(true));
    let m = metrics(failing);
    let hook = Hook::start(|_| Some(Reply::status(200, "ok")));
    let sb = Sandbox::new();
    let url = hook
        .server
        .url("/services/T0123ABCD/B0123ABCD/abcDEF123456ghiJKL789012");
    let cfg = sb.config(&config(
        &m,
        &sh_step("true", "5s"),
        &target(&url, r#"["crit", "rollback"]"#, "2s"),
    ));
    let rec = sb.path().join("session.rec.gz");
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["record", "--duration", "3s", "--out"])
        .arg(&rec)
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let b = &bodies[0];
    assert_eq!(b["kind"], "crit");
    assert_eq!(b["domain"], "orders");
    assert_eq!(b["from"], Value::Null);
    assert_eq!(b["to"], "crit");
    assert_eq!(b["alerts"][0]["labels"]["severity"], "critical");
    let text = b["text"].as_str().unwrap();
    assert!(text.contains("orders: health start -&gt; crit"), "{text}");

    // The recording (what a replay reads) carries no target: a replay cannot notify.
    let recording = cutover::record::read_recording(&rec).unwrap();
    let config = &recording.header.config;
    assert!(!config.contains("notify"), "{config}");
    assert!(!config.contains("abcDEF123456ghiJKL789012"), "{config}");
}

/// The live cockpit's desk with a notifier whose target hangs: the rollback runs to its
/// verdict at its own pace, the gate answers the next request at once, and the cockpit hears
/// of the end (its bell).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_target_holds_neither_the_desk_nor_the_gate() {
    use cutover::action::{AuditLog, Gate, Kind};
    use cutover::cli::actions::ActionDesk;
    use cutover::ui::{ActionRequest, FeedEvent};

    let m = metrics(Arc::default());
    let hook = Hook::start(|_| None);
    let sb = Sandbox::new();
    let cfg_path = sb.config(&config(&m, &sh_step("true", "5s"), ""));
    let cfg = cutover::config::load(&cfg_path).unwrap();
    let compiled = cutover::compile::compile(&cfg).unwrap();
    let notifier = Notifier::start(
        vec![NotifyTarget {
            events: NoticeKind::ALL.to_vec(),
            ..lib_target(hook.server.url("/hook"), Duration::from_secs(30))
        }],
        "test-host".into(),
        |_| {},
    );
    // Fill the target's queue first: whatever the desk sends now is dropped, never waited on.
    for i in 0..QUEUE + 2 {
        notifier.send(notice(i));
    }
    let (latest_tx, latest_rx) = tokio::sync::watch::channel(None);
    let feeding = {
        let compiled = cutover::compile::compile(&cfg).unwrap();
        tokio::spawn(async move {
            loop {
                let (engine, _) = cutover::cli::status::two_polls(&compiled).await;
                latest_tx.send_replace(Some(Arc::new(
                    engine.status_unheld(cutover::engine::Mode::Live),
                )));
            }
        })
    };
    let desk = ActionDesk {
        gate: Gate::new(None, AuditLog::in_state_dir(&sb.state_dir())),
        plan: compiled.plan.clone(),
        steps: compiled.steps.clone(),
        promotes: compiled.promotes.clone(),
        latest: latest_rx,
        notifier: notifier.clone(),
    };
    let (req_tx, req_rx) = tokio::sync::mpsc::channel(4);
    let (ui_tx, mut ui_rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(desk.serve(req_rx, ui_tx));
    let open = ActionRequest::Open {
        kind: Kind::Rollback,
        domain: "orders".into(),
    };
    req_tx.send(open.clone()).await.unwrap();
    let Some(FeedEvent::Offer(offer)) = ui_rx.recv().await else {
        panic!("no offer")
    };
    let started = Instant::now();
    req_tx
        .send(ActionRequest::Confirm {
            action: offer.action.clone(),
            typed: "orders".into(),
            drawn_whole: true,
            shown: offer.shown(),
        })
        .await
        .unwrap();
    let mut ended = None;
    while ended.is_none() {
        match tokio::time::timeout(Duration::from_secs(10), ui_rx.recv()).await {
            Ok(Some(FeedEvent::ActionEnded { kind, domain })) => ended = Some((kind, domain)),
            Ok(Some(_)) => {}
            other => panic!("no end of the rollback: {other:?}"),
        }
    }
    let took = started.elapsed();
    eprintln!("rollback to its verdict with a hung target: {took:?} (verify_within 1 s)");
    assert_eq!(ended, Some((Kind::Rollback, "orders".to_string())));
    assert!(took < Duration::from_secs(4), "{took:?}");
    // The gate answers at once.
    let asked = Instant::now();
    req_tx.send(open).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(2), ui_rx.recv())
        .await
        .unwrap();
    assert!(
        matches!(answer, Some(FeedEvent::Offer(_))),
        "{answer:?} after {:?}",
        asked.elapsed()
    );
    let tally = notifier.tally();
    assert!(tally.dropped >= 2, "{tally:?}");
    feeding.abort();
}

fn app(mode: cutover::mode::Mode, bell: bool) -> cutover::ui::App {
    use cutover::ui::theme::ThemeSet;
    use cutover::ui::{ColorChoice, ColorDepth, TermCaps, UiOptions};
    let opts = UiOptions {
        mode,
        color: ColorChoice::Never,
        ascii: Some(false),
        history: Duration::from_secs(600),
        bell,
        ..Default::default()
    };
    let caps = TermCaps {
        depth: ColorDepth::None,
        ascii: false,
        utc_offset_secs: 0,
    };
    cutover::ui::App::new(&opts, ThemeSet::builtin(), caps).unwrap()
}

/// The figures of `orders` from two real polls, healthy or crit.
async fn figures(failing: bool) -> cutover::figures::Status {
    let m = metrics(Arc::new(AtomicBool::new(failing)));
    let text = config(&m, &sh_step("true", "5s"), "");
    let cfg = cutover::config::parse_str(&text, std::path::Path::new("t.toml")).unwrap();
    let compiled = cutover::compile::compile(&cfg).unwrap();
    let (engine, _) = cutover::cli::status::two_polls(&compiled).await;
    engine.status_unheld(cutover::engine::Mode::Live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_rings_on_crit_and_at_the_end_of_a_verification_live_only() {
    use cutover::figures::Health;
    use cutover::mode::Mode;
    use cutover::ui::FeedEvent;

    let ok = figures(false).await;
    let mut crit = figures(true).await;
    assert_eq!(common::figures::domain(&ok, "orders").health, Health::Ok);
    assert_eq!(
        common::figures::domain(&crit, "orders").health,
        Health::Crit
    );
    crit.at_ms = ok.at_ms + 1000;
    let ended = FeedEvent::ActionEnded {
        kind: cutover::action::Kind::Rollback,
        domain: "orders".into(),
    };

    let mut live = app(Mode::Live, true);
    live.apply(FeedEvent::Status(Box::new(ok.clone())));
    assert!(!live.take_bell(), "healthy figures ring nothing");
    assert!(live.apply(FeedEvent::Status(Box::new(crit.clone()))));
    assert!(live.take_bell(), "a change to crit rings");
    assert!(!live.take_bell(), "a ring is taken once");
    let mut still = crit.clone();
    still.at_ms += 1000;
    live.apply(FeedEvent::Status(Box::new(still)));
    assert!(!live.take_bell(), "staying crit rings no more");
    assert!(live.apply(ended.clone()));
    assert!(live.take_bell(), "the end of a verification rings");

    // The notices behind it: crit and the fail verdict fire once each, and clear once each.
    let mut w = cutover::notify::Watch::new();
    assert!(w.observe(&ok).is_empty(), "first seen ok is no news");
    let fired = w.observe(&crit);
    let kinds: Vec<NoticeKind> = fired.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [NoticeKind::Crit, NoticeKind::Fail], "{fired:?}");
    assert!(fired.iter().all(|n| n.firing && n.rings()), "{fired:?}");
    let changes: Vec<(Option<&str>, Option<&str>)> = fired
        .iter()
        .map(|n| (n.from.as_deref(), n.to.as_deref()))
        .collect();
    assert_eq!(
        changes,
        [(Some("ok"), Some("crit")), (Some("pass"), Some("fail"))]
    );
    assert!(w.observe(&crit).is_empty());
    let mut later = ok.clone();
    later.at_ms = crit.at_ms + 1000;
    let cleared = w.observe(&later);
    let kinds: Vec<NoticeKind> = cleared.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [NoticeKind::Crit, NoticeKind::Fail], "{cleared:?}");
    assert!(
        cleared.iter().all(|n| !n.firing && !n.rings()),
        "{cleared:?}"
    );
    assert!(
        cleared[0].text.starts_with("orders: health crit -> ok"),
        "{}",
        cleared[0].text
    );

    for (mode, bell) in [
        (Mode::Live, false),
        (Mode::Replay, true),
        (Mode::Demo, true),
    ] {
        let mut quiet = app(mode, bell);
        quiet.apply(FeedEvent::Status(Box::new(ok.clone())));
        quiet.apply(FeedEvent::Status(Box::new(crit.clone())));
        quiet.apply(ended.clone());
        assert!(!quiet.take_bell(), "{mode:?} with bell = {bell}");
    }
}

#[test]
fn check_shows_each_target_with_its_keys_redacted() {
    let m = metrics(Arc::default());
    let sb = Sandbox::new();
    let key = "abcDEF123456ghiJKL789012";
    let notify = format!(
        "\n[ui]\nbell = true\n\n[[notify]]\nurl = \"https://hooks.slack.com/services/T0123ABCD/B0123ABCD/{key}\"\nevents = [\"crit\", \"rollback\"]\n\n[[notify]]\nurl = \"http://ops:{URL_SECRET}@127.0.0.1:9/hook?token={URL_SECRET}\"\nbearer_token_env = \"HOOK_TOKEN\"\n"
    );
    let cfg = sb.config(&config(&m, &sh_step("true", "5s"), &notify));
    let out = sb.run(&cfg, ["check"]);
    let (stdout, stderr) = texts(&out);
    assert!(
        stdout.contains(
            "notifications\n  bell: on crit, a fail verdict and the end of a verification (live cockpit)\n  https://hooks.slack.com/services/T0123ABCD/B0123ABCD/<redacted> for crit, rollback\n  http://ops:<redacted>@127.0.0.1:9/hook?token=<redacted> for crit, fail, rollback, promote, ramp (bearer token from $HOOK_TOKEN)\n"
        ),
        "{stdout}{stderr}"
    );
    assert!(
        !stdout.contains(key) && !stdout.contains(URL_SECRET),
        "{stdout}"
    );
}

/// `orders` on a simulated HAProxy gateway whose split follows the weights its runtime API
/// is given: promoted through `[10, 25]` (auto rollback on fail), rolled back to 0, notifying
/// `hook` of `events`.
fn gateway_config(gateway: &HttpServer, api: &str, hook: &Hook, events: &str) -> String {
    use common::config::{haproxy, haproxy_step, haproxy_weight, promote_haproxy_step};
    let promote = format!(
        "  [domain.promote]\n  steps = [10, 25]\n  hold = \"1s\"\n  verify_within = \"3s\"\n  auto_rollback = true\n{}",
        promote_haproxy_step(api, "set weight be_orders/orders_svc {weight}", "2s"),
    );
    let rollback = format!(
        "  [domain.rollback]\n  verify_share = 0.02\n  verify_within = \"3s\"\n{}",
        haproxy_step(api, "set weight be_orders/orders_svc 0", "2s"),
    );
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .gateway(&gateway.url("/metrics"))
        .domain("orders", "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .domain_text(&promote)
        .domain_text(&rollback)
        .raw(&target(&hook.server.url("/hook"), events, "2s"))
        .build()
}

#[test]
fn a_promotion_posts_its_end_from_and_to() {
    use common::gateway::Gateway;
    let gw = Gateway::new(10, 90, 1000);
    let (api, gateway) = (gw.runtime_api(), gw.metrics());
    let hook = Hook::start(|_| Some(Reply::status(200, "ok")));
    let sb = Sandbox::new();
    let cfg = sb.config(&gateway_config(
        &gateway,
        &api.address(),
        &hook,
        r#"["promote"]"#,
    ));
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["promote", "orders", "--yes"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let b = &bodies[0];
    assert_eq!(b["kind"], "promote");
    assert_eq!(b["from"], "10%");
    assert_eq!(b["to"], "25%");
    assert_eq!(b["status"], "resolved");
    assert_eq!(b["alerts"][0]["labels"]["alertname"], "CutoverPromote");
    assert_eq!(b["alerts"][0]["labels"]["severity"], "info");
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains("orders: promote verified: verified in"),
        "{text}"
    );
}

#[test]
fn a_ramp_tells_its_start_its_fail_and_its_rollback() {
    use common::gateway::Gateway;

    // Half the new path's requests fail: the verdict fails, the ramp stops and rolls back.
    let gw = Gateway::new(10, 90, 1000).with(|s| s.new_error_ratio = 0.5);
    let (api, gateway) = (gw.runtime_api(), gw.metrics());
    let hook = Hook::start(|_| Some(Reply::status(200, "ok")));
    let text = gateway_config(
        &gateway,
        &api.address(),
        &hook,
        r#"["fail", "rollback", "ramp"]"#,
    );
    let sb = Sandbox::new();
    let cfg = sb.config(&text);
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["ramp", "orders", "--json", "--yes"])
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    let bodies = hook.bodies();
    let seen: Vec<(String, String)> = bodies
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().unwrap().to_string(),
                b["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |kind: &str, status: &str| {
        seen.iter()
            .position(|(k, s)| k == kind && s == status)
            .unwrap_or_else(|| panic!("no {kind} {status} in {seen:?}"))
    };
    // The ramp's start (nothing wrong yet), the verdict's fail, the ramp stopping on it, and
    // the rollback's verified end, in that order where they depend on each other.
    let start = at("ramp", "resolved");
    let stopped = at("ramp", "firing");
    let fail = at("fail", "firing");
    let rolled = at("rollback", "resolved");
    assert!(
        start < stopped && stopped < rolled && fail < rolled,
        "{seen:?}"
    );
    assert!(bodies[start]["text"]
        .as_str()
        .unwrap()
        .contains("orders: ramp start: from 10%"));
    assert_eq!(bodies[rolled]["to"], "monolith");
    assert!(
        bodies[rolled]["text"]
            .as_str()
            .unwrap()
            .contains("ramp verified: rollback: verified"),
        "{}",
        bodies[rolled]
    );
    assert!(!seen.iter().any(|(k, _)| k == "crit"), "{seen:?}");
}

/// The live cockpit in a real terminal: a domain turning crit rings the bell, one BEL written
/// right after a frame's end (never inside one), and a target that refuses the notice shows
/// as an event in the events view.
#[test]
#[ignore = "needs tmux"]
fn the_live_cockpit_rings_after_a_frame_and_shows_a_refused_notice_as_an_event() {
    use common::tmux::{quote, Pane, SETTLE, STARTUP};

    let failing = Arc::new(AtomicBool::new(false));
    let m = metrics(failing.clone());
    let hook = Hook::start(|_| Some(Reply::status(400, "no such channel")));
    let sb = Sandbox::new();
    let notify = format!(
        "\n[ui]\nbell = true\n{}",
        target(&hook.server.url("/hook"), r#"["crit"]"#, "2s")
    );
    let cfg = sb.config(&config(&m, &sh_step("true", "5s"), &notify));
    let pane = Pane::start(
        &sb,
        &["--config", cfg.to_str().unwrap()],
        &[("HOOK_TOKEN", TOKEN)],
    );
    pane.wait_for("the live overview", STARTUP, |s| s.contains("[OK]"));
    // Every byte the cockpit writes from here on.
    let raw = sb.path().join("pane.raw");
    pane.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        "main",
        &format!("cat >> {}", quote(&raw.to_string_lossy())),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    failing.store(true, Ordering::SeqCst);
    pane.wait_for("orders crit", SETTLE, |s| s.contains("[CRIT]"));
    let start = Instant::now();
    let bytes = loop {
        let bytes = std::fs::read(&raw).unwrap_or_default();
        if bytes.contains(&7) || start.elapsed() > SETTLE {
            break bytes;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let bells: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 7)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bells.len(), 1, "one change to crit, one ring");
    let frame_end = b"\x1b[?2026l";
    assert!(
        bytes[..bells[0]].ends_with(frame_end),
        "the bell follows a frame's end: {:?}",
        String::from_utf8_lossy(&bytes[bells[0].saturating_sub(40)..=bells[0]])
    );

    pane.keys(&["4"]);
    let s = pane.wait_for("the refused notice in the events view", SETTLE, |s| {
        s.contains("NOT delivered after 1 attempt(s): HTTP 400")
    });
    assert!(!s.contains(TOKEN), "{s}");
    assert_eq!(hook.posts().len(), 1);
    pane.keys(&["q"]);
    let (code, _) = pane.exited();
    assert_eq!(code, 0);
}
