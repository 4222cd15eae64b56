//! Polling every source on its own clock, feeding one bounded channel.
//!
//! One task per source, so a source that hangs holds up only itself (and only up to its
//! timeout); the channel is bounded so a consumer that falls behind slows the pollers down
//! instead of letting outcomes pile up in memory.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::scrape::{unix_ms_now, Fetcher};
use super::{ScrapeOutcome, SourceError, SourceSpec};

/// Channel slots per source: room for a few polls while the consumer is busy redrawing.
const CHANNEL_SLOTS_PER_SOURCE: usize = 4;

/// The running pollers. Dropping it (or [`Poller::stop`]) stops them; so does dropping the
/// receiver.
#[derive(Debug)]
pub struct Poller {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Poller {
    /// Builds a fetcher per source (so a bad URL, header or CA file is reported now, not at
    /// the first poll) and starts one polling task per source on the current Tokio runtime.
    /// Each source is polled at once, then every `interval`.
    pub fn start(
        specs: Vec<SourceSpec>,
        interval: Duration,
    ) -> Result<(Poller, mpsc::Receiver<ScrapeOutcome>), SourceError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| SourceError::NoRuntime)?;
        let fetchers = specs
            .iter()
            .map(Fetcher::new)
            .collect::<Result<Vec<_>, _>>()?;
        let (outcomes, receiver) = mpsc::channel(CHANNEL_SLOTS_PER_SOURCE * fetchers.len().max(1));
        let (shutdown, _) = watch::channel(false);
        // tokio's interval panics on zero; the configuration already demands far more.
        let interval = interval.max(Duration::from_millis(1));
        let tasks = fetchers
            .into_iter()
            .map(|fetcher| {
                runtime.spawn(poll_forever(
                    fetcher,
                    interval,
                    outcomes.clone(),
                    shutdown.subscribe(),
                ))
            })
            .collect();
        Ok((Poller { shutdown, tasks }, receiver))
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

/// Polls one source until shutdown or until nobody listens any more.
async fn poll_forever(
    fetcher: Fetcher,
    every: Duration,
    outcomes: mpsc::Sender<ScrapeOutcome>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(every);
    // A slow poll pushes the next ones back rather than firing a burst to catch up.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let outcome = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            _ = outcomes.closed() => return,
            outcome = async {
                ticker.tick().await;
                fetcher.fetch().await
            } => outcome,
        };
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

/// Resolves when shutdown is asked for, or when the [`Poller`] is gone altogether.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Polls every source once, all at the same time, and gives the outcomes in spec order
/// (for `cutover status` and `cutover check`). A source that cannot even be set up gives an
/// outcome whose error says why.
pub async fn poll_once(specs: &[SourceSpec]) -> Vec<ScrapeOutcome> {
    futures_util::future::join_all(specs.iter().map(|spec| async move {
        match Fetcher::new(spec) {
            Ok(fetcher) => fetcher.fetch().await,
            Err(error) => ScrapeOutcome {
                source: spec.name.clone(),
                at_ms: unix_ms_now(),
                duration_ms: 0,
                bytes: 0,
                status: None,
                result: Err(error.to_string()),
            },
        }
    }))
    .await
}
