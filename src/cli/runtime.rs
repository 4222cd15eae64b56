//! The async runtime of every subcommand: one worker and a few blocking threads.
//!
//! The cockpit's keys and signals never wait on it: the event loop runs on the main thread
//! (`block_on`), crossterm reads keys on its own thread and the engine parses on its own
//! (`engine_thread`). The worker only moves bytes (polls, inflating gzip a chunk at a time,
//! the feeds), and the blocking pool decodes query API answers and reads local files. Each
//! thread costs a stack and, under glibc, had a malloc arena of its own (see `allocator`);
//! with two workers and an unbounded blocking pool the lab's dashboard ran 17 threads, one
//! blocking thread per query decoded at the same moment.

use std::io;

use tokio::runtime::{Builder, Runtime};

/// Workers unless `TOKIO_WORKER_THREADS` says otherwise (tokio reads it when none is set).
const WORKERS: usize = 1;

/// Blocking threads at most. Jobs beyond wait for a free thread: a query decode or a bounded
/// file read takes milliseconds, and the one job that may wait long (reading a typed
/// confirmation from stdin) runs alone.
pub const BLOCKING_THREADS: usize = 2;

/// The runtime `main` runs everything on.
pub fn build() -> io::Result<Runtime> {
    let mut builder = Builder::new_multi_thread();
    if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
        builder.worker_threads(WORKERS);
    }
    builder
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
}
