//! The events memory (`<state dir>/events.jsonl`) with real files in a temp state dir: what one
//! live session appends the next one shows under a line naming the earlier session; the file
//! is private, never written through a link, bounded, and what is read back is sanitized, with
//! bad lines skipped and counted. Replays and the demo neither read nor write it. The cockpit's
//! own `App` is driven as the event loop drives it and drawn with ratatui's test backend.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::collections::HashMap;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use cutover::event_memory::{self, EventMemory, EventMemoryError, MAX_BYTES};
use cutover::figures::{DomainStatus, Health, SourceStatus, Status};
use cutover::mode::Mode;
use cutover::plan::{Plan, PlanDomain, Slo, Stage};
use cutover::safe_fs::PrivateFileError;
use cutover::timeline::{EventKind, TimelineEvent, MAX_EVENTS};
use cutover::ui::theme::ThemeSet;
use cutover::ui::{views, App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions};

/// 2024-05-01T14:00:00Z: the first session starts here; the second three hours later.
const T0: i64 = 1_714_572_000_000;
const LATER: i64 = T0 + 3 * 3_600_000;

fn plan() -> Plan {
    Plan {
        domains: ["orders", "billing"]
            .iter()
            .map(|name| PlanDomain {
                name: name.to_string(),
                stage: Stage::Canary,
                traffic: None,
                queues: Vec::new(),
                sagas: Vec::new(),
                data: Vec::new(),
                slo: Slo::default(),
                rollback_steps: vec!["exec true".into()],
                verify_share: 0.0,
                verify_within: Duration::from_secs(60),
                judge: Default::default(),
            })
            .collect(),
        ..Plan::default()
    }
}

fn status(at_ms: i64, orders: Health, gateway_up: bool) -> Status {
    let domain = |name: &str, health: Health| DomainStatus {
        name: name.to_string(),
        stage: Stage::Canary,
        health,
        reasons: if health == Health::Ok {
            Vec::new()
        } else {
            vec!["new path 50% errors vs 0% on the monolith".into()]
        },
        stale: false,
        traffic: None,
        queues: Vec::new(),
        sagas: Vec::new(),
        data: Vec::new(),
        verdict: None,
        burn: None,
        rollback_ready: None,
        findings: Default::default(),
    };
    Status {
        version: 1,
        at: String::new(),
        mode: Mode::Live,
        domains: vec![domain("orders", orders), domain("billing", Health::Ok)],
        sources: vec![SourceStatus {
            name: "gateway".into(),
            up: Some(gateway_up),
            last_scrape: None,
            duration_ms: Some(3),
            bytes: Some(100),
            series: Some(10),
            error: (!gateway_up).then(|| "connection refused".to_string()),
            parse_errors: 0,
            bad_lines: Vec::new(),
            http_status: None,
            last_scrape_ms: Some(at_ms),
            queued: 0,
            skipped: 0,
        }],
        at_ms,
        events: Vec::new(),
    }
}

fn app(mode: Mode, memory: Option<EventMemory>, now_ms: i64) -> App {
    app_with(mode, memory, now_ms, false)
}

fn app_with(mode: Mode, memory: Option<EventMemory>, now_ms: i64, ascii: bool) -> App {
    let opts = UiOptions {
        mode,
        read_only: None,
        theme: "default".into(),
        color: ColorChoice::Ansi16,
        ascii: Some(false),
        bindings: HashMap::new(),
        plan: Arc::new(plan()),
        history: Duration::from_secs(3600),
        actions: None,
        refusals: None,
        memory,
        trace_links: Default::default(),
    };
    let caps = TermCaps {
        depth: ColorDepth::Ansi16,
        ascii,
        utc_offset_secs: 0,
    };
    let mut app = App::new(&opts, ThemeSet::builtin(), caps).unwrap();
    app.tick(now_ms);
    app
}

/// Feeds `app` and hands its new events to `memory`, as the event loop does after each feed
/// event.
fn feed(app: &mut App, memory: &EventMemory, ev: FeedEvent) {
    app.apply(ev);
    memory.append(&app.take_unsaved_events()).unwrap();
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::draw(f, app)).unwrap();
    t.backend().to_string()
}

fn key(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
}

fn private_state_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o700)).unwrap();
    dir
}

/// The first session: orders goes critical, a rollback is asked for and verified.
fn first_session(dir: &Path) {
    let memory = EventMemory::start(dir, T0).unwrap();
    assert!(memory.reloaded().events.is_empty());
    let mut a = app(Mode::Live, Some(memory.clone()), T0);
    feed(
        &mut a,
        &memory,
        FeedEvent::Status(Box::new(status(T0, Health::Ok, true))),
    );
    feed(
        &mut a,
        &memory,
        FeedEvent::Status(Box::new(status(T0 + 2_000, Health::Crit, true))),
    );
    for (at, what) in [
        (T0 + 30_000, "orders: rollback requested by alice@bastion-1"),
        (
            T0 + 31_000,
            "orders: rollback verified: 0% of 80 requests on the new path",
        ),
    ] {
        feed(
            &mut a,
            &memory,
            FeedEvent::Event {
                at_ms: at,
                kind: EventKind::Rollback,
                domain: Some("orders".into()),
                text: what.into(),
            },
        );
    }
}

#[test]
fn the_next_session_shows_the_earlier_one_under_a_line_naming_it() {
    let dir = private_state_dir();
    first_session(dir.path());

    let memory = EventMemory::start(dir.path(), LATER).unwrap();
    assert_eq!(memory.reloaded().events.len(), 3);
    assert_eq!(memory.reloaded().skipped, 0);
    let mut a = app(Mode::Live, Some(memory.clone()), LATER + 5_000);
    feed(
        &mut a,
        &memory,
        FeedEvent::Status(Box::new(status(LATER + 2_000, Health::Ok, false))),
    );
    key(&mut a, '4');
    let s = screen(&a, 80, 24);
    insta::assert_snapshot!("events_memory_80x24", s);
    // Newest first: this session's event, then the earlier session under its line.
    let at = |needle: &str| s.find(needle).unwrap_or_else(|| panic!("{needle}:\n{s}"));
    assert!(at("source gateway down") < at("earlier session, started 2024-05-01 14:00"));
    assert!(at("earlier session, started 2024-05-01 14:00") < at("rollback verified"));
    assert!(at("rollback verified") < at("orders: [OK] -> [CRIT]"));

    // Enter on an earlier event says which session it is from, with its date.
    a.handle_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    a.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let boxed = screen(&a, 80, 24);
    assert!(
        boxed.contains("Event 2024-05-01 14:00")
            && boxed.contains("from an earlier session, started 2024-05-01 14:00"),
        "{boxed}"
    );

    // The third session sees both earlier ones, each under its own line; nothing twice.
    let third = EventMemory::start(dir.path(), LATER + 3_600_000).unwrap();
    let sessions: Vec<_> = third
        .reloaded()
        .events
        .iter()
        .map(|e| e.earlier_session)
        .collect();
    assert_eq!(
        sessions,
        [Some(T0), Some(T0), Some(T0), Some(LATER)],
        "each event once, with its session"
    );
    let mut a = app(Mode::Live, Some(third), LATER + 3_600_000);
    key(&mut a, '4');
    let s = screen(&a, 100, 30);
    assert_eq!(s.matches("earlier session, started").count(), 2, "{s}");
    assert!(
        s.contains("earlier session, started 2024-05-01 17:00"),
        "{s}"
    );

    // On a terminal that is not UTF-8 the line is drawn in ASCII.
    let fourth = EventMemory::start(dir.path(), LATER + 7_200_000).unwrap();
    let mut a = app_with(Mode::Live, Some(fourth), LATER + 7_200_000, true);
    key(&mut a, '4');
    let s = screen(&a, 80, 24);
    let line = s
        .lines()
        .find(|l| l.contains("earlier session, started 2024-05-01 17:00"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(line.contains("--- earlier session"), "{line}");
    assert!(line.is_ascii(), "{line}");
}

#[test]
fn replay_and_demo_neither_show_nor_keep_the_memory() {
    let dir = private_state_dir();
    first_session(dir.path());
    let before = std::fs::read(dir.path().join(event_memory::FILE)).unwrap();
    for mode in [Mode::Replay, Mode::Demo] {
        let memory = EventMemory::start(dir.path(), LATER).unwrap();
        let mut a = app(mode, Some(memory.clone()), LATER);
        feed(
            &mut a,
            &memory,
            FeedEvent::Status(Box::new(status(LATER, Health::Crit, false))),
        );
        assert!(a
            .timeline()
            .events()
            .iter()
            .all(|e| e.earlier_session.is_none()));
        assert!(
            !a.timeline().events().is_empty(),
            "the recording's events show"
        );
        key(&mut a, '4');
        assert!(!screen(&a, 80, 24).contains("earlier session"));
    }
    assert_eq!(
        std::fs::read(dir.path().join(event_memory::FILE)).unwrap(),
        before,
        "a replay wrote to the memory"
    );
}

#[test]
fn the_memory_is_created_private() {
    let dir = private_state_dir();
    let state = dir.path().join("state/cutover");
    first_session(&state);
    let meta = std::fs::symlink_metadata(state.join(event_memory::FILE)).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.mode() & 0o7777, 0o600);
    assert_eq!(
        std::fs::metadata(&state).unwrap().mode() & 0o7777,
        0o700,
        "a missing state dir is created 0700"
    );
}

#[test]
fn a_link_planted_in_place_of_the_memory_is_refused_and_its_target_untouched() {
    let dir = private_state_dir();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, PermissionsExt::from_mode(0o644)).unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, PermissionsExt::from_mode(0o700)).unwrap();
    symlink(&victim, state.join(event_memory::FILE)).unwrap();
    let err = EventMemory::start(&state, T0).unwrap_err();
    assert!(
        matches!(
            err,
            EventMemoryError::File(PrivateFileError::Symlink { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o777, 0o644);

    // A link in place of the rotated file is refused as well: never read through.
    std::fs::remove_file(state.join(event_memory::FILE)).unwrap();
    let rotated = event_memory::rotated(&state.join(event_memory::FILE));
    symlink(&victim, &rotated).unwrap();
    assert!(matches!(
        EventMemory::start(&state, T0).unwrap_err(),
        EventMemoryError::File(PrivateFileError::Symlink { .. })
    ));

    // A state dir that is a link is refused too: its files could be anyone's.
    let linked = dir.path().join("linked");
    symlink(&state, &linked).unwrap();
    assert!(matches!(
        EventMemory::start(&linked, T0).unwrap_err(),
        EventMemoryError::StateDir(_)
    ));
}

#[test]
fn a_memory_others_can_read_is_refused_and_not_chmodded() {
    let dir = private_state_dir();
    let path = dir.path().join(event_memory::FILE);
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, PermissionsExt::from_mode(0o644)).unwrap();
    let err = EventMemory::start(dir.path(), T0).unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o644);
}

/// One line as a session writes it.
fn line(at_ms: i64, kind: &str, domain: &str, text: &str) -> String {
    serde_json::json!({
        "at_ms": at_ms, "session_ms": T0, "kind": kind, "domain": domain, "text": text
    })
    .to_string()
}

#[test]
fn hostile_lines_are_sanitized_and_bad_ones_skipped_and_counted() {
    let dir = private_state_dir();
    let path = dir.path().join(event_memory::FILE);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut text = [
        // Escape sequences that would clear the screen, set the title, write the clipboard;
        // a C1 CSI, a bidi override, a zero-width space: in the text, the domain, the kind.
        line(
            T0 + 1_000,
            "rollback",
            "orders\u{1b}]0;pwned\u{7}",
            "orders: \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}gone \u{9b}31m red \u{202e}txet\u{200b}",
        ),
        line(T0 + 2_000, "no\u{1b}[31mte", "", "a note"),
        // Not events: not JSON, not UTF-8, a health without its level, from the future,
        // nested past any parser's depth, far too long.
        "{\"at_ms\": 12, \"kind\":".to_string(),
        String::from_utf8_lossy(b"\xff\xfe").into_owned(),
        line(T0 + 3_000, "health", "orders", "no level"),
        line(LATER + 86_400_000, "stage", "orders", "from tomorrow"),
        nested,
        line(T0 + 4_000, "stage", "orders", &"x".repeat(70_000)),
        // A long text that is still one line: kept, cut to the bound.
        line(T0 + 5_000, "stage", "orders", &"y".repeat(10_000)),
    ]
    .join("\n");
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\xc3\x28 raw invalid UTF-8\n");
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600)).unwrap();

    let memory = EventMemory::start(dir.path(), LATER).unwrap();
    let r = memory.reloaded();
    assert_eq!(r.skipped, 7, "{:#?}", r.events);
    assert_eq!(r.events.len(), 3);
    let hostile = &r.events[0];
    assert_eq!(hostile.kind, EventKind::Rollback);
    assert_eq!(hostile.domain.as_deref(), Some("orders\\x1b]0;pwned\\x07"));
    assert!(hostile.text.contains("\\x1b[2J"), "{}", hostile.text);
    for e in &r.events {
        let all = format!(
            "{}{}{}",
            e.kind.label(),
            e.domain.clone().unwrap_or_default(),
            e.text
        );
        assert!(
            !all.chars()
                .any(|c| c.is_control() || cutover::term_text::is_unsafe(c)),
            "{all:?}"
        );
    }
    assert_eq!(r.events[1].kind, EventKind::Other("no\\x1b[31mte".into()));
    assert_eq!(r.events[1].domain, None, "an empty domain is none");
    assert_eq!(r.events[2].text.chars().count(), event_memory::MAX_TEXT);
    assert!(r.events[2].text.ends_with("..."));

    // On screen, the count of what was skipped, and no escape reaches a cell.
    let mut a = app(Mode::Live, Some(memory), LATER);
    key(&mut a, '4');
    let s = screen(&a, 120, 30);
    assert!(
        s.contains("7 unreadable lines of the events memory skipped"),
        "{s}"
    );
    assert!(!s.contains('\u{1b}') && !s.contains('\u{9b}') && !s.contains('\u{202e}'));
}

#[test]
fn the_memory_stays_bounded_by_rotation() {
    let dir = private_state_dir();
    let memory = EventMemory::start(dir.path(), T0).unwrap();
    // About 3 MiB of events, one at a time as a session writes them.
    let text = "z".repeat(1_000);
    for i in 0..3_000 {
        let e = TimelineEvent {
            at_ms: T0 + i,
            kind: EventKind::Stage,
            domain: Some("orders".into()),
            text: format!("{i} {text}"),
            earlier_session: None,
            from: None,
        };
        memory.append(&[e]).unwrap();
    }
    let path = dir.path().join(event_memory::FILE);
    let rotated = event_memory::rotated(&path);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&path) <= MAX_BYTES, "{}", size(&path));
    assert!(size(&rotated) <= MAX_BYTES, "{}", size(&rotated));
    assert!(size(&rotated) > MAX_BYTES - 2_000, "rotated only when full");
    assert_eq!(std::fs::metadata(&rotated).unwrap().mode() & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // What comes back is the newest, in order, without a gap between the two files.
    let back = EventMemory::start(dir.path(), LATER).unwrap();
    let r = back.reloaded();
    assert_eq!(r.skipped, 0);
    // At least the full rotated file (lines are about 1.1 KB).
    let n = r.events.len();
    assert!(n as u64 > MAX_BYTES / 1_200 && n <= MAX_EVENTS, "{n}");
    assert_eq!(r.events.last().unwrap().at_ms, T0 + 2_999);
    assert!(r.events.windows(2).all(|w| w[1].at_ms == w[0].at_ms + 1));
}

#[test]
fn a_file_grown_far_past_the_bound_costs_only_the_bound() {
    let dir = private_state_dir();
    let path = dir.path().join(event_memory::FILE);
    // 32 MiB written by someone else: valid lines, then escapes the sanitizer must expand.
    let one = line(T0, "stage", "orders", &"\u{1b}".repeat(900));
    let mut text = String::with_capacity(33 << 20);
    while text.len() < 32 << 20 {
        text.push_str(&one);
        text.push('\n');
    }
    std::fs::write(&path, &text).unwrap();
    std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600)).unwrap();
    let started = Instant::now();
    let memory = EventMemory::start(dir.path(), LATER).unwrap();
    let took = started.elapsed();
    let r = memory.reloaded();
    let per_line = one.len() as u64 + 1;
    assert!(
        r.events.len() as u64 <= MAX_BYTES / per_line,
        "{} events read from a 32 MiB file",
        r.events.len()
    );
    assert!(r.events.len() as u64 >= MAX_BYTES / per_line - 1);
    assert_eq!(r.skipped, 0, "the cut first line is not counted as bad");
    eprintln!(
        "reload of a 32 MiB memory: {} events in {took:?}",
        r.events.len()
    );
}
