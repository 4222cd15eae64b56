//! Opening the files cutover writes for the operator alone: the audit log, lock files, its log,
//! recordings. A link in their place is never followed (`O_NOFOLLOW`: an `audit.jsonl` pointing
//! at another file must not get entries appended, nor `/dev/full` be touched), descriptors do
//! not leak into the commands rollback steps run (`O_CLOEXEC`), a new file is 0600, and an
//! existing one is used only when it is a regular file of the user's that nobody else can read
//! or write. Existing files are never chmodded: the error says how to fix them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::{chown_name, describe_uid, shell_word, who};

#[derive(Debug, thiserror::Error)]
pub enum PrivateFileError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{} is a symbolic link: cutover never writes through a link (it could point at any \
         file). Remove it (rm {}) or give the real path",
        path.display(),
        shell_word(path)
    )]
    Symlink { path: PathBuf },
    #[error("{} is {kind}, not a regular file: remove it or give another path", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{} belongs to {}, not to you ({}): someone else may have put it there. Check it, then \
         fix with: chown {} {}",
        path.display(),
        describe_uid(*owner),
        describe_uid(*me),
        chown_name(*me),
        shell_word(path)
    )]
    Owner { path: PathBuf, owner: u32, me: u32 },
    #[error(
        "{} can be {} by {} (mode {mode:04o}); it must be private to you. Fix with: chmod 600 {}",
        path.display(),
        access_words(*mode),
        who(mode & 0o070 != 0, mode & 0o007 != 0),
        shell_word(path)
    )]
    Mode { path: PathBuf, mode: u32 },
    #[error(
        "{} already exists and cutover does not overwrite files: give another path, or pass \
         --force to replace it",
        path.display()
    )]
    Exists { path: PathBuf },
}

impl PrivateFileError {
    /// The underlying I/O error kind, when the failure was one (e.g. `NotFound`).
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            PrivateFileError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

fn access_words(mode: u32) -> &'static str {
    match (mode & 0o044 != 0, mode & 0o022 != 0) {
        (true, true) => "read and written",
        (false, true) => "written",
        _ => "read",
    }
}

/// What a private file is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Appends (and reads, e.g. to look at the last byte); created when missing.
    Append,
    /// Reads and writes anywhere; created when missing (lock files).
    ReadWrite,
    /// Reads and writes a file that must exist already (looking at a lock without making one).
    ReadWriteExisting,
}

/// Opens (creating it 0600 when missing) a file cutover keeps for the user alone. Refused: a
/// symbolic link, anything but a regular file (a FIFO, a device: opening never blocks), a file
/// owned by someone else, a file group or others may read or write.
pub fn open_private(path: &Path, access: Access) -> Result<File, PrivateFileError> {
    let mut opts = OpenOptions::new();
    match access {
        Access::Append => opts.read(true).append(true).create(true),
        Access::ReadWrite => opts.read(true).write(true).create(true),
        Access::ReadWriteExisting => opts.read(true).write(true),
    };
    let file = open_with(&mut opts, path, libc_flags::NONBLOCK)?;
    check_private(path, &file)?;
    blocking(path, &file)?;
    Ok(file)
}

/// Opens a file cutover wrote for reading, without following a link and only when it is a
/// regular file (a FIFO or device in its place would hang or never end). `None` when missing.
/// Owner and mode are not checked: reading the log the user was refused to write is how they
/// find out.
pub fn open_read(path: &Path) -> Result<Option<File>, PrivateFileError> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    let file = match open_with(&mut opts, path, libc_flags::NONBLOCK) {
        Ok(f) => f,
        Err(e) if e.io_kind() == Some(io::ErrorKind::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    regular(path, &file)?;
    blocking(path, &file)?;
    Ok(Some(file))
}

/// What to do when the path of a new output file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the default of `record --out` and `--record`).
    Refuse,
    /// Replace a regular file (`--force`): it is unlinked and a new private file created, so a
    /// hard link to another file is not written through.
    Replace,
}

/// Creates a new output file, 0600, exclusively (`O_EXCL|O_NOFOLLOW`). A symbolic link is
/// always refused (with `--force` too: the link is not ours to remove, its target not ours to
/// overwrite). An existing regular file is refused unless `existing` is `Replace`. An existing
/// character device or FIFO (`/dev/null`, a pipe to another program) is written to as it is:
/// nothing is overwritten there.
pub fn create_private(path: &Path, existing: Existing) -> Result<File, PrivateFileError> {
    let mut replaced = false;
    loop {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        let err = match open_with(&mut opts, path, 0) {
            Ok(file) => return Ok(file),
            Err(e) => e,
        };
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            // Gone again (or never there, and the error was something else): report it.
            Err(_) => return Err(err),
        };
        let kind = file_kind(&meta);
        match kind {
            Kind::Symlink => return Err(PrivateFileError::Symlink { path: path.into() }),
            Kind::Regular if existing == Existing::Replace && !replaced => {
                std::fs::remove_file(path).map_err(|source| io_err(path, source))?;
                replaced = true;
            }
            Kind::Regular => return Err(PrivateFileError::Exists { path: path.into() }),
            Kind::CharDevice | Kind::Fifo => return open_stream(path),
            Kind::Other(kind) => {
                return Err(PrivateFileError::NotRegular {
                    path: path.into(),
                    kind,
                })
            }
        }
    }
}

/// Opens an existing character device or FIFO for writing, as a shell's `>` would, but never
/// through a link and never a regular file (which would be overwritten in place).
fn open_stream(path: &Path) -> Result<File, PrivateFileError> {
    let mut opts = OpenOptions::new();
    opts.write(true);
    let file = open_with(&mut opts, path, 0)?;
    let meta = file.metadata().map_err(|source| io_err(path, source))?;
    match file_kind(&meta) {
        Kind::CharDevice | Kind::Fifo => Ok(file),
        Kind::Regular => Err(PrivateFileError::Exists { path: path.into() }),
        Kind::Symlink => Err(PrivateFileError::Symlink { path: path.into() }),
        Kind::Other(kind) => Err(PrivateFileError::NotRegular {
            path: path.into(),
            kind,
        }),
    }
}

fn io_err(path: &Path, source: io::Error) -> PrivateFileError {
    PrivateFileError::Io {
        path: path.into(),
        source,
    }
}

/// `open(2)` with `O_NOFOLLOW | O_CLOEXEC` (plus `extra`) and mode 0600 for a created file;
/// a refusal to follow a link is reported as such.
fn open_with(opts: &mut OpenOptions, path: &Path, extra: i32) -> Result<File, PrivateFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | extra);
    }
    #[cfg(not(unix))]
    let _ = extra;
    opts.open(path).map_err(|source| {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            PrivateFileError::Symlink { path: path.into() }
        } else {
            io_err(path, source)
        }
    })
}

#[cfg(unix)]
mod libc_flags {
    pub(super) const NONBLOCK: i32 = libc::O_NONBLOCK;
}
#[cfg(not(unix))]
mod libc_flags {
    pub const NONBLOCK: i32 = 0;
}

/// Clears `O_NONBLOCK`, set only so that opening a FIFO could not hang.
#[allow(unsafe_code)]
fn blocking(path: &Path, file: &File) -> Result<(), PrivateFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl(2) on a descriptor this `File` owns; no memory is passed.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        // SAFETY: as above.
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
            return Err(io_err(path, io::Error::last_os_error()));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file);
    Ok(())
}

enum Kind {
    Regular,
    Symlink,
    CharDevice,
    Fifo,
    Other(&'static str),
}

fn file_kind(meta: &std::fs::Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_file() {
        return Kind::Regular;
    }
    if t.is_symlink() {
        return Kind::Symlink;
    }
    if t.is_dir() {
        return Kind::Other("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return Kind::CharDevice;
        }
        if t.is_fifo() {
            return Kind::Fifo;
        }
        if t.is_block_device() {
            return Kind::Other("a block device");
        }
        if t.is_socket() {
            return Kind::Other("a socket");
        }
    }
    Kind::Other("a special file")
}

fn regular(path: &Path, file: &File) -> Result<std::fs::Metadata, PrivateFileError> {
    let meta = file.metadata().map_err(|source| io_err(path, source))?;
    match file_kind(&meta) {
        Kind::Regular => Ok(meta),
        Kind::Symlink => Err(PrivateFileError::Symlink { path: path.into() }),
        Kind::CharDevice => Err(PrivateFileError::NotRegular {
            path: path.into(),
            kind: "a character device",
        }),
        Kind::Fifo => Err(PrivateFileError::NotRegular {
            path: path.into(),
            kind: "a FIFO",
        }),
        Kind::Other(kind) => Err(PrivateFileError::NotRegular {
            path: path.into(),
            kind,
        }),
    }
}

/// The opened file is regular, the user's, and closed to group and others.
fn check_private(path: &Path, file: &File) -> Result<(), PrivateFileError> {
    let meta = regular(path, file)?;
    #[cfg(unix)]
    match super::exposure(&meta, 0o077) {
        Some(super::Exposure::Owner { owner, me }) => {
            return Err(PrivateFileError::Owner {
                path: path.into(),
                owner,
                me,
            })
        }
        Some(super::Exposure::Mode { mode }) => {
            return Err(PrivateFileError::Mode {
                path: path.into(),
                mode,
            })
        }
        None => {}
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_new_file_is_private_and_an_existing_private_one_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut f = open_private(&path, Access::Append).unwrap();
        f.write_all(b"one\n").unwrap();
        drop(f);
        assert_eq!(mode(&path), 0o600);
        let mut f = open_private(&path, Access::Append).unwrap();
        f.write_all(b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
        assert!(open_private(&path, Access::ReadWrite).is_ok());
    }

    #[test]
    #[allow(unsafe_code)]
    fn descriptors_are_closed_on_exec() {
        use std::os::unix::io::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let f = open_private(&dir.path().join("x"), Access::ReadWrite).unwrap();
        // SAFETY: F_GETFD on an open descriptor.
        let flags = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
        // SAFETY: as above.
        let status = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETFL) };
        assert_eq!(status & libc::O_NONBLOCK, 0, "left non-blocking");
    }

    #[test]
    fn a_link_is_never_followed_and_its_target_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious\n").unwrap();
        std::fs::set_permissions(&victim, PermissionsExt::from_mode(0o644)).unwrap();
        let link = dir.path().join("audit.jsonl");
        symlink(&victim, &link).unwrap();
        for access in [Access::Append, Access::ReadWrite] {
            let err = open_private(&link, access).unwrap_err();
            assert!(matches!(err, PrivateFileError::Symlink { .. }), "{err:?}");
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
        }
        assert!(matches!(
            open_read(&link).unwrap_err(),
            PrivateFileError::Symlink { .. }
        ));
        assert!(matches!(
            create_private(&link, Existing::Replace).unwrap_err(),
            PrivateFileError::Symlink { .. }
        ));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(mode(&victim), 0o644);
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        // A dangling link is not created through either.
        let dangling = dir.path().join("lock");
        symlink(dir.path().join("planted"), &dangling).unwrap();
        assert!(open_private(&dangling, Access::ReadWrite).is_err());
        assert!(!dir.path().join("planted").exists());
    }

    #[test]
    fn a_link_to_a_device_is_refused_and_the_device_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("audit.jsonl");
        symlink("/dev/full", &link).unwrap();
        let before = mode(Path::new("/dev/full"));
        assert!(matches!(
            open_private(&link, Access::Append).unwrap_err(),
            PrivateFileError::Symlink { .. }
        ));
        assert_eq!(mode(Path::new("/dev/full")), before);
    }

    #[test]
    #[allow(unsafe_code)]
    fn a_fifo_in_place_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("audit.jsonl");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = open_private(&fifo, Access::Append).unwrap_err();
        assert!(
            err.to_string().contains("is a FIFO, not a regular file"),
            "{err}"
        );
        assert!(open_read(&fifo).is_err());
    }

    #[test]
    fn a_loose_file_is_refused_with_the_fix_and_never_chmodded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").unwrap();
        for (m, words) in [
            (0o644, "can be read by its group and all users (mode 0644)"),
            (0o640, "can be read by its group (mode 0640)"),
            (0o602, "can be written by all users (mode 0602)"),
            (0o666, "can be read and written by its group and all users"),
        ] {
            std::fs::set_permissions(&path, PermissionsExt::from_mode(m)).unwrap();
            let err = open_private(&path, Access::Append).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(words), "{text}");
            assert!(
                text.contains(&format!("Fix with: chmod 600 {}", path.display())),
                "{text}"
            );
            assert_eq!(mode(&path), m, "the mode was changed");
        }
    }

    /// Tests run as root here, which owns everything it creates: another owner is made with
    /// chown, which only root may do (skipped otherwise).
    #[test]
    fn a_file_of_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, PermissionsExt::from_mode(0o600)).unwrap();
        if std::os::unix::fs::chown(&path, Some(65534), None).is_err() {
            crate::errln!("not root: cannot give a file to another user; skipped");
            return;
        }
        let err = open_private(&path, Access::Append).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("(uid 65534), not to you"), "{text}");
        assert!(text.contains("fix with: chown "), "{text}");
        assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534);
    }

    #[test]
    fn outputs_are_created_exclusively_and_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rec.jsonl.gz");
        create_private(&out, Existing::Refuse)
            .unwrap()
            .write_all(b"first")
            .unwrap();
        assert_eq!(mode(&out), 0o600);
        let err = create_private(&out, Existing::Refuse).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"first");

        // Replacing writes a new file: another name for the old one keeps its content.
        let other_name = dir.path().join("hard-link");
        std::fs::hard_link(&out, &other_name).unwrap();
        std::fs::set_permissions(&out, PermissionsExt::from_mode(0o644)).unwrap();
        create_private(&out, Existing::Replace)
            .unwrap()
            .write_all(b"second")
            .unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second");
        assert_eq!(std::fs::read(&other_name).unwrap(), b"first");
        assert_eq!(mode(&out), 0o600);

        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(matches!(
            create_private(&sub, Existing::Replace).unwrap_err(),
            PrivateFileError::NotRegular { .. }
        ));
        // Nothing is overwritten in a character device: /dev/null takes a recording as is.
        assert!(create_private(Path::new("/dev/null"), Existing::Refuse).is_ok());
        assert_eq!(
            mode(Path::new("/dev/null")) & 0o666,
            0o666,
            "/dev/null changed"
        );
    }

    #[test]
    fn reading_a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(open_read(&dir.path().join("none")).unwrap().is_none());
        std::fs::write(dir.path().join("some"), "x").unwrap();
        assert!(open_read(&dir.path().join("some")).unwrap().is_some());
    }
}
