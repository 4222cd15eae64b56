//! The one exemplar a signal keeps, for the detail view and `status --json`: of a counter
//! (a path's errors) the newest, of a latency histogram the newest of its slowest bucket that
//! has one — "the slowest recent request, and which trace it was".
//!
//! Only exemplars observed within the window count (one without a timestamp counts as observed
//! when first scraped), and a kept one is forgotten once it is older than the window, so what
//! is shown is recent or nothing. A scrape offers its exemplars one by one; the best is held
//! in a buffer reused from scrape to scrape (no allocation per exemplar once warm) and kept
//! only when the scrape is (`commit`), like the frame it came with.

/// A kept exemplar.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptExemplar {
    /// Validated by [`crate::trace_id::is_valid`].
    pub trace_id: String,
    /// The observed value, in the signal's unit.
    pub value: f64,
    /// When it was observed (unix ms): the exporter's timestamp, or the scrape that first
    /// brought it when the exporter gave none.
    pub at_ms: i64,
    /// Whether `at_ms` is the exporter's timestamp.
    pub timestamped: bool,
    /// The bucket bound it came with, for a latency histogram.
    pub le: Option<f64>,
}

/// The kept exemplar of a signal and the candidate of the scrape being read.
#[derive(Debug, Default)]
pub struct ExemplarSlot {
    kept: Option<KeptExemplar>,
    candidate: Option<KeptExemplar>,
    /// The candidate buffer is in use for this scrape (its string is reused, not freed).
    has_candidate: bool,
}

impl ExemplarSlot {
    pub fn kept(&self) -> Option<&KeptExemplar> {
        self.kept.as_ref()
    }

    /// Offers one exemplar of the scrape being read. `le` is the bucket's bound for a latency
    /// histogram (the highest wins), `None` for a counter (the newest wins); an exemplar
    /// observed before `cutoff_ms` is not recent and is passed over.
    pub fn offer(
        &mut self,
        trace_id: &str,
        value: f64,
        at_ms: i64,
        timestamped: bool,
        le: Option<f64>,
        cutoff_ms: i64,
    ) {
        if at_ms < cutoff_ms || !value.is_finite() {
            return;
        }
        if self.has_candidate {
            if let Some(c) = &self.candidate {
                let rank = |le: Option<f64>, at: i64| (le.unwrap_or(0.0), at);
                let (new, old) = (rank(le, at_ms), rank(c.le, c.at_ms));
                if new.0 < old.0 || (new.0 == old.0 && new.1 < old.1) {
                    return;
                }
            }
        }
        let c = self.candidate.get_or_insert_with(|| KeptExemplar {
            trace_id: String::new(),
            value,
            at_ms,
            timestamped,
            le,
        });
        c.trace_id.clear();
        c.trace_id.push_str(trace_id);
        c.value = value;
        c.at_ms = at_ms;
        c.timestamped = timestamped;
        c.le = le;
        self.has_candidate = true;
    }

    /// The scrape is kept: its best exemplar replaces the kept one (which keeps its time when
    /// it is the same untimestamped exemplar seen again), and a kept one older than `cutoff_ms`
    /// is forgotten.
    pub fn commit(&mut self, cutoff_ms: i64) {
        if std::mem::take(&mut self.has_candidate) {
            if let Some(c) = &mut self.candidate {
                if let Some(k) = &self.kept {
                    if !c.timestamped && k.trace_id == c.trace_id && k.value == c.value {
                        c.at_ms = k.at_ms;
                    }
                }
                if c.at_ms >= cutoff_ms {
                    match &mut self.kept {
                        Some(k) => k.clone_from(c),
                        None => self.kept = Some(c.clone()),
                    }
                }
            }
        }
        if self.kept.as_ref().is_some_and(|k| k.at_ms < cutoff_ms) {
            self.kept = None;
        }
    }

    /// The scrape is dropped: so is its candidate.
    pub fn discard(&mut self) {
        self.has_candidate = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_keeps_the_newest_and_a_histogram_its_slowest_bucket() {
        let mut errors = ExemplarSlot::default();
        errors.offer("aaaaaaaa", 1.0, 5_000, true, None, 0);
        errors.offer("bbbbbbbb", 1.0, 9_000, true, None, 0);
        errors.offer("cccccccc", 1.0, 7_000, true, None, 0);
        errors.commit(0);
        assert_eq!(errors.kept().map(|k| k.trace_id.as_str()), Some("bbbbbbbb"));

        let mut latency = ExemplarSlot::default();
        latency.offer("fast0000", 0.05, 9_000, true, Some(0.1), 0);
        latency.offer("slow0000", 2.3, 5_000, true, Some(2.5), 0);
        latency.offer("mid00000", 0.7, 9_500, true, Some(1.0), 0);
        // Older than the window: not recent, whatever its bucket.
        latency.offer("old00000", 9.0, 500, true, Some(f64::INFINITY), 1_000);
        latency.commit(1_000);
        let kept = latency.kept().expect("kept");
        assert_eq!((kept.trace_id.as_str(), kept.value), ("slow0000", 2.3));
    }

    #[test]
    fn dropped_scrapes_and_old_exemplars_leave_nothing() {
        let mut slot = ExemplarSlot::default();
        slot.offer("aaaaaaaa", 1.0, 5_000, true, None, 0);
        slot.discard();
        slot.commit(0);
        assert!(slot.kept().is_none());
        slot.offer("aaaaaaaa", 1.0, 5_000, true, None, 0);
        slot.commit(0);
        assert!(slot.kept().is_some());
        slot.commit(6_000);
        assert!(
            slot.kept().is_none(),
            "forgotten once older than the window"
        );
    }

    #[test]
    fn an_untimestamped_exemplar_seen_again_keeps_its_first_time() {
        let mut slot = ExemplarSlot::default();
        slot.offer("aaaaaaaa", 1.0, 5_000, false, None, 0);
        slot.commit(0);
        slot.offer("aaaaaaaa", 1.0, 7_000, false, None, 0);
        slot.commit(0);
        assert_eq!(slot.kept().map(|k| k.at_ms), Some(5_000));
    }
}
