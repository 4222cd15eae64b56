//! The bundled demo: it matches what the simulator produces, replays through the engine, and
//! its story is there at fixed points.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;

use common::{json, run_ok, Sandbox};

fn inflate(bytes: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn the_bundled_demo_is_what_the_generator_makes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.jsonl.gz");
    cutover::demo::generate(&out).unwrap();
    let fresh = inflate(&std::fs::read(&out).unwrap());
    let bundled = inflate(cutover::demo::BUNDLED);
    assert!(
        fresh == bundled,
        "assets/demo.jsonl.gz is out of date: run `cargo run -- demo generate assets/demo.jsonl.gz`"
    );
}

#[test]
fn the_demo_tells_its_story_through_status_replay() {
    let sb = Sandbox::new();
    let file = sb.path().join("demo.jsonl.gz");
    run_ok(sb.cutover().args(["demo", "export"]).arg(&file));
    let at = |offset: &str| {
        json(&run_ok(
            sb.cutover()
                .args(["status", "--json", "--replay"])
                .arg(&file)
                .args(["--at", offset]),
        ))
    };
    let domain = |v: &serde_json::Value, name: &str| {
        v["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap()
            .clone()
    };
    let early = at("1m30s");
    assert_eq!(early["mode"], "replay");
    assert_eq!(domain(&early, "orders")["health"], "ok");
    assert_eq!(
        domain(&early, "orders")["traffic"]["configured_new_share"].as_f64(),
        Some(0.1)
    );
    // At 1m40s the operator promotes orders one step: 25% configured, and the traffic follows.
    let promoted = domain(&at("2m20s"), "orders");
    assert_eq!(
        promoted["traffic"]["configured_new_share"].as_f64(),
        Some(0.25),
        "{promoted}"
    );
    assert_eq!(promoted["verdict"]["result"], "pass", "{promoted}");
    let degraded = at("4m30s");
    let orders = domain(&degraded, "orders");
    assert_eq!(orders["health"], "crit", "{orders}");
    assert!(orders["traffic"]["new"]["error_ratio"].as_f64().unwrap() > 0.01);
    // The scenario rolls orders back at 5m: no new-path traffic after.
    let after = domain(&at("7m"), "orders");
    assert_eq!(
        after["traffic"]["new"]["requests"].as_f64(),
        Some(0.0),
        "{after}"
    );
    assert_eq!(after["traffic"]["configured_new_share"].as_f64(), Some(0.0));
    // billing-svc answers 503 from 6m to 6m40s: billing is stale and its figures unknown.
    let billing = domain(&at("6m20s"), "billing");
    assert_eq!(billing["stale"], true, "{billing}");
    assert_eq!(billing["health"], "unknown");
    assert!(billing["sagas"][0]["failed"].is_null());
    assert_eq!(domain(&at("8m"), "billing")["stale"], false);
}

#[test]
fn a_recording_cut_short_replays_up_to_its_last_whole_line() {
    let sb = Sandbox::new();
    let bytes = cutover::demo::BUNDLED;
    let file = sb.path().join("cut.jsonl.gz");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let v = json(&run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&file),
    ));
    assert_eq!(v["mode"], "replay");
    assert!(v["domains"].as_array().unwrap().len() >= 5);
}

#[test]
fn missing_foreign_and_newer_recordings_get_clear_errors() {
    let sb = Sandbox::new();
    let check = |file: &std::path::Path, want: &str| {
        let out = sb
            .cutover()
            .args(["status", "--replay"])
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&file.display().to_string()) && err.contains(want),
            "{err}"
        );
    };
    check(&sb.path().join("nope.jsonl.gz"), "cannot open");
    let foreign = sb.path().join("foreign.jsonl.gz");
    std::fs::write(&foreign, b"hello, not gzip").unwrap();
    check(&foreign, "not gzip");
    let newer = sb.path().join("newer.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        b"{\"format\":\"cutover-recording\",\"version\":99}\n",
    )
    .unwrap();
    std::fs::write(&newer, gz.finish().unwrap()).unwrap();
    check(&newer, "newer");
}
