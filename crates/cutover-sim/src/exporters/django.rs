//! A Django app instrumented with django-prometheus (Before/After middlewares, the
//! `django_prometheus.db` database wrapper and the migrations gauges) on prometheus_client.
//!
//! Names as django-prometheus registers them, which prometheus_client then suffixes: a counter
//! named `django_http_requests_total_by_method` is exposed as
//! `django_http_requests_total_by_method_total` (+ `..._created`). Status labels are exact codes
//! ("201"), `view` is the URL name (`billing:charge-create`), latency buckets are the
//! `PROMETHEUS_LATENCY_BUCKETS` defaults.

use super::super::model::{Endpoint, LatencyHistogram, Service};
use super::super::scenario::World;
use super::fastapi::{python_runtime, sagas, seen_endpoints};
use super::{python_float, Body};

/// django-prometheus's default `PROMETHEUS_LATENCY_BUCKETS`.
const LATENCY_BUCKETS: [f64; 16] = [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 25.0, 50.0, 75.0,
];

const DB_LABELS: [(&str, &str); 2] = [("alias", "default"), ("vendor", "postgresql")];

/// Label pairs of one series, names in prometheus_client's (sorted) order.
type Labels<'a> = Vec<(&'a str, String)>;
/// A counter series: labels, value, `_created` time.
type CounterRow<'a> = (Labels<'a>, u64, f64);
/// A histogram series: labels, bucket counts, `_created` time.
type HistogramRow<'a> = (Labels<'a>, Buckets, f64);

pub(super) fn render(world: &World, service: &Service) -> String {
    let mut body = Body::new();
    python_runtime(&mut body, world, service);
    migrations(&mut body);
    middleware(&mut body, service);
    database(&mut body, service);
    sagas(&mut body, service);
    body.finish()
}

fn migrations(body: &mut Body) {
    body.family(
        "django_migrations_unapplied_total",
        "gauge",
        "Count of unapplied migrations by database connection",
    );
    body.sample(
        "django_migrations_unapplied_total",
        &[("connection", "default")],
        "0.0",
    );
    body.family(
        "django_migrations_applied_total",
        "gauge",
        "Count of applied migrations by database connection",
    );
    body.sample(
        "django_migrations_applied_total",
        &[("connection", "default")],
        "87.0",
    );
}

/// A counter with no labels, and its `_created` family.
fn plain_counter(body: &mut Body, base: &str, help: &str, value: u64, created: f64) {
    let total = format!("{base}_total");
    body.family(&total, "counter", help);
    body.sample(&total, &[], &python_float(value as f64));
    let created_name = format!("{base}_created");
    body.family(&created_name, "gauge", help);
    body.sample(&created_name, &[], &python_float(created));
}

/// A labelled counter: `(labels, value, created)` rows; no rows means HELP/TYPE only.
fn labelled_counter(body: &mut Body, base: &str, help: &str, rows: &[CounterRow]) {
    let total = format!("{base}_total");
    body.family(&total, "counter", help);
    for (labels, value, _) in rows {
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        body.sample(&total, &labels, &python_float(*value as f64));
    }
    if rows.is_empty() {
        return;
    }
    let created_name = format!("{base}_created");
    body.family(&created_name, "gauge", help);
    for (labels, _, created) in rows {
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        body.sample(&created_name, &labels, &python_float(*created));
    }
}

/// A histogram over `bounds` (with +Inf) for each `(labels, histogram-like)` row.
fn histogram(body: &mut Body, name: &str, help: &str, bounds: &[f64], rows: &[HistogramRow]) {
    body.family(name, "histogram", help);
    let bucket = format!("{name}_bucket");
    for (labels, buckets, _) in rows {
        for le in bounds.iter().copied().chain([f64::INFINITY]) {
            let le_text = python_float(le);
            // prometheus_client sorts label names; `le` falls where it sorts.
            let mut all: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("le", le_text.as_str()));
            all.sort_by(|a, b| a.0.cmp(b.0));
            body.sample(&bucket, &all, &python_float(buckets.cumulative(le) as f64));
        }
        let plain: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        body.sample(
            &format!("{name}_count"),
            &plain,
            &python_float(buckets.count() as f64),
        );
        body.sample(&format!("{name}_sum"), &plain, &python_float(buckets.sum()));
    }
    if rows.is_empty() {
        return;
    }
    let created_name = format!("{name}_created");
    body.family(&created_name, "gauge", help);
    for (labels, _, created) in rows {
        let plain: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        body.sample(&created_name, &plain, &python_float(*created));
    }
}

/// Bucket counts for a histogram whose observations are not latencies (body sizes, queries).
enum Buckets {
    Latency(LatencyHistogram),
    /// Explicit `(upper bound, count in that bucket)` pairs plus the sum.
    Sizes(Vec<(f64, u64)>, f64),
}

impl Buckets {
    fn cumulative(&self, le: f64) -> u64 {
        match self {
            Buckets::Latency(h) => {
                // django-prometheus bounds are all in LATENCY_BOUNDS; the fine histogram answers.
                h.cumulative(le)
            }
            Buckets::Sizes(pairs, _) => {
                pairs.iter().filter(|(b, _)| *b <= le).map(|(_, c)| c).sum()
            }
        }
    }

    fn count(&self) -> u64 {
        match self {
            Buckets::Latency(h) => h.count(),
            Buckets::Sizes(pairs, _) => pairs.iter().map(|(_, c)| c).sum(),
        }
    }

    fn sum(&self) -> f64 {
        match self {
            Buckets::Latency(h) => h.sum(),
            Buckets::Sizes(_, sum) => *sum,
        }
    }
}

/// Smallest power of two (or 0) at or above `bytes`: the `PowersOf(2, 30)` bucket it lands in.
fn power_bucket(bytes: f64) -> f64 {
    if bytes <= 0.0 {
        return 0.0;
    }
    let mut bound = 1.0;
    while bound < bytes && bound < 536_870_912.0 {
        bound *= 2.0;
    }
    if bound < bytes {
        f64::INFINITY
    } else {
        bound
    }
}

fn size_buckets(endpoints: &[&Endpoint], request: bool) -> Buckets {
    let mut pairs: Vec<(f64, u64)> = Vec::new();
    let mut sum = 0.0;
    for e in endpoints {
        let n = e.total();
        let total_bytes = if request {
            e.request_bytes
        } else {
            e.response_bytes
        };
        sum += total_bytes as f64;
        if n == 0 {
            continue;
        }
        let typical = total_bytes as f64 / n as f64;
        // Bodies vary around the typical size: most land in its bucket, some in the next.
        let bound = power_bucket(typical);
        let spill = if bound > 0.0 && bound.is_finite() && typical > bound * 0.8 {
            n / 4
        } else {
            0
        };
        pairs.push((bound, n - spill));
        if spill > 0 {
            pairs.push((bound * 2.0, spill));
        }
    }
    Buckets::Sizes(pairs, sum)
}

fn middleware(body: &mut Body, service: &Service) {
    let endpoints = seen_endpoints(service);
    let total: u64 = endpoints.iter().map(|e| e.total()).sum();
    let created = service.started_s + 1.2;

    plain_counter(
        body,
        "django_http_requests_before_middlewares",
        "Total count of requests before middlewares run.",
        total,
        created,
    );
    plain_counter(
        body,
        "django_http_responses_before_middlewares",
        "Total count of responses before middlewares run.",
        total,
        created,
    );
    let mut all = LatencyHistogram::default();
    for e in &endpoints {
        all.merge(&e.latency);
    }
    histogram(
        body,
        "django_http_requests_latency_including_middlewares_seconds",
        "Histogram of requests processing time (including middleware processing time).",
        &LATENCY_BUCKETS,
        &[(Vec::new(), Buckets::Latency(all), created)],
    );
    plain_counter(
        body,
        "django_http_requests_unknown_latency_including_middlewares",
        "Count of requests for which the latency was unknown (when computing django_http_requests_latency_including_middlewares_seconds).",
        0,
        created,
    );
    let by_view: Vec<_> = endpoints
        .iter()
        .map(|e| {
            (
                vec![
                    ("method", e.method.to_string()),
                    ("view", e.view.to_string()),
                ],
                Buckets::Latency(e.latency.clone()),
                e.created.unwrap_or(created),
            )
        })
        .collect();
    histogram(
        body,
        "django_http_requests_latency_seconds_by_view_method",
        "Histogram of request processing time labelled by view.",
        &LATENCY_BUCKETS,
        &by_view,
    );
    plain_counter(
        body,
        "django_http_requests_unknown_latency",
        "Count of requests for which the latency was unknown.",
        0,
        created,
    );
    plain_counter(
        body,
        "django_http_ajax_requests",
        "Count of AJAX requests.",
        0,
        created,
    );

    let mut methods: Vec<(&str, u64, f64)> = Vec::new();
    for e in &endpoints {
        let first = e.created.unwrap_or(created);
        match methods.iter_mut().find(|(m, _, _)| *m == e.method) {
            Some(entry) => entry.1 += e.total(),
            None => methods.push((e.method, e.total(), first)),
        }
    }
    let rows: Vec<_> = methods
        .iter()
        .map(|(m, n, at)| (vec![("method", m.to_string())], *n, *at))
        .collect();
    labelled_counter(
        body,
        "django_http_requests_total_by_method",
        "Count of requests by method.",
        &rows,
    );
    labelled_counter(
        body,
        "django_http_requests_total_by_transport",
        "Count of requests by transport.",
        &[(vec![("transport", "http".to_string())], total, created)],
    );
    let rows: Vec<_> = endpoints
        .iter()
        .map(|e| {
            (
                vec![
                    ("method", e.method.to_string()),
                    ("transport", "http".to_string()),
                    ("view", e.view.to_string()),
                ],
                e.total(),
                e.created.unwrap_or(created),
            )
        })
        .collect();
    labelled_counter(
        body,
        "django_http_requests_total_by_view_transport_method",
        "Count of requests by view, transport, method.",
        &rows,
    );
    histogram(
        body,
        "django_http_requests_body_total_bytes",
        "Histogram of requests by body size.",
        &powers_of_two(),
        &[(Vec::new(), size_buckets(&endpoints, true), created)],
    );
    labelled_counter(
        body,
        "django_http_responses_total_by_templatename",
        "Count of responses by template name.",
        &[],
    );

    let mut statuses: Vec<(u16, u64, f64)> = Vec::new();
    for e in &endpoints {
        for (status, n) in &e.statuses {
            let first = e.first_seen.get(status).copied().unwrap_or(created);
            match statuses.iter_mut().find(|(s, _, _)| s == status) {
                Some(entry) => {
                    entry.1 += n;
                    entry.2 = entry.2.min(first);
                }
                None => statuses.push((*status, *n, first)),
            }
        }
    }
    statuses.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(std::cmp::Ordering::Equal));
    let rows: Vec<_> = statuses
        .iter()
        .map(|(s, n, at)| (vec![("status", s.to_string())], *n, *at))
        .collect();
    labelled_counter(
        body,
        "django_http_responses_total_by_status",
        "Count of responses by status.",
        &rows,
    );
    let mut rows = Vec::new();
    for e in &endpoints {
        for (status, n) in &e.statuses {
            rows.push((
                vec![
                    ("method", e.method.to_string()),
                    ("status", status.to_string()),
                    ("view", e.view.to_string()),
                ],
                *n,
                e.first_seen.get(status).copied().unwrap_or(created),
            ));
        }
    }
    rows.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(std::cmp::Ordering::Equal));
    labelled_counter(
        body,
        "django_http_responses_total_by_status_view_method",
        "Count of responses by status, view, method.",
        &rows,
    );
    histogram(
        body,
        "django_http_responses_body_total_bytes",
        "Histogram of responses by body size.",
        &powers_of_two(),
        &[(Vec::new(), size_buckets(&endpoints, false), created)],
    );
    labelled_counter(
        body,
        "django_http_responses_total_by_charset",
        "Count of responses by charset.",
        &[(vec![("charset", "utf-8".to_string())], total, created)],
    );
    plain_counter(
        body,
        "django_http_responses_streaming",
        "Count of streaming responses.",
        0,
        created,
    );

    // Unhandled exceptions are the 500s; the payment gateway client raises them.
    let mut by_view = Vec::new();
    let mut raised = 0;
    for e in &endpoints {
        let n = e.statuses.get(&500).copied().unwrap_or(0);
        if n > 0 {
            raised += n;
            by_view.push((vec![("view", e.view.to_string())], n, e.first_seen[&500]));
        }
    }
    let first_raise = by_view.iter().map(|r| r.2).fold(f64::MAX, f64::min);
    let by_type: Vec<_> = if raised > 0 {
        vec![(
            vec![("type", "PaymentGatewayError".to_string())],
            raised,
            first_raise,
        )]
    } else {
        Vec::new()
    };
    labelled_counter(
        body,
        "django_http_exceptions_total_by_type",
        "Count of exceptions by object type.",
        &by_type,
    );
    labelled_counter(
        body,
        "django_http_exceptions_total_by_view",
        "Count of exceptions by view.",
        &by_view,
    );
}

/// `PowersOf(2, 30)`: 0, 1, 2, 4, ... 2^29.
fn powers_of_two() -> Vec<f64> {
    let mut bounds = vec![0.0];
    let mut b = 1.0;
    for _ in 0..30 {
        bounds.push(b);
        b *= 2.0;
    }
    bounds
}

fn database(body: &mut Body, service: &Service) {
    let requests: u64 = service
        .endpoints
        .iter()
        .filter(|e| e.route != "/metrics" && e.route != "/healthz")
        .map(|e| e.total())
        .sum();
    let created = service.started_s + 3.4;
    let db = |extra: Vec<(&'static str, String)>| {
        let mut labels: Vec<(&str, String)> =
            DB_LABELS.iter().map(|(k, v)| (*k, v.to_string())).collect();
        labels.extend(extra);
        labels
    };
    labelled_counter(
        body,
        "django_db_new_connections",
        "Counter of created connections by database and by vendor.",
        &[(db(Vec::new()), 4 + requests / 50_000, created)],
    );
    labelled_counter(
        body,
        "django_db_new_connection_errors",
        "Counter of connection failures by database and by vendor.",
        &[],
    );
    // A charge runs a handful of statements: a lookup, an insert, an update, the saga log.
    let statements = requests * 4;
    labelled_counter(
        body,
        "django_db_execute",
        "Counter of executed statements by database and by vendor, including bulk executions.",
        &[(db(Vec::new()), statements, created)],
    );
    labelled_counter(
        body,
        "django_db_execute_many",
        "Counter of executed statements in bulk operations by database and by vendor.",
        &[],
    );
    labelled_counter(
        body,
        "django_db_errors",
        "Counter of execution errors by database, vendor and exception type.",
        &[],
    );
    let fast = statements * 97 / 100;
    let medium = statements * 25 / 1000;
    let slow = statements - fast - medium;
    let queries = Buckets::Sizes(
        vec![(0.01, fast), (0.025, medium), (0.05, slow)],
        statements as f64 * 0.0024,
    );
    histogram(
        body,
        "django_db_query_duration_seconds",
        "Histogram of query duration by database and vendor.",
        &LATENCY_BUCKETS,
        &[(db(Vec::new()), queries, created)],
    );
}
