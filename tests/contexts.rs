//! Contexts: several configs side by side in `<config dir>/contexts/NAME.toml`, chosen with
//! `--context NAME` or `$CUTOVER_CONTEXT`, listed by `cutover contexts`; a context marked
//! `production = true` asks for `NAME/DOMAIN` in every confirmation, and the audit log records
//! the context. Real config dirs (the sandbox's XDG dirs), real metrics servers and a real
//! HAProxy runtime API server on 127.0.0.1.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Output;

use common::action::audit;
use common::config::{haproxy, haproxy_step, haproxy_weight};
use common::gateway::Gateway;
use common::{both, ConfigBuilder, HttpServer, Sandbox};

const SET_WEIGHT: &str = "set weight be_orders/orders_svc 0";

/// The orders domain behind the gateway, with `settings` added and a rollback through the
/// runtime API at `api`.
fn orders(metrics: &HttpServer, api: &str, settings: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .settings_text(settings)
        .gateway(&metrics.url("/metrics"))
        .domain("orders", "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .signal("new", "weight", &haproxy_weight("orders_svc"))
        .signal("legacy", "weight", &haproxy_weight("monolith"))
        .rollback("3s", &haproxy_step(api, SET_WEIGHT, "2s"))
        .build()
}

/// A config with one domain of that name, reading `metrics`.
fn one_domain(metrics: &HttpServer, domain: &str, settings: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .settings_text(settings)
        .gateway(&metrics.url("/metrics"))
        .domain(domain, "canary", "gateway")
        .signal("legacy", "requests", &haproxy("monolith", ""))
        .signal("new", "requests", &haproxy("orders_svc", ""))
        .build()
}

/// `cutover ARGS` in the sandbox with `env`, `stdin` typed in.
fn run(sb: &Sandbox, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut c = sb.cutover();
    c.args(args).env("USER", "tester");
    for (k, v) in env {
        c.env(k, v);
    }
    common::run_answering(&mut c, stdin)
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn domains(out: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", both(out)));
    v["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn contexts_are_listed_with_their_flags_and_a_broken_file_with_its_error() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    sb.context(
        "prod-eu",
        &one_domain(&metrics, "payments", "production = true"),
    );
    sb.context(
        "staging",
        &one_domain(&metrics, "orders", "read_only = true"),
    );
    let broken = sb.context(
        "broken",
        "[settings]\ninterval = \"2s\"\nintervall = \"3s\"\n",
    );
    // A file whose name is not a context name is not one; nor is a file of another kind.
    std::fs::write(broken.with_file_name("..evil.toml"), "").unwrap();
    std::fs::write(broken.with_file_name("notes.md"), "").unwrap();

    let out = run(&sb, &["contexts"], &[("CUTOVER_CONTEXT", "prod-eu")], "");
    assert_eq!(code(&out), 0, "{}", both(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[0].contains("NAME") && lines[0].contains("PRODUCTION"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("   broken ") && lines[1].contains(" ?  "),
        "{text}"
    );
    // The error names the file, the line and the key.
    assert!(
        lines[2].contains("does not load:")
            && lines[2].contains("contexts/broken.toml:3")
            && lines[2].contains("intervall"),
        "{text}"
    );
    assert!(lines[3].starts_with("*  prod-eu "), "{text}");
    assert!(lines[3].contains("  no         yes  "), "{text}");
    assert!(
        lines[4].starts_with("   staging ") && lines[4].contains("  yes        no  "),
        "{text}"
    );

    // --context marks its own; JSON has the same rows.
    let out = run(
        &sb,
        &["contexts", "--json", "--context", "staging"],
        &[],
        "",
    );
    assert_eq!(code(&out), 0, "{}", both(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["name"], "broken");
    assert!(rows[0]["error"].as_str().unwrap().contains("intervall"));
    assert_eq!(rows[0]["production"], serde_json::Value::Null);
    assert_eq!(rows[1]["production"], true);
    assert_eq!(rows[1]["current"], false);
    assert_eq!(rows[2]["read_only"], true);
    assert_eq!(rows[2]["current"], true);
    assert!(rows[2].get("error").is_none());
}

#[test]
fn context_flag_and_variable_choose_the_config_the_flag_first() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    sb.context("prod", &one_domain(&metrics, "payments", ""));
    sb.context("staging", &one_domain(&metrics, "orders", ""));
    let status = ["status", "--json", "--over", "1s"];
    let out = run(
        &sb,
        &[&["--context", "staging"][..], &status].concat(),
        &[],
        "",
    );
    assert_eq!(domains(&out), ["orders"]);
    let out = run(&sb, &status, &[("CUTOVER_CONTEXT", "prod")], "");
    assert_eq!(domains(&out), ["payments"]);
    // The flag wins over the variable, after the subcommand too.
    let args = [&status[..], &["--context", "staging"]].concat();
    let out = run(&sb, &args, &[("CUTOVER_CONTEXT", "prod")], "");
    assert_eq!(domains(&out), ["orders"]);
}

/// Arguments, environment, and what must be said.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn bad_choices_are_clear_usage_errors() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    sb.context("prod", &one_domain(&metrics, "payments", ""));
    let cfg = sb.config(&one_domain(&metrics, "orders", ""));
    let cfg = cfg.to_str().unwrap();
    let cases: [Case; 5] = [
        (
            &["--config", cfg, "--context", "prod", "check"],
            &[],
            "--config and --context both name a config",
        ),
        (
            &["check"],
            &[("CUTOVER_CONTEXT", "prod"), ("CUTOVER_CONFIG", cfg)],
            "$CUTOVER_CONFIG and $CUTOVER_CONTEXT are both set",
        ),
        (
            &["--context", "../cutover", "check"],
            &[],
            "context name \"../cutover\" may hold only letters, digits",
        ),
        (
            &["check"],
            &[("CUTOVER_CONTEXT", "..\u{1b}[2J")],
            "context name \"..\\x1b[2J\" may hold only",
        ),
        (&["--context", "qa", "status"], &[], "no context qa: "),
    ];
    for (args, env, said) in cases {
        let out = run(&sb, args, env, "");
        let text = both(&out);
        assert_eq!(code(&out), 2, "{args:?}: {text}");
        assert!(text.contains(said), "{args:?}: {text}");
        assert!(!text.contains('\u{1b}'), "{args:?}: {text}");
    }
}

#[test]
fn production_asks_for_the_context_and_the_domain_and_the_audit_log_records_the_context() {
    let gw = Gateway::new(10, 90, 20);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    sb.context(
        "prod",
        &orders(&metrics, &api.address(), "production = true"),
    );
    let rollback = ["--context", "prod", "rollback", "orders"];

    // The domain's name alone, as on staging: refused, nothing sent to the gateway.
    let out = run(&sb, &rollback, &[], "orders\n");
    assert_eq!(code(&out), 2, "{}", both(&out));
    let text = both(&out);
    assert!(
        text.contains(
            "Type PRODUCTION prod: the context and domain names as prod/orders to roll it back"
        ),
        "{text}"
    );
    assert!(text.contains("did not match prod/orders"), "{text}");
    assert!(api.received().is_empty(), "{:?}", api.received());
    let entries = audit(&sb);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["event"], "refused");
    assert_eq!(entries[0]["context"], "prod");

    // Both names: it runs, and every entry names the context.
    let out = run(&sb, &rollback, &[], "prod/orders\n");
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert!(api.received().contains(&SET_WEIGHT.to_string()));
    let entries = audit(&sb);
    let events: Vec<&str> = entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["refused", "requested", "succeeded", "verified"]);
    assert!(
        entries.iter().all(|e| e["context"] == "prod"),
        "{entries:?}"
    );

    let out = run(&sb, &["audit"], &[], "");
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert_eq!(text.matches("  context prod").count(), 4, "{text}");
}

#[test]
fn yes_on_production_needs_the_context_named_on_the_command_line() {
    let gw = Gateway::new(10, 90, 20);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let prod = sb.context(
        "prod",
        &orders(&metrics, &api.address(), "production = true"),
    );
    let prod = prod.to_str().unwrap();

    for (args, env) in [
        (
            vec!["rollback", "orders", "--yes"],
            vec![("CUTOVER_CONTEXT", "prod")],
        ),
        (
            vec!["--config", prod, "rollback", "orders", "--yes"],
            vec![],
        ),
        (
            vec!["--config", prod, "promote", "orders", "--yes", "--to", "20"],
            vec![],
        ),
        (vec!["--config", prod, "ramp", "orders", "--yes"], vec![]),
    ] {
        let out = run(&sb, &args, &env, "");
        let text = both(&out);
        assert_eq!(code(&out), 2, "{args:?}: {text}");
        assert!(
            text.contains("is marked production = true, so --yes confirms only under a context named on the command line"),
            "{args:?}: {text}"
        );
        assert!(text.contains("type prod/orders"), "{args:?}: {text}");
    }
    assert!(api.received().is_empty(), "{:?}", api.received());
    assert!(audit(&sb).is_empty());

    let out = run(
        &sb,
        &["--context", "prod", "rollback", "orders", "--yes"],
        &[],
        "",
    );
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert!(api.received().contains(&SET_WEIGHT.to_string()));
}

#[test]
fn without_a_context_entries_carry_none_and_the_domain_name_confirms() {
    let gw = Gateway::new(10, 90, 20);
    let (api, metrics) = (gw.runtime_api(), gw.metrics());
    let sb = Sandbox::new();
    let cfg = sb.config(&orders(&metrics, &api.address(), ""));
    let out = run(
        &sb,
        &["--config", cfg.to_str().unwrap(), "rollback", "orders"],
        &[],
        "orders\n",
    );
    assert_eq!(code(&out), 0, "{}", both(&out));
    let entries = audit(&sb);
    assert!(!entries.is_empty());
    assert!(
        entries.iter().all(|e| e.get("context").is_none()),
        "{entries:?}"
    );
}

#[test]
fn init_writes_a_context_and_info_names_it() {
    let metrics = Gateway::new(10, 90, 20).metrics();
    let sb = Sandbox::new();
    let url = metrics.url("/metrics");
    let out = run(&sb, &["--context", "qa", "init", &url], &[], "");
    assert_eq!(code(&out), 0, "{}", both(&out));
    let file = sb.path().join("config/cutover/contexts/qa.toml");
    assert!(file.is_file(), "{}", both(&out));
    let out = run(&sb, &["info", "--json"], &[("CUTOVER_CONTEXT", "qa")], "");
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["config"]["source"], "context");
    assert_eq!(info["config"]["path"], file.to_str().unwrap());
    assert_eq!(info["config"]["exists"], true);
    // The written context is one `contexts` lists, and it loads.
    let out = run(&sb, &["contexts", "--json"], &[], "");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["name"], "qa");
    assert!(rows[0].get("error").is_none(), "{rows}");
}
