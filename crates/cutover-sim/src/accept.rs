//! The simulator's accept loops: an error backs off instead of being retried at once.
//!
//! When the process runs out of file descriptors (EMFILE) the pending connection stays in the
//! backlog, so `accept` fails again immediately: retrying at once spins a core at 100 % until a
//! descriptor frees up. Like Go's `net/http` server, the loop sleeps after an error, from 5 ms
//! doubling up to 1 s, and starts again from 5 ms after the next success.

use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

const FIRST_PAUSE: Duration = Duration::from_millis(5);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Accepts connections, pausing after errors.
#[derive(Debug)]
pub(crate) struct Acceptor {
    listener: TcpListener,
    pause: Duration,
}

impl Acceptor {
    pub(crate) fn new(listener: TcpListener) -> Acceptor {
        Acceptor {
            listener,
            pause: FIRST_PAUSE,
        }
    }

    /// The next connection; errors are logged and waited out.
    pub(crate) async fn next(&mut self) -> TcpStream {
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    self.pause = FIRST_PAUSE;
                    return stream;
                }
                Err(e) => {
                    tracing::debug!("accept: {e}; retrying in {:?}", self.pause);
                    tokio::time::sleep(self.pause).await;
                    self.pause = (self.pause * 2).min(LONGEST_PAUSE);
                }
            }
        }
    }
}
