//! The HAProxy runtime API: one command per connection, the reply read until HAProxy closes.
//! `set ...` commands answer an empty line on success; any text is HAProxy saying why not
//! ("No such server.", "Permission denied", "Unknown command ...").

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{clip, StepOutcome};

pub async fn run(address: &str, command: &str, timeout: Duration) -> StepOutcome {
    match tokio::time::timeout(timeout, talk(address, command)).await {
        Err(_) => StepOutcome::TimedOut(format!("no answer from {address} within {timeout:?}")),
        Ok(Err(e)) => StepOutcome::Failed(format!("{address}: {e}")),
        Ok(Ok(reply)) => judge(command, &reply),
    }
}

/// Success or failure from the reply text.
pub fn judge(command: &str, reply: &str) -> StepOutcome {
    let text = reply.trim();
    let reads = {
        let c = command.trim_start();
        c.starts_with("show ") || c.starts_with("get ") || c.starts_with("help")
    };
    if text.is_empty() || reads {
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
}
