//! Validation of `[domain.judge]` and the judge's keys of `[domain.slo]` (`objective`).

use super::super::locate::KeyPath;
use super::super::model::{Judge, Slo};
use super::problem::Problem;

fn problem(path: KeyPath, message: impl Into<String>) -> Result<(), Problem> {
    Err(Problem {
        path,
        message: message.into(),
    })
}

pub(super) fn judge(
    judge: &Judge,
    slo: &Slo,
    at: &KeyPath,
    slo_at: &KeyPath,
) -> Result<(), Problem> {
    let c = judge.confidence;
    if !(c > 0.5 && c < 1.0) {
        return problem(
            at.key("confidence"),
            format!("{c} is not a confidence between 0.5 and 1 (e.g. 0.98)"),
        );
    }
    let tol = &judge.error_tolerance;
    for (key, v) in [("relative", tol.relative), ("absolute", tol.absolute)] {
        if !v.is_finite() || v < 0.0 {
            return problem(
                at.key("error_tolerance").key(key),
                format!("{v} is not a tolerance (0 or more)"),
            );
        }
    }
    let l = judge.latency_tolerance;
    if !l.is_finite() || l < 0.0 {
        return problem(
            at.key("latency_tolerance"),
            format!("{l} is not a tolerance (0 or more, a fraction of the monolith's median)"),
        );
    }
    if let Some(o) = slo.objective {
        if !(o > 0.0 && o < 1.0) {
            return problem(
                slo_at.key("objective"),
                format!("{o} is not an objective between 0 and 1 (e.g. 0.999)"),
            );
        }
    }
    Ok(())
}
