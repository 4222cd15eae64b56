//! The cockpit's views, drawn by the same `App` the terminal runs, fed with a realistic
//! session and driven by key events; snapshots at 80×24 and 160×48. The clock is injected
//! and clocks show UTC, so the snapshots do not depend on when or where they run.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use cutover::action::marks::{marks, Mark};
use cutover::action::Kind;
use cutover::action::{AuditEntry, AuditEvent};
use cutover::figures::last_poll::LastPoll;
use cutover::figures::latency::{Latency, LatencyFrom, LatencyKind, Reading};
use cutover::figures::{
    BadLineReport, DomainStatus, Health, InFlight, QueueStatus, SagaStatus, Side, SourceStatus,
    Status, Traffic,
};
use cutover::judge::burn::{burn, Burn};
use cutover::judge::errors::{self, Counts, ErrorRules};
use cutover::judge::history::CountHistory;
use cutover::judge::latency::{self, Binned};
use cutover::judge::verdict::Verdict;
use cutover::judge::Outcome;
use cutover::mode::Mode;
use cutover::plan::JudgeRules;
use cutover::plan::{
    Plan, PlanDomain, PlanQueue, PlanSaga, PlanSide, PlanSource, PlanTraffic, Shape, Signal,
    SignalId, Slo, SourceKind, Stage, Timing,
};
use cutover::queue_meaning::QueueMeaning;
use cutover::ui::app::View;
use cutover::ui::keys::KEY_TABLE;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{
    views, App, ColorChoice, ColorDepth, FeedControl, FeedEvent, Offer, ReplayPosition, TermCaps,
    UiCommand, UiOptions,
};

/// 2024-05-01T14:00:00Z: the session starts here.
const T0: i64 = 1_714_572_000_000;
/// Statuses, one every 2 s.
const STEPS: i64 = 31;
const STEP_MS: i64 = 2_000;
/// When the billing gateway stops answering.
const BILLING_DOWN_AT: i64 = 20;

// ---------------------------------------------------------------- the plan

struct PlanBuilder {
    plan: Plan,
}

impl PlanBuilder {
    fn signal(&mut self, source: &str, text: &str, shape: Shape) -> SignalId {
        let source = self.plan.source_index(source).expect("source declared");
        self.plan.signals.push(Signal {
            source,
            text: text.to_string(),
            selector: None,
            query: None,
            shape,
            latency_unit_seconds: 1.0,
        });
        self.plan.signals.len() - 1
    }

    fn traffic(&mut self, source: &str, backend: &str, weights: bool) -> PlanTraffic {
        let mut side = |server: &str| {
            PlanSide {
            requests: Some(self.signal(
                source,
                &format!("haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\"}}"),
                Shape::Counter,
            )),
            errors: Some(self.signal(
                source,
                &format!(
                    "haproxy_server_http_responses_total{{proxy=\"{backend}\",server=\"{server}\",code=\"5xx\"}}"
                ),
                Shape::Counter,
            )),
            latency: Some(self.signal(source, "http_request_duration_seconds", Shape::Latency)),
            weight: weights.then(|| {
                self.signal(
                    source,
                    &format!("haproxy_server_weight{{proxy=\"{backend}\",server=\"{server}\"}}"),
                    Shape::Gauge,
                )
            }),
            ..PlanSide::default()
        }
        };
        PlanTraffic {
            legacy: side("monolith"),
            new: side("svc"),
        }
    }
}

fn domain(name: &str, stage: Stage, traffic: Option<PlanTraffic>) -> PlanDomain {
    PlanDomain {
        name: name.into(),
        stage,
        traffic,
        slo: Slo {
            p95: Some(Duration::from_millis(300)),
            ..Slo::default()
        },
        ..Default::default()
    }
}

fn plan() -> Plan {
    let mut b = PlanBuilder {
        plan: Plan {
            timing: Timing::default(),
            sources: ["gateway", "orders-svc", "rabbitmq", "billing-gw"]
                .iter()
                .map(|n| PlanSource {
                    name: n.to_string(),
                    kind: SourceKind::Scrape,
                    limits: Default::default(),
                })
                .collect(),
            signals: vec![],
            domains: vec![],
            trace_url: None,
        },
    };
    let mut inventory = domain(
        "inventory",
        Stage::Ramp,
        Some(b.traffic("gateway", "be_inventory", true)),
    );
    inventory.queues.push(PlanQueue {
        name: "inventory.reserve".into(),
        depth: b.signal(
            "rabbitmq",
            "rabbitmq_queue_messages_ready{queue=\"inventory.reserve\"}",
            Shape::Gauge,
        ),
        meaning: QueueMeaning::Ready,
        in_flight: None,
        limit: None,
        warn: Some(1000.0),
        crit: Some(10000.0),
        hold: None,
    });
    inventory.rollback_steps = vec!["haproxy 127.0.0.1:9999: set weight be_inventory/svc 0".into()];

    let mut orders = domain(
        "orders",
        Stage::Canary,
        Some(b.traffic("gateway", "be_orders", true)),
    );
    orders.queues.push(PlanQueue {
        name: "orders.created".into(),
        depth: b.signal(
            "rabbitmq",
            "rabbitmq_queue_messages_ready{queue=\"orders.created\"}",
            Shape::Gauge,
        ),
        meaning: QueueMeaning::Ready,
        in_flight: None,
        limit: None,
        warn: Some(10000.0),
        crit: Some(50000.0),
        hold: None,
    });
    orders.queues.push(PlanQueue {
        name: "orders.paid".into(),
        depth: b.signal(
            "rabbitmq",
            "rabbitmq_queue_messages_ready{queue=\"orders.paid\"}",
            Shape::Gauge,
        ),
        meaning: QueueMeaning::Ready,
        in_flight: None,
        limit: None,
        warn: Some(1000.0),
        crit: Some(10000.0),
        hold: None,
    });
    orders.sagas.push(PlanSaga {
        name: "place-order".into(),
        failed: b.signal(
            "orders-svc",
            "saga_failed_total{saga=\"place_order\"}",
            Shape::Counter,
        ),
        compensated: Some(b.signal(
            "orders-svc",
            "saga_compensation_total{saga=\"place_order\"}",
            Shape::Counter,
        )),
        started: Some(b.signal(
            "orders-svc",
            "saga_started_total{saga=\"place_order\"}",
            Shape::Counter,
        )),
        in_progress: Some(b.signal(
            "orders-svc",
            "saga_in_progress{saga=\"place_order\"}",
            Shape::Gauge,
        )),
        hold: None,
    });
    orders.rollback_steps = vec![
        "haproxy 127.0.0.1:9999: set weight be_orders/svc 0".into(),
        "http POST http://flagger-loadtester:8080/rollback/open (token from $ORDERS_TOKEN, redacted)".into(),
    ];

    let notifications = domain(
        "notifications",
        Stage::Shadow,
        Some(b.traffic("gateway", "be_notifications", false)),
    );

    let mut billing = domain(
        "billing",
        Stage::Ramp,
        Some(b.traffic("billing-gw", "be_billing", false)),
    );
    billing.sagas.push(PlanSaga {
        name: "charge-card".into(),
        failed: b.signal(
            "billing-gw",
            "saga_failed_total{saga=\"charge_card\"}",
            Shape::Counter,
        ),
        compensated: None,
        started: None,
        in_progress: None,
        hold: None,
    });

    let search = domain(
        "search",
        Stage::Migrated,
        Some(b.traffic("gateway", "be_search", true)),
    );

    b.plan.domains = vec![inventory, orders, notifications, billing, search];
    b.plan
}

// ---------------------------------------------------------------- the session

/// A quantile read from fine buckets: a number.
fn quantile(kind: LatencyKind, seconds: f64) -> Latency {
    Latency {
        kind,
        reading: Reading::Value(seconds),
        bucket: None,
        from: LatencyFrom::Own,
    }
}

fn side(requests: f64, errors: f64, p95: Option<f64>, weight: Option<f64>) -> Side {
    let quantiles = p95.map_or_else(Vec::new, |p| {
        vec![
            quantile(LatencyKind::P50, p / 3.0),
            quantile(LatencyKind::P95, p),
            quantile(LatencyKind::P99, p * 1.8),
        ]
    });
    Side {
        latency: quantiles.get(1).copied(),
        quantiles,
        requests_total: Some(requests * 40.0),
        requests: Some(requests),
        rps: Some(requests / 60.0),
        errors_total: Some(errors * 40.0),
        errors: Some(errors),
        error_ratio: (requests > 0.0).then(|| errors / requests),
        p50_seconds: p95.map(|p| p / 3.0),
        p95_seconds: p95,
        p99_seconds: p95.map(|p| p * 1.8),
        latency_gauge_seconds: None,
        weight,
        ..Side::default()
    }
}

fn traffic(legacy: Side, new: Side) -> Traffic {
    let (l, n) = (legacy.rps.unwrap_or(0.0), new.rps.unwrap_or(0.0));
    let configured = match (legacy.weight, new.weight) {
        (Some(lw), Some(nw)) if lw + nw > 0.0 => Some(nw / (lw + nw)),
        _ => None,
    };
    Traffic {
        new_share: (l + n > 0.0).then(|| n / (l + n)),
        configured_new_share: configured,
        legacy,
        new,
    }
}

/// A latency histogram of `n` observations around `p50` seconds, as the judge reads it.
fn histogram(n: f64, p50: f64) -> Binned {
    let bounds = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, f64::INFINITY];
    let cumulative: Vec<(f64, f64)> = bounds
        .iter()
        .map(|&le| {
            // Log-logistic: half the observations below `p50`.
            let share = if le.is_infinite() {
                1.0
            } else {
                1.0 / (1.0 + (p50 / le).powi(3))
            };
            (le, (n * share).round())
        })
        .collect();
    Binned::from_cumulative(&cumulative).unwrap()
}

/// The judge's verdict on a domain's traffic, as the engine combines its two tests: the
/// worst result, a pass only on the errors test's pass. `latency`: both paths' medians.
fn judged(t: &Traffic, latency: Option<(f64, f64)>) -> Verdict {
    let rules = JudgeRules::default();
    let counts = |s: &Side| Counts {
        errors: s.errors.unwrap_or(0.0),
        requests: s.requests.unwrap_or(0.0),
    };
    let errors = errors::judge(
        counts(&t.new),
        counts(&t.legacy),
        None,
        &ErrorRules {
            confidence: rules.confidence,
            tolerance: rules.error_tolerance,
            min_requests: 20.0,
        },
    );
    let latency = latency.map(|(legacy, new)| {
        latency::judge(
            &histogram(t.new.requests.unwrap_or(0.0), new),
            &histogram(t.legacy.requests.unwrap_or(0.0), legacy),
            rules.confidence,
            rules.latency_tolerance,
            20.0,
            None,
        )
    });
    let worst = std::iter::once(errors.result)
        .chain(latency.as_ref().map(|l| l.result))
        .max()
        .unwrap();
    let result = match worst {
        Outcome::Fail | Outcome::Marginal => worst,
        _ if errors.result == Outcome::Pass => Outcome::Pass,
        _ => Outcome::Inconclusive,
    };
    let confidence = (result != Outcome::Inconclusive)
        .then(|| {
            std::iter::once((errors.result, errors.confidence))
                .chain(latency.as_ref().map(|l| (l.result, l.confidence)))
                .filter(|r| r.0 == result)
                .filter_map(|r| r.1)
                .reduce(f64::max)
        })
        .flatten();
    let mut reasons = vec![errors.reason.clone()];
    reasons.extend(latency.as_ref().map(|l| l.reason.clone()));
    Verdict {
        result,
        confidence,
        reasons,
        errors: Some(errors),
        latency,
        boundaries: Vec::new(),
    }
}

/// Burn rates from `steps` polls of `t`'s per-poll counts, at a 99.9% objective.
fn burned(t: &Traffic, steps: i64) -> Burn {
    let mut h = CountHistory::default();
    let per_poll = |v: Option<f64>| v.unwrap_or(0.0) / 30.0;
    for s in 0..=steps {
        let total = |v: Option<f64>| Some(per_poll(v) * s as f64);
        let at = Traffic {
            legacy: Side {
                requests_total: total(t.legacy.requests),
                errors_total: total(t.legacy.errors),
                ..Side::default()
            },
            new: Side {
                requests_total: total(t.new.requests),
                errors_total: total(t.new.errors),
                ..Side::default()
            },
            ..Traffic::default()
        };
        h.record(T0 + s * STEP_MS, &at, 3_600_000);
    }
    burn(&h, T0 + steps * STEP_MS, 0.999)
}

/// A RabbitMQ queue: its ready messages, and those unacked beside them.
fn queue(name: &str, depth: Option<f64>, trend: Option<f64>, health: Health) -> QueueStatus {
    QueueStatus {
        name: name.into(),
        meaning: QueueMeaning::Ready,
        depth,
        depth_unknown: None,
        trend_per_second: trend,
        drain_seconds: cutover::figures::queue::drain(depth, trend).seconds(),
        in_flight: Some(InFlight {
            meaning: QueueMeaning::Unacked,
            value: depth.map(|d| (d / 100.0).floor()),
        }),
        health,
    }
}

fn source(name: &str, at: i64, up: bool) -> SourceStatus {
    SourceStatus {
        name: name.into(),
        up: Some(up),
        last_scrape: None,
        duration_ms: Some(if up { 12 } else { 1500 }),
        bytes: up.then_some(48_213),
        series: up.then_some(1_284),
        error: (!up).then(|| "connection refused (os error 111)".to_string()),
        parse_errors: 0,
        bad_lines: vec![],
        http_status: up.then_some(200),
        last_scrape_ms: Some(at - 300),
        queued: 0,
        skipped: 0,
    }
}

/// The session at step `i`: orders' new path degrades, the billing gateway goes down, the
/// monolith starts serving search again.
fn status_at(i: i64) -> Status {
    let at = T0 + i * STEP_MS;
    let f = i as f64;
    let mut domains = Vec::new();

    // inventory: a healthy ramp near 60 %.
    let new_req = 600.0 + 10.0 * (f * 0.7).sin();
    domains.push(DomainStatus {
        name: "inventory".into(),
        stage: Stage::Ramp,
        health: Health::Ok,
        traffic: Some(traffic(
            side(400.0, 1.0, Some(0.120), Some(40.0)),
            side(
                new_req,
                2.0,
                Some(0.085 + 0.01 * (f * 0.3).sin()),
                Some(60.0),
            ),
        )),
        queues: vec![queue(
            "inventory.reserve",
            Some(120.0 + 30.0 * (f * 0.5).sin()),
            Some(-0.4),
            Health::Ok,
        )],
        ..Default::default()
    });

    // orders: a canary whose new path's errors climb.
    let new_err_ratio = 0.002 + 0.0014 * f;
    let new_req = 120.0;
    let depth = 4_000.0 + 280.0 * f;
    let mut reasons = Vec::new();
    let mut health = Health::Ok;
    if new_err_ratio > 0.01 {
        health = Health::Crit;
        reasons.push(format!(
            "new path error ratio {:.2}% > 1.00%",
            new_err_ratio * 100.0
        ));
    }
    if new_err_ratio - 0.001 > 0.005 {
        health = health.worst(Health::Warn);
        reasons.push(format!(
            "new path errors {:.2}% above the monolith's 0.10% (allowed +0.50%)",
            new_err_ratio * 100.0
        ));
    }
    if i >= 12 {
        health = health.worst(Health::Warn);
        reasons.push("new path p95 480ms > 300ms".into());
    }
    let saga_rate = if i >= 25 { 2.5 } else { 0.0 };
    if saga_rate > 1.0 {
        health = health.worst(Health::Warn);
        reasons.push("saga place-order: 2.5 failures/min > 1".into());
    }
    domains.push(DomainStatus {
        name: "orders".into(),
        stage: Stage::Canary,
        health,
        reasons,
        traffic: Some(traffic(
            side(1_080.0, 1.08, Some(0.140), Some(90.0)),
            side(
                new_req,
                new_req * new_err_ratio,
                Some(if i >= 12 { 0.480 } else { 0.210 }),
                Some(10.0),
            ),
        )),
        queues: vec![
            queue(
                "orders.created",
                Some(depth),
                Some(4.7),
                if depth >= 10_000.0 {
                    Health::Warn
                } else {
                    Health::Ok
                },
            ),
            queue("orders.paid", Some(35.0), Some(0.0), Health::Ok),
        ],
        sagas: vec![SagaStatus {
            name: "place-order".into(),
            failed: Some(saga_rate),
            failed_per_minute: Some(saga_rate),
            compensated: Some(saga_rate),
            failure_ratio: Some(saga_rate / 118.0),
            in_progress: Some(3.0),
            health: if saga_rate > 1.0 {
                Health::Warn
            } else {
                Health::Ok
            },
        }],
        ..Default::default()
    });

    // notifications: shadowed, and nobody is sending anything.
    domains.push(DomainStatus {
        name: "notifications".into(),
        stage: Stage::Shadow,
        reasons: vec!["idle: no requests in the window".into()],
        traffic: Some(traffic(
            side(0.0, 0.0, None, None),
            side(0.0, 0.0, None, None),
        )),
        ..Default::default()
    });

    // billing: fine until its gateway stops answering, then stale.
    let billing_down = i >= BILLING_DOWN_AT;
    domains.push(if billing_down {
        DomainStatus {
            name: "billing".into(),
            stage: Stage::Ramp,
            reasons: vec![
                "source billing-gw is down: connection refused (os error 111)".into(),
                "no data for the new path's requests".into(),
                "saga charge-card: no data".into(),
            ],
            stale: true,
            traffic: Some(Traffic::default()),
            sagas: vec![SagaStatus {
                name: "charge-card".into(),
                failed: None,
                failed_per_minute: None,
                compensated: None,
                failure_ratio: None,
                in_progress: None,
                health: Health::Unknown,
            }],
            ..Default::default()
        }
    } else {
        DomainStatus {
            name: "billing".into(),
            stage: Stage::Ramp,
            health: Health::Ok,
            // The lab's shape: HAProxy's average for the monolith; the new service's own p95
            // only a bound (FastAPI's default buckets), so the gateway's average is shown.
            traffic: Some(traffic(
                Side {
                    latency: Some(Latency::average(0.004, LatencyFrom::Own)),
                    latency_gauge_seconds: Some(0.004),
                    ..side(300.0, 0.3, None, None)
                },
                {
                    let fast = [
                        (0.1, 290.0),
                        (0.5, 290.0),
                        (1.0, 290.0),
                        (f64::INFINITY, 290.0),
                    ];
                    let quantiles: Vec<Latency> =
                        [LatencyKind::P50, LatencyKind::P95, LatencyKind::P99]
                            .into_iter()
                            .filter_map(|k| Latency::quantile(k, &fast, 1.0, LatencyFrom::Own))
                            .collect();
                    let gateway = Latency::average(0.003, LatencyFrom::Gateway);
                    Side {
                        latency: Some(gateway),
                        gateway_latency: Some(gateway),
                        quantiles,
                        ..side(290.0, 0.2, None, None)
                    }
                },
            )),
            sagas: vec![SagaStatus {
                name: "charge-card".into(),
                failed: Some(0.0),
                failed_per_minute: Some(0.0),
                compensated: None,
                failure_ratio: None,
                in_progress: None,
                health: Health::Ok,
            }],
            ..Default::default()
        }
    });

    // search: declared migrated, but the monolith serves again from step 10.
    let legacy = if i >= 10 { 12.0 } else { 0.0 };
    domains.push(DomainStatus {
        name: "search".into(),
        stage: Stage::Migrated,
        health: if legacy > 0.0 {
            Health::Warn
        } else {
            Health::Ok
        },
        reasons: if legacy > 0.0 {
            vec![
                "declared migrated, but the monolith still served 12 requests in the window".into(),
            ]
        } else {
            vec![]
        },
        traffic: Some(traffic(
            side(legacy, 0.0, (legacy > 0.0).then_some(0.090), Some(0.0)),
            side(2_400.0, 0.5, Some(0.045), Some(100.0)),
        )),
        ..Default::default()
    });

    // The judge on every domain with traffic; burn rates where an objective is set.
    for d in &mut domains {
        let Some(t) = d.traffic.as_mut() else {
            continue;
        };
        if d.name == "orders" {
            // The last poll: a few steps before the end the new service fails every other
            // request, which the window's ratio shows only slowly.
            let ratio = t.new.error_ratio.unwrap_or(0.0);
            let errors = if i >= STEPS - 3 {
                12.0
            } else {
                (24.0 * ratio).round()
            };
            t.new.last_poll = Some(LastPoll {
                requests: 24.0,
                errors,
                seconds: 2.0,
            });
            t.legacy.last_poll = Some(LastPoll {
                requests: 36.0,
                errors: 0.0,
                seconds: 2.0,
            });
        }
        let medians = match d.name.as_str() {
            "orders" => Some((0.047, 0.160)),
            "inventory" => Some((0.040, 0.030)),
            _ => None,
        };
        d.verdict = Some(judged(t, medians));
        if medians.is_some() {
            d.burn = Some(burned(t, i));
        }
    }

    let mut orders_svc = source("orders-svc", at, true);
    orders_svc.parse_errors = 2;
    orders_svc.bad_lines = vec![
        BadLineReport {
            line: 212,
            reason: "invalid value \"NaNx\"".into(),
        },
        BadLineReport {
            line: 377,
            reason: "unterminated label value".into(),
        },
    ];
    Status {
        version: 1,
        at: String::new(),
        mode: cutover::mode::Mode::Live,
        domains,
        sources: vec![
            source("gateway", at, true),
            orders_svc,
            source("rabbitmq", at, true),
            source("billing-gw", at, !billing_down),
        ],
        at_ms: at,
        events: Vec::new(),
    }
}

// ---------------------------------------------------------------- helpers

fn options(mode: Mode, read_only: Option<&str>, theme: &str) -> UiOptions {
    UiOptions {
        mode,
        read_only: read_only.map(str::to_string),
        theme: theme.into(),
        color: ColorChoice::Ansi16,
        ascii: Some(false),
        plan: Arc::new(plan()),
        ..Default::default()
    }
}

fn caps(depth: ColorDepth, ascii: bool) -> TermCaps {
    TermCaps {
        depth,
        ascii,
        utc_offset_secs: 0,
    }
}

/// The newest data time, and the clock 1.5 s later.
fn last_at() -> i64 {
    T0 + (STEPS - 1) * STEP_MS
}

fn session(opts: UiOptions, caps: TermCaps) -> App {
    let mut app = App::new(&opts, ThemeSet::builtin(), caps).expect("app");
    app.tick(last_at() + 1_500);
    for i in 0..STEPS {
        app.apply(FeedEvent::Status(Box::new(status_at(i))));
        if i == 26 {
            app.apply(FeedEvent::Event {
                at_ms: T0 + i * STEP_MS + 700,
                kind: "rollback".into(),
                domain: Some("orders".into()),
                text: "orders: rollback requested by alice@bastion-1".into(),
            });
        }
    }
    app
}

fn live() -> App {
    session(
        options(Mode::Live, None, "default"),
        caps(ColorDepth::Ansi16, false),
    )
}

fn key(app: &mut App, code: KeyCode) -> Vec<UiCommand> {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn buffer(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::draw(f, app)).unwrap();
    t.backend().buffer().clone()
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::draw(f, app)).unwrap();
    t.backend().to_string()
}

fn text_of(buf: &Buffer) -> String {
    let a = buf.area;
    let mut s = String::new();
    for y in 0..a.height {
        for x in 0..a.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// Which cells are bold, reversed, both, or underlined: how the mono theme shows status.
fn modifier_map(buf: &Buffer) -> String {
    let a = buf.area;
    let mut s = String::new();
    for y in 0..a.height {
        let mut line = String::new();
        for x in 0..a.width {
            let m = buf[(x, y)].modifier;
            line.push(
                match (m.contains(Modifier::BOLD), m.contains(Modifier::REVERSED)) {
                    (true, true) => 'R',
                    (false, true) => 'r',
                    (true, false) => 'b',
                    _ if m.contains(Modifier::UNDERLINED) => 'u',
                    _ if m.contains(Modifier::DIM) => 'd',
                    _ => '.',
                },
            );
        }
        s.push_str(line.trim_end_matches('.'));
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------- views

#[test]
fn overview() {
    let app = live();
    insta::assert_snapshot!("overview_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("overview_160x48", screen(&app, 160, 48));
}

#[test]
fn overview_shows_unknown_as_words_never_as_zero_or_healthy() {
    let app = live();
    let text = text_of(&buffer(&app, 80, 24));
    let row = |name: &str| text.lines().find(|l| l.contains(name)).unwrap().to_string();
    let billing = row("billing");
    assert!(
        billing.contains("[?]") && billing.contains("stale"),
        "{billing}"
    );
    assert!(!billing.contains("0%"), "{billing}");
    let idle = row("notificat");
    assert!(idle.contains("[?]") && idle.contains("idle"), "{idle}");
    assert!(!idle.contains("0%"), "{idle}");
    assert!(row("search").contains("[WARN]"));
    assert!(row("orders").contains("[CRIT]"));
}

#[test]
fn detail() {
    let mut app = live();
    // Health order: orders (crit) is first and selected.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view(), View::Detail);
    assert_eq!(app.selected_name(), Some("orders"));
    insta::assert_snapshot!("detail_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("detail_160x48", screen(&app, 160, 48));
    // Narrow screens scroll a section at a time (as far as the last drawn screen allows).
    screen(&app, 80, 24);
    keys(&mut app, "jj");
    insta::assert_snapshot!("detail_80x24_scrolled", screen(&app, 80, 24));
    keys(&mut app, "jjjjjjjj");
    insta::assert_snapshot!("detail_80x24_end", screen(&app, 80, 24));
}

/// The row of `domain` on a screen.
fn row_of<'a>(screen: &'a str, domain: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == domain))
        .unwrap_or_else(|| panic!("no row for {domain} in\n{screen}"))
}

#[test]
fn rows_show_the_verdict_in_words_beside_the_health_marker() {
    let mut app = live();
    let narrow = screen(&app, 80, 24);
    assert!(narrow.contains("HEALTH VERD DOMAIN"), "{narrow}");
    // A failing canary, a passing ramp, and domains the data cannot judge (idle, stale, too
    // few monolith requests): never "PASS" for silence.
    assert!(row_of(&narrow, "orders").starts_with("\"[CRIT] FAIL orders"));
    assert!(row_of(&narrow, "inventory").starts_with("\"[OK]   PASS inventory"));
    for quiet in ["notificat…", "billing", "search"] {
        assert!(
            row_of(&narrow, quiet).contains(&format!("?    {quiet}")),
            "{narrow}"
        );
    }
    // The same words on every theme: readable without colour and in ASCII.
    let mono = session(
        options(Mode::Live, None, "mono"),
        caps(ColorDepth::None, true),
    );
    let ascii = screen(&mono, 80, 24);
    assert!(
        row_of(&ascii, "orders").starts_with("\"[CRIT] FAIL orders"),
        "{ascii}"
    );
    // Enter on the selected row opens the judge's evidence.
    key(&mut app, KeyCode::Enter);
    // The evidence follows the reasons, the figures and the charts: three sections down.
    screen(&app, 80, 24);
    keys(&mut app, "jjj");
    insta::assert_snapshot!("detail_judge_fail_80x24", screen(&app, 80, 24));
    keys(&mut app, "kkk");
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(app.selected_name(), Some("inventory"));
    insta::assert_snapshot!("detail_judge_pass_160x48", screen(&app, 160, 48));
    key(&mut app, KeyCode::Char('h'));
    assert_eq!(app.selected_name(), Some("notifications"));
    screen(&app, 80, 24);
    keys(&mut app, "jjj");
    insta::assert_snapshot!("detail_judge_inconclusive_80x24", screen(&app, 80, 24));
}

#[test]
fn the_last_poll_shows_beside_the_window_where_they_differ_a_lot() {
    let app = live();
    let narrow = screen(&app, 80, 24);
    // The window says 4.40%, the last poll 50%: an arrow at 80 columns ...
    assert!(
        row_of(&narrow, "orders").contains("0.10%/4.40%↑"),
        "{narrow}"
    );
    // ... and the figure itself where there is room.
    let wide = screen(&app, 160, 48);
    assert!(wide.contains("NOW N"), "{wide}");
    assert!(
        row_of(&wide, "orders").contains("0.10%/4.40%↑ 50.0%"),
        "{wide}"
    );
    // A steady path adds nothing.
    assert!(!row_of(&wide, "inventory").contains("%↑"), "{wide}");
    // Before the burst the last poll agrees with the window: no arrow.
    let mut early = App::new(
        &options(Mode::Live, None, "default"),
        ThemeSet::builtin(),
        caps(ColorDepth::Ansi16, false),
    )
    .unwrap();
    early.tick(T0 + 20 * STEP_MS);
    for i in 0..20 {
        early.apply(FeedEvent::Status(Box::new(status_at(i))));
    }
    let row = row_of(&screen(&early, 160, 48), "orders").to_string();
    assert!(row.contains("4.40%") || row.contains("2.86%"), "{row}");
    assert!(!row.contains("%↑") && !row.contains("%↓"), "{row}");
}

/// An audit log in a temporary state dir with a verified rollback of inventory and a failed one
/// of orders, read back as the live cockpit's mark feed reads it.
fn marks_from_an_audit_log() -> std::collections::BTreeMap<String, Mark> {
    let dir = tempfile::tempdir().unwrap();
    let log = cutover::action::AuditLog::in_state_dir(dir.path());
    let entry = |id: &str, domain: &str, event: AuditEvent, stage: Option<Stage>| AuditEntry {
        id: id.into(),
        time: "2024-05-01T13:36:05.000Z".into(),
        operator: "root@bastion".into(),
        domain: domain.into(),
        action: "rollback".into(),
        steps: vec![],
        event,
        duration_ms: None,
        result: String::new(),
        via: None,
        note: None,
        before: vec![],
        stage,
        from: None,
        to: None,
        context: None,
    };
    for e in [
        entry("a", "inventory", AuditEvent::Requested, Some(Stage::Ramp)),
        entry("a", "inventory", AuditEvent::Succeeded, None),
        entry("a", "inventory", AuditEvent::Verified, None),
        entry("b", "orders", AuditEvent::Requested, Some(Stage::Canary)),
        entry("b", "orders", AuditEvent::Failed, None),
        // search's stage changed since: its mark is over.
        entry("c", "search", AuditEvent::Requested, Some(Stage::Ramp)),
    ] {
        log.append(&e).unwrap();
    }
    let stages = plan()
        .domains
        .iter()
        .map(|d| (d.name.clone(), d.stage))
        .collect();
    marks(
        &cutover::action::marks::read_tail(log.path()).unwrap(),
        &stages,
    )
}

#[test]
fn a_mark_badge_stays_on_the_row_and_the_detail_names_it_whole() {
    let mut app = live();
    let before = screen(&app, 80, 24);
    assert!(app.apply(FeedEvent::Marks(marks_from_an_audit_log())));
    // The same marks again change nothing on screen: no frame is worth sending.
    assert!(!app.apply(FeedEvent::Marks(marks_from_an_audit_log())));
    let narrow = screen(&app, 80, 24);
    assert_ne!(before, narrow);
    assert!(row_of(&narrow, "inventory").contains("RB OK"), "{narrow}");
    assert!(row_of(&narrow, "orders").contains("RB FAIL"), "{narrow}");
    assert!(row_of(&narrow, "search").contains("migrated"), "{narrow}");
    insta::assert_snapshot!("overview_marks_80x24", narrow);
    let wide = screen(&app, 200, 24);
    assert!(
        row_of(&wide, "inventory").contains("ROLLED BACK 13:36 UTC by root@bastion, verified"),
        "{wide}"
    );
    insta::assert_snapshot!("overview_marks_200x24", wide);
    // Down to inventory (health order: orders, search, billing, notifications, inventory).
    keys(&mut app, "jjjj");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.selected_name(), Some("inventory"));
    let detail = screen(&app, 80, 24);
    assert!(
        detail.contains("ROLLED BACK 13:36 UTC by root@bastion, verified"),
        "{detail}"
    );
    // Cleared (the feed sends no mark for it any more): the row shows its stage again.
    app.apply(FeedEvent::Marks(Default::default()));
    key(&mut app, KeyCode::Esc);
    assert!(row_of(&screen(&app, 80, 24), "inventory").contains("ramp"));
}

#[test]
fn replay_and_demo_show_no_mark_of_this_host() {
    // A recording carries no audit log and this host's says nothing about the recorded past:
    // marks reaching a replay or the demo are dropped.
    for mode in [Mode::Replay, Mode::Demo] {
        let mut app = replay_app(mode);
        let before = screen(&app, 80, 24);
        assert!(!app.apply(FeedEvent::Marks(marks_from_an_audit_log())));
        let s = screen(&app, 80, 24);
        assert_eq!(before, s);
        assert!(!s.contains("RB "), "{s}");
    }
}

/// Rows between the title line and the footer that draw nothing.
fn blank_rows_above_footer(screen: &str) -> usize {
    let rows: Vec<&str> = screen.lines().collect();
    rows[3..rows.len() - 1]
        .iter()
        .rev()
        .take_while(|r| r.trim_matches(|c| c == '"' || c == ' ').is_empty())
        .count()
}

#[test]
fn detail_scrolling_stops_once_the_last_section_is_whole() {
    for (w, h) in [(80, 24), (80, 30), (100, 26), (160, 48)] {
        let mut app = live();
        key(&mut app, KeyCode::Enter);
        let mut shown = screen(&app, w, h);
        // Scroll until the screen stops changing; it must stop, and on the rollback plan.
        for _ in 0..20 {
            key(&mut app, KeyCode::Char('j'));
            let next = screen(&app, w, h);
            if next == shown {
                break;
            }
            shown = next;
        }
        assert!(shown.contains("Rollback plan"), "{w}x{h}:\n{shown}");
        assert!(
            !shown.contains("more "),
            "{w}x{h}: the end is drawn whole\n{shown}"
        );
        // No further than needed: one section back, the plan no longer fits whole.
        let blank = blank_rows_above_footer(&shown);
        if shown.contains(" k back ") {
            key(&mut app, KeyCode::Char('k'));
            let back = screen(&app, w, h);
            assert!(
                back.contains("more "),
                "{w}x{h}: scrolled too far\n{shown}\n{back}"
            );
        } else {
            assert!(blank < usize::from(h), "{w}x{h}:\n{shown}");
        }
        // What could not be filled is less than the section scrolled off the top.
        assert!(
            blank < usize::from(h) / 2,
            "{w}x{h}: {blank} blank rows\n{shown}"
        );
    }
}

#[test]
fn detail_of_a_stale_domain_and_next_domain_keys() {
    let mut app = live();
    key(&mut app, KeyCode::Enter);
    // Health order: orders, search, billing, notifications, inventory.
    keys(&mut app, "ll");
    assert_eq!(app.selected_name(), Some("billing"));
    insta::assert_snapshot!("detail_billing_160x48", screen(&app, 160, 48));
    key(&mut app, KeyCode::Left);
    assert_eq!(app.selected_name(), Some("search"));
    keys(&mut app, "hh");
    assert_eq!(app.selected_name(), Some("inventory"), "wraps around");
}

#[test]
fn sources() {
    let mut app = live();
    key(&mut app, KeyCode::Char('3'));
    insta::assert_snapshot!("sources_80x24", screen(&app, 80, 24));
    keys(&mut app, "jjj");
    insta::assert_snapshot!("sources_160x48", screen(&app, 160, 48));
}

#[test]
fn events() {
    let mut app = live();
    key(&mut app, KeyCode::Char('4'));
    insta::assert_snapshot!("events_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("events_160x48", screen(&app, 160, 48));
    let texts: Vec<&str> = app
        .timeline()
        .events()
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert!(texts
        .iter()
        .any(|t| t.starts_with("notifications: start -> [?]")));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("search: declared migrated")));
    assert!(texts.contains(&"source billing-gw down: connection refused (os error 111)"));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("orders: [OK] -> [WARN]")));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("orders: [WARN] -> [CRIT]")));
    assert!(texts
        .iter()
        .any(|t| t.starts_with("orders: rollback requested")));
}

#[test]
fn enter_on_an_event_shows_it_whole_and_enter_again_opens_its_domain() {
    let mut app = live();
    // Longer than any row: the list cuts it with an ellipsis.
    let text = format!(
        "orders: rollback failed: step 2/2 http POST answered 502: {} tail-of-the-event",
        "upstream connect error or disconnect/reset before headers ".repeat(3)
    );
    app.apply(FeedEvent::Event {
        at_ms: last_at() + 1_000,
        kind: "rollback".into(),
        domain: Some("orders".into()),
        text: text.clone(),
    });
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.visible_events()[0].text, text);
    let list = screen(&app, 80, 24);
    assert!(!list.contains("tail-of-the-event"), "{list}");

    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(app.view(), View::Events);
    let shown = screen(&app, 80, 24);
    insta::assert_snapshot!("event_box_80x24", shown);
    // Every word of the event is in the box.
    for word in text.split_whitespace() {
        assert!(shown.contains(word), "{word} missing:\n{shown}");
    }
    // Esc closes the box and stays on the events.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view(), View::Events);
    assert!(!screen(&app, 80, 24).contains("tail-of-the-event"));
    // Enter in the box opens the event's domain.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view(), View::Detail);
    assert_eq!(app.selected_name(), Some("orders"));

    // An event about no domain: Enter in the box only closes it.
    let mut app = live();
    app.apply(FeedEvent::Event {
        at_ms: last_at() + 1_000,
        kind: "source-down".into(),
        domain: None,
        text: "source billing-gw down: connection refused (os error 111)".into(),
    });
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app, 80, 24).contains("os error 111"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.view(), View::Events);
    assert!(!screen(&app, 80, 24).contains("any key closes"));
}

#[test]
fn help_is_generated_from_the_key_table() {
    let mut app = live();
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.view(), View::Help);
    insta::assert_snapshot!("help_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("help_160x48", screen(&app, 160, 48));
    // Every action's help line and default keys are on the help screen.
    let tall = text_of(&buffer(&app, 160, 120));
    for def in KEY_TABLE {
        // The help text starts in column 25, after the keys.
        let line = tall
            .lines()
            .find(|l| l.get(25..).is_some_and(|t| t.trim_end() == def.help))
            .unwrap_or_else(|| panic!("help for {} missing", def.name));
        let defaults = cutover::config::bindings::ACTIONS
            .iter()
            .find(|(n, _)| *n == def.name)
            .map(|(_, keys)| *keys)
            .unwrap_or_else(|| panic!("{} is not a bindable action", def.name));
        for k in defaults {
            let shown = cutover::ui::keys::Key::parse(k).unwrap().to_string();
            assert!(
                line.contains(&shown),
                "{} key {shown} not in {line:?}",
                def.name
            );
        }
    }
    // ? again goes back where it came from.
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.view(), View::Overview);
}

#[test]
fn help_shows_rebound_keys() {
    let mut opts = options(Mode::Live, None, "default");
    opts.bindings.insert("quit".into(), "x".into());
    opts.bindings.insert("freeze".into(), "F5".into());
    let mut app = session(opts, caps(ColorDepth::Ansi16, false));
    key(&mut app, KeyCode::Char('5'));
    let text = text_of(&buffer(&app, 160, 120));
    let quit = text
        .lines()
        .find(|l| l.contains("quit and restore"))
        .unwrap();
    assert!(quit.trim_start().starts_with("x "), "{quit}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("F5 ")));
    assert!(
        key(&mut app, KeyCode::Char('q')).is_empty(),
        "q is not quit any more"
    );
    assert_eq!(key(&mut app, KeyCode::Char('x')), vec![UiCommand::Quit]);
    // The footer hints follow too.
    key(&mut app, KeyCode::Esc);
    let footer = text_of(&buffer(&app, 160, 48))
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        footer.contains("x quit") && footer.contains("F5 freeze"),
        "{footer}"
    );
}

#[test]
fn duplicate_bindings_are_refused_at_start() {
    let mut opts = options(Mode::Live, None, "default");
    opts.bindings.insert("rollback".into(), "q".into());
    let err = App::new(&opts, ThemeSet::builtin(), caps(ColorDepth::Ansi16, false))
        .err()
        .expect("duplicate refused")
        .to_string();
    assert_eq!(
        err,
        "[bindings]: key \"q\" is bound to both quit and rollback; give one of them another key"
    );
}

#[test]
fn unknown_theme_is_refused_at_start() {
    let opts = options(Mode::Live, None, "solarized");
    let err = App::new(&opts, ThemeSet::builtin(), caps(ColorDepth::Ansi16, false))
        .err()
        .expect("unknown theme refused")
        .to_string();
    assert_eq!(
        err,
        "unknown theme \"solarized\"; the themes are: default, light, high-contrast, mono"
    );
}

#[test]
fn too_small() {
    let app = live();
    insta::assert_snapshot!("too_small_60x20", screen(&app, 60, 20));
    // One short in either direction is too small; 80×24 is enough.
    assert!(screen(&app, 79, 24).contains("terminal too small"));
    assert!(screen(&app, 80, 23).contains("terminal too small"));
    assert!(!screen(&app, 80, 24).contains("terminal too small"));
}

#[test]
fn views_by_tab_digits_and_escape() {
    let mut app = live();
    let mut seen = vec![app.view()];
    for _ in 0..5 {
        key(&mut app, KeyCode::Tab);
        seen.push(app.view());
    }
    assert_eq!(
        seen,
        [
            View::Overview,
            View::Detail,
            View::Sources,
            View::Events,
            View::Help,
            View::Overview
        ]
    );
    app.handle_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(app.view(), View::Help);
    for (c, v) in [
        ('1', View::Overview),
        ('2', View::Detail),
        ('3', View::Sources),
        ('4', View::Events),
        ('5', View::Help),
    ] {
        key(&mut app, KeyCode::Char(c));
        assert_eq!(app.view(), v);
    }
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view(), View::Overview);
    assert_eq!(key(&mut app, KeyCode::Char('q')), vec![UiCommand::Quit]);
    assert_eq!(
        app.handle_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        vec![UiCommand::Quit]
    );
}

#[test]
fn moving_the_selection() {
    let mut app = live();
    assert_eq!(app.selected_name(), Some("orders"));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected_name(), Some("search"));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.selected_name(), Some("billing"));
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(app.selected_name(), Some("inventory"));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected_name(), Some("inventory"), "stops at the end");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected_name(), Some("notifications"));
    key(&mut app, KeyCode::Home);
    assert_eq!(app.selected_name(), Some("orders"));
    // The selection stays on its domain when new figures re-sort the list.
    key(&mut app, KeyCode::Char('j'));
    app.apply(FeedEvent::Status(Box::new(status_at(STEPS))));
    assert_eq!(app.selected_name(), Some("search"));
}

#[test]
fn filter_and_inverted_filter() {
    let mut app = live();
    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, "ord");
    insta::assert_snapshot!("filter_typing_80x24", screen(&app, 80, 24));
    key(&mut app, KeyCode::Enter);
    let names: Vec<_> = app.visible_domains().map(|d| d.name.clone()).collect();
    assert_eq!(names, ["orders"]);
    insta::assert_snapshot!("filter_ord_80x24", screen(&app, 80, 24));

    key(&mut app, KeyCode::Char('/'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "!ord");
    key(&mut app, KeyCode::Enter);
    let names: Vec<_> = app.visible_domains().map(|d| d.name.clone()).collect();
    assert_eq!(names, ["search", "billing", "notifications", "inventory"]);
    insta::assert_snapshot!("filter_not_ord_80x24", screen(&app, 80, 24));

    // Health and stage words filter too; Esc while typing restores the filter before.
    key(&mut app, KeyCode::Char('/'));
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    keys(&mut app, "ramp");
    let names: Vec<_> = app.visible_domains().map(|d| d.name.clone()).collect();
    assert_eq!(names, ["billing", "inventory"]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.visible_count(), 4, "back to !ord");
    // Esc on the overview clears the filter.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.visible_count(), 5);

    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, "zzz");
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app, 80, 24).contains("no domain matches the filter \"zzz\""));
}

#[test]
fn sort_by_health_name_and_errors() {
    let mut app = live();
    let order = |app: &App| {
        app.visible_domains()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&app),
        ["orders", "search", "billing", "notifications", "inventory"]
    );
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(
        order(&app),
        ["billing", "inventory", "notifications", "orders", "search"]
    );
    insta::assert_snapshot!("sort_name_80x24", screen(&app, 80, 24));
    key(&mut app, KeyCode::Char('s'));
    // Highest new-path error ratio first; unknown (stale billing, idle notifications) last.
    assert_eq!(
        order(&app),
        ["orders", "inventory", "search", "billing", "notifications"]
    );
    insta::assert_snapshot!("sort_errors_80x24", screen(&app, 80, 24));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(
        order(&app),
        ["orders", "search", "billing", "notifications", "inventory"]
    );
}

#[test]
fn freeze_holds_the_figures_while_data_keeps_coming() {
    let mut app = live();
    let before = screen(&app, 80, 24);
    key(&mut app, KeyCode::Char('p'));
    let frozen = screen(&app, 80, 24);
    assert!(frozen.contains("FROZEN"));
    // New figures arrive: the screen holds, the timeline keeps them.
    let mut later = status_at(STEPS);
    later.domains[0].health = Health::Crit;
    later.domains[0].reasons = vec!["new path error ratio 9.00% > 1.00%".into()];
    assert!(
        !app.apply(FeedEvent::Status(Box::new(later))),
        "nothing to redraw while frozen"
    );
    let events_before = app.timeline().events().len();
    assert!(events_before > 0);
    assert_eq!(screen(&app, 80, 24), frozen);
    assert_eq!(app.status().unwrap().at_ms, last_at());
    assert_eq!(app.timeline().newest_ms(), Some(last_at() + STEP_MS));
    key(&mut app, KeyCode::Char('p'));
    let after = screen(&app, 80, 24);
    assert_ne!(after, before);
    assert!(!after.contains("FROZEN"));
    assert!(
        after.lines().nth(3).unwrap().contains("inventory"),
        "inventory is crit now:\n{after}"
    );
}

#[test]
fn mono_theme_shows_status_without_colour() {
    let app = session(
        options(Mode::Live, None, "mono"),
        caps(ColorDepth::Ansi16, false),
    );
    let buf = buffer(&app, 80, 24);
    for y in 0..24 {
        for x in 0..80 {
            let c = &buf[(x, y)];
            assert!(
                c.fg == Color::Reset && c.bg == Color::Reset,
                "colour at {x},{y}: {c:?}"
            );
        }
    }
    insta::assert_snapshot!("mono_overview_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("mono_overview_80x24_modifiers", modifier_map(&buf));
    // [CRIT] is bold and reversed, [WARN] bold.
    let text = text_of(&buf);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("[CRIT]"))
        .unwrap();
    let x = line.find("[CRIT]").unwrap() as u16;
    let m = buf[(x, y as u16)].modifier;
    assert!(m.contains(Modifier::BOLD | Modifier::REVERSED));
}

#[test]
fn no_colour_uses_the_mono_styles_whatever_the_theme() {
    let app = session(
        options(Mode::Live, None, "high-contrast"),
        caps(ColorDepth::None, false),
    );
    let buf = buffer(&app, 160, 48);
    for c in buf.content() {
        assert!(c.fg == Color::Reset && c.bg == Color::Reset, "{c:?}");
    }
}

#[test]
fn theme_key_cycles_and_rgb_is_downgraded() {
    let mut app = live();
    assert_eq!(app.theme_name(), "default");
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.theme_name(), "light");
    // Light is written in RGB; a 16-colour terminal gets ANSI colours only.
    let buf = buffer(&app, 160, 48);
    for c in buf.content() {
        for col in [c.fg, c.bg] {
            assert!(
                !matches!(col, Color::Rgb(..) | Color::Indexed(_)),
                "{col:?}"
            );
        }
    }
    assert!(screen(&app, 80, 24).contains("theme: light"));
    for name in ["high-contrast", "mono", "default"] {
        key(&mut app, KeyCode::Char('t'));
        assert_eq!(app.theme_name(), name);
    }
    let app256 = session(
        options(Mode::Live, None, "light"),
        caps(ColorDepth::Ansi256, false),
    );
    let buf = buffer(&app256, 80, 24);
    assert!(buf
        .content()
        .iter()
        .any(|c| matches!(c.bg, Color::Indexed(_))));
    assert!(!buf
        .content()
        .iter()
        .any(|c| matches!(c.fg, Color::Rgb(..)) || matches!(c.bg, Color::Rgb(..))));
    let true_color = session(
        options(Mode::Live, None, "light"),
        caps(ColorDepth::TrueColor, false),
    );
    let buf = buffer(&true_color, 80, 24);
    assert!(buf
        .content()
        .iter()
        .any(|c| c.bg == Color::Rgb(0xff, 0xff, 0xff)));
}

#[test]
fn ascii_mode_draws_ascii_only() {
    let mut app = session(
        options(Mode::Live, None, "default"),
        caps(ColorDepth::Ansi16, true),
    );
    for (name, w, h) in [("overview", 80, 24), ("overview", 160, 48)] {
        let s = text_of(&buffer(&app, w, h));
        assert!(s.is_ascii(), "{name} {w}x{h} not ASCII:\n{s}");
    }
    insta::assert_snapshot!("ascii_overview_80x24", screen(&app, 80, 24));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("ascii_detail_160x48", screen(&app, 160, 48));
    for v in ['2', '3', '4', '5'] {
        key(&mut app, KeyCode::Char(v));
        for (w, h) in [(80, 24), (160, 48)] {
            let s = text_of(&buffer(&app, w, h));
            assert!(s.is_ascii(), "view {v} {w}x{h} not ASCII:\n{s}");
        }
    }
}

// ---------------------------------------------------------------- modes and actions

fn replay_app(mode: Mode) -> App {
    let mut app = session(
        options(mode, None, "default"),
        caps(ColorDepth::Ansi16, false),
    );
    app.apply(FeedEvent::Replay(ReplayPosition {
        start_ms: T0,
        end_ms: T0 + 30 * 60_000,
        at_ms: last_at(),
        paused: false,
        speed: 2.0,
    }));
    app
}

#[test]
fn replay_header_controls_and_refused_rollback() {
    let mut app = replay_app(Mode::Replay);
    insta::assert_snapshot!("replay_overview_80x24", screen(&app, 80, 24));
    assert_eq!(
        key(&mut app, KeyCode::Char(' ')),
        vec![UiCommand::Control(FeedControl::TogglePause)]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('[')),
        vec![UiCommand::Control(FeedControl::Seek(-30_000))]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char(']')),
        vec![UiCommand::Control(FeedControl::Seek(30_000))]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('{')),
        vec![UiCommand::Control(FeedControl::Seek(-300_000))]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('}')),
        vec![UiCommand::Control(FeedControl::Seek(300_000))]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('+')),
        vec![UiCommand::Control(FeedControl::Faster)]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('-')),
        vec![UiCommand::Control(FeedControl::Slower)]
    );

    // R always goes to the gate, which alone decides; its refusal comes back and is shown.
    let cmds = app.handle_key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT));
    assert_eq!(
        cmds,
        vec![UiCommand::Act {
            kind: Kind::Rollback,
            domain: "orders".into()
        }]
    );
    assert!(
        !screen(&app, 80, 24).contains("refused"),
        "the UI must not decide by itself"
    );
    app.apply(FeedEvent::Refused {
        kind: Kind::Rollback,
        domain: "orders".into(),
        reason: "read-only: a replay only shows what was recorded".into(),
    });
    let s = screen(&app, 80, 24);
    assert!(s.contains("Rollback refused"), "{s}");
    assert!(
        s.contains("read-only: a replay only shows what was recorded"),
        "{s}"
    );
    insta::assert_snapshot!("replay_rollback_refused_80x24", s);
    // The notice takes the next key and closes; nothing else happens.
    assert!(key(&mut app, KeyCode::Char('q')).is_empty());
    assert!(!screen(&app, 80, 24).contains("Rollback refused"));
    assert_eq!(key(&mut app, KeyCode::Char('q')), vec![UiCommand::Quit]);
}

#[test]
fn rollback_dialog_shows_the_steps_and_needs_the_name_typed() {
    let mut app = live();
    let offer = || {
        FeedEvent::Offer(Offer::rollback(
            "orders",
            vec!["haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0".into()],
            "Then verified: the new path's observed share must fall to 0% or below within 60 s."
                .into(),
        ))
    };
    app.apply(offer());
    let s = screen(&app, 160, 48);
    assert!(s.contains("Rollback orders"), "{s}");
    assert!(
        s.contains("1. haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0"),
        "{s}"
    );
    assert!(s.contains("Type orders to confirm"), "{s}");
    insta::assert_snapshot!("rollback_dialog_160x48", s);
    // Keys go into the dialog, not to the views: q does not quit.
    for c in "ordrs".chars() {
        assert!(key(&mut app, KeyCode::Char(c)).is_empty());
    }
    assert!(screen(&app, 160, 48).contains("Type orders to confirm: ordrs_"));
    // What was typed goes to the gate, which judges it; Enter hands it over.
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![UiCommand::Confirm {
            action: cutover::action::Action::Rollback {
                domain: "orders".into()
            },
            typed: "ordrs".into(),
            drawn_whole: true,
            shown: Default::default(),
        }]
    );
    // Progress and the verdict arrive as events and show in the box.
    for text in [
        "orders: step 1/1 ok in 12 ms",
        "orders: verified in 12 s: new path served 0% of 90 requests",
    ] {
        app.apply(FeedEvent::Event {
            at_ms: 1_700_000_100_000,
            kind: "rollback".into(),
            domain: Some("orders".into()),
            text: text.into(),
        });
    }
    let s = screen(&app, 160, 48);
    assert!(
        s.contains("step 1/1 ok in 12 ms") && s.contains("verified in 12 s"),
        "{s}"
    );
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(!screen(&app, 160, 48).contains("Rollback orders"));
    // Esc in the dialog cancels: nothing is sent.
    app.apply(offer());
    assert!(key(&mut app, KeyCode::Char('o')).is_empty());
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(screen(&app, 160, 48).contains("cancelled"));
}

fn offer(domain: &str, steps: usize) -> FeedEvent {
    FeedEvent::Offer(Offer::rollback(
        domain,
        (1..=steps)
            .map(|i| format!("exec /usr/local/bin/rollback-step-{i} {domain}"))
            .collect(),
        "Verified when the new path serves at most 0% of requests within 60 s.".into(),
    ))
}

/// Enter in the dialog; returns whether the command says the dialog was drawn whole.
fn enter_drawn_whole(app: &mut App) -> bool {
    match key(app, KeyCode::Enter).as_slice() {
        [UiCommand::Confirm { drawn_whole, .. }] => *drawn_whole,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_confirmation_counts_only_for_a_dialog_drawn_whole_in_the_last_frame() {
    // Drawn whole, then Enter: the gate may judge the name.
    let mut app = live();
    app.apply(offer("orders", 2));
    keys(&mut app, "orders");
    let s = screen(&app, 160, 48);
    assert!(
        s.contains("2. exec /usr/local/bin/rollback-step-2 orders"),
        "{s}"
    );
    assert!(enter_drawn_whole(&mut app));

    // Never drawn, or a key typed after the last frame: not whole.
    let mut app = live();
    app.apply(offer("orders", 2));
    keys(&mut app, "orders");
    assert!(!enter_drawn_whole(&mut app));
    let s = screen(&app, 160, 48);
    assert!(s.contains("Rollback refused"), "{s}");
    assert!(s.contains("could not be shown whole"), "{s}");
    assert!(!s.contains("handing"), "{s}");
    let mut app = live();
    app.apply(offer("orders", 2));
    keys(&mut app, "order");
    screen(&app, 160, 48);
    keys(&mut app, "s");
    assert!(!enter_drawn_whole(&mut app));

    // Too small for the cockpit: the screen says so, the dialog is not drawn.
    for (w, h) in [(20, 5), (79, 23), (80, 23), (79, 24)] {
        let mut app = live();
        app.apply(offer("orders", 2));
        keys(&mut app, "orders");
        screen(&app, 160, 48);
        let s = screen(&app, w, h);
        assert!(
            s.contains("terminal too small") && s.contains("80x24"),
            "{w}x{h}:\n{s}"
        );
        assert!(!enter_drawn_whole(&mut app), "{w}x{h}");
    }

    // More steps than rows: the box says it cannot be shown, never a cut list.
    let mut app = live();
    app.apply(offer("orders", 30));
    keys(&mut app, "orders");
    let s = screen(&app, 80, 24);
    assert!(s.contains("cannot be shown whole at this size"), "{s}");
    assert!(s.contains("prompt need 44"), "{s}");
    assert!(!s.contains("1. exec"), "{s}");
    assert!(!enter_drawn_whole(&mut app));
    // The same dialog on a tall terminal is whole.
    app.apply(offer("orders", 30));
    keys(&mut app, "orders");
    let s = screen(&app, 160, 48);
    assert!(
        s.contains("30. exec /usr/local/bin/rollback-step-30 orders"),
        "{s}"
    );
    assert!(s.contains("Type orders to confirm: orders_"), "{s}");
    assert!(enter_drawn_whole(&mut app));
}

#[test]
fn a_long_domain_name_is_elided_in_the_title_never_at_the_cost_of_the_steps() {
    let long = "o".repeat(10_000);
    let mut app = live();
    app.apply(offer(&long, 2));
    let s = screen(&app, 160, 48);
    // The title and the first line carry the name elided; the box never shows a cut step list.
    assert!(s.contains(&format!("Rollback {}…", "o".repeat(39))), "{s}");
    assert!(!s.contains(&"o".repeat(200)), "{s}");
    assert!(s.contains("cannot be shown whole"), "{s}");
    assert!(!enter_drawn_whole(&mut app));

    // A name long enough to need elision, short enough for the prompt: every step is shown.
    let name = format!("orders-{}", "x".repeat(60));
    let mut app = live();
    app.apply(offer(&name, 3));
    keys(&mut app, &name);
    let s = screen(&app, 160, 48);
    let title = format!("Rollback {}…", &name[..39]);
    assert!(s.contains(&title), "{s}");
    for i in 1..=3 {
        assert!(
            s.contains(&format!(
                "{i}. exec /usr/local/bin/rollback-step-{i} {name}"
            )),
            "{s}"
        );
    }
    assert!(s.contains(&format!("Type {name} to confirm")), "{s}");
    assert!(enter_drawn_whole(&mut app));
}

#[test]
fn too_small_says_the_size_it_needs_whole_even_at_20x5() {
    let app = live();
    for (w, h) in [(20, 5), (24, 6), (30, 4), (40, 3), (79, 23)] {
        let s = screen(&app, w, h);
        assert!(s.contains("80x24"), "{w}x{h}:\n{s}");
        assert!(s.contains("terminal too small"), "{w}x{h}:\n{s}");
    }
    let s = screen(&app, 20, 5);
    assert!(s.contains("press q to quit"), "{s}");
}

#[test]
fn a_confirmation_the_gate_never_received_says_nothing_ran_and_is_audited() {
    use cutover::action::{Action, AuditEvent, AuditLog, Gate};
    use cutover::ui::handoff::{hand_over, RefusalAudit};
    use cutover::ui::ActionRequest;

    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::in_state_dir(dir.path());
    let gate = Gate::new(None, log.clone());
    // The gate's queue is full: one request waits and nobody takes it.
    let (tx, _rx) = tokio::sync::mpsc::channel(1);
    tx.try_send(ActionRequest::Open {
        kind: Kind::Rollback,
        domain: "inventory".into(),
    })
    .unwrap();
    let mut opts = options(Mode::Live, None, "default");
    opts.actions = Some(tx);
    opts.refusals = Some(RefusalAudit::new(move |action: &Action, why| {
        gate.record_refusal(action, &[], why);
    }));
    let mut app = session(opts.clone(), caps(ColorDepth::Ansi16, false));
    app.apply(offer("orders", 1));
    keys(&mut app, "orders");
    screen(&app, 160, 48);
    let (action, typed, drawn_whole) = match key(&mut app, KeyCode::Enter).as_slice() {
        [UiCommand::Confirm {
            action,
            typed,
            drawn_whole,
            ..
        }] => (action.clone(), typed.clone(), *drawn_whole),
        other => panic!("{other:?}"),
    };
    assert!(drawn_whole);
    hand_over(
        &opts,
        &mut app,
        ActionRequest::Confirm {
            action,
            typed,
            drawn_whole,
            shown: Default::default(),
        },
    );
    let s = screen(&app, 160, 48);
    assert!(s.contains("Rollback refused"), "{s}");
    assert!(s.contains("nothing ran"), "{s}");
    assert!(!s.contains("handing"), "{s}");

    let entries = log.read_all().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].event, AuditEvent::Refused);
    assert_eq!(entries[0].domain, "orders");
    assert!(
        entries[0].result.contains("nothing ran"),
        "{}",
        entries[0].result
    );
    let event = app
        .timeline()
        .events()
        .iter()
        .find(|e| e.domain.as_deref() == Some("orders") && e.text.contains("refused"))
        .expect("a refusal event for orders");
    assert_eq!(
        event.text,
        format!("orders: rollback refused: {}", entries[0].result)
    );
}

/// The footer line of a screen.
fn footer_of(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn footers_offer_rollback_only_where_a_rollback_can_run() {
    let read_only = [
        ("replay", replay_app(Mode::Replay)),
        ("demo", replay_app(Mode::Demo)),
        (
            "live read-only",
            session(
                options(Mode::Live, Some("config is writable by others"), "default"),
                caps(ColorDepth::Ansi16, false),
            ),
        ),
    ];
    for (name, mut app) in read_only {
        for view in ['1', '2'] {
            key(&mut app, KeyCode::Char(view));
            let footer = footer_of(&screen(&app, 200, 48));
            assert!(!footer.contains("rollback"), "{name} view {view}: {footer}");
            assert!(footer.contains("? help"), "{name} view {view}: {footer}");
        }
    }
    let mut app = live();
    for view in ['1', '2'] {
        key(&mut app, KeyCode::Char(view));
        let footer = footer_of(&screen(&app, 200, 48));
        assert!(footer.contains("R rollback"), "live view {view}: {footer}");
    }
}

#[test]
fn demo_is_read_only_and_paused_shows() {
    let mut app = replay_app(Mode::Demo);
    app.apply(FeedEvent::Replay(ReplayPosition {
        start_ms: T0,
        end_ms: T0 + 30 * 60_000,
        at_ms: T0 + 15 * 60_000,
        paused: true,
        speed: 1.0,
    }));
    let s = screen(&app, 160, 48);
    let header: Vec<&str> = s.lines().take(2).collect();
    assert!(
        header[0].contains("DEMO") && header[0].contains("READ-ONLY"),
        "{header:?}"
    );
    assert!(
        header[1].contains("|| 1x") && header[1].contains("15:00/30:00"),
        "{header:?}"
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('R')),
        vec![UiCommand::Act {
            kind: Kind::Rollback,
            domain: "orders".into()
        }]
    );
    app.apply(FeedEvent::Refused {
        kind: Kind::Rollback,
        domain: "orders".into(),
        reason: "read-only: this is the demo: nothing here can act".into(),
    });
    assert!(screen(&app, 80, 24).contains("read-only: this is the demo"));
}

#[test]
fn live_read_only_refuses_with_its_reason_and_live_may_act() {
    let reason = "config /etc/cutover.toml is writable by others";
    let mut app = session(
        options(Mode::Live, Some(reason), "default"),
        caps(ColorDepth::Ansi16, false),
    );
    assert!(screen(&app, 80, 24)
        .lines()
        .next()
        .unwrap()
        .contains("READ-ONLY"));
    assert_eq!(
        key(&mut app, KeyCode::Char('R')),
        vec![UiCommand::Act {
            kind: Kind::Rollback,
            domain: "orders".into()
        }]
    );
    app.apply(FeedEvent::Refused {
        kind: Kind::Rollback,
        domain: "orders".into(),
        reason: format!("read-only: {reason}"),
    });
    let s = screen(&app, 120, 30);
    assert!(s.contains(&format!("read-only: {reason}")), "{s}");
    // Narrower, the notice wraps rather than cutting the reason off.
    let s = screen(&app, 80, 24);
    assert!(
        s.contains("read-only: config") && s.contains("others"),
        "{s}"
    );

    let mut app = live();
    assert!(!screen(&app, 80, 24)
        .lines()
        .next()
        .unwrap()
        .contains("READ-ONLY"));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        key(&mut app, KeyCode::Char('R')),
        vec![UiCommand::Act {
            kind: Kind::Rollback,
            domain: "search".into()
        }]
    );
    assert!(!screen(&app, 80, 24).contains("rollback refused"));
    // Replay keys do nothing live, and say so.
    assert!(key(&mut app, KeyCode::Char(' ')).is_empty());
    assert!(screen(&app, 80, 24).contains("live: pause, seek and speed work in replay and demo"));
}

#[test]
fn clock_ticks_redraw_only_when_a_label_changes() {
    let mut app = live();
    let t = last_at() + 1_500;
    app.tick(t);
    app.mark_drawn();
    assert!(!app.tick(t + 200), "the same second: nothing to redraw");
    // The header's data age goes in steps, as the rows' ages do: 1s and 2s both read `<5s`.
    assert!(!app.tick(t + 600), "data age 1s -> 2s: both <5s");
    assert!(app.tick(t + 3_600), "data age <5s -> <10s");
    app.mark_drawn();
    // The events view has no ages of its own: only the header's step redraws it.
    key(&mut app, KeyCode::Char('4'));
    app.mark_drawn();
    assert!(!app.tick(t + 4_600));
    assert!(app.tick(t + 8_600), "data age <10s -> <30s");
    // The sources view: the selected source's line gives its age to the second.
    key(&mut app, KeyCode::Char('3'));
    app.mark_drawn();
    assert!(app.tick(t + 9_600), "the selected source's age 9s -> 10s");
    // Frozen in a replay: the replay position is the clock, wall time moving changes nothing
    // but the minute clock.
    let mut replay = replay_app(Mode::Replay);
    replay.tick(last_at());
    replay.mark_drawn();
    assert!(!replay.tick(last_at() + 1_000));
    assert!(!replay.tick(last_at() + 20_000));
}

#[test]
fn data_age_header_and_waiting_screen() {
    let opts = options(Mode::Live, None, "default");
    let mut app = App::new(&opts, ThemeSet::builtin(), caps(ColorDepth::Ansi16, false)).unwrap();
    app.tick(T0);
    let s = screen(&app, 80, 24);
    assert!(
        s.contains("no data yet") && s.contains("waiting for the first figures"),
        "{s}"
    );
    app.apply(FeedEvent::Status(Box::new(status_at(0))));
    app.tick(T0 + 65_000);
    let s = screen(&app, 80, 24);
    assert!(s.lines().next().unwrap().contains("data 1m  14:01"), "{s}");
}

#[test]
fn feed_end_is_said() {
    let mut app = live();
    app.feed_ended();
    assert!(screen(&app, 80, 24).contains("the feed ended"));
}

#[test]
fn screenshot_svg_has_the_domain_names() {
    let app = live();
    let svg = cutover::ui::screenshot::render_svg(&app, 120, 40);
    assert!(svg.starts_with("<svg "));
    for name in ["orders", "inventory", "notifications", "billing", "search"] {
        assert!(svg.contains(name), "{name} missing");
    }
    assert!(svg.contains("[CRIT]"));
}

#[test]
fn fifty_domains_render_at_200x60() {
    // 50 domains: the five of the session ten times over.
    let mut opts = options(Mode::Live, None, "default");
    let mut big = plan();
    let base = big.domains.clone();
    big.domains.clear();
    for k in 0..10 {
        for d in &base {
            let mut d = d.clone();
            d.name = format!("{}-{k}", d.name);
            big.domains.push(d);
        }
    }
    opts.plan = Arc::new(big);
    let mut app = App::new(&opts, ThemeSet::builtin(), caps(ColorDepth::Ansi16, false)).unwrap();
    app.tick(last_at() + 1_500);
    for i in 0..STEPS {
        let mut s = status_at(i);
        let five = std::mem::take(&mut s.domains);
        for k in 0..10 {
            for d in &five {
                let mut d = d.clone();
                d.name = format!("{}-{k}", d.name);
                s.domains.push(d);
            }
        }
        app.apply(FeedEvent::Status(Box::new(s)));
    }
    assert_eq!(app.visible_count(), 50);
    let area = Rect::new(0, 0, 200, 60);
    let mut buf = Buffer::empty(area);
    // Frame times are measured in benches/ (BENCHMARKS.md), not asserted here; this checks
    // that all fifty rows render at that size.
    views::render(&app, area, &mut buf);
    let text = text_of(&buf);
    assert!(text.contains("[OK]") || text.contains("[CRIT]") || text.contains("[?]"));
    key(&mut app, KeyCode::Enter);
    buf.reset();
    views::render(&app, area, &mut buf);
}

// ---------------------------------------------------------------- bytes on the wire

/// What the terminal receives, kept for counting.
#[derive(Clone, Default)]
struct Tap(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A crossterm terminal writing into a tap: ratatui diffs cells, and the event loop adds the
/// synchronized-update brackets (16 bytes) around each frame.
struct Wire {
    tap: Tap,
    terminal: Terminal<ratatui::backend::CrosstermBackend<Tap>>,
}

const SYNC_BRACKETS: usize = 16;

impl Wire {
    fn new(w: u16, h: u16) -> Wire {
        let tap = Tap::default();
        let backend = ratatui::backend::CrosstermBackend::new(tap.clone());
        let options = ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
        };
        Wire {
            tap,
            terminal: Terminal::with_options(backend, options).unwrap(),
        }
    }

    /// Draws a frame; the bytes it cost.
    fn frame(&mut self, app: &mut App) -> usize {
        self.tap.0.lock().unwrap().clear();
        self.terminal.draw(|f| views::draw(f, app)).unwrap();
        app.mark_drawn();
        self.tap.0.lock().unwrap().len() + SYNC_BRACKETS
    }
}

#[test]
fn bytes_on_the_wire_stay_within_the_ssh_budget() {
    // The design goal: at most 377 bytes/s at 120x40 at steady state, every domain on screen.
    let mut app = live();
    let mut wire = Wire::new(120, 40);
    let first = wire.frame(&mut app);
    assert!(first > 2_000, "the first frame draws the screen: {first}");
    let unchanged = wire.frame(&mut app);
    assert!(unchanged <= 45, "a frame with no change: {unchanged} bytes");

    // Ten seconds as the event loop runs them: a poll every 2 s, the clock every second,
    // a frame only when something changed.
    let mut total = 0;
    let mut frames = 0;
    let start = last_at() + 1_500;
    for s in 1..=10i64 {
        let now = start + s * 1_000;
        let mut dirty = app.tick(now);
        if s % 2 == 0 {
            dirty |= app.apply(FeedEvent::Status(Box::new(status_at(STEPS - 1 + s / 2))));
        }
        if dirty {
            total += wire.frame(&mut app);
            frames += 1;
        }
    }
    let per_second = total / 10;
    eprintln!("120x40 overview: {per_second} bytes/s over 10 s, {frames} frames");
    assert!(per_second <= 377, "{per_second} bytes/s");
    assert!(frames <= 10);

    // The detail view's charts move with every poll; it is measured, not budgeted.
    key(&mut app, KeyCode::Enter);
    wire.frame(&mut app);
    let mut total = 0;
    for s in 11..=20i64 {
        let mut dirty = app.tick(start + s * 1_000);
        if s % 2 == 0 {
            dirty |= app.apply(FeedEvent::Status(Box::new(status_at(STEPS - 1 + s / 2))));
        }
        if dirty {
            total += wire.frame(&mut app);
        }
    }
    eprintln!("120x40 detail: {} bytes/s", total / 10);
    key(&mut app, KeyCode::Esc);

    // Nothing changes at all (frozen, no clock label moving): nothing is sent.
    key(&mut app, KeyCode::Char('p'));
    wire.frame(&mut app);
    let mut replay = replay_app(Mode::Replay);
    let mut wire = Wire::new(120, 40);
    wire.frame(&mut replay);
    for s in 1..=10 {
        assert!(
            !replay.tick(last_at() + s * 1_000),
            "a paused replay draws nothing"
        );
    }
}

// ---------------------------------------------------------------- the loop's edges

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn run_refuses_without_a_terminal_and_its_future_can_be_spawned() {
    let (_feed_tx, feed_rx) = tokio::sync::mpsc::channel(4);
    let (control_tx, _control_rx) = tokio::sync::mpsc::channel(4);
    let fut = cutover::ui::run(options(Mode::Live, None, "default"), feed_rx, control_tx);
    // The CLI may spawn the cockpit on the runtime.
    assert_send(&fut);
    if cutover::ui::stdout_is_terminal() {
        // Run by hand in a terminal: the cockpit would take it over; nothing to check here.
        return;
    }
    let err = fut.await.unwrap_err().to_string();
    assert!(err.starts_with("stdout is not a terminal"), "{err}");
    assert!(err.contains("cutover status"), "{err}");
}

#[test]
fn the_dialog_shows_a_step_exactly_runs_of_spaces_and_escapes_included() {
    let steps = vec![
        "haproxy 127.0.0.1:9999: set  weight be_orders/orders_svc   0".to_string(),
        "exec sh -c 'printf \x1b[2J; echo  done'".to_string(),
        format!("exec /usr/local/bin/step {}  end", "x".repeat(90)),
    ];
    let mut app = live();
    app.apply(FeedEvent::Offer(Offer::rollback(
        "orders",
        steps,
        "Verified when the new path serves at most 0% of requests within 60 s.".into(),
    )));
    keys(&mut app, "orders");
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("set  weight be_orders/orders_svc   0"),
        "runs of spaces kept:\n{s}"
    );
    assert!(
        s.contains("printf \\x1b[2J; echo  done"),
        "the escape shown, not sent:\n{s}"
    );
    assert!(!s.contains('\x1b'), "{s}");
    // Wrapped over two lines at 120 columns, every character still there.
    assert!(s.contains("3. exec /usr/local/bin/step"), "{s}");
    assert!(s.contains(&format!("{}  end", "x".repeat(90))), "{s}");
    assert!(enter_drawn_whole(&mut app));
}

/// Every view's layout arithmetic holds at any size, not only at the 80×24 least the cockpit
/// draws them at: each view's body is drawn straight into areas from 0×0 up (and the whole
/// screen, which says "too small" there), where a width or height taken below zero panics.
#[test]
fn every_view_draws_at_any_size_without_underflow() {
    let app = live();
    let sizes = [0u16, 1, 2, 3, 4, 5, 8, 13, 21, 34, 79];
    let renders: [fn(&App, Rect, &mut Buffer); 6] = [
        views::render,
        views::overview::render,
        views::detail::render,
        views::sources::render,
        views::events::render,
        views::help::render,
    ];
    for &w in &sizes {
        for &h in &sizes {
            for render in &renders {
                let area = Rect::new(0, 0, w, h);
                let mut buf = Buffer::empty(area);
                render(&app, area, &mut buf);
            }
        }
    }
}

/// Before billing's gateway goes down its row shows the lab's shape: HAProxy's average for the
/// monolith beside the new service's p95, which FastAPI's default buckets know only as
/// `≤100ms`, so the gateway's average is shown; the head says `LAT` and averages are marked.
#[test]
fn latency_kinds_and_bounds() {
    let opts = options(Mode::Live, None, "default");
    let mut app = App::new(&opts, ThemeSet::builtin(), caps(ColorDepth::Ansi16, false)).unwrap();
    app.tick(T0 + (BILLING_DOWN_AT - 1) * STEP_MS + 1_500);
    for i in 0..BILLING_DOWN_AT {
        app.apply(FeedEvent::Status(Box::new(status_at(i))));
    }
    let overview = screen(&app, 80, 24);
    assert!(overview.contains("LAT L/N"), "{overview}");
    assert!(overview.contains("~4ms/~3ms"), "{overview}");
    insta::assert_snapshot!("latency_kinds_overview_80x24", overview);
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "lll");
    assert_eq!(app.selected_name(), Some("billing"));
    let detail = screen(&app, 80, 24);
    assert!(
        detail.contains("new avg 3ms at the gateway, own p95 ≤100ms"),
        "{detail}"
    );
    insta::assert_snapshot!("latency_kinds_detail_billing_80x24", detail);
}

/// An exemplar as `status --json` gives it, observed `age_s` before the newest data.
fn exemplar(
    trace_id: &str,
    value: f64,
    age_s: f64,
    url: bool,
) -> cutover::figures::exemplar::ExemplarStatus {
    let at_ms = last_at() - (age_s * 1000.0) as i64;
    cutover::figures::exemplar::ExemplarStatus {
        trace_id: trace_id.into(),
        value,
        at: cutover::clock::rfc3339(at_ms),
        timestamped: true,
        age_seconds: age_s,
        url: url.then(|| format!("https://tempo.example/trace/{trace_id}")),
        at_ms,
    }
}

/// The live session with the newest status's `orders` carrying the new path's exemplars.
fn with_traces(trace_links: cutover::ui::hyperlink::TraceLinks, url: bool) -> App {
    let mut opts = options(Mode::Live, None, "default");
    opts.trace_links = trace_links;
    let mut app = session(opts, caps(ColorDepth::Ansi16, false));
    let mut st = status_at(STEPS - 1);
    let orders = st.domains.iter_mut().find(|d| d.name == "orders").unwrap();
    let new = &mut orders.traffic.as_mut().unwrap().new;
    new.slowest_exemplar = Some(exemplar("4bf92f3577b34da6a3ce929d0e0e4736", 2.3, 12.0, url));
    new.error_exemplar = Some(exemplar("0af7651916cd43dd8448eb211c80319c", 1.0, 40.0, url));
    app.apply(FeedEvent::Status(Box::new(st)));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.selected_name(), Some("orders"));
    app
}

#[test]
fn detail_shows_the_new_paths_slowest_recent_trace_and_newest_error() {
    use cutover::ui::hyperlink::TraceLinks;
    let links = TraceLinks {
        hyperlinks: true,
        clipboard: true,
    };
    let app = with_traces(links, true);
    let wide = screen(&app, 160, 48);
    insta::assert_snapshot!("detail_traces_160x48", wide);
    assert!(
        wide.contains("slowest recent  trace 4bf92f3577b34da6  2.3 s, 12 s ago"),
        "{wide}"
    );
    assert!(wide.contains("newest error    trace 0af7651916cd43dd, 40 s ago"));
    // Each shown ID is a link over exactly its 16 cells, to the whole ID's URL.
    let buf = buffer(&app, 160, 48);
    let drawn = app.links();
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    for (l, id) in drawn.iter().zip(["4bf92f3577b34da6", "0af7651916cd43dd"]) {
        assert_eq!(l.width, 16);
        let cells: String = (l.x..l.x + l.width)
            .map(|x| buf[(x, l.y)].symbol())
            .collect();
        assert_eq!(cells, id);
        assert!(l.url.starts_with("https://tempo.example/trace/") && l.url.contains(id));
    }
    insta::assert_snapshot!("detail_traces_80x24", screen(&app, 80, 24));

    // Without OSC 8 the link is given as text, and nothing is registered as a link.
    let plain = with_traces(TraceLinks::default(), true);
    let text = screen(&plain, 160, 48);
    assert!(
        text.contains("link: https://tempo.example/trace/4bf92f3577b34da6a3ce929d0e0e4736"),
        "{text}"
    );
    assert!(plain.links().is_empty());
    // Without [tracing] url: no link, and the section says how to get one.
    let unlinked = with_traces(links, false);
    assert!(screen(&unlinked, 160, 48).contains("set [tracing] url to link the traces"));
    assert!(unlinked.links().is_empty());
}

#[test]
fn the_copy_key_copies_the_slowest_traces_link_only_when_the_clipboard_is_allowed() {
    use cutover::ui::hyperlink::TraceLinks;
    let mut allowed = with_traces(
        TraceLinks {
            hyperlinks: false,
            clipboard: true,
        },
        true,
    );
    let cmds = key(&mut allowed, KeyCode::Char('y'));
    assert!(
        matches!(&cmds[..], [UiCommand::Copy(url)] if url == "https://tempo.example/trace/4bf92f3577b34da6a3ce929d0e0e4736"),
        "{cmds:?}"
    );
    let mut refused = with_traces(TraceLinks::default(), true);
    assert!(key(&mut refused, KeyCode::Char('y')).is_empty());
    assert!(screen(&refused, 160, 48).contains("copying is off: set [ui] clipboard = true"));
}

// ---------------------------------------------------------------- contexts

fn in_context(name: &str, production: bool) -> App {
    let mut opts = options(Mode::Live, None, "default");
    opts.badge = Some(cutover::ui::Badge {
        name: name.into(),
        production,
    });
    if production {
        opts.typed_name = cutover::action::TypedName::production(name);
    }
    session(opts, caps(ColorDepth::Ansi16, false))
}

#[test]
fn a_production_context_shows_its_name_in_the_alarm_style_and_asks_for_both_names() {
    let mut app = in_context("prod-eu", true);
    let buf = buffer(&app, 120, 40);
    let top = text_of(&buf);
    let top = top.lines().next().unwrap();
    let at = top.find(" PRODUCTION prod-eu ").expect(top) as u16;
    // The alarm style: the theme's crit, reversed, so it reads on any background.
    let cell = &buf[(at + 2, 0)];
    assert_eq!(cell.fg, Color::Red, "{cell:?}");
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");

    app.apply(FeedEvent::Offer(Offer::rollback(
        "orders",
        vec!["haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0".into()],
        "Then verified: the new path's observed share must fall to 0% or below within 60 s.".into(),
    )));
    let s = screen(&app, 120, 40);
    assert!(
        s.contains("PRODUCTION: type the context's name and the domain's, as CONTEXT/DOMAIN."),
        "{s}"
    );
    assert!(s.contains("Type prod-eu/orders to confirm: _"), "{s}");
    insta::assert_snapshot!("production_rollback_dialog_120x40", s);
    // What is typed goes to the gate, which alone judges it (the CLI tests show it refusing
    // the domain's name alone); the dialog drawn whole is what lets it judge at all.
    keys(&mut app, "prod-eu/orders");
    let _ = screen(&app, 120, 40);
    let cmds = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&cmds[..], [UiCommand::Confirm { typed, drawn_whole: true, .. }] if typed == "prod-eu/orders"),
        "{cmds:?}"
    );
}

#[test]
fn a_context_that_is_not_production_shows_its_name_plainly() {
    let app = in_context("staging", false);
    let buf = buffer(&app, 120, 40);
    let top = text_of(&buf);
    let top = top.lines().next().unwrap();
    assert!(!top.contains("PRODUCTION"), "{top}");
    let at = top.find(" staging ").expect(top) as u16;
    assert_ne!(buf[(at + 1, 0)].fg, Color::Red);
    let mut app = app;
    app.apply(FeedEvent::Offer(Offer::rollback(
        "orders",
        vec!["exec true".into()],
        "verified".into(),
    )));
    assert!(screen(&app, 120, 40).contains("Type orders to confirm: _"));
}

#[test]
fn the_contexts_key_lists_them_and_enter_asks_for_the_switch() {
    use cutover::config::context::ContextRow;
    let mut app = in_context("staging", false);
    assert_eq!(key(&mut app, KeyCode::Char('C')), vec![UiCommand::Contexts]);
    let row = |name: &str, production: Option<bool>, error: Option<&str>| ContextRow {
        name: name.into(),
        path: format!("/home/ops/.config/cutover/contexts/{name}.toml").into(),
        read_only: production.map(|_| false),
        production,
        current: name == "staging",
        error: error.map(str::to_string),
    };
    app.show_contexts(vec![
        row(
            "broken",
            None,
            Some("/home/ops/.config/cutover/contexts/broken.toml:3: intervall: unknown key"),
        ),
        row("prod-eu", Some(true), None),
        row("staging", Some(false), None),
    ]);
    let s = screen(&app, 120, 40);
    assert!(s.contains("> staging  in use"), "{s}");
    assert!(s.contains("- prod-eu  PRODUCTION"), "{s}");
    assert!(s.contains("broken.toml:3: intervall"), "{s}");
    insta::assert_snapshot!("contexts_box_120x40", s);
    assert!(key(&mut app, KeyCode::Char('k')).is_empty());
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![UiCommand::SwitchContext("prod-eu".into())]
    );
    assert!(!screen(&app, 120, 40).contains("Contexts"));
    // Any other key closes the box, switching nothing.
    app.show_contexts(vec![row("prod-eu", Some(true), None)]);
    assert!(key(&mut app, KeyCode::Char('x')).is_empty());
    assert!(!screen(&app, 120, 40).contains("Contexts"));
}

#[test]
fn in_a_replay_the_contexts_key_says_they_are_for_live_sessions() {
    let mut app = session(
        options(Mode::Replay, Some("replaying r.jsonl.gz"), "default"),
        caps(ColorDepth::Ansi16, false),
    );
    assert!(key(&mut app, KeyCode::Char('C')).is_empty());
    let s = screen(&app, 120, 40);
    assert!(s.contains("contexts are for live sessions"), "{s}");
}

#[test]
fn overview_figures_hold_against_jitter_and_follow_a_real_move() {
    let mut app = live();
    let with = |i: i64, ratio: f64, depth: f64| {
        let mut s = status_at(i);
        let inv = &mut s.domains[0];
        assert_eq!(inv.name, "inventory");
        inv.traffic.as_mut().unwrap().new.error_ratio = Some(ratio);
        inv.queues[0].depth = Some(depth);
        FeedEvent::Status(Box::new(s))
    };
    app.apply(with(STEPS, 0.0030, 1380.0));
    let row = |app: &App| row_of(&screen(app, 120, 40), "inventory").to_string();
    let first = row(&app);
    assert!(first.contains("0.30%") && first.contains("1380"), "{first}");
    // A poll later the same figures, near enough to read the same: the row is not rewritten.
    app.apply(with(STEPS + 1, 0.0031, 1400.0));
    let second = row(&app);
    assert!(
        second.contains("0.30%") && second.contains("1380"),
        "{second}"
    );
    // A real move shows at once.
    app.apply(with(STEPS + 2, 0.0040, 1600.0));
    let third = row(&app);
    assert!(third.contains("0.40%") && third.contains("1600"), "{third}");
}

#[test]
fn the_detail_view_keeps_its_domain_while_another_is_only_as_bad() {
    let mut app = live();
    key(&mut app, KeyCode::Char('2'));
    let title = |app: &App| screen(app, 120, 40).lines().nth(2).unwrap().to_string();
    assert!(title(&app).contains("orders"), "{}", title(&app));
    let with = |i: i64, billing: Health, orders: Health| {
        let mut s = status_at(i);
        for d in &mut s.domains {
            match d.name.as_str() {
                "billing" => d.health = billing,
                "orders" => d.health = orders,
                _ => {}
            }
        }
        FeedEvent::Status(Box::new(s))
    };
    // billing sorts before orders by name once both are crit: the view stays on orders.
    app.apply(with(STEPS, Health::Crit, Health::Crit));
    assert!(title(&app).contains("orders"), "{}", title(&app));
    // orders gets better: the worst one takes over at once.
    app.apply(with(STEPS + 1, Health::Crit, Health::Warn));
    assert!(title(&app).contains("billing"), "{}", title(&app));
    // On the overview the selection is the top row again.
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('2'));
    assert!(title(&app).contains("billing"), "{}", title(&app));
}
