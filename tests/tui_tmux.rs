//! The cockpit end to end in a real terminal: tmux runs the binary against exporters served on
//! 127.0.0.1 (the real captures, their counters growing between scrapes), keys go in with
//! `send-keys`, and the assertions read the pane as a person would see it. Covered: every view
//! reached by its keys, the terminal given back on SIGTERM, SIGHUP, SIGINT, Ctrl-C and a panic
//! inside a view, keys answered while a source hangs, the bytes written to the terminal, a
//! recording that survives SIGKILL, Ctrl-Z / SIGTSTP giving the terminal back until SIGCONT, and
//! the rollback dialog: a name typed while the dialog cannot be shown whole runs nothing.
//!
//! These tests need tmux, so they are `#[ignore]`d; CI installs tmux and runs them with
//! `cargo test --test tui_tmux -- --ignored`. The one test that needs no terminal (stdout is a
//! pipe) always runs. The tmux tests take a lock so that their timings do not disturb each
//! other.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::tmux::{quote, Pane, HEIGHT, SETTLE, STARTUP, WIDTH};
use common::{fixture, json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

// ------------------------------------------------------------------ the exporters

/// A counter series of a capture, growing by `per_scrape(n)` at each scrape.
struct Growth {
    series: &'static str,
    per_scrape: fn(u64) -> u64,
}

/// The capture with the series of `growth` set to their value after `n` scrapes.
fn grown(body: &str, growth: &[Growth], n: usize) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    for line in body.lines() {
        let hit = growth.iter().find(|g| {
            line.strip_prefix(g.series)
                .is_some_and(|rest| rest.starts_with(' '))
        });
        match hit {
            Some(g) => {
                let base: f64 = line[g.series.len()..].trim().parse().unwrap();
                let added: u64 = (1..=n as u64).map(g.per_scrape).sum();
                out.push_str(&format!("{} {}", g.series, base + added as f64));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Traffic that varies from scrape to scrape, as real traffic does.
fn jitter(n: u64, spread: u64) -> u64 {
    (n * 7919 + 13) % spread
}

const GATEWAY: &[Growth] = &[
    Growth {
        series: r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",code="2xx"}"#,
        per_scrape: |n| 80 + jitter(n, 20),
    },
    Growth {
        series: r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",code="5xx"}"#,
        per_scrape: |n| jitter(n, 2),
    },
    Growth {
        series: r#"haproxy_server_http_responses_total{proxy="be_orders",server="orders_svc",code="2xx"}"#,
        per_scrape: |n| 8 + jitter(n, 4),
    },
    Growth {
        series: r#"haproxy_server_http_responses_total{proxy="be_orders",server="orders_svc",code="5xx"}"#,
        per_scrape: |n| 2 + jitter(n, 2),
    },
];

const MONOLITH: &[Growth] = &[Growth {
    series: r#"http_requests_total{handler="/orders/{order_id}",method="GET",status="2xx"}"#,
    per_scrape: |n| 40 + jitter(n, 10),
}];

/// HAProxy, the orders monolith and RabbitMQ from the real captures, moving; `/hang` accepts
/// and never answers.
fn exporters() -> HttpServer {
    let gateway = fixture("real/haproxy-idle.prom");
    let monolith = fixture("real/orders-monolith-canary.prom");
    let rabbitmq = fixture("real/rabbitmq-per-object.prom");
    HttpServer::start(move |req, n| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(grown(&gateway, GATEWAY, n)),
            "/monolith" => Reply::text(grown(&monolith, MONOLITH, n)),
            "/rabbitmq" => {
                let depth = 1234 + jitter(n as u64, 300);
                Reply::text(rabbitmq.replace(
                    "rabbitmq_queue_messages_ready{vhost=\"/\",queue=\"inventory.reserve\"} 1234",
                    &format!(
                        "rabbitmq_queue_messages_ready{{vhost=\"/\",queue=\"inventory.reserve\"}} {depth}"
                    ),
                ))
            }
            "/hang" => return None,
            _ => Reply::status(404, "not found"),
        })
    })
}

/// Three domains: orders (its canary failing: [CRIT]), inventory (a queue under its limits)
/// and the monolith's own view of orders; `extra` adds sources or domains.
fn config(server: &HttpServer, interval: &str, timeout: &str, extra: &str) -> String {
    ConfigBuilder::new()
        .setting("interval", interval)
        .setting("timeout", timeout)
        .setting("window", "30s")
        .gateway(&server.url("/gateway"))
        .source("monolith", &server.url("/monolith"))
        .source("rabbitmq", &server.url("/rabbitmq"))
        .orders_haproxy_full()
        .domain_without_traffic("inventory", "ramp")
        .domain_text(
            r#"  [[domain.queue]]
  name = "inventory.reserve"
  source = "rabbitmq"
  depth = 'rabbitmq_queue_messages_ready{vhost="/",queue="inventory.reserve"}'
  warn = 5000
  crit = 10000
"#,
        )
        .monolith_orders("monolith-orders")
        .raw(extra)
        .build()
}

const DOMAINS: [&str; 3] = ["orders", "inventory", "monolith-orders"];

// ------------------------------------------------------------------ tmux

fn overview_ready(s: &str) -> bool {
    s.contains(" LIVE ")
        && s.contains("DOMAIN")
        && DOMAINS.iter().all(|d| s.contains(&format!(" {d} ")))
        && s.contains("[CRIT]")
        && s.contains("[OK]")
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?}:\n{screen}"))
}

/// The live cockpit on the moving exporters, waited for until the overview is complete.
fn live(sb: &Sandbox, server: &HttpServer, interval: &str, extra: &str) -> Pane {
    let cfg = sb.config(&config(server, interval, "800ms", extra));
    let pane = Pane::start(sb, &["--config", cfg.to_str().unwrap()], &[]);
    pane.wait_for("the live overview", STARTUP, overview_ready);
    pane
}

// ------------------------------------------------------------------ a, b: views and signals

#[test]
#[ignore = "needs tmux"]
fn every_view_by_its_keys_then_sigterm_gives_the_terminal_back() {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let pane = live(&sb, &server, "1s", "");

    let s = pane.settled_screen();
    let header = s.lines().next().unwrap();
    assert!(
        header.contains("cutover") && header.contains(" LIVE "),
        "{header}"
    );
    assert!(!header.contains("READ-ONLY"), "{header}");
    assert!(line_with(&s, " orders ").contains("[CRIT]"), "{s}");
    assert!(line_with(&s, " inventory ").contains("[OK]"), "{s}");
    // Worst first: orders on top.
    let row = |name: &str| s.lines().position(|l| l.contains(&format!(" {name} ")));
    assert!(row("orders") < row("inventory"), "{s}");

    // j moves to the second row; Enter opens its detail.
    pane.keys(&["j"]);
    pane.keys(&["Enter"]);
    let s = pane.wait_for("the detail view", SETTLE, |s| {
        s.contains("Traffic over the window") && s.contains("inventory.reserve")
    });
    let title = s.lines().nth(2).unwrap();
    assert!(
        title.contains("inventory"),
        "j then Enter opens inventory:\n{s}"
    );
    assert!(s.contains("inventory.reserve"), "{s}");

    pane.keys(&["3"]);
    let s = pane.wait_for("the sources view", SETTLE, |s| s.contains("LAST ERROR"));
    for source in ["gateway", "monolith", "rabbitmq"] {
        assert!(
            line_with(&s, &format!(" {source} ")).contains("[UP]"),
            "{s}"
        );
    }

    pane.keys(&["4"]);
    let s = pane.wait_for("the events view", SETTLE, |s| s.contains("WHAT HAPPENED"));
    // " orders:" and not "monolith-orders:", which also has events.
    assert!(line_with(&s, " orders: ").contains("[CRIT]"), "{s}");

    pane.keys(&["?"]);
    let s = pane.wait_for("the help", SETTLE, |s| {
        s.contains("quit and restore the terminal")
    });
    assert!(s.contains("Moving around"));

    // Esc goes back to the overview; / filters it.
    pane.keys(&["Escape"]);
    pane.wait_for("the overview again", SETTLE, overview_ready);
    pane.keys(&["/"]);
    pane.text("inv");
    pane.keys(&["Enter"]);
    let s = pane.wait_for("the filtered overview", SETTLE, |s| {
        s.contains("filter: inv") && !s.contains(" orders ")
    });
    assert!(s.contains(" inventory "), "{s}");
    pane.keys(&["Escape"]);
    pane.wait_for("the filter cleared", SETTLE, overview_ready);

    pane.signal("TERM");
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "SIGTERM ends the cockpit as a quit does:\n{s}");
    pane.assert_restored(&s);
}

/// A signal (or Ctrl-C typed) ends the live cockpit with the terminal given back.
fn ends_cleanly(how: &str) {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let pane = live(&sb, &server, "1s", "");
    match how {
        "ctrl-c" => pane.keys(&["C-c"]),
        signal => pane.signal(signal),
    }
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "{how}: cutover handled it and quit:\n{s}");
    pane.assert_restored(&s);
}

#[test]
#[ignore = "needs tmux"]
fn sighup_gives_the_terminal_back() {
    ends_cleanly("HUP");
}

#[test]
#[ignore = "needs tmux"]
fn sigint_gives_the_terminal_back() {
    ends_cleanly("INT");
}

#[test]
#[ignore = "needs tmux"]
fn ctrl_c_gives_the_terminal_back() {
    ends_cleanly("ctrl-c");
}

// ------------------------------------------------------------------ 3: a panic in a view

/// The panic is asked for with a hook that only a binary built with debug assertions has (the
/// one `cargo test` builds); the test is left out where the binary cannot have it.
#[cfg(debug_assertions)]
#[test]
#[ignore = "needs tmux"]
fn a_panic_inside_a_view_gives_the_terminal_back() {
    let _one = one_at_a_time();
    let sb = Sandbox::new();
    let pane = Pane::start(&sb, &["--demo"], &[("CUTOVER_TEST_PANIC_VIEW", "1")]);
    let (code, s) = pane.exited();
    assert_ne!(code, 0, "a panic is a failure:\n{s}");
    assert!(
        s.contains("panicked") && s.contains("the overview panics on purpose"),
        "the panic message is on the normal screen:\n{s}"
    );
    // The message comes after what was there before, on the same screen.
    assert!(s.find("BEFORE-CUTOVER") < s.find("panicked"), "{s}");
    pane.assert_restored(&s);
}

// ------------------------------------------------------------------ c: a hung source

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "needs tmux"]
fn keys_are_answered_while_a_source_hangs() {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let hung = format!(
        "\n[[source]]\nname = \"hung\"\nurl = \"{}\"\n\n[[domain]]\nname = \"billing\"\nstage = \"shadow\"\n  [[domain.queue]]\n  name = \"billing.charge\"\n  source = \"hung\"\n  depth = 'rabbitmq_queue_messages_ready{{queue=\"billing.charge\"}}'\n",
        server.url("/hang")
    );
    let cfg = sb.config(&config(&server, "1s", "800ms", &hung));
    let pane = Pane::start(&sb, &["--config", cfg.to_str().unwrap()], &[]);
    pane.wait_for("the live overview", STARTUP, overview_ready);
    // The hung source is being polled and never answers.
    pane.keys(&["3"]);
    let s = pane.wait_for("the hung source shown down", SETTLE, |s| {
        s.lines()
            .any(|l| l.contains(" hung ") && l.contains("[DOWN]"))
    });
    assert!(line_with(&s, " hung ").contains("[DOWN]"));
    pane.keys(&["1"]);
    pane.wait_for("the overview", SETTLE, |s| s.contains("DOMAIN"));

    // Alternate between two views; time from the key to the new view on screen.
    let mut latencies = Vec::new();
    for round in 0..10 {
        let (key, marker) = if round % 2 == 0 {
            ("4", "WHAT HAPPENED")
        } else {
            ("1", "DOMAIN")
        };
        let start = Instant::now();
        pane.keys(&[key]);
        loop {
            if pane.screen().contains(marker) {
                break;
            }
            assert!(start.elapsed() < SETTLE, "key {key} never answered");
            sleep(Duration::from_millis(10));
        }
        latencies.push(start.elapsed());
        sleep(Duration::from_millis(150));
    }
    let hang_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/hang")
        .count();
    assert!(
        hang_requests >= 3,
        "the hung source was polled {hang_requests} times"
    );
    let m = median(latencies.clone());
    println!(
        "key to screen while a source hangs: median {:.1} ms, all {:?}",
        m.as_secs_f64() * 1000.0,
        latencies
            .iter()
            .map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
    );
    assert!(m < Duration::from_millis(100), "median key latency {m:?}");
    pane.keys(&["q"]);
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "{s}");
}

// ------------------------------------------------------------------ d: bytes over the wire

/// Bytes per second the program writes to the pane over `span`.
fn bytes_per_second(pane: &Pane, dir: &Path, name: &str, span: Duration) -> (u64, f64) {
    let file = dir.join(format!("{name}.bytes"));
    std::fs::write(&file, b"").unwrap();
    pane.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        "main",
        &format!("cat >> {}", quote(&file.to_string_lossy())),
    ]);
    let start = Instant::now();
    sleep(span);
    pane.tmux(&["pipe-pane", "-t", "main"]);
    let elapsed = start.elapsed();
    sleep(Duration::from_millis(200));
    let bytes = std::fs::metadata(&file).unwrap().len();
    (bytes, bytes as f64 / elapsed.as_secs_f64())
}

#[test]
#[ignore = "needs tmux"]
fn bytes_written_to_the_terminal_stay_in_budget() {
    let _one = one_at_a_time();
    let sb = Sandbox::new();

    // The demo, paused: nothing on screen moves, so nothing is sent.
    let pane = Pane::start(&sb, &["--demo"], &[]);
    pane.wait_for("the demo", STARTUP, |s| {
        s.contains(" DEMO ") && s.contains("DOMAIN")
    });
    pane.keys(&["Space"]);
    pane.wait_for("the demo paused", SETTLE, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("||"))
    });
    sleep(Duration::from_secs(2));
    let (bytes, rate) = bytes_per_second(&pane, sb.path(), "demo-paused", Duration::from_secs(10));
    println!("demo paused at {WIDTH}x{HEIGHT}: {bytes} bytes in 10 s, {rate:.1} bytes/s");
    assert!(rate < 64.0, "paused demo writes {rate:.1} bytes/s");
    drop(pane);

    // Live on the moving exporters, polled every 2 s, every domain's figures on screen.
    let server = exporters();
    let pane = live(&sb, &server, "2s", "");
    // Steady state: the window has filled and the first events are in.
    sleep(Duration::from_secs(5));
    let s = pane.settled_screen();
    assert!(overview_ready(&s), "{s}");
    let (bytes, rate) = bytes_per_second(&pane, sb.path(), "live", Duration::from_secs(10));
    println!("live steady state at {WIDTH}x{HEIGHT}, 2 s interval: {bytes} bytes in 10 s, {rate:.1} bytes/s");
    assert!(bytes > 0, "the live figures moved, so something was drawn");
    assert!(
        rate <= 377.0,
        "live steady state writes {rate:.1} bytes/s (budget 377)"
    );
}

// ------------------------------------------------------------------ e: SIGKILL while recording

#[test]
#[ignore = "needs tmux"]
fn a_recording_survives_sigkill() {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let rec = sb.path().join("session.jsonl.gz");
    let cfg = sb.config(&config(&server, "1s", "800ms", ""));
    let pane = Pane::start(
        &sb,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
        ],
        &[],
    );
    pane.wait_for("the live overview", STARTUP, overview_ready);
    sleep(Duration::from_secs(3));
    pane.signal("KILL");
    let (code, _) = pane.exited();
    assert_eq!(code, 128 + 9, "killed");
    // Nothing can restore the terminal after SIGKILL; the recording is what matters.
    let v = json(&run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&rec),
    ));
    assert_eq!(v["mode"], "replay");
    let names: Vec<&str> = v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for d in DOMAINS {
        assert!(names.contains(&d), "{names:?}");
    }
    for s in v["sources"].as_array().unwrap() {
        assert_eq!(s["up"], true, "{s}");
    }
    let orders = v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "orders")
        .unwrap();
    assert_eq!(orders["health"], "crit", "{orders}");
}

// ------------------------------------------------------------------ f: no terminal

#[test]
fn without_a_terminal_there_is_no_cockpit_but_a_pointer_to_status() {
    let server = exporters();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server, "1s", "800ms", ""));
    let file = sb.path().join("demo.jsonl.gz");
    run_ok(sb.cutover().args(["demo", "export"]).arg(&file));
    let cfg = cfg.to_str().unwrap();
    let file = file.to_str().unwrap();
    for args in [vec!["--demo"], vec!["--config", cfg], vec!["replay", file]] {
        // stdout is a pipe, as in `cutover --demo | cat`.
        let out = sb.cutover().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(
            err.contains("not a terminal") && err.contains("cutover status"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing drawn on the pipe");
    }
}

#[test]
fn growing_counters_grow() {
    let body = "a_total{x=\"1\"} 10\nb 3\n";
    let g = [Growth {
        series: "a_total{x=\"1\"}",
        per_scrape: |n| n,
    }];
    assert_eq!(grown(body, &g, 0), body);
    assert_eq!(grown(body, &g, 3), "a_total{x=\"1\"} 16\nb 3\n");
}

// ------------------------------------------------------------------ job control

/// The process state letter from /proc (`T` when stopped).
fn proc_state(pid: &str) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
        .unwrap_or('?')
}

/// The pane's tty modes as `stty -a` prints them.
fn tty_modes(pane: &Pane) -> String {
    let tty = pane.display("#{pane_tty}");
    let out = std::process::Command::new("stty")
        .args(["-a", "-F", &tty])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn raw(modes: &str) -> bool {
    modes.split_whitespace().any(|w| w == "-icanon")
}

#[test]
#[ignore = "needs tmux"]
fn ctrl_z_and_sigtstp_give_the_terminal_back_and_fg_takes_it_again() {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let pane = live(&sb, &server, "1s", "");
    let pid = pane.pid();
    assert!(raw(&tty_modes(&pane)), "the cockpit runs in raw mode");
    for how in ["ctrl-z", "TSTP"] {
        match how {
            "ctrl-z" => pane.keys(&["C-z"]),
            signal => pane.signal(signal),
        }
        let start = Instant::now();
        while proc_state(&pid) != 'T' {
            assert!(start.elapsed() < SETTLE, "{how}: cutover never stopped");
            sleep(Duration::from_millis(20));
        }
        // Stopped, with the terminal as the shell had it.
        let s = pane.settled_screen();
        assert_eq!(
            pane.display("#{alternate_on}"),
            "0",
            "{how}: alternate screen"
        );
        assert_eq!(pane.display("#{cursor_flag}"), "1", "{how}: cursor hidden");
        assert!(
            s.contains("BEFORE-CUTOVER") && !s.contains("DOMAIN"),
            "{how}:\n{s}"
        );
        let modes = tty_modes(&pane);
        assert!(
            !raw(&modes) && modes.split_whitespace().any(|w| w == "echo"),
            "{how}: the tty is left in raw mode: {modes}"
        );
        // fg: the cockpit takes the terminal again and draws the whole screen.
        pane.signal("CONT");
        pane.wait_for("the overview after SIGCONT", SETTLE, overview_ready);
        assert_eq!(pane.display("#{alternate_on}"), "1", "{how}: resumed");
        assert!(
            raw(&tty_modes(&pane)),
            "{how}: raw mode again after SIGCONT"
        );
        // Keys work again.
        pane.keys(&["3"]);
        pane.wait_for("the sources view", SETTLE, |s| s.contains("LAST ERROR"));
        pane.keys(&["1"]);
        pane.wait_for("the overview", SETTLE, overview_ready);
    }
    pane.keys(&["q"]);
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "{s}");
    pane.assert_restored(&s);
}

// ------------------------------------------------------------------ the gate's dialog

fn audit_text(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.state_dir().join("audit.jsonl")).unwrap_or_default()
}

fn wait_audit(sb: &Sandbox, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let a = audit_text(sb);
        if ok(&a) {
            return a;
        }
        assert!(
            start.elapsed() < SETTLE,
            "waited for {what}; the audit log:\n{a}"
        );
        sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs tmux"]
fn a_name_typed_on_a_screen_too_small_for_the_dialog_runs_nothing() {
    let _one = one_at_a_time();
    let server = exporters();
    let sb = Sandbox::new();
    let marker = sb.path().join("rollback-ran");
    let steps = format!(
        "  [domain.rollback]\n  verify_within = \"5s\"\n  [[domain.rollback.step]]\n  kind = \"exec\"\n  argv = [\"/usr/bin/touch\", {:?}]\n\n[[domain]]\nname = \"inventory\"",
        marker.to_str().unwrap()
    );
    let text =
        config(&server, "1s", "800ms", "").replacen("[[domain]]\nname = \"inventory\"", &steps, 1);
    assert!(text.contains("rollback-ran"));
    let cfg = sb.config(&text);
    let pane = Pane::start(&sb, &["--config", cfg.to_str().unwrap()], &[]);
    pane.wait_for("the live overview", STARTUP, overview_ready);

    for (w, h) in [(20, 5), (79, 23)] {
        pane.tmux(&[
            "resize-window",
            "-t",
            "main",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
        ]);
        pane.wait_for("the too-small screen", SETTLE, |s| {
            s.contains("terminal too small") && s.contains("80x24")
        });
        let before = audit_text(&sb).lines().count();
        pane.keys(&["R"]);
        if w >= 40 {
            pane.wait_for("the dialog said to be hidden", SETTLE, |s| {
                s.contains("rollback dialog cannot be shown")
            });
        } else {
            sleep(Duration::from_millis(800));
        }
        pane.text("orders");
        pane.keys(&["Enter"]);
        let a = wait_audit(&sb, "the refusal", |a| a.lines().count() > before);
        let last = a.lines().last().unwrap();
        assert!(
            last.contains("\"refused\"") && last.contains("could not be shown whole"),
            "{w}x{h}: {last}"
        );
        sleep(Duration::from_millis(300));
        assert!(!marker.exists(), "{w}x{h}: the step ran");
        assert!(!a.contains("\"requested\""), "{w}x{h}: {a}");
        // Back at full size the refusal is on screen; any key closes it.
        pane.tmux(&[
            "resize-window",
            "-t",
            "main",
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
        ]);
        pane.wait_for("the refusal", SETTLE, |s| s.contains("Rollback refused"));
        pane.keys(&["Escape"]);
        pane.wait_for("the overview", SETTLE, |s| {
            overview_ready(s) && !s.contains("Rollback refused")
        });
    }

    // The same keys on a screen that shows the dialog whole do run it: the test can fail.
    pane.keys(&["R"]);
    pane.wait_for("the dialog", SETTLE, |s| {
        s.contains("Type orders to confirm")
    });
    pane.text("orders");
    pane.keys(&["Enter"]);
    wait_audit(&sb, "the rollback", |a| a.contains("\"succeeded\""));
    assert!(marker.exists());
    pane.keys(&["Escape"]);
    // Escape and q read together are Alt-q (a terminal sends Alt as ESC first): let the
    // Escape be read on its own, as a person's two key presses are.
    sleep(Duration::from_millis(300));
    // The rollback is still being verified: quitting asks first, and `y` quits.
    pane.keys(&["q"]);
    let s = pane.wait_for("the quit question or the exit", SETTLE, |s| {
        let flat: String = s.lines().collect();
        s.contains("Quit while an action is in flight?") || flat.contains("TTY-")
    });
    if s.contains("Quit while an action is in flight?") {
        pane.keys(&["y"]);
    }
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "{s}");
}
