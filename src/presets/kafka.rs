//! danielqsj/kafka_exporter: consumer lag of one group on one topic, in messages, summed over
//! partitions by the exporter (`kafka_consumergroup_lag_sum`, from kafka_exporter 1.3.0 on;
//! partitions the group never committed on are left out of the sum). Every series of this
//! exporter is a gauge. Kafka has no "in flight" beside the lag: a consumer's position is its
//! committed offset.

use super::{Matchers, QueuePreset, QueueSignals};
use crate::config::Queue;
use crate::queue_meaning::QueueMeaning;

pub const PRESET: QueuePreset = QueuePreset {
    name: "kafka",
    required: &["group", "topic"],
    optional: &[],
    signals,
};

fn signals(q: &Queue) -> QueueSignals {
    QueueSignals {
        depth: super::sel(
            Matchers::new()
                .eq("consumergroup", q.group.as_deref().unwrap_or_default())
                .eq("topic", q.topic.as_deref().unwrap_or_default())
                .on("kafka_consumergroup_lag_sum"),
        ),
        meaning: QueueMeaning::Lag,
        in_flight: None,
        limit: None,
    }
}
