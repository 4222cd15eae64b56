//! The gateway of the promote and ramp tests: a TCP server speaking the HAProxy runtime
//! protocol (answers as a real HAProxy 2.6 gives them) that records every command, and an HTTP
//! server serving the gateway's metrics (the real HAProxy capture, with live counters) whose
//! split follows the weights the runtime API was given.

use std::sync::{Arc, Mutex};

use super::{fixture, Answer, HttpServer, Reply, RuntimeApi};

/// The gateway's split: two servers whose weights decide where each scrape's requests went.
pub struct Split {
    pub new_weight: u64,
    pub legacy_weight: u64,
    /// The traffic follows the weights (a gateway that "does not follow" keeps the old split).
    pub follows: bool,
    /// The new share the traffic keeps when it does not follow.
    pub stuck_share: f64,
    pub per_scrape: u64,
    /// The new path's 5xx share of its requests.
    pub new_error_ratio: f64,
    pub legacy: u64,
    pub new: u64,
    pub new_5xx: u64,
    /// An extra line for the body (a queue's depth).
    pub extra: String,
}

#[derive(Clone)]
pub struct Gateway(pub Arc<Mutex<Split>>);

impl Gateway {
    /// Weights `new`/`legacy`, `per_scrape` requests between two scrapes.
    pub fn new(new: u64, legacy: u64, per_scrape: u64) -> Gateway {
        Gateway(Arc::new(Mutex::new(Split {
            new_weight: new,
            legacy_weight: legacy,
            follows: true,
            stuck_share: new as f64 / (new + legacy).max(1) as f64,
            per_scrape,
            new_error_ratio: 0.0,
            legacy: 9000,
            new: 1000,
            new_5xx: 0,
            extra: String::new(),
        })))
    }

    pub fn with(self, f: impl FnOnce(&mut Split)) -> Gateway {
        f(&mut self.0.lock().unwrap());
        self
    }

    /// The runtime API: `set weight be_orders/S N` changes the split (HAProxy answers an empty
    /// line), `get weight` reads it (`25 (initial 10)`), anything else is HAProxy's error.
    pub fn runtime_api(&self) -> RuntimeApi {
        let split = self.0.clone();
        RuntimeApi::start(move |command| {
            let mut s = split.lock().unwrap();
            let words: Vec<&str> = command.split(' ').collect();
            match words.as_slice() {
                ["set", "weight", server, n] => {
                    let n: u64 = n.parse().unwrap();
                    match *server {
                        "be_orders/orders_svc" => s.new_weight = n,
                        "be_orders/monolith" => s.legacy_weight = n,
                        _ => {
                            return Answer::Text(fixture("real/haproxy-runtime-error-response.txt"))
                        }
                    }
                    Answer::Text(fixture(
                        "real/haproxy-runtime-rollback-set-weight-response.txt",
                    ))
                }
                ["get", "weight", "be_orders/orders_svc"] => {
                    Answer::Text(format!("{} (initial 10)\n", s.new_weight))
                }
                ["get", "weight", "be_orders/monolith"] => {
                    Answer::Text(format!("{} (initial 90)\n", s.legacy_weight))
                }
                _ => Answer::Text(fixture("real/haproxy-runtime-error-response.txt")),
            }
        })
    }

    /// The metrics endpoint: each scrape, `per_scrape` more requests split by the weights.
    pub fn metrics(&self) -> HttpServer {
        let split = self.0.clone();
        let template = fixture("real/haproxy-idle.prom");
        HttpServer::start(move |_, _| {
            let mut s = split.lock().unwrap();
            let share = if s.follows {
                s.new_weight as f64 / (s.new_weight + s.legacy_weight).max(1) as f64
            } else {
                s.stuck_share
            };
            let new = (s.per_scrape as f64 * share).round() as u64;
            let errors = (new as f64 * s.new_error_ratio).round() as u64;
            s.new += new;
            s.new_5xx += errors;
            s.legacy += s.per_scrape - new;
            let line = |server: &str, code: &str, v: u64| {
                format!(
                    r#"haproxy_server_http_responses_total{{proxy="be_orders",server="{server}",code="{code}"}} {v}"#
                )
            };
            let weight = |server: &str, v: u64| {
                format!(r#"haproxy_server_weight{{proxy="be_orders",server="{server}"}} {v}"#)
            };
            let mut body = template
                .replace(
                    &line("monolith", "2xx", 0),
                    &line("monolith", "2xx", s.legacy),
                )
                .replace(
                    &line("orders_svc", "2xx", 0),
                    &line("orders_svc", "2xx", s.new - s.new_5xx),
                )
                .replace(
                    &line("orders_svc", "5xx", 0),
                    &line("orders_svc", "5xx", s.new_5xx),
                )
                .replace(
                    &weight("orders_svc", 10),
                    &weight("orders_svc", s.new_weight),
                )
                .replace(
                    &weight("monolith", 90),
                    &weight("monolith", s.legacy_weight),
                );
            body.push_str(&s.extra);
            Some(Reply::text(body))
        })
    }
}
