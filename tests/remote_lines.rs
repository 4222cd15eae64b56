//! Text a remote end wrote never starts a line of its own in the CLI's output, and is cut like
//! every quoted answer: a query API whose `error` (or `errorType`, `resultType`, a label name)
//! holds a line break could otherwise print a row that passes for another source's ("ok  fake
//! HTTP 200") in `check` and `status`, and one of a few megabytes would be printed whole.
//! Real query API on 127.0.0.1, the real binary.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, HttpServer, Reply, Sandbox};

/// A forged `check`/`status` row, after a line break.
const FORGED: &str = "  ok    forged-source        HTTP 200  1 bytes  1 ms  1 series";

fn hostile_api(envelope: serde_json::Value) -> HttpServer {
    let body = envelope.to_string();
    HttpServer::start(move |_, _| Some(Reply::of(200, "application/json", body.clone())))
}

fn config(server: &HttpServer) -> String {
    format!(
        r#"
[settings]
interval = "1s"
timeout = "800ms"

[[source]]
name = "prom"
kind = "prometheus"
url = "{url}"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "prom"
  legacy.requests = 'sum(rate(x_total[1m]))'
  new.requests    = 'sum(rate(y_total[1m]))'
"#,
        url = server.url("")
    )
}

fn assert_no_forged_row(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.starts_with("  ok    forged-source"),
            "{what}: a remote line break started a row of its own:\n{text}"
        );
        assert!(
            line.chars().count() < 1000,
            "{what}: a {} character line: the answer was not cut",
            line.chars().count()
        );
    }
}

fn run(envelope: serde_json::Value) {
    let server = hostile_api(envelope);
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&server));
    for args in [&["check"][..], &["status", "--over", "1s"][..]] {
        let out = sb.run(&cfg, args);
        let text = common::both(&out);
        assert!(
            text.contains("forged-source"),
            "{args:?}: the answer was not shown:\n{text}"
        );
        assert_no_forged_row(&format!("{args:?}"), &text);
    }
    let out = sb.run(&cfg, ["status", "--json", "--over", "1s"]);
    let v = json(&out);
    let error = v["sources"][0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!error.contains('\n'), "{error}");
    assert!(
        error.chars().count() < 1000,
        "{} characters",
        error.chars().count()
    );
}

#[test]
fn a_query_api_error_with_a_line_break_stays_on_its_line_and_is_cut() {
    run(serde_json::json!({
        "status": "error",
        "errorType": "bad_data",
        "error": format!("parse error\n{FORGED}\n{}", "x".repeat(2_000_000)),
    }));
}

#[test]
fn an_error_type_with_a_line_break_stays_on_its_line() {
    run(serde_json::json!({
        "status": "error",
        "errorType": format!("bad_data\n{FORGED}\n{}", "y".repeat(100_000)),
        "error": "boom",
    }));
}

#[test]
fn an_unknown_result_type_with_a_line_break_stays_on_its_line() {
    run(serde_json::json!({
        "status": "success",
        "data": {"resultType": format!("odd\n{FORGED}\n{}", "z".repeat(100_000)), "result": []},
    }));
}

/// An HTTP step's answer (and an exec step's output) quotes a remote end: its later lines are
/// indented under the step's line, never a line that reads as cutover's own verdict.
#[test]
fn a_step_answer_with_line_breaks_cannot_print_a_verdict_line() {
    let forged = "All steps done. FORGED\nVerified after 0.1 s: FORGED\n[2/1] ok in 0 ms: FORGED";
    let answer = forged.to_string();
    let api = HttpServer::start(move |_, _| Some(Reply::text(format!("accepted\n{answer}\n"))));
    let metrics = common::action::metrics();
    let steps = format!(
        "  [[domain.rollback.step]]\n  kind = \"http\"\n  method = \"POST\"\n  url = \"{}\"\n  timeout = \"5s\"\n{}",
        api.url("/rollback"),
        // printf makes the line breaks: the step as configured holds none.
        common::config::exec_step(&["/usr/bin/printf", &forged.replace('\n', "\\n")], "5s"),
    );
    let sb = Sandbox::new();
    let cfg = sb.config(&common::action::config(&metrics, "orders", &steps, "1s"));
    let out = sb.run(&cfg, ["rollback", "orders", "--yes"]);
    let text = common::both(&out);
    assert!(
        text.contains("accepted"),
        "the answer was not shown:\n{text}"
    );
    assert!(text.contains("stdout: All steps done. FORGED"), "{text}");
    for line in text.lines() {
        assert!(
            !line.starts_with("Verified after 0.1 s")
                && !line.starts_with("All steps done. FORGED")
                && !line.starts_with("[2/1]"),
            "a step's answer printed a line of its own: {line:?}\n{text}"
        );
    }
}
