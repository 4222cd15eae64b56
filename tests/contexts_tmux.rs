//! Contexts in the live cockpit, end to end in a real terminal (tmux): the contexts key lists
//! them, a broken one is refused with its error while the current one keeps running, a switch
//! shows the other context's domains alone with the production header, a production rollback
//! asks for `CONTEXT/DOMAIN`, and a switch while that rollback is in flight is refused.
//!
//! These tests need tmux, so they are `#[ignore]`d; CI runs them with `--include-ignored`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::action::audit;
use common::config::{haproxy, sh_step};
use common::gateway::Gateway;
use common::tmux::Pane;
use common::{ConfigBuilder, HttpServer, Sandbox};

const WAIT: Duration = Duration::from_secs(15);

/// A context with one domain of that name, reading the gateway, rolled back by `steps`.
fn context(metrics: &HttpServer, domain: &str, settings: &str, steps: &str) -> String {
    ConfigBuilder::new()
        .every("500ms", "400ms")
        .settings_text(settings)
        .gateway(&metrics.url("/metrics"))
        .domain(domain, "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .rollback("2s", steps)
        .build()
}

fn header(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

#[test]
#[ignore = "needs tmux"]
fn the_contexts_key_switches_refuses_a_broken_one_and_refuses_while_in_flight() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    // Staging's gateway apart, to see its pollers stop with the switch.
    let staging_metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    sb.context(
        "staging",
        &context(&staging_metrics, "orders", "", &sh_step("true", "5s")),
    );
    // The rollback takes 3 s and is then verified for 2 s: in flight for about 5 s.
    sb.context(
        "prod-eu",
        &context(
            &metrics,
            "payments",
            "production = true",
            &sh_step("sleep 3", "10s"),
        ),
    );
    sb.context(
        "broken",
        "[settings]\ninterval = \"2s\"\nintervall = \"3s\"\n",
    );

    let pane = Pane::start(&sb, &["--context", "staging"], &[]);
    let s = pane.wait_for("staging's orders", WAIT, |s| {
        header(s).contains(" staging ") && s.contains("orders")
    });
    assert!(!header(&s).contains("PRODUCTION"), "{s}");

    // The list: sorted, the current one selected; a broken file says why.
    pane.keys(&["C"]);
    let s = pane.wait_for("the contexts box", WAIT, |s| s.contains("Contexts"));
    assert!(s.contains("> staging  in use"), "{s}");
    assert!(s.contains("- prod-eu  PRODUCTION"), "{s}");
    assert!(
        s.contains("does not load:") && s.contains("intervall"),
        "{s}"
    );

    // The broken one is refused with its error; staging keeps running.
    pane.keys(&["k", "k", "Enter"]);
    let s = pane.wait_for("the refusal", WAIT, |s| {
        s.contains("Not switched to broken")
    });
    assert!(
        s.contains("broken.toml:3") && s.contains("intervall"),
        "{s}"
    );
    assert!(s.contains("context staging keeps running."), "{s}");
    pane.keys(&["Escape"]);
    let s = pane.wait_for("the box closed", WAIT, |s| !s.contains("Not switched"));
    assert!(
        header(&s).contains(" staging ") && s.contains("orders"),
        "{s}"
    );

    // The switch: prod-eu's domain alone, and its name in the header as production.
    pane.keys(&["C"]);
    pane.wait_for("the contexts box", WAIT, |s| s.contains("Contexts"));
    pane.keys(&["k", "Enter"]);
    let s = pane.wait_for("prod-eu's payments", WAIT, |s| {
        header(s).contains("PRODUCTION prod-eu") && s.contains("payments")
    });
    assert!(!s.contains("orders"), "nothing of staging is left:\n{s}");
    // Staging's pollers stopped with its session: its gateway hears no more scrapes.
    let polled = staging_metrics.requests().len();
    let prod_polled = metrics.requests().len();
    pane.wait_for("prod-eu polled three times more", WAIT, |_| {
        metrics.requests().len() >= prod_polled + 3
    });
    assert_eq!(staging_metrics.requests().len(), polled);

    // A production rollback: the domain's name alone is refused ...
    pane.keys(&["R"]);
    let s = pane.wait_for("the dialog", WAIT, |s| s.contains("to confirm:"));
    assert!(s.contains("Type prod-eu/payments to confirm"), "{s}");
    pane.text("payments");
    pane.wait_for("the typed name", WAIT, |s| {
        s.contains("to confirm: payments_")
    });
    pane.keys(&["Enter"]);
    let s = pane.wait_for("the refusal", WAIT, |s| s.contains("Rollback refused"));
    assert!(s.contains("did not match prod-eu/payments"), "{s}");
    // (Each Escape is let through alone: an Escape and a key at once read as Alt-key.)
    pane.keys(&["Escape"]);
    pane.wait_for("the box closed", WAIT, |s| !s.contains("Rollback refused"));

    // ... both names run it; while it is in flight a switch is refused in words.
    pane.keys(&["R"]);
    pane.wait_for("the dialog", WAIT, |s| s.contains("to confirm:"));
    pane.text("prod-eu/payments");
    pane.wait_for("the typed names", WAIT, |s| {
        s.contains("to confirm: prod-eu/payments_")
    });
    pane.keys(&["Enter"]);
    pane.wait_for("the rollback under way", WAIT, |s| {
        s.contains("step 1/1 running")
    });
    pane.keys(&["Escape"]);
    pane.wait_for("the box closed", WAIT, |s| !s.contains("step 1/1 running"));
    pane.keys(&["C"]);
    pane.wait_for("the contexts box", WAIT, |s| s.contains("Contexts"));
    pane.keys(&["j", "Enter"]);
    let s = pane.wait_for("the refusal", WAIT, |s| {
        s.contains("Not switched to staging")
    });
    assert!(
        s.contains(
            "An action on payments (a rollback or a promotion, or its verification) is in flight."
        ),
        "{s}"
    );
    assert!(s.contains("context prod-eu keeps running."), "{s}");
    pane.keys(&["Escape"]);
    let s = pane.wait_for("still prod-eu", WAIT, |s| !s.contains("Not switched"));
    assert!(header(&s).contains("PRODUCTION prod-eu"), "{s}");

    // Every entry of the cockpit's actions names the context.
    let entries = audit(&sb);
    assert!(entries.len() >= 2, "{entries:?}");
    assert!(
        entries.iter().all(|e| e["context"] == "prod-eu"),
        "{entries:?}"
    );
}
