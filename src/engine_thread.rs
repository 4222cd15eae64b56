//! The engine on a thread of its own, so that no parse can hold the async runtime.
//!
//! Parsing a body is CPU work bounded by `max_body` (tens of MB), and while it ran on the
//! runtime it held a worker: keys, SIGTERM and quitting all waited for it. Here the engine
//! lives on a dedicated thread; the async side hands it an outcome and awaits the answer, and
//! can walk away at any moment (quit, a signal) without waiting for the parse. The thread is
//! never joined: it ends when its last handle is gone and its current job is done, and the
//! process may exit before that.

use std::sync::{mpsc, Arc};
use std::thread;

use tokio::sync::oneshot;

use crate::engine::{Engine, Mode};
use crate::figures::Status;
use crate::ingest::prefilter::reduce;
use crate::plan::Plan;
use crate::source::ScrapeOutcome;

enum Job {
    Ingest {
        outcome: ScrapeOutcome,
        record: bool,
        reply: oneshot::Sender<Ingested>,
    },
    Status {
        mode: Mode,
        reply: oneshot::Sender<Status>,
    },
}

/// An outcome after the engine took it: the outcome back, and with `record`, its body
/// reduced to the lines the config uses (empty for a failed scrape), as recordings keep it.
pub struct Ingested {
    pub outcome: ScrapeOutcome,
    pub reduced: Option<String>,
}

/// A handle on the engine's thread. Cheap to call; dropping every handle ends the thread.
pub struct EngineThread {
    jobs: mpsc::Sender<Job>,
}

impl EngineThread {
    pub fn start(plan: Arc<Plan>) -> std::io::Result<EngineThread> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("cutover-engine".into())
            .spawn(move || serve(Engine::new(plan), inbox))?;
        Ok(EngineThread { jobs })
    }

    /// Takes one outcome into the engine. `None` when the thread is gone.
    pub async fn ingest(&self, outcome: ScrapeOutcome, record: bool) -> Option<Ingested> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Ingest {
                outcome,
                record,
                reply,
            })
            .ok()?;
        answer.await.ok()
    }

    /// The figures now. `None` when the thread is gone.
    pub async fn status(&self, mode: Mode) -> Option<Status> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Status { mode, reply }).ok()?;
        answer.await.ok()
    }
}

fn serve(mut engine: Engine, inbox: mpsc::Receiver<Job>) {
    while let Ok(job) = inbox.recv() {
        match job {
            Job::Ingest {
                outcome,
                record,
                reply,
            } => {
                engine.ingest(&outcome);
                let reduced = record.then(|| {
                    match (&outcome.result, engine.plan().source_index(&outcome.source)) {
                        (Ok(body), Some(i)) => reduce(body, engine.filter(i)),
                        _ => String::new(),
                    }
                });
                let _ = reply.send(Ingested { outcome, reduced });
            }
            Job::Status { mode, reply } => {
                let _ = reply.send(engine.status(mode));
            }
        }
    }
}
