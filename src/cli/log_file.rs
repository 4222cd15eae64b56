//! The log file, bounded: `CUTOVER_LOG=debug` writes a few KB per second of connection lines,
//! hundreds of MB a day, so the file is rotated by size. When a write would take the current
//! file past `max_bytes` it becomes `<name>.1` (`.1` becomes `.2`, ..., the oldest is dropped),
//! and a new file is started. Disk use stays under `(keep + 1) × max_bytes` (one line more at
//! most, as a line is never split). Each file is opened like every state file: no links
//! followed, 0600, refused when not the user's.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::safe_fs::{self, Access, PrivateFileError};

/// Bytes per log file before it is rotated.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated files kept besides the current one: at most 40 MiB in all.
pub const KEEP: usize = 3;

pub struct RotatingLog {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    /// `None` after a rotation failed to open the next file: lines are dropped, never an error
    /// for the caller (logging must not stop the cockpit).
    file: Option<File>,
    len: u64,
}

impl RotatingLog {
    /// Opens (or creates) `path` for appending.
    pub fn open(path: &Path, max_bytes: u64, keep: usize) -> Result<RotatingLog, PrivateFileError> {
        let file = safe_fs::open_private(path, Access::Append)?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(RotatingLog {
            path: path.to_path_buf(),
            max_bytes: max_bytes.max(1),
            keep,
            file: Some(file),
            len,
        })
    }

    /// `<path>.<n>`: the n-th newest rotated file.
    pub fn rotated(path: &Path, n: usize) -> PathBuf {
        let mut name = path.as_os_str().to_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) {
        self.file = None;
        if self.keep == 0 {
            let _ = std::fs::remove_file(&self.path);
        } else {
            // rename(2) replaces a link in the way, never writes through it.
            for n in (1..self.keep).rev() {
                let _ = std::fs::rename(
                    Self::rotated(&self.path, n),
                    Self::rotated(&self.path, n + 1),
                );
            }
            let _ = std::fs::rename(&self.path, Self::rotated(&self.path, 1));
        }
        match safe_fs::open_private(&self.path, Access::Append) {
            Ok(f) => {
                self.len = f.metadata().map(|m| m.len()).unwrap_or(0);
                self.file = Some(f);
            }
            Err(_) => self.len = 0,
        }
    }
}

impl Write for RotatingLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.len > 0 && self.len.saturating_add(buf.len() as u64) > self.max_bytes {
            self.rotate();
        }
        match &mut self.file {
            Some(f) => {
                let n = f.write(buf)?;
                self.len += n as u64;
                Ok(n)
            }
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(dir: &Path) -> Vec<(String, u64)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().unwrap().len(),
                )
            })
            .collect();
        v.sort();
        v
    }

    /// Writing twenty times the cap leaves the current file and `keep` rotated ones, each under
    /// the cap, holding the newest lines.
    #[test]
    fn writing_past_the_cap_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutover.log");
        let cap = 4096;
        let mut log = RotatingLog::open(&path, cap, 3).unwrap();
        let mut written = 0u64;
        let mut n = 0;
        while written < 20 * cap {
            let line = format!("line {n:06} {}\n", "x".repeat(n % 90));
            log.write_all(line.as_bytes()).unwrap();
            written += line.len() as u64;
            n += 1;
        }
        log.flush().unwrap();
        let files = sizes(dir.path());
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "cutover.log",
                "cutover.log.1",
                "cutover.log.2",
                "cutover.log.3"
            ]
        );
        let total: u64 = files.iter().map(|(_, s)| s).sum();
        assert!(files.iter().all(|(_, s)| *s <= cap), "{files:?}");
        assert!(total <= 4 * cap, "{total}");
        assert!(total > 3 * cap, "rotated files are kept: {total}");
        let newest = std::fs::read_to_string(&path).unwrap();
        assert!(newest.contains(&format!("line {:06} ", n - 1)), "{newest}");
        // Lines are never split across files.
        for (name, _) in &files {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            assert!(text.lines().all(|l| l.starts_with("line ")), "{name}");
            assert!(text.ends_with('\n'), "{name}");
        }
    }

    #[test]
    fn an_existing_file_counts_toward_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutover.log");
        {
            let mut log = RotatingLog::open(&path, 100, 2).unwrap();
            log.write_all(&[b'a'; 90]).unwrap();
        }
        let mut log = RotatingLog::open(&path, 100, 2).unwrap();
        log.write_all(&[b'b'; 20]).unwrap();
        assert_eq!(
            std::fs::read(RotatingLog::rotated(&path, 1)).unwrap(),
            [b'a'; 90]
        );
        assert_eq!(std::fs::read(&path).unwrap(), [b'b'; 20]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_as_the_next_file_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cutover.log");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let mut log = RotatingLog::open(&path, 10, 1).unwrap();
        log.write_all(b"0123456789").unwrap();
        // The current file is moved away at rotation; a link put where it was is refused.
        std::fs::rename(&path, dir.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        log.write_all(b"more").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}
