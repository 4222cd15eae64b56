//! The demo's data side: what the monolith's PostgreSQL (through postgres_exporter 0.11 with the
//! lab's extra queries) and a shadow-traffic comparer count. Pure functions of virtual time plus
//! counters integrated step by step, so the state at a given time is the same on every machine.
//!
//! The story (times from the start):
//! - `inventory`: its logical replication (`inventory_sub`, slot on the monolith) stops at 3m20
//!   (the subscription disabled) and the lag builds, ~28 kB/s of WAL, until it resumes at 5m;
//!   the copy catches up within ~20 s.
//! - `billing` is declared migrated, but the monolith's legacy invoice job, thought retired,
//!   runs from 1m30 until it is switched off at 7m: every 80 s it writes 60 invoices in 10 s, so
//!   a one-minute window sometimes holds none of them (raw health would flap; held, it warns).
//! - `notifications` (shadow): ~12 mirrored requests a second are compared; ~0.2 % mismatch,
//!   ~6 % from 5m30 to 6m30 (a template change in notifications-svc), errors ~0.1 %.

/// The replication of inventory's tables pauses and resumes.
pub(crate) const INVENTORY_SYNC_PAUSED_S: f64 = 200.0;
pub(crate) const INVENTORY_SYNC_RESUMED_S: f64 = 300.0;
/// WAL the monolith writes while the subscriber is away, and how fast the copy catches up.
const WAL_BYTES_PER_S: f64 = 28_000.0;
const CATCH_UP_BYTES_PER_S: f64 = 140_000.0;
/// The monolith's legacy invoice job runs, then is switched off.
pub(crate) const INVOICE_JOB_ON_S: f64 = 90.0;
pub(crate) const INVOICE_JOB_OFF_S: f64 = 420.0;
const INVOICE_JOB_EVERY_S: f64 = 80.0;
const INVOICE_JOB_RUN_S: f64 = 10.0;
/// Shadow comparisons of notifications mismatch more in this window.
pub(crate) const SHADOW_BURST_S: f64 = 330.0;
pub(crate) const SHADOW_BURST_END_S: f64 = 390.0;

/// One table's row counters (`pg_stat_user_tables_n_tup_{ins,upd,del}`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    pub(crate) ins: f64,
    pub(crate) upd: f64,
    pub(crate) del: f64,
}

/// The data side of the world.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataWorld {
    /// The monolith's tables in database `shop`, by name (the exporter's order).
    pub(crate) tables: Vec<Table>,
    /// `shadow_comparisons_total{domain="notifications"}` by result: match, mismatch, error.
    pub(crate) shadow: [f64; 3],
}

impl DataWorld {
    /// The counters as the processes left them before the scenario starts.
    pub(crate) fn new() -> DataWorld {
        let table = |name, ins, upd, del| Table {
            name,
            ins,
            upd,
            del,
        };
        DataWorld {
            tables: vec![
                table("inventory", 48_210.0, 2_914_377.0, 0.0),
                table("invoices", 1_842_113.0, 611_020.0, 0.0),
                table("order_items", 5_310_884.0, 0.0, 1_204.0),
                table("orders", 2_655_442.0, 401_118.0, 602.0),
            ],
            shadow: [86_112.0, 171.0, 95.0],
        }
    }

    /// Moves the counters on by `dt` seconds at elapsed time `t`.
    pub(crate) fn step(&mut self, t: f64, dt: f64) {
        let running = (INVOICE_JOB_ON_S..INVOICE_JOB_OFF_S).contains(&t)
            && (t - INVOICE_JOB_ON_S) % INVOICE_JOB_EVERY_S < INVOICE_JOB_RUN_S;
        let invoices = if running { 6.0 } else { 0.0 };
        for table in &mut self.tables {
            let (ins, upd) = match table.name {
                // The monolith still serves 90 % of orders (canary): ~4 orders a second.
                "orders" => (4.0, 2.0),
                "order_items" => (8.0, 0.0),
                "inventory" => (0.0, 6.0),
                "invoices" => (invoices, 0.5 * invoices),
                _ => (0.0, 0.0),
            };
            table.ins += ins * dt;
            table.upd += upd * dt;
        }
        let mismatch = if (SHADOW_BURST_S..SHADOW_BURST_END_S).contains(&t) {
            0.06
        } else {
            0.002
        };
        let compared = 12.0 * dt;
        let error = 0.001;
        self.shadow[0] += compared * (1.0 - mismatch - error);
        self.shadow[1] += compared * mismatch;
        self.shadow[2] += compared * error;
    }
}

/// Bytes of WAL the `inventory_sub` subscriber has not confirmed at elapsed time `t`.
pub(crate) fn inventory_lag_bytes(t: f64) -> f64 {
    let built = |until: f64| WAL_BYTES_PER_S * (until - INVENTORY_SYNC_PAUSED_S);
    if t < INVENTORY_SYNC_PAUSED_S {
        0.0
    } else if t < INVENTORY_SYNC_RESUMED_S {
        built(t).floor()
    } else {
        (built(INVENTORY_SYNC_RESUMED_S) - CATCH_UP_BYTES_PER_S * (t - INVENTORY_SYNC_RESUMED_S))
            .max(0.0)
            .floor()
    }
}

/// Whether `inventory_sub`'s walsender streams (the slot is active) at elapsed time `t`.
pub(crate) fn inventory_sync_running(t: f64) -> bool {
    !(INVENTORY_SYNC_PAUSED_S..INVENTORY_SYNC_RESUMED_S).contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lag_builds_while_paused_and_drains_after() {
        assert_eq!(inventory_lag_bytes(100.0), 0.0);
        assert_eq!(inventory_lag_bytes(250.0), 1_400_000.0);
        assert_eq!(inventory_lag_bytes(300.0), 2_800_000.0);
        assert_eq!(inventory_lag_bytes(310.0), 1_400_000.0);
        assert_eq!(inventory_lag_bytes(321.0), 0.0);
        assert!(!inventory_sync_running(250.0));
        assert!(inventory_sync_running(300.0));
    }

    #[test]
    fn invoices_are_written_only_while_the_job_runs() {
        let mut d = DataWorld::new();
        let invoices = |d: &DataWorld| d.tables[1].ins;
        let before = invoices(&d);
        d.step(10.0, 60.0);
        assert_eq!(invoices(&d), before);
        for i in 0..800 {
            d.step(INVOICE_JOB_ON_S + f64::from(i) * 0.1, 0.1);
        }
        assert!((invoices(&d) - before - 60.0).abs() < 1e-6, "one run");
        let before = invoices(&d);
        d.step(INVOICE_JOB_OFF_S, 60.0);
        assert_eq!(invoices(&d), before);
    }
}
