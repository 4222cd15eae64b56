//! `cutover init` against real HTTP servers serving real exporter captures: the file it writes
//! loads, `check` reaches every source with it, and `status` shows real figures — the newcomer's
//! path from nothing to figures.

mod common;

use common::{fixture, HttpServer, Reply, Sandbox};

fn serve(relative: &str) -> HttpServer {
    let body = fixture(relative);
    HttpServer::start(move |_, _| Some(Reply::text(body.clone())))
}

#[test]
fn a_starter_config_from_the_lab_captures_loads_checks_and_shows_figures() {
    let gateway = serve("real/haproxy-idle.prom");
    // The lab runs the same app twice (monolith and orders_svc): both serve the same saga,
    // whose series exist from the start (lab/apps/orders_app.py).
    let sagas = "# TYPE saga_started_total counter\nsaga_started_total{saga=\"place_order\",domain=\"orders\"} 0\n# TYPE saga_failed_total counter\nsaga_failed_total{saga=\"place_order\",domain=\"orders\",step=\"charge\",reason=\"declined\"} 0\n# TYPE saga_in_progress gauge\nsaga_in_progress{saga=\"place_order\",domain=\"orders\"} 0\n# TYPE saga_compensation_total counter\nsaga_compensation_total{saga=\"place_order\",domain=\"orders\",step=\"charge\",result=\"ok\"} 0\n";
    let with_sagas = || {
        let body = fixture("real/orders-monolith-canary.prom") + sagas;
        HttpServer::start(move |_, _| Some(Reply::text(body.clone())))
    };
    let service = with_sagas();
    let service_2 = with_sagas();
    let broker = serve("real/rabbitmq-per-object.prom");
    let sb = Sandbox::new();
    let out_file = sb.path().join("written/cutover.toml");
    let out = common::run_ok(sb.cutover().args(["init", "--out"]).arg(&out_file).args([
        gateway.url("/metrics"),
        service.url("/metrics"),
        service_2.url("/metrics"),
        broker.url("/metrics"),
    ]));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("4 source(s), 1 domain(s)"), "{said}");

    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.contains("preset = \"haproxy\""), "{text}");
    assert!(text.contains("legacy = \"monolith\""), "{text}");
    assert!(text.contains("new = \"orders_svc\""), "{text}");
    assert!(
        text.contains("/orders/{order_id}"),
        "the service's handlers are listed:\n{text}"
    );
    assert!(text.contains("preset = \"rabbitmq\""), "{text}");
    assert!(
        text.contains("name = \"place_order\"")
            && text.contains("name = \"place_order@fastapi-2\""),
        "one saga name per domain:\n{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(out_file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
    }

    let check = sb
        .cutover()
        .arg("--config")
        .arg(&out_file)
        .arg("check")
        .output()
        .unwrap();
    let check_text = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{check_text}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(check_text.contains("orders"), "{check_text}");

    let status = common::run_ok(
        sb.cutover()
            .arg("--config")
            .arg(&out_file)
            .args(["status", "--json", "--over", "2s"]),
    );
    let json = common::json(&status);
    let domains = json["domains"].as_array().expect("domains");
    assert_eq!(domains.len(), 1);
    assert_eq!(domains[0]["name"], "orders");
}

#[test]
fn an_existing_file_is_never_overwritten_and_an_unreadable_url_is_still_a_source() {
    let sb = Sandbox::new();
    let path = sb.config("# mine\n");
    let out = sb
        .cutover()
        .args(["init", "--out"])
        .arg(&path)
        .arg("http://127.0.0.1:1/metrics")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    let fresh = sb.path().join("fresh.toml");
    common::run_ok(
        sb.cutover()
            .args(["init", "--out"])
            .arg(&fresh)
            .arg("http://127.0.0.1:1/metrics"),
    );
    let text = std::fs::read_to_string(&fresh).unwrap();
    assert!(text.contains("# could not be read just now"), "{text}");
    assert!(text.contains("No gateway split was found"), "{text}");
}

#[test]
fn without_out_it_writes_where_the_config_is_looked_for_and_the_no_config_message_says_init() {
    let sb = Sandbox::new();
    let missing = sb.cutover().arg("status").output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cutover init"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );

    let gateway = serve("real/haproxy-idle.prom");
    common::run_ok(sb.cutover().arg("init").arg(gateway.url("/metrics")));
    assert!(sb.path().join("config/cutover/cutover.toml").is_file());
}

#[test]
fn credentials_in_a_url_are_refused_without_being_echoed() {
    let sb = Sandbox::new();
    let out = sb
        .cutover()
        .args(["init", "--out"])
        .arg(sb.path().join("c.toml"))
        .arg("http://ops:Hunter2secret@127.0.0.1:1/metrics")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("basic_auth"), "{err}");
    assert!(!err.contains("Hunter2secret"), "{err}");
    assert!(!sb.path().join("c.toml").exists());
}
