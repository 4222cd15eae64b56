//! A source's body buffer, kept across polls: a 16 MB body read into a fresh allocation costs
//! the kernel a page fault and a zeroed page every 4 KiB, more than the parse of the same bytes
//! (BENCHMARKS.md, the whole-path rows). The consumer of an outcome hands its body back once
//! the engine has read it ([`BodyReturns::give_back`]), and the next poll of that source reads
//! into the same memory.
//!
//! What is kept is bounded: never more than the source's `max_body` (the body read stops
//! there), and a buffer far larger than the body it last held (one huge or hostile answer) is
//! let go rather than kept for good.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::ScrapeOutcome;

/// A buffer this much larger than the body it held (and over [`KEEP_ALWAYS`]) is let go.
const SHRINK_FACTOR: usize = 4;

/// Buffers up to this size are always kept: too small to matter for memory.
const KEEP_ALWAYS: usize = 256 * 1024;

/// One source's spare buffer; cheap to clone (the clones share it).
#[derive(Clone, Default)]
pub struct BodyReturn {
    spare: Arc<Mutex<Vec<u8>>>,
}

impl BodyReturn {
    /// The spare buffer, emptied, or a new one when none was given back (yet).
    pub(super) fn take(&self) -> Vec<u8> {
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        let mut buffer = std::mem::take(&mut *spare);
        buffer.clear();
        buffer
    }

    /// Keeps `body`'s memory for the next poll, unless it is far larger than the body.
    pub fn put(&self, body: String) {
        let buffer = body.into_bytes();
        if buffer.capacity() > KEEP_ALWAYS
            && buffer.capacity() / SHRINK_FACTOR > buffer.len().max(1)
        {
            return;
        }
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        // Two polls' bodies given back out of order: keep the larger one.
        if buffer.capacity() > spare.capacity() {
            *spare = buffer;
        }
    }

    /// The capacity kept for the next poll (tests and benches look).
    pub fn spare_capacity(&self) -> usize {
        self.spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .capacity()
    }
}

/// The size kept, not the bytes (a body may hold anything).
impl fmt::Debug for BodyReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyReturn")
            .field("spare_capacity", &self.spare_capacity())
            .finish()
    }
}

/// Every polled source's [`BodyReturn`], by source name: what a consumer of
/// [`super::Poller`]'s outcomes hands each body back to.
#[derive(Clone, Default, Debug)]
pub struct BodyReturns {
    by_source: Arc<HashMap<String, BodyReturn>>,
}

impl BodyReturns {
    pub(super) fn new(sources: impl IntoIterator<Item = (String, BodyReturn)>) -> BodyReturns {
        BodyReturns {
            by_source: Arc::new(sources.into_iter().collect()),
        }
    }

    /// Gives the outcome's body back to its source for the next poll; a failed poll or a
    /// source not polled here has nothing to give.
    pub fn give_back(&self, outcome: ScrapeOutcome) {
        if let (Some(spare), Ok(body)) = (self.by_source.get(&outcome.source), outcome.result) {
            spare.put(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(len: usize, capacity: usize) -> String {
        let mut text = String::with_capacity(capacity);
        text.push_str(&"x".repeat(len));
        text
    }

    #[test]
    fn a_spare_is_kept_unless_far_larger_than_its_body() {
        let spare = BodyReturn::default();
        spare.put(body(1 << 20, 1 << 20));
        assert_eq!(spare.spare_capacity(), 1 << 20);
        let taken = spare.take();
        assert!(taken.is_empty() && taken.capacity() == 1 << 20);
        assert_eq!(spare.spare_capacity(), 0, "taken, not shared");
        // A 4 MiB buffer that held 10 bytes is let go; a small one is always kept.
        spare.put(body(10, 4 << 20));
        assert_eq!(spare.spare_capacity(), 0);
        spare.put(body(10, KEEP_ALWAYS));
        assert_eq!(spare.spare_capacity(), KEEP_ALWAYS);
    }

    #[test]
    fn bodies_go_back_to_their_own_source_only() {
        let (a, b) = (BodyReturn::default(), BodyReturn::default());
        let returns =
            BodyReturns::new([("a".to_string(), a.clone()), ("b".to_string(), b.clone())]);
        let outcome = |source: &str, result| ScrapeOutcome {
            source: source.into(),
            at_ms: 0,
            duration_ms: 0,
            bytes: 0,
            status: None,
            result,
        };
        returns.give_back(outcome("b", Ok(body(100, 1000))));
        returns.give_back(outcome("c", Ok(body(100, 2000))));
        returns.give_back(outcome(
            "a",
            Err(crate::source::PollError::Failed("down".into())),
        ));
        assert_eq!((a.spare_capacity(), b.spare_capacity()), (0, 1000));
    }
}
