//! The loop that owns the terminal. It waits on three things only, keys (and resizes), the
//! feed channel and a one-second clock, and never on the network: pollers and replays feed
//! the channel from their own tasks. It draws only when something on screen changed, each
//! frame inside a synchronized update and written in one piece, so an idle cockpit over SSH
//! sends nothing at all.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind};
use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::Terminal;
use tokio::sync::mpsc::{Receiver, Sender};
use tokio::sync::watch;

use super::app::{App, Modal, TermCaps};
use super::backend::CockpitBackend;
use super::terminal::{self as term, ExitSignals, JobSignal, JobSignals, TerminalGuard};
use super::theme::{user_theme_dir, ThemeSet};
use super::{views, ActionRequest, Ended, FeedControl, FeedEvent, UiCommand, UiError, UiOptions};
use crate::clock::now_ms;

/// The cockpit's terminal: cells checked, then written with the colour codes of its depth.
type CockpitTerminal = Terminal<CockpitBackend<FrameWriter>>;

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

/// Runs the cockpit until quit, a signal, or the terminal going away. Returns an error at
/// start when stdout is not a terminal, the key bindings clash, or the theme is unknown.
pub async fn run(
    opts: UiOptions,
    feed: Receiver<FeedEvent>,
    control: Sender<FeedControl>,
) -> anyhow::Result<()> {
    run_watching(opts, feed, control, None).await.map(|_| ())
}

/// [`run`], following the actions in flight (their domains): quitting while one is in flight
/// asks first, since the action goes on without the screen. Signals and a lost terminal
/// do not ask; the caller finishes what is in flight once the terminal is given back.
pub async fn run_watching(
    opts: UiOptions,
    mut feed: Receiver<FeedEvent>,
    control: Sender<FeedControl>,
    in_flight: Option<watch::Receiver<Vec<String>>>,
) -> anyhow::Result<Ended> {
    if !super::stdout_is_terminal() {
        return Err(UiError::NotATerminal.into());
    }
    let themes = ThemeSet::load(user_theme_dir().as_deref(), &opts.theme);
    let theme_problem = themes.problem().map(str::to_string);
    let caps = TermCaps::detect(&opts);
    let mut app = App::new(&opts, themes, caps)?;
    app.tick(now_ms());
    if let Some(memory) = &opts.memory {
        let r = memory.reloaded();
        if r.skipped > 0 {
            let text = format!(
                "{}: {} earlier events shown, {} unreadable lines skipped",
                memory.path().display(),
                r.events.len(),
                r.skipped
            );
            tracing::warn!("{text}");
            app.say(text);
        }
    }
    if let Some(problem) = theme_problem {
        tracing::warn!("{problem}");
        app.say(problem);
    }
    if let Some(greeting) = &opts.greeting {
        app.say(greeting.clone());
    }
    let mut signals = ExitSignals::new().map_err(UiError::from)?;
    let mut jobs = JobSignals::new().map_err(UiError::from)?;

    let guard = TerminalGuard::enter().map_err(UiError::from)?;
    let writer = FrameWriter {
        pending: Arc::new(Mutex::new(Vec::with_capacity(16 * 1024))),
    };
    let mut terminal = Terminal::new(CockpitBackend::new(writer.clone(), app.look.depth))
        .map_err(UiError::from)?;
    let mut keys = EventStream::new();
    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut feed_open = true;
    let mut dirty = true;
    // Set while the "quit while in flight?" question is on screen.
    let mut quit_asked = false;

    let result: anyhow::Result<Ended> = 'run: loop {
        remember(&opts, &mut app);
        if dirty {
            if let Err(e) = draw(&mut terminal, &writer, &mut app) {
                break 'run Err(e.into());
            }
            dirty = false;
        }
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    dirty = true;
                    if std::mem::take(&mut quit_asked) {
                        if matches!(k.code, KeyCode::Char('y' | 'Y')) {
                            break 'run Ok(Ended::Quit);
                        }
                        app.modal.open = None;
                        app.say("not quitting: the action goes on");
                        continue 'run;
                    }
                    for cmd in app.handle_key(k) {
                        match cmd {
                            UiCommand::Quit => {
                                let busy = in_flight
                                    .as_ref()
                                    .map(|rx| rx.borrow().clone())
                                    .unwrap_or_default();
                                if busy.is_empty() {
                                    break 'run Ok(Ended::Quit);
                                }
                                app.modal.open = Some(quit_question(&busy));
                                quit_asked = true;
                            }
                            UiCommand::Suspend => {
                                if let Err(e) = resume_after(term::suspend(), &mut terminal) {
                                    break 'run Err(e.into());
                                }
                            }
                            UiCommand::Control(c) => {
                                if control.try_send(c).is_err() {
                                    app.say("the replay is not taking controls right now");
                                }
                            }
                            UiCommand::Copy(url) => {
                                if let Err(e) = copy(&mut terminal, &writer, &url) {
                                    break 'run Err(e.into());
                                }
                            }
                            UiCommand::Contexts => {
                                super::context_keys::open(&opts, &mut app);
                            }
                            UiCommand::SwitchContext(name) => {
                                if super::context_keys::may_switch(&opts, &mut app, in_flight.as_ref(), &name) {
                                    break 'run Ok(Ended::Switch(name));
                                }
                            }
                            UiCommand::Act { kind, domain } => {
                                ask(&opts, &mut app, ActionRequest::Open { kind, domain });
                            }
                            UiCommand::Confirm {
                                action,
                                typed,
                                drawn_whole,
                                shown,
                            } => {
                                let req = ActionRequest::Confirm {
                                    action,
                                    typed,
                                    drawn_whole,
                                    shown,
                                };
                                ask(&opts, &mut app, req);
                            }
                        }
                    }
                }
                Some(Ok(Event::Resize(_, _))) => {
                    if let Err(e) = terminal.autoresize() {
                        break 'run Err(e.into());
                    }
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => break 'run Err(e.into()),
                None => break 'run Ok(Ended::Quit),
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
            job = jobs.next() => {
                let taken = match job {
                    JobSignal::Stop => term::suspend(),
                    JobSignal::Continue => term::reenter(),
                };
                if let Err(e) = resume_after(taken, &mut terminal) {
                    break 'run Err(e.into());
                }
                dirty = true;
            }
            sig = signals.next() => {
                tracing::info!("{sig}: leaving the cockpit");
                break 'run Ok(Ended::Quit);
            }
        }
    };
    remember(&opts, &mut app);
    drop(terminal);
    drop(guard);
    result
}

/// Appends the session's new events to its memory. A failure is said once (footer and log);
/// the cockpit goes on without the memory.
fn remember(opts: &UiOptions, app: &mut App) {
    let Some(memory) = &opts.memory else {
        return;
    };
    let new = app.take_unsaved_events();
    if let Err(e) = memory.append(&new) {
        if !matches!(e, crate::event_memory::EventMemoryError::Stopped { .. }) {
            tracing::warn!("{e}");
            app.say(format!(
                "{e}: events are no longer kept for the next session"
            ));
        }
    }
}

/// After a stop, the terminal shows whatever the shell left: the next frame is drawn whole.
fn resume_after(taken: io::Result<()>, terminal: &mut CockpitTerminal) -> io::Result<()> {
    taken?;
    terminal.clear()
}

/// The question asked when quitting while actions are in flight.
fn quit_question(busy: &[String]) -> Modal {
    Modal::Notice {
        title: "Quit while an action is in flight?".into(),
        lines: vec![
            format!(
                "An action on {} (rollback or promotion) is in flight.",
                busy.join(", ")
            ),
            "Quitting gives the terminal back; the action then goes on without the screen".into(),
            "to its verdict, and is audited (cutover audit).".into(),
            String::new(),
            "y quits · any other key stays".into(),
        ],
    }
}

/// The copy key's OSC 52 write, sent at once (`hyperlink::osc52` refuses an unsafe link).
fn copy(terminal: &mut CockpitTerminal, writer: &FrameWriter, url: &str) -> io::Result<()> {
    if let Some(escape) = super::hyperlink::osc52(url) {
        terminal.backend_mut().write_all(escape.as_bytes())?;
        writer.commit()?;
    }
    Ok(())
}

/// Hands a request to the action gate's task without waiting on it.
fn ask(opts: &UiOptions, app: &mut App, req: ActionRequest) {
    super::handoff::hand_over(opts, app, req);
}

/// One frame inside a synchronized update, written in one piece, with the trace links it
/// drew written as OSC 8 links (`hyperlink`).
fn draw(terminal: &mut CockpitTerminal, writer: &FrameWriter, app: &mut App) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let frame = terminal.draw(|f| views::draw(f, app))?;
    let links = app.links();
    let area = frame.buffer.area;
    let cells: Vec<(u16, u16, ratatui::buffer::Cell)> = links
        .iter()
        .flat_map(|l| (l.x..l.x.saturating_add(l.width)).map(move |x| (x, l.y)))
        .filter(|&(x, y)| x < area.right() && y < area.bottom())
        .map(|(x, y)| (x, y, frame.buffer[(x, y)].clone()))
        .collect();
    terminal.backend_mut().overlay_links(&links, &cells)?;
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    if app.take_bell() {
        term::ring(terminal.backend_mut())?;
    }
    writer.commit()?;
    app.mark_drawn();
    Ok(())
}
