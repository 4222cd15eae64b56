//! prometheus-postgres-exporter (checked against 0.11.1 on PostgreSQL 15) with the extra
//! queries file of docs/data.md: 0.11's defaults have no per-table counters and nothing from
//! `pg_stat_subscription`.
//!
//! - `monolith_writes`: `pg_stat_user_tables_n_tup_{ins,upd,del}` (the shipped example's and
//!   0.13+'s built-in names), narrowed to the owned tables by a `relname` regex and the
//!   database; three selectors summed, so the family pre-filter keeps working.
//! - `lag` on the publisher: `pg_repl_slot_confirmed_flush_lag_bytes{slot_name}` (WAL the
//!   subscriber has not confirmed), which keeps being exported while the subscriber is away;
//!   `pg_repl_slot_active` says whether a walsender uses the slot. The default
//!   `pg_replication_slots_pg_wal_lsn_diff` measures retained WAL, not lag, and is not used.
//! - On the subscriber (`subscription`): it cannot know the publisher's position, so it gives
//!   no byte lag; `pg_stat_subscription_worker_up{subname}` says whether its apply worker runs.

use super::data::{on_source, re_from_config, DataPreset, DataSignals};
use super::Matchers;
use crate::config::{Data, DataKind, LagUnit, Signal};

pub const PRESET: DataPreset = DataPreset {
    name: "postgres",
    kinds: &[DataKind::Lag, DataKind::MonolithWrites],
    keys,
    signals,
};

/// Row counters of `pg_stat_user_tables` that count writes (HOT updates are in `n_tup_upd`).
pub const WRITE_COUNTERS: [&str; 3] = [
    "pg_stat_user_tables_n_tup_ins",
    "pg_stat_user_tables_n_tup_upd",
    "pg_stat_user_tables_n_tup_del",
];

fn keys(kind: DataKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        DataKind::Lag => (
            &["slot"],
            &["database", "subscription", "subscriber_source"],
        ),
        _ => (&["tables"], &["database", "schema"]),
    }
}

fn signals(d: &Data, _domain: &str) -> DataSignals {
    match d.kind {
        DataKind::Lag => {
            let slot = Matchers::new()
                .eq("slot_name", d.slot.as_deref().unwrap_or_default())
                .eq_opt("database", d.database.as_deref());
            let mut running = vec![("slot in use", on_source(slot.on("pg_repl_slot_active")))];
            if let Some(sub) = &d.subscription {
                running.push((
                    "subscription worker up",
                    Signal {
                        source: d.subscriber_source.clone(),
                        select: Matchers::new()
                            .eq("subname", sub)
                            .on("pg_stat_subscription_worker_up"),
                    },
                ));
            }
            DataSignals {
                lag: Some(on_source(slot.on("pg_repl_slot_confirmed_flush_lag_bytes"))),
                unit: Some(LagUnit::Bytes),
                running,
                ..DataSignals::default()
            }
        }
        _ => {
            let on = Matchers::new()
                .eq_opt("datname", d.database.as_deref())
                .eq_opt("schemaname", d.schema.as_deref());
            let on = re_from_config(on, "relname", d.tables.as_deref().unwrap_or_default());
            DataSignals {
                writes: WRITE_COUNTERS
                    .iter()
                    .map(|name| on_source(on.on(name)))
                    .collect(),
                ..DataSignals::default()
            }
        }
    }
}
