//! Queue presets: RabbitMQ (per-object and detailed endpoints), kafka_exporter, redis_exporter.

use super::{q, sel};
use crate::config::{Queue, Signal};

pub fn depth(preset: &str, queue: &Queue) -> Result<Signal, String> {
    let need =
        |v: &Option<String>, key: &str| v.clone().ok_or(format!("preset {preset} needs `{key}`"));
    let text = match preset {
        // Backlog = ready messages; RabbitMQ's aggregated /metrics has no per-queue series, so
        // the source must be /metrics/per-object (or the detailed endpoint below).
        "rabbitmq" | "rabbitmq-detailed" => {
            let prefix = if preset == "rabbitmq" {
                "rabbitmq"
            } else {
                "rabbitmq_detailed"
            };
            let name = need(&queue.queue, "queue")?;
            let vhost = queue.vhost.clone().unwrap_or_else(|| "/".into());
            format!(
                "{prefix}_queue_messages_ready{{vhost={},queue={}}}",
                q(&vhost),
                q(&name)
            )
        }
        // Lag in messages summed over partitions (the exporter skips partitions without commits).
        "kafka" => format!(
            "kafka_consumergroup_lag_sum{{consumergroup={},topic={}}}",
            q(&need(&queue.group, "group")?),
            q(&need(&queue.topic, "topic")?)
        ),
        // Entries delivered but not acknowledged (redis_exporter 1.45 exports no lag).
        "redis-stream" => format!(
            "redis_stream_group_messages_pending{{stream={},group={}}}",
            q(&need(&queue.stream, "stream")?),
            q(&need(&queue.group, "group")?)
        ),
        other => {
            return Err(format!(
                "unknown queue preset {other:?}; known: {}",
                super::QUEUE_PRESETS.join(", ")
            ))
        }
    };
    Ok(sel(text))
}
