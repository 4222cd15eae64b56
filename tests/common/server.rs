//! Real servers on 127.0.0.1 for the tests, all on one accept loop ([`Listener`]):
//! - [`HttpServer`]: HTTP/1.1 with keep-alive; the handler scripts each answer by request and
//!   by how many came before for that path: any status, body or extra header, after a delay
//!   ([`Reply::after`]), or never (`None`: a hung source);
//! - [`RuntimeApi`]: the HAProxy runtime API, one command line per connection ([`Answer`]);
//! - [`Listener::raw`]: the connection as is, for cases that write broken bytes or reset.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A listening socket on 127.0.0.1 whose connections each get a thread of their own; it stops
/// accepting when dropped, unless [`Listener::detach`]ed.
pub struct Listener {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Hands every accepted connection to `on_conn` as is.
    pub fn raw(on_conn: impl Fn(TcpStream) + Send + Sync + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let on_conn = Arc::new(on_conn);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let on_conn = on_conn.clone();
                thread::spawn(move || on_conn(conn));
            }
        });
        Listener { port, stop }
    }

    /// Keeps serving for the rest of the test process; the port.
    pub fn detach(self) -> u16 {
        let port = self.port;
        std::mem::forget(self);
        port
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// What a handler answers: status, content type, body, extra headers, and how long it waits
/// before answering.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Reply {
    pub fn text(body: impl Into<Vec<u8>>) -> Reply {
        Reply::of(200, "text/plain; version=0.0.4; charset=utf-8", body)
    }
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::of(status, "text/plain", body)
    }
    pub fn html(body: &str) -> Reply {
        Reply::of(200, "text/html", body)
    }
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply::of(200, "application/json", value.to_string())
    }
    pub fn of(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type: content_type.into(),
            body: body.into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }
    /// The same answer, sent after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
    /// The same answer with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

type Handler = dyn Fn(&Seen, usize) -> Option<Reply> + Send + Sync;

/// A threaded HTTP/1.1 server on 127.0.0.1; the handler gets the request and how many requests
/// for that path came before. `None` from the handler: accept and never answer (a hung source).
pub struct HttpServer {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    _listener: Listener,
}

impl HttpServer {
    pub fn start(
        handler: impl Fn(&Seen, usize) -> Option<Reply> + Send + Sync + 'static,
    ) -> HttpServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let seen2 = seen.clone();
        let listener = Listener::raw(move |conn| serve_conn(conn, &*handler, &seen2, &counts));
        HttpServer {
            port: listener.port,
            seen,
            _listener: listener,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve_conn(
    mut conn: TcpStream,
    handler: &Handler,
    seen: &Mutex<Vec<Seen>>,
    counts: &Mutex<HashMap<String, usize>>,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let req = Seen {
            method,
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        seen.lock().unwrap().push(req.clone());
        let n = {
            let mut c = counts.lock().unwrap();
            let e = c.entry(path).or_insert(0);
            *e += 1;
            *e - 1
        };
        match handler(&req, n) {
            None => {
                thread::sleep(Duration::from_secs(60));
                return;
            }
            Some(r) => {
                if !r.delay.is_zero() {
                    thread::sleep(r.delay);
                }
                let mut head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                    r.status,
                    r.content_type,
                    r.body.len()
                );
                for (name, value) in &r.headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                if conn.write_all(head.as_bytes()).is_err() || conn.write_all(&r.body).is_err() {
                    return;
                }
            }
        }
    }
}

/// How the runtime API answers one command.
#[derive(Clone)]
pub enum Answer {
    /// Reply with this text, then close (as HAProxy does without `prompt`).
    Text(String),
    /// Reply after a pause.
    Slow(Duration, String),
    /// Accept, read, never answer.
    Silent,
}

/// A TCP server speaking the HAProxy runtime API: one command line per connection; it records
/// every command it received.
pub struct RuntimeApi {
    pub port: u16,
    commands: Arc<Mutex<Vec<String>>>,
    _listener: Listener,
}

impl RuntimeApi {
    /// `on_command` sees every command; the answer decides the reply.
    pub fn start(on_command: impl Fn(&str) -> Answer + Send + Sync + 'static) -> RuntimeApi {
        let commands = Arc::new(Mutex::new(Vec::new()));
        let seen = commands.clone();
        let listener = Listener::raw(move |conn| serve_command(conn, &seen, &on_command));
        RuntimeApi {
            port: listener.port,
            commands,
            _listener: listener,
        }
    }

    /// `127.0.0.1:PORT`, as a runtime step's `address`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The commands received, in order.
    pub fn received(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

fn serve_command(mut conn: TcpStream, seen: &Mutex<Vec<String>>, on: &dyn Fn(&str) -> Answer) {
    let mut line = String::new();
    if BufReader::new(conn.try_clone().unwrap())
        .read_line(&mut line)
        .unwrap_or(0)
        == 0
    {
        return;
    }
    let command = line.trim_end_matches(['\r', '\n']).to_string();
    seen.lock().unwrap().push(command.clone());
    match on(&command) {
        Answer::Text(t) => {
            let _ = conn.write_all(t.as_bytes());
        }
        Answer::Slow(pause, t) => {
            thread::sleep(pause);
            let _ = conn.write_all(t.as_bytes());
        }
        Answer::Silent => thread::sleep(Duration::from_secs(30)),
    }
}
