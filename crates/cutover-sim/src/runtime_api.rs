//! An HAProxy-style runtime API (the `stats socket ... level admin` CLI) over TCP on loopback,
//! answering byte for byte as HAProxy 2.6 does for the commands a rollback uses.
//!
//! Non-interactive mode, as `echo 'set weight be/srv 0' | socat - TCP:host:port` drives it: the
//! command lines received (`;` separates several on one line) are run, each answer is followed
//! by a lone LF (so a successful `set weight` answers just "\n"), then the connection closes.
//! `prompt` switches to interactive mode (answers end with "\n> " and the connection stays
//! open until `quit`). Weight changes shift the simulated traffic from the next step on.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::accept::Acceptor;
use super::model::ServerState;
use super::scenario::{WeightError, World};
use super::shared_world::SharedWorld;
use super::SimError;

/// Longest command line accepted, as HAProxy's buffer bounds it.
const MAX_LINE: usize = 16 * 1024;
/// A client that sends nothing for this long is disconnected.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Usage lines of the commands this simulator implements, as HAProxy 2.6 prints them.
const USAGE: &[(&[&str], &str)] = &[
    (
        &["get", "weight"],
        "get weight <bk>/<srv>                   : report a server's current weight",
    ),
    (
        &["set", "server"],
        "set server <bk>/<srv> [opts]            : change a server's state, weight, address or ssl",
    ),
    (
        &["set", "weight"],
        "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)",
    ),
];

/// Always listed after the other commands.
const ALWAYS_LISTED: &str = "  help [<command>]                        : list matching or all commands\n  prompt                                  : toggle interactive mode with prompt\n  quit                                    : disconnect\n";

/// A running runtime API listener.
#[derive(Debug)]
pub struct RuntimeApi {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts listening on `listen` (port 0 picks a free port).
    pub(crate) async fn start(
        listen: SocketAddr,
        world: Arc<SharedWorld>,
    ) -> Result<RuntimeApi, SimError> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let mut acceptor = Acceptor::new(listener);
        let task = tokio::spawn(async move {
            loop {
                let stream = acceptor.next().await;
                let world = Arc::clone(&world);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    // A client that goes away mid-command is its own business.
                    let _ = handle_connection(stream, world, log).await;
                });
            }
        });
        Ok(RuntimeApi {
            addr,
            received,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every command received so far, in order, as sent (one entry per `;`-separated command).
    pub fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle_connection(
    mut stream: TcpStream,
    world: Arc<SharedWorld>,
    log: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut buffer: Vec<u8> = Vec::new();
    let mut interactive = false;
    let mut eof = false;
    loop {
        // Wait for at least one whole line (or the end of input).
        while !eof && !buffer.contains(&b'\n') {
            if buffer.len() > MAX_LINE {
                return Ok(());
            }
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut chunk)).await {
                Ok(Ok(0)) => eof = true,
                Ok(Ok(n)) => buffer.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(()),
            }
        }
        let line = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => {
                let line: Vec<u8> = buffer.drain(..=end).collect();
                String::from_utf8_lossy(&line[..line.len() - 1]).into_owned()
            }
            None if eof && !buffer.is_empty() => {
                let line = String::from_utf8_lossy(&buffer).into_owned();
                buffer.clear();
                line
            }
            None => return Ok(()),
        };
        let line = line.trim_end_matches('\r');
        let mut out = String::new();
        let mut quit = false;
        for command in line.split(';') {
            let command = command.trim();
            if command.is_empty() {
                continue;
            }
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(command.to_string());
            let words: Vec<&str> = command.split_whitespace().collect();
            match words.first().copied() {
                Some("quit") => {
                    quit = true;
                    break;
                }
                Some("prompt") => interactive = !interactive,
                _ => {
                    let answer = world.with_now(|w| execute_command(w, command));
                    out.push_str(&answer);
                }
            }
            out.push_str(if interactive { "\n> " } else { "\n" });
        }
        stream.write_all(out.as_bytes()).await?;
        if quit {
            return Ok(());
        }
        // Non-interactive: close once the pipelined input is used up.
        if !interactive && (eof || !buffer.contains(&b'\n')) {
            stream.flush().await?;
            return Ok(());
        }
        if eof && buffer.is_empty() {
            return Ok(());
        }
    }
}

/// Runs one runtime API command against the world and returns HAProxy's answer text, without
/// the LF that closes every answer on the wire. Usable without any network (a demo can perform
/// the operator's rollback on its virtual clock with this).
pub fn execute_command(world: &mut World, command: &str) -> String {
    let args: Vec<&str> = command.split_whitespace().collect();
    match args.as_slice() {
        ["set", "weight", target, rest @ ..] => {
            with_server(world, target, |world, backend, server| {
                apply_weight(world, backend, server, rest.first().copied().unwrap_or(""))
            })
        }
        ["get", "weight", target, ..] => with_server(world, target, |world, backend, server| {
            let (current, initial) = world.server_weight(backend, server).unwrap_or((0, 0));
            format!("{current} (initial {initial})\n")
        }),
        ["set", "server", target, rest @ ..] => {
            with_server(world, target, |world, backend, server| {
                set_server(world, backend, server, rest)
            })
        }
        ["set", "weight"] | ["get", "weight"] | ["set", "server"] => REQUIRE_TARGET.to_string(),
        ["help", rest @ ..] => usage_message(rest, true),
        _ => usage_message(&args, false),
    }
}

const REQUIRE_TARGET: &str = "Require 'backend/server'.\n";
const STATE_EXPECTS: &str = "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n";
const SET_SERVER_SUPPORTS: &str = "'set server <srv>' only supports 'agent', 'health', 'state', 'weight', 'addr', 'fqdn', 'check-addr', 'check-port' and 'ssl'.\n";

fn apply_weight(world: &mut World, backend: &str, server: &str, text: &str) -> String {
    let (_, initial) = world.server_weight(backend, server).unwrap_or((0, 0));
    match parse_weight(text, initial) {
        Ok(weight) => match world.set_server_weight(backend, server, weight) {
            Ok(()) => String::new(),
            Err(e) => weight_error(e).to_string(),
        },
        Err(message) => message.to_string(),
    }
}

/// `set server <bk>/<srv> weight <w>` and `... state ready|drain|maint`; the other options
/// (addresses, health, agent, ssl) mean nothing in a simulation and are refused like typos.
fn set_server(world: &mut World, backend: &str, server: &str, rest: &[&str]) -> String {
    match rest {
        ["weight", value, ..] => apply_weight(world, backend, server, value),
        ["weight"] => "Require <weight> or <weight%>.\n".to_string(),
        ["state", state, ..] => {
            let state = match *state {
                "ready" => ServerState::Up,
                "drain" => ServerState::Drain,
                "maint" => ServerState::Maint,
                _ => return STATE_EXPECTS.to_string(),
            };
            match world.set_server_state(backend, server, state) {
                Ok(()) => String::new(),
                Err(e) => weight_error(e).to_string(),
            }
        }
        ["state"] => STATE_EXPECTS.to_string(),
        _ => SET_SERVER_SUPPORTS.to_string(),
    }
}

fn split_target(target: &str) -> Option<(&str, &str)> {
    let (backend, server) = target.split_once('/')?;
    if backend.is_empty() || server.is_empty() {
        None
    } else {
        Some((backend, server))
    }
}

/// Resolves `backend/server` with HAProxy's error messages, then runs `action`.
fn with_server(
    world: &mut World,
    target: &str,
    action: impl FnOnce(&mut World, &str, &str) -> String,
) -> String {
    let Some((backend, server)) = split_target(target) else {
        return REQUIRE_TARGET.to_string();
    };
    match world.find_server(backend, server) {
        Ok(_) => action(world, backend, server),
        Err(e) => weight_error(e).to_string(),
    }
}

fn weight_error(error: WeightError) -> &'static str {
    match error {
        WeightError::NoSuchBackend => "No such backend.\n",
        WeightError::NoSuchServer => "No such server.\n",
    }
}

/// HAProxy's `server_parse_weight_change_request`, messages included (some lack a final LF there
/// too).
fn parse_weight(text: &str, initial: u32) -> Result<u32, &'static str> {
    if text.is_empty() {
        return Err("Require <weight> or <weight%>.\n");
    }
    let digits_end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(text.len(), |(i, _)| i);
    let number = &text[..digits_end];
    let rest = &text[digits_end..];
    let Ok(value) = number.parse::<i64>() else {
        return Err("Empty weight string empty or preceded by garbage");
    };
    if rest == "%" {
        if value < 0 {
            return Err("Relative weight must be positive.\n");
        }
        let pct = value.min(25_600);
        let weight = (i64::from(initial) * pct / 100).min(256);
        return Ok(weight as u32);
    }
    if !(0..=256).contains(&value) {
        return Err("Absolute weight can only be between 0 and 256 inclusive.\n");
    }
    if !rest.is_empty() {
        return Err("Trailing garbage in weight string");
    }
    Ok(value as u32)
}

/// The answer to `help` or to an unknown command: HAProxy lists the commands that match the
/// words it recognised (here: among those this simulator implements), then the three it always
/// lists.
fn usage_message(args: &[&str], is_help: bool) -> String {
    let matched = USAGE
        .iter()
        .map(|(words, _)| {
            words
                .iter()
                .zip(args.iter())
                .take_while(|(a, b)| a == b)
                .count()
        })
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    if is_help {
        out.push_str("The following commands are valid at this level:\n");
    } else if matched == 0 && args.is_empty() {
        out.push_str("Unknown command. Please enter one of the following commands only:\n");
    } else {
        out.push_str("Unknown command, but maybe one of the following ones is a better match:\n");
    }
    for (words, usage) in USAGE {
        if words
            .iter()
            .zip(args.iter())
            .take(matched)
            .all(|(a, b)| a == b)
        {
            out.push_str("  ");
            out.push_str(usage);
            out.push('\n');
        }
    }
    out.push_str(ALWAYS_LISTED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new("demo", 1_795_552_000_000).unwrap()
    }

    #[test]
    fn answers_like_haproxy() {
        let mut w = world();
        assert_eq!(
            execute_command(&mut w, "get weight be_orders/orders_svc"),
            "10 (initial 10)\n"
        );
        assert_eq!(
            execute_command(&mut w, "set weight be_orders/orders_svc 0"),
            ""
        );
        assert_eq!(
            execute_command(&mut w, "get weight be_orders/orders_svc"),
            "0 (initial 10)\n"
        );
        assert_eq!(
            execute_command(&mut w, "get weight be_orders/nope"),
            "No such server.\n"
        );
        assert_eq!(
            execute_command(&mut w, "get weight be_nope/orders_svc"),
            "No such backend.\n"
        );
        assert_eq!(
            execute_command(&mut w, "get weight be_orders"),
            "Require 'backend/server'.\n"
        );
        assert_eq!(
            execute_command(&mut w, "set weight be_orders/orders_svc 300"),
            "Absolute weight can only be between 0 and 256 inclusive.\n"
        );
        assert_eq!(
            execute_command(&mut w, "set weight be_orders/orders_svc"),
            "Require <weight> or <weight%>.\n"
        );
        assert_eq!(
            execute_command(&mut w, "set weight be_orders/orders_svc 50%"),
            ""
        );
        assert_eq!(
            execute_command(&mut w, "get weight be_orders/orders_svc"),
            "5 (initial 10)\n"
        );
        assert_eq!(
            execute_command(&mut w, "set server be_orders/orders_svc weight 10"),
            ""
        );
        assert_eq!(world_weight(&w), 10);
    }

    fn world_weight(w: &World) -> u32 {
        w.server_weight("be_orders", "orders_svc").unwrap().0
    }

    #[test]
    fn unknown_commands_get_the_usage() {
        let mut w = world();
        let answer = execute_command(&mut w, "frobnicate now");
        assert!(answer.starts_with(
            "Unknown command, but maybe one of the following ones is a better match:\n"
        ));
        assert!(answer.contains("  set weight <bk>/<srv>  (DEPRECATED)"));
        assert!(answer.ends_with("  quit                                    : disconnect\n"));
        let partial = execute_command(&mut w, "get frob");
        assert!(partial.contains("get weight"));
        assert!(!partial.contains("set weight"));
    }
}
