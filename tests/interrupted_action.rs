//! An action whose `requested` entry is on disk is never abandoned silently: SIGHUP, SIGTERM,
//! quitting the cockpit or losing its pane let it finish (or stop it between steps) and audit
//! the outcome and the verification. Real processes, real signals, real exec steps; the
//! cockpit's cases run in tmux.

mod common;

use std::time::Duration;

use common::action::{config, events, metrics, wait_for_events, wait_for_file, Running};
use common::config::sh_step;
use common::Sandbox;

/// Step 1 takes a while (`start` … `done`), step 2 leaves `ran`.
fn two_steps(sb: &Sandbox) -> String {
    let p = |n: &str| sb.path().join(n).display().to_string();
    format!(
        "{}{}",
        sh_step(
            &format!("touch {}; sleep 2; touch {}", p("start"), p("done")),
            "20s"
        ),
        sh_step(&format!("touch {}", p("ran")), "20s")
    )
}

fn one_signal_lets_the_rollback_finish_and_audits_it(sig: i32, name: &str) {
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(&m, "orders", &two_steps(&sb), "1s"));
    let run = Running::start(&sb, &cfg, "orders", "rb");
    wait_for_file(&sb.path().join("start"), Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    run.signal(sig);
    let (code, out, err) = run.wait(Duration::from_secs(60));
    assert!(
        sb.path().join("done").exists(),
        "{name}: step 1 cut short\n{out}\n{err}"
    );
    assert!(
        sb.path().join("ran").exists(),
        "{name}: step 2 never ran\n{out}\n{err}"
    );
    assert_eq!(
        events(&sb),
        ["requested", "succeeded", "not_verified"],
        "{name}\n{out}\n{err}"
    );
    assert_eq!(code, Some(3), "{name}: not verified\n{out}\n{err}");
    assert!(err.contains(&format!("cutover: {name}")), "{name}: {err}");
}

#[test]
fn sighup_during_a_rollback_lets_it_finish_and_audit_its_verdict() {
    one_signal_lets_the_rollback_finish_and_audits_it(libc::SIGHUP, "SIGHUP");
}

#[test]
fn sigterm_during_a_rollback_lets_it_finish_and_audit_its_verdict() {
    one_signal_lets_the_rollback_finish_and_audits_it(libc::SIGTERM, "SIGTERM");
}

#[test]
fn a_second_sigterm_stops_between_steps_and_is_audited_as_interrupted() {
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(&m, "orders", &two_steps(&sb), "1s"));
    let run = Running::start(&sb, &cfg, "orders", "rb");
    wait_for_file(&sb.path().join("start"), Duration::from_secs(30));
    run.signal(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(300));
    run.signal(libc::SIGTERM);
    let (code, out, err) = run.wait(Duration::from_secs(60));
    // The step under way was not killed half-way; the next one never started.
    assert!(sb.path().join("done").exists(), "{out}\n{err}");
    assert!(!sb.path().join("ran").exists(), "{out}\n{err}");
    assert_eq!(events(&sb), ["requested", "interrupted"], "{out}\n{err}");
    let last = common::action::audit(&sb).pop().unwrap();
    let result = last["result"].as_str().unwrap();
    assert!(result.starts_with("step 1 ok in "), "{result}");
    assert!(
        result.ends_with("interrupted by SIGTERM: step 2 of 2 and later not run"),
        "{result}"
    );
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        err.contains("rollback of orders INTERRUPTED: interrupted by SIGTERM"),
        "{err}"
    );
}

#[test]
fn a_second_sigint_during_verification_ends_the_watch_not_verified() {
    let sb = Sandbox::new();
    let m = metrics();
    let steps = sh_step("true", "5s");
    let cfg = sb.config(&config(&m, "orders", &steps, "60s"));
    let run = Running::start(&sb, &cfg, "orders", "rb");
    wait_for_events(&sb, &["requested", "succeeded"], Duration::from_secs(30));
    run.signal(libc::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    run.signal(libc::SIGINT);
    let t = std::time::Instant::now();
    let (code, out, err) = run.wait(Duration::from_secs(20));
    assert!(t.elapsed() < Duration::from_secs(10), "the watch went on");
    assert_eq!(
        events(&sb),
        ["requested", "succeeded", "not_verified"],
        "{out}\n{err}"
    );
    let last = common::action::audit(&sb).pop().unwrap();
    assert!(
        last["result"]
            .as_str()
            .unwrap()
            .ends_with("interrupted by SIGINT before a verdict"),
        "{last}"
    );
    assert_eq!(code, Some(3), "{out}\n{err}");
}

// ---- The cockpit, in tmux ----

use common::tmux::{Pane, SETTLE, STARTUP};

/// One cockpit at a time: each runs a debug binary, tmux and a rollback on a small machine.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The cockpit with the rollback of orders confirmed and its first step under way.
fn cockpit_rolling_back(sb: &Sandbox, cfg: &std::path::Path) -> Pane {
    let pane = Pane::start(
        sb,
        &["--config", &cfg.to_string_lossy()],
        &[("USER", "tester")],
    );
    pane.wait_for("the live overview", STARTUP, |s| {
        s.contains(" LIVE ") && s.contains("orders")
    });
    pane.keys(&["R"]);
    pane.wait_for("the rollback dialog", SETTLE, |s| s.contains("to confirm"));
    pane.text("orders");
    pane.keys(&["Enter"]);
    wait_for_file(&sb.path().join("start"), Duration::from_secs(30));
    pane
}

/// Whether the process is gone (or a zombie nobody reaped).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

fn assert_finished_and_audited(sb: &Sandbox, context: &str) {
    assert!(
        sb.path().join("done").exists(),
        "step 1 cut short\n{context}"
    );
    assert!(
        sb.path().join("ran").exists(),
        "step 2 never ran\n{context}"
    );
    assert_eq!(
        events(sb),
        ["requested", "succeeded", "not_verified"],
        "{context}"
    );
}

#[test]
#[ignore = "needs tmux"]
fn losing_the_pane_during_a_rollback_lets_it_finish_and_audits_it() {
    let _one = one_at_a_time();
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(&m, "orders", &two_steps(&sb), "1s"));
    let pane = cockpit_rolling_back(&sb, &cfg);
    let pid = pane.pid();
    pane.tmux(&["kill-pane", "-t", "main"]);
    let start = std::time::Instant::now();
    while !gone(&pid) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "cutover still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_finished_and_audited(&sb, "after kill-pane");
}

#[test]
#[ignore = "needs tmux"]
fn sigterm_to_the_cockpit_gives_the_terminal_back_then_finishes_the_rollback() {
    let _one = one_at_a_time();
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(&m, "orders", &two_steps(&sb), "1s"));
    let pane = cockpit_rolling_back(&sb, &cfg);
    pane.signal("TERM");
    // The terminal comes back at once, with a word on what still runs.
    let screen = pane.wait_for("the terminal given back", SETTLE, |s| {
        s.contains("goes on without the screen")
    });
    assert!(!sb.path().join("ran").exists(), "{screen}");
    let (code, screen) = pane.exited();
    assert_eq!(code, 0, "{screen}");
    pane.assert_restored(&screen);
    assert_finished_and_audited(&sb, &screen);
}

#[test]
#[ignore = "needs tmux"]
fn quitting_during_a_rollback_asks_first_and_then_finishes_it_without_the_screen() {
    let _one = one_at_a_time();
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(&m, "orders", &two_steps(&sb), "1s"));
    let pane = cockpit_rolling_back(&sb, &cfg);
    // Esc closes the progress box; q then asks, and anything but y stays.
    pane.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    pane.keys(&["q"]);
    pane.wait_for("the question", SETTLE, |s| {
        s.contains("Quit while an action is in flight?") && s.contains("y quits")
    });
    pane.keys(&["q"]);
    pane.wait_for("the question gone, still running", SETTLE, |s| {
        !s.contains("Quit while an action") && s.contains(" LIVE ")
    });
    assert!(!gone(&pane.pid()));
    pane.keys(&["q"]);
    pane.wait_for("the question again", SETTLE, |s| {
        s.contains("Quit while an action is in flight?")
    });
    pane.keys(&["y"]);
    let (code, screen) = pane.exited();
    assert_eq!(code, 0, "{screen}");
    pane.assert_restored(&screen);
    assert!(screen.contains("goes on without the screen"), "{screen}");
    assert!(screen.contains("has ended"), "{screen}");
    assert_finished_and_audited(&sb, &screen);
}
