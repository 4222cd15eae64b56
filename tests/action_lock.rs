//! One action per domain on the whole host: a rollback holds the domain's lock file in the
//! state dir from its request to its verdict; a second `cutover rollback` (or the cockpit's R)
//! meanwhile is refused with exit 2, naming the holder's pid and start time, and audited.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::action::{audit, config, events, metrics, wait_for_events, wait_for_file, Running};
use common::config::sh_step;
use common::{Answer, RuntimeApi, Sandbox};

/// A runtime API that answers every command with an empty line after `pause`.
fn slow_runtime_api(pause: Duration) -> RuntimeApi {
    RuntimeApi::start(move |_| Answer::Slow(pause, "\n".into()))
}

/// "rollback of orders in flight in pid N since HH:MM:SS"
fn assert_names_the_holder(text: &str, domain: &str, pid: u32) {
    let prefix = format!("rollback of {domain} in flight in pid {pid} since ");
    let at = text
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"));
    let time: String = text[at + prefix.len()..].chars().take(8).collect();
    let b = time.as_bytes();
    assert!(
        time.len() == 8
            && b[2] == b':'
            && b[5] == b':'
            && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit()),
        "HH:MM:SS, got {time:?}"
    );
}

#[test]
fn two_processes_one_domain_the_second_is_refused_and_names_the_first() {
    let sb = Sandbox::new();
    let m = metrics();
    let api = slow_runtime_api(Duration::from_secs(3));
    let step = format!(
        "  [[domain.rollback.step]]\n  kind = \"haproxy\"\n  address = \"{}\"\n  command = \"set weight be_orders/orders_svc 0\"\n  timeout = \"10s\"\n",
        api.address()
    );
    let cfg = sb.config(&config(&m, "orders", &step, "1s"));
    let first = Running::start(&sb, &cfg, "orders", "first");
    std::thread::sleep(Duration::from_millis(300));
    let second = Running::start(&sb, &cfg, "orders", "second");
    let (code2, out2, err2) = second.wait(Duration::from_secs(30));
    let first_pid = first.pid();
    let (code1, out1, err1) = first.wait(Duration::from_secs(60));
    assert_eq!(code2, Some(2), "{out2}\n{err2}");
    assert_names_the_holder(&err2, "orders", first_pid);
    assert_eq!(
        code1,
        Some(3),
        "the first ran (not verified)\n{out1}\n{err1}"
    );
    assert_eq!(
        api.received(),
        // The weight read before it is changed (for the audit log), then the change, once.
        [
            "get weight be_orders/orders_svc",
            "set weight be_orders/orders_svc 0"
        ],
        "the runtime API got the command once"
    );
    let entries = audit(&sb);
    let refused: Vec<_> = entries.iter().filter(|e| e["event"] == "refused").collect();
    assert_eq!(refused.len(), 1, "{entries:?}");
    assert_names_the_holder(refused[0]["result"].as_str().unwrap(), "orders", first_pid);
    assert_eq!(
        events(&sb)
            .into_iter()
            .filter(|e| e != "refused")
            .collect::<Vec<_>>(),
        ["requested", "succeeded", "not_verified"]
    );
    // Released with the verdict: a third one may run.
    let third = Running::start(&sb, &cfg, "orders", "third");
    let (code3, out3, err3) = third.wait(Duration::from_secs(60));
    assert_eq!(code3, Some(3), "{out3}\n{err3}");
}

#[test]
fn the_lock_holds_through_verification_and_hostile_names_stay_in_the_state_dir() {
    let sb = Sandbox::new();
    let m = metrics();
    let domain = "../../escape/Orders";
    let cfg = sb.config(&config(&m, domain, &sh_step("true", "5s"), "4s"));
    let first = Running::start(&sb, &cfg, domain, "first");
    // The steps are done: the first is verifying, still holding the domain.
    wait_for_events(&sb, &["requested", "succeeded"], Duration::from_secs(30));
    let second = Running::start(&sb, &cfg, domain, "second");
    let (code2, _, err2) = second.wait(Duration::from_secs(30));
    assert_eq!(code2, Some(2), "{err2}");
    assert_names_the_holder(&err2, domain, first.pid());
    first.wait(Duration::from_secs(60));
    // Every lock file is a plain, private file right in the state dir.
    let escaped = sb.path().join("escape");
    assert!(!escaped.exists());
    let locks: Vec<_> = std::fs::read_dir(sb.state_dir())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".lock"))
        .collect();
    assert_eq!(locks.len(), 1, "{locks:?}");
    let name = locks[0].file_name().to_string_lossy().into_owned();
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"%_-.~".contains(&b)),
        "{name}"
    );
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(locks[0].path()).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_link_in_place_of_the_lock_file_refuses_and_is_left_alone() {
    let sb = Sandbox::new();
    let m = metrics();
    let marker = sb.path().join("ran");
    let cfg = sb.config(&config(
        &m,
        "orders",
        &sh_step(&format!("touch {}", marker.display()), "5s"),
        "1s",
    ));
    let state = sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    let victim = sb.path().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, state.join("orders.lock")).unwrap();
    let (code, out, err) = Running::start(&sb, &cfg, "orders", "rb").wait(Duration::from_secs(30));
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!marker.exists());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}

// ---- The cockpit shows the same refusal ----

use common::tmux::{Pane, SETTLE, STARTUP};

#[test]
#[ignore = "needs tmux"]
fn the_cockpit_refuses_a_domain_another_process_is_rolling_back() {
    let sb = Sandbox::new();
    let m = metrics();
    let start = sb.path().join("start");
    let step = sh_step(&format!("touch {}; sleep 20", start.display()), "30s");
    let cfg = sb.config(&config(&m, "orders", &step, "1s"));
    let script = Running::start(&sb, &cfg, "orders", "script");
    wait_for_file(&start, Duration::from_secs(30));
    let pane = Pane::start(
        &sb,
        &["--config", &cfg.to_string_lossy()],
        &[("USER", "tester")],
    );
    pane.wait_for("the live overview", STARTUP, |s| {
        s.contains(" LIVE ") && s.contains("orders")
    });
    pane.keys(&["R"]);
    let screen = pane.wait_for("the refusal", SETTLE, |s| s.contains("Rollback refused"));
    let flat: String = screen.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert_names_the_holder(&flat, "orders", script.pid());
    pane.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    pane.keys(&["q"]);
    let (code, last) = pane.exited();
    assert_eq!(code, 0, "{last}");
    script.signal(libc::SIGKILL);
    let refused: Vec<_> = audit(&sb)
        .into_iter()
        .filter(|e| e["event"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1);
    assert_names_the_holder(
        refused[0]["result"].as_str().unwrap(),
        "orders",
        script.pid(),
    );
}
