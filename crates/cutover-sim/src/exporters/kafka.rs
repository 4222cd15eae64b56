//! danielqsj/kafka_exporter: every series a gauge (offsets too), lag in messages per
//! `consumergroup`/`topic`/`partition` plus `_sum` per group and topic; a Go client_golang
//! registry, so families sorted by name and label names sorted (`consumergroup`, `partition`,
//! `topic`). Internal topics are excluded (`--topic.exclude='^__.*'`).

use super::super::scenario::World;
use super::redis::{go_process, GoRegistry};

const GO_RUNTIME: &str = include_str!("captured/go-runtime.prom");
const BROKERS: [(&str, &str); 3] = [
    ("1", "kafka-1:9092"),
    ("2", "kafka-2:9092"),
    ("3", "kafka-3:9092"),
];

type Samples<'a> = Vec<(Vec<(&'a str, String)>, f64)>;

pub(super) fn render(world: &World) -> String {
    let mut registry = GoRegistry::default();
    registry.add_captured(GO_RUNTIME);
    let uptime = world.now_s() - world.broker_started_s;
    go_process(
        &mut registry,
        world.broker_started_s + 41.3,
        uptime * 0.0061,
        24_477_696.0,
    );

    registry.add(
        "kafka_brokers",
        "gauge",
        "Number of Brokers in the Kafka Cluster.",
        &[(Vec::new(), 3.0)],
    );
    let info: Samples = BROKERS
        .iter()
        .map(|(id, address)| {
            (
                vec![("address", address.to_string()), ("id", id.to_string())],
                1.0,
            )
        })
        .collect();
    registry.add(
        "kafka_broker_info",
        "gauge",
        "Information about the Kafka Broker.",
        &info,
    );

    let mut partitions: Samples = Vec::new();
    let mut current: Samples = Vec::new();
    let mut oldest: Samples = Vec::new();
    let mut leader: Samples = Vec::new();
    let mut replicas: Samples = Vec::new();
    let mut in_sync: Samples = Vec::new();
    let mut preferred: Samples = Vec::new();
    let mut under: Samples = Vec::new();
    let mut group_offset: Samples = Vec::new();
    let mut group_offset_sum: Samples = Vec::new();
    let mut lag: Samples = Vec::new();
    let mut lag_sum: Samples = Vec::new();
    let mut members: Samples = Vec::new();
    for topic in &world.topics {
        partitions.push((
            vec![("topic", topic.name.to_string())],
            topic.newest.len() as f64,
        ));
        for p in 0..topic.newest.len() {
            let labels = vec![
                ("partition", p.to_string()),
                ("topic", topic.name.to_string()),
            ];
            current.push((labels.clone(), topic.newest[p] as f64));
            oldest.push((labels.clone(), topic.oldest[p] as f64));
            leader.push((labels.clone(), f64::from(topic.leaders[p])));
            replicas.push((labels.clone(), 3.0));
            in_sync.push((labels.clone(), 3.0));
            preferred.push((labels.clone(), 1.0));
            under.push((labels, 0.0));
        }
        for group in &topic.groups {
            let (mut offsets, mut lags) = (0u64, 0u64);
            for p in 0..topic.newest.len() {
                let labels = vec![
                    ("consumergroup", group.name.to_string()),
                    ("partition", p.to_string()),
                    ("topic", topic.name.to_string()),
                ];
                let partition_lag = topic.newest[p].saturating_sub(group.committed[p]);
                offsets += group.committed[p];
                lags += partition_lag;
                group_offset.push((labels.clone(), group.committed[p] as f64));
                lag.push((labels, partition_lag as f64));
            }
            let labels = vec![
                ("consumergroup", group.name.to_string()),
                ("topic", topic.name.to_string()),
            ];
            group_offset_sum.push((labels.clone(), offsets as f64));
            lag_sum.push((labels, lags as f64));
        }
    }
    let mut group_members: Vec<(&str, u32)> = world
        .topics
        .iter()
        .flat_map(|t| t.groups.iter())
        .map(|g| (g.name, g.members))
        .collect();
    group_members.sort();
    group_members.dedup_by(|a, b| a.0 == b.0);
    for (name, n) in group_members {
        members.push((vec![("consumergroup", name.to_string())], f64::from(n)));
    }
    // client_golang sorts a family's series by label values.
    for samples in [
        &mut current,
        &mut oldest,
        &mut leader,
        &mut replicas,
        &mut in_sync,
        &mut preferred,
        &mut under,
        &mut group_offset,
        &mut group_offset_sum,
        &mut lag,
        &mut lag_sum,
        &mut partitions,
    ] {
        samples.sort_by(|a, b| a.0.cmp(&b.0));
    }

    registry.add(
        "kafka_topic_partitions",
        "gauge",
        "Number of partitions for this Topic",
        &partitions,
    );
    registry.add(
        "kafka_topic_partition_current_offset",
        "gauge",
        "Current Offset of a Broker at Topic/Partition",
        &current,
    );
    registry.add(
        "kafka_topic_partition_oldest_offset",
        "gauge",
        "Oldest Offset of a Broker at Topic/Partition",
        &oldest,
    );
    registry.add(
        "kafka_topic_partition_leader",
        "gauge",
        "Leader Broker ID of this Topic/Partition",
        &leader,
    );
    registry.add(
        "kafka_topic_partition_replicas",
        "gauge",
        "Number of Replicas for this Topic/Partition",
        &replicas,
    );
    registry.add(
        "kafka_topic_partition_in_sync_replica",
        "gauge",
        "Number of In-Sync Replicas for this Topic/Partition",
        &in_sync,
    );
    registry.add(
        "kafka_topic_partition_leader_is_preferred",
        "gauge",
        "1 if Topic/Partition is using the Preferred Broker",
        &preferred,
    );
    registry.add(
        "kafka_topic_partition_under_replicated_partition",
        "gauge",
        "1 if Topic/Partition is under Replicated",
        &under,
    );
    registry.add(
        "kafka_consumergroup_current_offset",
        "gauge",
        "Current Offset of a ConsumerGroup at Topic/Partition",
        &group_offset,
    );
    registry.add(
        "kafka_consumergroup_current_offset_sum",
        "gauge",
        "Current Offset of a ConsumerGroup at Topic for all partitions",
        &group_offset_sum,
    );
    registry.add(
        "kafka_consumergroup_lag",
        "gauge",
        "Current Approximate Lag of a ConsumerGroup at Topic/Partition",
        &lag,
    );
    registry.add(
        "kafka_consumergroup_lag_sum",
        "gauge",
        "Current Approximate Lag of a ConsumerGroup at Topic for all partitions",
        &lag_sum,
    );
    registry.add(
        "kafka_consumergroup_members",
        "gauge",
        "Amount of members in a consumer group",
        &members,
    );
    registry.add(
        "kafka_exporter_build_info",
        "gauge",
        "A metric with a constant '1' value labeled by version, revision, branch, goversion from which kafka_exporter was built, and the goos and goarch for the build.",
        &[(
            vec![
                ("branch", "HEAD".to_string()),
                ("goarch", "amd64".to_string()),
                ("goos", "linux".to_string()),
                ("goversion", "go1.20.6".to_string()),
                ("revision", "9e3f4c1dcb2b4e54d0f2a4b1b8f3e7bd6c0a6f34".to_string()),
                ("tags", "unknown".to_string()),
                ("version", "1.7.0".to_string()),
            ],
            1.0,
        )],
    );
    let scrapes = (uptime / 15.0) as u64;
    registry.add(
        "promhttp_metric_handler_requests_in_flight",
        "gauge",
        "Current number of scrapes being served.",
        &[(Vec::new(), 1.0)],
    );
    registry.add(
        "promhttp_metric_handler_requests_total",
        "counter",
        "Total number of scrapes by HTTP status code.",
        &[
            (vec![("code", "200".to_string())], scrapes as f64),
            (vec![("code", "500".to_string())], 0.0),
            (vec![("code", "503".to_string())], 0.0),
        ],
    );
    registry.finish()
}
