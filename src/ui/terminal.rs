//! The terminal guard: raw mode, the alternate screen and a hidden cursor while the cockpit
//! runs, and the terminal given back as it was on every way out: normal quit, an error, a
//! panic (through the panic hook), and SIGTERM, SIGHUP and SIGINT (through the event loop).
//! Job control as other full-screen programs do it: Ctrl-Z or SIGTSTP gives the terminal back,
//! then stops; SIGCONT (`fg`) takes it again and the whole screen is drawn anew.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};

/// Whether the terminal is in the cockpit's modes, so restoring happens once.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PANIC_HOOK: Once = Once::new();

/// Holds the terminal in raw mode on the alternate screen; gives it back when dropped.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, EnterAlternateScreen, Hide) {
            let _ = restore();
            return Err(e);
        }
        Ok(TerminalGuard { _private: () })
    }
}

/// Takes the terminal again after a stop: raw mode, alternate screen, hidden cursor. Does
/// nothing when the cockpit already holds it.
pub fn reenter() -> io::Result<()> {
    if ACTIVE.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, Hide)
}

/// Gives the terminal back and stops the process as SIGTSTP's default would; returns when it
/// is continued, with the terminal taken again. The caller then redraws the whole screen.
#[allow(unsafe_code)]
pub fn suspend() -> io::Result<()> {
    restore()?;
    // SIGTSTP is caught (that is how we got here), so its default action cannot stop the
    // process any more; SIGSTOP, which cannot be caught, does the same for the shell.
    // SAFETY: kill(2) on our own pid with a constant signal number touches no memory.
    if unsafe { libc::kill(libc::getpid(), libc::SIGSTOP) } != 0 {
        let e = io::Error::last_os_error();
        let _ = reenter();
        return Err(e);
    }
    reenter()
}

/// Job control: stop (Ctrl-Z from another program, `kill -TSTP`) and continue (`fg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobSignal {
    Stop,
    Continue,
}

/// SIGTSTP and SIGCONT, taken while the cockpit holds the terminal.
pub struct JobSignals {
    tstp: tokio::signal::unix::Signal,
    cont: tokio::signal::unix::Signal,
}

impl JobSignals {
    pub fn new() -> io::Result<JobSignals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(JobSignals {
            tstp: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            cont: signal(SignalKind::from_raw(libc::SIGCONT))?,
        })
    }

    pub async fn next(&mut self) -> JobSignal {
        tokio::select! {
            _ = self.tstp.recv() => JobSignal::Stop,
            _ = self.cont.recv() => JobSignal::Continue,
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// BEL, the one control byte cutover writes on its own: after a frame's end (its
/// synchronized update closed), never inside an escape sequence, and only from the event loop
/// that owns the terminal.
pub fn ring(out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"\x07")
}

/// Gives the terminal back: ends a frame cut short, shows the cursor, leaves the alternate
/// screen, leaves raw mode. Does nothing when the cockpit does not hold the terminal.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let mut out = io::stdout();
    let screen = execute!(out, EndSynchronizedUpdate, Show, LeaveAlternateScreen);
    let raw = disable_raw_mode();
    let _ = out.flush();
    screen.and(raw)
}

/// A panic prints its message on the user's normal screen, not on the alternate one that is
/// about to vanish, and leaves a usable shell behind.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// The signals that end the cockpit: the terminal is restored before the process goes.
pub struct ExitSignals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl ExitSignals {
    pub fn new() -> io::Result<ExitSignals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(ExitSignals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the next one; returns its name.
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
