//! RabbitMQ's rabbitmq_prometheus plugin: the backlog of one queue, `queue_messages_ready`
//! (messages waiting for a consumer; those delivered but not yet acked are not backlog, and
//! are shown beside it as `unacked`, `queue_messages_unacked`).
//!
//! Per-queue series exist only on `/metrics/per-object` (preset `rabbitmq`, names
//! `rabbitmq_queue_*`) and on `/metrics/detailed?family=queue_coarse_metrics` (preset
//! `rabbitmq-detailed`, names `rabbitmq_detailed_queue_*`, cheaper on brokers with many
//! queues). The default `/metrics` is aggregated per node: it has no `queue` label at all, so
//! a queue preset on it matches nothing (`cutover check` says so and why).

use super::{Matchers, QueuePreset, QueueSignals};
use crate::config::{Queue, Signal};
use crate::queue_meaning::QueueMeaning;

pub const PRESET: QueuePreset = QueuePreset {
    name: "rabbitmq",
    required: &["queue"],
    optional: &["vhost"],
    signals: per_object,
};

pub const DETAILED: QueuePreset = QueuePreset {
    name: "rabbitmq-detailed",
    required: &["queue"],
    optional: &["vhost"],
    signals: detailed,
};

fn per_object(q: &Queue) -> QueueSignals {
    ready_unacked("rabbitmq_queue", q)
}

fn detailed(q: &Queue) -> QueueSignals {
    ready_unacked("rabbitmq_detailed_queue", q)
}

fn ready_unacked(prefix: &str, q: &Queue) -> QueueSignals {
    QueueSignals {
        depth: on_queue(&format!("{prefix}_messages_ready"), q),
        meaning: QueueMeaning::Ready,
        in_flight: Some((
            QueueMeaning::Unacked,
            on_queue(&format!("{prefix}_messages_unacked"), q),
        )),
        limit: None,
    }
}

fn on_queue(name: &str, q: &Queue) -> Signal {
    super::sel(
        Matchers::new()
            .eq("vhost", q.vhost.as_deref().unwrap_or("/"))
            .eq("queue", q.queue.as_deref().unwrap_or_default())
            .on(name),
    )
}

/// Why a RabbitMQ queue preset may match nothing on this source URL, if the URL says so.
pub fn hint(preset: &str, url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.trim_end_matches('/');
    match preset {
        "rabbitmq" if path.ends_with("/metrics") => Some(
            "RabbitMQ's /metrics is aggregated per node and has no per-queue series: \
             scrape /metrics/per-object, or use preset \"rabbitmq-detailed\" on \
             /metrics/detailed?family=queue_coarse_metrics",
        ),
        "rabbitmq-detailed" if !url.contains("family=queue_coarse_metrics") => Some(
            "/metrics/detailed returns only the families asked for: add \
             ?family=queue_coarse_metrics to the source URL",
        ),
        _ => None,
    }
}
