//! prometheus-postgres-exporter 0.11.1 on the monolith's database `shop`, with the lab's extra
//! queries file (lab/postgres-exporter-queries.yaml): a Go client_golang registry, so families
//! sorted by name and label names sorted, every `pg_*` family with its `server` label, Go's
//! number formatting. The defaults that barely move (database totals, locks, activity, NaN
//! timestamps included) come verbatim from the real capture; the slots and the table counters
//! follow the world.

use super::super::data_story::{inventory_lag_bytes, inventory_sync_running, Table};
use super::super::scenario::World;
use super::redis::GoRegistry;

const GO_RUNTIME: &str = include_str!("captured/go-runtime.prom");
const PG_DEFAULTS: &str = include_str!("captured/postgres-defaults.prom");
const SERVER: &str = "127.0.0.1:5432";

/// One of a table's row counters.
type Column = fn(&Table) -> f64;

pub(super) fn render(world: &World) -> String {
    let t = world.elapsed_s();
    let mut registry = GoRegistry::default();
    registry.add_captured(GO_RUNTIME);
    registry.add_captured(PG_DEFAULTS);
    let scalar = |v: f64| vec![(Vec::new(), v)];
    registry.add(
        "pg_exporter_last_scrape_error",
        "gauge",
        "Whether the last scrape of metrics from PostgreSQL resulted in an error (1 for error, 0 for success).",
        &scalar(0.0),
    );
    registry.add(
        "pg_up",
        "gauge",
        "Whether the last scrape of metrics from PostgreSQL was able to connect to the server (1 for yes, 0 for no).",
        &scalar(1.0),
    );

    // Two logical slots: orders_sub keeps up, inventory_sub pauses and catches up.
    let slots = [
        (
            "inventory_sub",
            inventory_lag_bytes(t),
            inventory_sync_running(t),
        ),
        ("orders_sub", 0.0, true),
    ];
    let slot_labels = |slot: &str| {
        vec![
            ("database", "shop".to_string()),
            ("server", SERVER.to_string()),
            ("slot_name", slot.to_string()),
            ("slot_type", "logical".to_string()),
        ]
    };
    let active: Vec<_> = slots
        .iter()
        .map(|(slot, _, up)| (slot_labels(slot), if *up { 1.0 } else { 0.0 }))
        .collect();
    registry.add(
        "pg_repl_slot_active",
        "gauge",
        "1 if a consumer is connected to the slot",
        &active,
    );
    let lag: Vec<_> = slots
        .iter()
        .map(|(slot, lag, _)| (slot_labels(slot), *lag))
        .collect();
    registry.add(
        "pg_repl_slot_confirmed_flush_lag_bytes",
        "gauge",
        "pg_current_wal_lsn() - confirmed_flush_lsn in bytes: WAL the consumer has not confirmed",
        &lag,
    );

    let counters: [(&str, &str, Column); 3] = [
        (
            "pg_stat_user_tables_n_tup_del",
            "Number of rows deleted",
            |t| t.del,
        ),
        (
            "pg_stat_user_tables_n_tup_ins",
            "Number of rows inserted",
            |t| t.ins,
        ),
        (
            "pg_stat_user_tables_n_tup_upd",
            "Number of rows updated",
            |t| t.upd,
        ),
    ];
    for (name, help, value) in counters {
        let samples: Vec<_> = world
            .data
            .tables
            .iter()
            .map(|table| {
                let labels = vec![
                    ("datname", "shop".to_string()),
                    ("relname", table.name.to_string()),
                    ("schemaname", "public".to_string()),
                    ("server", SERVER.to_string()),
                ];
                (labels, value(table).floor())
            })
            .collect();
        registry.add(name, "counter", help, &samples);
    }
    registry.finish()
}
