//! `cutover simulate` out of file descriptors: its accept loops wait instead of spinning a core,
//! and serve again once descriptors free up. The real binary under a low `ulimit -n`, its CPU
//! time read from `/proc/PID/stat`.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;

struct Simulator {
    child: Child,
    http: String,
    runtime: String,
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cutover simulate` with at most `fds` open files; its two addresses from its stderr line.
fn simulator(sb: &Sandbox, fds: u32) -> Simulator {
    let c = sb.cutover();
    let bin = c.get_program().to_owned();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!(
            "ulimit -n {fds} && exec \"$0\" simulate --listen 127.0.0.1:0"
        ))
        .arg(bin);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    let mut child = sh
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // simulating scenario "demo" at 1× on http://127.0.0.1:PORT (runtime API on 127.0.0.1:PORT); ...
    let http = line
        .split(" on http://")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let runtime = line
        .split("(runtime API on ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    Simulator {
        child,
        http,
        runtime,
    }
}

/// User plus system CPU time of a process so far.
#[allow(unsafe_code)]
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    // SAFETY: sysconf with a constant name has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

fn get_metrics(addr: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(b"GET /haproxy/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn out_of_descriptors_the_accept_loops_wait_instead_of_spinning() {
    let sb = Sandbox::new();
    let sim = simulator(&sb, 48);
    assert!(get_metrics(&sim.http).unwrap().starts_with("HTTP/1.1 200"));
    // Far more connections than descriptors, to both listeners, all held open: the kernel
    // completes them into the backlog, and every accept beyond the limit fails with EMFILE.
    let mut held = Vec::new();
    for addr in [&sim.http, &sim.runtime] {
        for _ in 0..120 {
            held.push(TcpStream::connect(addr.as_str()).unwrap());
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid = sim.child.id();
    let before = cpu_time(pid);
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time(pid) - before;
    let wall = started.elapsed();
    eprintln!("simulate at EMFILE: {used:?} of CPU in {wall:?}");
    assert!(
        used < wall / 5,
        "the simulator used {used:?} of CPU in {wall:?} while out of descriptors"
    );
    // Once the connections go away it serves again.
    drop(held);
    let start = Instant::now();
    loop {
        match get_metrics(&sim.http) {
            Ok(r) if r.starts_with("HTTP/1.1 200") => break,
            other => assert!(
                start.elapsed() < Duration::from_secs(40),
                "never served again: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
