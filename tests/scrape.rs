//! Fetching bodies from real HTTP servers on 127.0.0.1: status handling, gzip, limits,
//! timeouts, redirects, auth, TLS, the Prometheus query API and the pollers.
//!
//! The servers below speak HTTP/1.1 by hand over tokio sockets, so what is tested is the
//! real client against real bytes on a real connection.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cutover::source::{
    poll_once, resolve_secret_env, resolve_secret_file, Auth, Fetcher, Poller, ScrapeOutcome,
    Secret, SourceError, SourceKind, SourceSpec,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------
// A small HTTP/1.1 server
// ---------------------------------------------------------------------------------------

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Request {
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter, form-decoded.
    fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| form_decode(value))
        })
    }
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// What the server does with a request.
enum Reply {
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Reads the request and never answers.
    Hang,
    /// A 200 with a chunked body that never ends (until the client goes away).
    Endless,
}

fn reply(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Full {
        status,
        headers: vec![("Content-Type", "text/plain; version=0.0.4".to_string())],
        body: body.into(),
    }
}

fn reply_with(
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: impl Into<Vec<u8>>,
) -> Reply {
    Reply::Full {
        status,
        headers,
        body: body.into(),
    }
}

fn redirect_to(location: &str) -> Reply {
    reply_with(302, vec![("Location", location.to_string())], "")
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> TestServer {
    serve_with_tls(handler, None).await
}

async fn serve_with_tls(
    handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = Arc::clone(&handler);
            let seen = Arc::clone(&seen);
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            answer(stream, handler, seen).await;
                        }
                    }
                    None => answer(stream, handler, seen).await,
                }
            });
        }
    });
    TestServer { addr, requests }
}

/// Reads one request head and writes the reply, then closes the connection.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Request>>>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&byte[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let target = request_line.split(' ').nth(1).unwrap_or("").to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let request = Request { target, headers };
    seen.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            {
                out.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            for (name, value) in headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str("\r\n");
            if stream.write_all(out.as_bytes()).await.is_err() {
                return;
            }
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Reply::Endless => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let line = "some_metric_total{path=\"/a/long/enough/label/value\"} 12345\n".repeat(256);
            let chunk = format!("{:x}\r\n{line}\r\n", line.len());
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn spec(name: &str, url: String) -> SourceSpec {
    SourceSpec {
        name: name.to_string(),
        url,
        kind: SourceKind::Scrape,
        headers: Vec::new(),
        auth: Auth::None,
        ca_file: None,
        insecure_skip_verify: false,
        max_body: 64 << 20,
        timeout: Duration::from_millis(1500),
        queries: Vec::new(),
        batch: Vec::new(),
        limits: Default::default(),
    }
}

fn prometheus_spec(name: &str, url: String, queries: &[&str]) -> SourceSpec {
    SourceSpec {
        kind: SourceKind::Prometheus,
        queries: queries.iter().map(|q| q.to_string()).collect(),
        ..spec(name, url)
    }
}

async fn fetch(spec: &SourceSpec) -> ScrapeOutcome {
    Fetcher::new(spec).expect("valid spec").fetch().await
}

fn error_of(outcome: &ScrapeOutcome) -> String {
    match &outcome.result {
        Err(why) => why.to_string(),
        Ok(body) => panic!("expected an error, got a body of {} bytes", body.len()),
    }
}

fn body_of(outcome: &ScrapeOutcome) -> &str {
    match &outcome.result {
        Ok(body) => body,
        Err(words) => panic!("expected a body, got error: {words}"),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

const EXPOSITION: &str = "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n\
http_requests_total{handler=\"/orders/{order_id}\",status=\"2xx\"} 1027\n";

// ---------------------------------------------------------------------------------------
// Status and body
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_plain_200_gives_the_body_with_time_size_and_status() {
    let server = serve(|_| reply(200, EXPOSITION)).await;
    let before = unix_ms();
    let outcome = fetch(&spec("gateway", server.url("/metrics"))).await;
    let after = unix_ms();

    assert_eq!(outcome.source, "gateway");
    assert_eq!(body_of(&outcome), EXPOSITION);
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.bytes, EXPOSITION.len() as u64);
    assert!(before <= outcome.at_ms && outcome.at_ms <= after);
    assert!(outcome.duration_ms <= (after - before) as u64);
    assert_eq!(server.requests()[0].path(), "/metrics");
}

#[tokio::test]
async fn a_gzip_body_is_inflated_and_counted_at_its_wire_size() {
    let plain = EXPOSITION.repeat(200);
    let compressed = gzip(plain.as_bytes());
    let wire = compressed.len() as u64;
    let server = serve(move |_| {
        reply_with(
            200,
            vec![("Content-Encoding", "gzip".to_string())],
            compressed.clone(),
        )
    })
    .await;
    let outcome = fetch(&spec("rabbitmq", server.url("/metrics"))).await;

    assert_eq!(body_of(&outcome), plain);
    assert_eq!(outcome.bytes, wire);
    assert!(outcome.bytes < plain.len() as u64 / 10);
}

#[tokio::test]
async fn content_encoding_identity_is_a_plain_body() {
    // RabbitMQ's Cowboy server says `content-encoding: identity` when it does not compress.
    let server = serve(|_| {
        reply_with(
            200,
            vec![("content-encoding", "identity".to_string())],
            EXPOSITION,
        )
    })
    .await;
    let outcome = fetch(&spec("rabbitmq", server.url("/metrics"))).await;
    assert_eq!(body_of(&outcome), EXPOSITION);
}

#[tokio::test]
async fn an_encoding_that_was_not_asked_for_is_an_error() {
    let server = serve(|_| reply_with(200, vec![("Content-Encoding", "br".to_string())], "x"));
    let outcome = fetch(&spec("s", server.await.url("/metrics"))).await;
    assert_eq!(error_of(&outcome), "unsupported Content-Encoding \"br\"");
}

#[tokio::test]
async fn invalid_utf8_is_kept_lossily() {
    let server = serve(|_| reply(200, b"up 1\nbad\xff 2\n".to_vec())).await;
    let outcome = fetch(&spec("s", server.url("/metrics"))).await;
    assert_eq!(body_of(&outcome), "up 1\nbad\u{fffd} 2\n");
}

#[tokio::test]
async fn a_404_without_body_says_status_and_reason() {
    let server = serve(|_| reply(404, "")).await;
    let outcome = fetch(&spec("s", server.url("/nope"))).await;
    assert_eq!(error_of(&outcome), "HTTP 404 Not Found");
    assert_eq!(outcome.status, Some(404));
}

#[tokio::test]
async fn a_500_quotes_the_start_of_its_body_on_one_line() {
    let body = format!(
        "Traceback (most recent call last):\n  File \"app.py\", line 3\n{}",
        "x".repeat(300)
    );
    let server = serve(move |_| reply(500, body.clone())).await;
    let outcome = fetch(&spec("s", server.url("/metrics"))).await;
    let words = error_of(&outcome);

    assert!(
        words.starts_with(
            "HTTP 500: Traceback (most recent call last): File \"app.py\", line 3 xxx"
        ),
        "{words}"
    );
    assert!(!words.contains('\n'));
    let quoted = words.trim_start_matches("HTTP 500: ").trim_end_matches('…');
    assert_eq!(quoted.chars().count(), 120);
    assert_eq!(outcome.status, Some(500));
}

#[tokio::test]
async fn an_html_login_page_is_still_a_body_at_this_layer() {
    let page =
        "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form></form></body></html>";
    let server =
        serve(move |_| reply_with(200, vec![("Content-Type", "text/html".to_string())], page))
            .await;
    let outcome = fetch(&spec("s", server.url("/metrics"))).await;
    assert_eq!(body_of(&outcome), page);
}

// ---------------------------------------------------------------------------------------
// Timeouts and connection failures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_server_that_never_answers_times_out_without_delaying_the_others() {
    let hanging = serve(|_| Reply::Hang).await;
    let fast = serve(|_| reply(200, EXPOSITION)).await;
    let timeout = Duration::from_millis(500);
    let specs = vec![
        SourceSpec {
            timeout,
            ..spec("hanging", hanging.url("/metrics"))
        },
        SourceSpec {
            timeout,
            ..spec("fast", fast.url("/metrics"))
        },
    ];

    let started = Instant::now();
    let outcomes = poll_once(&specs).await;
    let elapsed = started.elapsed();

    assert_eq!(outcomes[0].source, "hanging");
    assert_eq!(error_of(&outcomes[0]), "timed out after 500ms");
    assert_eq!(outcomes[0].status, None);
    assert!(outcomes[0].duration_ms >= 500);
    assert!(
        elapsed < timeout + Duration::from_millis(700),
        "{elapsed:?}"
    );

    assert_eq!(outcomes[1].source, "fast");
    assert_eq!(body_of(&outcomes[1]), EXPOSITION);
    assert!(outcomes[1].duration_ms < 250, "{}", outcomes[1].duration_ms);
}

#[tokio::test]
async fn a_body_that_stalls_midway_times_out_too() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nup 1\n")
            .await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
    });
    let outcome = fetch(&SourceSpec {
        timeout: Duration::from_millis(400),
        ..spec("s", format!("http://{addr}/metrics"))
    })
    .await;
    assert_eq!(error_of(&outcome), "timed out after 400ms");
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.bytes, 5);
}

/// A server that reads the request, writes `answer` and closes the connection.
async fn serve_raw(answer: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(answer).await;
        }
    });
    addr
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_an_error() {
    let addr = serve_raw(b"").await;
    let outcome = fetch(&spec("s", format!("http://{addr}/metrics"))).await;
    let words = error_of(&outcome);
    assert!(words.contains("closed"), "{words}");
    assert!(!words.contains("127.0.0.1"), "{words}");
    assert_eq!(outcome.status, None);
}

#[tokio::test]
async fn a_body_cut_short_is_an_error() {
    let addr = serve_raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nup 1\n").await;
    let outcome = fetch(&spec("s", format!("http://{addr}/metrics"))).await;
    let words = error_of(&outcome);
    assert!(words.starts_with("reading body: "), "{words}");
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.bytes, 5);
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let outcome = fetch(&spec("s", format!("http://{addr}/metrics"))).await;
    assert_eq!(error_of(&outcome), "connection refused");
    assert_eq!(outcome.status, None);
    assert_eq!(outcome.bytes, 0);
}

#[tokio::test]
async fn an_unknown_host_name_does_not_resolve() {
    // `.invalid` is reserved (RFC 2606) and never resolves.
    let outcome = fetch(&spec(
        "s",
        "http://cutover-test.invalid/metrics".to_string(),
    ))
    .await;
    assert_eq!(error_of(&outcome), "name does not resolve");
}

// ---------------------------------------------------------------------------------------
// Size limits
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_endless_body_stops_at_max_body() {
    let server = serve(|_| Reply::Endless).await;
    let max_body = 1 << 20;
    let outcome = fetch(&SourceSpec {
        max_body,
        ..spec("s", server.url("/metrics"))
    })
    .await;
    assert_eq!(error_of(&outcome), "body over max_body 1 MiB");
    assert!(outcome.bytes > max_body, "{}", outcome.bytes);
    assert!(outcome.bytes < max_body + (256 << 10), "{}", outcome.bytes);
}

#[tokio::test]
async fn a_declared_length_over_max_body_is_refused_before_reading() {
    let server = serve(|_| reply(200, vec![b'#'; 3 << 20])).await;
    let outcome = fetch(&SourceSpec {
        max_body: 2 << 20,
        ..spec("s", server.url("/metrics"))
    })
    .await;
    assert_eq!(error_of(&outcome), "body over max_body 2 MiB");
    assert_eq!(outcome.bytes, 0);
}

#[tokio::test]
async fn a_body_of_exactly_max_body_is_accepted() {
    let server = serve(|_| reply(200, vec![b'#'; 4096])).await;
    let outcome = fetch(&SourceSpec {
        max_body: 4096,
        ..spec("s", server.url("/metrics"))
    })
    .await;
    assert_eq!(body_of(&outcome).len(), 4096);
}

/// Peak resident memory of this process, in bytes.
#[cfg(target_os = "linux")]
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_max_body_without_inflating_fully() {
    // 100 MiB of zeros, compressed as the stream arrives, never held whole in memory.
    let inflated: u64 = 100 << 20;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(inflated >> 20) {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    drop(zeros);
    assert!(bomb.len() < 200 << 10, "bomb is {} bytes", bomb.len());
    let bomb_len = bomb.len() as u64;

    let server = serve(move |_| {
        reply_with(
            200,
            vec![("Content-Encoding", "gzip".to_string())],
            bomb.clone(),
        )
    })
    .await;
    #[cfg(target_os = "linux")]
    let peak_before = peak_rss();
    let outcome = fetch(&SourceSpec {
        max_body: 1 << 20,
        ..spec("s", server.url("/metrics"))
    })
    .await;

    assert_eq!(
        error_of(&outcome),
        "body over max_body after gzip inflation"
    );
    assert!(
        outcome.bytes < bomb_len,
        "read {} of {bomb_len} wire bytes",
        outcome.bytes
    );
    #[cfg(target_os = "linux")]
    {
        let growth = peak_rss().saturating_sub(peak_before);
        assert!(growth < 40 << 20, "peak memory grew by {growth} bytes");
    }
}

#[tokio::test]
async fn a_corrupt_gzip_body_is_an_error() {
    let mut compressed = gzip(EXPOSITION.repeat(50).as_bytes());
    compressed.truncate(compressed.len() - 6);
    let server = serve(move |_| {
        reply_with(
            200,
            vec![("Content-Encoding", "gzip".to_string())],
            compressed.clone(),
        )
    })
    .await;
    let outcome = fetch(&spec("s", server.url("/metrics"))).await;
    assert_eq!(error_of(&outcome), "gzip body is corrupt or truncated");
}

// ---------------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn redirects_are_followed_up_to_five() {
    let server = serve(|request| {
        let hop: i32 = request.path().trim_start_matches("/hop/").parse().unwrap();
        if hop < 5 {
            redirect_to(&format!("/hop/{}", hop + 1))
        } else {
            reply(200, EXPOSITION)
        }
    })
    .await;
    let outcome = fetch(&spec("s", server.url("/hop/0"))).await;
    assert_eq!(body_of(&outcome), EXPOSITION);
    assert_eq!(server.requests().len(), 6);

    let outcome = fetch(&spec("s", server.url("/hop/-1"))).await;
    assert_eq!(error_of(&outcome), "more than 5 redirects");
}

#[tokio::test]
async fn a_redirect_loop_is_an_error() {
    let server = serve(|request| match request.path() {
        "/a" => redirect_to("/b"),
        _ => redirect_to("/a"),
    })
    .await;
    let outcome = fetch(&spec("s", server.url("/a"))).await;
    assert_eq!(error_of(&outcome), "redirect loop");
    assert_eq!(outcome.status, None);
}

#[tokio::test]
async fn configured_headers_are_not_carried_to_another_host() {
    let elsewhere = serve(|_| reply(200, EXPOSITION)).await;
    let target = elsewhere.url("/metrics");
    let origin = serve(move |_| redirect_to(&target)).await;

    let with_headers = SourceSpec {
        headers: vec![("X-Api-Key".to_string(), "k-123456".to_string())],
        ..spec("s", origin.url("/metrics"))
    };
    let outcome = fetch(&with_headers).await;
    assert!(error_of(&outcome).starts_with("redirect to another host (127.0.0.1) refused"));
    assert!(elsewhere.requests().is_empty());

    let outcome = fetch(&spec("s", origin.url("/metrics"))).await;
    assert_eq!(body_of(&outcome), EXPOSITION);
}

// ---------------------------------------------------------------------------------------
// Headers, auth and secrets
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_accept_encoding_and_user_agent_headers_are_sent() {
    let server = serve(|_| reply(200, EXPOSITION)).await;
    fetch(&spec("s", server.url("/metrics"))).await;
    let request = &server.requests()[0];
    assert_eq!(
        request.header("Accept"),
        Some("text/plain;version=0.0.4;q=1.0,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1")
    );
    assert_eq!(request.header("Accept-Encoding"), Some("gzip"));
    assert_eq!(
        request.header("User-Agent"),
        Some(concat!("cutover/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(request.header("Authorization"), None);
}

#[tokio::test]
async fn a_bearer_token_from_the_environment_and_custom_headers_reach_the_server() {
    let token = "tok-7f3a9c2e51d84b06";
    let var = "CUTOVER_TEST_SCRAPE_BEARER_TOKEN";
    std::env::set_var(var, token);
    let secret = resolve_secret_env(var).unwrap();
    // The server echoes the credential back in its error page, as some proxies do.
    let server = serve(|request| {
        let auth = request.header("Authorization").unwrap_or("").to_string();
        if request.path() == "/echo" {
            reply(401, format!("denied for {auth}"))
        } else {
            reply(200, EXPOSITION)
        }
    })
    .await;
    let ok_spec = SourceSpec {
        headers: vec![("X-Scope-OrgID".to_string(), "tenant-ops".to_string())],
        auth: Auth::Bearer(secret),
        ..spec("mimir", server.url("/metrics"))
    };
    let outcome = fetch(&ok_spec).await;
    body_of(&outcome);
    let request = &server.requests()[0];
    assert_eq!(
        request.header("Authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(request.header("X-Scope-OrgID"), Some("tenant-ops"));

    let echo_spec = SourceSpec {
        url: server.url("/echo"),
        ..ok_spec.clone()
    };
    let fetcher = Fetcher::new(&echo_spec).unwrap();
    let outcome = fetcher.fetch().await;
    assert_eq!(error_of(&outcome), "HTTP 401: denied for Bearer <redacted>");

    for text in [
        format!("{outcome:?}"),
        format!("{echo_spec:?}"),
        format!("{fetcher:?}"),
        serde_json::to_string(&outcome).unwrap(),
    ] {
        assert!(!text.contains(token), "token leaked in {text}");
        assert!(
            !text.contains("tenant-ops"),
            "header value leaked in {text}"
        );
    }
}

#[tokio::test]
async fn basic_auth_reaches_the_server_and_never_the_error_text() {
    let server = serve(|request| {
        let auth = request.header("Authorization").unwrap_or("").to_string();
        reply(403, format!("forbidden: {auth}"))
    })
    .await;
    let password = "pw-s3cret-horse";
    let source = SourceSpec {
        auth: Auth::Basic {
            username: "alice".to_string(),
            password: Secret::new(password),
        },
        ..spec("s", server.url("/metrics"))
    };
    let outcome = fetch(&source).await;
    // base64("alice:pw-s3cret-horse")
    let encoded = "YWxpY2U6cHctczNjcmV0LWhvcnNl";
    assert_eq!(
        server.requests()[0].header("Authorization"),
        Some(format!("Basic {encoded}").as_str())
    );
    assert_eq!(error_of(&outcome), "HTTP 403: forbidden: Basic <redacted>");
    assert!(!format!("{source:?}").contains(password));
}

#[tokio::test]
async fn a_password_in_the_url_is_not_shown_in_debug_output() {
    let source = spec(
        "s",
        "http://scraper:hunter2-long@127.0.0.1:1/metrics".to_string(),
    );
    let text = format!("{source:?}");
    assert!(!text.contains("hunter2-long"), "{text}");
    assert!(text.contains("scraper"));
}

#[test]
fn secrets_come_from_env_vars_and_files_and_print_redacted() {
    let missing = resolve_secret_env("CUTOVER_TEST_SCRAPE_NO_SUCH_VAR").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "environment variable CUTOVER_TEST_SCRAPE_NO_SUCH_VAR is not set"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "line-one secret\r\n").unwrap();
    let secret = resolve_secret_file(&path).unwrap();
    assert_eq!(secret.expose(), "line-one secret");
    assert_eq!(format!("{secret:?}"), "<redacted>");
    assert_eq!(format!("{secret}"), "<redacted>");
    assert_eq!(format!("{:?}", Auth::Bearer(secret)), "Bearer(<redacted>)");

    std::fs::write(&path, "\n").unwrap();
    let empty = resolve_secret_file(&path).unwrap_err();
    assert!(matches!(empty, SourceError::SecretFileEmpty { .. }));

    let absent = dir.path().join("absent");
    let error = resolve_secret_file(&absent).unwrap_err();
    assert!(
        error.to_string().contains(&absent.display().to_string()),
        "{error}"
    );
}

#[test]
fn bad_specs_are_refused_with_words_naming_the_source() {
    let error = Fetcher::new(&spec("gw", "ftp://127.0.0.1/metrics".to_string())).unwrap_err();
    assert!(matches!(error, SourceError::BadUrl { .. }));
    assert!(
        error.to_string().starts_with("source gw: invalid url"),
        "{error}"
    );

    let error = Fetcher::new(&SourceSpec {
        headers: vec![("X-Key".to_string(), "line\nbreak-secret".to_string())],
        ..spec("gw", "http://127.0.0.1/metrics".to_string())
    })
    .unwrap_err();
    assert!(matches!(error, SourceError::BadHeader { .. }));
    assert!(!error.to_string().contains("break-secret"));

    let error = Fetcher::new(&SourceSpec {
        auth: Auth::Bearer(Secret::new("abc\ndef-secret")),
        ..spec("gw", "http://127.0.0.1/metrics".to_string())
    })
    .unwrap_err();
    assert!(!error.to_string().contains("def-secret"), "{error}");

    let error = Fetcher::new(&SourceSpec {
        ca_file: Some("/nonexistent/ca.pem".into()),
        ..spec("gw", "https://127.0.0.1/metrics".to_string())
    })
    .unwrap_err();
    assert!(matches!(error, SourceError::CaFileRead { .. }));
    assert!(error.to_string().contains("/nonexistent/ca.pem"));

    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let error = Fetcher::new(&SourceSpec {
        ca_file: Some(not_pem),
        ..spec("gw", "https://127.0.0.1/metrics".to_string())
    })
    .unwrap_err();
    assert!(matches!(error, SourceError::CaFileNoCertificate { .. }));
}

#[tokio::test]
async fn poll_once_reports_a_source_that_cannot_be_set_up() {
    let server = serve(|_| reply(200, EXPOSITION)).await;
    let specs = vec![
        spec("broken", "not a url".to_string()),
        spec("fine", server.url("/metrics")),
    ];
    let outcomes = poll_once(&specs).await;
    assert!(error_of(&outcomes[0]).starts_with("source broken: invalid url"));
    assert_eq!(body_of(&outcomes[1]), EXPOSITION);
}

// ---------------------------------------------------------------------------------------
// Prometheus query API
// ---------------------------------------------------------------------------------------

fn prometheus_api(request: &Request) -> Reply {
    let json = |status: u16, body: &str| {
        reply_with(
            status,
            vec![("Content-Type", "application/json".to_string())],
            body,
        )
    };
    if request.path().starts_with("/proxy") {
        return reply_with(
            502,
            vec![("Content-Type", "text/html".to_string())],
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
        );
    }
    match request.param("query").as_deref() {
        Some("up") => json(
            200,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"orders"},"value":[1764016268.123,"42"]}]}}"#,
        ),
        Some("sum(rate(x[1m]))") => json(
            200,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764016268.123,"7"]}]}}"#,
        ),
        Some("sum by (") => json(
            400,
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:9: parse error: unclosed left parenthesis"}"#,
        ),
        Some("heavy") => json(
            422,
            r#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#,
        ),
        _ => json(
            404,
            r#"{"status":"error","errorType":"not_found","error":"unknown"}"#,
        ),
    }
}

#[tokio::test]
async fn a_prometheus_source_evaluates_every_query_into_one_body() {
    let server = serve(prometheus_api).await;
    let source = prometheus_spec(
        "thanos",
        server.url("/prometheus/"),
        &["up", "sum(rate(x[1m]))"],
    );
    let outcome = fetch(&source).await;
    let body = body_of(&outcome);

    assert!(body.contains("42"), "{body}");
    assert!(body.contains('7'), "{body}");
    assert!(
        body.find("42").unwrap() < body.find('7').unwrap(),
        "query order kept: {body}"
    );
    assert_eq!(outcome.status, Some(200));
    assert!(outcome.bytes > 0);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.path(), "/prometheus/api/v1/query");
        assert_eq!(request.header("Accept"), Some("application/json"));
        // VictoriaMetrics holds back its newest 30 s without it.
        assert_eq!(request.param("nocache").as_deref(), Some("1"));
    }
    let mut asked: Vec<String> = requests.iter().filter_map(|r| r.param("query")).collect();
    asked.sort();
    assert_eq!(asked, ["sum(rate(x[1m]))", "up"]);
}

#[tokio::test]
async fn a_gzip_compressed_api_answer_is_read() {
    // Prometheus compresses its API answers when the client accepts gzip.
    let answer = gzip(
        br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1764016268.5,"1234"]}]}}"#,
    );
    let server = serve(move |_| {
        reply_with(
            200,
            vec![
                ("Content-Type", "application/json".to_string()),
                ("Content-Encoding", "gzip".to_string()),
            ],
            answer.clone(),
        )
    })
    .await;
    let outcome = fetch(&prometheus_spec(
        "p",
        server.url(""),
        &["sum by (job) (up)"],
    ))
    .await;
    assert!(body_of(&outcome).contains("1234"));
    assert_eq!(server.requests()[0].header("Accept-Encoding"), Some("gzip"));
}

#[tokio::test]
async fn prometheus_errors_are_shown_per_source_in_the_apis_words() {
    let server = serve(prometheus_api).await;
    let specs = vec![
        prometheus_spec("good", server.url(""), &["up"]),
        prometheus_spec("bad-data", server.url(""), &["up", "sum by ("]),
        prometheus_spec("execution", server.url(""), &["heavy"]),
        prometheus_spec("proxy", server.url("/proxy"), &["up"]),
    ];
    let outcomes = poll_once(&specs).await;

    assert!(body_of(&outcomes[0]).contains("42"));

    let words = error_of(&outcomes[1]);
    assert!(words.starts_with("query 2 (`sum by (`): "), "{words}");
    assert!(words.contains("bad_data"), "{words}");
    assert!(
        words.contains("parse error: unclosed left parenthesis"),
        "{words}"
    );
    assert_eq!(outcomes[1].status, Some(400));

    let words = error_of(&outcomes[2]);
    assert!(words.starts_with("query 1 (`heavy`): "), "{words}");
    assert!(words.contains("execution"), "{words}");
    assert!(words.contains("too many samples"), "{words}");
    assert_eq!(outcomes[2].status, Some(422));

    assert_eq!(
        error_of(&outcomes[3]),
        "query 1 (`up`): HTTP 502: 502 Bad Gateway"
    );
    assert_eq!(outcomes[3].status, Some(502));
}

#[tokio::test]
async fn a_prometheus_source_without_queries_still_checks_the_api_answers() {
    let server = serve(|request| {
        assert_eq!(request.param("query").as_deref(), Some("vector(1)"));
        let json = vec![("Content-Type", "application/json".to_string())];
        if request.path().starts_with("/down") {
            reply_with(
                503,
                json,
                r#"{"status":"error","errorType":"unavailable","error":"TSDB not ready"}"#,
            )
        } else {
            reply_with(
                200,
                json,
                r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764016268.1,"1"]}]}}"#,
            )
        }
    })
    .await;
    let outcome = fetch(&prometheus_spec("p", server.url(""), &[])).await;
    assert_eq!(body_of(&outcome), "");
    assert_eq!(server.requests().len(), 1);

    let outcome = fetch(&prometheus_spec("p", server.url("/down"), &[])).await;
    let words = error_of(&outcome);
    assert!(words.starts_with("probe query `vector(1)`: "), "{words}");
    assert!(
        words.contains("unavailable") && words.contains("TSDB not ready"),
        "{words}"
    );
    assert_eq!(outcome.status, Some(503));
}

// ---------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------

struct TestPki {
    ca_pem: String,
    acceptor: tokio_rustls::TlsAcceptor,
}

/// A CA nobody trusts and a server certificate for 127.0.0.1 signed by it.
fn test_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    use tokio_rustls::rustls;

    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cutover test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    server_params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
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
    TestPki {
        ca_pem: ca.pem(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

#[tokio::test]
async fn tls_with_an_unknown_ca_fails_and_succeeds_once_the_ca_file_is_given() {
    let pki = test_pki();
    let server = serve_with_tls(|_| reply(200, EXPOSITION), Some(pki.acceptor.clone())).await;

    let untrusted = fetch(&spec("tls", server.https_url("/metrics"))).await;
    let words = error_of(&untrusted);
    assert_eq!(words, "TLS: invalid peer certificate: UnknownIssuer");
    assert_eq!(untrusted.status, None);

    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("internal-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let trusted = fetch(&SourceSpec {
        ca_file: Some(ca_file),
        ..spec("tls", server.https_url("/metrics"))
    })
    .await;
    assert_eq!(body_of(&trusted), EXPOSITION);

    let skipped = fetch(&SourceSpec {
        insecure_skip_verify: true,
        ..spec("tls", server.https_url("/metrics"))
    })
    .await;
    assert_eq!(body_of(&skipped), EXPOSITION);
}

// ---------------------------------------------------------------------------------------
// Pollers
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pollers_run_each_source_on_its_own_clock_until_stopped() {
    let hanging = serve(|_| Reply::Hang).await;
    let fast = serve(|_| reply(200, EXPOSITION)).await;
    let specs = vec![
        SourceSpec {
            timeout: Duration::from_millis(300),
            ..spec("hanging", hanging.url("/metrics"))
        },
        SourceSpec {
            timeout: Duration::from_millis(300),
            ..spec("fast", fast.url("/metrics"))
        },
    ];
    let (poller, mut outcomes) = Poller::start(specs, Duration::from_millis(100)).unwrap();

    let mut fast_seen = 0;
    let mut hanging_seen = 0;
    let deadline = Instant::now() + Duration::from_millis(1000);
    while Instant::now() < deadline {
        let Ok(Some(outcome)) = tokio::time::timeout_at(deadline.into(), outcomes.recv()).await
        else {
            break;
        };
        match outcome.source.as_str() {
            "fast" => {
                assert_eq!(body_of(&outcome), EXPOSITION);
                fast_seen += 1;
            }
            "hanging" => {
                assert_eq!(error_of(&outcome), "timed out after 300ms");
                hanging_seen += 1;
            }
            other => panic!("unexpected source {other}"),
        }
    }
    // The fast source keeps its 100ms clock while the other one hangs for 300ms at a time.
    assert!(fast_seen >= 7, "fast source polled {fast_seen} times");
    assert!(
        (2..=4).contains(&hanging_seen),
        "hanging source gave {hanging_seen}"
    );

    poller.stop();
    let closed = tokio::time::timeout(Duration::from_secs(1), async {
        while outcomes.recv().await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "the channel did not close after stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pollers_stop_when_nobody_listens() {
    let server = serve(|_| reply(200, EXPOSITION)).await;
    let (poller, mut outcomes) = Poller::start(
        vec![spec("s", server.url("/metrics"))],
        Duration::from_millis(50),
    )
    .unwrap();
    assert!(outcomes.recv().await.is_some());
    drop(outcomes);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_drop = server.requests().len();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(server.requests().len(), after_drop);
    drop(poller);
}

#[test]
fn pollers_need_a_runtime() {
    let error = Poller::start(
        vec![spec("s", "http://127.0.0.1:1/".to_string())],
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert!(matches!(error, SourceError::NoRuntime));
}

#[tokio::test]
async fn pollers_refuse_a_bad_spec_before_starting() {
    let result = Poller::start(
        vec![spec("gw", "nonsense".to_string())],
        Duration::from_secs(1),
    );
    assert!(matches!(result, Err(SourceError::BadUrl { .. })));
}

#[tokio::test]
async fn a_fetcher_polls_afresh_each_time() {
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&polls);
    let server = serve(move |_| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        reply(200, format!("polls {n}\n"))
    })
    .await;
    let fetcher = Fetcher::new(&spec("s", server.url("/metrics"))).unwrap();
    assert_eq!(body_of(&fetcher.fetch().await), "polls 1\n");
    assert_eq!(body_of(&fetcher.fetch().await), "polls 2\n");
    assert_eq!(polls.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------
// A full listen backlog
// ---------------------------------------------------------------------------------------

/// A server whose listen backlog is full drops the SYN (Linux, `tcp_abort_on_overflow` 0),
/// and the kernel sends it again only after a second. The fetch gives up on the connection
/// at half its timeout and tries a fresh one, which gets in once the server has caught up:
/// the poll succeeds within a timeout shorter than the kernel's retransmit.
#[cfg(target_os = "linux")]
#[tokio::test]
#[allow(unsafe_code)]
async fn a_syn_dropped_by_a_full_backlog_is_sent_again_within_the_timeout() {
    use std::os::unix::io::AsRawFd;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: listen(2) on the socket the listener owns; it only shrinks the backlog.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let addr = listener.local_addr().unwrap();
    // Fill the backlog: a backlog of 0 holds one connection; later SYNs are dropped.
    let fillers: Vec<std::net::TcpStream> = (0..3)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).ok()
        })
        .collect();
    assert!(!fillers.is_empty());
    // The server catches up 300 ms later and answers every connection it accepts.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match std::io::Read::read(&mut stream, &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "up 1\n";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    let mut s = spec("backlog", format!("http://{addr}/metrics"));
    s.timeout = Duration::from_millis(900);
    let started = Instant::now();
    let outcome = fetch(&s).await;
    assert_eq!(
        outcome.result.as_deref(),
        Ok("up 1\n"),
        "after {:?}",
        started.elapsed()
    );
    drop(fillers);
}
