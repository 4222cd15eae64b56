//! `cutover simulate`: a believable migration to try the cockpit on, without a lab.
//!
//! A deterministic [`World`] (the "demo" scenario: five domains over ten minutes) is rendered in
//! the exact text formats of the real exporters (HAProxy, RabbitMQ per-object, redis_exporter,
//! kafka_exporter, prometheus-fastapi-instrumentator, django-prometheus, postgres_exporter) and served over HTTP on
//! loopback, with an HAProxy-style runtime API that really shifts the simulated traffic.
//!
//! Two ways in:
//! - [`serve`] for live use: virtual time follows the wall clock (times `speed`);
//! - [`render_all`] on a [`World`] advanced by hand, for generating a recording on a virtual
//!   clock with no network at all (the bundled demo).
//!
//! A crate of its own: it needs nothing from cutover (the product depends on it, never the other
//! way), so it builds and tests alone (`cargo test -p cutover-sim`).

// Like cutover itself, it prints nothing: the root clippy.toml names what is disallowed.
#![deny(clippy::disallowed_macros, clippy::disallowed_methods)]

mod accept;
mod data_story;
mod demo_config;
mod demo_script;
pub mod exporters;
mod model;
mod rng;
pub mod runtime_api;
pub mod scenario;
pub mod server;
mod shared_world;

use std::net::SocketAddr;

pub use demo_config::{config_toml, demo_config_toml, DEMO_HTTP_BASE, DEMO_RUNTIME_API};
pub use demo_script::{DEMO_DURATION_MS, ORDERS_ROLLBACK_COMMAND};
pub use rng::Rng;
pub use runtime_api::{execute_command, RuntimeApi};
pub use scenario::{ScenarioEvent, World, SCENARIOS};
pub use server::{serve, serve_from, SimHandle};

/// What can go wrong starting or driving a simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown scenario {0:?} (known: {known})", known = SCENARIOS.join(", "))]
    UnknownScenario(String),
    #[error("speed must be a positive finite number, got {0}")]
    InvalidSpeed(f64),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("simulator I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Which real exporter a source imitates; decides the body format and the HTTP headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exporter {
    /// HAProxy 2.6 built-in exporter (`/metrics`).
    Haproxy,
    /// RabbitMQ 3.10 `rabbitmq_prometheus`, `/metrics/per-object`.
    RabbitmqPerObject,
    /// oliver006/redis_exporter 1.45 with `--check-streams`.
    RedisExporter,
    /// danielqsj/kafka_exporter.
    KafkaExporter,
    /// FastAPI + prometheus-fastapi-instrumentator.
    FastApi,
    /// Django + django-prometheus.
    Django,
    /// prometheus-postgres-exporter 0.11 with the lab's extra queries.
    PostgresExporter,
}

/// One simulated metrics endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSpec {
    /// Source name, as in the generated config and in [`render_all`]'s output.
    pub name: &'static str,
    /// HTTP path on the simulator's port.
    pub path: &'static str,
    pub exporter: Exporter,
}

/// Every endpoint of the demo world, in the order [`render_all`] returns them.
pub const SOURCES: &[SourceSpec] = &[
    SourceSpec {
        name: "haproxy",
        path: "/haproxy/metrics",
        exporter: Exporter::Haproxy,
    },
    SourceSpec {
        name: "rabbitmq",
        path: "/rabbitmq/metrics/per-object",
        exporter: Exporter::RabbitmqPerObject,
    },
    SourceSpec {
        name: "redis",
        path: "/redis/metrics",
        exporter: Exporter::RedisExporter,
    },
    SourceSpec {
        name: "kafka",
        path: "/kafka/metrics",
        exporter: Exporter::KafkaExporter,
    },
    SourceSpec {
        name: "monolith",
        path: "/monolith/metrics",
        exporter: Exporter::FastApi,
    },
    SourceSpec {
        name: "orders-svc",
        path: "/orders-svc/metrics",
        exporter: Exporter::FastApi,
    },
    SourceSpec {
        name: "inventory-svc",
        path: "/inventory-svc/metrics",
        exporter: Exporter::FastApi,
    },
    SourceSpec {
        name: "billing-svc",
        path: "/billing-svc/metrics",
        exporter: Exporter::Django,
    },
    SourceSpec {
        name: "notifications-svc",
        path: "/notifications-svc/metrics",
        exporter: Exporter::FastApi,
    },
    SourceSpec {
        name: "monolith-db",
        path: "/monolith-db/metrics",
        exporter: Exporter::PostgresExporter,
    },
];

/// The error text a scrape of a source that is down gets (its endpoint answers 503).
pub const SOURCE_DOWN_ERROR: &str = "HTTP 503 Service Unavailable";

/// A simulated source that is down: a scrape of it gets HTTP 503 ([`SOURCE_DOWN_ERROR`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", SOURCE_DOWN_ERROR)]
pub struct SourceDown;

/// Every source's body at the world's current virtual time, or the error a scrape would get when
/// the source is down. Pure: no network, no clock; the demo recording is generated from this.
pub fn render_all(world: &World) -> Vec<(String, Result<String, SourceDown>)> {
    SOURCES
        .iter()
        .map(|source| (source.name.to_string(), render_source(world, source)))
        .collect()
}

/// One source's body (or its error) at the world's current virtual time.
pub fn render_source(world: &World, source: &SourceSpec) -> Result<String, SourceDown> {
    if world.is_source_down(source.name) {
        Err(SourceDown)
    } else {
        Ok(exporters::render(world, source))
    }
}
