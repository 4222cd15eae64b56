//! The state dir holds the audit log, the per-domain lock files and the log. Whoever can write
//! to it (or swap it for a link) can replace those files: fake or hide audit entries, hold a
//! lock, point the log at another file. So it is used only when it is a real directory (not a
//! link), belongs to the user, is closed to writes by group and others, and the directories
//! above it pass the same rule as the config's; otherwise cutover runs read-only and says why.
//! Created when missing, 0700. Never chmodded.

use std::path::{Path, PathBuf};

use super::{chown_name, describe_uid, shell_word, trust, who};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateDirError {
    #[error(
        "the state dir {} is a symbolic link (to {}): its files could be redirected anywhere. \
         Fix: replace the link with a directory of yours (rm {} && mkdir -m 700 {})",
        path.display(),
        target.display(),
        shell_word(path),
        shell_word(path)
    )]
    Symlink { path: PathBuf, target: PathBuf },
    #[error("the state dir {} is not a directory: remove it or move it away", path.display())]
    NotDirectory { path: PathBuf },
    #[error(
        "the state dir {} belongs to {}, not to you ({}): its owner could rewrite the audit log. \
         Fix with: chown {} {}",
        path.display(),
        describe_uid(*owner),
        describe_uid(*me),
        chown_name(*me),
        shell_word(path)
    )]
    Owner { path: PathBuf, owner: u32, me: u32 },
    #[error(
        "the state dir {} is writable by {} (mode {mode:04o}): anyone who can write there could \
         replace the audit log. Fix with: chmod go-w {}",
        path.display(),
        who(mode & 0o020 != 0, mode & 0o002 != 0),
        shell_word(path)
    )]
    Mode { path: PathBuf, mode: u32 },
    #[error("the state dir {}: {why}", path.display())]
    Above { path: PathBuf, why: String },
    #[error("the state dir {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

/// Why `dir` may not hold cutover's state, or `Ok` when it may. A missing dir is fine (it will
/// be created private), as long as the directories above it are.
pub fn check(dir: &Path) -> Result<(), StateDirError> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return check_above(dir),
        Err(e) => {
            return Err(StateDirError::Io {
                path: dir.into(),
                message: e.to_string(),
            })
        }
    };
    if meta.file_type().is_symlink() {
        return Err(StateDirError::Symlink {
            path: dir.into(),
            target: std::fs::read_link(dir).unwrap_or_default(),
        });
    }
    if !meta.is_dir() {
        return Err(StateDirError::NotDirectory { path: dir.into() });
    }
    #[cfg(unix)]
    match super::exposure(&meta, 0o022) {
        Some(super::Exposure::Owner { owner, me }) => {
            return Err(StateDirError::Owner {
                path: dir.into(),
                owner,
                me,
            })
        }
        Some(super::Exposure::Mode { mode }) => {
            return Err(StateDirError::Mode {
                path: dir.into(),
                mode,
            })
        }
        None => {}
    }
    check_above(dir)
}

fn check_above(dir: &Path) -> Result<(), StateDirError> {
    match trust::untrusted_directories_above(dir, "the state dir") {
        Some(why) => Err(StateDirError::Above {
            path: dir.into(),
            why,
        }),
        None => Ok(()),
    }
}

/// The state dir ready for a file: created 0700 (parents too) when missing, then checked.
pub fn ensure(dir: &Path) -> Result<(), StateDirError> {
    check(dir)?;
    if !dir.exists() {
        create_private_dir(dir).map_err(|e| StateDirError::Io {
            path: dir.into(),
            message: format!("cannot create it: {e}"),
        })?;
        check(dir)?;
    }
    Ok(())
}

/// Creates a directory (and parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn set(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn private_tmp() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        set(dir.path(), 0o700);
        dir
    }

    #[test]
    fn a_missing_dir_is_created_private() {
        let tmp = private_tmp();
        let dir = tmp.path().join("state/cutover");
        assert_eq!(check(&dir), Ok(()));
        ensure(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(dir.parent().unwrap()), 0o700);
        assert_eq!(check(&dir), Ok(()));
    }

    #[test]
    fn a_link_to_an_open_directory_is_refused_and_left_as_it_is() {
        let tmp = private_tmp();
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        set(&open, 0o777);
        let dir = tmp.path().join("cutover");
        symlink(&open, &dir).unwrap();
        let err = ensure(&dir).unwrap_err();
        assert!(matches!(err, StateDirError::Symlink { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("is a symbolic link (to "), "{text}");
        assert!(text.contains("mkdir -m 700"), "{text}");
        assert!(std::fs::read_dir(&open).unwrap().next().is_none());
        assert_eq!(
            std::fs::metadata(&open).unwrap().permissions().mode() & 0o777,
            0o777
        );
    }

    #[test]
    fn an_open_dir_is_refused_with_the_fix() {
        let tmp = private_tmp();
        let dir = tmp.path().join("cutover");
        std::fs::create_dir(&dir).unwrap();
        for (mode, words) in [
            (0o777, "writable by its group and all users (mode 0777)"),
            (0o770, "writable by its group (mode 0770)"),
            (0o703, "writable by all users (mode 0703)"),
        ] {
            set(&dir, mode);
            let text = check(&dir).unwrap_err().to_string();
            assert!(text.contains(words), "{text}");
            assert!(
                text.ends_with(&format!("chmod go-w {}", dir.display())),
                "{text}"
            );
        }
        set(&dir, 0o755);
        assert_eq!(check(&dir), Ok(()));
    }

    #[test]
    fn an_open_directory_above_is_refused() {
        let tmp = private_tmp();
        let above = tmp.path().join("state");
        let dir = above.join("cutover");
        create_private_dir(&dir).unwrap();
        set(&above, 0o777);
        let text = check(&dir).unwrap_err().to_string();
        assert!(
            text.contains(&format!("{}, a directory above", above.display())),
            "{text}"
        );
        assert!(text.contains("swap the state dir"), "{text}");
        // Even before the dir exists: it would be created in a place others can swap.
        std::fs::remove_dir(&dir).unwrap();
        assert!(ensure(&dir).is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn a_sticky_shared_directory_above_is_fine() {
        let tmp = private_tmp();
        let shared = tmp.path().join("tmp");
        std::fs::create_dir(&shared).unwrap();
        set(&shared, 0o1777);
        let dir = shared.join("cutover");
        ensure(&dir).unwrap();
        assert_eq!(check(&dir), Ok(()));
    }

    #[test]
    fn a_dir_of_another_user_is_refused() {
        let tmp = private_tmp();
        let dir = tmp.path().join("cutover");
        create_private_dir(&dir).unwrap();
        if std::os::unix::fs::chown(&dir, Some(65534), None).is_err() {
            crate::errln!("not root: cannot give a directory to another user; skipped");
            return;
        }
        let text = check(&dir).unwrap_err().to_string();
        assert!(text.contains("(uid 65534), not to you"), "{text}");
    }

    #[test]
    fn a_file_in_place_of_the_dir_is_refused() {
        let tmp = private_tmp();
        let dir = tmp.path().join("cutover");
        std::fs::write(&dir, "").unwrap();
        assert!(matches!(
            check(&dir),
            Err(StateDirError::NotDirectory { .. })
        ));
    }
}
