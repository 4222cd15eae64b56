//! danielqsj/kafka_exporter: consumer lag of one group on one topic, in messages, summed over
//! partitions by the exporter (`kafka_consumergroup_lag_sum`; partitions the group never
//! committed on are left out of the sum). Every series of this exporter is a gauge.

use super::{Matchers, QueuePreset};
use crate::config::{Queue, Signal};

pub const PRESET: QueuePreset = QueuePreset {
    name: "kafka",
    required: &["group", "topic"],
    optional: &[],
    depth,
};

fn depth(q: &Queue) -> Signal {
    super::sel(
        Matchers::new()
            .eq("consumergroup", q.group.as_deref().unwrap_or_default())
            .eq("topic", q.topic.as_deref().unwrap_or_default())
            .on("kafka_consumergroup_lag_sum"),
    )
}
