//! The per-domain lock file that keeps one action per domain in flight on the whole host.
//!
//! Two cutover processes (two terminals, a script and the cockpit) would otherwise both send
//! their steps. The holder keeps an exclusive `flock` on `<state dir>/<domain>.lock` from the
//! `requested` entry to the end of verification, and writes its pid, its action and its start
//! time into the file, so the one refused can say who holds the domain. The kernel drops the
//! lock when the holder's descriptor closes, so a crashed holder never leaves the domain stuck.
//!
//! A ramp (`cutover ramp`) holds the lock only around each of its actions, so an emergency
//! rollback elsewhere can run between them. That the ramp is running at all is a second file,
//! `<state dir>/<domain>.ramp`, locked and written the same way for the ramp's whole run: a
//! promotion from another process (and a second ramp) is refused while it is held, with the
//! ramp's pid; a rollback is not.
//!
//! Domain names come from a config and may be anything: the file name is a reversible
//! encoding that keeps only `[a-z0-9_-]` and writes every other byte as `%xx`, so no name can
//! climb out of the state dir, hide as a dot file or collide with another name on a
//! case-insensitive file system; names too long for a file name keep a prefix and a hash.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long taking a busy lock is retried: a `precheck` elsewhere holds it for microseconds,
/// a real holder for the whole action.
const TAKE_PATIENCE: Duration = Duration::from_millis(200);
/// How much of a lock file is read: it holds a few short lines.
const READ_CAP: u64 = 4096;
/// Longest encoded name kept whole; longer ones keep a prefix and a hash (NAME_MAX is 255).
const NAME_CAP: usize = 160;

/// Who holds a domain, as its lock file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The action's kind (`rollback`), when the file says.
    pub kind: Option<String>,
    pub pid: Option<u32>,
    /// When the action was requested (unix ms).
    pub since_ms: Option<i64>,
}

impl Holder {
    /// `in pid 4242 since 03:12:09` (local time), or what is known of it.
    pub fn words(&self) -> String {
        let mut s = match self.pid {
            Some(pid) => format!("in pid {pid}"),
            None => "in another process (its lock file does not say which)".to_string(),
        };
        if let Some(ms) = self.since_ms {
            s.push_str(&format!(" since {}", clock_time(ms)));
        }
        s
    }
}

/// Why the lock could not be taken or looked at.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{domain} is held: {}", .holder.words())]
    Held { domain: String, holder: Holder },
    #[error("lock file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `why` names the file and the fix already.
    #[error("lock file: {why}")]
    Unsafe { path: PathBuf, why: String },
}

/// A held lock; dropping it closes the file, which releases the lock.
#[derive(Debug)]
pub struct DomainLock {
    _file: File,
    path: PathBuf,
}

impl DomainLock {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the domain's lock for `kind` (`rollback`), or says who holds it.
    pub fn take(state_dir: &Path, domain: &str, kind: &str) -> Result<DomainLock, LockError> {
        DomainLock::take_at(lock_path(state_dir, domain), state_dir, domain, kind)
    }

    /// Takes the domain's "ramp running" file (`<domain>.ramp`), or says which ramp holds it.
    pub fn take_ramp(state_dir: &Path, domain: &str) -> Result<DomainLock, LockError> {
        DomainLock::take_at(ramp_path(state_dir, domain), state_dir, domain, "ramp")
    }

    fn take_at(
        path: PathBuf,
        state_dir: &Path,
        domain: &str,
        kind: &str,
    ) -> Result<DomainLock, LockError> {
        if !state_dir.exists() {
            super::audit::create_private_dir(state_dir).map_err(|source| LockError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let mut file = open(&path, true)?;
        let deadline = std::time::Instant::now() + TAKE_PATIENCE;
        loop {
            match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
                Ok(true) => break,
                Ok(false) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(false) => {
                    return Err(LockError::Held {
                        domain: domain.to_string(),
                        holder: read_holder(&mut file),
                    })
                }
                Err(source) => return Err(LockError::Io { path, source }),
            }
        }
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let text = format!(
            "pid={}\nkind={}\nsince_ms={}\nsince={}\n",
            std::process::id(),
            kind.replace(['\n', '\r'], " "),
            crate::clock::now_ms(),
            crate::clock::rfc3339(crate::clock::now_ms()),
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        Ok(DomainLock { _file: file, path })
    }

    /// Who holds the domain now, without taking it: `Ok(None)` when nobody does. A shared
    /// lock for the look, so two looks never refuse each other.
    pub fn holder(state_dir: &Path, domain: &str) -> Result<Option<Holder>, LockError> {
        DomainLock::holder_at(lock_path(state_dir, domain))
    }

    /// The ramp running on the domain now, if any (from its `<domain>.ramp` file).
    pub fn ramp_holder(state_dir: &Path, domain: &str) -> Result<Option<Holder>, LockError> {
        DomainLock::holder_at(ramp_path(state_dir, domain))
    }

    fn holder_at(path: PathBuf) -> Result<Option<Holder>, LockError> {
        let mut file = match open(&path, false) {
            Ok(f) => f,
            Err(LockError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        match flock(&file, libc::LOCK_SH | libc::LOCK_NB) {
            // Closing the file releases the shared lock at once.
            Ok(true) => Ok(None),
            Ok(false) => Ok(Some(read_holder(&mut file))),
            Err(source) => Err(LockError::Io { path, source }),
        }
    }
}

/// `<state dir>/<encoded domain>.lock`.
pub fn lock_path(state_dir: &Path, domain: &str) -> PathBuf {
    state_dir.join(format!("{}.lock", encode_name(domain)))
}

/// `<state dir>/<encoded domain>.ramp`: held while a ramp runs on the domain.
pub fn ramp_path(state_dir: &Path, domain: &str) -> PathBuf {
    state_dir.join(format!("{}.ramp", encode_name(domain)))
}

/// The file-name form of a domain name: `[a-z0-9_-]` kept, every other byte `%XX`; beyond
/// [`NAME_CAP`] bytes, a prefix, `~` and a 128-bit hash of the whole name.
pub fn encode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len().min(NAME_CAP + 40));
    for b in name.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
        if out.len() > NAME_CAP {
            break;
        }
    }
    if out.is_empty() {
        // An empty name still gets a file of its own, distinct from every other.
        return "%".to_string();
    }
    if out.len() <= NAME_CAP {
        return out;
    }
    let mut cut = NAME_CAP - 40;
    // Never cut inside a `%XX`.
    while out.as_bytes()[..cut]
        .iter()
        .rev()
        .take(2)
        .any(|&b| b == b'%')
    {
        cut -= 1;
    }
    out.truncate(cut);
    format!("{out}~{:032x}", fnv1a_128(name.as_bytes()))
}

/// FNV-1a, 128 bits: stable across builds and platforms, which the lock name must be.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// Opens the lock file as every private state file is opened (`safe_fs`): no link followed,
/// not handed to the programs that steps start, never blocking on a FIFO, and refused unless it
/// is a private regular file of ours.
fn open(path: &Path, create: bool) -> Result<File, LockError> {
    use crate::safe_fs::{open_private, Access, PrivateFileError};
    let access = if create {
        Access::ReadWrite
    } else {
        Access::ReadWriteExisting
    };
    open_private(path, access).map_err(|e| match e {
        PrivateFileError::Io { path, source } => LockError::Io { path, source },
        other => LockError::Unsafe {
            path: path.to_path_buf(),
            why: other.to_string(),
        },
    })
}

/// `Ok(false)` when another descriptor holds a conflicting lock.
#[allow(unsafe_code)]
fn flock(file: &File, how: libc::c_int) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock(2) on a descriptor this `File` owns for the whole call.
        if unsafe { libc::flock(file.as_raw_fd(), how) } == 0 {
            return Ok(true);
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// What the holder wrote. It writes just after taking the lock, so an empty file is read
/// again for a moment.
fn read_holder(file: &mut File) -> Holder {
    let mut holder = parse_holder("");
    for _ in 0..10 {
        let mut text = String::new();
        let _ = file.seek(SeekFrom::Start(0));
        let _ = Read::by_ref(file).take(READ_CAP).read_to_string(&mut text);
        holder = parse_holder(&text);
        if holder.pid.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    holder
}

fn parse_holder(text: &str) -> Holder {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    Holder {
        kind: field("kind")
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .map(str::to_string),
        pid: field("pid").and_then(|p| p.parse().ok()).filter(|&p| p > 0),
        since_ms: field("since_ms").and_then(|m| m.parse().ok()),
    }
}

/// `HH:MM:SS` in local time.
fn clock_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || "an unknown time".to_string(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_one_plain_file_in_the_state_dir_and_never_collide() {
        let long = "x".repeat(10_000);
        let long2 = format!("{}y", "x".repeat(9_999));
        let names = [
            "orders",
            "Orders",
            "../../etc/passwd",
            "a/b",
            ".",
            "..",
            "",
            "%",
            "%25",
            ".hidden",
            "nul\0byte",
            "esc\x1b[2J",
            "zwsp\u{200b}",
            "ключ",
            long.as_str(),
            long2.as_str(),
        ];
        let mut seen = std::collections::HashSet::new();
        for n in names {
            let e = encode_name(n);
            assert!(
                e.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"%_-~".contains(&b)),
                "{n:?} -> {e}"
            );
            assert!(e.len() <= NAME_CAP + 40, "{} bytes", e.len());
            assert!(!e.starts_with('.'));
            assert!(seen.insert(e.clone()), "{n:?} collides as {e}");
            let dir = Path::new("/state");
            assert_eq!(lock_path(dir, n).parent(), Some(dir));
        }
        assert_eq!(encode_name("orders"), "orders");
        assert_eq!(encode_name("Orders"), "%4frders");
    }

    #[test]
    fn a_held_domain_is_refused_with_the_holders_pid_and_time_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let held = DomainLock::take(dir.path(), "orders", "rollback").unwrap();
        let h = DomainLock::holder(dir.path(), "orders").unwrap().unwrap();
        assert_eq!(h.pid, Some(std::process::id()));
        assert_eq!(h.kind.as_deref(), Some("rollback"));
        let words = h.words();
        assert!(
            words.starts_with(&format!("in pid {} since ", std::process::id())),
            "{words}"
        );
        let err = DomainLock::take(dir.path(), "orders", "rollback").unwrap_err();
        assert!(matches!(err, LockError::Held { .. }), "{err}");
        // Another domain is free.
        assert!(DomainLock::holder(dir.path(), "inventory")
            .unwrap()
            .is_none());
        drop(held);
        assert!(DomainLock::holder(dir.path(), "orders").unwrap().is_none());
        let again = DomainLock::take(dir.path(), "orders", "rollback").unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(again.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_link_or_a_loose_file_in_place_of_the_lock_is_refused_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, lock_path(dir.path(), "orders")).unwrap();
        let err = DomainLock::take(dir.path(), "orders", "rollback").unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");

        let loose = lock_path(dir.path(), "inventory");
        std::fs::write(&loose, "").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = DomainLock::take(dir.path(), "inventory", "rollback").unwrap_err();
        assert!(err.to_string().contains("mode 0666"), "{err}");
        let mode = std::fs::metadata(&loose).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o666, "never chmodded");
    }

    #[test]
    fn a_lock_file_that_says_nothing_still_refuses() {
        assert_eq!(parse_holder("garbage\x1b]0;x\x07").pid, None);
        let h = parse_holder("pid=12\nkind=rollback\nsince_ms=0\n");
        assert_eq!(h.pid, Some(12));
        assert!(h.words().starts_with("in pid 12 since "));
        assert_eq!(
            parse_holder("kind=\x1b[2J").words(),
            "in another process (its lock file does not say which)"
        );
    }
}
