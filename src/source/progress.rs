//! What a poll has seen so far, kept outside the request future.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use reqwest::StatusCode;

/// Bytes and status seen so far, kept outside the request future so a poll cut short by the
/// timeout still reports them.
#[derive(Default)]
pub(super) struct Progress {
    wire_bytes: AtomicU64,
    /// 0 while no status has arrived.
    status: AtomicU32,
}

impl Progress {
    pub(super) fn add_wire_bytes(&self, n: usize) -> u64 {
        let n = n as u64;
        self.wire_bytes.fetch_add(n, Ordering::Relaxed) + n
    }

    pub(super) fn wire_bytes(&self) -> u64 {
        self.wire_bytes.load(Ordering::Relaxed)
    }

    pub(super) fn set_status(&self, status: StatusCode) {
        self.status
            .store(u32::from(status.as_u16()), Ordering::Relaxed);
    }

    pub(super) fn set_status_if_unset(&self, status: StatusCode) {
        let _ = self.status.compare_exchange(
            0,
            u32::from(status.as_u16()),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    pub(super) fn status(&self) -> Option<u16> {
        match self.status.load(Ordering::Relaxed) {
            0 => None,
            code => u16::try_from(code).ok(),
        }
    }
}
