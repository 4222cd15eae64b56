//! The characters the views draw with: Unicode box drawing, blocks, arrows and braille on a
//! UTF-8 terminal; plain ASCII otherwise (`--ascii`, or a locale that is not UTF-8), so a
//! serial console or an old bastion still shows a readable screen.

use ratatui::symbols::border;

/// ASCII borders: `+`, `-` and `|`.
const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    pub border: border::Set,
    /// A bar cell of the monolith path and of the new path: different shapes, so the split
    /// reads without colour.
    pub bar_legacy: &'static str,
    pub bar_new: &'static str,
    /// The configured split's mark on the bar.
    pub bar_configured: &'static str,
    pub rising: &'static str,
    pub falling: &'static str,
    pub steady: &'static str,
    /// Between two figures of the legacy and new sides.
    pub versus: &'static str,
    /// Shown for an unknown value.
    pub unknown: &'static str,
    /// Before a latency known only as a bucket's upper bound (`≤100ms`).
    pub at_most: &'static str,
    pub ellipsis: &'static str,
    pub selected: &'static str,
    pub playing: &'static str,
    pub paused: &'static str,
    pub position: &'static str,
    pub track: &'static str,
}

impl Glyphs {
    pub const UNICODE: Glyphs = Glyphs {
        ascii: false,
        border: border::PLAIN,
        bar_legacy: "░",
        bar_new: "█",
        bar_configured: "┃",
        rising: "↑",
        falling: "↓",
        steady: "→",
        versus: "/",
        unknown: "-",
        at_most: "≤",
        ellipsis: "…",
        selected: "▶",
        playing: "▶",
        paused: "||",
        position: "●",
        track: "─",
    };

    pub const ASCII: Glyphs = Glyphs {
        ascii: true,
        border: ASCII_BORDER,
        bar_legacy: "-",
        bar_new: "#",
        bar_configured: "|",
        rising: "^",
        falling: "v",
        steady: "=",
        versus: "/",
        unknown: "-",
        at_most: "<",
        ellipsis: "~",
        selected: ">",
        playing: ">",
        paused: "||",
        position: "o",
        track: "-",
    };

    pub fn new(ascii: bool) -> Glyphs {
        if ascii {
            Glyphs::ASCII
        } else {
            Glyphs::UNICODE
        }
    }
}

/// Whether the locale says UTF-8: the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is set and not
/// empty decides, as for the C library. None set is the C locale: not UTF-8.
pub fn locale_is_utf8(env: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_decides_like_the_c_library() {
        let with = |vars: &'static [(&'static str, &'static str)]| {
            locale_is_utf8(move |k| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert!(with(&[("LANG", "en_US.UTF-8")]));
        assert!(with(&[("LANG", "de_DE.utf8")]));
        assert!(!with(&[("LANG", "C")]));
        assert!(!with(&[]));
        assert!(!with(&[("LC_ALL", "POSIX"), ("LANG", "en_US.UTF-8")]));
        assert!(with(&[
            ("LC_ALL", ""),
            ("LC_CTYPE", "C.UTF-8"),
            ("LANG", "C")
        ]));
    }

    #[test]
    fn ascii_glyphs_are_ascii() {
        let g = Glyphs::ASCII;
        for s in [
            g.border.top_left,
            g.border.horizontal_top,
            g.border.vertical_left,
            g.bar_legacy,
            g.bar_new,
            g.bar_configured,
            g.rising,
            g.falling,
            g.steady,
            g.ellipsis,
            g.selected,
            g.playing,
            g.paused,
            g.position,
            g.track,
        ] {
            assert!(s.is_ascii(), "{s:?}");
        }
    }
}
