//! OpenSSH's rule for files whose content decides what cutover does with the operator's rights
//! (the config names the commands a rollback runs; a token file, the credentials it sends): the
//! file and every directory above it, up to `/`, must belong to the user or root and must not be
//! writable by group or others. Whoever could write any of them could swap the file for their
//! own. A sticky world-writable directory (`/tmp`) is accepted higher up, since nobody can
//! rename what the user owns inside it, but not as the file's own directory: a file lying in a
//! shared directory is one anybody could have planted there or will plant next time.
//!
//! The path is checked as written (each directory above it, links followed) and as resolved
//! (every directory above the real file), so that neither a link nor its target escapes.

use std::path::{Path, PathBuf};

use super::{chown_name, describe_uid, my_uid, shell_word, who};

/// What a checked file holds, so that the message says what is at stake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The config: it names the commands a rollback runs.
    Config,
    /// `bearer_token_file`: the token cutover sends.
    Token,
    /// `basic_auth.password_file`: the password cutover sends.
    Password,
    /// `ca_file`: which servers cutover believes.
    CaFile,
}

impl Role {
    /// How the file is named at the start of a message.
    fn title(self, path: &Path) -> String {
        match self {
            Role::Config => path.display().to_string(),
            Role::Token => format!("the token file {}", path.display()),
            Role::Password => format!("the password file {}", path.display()),
            Role::CaFile => format!("the CA file {}", path.display()),
        }
    }

    /// What someone who can write it could do.
    fn stake(self) -> &'static str {
        match self {
            Role::Config => {
                "someone else could change the commands a rollback runs with your rights"
            }
            Role::Token => "someone else could replace the token cutover sends with their own",
            Role::Password => "someone else could replace the password cutover sends",
            Role::CaFile => "someone else could make cutover trust a server of theirs",
        }
    }

    /// What someone who can read it could do.
    fn secret(self) -> Option<&'static str> {
        match self {
            Role::Config | Role::CaFile => None,
            Role::Token => Some("they can read the token"),
            Role::Password => Some("they can read the password"),
        }
    }
}

/// Why `path` cannot be trusted under the rule above, in words that name the file and the fix;
/// `None` when it can, or when it cannot be examined (a missing file fails later, where it is
/// read, with its own message).
pub fn untrusted(path: &Path, role: Role) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        let title = role.title(path);
        let fix = shell_word(path);
        let me = my_uid();
        if meta.uid() != me && meta.uid() != 0 {
            return Some(format!(
                "{title} belongs to {}, not to {}: {}. Fix with: chown {} {fix}",
                describe_uid(meta.uid()),
                you_or_root(me),
                role.stake(),
                chown_name(me),
            ));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Some(format!(
                "{title} is writable by {} (mode {mode:04o}): {}. Fix with: chmod go-w {fix}",
                who(mode & 0o020 != 0, mode & 0o002 != 0),
                role.stake(),
            ));
        }
        let what = match role {
            Role::Config => "it",
            Role::Token => "the token file",
            Role::Password => "the password file",
            Role::CaFile => "the CA file",
        };
        directories_above(path).find_map(|(dir, own)| directory_problem(&dir, own, path, what))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, role);
        None
    }
}

/// Why the directories above `dir` cannot be trusted; for a directory cutover uses, such as the
/// state dir, whose own owner and mode its caller checks. A sticky shared directory is fine
/// right above it too: nobody else can rename or remove a directory of the user's in there, and
/// one they made in its place would be theirs, which the caller refuses.
pub fn untrusted_directories_above(dir: &Path, what: &str) -> Option<String> {
    directories_above(dir).find_map(|(above, _)| directory_problem(&above, false, dir, what))
}

/// A warning when a secret file is readable by group or others: nothing acts on it (the secret
/// is already out), but the operator should know.
pub fn readable_secret(path: &Path, role: Role) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let secret = role.secret()?;
        let mode = std::fs::metadata(path).ok()?.mode() & 0o7777;
        (mode & 0o044 != 0).then(|| {
            format!(
                "{} is readable by {} (mode {mode:04o}): {secret}. Fix with: chmod go-r {}",
                role.title(path),
                who(mode & 0o040 != 0, mode & 0o004 != 0),
                shell_word(path)
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, role);
        None
    }
}

/// The owners the rule accepts, in words: "you (ana (uid 1000)) or root".
fn you_or_root(me: u32) -> String {
    if me == 0 {
        format!("you ({})", describe_uid(me))
    } else {
        format!("you ({}) or root", describe_uid(me))
    }
}

/// Every directory above `path`, as written (made absolute) and as resolved, nearest first, each
/// with whether it is the directory the file itself lies in.
fn directories_above(path: &Path) -> impl Iterator<Item = (PathBuf, bool)> {
    let written = std::path::absolute(path).ok();
    let resolved = std::fs::canonicalize(path).ok();
    let mut dirs: Vec<(PathBuf, bool)> = Vec::new();
    for full in [written, resolved].into_iter().flatten() {
        for (i, dir) in full.ancestors().skip(1).enumerate() {
            if dir.as_os_str().is_empty() {
                continue;
            }
            let entry = (dir.to_path_buf(), i == 0);
            if !dirs.contains(&entry) {
                dirs.push(entry);
            }
        }
    }
    dirs.into_iter()
}

/// Why one directory above `file` cannot be trusted. `own`: it is the file's own directory.
fn directory_problem(dir: &Path, own: bool, file: &Path, what: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(dir).ok()?;
        let me = my_uid();
        let place = if own {
            format!("{}, the directory {what} is in,", dir.display())
        } else {
            format!("{}, a directory above {},", dir.display(), file.display())
        };
        if meta.uid() != me && meta.uid() != 0 {
            return Some(format!(
                "{place} belongs to {}, not to {}: its owner could swap {what} for their own. \
                 Fix with: chown {} {}, or move {} to a directory of yours",
                describe_uid(meta.uid()),
                you_or_root(me),
                chown_name(me),
                shell_word(dir),
                shell_word(file),
            ));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 == 0 {
            return None;
        }
        let sticky = mode & 0o1000 != 0;
        if sticky && !own {
            return None;
        }
        let whom = who(mode & 0o020 != 0, mode & 0o002 != 0);
        if sticky {
            return Some(format!(
                "{} lies in {}, a directory shared with {whom} (mode {mode:04o}): anybody could \
                 plant a file there in its place. Fix: move it to a directory only you can write \
                 to",
                file.display(),
                dir.display(),
            ));
        }
        Some(format!(
            "{place} is writable by {whom} (mode {mode:04o}): anyone who can write there could \
             swap {what} for their own. Fix with: chmod go-w {}",
            shell_word(dir),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, own, file, what);
        None
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn set(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A private directory (0700, under the temp dir) with one 0600 file in it.
    fn private_file(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        set(dir.path(), 0o700);
        let path = dir.path().join(name);
        std::fs::write(&path, "x").unwrap();
        set(&path, 0o600);
        (dir, path)
    }

    #[test]
    fn a_private_file_in_a_private_directory_is_trusted() {
        let (_dir, path) = private_file("cutover.toml");
        assert_eq!(untrusted(&path, Role::Config), None);
        assert_eq!(untrusted(&path, Role::Token), None);
        assert_eq!(readable_secret(&path, Role::Token), None);
        set(&path, 0o644);
        assert_eq!(untrusted(&path, Role::Config), None, "readable is fine");
    }

    #[test]
    fn a_writable_file_names_itself_and_the_fix() {
        let (_dir, path) = private_file("token");
        set(&path, 0o620);
        let why = untrusted(&path, Role::Token).unwrap();
        assert!(
            why.starts_with(&format!(
                "the token file {} is writable by its group (mode 0620)",
                path.display()
            )),
            "{why}"
        );
        assert!(why.contains("replace the token"), "{why}");
        assert!(
            why.ends_with(&format!("chmod go-w {}", path.display())),
            "{why}"
        );
    }

    #[test]
    fn a_writable_directory_above_makes_the_file_untrusted() {
        let (dir, path) = private_file("cutover.toml");
        set(dir.path(), 0o777);
        let why = untrusted(&path, Role::Config).unwrap();
        assert!(
            why.contains(&format!(
                "{}, the directory it is in, is writable by its group and all users (mode 0777)",
                dir.path().display()
            )),
            "{why}"
        );
        assert!(
            why.ends_with(&format!("chmod go-w {}", dir.path().display())),
            "{why}"
        );
        // Two levels up counts as well.
        set(dir.path(), 0o700);
        let inner = dir.path().join("a/b");
        std::fs::create_dir_all(&inner).unwrap();
        set(&dir.path().join("a"), 0o757);
        let file = inner.join("token");
        std::fs::write(&file, "t").unwrap();
        set(&file, 0o600);
        let why = untrusted(&file, Role::Token).unwrap();
        assert!(why.contains("a directory above"), "{why}");
        assert!(why.contains("swap the token file"), "{why}");
    }

    #[test]
    fn a_sticky_shared_directory_is_fine_above_but_not_as_the_files_own() {
        let (dir, _) = private_file("unused");
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        set(&shared, 0o1777);
        let lying_in_it = shared.join("cutover.toml");
        std::fs::write(&lying_in_it, "x").unwrap();
        set(&lying_in_it, 0o600);
        let why = untrusted(&lying_in_it, Role::Config).unwrap();
        assert!(why.contains("a directory shared with"), "{why}");
        let private = shared.join("mine");
        std::fs::create_dir(&private).unwrap();
        set(&private, 0o700);
        let below = private.join("cutover.toml");
        std::fs::write(&below, "x").unwrap();
        set(&below, 0o600);
        assert_eq!(untrusted(&below, Role::Config), None);
    }

    #[test]
    fn a_link_from_a_private_place_to_a_shared_one_is_caught() {
        let (dir, _) = private_file("unused");
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        set(&open, 0o777);
        let real = open.join("cutover.toml");
        std::fs::write(&real, "x").unwrap();
        set(&real, 0o600);
        let link = dir.path().join("cutover.toml");
        symlink(&real, &link).unwrap();
        let why = untrusted(&link, Role::Config).unwrap();
        assert!(why.contains(&open.display().to_string()), "{why}");
    }

    #[test]
    fn another_owner_is_refused_root_is_not() {
        use std::os::unix::fs::chown;
        let (dir, path) = private_file("cutover.toml");
        if chown(&path, Some(65534), None).is_err() {
            crate::errln!("not root: cannot give a file to another user; skipped");
            return;
        }
        let why = untrusted(&path, Role::Config).unwrap();
        assert!(why.contains("belongs to "), "{why}");
        assert!(why.contains("(uid 65534), not to you"), "{why}");
        assert!(why.contains("Fix with: chown "), "{why}");
        chown(&path, Some(0), None).unwrap();
        assert_eq!(untrusted(&path, Role::Config), None);
        chown(dir.path(), Some(65534), None).unwrap();
        let why = untrusted(&path, Role::Config).unwrap();
        assert!(why.contains("the directory it is in"), "{why}");
    }

    #[test]
    fn a_readable_secret_is_warned_about_in_words_of_tokens() {
        let (_dir, path) = private_file("token");
        set(&path, 0o644);
        let warning = readable_secret(&path, Role::Token).unwrap();
        assert!(
            warning.contains("is readable by its group and all users (mode 0644)"),
            "{warning}"
        );
        assert!(warning.contains("read the token"), "{warning}");
        assert!(warning.contains("chmod go-r"), "{warning}");
        assert_eq!(readable_secret(&path, Role::Config), None);
    }

    #[test]
    fn a_missing_file_is_left_to_whoever_reads_it() {
        let (dir, _) = private_file("unused");
        assert_eq!(untrusted(&dir.path().join("none"), Role::Token), None);
    }
}
