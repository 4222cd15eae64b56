//! The HAProxy runtime API: one command per connection, the reply read until HAProxy closes.
//! `set ...` commands answer an empty line on success; any text is HAProxy saying why not
//! ("No such server.", "Permission denied", "Unknown command ...").

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{clip, StepOutcome};

pub async fn run(address: &str, command: &str, timeout: Duration) -> StepOutcome {
    // Without `prompt`, HAProxy reads one line and closes: a second line would be silently
    // dropped, so several commands must be joined with ';' on one line.
    if command.trim_end().contains('\n') {
        return StepOutcome::Failed(
            "the command holds a line break; join several commands with ';'".into(),
        );
    }
    match tokio::time::timeout(timeout, talk(address, command)).await {
        Err(_) => StepOutcome::TimedOut(format!("no answer from {address} within {timeout:?}")),
        Ok(Err(e)) => StepOutcome::Failed(format!("{address}: {e}")),
        Ok(Ok(reply)) => judge(command, &reply),
    }
}

/// The read-only commands that show what `command` is about to change: `get weight B/S` for
/// each `set weight B/S ...` in it (commands joined with ';' included).
pub fn probes_before(command: &str) -> Vec<String> {
    crate::action::probe_command::ProbeCommand::for_command(command)
        .into_iter()
        .filter(|p| {
            matches!(
                p,
                crate::action::probe_command::ProbeCommand::GetWeight { .. }
            )
        })
        .map(|p| p.text())
        .collect()
}

/// Phrases HAProxy uses to refuse a command ("No such server.", "Permission denied",
/// "Unknown command...", "Require 'backend/server'.", "Backend is using a static LB algorithm
/// and only accepts weights '0%' and '100%'.", ...). Matched case-insensitively.
const REFUSALS: [&str; 14] = [
    "no such",
    "permission denied",
    "unknown command",
    "require ",
    "only accepts",
    "invalid",
    "error",
    "can't",
    "cannot",
    "not found",
    "failed",
    "missing",
    "expects",
    "is not",
];

/// Answers some changing commands give on success instead of the usual empty line.
const SUCCESS_WORDS: [&str; 4] = [
    "ip changed from",
    "no need to change",
    "new server registered",
    "server deleted",
];

/// Success or failure from the reply text. A changing command (`set weight`, `set server`,
/// `disable server` ...) answers an empty line when it worked; any other text is HAProxy
/// saying why not, so it is a failure unless it is one of the few known success answers.
/// Reading commands (`get`, `show`, `help`) succeed unless the reply is a refusal.
pub fn judge(command: &str, reply: &str) -> StepOutcome {
    let text = reply.trim();
    let lower = text.to_ascii_lowercase();
    let first_line = lower.lines().next().unwrap_or("");
    let refused = REFUSALS.iter().any(|r| first_line.contains(r));
    let reads = {
        let c = command.trim_start();
        ["show ", "get ", "help"].iter().any(|p| c.starts_with(p))
    };
    let known_success = SUCCESS_WORDS.iter().any(|w| lower.starts_with(w));
    if text.is_empty() || known_success || (reads && !refused) {
        StepOutcome::Succeeded(clip(text, 2000))
    } else {
        StepOutcome::Failed(format!("HAProxy answered: {}", clip(text, 500)))
    }
}

async fn talk(address: &str, command: &str) -> std::io::Result<String> {
    if let Some(path) = address.strip_prefix("unix:") {
        #[cfg(unix)]
        {
            let s = tokio::net::UnixStream::connect(path).await?;
            return exchange(s, command).await;
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            return Err(std::io::Error::other("unix sockets are not supported here"));
        }
    }
    let s = tokio::net::TcpStream::connect(address).await?;
    exchange(s, command).await
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    command: &str,
) -> std::io::Result<String> {
    s.write_all(command.trim_end().as_bytes()).await?;
    s.write_all(b"\n").await?;
    s.flush().await?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 || reply.len() > 1 << 20 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_replies_like_an_operator() {
        assert!(matches!(
            judge("set weight be/s 0", "\n"),
            StepOutcome::Succeeded(_)
        ));
        assert!(matches!(
            judge("set weight be/x 0", "No such server.\n\n"),
            StepOutcome::Failed(_)
        ));
        assert!(matches!(
            judge("set weight be/s 0", "Permission denied\n"),
            StepOutcome::Failed(_)
        ));
        assert!(matches!(
            judge("get weight be/s", "0 (initial 10)\n"),
            StepOutcome::Succeeded(_)
        ));
    }

    #[test]
    fn a_read_that_names_a_missing_server_fails() {
        assert!(matches!(
            judge("get weight be/x", "No such server.\n\n"),
            StepOutcome::Failed(_)
        ));
        assert!(matches!(
            judge("show stat", "# pxname,svname,qcur\nbe_orders,monolith,0\n"),
            StepOutcome::Succeeded(_)
        ));
    }

    #[test]
    fn static_algorithm_and_unknown_text_fail_known_success_answers_pass() {
        let static_lb =
            "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
        assert!(matches!(
            judge("set weight be/s 50", static_lb),
            StepOutcome::Failed(_)
        ));
        assert!(matches!(
            judge("set weight be/s 0", "something unexpected\n"),
            StepOutcome::Failed(_)
        ));
        assert!(matches!(
            judge(
                "set server be/s addr 10.0.0.2",
                "IP changed from '10.0.0.1' to '10.0.0.2' by 'stats socket command'\n"
            ),
            StepOutcome::Succeeded(_)
        ));
    }

    /// A real exchange over TCP with a listener that answers as HAProxy does and closes.
    #[tokio::test]
    async fn talks_one_command_per_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 256];
            while !got.ends_with(b"\n") {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"No such server.\n\n").await.unwrap();
            String::from_utf8(got).unwrap()
        });
        let out = run(&addr, "set weight be/x 0", Duration::from_secs(2)).await;
        assert_eq!(server.await.unwrap(), "set weight be/x 0\n");
        assert_eq!(
            out,
            StepOutcome::Failed("HAProxy answered: No such server.".into())
        );
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let _server = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(s);
        });
        let out = run(&addr, "set weight be/s 0", Duration::from_millis(200)).await;
        assert!(matches!(out, StepOutcome::TimedOut(_)), "{out:?}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn speaks_over_a_unix_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("haproxy.sock");
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 256];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(b"0 (initial 10)\n\n").await.unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        let out = run(
            &format!("unix:{}", path.display()),
            "get weight be_orders/orders_svc",
            Duration::from_secs(2),
        )
        .await;
        assert_eq!(server.await.unwrap(), "get weight be_orders/orders_svc\n");
        assert_eq!(out, StepOutcome::Succeeded("0 (initial 10)".into()));
    }
}
