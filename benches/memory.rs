//! Memory: extra peak RSS of ingesting a big body, and the resident size of a cockpit holding
//! an hour of history for 50 domains polled every second.
//!
//! Each case runs in a fresh child process (this binary, re-run with `--child CASE`), because
//! peaks are per process. A child builds its input first, then resets the peak
//! (`/proc/self/clear_refs`) and measures `VmHWM` and `VmRSS` from `/proc/self/status`.
//!
//! `cargo bench --bench memory` (an hour of history: about a minute of CPU);
//! `cargo bench --bench memory -- --minutes 10` for a shorter history.

#[allow(dead_code)]
mod gen;
#[allow(dead_code)]
mod harness;
#[allow(dead_code)]
mod setup;

use std::collections::HashMap;
use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use cutover::engine::{Engine, Mode};
use cutover::ingest::exposition::parse;
use cutover::ingest::prefilter::FamilyFilter;
use cutover::source::Fetcher;
use cutover::ui::FeedEvent;
use gen::Fleet;
use harness::{peak_kib, reset_peak, rss_kib};

/// What a child reports: `key=value` pairs on a line starting with `RESULT`.
fn report(pairs: &[(&str, String)]) {
    let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", text.join(" "));
}

/// Resets the peak and returns the resident size it starts from.
fn baseline() -> u64 {
    assert!(
        reset_peak(),
        "the kernel refused /proc/self/clear_refs; peaks would include the input's creation"
    );
    rss_kib()
}

fn extra(base: u64) -> Vec<(&'static str, String)> {
    vec![
        ("base_kib", base.to_string()),
        (
            "extra_peak_kib",
            peak_kib().saturating_sub(base).to_string(),
        ),
        ("rss_kib", rss_kib().to_string()),
    ]
}

fn body(which: &str, full: bool) -> String {
    let mut b = match (which, full) {
        ("envoy", true) => gen::envoy(200),
        ("envoy", false) => gen::envoy(8),
        (_, true) => gen::kafka(50, 20, 12),
        (_, false) => gen::kafka(4, 4, 4),
    };
    b.shrink_to_fit();
    b
}

fn config(which: &str, url: &str) -> String {
    if which == "envoy" {
        gen::envoy_config(url)
    } else {
        gen::kafka_config(url)
    }
}

fn child(case: &str, full: bool, minutes: u64) {
    match case.split_once(':') {
        Some(("parse", which)) => {
            let body = body(which, full);
            let all = FamilyFilter::all();
            let base = baseline();
            let mut n = 0u64;
            parse(&body, &all, |s| n += s.labels.len() as u64);
            black_box(n);
            report(&extra(base));
        }
        Some(("engine", which)) => {
            let body = body(which, full);
            let plan = setup::compiled(&config(which, "http://127.0.0.1:9/"))
                .plan
                .clone();
            let mut engine = Engine::new(plan.clone());
            let mut o = setup::outcome(&plan.sources[0].name, setup::T0_MS, body);
            let base = baseline();
            // Two polls: the second finds every series already known.
            engine.ingest(&o);
            o.at_ms += 2_000;
            engine.ingest(&o);
            black_box(engine.status(Mode::Live));
            report(&extra(base));
        }
        Some(("prometheus-parse", which)) => {
            let body = body(which, full);
            let base = baseline();
            let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned())))
                .expect("in memory");
            let mut pairs = extra(base);
            pairs.push(("samples", scrape.samples.len().to_string()));
            report(&pairs);
            drop(scrape);
        }
        Some(("fetch", which)) => {
            // The live path: the body over loopback HTTP into the engine.
            let body = Arc::new(body(which, full));
            let served = body.clone();
            let server = setup::Server::start(Arc::new(move |_: &str| Some(served.clone())));
            let compiled =
                setup::compiled(&config(which, &format!("{}/metrics", server.base_url())));
            let spec = compiled.specs[0].as_ref().expect("spec").clone();
            let mut engine = Engine::new(compiled.plan.clone());
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let fetcher = Fetcher::new(&spec).expect("fetcher");
            // One poll first so that connection set-up and TLS-free client state are in the
            // baseline, as they are in a running cockpit.
            let warm = rt.block_on(fetcher.fetch());
            assert!(warm.result.is_ok(), "{:?}", warm.result.err());
            engine.ingest(&warm);
            drop(warm);
            let base = baseline();
            let o = rt.block_on(fetcher.fetch());
            assert!(o.result.is_ok());
            engine.ingest(&o);
            let mut pairs = extra(base);
            pairs.push(("body_kib", (body.len() / 1024).to_string()));
            report(&pairs);
        }
        Some(("history", what)) => history(what == "cockpit", full, minutes),
        _ => panic!("unknown case {case}"),
    }
}

/// 50 domains polled every second for `minutes`, through the engine (and, for the cockpit,
/// into the cockpit's state, which keeps the timeline the detail charts draw).
fn history(cockpit: bool, full: bool, minutes: u64) {
    let fleet = Fleet {
        domains: if full { 50 } else { 5 },
        pods: 1,
    };
    let plan = setup::fleet_plan(&fleet, "1s");
    let sources = fleet.sources();
    let mut engine = Engine::new(plan.clone());
    let mut app = cockpit.then(|| setup::app(plan.clone(), Mode::Live));
    let start_rss = rss_kib();
    let started = Instant::now();
    let seconds = minutes * 60;
    let mut rss_at = Vec::new();
    for t in 0..=seconds {
        setup::feed_cycle(&mut engine, &fleet, &sources, t);
        let status = engine.status(Mode::Live);
        match app.as_mut() {
            Some(app) => {
                app.tick(status.at_ms + 500);
                app.apply(FeedEvent::Status(Box::new(status)));
            }
            None => drop(black_box(status)),
        }
        if t > 0 && t % 600 == 0 {
            rss_at.push(format!("{}m:{}", t / 60, rss_kib()));
        }
    }
    if let Some(app) = app.as_mut() {
        let mut wire = setup::Wire::new(120, 40);
        black_box(wire.frame(app));
    }
    let frames: usize = engine.store().signals.iter().map(|s| s.frames.len()).sum();
    let values: usize = engine
        .store()
        .signals
        .iter()
        .flat_map(|s| s.frames.iter())
        .map(|f| f.values.len())
        .sum();
    report(&[
        ("start_rss_kib", start_rss.to_string()),
        ("rss_kib", rss_kib().to_string()),
        ("peak_kib", peak_kib().to_string()),
        ("seconds", seconds.to_string()),
        ("domains", fleet.domains.to_string()),
        ("signals", plan.signals.len().to_string()),
        ("frames_kept", frames.to_string()),
        ("values_kept", values.to_string()),
        ("cpu_s", format!("{:.1}", started.elapsed().as_secs_f64())),
        ("rss_over_time", rss_at.join(",")),
    ]);
}

fn run_child(case: &str, full: bool, minutes: u64) -> HashMap<String, String> {
    let exe = std::env::current_exe().expect("own path");
    let mut cmd = Command::new(exe);
    cmd.args(["--child", case, "--minutes", &minutes.to_string()]);
    if full {
        cmd.arg("--bench");
    }
    let out = cmd.output().expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {case} failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("child {case} said nothing: {stdout}"));
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn mib(kib: &str) -> f64 {
    kib.parse::<f64>().unwrap_or(f64::NAN) / 1024.0
}

fn main() {
    let full = harness::full_run();
    let minutes: u64 = harness::arg("minutes")
        .and_then(|m| m.parse().ok())
        .unwrap_or(if full { 60 } else { 1 });
    if let Some(case) = harness::arg("child") {
        child(&case, full, minutes);
        return;
    }
    println!("## Memory\n\n{}", harness::machine());
    println!("\n### Extra peak RSS while ingesting one body (over the process holding the body)\n");
    println!("| case | body | extra peak MiB | target |");
    println!("|---|---|---:|---|");
    for (case, label) in [
        ("parse:envoy", "cutover parse, everything"),
        (
            "engine:envoy",
            "cutover engine ingest, 6-domain config (two polls)",
        ),
        (
            "fetch:envoy",
            "cutover live path: HTTP fetch over loopback + engine ingest",
        ),
        (
            "prometheus-parse:envoy",
            "prometheus-parse 0.2.5, result kept",
        ),
        ("parse:kafka", "cutover parse, everything"),
        (
            "engine:kafka",
            "cutover engine ingest, 6-domain config (two polls)",
        ),
        (
            "fetch:kafka",
            "cutover live path: HTTP fetch over loopback + engine ingest",
        ),
        (
            "prometheus-parse:kafka",
            "prometheus-parse 0.2.5, result kept",
        ),
    ] {
        let r = run_child(case, full, minutes);
        let which = case.split_once(':').map_or("", |(_, w)| w);
        let extra = mib(&r["extra_peak_kib"]);
        let target = if which == "envoy" && !case.starts_with("prometheus") {
            format!("≤ 16 MiB {}", if extra <= 16.0 { "✓" } else { "✗ MISSED" })
        } else {
            String::new()
        };
        let note = match r.get("body_kib") {
            Some(b) => format!(" (includes the received body, {:.1} MiB)", mib(b)),
            None => String::new(),
        };
        println!("| {label}{note} | {which} | {extra:.1} | {target} |");
    }

    println!("\n### Resident size with 50 domains polled every second, {minutes} min of history\n");
    println!("| process holds | RSS MiB at the end | peak MiB | frames / values kept in the store | RSS by 10 min (KiB) | took s | target |");
    println!("|---|---:|---:|---:|---|---:|---|");
    for (case, label) in [
        ("history:engine", "engine (store + figures)"),
        (
            "history:cockpit",
            "engine + cockpit state (timeline, statuses)",
        ),
    ] {
        let r = run_child(case, full, minutes);
        let rss = mib(&r["rss_kib"]);
        println!(
            "| {label}, {} domains, {} signals | {rss:.1} | {:.1} | {} / {} | {} | {} | ≤ 64 MiB {} |",
            r["domains"],
            r["signals"],
            mib(&r["peak_kib"]),
            r["frames_kept"],
            r["values_kept"],
            r["rss_over_time"],
            r["cpu_s"],
            if rss <= 64.0 { "✓" } else { "✗ MISSED" }
        );
    }
}
