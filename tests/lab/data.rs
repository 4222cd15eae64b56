//! The data side of the lab: two PostgreSQL 15 clusters, the orders tables replicated from the
//! monolith to orders_svc by logical replication, one postgres_exporter 0.11 each. The ground
//! truth is what the test writes and what PostgreSQL itself says (psql), never cutover's own
//! figures; the test pauses the subscription the way an operator would, and resumes it when it
//! ends, failed or not.

use super::*;
use cutover::figures::{DataFigures, DataStatus, Health};

/// psql on one of the lab's clusters, as its superuser over TCP; the rows, one per line.
fn psql(lab: &Lab, port: &str, db: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
        ])
        .args([
            "-p",
            &lab.port(port).to_string(),
            "-U",
            "postgres",
            "-d",
            db,
        ])
        .args(["-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Rows in the tables the orders domain owns on the monolith, as PostgreSQL counts them.
fn owned_rows(lab: &Lab) -> f64 {
    psql(
        lab,
        "MONOLITH_PG_PORT",
        "shop",
        "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)",
    )
    .parse()
    .unwrap()
}

/// `n` orders placed on the monolith itself (`POST /orders`, not through the gateway, which
/// would split them); how many it completed (each writes an order and two items).
fn place_orders(lab: &Lab, n: usize) -> f64 {
    lab.traffic_to(n, "MONOLITH_PORT", "POST", "/orders")
        .class("monolith", "2xx")
}

fn data_sources(lab: &Lab) -> String {
    format!(
        "[[source]]\nname = \"monolith-db\"\nurl = \"{}\"\n[[source]]\nname = \"orders-db\"\nurl = \"{}\"\n",
        lab.url("MONOLITH_PG_EXPORTER_PORT", "/metrics"),
        lab.url("ORDERS_PG_EXPORTER_PORT", "/metrics"),
    )
}

/// A domain of `stage` with the lab's two data entries, its rules held `for` 1 s and cleared
/// after `clear_after`; the lag warns at `warn` bytes.
fn data_domain(name: &str, stage: &str, warn: u64, clear_after: &str) -> String {
    format!(
        r#"
[[domain]]
name = "{name}"
stage = "{stage}"
  [domain.slo]
  for = "1s"
  clear_after = "{clear_after}"
  [[domain.data]]
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
  warn = {warn}
  crit = 1000000000
"#
    )
}

/// One engine watching the lab poll after poll, as `cutover` does (so `for` and `clear_after`
/// hold as they do live).
struct Watch<'a> {
    compiled: &'a Compiled,
    engine: Engine,
    start: Instant,
}

impl<'a> Watch<'a> {
    fn new(compiled: &'a Compiled) -> Watch<'a> {
        Watch {
            compiled,
            engine: Engine::new(compiled.plan.clone()),
            start: Instant::now(),
        }
    }

    fn poll(&mut self) -> Status {
        for outcome in poll(self.compiled) {
            self.engine.ingest(&outcome);
        }
        self.engine.status(Mode::Live)
    }

    /// Polls every 500 ms until `ready`, or panics after `limit`.
    fn until(&mut self, limit: Duration, what: &str, ready: impl Fn(&Status) -> bool) -> Status {
        let start = Instant::now();
        loop {
            let status = self.poll();
            if ready(&status) {
                return status;
            }
            assert!(
                start.elapsed() < limit,
                "{what} not within {limit:?}: {}",
                serde_json::to_string_pretty(&status).unwrap()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

fn entry<'a>(status: &'a Status, domain_name: &str, entry: &str) -> &'a DataStatus {
    domain(status, domain_name)
        .data
        .iter()
        .find(|d| d.name == entry)
        .unwrap_or_else(|| panic!("no data entry {entry} in {domain_name}"))
}

fn rows(status: &Status, domain_name: &str) -> Option<f64> {
    match &entry(status, domain_name, "orders-tables").figures {
        DataFigures::MonolithWrites { rows, .. } => *rows,
        other => panic!("orders-tables is {other:?}"),
    }
}

/// The lag now and whether the sync runs.
fn lag(status: &Status, domain_name: &str) -> (Option<f64>, Option<bool>) {
    match &entry(status, domain_name, "orders-copy").figures {
        DataFigures::Lag { lag, running, .. } => (*lag, *running),
        other => panic!("orders-copy is {other:?}"),
    }
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn rows_written_through_the_monolith_are_its_writes_to_the_tables_the_domain_owns() {
    let lab = Lab::up();
    let compiled = compiled(&format!(
        "{}{}{}",
        settings(),
        data_sources(&lab),
        data_domain("orders", "canary", 1 << 20, "2s")
    ));
    let mut watch = Watch::new(&compiled);
    watch.poll();
    let before = owned_rows(&lab);

    let placed = place_orders(&lab, 40);
    let written = owned_rows(&lab) - before;
    assert_eq!(placed, 40.0);
    assert_eq!(written, 3.0 * placed, "an order and its two items each");

    let status = watch.until(Duration::from_secs(20), "the rows written", |s| {
        rows(s, "orders") == Some(written)
    });
    // And no more: the next poll still counts exactly the rows written.
    std::thread::sleep(Duration::from_millis(1100));
    let again = watch.poll();
    equal(
        "monolith writes in the window",
        rows(&again, "orders"),
        written,
    );
    // Not migrated yet: rows written by the monolith are expected, not a warning.
    assert_eq!(entry(&status, "orders", "orders-tables").health, Health::Ok);
    println!(
        "monolith writes: {written} rows written (psql), {:?} in the window (cutover), {:.1} s",
        rows(&again, "orders"),
        watch.seconds()
    );
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn a_domain_declared_migrated_while_the_monolith_writes_its_tables_warns_with_the_row_count() {
    let lab = Lab::up();
    let compiled = compiled(&format!(
        "{}{}{}",
        settings(),
        data_sources(&lab),
        data_domain("orders", "migrated", 1 << 20, "2s")
    ));
    let mut watch = Watch::new(&compiled);
    watch.until(Duration::from_secs(10), "a quiet start", |s| {
        rows(s, "orders") == Some(0.0) && domain(s, "orders").health == Health::Ok
    });
    let before = owned_rows(&lab);
    place_orders(&lab, 20);
    let written = owned_rows(&lab) - before;
    assert_eq!(written, 60.0);

    let words = format!(
        "declared migrated, but the monolith wrote {written} rows to the tables of orders-tables in the window"
    );
    let status = watch.until(Duration::from_secs(20), "the stage warning", |s| {
        domain(s, "orders").health == Health::Warn
            && domain(s, "orders")
                .reasons
                .iter()
                .any(|r| r.contains(&words))
    });
    equal("rows", rows(&status, "orders"), written);
    assert_eq!(
        entry(&status, "orders", "orders-tables").health,
        Health::Warn
    );
}

/// One poll of the lag test: seconds since the watch began, the lag, the sync running, health.
type Point = (f64, Option<f64>, Option<bool>, Health);

fn record(curve: &mut Vec<Point>, watch: &Watch, s: &Status) {
    let (l, running) = lag(s, "orders");
    curve.push((watch.seconds(), l, running, domain(s, "orders").health));
}

/// Enables the subscription again when the test ends, passed or failed.
struct Resume<'a>(&'a Lab);

impl Drop for Resume<'_> {
    fn drop(&mut self) {
        psql(
            self.0,
            "ORDERS_PG_PORT",
            "orders",
            "ALTER SUBSCRIPTION orders_sub ENABLE",
        );
    }
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn a_paused_subscription_makes_the_lag_grow_and_warn_and_resuming_drains_it_and_clears() {
    let lab = Lab::up();
    let warn: u64 = 64 * 1024;
    let clear_after = Duration::from_secs(4);
    let compiled = compiled(&format!(
        "{}{}{}",
        settings(),
        data_sources(&lab),
        data_domain("orders", "ramp", warn, "4s")
    ));
    let mut watch = Watch::new(&compiled);
    watch.until(Duration::from_secs(20), "the copy caught up", |s| {
        lag(s, "orders") == (Some(0.0), Some(true)) && domain(s, "orders").health == Health::Ok
    });

    let _resume = Resume(&lab);
    psql(
        &lab,
        "ORDERS_PG_PORT",
        "orders",
        "ALTER SUBSCRIPTION orders_sub DISABLE",
    );
    // Orders keep coming to the monolith while the sync is paused.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let writing = writing.clone();
        let port = lab.port("MONOLITH_PORT");
        std::thread::spawn(move || {
            let mut placed = 0;
            while writing.load(Ordering::Relaxed) {
                let (status, _) = http("POST", &format!("http://127.0.0.1:{port}/orders"), None);
                assert_eq!(status, 200);
                placed += 1;
            }
            placed
        })
    };
    let mut curve: Vec<Point> = Vec::new();
    let paused_at = watch.seconds();
    let start = Instant::now();
    loop {
        let s = watch.poll();
        record(&mut curve, &watch, &s);
        let (l, _) = lag(&s, "orders");
        let o = domain(&s, "orders");
        if l.is_some_and(|l| l >= 2.0 * warn as f64)
            && o.health == Health::Warn
            && o.reasons.iter().any(|r| r.contains("lag orders-copy"))
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "lag did not reach twice warn: {curve:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    writing.store(false, Ordering::Relaxed);
    let placed = writer.join().unwrap();
    let s = watch.poll();
    record(&mut curve, &watch, &s);
    let (paused_lag, running) = lag(&s, "orders");
    let paused_lag = paused_lag.unwrap();
    assert_eq!(
        running,
        Some(false),
        "paused: the walsender and apply worker are gone"
    );
    // What PostgreSQL itself says the subscriber has not confirmed, right after the poll.
    let truth: f64 = psql(
        &lab,
        "MONOLITH_PG_PORT",
        "shop",
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = 'orders_sub'",
    )
    .parse()
    .unwrap();
    assert!(
        paused_lag > 0.0 && paused_lag <= truth,
        "cutover {paused_lag} vs PostgreSQL {truth}"
    );
    let grew: Vec<f64> = curve.iter().filter_map(|c| c.1).collect();
    assert!(
        grew.windows(2).all(|w| w[1] >= w[0]) && grew.last() > grew.first(),
        "the lag grows while paused and written to: {curve:?}"
    );

    psql(
        &lab,
        "ORDERS_PG_PORT",
        "orders",
        "ALTER SUBSCRIPTION orders_sub ENABLE",
    );
    let resumed_at = watch.seconds();
    // Below warn with the sync running: the condition is gone, the warning still held for
    // clear_after; then the lag drains to 0 and the domain is ok again.
    let (mut below_at, mut drained_at, mut cleared_at) = (None, None, None);
    let start = Instant::now();
    while drained_at.is_none() || cleared_at.is_none() {
        let s = watch.poll();
        record(&mut curve, &watch, &s);
        let (l, running) = lag(&s, "orders");
        let health = domain(&s, "orders").health;
        let now = watch.seconds();
        if below_at.is_none() && l.is_some_and(|l| l < warn as f64) && running == Some(true) {
            below_at = Some(now);
            assert_eq!(health, Health::Warn, "held for clear_after: {curve:?}");
        }
        if drained_at.is_none() && l == Some(0.0) && running == Some(true) {
            drained_at = Some(now);
        }
        if below_at.is_some() && cleared_at.is_none() && health == Health::Ok {
            cleared_at = Some(now);
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "did not drain and clear: {curve:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let (below_at, drained_at, cleared_at) =
        (below_at.unwrap(), drained_at.unwrap(), cleared_at.unwrap());
    assert!(
        cleared_at - below_at >= clear_after.as_secs_f64() - 1.0,
        "cleared {:.1} s after the lag fell below warn, before clear_after {clear_after:?}",
        cleared_at - below_at
    );
    let count = |port: &str, db: &str| psql(&lab, port, db, "SELECT count(*) FROM orders");
    assert_eq!(
        count("MONOLITH_PG_PORT", "shop"),
        count("ORDERS_PG_PORT", "orders"),
        "the copy has every order after the catch-up"
    );
    assert_eq!(
        psql(
            &lab,
            "MONOLITH_PG_PORT",
            "shop",
            "SELECT max(id) FROM orders"
        ),
        psql(
            &lab,
            "ORDERS_PG_PORT",
            "orders",
            "SELECT max(id) FROM orders"
        ),
        "the copy has every order after the catch-up"
    );
    println!(
        "lag curve: paused at {paused_at:.1} s ({placed} orders written while paused), resumed at {resumed_at:.1} s, below warn at {below_at:.1} s, drained to 0 at {drained_at:.1} s, warning cleared at {cleared_at:.1} s (clear_after {clear_after:?})",
    );
    println!("  t (s)   lag (bytes)   running   domain");
    for (t, l, running, health) in &curve {
        println!(
            "  {t:6.1}  {:>12}  {:>8}  {}",
            l.map_or("-".to_string(), |l| format!("{l:.0}")),
            running.map_or("-".to_string(), |r| r.to_string()),
            health.as_str()
        );
    }
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn tokens_the_new_service_rejects_are_its_auth_failures_and_fail_the_domain_while_5xx_stay_0() {
    let lab = Lab::up();
    lab.error_rate("MONOLITH_PORT", 0.0);
    lab.error_rate("ORDERS_SVC_PORT", 0.0);
    let side = |source: &str| {
        let on = |status: &str| {
            format!(
                "{{ source = \"{source}\", select = 'http_requests_total{{handler=\"/orders/{{order_id}}\"{status}}}' }}"
            )
        };
        format!(
            "requests = {}\nerrors = {}\nauth_failures = {}\nclient_errors = {}\n",
            on(""),
            on(",status=~\"5..\""),
            on(",status=~\"401|403\""),
            on(",status=~\"4..\""),
        )
    };
    let compiled = compiled(&format!(
        "{}[[source]]\nname = \"monolith\"\nurl = \"{}\"\n[[source]]\nname = \"orders-svc\"\nurl = \"{}\"\n\
         [[domain]]\nname = \"orders\"\nstage = \"canary\"\n[domain.slo]\nfor = \"1s\"\n\
         [domain.traffic.legacy]\n{}[domain.traffic.new]\n{}",
        settings(),
        lab.url("MONOLITH_PORT", "/metrics"),
        lab.url("ORDERS_SVC_PORT", "/metrics"),
        side("monolith"),
        side("orders-svc"),
    ));
    lab.warm_up();
    let mut watch = Watch::new(&compiled);
    watch.poll();

    // A token of the legacy issuer: the monolith accepts it, orders_svc answers 401.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/scripts/traffic.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["400", "--json", "--url", &lab.url("HAPROXY_PORT", "")])
        .args(["--header", "Authorization: Bearer legacy.lab-token"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let truth = json(&out);
    let code = |server: &str, code: &str| truth["by_code"][server][code].as_f64().unwrap_or(0.0);
    let rejected = code("orders_svc", "401");
    assert!(rejected >= 20.0, "{truth}");
    assert_eq!(code("orders_svc", "200"), 0.0, "{truth}");
    assert_eq!(code("monolith", "401"), 0.0, "{truth}");
    let accepted = code("monolith", "200");

    let status = watch.until(Duration::from_secs(20), "the 401s counted", |s| {
        let o = domain(s, "orders");
        let t = o.traffic.as_ref().unwrap();
        t.new.auth_failures.as_ref().and_then(|f| f.count) == Some(rejected)
            && t.legacy.requests.is_some_and(|r| r >= accepted)
            && o.health != Health::Ok
    });
    let orders = domain(&status, "orders");
    let t = orders.traffic.as_ref().unwrap();
    equal("new 5xx", t.new.errors, 0.0);
    equal("monolith 5xx", t.legacy.errors, 0.0);
    equal(
        "new 4xx",
        t.new.client_errors.as_ref().and_then(|f| f.count),
        rejected,
    );
    equal(
        "monolith 401/403",
        t.legacy.auth_failures.as_ref().and_then(|f| f.count),
        0.0,
    );
    let verdict = serde_json::to_value(orders.verdict.as_ref().unwrap()).unwrap();
    assert_eq!(verdict["result"], "fail", "{verdict:#}");
    let auth = verdict["boundaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "auth_failures")
        .unwrap();
    assert_eq!(auth["result"], "fail", "{verdict:#}");
    assert!(
        auth["reason"]
            .as_str()
            .unwrap()
            .starts_with("new path 401/403s 100% vs monolith 0"),
        "{auth:#}"
    );
    assert!(
        matches!(orders.health, Health::Warn | Health::Crit),
        "{:?}",
        orders.reasons
    );
}

/// One `GET /orders/1` straight to orders_svc carrying a W3C `traceparent`; the status it
/// answered and the trace ID the app echoed in its own `traceparent`.
fn traced_request(lab: &Lab, trace_id: &str) -> (u16, Option<String>) {
    let port = lab.port("ORDERS_SVC_PORT");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "GET /orders/1 HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\ntraceparent: 00-{trace_id}-00f067aa0ba902b7-01\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let echoed = answer.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("traceparent")
            .then(|| value.trim().split('-').nth(1).map(str::to_string))?
    });
    (status, echoed)
}

/// Issue 16, items 3 and 5: the trace ID of a real request that orders_svc (FastAPI with
/// prometheus_client) answered with a 500 reaches `cutover status --json` as the new path's
/// error exemplar, read from the app's OpenMetrics exposition, with its trace link; the
/// slowest recent request's exemplar is a valid trace ID of the same app.
#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn a_real_requests_trace_id_reaches_status_json_as_the_new_paths_error_exemplar() {
    let lab = Lab::up();
    let _no_errors = NoErrors(&lab);
    lab.error_rate("MONOLITH_PORT", 0.0);
    lab.warm_up();
    // Every request to orders_svc fails now: the one below is its newest error.
    lab.error_rate("ORDERS_SVC_PORT", 1.0);
    let trace_id = format!(
        "{:016x}{:016x}",
        cutover::clock::now_ms(),
        u64::from(std::process::id()) << 20 | 0x5eed
    );
    let (status, echoed) = traced_request(&lab, &trace_id);
    assert_eq!(status, 500);
    assert_eq!(echoed.as_deref(), Some(trace_id.as_str()));

    let side = |source: &str| {
        let on = |metric: &str, status: &str| {
            format!(
                "{{ source = \"{source}\", select = '{metric}{{handler=\"/orders/{{order_id}}\"{status}}}' }}"
            )
        };
        format!(
            "requests = {}\nerrors = {}\nlatency = {}\n",
            on("http_requests_total", ""),
            on("http_requests_total", ",status=~\"5..\""),
            on("http_request_duration_seconds", ""),
        )
    };
    let config = format!(
        "{}[tracing]\nurl = \"https://tempo.example/trace/{{trace_id}}\"\n\
         [[source]]\nname = \"monolith\"\nurl = \"{}\"\n[[source]]\nname = \"orders-svc\"\nurl = \"{}\"\n\
         [[domain]]\nname = \"orders\"\nstage = \"canary\"\n\
         [domain.traffic.legacy]\n{}[domain.traffic.new]\n{}",
        settings(),
        lab.url("MONOLITH_PORT", "/metrics"),
        lab.url("ORDERS_SVC_PORT", "/metrics"),
        side("monolith"),
        side("orders-svc"),
    );
    let sb = Sandbox::new();
    let cfg = sb.config(&config);
    let out = sb.run(&cfg, ["status", "--json", "--over", "2s"]);
    let v = json(&out);
    let orders = v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "orders")
        .unwrap();
    let new = &orders["traffic"]["new"];
    let err = &new["error_exemplar"];
    assert_eq!(err["trace_id"], trace_id.as_str(), "{new:#}");
    assert_eq!(
        err["url"],
        format!("https://tempo.example/trace/{trace_id}").as_str(),
        "{err:#}"
    );
    assert!(err["age_seconds"].as_f64().unwrap() < 60.0, "{err:#}");
    let slow = new["slowest_exemplar"]["trace_id"]
        .as_str()
        .unwrap_or_default();
    assert!(
        slow.len() == 32 && slow.bytes().all(|b| b.is_ascii_hexdigit()),
        "{new:#}"
    );
    println!("error exemplar as status --json read it: {err}");
}
