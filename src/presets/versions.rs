//! Exporter versions below which a preset's series do not exist.
//!
//! A missing series looks like "no data", or worse like 0 where a preset falls back on another
//! one: redis_exporter 1.45 (Debian 12) has no stream group lag, so its stream groups looked
//! caught up with 500 entries undelivered. `cutover check` reads each exporter's build info and
//! says which limit a source is under; the queue figures say "this exporter version exports no
//! lag" where the limit is the reason a figure is unknown. Each version was read in the
//! exporter's own history (docs/presets.md cites the commits).

/// One limit: from `needs` on, the exporter exports `what`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionLimit {
    /// The exporter as users know it.
    pub exporter: &'static str,
    /// Its build info series and the label holding its version.
    pub build_info: &'static str,
    pub label: &'static str,
    /// The presets reading what the limit is about.
    pub presets: &'static [&'static str],
    /// The signal key (its last part, after the dot) the limit is about: `depth`, `up`.
    pub key: &'static str,
    /// The first version exporting it.
    pub needs: (u32, u32, u32),
    /// What older versions lack, in words, and its name.
    pub what: &'static str,
    pub series: &'static str,
    /// What the cockpit shows without it.
    pub without: &'static str,
}

impl VersionLimit {
    /// `1.52.0`.
    pub fn needs_text(&self) -> String {
        let (a, b, c) = self.needs;
        format!("{a}.{b}.{c}")
    }

    /// Whether `version` (as the build info spells it) is below the limit; `None` when it
    /// does not start with a version number.
    pub fn is_below(&self, version: &str) -> Option<bool> {
        parse(version).map(|v| v < self.needs)
    }

    /// Whether the limit concerns a signal of `preset` with `key` (`queue[0].depth`).
    pub fn concerns(&self, preset: &str, key: &str) -> bool {
        self.presets.contains(&preset) && key.rsplit('.').next() == Some(self.key)
    }
}

/// The redis-stream preset's lag.
pub const REDIS_STREAM_LAG: VersionLimit = VersionLimit {
    exporter: "redis_exporter",
    build_info: "redis_exporter_build_info",
    label: "version",
    presets: &["redis-stream"],
    key: "depth",
    needs: (1, 52, 0),
    what: "no stream group lag",
    series: "redis_stream_group_lag",
    without: "the lag (entries not yet delivered) is unknown; only the pending list is shown",
};

pub const LIMITS: &[VersionLimit] = &[
    REDIS_STREAM_LAG,
    VersionLimit {
        exporter: "kafka_exporter",
        build_info: "kafka_exporter_build_info",
        label: "version",
        presets: &["kafka"],
        key: "depth",
        needs: (1, 3, 0),
        what: "no lag summed per topic",
        series: "kafka_consumergroup_lag_sum",
        without: "the lag matches nothing: upgrade, or write `depth` on \
                  kafka_consumergroup_lag (per partition; -1 where the group never committed)",
    },
    VersionLimit {
        exporter: "RabbitMQ",
        build_info: "rabbitmq_build_info",
        label: "rabbitmq_version",
        presets: &["rabbitmq-detailed"],
        key: "depth",
        needs: (3, 9, 7),
        what: "no selective endpoint",
        series: "/metrics/detailed",
        without: "the queue matches nothing: use preset \"rabbitmq\" on /metrics/per-object",
    },
    VersionLimit {
        exporter: "HAProxy",
        build_info: "haproxy_process_build_info",
        label: "version",
        presets: &["haproxy"],
        key: "up",
        needs: (2, 4, 0),
        what: "no server state per state",
        series: "haproxy_server_status{state}",
        without: "health cannot tell a path the gateway marks down",
    },
];

/// The leading `major.minor[.patch]` of a version as build infos spell it: `1.45.0-2+b4`,
/// `v1.52.0`, `2.6.12-1+deb12u4`, `3.10.8`.
pub fn parse(version: &str) -> Option<(u32, u32, u32)> {
    let v = version.trim().trim_start_matches('v');
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let mut parts = v[..end].split('.').filter(|p| !p.is_empty());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_build_infos_spell_them() {
        assert_eq!(parse("1.45.0-2+b4"), Some((1, 45, 0)));
        assert_eq!(parse("v1.52.0"), Some((1, 52, 0)));
        assert_eq!(parse("2.6.12-1+deb12u4"), Some((2, 6, 12)));
        assert_eq!(parse("3.10.8"), Some((3, 10, 8)));
        assert_eq!(parse("2.4"), Some((2, 4, 0)));
        assert_eq!(parse("debian/sid"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("1"), None);
    }

    #[test]
    fn the_debian_12_redis_exporter_is_below_the_lag_limit() {
        assert_eq!(REDIS_STREAM_LAG.is_below("1.45.0-2+b4"), Some(true));
        assert_eq!(REDIS_STREAM_LAG.is_below("1.51.9"), Some(true));
        assert_eq!(REDIS_STREAM_LAG.is_below("v1.52.0"), Some(false));
        assert_eq!(REDIS_STREAM_LAG.is_below("1.67.0"), Some(false));
        assert_eq!(REDIS_STREAM_LAG.is_below("unknown"), None);
        assert_eq!(REDIS_STREAM_LAG.needs_text(), "1.52.0");
    }

    #[test]
    fn a_limit_concerns_its_presets_key_only() {
        assert!(REDIS_STREAM_LAG.concerns("redis-stream", "queue[2].depth"));
        assert!(!REDIS_STREAM_LAG.concerns("redis-stream", "queue[2].pending"));
        assert!(!REDIS_STREAM_LAG.concerns("kafka", "queue[0].depth"));
    }
}
