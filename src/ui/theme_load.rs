//! Loading the user's theme from `<config dir>/themes/`.
//!
//! Only the theme asked for is read: a broken, endless or blocking file beside it (a FIFO named
//! `x.toml`, a link to `/dev/zero`) is never opened. That one file is read only if it is a
//! regular file of at most [`THEME_LIMIT`]; when it cannot be used, the cockpit starts with the
//! built-in theme of that name (or the default) and says why, rather than refusing to start.

use std::path::Path;

use super::theme::{Theme, ThemeSet};
use crate::local_file::{read_capped_string, Allow};

/// The largest theme file read; the built-in ones are about 2 KiB.
pub const THEME_LIMIT: u64 = 1 << 20;

impl ThemeSet {
    /// The built-in themes plus the user's theme `wanted` when `<dir>/<wanted>.toml` exists (a
    /// user theme named like a built-in one replaces it). A missing directory is no problem;
    /// any other trouble is kept in [`ThemeSet::problem`].
    pub fn load(dir: Option<&Path>, wanted: &str) -> ThemeSet {
        let mut set = ThemeSet::builtin();
        let Some(dir) = dir else { return set };
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return set,
            Err(e) => {
                set.problem = Some(format!("cannot list the themes in {}: {e}", dir.display()));
                return set;
            }
        };
        let mut chosen = None;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if stem == wanted {
                chosen = Some(path.clone());
            }
            set.user_names.push(stem.to_string());
        }
        set.user_names.sort();
        let Some(path) = chosen else { return set };
        let base = set.themes[0].styles;
        let loaded = read_capped_string(&path, THEME_LIMIT, Allow::RegularOnly)
            .map_err(|e| format!("cannot read theme {}: {e}", path.display()))
            .and_then(|text| {
                Theme::parse(wanted, &text, &path.display().to_string(), &base)
                    .map_err(|e| e.to_string())
            });
        match loaded {
            Ok(theme) => match set.themes.iter_mut().find(|t| t.name == wanted) {
                Some(t) => *t = theme,
                None => set.themes.push(theme),
            },
            Err(why) => {
                let instead = set
                    .themes
                    .iter()
                    .position(|t| t.name == wanted)
                    .unwrap_or(0);
                set.problem = Some(format!(
                    "{why}; using the built-in {} theme",
                    set.themes[instead].name
                ));
                set.fallback = Some((wanted.to_string(), instead));
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier, Style};

    #[test]
    fn the_theme_asked_for_adds_or_overrides_and_others_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ocean.toml"),
            "description = \"blue\"\n[styles]\nok = { fg = \"#00ff00\", bold = true }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("mono.toml"),
            "[styles]\ncrit = { reverse = true }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        std::fs::write(dir.path().join("broken.toml"), "[styles\n").unwrap();
        let set = ThemeSet::load(Some(dir.path()), "ocean");
        assert_eq!(set.problem(), None);
        assert_eq!(
            set.names(),
            ["default", "light", "high-contrast", "mono", "ocean"]
        );
        let ocean = set.get(set.index_of("ocean").unwrap());
        assert_eq!(
            ocean.styles.ok,
            Style::new()
                .fg(Color::Rgb(0, 255, 0))
                .add_modifier(Modifier::BOLD)
        );
        // Slots left out come from the default theme.
        assert_eq!(ocean.styles.warn, set.get(0).styles.warn);

        let set = ThemeSet::load(Some(dir.path()), "mono");
        let mono = set.get(set.index_of("mono").unwrap());
        assert_eq!(
            mono.styles.crit,
            Style::new().add_modifier(Modifier::REVERSED)
        );
        assert_eq!(set.problem(), None);

        let err = set.index_of("nope").unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown theme \"nope\"; the themes are: default, light, high-contrast, mono, broken, ocean"
        );
        assert_eq!(
            ThemeSet::load(Some(&dir.path().join("missing")), "default").problem(),
            None
        );
    }

    #[test]
    fn a_bad_theme_file_asked_for_is_reported_and_the_builtin_used() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text, says) in [
            (
                "bad",
                "[styles]\nok = { fg = \"blurple\" }\n",
                "ok.fg = \"blurple\"",
            ),
            ("typo", "[styles]\nokay = { fg = \"red\" }\n", "okay"),
            ("light", "[styles\n", "light.toml"),
        ] {
            std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
            let set = ThemeSet::load(Some(dir.path()), name);
            let problem = set.problem().unwrap();
            assert!(
                problem.contains(&format!("{name}.toml")) && problem.contains(says),
                "{problem}"
            );
            let used = set.get(set.index_of(name).unwrap());
            let expected = if name == "light" { "light" } else { "default" };
            assert_eq!(used.name, expected);
            assert_eq!(used.origin, "built-in");
            assert!(problem.ends_with(&format!("using the built-in {expected} theme")));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_without_blocking_and_only_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        assert!(std::process::Command::new("mkfifo")
            .arg(dir.path().join("fifo.toml"))
            .status()
            .unwrap()
            .success());
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).unwrap();
        assert_eq!(ThemeSet::load(Some(dir.path()), "default").problem(), None);
        for (name, kind) in [("fifo", "a FIFO"), ("zero", "a character device")] {
            let set = ThemeSet::load(Some(dir.path()), name);
            let problem = set.problem().unwrap();
            assert!(problem.contains(kind), "{problem}");
            assert_eq!(set.get(set.index_of(name).unwrap()).name, "default");
        }
    }

    #[test]
    fn a_theme_file_over_the_limit_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = std::fs::File::create(dir.path().join("huge.toml")).unwrap();
        f.set_len(1 << 30).unwrap();
        let set = ThemeSet::load(Some(dir.path()), "huge");
        assert!(
            set.problem().unwrap().contains("larger than 1MiB"),
            "{:?}",
            set.problem()
        );
    }
}
