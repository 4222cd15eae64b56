//! oliver006/redis_exporter with `--check-streams`: entries of a stream delivered to a consumer
//! group and not yet acknowledged (`redis_stream_group_messages_pending`).
//!
//! Entries not yet delivered at all are the group's lag, which Redis 7 reports but
//! redis_exporter 1.45 (Debian 12) does not export: there, pending 0 is not "caught up". Newer
//! exporters have `redis_stream_group_lag`; to count both, write
//! `depth = '{__name__=~"redis_stream_group_(lag|messages_pending)",stream="...",group="..."}'`.

use super::{Matchers, QueuePreset};
use crate::config::{Queue, Signal};

pub const PRESET: QueuePreset = QueuePreset {
    name: "redis-stream",
    required: &["stream", "group"],
    optional: &[],
    depth,
};

fn depth(q: &Queue) -> Signal {
    super::sel(
        Matchers::new()
            .eq("stream", q.stream.as_deref().unwrap_or_default())
            .eq("group", q.group.as_deref().unwrap_or_default())
            .on("redis_stream_group_messages_pending"),
    )
}
