//! The loop that owns the terminal. It waits on three things only, keys (and resizes), the
//! feed channel and a one-second clock, and never on the network: pollers and replays feed
//! the channel from their own tasks. It draws only when something on screen changed, each
//! frame inside a synchronized update and written in one piece, so an idle cockpit over SSH
//! sends nothing at all.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc::{Receiver, Sender};

use super::app::{App, TermCaps};
use super::terminal::{ExitSignals, TerminalGuard};
use super::theme::{user_theme_dir, ThemeSet};
use super::{views, ActionRequest, FeedControl, FeedEvent, UiCommand, UiError, UiOptions};

/// Feed events taken in one go before drawing: a burst (a replay seek) makes one frame.
const COALESCE: usize = 256;

/// Collects a frame's bytes and writes them in one `write` on commit: ratatui flushes after
/// drawing, but the end of the synchronized update must go in the same packet.
#[derive(Clone)]
struct FrameWriter {
    pending: Arc<Mutex<Vec<u8>>>,
}

impl Write for FrameWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending
            .lock()
            .map_err(|_| io::Error::other("frame buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl FrameWriter {
    fn commit(&self) -> io::Result<()> {
        let mut pending = self
            .pending
            .lock()
            .map_err(|_| io::Error::other("frame buffer poisoned"))?;
        let mut out = io::stdout().lock();
        if !pending.is_empty() {
            out.write_all(&pending)?;
            pending.clear();
        }
        out.flush()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Runs the cockpit until quit, a signal, or the terminal going away. Returns an error at
/// start when stdout is not a terminal, the key bindings clash, or the theme is unknown.
pub async fn run(
    opts: UiOptions,
    mut feed: Receiver<FeedEvent>,
    control: Sender<FeedControl>,
) -> anyhow::Result<()> {
    if !super::stdout_is_terminal() {
        return Err(UiError::NotATerminal.into());
    }
    let themes = ThemeSet::load(user_theme_dir().as_deref(), &opts.theme);
    let theme_problem = themes.problem().map(str::to_string);
    let caps = TermCaps::detect(&opts);
    let mut app = App::new(&opts, themes, caps)?;
    app.tick(now_ms());
    if let Some(problem) = theme_problem {
        tracing::warn!("{problem}");
        app.say(problem);
    }
    let mut signals = ExitSignals::new().map_err(UiError::from)?;

    let guard = TerminalGuard::enter().map_err(UiError::from)?;
    let writer = FrameWriter {
        pending: Arc::new(Mutex::new(Vec::with_capacity(16 * 1024))),
    };
    let mut terminal =
        Terminal::new(CrosstermBackend::new(writer.clone())).map_err(UiError::from)?;
    let mut keys = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut feed_open = true;
    let mut dirty = true;

    let result: anyhow::Result<()> = 'run: loop {
        if dirty {
            if let Err(e) = draw(&mut terminal, &writer, &mut app) {
                break 'run Err(e.into());
            }
            dirty = false;
        }
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    for cmd in app.handle_key(k) {
                        match cmd {
                            UiCommand::Quit => break 'run Ok(()),
                            UiCommand::Control(c) => {
                                if control.try_send(c).is_err() {
                                    app.say("the replay is not taking controls right now");
                                }
                            }
                            UiCommand::Rollback { domain } => {
                                ask(&opts, &mut app, ActionRequest::Open { domain });
                            }
                            UiCommand::ConfirmRollback { domain, typed } => {
                                ask(&opts, &mut app, ActionRequest::Confirm { domain, typed });
                            }
                        }
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(_, _))) => {
                    if let Err(e) = terminal.autoresize() {
                        break 'run Err(e.into());
                    }
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break 'run Err(e.into()),
                None => break 'run Ok(()),
            },
            ev = feed.recv(), if feed_open => match ev {
                Some(ev) => {
                    dirty |= app.apply(ev);
                    for _ in 0..COALESCE {
                        match feed.try_recv() {
                            Ok(ev) => dirty |= app.apply(ev),
                            Err(_) => break,
                        }
                    }
                }
                None => {
                    feed_open = false;
                    app.feed_ended();
                    dirty = true;
                }
            },
            _ = clock.tick() => {
                dirty |= app.tick(now_ms());
            }
            sig = signals.next() => {
                tracing::info!("{sig}: leaving the cockpit");
                break 'run Ok(());
            }
        }
    };
    drop(terminal);
    drop(guard);
    result
}

/// Hands a request to the action gate's task without waiting on it.
fn ask(opts: &UiOptions, app: &mut App, req: ActionRequest) {
    let sent = opts
        .actions
        .as_ref()
        .is_some_and(|tx| tx.try_send(req).is_ok());
    if !sent {
        app.say("rollback: the action gate is not answering; nothing ran");
    }
}

/// One frame inside a synchronized update, written in one piece.
fn draw(
    terminal: &mut Terminal<CrosstermBackend<FrameWriter>>,
    writer: &FrameWriter,
    app: &mut App,
) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|f| views::draw(f, app))?;
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    writer.commit()?;
    app.mark_drawn();
    Ok(())
}
