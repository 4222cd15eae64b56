//! Files cutover trusts or writes on the operator's behalf, checked so that nobody else can
//! steer them.
//!
//! - `private_file`: opening the files cutover writes (audit log, lock files, its log,
//!   recordings) without following links, 0600, refusing one with the wrong owner or mode;
//! - `state_dir`: whether the state dir may hold those files;
//! - `trust`: OpenSSH's rule for files whose content decides what runs (the config, token and
//!   password files) and for the directories above them.
//!
//! `lock_exclusive` is the one blocking `flock` the audit log and the events memory take.
//!
//! Nothing here ever changes an existing file's mode or owner: a wrong one is refused with the
//! command that fixes it, since "fixing" it could mean changing a file that is not ours.

pub mod private_file;
pub mod state_dir;
pub mod trust;

use std::path::Path;

pub use private_file::{
    create_private, open_private, open_read, Access, Existing, PrivateFileError,
};
pub use state_dir::StateDirError;

/// The effective user id: the one whose rights the files are opened with.
#[allow(unsafe_code)]
pub(crate) fn my_uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: geteuid(2) cannot fail and touches no memory.
        unsafe { libc::geteuid() }
    }
    #[cfg(not(unix))]
    0
}

/// Waits for an exclusive advisory lock on the file; closing the file releases it.
#[allow(unsafe_code)]
pub fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        loop {
            // SAFETY: flock(2) on a descriptor this `File` owns for the whole call.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(());
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(())
    }
}

/// A user id in words for messages: `nobody (uid 65534)`, or `uid 65534` when it has no name.
/// Who else could change (or read) a file or dir: another owner, or mode bits in `forbidden`.
/// One rule for the private files and the state dir; each words it in its own error.
pub(crate) enum Exposure {
    Owner { owner: u32, me: u32 },
    Mode { mode: u32 },
}

#[cfg(unix)]
pub(crate) fn exposure(meta: &std::fs::Metadata, forbidden: u32) -> Option<Exposure> {
    use std::os::unix::fs::MetadataExt;
    let me = my_uid();
    let mode = meta.mode() & 0o7777;
    if meta.uid() != me {
        Some(Exposure::Owner {
            owner: meta.uid(),
            me,
        })
    } else if mode & forbidden != 0 {
        Some(Exposure::Mode { mode })
    } else {
        None
    }
}

pub(crate) fn describe_uid(uid: u32) -> String {
    match user_name(uid) {
        Some(name) => format!("{name} (uid {uid})"),
        None => format!("uid {uid}"),
    }
}

/// The name to put in a `chown` command: the login name, else the number.
pub(crate) fn chown_name(uid: u32) -> String {
    user_name(uid).unwrap_or_else(|| uid.to_string())
}

/// The login name of `uid` from /etc/passwd.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?;
        (id.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// A path as one shell word, so that the fix-it command in a message can be pasted as is.
pub(crate) fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=~".contains(&b));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Who a mode lets do something, from its group and other bits: "its group", "all users", or
/// both.
pub(crate) fn who(group: bool, other: bool) -> &'static str {
    match (group, other) {
        (true, true) => "its group and all users",
        (true, false) => "its group",
        _ => "all users",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_what_a_shell_would_split() {
        assert_eq!(shell_word(Path::new("/tmp/a.toml")), "/tmp/a.toml");
        assert_eq!(shell_word(Path::new("/tmp/my dir/a")), "'/tmp/my dir/a'");
        assert_eq!(shell_word(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
        assert_eq!(shell_word(Path::new("/tmp/$(x)")), "'/tmp/$(x)'");
    }

    #[test]
    fn users_are_named_when_known() {
        assert_eq!(describe_uid(0), "root (uid 0)");
        assert_eq!(describe_uid(4_000_000_000), "uid 4000000000");
        assert_eq!(chown_name(4_000_000_000), "4000000000");
    }
}
