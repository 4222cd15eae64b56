//! Polling every source on its own clock, feeding one bounded channel.
//!
//! One task per source, so a source that hangs holds up only itself (and only up to its
//! timeout); the channel is bounded so a consumer that falls behind slows the pollers down
//! instead of letting outcomes pile up in memory.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use super::buffer::BodyReturns;
use super::concurrency::{host_key, Budget, PressureBoard, Slots, SourceSlots, Turn};
use super::scrape::Fetcher;
use super::{ScrapeOutcome, SourceError, SourceSpec};
use crate::clock::now_ms;

/// Channel slots per source: room for a few polls while the consumer is busy redrawing.
const CHANNEL_SLOTS_PER_SOURCE: usize = 4;

/// How many sources on one host and port may open their first connection at the same moment.
const CONNECTS_AT_ONCE: usize = 8;

/// When each source's first poll starts, counted from now.
///
/// Sources sharing a host and port (one exporter process serving many paths, one query API
/// asked many things) would otherwise all connect in the same millisecond. A small listen
/// backlog (Python's `socketserver` keeps 5) drops the SYNs it has no room for, and a dropped
/// SYN is retransmitted only after a second, longer than many timeouts: the source times out
/// although its server is fine. So such sources start in batches of [`CONNECTS_AT_ONCE`],
/// spread evenly over a quarter of the shorter of the interval and their timeout. A source
/// whose host it shares with at most seven others starts at once. Later polls keep the offset,
/// as Prometheus spreads its scrapes over the interval.
pub(crate) fn first_poll_offsets(
    specs: &[SourceSpec],
    interval: Option<Duration>,
) -> Vec<Duration> {
    let mut by_host: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (i, spec) in specs.iter().enumerate() {
        by_host.entry(host_key(spec)).or_default().push(i);
    }
    let mut offsets = vec![Duration::ZERO; specs.len()];
    for members in by_host.values().filter(|m| m.len() > CONNECTS_AT_ONCE) {
        let shortest = members
            .iter()
            .map(|&i| specs[i].timeout)
            .chain(interval)
            .min()
            .unwrap_or_default();
        let window = shortest / 4;
        let batches = members.len().div_ceil(CONNECTS_AT_ONCE) as u32;
        for (k, &i) in members.iter().enumerate() {
            offsets[i] = window * (k / CONNECTS_AT_ONCE) as u32 / batches;
        }
    }
    offsets
}

/// The running pollers. Dropping it (or [`Poller::stop`]) stops them; so does dropping the
/// receiver.
#[derive(Debug)]
pub struct Poller {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pressure: PressureBoard,
    returns: BodyReturns,
}

impl Poller {
    /// Builds a fetcher per source (so a bad URL, header or CA file is reported now, not at
    /// the first poll) and starts one polling task per source on the current Tokio runtime.
    /// Each source is polled at once (or a little later, see [`first_poll_offsets`]), then
    /// every `interval`.
    pub fn start(
        specs: Vec<SourceSpec>,
        interval: Duration,
    ) -> Result<(Poller, mpsc::Receiver<ScrapeOutcome>), SourceError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SourceError::NoRuntime)?;
        let budget = Budget::of_this_process();
        let keep_idle = budget.keeps_idle_connections(specs.len());
        let fetchers = specs
            .iter()
            .map(|spec| Fetcher::with_idle_connections(spec, keep_idle))
            .collect::<Result<Vec<_>, _>>()?;
        let mut slots = Slots::new(budget);
        let pressure = PressureBoard::new(&specs);
        let returns = BodyReturns::new(
            fetchers
                .iter()
                .map(|f| (f.name().to_string(), f.body_return())),
        );
        let (outcomes, receiver) = mpsc::channel(CHANNEL_SLOTS_PER_SOURCE * fetchers.len().max(1));
        let (shutdown, _) = watch::channel(false);
        // tokio's interval panics on zero; the configuration already demands far more.
        let interval = interval.max(Duration::from_millis(1));
        let offsets = first_poll_offsets(&specs, Some(interval));
        let tasks = fetchers
            .into_iter()
            .zip(offsets)
            .enumerate()
            .map(|(index, (fetcher, offset))| {
                let turn = Turns {
                    slots: slots.for_source(&specs[index]),
                    pressure: pressure.clone(),
                    index,
                };
                runtime.spawn(poll_forever(
                    fetcher,
                    turn,
                    offset,
                    interval,
                    outcomes.clone(),
                    shutdown.subscribe(),
                ))
            })
            .collect();
        Ok((
            Poller {
                shutdown,
                tasks,
                pressure,
                returns,
            },
            receiver,
        ))
    }

    /// How often each source's polls were queued or skipped for want of a connection slot.
    pub fn pressure(&self) -> PressureBoard {
        self.pressure.clone()
    }

    /// Where the consumer of the outcomes gives each body back once read, so the source's
    /// next poll reads into the same memory (see `buffer`).
    pub fn body_returns(&self) -> BodyReturns {
        self.returns.clone()
    }

    /// Stops every poller; a request in flight is abandoned. The receiver then yields what
    /// was already sent and ends.
    pub fn stop(self) {
        drop(self);
    }

    /// How many sources are being polled.
    pub fn sources(&self) -> usize {
        self.tasks.len()
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

/// A source's place in the connection queue, and where its waits are counted.
pub(super) struct Turns {
    slots: SourceSlots,
    pressure: PressureBoard,
    index: usize,
}

impl Turns {
    /// The turns of source `index` of the specs `pressure` was made for.
    pub(super) fn new(slots: SourceSlots, pressure: PressureBoard, index: usize) -> Turns {
        Turns {
            slots,
            pressure,
            index,
        }
    }

    /// Polls once the slots are free; `None` when they were not free before `deadline`.
    pub(super) async fn poll(
        &self,
        fetcher: &Fetcher,
        deadline: Option<Instant>,
    ) -> Option<ScrapeOutcome> {
        let turn = self.slots.take(deadline).await;
        self.pressure.count(self.index, &turn);
        let _held = match turn {
            Turn::Ready(held) | Turn::Queued(held) => held,
            Turn::Missed => {
                tracing::debug!(
                    source = fetcher.name(),
                    "no connection slot within the interval; poll skipped"
                );
                return None;
            }
        };
        Some(fetcher.fetch().await)
    }
}

/// Polls one source until shutdown or until nobody listens any more. A poll waits for its
/// connection slots (see `concurrency`) until the source's next turn at most.
async fn poll_forever(
    fetcher: Fetcher,
    turns: Turns,
    offset: Duration,
    every: Duration,
    outcomes: mpsc::Sender<ScrapeOutcome>,
    mut shutdown: watch::Receiver<bool>,
) {
    if !offset.is_zero() {
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            _ = outcomes.closed() => return,
            _ = tokio::time::sleep(offset) => {}
        }
    }
    let mut ticker = tokio::time::interval(every);
    // A slow poll skips the ticks it overran rather than firing a burst to catch up, and the
    // source keeps its place in the interval (its offset above): with `Delay` every late tick
    // would push all later polls back, and over minutes a source drifts across cycles.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        let outcome = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            _ = outcomes.closed() => return,
            outcome = async {
                let due = ticker.tick().await;
                turns.poll(&fetcher, Some(due + every)).await
            } => outcome,
        };
        let Some(outcome) = outcome else { continue };
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            sent = outcomes.send(outcome) => {
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}

/// A poll without a deadline always gets its turn; should it not, it is a failed poll.
pub(super) fn unreachable_turn(spec: &SourceSpec) -> ScrapeOutcome {
    ScrapeOutcome::without_body(spec.name.clone(), now_ms(), super::PollError::NoSlot)
}

/// Resolves when shutdown is asked for, or when the [`Poller`] is gone altogether.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str, timeout_ms: u64) -> SourceSpec {
        SourceSpec {
            name: url.into(),
            url: url.into(),
            kind: super::super::SourceKind::Scrape,
            headers: Vec::new(),
            auth: super::super::Auth::None,
            ca_file: None,
            insecure_skip_verify: false,
            max_body: 1 << 20,
            timeout: Duration::from_millis(timeout_ms),
            queries: Vec::new(),
            batch: Vec::new(),
            limits: Default::default(),
        }
    }

    #[test]
    fn a_few_sources_per_host_start_at_once() {
        let specs: Vec<SourceSpec> = (0..8)
            .map(|i| spec(&format!("http://127.0.0.1:9000/m{i}"), 800))
            .chain([spec("http://10.0.0.1/metrics", 800)])
            .collect();
        let offsets = first_poll_offsets(&specs, Some(Duration::from_secs(2)));
        assert!(offsets.iter().all(|o| o.is_zero()), "{offsets:?}");
    }

    #[test]
    fn many_sources_on_one_host_start_in_batches_within_a_quarter_of_the_timeout() {
        let mut specs: Vec<SourceSpec> = (0..200)
            .map(|i| spec(&format!("http://127.0.0.1:9000/m{i}"), 800))
            .collect();
        // Another port is another server.
        specs.push(spec("http://127.0.0.1:9001/metrics", 800));
        let offsets = first_poll_offsets(&specs, Some(Duration::from_secs(2)));
        assert!(offsets[200].is_zero());
        assert!(offsets[..8].iter().all(|o| o.is_zero()));
        assert!(offsets[8] > Duration::ZERO);
        let latest = *offsets.iter().max().unwrap();
        assert!(latest < Duration::from_millis(200), "{latest:?}");
        for batch in offsets[..200].chunks(CONNECTS_AT_ONCE) {
            assert!(batch.iter().all(|o| *o == batch[0]), "{batch:?}");
        }
        assert!(offsets[..200].windows(2).all(|w| w[0] <= w[1]));
        // Without an interval (one-shot status), the timeout bounds the spread.
        let once = first_poll_offsets(&specs, None);
        assert_eq!(once, offsets);
    }
}
