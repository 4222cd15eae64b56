//! Data written by cutover survives it being killed: a recording cut short by SIGKILL replays
//! up to its last whole line (DESIGN §4), with the scrapes made up to the kill.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use common::{fixture, json, run_ok, ConfigBuilder, HttpServer, Reply, Sandbox};

fn config(server: &HttpServer) -> String {
    ConfigBuilder::new()
        .setting("interval", "500ms")
        .setting("timeout", "400ms")
        .setting("window", "10s")
        .gateway(&server.url("/metrics"))
        .orders_haproxy()
        .build()
}

#[test]
fn a_recording_killed_with_sigkill_replays_up_to_the_kill() {
    // Idle first, then the counters after the canary's traffic: the replay must see both.
    let server = HttpServer::start(|_, n| {
        Some(Reply::text(if n == 0 {
            fixture("real/haproxy-idle.prom")
        } else {
            fixture("real/haproxy-svc-down.prom")
        }))
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));
    let recording = sb.path().join("killed.jsonl.gz");
    let mut child = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .args(["record", "--out"])
        .arg(&recording)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.requests().len() < 6 && started.elapsed() < Duration::from_secs(20) {
        thread::sleep(Duration::from_millis(50));
    }
    // Let the last answer be written, then kill without any chance to finish the file.
    thread::sleep(Duration::from_millis(100));
    let answered_before_kill = server.requests().len();
    child.kill().unwrap(); // SIGKILL
    let killed_at_ms = unix_ms();
    child.wait().unwrap();
    assert!(
        answered_before_kill >= 6,
        "only {answered_before_kill} scrapes in 20 s"
    );

    // The file has no gzip trailer; the reader keeps every whole line.
    let rec = cutover::record::read_recording(&recording).unwrap();
    assert!(rec.truncated, "a killed recording has no gzip trailer");
    // At most the one scrape in flight at the kill is missing.
    assert!(
        rec.scrapes.len() + 1 >= answered_before_kill,
        "{} scrapes recorded of {answered_before_kill} answered",
        rec.scrapes.len()
    );
    assert!(rec.scrapes.iter().all(|s| s.result.is_ok()));
    let last = rec.scrapes.last().unwrap().at_ms;
    assert!(
        killed_at_ms - last < 1500,
        "the last recorded scrape is {} ms before the kill",
        killed_at_ms - last
    );

    let out = run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&recording),
    );
    let v = json(&out);
    assert_eq!(v["mode"], "replay");
    assert_eq!(v["sources"][0]["up"], true, "{v}");
    let new = &v["domains"][0]["traffic"]["new"];
    // haproxy-svc-down.prom has 200 orders_svc responses; haproxy-idle.prom none.
    assert_eq!(new["requests"].as_f64(), Some(200.0), "{new}");
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
