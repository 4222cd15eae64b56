//! A program run directly (no shell), killed at its timeout; exit 0 is success.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::{clip, StepOutcome};

pub async fn run(argv: &[String], timeout: Duration) -> StepOutcome {
    let Some((program, args)) = argv.split_first() else {
        return StepOutcome::Failed("empty argv".into());
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return StepOutcome::Failed(format!("cannot start {program}: {e}")),
    };
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let read_all = async {
        let mut o = Vec::new();
        let mut e = Vec::new();
        if let Some(s) = out.as_mut() {
            let _ = s.read_to_end(&mut o).await;
        }
        if let Some(s) = err.as_mut() {
            let _ = s.read_to_end(&mut e).await;
        }
        (o, e)
    };
    let run = async {
        let (o, e) = read_all.await;
        (child.wait().await, o, e)
    };
    match tokio::time::timeout(timeout, run).await {
        Err(_) => {
            StepOutcome::TimedOut(format!("{program} still running after {timeout:?}; killed"))
        }
        Ok((Err(e), _, _)) => StepOutcome::Failed(format!("{program}: {e}")),
        Ok((Ok(status), o, e)) => {
            let words = format!(
                "exit {}; stdout: {}; stderr: {}",
                status
                    .code()
                    .map_or("by signal".to_string(), |c| c.to_string()),
                clip(String::from_utf8_lossy(&o).trim(), 2000),
                clip(String::from_utf8_lossy(&e).trim(), 2000)
            );
            if status.success() {
                StepOutcome::Succeeded(words)
            } else {
                StepOutcome::Failed(words)
            }
        }
    }
}
