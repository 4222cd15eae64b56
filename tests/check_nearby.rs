//! `cutover check` says what does exist when a selector matches nothing: the nearest label
//! values of the family, or that the family is absent (and when that is normal). Real HAProxy
//! and FastAPI captures served on 127.0.0.1, the real binary.

mod common;

use common::{fixture, HttpServer, Reply, Sandbox};

#[test]
fn a_typo_in_a_server_name_lists_the_servers_that_exist() {
    let server = HttpServer::start(|req, _| {
        Some(match req.path.as_str() {
            "/gateway" => Reply::text(fixture("real/haproxy-svc-down.prom")),
            // A FastAPI app that has served nothing yet: no request families at all.
            _ => Reply::text("# HELP python_info Python platform information\n# TYPE python_info gauge\npython_info{implementation=\"CPython\"} 1.0\n"),
        })
    });
    let sb = Sandbox::new();
    let cfg = sb.config(&format!(
        r#"
[settings]
interval = "1s"
timeout = "800ms"

[[source]]
name = "gateway"
url = "{gw}"

[[source]]
name = "orders-svc"
url = "{svc}"

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "gateway"
  preset = "haproxy"
  backend = "be_orders"
  legacy = "monolit"
  new = {{ preset = "fastapi", source = "orders-svc", handler = "/orders/{{order_id}}" }}
"#,
        gw = server.url("/gateway"),
        svc = server.url("/svc"),
    ));
    let out = sb
        .cutover()
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "no series of haproxy_server_http_responses_total has server=\"monolit\"; existing server values, nearest first: \"monolith\", \"orders_svc\""
        ),
        "{text}"
    );
    assert!(
        text.contains("the metric family http_requests_total is absent from the body (normal for a service that has served no request yet"),
        "{text}"
    );
}
