//! HAProxy 2.6's built-in Prometheus exporter (`http-request use-service prometheus-exporter`).
//!
//! Shapes follow the real capture: every family of the 2.6 table in its order; one series per
//! `state` for status families (proxy-major, state-minor); `*_http_responses_total` with `code`
//! in 1xx..5xx and `other`, code-major; `NaN` for unset limits; durations as `%f`; a weight-0
//! server still reads UP.

use super::super::demo_script::backend_rate;
use super::super::model::{Backend, Server, ServerState, CODE_CLASSES};
use super::super::scenario::World;
use super::haproxy_families::FAMILIES;
use super::{haproxy_seconds, Body};

const SERVER_STATES: [&str; 5] = ["DOWN", "UP", "MAINT", "DRAIN", "NOLB"];
const CHECK_STATES: [&str; 16] = [
    "HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON", "L6OK", "L6TOUT", "L6RSP", "L7TOUT", "L7RSP",
    "L7OK", "L7OKC", "L7STS", "PROCERR", "PROCTOUT", "PROCOK",
];

/// The frontend every domain's traffic enters through.
const API_FRONTEND: &str = "fe_api";
/// The frontend serving `/metrics` itself.
const STATS_FRONTEND: &str = "fe_metrics";
/// Size of one `/metrics` answer, for the stats frontend's byte counters.
const STATS_PAGE_BYTES: u64 = 61_000;

pub(super) fn render(world: &World) -> String {
    let view = View::new(world);
    let mut body = Body::new();
    for (name, kind, help) in FAMILIES {
        body.family(name, kind, help);
        if let Some(field) = name.strip_prefix("haproxy_process_") {
            view.process(&mut body, name, field);
        } else if let Some(field) = name.strip_prefix("haproxy_frontend_") {
            view.frontends(&mut body, name, field);
        } else if let Some(field) = name.strip_prefix("haproxy_backend_") {
            view.backends(&mut body, name, field);
        } else if let Some(field) = name.strip_prefix("haproxy_server_") {
            view.servers(&mut body, name, field);
        }
    }
    body.finish()
}

/// Figures derived once per render.
struct View<'a> {
    world: &'a World,
    now_s: f64,
    api_responses: [u64; 6],
    api_bytes_in: u64,
    api_bytes_out: u64,
    api_requests: u64,
    /// Requests per second the scenario sends right now, per backend.
    rates: Vec<f64>,
}

fn int(v: u64) -> String {
    v.to_string()
}

fn seconds_since(now_s: f64, then_s: f64) -> String {
    ((now_s - then_s).max(0.0) as u64).to_string()
}

impl<'a> View<'a> {
    fn new(world: &'a World) -> View<'a> {
        let mut api_responses = [0u64; 6];
        let (mut bytes_in, mut bytes_out) = (0, 0);
        for backend in &world.backends {
            for (a, b) in api_responses.iter_mut().zip(backend.responses()) {
                *a += b;
            }
            bytes_in +=
                backend.servers.iter().map(|s| s.bytes_in).sum::<u64>() + backend.no_server * 86;
            bytes_out +=
                backend.servers.iter().map(|s| s.bytes_out).sum::<u64>() + backend.no_server * 220;
        }
        let t = world.elapsed_s();
        View {
            world,
            now_s: world.now_s(),
            api_requests: api_responses.iter().sum(),
            api_responses,
            api_bytes_in: bytes_in,
            api_bytes_out: bytes_out,
            rates: world
                .backends
                .iter()
                .map(|b| backend_rate(b.domain, t))
                .collect(),
        }
    }

    fn total_rate(&self) -> f64 {
        self.rates.iter().sum()
    }

    fn stats_sessions(&self) -> u64 {
        // Pollers keep their connection open: one session per ~30 requests.
        self.world.stats_requests / 30 + 1
    }

    fn process(&self, body: &mut Body, name: &str, field: &str) {
        let w = self.world;
        let uptime = self.now_s - w.haproxy_started_s;
        let rate = self.total_rate().round() as u64;
        let value = match field {
            "nbthread" => "2".to_string(),
            "nbproc" | "relative_process_id" => "1".into(),
            "uptime_seconds" => (uptime as u64).to_string(),
            "max_fds" | "max_sockets" => "19999".into(),
            "max_connections" | "hard_max_connections" => "9984".into(),
            "current_connections" => int(2 + (self.api_requests % 4)),
            "connections_total" => int(self.api_requests + self.stats_sessions()),
            "requests_total" => int(self.api_requests + w.stats_requests),
            "current_connection_rate" | "current_session_rate" => int(rate),
            "max_connection_rate" | "max_session_rate" => {
                int((self.total_rate() * 1.45).ceil() as u64)
            }
            "current_zlib_memory" | "max_zlib_memory" => "NaN".into(),
            "current_tasks" => "27".into(),
            "idle_time_percent" => int(100 - (self.total_rate() / 40.0).round().min(60.0) as u64),
            "jobs" => "6".into(),
            "listeners" => "3".into(),
            "bytes_out_total" => int(self.api_bytes_out + w.stats_requests * STATS_PAGE_BYTES),
            "bytes_out_rate" => {
                int((self.total_rate() * 330.0 + STATS_PAGE_BYTES as f64 / 2.0) as u64)
            }
            "build_info" => {
                body.sample(name, &[("version", "2.6.12-1+deb12u4")], "1");
                return;
            }
            "pool_allocated_bytes" | "pool_used_bytes" => "412672".into(),
            "start_time_seconds" => (w.haproxy_started_s as u64).to_string(),
            _ => "0".into(),
        };
        body.sample(name, &[], &value);
    }

    fn frontends(&self, body: &mut Body, name: &str, field: &str) {
        let w = self.world;
        if field == "http_responses_total" {
            for (code, class) in CODE_CLASSES.iter().enumerate() {
                let stats = if code == 1 { w.stats_requests } else { 0 };
                body.sample(
                    name,
                    &[("proxy", API_FRONTEND), ("code", class)],
                    &int(self.api_responses[code]),
                );
                body.sample(
                    name,
                    &[("proxy", STATS_FRONTEND), ("code", class)],
                    &int(stats),
                );
            }
            return;
        }
        if field == "status" {
            for proxy in [API_FRONTEND, STATS_FRONTEND] {
                body.sample(name, &[("proxy", proxy), ("state", "DOWN")], "0");
                body.sample(name, &[("proxy", proxy), ("state", "UP")], "1");
            }
            return;
        }
        let rate_max = (self.total_rate() * 1.45).ceil() as u64;
        let stats_sessions = self.stats_sessions();
        let (api, stats) = match field {
            "current_sessions" => (int(1 + self.api_requests % 3), "1".into()),
            "max_sessions" => (int(rate_max / 10 + 2), "2".into()),
            "limit_sessions" => ("9984".into(), "9984".into()),
            "sessions_total" | "connections_total" => (int(self.api_requests), int(stats_sessions)),
            "bytes_in_total" => (int(self.api_bytes_in), int(w.stats_requests * 266)),
            "bytes_out_total" => (
                int(self.api_bytes_out),
                int(w.stats_requests * STATS_PAGE_BYTES),
            ),
            "max_session_rate" | "connections_rate_max" => (int(rate_max), "1".into()),
            "http_requests_rate_max" => (int(rate_max), "1".into()),
            "http_requests_total" => (int(self.api_requests), int(w.stats_requests)),
            "intercepted_requests_total" => ("0".into(), int(w.stats_requests)),
            _ => ("0".into(), "0".into()),
        };
        body.sample(name, &[("proxy", API_FRONTEND)], &api);
        body.sample(name, &[("proxy", STATS_FRONTEND)], &stats);
    }

    fn backends(&self, body: &mut Body, name: &str, field: &str) {
        let w = self.world;
        if field == "http_responses_total" {
            for (code, class) in CODE_CLASSES.iter().enumerate() {
                for backend in &w.backends {
                    body.sample(
                        name,
                        &[("proxy", backend.name), ("code", class)],
                        &int(backend.responses()[code]),
                    );
                }
            }
            return;
        }
        for (i, backend) in w.backends.iter().enumerate() {
            let proxy = [("proxy", backend.name)];
            match field {
                "status" => {
                    let up = backend.servers.iter().any(|s| s.state == ServerState::Up);
                    body.sample(
                        name,
                        &[("proxy", backend.name), ("state", "DOWN")],
                        if up { "0" } else { "1" },
                    );
                    body.sample(
                        name,
                        &[("proxy", backend.name), ("state", "UP")],
                        if up { "1" } else { "0" },
                    );
                }
                "agg_server_status" | "agg_server_check_status" => {
                    for state in SERVER_STATES {
                        let n = backend
                            .servers
                            .iter()
                            .filter(|s| state_word(s) == state)
                            .count();
                        body.sample(
                            name,
                            &[("proxy", backend.name), ("state", state)],
                            &n.to_string(),
                        );
                    }
                }
                "agg_check_status" => {
                    for state in CHECK_STATES {
                        let n = if state == "L7OK" {
                            backend.servers.iter().filter(|s| has_check(s)).count()
                        } else {
                            0
                        };
                        body.sample(
                            name,
                            &[("proxy", backend.name), ("state", state)],
                            &n.to_string(),
                        );
                    }
                }
                _ => body.sample(
                    name,
                    &proxy,
                    &self.backend_value(backend, self.rates[i], field),
                ),
            }
        }
    }

    fn backend_value(&self, backend: &Backend, rate: f64, field: &str) -> String {
        let sessions: u64 =
            backend.servers.iter().map(|s| s.sessions()).sum::<u64>() + backend.no_server;
        let active = backend.servers.iter().filter(|s| s.takes_traffic());
        let avg_ms = weighted_response_ms(backend);
        let max_ms = backend
            .servers
            .iter()
            .map(|s| s.response_time_max_ms)
            .fold(0.0, f64::max);
        let last = backend
            .servers
            .iter()
            .filter_map(|s| s.last_session_s)
            .fold(f64::MIN, f64::max);
        match field {
            "current_sessions" => int((rate * avg_ms / 1000.0).round() as u64),
            "max_sessions" => int((rate / 5.0).ceil() as u64 + 1),
            "limit_sessions" => "999".into(),
            "sessions_total"
            | "loadbalanced_total"
            | "http_requests_total"
            | "connection_attempts_total" => int(sessions),
            "bytes_in_total" => {
                int(backend.servers.iter().map(|s| s.bytes_in).sum::<u64>()
                    + backend.no_server * 86)
            }
            "bytes_out_total" => {
                int(backend.servers.iter().map(|s| s.bytes_out).sum::<u64>()
                    + backend.no_server * 220)
            }
            "weight" => int(active.map(|s| u64::from(s.weight)).sum()),
            "uweight" => int(backend.servers.iter().map(|s| u64::from(s.weight)).sum()),
            "active_servers" => int(active.count() as u64),
            "check_last_change_seconds" => seconds_since(self.now_s, self.world.haproxy_started_s),
            "max_session_rate" => int((rate * 1.45).ceil() as u64),
            "last_session_seconds" => {
                if last == f64::MIN {
                    "-1".into()
                } else {
                    seconds_since(self.now_s, last)
                }
            }
            "queue_time_average_seconds"
            | "connect_time_average_seconds"
            | "max_queue_time_seconds" => haproxy_seconds(0.0),
            "response_time_average_seconds" | "total_time_average_seconds" => {
                haproxy_seconds(avg_ms.round() / 1000.0)
            }
            "max_connect_time_seconds" => haproxy_seconds(0.001),
            "max_response_time_seconds" | "max_total_time_seconds" => {
                haproxy_seconds(max_ms / 1000.0)
            }
            _ => "0".into(),
        }
    }

    fn servers(&self, body: &mut Body, name: &str, field: &str) {
        let w = self.world;
        if field == "http_responses_total" {
            for (code, class) in CODE_CLASSES.iter().enumerate() {
                for backend in &w.backends {
                    for server in &backend.servers {
                        let labels = [
                            ("proxy", backend.name),
                            ("server", server.name),
                            ("code", *class),
                        ];
                        body.sample(name, &labels, &int(server.responses[code]));
                    }
                }
            }
            return;
        }
        for backend in &w.backends {
            for server in &backend.servers {
                let labels = [("proxy", backend.name), ("server", server.name)];
                match field {
                    "status" => {
                        for state in SERVER_STATES {
                            let on = if state_word(server) == state {
                                "1"
                            } else {
                                "0"
                            };
                            body.sample(name, &[labels[0], labels[1], ("state", state)], on);
                        }
                    }
                    "check_status" => {
                        if !has_check(server) {
                            continue;
                        }
                        for state in CHECK_STATES {
                            let on = if state == "L7OK" { "1" } else { "0" };
                            body.sample(name, &[labels[0], labels[1], ("state", state)], on);
                        }
                    }
                    "check_code" | "check_duration_seconds" if !has_check(server) => {}
                    _ => body.sample(name, &labels, &self.server_value(server, field)),
                }
            }
        }
    }

    fn server_value(&self, server: &Server, field: &str) -> String {
        let sessions = server.sessions();
        match field {
            "current_sessions" => int(u64::from(server.takes_traffic()) * (sessions % 2)),
            "max_sessions" => int(if sessions > 0 { 2 } else { 0 }),
            "limit_sessions" | "queue_limit" | "current_throttle" | "idle_connections_limit" => {
                "NaN".into()
            }
            "sessions_total" | "loadbalanced_total" | "connection_attempts_total" => int(sessions),
            "bytes_in_total" => int(server.bytes_in),
            "bytes_out_total" => int(server.bytes_out),
            "weight" => {
                let effective = if server.state == ServerState::Drain {
                    0
                } else {
                    server.weight
                };
                int(u64::from(effective))
            }
            "uweight" => int(u64::from(server.weight)),
            "check_last_change_seconds" => seconds_since(self.now_s, server.last_change_s),
            "max_session_rate" => int(server.max_session_rate),
            "check_code" => "200".into(),
            "check_duration_seconds" => haproxy_seconds(if server.checks.is_multiple_of(3) {
                0.002
            } else {
                0.001
            }),
            "last_session_seconds" => match server.last_session_s {
                Some(at) => seconds_since(self.now_s, at),
                None => "-1".into(),
            },
            "queue_time_average_seconds" | "max_queue_time_seconds" => haproxy_seconds(0.0),
            "connect_time_average_seconds" => haproxy_seconds(0.0),
            "response_time_average_seconds" | "total_time_average_seconds" => {
                haproxy_seconds(server.response_time_avg_ms.round() / 1000.0)
            }
            "max_connect_time_seconds" => haproxy_seconds(if sessions > 0 { 0.001 } else { 0.0 }),
            "max_response_time_seconds" | "max_total_time_seconds" => {
                haproxy_seconds(server.response_time_max_ms / 1000.0)
            }
            "need_connections_current" => int(u64::from(server.state != ServerState::Maint)),
            _ => "0".into(),
        }
    }
}

fn state_word(server: &Server) -> &'static str {
    match server.state {
        ServerState::Up => "UP",
        ServerState::Maint => "MAINT",
        ServerState::Drain => "DRAIN",
    }
}

/// Health checks run on servers that are not in maintenance and have something behind them.
fn has_check(server: &Server) -> bool {
    server.state != ServerState::Maint && server.target.is_some()
}

fn weighted_response_ms(backend: &Backend) -> f64 {
    let (mut sum, mut weight) = (0.0, 0.0);
    for s in &backend.servers {
        let w = s.sessions() as f64;
        sum += s.response_time_avg_ms * w;
        weight += w;
    }
    if weight > 0.0 {
        sum / weight
    } else {
        0.0
    }
}
