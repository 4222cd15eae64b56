//! The simulator on the network: one HTTP port serving every exporter under its own path, with
//! the response headers each real exporter sends (content types, chunked or sized bodies, gzip
//! only where the real one gzips), plus the runtime API on a second port.
//!
//! A minimal HTTP/1.1 responder on a plain tokio listener is enough for GET/HEAD of a metrics
//! page and keeps the dependency list short. Virtual time = start + elapsed wall time × speed;
//! each request first brings the world up to that time.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::write::GzEncoder;
use flate2::Compression;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::accept::Acceptor;
use super::runtime_api::RuntimeApi;
use super::scenario::{ScenarioEvent, World};
use super::shared_world::SharedWorld;
use super::{config_toml, render_source, Exporter, SimError, SourceSpec, SOURCES};

/// Largest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Keep-alive connections idle this long are closed.
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(30);

/// A running simulator. Dropping it stops every listener.
#[derive(Debug)]
pub struct SimHandle {
    http_addr: SocketAddr,
    runtime: RuntimeApi,
    shared: Arc<SharedWorld>,
    task: JoinHandle<()>,
}

impl SimHandle {
    /// Where the metrics endpoints listen (one port, a path per source: see [`SOURCES`]).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// Where the HAProxy-style runtime API listens.
    pub fn runtime_api_addr(&self) -> SocketAddr {
        self.runtime.addr()
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// URL of one source's metrics endpoint.
    pub fn url_of(&self, source: &str) -> Option<String> {
        SOURCES
            .iter()
            .find(|s| s.name == source)
            .map(|s| format!("{}{}", self.base_url(), s.path))
    }

    /// The cutover configuration watching this simulator (`--print-config`).
    pub fn config_toml(&self) -> String {
        config_toml(&self.base_url(), &self.runtime_api_addr().to_string())
    }

    /// Runtime API commands received so far.
    pub fn received_commands(&self) -> Vec<String> {
        self.runtime.received()
    }

    /// Current virtual time (unix ms).
    pub fn virtual_now_ms(&self) -> i64 {
        self.shared.now_ms()
    }

    /// How far into the scenario the world is (ms).
    pub fn scenario_elapsed_ms(&self) -> i64 {
        self.shared.with_now(|w| w.elapsed_ms())
    }

    /// What happened in the world so far (story beats, operator actions).
    pub fn events(&self) -> Vec<ScenarioEvent> {
        self.shared.with_now(|w| w.events().to_vec())
    }

    /// Stops the listeners (same as dropping the handle).
    pub fn shutdown(self) {}
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the simulator: HTTP endpoints on `listen` (port 0 picks a free one) and the runtime
/// API on another port of the same address. `speed` > 1 runs the scenario faster than real time.
pub async fn serve(listen: SocketAddr, scenario: &str, speed: f64) -> Result<SimHandle, SimError> {
    serve_from(listen, scenario, speed, 0).await
}

/// As [`serve`], with the scenario already `from_ms` milliseconds in (to land on its interesting
/// part at once). Virtual "now" still matches the wall clock at start.
pub async fn serve_from(
    listen: SocketAddr,
    scenario: &str,
    speed: f64,
    from_ms: i64,
) -> Result<SimHandle, SimError> {
    if !(speed.is_finite() && speed > 0.0) {
        return Err(SimError::InvalidSpeed(speed));
    }
    let wall_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let from_ms = from_ms.max(0);
    let scenario_start_ms = wall_ms - from_ms;
    let mut world = World::new(scenario, scenario_start_ms)?;
    world.advance_to(wall_ms);
    let shared = Arc::new(SharedWorld::new(world, wall_ms, speed));
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: listen,
            source,
        })?;
    let http_addr = listener.local_addr()?;
    let runtime = RuntimeApi::start(SocketAddr::new(listen.ip(), 0), Arc::clone(&shared)).await?;
    let runtime_addr = runtime.addr();
    let for_task = Arc::clone(&shared);
    let mut acceptor = Acceptor::new(listener);
    let task = tokio::spawn(async move {
        loop {
            let stream = acceptor.next().await;
            let shared = Arc::clone(&for_task);
            tokio::spawn(async move {
                // A client hanging up mid-response is not the simulator's problem.
                let _ = handle_connection(stream, shared, http_addr, runtime_addr).await;
            });
        }
    });
    Ok(SimHandle {
        http_addr,
        runtime,
        shared,
        task,
    })
}

/// The parts of a request the simulator looks at.
struct Request {
    method: String,
    path: String,
    accepts_gzip: bool,
    keep_alive: bool,
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let version = parts.next().unwrap_or("HTTP/1.0");
    let path = target.split('?').next().unwrap_or(target).to_string();
    let mut accepts_gzip = false;
    let mut keep_alive = version == "HTTP/1.1";
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "accept-encoding" => {
                accepts_gzip = value.split(',').any(|coding| {
                    let mut it = coding.split(';');
                    let name = it.next().unwrap_or("").trim();
                    let refused =
                        it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                    name == "gzip" && !refused
                });
            }
            "connection" => {
                if value.contains("close") {
                    keep_alive = false;
                } else if value.contains("keep-alive") {
                    keep_alive = true;
                }
            }
            _ => {}
        }
    }
    Some(Request {
        method,
        path,
        accepts_gzip,
        keep_alive,
    })
}

async fn handle_connection(
    mut stream: TcpStream,
    shared: Arc<SharedWorld>,
    http_addr: SocketAddr,
    runtime_addr: SocketAddr,
) -> std::io::Result<()> {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let head_end = loop {
            if let Some(pos) = find_head_end(&buffer) {
                break pos;
            }
            if buffer.len() > MAX_HEAD {
                stream
                    .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await?;
                return Ok(());
            }
            let mut chunk = [0u8; 4096];
            let n = match tokio::time::timeout(KEEP_ALIVE_IDLE, stream.read(&mut chunk)).await {
                Ok(result) => result?,
                Err(_) => return Ok(()),
            };
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head: Vec<u8> = buffer.drain(..head_end + 4).collect();
        let Some(request) = parse_head(&String::from_utf8_lossy(&head)) else {
            stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await?;
            return Ok(());
        };
        let response = respond(&request, &shared, http_addr, runtime_addr);
        stream.write_all(&response.bytes).await?;
        if !(request.keep_alive && response.keep_alive) {
            stream.flush().await?;
            return Ok(());
        }
    }
}

fn find_head_end(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n")
}

/// A whole response, ready to write.
struct Response {
    bytes: Vec<u8>,
    keep_alive: bool,
}

fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 6), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(body);
    encoder.finish().unwrap_or_default()
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 64);
    for chunk in body.chunks(8192) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

fn simple(status: &str, body: &str, keep_alive: bool) -> Response {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\ndate: {}\r\n{}\r\n",
        body.len(),
        http_date(),
        if keep_alive { "" } else { "connection: close\r\n" }
    )
    .into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Response { bytes, keep_alive }
}

fn respond(
    request: &Request,
    shared: &SharedWorld,
    http_addr: SocketAddr,
    runtime_addr: SocketAddr,
) -> Response {
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        return simple(
            "405 Method Not Allowed",
            "method not allowed\n",
            request.keep_alive,
        );
    }
    if request.path == "/" {
        return simple(
            "200 OK",
            &index(http_addr, runtime_addr),
            request.keep_alive,
        );
    }
    let Some(source) = SOURCES.iter().find(|s| s.path == request.path) else {
        return simple("404 Not Found", "404 page not found\n", request.keep_alive);
    };
    let rendered = shared.with_now(|world| render_source(world, source));
    match rendered {
        Ok(body) => exporter_response(source, body.into_bytes(), request.accepts_gzip, head_only),
        Err(_) => unavailable(head_only),
    }
}

fn index(http_addr: SocketAddr, runtime_addr: SocketAddr) -> String {
    let mut out = String::from("cutover simulate: the \"demo\" world\n\n");
    for source in SOURCES {
        out.push_str(&format!(
            "{:<18} http://{http_addr}{}\n",
            source.name, source.path
        ));
    }
    out.push_str(&format!(
        "\nruntime API        {runtime_addr}  (echo 'get weight be_orders/orders_svc' | socat - TCP:{runtime_addr})\n"
    ));
    out
}

/// gunicorn in front of the billing app, when the app cannot answer.
fn unavailable(head_only: bool) -> Response {
    let body = "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>\n";
    let mut bytes = format!(
        "HTTP/1.1 503 Service Unavailable\r\nServer: gunicorn\r\nDate: {}\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        http_date(),
        body.len()
    )
    .into_bytes();
    if !head_only {
        bytes.extend_from_slice(body.as_bytes());
    }
    Response {
        bytes,
        keep_alive: false,
    }
}

/// Headers and body framing as the real exporter sends them.
fn exporter_response(
    source: &SourceSpec,
    body: Vec<u8>,
    accepts_gzip: bool,
    head_only: bool,
) -> Response {
    let date = http_date();
    let (head, payload, keep_alive) = match source.exporter {
        // HAProxy: chunked, never compressed.
        Exporter::Haproxy => (
            "HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: text/plain; version=0.0.4\r\ntransfer-encoding: chunked\r\n\r\n".to_string(),
            chunked(&body),
            true,
        ),
        // Cowboy: sized, gzip on request, explicit `identity` otherwise.
        Exporter::RabbitmqPerObject => {
            let (encoding, payload) = if accepts_gzip { ("gzip", gzip(&body)) } else { ("identity", body) };
            (
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-encoding: {encoding}\r\ncontent-length: {}\r\ncontent-type: text/plain; version=0.0.4\r\ndate: {date}\r\nserver: Cowboy\r\n\r\n",
                    payload.len()
                ),
                payload,
                true,
            )
        }
        // Go promhttp: chunked, gzip on request.
        Exporter::RedisExporter | Exporter::KafkaExporter | Exporter::PostgresExporter => {
            let (encoding, payload) = if accepts_gzip {
                ("Content-Encoding: gzip\r\n", gzip(&body))
            } else {
                ("", body)
            };
            (
                format!(
                    "HTTP/1.1 200 OK\r\n{encoding}Content-Type: text/plain; version=0.0.4; charset=utf-8\r\nDate: {date}\r\nTransfer-Encoding: chunked\r\n\r\n"
                ),
                chunked(&payload),
                true,
            )
        }
        // uvicorn: sized, never compressed (the instrumentator's gzip is off by default).
        Exporter::FastApi => (
            format!(
                "HTTP/1.1 200 OK\r\ndate: {date}\r\nserver: uvicorn\r\ncontent-length: {}\r\ncontent-type: text/plain; version=1.0.0; charset=utf-8\r\n\r\n",
                body.len()
            ),
            body,
            true,
        ),
        // gunicorn sync worker: sized, one request per connection.
        Exporter::Django => (
            format!(
                "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: {date}\r\nConnection: close\r\nContent-Type: text/plain; version=1.0.0; charset=utf-8\r\nX-Frame-Options: DENY\r\nContent-Length: {}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n\r\n",
                body.len()
            ),
            body,
            false,
        ),
    };
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&payload);
    }
    Response { bytes, keep_alive }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_heads_are_understood() {
        let r = parse_head(
            "GET /haproxy/metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip, deflate\r\n",
        )
        .unwrap();
        assert_eq!(r.path, "/haproxy/metrics");
        assert!(r.accepts_gzip);
        assert!(r.keep_alive);
        let r = parse_head(
            "GET / HTTP/1.1\r\nAccept-Encoding: identity, gzip;q=0\r\nConnection: close\r\n",
        )
        .unwrap();
        assert!(!r.accepts_gzip);
        assert!(!r.keep_alive);
        let r = parse_head("GET / HTTP/1.0\r\n").unwrap();
        assert!(!r.keep_alive);
    }

    #[test]
    fn chunked_framing() {
        assert_eq!(chunked(b"hello"), b"5\r\nhello\r\n0\r\n\r\n".to_vec());
    }
}
