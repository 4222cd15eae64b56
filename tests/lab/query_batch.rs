//! The query API at fleet scale against the lab's real Prometheus: 200 domains of plain
//! selectors on HAProxy's series, read in batched queries, give the figures of scraping
//! HAProxy directly; and what the batching saves Prometheus, counted by Prometheus itself
//! (`prometheus_http_requests_total` and `process_cpu_seconds_total` on its own /metrics),
//! against the same 200 domains asked one query per selector.

use super::*;

const FLEET: usize = 200;
/// Polls per measured phase: enough CPU to see, short enough for a lab run.
const POLLS: usize = 3;

/// Every domain reads the lab's `be_orders` under a name of its own (`be_orders|be_d<N>`, as a
/// domain whose backend is being renamed would), so its selectors are its own; `wrap` writes
/// them in parentheses: PromQL that is not a plain selector, one query each, as before
/// batching. `direct` adds each domain's twin on HAProxy's own /metrics.
fn fleet_config(lab: &Lab, wrap: bool, direct: bool) -> String {
    let mut out = format!(
        // A timeout long enough for 1,200 queries in one poll, 16 at a time.
        "[settings]\ninterval = \"30s\"\ntimeout = \"29s\"\nwindow = \"10m\"\n{}",
        sources(lab)
    );
    for d in 0..FLEET {
        let proxy = format!("proxy=~\"be_orders|be_d{d}\"");
        let sel = |name: &str, server: &str, more: &str| {
            let s = format!("{name}{{{proxy}, server=\"{server}\"{more}}}");
            if wrap {
                format!("({s})")
            } else {
                s
            }
        };
        let responses = "haproxy_server_http_responses_total";
        let mut sources = vec![("p", "prometheus")];
        if direct {
            sources.push(("g", "gateway"));
        }
        for (prefix, source) in sources {
            out.push_str(&format!(
                r#"
[[domain]]
name = "{prefix}{d}"
stage = "canary"
  [domain.traffic]
  source = "{source}"
  legacy.requests = '{}'
  legacy.errors = '{}'
  legacy.weight = '{}'
  new.requests = '{}'
  new.errors = '{}'
  new.weight = '{}'
"#,
                sel(responses, "monolith", ""),
                sel(responses, "monolith", ", code=\"5xx\""),
                sel("haproxy_server_weight", "monolith", ""),
                sel(responses, "orders_svc", ""),
                sel(responses, "orders_svc", ", code=\"5xx\""),
                sel("haproxy_server_weight", "orders_svc", ""),
            ));
        }
    }
    out
}

/// Prometheus's own counters, from its /metrics (reading them is not a query).
struct PromSelf {
    queries: f64,
    cpu_seconds: f64,
}

fn prometheus_self(lab: &Lab) -> PromSelf {
    let (status, text) = http("GET", &lab.url("PROMETHEUS_PORT", "/metrics"), None);
    assert_eq!(status, 200);
    let value = |line: &str| -> f64 { line.rsplit(' ').next().unwrap().parse().unwrap() };
    let queries = text
        .lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .map(value)
        .sum();
    let cpu_seconds = text
        .lines()
        .find(|l| l.starts_with("process_cpu_seconds_total "))
        .map(value)
        .unwrap();
    PromSelf {
        queries,
        cpu_seconds,
    }
}

/// What `POLLS` polls of `compiled` cost Prometheus: instant queries per poll, CPU seconds,
/// wall time, and whether every poll came back whole.
fn measure(lab: &Lab, compiled: &Compiled) -> (f64, f64, Duration, bool) {
    let before = prometheus_self(lab);
    let start = Instant::now();
    let mut whole = true;
    for _ in 0..POLLS {
        whole &= poll(compiled).iter().all(|o| o.result.is_ok());
    }
    let wall = start.elapsed();
    let after = prometheus_self(lab);
    (
        (after.queries - before.queries) / POLLS as f64,
        after.cpu_seconds - before.cpu_seconds,
        wall,
        whole,
    )
}

fn prometheus_version(lab: &Lab) -> String {
    let (_, body) = http(
        "GET",
        &lab.url("PROMETHEUS_PORT", "/api/v1/status/buildinfo"),
        None,
    );
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["data"]["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn prometheus_spec(compiled: &Compiled) -> &cutover::source::SourceSpec {
    compiled
        .specs
        .iter()
        .flatten()
        .find(|s| s.name == "prometheus")
        .unwrap()
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn two_hundred_domains_through_prometheus_take_a_few_queries_per_poll_and_equal_a_scrape() {
    let lab = Lab::up();
    lab.restore_weights();
    let _restore = Restore(&lab);
    lab.warm_up();
    let both = compiled(&fleet_config(&lab, false, true));
    let spec = prometheus_spec(&both);
    assert!(spec.queries.is_empty(), "{:?}", spec.queries);
    // Requests and errors fold into one query with the weights (the same labels); no more
    // however many domains.
    assert_eq!(spec.batch.len(), 1, "{:#?}", spec.batch);

    // The figures: every domain through Prometheus equals its twin scraped from HAProxy.
    let in_step = |s: &Status| {
        (0..FLEET).all(|d| {
            let g = domain(s, &format!("g{d}")).traffic.as_ref().unwrap();
            let p = domain(s, &format!("p{d}")).traffic.as_ref().unwrap();
            g.new.requests_total.is_some()
                && g.legacy.requests_total == p.legacy.requests_total
                && g.new.requests_total == p.new.requests_total
                && g.legacy.errors_total == p.legacy.errors_total
                && g.new.errors_total == p.new.errors_total
        })
    };
    let wait = Duration::from_secs(20);
    let before = poll_until(&both, wait, "Prometheus in step before", in_step);
    let truth = lab.traffic(200);
    let after = poll_until(&both, wait, "Prometheus in step after", in_step);
    let status = status_of(&both, &[before, after]);
    for d in 0..FLEET {
        let g = domain(&status, &format!("g{d}")).traffic.as_ref().unwrap();
        let p = domain(&status, &format!("p{d}")).traffic.as_ref().unwrap();
        for (what, a, b, expected) in [
            (
                "legacy requests",
                g.legacy.requests,
                p.legacy.requests,
                Some(truth.requests("monolith")),
            ),
            (
                "new requests",
                g.new.requests,
                p.new.requests,
                Some(truth.requests("orders_svc")),
            ),
            ("legacy errors", g.legacy.errors, p.legacy.errors, None),
            ("new errors", g.new.errors, p.new.errors, None),
            (
                "legacy weight",
                g.legacy.weight,
                p.legacy.weight,
                Some(90.0),
            ),
            ("new weight", g.new.weight, p.new.weight, Some(10.0)),
        ] {
            assert_eq!(a, b, "domain {d}: {what}");
            if let Some(expected) = expected {
                equal(&format!("domain {d}: {what}"), b, expected);
            }
        }
        assert_eq!(g.legacy.error_ratio, p.legacy.error_ratio, "domain {d}");
        assert_eq!(g.new.error_ratio, p.new.error_ratio, "domain {d}");
    }

    // What it costs Prometheus: the same 200 domains batched, then one query per selector.
    let batched = compiled(&fleet_config(&lab, false, false));
    let single = compiled(&fleet_config(&lab, true, false));
    let single_spec = prometheus_spec(&single);
    assert_eq!(single_spec.queries.len(), FLEET * 6);
    assert!(single_spec.batch.is_empty());
    let (b_queries, b_cpu, b_wall, b_whole) = measure(&lab, &batched);
    let (s_queries, s_cpu, s_wall, s_whole) = measure(&lab, &single);
    // Prometheus's own scraping, with no queries, over as long as the longer phase.
    let idle_before = prometheus_self(&lab);
    let idle_start = Instant::now();
    std::thread::sleep(s_wall.max(b_wall).min(Duration::from_secs(10)));
    let idle_wall = idle_start.elapsed();
    let idle_cpu = prometheus_self(&lab).cpu_seconds - idle_before.cpu_seconds;
    eprintln!(
        "query API, {FLEET} domains, {POLLS} polls each (Prometheus {}'s own counters):\n  \
         batched:             {b_queries:.0} queries/poll, CPU {b_cpu:.2} s, wall {b_wall:.2?}, \
         every poll whole: {b_whole}\n  \
         one per selector:    {s_queries:.0} queries/poll, CPU {s_cpu:.2} s, wall {s_wall:.2?}, \
         every poll whole: {s_whole}\n  \
         no queries (idle):   CPU {idle_cpu:.2} s over {idle_wall:.2?}",
        prometheus_version(&lab)
    );
    assert!(b_whole, "a batched poll failed");
    assert_eq!(b_queries, 1.0);
    assert!(s_queries > 100.0 * b_queries, "{s_queries}");
    assert!(
        b_cpu < s_cpu,
        "batched {b_cpu} s, one per selector {s_cpu} s"
    );
}
