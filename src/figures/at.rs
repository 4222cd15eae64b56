//! The point figures are computed at: the store at a data time, over a window. Its own file so
//! that every figure (traffic, gateway state, queues, sagas) and the judge read it without
//! needing each other.

use crate::plan::SignalId;
use crate::store::Store;

/// Where figures are computed: the store at a data time, over a window.
pub struct At<'a> {
    pub store: &'a Store,
    pub now_ms: i64,
    pub window_ms: i64,
}

impl At<'_> {
    pub(super) fn history(&self, id: SignalId) -> &crate::store::SignalHistory {
        &self.store.signals[id]
    }
}
