//! The shadow-traffic comparer inside notifications-svc (GitHub Scientist / Diffy style), as
//! prometheus_client writes its counter: `shadow_comparisons_total{domain,result}` then the
//! `shadow_comparisons_created` gauge family, Python's number formatting.

use super::super::scenario::World;
use super::{python_float, Body};

const HELP: &str = "Shadow comparisons of the monolith's answer with the new service's.";
const RESULTS: [&str; 3] = ["match", "mismatch", "error"];

pub(super) fn render(body: &mut Body, world: &World) {
    // The comparer started two hours before the scenario.
    let created = world.start_ms() as f64 / 1000.0 - 7200.0;
    body.family("shadow_comparisons_total", "counter", HELP);
    for (result, count) in RESULTS.iter().zip(world.data.shadow) {
        body.sample(
            "shadow_comparisons_total",
            &[("domain", "notifications"), ("result", result)],
            &python_float(count.floor()),
        );
    }
    body.family("shadow_comparisons_created", "gauge", HELP);
    for result in RESULTS {
        body.sample(
            "shadow_comparisons_created",
            &[("domain", "notifications"), ("result", result)],
            &python_float(created),
        );
    }
}
