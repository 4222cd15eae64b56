//! A body read within limits: `max_body` bounds both the bytes on the wire and the bytes
//! after gzip inflation, so a small compressed body that inflates to gigabytes stops at the
//! limit instead of exhausting the host.
//!
//! The body is read into the buffer the source's previous poll used (`buffer`), sized once
//! from `Content-Length` when the server gives one: each chunk the client hands over is
//! copied once, into place, and the buffer never grows past the limit.

use std::io::{self, Write};

use super::progress::Progress;
use super::words::{error_chain_words, BodyProblem};

/// A body as far as it was read; `problem` says why reading stopped early, if it did.
pub(super) struct BodyRead {
    pub(super) data: Vec<u8>,
    pub(super) problem: Option<BodyProblem>,
}

/// Streams the body into `buffer` (emptied first), counting wire bytes and stopping at
/// `limit` both before and after inflation, so memory never holds more than `limit` bytes of
/// body.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
    progress: &Progress,
    buffer: Vec<u8>,
) -> BodyRead {
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .trim()
                .to_ascii_lowercase()
        });
    let gzip = match encoding.as_deref() {
        None | Some("") | Some("identity") => false,
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => {
            return BodyRead {
                data: Vec::new(),
                problem: Some(BodyProblem::Encoding(other.to_string())),
            }
        }
    };
    if response.content_length().is_some_and(|len| len > limit) {
        return BodyRead {
            data: Vec::new(),
            problem: Some(BodyProblem::OverWire { limit }),
        };
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    // A gzip body's length says nothing of what it inflates to: the buffer keeps its size.
    let expected = if gzip {
        0
    } else {
        response.content_length().unwrap_or(0).min(limit)
    };
    let capacity = usize::try_from(expected).unwrap_or(0);
    let mut sink = BodySink::new(gzip, limit_usize, buffer, capacity);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) => return sink.stop(BodyProblem::Transport(error_chain_words(&error))),
        };
        if progress.add_wire_bytes(chunk.len()) > limit {
            return sink.stop(BodyProblem::OverWire { limit });
        }
        if let Err(problem) = sink.write(&chunk) {
            return sink.stop(problem);
        }
    }
    sink.finish()
}

/// Where body bytes go: straight into memory, or through a gzip decoder that writes into
/// the same capped buffer.
enum BodySink {
    Identity(CappedBuffer),
    Gzip(Box<flate2::write::MultiGzDecoder<CappedBuffer>>),
}

impl BodySink {
    /// `data` is the buffer to read into (emptied here); `capacity` what the body is
    /// expected to need (its `Content-Length`, within the limit).
    fn new(gzip: bool, limit: usize, mut data: Vec<u8>, capacity: usize) -> Self {
        data.clear();
        if data.capacity() < capacity {
            // A fresh allocation rather than `reserve`: growing would copy nothing useful.
            data = Vec::with_capacity(capacity);
        }
        let buffer = CappedBuffer {
            data,
            limit,
            over: false,
        };
        if gzip {
            BodySink::Gzip(Box::new(flate2::write::MultiGzDecoder::new(buffer)))
        } else {
            BodySink::Identity(buffer)
        }
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), BodyProblem> {
        match self {
            BodySink::Identity(buffer) => buffer
                .write_all(chunk)
                .map_err(|_| BodyProblem::OverInflated),
            BodySink::Gzip(decoder) => decoder
                .write_all(chunk)
                .map_err(|_| Self::gzip_problem(decoder.get_ref())),
        }
    }

    fn gzip_problem(buffer: &CappedBuffer) -> BodyProblem {
        if buffer.over {
            BodyProblem::OverInflated
        } else {
            BodyProblem::BadGzip
        }
    }

    fn stop(self, problem: BodyProblem) -> BodyRead {
        let data = match self {
            BodySink::Identity(buffer) => buffer.data,
            BodySink::Gzip(mut decoder) => std::mem::take(&mut decoder.get_mut().data),
        };
        BodyRead {
            data,
            problem: Some(problem),
        }
    }

    fn finish(self) -> BodyRead {
        match self {
            BodySink::Identity(buffer) => BodyRead {
                data: buffer.data,
                problem: None,
            },
            BodySink::Gzip(mut decoder) => match decoder.try_finish() {
                Ok(()) => BodyRead {
                    data: std::mem::take(&mut decoder.get_mut().data),
                    problem: None,
                },
                Err(_) => {
                    let problem = Self::gzip_problem(decoder.get_ref());
                    BodySink::Gzip(decoder).stop(problem)
                }
            },
        }
    }
}

/// An in-memory writer that refuses to grow past `limit`, which is what stops a gzip bomb.
struct CappedBuffer {
    data: Vec<u8>,
    limit: usize,
    over: bool,
}

impl Write for CappedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.data.len());
        if buf.len() > room {
            self.over = true;
            return Err(io::Error::other("body over max_body"));
        }
        let needed = self.data.len() + buf.len();
        if needed > self.data.capacity() {
            // Doubling, as `Vec` grows, but never past the limit: a body at the limit
            // holds the limit, not the next power of two above it.
            let grown = needed.max(self.data.capacity().saturating_mul(2));
            self.data
                .reserve_exact(grown.min(self.limit) - self.data.len());
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The body as text, with invalid UTF-8 replaced (copied only when there is some).
pub(super) fn lossy_utf8(data: Vec<u8>) -> String {
    match String::from_utf8(data) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_gzip_body_is_reported_not_accepted() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"up 1\n".repeat(100).as_slice()).unwrap();
        let full = encoder.finish().unwrap();
        let mut sink = BodySink::new(true, 1 << 20, Vec::new(), 0);
        sink.write(&full[..full.len() - 4]).unwrap();
        let read = sink.finish();
        assert!(matches!(read.problem, Some(BodyProblem::BadGzip)));

        // Into a buffer that held a longer body before: nothing of it is left.
        let mut sink = BodySink::new(true, 1 << 20, b"stale ".repeat(200), 0);
        sink.write(&full).unwrap();
        let read = sink.finish();
        assert!(read.problem.is_none());
        assert_eq!(read.data, b"up 1\n".repeat(100));
    }

    #[test]
    fn the_buffer_grows_to_the_limit_and_no_further() {
        let mut sink = BodySink::new(false, 1000, Vec::new(), 0);
        for _ in 0..10 {
            sink.write(&[b'a'; 99]).unwrap();
        }
        assert!(matches!(
            sink.write(&[b'a'; 11]),
            Err(BodyProblem::OverInflated)
        ));
        sink.write(&[b'a'; 10]).unwrap();
        let read = sink.finish();
        assert!(read.problem.is_none());
        assert_eq!(read.data.len(), 1000);
        assert_eq!(read.data.capacity(), 1000, "not the next doubling");
    }

    #[test]
    fn a_content_length_sizes_a_buffer_that_is_too_small_and_keeps_a_larger_one() {
        let sink = BodySink::new(false, 1 << 20, Vec::with_capacity(10), 5000);
        let read = sink.finish();
        assert!(read.data.capacity() >= 5000);
        let sink = BodySink::new(false, 1 << 20, Vec::with_capacity(9000), 5000);
        assert_eq!(sink.finish().data.capacity(), 9000);
    }
}
