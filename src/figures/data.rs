//! Data figures (`[[domain.data]]`): replication lag, rows the monolith still writes to the
//! domain's tables, reconciliation and shadow mismatch ratios; each with its health, and the
//! domain's findings, which depend on the declared stage:
//!
//! - `lag` above `warn`/`crit` judges the domain from `canary` on (the new service reads its
//!   copy); before that it only informs. A paused sync (a `running` gauge at 0) warns likewise.
//! - `monolith_writes` on a domain declared `migrated`: rows written in the window contradict
//!   the stage (a warning with the count).
//! - `reconcile` above its limit warns; `shadow` above its limit is crit in the `shadow` stage,
//!   where it is the domain's main signal, and a warning in the others.
//!
//! No data is not zero: an absent lag is `null` and unknown, with the reason; a NaN lag (a
//! disabled PostgreSQL subscription) is no data too.

use super::at::At;
use super::counter::{gauge, increase, Increase};
use super::finite::{newest_usable, non_finite, spell};
pub use super::status::{DataFigures, DataStatus};
use super::status::{Findings, Health};
use crate::format::{lag as lag_words, number, percent_fixed};
use crate::plan::{PlanData, PlanDataKind, PlanDomain, SignalId};
use crate::stage::Stage;

/// What an entry measures and its figures in one short line (the detail view, `status`):
/// `lag 430.6kB paused`, `monolith writes 1500 rows, 150/s`; `unknown` for a number not known.
pub fn summary(e: &DataStatus, unknown: &str) -> String {
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or(unknown.to_string(), f);
    match &e.figures {
        DataFigures::Lag { lag, running, .. } => {
            let state = match running {
                Some(false) => " paused",
                _ => "",
            };
            format!(
                "lag {}{state}",
                opt(*lag, &|v| crate::format::lag(v, &e.unit))
            )
        }
        DataFigures::MonolithWrites {
            rows,
            rows_per_second,
            ..
        } => format!(
            "monolith writes {} rows, {}",
            opt(*rows, &crate::format::count),
            opt(*rows_per_second, &crate::format::per_second)
        ),
        DataFigures::Reconcile {
            checked,
            mismatches,
            mismatch_ratio,
            ..
        } => format!(
            "reconcile {}/{} differ {}",
            opt(*mismatches, &crate::format::count),
            opt(*checked, &crate::format::count),
            opt(*mismatch_ratio, &crate::format::ratio)
        ),
        DataFigures::Shadow {
            comparisons,
            mismatches,
            mismatch_ratio,
            ..
        } => format!(
            "shadow {}/{} differ {}",
            opt(*mismatches, &crate::format::count),
            opt(*comparisons, &crate::format::count),
            opt(*mismatch_ratio, &crate::format::ratio)
        ),
    }
}

/// From `canary` on the new service reads its copy of the data: lag judges the domain.
fn reads_copy(stage: Stage) -> bool {
    matches!(stage, Stage::Canary | Stage::Ramp | Stage::Migrated)
}

/// Every data entry of a domain, its findings pushed to `found`.
pub fn data(at: &At, d: &PlanDomain, found: &mut Findings) -> Vec<DataStatus> {
    d.data
        .iter()
        .map(|p| entry(at, d.stage, p, found))
        .collect()
}

/// One entry's figures and health; its findings go to `found` with the rule
/// `<kind>:<name>` (or `stage` for a contradiction of the declared stage).
pub fn entry(at: &At, stage: Stage, p: &PlanData, found: &mut Findings) -> DataStatus {
    let mut c = Ctx {
        at,
        stage,
        name: &p.name,
        e: Entry {
            health: Health::Ok,
            reasons: Vec::new(),
        },
        found,
    };
    let (figures, unit) = match &p.what {
        PlanDataKind::Lag {
            lag,
            unit,
            scale,
            warn,
            crit,
            running,
        } => lag_entry(&mut c, lag, unit, scale, warn, crit, running),
        PlanDataKind::MonolithWrites { writes } => writes_entry(&mut c, writes),
        PlanDataKind::Reconcile {
            checked,
            mismatches,
            limit,
        } => reconcile_entry(&mut c, checked, mismatches, limit),
        PlanDataKind::Shadow {
            comparisons,
            mismatches,
            errors,
            limit,
        } => shadow_entry(&mut c, comparisons, mismatches, errors, limit),
    };
    DataStatus {
        name: p.name.clone(),
        figures,
        unit,
        health: c.e.health,
        reasons: c.e.reasons,
    }
}

/// What every entry's figures are computed with, and where their words go.
struct Ctx<'a, 'b> {
    at: &'a At<'b>,
    stage: Stage,
    name: &'a str,
    e: Entry,
    found: &'a mut Findings,
}

/// `lag`: the gauge against `warn`/`crit`, judged from `canary` on; a paused sync warns.
fn lag_entry(
    c: &mut Ctx,
    lag: &SignalId,
    unit: &str,
    scale: &f64,
    warn: &Option<f64>,
    crit: &Option<f64>,
    running: &[(&'static str, SignalId)],
) -> (DataFigures, String) {
    let (at, stage, name) = (c.at, c.stage, c.name);
    let rule = format!("lag:{name}");
    let h = at.history(*lag);
    // A negative lag is a sentinel (Debezium's -1 before the first event): no data.
    let raw = gauge(h, at.now_ms, at.window_ms);
    let value = raw.map(|v| v * scale).filter(|v| *v >= 0.0);
    let trend = value.and_then(|_| super::counter::slope(h, at.now_ms, at.window_ms));
    let trend = trend.map(|t| t * scale);
    let judged = reads_copy(stage);
    match value {
        None => {
            let why = match raw {
                Some(v) => format!(
                    "no data (the selector returned {}: no event yet)",
                    number(v)
                ),
                None => no_data_words(at, *lag),
            };
            c.e.say(Health::Unknown, format!("lag {name}: {why}"));
            c.found
                .push(rule.clone(), Health::Unknown, format!("lag {name}: {why}"));
        }
        Some(v) => {
            let over = [(Health::Crit, *crit, "crit"), (Health::Warn, *warn, "warn")]
                .into_iter()
                .find_map(|(level, limit, word)| {
                    limit.filter(|l| v >= *l).map(|l| (level, l, word))
                });
            if let Some((level, limit, word)) = over {
                let text = format!(
                    "lag {name} {} >= {word} {}",
                    lag_words(v, unit),
                    lag_words(limit, unit)
                );
                c.e.say(level, text.clone());
                judge(
                    c.found,
                    &rule,
                    judged,
                    stage,
                    level,
                    text,
                    limit > 0.0 && v >= 5.0 * limit,
                );
            }
        }
    }
    let states: Vec<(&str, Option<bool>)> = running
        .iter()
        .map(|(what, id)| {
            (
                *what,
                gauge(at.history(*id), at.now_ms, at.window_ms).map(|v| v > 0.0),
            )
        })
        .collect();
    let running_now = if states.is_empty() {
        None
    } else if states.iter().any(|(_, s)| *s == Some(false)) {
        Some(false)
    } else if states.iter().all(|(_, s)| s.is_some()) {
        Some(true)
    } else {
        None
    };
    if running_now == Some(false) {
        let stopped: Vec<&str> = states
            .iter()
            .filter(|(_, s)| *s == Some(false))
            .map(|(what, _)| *what)
            .collect();
        let text = format!("lag {name}: sync paused (not {})", stopped.join(", not "));
        c.e.say(Health::Warn, text.clone());
        judge(c.found, &rule, judged, stage, Health::Warn, text, false);
    }
    (
        DataFigures::Lag {
            lag: value,
            trend_per_second: trend,
            running: running_now,
            warn: *warn,
            crit: *crit,
        },
        unit.to_string(),
    )
}

/// `monolith_writes`: rows written in the window; on a `migrated` domain, a contradiction.
fn writes_entry(c: &mut Ctx, writes: &[SignalId]) -> (DataFigures, String) {
    let (at, stage, name) = (c.at, c.stage, c.name);
    let incs: Vec<Option<Increase>> = writes
        .iter()
        .map(|id| increase(at.history(*id), at.now_ms, at.window_ms))
        .collect();
    let all: Option<Vec<Increase>> = incs.iter().copied().collect();
    let rows_total = all.as_ref().map(|a| a.iter().map(|i| i.total).sum::<f64>());
    let window = all.as_ref().filter(|a| a.iter().all(|i| i.seconds > 0.0));
    let rows = window.map(|a| a.iter().map(|i| i.increase).sum::<f64>());
    let seconds = window.and_then(|a| a.iter().map(|i| i.seconds).reduce(f64::max));
    let rows_per_second = match (rows, seconds) {
        (Some(r), Some(s)) if s > 0.0 => Some(r / s),
        _ => None,
    };
    if let Some(missing) = writes.iter().zip(&incs).find(|(_, i)| i.is_none()) {
        let why = no_data_words(at, *missing.0);
        let text = format!("monolith writes {name}: {why}");
        c.e.say(Health::Unknown, text.clone());
        c.found
            .push(format!("monolith_writes:{name}"), Health::Unknown, text);
    } else if rows.is_none() {
        c.e.say(
            Health::Unknown,
            format!("monolith writes {name}: not enough samples in the window yet"),
        );
    }
    if let (Stage::Migrated, Some(r)) = (stage, rows) {
        if r > 0.0 {
            let text = format!(
                "declared migrated, but the monolith wrote {} rows to the tables of {name} in the window",
                number(r)
            );
            c.e.say(Health::Warn, text.clone());
            c.found.push("stage", Health::Warn, text);
        }
    }
    (
        DataFigures::MonolithWrites {
            rows,
            rows_per_second,
            rows_total,
        },
        "rows".to_string(),
    )
}

/// `reconcile`: the mismatch ratio against its limit.
fn reconcile_entry(
    c: &mut Ctx,
    checked: &SignalId,
    mismatches: &SignalId,
    limit: &f64,
) -> (DataFigures, String) {
    let (at, name) = (c.at, c.name);
    let rule = format!("reconcile:{name}");
    let (checked_n, mismatch_n) = pair(at, *checked, *mismatches);
    let ratio = ratio_of(mismatch_n, checked_n);
    match (checked_n, ratio) {
        (None, _) => {
            let why = no_data_words(at, *checked);
            c.e.say(Health::Unknown, format!("reconcile {name}: {why}"));
            c.found
                .push(rule, Health::Unknown, format!("reconcile {name}: {why}"));
        }
        (Some(_), None) => {
            let text = format!("reconcile {name}: no records checked in the window");
            c.e.say(Health::Unknown, text.clone());
            c.found.push(rule, Health::Ok, text);
        }
        (Some(checked), Some(r)) if r > *limit => {
            let text = format!(
                "reconcile {name}: {} of {} records differ ({} > {})",
                number(mismatch_n.unwrap_or_default()),
                number(checked),
                percent_fixed(r),
                percent_fixed(*limit)
            );
            c.e.say(Health::Warn, text.clone());
            c.found
                .push_far(rule, Health::Warn, text, *limit > 0.0 && r >= 5.0 * limit);
        }
        _ => {}
    }
    (
        DataFigures::Reconcile {
            checked: checked_n,
            mismatches: mismatch_n,
            mismatch_ratio: ratio,
            limit: *limit,
        },
        "ratio".to_string(),
    )
}

/// `shadow`: the mismatch ratio (errors left out) against its limit; crit in the `shadow` stage.
fn shadow_entry(
    c: &mut Ctx,
    comparisons: &SignalId,
    mismatches: &SignalId,
    errors: &Option<SignalId>,
    limit: &f64,
) -> (DataFigures, String) {
    let (at, stage, name) = (c.at, c.stage, c.name);
    let rule = format!("shadow:{name}");
    let (all, mismatch_n) = pair(at, *comparisons, *mismatches);
    let errors_n = errors.and_then(|id| pair(at, *comparisons, id).1);
    let compared = all.map(|a| (a - errors_n.unwrap_or(0.0)).max(0.0));
    let ratio = ratio_of(mismatch_n, compared);
    let error_ratio = ratio_of(errors_n, all);
    // In the shadow stage the comparisons are what the domain is judged by.
    let main = stage == Stage::Shadow;
    match (all, ratio) {
        (None, _) => {
            let why = no_data_words(at, *comparisons);
            c.e.say(Health::Unknown, format!("shadow {name}: {why}"));
            c.found.push(
                rule.clone(),
                Health::Unknown,
                format!("shadow {name}: {why}"),
            );
        }
        (Some(_), None) => {
            let text = format!("shadow {name}: idle, no comparisons in the window");
            c.e.say(Health::Unknown, text.clone());
            c.found.push(
                rule.clone(),
                if main { Health::Unknown } else { Health::Ok },
                text,
            );
        }
        (Some(_), Some(r)) if r > *limit => {
            let level = if main { Health::Crit } else { Health::Warn };
            let text = format!(
                "shadow {name}: {} of {} comparisons differ ({} > {})",
                number(mismatch_n.unwrap_or_default()),
                number(compared.unwrap_or_default()),
                percent_fixed(r),
                percent_fixed(*limit)
            );
            c.e.say(level, text.clone());
            c.found
                .push_far(rule.clone(), level, text, *limit > 0.0 && r >= 5.0 * limit);
        }
        _ => {}
    }
    if let Some(er) = error_ratio.filter(|er| *er > *limit) {
        let text = format!(
            "shadow {name}: {} of {} comparisons could not be made ({})",
            number(errors_n.unwrap_or_default()),
            number(all.unwrap_or_default()),
            percent_fixed(er)
        );
        c.e.say(Health::Warn, text.clone());
        c.found.push(rule, Health::Warn, text);
    }
    (
        DataFigures::Shadow {
            comparisons: all,
            mismatches: mismatch_n,
            errors: errors_n,
            mismatch_ratio: ratio,
            error_ratio,
            limit: *limit,
        },
        "ratio".to_string(),
    )
}

/// An entry's own health and reasons.
struct Entry {
    health: Health,
    reasons: Vec<String>,
}

impl Entry {
    fn say(&mut self, level: Health, text: String) {
        self.health = self.health.worst(level);
        self.reasons.push(text);
    }
}

/// A lag finding: judged from `canary` on, words only before.
fn judge(
    found: &mut Findings,
    rule: &str,
    judged: bool,
    stage: Stage,
    level: Health,
    text: String,
    far: bool,
) {
    if judged {
        found.push_far(rule, level, text, far);
    } else {
        found.push(
            rule,
            Health::Ok,
            format!("{text} (not judged in stage {stage})"),
        );
    }
}

/// Why a signal has no figure: a NaN or infinity in its newest frame, nothing matched, or no
/// frame in the window.
fn no_data_words(at: &At, id: SignalId) -> String {
    let h = at.history(id);
    if let Some(v) = non_finite(h, at.now_ms, at.window_ms) {
        return format!("no data (the selector returned {})", spell(v));
    }
    match h.newest() {
        Some(f) if f.at_ms >= at.now_ms - at.window_ms => {
            "no data (the selector matches nothing)".to_string()
        }
        _ => "no data".to_string(),
    }
}

/// Increases over the window of a total counter and its bad part. Series of the bad part often
/// appear only at the first mismatch: while the total is read and the bad selector's source
/// answered, a bad part matching nothing is 0. `None` totals with fewer than two frames.
fn pair(at: &At, total: SignalId, part: SignalId) -> (Option<f64>, Option<f64>) {
    let inc = |id| increase(at.history(id), at.now_ms, at.window_ms).filter(|i| i.seconds > 0.0);
    let t = inc(total).map(|i| i.increase);
    let p = inc(part).map(|i| i.increase).or_else(|| {
        let scraped = newest_usable(at.history(part), at.now_ms, at.window_ms).is_some();
        (t.is_some() && scraped).then_some(0.0)
    });
    (t, p)
}

/// `part / whole` when the whole is above 0.
fn ratio_of(part: Option<f64>, whole: Option<f64>) -> Option<f64> {
    match (part, whole) {
        (Some(p), Some(w)) if w > 0.0 => Some(p / w),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A store whose signal `i` holds, per frame `(at_ms, values)`, the series `s0, s1, ...`.
    fn store(signals: &[&[(i64, &[f64])]]) -> Store {
        let mut store = Store::new(signals.len());
        for (id, frames) in signals.iter().enumerate() {
            for (at, values) in frames.iter() {
                for (i, v) in values.iter().enumerate() {
                    store.signals[id].add(&format!("s{i}"), None, None, *v);
                }
                store.signals[id].commit(*at, 3_600_000);
            }
        }
        store
    }

    fn at(store: &Store, now_ms: i64) -> At<'_> {
        At {
            store,
            now_ms,
            window_ms: 60_000,
        }
    }

    fn lag_plan(unit: &'static str, scale: f64, running: bool) -> PlanData {
        PlanData {
            name: "copy".into(),
            what: PlanDataKind::Lag {
                lag: 0,
                unit,
                scale,
                warn: Some(100_000.0),
                crit: Some(1_000_000.0),
                running: if running {
                    vec![("slot in use", 1)]
                } else {
                    Vec::new()
                },
            },
        }
    }

    #[test]
    fn lag_over_warn_judges_a_ramp_domain_and_only_informs_a_planned_one() {
        // The captured publisher lag while the subscription was disabled: 430560 bytes.
        let s = store(&[
            &[(0, &[0.0]), (2000, &[430_560.0])],
            &[(0, &[1.0]), (2000, &[1.0])],
        ]);
        let plan = lag_plan("bytes", 1.0, true);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Ramp, &plan, &mut found);
        let DataFigures::Lag {
            lag,
            trend_per_second,
            running,
            ..
        } = d.figures
        else {
            panic!("{d:?}")
        };
        assert_eq!(lag, Some(430_560.0));
        assert_eq!(trend_per_second, Some(215_280.0));
        assert_eq!(running, Some(true));
        assert_eq!((d.unit.as_str(), d.health), ("bytes", Health::Warn));
        assert_eq!(found.health(), Health::Warn);
        assert_eq!(found.0[0].rule, "lag:copy");
        assert_eq!(found.0[0].text, "lag copy 430.6kB >= warn 100.0kB");

        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Planned, &plan, &mut found);
        assert_eq!(d.health, Health::Warn);
        assert_eq!(found.health(), Health::Ok);
        assert!(found.0[0].text.ends_with("(not judged in stage planned)"));
    }

    #[test]
    fn lag_far_beyond_crit_skips_for_and_milliseconds_are_seconds() {
        let s = store(&[&[(0, &[90_000.0])]]);
        let plan = PlanData {
            name: "cdc".into(),
            what: PlanDataKind::Lag {
                lag: 0,
                unit: "seconds",
                scale: 0.001,
                warn: Some(5.0),
                crit: Some(15.0),
                running: Vec::new(),
            },
        };
        let mut found = Findings::default();
        let d = entry(&at(&s, 0), Stage::Migrated, &plan, &mut found);
        assert!(matches!(d.figures, DataFigures::Lag { lag: Some(v), .. } if v == 90.0));
        assert_eq!(d.health, Health::Crit);
        assert!(found.0[0].far, "{found:?}");
        assert_eq!(found.0[0].text, "lag cdc 90.0s >= crit 15.0s");
    }

    #[test]
    fn an_absent_nan_or_negative_lag_is_unknown_not_zero() {
        let plan = lag_plan("bytes", 1.0, false);
        let cases: [(&[f64], &str); 3] = [
            (&[], "no data (the selector matches nothing)"),
            (&[f64::NAN], "no data (the selector returned NaN)"),
            (&[-1.0], "no data (the selector returned -1: no event yet)"),
        ];
        for (values, why) in cases {
            let s = store(&[&[(0, values)]]);
            let mut found = Findings::default();
            let d = entry(&at(&s, 0), Stage::Migrated, &plan, &mut found);
            assert!(
                matches!(d.figures, DataFigures::Lag { lag: None, .. }),
                "{d:?}"
            );
            assert_eq!(d.health, Health::Unknown);
            assert_eq!(found.0[0].text, format!("lag copy: {why}"));
            assert_eq!(found.health(), Health::Unknown);
        }
    }

    #[test]
    fn a_paused_sync_warns_even_at_zero_lag() {
        let s = store(&[&[(0, &[0.0])], &[(0, &[0.0])]]);
        let mut found = Findings::default();
        let d = entry(
            &at(&s, 0),
            Stage::Canary,
            &lag_plan("bytes", 1.0, true),
            &mut found,
        );
        assert!(matches!(
            d.figures,
            DataFigures::Lag {
                running: Some(false),
                ..
            }
        ));
        assert_eq!(found.health(), Health::Warn);
        assert_eq!(found.0[0].text, "lag copy: sync paused (not slot in use)");
    }

    fn writes_plan() -> PlanData {
        PlanData {
            name: "orders-tables".into(),
            what: PlanDataKind::MonolithWrites {
                writes: vec![0, 1, 2],
            },
        }
    }

    #[test]
    fn monolith_writes_sum_the_counters_and_contradict_migrated() {
        // n_tup_ins, _upd, _del of orders and order_items, idle then after_insert.
        let s = store(&[
            &[(0, &[0.0, 0.0]), (10_000, &[500.0, 1000.0])],
            &[(0, &[0.0, 0.0]), (10_000, &[0.0, 0.0])],
            &[(0, &[0.0, 0.0]), (10_000, &[0.0, 0.0])],
        ]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 10_000), Stage::Migrated, &writes_plan(), &mut found);
        assert_eq!(
            d.figures,
            DataFigures::MonolithWrites {
                rows: Some(1500.0),
                rows_per_second: Some(150.0),
                rows_total: Some(1500.0),
            }
        );
        assert_eq!(d.health, Health::Warn);
        assert_eq!(found.0[0].rule, "stage");
        assert_eq!(
            found.0[0].text,
            "declared migrated, but the monolith wrote 1500 rows to the tables of orders-tables in the window"
        );
        let mut found = Findings::default();
        let d = entry(&at(&s, 10_000), Stage::Ramp, &writes_plan(), &mut found);
        assert_eq!((d.health, found.0.len()), (Health::Ok, 0));
    }

    #[test]
    fn monolith_writes_without_a_counter_are_unknown() {
        let s = store(&[
            &[(0, &[1.0]), (2000, &[2.0])],
            &[(0, &[]), (2000, &[])],
            &[(0, &[1.0]), (2000, &[2.0])],
        ]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Migrated, &writes_plan(), &mut found);
        assert!(matches!(
            d.figures,
            DataFigures::MonolithWrites { rows: None, .. }
        ));
        assert_eq!(d.health, Health::Unknown);
        assert_eq!(found.health(), Health::Unknown);
        // One frame: a total, no window yet.
        let s = store(&[&[(0, &[1.0])], &[(0, &[1.0])], &[(0, &[1.0])]]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 0), Stage::Migrated, &writes_plan(), &mut found);
        assert!(matches!(
            d.figures,
            DataFigures::MonolithWrites { rows: None, rows_total: Some(t), .. } if t == 3.0
        ));
        assert_eq!(found.health(), Health::Ok);
    }

    #[test]
    fn reconcile_ratio_against_its_limit_and_a_mismatch_series_born_later() {
        let plan = PlanData {
            name: "orders".into(),
            what: PlanDataKind::Reconcile {
                checked: 0,
                mismatches: 1,
                limit: 0.0,
            },
        };
        let s = store(&[&[(0, &[100.0]), (2000, &[300.0])], &[(0, &[]), (2000, &[])]]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Canary, &plan, &mut found);
        assert_eq!(
            d.figures,
            DataFigures::Reconcile {
                checked: Some(200.0),
                mismatches: Some(0.0),
                mismatch_ratio: Some(0.0),
                limit: 0.0
            }
        );
        assert_eq!(d.health, Health::Ok);
        let s = store(&[
            &[(0, &[100.0]), (2000, &[300.0])],
            &[(0, &[]), (2000, &[4.0])],
        ]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Canary, &plan, &mut found);
        assert_eq!(d.health, Health::Warn);
        assert_eq!(found.0[0].rule, "reconcile:orders");
        assert_eq!(
            found.0[0].text,
            "reconcile orders: 4 of 200 records differ (2.00% > 0.00%)"
        );
        // Nothing checked: idle, not healthy, and no verdict on the domain.
        let s = store(&[
            &[(0, &[300.0]), (2000, &[300.0])],
            &[(0, &[4.0]), (2000, &[4.0])],
        ]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Canary, &plan, &mut found);
        assert_eq!((d.health, found.health()), (Health::Unknown, Health::Ok));
    }

    #[test]
    fn shadow_mismatches_are_crit_in_the_shadow_stage_and_errors_are_left_out() {
        let plan = PlanData {
            name: "orders".into(),
            what: PlanDataKind::Shadow {
                comparisons: 0,
                mismatches: 1,
                errors: Some(2),
                limit: 0.01,
            },
        };
        // 1000 comparisons: 900 match, 50 mismatch, 50 error.
        let s = store(&[
            &[(0, &[0.0, 0.0, 0.0]), (2000, &[900.0, 50.0, 50.0])],
            &[(0, &[0.0]), (2000, &[50.0])],
            &[(0, &[0.0]), (2000, &[50.0])],
        ]);
        let mut found = Findings::default();
        let d = entry(&at(&s, 2000), Stage::Shadow, &plan, &mut found);
        let DataFigures::Shadow {
            comparisons,
            mismatch_ratio,
            error_ratio,
            ..
        } = d.figures
        else {
            panic!()
        };
        assert_eq!(comparisons, Some(1000.0));
        assert_eq!(mismatch_ratio, Some(50.0 / 950.0));
        assert_eq!(error_ratio, Some(0.05));
        assert_eq!(found.health(), Health::Crit);
        assert!(found.0[0].far);
        let mut found = Findings::default();
        entry(&at(&s, 2000), Stage::Canary, &plan, &mut found);
        assert_eq!(found.health(), Health::Warn);
        // Idle in the shadow stage: unknown, its main signal says nothing.
        let s = store(&[
            &[(0, &[5.0]), (2000, &[5.0])],
            &[(0, &[]), (2000, &[])],
            &[(0, &[]), (2000, &[])],
        ]);
        let mut found = Findings::default();
        entry(&at(&s, 2000), Stage::Shadow, &plan, &mut found);
        assert_eq!(found.health(), Health::Unknown);
    }

    #[test]
    fn the_json_names_the_kind_and_its_figures() {
        let d = DataStatus {
            name: "copy".into(),
            figures: DataFigures::Lag {
                lag: None,
                trend_per_second: None,
                running: Some(false),
                warn: Some(1.0),
                crit: None,
            },
            unit: "bytes".into(),
            health: Health::Unknown,
            reasons: vec!["lag copy: no data".into()],
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["kind"], "lag");
        assert!(v["lag"].is_null() && v.get("lag").is_some());
        assert_eq!(v["running"], false);
        assert_eq!(v["unit"], "bytes");
        let back: DataStatus = serde_json::from_value(v).unwrap();
        assert_eq!(back, d);
    }
}
