//! `--demo` to the first frame, and recording size per hour.
//!
//! Start: the library path the demo runs before its first frame with figures (the bundled
//! recording decoded, its config compiled, the engine fed up to the start, the cockpit state
//! built, a 120×40 frame drawn through crossterm), timed phase by phase; and the real binary,
//! `cutover --demo` run under `script` (a pseudo-terminal of 120×40), timed from spawn until
//! the first frame with figures reaches the terminal.
//!
//! Recording: the bundled demo's bytes per hour, the same recording made again from the
//! simulator, and recordings of generated fleets of 10 and 50 domains written the way
//! `cutover record` writes them (bodies reduced to the lines the config uses, gzip, a sync
//! flush per line).
//!
//! `cargo bench --bench demo`

#[allow(dead_code)]
mod gen;
#[allow(dead_code)]
mod harness;
#[allow(dead_code)]
mod setup;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cutover::engine::{Engine, Mode};
use cutover::ingest::prefilter::reduce;
use cutover::record::{Recorder, ScrapeLine};
use cutover::ui::theme::ThemeSet;
use cutover::ui::{App, ColorChoice, ColorDepth, FeedEvent, ReplayPosition, TermCaps, UiOptions};
use gen::Fleet;
use harness::median;

/// Phases of one start, in ms.
struct Start {
    decode: f64,
    compile: f64,
    engine: f64,
    cockpit: f64,
    frame: f64,
    total: f64,
    bytes: usize,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What `cutover --demo` does before its first frame with figures, through the library.
fn start_once() -> Start {
    let t = Instant::now();
    let rec = cutover::demo::bundled().expect("bundled demo decodes");
    let decode = t.elapsed();
    let cfg = cutover::config::parse_str(&rec.header.config, Path::new("<bundled demo>"))
        .expect("config");
    let plan = cutover::compile::compile(&cfg)
        .expect("compiles")
        .plan
        .clone();
    let compile = t.elapsed();
    // The replay's first step: everything up to the recording's start, then a status.
    let mut engine = Engine::new(plan.clone());
    let start_ms = rec.start_ms();
    for s in rec.scrapes.iter().take_while(|s| s.at_ms <= start_ms) {
        engine.ingest(s);
    }
    let status = engine.status(Mode::Replay);
    let engine_done = t.elapsed();
    let themes = ThemeSet::load(None, "default");
    let opts = UiOptions {
        mode: Mode::Demo,
        read_only: Some("this is the demo: nothing here can act".into()),
        theme: "default".into(),
        color: ColorChoice::Auto,
        ascii: None,
        bindings: Default::default(),
        history: plan.timing.history,
        plan,
        actions: None,
        refusals: None,
        memory: None,
        trace_links: Default::default(),
    };
    let caps = TermCaps::detect(&opts);
    let caps = TermCaps {
        depth: if caps.depth == ColorDepth::None {
            ColorDepth::Ansi16
        } else {
            caps.depth
        },
        ..caps
    };
    let mut app = App::new(&opts, themes, caps).expect("cockpit");
    app.tick(start_ms);
    app.apply(FeedEvent::Status(Box::new(status)));
    app.apply(FeedEvent::Replay(ReplayPosition {
        start_ms,
        end_ms: rec.end_ms(),
        at_ms: start_ms,
        paused: false,
        speed: 4.0,
    }));
    let cockpit = t.elapsed();
    let mut wire = setup::Wire::new(120, 40);
    let bytes = wire.frame(&mut app);
    let total = t.elapsed();
    Start {
        decode: ms(decode),
        compile: ms(compile - decode),
        engine: ms(engine_done - compile),
        cockpit: ms(cockpit - engine_done),
        frame: ms(total - cockpit),
        total: ms(total),
        bytes,
    }
}

/// `cutover --demo` in a 120×40 pseudo-terminal: ms from spawn to the first frame (anything
/// drawn) and to the first frame that shows a domain, or `None` when `script` is missing.
fn binary_start() -> Option<(f64, f64)> {
    let exe = env!("CARGO_BIN_EXE_cutover");
    let inner = format!("stty rows 40 cols 120; exec {exe} --demo");
    let started = Instant::now();
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let mut seen = Vec::new();
    let mut chunk = [0u8; 65536];
    let (mut first_frame, mut first_figures) = (None, None);
    while first_figures.is_none() && started.elapsed() < Duration::from_secs(10) {
        let n = out.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&chunk[..n]);
        let at = ms(started.elapsed());
        // The alternate screen comes first; a frame is what follows a synchronized update.
        if first_frame.is_none() && contains(&seen, b"\x1b[?2026h") {
            first_frame = Some(at);
        }
        if contains(&seen, b"orders") && contains(&seen, b"inventory") {
            first_figures = Some(at);
        }
    }
    if let Some(stdin) = child.stdin.as_mut() {
        let _ = stdin.write_all(b"q");
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            _ if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    Some((first_frame?, first_figures?))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Records `minutes` of the fleet at 2 s the way `cutover record` does; MB per hour.
fn fleet_recording(fleet: &Fleet, minutes: u64) -> (f64, u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fleet.jsonl.gz");
    let config = fleet.config_toml("http://127.0.0.1:9", "2s", "1500ms");
    let plan = setup::compiled(&config).plan.clone();
    let engine = Engine::new(plan.clone());
    let mut rec = Recorder::create(&path, setup::T0_MS, &config).expect("recorder");
    let sources = fleet.sources();
    let seconds = minutes * 60;
    let mut t = 0;
    while t <= seconds {
        for (i, name) in sources.iter().enumerate() {
            let o = setup::outcome(
                name,
                setup::T0_MS + t as i64 * 1000 + i as i64,
                fleet.body(i, t),
            );
            let body = match &o.result {
                Ok(b) => reduce(b, engine.filter(i)),
                Err(_) => String::new(),
            };
            rec.write(&ScrapeLine::new(&o, body)).expect("write");
        }
        t += 2;
    }
    rec.finish().expect("finish");
    let bytes = std::fs::metadata(&path).expect("written").len();
    (bytes as f64 / 1e6 * 3600.0 / seconds as f64, bytes)
}

fn main() {
    let full = harness::full_run();
    let runs = if full { 21 } else { 2 };
    println!(
        "## `--demo` start and recording size\n\n{}\n",
        harness::machine()
    );
    let starts: Vec<Start> = (0..runs).map(|_| start_once()).collect();
    let first = &starts[0];
    let med = |f: fn(&Start) -> f64| median(&mut starts[1..].iter().map(f).collect::<Vec<_>>());
    println!("### Start: the library path to the first frame with figures (120×40)\n");
    println!(
        "| phase | first run ms | median of the next {} ms |",
        runs - 1
    );
    println!("|---|---:|---:|");
    for (name, f) in [
        (
            "decode the bundled recording (gunzip + JSON lines)",
            (|s: &Start| s.decode) as fn(&Start) -> f64,
        ),
        ("parse and compile its config", |s: &Start| s.compile),
        ("engine fed to the start + first status", |s: &Start| {
            s.engine
        }),
        ("themes, cockpit state, status applied", |s: &Start| {
            s.cockpit
        }),
        ("first frame drawn through crossterm", |s: &Start| s.frame),
        ("total (target ≤ 100 ms)", |s: &Start| s.total),
    ] {
        println!("| {name} | {:.2} | {:.2} |", f(first), med(f));
    }
    println!("\nFirst frame: {} bytes.", first.bytes);
    if full {
        let mut frame = Vec::new();
        let mut figures = Vec::new();
        for _ in 0..7 {
            if let Some((a, b)) = binary_start() {
                frame.push(a);
                figures.push(b);
            }
        }
        if figures.is_empty() {
            println!("\n`cutover --demo` under `script`: could not be measured here (no `script`, or no frame seen).");
        } else {
            println!(
                "\n`cutover --demo` as a process in a 120×40 pseudo-terminal (`script`), {} runs: first frame after {:.0} ms, first frame with figures after {:.0} ms (medians; spawn of `script` and a shell included).",
                figures.len(),
                median(&mut frame),
                median(&mut figures)
            );
        }
    }

    println!("\n### Recording size\n");
    println!("| recording | bytes | duration | MB per hour | target |");
    println!("|---|---:|---:|---:|---|");
    let rec = cutover::demo::bundled().expect("bundled");
    let span_s = (rec.end_ms() - rec.start_ms()) as f64 / 1e3;
    let bundled = cutover::demo::BUNDLED.len();
    let per_h = bundled as f64 / 1e6 * 3600.0 / span_s;
    println!(
        "| bundled demo (demo config, {} domains, {} sources, 2 s) | {bundled} | {:.0} s | {per_h:.2} | ≤ 5 MB/h {} |",
        cutover::config::parse_str(&rec.header.config, Path::new("demo"))
            .map(|c| c.domains.len())
            .unwrap_or(0),
        cutover::config::parse_str(&rec.header.config, Path::new("demo"))
            .map(|c| c.sources.len())
            .unwrap_or(0),
        span_s,
        if per_h <= 5.0 { "✓" } else { "✗ MISSED" }
    );
    if full {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("demo.jsonl.gz");
        let (made, took) = setup::timed(|| cutover::demo::generate(&path));
        made.expect("demo generates");
        let bytes = std::fs::metadata(&path).expect("written").len();
        println!(
            "| demo made again from the simulator (took {:.1} s) | {bytes} | {span_s:.0} s | {:.2} | ≤ 5 MB/h |",
            took.as_secs_f64(),
            bytes as f64 / 1e6 * 3600.0 / span_s
        );
    }
    let minutes = if full { 10 } else { 1 };
    for domains in [10usize, 50] {
        let fleet = Fleet { domains, pods: 1 };
        let (per_h, bytes) = fleet_recording(&fleet, minutes);
        println!(
            "| generated fleet, {domains} domains, {} sources, 2 s | {bytes} | {} s | {per_h:.2} | |",
            fleet.sources().len(),
            minutes * 60
        );
    }
}
