//! Events about a domain are filed under the domain they name, whatever characters the name
//! holds: the domain travels with the event, it is not read back from the text. The cockpit's
//! own `App`, fed as the action desk feeds it, drawn with ratatui's test backend.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use cutover::figures::{DomainStatus, Health, Status};
use cutover::mode::Mode;
use cutover::plan::{Plan, PlanDomain, Slo, Stage};
use cutover::timeline::EventKind;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{views, App, ColorChoice, ColorDepth, FeedEvent, TermCaps, UiOptions};

const T0: i64 = 1_714_572_000_000;
const NAMES: [&str; 3] = ["shop", "shop:eu", "a: b: c"];

fn plan() -> Plan {
    Plan {
        domains: NAMES
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

fn status() -> Status {
    Status {
        version: 1,
        at: String::new(),
        mode: cutover::mode::Mode::Live,
        domains: NAMES
            .iter()
            .map(|name| DomainStatus {
                name: name.to_string(),
                stage: Stage::Canary,
                health: Health::Ok,
                reasons: Vec::new(),
                stale: false,
                traffic: None,
                queues: Vec::new(),
                sagas: Vec::new(),
                data: Vec::new(),
                verdict: None,
                burn: None,
                rollback_ready: None,
                findings: Default::default(),
            })
            .collect(),
        sources: Vec::new(),
        at_ms: T0,
        events: Vec::new(),
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
    app.tick(T0 + 1000);
    app.apply(FeedEvent::Status(Box::new(status())));
    app
}

/// A rollback event as the action desk sends it.
fn rollback_event(domain: &str, what: &str, at_ms: i64) -> FeedEvent {
    FeedEvent::Event {
        at_ms,
        kind: EventKind::Rollback,
        domain: Some(domain.to_string()),
        text: format!("{domain}: {what}"),
    }
}

/// The detail view of the domain `name`, selected from the top of the overview.
fn detail_of(app: &mut App, name: &str) -> String {
    app.handle_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE));
    for _ in 0..NAMES.len() {
        app.handle_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE));
    }
    for _ in 0..NAMES.len() {
        if app.selected_name() == Some(name) {
            break;
        }
        app.handle_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    }
    assert_eq!(app.selected_name(), Some(name));
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let mut t = Terminal::new(TestBackend::new(160, 60)).unwrap();
    t.draw(|f| views::draw(f, app)).unwrap();
    t.backend().to_string()
}

#[test]
fn a_domain_name_with_colons_keeps_its_events() {
    let mut app = app();
    app.apply(rollback_event(
        "shop:eu",
        "rollback requested by ops@bastion",
        T0 + 100,
    ));
    app.apply(rollback_event("a: b: c", "rollback refused", T0 + 200));
    let filed: Vec<_> = app
        .timeline()
        .events()
        .iter()
        .map(|e| (e.domain.clone(), e.text.clone()))
        .collect();
    assert_eq!(
        filed,
        [
            (
                Some("shop:eu".to_string()),
                "shop:eu: rollback requested by ops@bastion".to_string()
            ),
            (
                Some("a: b: c".to_string()),
                "a: b: c: rollback refused".to_string()
            ),
        ]
    );
    let shop_eu = detail_of(&mut app, "shop:eu");
    assert!(
        shop_eu.contains("shop:eu: rollback requested by ops@bastion"),
        "{shop_eu}"
    );
    let shop = detail_of(&mut app, "shop");
    assert!(shop.contains("no rollback in this session"), "{shop}");
    assert!(!shop.contains("rollback requested"), "{shop}");
}
