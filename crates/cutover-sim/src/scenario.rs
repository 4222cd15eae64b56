//! The simulated world and the "demo" scenario it plays: a strangler-fig migration of five
//! domains seen over ten minutes.
//!
//! Time is virtual. [`World::advance_to`] integrates traffic in fixed 100 ms steps aligned on the
//! start time, and every random draw comes from seeded per-stream generators, so the state at a
//! given virtual time is the same whatever the call pattern and on every machine: the bundled
//! demo recording is generated from it.
//!
//! The world here is the engine: traffic, queues, streams, sagas and the runtime API's weight
//! changes. What it plays (the demo's layout, curves and notes) is in
//! [`demo_script`](super::demo_script).

use std::collections::BTreeSet;

use super::data_story::DataWorld;
use super::demo_script::{
    self, backend_rate, behaviour, charge_failures_per_minute, kafka_rates, rabbit_rates,
    stream_add_rate, stream_group_rates, window, BILLING_SAGA_FAIL_S, BILLING_SAGA_RECOVERED_S,
    BROKER_UPTIME_S, HAPROXY_UPTIME_S, NOTES, ORDERS_PROMOTE_S, ORDERS_PROMOTE_WEIGHTS,
    ORDERS_ROLLBACK_COMMAND, ORDERS_ROLLBACK_S,
};
use super::model::{
    Backend, KafkaTopic, Layout, Profile, RabbitQueue, RedisStream, Served, ServerState, Service,
    Target,
};
use super::rng::Rng;
use super::SimError;

/// Names of the scenarios [`World::new`] knows.
pub const SCENARIOS: &[&str] = &["demo"];

/// Integration step. Small enough that rates look smooth at a 2 s scrape interval.
const STEP_MS: i64 = 100;
const STEP_S: f64 = STEP_MS as f64 / 1000.0;

/// Something notable that happened in the world, for captions and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioEvent {
    /// Virtual unix time in milliseconds.
    pub at_ms: i64,
    pub text: String,
}

/// Why a weight change was refused (the runtime API turns these into HAProxy's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WeightError {
    NoSuchBackend,
    NoSuchServer,
}

/// The whole simulated system at one virtual instant.
#[derive(Debug, Clone)]
pub struct World {
    scenario: &'static str,
    start_ms: i64,
    now_ms: i64,
    pub(crate) services: Vec<Service>,
    pub(crate) backends: Vec<Backend>,
    /// Requests HAProxy answered on its own stats frontend (`fe_metrics`).
    pub(crate) stats_requests: u64,
    pub(crate) queues: Vec<RabbitQueue>,
    pub(crate) topics: Vec<KafkaTopic>,
    pub(crate) streams: Vec<RedisStream>,
    pub(crate) haproxy_started_s: f64,
    pub(crate) broker_started_s: f64,
    events: Vec<ScenarioEvent>,
    notes_done: usize,
    /// `backend/server` pairs whose weight an operator changed through the runtime API.
    operator_changed: BTreeSet<String>,
    rollback_done: bool,
    promote_done: bool,
    rng: Rng,
    pub(crate) data: DataWorld,
}

impl World {
    /// Builds the world of `scenario` at virtual unix time `start_ms`, with the counters its
    /// processes accumulated before (a real gateway is never at zero when you look at it).
    pub fn new(scenario: &str, start_ms: i64) -> Result<World, SimError> {
        match scenario {
            "demo" => Ok(World::open("demo", start_ms, demo_script::layout(start_ms))),
            other => Err(SimError::UnknownScenario(other.to_string())),
        }
    }

    pub fn scenario(&self) -> &str {
        self.scenario
    }

    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Virtual unix time in milliseconds the state corresponds to (a multiple of the step).
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn elapsed_ms(&self) -> i64 {
        self.now_ms - self.start_ms
    }

    /// Events so far: scripted story beats and operator actions.
    pub fn events(&self) -> &[ScenarioEvent] {
        &self.events
    }

    /// Runs the world forward to virtual time `t_ms` (whole steps only; earlier times are a no-op).
    pub fn advance_to(&mut self, t_ms: i64) {
        while self.now_ms + STEP_MS <= t_ms {
            self.step();
            self.now_ms += STEP_MS;
        }
    }

    /// `(current, initial)` weight of a gateway server.
    pub fn server_weight(&self, backend: &str, server: &str) -> Option<(u32, u32)> {
        let be = self.backends.iter().find(|b| b.name == backend)?;
        let sv = be.server(server)?;
        Some((sv.weight, sv.initial_weight))
    }

    /// True when the source's endpoint answers an error instead of metrics right now.
    pub fn is_source_down(&self, source: &str) -> bool {
        let t = self.elapsed_s();
        self.services
            .iter()
            .filter(|s| s.name == source)
            .any(|s| s.metrics_down.iter().any(|(a, b)| t >= *a && t < *b))
    }

    pub(crate) fn elapsed_s(&self) -> f64 {
        (self.now_ms - self.start_ms) as f64 / 1000.0
    }

    pub(crate) fn now_s(&self) -> f64 {
        self.now_ms as f64 / 1000.0
    }

    pub(crate) fn find_server(
        &self,
        backend: &str,
        server: &str,
    ) -> Result<(usize, usize), WeightError> {
        let b = self
            .backends
            .iter()
            .position(|b| b.name == backend)
            .ok_or(WeightError::NoSuchBackend)?;
        let s = self.backends[b]
            .servers
            .iter()
            .position(|s| s.name == server)
            .ok_or(WeightError::NoSuchServer)?;
        Ok((b, s))
    }

    /// Applies an operator's weight change (runtime API): traffic follows from the next step.
    pub(crate) fn set_server_weight(
        &mut self,
        backend: &str,
        server: &str,
        weight: u32,
    ) -> Result<(), WeightError> {
        let (b, s) = self.find_server(backend, server)?;
        self.backends[b].servers[s].weight = weight;
        self.operator_changed.insert(format!("{backend}/{server}"));
        self.log(format!("operator: set weight {backend}/{server} {weight}"));
        Ok(())
    }

    /// Applies an operator's state change (runtime API `set server ... state`).
    pub(crate) fn set_server_state(
        &mut self,
        backend: &str,
        server: &str,
        state: ServerState,
    ) -> Result<(), WeightError> {
        let (b, s) = self.find_server(backend, server)?;
        let now = self.now_s();
        let sv = &mut self.backends[b].servers[s];
        if sv.state != state {
            sv.state = state;
            sv.last_change_s = now;
        }
        self.operator_changed.insert(format!("{backend}/{server}"));
        let word = match state {
            ServerState::Up => "ready",
            ServerState::Maint => "maint",
            ServerState::Drain => "drain",
        };
        self.log(format!(
            "operator: set server {backend}/{server} state {word}"
        ));
        Ok(())
    }

    fn log(&mut self, text: String) {
        self.events.push(ScenarioEvent {
            at_ms: self.now_ms,
            text,
        });
    }

    /// One integration step from `now_ms` to `now_ms + STEP_MS`.
    fn step(&mut self) {
        let t = self.elapsed_s();
        let at_s = (self.now_ms + STEP_MS) as f64 / 1000.0;
        let step_index = (self.now_ms - self.start_ms) / STEP_MS;

        self.play_story(t);
        self.route_traffic(t, at_s);
        if step_index % 20 == 0 {
            self.health_checks(at_s);
        }
        if step_index % 20 == 10 {
            self.metrics_scrapes(t, at_s);
        }
        self.move_rabbit(t);
        self.move_kafka(t, at_s);
        self.move_streams(t, at_s);
        self.run_sagas(t, at_s);
        self.data.step(t, STEP_S);
        for service in &mut self.services {
            service.cpu_seconds += STEP_S * 0.0008;
        }
    }

    fn play_story(&mut self, t: f64) {
        while self.notes_done < NOTES.len() && NOTES[self.notes_done].0 <= t {
            let text = NOTES[self.notes_done].1.to_string();
            self.notes_done += 1;
            self.log(text);
        }
        if !self.promote_done && t >= ORDERS_PROMOTE_S {
            self.promote_done = true;
            if self.operator_changed.contains("be_orders/orders_svc") {
                self.log("orders: weights already changed by an operator; no promotion".into());
            } else {
                let mut said = Vec::new();
                for (server, weight) in ORDERS_PROMOTE_WEIGHTS {
                    if let Ok((b, s)) = self.find_server("be_orders", server) {
                        self.backends[b].servers[s].weight = weight;
                        said.push(format!("set weight be_orders/{server} {weight}"));
                    }
                }
                self.log(format!(
                    "orders: operator promotes the canary from 10% to 25% ({})",
                    said.join("; ")
                ));
            }
        }
        if !self.rollback_done && t >= ORDERS_ROLLBACK_S {
            self.rollback_done = true;
            if self.operator_changed.contains("be_orders/orders_svc") {
                self.log("orders: already rolled back by an operator; nothing to do".into());
            } else if let Ok((b, s)) = self.find_server("be_orders", "orders_svc") {
                self.backends[b].servers[s].weight = 0;
                self.log(format!(
                    "orders: operator rolls back the canary ({ORDERS_ROLLBACK_COMMAND})"
                ));
            }
        }
    }

    fn route_traffic(&mut self, t: f64, at_s: f64) {
        for b in 0..self.backends.len() {
            let rate = backend_rate(self.backends[b].domain, t) * self.backends[b].rng.jitter(0.2);
            let backend = &mut self.backends[b];
            backend.carry += rate * STEP_S;
            let n = backend.carry.floor();
            backend.carry -= n;
            for _ in 0..n as u64 {
                let Some(s) = self.backends[b].pick() else {
                    self.backends[b].no_server += 1;
                    continue;
                };
                let server = &self.backends[b].servers[s];
                let (target, mirror) = (server.target, server.mirror);
                let served = match target {
                    Some(target) => self.serve(target, t, at_s),
                    // Nothing listens behind it: HAProxy answers 503 after a failed connect.
                    None => Served {
                        status: 503,
                        seconds: 0.0,
                        request_bytes: 0,
                        response_bytes: 0,
                    },
                };
                self.backends[b].servers[s].record(&served, at_s);
                if let Some(mirror) = mirror {
                    self.serve(mirror, t, at_s);
                }
            }
        }
    }

    fn serve(&mut self, target: Target, t: f64, at_s: f64) -> Served {
        let service = &mut self.services[target.service];
        let endpoint = &mut service.endpoints[target.endpoint];
        let behaviour = behaviour(endpoint.profile, t);
        let served = endpoint.serve(&behaviour, at_s);
        service.cpu_seconds += 0.0011 + served.seconds * 0.05;
        served
    }

    fn health_checks(&mut self, at_s: f64) {
        let mut targets = Vec::new();
        for backend in &mut self.backends {
            for server in &mut backend.servers {
                if server.state == ServerState::Maint {
                    continue;
                }
                if let Some(target) = server.target {
                    server.checks += 1;
                    targets.push(target.service);
                }
            }
        }
        for service in targets {
            if let Some(e) = self.services[service].endpoint_index("GET", "/healthz") {
                let behaviour = behaviour(Profile::Health, 0.0);
                self.services[service].endpoints[e].serve(&behaviour, at_s);
            }
        }
        // The cockpit polling HAProxy's own /metrics.
        self.stats_requests += 1;
    }

    fn metrics_scrapes(&mut self, t: f64, at_s: f64) {
        for service in &mut self.services {
            if service.metrics_down.iter().any(|(a, b)| t >= *a && t < *b) {
                continue;
            }
            if let Some(e) = service.endpoint_index("GET", "/metrics") {
                let behaviour = behaviour(Profile::Metrics, 0.0);
                service.endpoints[e].serve(&behaviour, at_s);
            }
        }
    }

    fn move_rabbit(&mut self, t: f64) {
        for queue in &mut self.queues {
            let (publish, capacity) = rabbit_rates(queue.name, t);
            queue.publish_carry += publish * self.rng.jitter(0.25) * STEP_S;
            let published = queue.publish_carry.floor();
            queue.publish_carry -= published;
            queue.ready += published as u64;
            queue.published += published as u64;

            queue.consume_carry += capacity * self.rng.jitter(0.25) * STEP_S;
            let can = queue.consume_carry.floor() as u64;
            queue.consume_carry -= can as f64;
            let consumed = can.min(queue.ready);
            queue.ready -= consumed;
            queue.delivered += consumed;
            queue.reductions += 1800 + consumed * 950 + published as u64 * 700;
            // Consumers hold up to their prefetch while there is a backlog.
            let in_flight_cap = queue.prefetch * u64::from(queue.consumers);
            queue.unacked = if queue.ready > 0 {
                in_flight_cap
            } else {
                (self.rng.unit() * (in_flight_cap.min(6) as f64)) as u64
            };
        }
    }

    fn move_kafka(&mut self, t: f64, at_s: f64) {
        for topic in &mut self.topics {
            let (produce, _) = kafka_rates(topic.name, "", t);
            topic.carry += produce * self.rng.jitter(0.3) * STEP_S;
            let n = topic.carry.floor() as u64;
            topic.carry -= n as f64;
            for _ in 0..n {
                let p = (self.rng.next_u64() % topic.newest.len() as u64) as usize;
                topic.newest[p] += 1;
            }
            for group in &mut topic.groups {
                let (_, capacity) = kafka_rates(topic.name, group.name, t);
                let per_partition = capacity / topic.newest.len() as f64;
                for p in 0..topic.newest.len() {
                    group.carry[p] += per_partition * self.rng.jitter(0.4) * STEP_S;
                    let can = group.carry[p].floor() as u64;
                    group.carry[p] -= can as f64;
                    let backlog = topic.newest[p] - group.processed[p];
                    group.processed[p] += can.min(backlog);
                }
                if at_s >= group.next_commit_s {
                    group.committed.clone_from(&group.processed);
                    // Commits follow poll loops, not a metronome.
                    group.next_commit_s = at_s + group.commit_every_s * self.rng.jitter(0.4);
                }
            }
        }
    }

    fn move_streams(&mut self, t: f64, at_s: f64) {
        for stream in &mut self.streams {
            let add_rate = stream_add_rate(stream.key, t);
            stream.carry += add_rate * self.rng.jitter(0.3) * STEP_S;
            let n = stream.carry.floor() as u64;
            stream.carry -= n as f64;
            if n > 0 {
                stream.added += n;
                stream.length += n;
                // MAXLEN ~: Redis trims whole macro nodes (100 entries here) at a time.
                while stream.length > stream.max_length + 100 {
                    stream.length -= 100;
                }
                stream.last_id_ms = (at_s * 1000.0).floor();
            }
            for group in &mut stream.groups {
                let (read_rate, ack_delay_s) = stream_group_rates(stream.key, group.name, t);
                let backlog = stream.added - group.delivered;
                group.carry_read += read_rate * self.rng.jitter(0.3) * STEP_S;
                let can = group.carry_read.floor() as u64;
                group.carry_read -= can as f64;
                let read = can.min(backlog);
                if read > 0 {
                    group.delivered += read;
                    let c = (self.rng.next_u64() % group.consumers.len() as u64) as usize;
                    group.consumers[c].pending += read;
                    group.consumers[c].last_seen_s = at_s;
                    let behind_s = (stream.added - group.delivered) as f64 / add_rate.max(0.1);
                    group.last_delivered_ms =
                        ((at_s - behind_s) * 1000.0).floor().min(stream.last_id_ms);
                }
                let pending = group.pending();
                group.carry_ack += pending as f64 * STEP_S / ack_delay_s;
                let mut acks = group.carry_ack.floor() as u64;
                group.carry_ack -= acks as f64;
                // Consumers ack at their own pace: start with a different one each time.
                let count = group.consumers.len();
                let first = (self.rng.next_u64() % count as u64) as usize;
                for k in 0..count {
                    let consumer = &mut group.consumers[(first + k) % count];
                    let a = acks.min(consumer.pending);
                    consumer.pending -= a;
                    acks -= a;
                    if a > 0 {
                        consumer.last_seen_s = at_s;
                    }
                }
            }
        }
    }

    fn run_sagas(&mut self, t: f64, at_s: f64) {
        // billing: one charge-payment saga per accepted charge.
        if let Some(billing) = self.services.iter_mut().find(|s| s.name == "billing-svc") {
            let accepted: u64 = billing
                .endpoints
                .iter()
                .filter(|e| e.route == "/billing/charges")
                .map(|e| e.statuses.get(&201).copied().unwrap_or(0))
                .sum();
            if let Some(saga) = billing
                .sagas
                .iter_mut()
                .find(|s| s.name == "charge-payment")
            {
                let new_starts = accepted.saturating_sub(saga.started);
                if new_starts > 0 {
                    saga.start(new_starts, at_s);
                }
                let per_minute = charge_failures_per_minute(t);
                let mut failures = 0;
                if self.rng.chance(per_minute / 60.0 * STEP_S) {
                    failures = 1;
                    if self.rng.chance(0.6) {
                        saga.fail("authorize", "gateway_timeout", 1, at_s);
                        saga.compensate("reserve_funds", "ok", 1, at_s);
                    } else {
                        saga.fail("capture", "card_declined", 1, at_s);
                        let result = if self.rng.chance(0.85) {
                            "ok"
                        } else {
                            "failed"
                        };
                        saga.compensate("authorize", result, 1, at_s);
                    }
                }
                saga.complete(new_starts.saturating_sub(failures), at_s);
                let base = 12.0 * 1.2 * self.rng.jitter(0.25);
                let stuck = 14.0 * window(t, BILLING_SAGA_FAIL_S, BILLING_SAGA_RECOVERED_S, 45.0);
                saga.in_progress = (base + stuck).round() as u64;
            }
        }
        // orders: a place-order saga for about one request in five on the new service; it fails
        // (and compensates) when the service errors.
        let orders_errors = behaviour(Profile::OrdersNew, t).error_ratio;
        if let Some(orders) = self.services.iter_mut().find(|s| s.name == "orders-svc") {
            let served: u64 = orders
                .endpoints
                .iter()
                .filter(|e| e.profile == Profile::OrdersNew)
                .map(|e| e.total())
                .sum();
            if let Some(saga) = orders.sagas.iter_mut().find(|s| s.name == "place-order") {
                let expected = served / 5;
                let new_starts = expected.saturating_sub(saga.started);
                if new_starts > 0 {
                    saga.start(new_starts, at_s);
                    let mut failures = 0;
                    for _ in 0..new_starts {
                        if self.rng.chance(orders_errors * 0.6) {
                            failures += 1;
                            saga.fail("reserve_inventory", "timeout", 1, at_s);
                            saga.compensate("create_order", "ok", 1, at_s);
                        }
                    }
                    saga.complete(new_starts - failures, at_s);
                }
                let rate = if self.backends.iter().any(|b| {
                    b.name == "be_orders"
                        && b.server("orders_svc").is_some_and(|s| s.takes_traffic())
                }) {
                    1.0
                } else {
                    0.0
                };
                saga.in_progress = (rate * 2.0 * self.rng.jitter(0.5)).round() as u64;
            }
        }
    }

    /// The world `layout` describes, at `start_ms`, with its counters' history filled in.
    fn open(scenario: &'static str, start_ms: i64, layout: Layout) -> World {
        let mut world = World {
            scenario,
            start_ms,
            now_ms: start_ms,
            services: layout.services,
            backends: layout.backends,
            stats_requests: 0,
            queues: layout.queues,
            topics: layout.topics,
            streams: layout.streams,
            haproxy_started_s: layout.haproxy_started_s,
            broker_started_s: layout.broker_started_s,
            events: Vec::new(),
            notes_done: 0,
            operator_changed: BTreeSet::new(),
            rollback_done: false,
            promote_done: false,
            rng: Rng::for_stream(layout.seed, "world"),
            data: DataWorld::new(),
        };
        warm_start(&mut world);
        world
    }
}

/// Fills the counters with what the processes accumulated before the scenario starts, at the
/// scenario's opening rates and behaviours (expected values, not samples: it is history).
fn warm_start(world: &mut World) {
    let start_s = world.start_ms as f64 / 1000.0;
    // Gateway servers, and the per-second rate each service endpoint receives.
    let mut endpoint_rates: Vec<(Target, f64)> = Vec::new();
    for backend in &mut world.backends {
        let rate = backend_rate(backend.domain, 0.0);
        let total: u32 = backend
            .servers
            .iter()
            .filter(|s| s.takes_traffic())
            .map(|s| s.weight)
            .sum();
        for server in &mut backend.servers {
            if server.state != ServerState::Maint && server.target.is_some() {
                server.checks = (HAPROXY_UPTIME_S / 2.0) as u64;
            }
            if !server.takes_traffic() || total == 0 {
                continue;
            }
            let share = f64::from(server.weight) / f64::from(total);
            if let Some(target) = server.target {
                let endpoint = &world.services[target.service].endpoints[target.endpoint];
                let b = behaviour(endpoint.profile, 0.0);
                let n = (rate * share * HAPROXY_UPTIME_S) as u64;
                server.record_bulk(n, &b, endpoint.typical_response_bytes);
                server.last_session_s = Some(start_s - 0.05);
                server.max_session_rate = (rate * share * 1.6).ceil() as u64;
                endpoint_rates.push((target, rate * share));
            }
            if let Some(mirror) = server.mirror {
                endpoint_rates.push((mirror, rate * share));
            }
        }
    }
    world.stats_requests = (HAPROXY_UPTIME_S / 2.0) as u64;
    for index in 0..world.services.len() {
        let checks = checks_per_interval(&world.backends, index);
        let service = &mut world.services[index];
        let uptime = start_s - service.started_s;
        let mut requests = 0u64;
        for e in 0..service.endpoints.len() {
            let rate: f64 = endpoint_rates
                .iter()
                .filter(|(t, _)| t.service == index && t.endpoint == e)
                .map(|(_, r)| r)
                .sum();
            let endpoint = &mut service.endpoints[e];
            let n = match endpoint.profile {
                Profile::Health => (uptime / 2.0) as u64 * checks,
                Profile::Metrics => (uptime / 15.0) as u64,
                _ => (rate * uptime) as u64,
            };
            let b = behaviour(endpoint.profile, 0.0);
            endpoint.serve_bulk(n, &b, service.started_s);
            requests += n;
        }
        service.cpu_seconds = uptime * 0.0008 + requests as f64 * 0.0013;
        let since = service.started_s;
        for saga in &mut service.sagas {
            match saga.name {
                "charge-payment" => {
                    let accepted: u64 = service
                        .endpoints
                        .iter()
                        .filter(|e| e.route == "/billing/charges")
                        .map(|e| e.statuses.get(&201).copied().unwrap_or(0))
                        .sum();
                    let failed_timeout = (uptime / 3600.0 * 0.6).round() as u64;
                    let failed_declined = (uptime / 3600.0 * 0.4).round() as u64;
                    saga.start(accepted, since + 2.1);
                    saga.fail(
                        "authorize",
                        "gateway_timeout",
                        failed_timeout,
                        since + 5400.0,
                    );
                    saga.compensate("reserve_funds", "ok", failed_timeout, since + 5400.2);
                    saga.fail("capture", "card_declined", failed_declined, since + 8100.0);
                    saga.compensate("authorize", "ok", failed_declined, since + 8100.3);
                    saga.complete(accepted - failed_timeout - failed_declined, since + 2.4);
                    saga.in_progress = 14;
                }
                "place-order" => {
                    let served: u64 = service
                        .endpoints
                        .iter()
                        .filter(|e| e.profile == Profile::OrdersNew)
                        .map(|e| e.total())
                        .sum();
                    let started = served / 5;
                    let failed = (started as f64 * 0.004 * 0.6).round() as u64;
                    saga.start(started, since + 3.0);
                    saga.fail("reserve_inventory", "timeout", failed, since + 900.0);
                    saga.compensate("create_order", "ok", failed, since + 900.1);
                    saga.complete(started - failed, since + 3.2);
                    saga.in_progress = 2;
                }
                _ => {}
            }
        }
    }
    // Brokers: long-running, with offsets and totals to match.
    for queue in &mut world.queues {
        let (publish, _) = rabbit_rates(queue.name, 0.0);
        queue.published = (publish * BROKER_UPTIME_S) as u64;
        queue.ready = (publish * 0.2).round() as u64;
        queue.delivered = queue.published - queue.ready;
        queue.reductions = queue.published * 1650 + (BROKER_UPTIME_S * 18000.0) as u64;
    }
    for topic in &mut world.topics {
        let (produce, _) = kafka_rates(topic.name, "", 0.0);
        let partitions = topic.newest.len() as f64;
        let lifetime = 30.0 * 86400.0;
        let retention = 7.0 * 86400.0;
        for p in 0..topic.newest.len() {
            let skew = 1.0 + 0.01 * (p as f64 - 1.0);
            topic.newest[p] = (produce / partitions * lifetime * skew) as u64;
            topic.oldest[p] = topic.newest[p] - (produce / partitions * retention * skew) as u64;
        }
        for group in &mut topic.groups {
            for p in 0..topic.newest.len() {
                let lag = 3 + p as u64 * 2;
                group.processed[p] = topic.newest[p] - lag;
                group.committed[p] = group.processed[p];
            }
            group.next_commit_s = start_s + group.commit_every_s;
        }
    }
    for stream in &mut world.streams {
        let rate = stream_add_rate(stream.key, 0.0);
        stream.added = (rate * BROKER_UPTIME_S) as u64
            + if stream.key == "notifications.dlq" {
                3
            } else {
                0
            };
        stream.length = stream.added.min(stream.max_length);
        stream.last_id_ms = ((start_s - 0.4) * 1000.0).floor();
        if stream.key == "notifications.dlq" {
            stream.last_id_ms = ((start_s - 7.0 * 3600.0) * 1000.0).floor();
        }
        for group in &mut stream.groups {
            let (_, ack_delay) = stream_group_rates(stream.key, group.name, 0.0);
            let pending = (rate * ack_delay).round() as u64;
            group.delivered = stream.added;
            group.last_delivered_ms = stream.last_id_ms;
            let count = group.consumers.len() as u64;
            for (i, consumer) in group.consumers.iter_mut().enumerate() {
                consumer.pending = pending / count + u64::from((i as u64) < pending % count);
            }
        }
    }
}

fn checks_per_interval(backends: &[Backend], service: usize) -> u64 {
    backends
        .iter()
        .flat_map(|b| b.servers.iter())
        .filter(|s| s.state != ServerState::Maint && s.target.is_some_and(|t| t.service == service))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_795_552_000_000;

    fn server_total(world: &World, backend: &str, server: &str) -> u64 {
        world
            .backends
            .iter()
            .find(|b| b.name == backend)
            .and_then(|b| b.server(server))
            .map(|s| s.sessions())
            .unwrap()
    }

    #[test]
    fn unknown_scenario_is_an_error() {
        assert!(matches!(
            World::new("nope", START),
            Err(SimError::UnknownScenario(name)) if name == "nope"
        ));
    }

    #[test]
    fn state_does_not_depend_on_the_call_pattern() {
        let mut a = World::new("demo", START).unwrap();
        let mut b = World::new("demo", START).unwrap();
        a.advance_to(START + 30_000);
        for t in (0..=30_000).step_by(1_700) {
            b.advance_to(START + t);
        }
        b.advance_to(START + 30_000);
        assert_eq!(a.now_ms(), b.now_ms());
        assert_eq!(
            server_total(&a, "be_orders", "orders_svc"),
            server_total(&b, "be_orders", "orders_svc")
        );
        assert_eq!(a.queues[1].depth(), b.queues[1].depth());
    }

    #[test]
    fn the_story_happens() {
        let mut world = World::new("demo", START).unwrap();
        let before = server_total(&world, "be_orders", "orders_svc");
        world.advance_to(START + 60_000);
        let one_minute = server_total(&world, "be_orders", "orders_svc") - before;
        // ~50 req/s, 10 % of it: about 300 a minute.
        assert!((250..350).contains(&one_minute), "{one_minute}");

        world.advance_to(START + 240_000);
        let inventory = world
            .queues
            .iter()
            .find(|q| q.name == "inventory.reserve")
            .unwrap();
        assert!(
            (5000..7000).contains(&inventory.ready),
            "depth at 4m {}",
            inventory.ready
        );
        // Promoted at 1m40s: 25 of 100.
        assert_eq!(
            world.server_weight("be_orders", "orders_svc"),
            Some((25, 10))
        );
        assert_eq!(world.server_weight("be_orders", "monolith"), Some((75, 90)));

        world.advance_to(START + 301_000);
        assert_eq!(
            world.server_weight("be_orders", "orders_svc"),
            Some((0, 10))
        );
        let after_rollback = server_total(&world, "be_orders", "orders_svc");
        world.advance_to(START + 330_000);
        assert_eq!(
            server_total(&world, "be_orders", "orders_svc"),
            after_rollback
        );
        assert!(!world.is_source_down("billing-svc"));
        world.advance_to(START + 370_000);
        assert!(world.is_source_down("billing-svc"));
        world.advance_to(START + 480_000);
        let inventory = world
            .queues
            .iter()
            .find(|q| q.name == "inventory.reserve")
            .unwrap();
        assert!(inventory.ready < 200, "depth at 8m {}", inventory.ready);
        assert!(!world.is_source_down("billing-svc"));
        let billing = world
            .services
            .iter()
            .find(|s| s.name == "billing-svc")
            .unwrap();
        let saga = &billing.sagas[0];
        assert!(saga.failed_total() >= 60, "failed {}", saga.failed_total());
    }

    #[test]
    fn an_operator_rollback_pre_empts_the_scripted_one() {
        let mut world = World::new("demo", START).unwrap();
        world.advance_to(START + 200_000);
        world
            .set_server_weight("be_orders", "orders_svc", 0)
            .unwrap();
        world.advance_to(START + 310_000);
        assert!(world
            .events()
            .iter()
            .any(|e| e.text.contains("already rolled back")));
        assert_eq!(
            world.set_server_weight("be_nope", "x", 1),
            Err(WeightError::NoSuchBackend)
        );
        assert_eq!(
            world.set_server_weight("be_orders", "x", 1),
            Err(WeightError::NoSuchServer)
        );
    }
}
