//! RabbitMQ 3.10's `rabbitmq_prometheus` plugin, `/metrics/per-object` endpoint.
//!
//! Quirks kept from the real capture: `# TYPE` before `# HELP`; label order `vhost`, `queue`
//! (not sorted); connection families labelled `channel`; families declared with no samples;
//! `NaN` for `queue_head_message_timestamp`; integers printed as integers, floats in Erlang's
//! shortest form. Slow-moving Erlang VM and internal families come verbatim from the capture.

use super::super::model::RabbitQueue;
use super::super::scenario::World;
use super::rabbitmq_channels::{channels, totals};
use super::{erlang_float, Body};

const ERLANG_VM: &str = include_str!("captured/rabbitmq-erlang-vm.prom");
const ERLANG_MEMORY: &str = include_str!("captured/rabbitmq-erlang-memory.prom");
const RAFT_AUTH: &str = include_str!("captured/rabbitmq-raft-auth.prom");

/// The one virtual host of the simulated broker.
const VHOST: &str = "/";

pub(super) fn render(world: &World) -> String {
    let mut body = Body::new();
    let uptime_s = world.now_s() - world.broker_started_s;
    let delivered: u64 = world.queues.iter().map(|q| q.delivered).sum();
    let published: u64 = world.queues.iter().map(|q| q.published).sum();

    body.raw(ERLANG_VM);
    body.raw(ERLANG_MEMORY);
    let statistics: [(&str, &str, &str, u64); 4] = [
        (
            "erlang_vm_statistics_context_switches",
            "counter",
            "Total number of context switches since the system started.",
            (uptime_s * 2900.0) as u64 + delivered / 3,
        ),
        (
            "erlang_vm_statistics_reductions_total",
            "counter",
            "Total reductions.",
            (uptime_s * 520_000.0) as u64 + published * 2600,
        ),
        (
            "erlang_vm_statistics_runtime_milliseconds",
            "counter",
            "The sum of the runtime for all threads in the Erlang runtime system. Can be greater than wall clock time.",
            (uptime_s * 21.0) as u64 + published / 40,
        ),
        (
            "erlang_vm_statistics_wallclock_time_milliseconds",
            "counter",
            "Information about wall clock. Same as erlang_vm_statistics_runtime_milliseconds except that real time is measured.",
            (uptime_s * 1000.0) as u64,
        ),
    ];
    for (name, kind, help, value) in statistics {
        body.family_type_first(name, kind, help);
        body.sample(name, &[], &value.to_string());
    }

    core(&mut body, world, uptime_s, published);
    body.raw(RAFT_AUTH);
    queues(&mut body, &world.queues);
    channels(&mut body, &world.queues);
    totals(&mut body, world, published, delivered);
    body.finish()
}

fn core(body: &mut Body, world: &World, uptime_s: f64, published: u64) {
    let queued: u64 = world.queues.iter().map(|q| q.depth()).sum();
    let ints: [(&str, &str, &str, u64); 26] = [
        (
            "rabbitmq_connections_opened_total",
            "counter",
            "Total number of connections opened",
            7,
        ),
        (
            "rabbitmq_connections_closed_total",
            "counter",
            "Total number of connections closed or terminated",
            6,
        ),
        (
            "rabbitmq_channels_opened_total",
            "counter",
            "Total number of channels opened",
            11,
        ),
        (
            "rabbitmq_channels_closed_total",
            "counter",
            "Total number of channels closed",
            8,
        ),
        (
            "rabbitmq_queues_declared_total",
            "counter",
            "Total number of queues declared",
            9,
        ),
        (
            "rabbitmq_queues_created_total",
            "counter",
            "Total number of queues created",
            world.queues.len() as u64,
        ),
        (
            "rabbitmq_queues_deleted_total",
            "counter",
            "Total number of queues deleted",
            0,
        ),
        (
            "rabbitmq_process_open_fds",
            "gauge",
            "Open file descriptors",
            52,
        ),
        (
            "rabbitmq_process_open_tcp_sockets",
            "gauge",
            "Open TCP sockets",
            1,
        ),
        (
            "rabbitmq_process_resident_memory_bytes",
            "gauge",
            "Memory used in bytes",
            142_049_280 + queued * 1900,
        ),
        (
            "rabbitmq_disk_space_available_bytes",
            "gauge",
            "Disk space available in bytes",
            80_597_442_560 - published / 1000 * 16,
        ),
        (
            "rabbitmq_erlang_processes_used",
            "gauge",
            "Erlang processes used",
            421,
        ),
        (
            "rabbitmq_erlang_gc_runs_total",
            "counter",
            "Total number of Erlang garbage collector runs",
            (uptime_s * 210.0) as u64,
        ),
        (
            "rabbitmq_erlang_gc_reclaimed_bytes_total",
            "counter",
            "Total number of bytes of memory reclaimed by Erlang garbage collector",
            (uptime_s * 6_900_000.0) as u64,
        ),
        (
            "rabbitmq_erlang_scheduler_context_switches_total",
            "counter",
            "Total number of Erlang scheduler context switches",
            (uptime_s * 2900.0) as u64,
        ),
        (
            "rabbitmq_process_max_fds",
            "gauge",
            "Open file descriptors limit",
            20000,
        ),
        (
            "rabbitmq_process_max_tcp_sockets",
            "gauge",
            "Open TCP sockets limit",
            17910,
        ),
        (
            "rabbitmq_resident_memory_limit_bytes",
            "gauge",
            "Memory high watermark in bytes",
            10_110_600_806,
        ),
        (
            "rabbitmq_disk_space_available_limit_bytes",
            "gauge",
            "Free disk space low watermark in bytes",
            50_000_000,
        ),
        (
            "rabbitmq_erlang_processes_limit",
            "gauge",
            "Erlang processes limit",
            1_048_576,
        ),
        (
            "rabbitmq_erlang_scheduler_run_queue",
            "gauge",
            "Erlang scheduler run queue",
            1,
        ),
        (
            "rabbitmq_erlang_net_ticktime_seconds",
            "gauge",
            "Inter-node heartbeat interval",
            60,
        ),
        (
            "rabbitmq_io_read_ops_total",
            "counter",
            "Total number of I/O read operations",
            1,
        ),
        (
            "rabbitmq_io_read_bytes_total",
            "counter",
            "Total number of I/O bytes read",
            1,
        ),
        (
            "rabbitmq_io_write_ops_total",
            "counter",
            "Total number of I/O write operations",
            published / 9,
        ),
        (
            "rabbitmq_io_write_bytes_total",
            "counter",
            "Total number of I/O bytes written",
            published * 310,
        ),
    ];
    for (i, (name, kind, help, value)) in ints.iter().enumerate() {
        body.family_type_first(name, kind, help);
        body.sample(name, &[], &value.to_string());
        if i == 21 {
            // The real exporter prints uptime right after the tick time, as a float.
            let name = "rabbitmq_erlang_uptime_seconds";
            body.family_type_first(name, "gauge", "Node uptime");
            body.sample(
                name,
                &[],
                &erlang_float((uptime_s * 1000.0).round() / 1000.0),
            );
        }
    }
    let more: [(&str, &str, &str, u64); 9] = [
        (
            "rabbitmq_io_sync_ops_total",
            "counter",
            "Total number of I/O sync operations",
            published / 9,
        ),
        (
            "rabbitmq_io_seek_ops_total",
            "counter",
            "Total number of I/O seek operations",
            8,
        ),
        (
            "rabbitmq_io_reopen_ops_total",
            "counter",
            "Total number of times files have been reopened",
            0,
        ),
        (
            "rabbitmq_schema_db_ram_tx_total",
            "counter",
            "Total number of Schema DB memory transactions",
            21,
        ),
        (
            "rabbitmq_schema_db_disk_tx_total",
            "counter",
            "Total number of Schema DB disk transactions",
            27,
        ),
        (
            "rabbitmq_msg_store_read_total",
            "counter",
            "Total number of Message Store read operations",
            0,
        ),
        (
            "rabbitmq_msg_store_write_total",
            "counter",
            "Total number of Message Store write operations",
            0,
        ),
        (
            "rabbitmq_queue_index_read_ops_total",
            "counter",
            "Total number of Queue Index read operations",
            0,
        ),
        (
            "rabbitmq_queue_index_write_ops_total",
            "counter",
            "Total number of Queue Index write operations",
            published / 4096,
        ),
    ];
    for (name, kind, help, value) in more {
        body.family_type_first(name, kind, help);
        body.sample(name, &[], &value.to_string());
    }
    let times: [(&str, &str, f64); 4] = [
        (
            "rabbitmq_io_read_time_seconds_total",
            "Total I/O read time",
            3.5e-5,
        ),
        (
            "rabbitmq_io_write_time_seconds_total",
            "Total I/O write time",
            published as f64 * 3.6e-6,
        ),
        (
            "rabbitmq_io_sync_time_seconds_total",
            "Total I/O sync time",
            published as f64 * 2.03e-5,
        ),
        (
            "rabbitmq_io_seek_time_seconds_total",
            "Total I/O seek time",
            1.9e-4,
        ),
    ];
    for (name, help, value) in times {
        body.family_type_first(name, "counter", help);
        body.sample(name, &[], &erlang_float((value * 1e6).round() / 1e6));
    }
}

fn queue_labels(queue: &RabbitQueue) -> [(&'static str, &'static str); 2] {
    [("vhost", VHOST), ("queue", queue.name)]
}

fn queues(body: &mut Body, queues: &[RabbitQueue]) {
    type Value = fn(&RabbitQueue) -> String;
    let families: [(&str, &str, &str, Value); 21] = [
        (
            "rabbitmq_queue_messages_ready",
            "gauge",
            "Messages ready to be delivered to consumers",
            |q| q.ready.to_string(),
        ),
        (
            "rabbitmq_queue_messages_unacked",
            "gauge",
            "Messages delivered to consumers but not yet acknowledged",
            |q| q.unacked.to_string(),
        ),
        (
            "rabbitmq_queue_messages",
            "gauge",
            "Sum of ready and unacknowledged messages - total queue depth",
            |q| q.depth().to_string(),
        ),
        (
            "rabbitmq_queue_process_reductions_total",
            "counter",
            "Total number of queue process reductions",
            |q| q.reductions.to_string(),
        ),
        (
            "rabbitmq_queue_consumers",
            "gauge",
            "Consumers on a queue",
            |q| q.consumers.to_string(),
        ),
        (
            "rabbitmq_queue_consumer_capacity",
            "gauge",
            "Consumer capacity",
            consumer_capacity,
        ),
        (
            "rabbitmq_queue_consumer_utilisation",
            "gauge",
            "Same as consumer capacity",
            consumer_capacity,
        ),
        (
            "rabbitmq_queue_process_memory_bytes",
            "gauge",
            "Memory in bytes used by the Erlang queue process",
            |q| (420_000 + q.depth() * 1_900).to_string(),
        ),
        (
            "rabbitmq_queue_messages_ram",
            "gauge",
            "Ready and unacknowledged messages stored in memory",
            |q| q.depth().to_string(),
        ),
        (
            "rabbitmq_queue_messages_ram_bytes",
            "gauge",
            "Size of ready and unacknowledged messages stored in memory",
            |q| (q.depth() * q.message_bytes).to_string(),
        ),
        (
            "rabbitmq_queue_messages_ready_ram",
            "gauge",
            "Ready messages stored in memory",
            |q| q.ready.to_string(),
        ),
        (
            "rabbitmq_queue_messages_unacked_ram",
            "gauge",
            "Unacknowledged messages stored in memory",
            |q| q.unacked.to_string(),
        ),
        (
            "rabbitmq_queue_messages_persistent",
            "gauge",
            "Persistent messages",
            |q| q.depth().to_string(),
        ),
        (
            "rabbitmq_queue_messages_persistent_bytes",
            "gauge",
            "Size in bytes of persistent messages",
            |q| (q.depth() * q.message_bytes).to_string(),
        ),
        (
            "rabbitmq_queue_messages_bytes",
            "gauge",
            "Size in bytes of ready and unacknowledged messages",
            |q| (q.depth() * q.message_bytes).to_string(),
        ),
        (
            "rabbitmq_queue_messages_ready_bytes",
            "gauge",
            "Size in bytes of ready messages",
            |q| (q.ready * q.message_bytes).to_string(),
        ),
        (
            "rabbitmq_queue_messages_unacked_bytes",
            "gauge",
            "Size in bytes of all unacknowledged messages",
            |q| (q.unacked * q.message_bytes).to_string(),
        ),
        (
            "rabbitmq_queue_messages_paged_out",
            "gauge",
            "Messages paged out to disk",
            |_| "0".into(),
        ),
        (
            "rabbitmq_queue_messages_paged_out_bytes",
            "gauge",
            "Size in bytes of messages paged out to disk",
            |_| "0".into(),
        ),
        (
            "rabbitmq_queue_head_message_timestamp",
            "gauge",
            "Timestamp of the first message in the queue, if any",
            |_| "NaN".into(),
        ),
        (
            "rabbitmq_queue_disk_reads_total",
            "counter",
            "Total number of times queue read messages from disk",
            |_| "0".into(),
        ),
    ];
    for (name, kind, help, value) in families {
        body.family_type_first(name, kind, help);
        for q in queues {
            body.sample(name, &queue_labels(q), &value(q));
        }
    }
    let name = "rabbitmq_queue_disk_writes_total";
    body.family_type_first(
        name,
        "counter",
        "Total number of times queue wrote messages to disk",
    );
    for q in queues {
        body.sample(name, &queue_labels(q), &q.published.to_string());
    }
}

/// Share of time consumers could take a message at once: 1.0 while they keep up with a short
/// queue, lower when they are saturated and a backlog waits.
fn consumer_capacity(queue: &RabbitQueue) -> String {
    if queue.consumers == 0 {
        return "0".into();
    }
    if queue.ready > 0 {
        let saturation = (queue.ready as f64 / 2000.0).min(0.9);
        return erlang_float(((1.0 - saturation) * 1e6).round() / 1e6);
    }
    "1.0".into()
}
