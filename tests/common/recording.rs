//! Recordings written by hand for the tests that read them: the header, scrape lines, gzip.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::ConfigBuilder;

/// 2026-01-01T03:00:00Z, when the hand-written recordings start.
pub const T: i64 = 1_767_236_400_000;

/// One source `app` and the domain `orders` reading `req_total{side=...}` from it.
pub fn orders_config() -> String {
    ConfigBuilder::new()
        .setting("interval", "2s")
        .setting("window", "1m")
        .source("app", "http://127.0.0.1:9/metrics")
        .orders_req_total("app")
        .build()
}

/// The header line of a recording of `config` started at [`T`].
pub fn header(config: &str) -> String {
    serde_json::json!({
        "format": "cutover-recording",
        "version": 1,
        "tool": "cutover test",
        "started_at": "2026-01-01T03:00:00.000Z",
        "started_at_ms": T,
        "config": config,
    })
    .to_string()
}

/// A successful scrape of `app` with this body.
pub fn scrape_body(at_ms: i64, body: &str) -> String {
    serde_json::json!({
        "at_ms": at_ms,
        "source": "app",
        "outcome": "ok",
        "duration_ms": 3,
        "bytes": body.len(),
        "status": 200,
        "body": body,
    })
    .to_string()
}

/// A scrape line of [`orders_config`]'s source: `n` requests so far on each side.
pub fn scrape(at_ms: i64, n: u64) -> String {
    scrape_body(
        at_ms,
        &format!("req_total{{side=\"legacy\"}} {n}\nreq_total{{side=\"new\"}} {n}\n"),
    )
}

pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
