//! Opening the local files cutover reads whole (the config, themes, recordings): regular files
//! only, and never more than a stated size.
//!
//! A name can point anywhere: at a FIFO nobody writes to (opening it blocks forever), at
//! `/dev/zero` (reading never ends), at a sparse file of a gigabyte. The file is opened without
//! blocking, checked with `fstat` on the open descriptor (so nothing can be swapped in between),
//! and refused unless it is a regular file; its size is checked before anything is read, and the
//! read itself stops one byte past the cap in case the file grows meanwhile.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a local file was not read; the caller names the file.
#[derive(Debug, thiserror::Error)]
pub enum LocalFileError {
    #[error("{0}")]
    Open(std::io::Error),
    #[error("it is not a regular file but {0}")]
    NotRegular(&'static str),
    #[error("it is larger than {}", size_words(*limit))]
    TooLarge { limit: u64 },
    #[error("{0}")]
    Read(std::io::Error),
}

/// For callers whose errors carry an `io::Error` (token and CA files): the refusal in words.
impl From<LocalFileError> for std::io::Error {
    fn from(e: LocalFileError) -> Self {
        match e {
            LocalFileError::Open(e) | LocalFileError::Read(e) => e,
            other => std::io::Error::other(other.to_string()),
        }
    }
}

/// Which non-regular files a caller accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    RegularOnly,
    /// `/dev/stdin` (and `/dev/fd/0`, `/proc/self/fd/0`) as well: `--config /dev/stdin` lets a
    /// script pipe a config in. The size cap still applies.
    RegularOrStdin,
}

/// Opens `path` for reading if it is a regular file (or stdin, when allowed).
pub fn open_regular(path: &Path, allow: Allow) -> Result<File, LocalFileError> {
    let stdin = allow == Allow::RegularOrStdin && is_stdin_name(path);
    let file = open_nonblocking(path).map_err(LocalFileError::Open)?;
    let meta = file.metadata().map_err(LocalFileError::Open)?;
    if !meta.file_type().is_file() && !stdin {
        return Err(LocalFileError::NotRegular(kind_of(&meta)));
    }
    if stdin {
        clear_nonblocking(&file).map_err(LocalFileError::Open)?;
    }
    Ok(file)
}

/// Reads the whole file at `path`, refusing anything but a regular file (or stdin, when
/// allowed) and anything over `limit` bytes.
pub fn read_capped(path: &Path, limit: u64, allow: Allow) -> Result<Vec<u8>, LocalFileError> {
    let file = open_regular(path, allow)?;
    let meta = file.metadata().map_err(LocalFileError::Read)?;
    if meta.file_type().is_file() && meta.len() > limit {
        return Err(LocalFileError::TooLarge { limit });
    }
    let mut out = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut out)
        .map_err(LocalFileError::Read)?;
    if out.len() as u64 > limit {
        return Err(LocalFileError::TooLarge { limit });
    }
    Ok(out)
}

/// Like [`read_capped`], as UTF-8 text.
pub fn read_capped_string(path: &Path, limit: u64, allow: Allow) -> Result<String, LocalFileError> {
    let bytes = read_capped(path, limit, allow)?;
    String::from_utf8(bytes).map_err(|_| {
        LocalFileError::Read(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

fn is_stdin_name(path: &Path) -> bool {
    [
        Path::new("/dev/stdin"),
        Path::new("/dev/fd/0"),
        Path::new("/proc/self/fd/0"),
    ]
    .contains(&path)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn clear_nonblocking(file: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function borrows, with integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(unix))]
fn clear_nonblocking(_file: &File) -> std::io::Result<()> {
    Ok(())
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// A byte count in the units the config uses (`64MiB`), exact when it divides.
pub fn size_words(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        assert_eq!(read_capped(&p, 5, Allow::RegularOnly).unwrap(), b"hello");
        assert!(matches!(
            read_capped(&p, 4, Allow::RegularOnly),
            Err(LocalFileError::TooLarge { limit: 4 })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        for (p, kind) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            match read_capped(p, 1 << 20, Allow::RegularOnly) {
                Err(LocalFileError::NotRegular(k)) => assert_eq!(k, kind),
                other => panic!("{}: {other:?}", p.display()),
            }
        }
    }

    #[test]
    fn sizes_read_in_config_units() {
        assert_eq!(size_words(64 << 20), "64MiB");
        assert_eq!(size_words(1 << 30), "1GiB");
        assert_eq!(size_words(1000), "1000 bytes");
    }
}
