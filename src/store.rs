//! Per-signal history of the series a selector matched, bounded by the figures' `window`.
//!
//! Only the window is kept because the figures read nothing older (rates, increases, quantiles
//! and trends all look `window` back from the newest scrape). The charts' longer `history` is
//! kept by the timeline as one point per status, and a replay seeks by feeding the recording
//! again, so an hour of raw frames would only cost memory: for 50 domains polled every second
//! it was about 370 MB.
//!
//! A frame is pushed for every successful scrape of the signal's source, even when the
//! selector matched nothing: an empty newest frame is how the figures know "no data"
//! (which is not zero). Failed scrapes push nothing, so a down source simply goes stale.

use std::collections::{HashMap, VecDeque};

/// One series a signal matched, identified by its name and labels as the source wrote them.
#[derive(Debug, Clone)]
pub struct SeriesInfo {
    /// `name{labels}` in source order, used as the identity of the series.
    pub key: String,
    /// Histogram bucket bound when the series is a `_bucket` with an `le` label.
    pub le: Option<f64>,
    /// Identity of the histogram the bucket belongs to (the key without `le`).
    pub group: u32,
}

/// The values a signal's selector matched in one scrape.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub at_ms: i64,
    /// (series index into [`SignalHistory::series`], value)
    pub values: Vec<(u32, f64)>,
}

impl Frame {
    pub fn sum(&self) -> f64 {
        self.values.iter().map(|(_, v)| v).sum()
    }
}

/// The kept history of one signal.
///
/// Series come and go (a label holding a request id, a pod name after a deploy): a series not
/// seen for longer than the window is dropped, as Prometheus marks a series stale, and its slot
/// is given to the next new series. So memory follows the series alive within the window, not
/// every series ever seen.
#[derive(Debug, Default)]
pub struct SignalHistory {
    /// Indexed by the series numbers in frames; a dropped series leaves an empty slot for reuse.
    pub series: Vec<SeriesInfo>,
    index: HashMap<String, u32>,
    groups: HashMap<String, u32>,
    /// Per group number: its key (to forget it) and how many live series belong to it.
    group_keys: Vec<String>,
    group_members: Vec<u32>,
    free_groups: Vec<u32>,
    /// Per series slot: the group it counts in, if it is a bucket.
    series_group: Vec<Option<u32>>,
    /// Per series slot: the newest frame time it had a value in; [`FREE`] for an empty slot.
    last_seen: Vec<i64>,
    free: Vec<u32>,
    /// Series registered since the last commit: given up again if the frame is not kept.
    fresh: Vec<u32>,
    live: usize,
    pub frames: VecDeque<Frame>,
    pending: Vec<(u32, f64)>,
    /// Per series: the frame generation it was last added in (duplicate detection in O(1)).
    seen_in: Vec<u32>,
    generation: u32,
    /// The signal's source failed its last scrape: what the frames say is not current, so every
    /// figure from it is unknown until the source answers again.
    pub stale: bool,
    /// The exemplar this signal keeps (newest, or its slowest bucket's), within the window.
    pub exemplars: crate::kept_exemplar::ExemplarSlot,
}

/// `last_seen` of an empty slot.
const FREE: i64 = i64::MIN;

impl SignalHistory {
    /// Index of a series, registering it the first time it is seen; `true` when it is new.
    fn series_index(&mut self, key: &str, le: Option<f64>, group_key: Option<&str>) -> (u32, bool) {
        if let Some(&i) = self.index.get(key) {
            return (i, false);
        }
        let group = group_key.map(|g| self.group_number(g));
        let info = SeriesInfo {
            key: key.to_string(),
            le,
            group: group.unwrap_or(0),
        };
        let i = match self.free.pop() {
            Some(i) => {
                let slot = i as usize;
                self.series[slot] = info;
                self.series_group[slot] = group;
                // Not yet committed: older than any frame, but not an empty slot.
                self.last_seen[slot] = FREE + 1;
                self.seen_in[slot] = self.generation.wrapping_sub(1);
                i
            }
            None => {
                let i = self.series.len() as u32;
                self.series.push(info);
                self.series_group.push(group);
                self.last_seen.push(FREE + 1);
                self.seen_in.push(self.generation.wrapping_sub(1));
                i
            }
        };
        self.index.insert(key.to_string(), i);
        self.fresh.push(i);
        self.live += 1;
        (i, true)
    }

    /// The number of a histogram (its bucket labels without `le`), counting one more member.
    fn group_number(&mut self, key: &str) -> u32 {
        if let Some(&g) = self.groups.get(key) {
            self.group_members[g as usize] += 1;
            return g;
        }
        let g = match self.free_groups.pop() {
            Some(g) => {
                self.group_keys[g as usize] = key.to_string();
                self.group_members[g as usize] = 1;
                g
            }
            None => {
                self.group_keys.push(key.to_string());
                self.group_members.push(1);
                (self.group_keys.len() - 1) as u32
            }
        };
        self.groups.insert(key.to_string(), g);
        g
    }

    /// Forgets a series: its slot (and its group, when it was the last member) is free again.
    fn release(&mut self, i: u32) {
        let slot = i as usize;
        let key = std::mem::take(&mut self.series[slot].key);
        self.index.remove(&key);
        if let Some(g) = self.series_group[slot].take() {
            let members = &mut self.group_members[g as usize];
            *members -= 1;
            if *members == 0 {
                let key = std::mem::take(&mut self.group_keys[g as usize]);
                self.groups.remove(&key);
                self.free_groups.push(g);
            }
        }
        self.series[slot].le = None;
        self.last_seen[slot] = FREE;
        self.free.push(i);
        self.live -= 1;
    }

    fn release_fresh(&mut self) {
        for i in std::mem::take(&mut self.fresh) {
            self.release(i);
        }
    }

    /// How many series are tracked now (`series_limit` counts these).
    pub fn tracked(&self) -> usize {
        self.live
    }

    /// Adds a matched sample to the frame being built for the current scrape; `true` when the
    /// series was not tracked before.
    pub fn add(&mut self, key: &str, le: Option<f64>, group_key: Option<&str>, value: f64) -> bool {
        let (i, new) = self.series_index(key, le, group_key);
        // The same series twice in one body: the first sample wins, as Prometheus keeps it and
        // drops the duplicates.
        let slot = &mut self.seen_in[i as usize];
        if *slot != self.generation {
            *slot = self.generation;
            self.pending.push((i, value));
        }
        new
    }

    /// Closes the frame for a scrape taken at `at_ms`, drops frames older than `keep_ms`, and
    /// drops the series no kept frame holds any more (unseen for longer than `keep_ms`).
    pub fn commit(&mut self, at_ms: i64, keep_ms: i64) {
        let values = std::mem::take(&mut self.pending);
        self.generation = self.generation.wrapping_add(1);
        // A replayed or re-ordered scrape older than the newest frame is ignored: time only moves forward.
        if let Some(last) = self.frames.back() {
            if at_ms <= last.at_ms {
                self.release_fresh();
                self.exemplars.discard();
                return;
            }
        }
        for &(i, _) in &values {
            self.last_seen[i as usize] = at_ms;
        }
        self.fresh.clear();
        self.frames.push_back(Frame { at_ms, values });
        let cutoff = at_ms.saturating_sub(keep_ms);
        while let Some(front) = self.frames.front() {
            if front.at_ms < cutoff {
                self.frames.pop_front();
            } else {
                break;
            }
        }
        self.drop_unseen(cutoff);
        self.exemplars.commit(cutoff);
    }

    /// Releases every series last seen before `cutoff`. The frames holding them are gone
    /// already (they are older than `cutoff` too), so no frame refers to a released slot.
    fn drop_unseen(&mut self, cutoff: i64) {
        for i in 0..self.last_seen.len() {
            let seen = self.last_seen[i];
            if seen != FREE && seen < cutoff {
                self.release(i as u32);
            }
        }
    }

    /// Discards a frame being built (the scrape turned out to be a failure), and the series
    /// it alone brought.
    pub fn discard(&mut self) {
        self.pending.clear();
        self.generation = self.generation.wrapping_add(1);
        self.release_fresh();
        self.exemplars.discard();
    }

    /// The newest frame, unless the source is down.
    pub fn newest(&self) -> Option<&Frame> {
        if self.stale {
            return None;
        }
        self.frames.back()
    }

    /// Frames with `at_ms >= from_ms`, oldest first.
    pub fn since(&self, from_ms: i64) -> impl Iterator<Item = &Frame> {
        let start = self.frames.partition_point(|f| f.at_ms < from_ms);
        self.frames.range(start..)
    }
}

/// All signals' histories, indexed like the plan's signals.
#[derive(Debug, Default)]
pub struct Store {
    pub signals: Vec<SignalHistory>,
}

impl Store {
    pub fn new(signals: usize) -> Self {
        Store {
            signals: (0..signals).map(|_| SignalHistory::default()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_unseen_for_longer_than_the_window_are_dropped_and_their_slots_reused() {
        let mut h = SignalHistory::default();
        let window = 10_000;
        // Each scrape, one steady series and 100 that are never seen again.
        for scrape in 0..100i64 {
            h.add("steady", None, None, scrape as f64);
            for k in 0..100 {
                let key = format!("churn{{uid=\"{scrape}-{k}\"}}");
                h.add(&key, Some(0.1), Some(&key), 1.0);
            }
            h.commit(scrape * 1000, window);
            // The window holds 11 scrapes (0 s to 10 s back) of 100 new series each.
            assert!(h.tracked() <= 1 + 11 * 100, "{}", h.tracked());
        }
        assert_eq!(h.tracked(), 1 + 11 * 100);
        assert!(h.series.len() <= 1 + 12 * 100, "slots: {}", h.series.len());
        assert!(h.index.len() == h.tracked() && h.groups.len() == 11 * 100);
        // Every value in a kept frame points at a live series.
        for frame in &h.frames {
            for &(i, _) in &frame.values {
                assert!(!h.series[i as usize].key.is_empty());
            }
        }
        // The steady series kept its identity (and its history).
        let steady = h.index["steady"];
        assert!(h
            .frames
            .iter()
            .all(|f| f.values.iter().any(|v| v.0 == steady)));
    }

    #[test]
    fn a_discarded_or_out_of_order_frame_gives_back_the_series_it_brought() {
        let mut h = SignalHistory::default();
        h.add("a", None, None, 1.0);
        h.commit(1000, 10_000);
        assert!(h.add("b", None, None, 1.0));
        assert!(!h.add("a", None, None, 2.0));
        h.discard();
        assert_eq!(h.tracked(), 1);
        h.add("c", None, None, 1.0);
        h.commit(500, 10_000);
        assert_eq!(h.tracked(), 1);
        assert!(!h.index.contains_key("c"));
    }
}
