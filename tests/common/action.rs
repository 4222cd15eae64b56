//! Shared helpers for the action tests (lock, interruption): a metrics server whose counters
//! grow, a config for the `orders` domain with given steps, the audit log as events, and
//! `cutover rollback` started as its own session (`setsid`), as a script or a cron job would.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::ConfigBuilder;
use super::{HttpServer, Reply, Sandbox};

/// Counters that grow by 20 requests a scrape, 2 of them on the new path: the rollback is
/// never verified, so the watch ends at `verify_within`.
pub fn metrics() -> HttpServer {
    let n = Arc::new(AtomicU64::new(0));
    HttpServer::start(move |_, _| {
        let i = n.fetch_add(1, Ordering::SeqCst) + 1;
        Some(Reply::text(format!(
            "# TYPE req_total counter\nreq_total{{side=\"legacy\"}} {}\nreq_total{{side=\"new\"}} {}\n",
            18 * i,
            2 * i
        )))
    })
}

/// A config for `domain` reading `req_total{side=...}` from `metrics` every 250 ms, with these
/// rollback steps, verified within `verify_within`.
pub fn config(metrics: &HttpServer, domain: &str, steps: &str, verify_within: &str) -> String {
    ConfigBuilder::new()
        .every("250ms", "200ms")
        .source("app", &metrics.url("/metrics"))
        .domain(domain, "canary", "app")
        .signal("legacy", "requests", r#"req_total{side="legacy"}"#)
        .signal("new", "requests", r#"req_total{side="new"}"#)
        .rollback(verify_within, steps)
        .build()
}

/// The audit log's events, oldest first.
pub fn events(sb: &Sandbox) -> Vec<String> {
    audit(sb)
        .iter()
        .map(|e| {
            e["event"]
                .as_str()
                .expect("an audit line names its event")
                .to_string()
        })
        .collect()
}

pub fn audit(sb: &Sandbox) -> Vec<serde_json::Value> {
    let path = sb.state_dir().join("audit.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A running `cutover rollback DOMAIN --yes`, in a session of its own, output to files.
pub struct Running {
    pub child: Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Running {
    pub fn start(sb: &Sandbox, config: &Path, domain: &str, tag: &str) -> Running {
        Running::start_with(sb, config, &["rollback", domain, "--yes"], tag)
    }

    /// `cutover ARGS` (as `start`): a ramp, a promotion.
    #[allow(unsafe_code)]
    pub fn start_with(sb: &Sandbox, config: &Path, args: &[&str], tag: &str) -> Running {
        use std::os::unix::process::CommandExt;
        let stdout = sb.path().join(format!("{tag}.out"));
        let stderr = sb.path().join(format!("{tag}.err"));
        let mut c: Command = sb.cutover();
        c.arg("--config")
            .arg(config)
            .args(args)
            .env("USER", "tester")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        // SAFETY: setsid(2) in the child before exec touches no memory of the parent.
        unsafe {
            c.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        Running {
            child: c.spawn().unwrap(),
            stdout,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    #[allow(unsafe_code)]
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the child we started.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    /// Waits for the exit (at most `limit`); the exit code, stdout and stderr.
    pub fn wait(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "cutover rollback still running after {limit:?}; stderr:\n{}",
                    std::fs::read_to_string(&self.stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (
            status.code(),
            std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        )
    }
}

/// Waits until the audit log holds exactly these events (at most `limit`).
pub fn wait_for_events(sb: &Sandbox, expected: &[&str], limit: Duration) {
    let start = Instant::now();
    while events(sb) != expected {
        assert!(start.elapsed() < limit, "{:?}", events(sb));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `path` exists.
pub fn wait_for_file(path: &Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(10));
    }
}
