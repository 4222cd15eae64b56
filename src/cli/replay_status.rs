//! `status --replay FILE --at OFFSET`: the figures at a point of a recording, through the same
//! engine as live.

use std::path::Path;
use std::str::FromStr;

use super::{Failure, GlobalArgs};
use crate::compile::compile;
use crate::engine::Engine;
use crate::figures::Status;
use crate::record::{read_recording, Recording};

/// The compiled config a recording carries.
pub fn compiled_of(rec: &Recording, file: &Path) -> Result<crate::compile::Compiled, Failure> {
    let cfg = crate::config::parse_str(
        &rec.header.config,
        Path::new(&format!("{} (embedded config)", file.display())),
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    compile(&cfg.without_credential_sources())
        .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))
}

/// Parses an offset like "5m" or "90s"; one past what a timestamp can hold is refused, not
/// wrapped around to 1970.
pub fn offset_ms(text: &str) -> Result<i64, Failure> {
    let d = crate::config::Duration::from_str(text)
        .map_err(|e| Failure::usage(format!("--at {text}: {e}")))?;
    i64::try_from(d.as_millis())
        .map_err(|_| Failure::usage(format!("--at {text}: far longer than any recording")))
}

/// The data time `--at` names in a recording: an offset from its first scrape, at most its
/// length (default: its end).
pub fn until_ms(rec: &Recording, at: Option<&str>) -> Result<i64, Failure> {
    let Some(text) = at else {
        return Ok(rec.end_ms());
    };
    let offset = offset_ms(text)?;
    if offset > rec.length_ms() {
        return Err(Failure::usage(format!(
            "--at {text} is past the end of the recording, which lasts {}",
            crate::format::offset(rec.length_ms())
        )));
    }
    Ok(rec.start_ms() + offset)
}

/// Tells the operator on stderr what of a recording was not read (stdout stays the figures).
pub fn warn_skipped(rec: &Recording, file: &Path) {
    if rec.truncated {
        crate::errln!(
            "warning: {}: cut short; read up to its last whole line",
            file.display()
        );
    }
    if let Some(summary) = rec.skipped.summary() {
        crate::errln!("warning: {}: {summary}", file.display());
    }
}

/// Feeds a recording up to `start + offset` and returns the figures there.
pub fn status_at(rec: &Recording, compiled: &crate::compile::Compiled, until_ms: i64) -> Status {
    let mut engine = Engine::new(compiled.plan.clone());
    super::status_events::replay_with_events(rec, &mut engine, until_ms)
}

/// The figures at `--at` in a recording (default its end), judged on the span the recording holds up to that point (at most the window), and
/// that span in seconds: a point a few seconds into a recording gives no verdict either.
pub fn at_with_span(
    _global: &GlobalArgs,
    file: &Path,
    at: Option<&str>,
) -> Result<(Status, Option<f64>), Failure> {
    let rec = read_recording(file).map_err(|e| Failure::usage(e.to_string()))?;
    warn_skipped(&rec, file);
    let compiled = compiled_of(&rec, file)?;
    let until = until_ms(&rec, at)?;
    let mut status = status_at(&rec, &compiled, until);
    let plan = &compiled.plan;
    let window_ms = i64::try_from(plan.timing.window.as_millis()).unwrap_or(i64::MAX);
    let spans: Vec<Option<i64>> = plan
        .sources
        .iter()
        .map(|src| {
            let times = rec
                .scrapes
                .iter()
                .take_while(|s| s.at_ms <= until)
                .filter(|s| s.source == src.name)
                .map(|s| s.at_ms);
            super::status_over::span_of(times, window_ms)
        })
        .collect();
    let required = crate::figures::span::required(plan.timing.window);
    crate::figures::span::judge(&mut status, plan, &spans, required);
    let seconds = crate::figures::span::overall_seconds(&status, &spans);
    Ok((status, seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{read_recording, Recorder};

    /// A recording names the token file of the config it was made with; replaying it (perhaps
    /// on another machine, from someone else) must not read that file. A FIFO nobody writes
    /// to stands in for the worst such file: reading it never returns.
    #[cfg(unix)]
    #[test]
    fn replay_reads_no_credential_file_the_recording_names() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("token");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let config = format!(
            "[[source]]\nname = \"s\"\nurl = \"http://127.0.0.1:1/metrics\"\nbearer_token_file = \"{}\"\n\n[[source]]\nname = \"b\"\nurl = \"http://127.0.0.1:1/metrics\"\nbasic_auth = {{ username = \"u\", password_file = \"{}\" }}\n",
            fifo.display(),
            fifo.display()
        );
        let path = dir.path().join("r.jsonl.gz");
        Recorder::create(&path, 0, &config)
            .unwrap()
            .finish()
            .unwrap();
        let rec = read_recording(&path).unwrap();
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(compiled_of(&rec, Path::new("r.jsonl.gz")).map(|c| c.specs.len()));
        });
        let specs = wait
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("replay blocked reading a file the recording names");
        assert_eq!(specs.ok(), Some(2));
    }
}
