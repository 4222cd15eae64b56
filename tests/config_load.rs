//! Config loading against files: every file in tests/valid_configs loads; every file in
//! tests/invalid_configs fails with exactly the message in its `.expected` file (which names
//! file, line and key), and the example config loads.
#![allow(clippy::unwrap_used)]

use cutover::config::{self, Config, ConfigError, Side, SourceKind, Stage, Step};
use std::path::{Path, PathBuf};

/// Files of `dir` (relative to the package root) ending in `.toml`, sorted.
fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| Path::new(dir).join(path.file_name().unwrap()))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Config {
    config::load(path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn valid_configs_load() {
    let files = toml_files("tests/valid_configs");
    assert!(
        files.len() >= 5,
        "expected several valid configs, found {files:?}"
    );
    for path in files {
        load(&path);
    }
}

#[test]
fn invalid_configs_fail_with_their_expected_message() {
    let files = toml_files("tests/invalid_configs");
    assert!(
        files.len() >= 15,
        "expected at least 15 invalid configs, found {}",
        files.len()
    );
    let mut mismatches = Vec::new();
    for path in &files {
        let expected_path = path.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        let expected = expected.trim_end_matches('\n');
        match config::load(path) {
            Ok(_) => mismatches.push(format!("{}: loaded, expected: {expected}", path.display())),
            Err(error) => {
                let actual = error.to_string();
                if actual != expected {
                    mismatches.push(format!(
                        "{}:\n  expected: {expected}\n  actual:   {actual}",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_invalid_error_names_file_and_line() {
    for path in toml_files("tests/invalid_configs") {
        match config::load(&path) {
            Err(ConfigError::Invalid { file, line, .. }) => {
                assert_eq!(file, path);
                assert!(line.is_some(), "{}: no line", path.display());
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn example_config_loads_with_its_values() {
    let config = load(Path::new("examples/cutover.toml"));
    assert_eq!(config.settings.interval.as_millis(), 2000);
    assert_eq!(config.settings.timeout.as_millis(), 1500);
    let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["gateway", "orders-svc", "rabbitmq", "monolith-db"]);
    assert!(config.sources.iter().all(|s| s.kind == SourceKind::Scrape));
    assert_eq!(config.sources[0].max_body.bytes(), 64 << 20);

    let orders = &config.domains[0];
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.stage, Stage::Canary);
    let traffic = orders.traffic.as_ref().unwrap();
    let Some(Side::Signals(new)) = &traffic.new else {
        panic!("new side is not signals: {:?}", traffic.new)
    };
    let latency = new.latency.as_ref().unwrap();
    assert_eq!(latency.source.as_deref(), Some("orders-svc"));
    assert_eq!(
        latency.select,
        r#"http_request_duration_seconds{handler="/orders/{order_id}"}"#
    );
    assert_eq!(orders.queues[0].warn, Some(1000.0));
    assert_eq!(orders.sagas[0].name, "place-order");
    assert_eq!(orders.data[0].tables.as_deref(), Some("orders|order_items"));
    assert_eq!(orders.data[1].kind, cutover::config::DataKind::Lag);
    assert_eq!(orders.slo.p95.unwrap().as_millis(), 300);
    let rollback = orders.rollback.as_ref().unwrap();
    assert_eq!(rollback.verify_within.as_millis(), 60_000);
    assert_eq!(rollback.steps.len(), 2);
    assert!(
        matches!(&rollback.steps[0], Step::Haproxy(s) if s.command == "set weight be_orders/orders_svc 0")
    );
    assert_eq!(
        config.bindings.get("rollback").map(String::as_str),
        Some("R")
    );

    // every signal resolves to a source, and the scrape ones parse as selectors
    let signals = config.signals();
    assert_eq!(signals.len(), 13);
    for used in &signals {
        let source = config.source(used.source.unwrap()).unwrap();
        assert_eq!(source.kind, SourceKind::Scrape);
        cutover::selector::Selector::parse(&used.signal.select).unwrap();
    }
    assert_eq!(signals[7].key, "domain[0].traffic.new.latency");
    assert_eq!(signals[7].source, Some("orders-svc"));
    assert_eq!(signals[0].source, Some("gateway"));
}

#[test]
fn redacted_toml_round_trips_without_secrets() {
    let text = r#"
[[source]]
name = "mimir"
url = "https://ops:hunter2@mimir.internal/prometheus?api_key=k3y&x=1"
kind = "prometheus"
headers = { "X-Scope-OrgID" = "ops", "X-Api-Key" = "s3cret", Authorization = "Bearer t0ken" }

[[domain]]
name = "orders"
stage = "ramp"

  [domain.traffic]
  source = "mimir"
  legacy.requests = 'sum(rate(http_requests_total{app="monolith"}[1m]))'
  new.requests = 'sum(rate(http_requests_total{app="orders"}[1m]))'

  [[domain.rollback.step]]
  kind = "http"
  method = "POST"
  url = "https://flagger-loadtester/rollback/open?token=abc"
  headers = { Cookie = "session=xyz", "Content-Type" = "application/json" }
  body = '{"name": "orders", "namespace": "shop"}'
"#;
    let config = config::parse_str(text, Path::new("mimir.toml")).unwrap();
    let redacted = config.redacted_toml();
    for secret in ["hunter2", "k3y", "s3cret", "t0ken", "abc", "xyz"] {
        assert!(!redacted.contains(secret), "{secret} leaked:\n{redacted}");
    }
    assert!(redacted.contains("X-Scope-OrgID"), "{redacted}");
    assert!(redacted.contains("\"ops\""), "{redacted}");
    assert!(redacted.contains("application/json"), "{redacted}");
    // the redacted text is itself a valid config with the same shape
    let back = config::parse_str(&redacted, Path::new("redacted.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{redacted}"));
    assert_eq!(back, config.redacted());
    assert_eq!(back.domains[0].traffic, config.domains[0].traffic);
}

#[test]
fn redacted_toml_of_the_example_round_trips() {
    let config = load(Path::new("examples/cutover.toml"));
    let text = config.redacted_toml();
    let back = config::parse_str(&text, Path::new("redacted.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, config);
}

#[cfg(unix)]
#[test]
fn loose_permissions_of_a_loaded_config_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cutover.toml");
    std::fs::copy("examples/cutover.toml", &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(config::loose_permissions(&path), None);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let why = config::loose_permissions(&path).unwrap();
    assert!(
        why.starts_with(&format!("{} is writable by", path.display())),
        "{why}"
    );
    // loading still works: the caller decides to go read-only
    load(&path);
}

#[test]
fn missing_file_is_a_read_error() {
    let error = config::load(Path::new("tests/valid_configs/does-not-exist.toml")).unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }), "{error:?}");
    assert!(error
        .to_string()
        .starts_with("tests/valid_configs/does-not-exist.toml: cannot read the config: "));
}

/// `check` (through `config::load`) and the cockpit read `[bindings]` with one grammar: every
/// valid file starts the cockpit's key map, and every file refused for its bindings is refused
/// by the key map too, with the same words.
#[test]
fn check_and_the_cockpit_agree_on_every_bindings_file() {
    use cutover::ui::keys::KeyMap;
    use std::collections::HashMap;

    for path in toml_files("tests/valid_configs") {
        let config = load(&path);
        let bindings: HashMap<String, String> = config.bindings.into_iter().collect();
        if let Err(e) = KeyMap::new(&bindings) {
            panic!(
                "{}: check passes it, the cockpit refuses it: {e}",
                path.display()
            );
        }
    }
    let mut refused = 0;
    for path in toml_files("tests/invalid_configs") {
        let Err(e) = config::load(&path) else {
            continue;
        };
        let message = e.to_string();
        if !message.contains(": bindings.") {
            continue;
        }
        refused += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        let bindings: HashMap<String, String> = table["bindings"]
            .as_table()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let ui = KeyMap::new(&bindings)
            .err()
            .unwrap_or_else(|| panic!("{}: check refuses it, the cockpit starts", path.display()))
            .to_string();
        let ui = ui.trim_start_matches("[bindings]: ");
        assert!(
            message.ends_with(ui),
            "{}:\n  check:   {message}\n  cockpit: {ui}",
            path.display()
        );
    }
    assert!(refused >= 6, "only {refused} bindings files");
}
