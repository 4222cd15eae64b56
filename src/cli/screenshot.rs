//! `cutover screenshot`: one view of a recording (by default the bundled demo) at a point in
//! it, written as an SVG. The README's screenshots come from here, so they show what the
//! cockpit really draws: the recording goes through the same engine as a replay, the timeline
//! gets a status per poll interval as a replay would send it (so charts and events are filled
//! in), the view is reached with the cockpit's own keys, and the frame is drawn by ratatui.
//! Nothing depends on when or where it runs: the clock is the recording's, clocks show UTC,
//! and the colour depth and glyphs come from the flags, not the terminal.

use std::collections::HashMap;
use std::path::Path;

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::args::{ColorArg, ScreenshotArgs, ViewArg};
use super::replay_status::{compiled_of, offset_ms};
use super::{Failure, GlobalArgs};
use crate::engine::{Engine, Mode};
use crate::record::{read_recording, Recording};
use crate::ui::app::View;
use crate::ui::keys::Action;
use crate::ui::screenshot::buffer_to_svg;
use crate::ui::theme::{user_theme_dir, ThemeSet};
use crate::ui::views::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::ui::{App, ColorChoice, ColorDepth, FeedEvent, ReplayPosition, TermCaps, UiOptions};

/// The demo plays at 4× (as `cutover --demo` does), a recording at 1×: the header shows it.
const DEMO_SPEED: f64 = 4.0;
const REPLAY_SPEED: f64 = 1.0;

/// What to draw, apart from the recording.
#[derive(Debug, Clone)]
pub struct Shot {
    pub mode: Mode,
    /// Unix ms in the recording's time.
    pub at_ms: i64,
    pub view: View,
    pub domain: Option<String>,
    pub width: u16,
    pub height: u16,
    pub theme: String,
    pub depth: ColorDepth,
    pub ascii: bool,
}

/// Why a screenshot cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    #[error("{width}x{height} is too small: the cockpit needs at least {MIN_WIDTH}x{MIN_HEIGHT}")]
    TooSmall { width: u16, height: u16 },
    #[error("--at {at}: the recording is only {length} long")]
    PastTheEnd { at: String, length: String },
    #[error("no domain \"{name}\" in this recording; its domains are: {known}")]
    UnknownDomain { name: String, known: String },
    #[error("the {view} view cannot be opened at this point of the recording (no figures yet?)")]
    ViewNotReached { view: &'static str },
    #[error("{0}")]
    Config(String),
    #[error("the key for \"{0}\" is not bound")]
    Unbound(&'static str),
    #[error(transparent)]
    Ui(#[from] crate::ui::UiError),
    #[error(transparent)]
    Theme(#[from] crate::ui::theme::ThemeError),
    #[error("drawing: {0}")]
    Draw(#[from] std::io::Error),
}

/// `cutover screenshot ...`
pub fn run(global: &GlobalArgs, args: &ScreenshotArgs) -> Result<u8, Failure> {
    let (rec, label, mode) = match &args.replay {
        Some(file) => (
            read_recording(file).map_err(|e| Failure::usage(e.to_string()))?,
            file.display().to_string(),
            Mode::Replay,
        ),
        None => (
            crate::demo::bundled().map_err(|e| Failure::runtime(e.to_string()))?,
            "the bundled demo".to_string(),
            Mode::Demo,
        ),
    };
    let at_ms = match args.at.as_deref() {
        Some(t) => {
            let offset = offset_ms(t)?;
            if offset > rec.end_ms() - rec.start_ms() {
                return Err(Failure::usage(
                    ScreenshotError::PastTheEnd {
                        at: t.to_string(),
                        length: crate::format::offset(rec.end_ms() - rec.start_ms()),
                    }
                    .to_string(),
                ));
            }
            rec.start_ms() + offset
        }
        None => rec.end_ms(),
    };
    let shot = Shot {
        mode,
        at_ms,
        view: view_of(args.view),
        domain: args.domain.clone(),
        width: args.width,
        height: args.height,
        theme: global.theme.clone().unwrap_or_else(|| "default".into()),
        depth: depth_of(global.color),
        ascii: global.ascii,
    };
    let themes = ThemeSet::load(user_theme_dir().as_deref(), &shot.theme);
    if let Some(problem) = themes.problem() {
        crate::errln!("warning: {problem}");
    }
    let svg = render(&rec, &label, &shot, themes).map_err(|e| match e {
        ScreenshotError::Draw(_) => Failure::runtime(e.to_string()),
        _ => Failure::usage(e.to_string()),
    })?;
    // Like every file cutover writes: never through a link (a planted `shot.svg -> ~/.bashrc`
    // must not be overwritten), a regular file in the way replaced by a new private one.
    let mut file = crate::safe_fs::create_private(&args.out, crate::safe_fs::Existing::Replace)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    std::io::Write::write_all(&mut file, svg.as_bytes())
        .map_err(|e| Failure::runtime(format!("{}: {e}", args.out.display())))?;
    Ok(0)
}

fn view_of(v: ViewArg) -> View {
    match v {
        ViewArg::Overview => View::Overview,
        ViewArg::Detail => View::Detail,
        ViewArg::Sources => View::Sources,
        ViewArg::Events => View::Events,
        ViewArg::Help => View::Help,
    }
}

/// A file has no terminal to ask: `auto` means the theme's colours exactly as written.
fn depth_of(c: ColorArg) -> ColorDepth {
    match c {
        ColorArg::Auto | ColorArg::Truecolor => ColorDepth::TrueColor,
        ColorArg::Never => ColorDepth::None,
        ColorArg::Ansi16 => ColorDepth::Ansi16,
        ColorArg::Ansi256 => ColorDepth::Ansi256,
    }
}

/// The SVG of `shot` on `rec`. `label` names the recording in errors about its config.
pub fn render(
    rec: &Recording,
    label: &str,
    shot: &Shot,
    themes: ThemeSet,
) -> Result<String, ScreenshotError> {
    if shot.width < MIN_WIDTH || shot.height < MIN_HEIGHT {
        return Err(ScreenshotError::TooSmall {
            width: shot.width,
            height: shot.height,
        });
    }
    let mut app = app_at(rec, label, shot, themes)?;
    go_to_view(&mut app, shot.view, shot.domain.as_deref())?;
    let mut terminal = Terminal::new(TestBackend::new(shot.width, shot.height))?;
    terminal.draw(|f| views::draw(f, &app))?;
    Ok(buffer_to_svg(terminal.backend().buffer(), app.theme()))
}

/// The cockpit as a replay leaves it at `shot.at_ms`: the figures there, and the timeline fed
/// with one status per poll interval before it.
pub fn app_at(
    rec: &Recording,
    label: &str,
    shot: &Shot,
    themes: ThemeSet,
) -> Result<App, ScreenshotError> {
    let compiled =
        compiled_of(rec, Path::new(label)).map_err(|f| ScreenshotError::Config(f.message))?;
    let plan = compiled.plan.clone();
    let reason = match shot.mode {
        Mode::Demo => "this is the demo: nothing here can act".to_string(),
        _ => format!("replaying {label}: a recording can never act"),
    };
    let opts = UiOptions {
        mode: shot.mode,
        read_only: Some(reason),
        theme: shot.theme.clone(),
        color: ColorChoice::Auto,
        ascii: Some(shot.ascii),
        bindings: HashMap::new(),
        history: plan.timing.history,
        plan: plan.clone(),
        actions: None,
        refusals: None,
        memory: None,
        promotes: compiled.promotes.clone(),
        bell: false,
        trace_links: Default::default(),
        ..UiOptions::default()
    };
    let caps = TermCaps {
        depth: shot.depth,
        ascii: shot.ascii,
        utc_offset_secs: 0,
    };
    let mut app = App::new(&opts, themes, caps)?;

    // One status per poll cycle: a cycle's scrapes land within the interval of its first one.
    let interval = plan.timing.interval.as_millis() as i64;
    let mut engine = Engine::new(plan);
    let mut cycle_start: Option<i64> = None;
    for s in rec.scrapes.iter().take_while(|s| s.at_ms <= shot.at_ms) {
        match cycle_start {
            Some(start) if s.at_ms - start >= interval => {
                app.apply(FeedEvent::Status(Box::new(engine.status(Mode::Replay))));
                cycle_start = Some(s.at_ms);
            }
            None => cycle_start = Some(s.at_ms),
            Some(_) => {}
        }
        engine.ingest(s);
    }
    if cycle_start.is_some() {
        app.apply(FeedEvent::Status(Box::new(engine.status(Mode::Replay))));
    }
    app.apply(FeedEvent::Replay(ReplayPosition {
        start_ms: rec.start_ms(),
        end_ms: rec.end_ms(),
        at_ms: shot.at_ms,
        paused: false,
        speed: match shot.mode {
            Mode::Demo => DEMO_SPEED,
            _ => REPLAY_SPEED,
        },
    }));
    app.tick(shot.at_ms);
    Ok(app)
}

/// Presses the keys a person would: select the domain on the overview, then open the view.
pub fn go_to_view(app: &mut App, view: View, domain: Option<&str>) -> Result<(), ScreenshotError> {
    if let Some(name) = domain {
        press(app, Action::Top)?;
        let mut steps = 0;
        while app.selected_name() != Some(name) && steps < app.visible_count() {
            press(app, Action::Down)?;
            steps += 1;
        }
        if app.selected_name() != Some(name) {
            let known: Vec<&str> = app.plan().domains.iter().map(|d| d.name.as_str()).collect();
            return Err(ScreenshotError::UnknownDomain {
                name: name.to_string(),
                known: known.join(", "),
            });
        }
    }
    match view {
        View::Overview => {}
        View::Detail => press(app, Action::Open)?,
        View::Sources => press(app, Action::ViewSources)?,
        View::Events => press(app, Action::ViewEvents)?,
        View::Help => press(app, Action::Help)?,
    }
    if app.view() != view {
        return Err(ScreenshotError::ViewNotReached { view: view.title() });
    }
    Ok(())
}

/// The action's first key, through the cockpit's key handler.
fn press(app: &mut App, action: Action) -> Result<(), ScreenshotError> {
    let key = *app
        .keymap()
        .keys_of(action)
        .first()
        .ok_or(ScreenshotError::Unbound(action.def().name))?;
    app.handle_key(crate::ui::keys::event_of(&key));
    Ok(())
}
