//! A replay catching up on a recording with huge bodies parses on a thread of its own: `q`
//! ends the cockpit at once instead of waiting for the parse to finish.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::recording::{gz, header, scrape_body, T};
use common::tmux::{Pane, STARTUP};
use common::{ConfigBuilder, Sandbox};

fn config() -> String {
    ConfigBuilder::new()
        .setting("interval", "2s")
        .setting("window", "1m")
        .source_with(
            "app",
            "http://127.0.0.1:9/metrics",
            "label_limit = 0\nseries_limit = 0\nmax_body = \"128MiB\"",
        )
        .orders_req_total("app")
        .build()
}

/// Two scrapes of about 50 MB each (under the 64 MiB line limit once JSON-escaped): seconds of parsing in a debug build.
fn recording(sb: &Sandbox) -> std::path::PathBuf {
    let labels: String = (0..40).map(|i| format!(",l{i}=\"v{i}\"")).collect();
    let mut body = String::new();
    for i in 0..100_000 {
        body.push_str(&format!(
            "req_total{{side=\"legacy\",uid=\"{i}\"{labels}}} {i}\n"
        ));
    }
    let mut text = header(&config());
    text.push('\n');
    for n in 0..2 {
        text.push_str(&scrape_body(T + n * 2000, &body));
        text.push('\n');
    }
    let path = sb.path().join("huge.jsonl.gz");
    std::fs::write(&path, gz(text.as_bytes())).unwrap();
    path
}

#[test]
#[ignore = "needs tmux"]
fn quitting_a_replay_never_waits_for_a_parse() {
    let sb = Sandbox::new();
    let file = recording(&sb);
    let pane = Pane::start(&sb, &["replay", file.to_str().unwrap()], &[]);
    let pid = pane.pid();
    pane.wait_for("the cockpit", STARTUP, |s| s.contains("REPLAY"));
    // The first scrape is being parsed now.
    sleep(Duration::from_millis(100));
    let asked = Instant::now();
    pane.keys(&["q"]);
    let gone = loop {
        let alive = Command::new("kill")
            .args(["-0", &pid])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        if !alive {
            break asked.elapsed();
        }
        assert!(asked.elapsed() < Duration::from_secs(60), "never quit");
        sleep(Duration::from_millis(5));
    };
    let (code, screen) = pane.exited();
    assert_eq!(code, 0, "{screen}");
    assert!(
        gone < Duration::from_millis(200),
        "the cockpit took {gone:?} to quit"
    );
}
