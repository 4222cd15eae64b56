//! An exporter on 127.0.0.1 for the whole-path rows, and the floor those rows are measured
//! against: a plain socket read of the same response into a buffer kept across reads.
//!
//! The server answers HTTP/1.1 with keep-alive, as an exporter does: `/plain` with a
//! `Content-Length`, `/gzip` the same body gzip-compressed, `/chunked` the plain body in
//! chunks of 64 KiB. Each response is built once, so the server's cost is the kernel's copy.
// Helpers shared by bench crates: `pub` for their users, not for a public API.
#![allow(unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

/// The responses, whole (status line, headers and body).
struct Responses {
    plain: Vec<u8>,
    gzip: Vec<u8>,
    chunked: Vec<u8>,
}

/// A running server; it lives as long as the process (bench binaries exit when done).
pub struct Exporter {
    pub addr: SocketAddr,
    /// Bytes of the `/gzip` body on the wire.
    pub gzip_len: usize,
}

impl Exporter {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Starts the server on an ephemeral port, one thread per connection.
pub fn serve(body: &str) -> Exporter {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body.as_bytes()).expect("in memory");
    let compressed = encoder.finish().expect("in memory");
    let head = |len: usize, extra: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n{extra}Content-Length: {len}\r\n\r\n"
        )
        .into_bytes()
    };
    let mut plain = head(body.len(), "");
    plain.extend_from_slice(body.as_bytes());
    let mut gzip = head(compressed.len(), "Content-Encoding: gzip\r\n");
    gzip.extend_from_slice(&compressed);
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for piece in body.as_bytes().chunks(64 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let responses = Arc::new(Responses {
        plain,
        gzip,
        chunked,
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("bound");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let responses = Arc::clone(&responses);
            thread::spawn(move || {
                let _ = answer(stream, &responses);
            });
        }
    });
    Exporter {
        addr,
        gzip_len: compressed.len(),
    }
}

/// Answers requests on one connection until the client closes it.
fn answer(mut stream: TcpStream, responses: &Responses) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut request = Vec::with_capacity(4096);
    let mut buf = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = find(&request, b"\r\n\r\n") {
                break end + 4;
            }
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            request.extend_from_slice(&buf[..n]);
        };
        let line = &request[..find(&request, b"\r\n").unwrap_or(0)];
        let response = if contains(line, b" /gzip ") {
            &responses.gzip
        } else if contains(line, b" /chunked ") {
            &responses.chunked
        } else {
            &responses.plain
        };
        stream.write_all(response)?;
        request.drain(..end);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// The floor: one kept-alive connection, the request written, the response read with plain
/// `read` calls into a buffer that keeps its size across reads (nothing parsed but the
/// `Content-Length`). Returns the body's length.
pub struct RawReader {
    stream: TcpStream,
    buffer: Vec<u8>,
    request: Vec<u8>,
}

impl RawReader {
    pub fn connect(exporter: &Exporter, path: &str) -> RawReader {
        let stream = TcpStream::connect(exporter.addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        RawReader {
            stream,
            buffer: Vec::new(),
            request: format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", exporter.addr).into_bytes(),
        }
    }

    pub fn read(&mut self) -> u64 {
        self.stream.write_all(&self.request).expect("request");
        let mut filled = 0;
        let mut body_start = None;
        let mut total = usize::MAX;
        while filled < total {
            if self.buffer.len() - filled < 64 * 1024 {
                // Grows only on the first read: later reads find the buffer already sized.
                self.buffer.resize(self.buffer.len() * 2 + 1024 * 1024, 0);
            }
            let n = self.stream.read(&mut self.buffer[filled..]).expect("read");
            assert!(n > 0, "the server closed the connection");
            filled += n;
            if body_start.is_none() {
                if let Some(end) = find(&self.buffer[..filled], b"\r\n\r\n") {
                    let head = std::str::from_utf8(&self.buffer[..end]).expect("ASCII head");
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse().ok())
                        .expect("a Content-Length");
                    body_start = Some(end + 4);
                    total = end + 4 + len;
                }
            }
        }
        (total - body_start.unwrap_or(0)) as u64
    }
}
