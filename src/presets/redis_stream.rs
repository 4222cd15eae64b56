//! oliver006/redis_exporter with `--check-streams`: the lag of a stream's consumer group,
//! entries not yet delivered to it (`redis_stream_group_lag`, Redis ≥ 7's `XINFO GROUPS`
//! lag), and beside it the pending list, entries delivered and not yet acknowledged
//! (`redis_stream_group_messages_pending`).
//!
//! The two are different quantities: a group with 500 entries undelivered and none pending is
//! 500 behind, not caught up. redis_exporter exports the lag from 1.52.0 on (commit 1b22581,
//! PR #817); 1.45 (Debian 12) exports the pending list only. There the lag matches nothing
//! while the pending list matches, and the queue's lag is unknown with that reason, never 0.

use super::versions::REDIS_STREAM_LAG;
use super::{Matchers, QueuePreset, QueueSignals};
use crate::config::Queue;
use crate::queue_meaning::QueueMeaning;

pub const PRESET: QueuePreset = QueuePreset {
    name: "redis-stream",
    required: &["stream", "group"],
    optional: &[],
    signals,
};

fn signals(q: &Queue) -> QueueSignals {
    let on = Matchers::new()
        .eq("stream", q.stream.as_deref().unwrap_or_default())
        .eq("group", q.group.as_deref().unwrap_or_default());
    QueueSignals {
        depth: super::sel(on.on("redis_stream_group_lag")),
        meaning: QueueMeaning::Lag,
        in_flight: Some((
            QueueMeaning::Pending,
            super::sel(on.on("redis_stream_group_messages_pending")),
        )),
        limit: Some(&REDIS_STREAM_LAG),
    }
}
