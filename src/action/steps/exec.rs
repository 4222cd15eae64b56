//! A program run directly (no shell), killed at its timeout; exit 0 is success. Its stdout and
//! stderr are kept (clipped) for the audit log, also when it fails or is killed.
//!
//! The program runs in a process group of its own, so a timeout kills what it started too
//! (`kubectl` plugins, a script's `sleep`), not just the first process. Nothing it started is
//! left behind: the step ends when the whole group has ended (a background child is waited
//! for, within the step's timeout, then killed), and a step abandoned half-way (the process
//! shutting down) kills its group rather than orphan it.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::{clip, StepOutcome};

/// How long the pipes may stay open after the program ended (a child it left behind may hold
/// them): what came until then is kept.
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// Output kept per stream in the audit log.
const KEEP_BYTES: usize = 2000;

/// How often the group is looked at once the program ended.
const GROUP_POLL: Duration = Duration::from_millis(20);

pub async fn run(argv: &[String], timeout: Duration) -> StepOutcome {
    let Some((program, args)) = argv.split_first() else {
        return StepOutcome::Failed("empty argv".into());
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    become_subreaper();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return StepOutcome::Failed(format!("cannot start {program}: {e}")),
    };
    let pid = child.id();
    let mut group = Group::new(pid);
    let out = Captured::default();
    let err = Captured::default();
    let readers = [
        child.stdout.take().map(|s| out.clone().fill(s)),
        child.stderr.take().map(|s| err.clone().fill(s)),
    ];
    let readers: Vec<_> = readers.into_iter().flatten().collect();
    let waited = tokio::time::timeout_at(deadline, child.wait()).await;
    let mut left_behind = false;
    if waited.is_err() {
        group.kill();
        let _ = child.kill().await;
        group
            .reap_until(tokio::time::Instant::now() + DRAIN_GRACE)
            .await;
    } else if !group.reap_until(deadline).await {
        // The program ended, what it started did not: killed at the step's timeout.
        left_behind = true;
        group.kill();
        group
            .reap_until(tokio::time::Instant::now() + DRAIN_GRACE)
            .await;
    }
    group.done();
    for r in readers {
        // Only what the group wrote until now is kept.
        let _ = tokio::time::timeout(DRAIN_GRACE, r).await;
    }
    let output = format!("stdout: {}; stderr: {}", out.text(), err.text());
    match waited {
        Err(_) => StepOutcome::TimedOut(format!(
            "{program} still running after {timeout:?}; killed; {output}"
        )),
        Ok(Ok(status)) if left_behind => StepOutcome::TimedOut(format!(
            "{program} exited {} but what it started was still running after {timeout:?}; killed; {output}",
            exit_words(&status)
        )),
        Ok(Err(e)) => StepOutcome::Failed(format!("{program}: {e}")),
        Ok(Ok(status)) => {
            let words = format!("exit {}; {output}", exit_words(&status));
            if status.success() {
                StepOutcome::Succeeded(words)
            } else {
                StepOutcome::Failed(words)
            }
        }
    }
}

fn exit_words(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return code.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("by signal {sig}");
        }
    }
    "by signal".into()
}

/// The step's process group (the program leads it: `process_group(0)`). Until [`Group::done`],
/// dropping it kills the group: a step abandoned half-way leaves nothing running.
struct Group {
    pgid: Option<i32>,
}

impl Group {
    fn new(pid: Option<u32>) -> Group {
        Group {
            pgid: pid.and_then(|p| i32::try_from(p).ok()).filter(|&p| p > 1),
        }
    }

    #[allow(unsafe_code)]
    fn kill(&self) {
        #[cfg(unix)]
        if let Some(pgid) = self.pgid {
            // SAFETY: kill(2) with a negative pid signals that process group, touches no memory.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }

    /// Whether a process of the group is still there. The group's id stays reserved while it
    /// has members, so it cannot name someone else's group meanwhile.
    #[allow(unsafe_code)]
    fn alive(&self) -> bool {
        #[cfg(unix)]
        if let Some(pgid) = self.pgid {
            // Members that ended while handed to us (we are their subreaper) are reaped first,
            // or they would count as alive as zombies. The leader was reaped by `wait`.
            loop {
                // SAFETY: waitpid(2) on our own children of that group; no memory is shared.
                let reaped = unsafe { libc::waitpid(-pgid, std::ptr::null_mut(), libc::WNOHANG) };
                if reaped <= 0 {
                    break;
                }
            }
            // SAFETY: signal 0 only checks that the group exists.
            return unsafe { libc::kill(-pgid, 0) } == 0;
        }
        false
    }

    /// Waits until the group has no process left, or `until`; true when it emptied.
    async fn reap_until(&self, until: tokio::time::Instant) -> bool {
        loop {
            if !self.alive() {
                return true;
            }
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(GROUP_POLL).await;
        }
    }

    /// The group ended (or was killed and given its time): nothing left to kill on drop.
    fn done(&mut self) {
        self.pgid = None;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Makes this process the one that inherits the step's orphans (Linux), so a background child
/// whose parent ended is still ours to wait for and reap, whatever runs as pid 1.
#[allow(unsafe_code)]
fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) PR_SET_CHILD_SUBREAPER takes an integer and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// What a stream produced so far, readable even when reading is abandoned.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Reads the stream to its end in a task of its own, so stdout and stderr drain together
    /// (reading one after the other deadlocks once the other's pipe buffer is full).
    fn fill(
        self,
        mut stream: impl AsyncRead + Unpin + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                if let Ok(mut kept) = self.0.lock() {
                    // Keep a little more than shown, so `clip` can say how much was cut.
                    if kept.len() < 64 * 1024 {
                        kept.extend_from_slice(&buf[..n]);
                    }
                }
            }
        })
    }

    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        clip(String::from_utf8_lossy(&bytes).trim(), KEEP_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[tokio::test]
    async fn exit_zero_succeeds_with_its_output() {
        let out = run(&sh("echo done; echo note >&2"), Duration::from_secs(5)).await;
        assert_eq!(
            out,
            StepOutcome::Succeeded("exit 0; stdout: done; stderr: note".into())
        );
    }

    #[tokio::test]
    async fn non_zero_exit_fails_and_keeps_stderr() {
        let out = run(&sh("echo nope >&2; exit 3"), Duration::from_secs(5)).await;
        assert_eq!(
            out,
            StepOutcome::Failed("exit 3; stdout: ; stderr: nope".into())
        );
    }

    #[tokio::test]
    async fn both_streams_drain_together() {
        // 200 KiB on stderr before anything on stdout: more than a pipe buffer holds.
        let script = "head -c 204800 /dev/zero | tr '\\0' e >&2; echo out";
        let out = run(&sh(script), Duration::from_secs(10)).await;
        match out {
            StepOutcome::Succeeded(w) => assert!(w.contains("stdout: out;"), "{w}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_timeout_kills_the_program_and_what_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("echo started; (sleep 2; touch {}) & wait", marker.display());
        let started = std::time::Instant::now();
        let out = run(&sh(&script), Duration::from_millis(300)).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        match out {
            StepOutcome::TimedOut(w) => assert!(w.contains("stdout: started"), "{w}"),
            other => panic!("{other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "a child of the killed program lived on");
    }

    #[tokio::test]
    async fn what_the_program_left_running_is_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("finished");
        // The shell ends at once; its background child finishes 0.5 s later.
        let script = format!("(sleep 0.5; touch {}) >/dev/null 2>&1 &", marker.display());
        let out = run(&sh(&script), Duration::from_secs(5)).await;
        assert!(matches!(out, StepOutcome::Succeeded(_)), "{out:?}");
        assert!(marker.exists(), "the step ended before what it started");
    }

    #[tokio::test]
    async fn what_the_program_left_running_past_the_timeout_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 2; touch {}) >/dev/null 2>&1 &", marker.display());
        let started = std::time::Instant::now();
        let out = run(&sh(&script), Duration::from_millis(400)).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        match out {
            StepOutcome::TimedOut(w) => assert!(w.contains("exited 0 but what it started"), "{w}"),
            other => panic!("{other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "a child of the program lived on");
    }

    #[tokio::test]
    async fn a_step_abandoned_half_way_kills_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("sleep 1; touch {}", marker.display());
        let _ = tokio::time::timeout(
            Duration::from_millis(200),
            run(&sh(&script), Duration::from_secs(5)),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!marker.exists(), "the abandoned step's child lived on");
    }

    #[tokio::test]
    async fn a_missing_program_fails() {
        let out = run(
            &["/nonexistent/kubectl".to_string()],
            Duration::from_secs(1),
        )
        .await;
        assert!(matches!(out, StepOutcome::Failed(w) if w.starts_with("cannot start")));
    }
}
