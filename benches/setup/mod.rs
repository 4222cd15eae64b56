//! Glue the benches share: configs compiled the way the command line does it, an engine fed
//! with generated scrapes, a cockpit state, and a terminal that counts the bytes it is sent.
// Helpers shared by test (or bench) crates: `pub` for their users, not for a public API.
#![allow(unreachable_pub)]

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use cutover::compile::{compile, Compiled};
use cutover::engine::{Engine, Mode};
use cutover::figures::Status;
use cutover::plan::Plan;
use cutover::source::ScrapeOutcome;
use cutover::ui::theme::ThemeSet;
use cutover::ui::{views, App, ColorChoice, ColorDepth, TermCaps, UiOptions};

use crate::gen::Fleet;

/// A config text compiled as `cutover` compiles its file.
pub fn compiled(config: &str) -> Compiled {
    let cfg = cutover::config::parse_str(config, Path::new("<bench config>"))
        .unwrap_or_else(|e| panic!("bench config does not load: {e}"));
    compile(&cfg).unwrap_or_else(|e| panic!("bench config does not compile: {e}"))
}

/// The fleet's config compiled, with placeholder URLs (nothing is fetched).
pub fn fleet_plan(fleet: &Fleet, interval: &str) -> Arc<Plan> {
    compiled(&fleet.config_toml("http://127.0.0.1:9", interval, "500ms"))
        .plan
        .clone()
}

/// A successful scrape of `source` at `at_ms` with this body.
pub fn outcome(source: &str, at_ms: i64, body: String) -> ScrapeOutcome {
    ScrapeOutcome {
        source: source.to_string(),
        at_ms,
        duration_ms: 3,
        bytes: body.len() as u64,
        status: Some(200),
        result: Ok(body),
    }
}

/// 2024-05-01T14:00:00Z: generated scrapes start here.
pub const T0_MS: i64 = 1_714_572_000_000;

/// Feeds the fleet into `engine` for one poll cycle at `t_s` seconds after [`T0_MS`]: every
/// source, a few ms apart as concurrent polls land.
pub fn feed_cycle(engine: &mut Engine, fleet: &Fleet, sources: &[String], t_s: u64) {
    for (i, name) in sources.iter().enumerate() {
        let at = T0_MS + t_s as i64 * 1000 + i as i64;
        engine.ingest(&outcome(name, at, fleet.body(i, t_s)));
    }
}

/// Statuses of the fleet after each poll cycle, every `interval_s` seconds for `seconds`.
pub fn fleet_statuses(fleet: &Fleet, seconds: u64, interval_s: u64) -> (Arc<Plan>, Vec<Status>) {
    let plan = fleet_plan(fleet, &format!("{interval_s}s"));
    let mut engine = Engine::new(plan.clone());
    let sources = fleet.sources();
    let mut out = Vec::new();
    let mut t = 0;
    while t <= seconds {
        feed_cycle(&mut engine, fleet, &sources, t);
        out.push(engine.status(Mode::Live));
        t += interval_s;
    }
    (plan, out)
}

/// The cockpit's state for a plan, as the terminal would run it: 16 colours, UTF-8, UTC.
pub fn app(plan: Arc<Plan>, mode: Mode) -> App {
    let opts = UiOptions {
        mode,
        read_only: match mode {
            Mode::Live => None,
            _ => Some("a recording can never act".into()),
        },
        theme: "default".into(),
        color: ColorChoice::Ansi16,
        ascii: Some(false),
        bindings: HashMap::new(),
        history: plan.timing.history,
        plan,
        actions: None,
        refusals: None,
        memory: None,
        trace_links: Default::default(),
    };
    let caps = TermCaps {
        depth: ColorDepth::Ansi16,
        ascii: false,
        utc_offset_secs: 0,
    };
    App::new(&opts, ThemeSet::builtin(), caps).expect("the cockpit starts")
}

/// Bytes written to the terminal, kept until counted.
#[derive(Clone, Default)]
pub struct Tap(Arc<Mutex<Vec<u8>>>);

impl Write for Tap {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Tap {
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("not poisoned"))
    }
}

/// A crossterm terminal of a fixed size whose bytes are counted; frames are drawn as the event
/// loop draws them, inside a synchronized update.
pub struct Wire {
    pub tap: Tap,
    pub last: Vec<u8>,
    pub terminal: Terminal<CrosstermBackend<Tap>>,
}

impl Wire {
    pub fn new(width: u16, height: u16) -> Wire {
        let tap = Tap::default();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(tap.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
            },
        )
        .expect("terminal");
        Wire {
            tap,
            terminal,
            last: Vec::new(),
        }
    }

    /// Draws a frame as the event loop does; returns the bytes it sent.
    pub fn frame(&mut self, app: &mut App) -> usize {
        self.tap.take();
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate).expect("queue");
        self.terminal.draw(|f| views::draw(f, app)).expect("draw");
        queue!(self.terminal.backend_mut(), EndSynchronizedUpdate).expect("queue");
        app.mark_drawn();
        self.last = self.tap.take();
        self.last.len()
    }
}

/// Wall time of a closure.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = std::time::Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// What a bench server answers for a path (`/name`): a body, or `None` for a 404.
pub type Handler = Arc<dyn Fn(&str) -> Option<Arc<String>> + Send + Sync>;

/// A minimal HTTP/1.1 exposition server on 127.0.0.1, keep-alive, one task per connection,
/// on its own runtime (threads named `bench-srv`) so its CPU is told apart from the client's.
pub struct Server {
    pub addr: std::net::SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(handler: Handler) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bench-srv")
            .enable_all()
            .build()
            .expect("server runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let handler = handler.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(stream, handler).await;
                });
            }
        });
        Server {
            addr,
            _runtime: runtime,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve_connection(mut stream: tokio::net::TcpStream, handler: Handler) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        // One request head (GET, no body); keep reading until it is whole.
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        match handler(&path) {
            Some(body) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(body.as_bytes()).await?;
            }
            None => {
                stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    .await?;
            }
        }
    }
}
