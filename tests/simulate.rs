//! `cutover simulate`: the simulated exporters look like the real ones (compared with captures
//! of real software in tests/fixtures/real), behave like counters, serve real HTTP on loopback,
//! and the runtime API shifts traffic for real.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cutover_sim::{self as simulate, render_all, serve, serve_from, World, SOURCES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const START: i64 = 1_795_552_000_000;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// A deliberately small exposition reader, independent of the project's parser, for comparing
// shapes: metric name, label names in order, label values, value text.

#[derive(Debug, Clone)]
struct Line {
    name: String,
    labels: Vec<(String, String)>,
    value: String,
}

impl Line {
    fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn label_names(&self) -> Vec<String> {
        self.labels.iter().map(|(k, _)| k.clone()).collect()
    }
    fn number(&self) -> f64 {
        self.value
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {self:?}"))
    }
}

fn parse_line(line: &str) -> Line {
    let (name_end, has_labels) = match line.find(['{', ' ']) {
        Some(i) => (i, line.as_bytes()[i] == b'{'),
        None => panic!("no value on line {line:?}"),
    };
    let name = line[..name_end].to_string();
    let mut labels = Vec::new();
    let mut rest = &line[name_end..];
    if has_labels {
        let bytes = rest.as_bytes();
        let mut i = 1;
        loop {
            if bytes[i] == b'}' {
                i += 1;
                break;
            }
            if bytes[i] == b',' {
                i += 1;
                continue;
            }
            let eq = rest[i..].find('=').unwrap() + i;
            let key = rest[i..eq].to_string();
            assert_eq!(bytes[eq + 1], b'"', "unquoted label value in {line:?}");
            let mut j = eq + 2;
            let mut value = String::new();
            while bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    j += 1;
                    value.push(match bytes[j] {
                        b'n' => '\n',
                        other => other as char,
                    });
                } else {
                    value.push(bytes[j] as char);
                }
                j += 1;
            }
            labels.push((key, value));
            i = j + 1;
        }
        rest = &rest[i..];
    }
    Line {
        name,
        labels,
        value: rest.trim().to_string(),
    }
}

/// A body's families: TYPE, HELP, whether TYPE came first, and their sample lines.
#[derive(Debug, Default, Clone)]
struct Family {
    kind: String,
    help: String,
    type_first: bool,
    lines: Vec<Line>,
}

fn families(body: &str) -> (Vec<String>, BTreeMap<String, Family>) {
    let mut order = Vec::new();
    let mut map: BTreeMap<String, Family> = BTreeMap::new();
    let mut current = String::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            if !map.contains_key(name) {
                order.push(name.to_string());
            }
            let fam = map.entry(name.to_string()).or_default();
            fam.help = help.to_string();
            current = name.to_string();
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            let fresh = !map.contains_key(name);
            if fresh {
                order.push(name.to_string());
            }
            let fam = map.entry(name.to_string()).or_default();
            fam.kind = kind.to_string();
            fam.type_first = fresh;
            current = name.to_string();
        } else if line.is_empty() || line.starts_with('#') {
            continue;
        } else {
            let parsed = parse_line(line);
            map.get_mut(&current)
                .unwrap_or_else(|| panic!("sample before any family: {line}"))
                .lines
                .push(parsed);
        }
    }
    (order, map)
}

/// The distinct ordered label-name lists of a family's lines, per sample name.
fn shapes(fam: &Family) -> BTreeSet<(String, Vec<String>)> {
    fam.lines
        .iter()
        .map(|l| (l.name.clone(), l.label_names()))
        .collect()
}

fn world_at(elapsed_ms: i64) -> World {
    let mut world = World::new("demo", START).unwrap();
    world.advance_to(START + elapsed_ms);
    world
}

fn body_of(world: &World, source: &str) -> String {
    render_all(world)
        .into_iter()
        .find(|(name, _)| name == source)
        .unwrap_or_else(|| panic!("no source {source}"))
        .1
        .unwrap_or_else(|e| panic!("{source} is down: {e}"))
}

fn sum_of(body: &str, name: &str, wanted: &[(&str, &str)]) -> f64 {
    body.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .map(parse_line)
        .filter(|l| l.name == name && wanted.iter().all(|(k, v)| l.label(k) == Some(*v)))
        .map(|l| l.number())
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Shapes against the real captures.

#[test]
fn haproxy_body_has_every_real_family_in_order_with_the_same_shapes() {
    let (real_order, real) = families(&fixture("haproxy-svc-down.prom"));
    let (sim_order, sim) = families(&body_of(&world_at(240_000), "haproxy"));
    assert_eq!(sim_order, real_order, "same families in the same order");
    for name in &real_order {
        let (r, s) = (&real[name], &sim[name]);
        assert_eq!(s.kind, r.kind, "{name} TYPE");
        assert_eq!(s.help, r.help, "{name} HELP");
        assert!(!s.type_first, "{name}: HAProxy writes HELP before TYPE");
        assert_eq!(shapes(s), shapes(r), "{name}: label names and their order");
    }
    // The code and state values are HAProxy's.
    let codes: BTreeSet<&str> = sim["haproxy_server_http_responses_total"]
        .lines
        .iter()
        .filter_map(|l| l.label("code"))
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from(["1xx", "2xx", "3xx", "4xx", "5xx", "other"])
    );
    let states = |f: &Family| -> Vec<String> {
        f.lines
            .iter()
            .filter(|l| l.label("server") == Some("orders_svc"))
            .filter_map(|l| l.label("state").map(str::to_string))
            .collect()
    };
    assert_eq!(
        states(&sim["haproxy_server_status"]),
        states(&real["haproxy_server_status"])
    );
    // Code-major order, as the real exporter writes it.
    let order = |f: &Family| -> Vec<(String, String)> {
        f.lines
            .iter()
            .filter(|l| l.label("proxy") == Some("be_orders"))
            .map(|l| {
                (
                    l.label("code").unwrap().to_string(),
                    l.label("server").unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        order(&sim["haproxy_server_http_responses_total"]),
        order(&real["haproxy_server_http_responses_total"])
    );
    // Durations as %f, unset limits as NaN.
    let avg = &sim["haproxy_server_response_time_average_seconds"].lines[0].value;
    assert_eq!(avg.split('.').nth(1).map(str::len), Some(6), "{avg}");
    assert_eq!(sim["haproxy_server_limit_sessions"].lines[0].value, "NaN");
}

#[test]
fn fastapi_bodies_match_the_instrumentator() {
    let (real_order, real) = families(&fixture("orders-monolith-canary.prom"));
    for source in [
        "monolith",
        "orders-svc",
        "inventory-svc",
        "notifications-svc",
    ] {
        let (sim_order, sim) = families(&body_of(&world_at(60_000), source));
        let sim_subset: Vec<&String> = sim_order.iter().filter(|n| real.contains_key(*n)).collect();
        let real_all: Vec<&String> = real_order.iter().collect();
        assert_eq!(
            sim_subset, real_all,
            "{source}: every real family, in the real order"
        );
        for name in &real_order {
            let (r, s) = (&real[name], &sim[name]);
            assert_eq!(s.kind, r.kind, "{source} {name} TYPE");
            assert_eq!(s.help, r.help, "{source} {name} HELP");
            let label_sets = |f: &Family| -> BTreeSet<(String, Vec<String>)> { shapes(f) };
            assert_eq!(
                label_sets(s),
                label_sets(r),
                "{source} {name}: label names in order"
            );
        }
        let le = |f: &Family| -> BTreeSet<String> {
            f.lines
                .iter()
                .filter_map(|l| l.label("le").map(str::to_string))
                .collect()
        };
        for hist in [
            "http_request_duration_seconds",
            "http_request_duration_highr_seconds",
        ] {
            assert_eq!(le(&sim[hist]), le(&real[hist]), "{source} {hist} buckets");
        }
        // Python's float text: "1764.0", and past a million prometheus_client's own exponent form.
        let values: Vec<&str> = sim["http_requests_total"]
            .lines
            .iter()
            .map(|l| l.value.as_str())
            .collect();
        assert!(
            values
                .iter()
                .all(|v| v.ends_with(".0") || v.contains("e+0")),
            "{source}: {values:?}"
        );
        if source == "monolith" {
            assert!(values.iter().any(|v| v.contains("e+0")), "{values:?}");
        }
    }
    // The route template keeps its braces.
    let body = body_of(&world_at(60_000), "orders-svc");
    assert!(body.contains(
        "http_requests_total{handler=\"/orders/{order_id}\",method=\"GET\",status=\"2xx\"}"
    ));
}

#[test]
fn rabbitmq_per_object_matches_the_plugin() {
    let (real_order, real) = families(&fixture("rabbitmq-per-object.prom"));
    let (sim_order, sim) = families(&body_of(&world_at(200_000), "rabbitmq"));
    // Every simulated family is a real one, in the real relative order, TYPE before HELP.
    let positions: Vec<usize> = sim_order
        .iter()
        .map(|n| {
            real_order
                .iter()
                .position(|r| r == n)
                .unwrap_or_else(|| panic!("{n} is not in the real capture"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "families out of the real order"
    );
    for name in &sim_order {
        let (r, s) = (&real[name], &sim[name]);
        assert!(s.type_first && r.type_first, "{name}: TYPE before HELP");
        assert_eq!(s.kind, r.kind, "{name} TYPE");
        assert_eq!(s.help, r.help, "{name} HELP");
        if !r.lines.is_empty() && !s.lines.is_empty() {
            assert_eq!(shapes(s), shapes(r), "{name}: label names and order");
        }
    }
    // All the per-queue families are there, with vhost before queue.
    for name in real_order
        .iter()
        .filter(|n| n.starts_with("rabbitmq_queue_"))
    {
        assert!(sim.contains_key(name), "{name} missing");
    }
    let depth = sum_of(
        &body_of(&world_at(200_000), "rabbitmq"),
        "rabbitmq_queue_messages_ready",
        &[("vhost", "/"), ("queue", "inventory.reserve")],
    );
    assert!(depth > 2000.0, "inventory.reserve builds up: {depth}");
    assert!(sim["rabbitmq_queue_head_message_timestamp"]
        .lines
        .iter()
        .all(|l| l.value == "NaN"));
}

#[test]
fn redis_exporter_matches_the_real_one() {
    let (real_order, real) = families(&fixture("redis-exporter.prom"));
    let (sim_order, sim) = families(&body_of(&world_at(300_000), "redis"));
    let mut sorted = sim_order.clone();
    sorted.sort();
    assert_eq!(
        sim_order, sorted,
        "client_golang writes families sorted by name"
    );
    for name in &sim_order {
        let r = real
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the real capture"));
        let s = &sim[name];
        assert_eq!(s.kind, r.kind, "{name} TYPE");
        assert_eq!(s.help, r.help, "{name} HELP");
        assert_eq!(shapes(s), shapes(r), "{name}: label names and order");
    }
    for name in real_order.iter().filter(|n| n.starts_with("redis_stream_")) {
        assert!(sim.contains_key(name), "{name} missing");
    }
    // This exporter version has no per-group lag: pending is what there is.
    assert!(!sim.contains_key("redis_stream_group_lag"));
    let pending = sum_of(
        &body_of(&world_at(300_000), "redis"),
        "redis_stream_group_messages_pending",
        &[
            ("stream", "notifications.email"),
            ("group", "notifications-svc"),
        ],
    );
    assert!(pending > 0.0);
}

#[test]
fn kafka_and_django_bodies_use_their_exporters_names() {
    let world = world_at(300_000);
    let (_, kafka) = families(&body_of(&world, "kafka"));
    for (name, labels) in [
        (
            "kafka_consumergroup_lag",
            vec!["consumergroup", "partition", "topic"],
        ),
        (
            "kafka_consumergroup_lag_sum",
            vec!["consumergroup", "topic"],
        ),
        (
            "kafka_consumergroup_current_offset",
            vec!["consumergroup", "partition", "topic"],
        ),
        (
            "kafka_topic_partition_current_offset",
            vec!["partition", "topic"],
        ),
    ] {
        let fam = &kafka[name];
        assert_eq!(
            fam.kind, "gauge",
            "{name}: kafka_exporter writes only gauges"
        );
        assert!(
            fam.lines.iter().all(|l| l.label_names() == labels),
            "{name}"
        );
    }
    let lag = kafka["kafka_consumergroup_lag"]
        .lines
        .iter()
        .filter(|l| l.label("consumergroup") == Some("notifications-svc"))
        .count();
    assert_eq!(lag, 3, "three partitions");

    let (_, django) = families(&body_of(&world, "billing-svc"));
    let view = django["django_http_responses_total_by_status_view_method_total"]
        .lines
        .iter()
        .find(|l| l.label("view") == Some("billing:charge-create"))
        .expect("billing view counted");
    assert_eq!(view.label_names(), ["method", "status", "view"]);
    assert_eq!(
        django["django_http_responses_total_by_status_view_method_total"].kind,
        "counter"
    );
    let latency = &django["django_http_requests_latency_seconds_by_view_method"];
    assert_eq!(latency.kind, "histogram");
    assert!(latency
        .lines
        .iter()
        .any(|l| l.label_names() == ["le", "method", "view"]));
    for saga_family in [
        "saga_started_total",
        "saga_failed_total",
        "saga_compensation_total",
        "saga_in_progress",
    ] {
        assert!(django.contains_key(saga_family), "{saga_family}");
    }
    let failed = django["saga_failed_total"]
        .lines
        .iter()
        .find(|l| l.label("saga") == Some("charge-payment"))
        .unwrap();
    assert_eq!(failed.label_names(), ["domain", "reason", "saga", "step"]);
}

#[test]
fn every_body_parses_cleanly_with_the_projects_parser() {
    let filter = cutover::ingest::prefilter::FamilyFilter::all();
    for at in [0, 125_000, 299_000, 301_000, 420_000, 600_000] {
        let world = world_at(at);
        for (source, body) in render_all(&world) {
            let Ok(body) = body else { continue };
            let mut samples = 0usize;
            let stats = cutover::ingest::exposition::parse(&body, &filter, |_| samples += 1);
            assert_eq!(
                stats.bad_lines, 0,
                "{source} at {at} ms: {:?}",
                stats.first_bad
            );
            assert!(samples > 50, "{source} at {at} ms: {samples} samples");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Behaviour over time.

#[test]
fn counters_never_decrease() {
    let mut world = World::new("demo", START).unwrap();
    let mut last: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut checked = 0usize;
    for t in (0..=620_000).step_by(20_000) {
        world.advance_to(START + t);
        for (source, body) in render_all(&world) {
            let Ok(body) = body else { continue };
            let (_, fams) = families(&body);
            for (family, fam) in fams {
                if !matches!(fam.kind.as_str(), "counter" | "histogram" | "summary") {
                    continue;
                }
                for line in &fam.lines {
                    if line.label("quantile").is_some() {
                        continue;
                    }
                    let key = (source.clone(), format!("{} {:?}", line.name, line.labels));
                    let v = line.number();
                    // postgres_exporter 0.11 types NULL timestamps (`stats_reset` of the shared
                    // catalogs) as NaN counters, as in the real capture: no value to order.
                    if v.is_nan() {
                        continue;
                    }
                    if let Some(previous) = last.insert(key, v) {
                        assert!(
                            v >= previous,
                            "{source} {family}: {line:?} went from {previous} to {v} at {t} ms"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "only {checked} comparisons");
}

#[test]
fn the_same_virtual_time_renders_the_same_bytes() {
    let a = render_all(&world_at(333_300));
    let mut world = World::new("demo", START).unwrap();
    for t in (0..333_300).step_by(7_000) {
        world.advance_to(START + t);
    }
    world.advance_to(START + 333_300);
    assert_eq!(render_all(&world), a);
}

#[test]
fn the_demo_tells_its_story_through_the_pipeline() {
    let text = simulate::config_toml("http://127.0.0.1:9400", "127.0.0.1:9999");
    let cfg = cutover::config::parse_str(&text, Path::new("simulate.toml")).expect("config loads");
    let compiled = cutover::compile::compile(&cfg).expect("config compiles");
    let mut engine = cutover::engine::Engine::new(Arc::clone(&compiled.plan));
    let mut world = World::new("demo", START).unwrap();
    let mut checkpoints = BTreeMap::new();
    for t in (0..=540_000).step_by(2_000) {
        world.advance_to(START + t);
        for (source, result) in render_all(&world) {
            let bytes = result.as_ref().map_or(0, |b| b.len() as u64);
            engine.ingest(&cutover::source::ScrapeOutcome {
                source,
                at_ms: START + t,
                duration_ms: 2,
                bytes,
                status: Some(if result.is_ok() { 200 } else { 503 }),
                result: result.map_err(|down| cutover::source::PollError::Failed(down.to_string())),
            });
        }
        if [90_000, 240_000, 290_000, 370_000, 540_000].contains(&t) {
            checkpoints.insert(t, engine.status(cutover::engine::Mode::Live));
        }
    }
    let domain = |t: i64, name: &str| {
        checkpoints[&t]
            .domains
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    // 1m30: the orders canary is healthy at ~10 %.
    let orders = domain(90_000, "orders");
    let traffic = orders.traffic.unwrap();
    assert!((traffic.new_share.unwrap() - 0.1).abs() < 0.02);
    assert!(traffic.new.error_ratio.unwrap() < 0.01);
    // 4m50: degraded.
    let traffic = domain(290_000, "orders").traffic.unwrap();
    assert!(traffic.new.error_ratio.unwrap() > 0.04, "{:?}", traffic.new);
    assert!(traffic.new.p95_seconds.unwrap() > 0.5, "{:?}", traffic.new);
    // 6m10: rolled back, nothing goes to the new path any more.
    let traffic = domain(370_000, "orders").traffic.unwrap();
    assert_eq!(traffic.new.rps, Some(0.0));
    assert!(traffic.legacy.rps.unwrap() > 40.0);
    // Inventory's queue built up, then drained.
    assert!(domain(240_000, "inventory").queues[0].depth.unwrap() > 5000.0);
    assert!(domain(540_000, "inventory").queues[0].depth.unwrap() < 100.0);
    // Billing: sagas failing, then its metrics endpoint down.
    assert!(domain(290_000, "billing").sagas[0].failed.unwrap() > 0.0);
    assert!(domain(370_000, "billing").stale);
    let billing_source = checkpoints[&370_000]
        .sources
        .iter()
        .find(|s| s.name == "billing-svc")
        .unwrap();
    assert_eq!(billing_source.up, Some(false));
    assert!(!domain(540_000, "billing").stale);
}

// ---------------------------------------------------------------------------------------------
// On the network.

/// One raw HTTP/1.1 exchange; returns (status line + headers lowercased, body bytes decoded from
/// chunked framing when needed).
async fn raw_get(addr: SocketAddr, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    (head, body)
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

async fn runtime_command(addr: SocketAddr, command: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("{command}\n").as_bytes())
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("runtime API closes the connection")
        .unwrap();
    answer
}

#[tokio::test]
async fn the_server_answers_real_http_with_each_exporters_headers() {
    let sim = serve("127.0.0.1:0".parse().unwrap(), "demo", 1.0)
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let expected_type = |name: &str| match name {
        "haproxy" | "rabbitmq" => "text/plain; version=0.0.4",
        "redis" | "kafka" | "monolith-db" => "text/plain; version=0.0.4; charset=utf-8",
        _ => "text/plain; version=1.0.0; charset=utf-8",
    };
    for source in SOURCES {
        let url = sim.url_of(source.name).unwrap();
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(content_type, expected_type(source.name), "{url}");
        let body = response.text().await.unwrap();
        assert!(
            body.starts_with("# "),
            "{url}: {}",
            &body[..body.len().min(80)]
        );
    }

    let addr = sim.http_addr();
    // RabbitMQ and redis_exporter gzip when asked; HAProxy and uvicorn never do.
    let (head, body) = raw_get(
        addr,
        "/rabbitmq/metrics/per-object",
        "Accept-Encoding: gzip\r\n",
    )
    .await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("server: cowboy"));
    assert!(gunzip(&body).starts_with("# TYPE erlang_vm_dirty_cpu_schedulers gauge\n"));
    let (head, body) = raw_get(addr, "/rabbitmq/metrics/per-object", "").await;
    assert!(head.contains("content-encoding: identity"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("rabbitmq_queue_messages_ready{vhost=\"/\""));
    let (head, body) = raw_get(addr, "/redis/metrics", "Accept-Encoding: gzip\r\n").await;
    assert!(head.contains("content-encoding: gzip") && head.contains("transfer-encoding: chunked"));
    assert!(
        gunzip(&body).contains("redis_stream_length{db=\"db0\",stream=\"notifications.email\"}")
    );
    let (head, body) = raw_get(addr, "/haproxy/metrics", "Accept-Encoding: gzip\r\n").await;
    assert!(!head.contains("content-encoding"), "{head}");
    assert!(
        head.contains("transfer-encoding: chunked") && head.contains("cache-control: no-cache")
    );
    assert!(String::from_utf8_lossy(&body).starts_with("# HELP haproxy_process_nbthread"));
    let (head, _) = raw_get(addr, "/orders-svc/metrics", "Accept-Encoding: gzip\r\n").await;
    assert!(
        !head.contains("content-encoding") && head.contains("server: uvicorn"),
        "{head}"
    );

    let (head, _) = raw_get(addr, "/nope", "").await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
    let (head, body) = raw_get(addr, "/", "").await;
    assert!(head.starts_with("http/1.1 200"));
    assert!(String::from_utf8_lossy(&body).contains("/haproxy/metrics"));

    // Keep-alive: two requests on one connection.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    for _ in 0..2 {
        stream
            .write_all(b"GET /orders-svc/metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            stream.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("http_requests_total"));
    }
}

#[tokio::test]
async fn a_rollback_over_the_runtime_api_moves_the_traffic() {
    let sim = serve("127.0.0.1:0".parse().unwrap(), "demo", 20.0)
        .await
        .unwrap();
    let api = sim.runtime_api_addr();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let scrape = |source: &'static str| {
        let client = client.clone();
        let url = sim.url_of(source).unwrap();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let served = |body: &str, server: &str| {
        sum_of(
            body,
            "haproxy_server_http_responses_total",
            &[("proxy", "be_orders"), ("server", server)],
        )
    };
    let own = |body: &str| {
        sum_of(
            body,
            "http_requests_total",
            &[("handler", "/orders/{order_id}")],
        )
    };

    // The same bytes a real HAProxy 2.6 answers.
    assert_eq!(
        runtime_command(api, "get weight be_orders/orders_svc").await,
        fixture_bytes("haproxy-runtime-canary-get-weight.txt")
    );
    assert_eq!(
        runtime_command(api, "get weight be_orders/no_such_server").await,
        fixture_bytes("haproxy-runtime-error-response.txt")
    );
    let unknown = String::from_utf8(runtime_command(api, "show me everything").await).unwrap();
    assert!(unknown
        .starts_with("Unknown command, but maybe one of the following ones is a better match:\n"));
    assert!(unknown.ends_with("  quit                                    : disconnect\n\n"));

    // Before: both servers take traffic.
    let before = scrape("haproxy").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let still = scrape("haproxy").await;
    assert!(served(&still, "orders_svc") > served(&before, "orders_svc"));

    assert_eq!(
        runtime_command(api, "set weight be_orders/orders_svc 0").await,
        fixture_bytes("haproxy-runtime-rollback-set-weight-response.txt")
    );
    assert_eq!(
        runtime_command(api, "get weight be_orders/orders_svc").await,
        fixture_bytes("haproxy-runtime-rollback-get-weight.txt")
    );
    let at_rollback = scrape("haproxy").await;
    let own_at_rollback = scrape("orders-svc").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = scrape("haproxy").await;
    let own_after = scrape("orders-svc").await;
    assert_eq!(
        served(&after, "orders_svc"),
        served(&at_rollback, "orders_svc")
    );
    assert!(served(&after, "monolith") > served(&at_rollback, "monolith") + 500.0);
    assert_eq!(
        own(&own_after),
        own(&own_at_rollback),
        "orders-svc's own counters stop too"
    );
    assert!(after.contains("haproxy_server_weight{proxy=\"be_orders\",server=\"orders_svc\"} 0\n"));
    // A weight-0 server still reads UP.
    assert!(after.contains(
        "haproxy_server_status{proxy=\"be_orders\",server=\"orders_svc\",state=\"UP\"} 1\n"
    ));

    let received = sim.received_commands();
    assert!(
        received.contains(&"set weight be_orders/orders_svc 0".to_string()),
        "{received:?}"
    );
    assert_eq!(received.len(), 5);

    // Pipelined commands on one connection, `;`-separated ones on one line.
    let mut stream = TcpStream::connect(api).await.unwrap();
    stream
        .write_all(b"set weight be_orders/orders_svc 10%; get weight be_orders/orders_svc\nget weight be_orders/monolith\n")
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert_eq!(answer, "\n1 (initial 10)\n\n90 (initial 90)\n\n");
}

#[tokio::test]
async fn the_billing_metrics_endpoint_goes_down_and_comes_back() {
    // Start inside the outage (6m to 6m40s), at 10x: 1.5 s of wall time before it ends.
    let sim = serve_from("127.0.0.1:0".parse().unwrap(), "demo", 10.0, 385_000)
        .await
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let billing = sim.url_of("billing-svc").unwrap();
    let response = client.get(&billing).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(
        sim.scenario_elapsed_ms() < 400_000,
        "test ran too slowly to see the outage"
    );
    let orders = client
        .get(sim.url_of("orders-svc").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(orders.status(), 200, "other sources stay up");
    while sim.scenario_elapsed_ms() < 401_000 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = client.get(&billing).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("django_http_requests_latency_seconds_by_view_method"));
}

#[tokio::test]
async fn the_printed_config_watches_this_simulator() {
    let sim = serve("127.0.0.1:0".parse().unwrap(), "demo", 1.0)
        .await
        .unwrap();
    let text = sim.config_toml();
    let cfg = cutover::config::parse_str(&text, Path::new("simulate.toml")).expect("config loads");
    cutover::compile::compile(&cfg).expect("config compiles");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    assert_eq!(cfg.sources.len(), SOURCES.len());
    for source in &cfg.sources {
        let response = client.get(source.url.as_str()).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", source.url);
    }
    let api = sim.runtime_api_addr().to_string();
    assert!(text.contains(&format!("address = \"{api}\"")));
    assert!(text.contains("command = \"set weight be_orders/orders_svc 0\""));
    for stage in ["canary", "ramp", "migrated", "shadow", "planned"] {
        assert!(text.contains(&format!("stage = \"{stage}\"")), "{stage}");
    }
}

#[test]
fn bad_arguments_are_typed_errors() {
    assert!(matches!(
        World::new("chaos", START),
        Err(simulate::SimError::UnknownScenario(_))
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(serve("127.0.0.1:0".parse().unwrap(), "demo", 0.0));
    assert!(matches!(result, Err(simulate::SimError::InvalidSpeed(_))));
}
