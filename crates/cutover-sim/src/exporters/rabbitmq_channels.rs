//! RabbitMQ's per-channel families and the broker-wide totals of the `/metrics/per-object`
//! endpoint (see `rabbitmq` for the quirks kept from the real capture).

use super::super::model::RabbitQueue;
use super::super::scenario::World;
use super::Body;

const DEAD_LETTER: &str = include_str!("captured/rabbitmq-dead-letter.prom");

/// The one AMQP connection the consumers share (its pid is the `channel` label value).
const CONNECTION: &str = "<0.857.0>";

/// The one virtual host of the simulated broker.
const VHOST: &str = "/";

pub(super) fn channels(body: &mut Body, queues: &[RabbitQueue]) {
    type Value = fn(&RabbitQueue) -> String;
    let per_channel: [(&str, &str, &str, Value); 7] = [
        (
            "rabbitmq_channel_consumers",
            "gauge",
            "Consumers on a channel",
            |q| q.consumers.to_string(),
        ),
        (
            "rabbitmq_channel_messages_unacked",
            "gauge",
            "Delivered but not yet acknowledged messages",
            |q| q.unacked.to_string(),
        ),
        (
            "rabbitmq_channel_messages_unconfirmed",
            "gauge",
            "Published but not yet confirmed messages",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_messages_uncommitted",
            "gauge",
            "Messages received in a transaction but not yet committed",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_acks_uncommitted",
            "gauge",
            "Message acknowledgements in a transaction not yet committed",
            |_| "0".into(),
        ),
        (
            "rabbitmq_consumer_prefetch",
            "gauge",
            "Limit of unacknowledged messages for each consumer",
            |q| q.prefetch.to_string(),
        ),
        (
            "rabbitmq_channel_prefetch",
            "gauge",
            "Total limit of unacknowledged messages for all consumers on a channel",
            |_| "0".into(),
        ),
    ];
    for (name, kind, help, value) in per_channel {
        body.family_type_first(name, kind, help);
        for q in queues {
            body.sample(name, &[("channel", q.channel)], &value(q));
        }
    }
    // Publishers come and go with each request; their channel counters are not kept here, as in
    // the capture (they reset to nothing when a publisher disconnects).
    for (name, help) in [
        (
            "rabbitmq_channel_messages_published_total",
            "Total number of messages published into an exchange on a channel",
        ),
        (
            "rabbitmq_channel_messages_confirmed_total",
            "Total number of messages published into an exchange and confirmed on the channel",
        ),
        (
            "rabbitmq_channel_messages_unroutable_returned_total",
            "Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable",
        ),
        (
            "rabbitmq_channel_messages_unroutable_dropped_total",
            "Total number of messages published as non-mandatory into an exchange and dropped as unroutable",
        ),
    ] {
        body.family_type_first(name, "counter", help);
    }
    let name = "rabbitmq_channel_process_reductions_total";
    body.family_type_first(
        name,
        "counter",
        "Total number of channel process reductions",
    );
    for q in queues {
        body.sample(
            name,
            &[("channel", q.channel)],
            &(6322 + q.delivered * 31).to_string(),
        );
    }
    let per_queue: [(&str, &str, Value); 7] = [
        (
            "rabbitmq_channel_get_ack_total",
            "Total number of messages fetched with basic.get in manual acknowledgement mode",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_get_total",
            "Total number of messages fetched with basic.get in automatic acknowledgement mode",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_messages_delivered_ack_total",
            "Total number of messages delivered to consumers in manual acknowledgement mode",
            |q| (q.delivered + q.unacked).to_string(),
        ),
        (
            "rabbitmq_channel_messages_delivered_total",
            "Total number of messages delivered to consumers in automatic acknowledgement mode",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_messages_redelivered_total",
            "Total number of messages redelivered to consumers",
            |_| "0".into(),
        ),
        (
            "rabbitmq_channel_messages_acked_total",
            "Total number of messages acknowledged by consumers",
            |q| q.delivered.to_string(),
        ),
        (
            "rabbitmq_channel_get_empty_total",
            "Total number of times basic.get operations fetched no message",
            |_| "0".into(),
        ),
    ];
    for (name, help, value) in per_queue {
        body.family_type_first(name, "counter", help);
        for q in queues {
            let labels = [("channel", q.channel), ("vhost", VHOST), ("queue", q.name)];
            body.sample(name, &labels, &value(q));
        }
    }
    let delivered: u64 = queues.iter().map(|q| q.delivered).sum();
    let connection: [(&str, &str, &str, u64); 7] = [
        (
            "rabbitmq_connection_incoming_bytes_total",
            "counter",
            "Total number of bytes received on a connection",
            4805 + delivered * 21,
        ),
        (
            "rabbitmq_connection_outgoing_bytes_total",
            "counter",
            "Total number of bytes sent on a connection",
            29808 + delivered * 131,
        ),
        (
            "rabbitmq_connection_process_reductions_total",
            "counter",
            "Total number of connection process reductions",
            53652 + delivered * 44,
        ),
        (
            "rabbitmq_connection_incoming_packets_total",
            "counter",
            "Total number of packets received on a connection",
            213 + delivered,
        ),
        (
            "rabbitmq_connection_outgoing_packets_total",
            "counter",
            "Total number of packets sent on a connection",
            169 + delivered,
        ),
        (
            "rabbitmq_connection_pending_packets",
            "gauge",
            "Number of packets waiting to be sent on a connection",
            0,
        ),
        (
            "rabbitmq_connection_channels",
            "gauge",
            "Channels on a connection",
            queues.len() as u64,
        ),
    ];
    for (name, kind, help, value) in connection {
        body.family_type_first(name, kind, help);
        body.sample(name, &[("channel", CONNECTION)], &value.to_string());
    }
    body.family_type_first(
        "rabbitmq_queue_messages_published_total",
        "counter",
        "Total number of messages published to queues",
    );
}

pub(super) fn totals(body: &mut Body, world: &World, published: u64, delivered: u64) {
    let consumers: u64 = world.queues.iter().map(|q| u64::from(q.consumers)).sum();
    let counts: [(&str, &str, u64); 4] = [
        ("rabbitmq_connections", "Connections currently open", 1),
        (
            "rabbitmq_channels",
            "Channels currently open",
            world.queues.len() as u64,
        ),
        (
            "rabbitmq_consumers",
            "Consumers currently connected",
            consumers,
        ),
        (
            "rabbitmq_queues",
            "Queues available",
            world.queues.len() as u64,
        ),
    ];
    for (name, help, value) in counts {
        body.family_type_first(name, "gauge", help);
        body.sample(name, &[], &value.to_string());
    }
    body.family_type_first(
        "rabbitmq_build_info",
        "untyped",
        "RabbitMQ & Erlang/OTP version info",
    );
    body.sample(
        "rabbitmq_build_info",
        &[
            ("rabbitmq_version", "3.10.8"),
            ("prometheus_plugin_version", "3.10.8"),
            ("prometheus_client_version", "4.9.1"),
            ("erlang_version", "25.2.3"),
        ],
        "1",
    );
    body.family_type_first(
        "rabbitmq_identity_info",
        "untyped",
        "RabbitMQ node & cluster identity info",
    );
    body.sample(
        "rabbitmq_identity_info",
        &[
            ("rabbitmq_node", "rabbit@mq-1"),
            ("rabbitmq_cluster", "rabbit@mq-1"),
            (
                "rabbitmq_cluster_permanent_id",
                "rabbitmq-cluster-id-3uN0Z5sRkq8cWv1dXhT7bA",
            ),
        ],
        "1",
    );
    body.family_type_first(
        "rabbitmq_global_consumers",
        "gauge",
        "Current number of consumers",
    );
    body.sample(
        "rabbitmq_global_consumers",
        &[("protocol", "amqp091")],
        &consumers.to_string(),
    );

    let queue_types = [
        "rabbit_classic_queue",
        "rabbit_quorum_queue",
        "rabbit_stream_queue",
    ];
    let by_type = |body: &mut Body, name: &str, help: &str, classic: u64| {
        body.family_type_first(name, "counter", help);
        for qt in queue_types {
            let v = if qt == "rabbit_classic_queue" {
                classic
            } else {
                0
            };
            body.sample(
                name,
                &[("protocol", "amqp091"), ("queue_type", qt)],
                &v.to_string(),
            );
        }
    };
    by_type(
        body,
        "rabbitmq_global_messages_acknowledged_total",
        "Total number of messages acknowledged by consumers",
        delivered,
    );
    body.family_type_first(
        "rabbitmq_global_messages_confirmed_total",
        "counter",
        "Total number of messages confirmed to publishers",
    );
    body.sample(
        "rabbitmq_global_messages_confirmed_total",
        &[("protocol", "amqp091")],
        &published.to_string(),
    );
    body.raw(DEAD_LETTER);
    let unacked: u64 = world.queues.iter().map(|q| q.unacked).sum();
    by_type(
        body,
        "rabbitmq_global_messages_delivered_consume_auto_ack_total",
        "Total number of messages delivered to consumers using basic.consume with automatic acknowledgment",
        0,
    );
    by_type(
        body,
        "rabbitmq_global_messages_delivered_consume_manual_ack_total",
        "Total number of messages delivered to consumers using basic.consume with manual acknowledgment",
        delivered + unacked,
    );
    by_type(
        body,
        "rabbitmq_global_messages_delivered_get_auto_ack_total",
        "Total number of messages delivered to consumers using basic.get with automatic acknowledgment",
        0,
    );
    by_type(
        body,
        "rabbitmq_global_messages_delivered_get_manual_ack_total",
        "Total number of messages delivered to consumers using basic.get with manual acknowledgment",
        0,
    );
    by_type(
        body,
        "rabbitmq_global_messages_delivered_total",
        "Total number of messages delivered to consumers",
        delivered + unacked,
    );
    by_type(
        body,
        "rabbitmq_global_messages_get_empty_total",
        "Total number of times basic.get operations fetched no message",
        0,
    );
    let per_protocol: [(&str, &str, u64); 2] = [
        (
            "rabbitmq_global_messages_received_confirm_total",
            "Total number of messages received from publishers expecting confirmations",
            published,
        ),
        (
            "rabbitmq_global_messages_received_total",
            "Total number of messages received from publishers",
            published,
        ),
    ];
    for (name, help, value) in per_protocol {
        body.family_type_first(name, "counter", help);
        body.sample(name, &[("protocol", "amqp091")], &value.to_string());
    }
    by_type(
        body,
        "rabbitmq_global_messages_redelivered_total",
        "Total number of messages redelivered to consumers",
        0,
    );
    let routing: [(&str, &str, u64); 3] = [
        (
            "rabbitmq_global_messages_routed_total",
            "Total number of messages routed to queues or streams",
            published,
        ),
        (
            "rabbitmq_global_messages_unroutable_dropped_total",
            "Total number of messages published as non-mandatory into an exchange and dropped as unroutable",
            0,
        ),
        (
            "rabbitmq_global_messages_unroutable_returned_total",
            "Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable",
            0,
        ),
    ];
    for (name, help, value) in routing {
        body.family_type_first(name, "counter", help);
        body.sample(name, &[("protocol", "amqp091")], &value.to_string());
    }
    body.family_type_first(
        "rabbitmq_global_publishers",
        "gauge",
        "Current number of publishers",
    );
    body.sample(
        "rabbitmq_global_publishers",
        &[("protocol", "amqp091")],
        "3",
    );
    for (name, help) in [
        ("telemetry_scrape_duration_seconds", "Scrape duration"),
        ("telemetry_scrape_size_bytes", "Scrape size, not encoded"),
        (
            "telemetry_scrape_encoded_size_bytes",
            "Scrape size, encoded",
        ),
    ] {
        body.family_type_first(name, "summary", help);
    }
}
