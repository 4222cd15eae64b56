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
#[derive(Debug, Default)]
pub struct SignalHistory {
    pub series: Vec<SeriesInfo>,
    index: HashMap<String, u32>,
    groups: HashMap<String, u32>,
    pub frames: VecDeque<Frame>,
    pending: Vec<(u32, f64)>,
    /// Per series: the frame generation it was last added in (duplicate detection in O(1)).
    seen_in: Vec<u32>,
    generation: u32,
    /// The signal's source failed its last scrape: what the frames say is not current, so every
    /// figure from it is unknown until the source answers again.
    pub stale: bool,
}

impl SignalHistory {
    /// Index of a series, registering it the first time it is seen.
    fn series_index(&mut self, key: &str, le: Option<f64>, group_key: Option<&str>) -> u32 {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let group = match group_key {
            Some(g) => {
                let next = self.groups.len() as u32;
                *self.groups.entry(g.to_string()).or_insert(next)
            }
            None => 0,
        };
        let i = self.series.len() as u32;
        self.series.push(SeriesInfo {
            key: key.to_string(),
            le,
            group,
        });
        self.index.insert(key.to_string(), i);
        self.seen_in.push(self.generation.wrapping_sub(1));
        i
    }

    /// Adds a matched sample to the frame being built for the current scrape.
    pub fn add(&mut self, key: &str, le: Option<f64>, group_key: Option<&str>, value: f64) {
        let i = self.series_index(key, le, group_key);
        // The same series twice in one body: the first sample wins, as Prometheus keeps it and
        // drops the duplicates.
        let slot = &mut self.seen_in[i as usize];
        if *slot != self.generation {
            *slot = self.generation;
            self.pending.push((i, value));
        }
    }

    /// Closes the frame for a scrape taken at `at_ms` and drops frames older than `keep_ms`.
    pub fn commit(&mut self, at_ms: i64, keep_ms: i64) {
        let values = std::mem::take(&mut self.pending);
        self.generation = self.generation.wrapping_add(1);
        // A replayed or re-ordered scrape older than the newest frame is ignored: time only moves forward.
        if let Some(last) = self.frames.back() {
            if at_ms <= last.at_ms {
                return;
            }
        }
        self.frames.push_back(Frame { at_ms, values });
        while let Some(front) = self.frames.front() {
            if front.at_ms < at_ms - keep_ms {
                self.frames.pop_front();
            } else {
                break;
            }
        }
    }

    /// Discards a frame being built (the scrape turned out to be a failure).
    pub fn discard(&mut self) {
        self.pending.clear();
        self.generation = self.generation.wrapping_add(1);
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
