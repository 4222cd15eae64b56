//! The detail charts read back: the zoom keys between the window and the whole history, and a
//! cursor that reads one moment off every chart. Driven by the bundled demo through the real
//! engine, as `cutover --demo` plays it, with key events; the screen through ratatui's test
//! backend, the bytes through a counting crossterm backend, and once in tmux.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;

use cutover::engine::{Engine, Mode};
use cutover::figures::Status;
use cutover::format;
use cutover::plan::Plan;
use cutover::timeline::TrendPoint;
use cutover::ui::app::View;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{views, App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions};

/// The demo's statuses, one per poll cycle, as the replay sends them.
fn demo() -> (Arc<Plan>, Vec<Status>) {
    let rec = cutover::demo::bundled().unwrap();
    let cfg = cutover::config::parse_str(&rec.header.config, Path::new("<demo>")).unwrap();
    let plan = cutover::compile::compile(&cfg).unwrap().plan.clone();
    let mut engine = Engine::new(plan.clone());
    let mut out = Vec::new();
    let mut i = 0;
    while i < rec.scrapes.len() {
        let first = rec.scrapes[i].at_ms;
        while i < rec.scrapes.len() && rec.scrapes[i].at_ms < first + 1_000 {
            engine.ingest(&rec.scrapes[i]);
            i += 1;
        }
        out.push(engine.status(Mode::Demo));
    }
    (plan, out)
}

fn app(plan: &Arc<Plan>, history: Duration) -> App {
    let opts = UiOptions {
        mode: Mode::Demo,
        read_only: Some("the demo only shows a recording".into()),
        color: ColorChoice::Ansi16,
        ascii: Some(false),
        history,
        plan: plan.clone(),
        ..Default::default()
    };
    let caps = TermCaps {
        depth: ColorDepth::Ansi16,
        ascii: false,
        utc_offset_secs: 0,
    };
    App::new(&opts, ThemeSet::builtin(), caps).unwrap()
}

/// The demo's first `n` statuses applied, the detail view of the worst domain open.
fn detail_after(n: usize, history: Duration) -> (App, Vec<Status>) {
    let (plan, statuses) = demo();
    let mut a = app(&plan, history);
    for s in &statuses[..n] {
        a.tick(s.at_ms + 300);
        a.apply(FeedEvent::Status(Box::new(s.clone())));
    }
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.view(), View::Detail);
    (a, statuses)
}

fn press(a: &mut App, code: KeyCode) {
    a.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn keys(a: &mut App, text: &str) {
    for c in text.chars() {
        press(a, KeyCode::Char(c));
    }
}

fn screen(a: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::draw(f, a)).unwrap();
    t.backend().to_string()
}

/// The selected domain's stored point at the cursor.
fn point_at_cursor(a: &App) -> TrendPoint {
    let at = a.chart_nav().cursor_ms.expect("a placed cursor");
    let name = a.selected_name().unwrap();
    a.timeline()
        .trend(name)
        .points()
        .iter()
        .find(|p| p.at_ms == at)
        .cloned()
        .expect("the cursor sits on a stored point")
}

#[test]
fn zoom_steps_between_the_window_and_the_whole_history() {
    // Six minutes of the demo: the whole history is on a 10 min axis.
    let (mut a, _) = detail_after(180, Duration::from_secs(3600));
    let s = screen(&a, 120, 40);
    assert!(s.contains("-10m"), "{s}");
    keys(&mut a, "z");
    let s = screen(&a, 120, 40);
    assert!(s.contains("-5m") && !s.contains("-10m"), "{s}");
    keys(&mut a, "zzz");
    let s = screen(&a, 120, 40);
    assert!(s.contains("-1m"), "down to the window (1 min): {s}");
    assert!(s.contains("zoomed in as far as the window"), "{s}");
    insta::assert_snapshot!("chart_cursor_detail_zoomed_1m_120x40", s);
    keys(&mut a, "ZZZ");
    let s = screen(&a, 120, 40);
    assert!(s.contains("-10m"), "{s}");
    assert_eq!(
        a.chart_nav().zoom_ms,
        None,
        "out to the whole history: no zoom"
    );
}

#[test]
fn the_cursor_reads_the_stored_values_and_the_moment_on_every_chart() {
    let (mut a, _) = detail_after(180, Duration::from_secs(3600));
    keys(&mut a, "zz");
    screen(&a, 120, 40);
    // Ten columns back, then two more.
    keys(&mut a, "<,,");
    let s = screen(&a, 120, 40);
    insta::assert_snapshot!("chart_cursor_detail_cursor_120x40", s);
    let p = point_at_cursor(&a);
    let newest = a
        .timeline()
        .trend(a.selected_name().unwrap())
        .points()
        .back()
        .unwrap()
        .at_ms;
    assert!(p.at_ms < newest - 10_000, "{} {newest}", p.at_ms);
    let share = p.new_share.map_or("no data".into(), format::share);
    assert!(s.contains(&format!("new share {share} ")), "{share}: {s}");
    let new_err = p.new_error_ratio.map_or("no data".into(), format::ratio);
    assert!(s.contains(&format!(" N {new_err} ")), "{new_err}: {s}");
    // The moment on every chart: clock time, and how long before the newest figures.
    let label = format!(
        "{}  {} ago",
        format::clock(p.at_ms, 0),
        format::age_coarse(newest - p.at_ms)
    );
    let charts = 3 + a.selected_domain().unwrap().queues.len();
    assert_eq!(s.matches(&label).count(), charts, "{label}: {s}");
    // Forward, back: the same moment again.
    keys(&mut a, ".,");
    assert_eq!(a.chart_nav().cursor_ms, Some(p.at_ms));
}

#[test]
fn a_placed_cursor_stays_at_its_moment_and_esc_goes_back_to_live() {
    let (mut a, statuses) = detail_after(180, Duration::from_secs(3600));
    keys(&mut a, "z");
    screen(&a, 120, 40);
    keys(&mut a, "<");
    let at = a.chart_nav().cursor_ms.unwrap();
    for s in &statuses[180..200] {
        a.apply(FeedEvent::Status(Box::new(s.clone())));
    }
    assert_eq!(
        a.chart_nav().cursor_ms,
        Some(at),
        "new figures do not move it"
    );
    let s = screen(&a, 120, 40);
    assert!(s.contains(&format::clock(at, 0)), "{s}");
    // Esc: live again, still on the detail view; Esc again goes back to the overview.
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.chart_nav().cursor_ms, None);
    assert_eq!(a.view(), View::Detail);
    let s = screen(&a, 120, 40);
    assert!(!s.contains(" ago "), "{s}");
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view(), View::Overview);
}

/// The rows of the charts (below the traffic table, above the judge), from the `from`th
/// character of each panel on.
fn chart_rows(s: &str, from: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let top = lines.iter().position(|l| l.contains("new share")).unwrap();
    let bottom = lines.iter().position(|l| l.contains("Judge")).unwrap();
    let mut out = String::new();
    for l in &lines[top + 1..bottom] {
        let chars: Vec<char> = l.chars().collect();
        let half = chars.len() / 2;
        for panel in [&chars[..half], &chars[half..]] {
            out.extend(panel.iter().skip(from));
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_charts_hold_still_under_a_placed_cursor_and_it_goes_live_when_its_moment_leaves_history() {
    // Two minutes of history kept; the axis zoomed to one minute.
    let (mut a, statuses) = detail_after(90, Duration::from_secs(120));
    keys(&mut a, "zzz");
    let s = screen(&a, 120, 40);
    assert!(s.contains("-1m"), "{s}");
    // Back past the left edge: the axis widens to the next round length that holds it.
    keys(&mut a, "<<<<<<<<<<<<");
    let at = a.chart_nav().cursor_ms.unwrap();
    let newest = statuses[89].at_ms;
    assert!(at < newest - 60_000, "{at} {newest}");
    let held = screen(&a, 120, 40);
    assert!(held.contains("-2m"), "{held}");
    // Twenty more seconds of figures: the charts hold still, the moment is a little older.
    for s in &statuses[90..100] {
        a.apply(FeedEvent::Status(Box::new(s.clone())));
    }
    // Twenty seconds of the oldest points left the 2 min history: right of them, nothing moved.
    let s = screen(&a, 120, 40);
    assert_eq!(chart_rows(&s, 12), chart_rows(&held, 12));
    assert!(s.contains(&format::clock(at, 0)), "{s}");
    // A minute on, it is no longer kept: live again, and said.
    for s in &statuses[100..130] {
        a.apply(FeedEvent::Status(Box::new(s.clone())));
    }
    assert_eq!(a.chart_nav().cursor_ms, None);
    let s = screen(&a, 120, 40);
    assert!(s.contains("is no longer in the kept history (120s)"), "{s}");
    assert!(s.contains("-1m"), "the zoom chosen is kept: {s}");
    assert_ne!(
        chart_rows(&s, 12),
        chart_rows(&held, 12),
        "the charts follow again"
    );
}

#[test]
fn unknown_at_the_cursor_reads_no_data_never_zero() {
    let (plan, mut statuses) = demo();
    // The worst domain's figures unknown for a minute (its source down), then nothing at all
    // for a minute (no status: the cockpit was suspended).
    let worst = {
        let mut a = app(&plan, Duration::from_secs(3600));
        for s in &statuses[..180] {
            a.apply(FeedEvent::Status(Box::new(s.clone())));
        }
        let name = a.visible_domains().next().unwrap().name.clone();
        name
    };
    for s in &mut statuses[100..130] {
        for d in s.domains.iter_mut().filter(|d| d.name == worst) {
            d.traffic = None;
            for q in &mut d.queues {
                q.depth = None;
            }
        }
    }
    statuses.drain(140..170);
    let mut a = app(&plan, Duration::from_secs(3600));
    for s in &statuses[..150] {
        a.apply(FeedEvent::Status(Box::new(s.clone())));
    }
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.selected_name(), Some(worst.as_str()));
    keys(&mut a, "zz");
    screen(&a, 120, 40);
    // Back into the gap: nothing stored there, every chart says so.
    let newest = a.timeline().trend(&worst).points().back().unwrap().at_ms;
    let gap_end = statuses[140].at_ms;
    while a.chart_nav().cursor_ms.is_none_or(|t| t >= gap_end) {
        keys(&mut a, ",");
    }
    let s = screen(&a, 120, 40);
    let at = a.chart_nav().cursor_ms.unwrap();
    assert!(at > statuses[139].at_ms, "in the gap: {at}");
    assert!(s.contains("new share no data "), "{s}");
    assert!(s.contains("errors L no data N no data "), "{s}");
    assert!(!s.contains("new share 0% "), "{s}");
    assert!(s.contains(&format::clock(at, 0)), "{s}");
    assert!(at < newest);
    // Further back, into the minute of unknown figures: stored points, read as no data too.
    while a
        .chart_nav()
        .cursor_ms
        .is_some_and(|t| t > statuses[125].at_ms)
    {
        keys(&mut a, "<");
    }
    let p = point_at_cursor(&a);
    assert_eq!(p.new_share, None);
    let s = screen(&a, 120, 40);
    assert!(s.contains("new share no data "), "{s}");
}

// ------------------------------------------------------------------ bytes

/// Bytes written to the terminal.
#[derive(Clone, Default)]
struct Tap(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The event loop's synchronized-update brackets around each frame.
const SYNC_BRACKETS: usize = 16;

/// Bytes per second and frames over the demo's statuses `from..to` at 120×40, with the event
/// loop's rules: the clock every second, a status every 2 s, a frame only when something on
/// screen changed.
fn wire(a: &mut App, statuses: &[Status]) -> (f64, usize) {
    let tap = Tap::default();
    let mut t = Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(tap.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, 120, 40)),
        },
    )
    .unwrap();
    let mut frame = |a: &mut App| {
        tap.0.lock().unwrap().clear();
        t.draw(|f| views::draw(f, a)).unwrap();
        a.mark_drawn();
        tap.0.lock().unwrap().len() + SYNC_BRACKETS
    };
    frame(a);
    let (mut bytes, mut frames) = (0, 0);
    for s in statuses {
        for tick in [s.at_ms + 600, s.at_ms + 1_600] {
            if a.tick(tick) {
                bytes += frame(a);
                frames += 1;
            }
            if tick == s.at_ms + 600 && a.apply(FeedEvent::Status(Box::new(s.clone()))) {
                bytes += frame(a);
                frames += 1;
            }
        }
    }
    let seconds = statuses.len() as f64 * 2.0;
    (bytes as f64 / seconds, frames)
}

#[test]
fn a_placed_cursor_adds_no_frame_and_no_bytes_beyond_the_data_s() {
    let run = |setup: &str| {
        let (mut a, statuses) = detail_after(150, Duration::from_secs(3600));
        screen(&a, 120, 40);
        keys(&mut a, setup);
        let placed = setup.contains('<');
        assert_eq!(a.chart_nav().cursor_ms.is_some(), placed);
        let measured = wire(&mut a, &statuses[150..240]);
        assert_eq!(a.chart_nav().cursor_ms.is_some(), placed, "it stays placed");
        measured
    };
    let (live, live_frames) = run("");
    let (zoomed, zoomed_frames) = run("zz");
    let (cursor, cursor_frames) = run("zz<<");
    let (placed, placed_frames) = run("<<");
    eprintln!(
        "detail of the demo's worst domain at 120x40, 3 min: live {live:.0} B/s, zoomed to \
         2 min {zoomed:.0} B/s, zoomed with a placed cursor {cursor:.0} B/s, a placed cursor \
         on the whole history {placed:.0} B/s \
         ({live_frames}/{zoomed_frames}/{cursor_frames}/{placed_frames} frames)"
    );
    assert_eq!(cursor_frames, live_frames, "the cursor adds no frame");
    assert_eq!(placed_frames, live_frames);
    assert_eq!(zoomed_frames, live_frames);
    assert!(
        cursor <= live,
        "cursor {cursor:.0} B/s against live {live:.0}"
    );
    assert!(
        placed <= live,
        "cursor {placed:.0} B/s against live {live:.0}"
    );
}

// ------------------------------------------------------------------ tmux

#[test]
#[ignore = "needs tmux"]
fn in_the_demo_zoom_move_the_cursor_read_a_value_and_its_time_then_go_live() {
    use common::tmux::{Pane, SETTLE, STARTUP};
    let sb = common::Sandbox::new();
    let pane = Pane::start(&sb, &["--demo"], &[]);
    pane.wait_for("the demo", STARTUP, |s| {
        s.contains(" DEMO ") && s.contains("DOMAIN")
    });
    // Five minutes of history, then paused so the screen holds still.
    pane.keys(&["}"]);
    pane.wait_for("five minutes in", SETTLE, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains(" 5:"))
    });
    pane.keys(&["Space"]);
    pane.wait_for("the demo paused", SETTLE, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("||"))
    });
    pane.keys(&["Enter"]);
    let s = pane.wait_for("the detail's charts", SETTLE, |s| s.contains("new share"));
    // Five minutes and more of history: the whole of it is on the 10 min axis.
    assert!(s.contains("-10m"), "{s}");
    pane.keys(&["z"]);
    pane.wait_for("zoomed in to 5 min", SETTLE, |s| s.contains("-5m"));
    pane.keys(&["z"]);
    let s = pane.wait_for("zoomed in to 2 min", SETTLE, |s| s.contains("-2m"));
    assert!(!s.contains("-5m"), "{s}");
    pane.keys(&["<", ","]);
    let s = pane.wait_for("the cursor's moment", SETTLE, |s| s.contains(" ago "));
    // `new share 37%` and `03:04:10  <30s ago` off the screen.
    let title = s
        .lines()
        .find_map(|l| l.split("new share ").nth(1))
        .unwrap();
    let share = title.split_whitespace().next().unwrap();
    assert!(
        share.ends_with('%') || title.starts_with("no data"),
        "{share}: {s}"
    );
    let moment = s
        .lines()
        .find(|l| l.contains(" ago "))
        .unwrap()
        .split(" ago ")
        .next()
        .unwrap()
        .to_string();
    let clock = moment.split_whitespace().rev().nth(1).unwrap();
    assert_eq!(clock.len(), 8, "HH:MM:SS: {moment}");
    assert!(
        clock.starts_with("03:0"),
        "the demo runs from 03:00: {moment}"
    );
    assert_eq!(s.matches(clock).count(), 4, "on every chart: {s}");
    pane.keys(&["Escape"]);
    let s = pane.wait_for("live again", SETTLE, |s| !s.contains(" ago "));
    assert!(s.contains("new share") && s.contains("-2m"), "{s}");
    assert!(
        s.contains("Traffic over the window"),
        "still the detail view: {s}"
    );
}
