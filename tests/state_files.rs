//! The files cutover writes (audit log, log, recordings), the state dir that holds them, and the
//! files whose content decides what it runs or sends (the config, token files), with the real
//! binary, real files, links and modes. A rollback here is an `exec` step that touches a marker
//! file, so "nothing ran" is checked on disk; sources are real HTTP servers on 127.0.0.1.
//!
//! These tests run as root in CI, for whom every file it creates is its own: another owner is
//! made with chown to uid 65534 (skipped when not root, as only root may chown).
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use std::os::unix::fs::{chown, symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::config::exec_step;
use common::tmux::{Pane, STARTUP};
use common::{fixture, ConfigBuilder, HttpServer, Reply, Sandbox};

fn metrics() -> HttpServer {
    HttpServer::start(|_, _| Some(Reply::text(fixture("real/haproxy-idle.prom"))))
}

fn set(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[allow(unsafe_code)]
fn am_root() -> bool {
    // SAFETY: geteuid(2) cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A config whose one domain's rollback touches `marker`; `source_extra` goes into the source.
fn config_text(server: &HttpServer, marker: &Path, source_extra: &str) -> String {
    let marker = marker.display().to_string();
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .source_with("gateway", &server.url("/metrics"), source_extra)
        .orders_haproxy()
        .rollback(
            "1s",
            &exec_step(&["/bin/sh", "-c", ": > \"$0\"", &marker], "5s"),
        )
        .build()
}

struct Case {
    sb: Sandbox,
    server: HttpServer,
    marker: PathBuf,
    cfg: PathBuf,
}

impl Case {
    fn new() -> Case {
        Case::with_source("")
    }

    fn with_source(source_extra: &str) -> Case {
        let sb = Sandbox::new();
        let server = metrics();
        let marker = sb.path().join("rollback-ran");
        let cfg = sb.config(&config_text(&server, &marker, source_extra));
        Case {
            sb,
            server,
            marker,
            cfg,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.sb
            .cutover()
            .arg("--config")
            .arg(&self.cfg)
            .args(args)
            .env("USER", "tester")
            .output()
            .unwrap()
    }

    fn rollback(&self) -> Output {
        self.run(&["rollback", "orders", "--yes"])
    }

    fn ran(&self) -> bool {
        self.marker.exists()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn explain(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// Refused (exit 2) with `why` on stderr, and the step never ran.
fn assert_refused(case: &Case, out: &Output, why: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", explain(out));
    assert!(
        stderr(out).contains(why),
        "wanted {why:?}\n{}",
        explain(out)
    );
    assert!(!case.ran(), "the rollback step ran");
}

/// The control for every refusal below: the same setup, untouched, runs the step.
#[test]
fn a_private_setup_runs_the_rollback() {
    let case = Case::new();
    let out = case.rollback();
    assert!(case.ran(), "{}", explain(&out));
    let state = case.sb.state_dir();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("audit.jsonl")), 0o600);
    assert_eq!(mode(&state.join("cutover.log")), 0o600);
    let _ = &case.server;
}

#[test]
fn an_audit_log_linked_to_a_victim_file_is_refused_and_the_victim_untouched() {
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o700);
    let victim = case.sb.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    set(&victim, 0o644);
    symlink(&victim, state.join("audit.jsonl")).unwrap();

    let out = case.rollback();
    assert_refused(&case, &out, "is a symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(mode(&victim), 0o644, "the victim was chmodded");

    // Reading the log does not go through the link either.
    let audit = case.sb.cutover().arg("audit").output().unwrap();
    assert_ne!(audit.status.code(), Some(0), "{}", explain(&audit));
    assert!(
        stderr(&audit).contains("symbolic link"),
        "{}",
        explain(&audit)
    );
}

#[test]
fn an_audit_log_linked_to_dev_full_leaves_the_device_alone() {
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o700);
    symlink("/dev/full", state.join("audit.jsonl")).unwrap();
    let before = mode(Path::new("/dev/full"));
    /// Puts the device's mode back should a regression change it, so that a failing run
    /// does not leave the host's /dev/full broken.
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            if mode(Path::new("/dev/full")) != self.0 {
                let _ =
                    std::fs::set_permissions("/dev/full", std::fs::Permissions::from_mode(self.0));
            }
        }
    }
    let _restore = Restore(before);
    let out = case.rollback();
    assert_refused(&case, &out, "is a symbolic link");
    assert_eq!(
        mode(Path::new("/dev/full")),
        before,
        "/dev/full was chmodded"
    );
}

#[test]
fn an_audit_log_others_can_read_is_refused_with_the_fix_and_not_chmodded() {
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o700);
    let log = state.join("audit.jsonl");
    std::fs::write(&log, "").unwrap();
    set(&log, 0o644);
    let out = case.rollback();
    assert_refused(
        &case,
        &out,
        &format!(
            "can be read by its group and all users (mode 0644); it must be private to you. \
             Fix with: chmod 600 {}",
            log.display()
        ),
    );
    assert_eq!(mode(&log), 0o644);
}

#[test]
fn an_audit_log_of_another_user_is_refused() {
    if !am_root() {
        eprintln!("not root: cannot make a file of another user; skipped");
        return;
    }
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o700);
    let log = state.join("audit.jsonl");
    std::fs::write(&log, "").unwrap();
    set(&log, 0o600);
    chown(&log, Some(65534), None).unwrap();
    let out = case.rollback();
    assert_refused(&case, &out, "(uid 65534), not to you");
    assert_eq!(std::fs::metadata(&log).unwrap().uid(), 65534);
}

#[test]
fn a_state_dir_linked_to_an_open_directory_makes_the_session_read_only() {
    let case = Case::new();
    let open = case.sb.path().join("open");
    std::fs::create_dir(&open).unwrap();
    set(&open, 0o777);
    let state = case.sb.state_dir();
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    symlink(&open, &state).unwrap();

    let out = case.rollback();
    assert_refused(
        &case,
        &out,
        &format!(
            "read-only: the state dir {} is a symbolic link (to {})",
            state.display(),
            open.display()
        ),
    );
    let check = case.run(&["check"]);
    assert!(
        stdout(&check).contains("read-only: the state dir"),
        "{}",
        explain(&check)
    );
    // Nothing was written there: no audit entry, no log.
    let left: Vec<_> = std::fs::read_dir(&open).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_open_state_dir_makes_the_session_read_only_and_is_not_chmodded() {
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o777);
    let out = case.rollback();
    assert_refused(
        &case,
        &out,
        &format!(
            "is writable by its group and all users (mode 0777): anyone who can write there \
             could replace the audit log. Fix with: chmod go-w {}",
            state.display()
        ),
    );
    assert_eq!(mode(&state), 0o777);
    assert!(!state.join("audit.jsonl").exists());
}

#[test]
fn a_state_dir_of_another_user_makes_the_session_read_only() {
    if !am_root() {
        eprintln!("not root: cannot make a directory of another user; skipped");
        return;
    }
    let case = Case::new();
    let state = case.sb.state_dir();
    std::fs::create_dir_all(&state).unwrap();
    set(&state, 0o700);
    chown(&state, Some(65534), None).unwrap();
    let out = case.rollback();
    assert_refused(&case, &out, "(uid 65534), not to you");
}

#[test]
fn a_config_of_another_user_makes_the_session_read_only() {
    if !am_root() {
        eprintln!("not root: cannot make a file of another user; skipped");
        return;
    }
    let case = Case::new();
    set(&case.cfg, 0o644);
    chown(&case.cfg, Some(65534), None).unwrap();
    let out = case.rollback();
    assert_refused(
        &case,
        &out,
        &format!(
            "read-only: {} belongs to nobody (uid 65534), not to you (root (uid 0)): someone \
             else could change the commands a rollback runs with your rights. Fix with: chown \
             root {}",
            case.cfg.display(),
            case.cfg.display()
        ),
    );
    // Root's own file is fine: the rule is "the user or root".
    chown(&case.cfg, Some(0), None).unwrap();
    let out = case.rollback();
    assert!(case.ran(), "{}", explain(&out));
}

#[test]
fn a_private_config_in_an_open_directory_makes_the_session_read_only() {
    let case = Case::new();
    let open = case.sb.path().join("open");
    std::fs::create_dir(&open).unwrap();
    set(&open, 0o777);
    let cfg = open.join("cutover.toml");
    std::fs::rename(&case.cfg, &cfg).unwrap();
    set(&cfg, 0o600);
    let out = case.sb.run(&cfg, ["rollback", "orders", "--yes"]);
    assert_refused(
        &case,
        &out,
        &format!(
            "{}, the directory it is in, is writable by its group and all users (mode 0777)",
            open.display()
        ),
    );
    assert!(stderr(&out).contains(&format!("chmod go-w {}", open.display())));
    // Sticky, as /tmp is: still no place for the config itself.
    set(&open, 0o1777);
    let out = case.sb.run(&cfg, ["rollback", "orders", "--yes"]);
    assert_refused(&case, &out, "a directory shared with");
}

/// A token file: writable by others or lying in an open directory → read-only, in words of
/// tokens; readable by others → a warning on start and in `check`, the rollback still runs.
#[test]
fn token_files_follow_the_same_rule_and_a_readable_one_is_warned_about() {
    let sb_token = |case: &Case, name: &str| -> PathBuf {
        let p = case.sb.path().join(name);
        std::fs::write(&p, "tok-do-not-leak\n").unwrap();
        set(&p, 0o600);
        p
    };

    // Writable by all users.
    let probe = Sandbox::new();
    let token = probe.path().join("token");
    let case = Case::with_source(&format!("bearer_token_file = \"{}\"", token.display()));
    std::fs::write(&token, "tok-do-not-leak\n").unwrap();
    set(&token, 0o666);
    let out = case.rollback();
    assert_refused(
        &case,
        &out,
        &format!(
            "read-only: the token file {} is writable by its group and all users (mode 0666): \
             someone else could replace the token cutover sends with their own. Fix with: \
             chmod go-w {}",
            token.display(),
            token.display()
        ),
    );

    // In a directory all users can write to.
    set(&token, 0o600);
    set(probe.path(), 0o777);
    let out = case.rollback();
    assert_refused(&case, &out, "could swap the token file for their own");
    set(probe.path(), 0o700);

    // Readable by others: a warning, and nothing else changes.
    let case = Case::with_source("bearer_token_file = \"TOKEN\"");
    let token = sb_token(&case, "token");
    let cfg_text = std::fs::read_to_string(&case.cfg)
        .unwrap()
        .replace("TOKEN", &token.display().to_string());
    std::fs::write(&case.cfg, cfg_text).unwrap();
    set(&token, 0o644);
    let warning = format!(
        "the token file {} is readable by its group and all users (mode 0644): they can read \
         the token. Fix with: chmod go-r {}",
        token.display(),
        token.display()
    );
    let check = case.run(&["check"]);
    assert!(
        stdout(&check).contains(&format!("warning: {warning}")),
        "{}",
        explain(&check)
    );
    assert!(!stdout(&check).contains("read-only"), "{}", explain(&check));
    let out = case.rollback();
    assert!(
        stderr(&out).contains(&format!("cutover: warning: {warning}")),
        "{}",
        explain(&out)
    );
    assert!(case.ran(), "{}", explain(&out));
}

#[test]
fn record_out_never_follows_a_link_nor_overwrites_without_force() {
    let case = Case::new();
    let record = |out: &Path, force: bool| {
        let mut args = vec!["record", "--duration", "600ms", "--out"];
        let out = out.to_str().unwrap();
        args.push(out);
        if force {
            args.push("--force");
        }
        case.run(&args)
    };

    // A link to a victim file: refused, with --force too; the victim keeps content and mode.
    let victim = case.sb.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    set(&victim, 0o644);
    let link = case.sb.path().join("link.jsonl.gz");
    symlink(&victim, &link).unwrap();
    for force in [false, true] {
        let out = record(&link, force);
        assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
        assert!(
            stderr(&out).contains("is a symbolic link"),
            "{}",
            explain(&out)
        );
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(mode(&victim), 0o644);

    // A new file: 0600.
    let fresh = case.sb.path().join("fresh.jsonl.gz");
    let out = record(&fresh, false);
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    assert_eq!(mode(&fresh), 0o600);
    let made = std::fs::read(&fresh).unwrap();

    // An existing file: refused and left as it was, unless --force.
    let out = record(&fresh, false);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(
        stderr(&out).contains("already exists") && stderr(&out).contains("--force"),
        "{}",
        explain(&out)
    );
    assert_eq!(std::fs::read(&fresh).unwrap(), made);
    set(&fresh, 0o644);
    let out = record(&fresh, true);
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
    assert_eq!(mode(&fresh), 0o600);
    let replay = case
        .sb
        .cutover()
        .args(["status", "--json", "--replay"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(replay.status.code(), Some(0), "{}", explain(&replay));

    // Nothing is overwritten in /dev/null: it takes a recording as it is.
    let out = record(Path::new("/dev/null"), false);
    assert_eq!(out.status.code(), Some(0), "{}", explain(&out));
}

/// `--record` takes the same path as `record --out`: a link or an existing file is refused
/// before the cockpit starts; a new recording is 0600.
#[test]
#[ignore = "needs tmux"]
fn the_cockpits_record_flag_refuses_links_and_existing_files() {
    let case = Case::new();
    let existing = case.sb.path().join("existing.jsonl.gz");
    std::fs::write(&existing, "keep me").unwrap();
    let cfg = case.cfg.to_str().unwrap().to_string();
    let start = |rec: &Path, force: bool| {
        let mut args = vec!["--config", cfg.as_str(), "--record", rec.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        Pane::start(&case.sb, &args, &[])
    };

    let pane = start(&existing, false);
    let (code, screen) = pane.exited();
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("already exists"), "{screen}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let link = case.sb.path().join("link.jsonl.gz");
    symlink(&existing, &link).unwrap();
    let pane = start(&link, true);
    let (code, screen) = pane.exited();
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("is a symbolic link"), "{screen}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let pane = start(&existing, true);
    pane.wait_for("the live overview", STARTUP, |s| s.contains(" LIVE "));
    pane.keys(&["q"]);
    let (code, screen) = pane.exited();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(mode(&existing), 0o600);
    assert_ne!(std::fs::read(&existing).unwrap(), b"keep me");
}

/// `screenshot --out` (and `demo export`) write a file like `record --out`: never through a
/// link, whose target is left as it was; a regular file in the way is replaced by a new
/// private one, so another hard link to it keeps its content.
#[test]
fn screenshot_and_demo_export_never_write_through_a_link() {
    let sb = Sandbox::new();
    let victim = sb.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    for args in [
        &["screenshot", "--demo", "--out"][..],
        &["demo", "export"][..],
    ] {
        let link = sb.path().join("out.svg");
        let _ = std::fs::remove_file(&link);
        symlink(&victim, &link).unwrap();
        let out = sb.cutover().args(args).arg(&link).output().unwrap();
        assert!(!out.status.success(), "{args:?}: {}", explain(&out));
        assert!(
            stderr(&out).contains("is a symbolic link"),
            "{args:?}: {}",
            explain(&out)
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }
    // A regular file in the way is replaced, not written in place.
    let path = sb.path().join("shot.svg");
    let other_name = sb.path().join("hard-link");
    std::fs::write(&path, "old").unwrap();
    std::fs::hard_link(&path, &other_name).unwrap();
    let out = sb
        .cutover()
        .args(["screenshot", "--demo", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", explain(&out));
    assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg"));
    assert_eq!(std::fs::read_to_string(&other_name).unwrap(), "old");
    assert_eq!(mode(&path), 0o600);
}

/// The events memory end to end: a live cockpit keeps its events in the state dir (0600, a
/// read-only session too: an event is an observation, not an action), and the next live
/// cockpit shows them under a line naming the earlier session.
#[test]
#[ignore = "needs tmux"]
fn the_next_cockpit_shows_the_events_of_the_one_before() {
    let sb = Sandbox::new();
    // Nothing listens on port 1: the source is down from the first poll, which is an event.
    let cfg = ConfigBuilder::new()
        .every("250ms", "200ms")
        .source("gateway", "http://127.0.0.1:1/metrics")
        .orders_haproxy()
        .write(&sb);
    let cfg = cfg.to_str().unwrap();
    let memory = sb.state_dir().join("events.jsonl");
    let down = |s: &str| s.contains("source gateway down");

    let first = Pane::start(&sb, &["--config", cfg, "--read-only"], &[]);
    first.wait_for("the live overview", STARTUP, |s| s.contains(" LIVE "));
    first.keys(&["4"]);
    first.wait_for("the source-down event", STARTUP, down);
    first.keys(&["q"]);
    let (code, screen) = first.exited();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(mode(&memory), 0o600);
    // The source went down, and orders, which reads it, is unknown from the start.
    let kinds = || {
        let text = std::fs::read_to_string(&memory).unwrap();
        let mut kinds: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
            .collect();
        kinds.sort();
        kinds
    };
    assert_eq!(kinds(), ["\"health\"", "\"source-down\""]);

    let second = Pane::start(&sb, &["--config", cfg], &[]);
    second.wait_for("the live overview", STARTUP, |s| s.contains(" LIVE "));
    second.keys(&["4"]);
    let screen = second.wait_for("this session's event and the earlier one", STARTUP, |s| {
        s.matches("source gateway down").count() >= 2
    });
    let line = screen
        .lines()
        .position(|l| l.contains("earlier session, started "))
        .unwrap_or_else(|| panic!("no earlier-session line:\n{screen}"));
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows[..line].iter().any(|r| down(r)), "{screen}");
    assert!(rows[line + 1..].iter().any(|r| down(r)), "{screen}");
    second.keys(&["q"]);
    let (code, screen) = second.exited();
    assert_eq!(code, 0, "{screen}");
    let twice = [
        "\"health\"",
        "\"health\"",
        "\"source-down\"",
        "\"source-down\"",
    ];
    assert_eq!(kinds(), twice, "each event once");

    // A replay never reads nor writes it.
    let demo = Pane::start(&sb, &["--demo"], &[]);
    demo.wait_for("the demo", STARTUP, |s| s.contains("DEMO"));
    demo.keys(&["4"]);
    let screen = demo.settled_screen();
    assert!(!screen.contains("earlier session"), "{screen}");
    demo.keys(&["q"]);
    let (code, screen) = demo.exited();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(kinds(), twice);
}
