//! Reading figures in assertions: a domain by name (typed, or in `status --json`) and numbers
//! compared with a tolerance.

use cutover::figures::{DomainStatus, Status};
use serde_json::Value;

/// The domain with this name; panics naming it when there is none.
pub fn domain<'a>(status: &'a Status, name: &str) -> &'a DomainStatus {
    status
        .domains
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no domain {name}"))
}

/// The domain with this name in a `status --json` document.
pub fn json_domain<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no domain {name} in {status}"))
}

/// A JSON number within 1e-9 of `b` (not a number or `null`: false).
pub fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// A figure that is there and equals `expected` within 1e-9, relative for large values.
#[track_caller]
pub fn assert_near(actual: Option<f64>, expected: f64) {
    let a = actual.unwrap_or_else(|| panic!("expected {expected}, got no data"));
    assert!(
        (a - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {a}"
    );
}
