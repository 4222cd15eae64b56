//! oliver006/redis_exporter 1.45 with `--check-streams`, as in the real capture: a Go
//! client_golang registry, so families sorted by name, label names sorted, numbers in Go's
//! shortest form (`1.7955e+12`). This version exports no `redis_stream_group_lag`: pending
//! entries are all a reader gets per group. Families that barely move come verbatim from the
//! capture; streams, commands and process figures follow the world.

use super::super::scenario::World;
use super::{go_float, Body};

const GO_RUNTIME: &str = include_str!("captured/go-runtime.prom");
const REDIS_SERVER: &str = include_str!("captured/redis-server.prom");

const DB: &str = "db0";

/// Families of a Go exporter, gathered then written sorted by name as client_golang does.
#[derive(Default)]
pub(super) struct GoRegistry {
    families: Vec<(String, String)>,
}

impl GoRegistry {
    /// Adds every family of a captured snippet (blocks starting at `# HELP`).
    pub(super) fn add_captured(&mut self, text: &str) {
        let mut current: Option<(String, String)> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                if let Some(done) = current.take() {
                    self.families.push(done);
                }
                let name = rest.split(' ').next().unwrap_or_default().to_string();
                current = Some((name, String::new()));
            }
            if let Some((_, block)) = current.as_mut() {
                block.push_str(line);
                block.push('\n');
            }
        }
        if let Some(done) = current {
            self.families.push(done);
        }
    }

    /// Adds one family; `samples` are `(labels sorted by name, value)`.
    pub(super) fn add(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        samples: &[(Vec<(&str, String)>, f64)],
    ) {
        let mut body = Body::new();
        body.family(name, kind, help);
        for (labels, value) in samples {
            let mut labels: Vec<(&str, &str)> =
                labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            labels.sort_by(|a, b| a.0.cmp(b.0));
            body.sample(name, &labels, &go_float(*value));
        }
        self.families.push((name.to_string(), body.finish()));
    }

    pub(super) fn finish(mut self) -> String {
        self.families.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::new();
        for (_, block) in self.families {
            out.push_str(&block);
        }
        out
    }
}

/// `process_*` of a Go exporter.
pub(super) fn go_process(
    registry: &mut GoRegistry,
    started_s: f64,
    cpu_seconds: f64,
    resident: f64,
) {
    let scalar = |v: f64| vec![(Vec::new(), v)];
    registry.add(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        &scalar((cpu_seconds * 100.0).floor() / 100.0),
    );
    registry.add(
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
        &scalar(20000.0),
    );
    registry.add(
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
        &scalar(12.0),
    );
    registry.add(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        &scalar(resident),
    );
    registry.add(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        &scalar((started_s * 100.0).round() / 100.0),
    );
    registry.add(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        &scalar(1_117_323_264.0),
    );
    registry.add(
        "process_virtual_memory_max_bytes",
        "gauge",
        "Maximum amount of virtual memory available in bytes.",
        &scalar(1.844_674_407_370_955_2e19),
    );
}

pub(super) fn render(world: &World) -> String {
    let mut registry = GoRegistry::default();
    registry.add_captured(GO_RUNTIME);
    registry.add_captured(REDIS_SERVER);
    let now_s = world.now_s();
    let uptime = now_s - world.broker_started_s;
    // The exporter is scraped every couple of seconds and runs XINFO for each stream then.
    let scrapes = (uptime / 2.0) as u64;
    go_process(
        &mut registry,
        world.broker_started_s + 0.8,
        scrapes as f64 * 0.0034,
        17_158_144.0,
    );

    let added: u64 = world.streams.iter().map(|s| s.added).sum();
    let reads: u64 = world
        .streams
        .iter()
        .flat_map(|s| s.groups.iter())
        .map(|g| g.delivered)
        .sum();
    let pending: u64 = world
        .streams
        .iter()
        .flat_map(|s| s.groups.iter())
        .map(|g| g.pending())
        .sum();
    let acks = reads.saturating_sub(pending);
    let groups: u64 = world.streams.iter().map(|s| s.groups.len() as u64).sum();
    let consumers: u64 = world
        .streams
        .iter()
        .flat_map(|s| s.groups.iter())
        .map(|g| g.consumers.len() as u64)
        .sum();
    let commands: Vec<(&str, u64)> = vec![
        ("client|setname", scrapes),
        ("config|get", scrapes),
        ("info", scrapes),
        ("ping", scrapes),
        ("select", scrapes),
        ("slowlog|get", scrapes),
        ("slowlog|len", scrapes),
        ("xack", acks / 10 + 1),
        ("xadd", added),
        ("xinfo|consumers", scrapes * groups),
        ("xinfo|groups", scrapes * world.streams.len() as u64),
        ("xinfo|stream", scrapes * world.streams.len() as u64),
        ("xreadgroup", reads / 8 + 1),
    ];
    let samples: Vec<(Vec<(&str, String)>, f64)> = commands
        .iter()
        .map(|(cmd, n)| (vec![("cmd", cmd.to_string())], *n as f64))
        .collect();
    registry.add(
        "redis_commands_total",
        "counter",
        "Total number of calls per command",
        &samples,
    );
    registry.add(
        "redis_connected_clients",
        "gauge",
        "connected_clients metric",
        &[(Vec::new(), (2 + consumers) as f64)],
    );
    let mut keys: Vec<(Vec<(&str, String)>, f64)> = Vec::new();
    for db in 0..16 {
        let n = if db == 0 {
            world.streams.len() as f64
        } else {
            0.0
        };
        keys.push((vec![("db", format!("db{db}"))], n));
    }
    keys.sort_by(|a, b| a.0[0].1.cmp(&b.0[0].1));
    registry.add(
        "redis_db_keys",
        "gauge",
        "Total number of keys by DB",
        &keys,
    );
    let stream_bytes: u64 = world.streams.iter().map(|s| s.length * 180).sum();
    registry.add(
        "redis_memory_used_bytes",
        "gauge",
        "memory_used_bytes metric",
        &[(Vec::new(), (1_408_104 + stream_bytes) as f64)],
    );
    registry.add(
        "redis_start_time_seconds",
        "gauge",
        "Start time of the Redis instance since unix epoch in seconds.",
        &[(Vec::new(), world.broker_started_s.floor())],
    );
    registry.add(
        "redis_uptime_in_seconds",
        "gauge",
        "uptime_in_seconds metric",
        &[(Vec::new(), uptime.floor())],
    );
    registry.add(
        "redis_exporter_scrapes_total",
        "counter",
        "Current total redis scrapes.",
        &[(Vec::new(), scrapes as f64)],
    );
    registry.add_captured(&format!(
        "# HELP redis_exporter_scrape_duration_seconds Durations of scrapes by the exporter\n\
         # TYPE redis_exporter_scrape_duration_seconds summary\n\
         redis_exporter_scrape_duration_seconds_sum {}\n\
         redis_exporter_scrape_duration_seconds_count {}\n",
        go_float(scrapes as f64 * 0.004_047),
        go_float(scrapes as f64)
    ));
    streams(&mut registry, world, now_s);
    registry.finish()
}

fn streams(registry: &mut GoRegistry, world: &World, now_s: f64) {
    let stream_labels = |key: &str| vec![("db", DB.to_string()), ("stream", key.to_string())];
    let group_labels = |key: &str, group: &str| {
        vec![
            ("db", DB.to_string()),
            ("group", group.to_string()),
            ("stream", key.to_string()),
        ]
    };
    let mut idle = Vec::new();
    let mut consumer_pending = Vec::new();
    let mut group_consumers = Vec::new();
    let mut last_delivered = Vec::new();
    let mut group_pending = Vec::new();
    let mut groups = Vec::new();
    let mut last_generated = Vec::new();
    let mut length = Vec::new();
    let mut tree_keys = Vec::new();
    let mut tree_nodes = Vec::new();
    for s in &world.streams {
        for g in &s.groups {
            for c in &g.consumers {
                let labels = vec![
                    ("consumer", c.name.to_string()),
                    ("db", DB.to_string()),
                    ("group", g.name.to_string()),
                    ("stream", s.key.to_string()),
                ];
                let idle_s = ((now_s - c.last_seen_s).max(0.0) * 1000.0).round() / 1000.0;
                idle.push((labels.clone(), idle_s));
                consumer_pending.push((labels, c.pending as f64));
            }
            group_consumers.push((group_labels(s.key, g.name), g.consumers.len() as f64));
            last_delivered.push((group_labels(s.key, g.name), g.last_delivered_ms));
            group_pending.push((group_labels(s.key, g.name), g.pending() as f64));
        }
        groups.push((stream_labels(s.key), s.groups.len() as f64));
        last_generated.push((stream_labels(s.key), s.last_id_ms));
        length.push((stream_labels(s.key), s.length as f64));
        // About 100 entries per radix tree node (stream-node-max-entries).
        let nodes = s.length.div_ceil(100).max(1);
        tree_keys.push((stream_labels(s.key), nodes as f64));
        tree_nodes.push((stream_labels(s.key), (nodes * 2 + nodes / 3) as f64));
    }
    registry.add(
        "redis_stream_group_consumer_idle_seconds",
        "gauge",
        "Consumer idle time in seconds",
        &idle,
    );
    registry.add(
        "redis_stream_group_consumer_messages_pending",
        "gauge",
        "Pending number of messages for this specific consumer",
        &consumer_pending,
    );
    registry.add(
        "redis_stream_group_consumers",
        "gauge",
        "Consumers count of stream group",
        &group_consumers,
    );
    registry.add(
        "redis_stream_group_last_delivered_id",
        "gauge",
        "The epoch timestamp (ms) of the last delivered message",
        &last_delivered,
    );
    registry.add(
        "redis_stream_group_messages_pending",
        "gauge",
        "Pending number of messages in that stream group",
        &group_pending,
    );
    registry.add(
        "redis_stream_groups",
        "gauge",
        "Groups count of stream",
        &groups,
    );
    registry.add(
        "redis_stream_last_generated_id",
        "gauge",
        "The epoch timestamp (ms) of the latest message on the stream",
        &last_generated,
    );
    registry.add(
        "redis_stream_length",
        "gauge",
        "The number of elements of the stream",
        &length,
    );
    // The stray quote is in the exporter's own HELP text.
    registry.add(
        "redis_stream_radix_tree_keys",
        "gauge",
        "Radix tree keys count\"",
        &tree_keys,
    );
    registry.add(
        "redis_stream_radix_tree_nodes",
        "gauge",
        "Radix tree nodes count",
        &tree_nodes,
    );
}
