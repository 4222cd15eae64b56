//! The cockpit: live (pollers → engine → TUI, optionally recording), replay, and the demo.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::args::ColorArg;
use super::{loaded, Failure, GlobalArgs};
use crate::action::Gate;
use crate::feed;
use crate::mode::Mode;
use crate::plan::Plan;
use crate::record::{read_recording, Recording};
use crate::source::Poller;
use crate::ui::handoff::RefusalAudit;
use crate::ui::{self, ActionRequest, ColorChoice, Ended, UiOptions};

use super::actions::ActionDesk;

/// Said when stdout is not a terminal (piped, cron, CI): no TUI.
pub const NOT_A_TERMINAL: &str =
    "stdout is not a terminal, so there is no cockpit to draw; for figures in a pipe or a script use `cutover status` (or `cutover status --json`)";

fn color(c: ColorArg) -> ColorChoice {
    match c {
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Never => ColorChoice::Never,
        ColorArg::Ansi16 => ColorChoice::Ansi16,
        ColorArg::Ansi256 => ColorChoice::Ansi256,
        ColorArg::Truecolor => ColorChoice::TrueColor,
    }
}

fn options(
    global: &GlobalArgs,
    mode: Mode,
    read_only: Option<String>,
    plan: Arc<Plan>,
    theme: Option<&str>,
    bindings: HashMap<String, String>,
    actions: Option<(mpsc::Sender<ActionRequest>, RefusalAudit)>,
) -> UiOptions {
    let (actions, refusals) = actions.unzip();
    UiOptions {
        actions,
        refusals,
        mode,
        read_only,
        theme: global
            .theme
            .clone()
            .or_else(|| theme.map(str::to_string))
            .unwrap_or_else(|| "default".into()),
        color: color(global.color),
        ascii: global.ascii.then_some(true),
        bindings,
        history: plan.timing.history,
        plan,
        memory: None,
        promotes: HashMap::new(),
        bell: false,
        trace_links: Default::default(),
        ..UiOptions::default()
    }
}

fn ensure_terminal() -> Result<(), Failure> {
    if ui::stdout_is_terminal() {
        Ok(())
    } else {
        Err(Failure::runtime(NOT_A_TERMINAL))
    }
}

async fn run_ui(
    opts: UiOptions,
    rx: mpsc::Receiver<ui::FeedEvent>,
    ctl: mpsc::Sender<ui::FeedControl>,
    in_flight: Option<watch::Receiver<Vec<String>>>,
) -> Result<Ended, Failure> {
    ui::run_watching(opts, rx, ctl, in_flight)
        .await
        .map_err(|e| Failure::runtime(format!("{e:#}")))
}

/// `cutover [--record FILE]`: the live cockpit. Switching contexts in it ends the session on
/// the old config (its pollers, feeds and tasks stopped) and starts one on the new, so nothing
/// of one can show in the other.
pub async fn live(global: &GlobalArgs, record: Option<&Path>, force: bool) -> Result<u8, Failure> {
    let mut loaded = loaded::load(global)?;
    ensure_terminal()?;
    let mut greeting = None;
    loop {
        let previous = loaded.context.clone();
        match live_session(global, loaded, record, force, greeting.take()).await? {
            Ended::Quit => return Ok(0),
            Ended::Switch(name) => {
                // Checked in the cockpit just now; should the file have changed since, the
                // session goes back to the config it came from, saying why.
                loaded = match super::context_switch::load(global, &name) {
                    Ok(l) => {
                        greeting = Some(super::context_switch::greeting(&l));
                        l
                    }
                    Err(f) => {
                        greeting = Some(format!(
                            "not switched to {}: {}",
                            crate::term_text::for_terminal(&name),
                            f.message
                        ));
                        match previous {
                            Some((name, _)) => super::context_switch::load(global, name.as_str())?,
                            None => loaded::load_quietly(global)?,
                        }
                    }
                };
            }
        }
    }
}

/// One live session on one config, until the cockpit quits or switches context.
async fn live_session(
    global: &GlobalArgs,
    loaded: loaded::Loaded,
    record: Option<&Path>,
    force: bool,
    greeting: Option<String>,
) -> Result<Ended, Failure> {
    // The tasks of this session, stopped when it ends whatever they are waiting on.
    let mut tasks = super::context_switch::Tasks::default();
    let compiled = &loaded.compiled;
    let plan = compiled.plan.clone();
    let started = crate::clock::now_ms();
    let recorder = match record {
        Some(p) => Some(super::record::create_recording(
            p,
            started,
            &loaded.config.redacted_toml(),
            force,
        )?),
        None => None,
    };
    let (specs, broken) = super::record::split_specs(compiled, started);
    let (poller, outcomes) = Poller::start(specs, plan.timing.interval)?;
    // Sources that could not be set up (a missing token variable) are down from the start.
    let (fwd_tx, fwd_rx) = mpsc::channel(plan.sources.len().max(1) * 4);
    for o in broken {
        let _ = fwd_tx.send(o).await;
    }
    tasks.push(tokio::spawn(forward(outcomes, fwd_tx)));
    let (ui_tx, ui_rx) = mpsc::channel(64);
    let (latest_tx, latest_rx) = watch::channel(None);
    let feed_task = tokio::spawn(feed::live(
        plan.clone(),
        fwd_rx,
        ui_tx.clone(),
        latest_tx,
        recorder,
        poller.pressure(),
        poller.body_returns(),
    ));
    let gate = Gate::new(loaded.read_only.clone(), audit_log()?)
        .entered_via(crate::action::EntryPoint::Tui)
        .knowing_stages(plan.domains.iter().map(|d| (d.name.clone(), d.stage)))
        .in_context(loaded.context_name(), loaded.typed_name());
    let flights = gate.flights().clone();
    // Lasting marks come from this host's audit log, in the live cockpit only.
    let stages = plan.domains.iter().map(|d| (d.name.clone(), d.stage));
    tasks.push(tokio::spawn(super::mark_feed::serve(
        audit_log()?.path().to_path_buf(),
        loaded.context_name(),
        stages.collect(),
        Some(flights.watch()),
        ui_tx.clone(),
    )));
    // Ramps other processes run here, from their lock files and the audit log (live only).
    let mut planned: Vec<String> = compiled.promotes.keys().cloned().collect();
    planned.sort();
    tasks.push(tokio::spawn(super::ramp_feed::serve(
        audit_log()?.path().to_path_buf(),
        planned,
        ui_tx.clone(),
    )));
    // Rollback readiness, probed off the UI loop (live only).
    tasks.push(tokio::spawn(super::readiness_feed::serve(
        loaded.config.clone(),
        plan.timing.history,
        latest_rx.clone(),
        ui_tx.clone(),
    )));
    // Notifications: crit and fail from the live figures, each action's end from the desk;
    // drops and failures come back as events.
    let notifier = super::notify_feed::for_cockpit(compiled, ui_tx.clone());
    if notifier.is_active() {
        tasks.push(tokio::spawn(super::notify_feed::watch_figures(
            latest_rx.clone(),
            notifier.clone(),
        )));
    }
    let (actions, refusals, desk) = start_desk(
        gate,
        plan.clone(),
        compiled,
        latest_rx,
        ui_tx,
        notifier.clone(),
    );
    let (ctl_tx, _ctl_rx) = mpsc::channel(8);
    let bindings = loaded.config.bindings.clone().into_iter().collect();
    let mut opts = options(
        global,
        Mode::Live,
        loaded.read_only.clone(),
        plan,
        Some(&loaded.config.ui.theme),
        bindings,
        Some((actions, refusals)),
    );
    opts.memory = event_memory(started, loaded.context_name().as_deref());
    opts.promotes = compiled.promotes.clone();
    opts.bell = loaded.config.ui.bell;
    opts.trace_links = crate::ui::hyperlink::TraceLinks {
        hyperlinks: crate::ui::hyperlink::hyperlinks_supported(
            loaded.config.tracing.hyperlinks,
            |k| std::env::var(k).ok(),
        ),
        clipboard: loaded.config.ui.clipboard,
    };
    opts.badge = super::context_switch::badge(&loaded);
    opts.typed_name = loaded.typed_name();
    opts.greeting = greeting;
    opts.contexts = match record {
        Some(file) => ui::ContextSwitch::Unavailable(format!(
            "this session records to {}: a recording holds one config, so contexts are not switched here; quit and start again with --context NAME",
            crate::term_text::for_terminal(&file.display().to_string())
        )),
        None => super::context_switch::offer(global, loaded.context.as_ref().map(|(n, _)| n.clone())),
    };
    // However the cockpit ended (quit, a signal, the terminal gone), the terminal is given
    // back first; then what is in flight runs to its end, fed by the pollers still running.
    let code = run_ui(opts, ui_rx, ctl_tx, Some(flights.watch())).await;
    super::interrupt::finish_headless(&flights, async {
        let _ = desk.await;
    })
    .await;
    // The terminal is the user's again: what could not be sent is said there.
    super::notify_feed::finish(&notifier).await;
    // Stopping the pollers closes the feed, which finishes the recording.
    poller.stop();
    tasks.stop();
    let _ = feed_task.await;
    code
}

async fn forward(
    mut from: mpsc::Receiver<crate::source::ScrapeOutcome>,
    to: mpsc::Sender<crate::source::ScrapeOutcome>,
) {
    while let Some(o) = from.recv().await {
        if to.send(o).await.is_err() {
            break;
        }
    }
}

/// `cutover replay FILE` and `cutover --demo`: always read-only.
pub async fn replay(
    global: &GlobalArgs,
    rec: Recording,
    label: &str,
    mode: Mode,
    speed: f64,
) -> Result<u8, Failure> {
    ensure_terminal()?;
    let compiled = super::replay_status::compiled_of(&rec, Path::new(label))?;
    let plan = compiled.plan.clone();
    let (ui_tx, ui_rx) = mpsc::channel(256);
    let (ctl_tx, ctl_rx) = mpsc::channel(16);
    let reason = match mode {
        Mode::Demo => "this is the demo: nothing here can act".to_string(),
        _ => format!("replaying {label}: a recording can never act"),
    };
    {
        let (plan, ui_tx) = (plan.clone(), ui_tx.clone());
        feed::spawn_apart("cutover-replay", move || {
            feed::replay(rec, plan, ui_tx, ctl_rx, speed)
        })
        .map_err(|e| Failure::runtime(format!("cannot start the replay thread: {e}")))?;
    }
    // Replay and demo have a gate too, so that R is answered, refused and audited the same way;
    // they show no marks: a recording carries no audit log, and this host's says nothing
    // about the recorded past.
    let audit = audit_log()?;
    let gate = match mode {
        Mode::Demo => Gate::for_demo(audit).entered_via(crate::action::EntryPoint::Tui),
        _ => Gate::for_replay(Path::new(label), audit).entered_via(crate::action::EntryPoint::Tui),
    };
    let (_never, latest_rx) = watch::channel(None);
    // A replay and the demo never notify: their desk has no targets.
    let (actions, refusals, _desk) = start_desk(
        gate,
        plan.clone(),
        &compiled,
        latest_rx,
        ui_tx,
        crate::notify::Notifier::none(),
    );
    let mut opts = options(
        global,
        mode,
        Some(reason),
        plan,
        None,
        HashMap::new(),
        Some((actions, refusals)),
    );
    opts.promotes = compiled.promotes.clone();
    // Dropping the controls (with the cockpit) ends the replay's thread.
    run_ui(opts, ui_rx, ctl_tx, None).await.map(|_| 0)
}

pub async fn replay_file(global: &GlobalArgs, file: &Path) -> Result<u8, Failure> {
    let rec = read_recording(file).map_err(|e| Failure::usage(e.to_string()))?;
    if rec.truncated {
        tracing::warn!(
            "{}: cut short; replaying up to its last whole line",
            file.display()
        );
    }
    replay(global, rec, &file.display().to_string(), Mode::Replay, 1.0).await
}

/// The demo plays at 4×: its ten minutes tell their story in under three.
pub async fn demo(global: &GlobalArgs) -> Result<u8, Failure> {
    let rec = crate::demo::bundled().map_err(|e| Failure::runtime(e.to_string()))?;
    replay(global, rec, "the bundled demo", Mode::Demo, 4.0).await
}

/// The events memory of a live session, in the state dir. Read-only sessions keep it too: an
/// event is an observation, not an action (actions are in the audit log). Without a state dir
/// that can be trusted (its files could be anyone's) the session neither reads nor writes it,
/// and says so.
fn event_memory(started: i64, context: Option<&str>) -> Option<crate::event_memory::EventMemory> {
    let dir = super::logging::state_dir()?;
    match crate::event_memory::EventMemory::start_for(&dir, context, started) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!("{e}; events are not kept across sessions");
            crate::errln!("cutover: warning: {e}; events are not kept across sessions");
            None
        }
    }
}

fn audit_log() -> Result<crate::action::AuditLog, Failure> {
    super::action_setup::audit_log()
        .ok_or_else(|| Failure::runtime("no state directory could be determined for the audit log"))
}

/// The desk's task ends once the cockpit is gone and every action it started has ended.
fn start_desk(
    gate: Gate,
    plan: Arc<Plan>,
    compiled: &crate::compile::Compiled,
    latest: watch::Receiver<Option<Arc<crate::figures::Status>>>,
    ui: mpsc::Sender<ui::FeedEvent>,
    notifier: crate::notify::Notifier,
) -> (
    mpsc::Sender<ActionRequest>,
    RefusalAudit,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::channel(8);
    let steps = compiled.steps.clone();
    let promotes = compiled.promotes.clone();
    // What the desk never hears is audited from the cockpit, through the same gate, with the
    // steps the action would have run.
    let audit = {
        let (gate, steps, promotes) = (gate.clone(), steps.clone(), promotes.clone());
        RefusalAudit::new(move |action, why| {
            let steps = match action {
                crate::action::Action::Rollback { domain } => {
                    steps.get(domain).cloned().unwrap_or_default()
                }
                crate::action::Action::Promote { domain, to, .. } => promotes
                    .get(domain)
                    .zip(*to)
                    .map(|(p, to)| p.steps_for(to))
                    .unwrap_or_default(),
            };
            gate.record_refusal(action, &steps, why);
        })
    };
    let desk = ActionDesk {
        gate,
        plan,
        steps,
        promotes,
        latest,
        notifier,
    };
    let handle = tokio::spawn(desk.serve(rx, ui));
    (tx, audit, handle)
}
