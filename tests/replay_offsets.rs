//! Offsets into a recording: `--at` beyond the recording (or beyond any time) is refused in
//! words, and lines whose timestamps cannot be believed are skipped one by one with a count,
//! so one stray line neither stretches the replay over decades nor hides the real data.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::recording::{gz, header, orders_config, scrape, T};
use common::tmux::{Pane, STARTUP};
use common::{json, Sandbox};

/// A minute of scrapes every 2 s, 10 requests more each time; `extra` lines inserted at
/// their (0-based) positions among the scrape lines.
fn recording(sb: &Sandbox, name: &str, extra: &[(usize, String)]) -> PathBuf {
    let mut lines: Vec<String> = (0..=30)
        .map(|i| scrape(T + i * 2000, 10 * i as u64))
        .collect();
    for (at, line) in extra.iter().rev() {
        lines.insert(*at, line.clone());
    }
    let mut text = header(&orders_config());
    text.push('\n');
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    let path = sb.path().join(name);
    std::fs::write(&path, gz(text.as_bytes())).unwrap();
    path
}

fn status_at(sb: &Sandbox, file: &Path, at: &str) -> Output {
    sb.cutover()
        .args(["status", "--json", "--replay"])
        .arg(file)
        .args(["--at", at])
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn an_offset_past_the_end_or_past_any_time_is_refused_in_words() {
    let sb = Sandbox::new();
    let file = recording(&sb, "r.jsonl.gz", &[]);
    for (at, says) in [
        (
            "9223372036854775807ms",
            "--at 9223372036854775807ms is past the end of the recording, which lasts 1:00",
        ),
        (
            "9223372036854775808ms",
            "--at 9223372036854775808ms: far longer than any recording",
        ),
        (
            "61s",
            "--at 61s is past the end of the recording, which lasts 1:00",
        ),
    ] {
        let out = status_at(&sb, &file, at);
        assert_eq!(out.status.code(), Some(2), "{at}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{at}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{at}");
    }
    // The end itself is fine, and so is its figures' time.
    let out = status_at(&sb, &file, "1m");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["at"], "2026-01-01T03:01:00.000Z");
}

#[test]
fn a_stray_timestamp_is_skipped_and_counted_and_offsets_count_from_the_real_start() {
    let sb = Sandbox::new();
    let file = recording(
        &sb,
        "stray.jsonl.gz",
        &[
            (0, scrape(0, 999_999)),
            (10, scrape(T + 400 * 86_400_000, 999_999)),
            (20, scrape(T - 3_600_000, 999_999)),
        ],
    );
    let out = status_at(&sb, &file, "30s");
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["at"], "2026-01-01T03:00:30.000Z", "{v:#}");
    let new = &v["domains"][0]["traffic"]["new"];
    assert_eq!(new["requests_total"], 150.0, "{v:#}");
    let err = stderr(&out);
    assert!(
        err.contains("skipped 3 lines (3 with an unbelievable timestamp); the first, line 2: a timestamp no scrape was taken at (1970-01-01T00:00:00.000Z)"),
        "{err}"
    );
    // The end is the real end, not 400 days later.
    let out = status_at(&sb, &file, "61s");
    assert!(
        stderr(&out).contains("which lasts 1:00"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_bad_number_costs_one_line_not_the_file() {
    let sb = Sandbox::new();
    let file = recording(
        &sb,
        "bad-number.jsonl.gz",
        &[(
            5,
            r#"{"at_ms":1e23,"source":"app","outcome":"ok","duration_ms":1,"bytes":1}"#.into(),
        )],
    );
    let out = status_at(&sb, &file, "1m");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json(&out)["domains"][0]["traffic"]["new"]["requests_total"],
        300.0
    );
    assert!(
        stderr(&out).contains("skipped 1 line (1 unreadable); the first, line 7:"),
        "{}",
        stderr(&out)
    );
}

#[test]
#[ignore = "needs tmux"]
fn the_position_bar_spans_the_real_data_despite_a_stray_line() {
    let sb = Sandbox::new();
    let file = recording(&sb, "stray.jsonl.gz", &[(0, scrape(0, 999_999))]);
    let pane = Pane::start(&sb, &["replay", &file.to_string_lossy()], &[]);
    let s = pane.wait_for("the position bar", STARTUP, |s| s.contains("/1:00"));
    assert!(!s.contains("499068"), "{s}");
    // Paused, one seek forward lands 30 s into the real data, with its figures.
    pane.keys(&["space"]);
    pane.keys(&["]"]);
    let s = pane.wait_for("the position 30 s in", STARTUP, |s| s.contains("0:30/1:00"));
    assert!(!s.contains("999999"), "{s}");
    pane.keys(&["q"]);
}
