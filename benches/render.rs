//! Render cost and bytes on the wire.
//!
//! 1. Frame time with 50 domains at 200×60, overview and detail: the views drawing into a
//!    buffer, and a whole frame through a crossterm terminal (a new status applied, the views
//!    drawn, ratatui's diff, escape sequences) — interleaved in one run.
//! 2. Bytes per steady-state poll at 120×40, through a byte-counting crossterm backend, with the
//!    event loop's rules: a poll every 2 s, the clock every second, a frame only when something
//!    on screen changed, each frame inside a synchronized update. Driven by the bundled demo
//!    recording through the real engine (live mode), and by a 50-domain fleet.
//!
//! `cargo bench --bench render`; `-- --only bytes` counts bytes only, `-- --view NAME` only the
//! views whose name starts with NAME, `-- --data demo|fleet` one data set only; with
//! `DUMP_FRAMES=1` every counted frame's bytes and the last screen go to stderr.

#[allow(dead_code)]
mod gen;
#[allow(dead_code)]
mod harness;
#[allow(dead_code)]
mod setup;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use cutover::engine::{Engine, Mode};
use cutover::figures::Status;
use cutover::ui::{views, App, FeedEvent};
use gen::Fleet;
use harness::{interleaved, median, percentile, Case};
use setup::Wire;

fn enter(app: &mut App) {
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

/// The detail view (key `2`): before a domain is picked it follows the worst one, and unlike
/// `Enter` it needs no status on screen yet.
fn detail_view(app: &mut App) {
    app.handle_key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE));
}

/// A status moved later in time by `shift_ms`, so that a short list of statuses can be
/// replayed as a long run without time going backwards.
fn shifted(status: &Status, shift_ms: i64) -> Status {
    let mut s = status.clone();
    s.at_ms += shift_ms;
    for src in &mut s.sources {
        src.last_scrape_ms = src.last_scrape_ms.map(|t| t + shift_ms);
    }
    s
}

fn frame_time(domains: usize, width: u16, height: u16, rounds: usize, budget: Duration) {
    let fleet = Fleet { domains, pods: 1 };
    let (plan, statuses) = setup::fleet_statuses(&fleet, 300, 2);
    let last = statuses.last().expect("statuses").at_ms;
    let build = |detail: bool| {
        let mut app = setup::app(plan.clone(), Mode::Live);
        app.tick(last + 1_500);
        for s in &statuses {
            app.apply(FeedEvent::Status(Box::new(s.clone())));
        }
        if detail {
            enter(&mut app);
        }
        app
    };
    let overview = build(false);
    let detail = build(true);
    assert_eq!(overview.visible_count(), domains);
    let area = Rect::new(0, 0, width, height);
    let mut buf_o = Buffer::empty(area);
    let mut buf_d = Buffer::empty(area);

    // Whole frames: each run applies the next status (a poll) and draws through crossterm.
    let span = statuses.len() as i64 * 2_000;
    let next = |i: &mut usize| {
        let n = statuses.len();
        let s = shifted(&statuses[*i % n], (*i / n) as i64 * span + span);
        *i += 1;
        s
    };
    let mut live_o = build(false);
    let mut live_d = build(true);
    let mut wire_o = Wire::new(width, height);
    let mut wire_d = Wire::new(width, height);
    wire_o.frame(&mut live_o);
    wire_d.frame(&mut live_d);
    let (mut i_o, mut i_d) = (0usize, 0usize);
    let mut cases = vec![
        Case::new("overview: views into a buffer", || {
            buf_o.reset();
            views::render(&overview, area, &mut buf_o);
            u64::from(buf_o.content[0].symbol().as_bytes()[0])
        }),
        Case::new("detail: views into a buffer", || {
            buf_d.reset();
            views::render(&detail, area, &mut buf_d);
            u64::from(buf_d.content[0].symbol().as_bytes()[0])
        }),
        Case::new("overview: status applied + whole frame", || {
            let s = next(&mut i_o);
            live_o.tick(s.at_ms + 300);
            live_o.apply(FeedEvent::Status(Box::new(s)));
            wire_o.frame(&mut live_o) as u64
        }),
        Case::new("detail: status applied + whole frame", || {
            let s = next(&mut i_d);
            live_d.tick(s.at_ms + 300);
            live_d.apply(FeedEvent::Status(Box::new(s)));
            wire_d.frame(&mut live_d) as u64
        }),
    ];
    let t = interleaved(&mut cases, rounds, budget);
    println!("\n### Frame time, {domains} domains at {width}×{height} (release)\n");
    println!("| case | median µs | min µs | max µs | runs | target |");
    println!("|---|---:|---:|---:|---:|---|");
    for (k, t) in t.iter().enumerate() {
        let us = t.median.as_secs_f64() * 1e6;
        let target = if k < 2 {
            format!(
                "≤ 1,000 µs {}",
                if us <= 1_000.0 { "✓" } else { "✗ MISSED" }
            )
        } else {
            String::new()
        };
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {} | {} |",
            t.name,
            us,
            t.min.as_secs_f64() * 1e6,
            t.max.as_secs_f64() * 1e6,
            t.runs,
            target
        );
    }
}

/// One status arriving at the cockpit at `arrives_ms` (data time `status.at_ms`).
struct Arrival {
    arrives_ms: i64,
    status: Status,
}

/// What the terminal received over a run.
struct WireStats {
    seconds: f64,
    polls: usize,
    frames: usize,
    bytes: usize,
    per_poll: Vec<f64>,
    unchanged: usize,
    first: usize,
}

/// Runs the event loop's drawing rules over a sequence of statuses: the clock ticks every
/// second (at `phase_ms` past the second), each status is applied when it arrives, and a
/// frame is drawn after each wake-up that changed something. Bytes are counted from
/// `warmup_ms` after the first status; `per_poll` sums them between consecutive statuses.
fn wire_run(
    app: &mut App,
    arrivals: &[Arrival],
    width: u16,
    height: u16,
    warmup_ms: i64,
) -> WireStats {
    let mut wire = Wire::new(width, height);
    let start = arrivals[0].arrives_ms;
    let end = arrivals.last().expect("arrivals").arrives_ms + 1_000;
    app.tick(start - 400);
    let first = wire.frame(app);
    let phase_ms = 600;
    let mut next_tick = start - start.rem_euclid(1_000) + phase_ms;
    let mut a = 0;
    let (mut frames, mut bytes, mut polls) = (0, 0, 0);
    let mut per_poll = Vec::new();
    let mut this_poll = 0usize;
    let counting_from = start + warmup_ms;
    loop {
        let tick_first = a >= arrivals.len() || next_tick < arrivals[a].arrives_ms;
        let (now, dirty) = if tick_first {
            if next_tick > end {
                break;
            }
            let now = next_tick;
            next_tick += 1_000;
            (now, app.tick(now))
        } else {
            let arrival = &arrivals[a];
            a += 1;
            if arrival.arrives_ms >= counting_from {
                if polls > 0 {
                    per_poll.push(this_poll as f64);
                }
                polls += 1;
                this_poll = 0;
            }
            (
                arrival.arrives_ms,
                app.apply(FeedEvent::Status(Box::new(arrival.status.clone()))),
            )
        };
        if dirty {
            let n = wire.frame(app);
            if std::env::var_os("DUMP_FRAMES").is_some() && now >= counting_from {
                eprintln!("FRAME {n} {:?}", String::from_utf8_lossy(&wire.last));
            }
            if now >= counting_from {
                frames += 1;
                bytes += n;
                this_poll += n;
            }
        }
    }
    let unchanged = wire.frame(app);
    if std::env::var_os("DUMP_FRAMES").is_some() {
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        views::render(app, area, &mut buf);
        for y in 0..height {
            let line: String = (0..width).map(|x| buf[(x, y)].symbol()).collect();
            eprintln!("SCREEN {line}");
        }
    }
    WireStats {
        seconds: (end - counting_from) as f64 / 1e3,
        polls,
        frames,
        bytes,
        per_poll,
        unchanged,
        first,
    }
}

/// The bundled demo, as a live cockpit would have seen it: each poll cycle's scrapes through
/// the engine, the status arriving 250 ms after the cycle's first scrape.
fn demo_arrivals() -> (Arc<cutover::plan::Plan>, Vec<Arrival>) {
    let rec = cutover::demo::bundled().expect("bundled demo");
    let cfg = cutover::config::parse_str(&rec.header.config, Path::new("<demo>")).expect("config");
    let plan = cutover::compile::compile(&cfg)
        .expect("compiles")
        .plan
        .clone();
    let mut engine = Engine::new(plan.clone());
    let mut arrivals = Vec::new();
    let mut i = 0;
    while i < rec.scrapes.len() {
        let first = rec.scrapes[i].at_ms;
        while i < rec.scrapes.len() && rec.scrapes[i].at_ms < first + 1_000 {
            engine.ingest(&rec.scrapes[i]);
            i += 1;
        }
        arrivals.push(Arrival {
            arrives_ms: first + 250,
            status: engine.status(Mode::Live),
        });
    }
    (plan, arrivals)
}

fn bytes_table_row(label: &str, s: &WireStats, budgeted: bool) {
    let per_s = s.bytes as f64 / s.seconds;
    let mut per_poll = s.per_poll.clone();
    let med = median(&mut per_poll);
    let p95 = percentile(&mut per_poll, 95.0);
    let max = per_poll.iter().cloned().fold(0.0, f64::max);
    let (t_poll, t_s, t_unch) = if budgeted {
        (
            format!(" {}", if p95 <= 2_048.0 { "✓" } else { "✗" }),
            format!(" {}", if per_s <= 377.0 { "✓" } else { "✗" }),
            format!(" {}", if s.unchanged <= 64 { "✓" } else { "✗" }),
        )
    } else {
        Default::default()
    };
    println!(
        "| {label} | {:.0}{t_s} | {med:.0} / {p95:.0} / {max:.0}{t_poll} | {:.2} | {}{t_unch} | {} | {} polls, {:.0} s |",
        per_s,
        s.frames as f64 / s.polls.max(1) as f64,
        s.unchanged,
        s.first,
        s.polls,
        s.seconds
    );
}

/// The views the bytes are counted for, with the key that opens each (the default bindings).
const VIEWS: [(&str, char); 5] = [
    ("overview", '1'),
    ("detail of the worst domain", '2'),
    ("sources", '3'),
    ("events", '4'),
    ("help", '?'),
];

/// A fresh cockpit showing the view behind `key`.
fn app_on(plan: &Arc<cutover::plan::Plan>, key: char) -> App {
    let mut app = setup::app(plan.clone(), Mode::Live);
    if key == '2' {
        detail_view(&mut app);
    } else if key != '1' {
        app.handle_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE));
    }
    app
}

/// Every view at 120×40 (budgeted), then overview and detail at 200×60 (for scale).
fn runs() -> Vec<(&'static str, char, u16, u16)> {
    let mut out: Vec<_> = VIEWS.iter().map(|&(n, k)| (n, k, 120, 40)).collect();
    out.extend(VIEWS[..2].iter().map(|&(n, k)| (n, k, 200, 60)));
    out
}

fn bytes_on_the_wire(full: bool) {
    println!("\n### Bytes on the wire (steady state after the first minute)\n");
    println!("| run | bytes/s (goal ≤ 377) | per poll: median / p95 / max (target ≤ 2,048) | frames per poll | unchanged frame (target ≤ 64) | first frame | measured over |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let only = harness::arg("view");
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.starts_with(o));
    let data = harness::arg("data");
    let (plan, arrivals) = demo_arrivals();
    let arrivals: Vec<Arrival> = if full {
        arrivals
    } else {
        arrivals.into_iter().take(40).collect()
    };
    let warmup = if full { 60_000 } else { 10_000 };
    for (name, key, w, h) in runs() {
        if !wanted(name) || data.as_deref() == Some("fleet") {
            continue;
        }
        let mut app = app_on(&plan, key);
        let s = wire_run(&mut app, &arrivals, w, h, warmup);
        let label = match key {
            '1' => format!("demo, {} domains, overview", plan.domains.len()),
            _ => format!("demo, {name}"),
        };
        bytes_table_row(&format!("{label}, {w}×{h}"), &s, (w, h) == (120, 40));
    }
    if data.as_deref() == Some("demo") {
        return;
    }
    let fleet = Fleet {
        domains: if full { 50 } else { 5 },
        pods: 1,
    };
    let seconds = if full { 600 } else { 40 };
    let (plan, statuses) = setup::fleet_statuses(&fleet, seconds, 2);
    let arrivals: Vec<Arrival> = statuses
        .into_iter()
        .map(|s| Arrival {
            arrives_ms: s.at_ms + 250,
            status: s,
        })
        .collect();
    for (name, key, w, h) in runs() {
        if !wanted(name) {
            continue;
        }
        let mut app = app_on(&plan, key);
        let s = wire_run(&mut app, &arrivals, w, h, warmup);
        bytes_table_row(
            &format!("fleet, {} domains, {name}, {w}×{h}", fleet.domains),
            &s,
            (w, h) == (120, 40),
        );
    }
}

fn main() {
    let full = harness::full_run();
    let rounds = harness::arg("rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(if full { 15 } else { 1 });
    let budget = Duration::from_millis(if full { 100 } else { 1 });
    println!("## Render\n\n{}", harness::machine());
    // `-- --only bytes` skips the frame times (the byte counts do not depend on the build).
    if harness::arg("only").as_deref() != Some("bytes") {
        frame_time(if full { 50 } else { 5 }, 200, 60, rounds, budget);
    }
    bytes_on_the_wire(full);
}
