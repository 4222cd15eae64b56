//! The parts the simulated world is made of: services and their endpoints (what a Python app
//! counts about itself), the gateway's backends and servers (what HAProxy counts), broker queues
//! and sagas. Plain state plus the arithmetic of serving one request; *when* things happen is the
//! scenario's business (`scenario.rs`).

use std::collections::BTreeMap;

use super::rng::{Latency, Rng};

/// Upper bounds of every histogram bucket any simulated exporter writes: the union of
/// prometheus-fastapi-instrumentator's (0.1, 0.5, 1 and its 21 "highr" bounds) and
/// django-prometheus's defaults. Each exporter sums the fine counts up to its own bounds, so all
/// views of one endpoint come from the same observations.
pub(crate) const LATENCY_BOUNDS: [f64; 24] = [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0,
    7.5, 10.0, 25.0, 30.0, 50.0, 60.0, 75.0,
];

/// Observed request durations, kept per fine bucket (not cumulative) plus sum and count.
#[derive(Debug, Clone, Default)]
pub(crate) struct LatencyHistogram {
    counts: [u64; LATENCY_BOUNDS.len() + 1],
    sum: f64,
    count: u64,
}

impl LatencyHistogram {
    pub(crate) fn observe(&mut self, seconds: f64) {
        let idx = LATENCY_BOUNDS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BOUNDS.len());
        self.counts[idx] += 1;
        self.sum += seconds;
        self.count += 1;
    }

    /// Adds `n` observations spread exactly as `latency` predicts: used for the history a process
    /// had before the scenario starts, where sampling millions of requests would be wasted work.
    pub(crate) fn observe_bulk(&mut self, n: u64, latency: Latency) {
        if n == 0 {
            return;
        }
        let mut assigned = 0u64;
        for (i, bound) in LATENCY_BOUNDS.iter().enumerate() {
            let target = (n as f64 * latency.cdf(*bound)).round() as u64;
            let target = target.clamp(assigned, n);
            self.counts[i] += target - assigned;
            assigned = target;
        }
        self.counts[LATENCY_BOUNDS.len()] += n - assigned;
        self.sum += n as f64 * latency.mean();
        self.count += n;
    }

    /// Observations at or below `le` (cumulative, as a Prometheus `_bucket` reports them).
    /// `le` must be one of `LATENCY_BOUNDS` or infinity.
    pub(crate) fn cumulative(&self, le: f64) -> u64 {
        if le.is_infinite() {
            return self.count;
        }
        LATENCY_BOUNDS
            .iter()
            .zip(self.counts.iter())
            .take_while(|(b, _)| **b <= le)
            .map(|(_, c)| *c)
            .sum()
    }

    pub(crate) fn sum(&self) -> f64 {
        self.sum
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn merge(&mut self, other: &LatencyHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += *b;
        }
        self.sum += other.sum;
        self.count += other.count;
    }
}

/// How an endpoint behaves at one moment of the scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Behaviour {
    /// Share of requests answered 5xx.
    pub(crate) error_ratio: f64,
    /// Share of requests answered 4xx.
    pub(crate) client_error_ratio: f64,
    pub(crate) latency: Latency,
}

/// The result of serving one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Served {
    pub(crate) status: u16,
    pub(crate) seconds: f64,
    pub(crate) request_bytes: u64,
    pub(crate) response_bytes: u64,
}

/// Which behaviour curve of the scenario an endpoint follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    OrdersMonolith,
    OrdersNew,
    InventoryMonolith,
    InventoryNew,
    BillingMonolith,
    BillingNew,
    NotificationsMonolith,
    NotificationsShadow,
    AnalyticsMonolith,
    /// `/healthz`: always fast and fine.
    Health,
    /// `/metrics`: a few milliseconds, never fails.
    Metrics,
}

/// The static description of a route.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EndpointSpec {
    pub(crate) route: &'static str,
    pub(crate) method: &'static str,
    /// Django view name; empty for FastAPI.
    pub(crate) view: &'static str,
    pub(crate) profile: Profile,
    /// Typical request body size (POST only).
    pub(crate) request_bytes: u64,
    /// Typical response body size.
    pub(crate) response_bytes: u64,
}

/// One route of a web app, with what its instrumentation library counts about it.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// Route template as the framework reports it (`/orders/{order_id}`).
    pub(crate) route: &'static str,
    pub(crate) method: &'static str,
    /// Django `resolver_match.view_name` (unused for FastAPI).
    pub(crate) view: &'static str,
    pub(crate) profile: Profile,
    /// Responses by exact status code.
    pub(crate) statuses: BTreeMap<u16, u64>,
    /// Unix seconds when each status code was first answered (`*_created` series).
    pub(crate) first_seen: BTreeMap<u16, f64>,
    /// Unix seconds of the first request (`*_created` of the per-route series).
    pub(crate) created: Option<f64>,
    pub(crate) latency: LatencyHistogram,
    pub(crate) request_bytes: u64,
    pub(crate) response_bytes: u64,
    pub(crate) typical_request_bytes: u64,
    pub(crate) typical_response_bytes: u64,
    rng: Rng,
}

impl Endpoint {
    pub(crate) fn new(seed: u64, service: &str, spec: EndpointSpec) -> Endpoint {
        Endpoint {
            route: spec.route,
            method: spec.method,
            view: spec.view,
            profile: spec.profile,
            statuses: BTreeMap::new(),
            first_seen: BTreeMap::new(),
            created: None,
            latency: LatencyHistogram::default(),
            request_bytes: 0,
            response_bytes: 0,
            typical_request_bytes: spec.request_bytes,
            typical_response_bytes: spec.response_bytes,
            rng: Rng::for_stream(seed, &format!("{service} {} {}", spec.method, spec.route)),
        }
    }

    fn success_status(&self) -> u16 {
        if self.method == "POST" {
            201
        } else {
            200
        }
    }

    fn client_error_status(&self) -> u16 {
        match self.profile {
            Profile::BillingMonolith | Profile::BillingNew => 402,
            _ if self.method == "POST" => 400,
            _ => 404,
        }
    }

    fn server_error_status(&mut self) -> u16 {
        let draw = self.rng.unit();
        if draw < 0.7 {
            500
        } else if draw < 0.9 {
            503
        } else {
            504
        }
    }

    fn record(&mut self, status: u16, n: u64, at_s: f64) {
        if n == 0 {
            return;
        }
        *self.statuses.entry(status).or_insert(0) += n;
        self.first_seen.entry(status).or_insert(at_s);
        if self.created.is_none() {
            self.created = Some(at_s);
        }
    }

    /// Serves one request at unix time `at_s`.
    pub(crate) fn serve(&mut self, behaviour: &Behaviour, at_s: f64) -> Served {
        let draw = self.rng.unit();
        let status = if draw < behaviour.error_ratio {
            self.server_error_status()
        } else if draw < behaviour.error_ratio + behaviour.client_error_ratio {
            self.client_error_status()
        } else {
            self.success_status()
        };
        let mut seconds = behaviour.latency.sample(&mut self.rng);
        if status > 500 {
            // 503/504 come from timeouts upstream of the app: slow by nature.
            seconds = seconds.max(behaviour.latency.p95);
        }
        let request_bytes = if self.method == "POST" {
            (self.typical_request_bytes as f64 * self.rng.jitter(0.3)) as u64
        } else {
            0
        };
        let response_bytes = if status >= 400 {
            35 + (self.rng.unit() * 20.0) as u64
        } else {
            (self.typical_response_bytes as f64 * self.rng.jitter(0.2)) as u64
        };
        self.record(status, 1, at_s);
        self.latency.observe(seconds);
        self.request_bytes += request_bytes;
        self.response_bytes += response_bytes;
        Served {
            status,
            seconds,
            request_bytes,
            response_bytes,
        }
    }

    /// Adds `n` requests served with `behaviour`, spread by expectation rather than sampled:
    /// the history of a process that was running before the scenario starts.
    pub(crate) fn serve_bulk(&mut self, n: u64, behaviour: &Behaviour, since_s: f64) {
        if n == 0 {
            return;
        }
        let errors = (n as f64 * behaviour.error_ratio).round() as u64;
        let client_errors = (n as f64 * behaviour.client_error_ratio).round() as u64;
        let ok = n.saturating_sub(errors + client_errors);
        let success = self.success_status();
        let client = self.client_error_status();
        let (a, b, c) = (self.rng.unit(), self.rng.unit(), self.rng.unit());
        self.record(success, ok, since_s + 1.3 + a);
        self.record(client, client_errors, since_s + 40.0 + 600.0 * b);
        self.record(500, errors, since_s + 60.0 + 900.0 * c);
        self.latency.observe_bulk(n, behaviour.latency);
        if self.method == "POST" {
            self.request_bytes += n * self.typical_request_bytes;
        }
        self.response_bytes += ok * self.typical_response_bytes + (errors + client_errors) * 45;
    }

    pub(crate) fn total(&self) -> u64 {
        self.statuses.values().sum()
    }
}

/// Which instrumentation library a service's `/metrics` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framework {
    /// FastAPI + prometheus-fastapi-instrumentator.
    FastApi,
    /// Django + django-prometheus (served by gunicorn).
    Django,
}

/// A saga's counters, following the `saga_*` counter convention the saga preset reads.
#[derive(Debug, Clone)]
pub(crate) struct Saga {
    pub(crate) name: &'static str,
    pub(crate) domain: &'static str,
    pub(crate) started: u64,
    pub(crate) completed: u64,
    /// By (step, reason).
    pub(crate) failed: BTreeMap<(&'static str, &'static str), u64>,
    /// By (step, result).
    pub(crate) compensations: BTreeMap<(&'static str, &'static str), u64>,
    pub(crate) in_progress: u64,
    /// Unix seconds each labelled series was first touched (`*_created`).
    pub(crate) created: BTreeMap<String, f64>,
}

impl Saga {
    pub(crate) fn new(name: &'static str, domain: &'static str) -> Saga {
        Saga {
            name,
            domain,
            started: 0,
            completed: 0,
            failed: BTreeMap::new(),
            compensations: BTreeMap::new(),
            in_progress: 0,
            created: BTreeMap::new(),
        }
    }

    fn touch(&mut self, key: String, at_s: f64) {
        self.created.entry(key).or_insert(at_s);
    }

    pub(crate) fn start(&mut self, n: u64, at_s: f64) {
        self.started += n;
        self.touch("started".into(), at_s);
    }

    pub(crate) fn complete(&mut self, n: u64, at_s: f64) {
        self.completed += n;
        self.touch("completed".into(), at_s);
    }

    pub(crate) fn fail(&mut self, step: &'static str, reason: &'static str, n: u64, at_s: f64) {
        *self.failed.entry((step, reason)).or_insert(0) += n;
        self.touch(format!("failed {step} {reason}"), at_s);
    }

    pub(crate) fn compensate(
        &mut self,
        step: &'static str,
        result: &'static str,
        n: u64,
        at_s: f64,
    ) {
        *self.compensations.entry((step, result)).or_insert(0) += n;
        self.touch(format!("compensation {step} {result}"), at_s);
    }

    pub(crate) fn created_of(&self, key: &str) -> f64 {
        self.created.get(key).copied().unwrap_or(0.0)
    }

    #[cfg(test)]
    pub(crate) fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }
}

/// A web application exposing its own `/metrics`.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    /// Source name in the generated config (`orders-svc`).
    pub(crate) name: &'static str,
    pub(crate) framework: Framework,
    /// Unix seconds the process started.
    pub(crate) started_s: f64,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) sagas: Vec<Saga>,
    pub(crate) cpu_seconds: f64,
    /// Elapsed-seconds windows in which the metrics endpoint answers 503.
    pub(crate) metrics_down: Vec<(f64, f64)>,
}

impl Service {
    pub(crate) fn endpoint_index(&self, method: &str, route: &str) -> Option<usize> {
        self.endpoints
            .iter()
            .position(|e| e.method == method && e.route == route)
    }
}

/// Where a gateway server sends its requests: an endpoint of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) service: usize,
    pub(crate) endpoint: usize,
}

/// Operational state of a gateway server as HAProxy reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerState {
    Up,
    /// Administratively disabled (`disabled` in the config or `set server ... state maint`).
    Maint,
    /// Takes no new traffic but stays up (`set server ... state drain`).
    Drain,
}

/// Indices into HAProxy's `code` label values.
pub(crate) const CODE_CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

pub(crate) fn code_class(status: u16) -> usize {
    match status {
        100..=199 => 0,
        200..=299 => 1,
        300..=399 => 2,
        400..=499 => 3,
        500..=599 => 4,
        _ => 5,
    }
}

/// What HAProxy counts for one server of a backend.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) name: &'static str,
    /// Weight from the configuration file (`initial` in `get weight`).
    pub(crate) initial_weight: u32,
    /// Current user weight (`set weight`).
    pub(crate) weight: u32,
    pub(crate) state: ServerState,
    /// `None`: declared in the gateway config with nothing deployed behind it yet (kept in MAINT).
    pub(crate) target: Option<Target>,
    /// Shadow target that receives a copy of every request (its answer is discarded).
    pub(crate) mirror: Option<Target>,
    /// Responses by `CODE_CLASSES`.
    pub(crate) responses: [u64; 6],
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    /// Unix seconds of the last request sent to this server.
    pub(crate) last_session_s: Option<f64>,
    /// Average response time over roughly the last 1024 requests, milliseconds (as HAProxy).
    pub(crate) response_time_avg_ms: f64,
    pub(crate) response_time_max_ms: f64,
    pub(crate) max_session_rate: u64,
    rate_second: i64,
    rate_count: u64,
    pub(crate) checks: u64,
    pub(crate) last_change_s: f64,
    /// Smooth weighted round-robin state.
    swrr_current: i64,
}

impl Server {
    pub(crate) fn new(
        name: &'static str,
        weight: u32,
        state: ServerState,
        target: Option<Target>,
        mirror: Option<Target>,
        since_s: f64,
    ) -> Server {
        Server {
            name,
            initial_weight: weight,
            weight,
            state,
            target,
            mirror,
            responses: [0; 6],
            bytes_in: 0,
            bytes_out: 0,
            last_session_s: None,
            response_time_avg_ms: 0.0,
            response_time_max_ms: 0.0,
            max_session_rate: 0,
            rate_second: 0,
            rate_count: 0,
            checks: 0,
            last_change_s: since_s,
            swrr_current: 0,
        }
    }

    pub(crate) fn sessions(&self) -> u64 {
        self.responses.iter().sum()
    }

    pub(crate) fn takes_traffic(&self) -> bool {
        self.state == ServerState::Up && self.weight > 0
    }

    /// Records one proxied request.
    pub(crate) fn record(&mut self, served: &Served, at_s: f64) {
        self.responses[code_class(served.status)] += 1;
        // Request line and headers as a typical client sends them, plus the body.
        self.bytes_in += 86 + served.request_bytes;
        self.bytes_out += 151 + served.response_bytes;
        self.last_session_s = Some(at_s);
        let ms = (served.seconds * 1000.0).round();
        self.response_time_avg_ms += (ms - self.response_time_avg_ms) / 1024.0;
        self.response_time_max_ms = self.response_time_max_ms.max(ms);
        let second = at_s.floor() as i64;
        if second != self.rate_second {
            self.rate_second = second;
            self.rate_count = 0;
        }
        self.rate_count += 1;
        self.max_session_rate = self.max_session_rate.max(self.rate_count);
    }

    /// Adds the history of requests proxied before the scenario starts.
    pub(crate) fn record_bulk(&mut self, n: u64, behaviour: &Behaviour, typical_response: u64) {
        let errors = (n as f64 * behaviour.error_ratio).round() as u64;
        let client = (n as f64 * behaviour.client_error_ratio).round() as u64;
        self.responses[1] += n.saturating_sub(errors + client);
        self.responses[3] += client;
        self.responses[4] += errors;
        self.bytes_in += n * 86;
        self.bytes_out += n * (151 + typical_response);
        self.response_time_avg_ms = (behaviour.latency.mean() * 1000.0).round();
        self.response_time_max_ms = (behaviour.latency.p95 * 4000.0).round();
    }
}

/// A gateway backend: one migrated domain's pool of servers (`be_orders`).
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    pub(crate) name: &'static str,
    pub(crate) domain: &'static str,
    pub(crate) servers: Vec<Server>,
    /// 503s HAProxy answered itself because no server could take the request.
    pub(crate) no_server: u64,
    pub(crate) carry: f64,
    pub(crate) rng: Rng,
}

impl Backend {
    /// Picks the next server by smooth weighted round-robin over servers that take traffic,
    /// which spreads requests as evenly as HAProxy's `roundrobin` does.
    pub(crate) fn pick(&mut self) -> Option<usize> {
        let total: i64 = self
            .servers
            .iter()
            .filter(|s| s.takes_traffic())
            .map(|s| i64::from(s.weight))
            .sum();
        if total == 0 {
            return None;
        }
        let mut best: Option<usize> = None;
        for i in 0..self.servers.len() {
            if !self.servers[i].takes_traffic() {
                continue;
            }
            self.servers[i].swrr_current += i64::from(self.servers[i].weight);
            match best {
                Some(b) if self.servers[b].swrr_current >= self.servers[i].swrr_current => {}
                _ => best = Some(i),
            }
        }
        let chosen = best?;
        self.servers[chosen].swrr_current -= total;
        Some(chosen)
    }

    pub(crate) fn server(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.name == name)
    }

    pub(crate) fn responses(&self) -> [u64; 6] {
        let mut sum = [0u64; 6];
        for server in &self.servers {
            for (a, b) in sum.iter_mut().zip(server.responses.iter()) {
                *a += *b;
            }
        }
        sum[4] += self.no_server;
        sum
    }
}

/// A RabbitMQ classic queue.
#[derive(Debug, Clone)]
pub(crate) struct RabbitQueue {
    pub(crate) name: &'static str,
    pub(crate) ready: u64,
    pub(crate) unacked: u64,
    pub(crate) consumers: u32,
    pub(crate) prefetch: u64,
    pub(crate) published: u64,
    pub(crate) delivered: u64,
    pub(crate) message_bytes: u64,
    pub(crate) reductions: u64,
    pub(crate) publish_carry: f64,
    pub(crate) consume_carry: f64,
    /// Channel pid label of the consumer (`<0.871.0>`).
    pub(crate) channel: &'static str,
}

impl RabbitQueue {
    pub(crate) fn new(
        name: &'static str,
        consumers: u32,
        prefetch: u64,
        message_bytes: u64,
        channel: &'static str,
    ) -> RabbitQueue {
        RabbitQueue {
            name,
            ready: 0,
            unacked: 0,
            consumers,
            prefetch,
            published: 0,
            delivered: 0,
            message_bytes,
            reductions: 0,
            publish_carry: 0.0,
            consume_carry: 0.0,
            channel,
        }
    }

    pub(crate) fn depth(&self) -> u64 {
        self.ready + self.unacked
    }
}

/// One consumer group's committed offsets on a Kafka topic.
#[derive(Debug, Clone)]
pub(crate) struct KafkaGroup {
    pub(crate) name: &'static str,
    pub(crate) members: u32,
    /// Offsets the consumer has processed (not yet necessarily committed), per partition.
    pub(crate) processed: Vec<u64>,
    /// Committed offsets per partition (what kafka_exporter sees).
    pub(crate) committed: Vec<u64>,
    pub(crate) carry: Vec<f64>,
    /// Seconds between commits.
    pub(crate) commit_every_s: f64,
    pub(crate) next_commit_s: f64,
}

/// A Kafka topic with its partitions' newest and oldest offsets.
#[derive(Debug, Clone)]
pub(crate) struct KafkaTopic {
    pub(crate) name: &'static str,
    pub(crate) newest: Vec<u64>,
    pub(crate) oldest: Vec<u64>,
    pub(crate) leaders: Vec<u32>,
    pub(crate) carry: f64,
    pub(crate) groups: Vec<KafkaGroup>,
}

/// A consumer of a Redis stream group.
#[derive(Debug, Clone)]
pub(crate) struct StreamConsumer {
    pub(crate) name: &'static str,
    pub(crate) pending: u64,
    /// Unix seconds of this consumer's last read.
    pub(crate) last_seen_s: f64,
}

/// A Redis stream consumer group.
#[derive(Debug, Clone)]
pub(crate) struct StreamGroup {
    pub(crate) name: &'static str,
    pub(crate) consumers: Vec<StreamConsumer>,
    /// Entries delivered to the group so far.
    pub(crate) delivered: u64,
    /// Unix ms of the last delivered entry id.
    pub(crate) last_delivered_ms: f64,
    pub(crate) carry_read: f64,
    pub(crate) carry_ack: f64,
}

impl StreamGroup {
    pub(crate) fn pending(&self) -> u64 {
        self.consumers.iter().map(|c| c.pending).sum()
    }
}

/// A Redis stream (`XADD ... MAXLEN ~ n`).
#[derive(Debug, Clone)]
pub(crate) struct RedisStream {
    pub(crate) key: &'static str,
    pub(crate) length: u64,
    pub(crate) max_length: u64,
    pub(crate) added: u64,
    /// Unix ms of the last generated entry id.
    pub(crate) last_id_ms: f64,
    pub(crate) carry: f64,
    pub(crate) groups: Vec<StreamGroup>,
}

/// What a scenario sets up at its start: the processes, their wiring, when they started, and
/// the seed of their random streams. The script writes it, the world plays it.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) seed: u64,
    pub(crate) services: Vec<Service>,
    pub(crate) backends: Vec<Backend>,
    pub(crate) queues: Vec<RabbitQueue>,
    pub(crate) topics: Vec<KafkaTopic>,
    pub(crate) streams: Vec<RedisStream>,
    pub(crate) haproxy_started_s: f64,
    pub(crate) broker_started_s: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_histogram_is_consistent() {
        let mut h = LatencyHistogram::default();
        h.observe_bulk(10_000, Latency::new(0.05, 0.2));
        assert_eq!(h.count(), 10_000);
        assert_eq!(h.cumulative(f64::INFINITY), 10_000);
        let mut previous = 0;
        for b in LATENCY_BOUNDS {
            let c = h.cumulative(b);
            assert!(c >= previous);
            previous = c;
        }
        let at_p95 = h.cumulative(0.25) as f64 / 10_000.0;
        assert!(at_p95 > 0.95 && at_p95 < 0.99, "{at_p95}");
    }

    #[test]
    fn round_robin_follows_weights() {
        let target = Target {
            service: 0,
            endpoint: 0,
        };
        let mut backend = Backend {
            name: "be",
            domain: "d",
            servers: vec![
                Server::new("a", 90, ServerState::Up, Some(target), None, 0.0),
                Server::new("b", 10, ServerState::Up, Some(target), None, 0.0),
            ],
            no_server: 0,
            carry: 0.0,
            rng: Rng::for_stream(1, "be"),
        };
        let mut counts = [0u32; 2];
        for _ in 0..1000 {
            counts[backend.pick().unwrap()] += 1;
        }
        assert_eq!(counts, [900, 100]);
        backend.servers[1].weight = 0;
        assert_eq!(backend.pick(), Some(0));
        backend.servers[0].state = ServerState::Maint;
        assert_eq!(backend.pick(), None);
    }
}
