//! How many polls may be in flight at once: per host and in total.
//!
//! Without a cap, 10,000 sources on one host were all fetched in the same instant: under
//! `ulimit -n 1024` most failed with "Too many open files", and with a high limit the host's
//! accept queue overflowed and 80% timed out. So every poll first takes a slot on its host,
//! then one of the process's slots, and waits for them in a queue; a poll that cannot start
//! before its source's next turn is skipped (the next one will try). Both are counted per
//! source ([`PollPressure`]) and shown in the sources view and in `status --json`.
//!
//! Defaults:
//! - per host, [`PER_HOST`] = 8: a metrics endpoint is one process with a small accept
//!   backlog (Python's `socketserver` keeps 5) and a few handler threads; more parallel
//!   requests only queue there instead of here, where the wait is visible. Browsers keep 6.
//! - in total, half of what `RLIMIT_NOFILE` leaves after [`RESERVED_FDS`] for the process
//!   itself (terminal, logs, audit, recording, runtime): a poll may hold two descriptors (its
//!   socket, and one for name resolution), capped at [`MAX_TOTAL`], beyond which a two-core
//!   machine gains nothing and the burst starts to look like a SYN flood.
//!
//! Idle keep-alive connections hold descriptors between polls too, so when there are more
//! sources than total slots, connections are not kept between polls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::SourceSpec;

/// Polls in flight per host and port.
pub const PER_HOST: usize = 8;
/// Descriptors left to the process itself.
pub const RESERVED_FDS: u64 = 64;
/// The most polls in flight, whatever the descriptor limit.
pub const MAX_TOTAL: usize = 512;

/// How many polls may be in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub total: usize,
    pub per_host: usize,
}

impl Budget {
    /// The budget for a soft descriptor limit of `nofile`.
    pub fn from_nofile(nofile: u64) -> Budget {
        let usable = nofile.saturating_sub(RESERVED_FDS) / 2;
        let total = usize::try_from(usable)
            .unwrap_or(MAX_TOTAL)
            .clamp(1, MAX_TOTAL);
        Budget {
            total,
            per_host: PER_HOST.min(total),
        }
    }

    /// The budget for this process's `RLIMIT_NOFILE` (1024, the usual soft limit, when it
    /// cannot be read).
    pub fn of_this_process() -> Budget {
        Budget::from_nofile(nofile_soft_limit().unwrap_or(1024))
    }

    /// Whether idle connections may be kept between polls for `sources` sources.
    pub fn keeps_idle_connections(&self, sources: usize) -> bool {
        sources <= self.total
    }
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn nofile_soft_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    // `rlim_t` is u64 on Linux; `try_from` keeps other widths right too.
    #[allow(clippy::useless_conversion)]
    let soft = u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX);
    (rc == 0).then_some(soft)
}

#[cfg(not(unix))]
fn nofile_soft_limit() -> Option<u64> {
    None
}

/// The host and port a source connects to: the unit of [`Budget::per_host`].
pub(crate) fn host_key(spec: &SourceSpec) -> String {
    match reqwest::Url::parse(&spec.url) {
        Ok(url) => format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => spec.url.clone(),
    }
}

/// The slots of every host and of the process.
#[derive(Debug)]
pub struct Slots {
    total: Arc<Semaphore>,
    hosts: HashMap<String, Arc<Semaphore>>,
    per_host: usize,
}

impl Slots {
    pub fn new(budget: Budget) -> Slots {
        Slots {
            total: Arc::new(Semaphore::new(budget.total)),
            hosts: HashMap::new(),
            per_host: budget.per_host,
        }
    }

    /// The slots a source's polls take.
    pub fn for_source(&mut self, spec: &SourceSpec) -> SourceSlots {
        let per_host = self.per_host;
        let host = self
            .hosts
            .entry(host_key(spec))
            .or_insert_with(|| Arc::new(Semaphore::new(per_host)))
            .clone();
        SourceSlots {
            total: self.total.clone(),
            host,
        }
    }
}

/// A source's way to its host's slots and the process's.
#[derive(Debug, Clone)]
pub struct SourceSlots {
    total: Arc<Semaphore>,
    host: Arc<Semaphore>,
}

/// What waiting for slots gave.
pub enum Turn {
    /// Slots at once.
    Ready(Held),
    /// Slots after waiting in the queue.
    Queued(Held),
    /// No slot before the deadline: the poll is skipped.
    Missed,
}

/// Slots held for one poll; dropping gives them back.
pub struct Held {
    _host: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

impl SourceSlots {
    /// Takes a slot on the host, then one of the process's (so that a busy host never holds
    /// process slots other hosts could use), waiting until `deadline` at most (`None`: as
    /// long as it takes).
    pub async fn take(&self, deadline: Option<Instant>) -> Turn {
        if let (Ok(host), Ok(total)) = (
            self.host.clone().try_acquire_owned(),
            self.total.clone().try_acquire_owned(),
        ) {
            return Turn::Ready(Held {
                _host: host,
                _total: total,
            });
        }
        let wait = async {
            let host = self.host.clone().acquire_owned().await.ok()?;
            let total = self.total.clone().acquire_owned().await.ok()?;
            Some(Held {
                _host: host,
                _total: total,
            })
        };
        let held = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, wait).await.ok().flatten(),
            None => wait.await,
        };
        held.map_or(Turn::Missed, Turn::Queued)
    }
}

/// How often a source's polls waited for a slot or were skipped for want of one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollPressure {
    pub queued: u64,
    pub skipped: u64,
}

/// The counters of every source, shared between the pollers and whoever reports them.
#[derive(Debug, Clone, Default)]
pub struct PressureBoard {
    names: Arc<[String]>,
    counts: Arc<[Counts]>,
}

#[derive(Debug, Default)]
struct Counts {
    queued: AtomicU64,
    skipped: AtomicU64,
}

impl PressureBoard {
    pub fn new(specs: &[SourceSpec]) -> PressureBoard {
        PressureBoard {
            names: specs.iter().map(|s| s.name.clone()).collect(),
            counts: specs.iter().map(|_| Counts::default()).collect(),
        }
    }

    pub(crate) fn count(&self, source: usize, turn: &Turn) {
        let Some(counts) = self.counts.get(source) else {
            return;
        };
        match turn {
            Turn::Ready(_) => {}
            Turn::Queued(_) => {
                counts.queued.fetch_add(1, Ordering::Relaxed);
            }
            Turn::Missed => {
                counts.skipped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Every source's counts so far, by name.
    pub fn snapshot(&self) -> Vec<(&str, PollPressure)> {
        self.names
            .iter()
            .zip(self.counts.iter())
            .map(|(name, c)| {
                (
                    name.as_str(),
                    PollPressure {
                        queued: c.queued.load(Ordering::Relaxed),
                        skipped: c.skipped.load(Ordering::Relaxed),
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_follows_the_descriptor_limit() {
        assert_eq!(Budget::from_nofile(1024).total, 480);
        assert_eq!(Budget::from_nofile(256).total, 96);
        assert_eq!(Budget::from_nofile(1 << 20).total, MAX_TOTAL);
        assert_eq!(
            Budget::from_nofile(10),
            Budget {
                total: 1,
                per_host: 1
            }
        );
        assert!(Budget::from_nofile(1024).keeps_idle_connections(480));
        assert!(!Budget::from_nofile(1024).keeps_idle_connections(481));
    }

    #[tokio::test]
    async fn a_busy_host_queues_then_skips_at_the_deadline() {
        let mut slots = Slots::new(Budget {
            total: 4,
            per_host: 2,
        });
        let spec = |url: &str| SourceSpec {
            name: url.into(),
            url: url.into(),
            kind: super::super::SourceKind::Scrape,
            headers: Vec::new(),
            auth: super::super::Auth::None,
            ca_file: None,
            insecure_skip_verify: false,
            max_body: 1,
            timeout: std::time::Duration::from_secs(1),
            queries: Vec::new(),
            batch: Vec::new(),
            limits: Default::default(),
        };
        let a = slots.for_source(&spec("http://a:1/m"));
        let other = slots.for_source(&spec("http://b:1/m"));
        let first = a.take(None).await;
        let second = a.take(None).await;
        assert!(matches!(first, Turn::Ready(_)) && matches!(second, Turn::Ready(_)));
        let soon = Instant::now() + std::time::Duration::from_millis(20);
        assert!(matches!(a.take(Some(soon)).await, Turn::Missed));
        // Another host is not held up.
        assert!(matches!(other.take(Some(soon)).await, Turn::Ready(_)));
        let waiting = {
            let a = a.clone();
            tokio::spawn(async move { matches!(a.take(None).await, Turn::Queued(_)) })
        };
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        drop(first);
        assert!(waiting.await.unwrap());
    }
}
