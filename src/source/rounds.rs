//! Polling every source once per call, with the same fetchers from call to call.
//!
//! `cutover status --over` polls its span in rounds. Kept fetchers carry each source's body
//! buffer and idle connection from one round to the next, where fresh ones would allocate
//! and fault in every source's whole body again each round (308 MiB for ten 15.5 MB bodies).

use super::concurrency::{Budget, PressureBoard, Slots};
use super::poller::{first_poll_offsets, unreachable_turn, Turns};
use super::scrape::Fetcher;
use super::{PollError, ScrapeOutcome, SourceSpec};
use crate::clock::now_ms;

/// The sources of one `status` run, each with its fetcher and its place in the connection
/// queue, polled together by [`PollRounds::poll`].
pub struct PollRounds {
    specs: Vec<SourceSpec>,
    /// The fetcher, or why the source cannot be set up (said again by every round).
    fetchers: Vec<Result<Fetcher, String>>,
    turns: Vec<Turns>,
}

impl PollRounds {
    /// Sets up every source; waits are counted in `pressure` (made for these `specs`).
    pub fn new(specs: &[SourceSpec], pressure: &PressureBoard) -> PollRounds {
        let budget = Budget::of_this_process();
        let keep_idle = budget.keeps_idle_connections(specs.len());
        let mut slots = Slots::new(budget);
        PollRounds {
            specs: specs.to_vec(),
            fetchers: specs
                .iter()
                .map(|spec| {
                    Fetcher::with_idle_connections(spec, keep_idle).map_err(|e| e.to_string())
                })
                .collect(),
            turns: specs
                .iter()
                .enumerate()
                .map(|(index, spec)| Turns::new(slots.for_source(spec), pressure.clone(), index))
                .collect(),
        }
    }

    /// Polls every source once, all at the same time (many sources on one host a little
    /// spread, see [`first_poll_offsets`]), and gives the outcomes in spec order. Every poll
    /// waits for its connection slot as long as it takes, each bounded by its timeout.
    pub async fn poll(&self) -> Vec<ScrapeOutcome> {
        let offsets = first_poll_offsets(&self.specs, None);
        let polls = self
            .specs
            .iter()
            .zip(&self.fetchers)
            .zip(&self.turns)
            .zip(offsets);
        futures_util::future::join_all(polls.map(|(((spec, fetcher), turns), offset)| async move {
            tokio::time::sleep(offset).await;
            match fetcher {
                Ok(fetcher) => match turns.poll(fetcher, None).await {
                    Some(outcome) => outcome,
                    None => unreachable_turn(spec),
                },
                Err(why) => ScrapeOutcome::without_body(
                    spec.name.clone(),
                    now_ms(),
                    PollError::NotSetUp(why.clone()),
                ),
            }
        }))
        .await
    }

    /// Gives source `index`'s outcome back once read, for its body's memory to take the
    /// source's next poll.
    pub fn recycle(&self, index: usize, outcome: ScrapeOutcome) {
        if let Some(Ok(fetcher)) = self.fetchers.get(index) {
            fetcher.recycle(outcome);
        }
    }
}

/// Polls every source once (for `cutover status` and `cutover check`); a source that cannot
/// even be set up gives an outcome whose error says why.
pub async fn poll_once(specs: &[SourceSpec]) -> Vec<ScrapeOutcome> {
    poll_once_counted(specs, &PressureBoard::new(specs)).await
}

/// [`poll_once`], with the polls that waited for a connection slot counted in `pressure`
/// (made for these `specs`).
pub async fn poll_once_counted(
    specs: &[SourceSpec],
    pressure: &PressureBoard,
) -> Vec<ScrapeOutcome> {
    PollRounds::new(specs, pressure).poll().await
}
