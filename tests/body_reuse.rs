//! A source reads each body into the buffer its previous poll used: what that buffer held
//! before must never show through (a body that shrinks, a `Content-Length` that lies high or
//! low, gzip inflated into it), the limits hold as with a fresh buffer, and a buffer far
//! larger than the body it last held is let go rather than kept for good.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{HttpServer, Listener, Reply};
use cutover::source::{
    Auth, Fetcher, PollRounds, PressureBoard, ScrapeOutcome, SourceKind, SourceSpec,
};

fn spec(url: String, max_body: u64) -> SourceSpec {
    SourceSpec {
        name: "s".into(),
        url,
        kind: SourceKind::Scrape,
        headers: Vec::new(),
        auth: Auth::None,
        ca_file: None,
        insecure_skip_verify: false,
        max_body,
        timeout: Duration::from_secs(5),
        queries: Vec::new(),
        batch: Vec::new(),
        limits: Default::default(),
    }
}

/// `lines` exposition lines, each distinct, so a stale tail would be visible.
fn body(lines: usize, tag: &str) -> String {
    (0..lines)
        .map(|i| format!("{tag}_total{{n=\"{i}\"}} {i}\n"))
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn error(outcome: &ScrapeOutcome) -> String {
    match &outcome.result {
        Err(why) => why.to_string(),
        Ok(body) => panic!("expected an error, got a body of {} bytes", body.len()),
    }
}

/// Polls once and gives the body back, as the live feed does once the engine has read it;
/// returns the body.
async fn poll(fetcher: &Fetcher) -> Result<String, String> {
    let outcome = fetcher.fetch().await;
    let kept = outcome.result.clone().map_err(|e| e.to_string());
    fetcher.recycle(outcome);
    kept
}

#[tokio::test]
async fn a_body_that_shrinks_after_a_large_one_keeps_no_stale_bytes() {
    let large = body(2_500, "large");
    let small = body(3, "small");
    let (large2, small2) = (large.clone(), small.clone());
    let server = HttpServer::start(move |_, n| {
        Some(match n {
            0 => Reply::text(large2.clone()),
            1 | 3 => Reply::text(small2.clone()),
            _ => Reply::text(gzip(small2.as_bytes())).header("Content-Encoding", "gzip"),
        })
    });
    let fetcher = Fetcher::new(&spec(server.url("/metrics"), 1 << 20)).unwrap();
    assert!(large.len() > 60_000 && large.len() < 256 * 1024);
    assert_eq!(poll(&fetcher).await.unwrap(), large);
    // The large body's buffer waits for the next poll, sized from its Content-Length.
    assert_eq!(fetcher.body_return().spare_capacity(), large.len());
    assert_eq!(poll(&fetcher).await.unwrap(), small);
    assert_eq!(
        fetcher.body_return().spare_capacity(),
        large.len(),
        "reused"
    );
    assert_eq!(
        poll(&fetcher).await.unwrap(),
        small,
        "gzip inflated into it"
    );
    assert_eq!(poll(&fetcher).await.unwrap(), small);
}

#[tokio::test]
async fn a_buffer_far_larger_than_its_last_body_is_let_go() {
    let large = body(40_000, "large");
    let small = body(3, "small");
    let (large2, small2) = (large.clone(), small.clone());
    let server = HttpServer::start(move |_, n| {
        Some(Reply::text(if n == 0 {
            large2.clone()
        } else {
            small2.clone()
        }))
    });
    let fetcher = Fetcher::new(&spec(server.url("/metrics"), 4 << 20)).unwrap();
    assert!(large.len() > 1 << 20);
    assert_eq!(poll(&fetcher).await.unwrap(), large);
    assert_eq!(fetcher.body_return().spare_capacity(), large.len());
    assert_eq!(poll(&fetcher).await.unwrap(), small);
    assert_eq!(
        fetcher.body_return().spare_capacity(),
        0,
        "one large answer is not kept for good"
    );
    assert_eq!(poll(&fetcher).await.unwrap(), small);
    assert_eq!(fetcher.body_return().spare_capacity(), small.len());
}

/// `cutover status --over` polls in rounds: each round's body goes into the memory of the
/// round before, once given back, and a source that cannot be set up says so every round.
#[tokio::test]
async fn poll_rounds_read_each_round_into_the_buffer_given_back_by_the_last() {
    let first = body(2_000, "first");
    let second = body(1_500, "second");
    let (first2, second2) = (first.clone(), second.clone());
    let server = HttpServer::start(move |_, n| {
        Some(Reply::text(if n == 0 {
            first2.clone()
        } else {
            second2.clone()
        }))
    });
    let mut broken = spec("http://127.0.0.1:1/metrics".into(), 1 << 20);
    broken.name = "broken".into();
    broken.ca_file = Some("/nonexistent/ca.pem".into());
    let specs = vec![spec(server.url("/metrics"), 1 << 20), broken];
    let rounds = PollRounds::new(&specs, &PressureBoard::new(&specs));

    let mut outcomes = rounds.poll().await.into_iter();
    let one = outcomes.next().unwrap();
    assert!(error(&outcomes.next().unwrap()).contains("ca.pem"));
    let held = one.result.as_ref().unwrap();
    assert_eq!(held, &first);
    let memory = held.as_ptr();
    rounds.recycle(0, one);

    let mut outcomes = rounds.poll().await.into_iter();
    let two = outcomes.next().unwrap();
    assert!(error(&outcomes.next().unwrap()).contains("ca.pem"));
    let held = two.result.as_ref().unwrap();
    assert_eq!(held, &second, "nothing of the first body shows through");
    assert_eq!(held.as_ptr(), memory, "the first round's buffer, reused");

    // Not given back: the next round reads into new memory, and still reads it whole.
    let mut outcomes = rounds.poll().await.into_iter();
    let three = outcomes.next().unwrap();
    assert_eq!(three.result.as_ref().unwrap(), &second);
    assert_ne!(three.result.as_ref().unwrap().as_ptr(), memory);
}

/// A server that answers the n-th connection with `answers[n]` (the last one repeated) as raw
/// bytes, then closes it.
fn raw_server(answers: Vec<Vec<u8>>) -> Listener {
    let count = Arc::new(AtomicUsize::new(0));
    let answers = Arc::new(answers);
    Listener::raw(move |mut conn: TcpStream| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(k) => request.extend_from_slice(&buf[..k]),
            }
        }
        let answer = &answers[n.min(answers.len() - 1)];
        let _ = conn.write_all(answer);
    })
}

fn response(declared: usize, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: {declared}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[tokio::test]
async fn a_content_length_lying_high_or_low_shows_nothing_of_the_previous_body() {
    let large = body(2_000, "large");
    let small = body(3, "small");
    let server = raw_server(vec![
        response(large.len(), large.as_bytes()),
        // Declares more than it sends, then closes: the body is cut short.
        response(large.len() * 2, small.as_bytes()),
        response(large.len(), large.as_bytes()),
        // Declares less than it sends: the body is what was declared, nothing after it.
        response(10, small.as_bytes()),
        response(small.len(), small.as_bytes()),
    ]);
    let fetcher = Fetcher::new(&spec(
        format!("http://{}/metrics", server.address()),
        1 << 20,
    ))
    .unwrap();
    assert_eq!(poll(&fetcher).await.unwrap(), large);
    let cut = poll(&fetcher).await.unwrap_err();
    assert!(cut.starts_with("reading body: "), "{cut}");
    assert_eq!(poll(&fetcher).await.unwrap(), large);
    assert_eq!(poll(&fetcher).await.unwrap(), small[..10]);
    assert_eq!(poll(&fetcher).await.unwrap(), small);
}

#[tokio::test]
async fn gzip_inflated_into_the_reused_buffer_stops_at_the_limit() {
    let limit = 64 * 1024;
    let exact: Vec<u8> = body(4_000, "g").into_bytes()[..limit].to_vec();
    let mut over = exact.clone();
    over.push(b'\n');
    let small = body(3, "small");
    let answers = [
        Reply::text(body(2_000, "plain")),
        Reply::text(gzip(&exact)).header("Content-Encoding", "gzip"),
        Reply::text(gzip(&over)).header("Content-Encoding", "gzip"),
        // A bomb: 16 MiB of zeros in about 16 KiB.
        Reply::text(gzip(&vec![0u8; 16 << 20])).header("Content-Encoding", "gzip"),
        Reply::text(gzip(small.as_bytes())).header("Content-Encoding", "gzip"),
    ];
    let answers = Arc::new(std::sync::Mutex::new(answers.into_iter()));
    let server = HttpServer::start(move |_, _| answers.lock().unwrap().next());
    let fetcher = Fetcher::new(&spec(server.url("/metrics"), limit as u64)).unwrap();
    let spare = fetcher.body_return();
    assert_eq!(poll(&fetcher).await.unwrap(), body(2_000, "plain"));
    assert_eq!(poll(&fetcher).await.unwrap().as_bytes(), exact);
    assert!(
        spare.spare_capacity() <= limit,
        "{}",
        spare.spare_capacity()
    );
    let outcome = fetcher.fetch().await;
    assert_eq!(error(&outcome), "body over max_body after gzip inflation");
    let outcome = fetcher.fetch().await;
    assert_eq!(error(&outcome), "body over max_body after gzip inflation");
    assert!(outcome.bytes < 1 << 20, "{}", outcome.bytes);
    assert_eq!(poll(&fetcher).await.unwrap(), small);
    assert!(
        spare.spare_capacity() <= limit,
        "{}",
        spare.spare_capacity()
    );
}
