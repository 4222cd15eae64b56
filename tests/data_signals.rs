//! `[[domain.data]]` through the binary: two real HTTP servers on 127.0.0.1 serve the captures of
//! a real PostgreSQL 15 logical replication (postgres_exporter 0.11.1, tests/fixtures/real/postgres)
//! phase after phase, and `status --json` must give the monolith's writes as the captured counters
//! grew, the replication lag growing while the subscription was disabled and clearing after, and
//! the stage contradictions they make. `check` lists data selectors that match nothing.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::figures::json_domain;
use common::{fixture, ConfigBuilder, HttpServer, Reply, Sandbox};

const PHASES: [&str; 4] = ["idle", "after_insert", "paused_lag", "resumed"];

/// What the exporters serve: the first two scrapes of each path after `set` get phase `from`,
/// every later one phase `to`, so one `status` run measures the change from one phase to the
/// next (two: the window is as long as the run, and its very first poll may fall out of it).
#[derive(Clone, Default)]
struct Phases(Arc<Mutex<Served>>);

/// The two phases of the current run, and the scrapes served per path since they were set.
#[derive(Default)]
struct Served {
    from: usize,
    to: usize,
    scrapes: HashMap<String, usize>,
}

impl Phases {
    fn set(&self, from: usize, to: usize) {
        *self.0.lock().unwrap() = Served {
            from,
            to,
            scrapes: HashMap::new(),
        };
    }

    fn serve(&self) -> HttpServer {
        let phases = self.clone();
        HttpServer::start(move |req, _| {
            let cluster = match req.path.as_str() {
                "/monolith" => "monolith",
                "/orders_svc" => "orders_svc",
                _ => return Some(Reply::status(404, "not found")),
            };
            let mut state = phases.0.lock().unwrap();
            let (from, to) = (state.from, state.to);
            let n = state.scrapes.entry(req.path.clone()).or_insert(0);
            let phase = if *n < 2 { from } else { to };
            *n += 1;
            Some(Reply::text(capture(phase, cluster)))
        })
    }
}

fn capture(phase: usize, cluster: &str) -> String {
    fixture(&format!("real/postgres/{}-{cluster}.prom", PHASES[phase]))
}

/// Rows written to `orders` and `order_items` in database `shop` as the capture counts them:
/// the sum of `n_tup_ins`, `n_tup_upd` and `n_tup_del`, read from the text here, not by cutover.
fn owned_rows(body: &str) -> f64 {
    body.lines()
        .filter(|l| l.starts_with("pg_stat_user_tables_n_tup_"))
        .filter(|l| {
            ["ins{", "upd{", "del{"]
                .iter()
                .any(|k| l.contains(&format!("n_tup_{k}")))
        })
        .filter(|l| l.contains("datname=\"shop\""))
        .filter(|l| l.contains("relname=\"orders\"") || l.contains("relname=\"order_items\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// Polls every 250ms over a 1s window: one `status --over 1s` run measures a whole window.
fn settings() -> ConfigBuilder {
    ConfigBuilder::new()
        .setting("interval", "250ms")
        .setting("timeout", "200ms")
        .setting("window", "1s")
}

fn config(server: &HttpServer) -> String {
    settings()
        .source("monolith-db", &server.url("/monolith"))
        .source("orders-db", &server.url("/orders_svc"))
        .domain_without_traffic("orders", "migrated")
        .domain_text(
            r#"  [[domain.data]]
  name = "orders-tables"
  kind = "monolith_writes"
  source = "monolith-db"
  preset = "postgres"
  database = "shop"
  tables = "orders|order_items"
  [[domain.data]]
  name = "orders-copy"
  kind = "lag"
  source = "monolith-db"
  preset = "postgres"
  slot = "orders_sub"
  subscription = "orders_sub"
  subscriber_source = "orders-db"
  warn = 100000
  crit = 100000000
"#,
        )
        .domain_without_traffic("orders-ramp", "ramp")
        .domain_text(
            r#"  [[domain.data]]
  name = "orders-copy"
  kind = "lag"
  source = "monolith-db"
  preset = "postgres"
  slot = "orders_sub"
  warn = 100000
"#,
        )
        .build()
}

/// One `status --json` run over a change of phase.
fn status(
    sb: &Sandbox,
    cfg: &std::path::Path,
    phases: &Phases,
    from: usize,
    to: usize,
) -> serde_json::Value {
    phases.set(from, to);
    sb.json(cfg, ["status", "--json", "--over", "1s"])
}

fn data<'a>(v: &'a serde_json::Value, domain: &str, name: &str) -> &'a serde_json::Value {
    json_domain(v, domain)["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no data {name} in {domain}: {v}"))
}

fn reasons(v: &serde_json::Value, domain: &str) -> String {
    json_domain(v, domain)["reasons"].to_string()
}

#[test]
fn monolith_writes_and_replication_lag_follow_the_real_captures_phase_by_phase() {
    let phases = Phases::default();
    let server = phases.serve();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));

    // idle → after_insert: 500 orders and 1000 items written through the monolith; the
    // inventory updates are not this domain's tables.
    let v = status(&sb, &cfg, &phases, 0, 1);
    let written = owned_rows(&capture(1, "monolith")) - owned_rows(&capture(0, "monolith"));
    assert_eq!(written, 1500.0);
    let writes = data(&v, "orders", "orders-tables");
    assert_eq!(writes["kind"], "monolith_writes");
    assert_eq!(writes["unit"], "rows");
    assert_eq!(writes["rows"].as_f64(), Some(written), "{writes}");
    assert!(writes["rows_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(writes["health"], "warn");
    let said = reasons(&v, "orders");
    assert!(
        said.contains(
            "declared migrated, but the monolith wrote 1500 rows to the tables of orders-tables in the window"
        ),
        "{said}"
    );
    assert_eq!(json_domain(&v, "orders")["health"], "warn");
    let lag = data(&v, "orders", "orders-copy");
    assert_eq!(
        (lag["lag"].as_f64(), lag["unit"].as_str()),
        (Some(0.0), Some("bytes"))
    );
    assert_eq!(lag["running"], true);

    // after_insert → paused_lag: the subscription disabled while 500 more orders were written.
    let v = status(&sb, &cfg, &phases, 1, 2);
    let written = owned_rows(&capture(2, "monolith")) - owned_rows(&capture(1, "monolith"));
    assert_eq!(
        data(&v, "orders", "orders-tables")["rows"].as_f64(),
        Some(written)
    );
    for domain in ["orders", "orders-ramp"] {
        let lag = data(&v, domain, "orders-copy");
        assert_eq!(lag["lag"].as_f64(), Some(430_560.0), "{lag}");
        assert!(lag["trend_per_second"].as_f64().unwrap() > 0.0, "{lag}");
        assert_eq!(lag["running"], false, "{lag}");
        assert_eq!(lag["health"], "warn");
        assert_eq!(json_domain(&v, domain)["health"], "warn");
        let said = reasons(&v, domain);
        assert!(
            said.contains("lag orders-copy 430.6kB >= warn 100.0kB"),
            "{said}"
        );
    }
    assert!(
        reasons(&v, "orders")
            .contains("lag orders-copy: sync paused (not slot in use, not subscription worker up)"),
        "{}",
        reasons(&v, "orders")
    );

    // The table without --json says the same in a line per entry.
    phases.set(1, 2);
    let out = sb.run_ok(&cfg, ["status", "--over", "1s"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("  data     orders-copy lag 430.6kB paused"),
        "{table}"
    );
    assert!(
        table.contains("  data     orders-tables monolith writes 1500 rows, "),
        "{table}"
    );

    // paused_lag → resumed: caught up, nothing written since. The warnings clear.
    let v = status(&sb, &cfg, &phases, 2, 3);
    let writes = data(&v, "orders", "orders-tables");
    assert_eq!(writes["rows"].as_f64(), Some(0.0));
    assert_eq!(writes["health"], "ok");
    for domain in ["orders", "orders-ramp"] {
        let lag = data(&v, domain, "orders-copy");
        assert_eq!(lag["lag"].as_f64(), Some(0.0), "{lag}");
        assert_eq!(lag["health"], "ok");
        assert_eq!(
            json_domain(&v, domain)["health"],
            "ok",
            "{}",
            reasons(&v, domain)
        );
    }
}

#[test]
fn an_absent_lag_series_is_unknown_with_its_reason_not_zero() {
    let phases = Phases::default();
    let server = phases.serve();
    let sb = Sandbox::new();
    // The orders_svc exporter has no slot: the publisher's lag selector matches nothing there.
    let text = settings()
        .source("orders-db", &server.url("/orders_svc"))
        .domain_without_traffic("orders", "ramp")
        .domain_text(
            r#"  [[domain.data]]
  name = "copy"
  kind = "lag"
  source = "orders-db"
  preset = "postgres"
  slot = "orders_sub"
  warn = 1000
"#,
        )
        .build();
    let cfg = sb.config(&text);
    let v = status(&sb, &cfg, &phases, 0, 1);
    let lag = data(&v, "orders", "copy");
    assert!(lag["lag"].is_null(), "{lag}");
    assert_eq!(lag["health"], "unknown");
    assert_eq!(json_domain(&v, "orders")["health"], "unknown");
    assert!(
        reasons(&v, "orders").contains("lag copy: no data (the selector matches nothing)"),
        "{}",
        reasons(&v, "orders")
    );

    // `check` lists it like any other signal matching nothing.
    let out = sb.run(&cfg, ["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("data[0].lag "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("MATCHES NOTHING") && line.contains("(preset postgres)"),
        "{line}"
    );
    assert!(
        text.contains(r#"pg_repl_slot_confirmed_flush_lag_bytes{slot_name="orders_sub"}"#),
        "{text}"
    );
}

#[test]
fn shadow_mismatches_not_yet_counted_are_zero_and_check_does_not_call_them_a_problem() {
    // prometheus_client creates `result="mismatch"` at the first mismatch: only matches so far.
    let server = HttpServer::start(|_, n| {
        Some(Reply::text(format!(
            "# TYPE shadow_comparisons_total counter\n\
             shadow_comparisons_total{{domain=\"orders\",result=\"match\"}} {}\n",
            100 * n
        )))
    });
    let sb = Sandbox::new();
    let text = settings()
        .source("orders-svc", &server.url("/metrics"))
        .domain_without_traffic("orders", "shadow")
        .domain_text(
            r#"  [[domain.data]]
  name = "orders-shadow"
  kind = "shadow"
  source = "orders-svc"
  preset = "shadow"
"#,
        )
        .build();
    let cfg = sb.config(&text);
    let v = sb.json(&cfg, ["status", "--json", "--over", "1s"]);
    let shadow = data(&v, "orders", "orders-shadow");
    assert_eq!(shadow["kind"], "shadow");
    assert!(shadow["comparisons"].as_f64().unwrap() > 0.0, "{shadow}");
    assert_eq!(shadow["mismatches"].as_f64(), Some(0.0), "{shadow}");
    assert_eq!(shadow["mismatch_ratio"].as_f64(), Some(0.0), "{shadow}");
    assert_eq!(json_domain(&v, "orders")["health"], "ok", "{v}");

    let out = sb.run(&cfg, ["check"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let line = said
        .lines()
        .find(|l| l.contains("data[0].mismatches"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains("matches nothing"), "{line}");
    assert!(said.contains("appears at the first mismatch"), "{said}");
}
