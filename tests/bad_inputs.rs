//! The bad-input matrix: one misbehaving server per case on 127.0.0.1, next to one good
//! source in the same config, through `cutover status --json` (the binary).
//!
//! Every case must end in bounded time (interval + 2 × timeout + a margin for starting the
//! binary), exit 0 without a panic, show the bad source down with its error in words (or, where
//! the contract says a body is still usable, up with what could be read), leave the good
//! source's figures exactly as they would be alone, and, for the cases built to exhaust memory
//! (a gzip bomb, a 10 MB line), keep the process's peak RSS under a bound set by `max_body`.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::figures::{close, json_domain};
use common::{fixture, HttpServer, Listener, Reply, Sandbox};
use serde_json::Value;

/// Poll interval and per-request timeout of every case's config.
const INTERVAL: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_millis(800);
/// Starting a debug binary and building its clients, on a busy two-core machine.
const MARGIN: Duration = Duration::from_secs(3);

/// Memory a run needs besides the bodies it holds (binary, runtime, TLS roots, clients).
const BASE_RSS_BYTES: u64 = 60 << 20;

// ---------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------

/// A server that hands each accepted connection to `handler` as is, so a case can answer with
/// any bytes, answer half, or never answer.
fn raw_server(handler: impl Fn(TcpStream) + Send + Sync + 'static) -> u16 {
    Listener::raw(handler).detach()
}

/// Reads a request's head and gives its path.
fn read_request(conn: &TcpStream) -> String {
    let mut reader = BufReader::new(conn);
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim_end().is_empty() => break,
            Ok(_) => {}
        }
    }
    first.split_whitespace().nth(1).unwrap_or("/").to_string()
}

/// Answers every request with `head` (status line and headers, without the blank line) and
/// `body`, then closes.
fn answer(head: &'static str, body: Vec<u8>) -> u16 {
    raw_server(move |mut conn| {
        read_request(&conn);
        let _ = write!(
            conn,
            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = conn.write_all(&body);
    })
}

/// The good source: HAProxy before any traffic on the first poll, after the canary on the
/// second, as in tests/status.rs.
fn good_server() -> HttpServer {
    HttpServer::start(|_, n| {
        Some(Reply::text(if n == 0 {
            fixture("real/haproxy-idle.prom")
        } else {
            fixture("real/haproxy-svc-down.prom")
        }))
    })
}

// ---------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------

/// How the bad source is configured.
struct Case {
    url: String,
    /// Extra keys in the bad source's table (`kind`, `max_body`, `ca_file`).
    source_keys: String,
    /// A bound on the run's peak RSS when the case is about memory; else [`BASE_RSS_BYTES`].
    max_rss_bytes: Option<u64>,
}

impl Case {
    fn new(url: String) -> Case {
        Case {
            url,
            source_keys: String::new(),
            max_rss_bytes: None,
        }
    }
    fn http(port: u16, path: &str) -> Case {
        Case::new(format!("http://127.0.0.1:{port}{path}"))
    }
    fn keys(mut self, keys: &str) -> Case {
        self.source_keys.push_str(keys);
        self.source_keys.push('\n');
        self
    }
    /// Sets `max_body` and bounds peak RSS by three times it plus the base.
    fn max_body_mib(self, mib: u64) -> Case {
        let mut case = self.keys(&format!("max_body = \"{mib}MiB\""));
        case.max_rss_bytes = Some(3 * (mib << 20) + BASE_RSS_BYTES);
        case
    }
}

/// What a run gave: the status document and the bad source's entry in it.
struct Ran {
    status: Value,
    bad: Value,
}

impl Ran {
    fn error(&self) -> &str {
        self.bad["error"].as_str().unwrap_or("")
    }
    fn domain(&self, name: &str) -> &Value {
        json_domain(&self.status, name)
    }
    /// The bad source is down with an error that says `words`, and its domain knows nothing.
    fn assert_down(&self, words: &str) {
        assert_eq!(self.bad["up"], false, "{}", self.bad);
        assert!(
            self.error().contains(words),
            "expected an error saying {words:?}, got {}",
            self.bad
        );
        let broken = self.domain("broken");
        assert_eq!(broken["stale"], true, "{broken}");
        assert!(broken["queues"][0]["depth"].is_null(), "{broken}");
    }
}

fn config(good: &HttpServer, case: &Case) -> String {
    let depth = if case.source_keys.contains("prometheus") {
        "sum(queue_depth)"
    } else {
        "queue_depth"
    };
    format!(
        r#"
[settings]
interval = "{interval}ms"
timeout = "{timeout}ms"
window = "1m"

[[source]]
name = "good"
url = "{good}"

[[source]]
name = "bad"
url = "{bad}"
{keys}

[[domain]]
name = "orders"
stage = "canary"
  [domain.traffic]
  source = "good"
  legacy.requests = 'haproxy_server_http_responses_total{{proxy="be_orders",server="monolith"}}'
  legacy.errors   = 'haproxy_server_http_responses_total{{proxy="be_orders",server="monolith",code="5xx"}}'
  new.requests    = 'haproxy_server_http_responses_total{{proxy="be_orders",server="orders_svc"}}'
  new.errors      = 'haproxy_server_http_responses_total{{proxy="be_orders",server="orders_svc",code="5xx"}}'

[[domain]]
name = "broken"
stage = "planned"
  [[domain.queue]]
  name = "q"
  source = "bad"
  depth = '{depth}'
"#,
        interval = INTERVAL.as_millis(),
        timeout = TIMEOUT.as_millis(),
        good = good.url("/metrics"),
        bad = case.url,
        keys = case.source_keys,
    )
}

/// Runs the binary, reading its peak RSS (`VmHWM`) from /proc while it runs.
fn run_measured(mut command: Command) -> (Output, Duration, Option<u64>) {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let mut peak: Option<u64> = None;
    let status = loop {
        if let Some(hwm) = vm_hwm_bytes(pid) {
            peak = Some(peak.map_or(hwm, |p| p.max(hwm)));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the binary ran for over a minute");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let output = Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    (output, elapsed, peak)
}

/// The peak resident set of a running process, from /proc (Linux).
fn vm_hwm_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs `status --json` on a config with the good source and the case's bad one, and checks
/// what every case must satisfy.
fn run_case(case: Case) -> Ran {
    let good = good_server();
    let sb = Sandbox::new();
    let cfg = sb.config(&config(&good, &case));
    let mut command = sb.cutover();
    command
        .arg("--config")
        .arg(&cfg)
        .args(["status", "--json", "--over", "1s"]);
    let (out, elapsed, peak) = run_measured(command);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\nstderr:\n{stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let bound = INTERVAL + 2 * TIMEOUT + MARGIN;
    assert!(elapsed < bound, "took {elapsed:?}, more than {bound:?}");
    // Every case holds at most small bodies but the ones built to exhaust memory.
    let max = case.max_rss_bytes.unwrap_or(BASE_RSS_BYTES);
    let peak = peak.expect("peak RSS read from /proc");
    assert!(
        peak < max,
        "peak RSS {} MiB over the bound of {} MiB",
        peak >> 20,
        max >> 20
    );
    let status: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    // The good source and its domain are as they would be alone.
    let sources = status["sources"].as_array().unwrap();
    let good_src = sources.iter().find(|s| s["name"] == "good").unwrap();
    assert_eq!(good_src["up"], true, "{good_src}");
    assert!(good_src["error"].is_null(), "{good_src}");
    let orders = status["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "orders")
        .unwrap();
    assert_eq!(orders["stale"], false, "{orders}");
    let t = &orders["traffic"];
    // haproxy-svc-down.prom after haproxy-idle.prom: see tests/status.rs.
    assert!(close(&t["legacy"]["requests"], 2400.0), "{t}");
    assert!(close(&t["legacy"]["errors"], 48.0), "{t}");
    assert!(close(&t["new"]["requests"], 200.0), "{t}");
    assert!(close(&t["new"]["errors"], 20.0), "{t}");

    let bad = sources.iter().find(|s| s["name"] == "bad").unwrap().clone();
    eprintln!("{elapsed:?}, peak RSS {} MiB: {bad}", peak >> 20);
    Ran { status, bad }
}

// ---------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------

#[test]
fn an_html_page_instead_of_metrics() {
    let html = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><form>user</form></body></html>\n";
    let port = answer("HTTP/1.1 200 OK\r\nContent-Type: text/html", html.to_vec());
    run_case(Case::http(port, "/metrics")).assert_down("no line of the body parses as metrics");
}

#[test]
fn a_404() {
    let port = answer("HTTP/1.1 404 Not Found", Vec::new());
    run_case(Case::http(port, "/metrics")).assert_down("HTTP 404 Not Found");
}

#[test]
fn a_500_with_its_words() {
    let port = answer(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain",
        b"collector panicked: index out of range\n".to_vec(),
    );
    run_case(Case::http(port, "/metrics"))
        .assert_down("HTTP 500: collector panicked: index out of range");
}

#[test]
fn a_redirect_loop() {
    let port = raw_server(|mut conn| {
        let path = read_request(&conn);
        let next = if path == "/a" { "/b" } else { "/a" };
        let _ = write!(
            conn,
            "HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    });
    run_case(Case::http(port, "/a")).assert_down("redirect loop");
}

/// The contract (DESIGN §3): an empty body is up with 0 series, and its selectors say no data.
#[test]
fn an_empty_body_is_up_with_no_series_and_no_data() {
    let port = answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain", Vec::new());
    let ran = run_case(Case::http(port, "/metrics"));
    assert_eq!(ran.bad["up"], true, "{}", ran.bad);
    assert_eq!(ran.bad["series"], 0, "{}", ran.bad);
    assert!(ran.bad["error"].is_null(), "{}", ran.bad);
    let broken = ran.domain("broken");
    assert!(broken["queues"][0]["depth"].is_null(), "{broken}");
}

#[test]
fn a_declared_length_over_max_body() {
    let body = b"queue_depth 1\n".repeat((2 << 20) / 14 + 1);
    let port = answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain", body);
    run_case(Case::http(port, "/metrics").max_body_mib(1)).assert_down("body over max_body 1 MiB");
}

#[test]
fn an_endless_body_without_a_length_stops_at_max_body() {
    let port = raw_server(|mut conn| {
        read_request(&conn);
        let _ = conn
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
        let chunk = b"queue_depth 1\n".repeat(4096);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if conn.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    run_case(Case::http(port, "/metrics").max_body_mib(1)).assert_down("body over max_body 1 MiB");
}

/// 1 GiB of zeros in 128 gzip members of 8 MiB each: about 1 MB on the wire.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 8 << 20]).unwrap();
    let member = encoder.finish().unwrap();
    member.repeat(128)
}

#[test]
fn a_gzip_bomb_stops_at_max_body_with_memory_bounded() {
    let bomb = gzip_bomb();
    assert!(bomb.len() < (2 << 20), "{} bytes on the wire", bomb.len());
    let port = answer(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip",
        bomb,
    );
    run_case(Case::http(port, "/metrics").max_body_mib(4))
        .assert_down("body over max_body after gzip inflation");
}

#[test]
fn binary_garbage_is_a_failed_scrape() {
    // Not UTF-8, not text: what a misrouted protobuf or image endpoint answers.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
        .collect();
    let port = answer(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream",
        garbage,
    );
    run_case(Case::http(port, "/metrics")).assert_down("no line of the body parses as metrics");
}

/// One invalid byte does not blank a body (DESIGN §3: bad lines are skipped, the rest kept).
#[test]
fn invalid_utf8_in_a_label_keeps_the_sample() {
    let mut body = b"# TYPE queue_depth gauge\nqueue_depth{name=\"caf".to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(b"\"} 42\n\xc3\x28 3\n");
    let port = answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain", body);
    let ran = run_case(Case::http(port, "/metrics"));
    assert_eq!(ran.bad["up"], true, "{}", ran.bad);
    assert_eq!(ran.bad["parse_errors"], 1, "{}", ran.bad);
    assert_eq!(ran.bad["bad_lines"][0]["line"], 3, "{}", ran.bad);
    let broken = ran.domain("broken");
    assert!(close(&broken["queues"][0]["depth"], 42.0), "{broken}");
}

#[test]
fn a_10_mb_line_is_one_bad_line_with_memory_bounded() {
    let mut body = vec![b'x'; 10 << 20];
    body.extend_from_slice(b"\nqueue_depth 7\n");
    let port = answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain", body);
    let ran = run_case(Case::http(port, "/metrics").max_body_mib(16));
    assert_eq!(ran.bad["up"], true, "{}", ran.bad);
    assert_eq!(ran.bad["parse_errors"], 1, "{}", ran.bad);
    assert_eq!(ran.bad["bad_lines"][0]["line"], 1, "{}", ran.bad);
    let broken = ran.domain("broken");
    assert!(close(&broken["queues"][0]["depth"], 7.0), "{broken}");
}

/// Answers half a body after reading the request, then resets the connection (SO_LINGER 0
/// makes the close send RST instead of FIN).
fn reset_mid_body_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((mut tcp, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let mut reader = tokio::io::BufReader::new(&mut tcp);
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line.trim_end().is_empty() => break,
                            Ok(_) => {}
                        }
                    }
                    let _ = tcp
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nqueue_depth 1\nqueue_de")
                        .await;
                    let _ = tcp.flush().await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let _ = tcp.set_zero_linger();
                });
            }
        });
    });
    port
}

#[test]
fn a_connection_reset_mid_body() {
    let port = reset_mid_body_server();
    let ran = run_case(Case::http(port, "/metrics"));
    ran.assert_down("reading body");
    assert!(ran.error().contains("reset"), "{}", ran.bad);
    assert_eq!(ran.bad["http_status"], 200, "{}", ran.bad);
}

#[test]
fn a_server_that_accepts_and_never_answers() {
    let port = raw_server(|conn| {
        read_request(&conn);
        thread::sleep(Duration::from_secs(30));
    });
    run_case(Case::http(port, "/metrics")).assert_down("timed out after 800ms");
}

#[test]
fn a_name_that_does_not_resolve() {
    // `.invalid` is reserved (RFC 2606) and never resolves.
    run_case(Case::new(
        "http://cutover-bad-input.invalid/metrics".to_string(),
    ))
    .assert_down("name does not resolve");
}

/// A CA nobody trusts and a server certificate for 127.0.0.1 signed by it, served with rustls.
fn tls_server_with_unknown_ca() -> u16 {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    use tokio_rustls::rustls;

    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cutover bad-input CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let server_cert = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            use tokio::io::AsyncWriteExt;
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // The client refuses the certificate, so this handshake fails.
                    if let Ok(mut tls) = acceptor.accept(tcp).await {
                        let _ = tls
                            .write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nqueue_depth 1\n",
                            )
                            .await;
                    }
                });
            }
        });
    });
    port
}

#[test]
fn tls_with_an_unknown_ca() {
    let port = tls_server_with_unknown_ca();
    run_case(Case::new(format!("https://127.0.0.1:{port}/metrics")))
        .assert_down("TLS: invalid peer certificate: UnknownIssuer");
}

#[test]
fn a_prometheus_api_answering_an_error_envelope() {
    let port = answer(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json",
        fixture("real/prometheus-query-error-bad-promql.json").into_bytes(),
    );
    let ran = run_case(Case::http(port, "/").keys("kind = \"prometheus\""));
    ran.assert_down("the query failed (bad_data)");
}

#[test]
fn a_prometheus_api_answering_something_that_is_not_json() {
    let port = answer(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html",
        b"<html><body>Please log in</body></html>".to_vec(),
    );
    let ran = run_case(Case::http(port, "/").keys("kind = \"prometheus\""));
    ran.assert_down("the answer is not JSON");
}
