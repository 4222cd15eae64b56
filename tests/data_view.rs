//! The detail view's Data section, drawn by the same `App` the terminal runs: one line per
//! `[[domain.data]]` entry with its figures and health marker; unknown figures as the glyph,
//! never 0; names from the config through the terminal sanitizer.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use cutover::figures::data::{DataFigures, DataStatus};
use cutover::figures::{DomainStatus, Health, Status};
use cutover::mode::Mode;
use cutover::plan::{Plan, PlanDomain, Stage};
use cutover::ui::app::View;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{views, App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions};

const AT: i64 = 1_714_572_000_000;

fn plan() -> Plan {
    Plan {
        domains: vec![PlanDomain {
            name: "orders".into(),
            stage: Stage::Migrated,
            traffic: None,
            queues: vec![],
            sagas: vec![],
            data: vec![],
            slo: Default::default(),
            judge: Default::default(),
            rollback_steps: vec![],
            verify_share: 0.0,
            verify_within: Duration::from_secs(60),
        }],
        ..Plan::default()
    }
}

fn entry(name: &str, figures: DataFigures, unit: &str, health: Health) -> DataStatus {
    DataStatus {
        name: name.into(),
        figures,
        unit: unit.into(),
        health,
        reasons: vec![],
    }
}

fn status() -> Status {
    let data = vec![
        entry(
            "orders-tables",
            DataFigures::MonolithWrites {
                rows: Some(1500.0),
                rows_per_second: Some(1500.0),
                rows_total: Some(3000.0),
            },
            "rows",
            Health::Warn,
        ),
        entry(
            "orders-copy",
            DataFigures::Lag {
                lag: Some(430_560.0),
                trend_per_second: Some(430_560.0),
                running: Some(false),
                warn: Some(100_000.0),
                crit: None,
            },
            "bytes",
            Health::Warn,
        ),
        entry(
            "cdc\u{1b}[31m",
            DataFigures::Lag {
                lag: None,
                trend_per_second: None,
                running: None,
                warn: None,
                crit: None,
            },
            "seconds",
            Health::Unknown,
        ),
    ];
    Status {
        version: 1,
        at: "2024-05-01T14:00:00Z".into(),
        mode: Mode::Live,
        domains: vec![DomainStatus {
            name: "orders".into(),
            stage: Stage::Migrated,
            health: Health::Warn,
            reasons: vec![
                "declared migrated, but the monolith wrote 1500 rows to the tables of orders-tables in the window".into(),
            ],
            stale: false,
            traffic: None,
            queues: vec![],
            sagas: vec![],
            data,
            verdict: None,
            burn: None,
            rollback_ready: None,
            findings: Default::default(),
        }],
        sources: vec![],
        events: vec![],
        at_ms: AT,
    }
}

fn app() -> App {
    let opts = UiOptions {
        mode: Mode::Live,
        read_only: None,
        theme: "default".into(),
        color: ColorChoice::Ansi16,
        ascii: Some(false),
        bindings: HashMap::new(),
        plan: Arc::new(plan()),
        history: Duration::from_secs(3600),
        actions: None,
        refusals: None,
        memory: None,
        trace_links: Default::default(),
    };
    let caps = TermCaps {
        depth: ColorDepth::Ansi16,
        ascii: false,
        utc_offset_secs: 0,
    };
    let mut app = App::new(&opts, ThemeSet::builtin(), caps).unwrap();
    app.tick(AT + 1_000);
    app.apply(FeedEvent::Status(Box::new(status())));
    app
}

#[test]
fn the_detail_view_has_a_line_per_data_entry() {
    let mut app = app();
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(app.view(), View::Detail);
    let mut t = Terminal::new(TestBackend::new(100, 40)).unwrap();
    t.draw(|f| views::draw(f, &app)).unwrap();
    let screen = t.backend().to_string();
    let line = |needle: &str| {
        screen
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in\n{screen}"))
            .to_string()
    };
    assert!(line(" Data ").contains('┌'), "{screen}");
    let writes = line("monolith writes");
    assert!(writes.contains("orders-tables"), "{writes}");
    assert!(
        writes.contains("monolith writes 1500 rows, 1500/s"),
        "{writes}"
    );
    assert!(writes.contains("[WARN]"), "{writes}");
    let lag = line("orders-copy ");
    assert!(
        lag.contains("lag 430.6kB paused") && lag.contains("[WARN]"),
        "{lag}"
    );
    // Unknown is the glyph, never 0; the escape in the name is shown, not sent.
    let cdc = line("lag -");
    assert!(cdc.contains("cdc"), "{cdc}");
    assert!(cdc.contains("[?]"), "{cdc}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
}
