//! The world plus the clock that drives it, shared by the HTTP and runtime API tasks. Its own
//! file so that both listeners depend on it rather than one on the other.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use super::scenario::World;

/// The world plus the clock that drives it, shared by the HTTP and runtime API tasks.
/// Virtual time = `start_ms` + elapsed wall time × `speed`.
#[derive(Debug)]
pub(crate) struct SharedWorld {
    world: Mutex<World>,
    started: Instant,
    start_ms: i64,
    speed: f64,
}

impl SharedWorld {
    /// A world whose virtual clock reads `start_ms` now and runs `speed` times real time.
    pub(crate) fn new(world: World, start_ms: i64, speed: f64) -> SharedWorld {
        SharedWorld {
            world: Mutex::new(world),
            started: Instant::now(),
            start_ms,
            speed,
        }
    }

    /// The current virtual time (unix ms).
    pub(crate) fn now_ms(&self) -> i64 {
        let elapsed = self.started.elapsed().as_secs_f64() * self.speed;
        self.start_ms + (elapsed * 1000.0) as i64
    }

    /// Brings the world to the current virtual time, then runs `f` on it.
    pub(crate) fn with_now<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let now = self.now_ms();
        let mut world = self.world.lock().unwrap_or_else(PoisonError::into_inner);
        world.advance_to(now);
        f(&mut world)
    }
}
