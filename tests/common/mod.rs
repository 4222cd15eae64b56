//! The one toolkit of the integration tests: real servers on 127.0.0.1 ([`server`]), configs
//! built in code ([`config`]), fixtures read one way ([`fixtures`]), the binary in a sandbox,
//! and the helpers of the action ([`action`]), ingest ([`ingest`]) and replay ([`recording`]) tests.
// Helpers shared by test (or bench) crates: `pub` for their users, not for a public API.
#![allow(unreachable_pub)]
#![allow(dead_code)]
// Test helpers may unwrap like the tests (clippy.toml allows it in #[test] functions only).
#![allow(clippy::unwrap_used)]

pub mod action;
pub mod config;
pub mod counters;
pub mod figures;
pub mod fixtures;
pub mod gateway;
pub mod ingest;
pub mod recording;
pub mod server;
pub mod tmux;

#[allow(unused_imports)]
pub use config::ConfigBuilder;
#[allow(unused_imports)]
pub use fixtures::{fixture, fixture_bytes, fixture_path};
#[allow(unused_imports)]
pub use server::{Answer, HttpServer, Listener, Reply, RuntimeApi, Seen};

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::AtomicUsize;

/// A temp dir used as HOME/XDG dirs so tests never touch the user's state.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    /// Writes a config file readable by its owner only.
    pub fn config(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join("cutover.toml");
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        p
    }
    /// Writes context `name`'s config, `<config dir>/contexts/NAME.toml`, readable by its
    /// owner only.
    pub fn context(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.dir.path().join("config/cutover/contexts");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{name}.toml"));
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        p
    }
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state/cutover")
    }
    /// `cutover --config CONFIG ARGS...` in this sandbox, run to its end.
    pub fn run<S: AsRef<OsStr>>(
        &self,
        config: impl AsRef<OsStr>,
        args: impl IntoIterator<Item = S>,
    ) -> Output {
        self.cutover()
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .unwrap()
    }

    /// `cutover --config CONFIG ARGS...`, which must succeed.
    pub fn run_ok<S: AsRef<OsStr>>(
        &self,
        config: impl AsRef<OsStr>,
        args: impl IntoIterator<Item = S>,
    ) -> Output {
        run_ok(self.cutover().arg("--config").arg(config).args(args))
    }

    /// `cutover --config CONFIG ARGS...`, which must succeed, its standard output read as JSON
    /// (`status --json`, `check --json`).
    pub fn json<S: AsRef<OsStr>>(
        &self,
        config: impl AsRef<OsStr>,
        args: impl IntoIterator<Item = S>,
    ) -> serde_json::Value {
        json(&self.run_ok(config, args))
    }

    /// The binary with this sandbox's environment.
    pub fn cutover(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cutover"));
        let d = self.dir.path();
        c.env("HOME", d)
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_STATE_HOME", d.join("state"))
            .env("XDG_DATA_HOME", d.join("data"))
            .env("XDG_CACHE_HOME", d.join("cache"))
            .env_remove("CUTOVER_CONFIG")
            .env_remove("CUTOVER_CONTEXT")
            .env_remove("NO_COLOR");
        c
    }
}

/// Standard output followed by standard error, as one text.
pub fn both(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `c` with `stdin` as its whole input (an operator's typed answers), every stream piped.
pub fn run_answering(c: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn run_ok(c: &mut Command) -> Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub static COUNTER: AtomicUsize = AtomicUsize::new(0);
