//! A FastAPI app instrumented with prometheus-fastapi-instrumentator 8.1 on prometheus_client
//! 0.26, as in the real capture: the client's default collectors (`python_gc_*`, `python_info`,
//! `process_*`), the app's own `saga_*` families, then the instrumentator's families, each
//! counter and histogram followed by its `*_created` gauge family. Labels come out sorted by
//! name (`handler`, `le`, `method`), and `handler` is the route template, braces included.
//!
//! Also home of what every prometheus_client app shares (runtime collectors, saga families),
//! used by the Django renderer too.

use super::super::model::{Endpoint, Framework, LatencyHistogram, Service};
use super::super::scenario::World;
use super::{python_float, Body};

/// The instrumentator's few buckets for `http_request_duration_seconds`.
const COARSE_BUCKETS: [f64; 3] = [0.1, 0.5, 1.0];
/// The instrumentator's `http_request_duration_highr_seconds` buckets.
const HIGHR_BUCKETS: [f64; 21] = [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0,
    7.5, 10.0, 30.0, 60.0,
];

const REQUESTS_HELP: &str = "Total number of requests by method, status and handler.";
const REQUEST_SIZE_HELP: &str = "Content length of incoming requests by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ";
const RESPONSE_SIZE_HELP: &str = "Content length of outgoing responses by handler. Only value of header is respected. Otherwise ignored. No percentile calculated. ";
const HIGHR_HELP: &str = "Latency with many buckets but no API specific labels. Made for more accurate percentile calculations. ";
const DURATION_HELP: &str = "Latency with only few buckets by handler. Made to be only used if aggregation by handler is important. ";

pub(super) fn render(world: &World, service: &Service) -> String {
    let mut body = Body::new();
    python_runtime(&mut body, world, service);
    sagas(&mut body, service);
    if service.name == "notifications-svc" {
        super::shadow::render(&mut body, world);
    }
    instrumentator(&mut body, service);
    body.finish()
}

/// Endpoints that served at least one request, in the order they were first hit: the order in
/// which prometheus_client created their children, hence prints them.
pub(super) fn seen_endpoints(service: &Service) -> Vec<&Endpoint> {
    let mut seen: Vec<&Endpoint> = service
        .endpoints
        .iter()
        .filter(|e| e.created.is_some())
        .collect();
    seen.sort_by(|a, b| {
        a.created
            .partial_cmp(&b.created)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    seen
}

/// FastAPI groups status codes by class ("2xx").
fn status_classes(endpoint: &Endpoint) -> Vec<(String, u64, f64)> {
    let mut classes: Vec<(String, u64, f64)> = Vec::new();
    for (status, count) in &endpoint.statuses {
        let class = format!("{}xx", status / 100);
        let first = endpoint.first_seen.get(status).copied().unwrap_or(0.0);
        match classes.iter_mut().find(|(c, _, _)| *c == class) {
            Some(entry) => {
                entry.1 += count;
                entry.2 = entry.2.min(first);
            }
            None => classes.push((class, *count, first)),
        }
    }
    classes.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(std::cmp::Ordering::Equal));
    classes
}

fn instrumentator(body: &mut Body, service: &Service) {
    let endpoints = seen_endpoints(service);

    body.family("http_requests_total", "counter", REQUESTS_HELP);
    let mut created = Vec::new();
    for e in &endpoints {
        for (class, count, first) in status_classes(e) {
            let labels = [
                ("handler", e.route),
                ("method", e.method),
                ("status", class.as_str()),
            ];
            body.sample("http_requests_total", &labels, &python_float(count as f64));
            created.push((e.route, e.method, class, first));
        }
    }
    body.family("http_requests_created", "gauge", REQUESTS_HELP);
    for (route, method, class, first) in &created {
        let labels = [
            ("handler", *route),
            ("method", *method),
            ("status", class.as_str()),
        ];
        body.sample("http_requests_created", &labels, &python_float(*first));
    }

    for (name, help, bytes) in [
        ("http_request_size_bytes", REQUEST_SIZE_HELP, true),
        ("http_response_size_bytes", RESPONSE_SIZE_HELP, false),
    ] {
        body.family(name, "summary", help);
        for e in &endpoints {
            let sum = if bytes {
                e.request_bytes
            } else {
                e.response_bytes
            };
            body.sample(
                &format!("{name}_count"),
                &[("handler", e.route)],
                &python_float(e.total() as f64),
            );
            body.sample(
                &format!("{name}_sum"),
                &[("handler", e.route)],
                &python_float(sum as f64),
            );
        }
        let created_name = format!("{name}_created");
        body.family(&created_name, "gauge", help);
        for e in &endpoints {
            let at = e.created.unwrap_or(0.0) + 0.000_02;
            body.sample(&created_name, &[("handler", e.route)], &python_float(at));
        }
    }

    let mut all = LatencyHistogram::default();
    for e in &service.endpoints {
        all.merge(&e.latency);
    }
    body.family(
        "http_request_duration_highr_seconds",
        "histogram",
        HIGHR_HELP,
    );
    for le in HIGHR_BUCKETS {
        body.sample(
            "http_request_duration_highr_seconds_bucket",
            &[("le", &python_float(le))],
            &python_float(all.cumulative(le) as f64),
        );
    }
    body.sample(
        "http_request_duration_highr_seconds_bucket",
        &[("le", "+Inf")],
        &python_float(all.count() as f64),
    );
    body.sample(
        "http_request_duration_highr_seconds_count",
        &[],
        &python_float(all.count() as f64),
    );
    body.sample(
        "http_request_duration_highr_seconds_sum",
        &[],
        &python_float(all.sum()),
    );
    body.family(
        "http_request_duration_highr_seconds_created",
        "gauge",
        HIGHR_HELP,
    );
    body.sample(
        "http_request_duration_highr_seconds_created",
        &[],
        &python_float(service.started_s + 0.79),
    );

    body.family("http_request_duration_seconds", "histogram", DURATION_HELP);
    for e in &endpoints {
        for le in COARSE_BUCKETS.iter().copied().chain([f64::INFINITY]) {
            let le_text = python_float(le);
            let labels = [
                ("handler", e.route),
                ("le", le_text.as_str()),
                ("method", e.method),
            ];
            body.sample(
                "http_request_duration_seconds_bucket",
                &labels,
                &python_float(e.latency.cumulative(le) as f64),
            );
        }
        let labels = [("handler", e.route), ("method", e.method)];
        body.sample(
            "http_request_duration_seconds_count",
            &labels,
            &python_float(e.latency.count() as f64),
        );
        body.sample(
            "http_request_duration_seconds_sum",
            &labels,
            &python_float(e.latency.sum()),
        );
    }
    body.family(
        "http_request_duration_seconds_created",
        "gauge",
        DURATION_HELP,
    );
    for e in &endpoints {
        let labels = [("handler", e.route), ("method", e.method)];
        let at = e.created.unwrap_or(0.0) + 0.000_04;
        body.sample(
            "http_request_duration_seconds_created",
            &labels,
            &python_float(at),
        );
    }
}

/// prometheus_client's default collectors: garbage collector, platform, process.
pub(super) fn python_runtime(body: &mut Body, world: &World, service: &Service) {
    let requests: u64 = service.endpoints.iter().map(|e| e.total()).sum();
    let uptime = world.now_s() - service.started_s;
    // The garbage collector runs in proportion to allocations, i.e. to requests served.
    let gen0 = 240 + requests / 7;
    let gen1 = 22 + gen0 / 11;
    let gen2 = 2 + gen1 / 11;
    body.family(
        "python_gc_objects_collected_total",
        "counter",
        "Objects collected during gc",
    );
    for (generation, value) in [
        ("0", gen0 * 3 + 606),
        ("1", gen1 * 4 + 79),
        ("2", 48_750 + gen2 * 130),
    ] {
        body.sample(
            "python_gc_objects_collected_total",
            &[("generation", generation)],
            &python_float(value as f64),
        );
    }
    body.family(
        "python_gc_objects_uncollectable_total",
        "counter",
        "Uncollectable objects found during GC",
    );
    for generation in ["0", "1", "2"] {
        body.sample(
            "python_gc_objects_uncollectable_total",
            &[("generation", generation)],
            "0.0",
        );
    }
    body.family(
        "python_gc_collections_total",
        "counter",
        "Number of times this generation was collected",
    );
    for (generation, value) in [("0", gen0), ("1", gen1), ("2", gen2)] {
        body.sample(
            "python_gc_collections_total",
            &[("generation", generation)],
            &python_float(value as f64),
        );
    }
    body.family("python_info", "gauge", "Python platform information");
    body.sample(
        "python_info",
        &[
            ("implementation", "CPython"),
            ("major", "3"),
            ("minor", "11"),
            ("patchlevel", "7"),
            ("version", "3.11.7"),
        ],
        "1.0",
    );
    let (virtual_bytes, resident_base) = match service.framework {
        Framework::FastApi => (151_314_432.0, 69_545_984.0),
        Framework::Django => (289_972_224.0, 98_332_672.0),
    };
    // Resident memory creeps up a page at a time with the process's age.
    let resident = resident_base + ((uptime / 600.0).floor() * 4096.0).min(40_000_000.0);
    body.family(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
    );
    body.sample(
        "process_virtual_memory_bytes",
        &[],
        &python_float(virtual_bytes),
    );
    body.family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
    );
    body.sample(
        "process_resident_memory_bytes",
        &[],
        &python_float(resident),
    );
    body.family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
    );
    body.sample(
        "process_start_time_seconds",
        &[],
        &python_float((service.started_s * 100.0).round() / 100.0),
    );
    body.family(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    );
    // The kernel accounts CPU time in clock ticks (1/100 s).
    body.sample(
        "process_cpu_seconds_total",
        &[],
        &python_float((service.cpu_seconds * 100.0).floor() / 100.0),
    );
    body.family(
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
    );
    body.sample(
        "process_open_fds",
        &[],
        &python_float(12.0 + (requests % 3) as f64),
    );
    body.family(
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
    );
    body.sample("process_max_fds", &[], "20000.0");
}

/// The `saga_*` families the saga preset reads, as a prometheus_client app defines them.
pub(super) fn sagas(body: &mut Body, service: &Service) {
    if service.sagas.is_empty() {
        return;
    }
    let started_help = "Sagas started, by saga and domain.";
    body.family("saga_started_total", "counter", started_help);
    for s in &service.sagas {
        body.sample(
            "saga_started_total",
            &[("domain", s.domain), ("saga", s.name)],
            &python_float(s.started as f64),
        );
    }
    body.family("saga_started_created", "gauge", started_help);
    for s in &service.sagas {
        body.sample(
            "saga_started_created",
            &[("domain", s.domain), ("saga", s.name)],
            &python_float(s.created_of("started")),
        );
    }

    let completed_help = "Sagas that ran every step to completion.";
    body.family("saga_completed_total", "counter", completed_help);
    for s in &service.sagas {
        body.sample(
            "saga_completed_total",
            &[("domain", s.domain), ("saga", s.name)],
            &python_float(s.completed as f64),
        );
    }
    body.family("saga_completed_created", "gauge", completed_help);
    for s in &service.sagas {
        body.sample(
            "saga_completed_created",
            &[("domain", s.domain), ("saga", s.name)],
            &python_float(s.created_of("completed")),
        );
    }

    let failed_help = "Sagas that failed, by the step that failed and why.";
    body.family("saga_failed_total", "counter", failed_help);
    for s in &service.sagas {
        for ((step, reason), n) in &s.failed {
            let labels = [
                ("domain", s.domain),
                ("reason", *reason),
                ("saga", s.name),
                ("step", *step),
            ];
            body.sample("saga_failed_total", &labels, &python_float(*n as f64));
        }
    }
    if service.sagas.iter().any(|s| !s.failed.is_empty()) {
        body.family("saga_failed_created", "gauge", failed_help);
        for s in &service.sagas {
            for (step, reason) in s.failed.keys() {
                let labels = [
                    ("domain", s.domain),
                    ("reason", *reason),
                    ("saga", s.name),
                    ("step", *step),
                ];
                let at = s.created_of(&format!("failed {step} {reason}"));
                body.sample("saga_failed_created", &labels, &python_float(at));
            }
        }
    }

    let compensation_help = "Compensating actions run after a saga failed, by step and result.";
    body.family("saga_compensation_total", "counter", compensation_help);
    for s in &service.sagas {
        for ((step, result), n) in &s.compensations {
            let labels = [
                ("domain", s.domain),
                ("result", *result),
                ("saga", s.name),
                ("step", *step),
            ];
            body.sample("saga_compensation_total", &labels, &python_float(*n as f64));
        }
    }
    if service.sagas.iter().any(|s| !s.compensations.is_empty()) {
        body.family("saga_compensation_created", "gauge", compensation_help);
        for s in &service.sagas {
            for (step, result) in s.compensations.keys() {
                let labels = [
                    ("domain", s.domain),
                    ("result", *result),
                    ("saga", s.name),
                    ("step", *step),
                ];
                let at = s.created_of(&format!("compensation {step} {result}"));
                body.sample("saga_compensation_created", &labels, &python_float(at));
            }
        }
    }

    body.family(
        "saga_in_progress",
        "gauge",
        "Sagas started and not yet finished.",
    );
    for s in &service.sagas {
        body.sample(
            "saga_in_progress",
            &[("domain", s.domain), ("saga", s.name)],
            &python_float(s.in_progress as f64),
        );
    }
}
