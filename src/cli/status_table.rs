//! `cutover status` without --json: a readable table of the same figures.

use std::fmt::Write;

use crate::figures::latency::{LatencyFrom, LatencyKind};
use crate::figures::{Side, Status};
use crate::format::{number, percent_fixed};

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "-".to_string(), f)
}

fn side(s: &Side) -> String {
    let lat = latency(s);
    let mut gateway = String::new();
    if let Some(r) = s.gateway_requests {
        gateway.push_str(&format!(
            ", gateway {} req ({} 5xx)",
            number(r),
            opt(s.gateway_errors, number)
        ));
    }
    // Trust boundaries where counted: "4xx 81 (8.10%), 401/403 and 429 unknown (by class only)".
    let mut unknown = Vec::new();
    for (name, f) in [
        ("4xx", &s.client_errors),
        ("401/403", &s.auth_failures),
        ("429", &s.rate_limited),
    ] {
        let Some(f) = f else { continue };
        match &f.unknown {
            Some(_) => unknown.push(name),
            None => gateway.push_str(&format!(
                ", {name} {} ({})",
                opt(f.count, number),
                opt(f.ratio, percent_fixed)
            )),
        }
    }
    if !unknown.is_empty() {
        gateway.push_str(&format!(
            ", {} unknown (by class only)",
            unknown.join(" and ")
        ));
    }
    if s.gateway_up == Some(false) {
        gateway.push_str(", DOWN at the gateway");
    }
    format!(
        "{} req ({}/s), {} err ({}), {}{gateway}",
        opt(s.requests, number),
        opt(s.rps, |v| format!("{v:.1}")),
        opt(s.errors, number),
        opt(s.error_ratio, percent_fixed),
        lat
    )
}

/// The shown latency with its kind, and whose it is when the gateway's is shown instead of
/// the path's own: `p95 480ms`, `p95 ≤100ms`, `avg 1ms at the gateway (own p95 ≤100ms)`.
fn latency(s: &Side) -> String {
    let Some(l) = &s.latency else {
        return "p95 -".into();
    };
    let mut text = l.figure();
    if l.from == LatencyFrom::Gateway {
        text.push_str(" at the gateway");
        if let Some(own) = s.quantiles.iter().find(|q| q.kind == LatencyKind::P95) {
            text.push_str(&format!(" (own {})", own.figure()));
        }
    }
    text
}

/// The table, one block per domain, then the sources.
pub fn render(status: &Status) -> String {
    render_spanned(status, None)
}

/// [`render`], with the span the figures were measured over on the first line.
pub fn render_spanned(status: &Status, span_seconds: Option<f64>) -> String {
    let mut out = String::new();
    let span = span_seconds
        .map(|s| {
            format!(
                ", measured over {}",
                crate::figures::span::seconds_words((s * 1000.0) as i64)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "cutover status at {} ({}){span}",
        status.at, status.mode
    );
    for d in &status.domains {
        let _ = writeln!(
            out,
            "\n{:<7} {}  [{}]{}",
            d.health.marker(),
            d.name,
            d.stage,
            if d.stale { "  STALE" } else { "" }
        );
        if let Some(t) = &d.traffic {
            let split = match t.new_share {
                Some(s) => format!("new {}", percent_fixed(s)),
                None => "new -".into(),
            };
            let conf = t
                .configured_new_share
                .map(|c| format!(" (configured {})", percent_fixed(c)))
                .unwrap_or_default();
            let _ = writeln!(out, "  split    {split}{conf}");
            let _ = writeln!(out, "  legacy   {}", side(&t.legacy));
            let _ = writeln!(out, "  new      {}", side(&t.new));
        }
        for q in &d.queues {
            let in_flight = q
                .in_flight
                .map(|f| format!(" ({} {})", f.meaning, opt(f.value, number)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  queue    {} {} {}{in_flight} trend {}/s drain {}",
                q.name,
                q.meaning,
                opt(q.depth, number),
                opt(q.trend_per_second, |v| format!("{v:+.1}")),
                opt(q.drain_seconds, crate::format::drain)
            );
        }
        for s in &d.sagas {
            let _ = writeln!(
                out,
                "  saga     {} failed {} ({}/min) compensated {} in progress {}",
                s.name,
                opt(s.failed, number),
                opt(s.failed_per_minute, |v| format!("{v:.1}")),
                opt(s.compensated, number),
                opt(s.in_progress, number)
            );
        }
        for e in &d.data {
            let words = crate::figures::data::summary(e, "-");
            let _ = writeln!(out, "  data     {} {words}", e.name);
        }
        for r in &d.reasons {
            let _ = writeln!(out, "  - {r}");
        }
    }
    let _ = writeln!(out, "\nsources");
    for s in &status.sources {
        let state = match s.up {
            Some(true) => "up",
            Some(false) => "DOWN",
            None => "?",
        };
        let _ = writeln!(
            out,
            "  {:<5} {:<20} {:>6} ms {:>9} B {:>6} series{}{}",
            state,
            s.name,
            s.duration_ms.map_or("-".into(), |d| d.to_string()),
            s.bytes.map_or("-".into(), |b| b.to_string()),
            s.series.map_or("-".into(), |b| b.to_string()),
            if s.parse_errors > 0 {
                format!("  {} bad lines", s.parse_errors)
            } else {
                String::new()
            },
            s.error
                .as_deref()
                .map(|e| format!("  error: {e}"))
                .unwrap_or_default()
        );
    }
    out
}
