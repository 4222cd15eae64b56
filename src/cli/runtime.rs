//! The async runtime of every subcommand: one worker and a few blocking threads.
//!
//! The cockpit's keys never wait on the worker: the event loop runs on the main thread
//! (`block_on`) and crossterm reads keys on its own thread. Signals and timers are read by the
//! runtime's driver, which the worker runs between tasks, and no task holds it long: the engine
//! parses on its own thread (`engine_thread`), the worker only moves bytes (polls, inflating
//! gzip a chunk at a time, the feeds), and the blocking pool decodes query API answers and
//! reads local files (tests/hostile_exporters.rs: `q` and SIGTERM within 200 ms mid-parse). Each
//! thread costs a stack and, under glibc, had a malloc arena of its own (see `allocator`);
//! with two workers and an unbounded blocking pool the lab's dashboard ran 17 threads, one
//! blocking thread per query decoded at the same moment.

use std::io;

use tokio::runtime::{Builder, Runtime};

/// Workers, unless `TOKIO_WORKER_THREADS` names another positive number.
const WORKERS: usize = 1;

/// Blocking threads at most. Jobs beyond wait for a free thread: a query decode or a bounded
/// file read takes milliseconds, and the one job that may wait long (reading a typed
/// confirmation from stdin) runs alone.
pub const BLOCKING_THREADS: usize = 2;

/// The runtime `main` runs everything on.
pub fn build() -> io::Result<Runtime> {
    let asked = std::env::var("TOKIO_WORKER_THREADS").ok();
    Builder::new_multi_thread()
        .worker_threads(workers(asked.as_deref()))
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
}

/// tokio itself panics on a value that is not a positive number; here it is ignored.
fn workers(asked: Option<&str>) -> usize {
    asked
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(WORKERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_count_from_the_environment_is_taken_only_when_it_is_a_positive_number() {
        assert_eq!(workers(None), 1);
        assert_eq!(workers(Some("3")), 3);
        assert_eq!(workers(Some(" 2 ")), 2);
        assert_eq!(workers(Some("0")), 1);
        assert_eq!(workers(Some("many")), 1);
        assert_eq!(workers(Some("-1")), 1);
    }
}
