//! The events timeline kept across sessions, so that the next shift sees what happened: every
//! event of a live cockpit is appended to `<state dir>/events.jsonl` (JSON lines, one per
//! event) and the file is read back when the next live cockpit starts, its events marked as
//! from an earlier session. Replays and the demo never read or write it.
//!
//! The file is one of the state files: opened without following a link, 0600, refused when it
//! is not the user's (`safe_fs`). It is bounded: when an append would take it past
//! [`MAX_BYTES`] it becomes `events.jsonl.1` (replacing the one before) and a new file starts,
//! so the two take at most 2 × 1 MiB and one line. Two cockpits may share the file: each takes
//! an exclusive `flock` on `events.jsonl.lock` to rotate and append, and first reopens the file
//! when the one at the path is no longer the one it holds (the other rotated it), so no event
//! is lost to a second rotation nor written twice.
//!
//! What is read back is treated as hostile (a corrupt file, or one written by hand): at most
//! [`MAX_BYTES`] from the end of each file are read (a file grown past the bound by someone
//! else costs no more), a line longer than [`MAX_LINE`] or that does not parse, or that is
//! dated in the future, is skipped and counted, and every string is passed through the
//! terminal sanitizer and cut to a bound before it reaches the timeline. Linear in the bytes
//! read, and those are bounded.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::figures::Health;
use crate::safe_fs::{self, state_dir, Access, PrivateFileError, StateDirError};
use crate::timeline::{EventKind, TimelineEvent, MAX_EVENTS};

/// The file's name in the state dir; the rotated one is `events.jsonl.1`.
pub const FILE: &str = "events.jsonl";
/// Bytes per file before it is rotated, and bytes read back per file at most.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// The longest line read back; longer ones are skipped. A line written here stays well under
/// it: its text and domain are cut to their bounds, and JSON spends at most 6 bytes a
/// character.
pub const MAX_LINE: usize = 64 * 1024;
/// The longest event text kept, written or read back, in characters.
pub const MAX_TEXT: usize = 4000;
/// The longest domain name or kind kept when read back, in characters.
const MAX_NAME: usize = 200;
/// How far in the future (clock steps between sessions) an event may be dated and still be
/// believed.
const FUTURE_SLACK_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum EventMemoryError {
    #[error("events memory: {0}")]
    File(#[from] PrivateFileError),
    #[error("events memory: {0}")]
    StateDir(#[from] StateDirError),
    #[error("events memory {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("events memory {}: no longer written after an earlier error", path.display())]
    Stopped { path: PathBuf },
}

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    /// For a person reading the file; `at_ms` is what counts.
    #[serde(default)]
    at: String,
    at_ms: i64,
    /// The start (unix ms) of the session that saw the event.
    session_ms: i64,
    /// `health`, `stage`, `source-down`, `source-up`, `rollback` or another word.
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    health: Option<Health>,
    /// A health event's previous health; absent for a domain's first observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<Health>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    domain: Option<String>,
    text: String,
}

/// What earlier sessions left: their events, oldest first, and how many lines were skipped.
#[derive(Debug, Clone, Default)]
pub struct Reloaded {
    pub events: Vec<TimelineEvent>,
    /// Lines that were not an event: unparsable, too long, dated in the future.
    pub skipped: usize,
}

struct Writer {
    file: Option<File>,
    /// Set after a write failed: the memory stops, the cockpit goes on.
    stopped: bool,
}

/// This session's memory: what earlier sessions left, and where this one's events go.
#[derive(Clone)]
pub struct EventMemory {
    path: PathBuf,
    session_ms: i64,
    reloaded: Arc<Reloaded>,
    writer: Arc<Mutex<Writer>>,
}

impl std::fmt::Debug for EventMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventMemory")
            .field("path", &self.path)
            .field("session_ms", &self.session_ms)
            .field("reloaded", &self.reloaded.events.len())
            .finish()
    }
}

impl EventMemory {
    /// Reads what earlier sessions left in `dir` and opens the file for this session's events
    /// (the dir is created 0700 when missing, and refused when it cannot be trusted).
    /// `now_ms` is this session's start: events dated much later are not believed.
    pub fn start(dir: &Path, now_ms: i64) -> Result<EventMemory, EventMemoryError> {
        EventMemory::start_for(dir, None, now_ms)
    }

    /// [`EventMemory::start`] for a session under a context: each context keeps its own
    /// events (`events.NAME.jsonl`, the name a checked file stem), so switching shows none of
    /// another context's.
    pub fn start_for(
        dir: &Path,
        context: Option<&str>,
        now_ms: i64,
    ) -> Result<EventMemory, EventMemoryError> {
        state_dir::ensure(dir)?;
        let path = match context {
            Some(name) => dir.join(format!("events.{name}.jsonl")),
            None => dir.join(FILE),
        };
        let reloaded = reload(&path, now_ms)?;
        let file = safe_fs::open_private(&path, Access::Append)?;
        Ok(EventMemory {
            path,
            session_ms: now_ms,
            reloaded: Arc::new(reloaded),
            writer: Arc::new(Mutex::new(Writer {
                file: Some(file),
                stopped: false,
            })),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What earlier sessions left.
    pub fn reloaded(&self) -> &Reloaded {
        &self.reloaded
    }

    /// Appends this session's events, one line each, rotating the file when it would pass
    /// [`MAX_BYTES`]. After an error nothing more is written (the first error is returned, the
    /// next calls say the memory stopped), since the cockpit must go on regardless.
    pub fn append(&self, events: &[TimelineEvent]) -> Result<(), EventMemoryError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut w = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.stopped {
            return Err(EventMemoryError::Stopped {
                path: self.path.clone(),
            });
        }
        let result = self.write_all(&mut w, events);
        if result.is_err() {
            w.stopped = true;
            w.file = None;
        }
        result
    }

    fn write_all(&self, w: &mut Writer, events: &[TimelineEvent]) -> Result<(), EventMemoryError> {
        let io = |source| EventMemoryError::Io {
            path: self.path.clone(),
            source,
        };
        let mut lines = Vec::new();
        for e in events.iter().filter(|e| e.earlier_session.is_none()) {
            let mut line = serde_json::to_string(&self.line(e)).map_err(|e| io(e.into()))?;
            line.push('\n');
            lines.push(line);
        }
        if lines.is_empty() {
            return Ok(());
        }
        // Another cockpit may write the same file: one at a time looks at the size, rotates and
        // appends, or two would both rotate and the second would put the first's new file over
        // the one before it. Closing the lock file releases the lock.
        let lock = safe_fs::open_private(&lock_path(&self.path), Access::ReadWrite)?;
        safe_fs::lock_exclusive(&lock).map_err(io)?;
        // The other may have rotated since this one last wrote: its descriptor would then be
        // the rotated file's.
        let current = match &w.file {
            Some(f) => same_file(f, &self.path).map_err(io)?,
            None => false,
        };
        if !current {
            w.file = Some(safe_fs::open_private(&self.path, Access::Append)?);
        }
        for line in lines {
            let len = match &w.file {
                Some(f) => f.metadata().map_err(io)?.len(),
                None => 0,
            };
            if w.file.is_none() || (len > 0 && len + line.len() as u64 > MAX_BYTES) {
                w.file = None;
                // rename(2) replaces whatever is at `.1` (a link too) without following it.
                match std::fs::rename(&self.path, rotated(&self.path)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(e)),
                }
                w.file = Some(safe_fs::open_private(&self.path, Access::Append)?);
            }
            if let Some(f) = &mut w.file {
                // One write per line: lines of two cockpits never interleave.
                f.write_all(line.as_bytes()).map_err(io)?;
            }
        }
        drop(lock);
        Ok(())
    }

    fn line(&self, e: &TimelineEvent) -> Line {
        let (kind, health) = match &e.kind {
            EventKind::Health(h) => ("health".to_string(), Some(*h)),
            EventKind::Source { up: true } => ("source-up".to_string(), None),
            EventKind::Source { up: false } => ("source-down".to_string(), None),
            other => (other.label().to_string(), None),
        };
        Line {
            at: crate::clock::rfc3339(e.at_ms),
            at_ms: e.at_ms,
            session_ms: self.session_ms,
            kind,
            health,
            from: e.from,
            domain: e.domain.as_deref().map(|d| cut(d, MAX_NAME)),
            text: cut(&e.text, MAX_TEXT),
        }
    }
}

/// `<path>.lock`: held while a cockpit rotates and appends.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Whether `file` is the file now at `path` (not followed when a link); `false` when nothing
/// is there.
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    match std::fs::symlink_metadata(path) {
        Ok(there) => Ok(open.dev() == there.dev() && open.ino() == there.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// `<path>.1`: the file before the current one.
pub fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".1");
    PathBuf::from(name)
}

/// The events in `path.1` then `path`, oldest first, at most [`MAX_EVENTS`] (the newest),
/// every one marked as from an earlier session and sanitized. A missing file is no events.
pub fn reload(path: &Path, now_ms: i64) -> Result<Reloaded, EventMemoryError> {
    let mut out = Reloaded::default();
    for p in [rotated(path), path.to_path_buf()] {
        if let Some(bytes) = read_tail(&p, MAX_BYTES)? {
            parse_into(&bytes, now_ms, &mut out);
        }
    }
    // Stable: the order of the file among events of one time.
    out.events.sort_by_key(|e| e.at_ms);
    let extra = out.events.len().saturating_sub(MAX_EVENTS);
    out.events.drain(..extra);
    Ok(out)
}

/// The last `max` bytes of a file, from the first whole line in them; `None` when missing.
fn read_tail(path: &Path, max: u64) -> Result<Option<Vec<u8>>, EventMemoryError> {
    let io = |source| EventMemoryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let Some(mut f) = safe_fs::open_read(path)? else {
        return Ok(None);
    };
    let len = f.metadata().map_err(io)?.len();
    let cut = len > max;
    if cut {
        f.seek(SeekFrom::Start(len - max)).map_err(io)?;
    }
    let mut bytes = Vec::new();
    f.take(max).read_to_end(&mut bytes).map_err(io)?;
    if cut {
        // The first line read is most likely a part of one: not an event, nor a bad line.
        let first = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        bytes.drain(..first);
    }
    Ok(Some(bytes))
}

fn parse_into(bytes: &[u8], now_ms: i64, out: &mut Reloaded) {
    for raw in bytes.split(|&b| b == b'\n') {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let event = (raw.len() <= MAX_LINE)
            .then(|| serde_json::from_slice::<Line>(raw).ok())
            .flatten()
            .and_then(|l| event_of(l, now_ms));
        match event {
            Some(e) => out.events.push(e),
            None => out.skipped += 1,
        }
    }
}

/// A line as a timeline event, every string sanitized and bounded; `None` when it is not one.
fn event_of(l: Line, now_ms: i64) -> Option<TimelineEvent> {
    if l.at_ms < 0 || l.at_ms > now_ms.saturating_add(FUTURE_SLACK_MS) {
        return None;
    }
    let kind = match l.kind.as_str() {
        "health" => EventKind::Health(l.health?),
        other => EventKind::from_name(&clean(other, 32)),
    };
    let domain = l
        .domain
        .map(|d| clean(&d, MAX_NAME))
        .filter(|d| !d.is_empty());
    Some(TimelineEvent {
        at_ms: l.at_ms,
        kind,
        domain,
        text: clean(&l.text, MAX_TEXT),
        earlier_session: Some(l.session_ms.clamp(0, l.at_ms)),
        from: l.from,
    })
}

/// Text safe for a terminal (escapes made visible), cut to `max` characters.
fn clean(s: &str, max: usize) -> String {
    cut(&crate::term_text::for_terminal(s), max)
}

/// `s` cut to `max` characters, ending in `...` when cut (ASCII: it may be drawn on a
/// terminal that is not UTF-8).
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_ms: i64, kind: EventKind, domain: Option<&str>, text: &str) -> TimelineEvent {
        TimelineEvent {
            at_ms,
            kind,
            domain: domain.map(str::to_string),
            text: text.to_string(),
            earlier_session: None,
            from: None,
        }
    }

    #[test]
    fn every_kind_comes_back_as_it_went() {
        let dir = tempfile::tempdir().unwrap();
        let m = EventMemory::start(dir.path(), 1_000).unwrap();
        let kinds = [
            EventKind::Health(Health::Crit),
            EventKind::Stage,
            EventKind::Source { up: false },
            EventKind::Source { up: true },
            EventKind::Rollback,
            EventKind::Other("note".into()),
        ];
        let events: Vec<_> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| event(2_000 + i as i64, k.clone(), Some("orders"), "t"))
            .collect();
        m.append(&events).unwrap();
        let back = EventMemory::start(dir.path(), 10_000).unwrap();
        let got: Vec<_> = back
            .reloaded()
            .events
            .iter()
            .map(|e| e.kind.clone())
            .collect();
        assert_eq!(got, kinds);
        assert!(back
            .reloaded()
            .events
            .iter()
            .all(|e| e.earlier_session == Some(1_000) && e.domain.as_deref() == Some("orders")));
        assert_eq!(back.reloaded().skipped, 0);
    }

    #[test]
    fn reloaded_events_are_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let m = EventMemory::start(dir.path(), 1_000).unwrap();
        m.append(&[event(1_500, EventKind::Stage, None, "once")])
            .unwrap();
        let next = EventMemory::start(dir.path(), 2_000).unwrap();
        let earlier = next.reloaded().events.clone();
        next.append(&earlier).unwrap();
        let third = EventMemory::start(dir.path(), 3_000).unwrap();
        assert_eq!(third.reloaded().events.len(), 1);
    }

    #[test]
    fn each_context_keeps_its_own_events() {
        let dir = tempfile::tempdir().unwrap();
        let prod = EventMemory::start_for(dir.path(), Some("prod"), 1_000).unwrap();
        assert!(prod.path().ends_with("events.prod.jsonl"));
        prod.append(&[event(1_500, EventKind::Stage, Some("orders"), "prod's")])
            .unwrap();
        let plain = EventMemory::start(dir.path(), 2_000).unwrap();
        assert!(plain.reloaded().events.is_empty());
        let staging = EventMemory::start_for(dir.path(), Some("staging"), 2_000).unwrap();
        assert!(staging.reloaded().events.is_empty());
        let again = EventMemory::start_for(dir.path(), Some("prod"), 2_000).unwrap();
        assert_eq!(again.reloaded().events.len(), 1);
    }

    #[test]
    fn the_longest_event_written_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let m = EventMemory::start(dir.path(), 1_000).unwrap();
        // Control characters take 6 bytes each in JSON: the worst case for a line's length.
        let text = "\u{1}".repeat(3 * MAX_TEXT);
        let domain = "\u{1}".repeat(1_000);
        m.append(&[event(1_500, EventKind::Stage, Some(&domain), &text)])
            .unwrap();
        let back = EventMemory::start(dir.path(), 2_000).unwrap();
        assert_eq!(back.reloaded().skipped, 0);
        let e = &back.reloaded().events[0];
        assert_eq!(e.text.chars().count(), MAX_TEXT);
        assert!(e.text.starts_with("\\x01"), "{}", &e.text[..20]);
    }

    #[test]
    fn two_cockpits_rotating_one_file_lose_and_repeat_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        // Nearly full: the two writers' lines take it past the bound once, not twice.
        let filler = EventMemory::start(dir.path(), 1_000).unwrap();
        let long = "x".repeat(MAX_TEXT - 10);
        let full: Vec<_> = (0..240)
            .map(|i| {
                event(
                    1_000 + i,
                    EventKind::Stage,
                    None,
                    &format!("fill {i} {long}"),
                )
            })
            .collect();
        filler.append(&full).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() < MAX_BYTES);
        let per_writer = 100;
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            for writer in 0..2 {
                let barrier = &barrier;
                let long = &long;
                let dir = dir.path();
                scope.spawn(move || {
                    let m = EventMemory::start(dir, 2_000).unwrap();
                    barrier.wait();
                    for i in 0..per_writer {
                        let text = format!("w{writer} {i} {long}");
                        m.append(&[event(3_000 + i, EventKind::Stage, None, &text)])
                            .unwrap();
                    }
                });
            }
        });
        // Every line of both files, by its event's text: each written event exactly once.
        let mut seen = std::collections::HashMap::new();
        for p in [rotated(&path), path.clone()] {
            for raw in std::fs::read_to_string(&p).unwrap().lines() {
                let line: Line = serde_json::from_str(raw).unwrap();
                let key: String = line.text.split(' ').take(2).collect::<Vec<_>>().join(" ");
                *seen.entry(key).or_insert(0) += 1;
            }
        }
        for writer in 0..2 {
            for i in 0..per_writer {
                let key = format!("w{writer} {i}");
                assert_eq!(seen.get(&key), Some(&1), "{key}");
            }
        }
        assert_eq!(seen.len(), 240 + 2 * per_writer as usize);
        assert!(std::fs::metadata(&path).unwrap().len() <= MAX_BYTES);
    }

    #[test]
    fn long_strings_are_cut_with_an_ellipsis() {
        assert_eq!(clean("abcdefg", 6), "abc...");
        assert_eq!(clean("abc", 4), "abc");
        assert_eq!(clean("a\u{1b}[2Jb", 100), "a\\x1b[2Jb");
    }
}
