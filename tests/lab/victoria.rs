//! VictoriaMetrics 1.79 beside Prometheus: both scrape the lab's targets every 2 s from the same
//! `prometheus.yml`, each on its own schedule. The same domains read straight from the exporters,
//! through Prometheus's query API and through VictoriaMetrics' must give the same figures: while
//! traffic runs, within what one scrape interval of lag can explain; once it stops, exactly the
//! traffic traffic.py counted.

use super::*;
use cutover::figures::Traffic;

/// The same presets three ways: on the exporters, through Prometheus, through VictoriaMetrics.
/// The services' own latency goes through the `{__name__=~"name(_bucket)?", …}` selector.
fn config(lab: &Lab) -> String {
    let mut domains = String::new();
    for (suffix, source) in [
        ("", None),
        ("-through-prometheus", Some("prometheus")),
        ("-through-victoria", Some("victoria")),
    ] {
        let on = |direct: &str| source.unwrap_or(direct).to_string();
        domains.push_str(&format!(
            r#"
[[domain]]
name = "orders{suffix}"
stage = "canary"
  [domain.traffic]
  source = "{gw}"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolith"
  new = "orders_svc"
  [[domain.queue]]
  name = "inventory.reserve"
  source = "{rmq}"
  preset = "rabbitmq"
  queue = "inventory.reserve"
  [[domain.queue]]
  name = "orders.events/inventory"
  source = "{redis}"
  preset = "redis-stream"
  stream = "orders.events"
  group = "inventory"
"#,
            gw = on("gateway"),
            rmq = on("rabbitmq"),
            redis = on("redis"),
        ));
        // On the exporters each app is its own source; through an engine, its `service` label.
        let side = |direct: &str, service: &str| match source {
            None => format!(
                r#"{{ preset = "fastapi", source = "{direct}", handler = "/orders/{{order_id}}" }}"#
            ),
            Some(engine) => format!(
                r#"{{ preset = "fastapi", source = "{engine}", handler = "/orders/{{order_id}}", labels = {{ service = "{service}" }} }}"#
            ),
        };
        domains.push_str(&format!(
            r#"
[[domain]]
name = "services{suffix}"
stage = "canary"
  [domain.traffic]
  legacy = {}
  new = {}
"#,
            side("monolith", "monolith"),
            side("orders-svc", "orders_svc"),
        ));
    }
    format!(
        r#"{}{}
[[source]]
name = "victoria"
kind = "prometheus"
url = "{}"
{domains}"#,
        settings(),
        sources(lab),
        lab.url("VICTORIA_PORT", ""),
    )
}

const WAYS: [&str; 3] = ["", "-through-prometheus", "-through-victoria"];

fn traffic<'a>(status: &'a Status, domain_name: &str) -> &'a Traffic {
    domain(status, domain_name)
        .traffic
        .as_ref()
        .unwrap_or_else(|| panic!("{domain_name} has no traffic figures"))
}

/// Every way shows the same counter totals as the exporters, on both sides: each engine has
/// scraped since the counters last moved.
fn in_step(s: &Status) -> bool {
    ["orders", "services"].iter().all(|base| {
        let direct = traffic(s, base);
        direct.new.requests_total.is_some()
            && direct.legacy.requests_total.is_some()
            && WAYS[1..].iter().all(|way| {
                let t = traffic(s, &format!("{base}{way}"));
                t.legacy.requests_total == direct.legacy.requests_total
                    && t.new.requests_total == direct.new.requests_total
                    && t.legacy.errors_total == direct.legacy.errors_total
                    && t.new.errors_total == direct.new.errors_total
            })
    })
}

/// traffic.py for `seconds` at a time through the gateway until `stop`; every run's counts.
fn traffic_until(port: u16, seconds: f64, stop: Arc<AtomicBool>) -> Vec<Truth> {
    let url = format!("http://127.0.0.1:{port}");
    let mut runs = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        runs.push(traffic_py(&["--seconds", &seconds.to_string(), "--url", &url]).1);
    }
    runs
}

/// Puts the apps' error knobs back to what lab/up.sh gives them.
struct LabErrorRates<'a>(&'a Lab);

impl Drop for LabErrorRates<'_> {
    fn drop(&mut self) {
        self.0.error_rate("MONOLITH_PORT", 0.02);
        self.0.error_rate("ORDERS_SVC_PORT", 0.1);
    }
}

/// One figure read three ways, printed side by side (run with --nocapture to read them).
fn row(what: &str, values: [Option<f64>; 3]) -> [f64; 3] {
    row_sent(what, values, None)
}

/// [`row`], with what traffic.py counted beside it.
fn row_sent(what: &str, values: [Option<f64>; 3], sent: Option<f64>) -> [f64; 3] {
    let v = values.map(|v| v.unwrap_or_else(|| panic!("{what}: no data in {values:?}")));
    let sent = sent.map_or(String::new(), |n| format!(" {n} |"));
    println!("| {what} | {} | {} | {} |{sent}", v[0], v[1], v[2]);
    v
}

#[test]
#[ignore = "needs the lab: lab/up.sh"]
fn victoriametrics_query_api_gives_the_same_figures_as_prometheus_and_the_exporters() {
    let lab = Lab::up();
    lab.restore_weights();
    let _restore = Restore(&lab);
    let _rates = LabErrorRates(&lab);
    lab.error_rate("MONOLITH_PORT", 0.05);
    lab.error_rate("ORDERS_SVC_PORT", 0.2);
    let compiled = compiled(&config(&lab));
    let wait = Duration::from_secs(20);
    lab.warm_up();
    let before = poll_until(&compiled, wait, "both engines in step before", in_step);

    // While traffic runs: two polls 15 s apart, each asking every source at the same moment.
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (port, stop) = (lab.port("HAPROXY_PORT"), stop.clone());
        std::thread::spawn(move || traffic_until(port, 2.0, stop))
    };
    std::thread::sleep(Duration::from_secs(3));
    let first = poll(&compiled);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(15));
    let last = poll(&compiled);
    let span = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let runs = sender.join().unwrap();
    let running = status_of(&compiled, &[first, last]);
    for source in ["prometheus", "victoria"] {
        let s = running.sources.iter().find(|s| s.name == source).unwrap();
        assert_eq!(s.up, Some(true), "{source}: {:?}", s.error);
    }
    // An engine's counter at a poll is its newest scrape: at most one interval (2 s) plus a
    // scrape's timeout (1 s) behind the exporter. Both ends of the span lag the same way, so an
    // increase through an engine is off by at most the traffic of 3 s. Figures 30 s old (what
    // VictoriaMetrics answers without nocache=1), a doubled or a missing series are off by the
    // whole span's traffic (15 s).
    println!("while traffic runs, over {span:.1} s:");
    println!("| figure | direct scrape | Prometheus | VictoriaMetrics |");
    for base in ["orders", "services"] {
        let t = WAYS.map(|way| traffic(&running, &format!("{base}{way}")));
        for (what, side) in [("legacy", 0), ("new", 1)] {
            let sides = t.map(|t| if side == 0 { &t.legacy } else { &t.new });
            let requests = row(
                &format!("{base} {what} requests"),
                sides.map(|s| s.requests),
            );
            let errors = row(&format!("{base} {what} errors"), sides.map(|s| s.errors));
            for (figure, v) in [("requests", requests), ("errors", errors)] {
                let lag = v[0] / span * 3.0 + 1.0;
                for (engine, x) in [("Prometheus", v[1]), ("VictoriaMetrics", v[2])] {
                    assert!(
                        (x - v[0]).abs() <= lag,
                        "{base} {what} {figure} through {engine}: {x} against {} on the \
                         exporter (at most {lag:.0} apart)",
                        v[0]
                    );
                }
            }
        }
    }
    // The gateway's two sides come from one scrape of one exporter, so the lag cancels in the
    // share: HAProxy's roundrobin gives orders_svc 1 of every 10 requests, so any run of n
    // requests has a share within about 1/n of 10%.
    let gw = WAYS.map(|way| traffic(&running, &format!("orders{way}")));
    let share = row("orders new share", gw.map(|t| t.new_share));
    for ((engine, x), t) in ["direct", "Prometheus", "VictoriaMetrics"]
        .iter()
        .zip(share)
        .zip(gw)
    {
        let n = t.legacy.requests.unwrap() + t.new.requests.unwrap();
        assert!(
            (x - 0.1).abs() <= 2.0 / n,
            "orders share through {engine}: {x} of {n} requests"
        );
    }

    // Once the traffic stops and both engines have scraped: exactly what was sent.
    let after = poll_until(&compiled, wait, "both engines in step after", in_step);
    let status = status_of(&compiled, &[before, after]);
    let sent = |f: &dyn Fn(&Truth) -> f64| runs.iter().map(f).sum::<f64>();
    let truth = [
        ("legacy requests", sent(&|t| t.requests("monolith"))),
        ("legacy errors", sent(&|t| t.class("monolith", "5xx"))),
        ("new requests", sent(&|t| t.requests("orders_svc"))),
        ("new errors", sent(&|t| t.class("orders_svc", "5xx"))),
    ];
    assert!(runs.iter().all(Truth::all_answered));
    assert!(truth[2].1 > 0.0, "no traffic reached orders_svc: {truth:?}");
    println!("after the traffic stopped, all of it:");
    println!("| figure | direct scrape | Prometheus | VictoriaMetrics | sent |");
    for base in ["orders", "services"] {
        let t = WAYS.map(|way| traffic(&status, &format!("{base}{way}")));
        for (what, expected) in truth {
            let v = row_sent(
                &format!("{base} {what}"),
                t.map(|t| match what {
                    "legacy requests" => t.legacy.requests,
                    "legacy errors" => t.legacy.errors,
                    "new requests" => t.new.requests,
                    _ => t.new.errors,
                }),
                Some(expected),
            );
            for (way, x) in WAYS.iter().zip(v) {
                equal(&format!("{base}{way} {what}"), Some(x), expected);
            }
        }
        let ratios = WAYS.map(|way| {
            let t = traffic(&status, &format!("{base}{way}"));
            (t.legacy.error_ratio, t.new.error_ratio)
        });
        assert!(ratios.iter().all(|r| *r == ratios[0]), "{base}: {ratios:?}");
    }
    let gw = WAYS.map(|way| traffic(&status, &format!("orders{way}")));
    for (what, side) in [("legacy weight", 0), ("new weight", 1)] {
        let v = row(
            what,
            gw.map(|t| {
                if side == 0 {
                    t.legacy.weight
                } else {
                    t.new.weight
                }
            }),
        );
        assert_eq!(v, [[90.0, 10.0][side]; 3], "{what}");
    }
    // HAProxy's average response time, a gauge the engines scraped at their own moments.
    let avg = row(
        "orders new average (s)",
        gw.map(|t| t.new.latency_gauge_seconds),
    );
    assert!(
        avg.iter().all(|a| (a - avg[0]).abs() < 0.002),
        "HAProxy's average: {avg:?}"
    );
    // Each service's histogram: the same buckets, so the same quantiles.
    let services = WAYS.map(|way| traffic(&status, &format!("services{way}")));
    let p95 = row(
        "services legacy p95 (s)",
        services.map(|t| t.legacy.p95_seconds),
    );
    assert!(p95.iter().all(|p| *p == p95[0]), "{p95:?}");
    let p50 = row("services new p50 (s)", services.map(|t| t.new.p50_seconds));
    assert!(p50.iter().all(|p| *p == p50[0]), "{p50:?}");
    // Depths: RabbitMQ's seeded queue, and the stream's pending entries as Redis reports them.
    let orders = WAYS.map(|way| domain(&status, &format!("orders{way}")));
    let depth = row("inventory.reserve depth", orders.map(|d| d.queues[0].depth));
    assert_eq!(depth, [1234.0; 3]);
    let pending = lab.stream_pending("inventory");
    let in_flight = row(
        "orders.events pending",
        orders.map(|d| d.queues[1].in_flight.as_ref().and_then(|f| f.value)),
    );
    assert_eq!(in_flight, [pending; 3]);
    // No way has the lag redis_exporter 1.45 does not export.
    assert!(orders.iter().all(|d| d.queues[1].depth.is_none()));
}
