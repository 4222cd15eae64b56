//! Theme files and the config file are read only if regular and small: a broken, blocking or
//! endless file in the themes folder cannot stop or hang the cockpit, and neither can a config
//! that is a FIFO, a device or a sparse gigabyte. The real binary, real files, tmux for the
//! cockpit.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::tmux::{Pane, STARTUP};
use common::{json, HttpServer, Reply, Sandbox};

/// `<config dir>/themes` of the sandbox, with a broken theme, a FIFO and a link to /dev/zero.
fn hostile_themes(sb: &Sandbox) -> PathBuf {
    let dir = sb.path().join("config/cutover/themes");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.toml"), "[styles\nok = ").unwrap();
    assert!(Command::new("mkfifo")
        .arg(dir.join("fifo.toml"))
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.toml")).unwrap();
    let sparse = std::fs::File::create(dir.join("sparse.toml")).unwrap();
    sparse.set_len(1 << 30).unwrap();
    dir
}

/// Runs to the end or fails after `limit` (killing the child): a hang is a failure, not a stuck test.
fn run_within(mut c: Command, limit: Duration) -> Output {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn screenshot(sb: &Sandbox, theme: &str) -> Output {
    let mut c = sb.cutover();
    c.args([
        "screenshot",
        "--demo",
        "--at",
        "1m",
        "--theme",
        theme,
        "--out",
    ])
    .arg(sb.path().join(format!("{theme}.svg")));
    run_within(c, Duration::from_secs(60))
}

#[test]
fn theme_files_beside_the_one_asked_for_are_never_opened() {
    let sb = Sandbox::new();
    hostile_themes(&sb);
    let out = screenshot(&sb, "default");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn a_bad_theme_file_asked_for_is_reported_and_the_default_used() {
    let sb = Sandbox::new();
    hostile_themes(&sb);
    for (theme, says) in [
        ("broken", "broken.toml"),
        ("fifo", "it is not a regular file but a FIFO"),
        ("zero", "it is not a regular file but a character device"),
        ("sparse", "it is larger than 1MiB"),
    ] {
        let out = screenshot(&sb, theme);
        assert!(out.status.success(), "{theme}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(says) && err.contains("using the built-in default theme"),
            "{theme}: {err}"
        );
    }
    // A theme nobody wrote is still an error that names the ones there are.
    let out = screenshot(&sb, "neon");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown theme \"neon\"; the themes are: default, light, high-contrast, mono, broken, fifo, sparse, zero"),
        "{}",
        stderr(&out)
    );
}

fn config_text(server: &HttpServer) -> String {
    format!(
        "[settings]\ninterval = \"1s\"\ntimeout = \"800ms\"\n\n[[source]]\nname = \"app\"\nurl = \"{}\"\n\n\
         [[domain]]\nname = \"orders\"\nstage = \"canary\"\n  [domain.traffic]\n  source = \"app\"\n  \
         new.requests = 'req_total'\n",
        server.url("/metrics")
    )
}

fn status_with_config(sb: &Sandbox, config: &Path) -> Output {
    let mut c = sb.cutover();
    c.arg("--config")
        .arg(config)
        .args(["status", "--json", "--over", "1s"]);
    run_within(c, Duration::from_secs(30))
}

#[test]
fn a_config_that_is_not_a_small_regular_file_is_refused_in_words() {
    let sb = Sandbox::new();
    let fifo = sb.path().join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let sparse = sb.path().join("sparse.toml");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let dir = sb.path().join("a-folder.toml");
    std::fs::create_dir(&dir).unwrap();
    for (path, says) in [
        (
            fifo.as_path(),
            "cannot read the config: it is not a regular file but a FIFO",
        ),
        (
            Path::new("/dev/zero"),
            "cannot read the config: it is not a regular file but a character device",
        ),
        (
            sparse.as_path(),
            "cannot read the config: it is larger than 16MiB",
        ),
        (
            dir.as_path(),
            "cannot read the config: it is not a regular file but a directory",
        ),
    ] {
        let out = status_with_config(&sb, path);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            path.display(),
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(&format!("{}: {says}", path.display())),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_config_piped_on_stdin_still_works() {
    let server = HttpServer::start(|_, n| Some(Reply::text(format!("req_total {}\n", 100 * n))));
    let sb = Sandbox::new();
    let mut child = sb
        .cutover()
        .args(["--config", "/dev/stdin", "status", "--json", "--over", "1s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(config_text(&server).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json(&out)["domains"][0]["traffic"]["new"]["requests"],
        100.0
    );
}

#[test]
#[ignore = "needs tmux"]
fn the_cockpit_starts_beside_hostile_theme_files_and_says_when_its_theme_is_bad() {
    let sb = Sandbox::new();
    hostile_themes(&sb);
    let pane = Pane::start(&sb, &["--demo"], &[]);
    pane.wait_for("the demo", STARTUP, |s| s.contains("DEMO"));
    pane.keys(&["q"]);
    assert_eq!(pane.exited().0, 0);

    let pane = Pane::start(&sb, &["--demo", "--theme", "zero"], &[]);
    let s = pane.wait_for("the demo with the theme problem said", STARTUP, |s| {
        s.contains("DEMO") && s.contains("character device")
    });
    assert!(s.contains("zero.toml"), "{s}");
    pane.keys(&["q"]);
    assert_eq!(pane.exited().0, 0);
}
