//! The poll cycle at scale: 500 service pods plus a gateway, a monolith and a broker (503
//! scrape sources), served over loopback HTTP by an in-process server, polled every 2 s by
//! cutover's pollers into the live feed (engine, statuses) and a cockpit state that draws each
//! status into a 120×40 buffer — everything the cockpit does except writing to a terminal.
//!
//! Reports whether every source was polled within each interval, how late polls started
//! against their 2 s grid, CPU per cycle (cutover's runtime threads apart from the server's),
//! and the resident size over time.
//!
//! `cargo bench --bench poll_cycle` (2 minutes); `-- --minutes 10` for the table's run.

#[allow(dead_code)]
mod gen;
#[allow(dead_code)]
mod harness;
#[allow(dead_code)]
mod setup;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::sync::{mpsc, watch};

use cutover::mode::Mode;
use cutover::source::{Poller, ScrapeOutcome};
use cutover::ui::views;
use gen::Fleet;
use harness::{percentile, rss_kib, threads_cpu};

/// One poll as the bench saw it.
struct Poll {
    source: usize,
    at_ms: i64,
    duration_ms: u64,
    ok: bool,
    received_ms: i64,
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Passes outcomes on to the feed, noting each.
async fn tap(
    mut from: mpsc::Receiver<ScrapeOutcome>,
    to: mpsc::Sender<ScrapeOutcome>,
    names: Vec<String>,
    log: Arc<Mutex<Vec<Poll>>>,
) {
    while let Some(o) = from.recv().await {
        let source = names
            .iter()
            .position(|n| *n == o.source)
            .unwrap_or(usize::MAX);
        log.lock().expect("log").push(Poll {
            source,
            at_ms: o.at_ms,
            duration_ms: o.duration_ms,
            ok: o.result.is_ok(),
            received_ms: unix_ms(),
        });
        if to.send(o).await.is_err() {
            break;
        }
    }
}

fn main() {
    let full = harness::full_run();
    let minutes: f64 = harness::arg("minutes")
        .and_then(|m| m.parse().ok())
        .unwrap_or(if full { 2.0 } else { 0.05 });
    let (fleet, interval_ms, interval, timeout) = if full {
        (
            Fleet {
                domains: 50,
                pods: 10,
            },
            2_000i64,
            "2s",
            "1500ms",
        )
    } else {
        (
            Fleet {
                domains: 2,
                pods: 2,
            },
            500,
            "500ms",
            "400ms",
        )
    };
    let names = fleet.sources();
    let started = Instant::now();
    let index_of: std::collections::HashMap<String, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("/{n}"), i))
        .collect();
    let server = setup::Server::start(Arc::new(move |path: &str| {
        let &i = index_of.get(path)?;
        let t_s = started.elapsed().as_secs();
        Some(Arc::new(fleet.body(i, t_s)))
    }));
    let compiled = setup::compiled(&fleet.config_toml(&server.base_url(), interval, timeout));
    let plan = compiled.plan.clone();
    let specs: Vec<_> = compiled
        .specs
        .iter()
        .map(|s| s.as_ref().expect("every source sets up").clone())
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cutover-rt")
        .enable_all()
        .build()
        .expect("runtime");
    let log = Arc::new(Mutex::new(Vec::new()));
    let run_for = Duration::from_secs_f64(minutes * 60.0);
    let rss_start = rss_kib();
    let warmup = Duration::from_millis(2 * interval_ms as u64 + interval_ms as u64 / 2);

    let (cpu, rss_samples, statuses, frames) = runtime.block_on(async {
        let (poller, outcomes) = Poller::start(specs, plan.timing.interval).expect("pollers start");
        let (fwd_tx, fwd_rx) = mpsc::channel(plan.sources.len() * 4);
        tokio::spawn(tap(outcomes, fwd_tx, names.clone(), log.clone()));
        let (ui_tx, mut ui_rx) = mpsc::channel(64);
        let (latest_tx, _latest_rx) = watch::channel(None);
        let feed = tokio::spawn(cutover::feed::live(
            plan.clone(),
            fwd_rx,
            ui_tx,
            latest_tx,
            None,
            poller.pressure(),
            poller.body_returns(),
        ));
        // The cockpit's side: every status applied and drawn (into a buffer, not a terminal).
        let ui_plan = plan.clone();
        let ui = tokio::spawn(async move {
            let mut app = setup::app(ui_plan, Mode::Live);
            let area = Rect::new(0, 0, 120, 40);
            let mut buf = Buffer::empty(area);
            let (mut statuses, mut frames) = (0u64, 0u64);
            while let Some(ev) = ui_rx.recv().await {
                statuses += 1;
                app.tick(unix_ms());
                if app.apply(ev) {
                    buf.reset();
                    views::render(&app, area, &mut buf);
                    app.mark_drawn();
                    frames += 1;
                }
            }
            (statuses, frames)
        });
        tokio::time::sleep(warmup).await;
        let cpu_from = (
            threads_cpu("cutover-rt"),
            threads_cpu("bench-srv"),
            Instant::now(),
        );
        let mut rss_samples = Vec::new();
        let mut next_sample = Duration::from_secs(60).min(run_for);
        while cpu_from.2.elapsed() < run_for {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if cpu_from.2.elapsed() >= next_sample {
                rss_samples.push((cpu_from.2.elapsed().as_secs(), rss_kib()));
                next_sample += Duration::from_secs(60);
            }
        }
        let cpu = (
            threads_cpu("cutover-rt") - cpu_from.0,
            threads_cpu("bench-srv") - cpu_from.1,
            cpu_from.2.elapsed(),
        );
        rss_samples.push((cpu_from.2.elapsed().as_secs(), rss_kib()));
        poller.stop();
        let _ = feed.await;
        let (statuses, frames) = ui.await.unwrap_or((0, 0));
        (cpu, rss_samples, statuses, frames)
    });

    let log = log.lock().expect("log");
    let sources = names.len();
    let mut per_source: Vec<Vec<&Poll>> = vec![Vec::new(); sources];
    for p in log.iter() {
        if p.source < sources {
            per_source[p.source].push(p);
        }
    }
    let t0 = per_source
        .iter()
        .filter_map(|v| v.first().map(|p| p.at_ms))
        .min()
        .expect("polls happened");
    let last = log.iter().map(|p| p.received_ms).max().unwrap_or(t0);
    let cycles = ((last - t0) / interval_ms - 1).max(1);
    let mut lateness = Vec::new();
    let mut durations = Vec::new();
    let mut late_answers = 0;
    let mut errors = 0;
    let mut complete_cycles = 0;
    let mut polled_in_time = 0;
    for k in 0..cycles {
        let (from, to) = (t0 + k * interval_ms, t0 + (k + 1) * interval_ms);
        let mut all = true;
        for polls in &per_source {
            let hit = polls
                .iter()
                .any(|p| p.at_ms >= from && p.at_ms < to && p.received_ms <= to);
            all &= hit;
            polled_in_time += usize::from(hit);
        }
        complete_cycles += usize::from(all);
    }
    for polls in &per_source {
        let Some(first) = polls.first() else { continue };
        for (k, p) in polls.iter().enumerate() {
            lateness.push((p.at_ms - (first.at_ms + k as i64 * interval_ms)) as f64);
            durations.push(p.duration_ms as f64);
            errors += usize::from(!p.ok);
            late_answers += usize::from(p.received_ms - p.at_ms > interval_ms);
        }
    }
    let (client_cpu, server_cpu, wall) = cpu;
    let measured_cycles = wall.as_secs_f64() * 1e3 / interval_ms as f64;
    println!("## Poll cycle\n\n{}\n", harness::machine());
    println!(
        "{sources} sources ({} domains × {} pods + gateway, monolith, broker) on loopback, interval {interval}, timeout {timeout}, {:.1} min measured after {:.1} s of warm-up; {} statuses reached the cockpit state, {} frames drawn.\n",
        fleet.domains,
        fleet.pods,
        wall.as_secs_f64() / 60.0,
        warmup.as_secs_f64(),
        statuses,
        frames
    );
    println!("| measure | value | target |");
    println!("|---|---:|---|");
    println!(
        "| cycles in which every source was polled and answered within the interval | {complete_cycles} / {cycles} | all {} |",
        if complete_cycles as i64 == cycles { "✓" } else { "✗ MISSED" }
    );
    println!(
        "| polls started and answered in their cycle | {polled_in_time} / {} | |",
        cycles as usize * sources
    );
    println!("| polls that failed | {errors} | 0 |");
    println!("| polls answered more than one interval after they started | {late_answers} | 0 |");
    println!(
        "| poll start lateness against the 2 s grid, p50 / p99 / max ms | {:.0} / {:.0} / {:.0} | |",
        percentile(&mut lateness.clone(), 50.0),
        percentile(&mut lateness.clone(), 99.0),
        percentile(&mut lateness, 100.0)
    );
    println!(
        "| poll duration p50 / p99 / max ms | {:.0} / {:.0} / {:.0} | < {timeout} |",
        percentile(&mut durations.clone(), 50.0),
        percentile(&mut durations.clone(), 99.0),
        percentile(&mut durations, 100.0)
    );
    println!(
        "| cutover CPU per cycle (runtime threads: pollers, HTTP, engine, statuses, cockpit state) | {:.0} ms ({:.1}% of one core) | |",
        client_cpu.as_secs_f64() * 1e3 / measured_cycles,
        100.0 * client_cpu.as_secs_f64() / wall.as_secs_f64()
    );
    println!(
        "| bench server CPU per cycle (not cutover) | {:.0} ms | |",
        server_cpu.as_secs_f64() * 1e3 / measured_cycles
    );
    let rss: Vec<String> = rss_samples
        .iter()
        .map(|(s, k)| format!("{:.1} MiB at {}s", *k as f64 / 1024.0, s))
        .collect();
    println!(
        "| resident size (whole process, the server included): before polling / over time | {:.1} MiB / {} | |",
        rss_start as f64 / 1024.0,
        rss.join(", ")
    );
}
