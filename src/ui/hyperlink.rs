//! Trace links on the terminal: OSC 8 makes the trace ID in the detail view clickable, OSC 52
//! copies its link to the clipboard.
//!
//! Both are escapes that carry text, so both are written only with a link made from a checked
//! template and a validated trace ID ([`crate::trace_url`]), and checked again here: printable
//! ASCII without blanks, so nothing in it can end the escape or start another.
//!
//! Whether a terminal supports OSC 8 cannot be asked: there is no query, and a terminal that
//! does not know it may print the URL as text. So `hyperlinks = "auto"` turns them on only
//! where the environment names a terminal known to support them (the list the
//! `supports-hyperlinks` packages keep: iTerm2, WezTerm, kitty, foot, Ghostty, VS Code, Windows
//! Terminal, VTE ≥ 0.50, Konsole), and off inside tmux or screen, which pass them on only when
//! configured to, and over SSH the variables usually do not come along, so there it is off
//! unless `always`. `FORCE_HYPERLINK=1` / `0` overrides, as with other tools.
//!
//! The text stays in ratatui's buffer as plain cells, so widths are never miscounted (an
//! escape inside a cell's symbol is what breaks ratatui's column arithmetic); the backend then
//! writes the link's cells once more inside the escape (`CockpitBackend::overlay_links`).

use base64::Engine as _;

use crate::config::Hyperlinks;

/// What the cockpit may do with trace links, decided when it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TraceLinks {
    /// Make trace IDs clickable (OSC 8).
    pub hyperlinks: bool,
    /// `[ui] clipboard = true`: the copy key writes the link with OSC 52.
    pub clipboard: bool,
}

/// A link on screen: `width` cells from (`x`, `y`) lead to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
}

/// Whether to write OSC 8 links, from the config's choice and the environment.
pub fn hyperlinks_supported(choice: Hyperlinks, env: impl Fn(&str) -> Option<String>) -> bool {
    match choice {
        Hyperlinks::Always => return true,
        Hyperlinks::Never => return false,
        Hyperlinks::Auto => {}
    }
    match env("FORCE_HYPERLINK").as_deref() {
        Some("0") | Some("false") => return false,
        Some(_) => return true,
        None => {}
    }
    if env("TMUX").is_some() || env("STY").is_some() {
        return false;
    }
    let term = env("TERM").unwrap_or_default();
    if term == "dumb" || term == "linux" {
        return false;
    }
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let vte = env("VTE_VERSION")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    matches!(
        program.as_str(),
        "iTerm.app" | "WezTerm" | "vscode" | "ghostty" | "Hyper" | "Tabby" | "rio"
    ) || env("LC_TERMINAL").as_deref() == Some("iTerm2")
        || matches!(
            term.as_str(),
            "xterm-kitty" | "xterm-ghostty" | "foot" | "foot-extra" | "wezterm"
        )
        || env("KITTY_WINDOW_ID").is_some()
        || env("WT_SESSION").is_some()
        || env("KONSOLE_VERSION").is_some()
        || env("DOMTERM").is_some()
        || vte >= 5000
}

/// Whether `url` can go inside an escape as it is.
fn is_safe(url: &str) -> bool {
    !url.is_empty() && url.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The OSC 8 escape that opens a link (`None` for a URL that is not safe in one).
pub fn osc8_open(url: &str) -> Option<String> {
    is_safe(url).then(|| format!("\x1b]8;;{url}\x1b\\"))
}

/// The OSC 8 escape that ends a link.
pub const OSC8_CLOSE: &str = "\x1b]8;;\x1b\\";

/// The OSC 52 escape that puts `url` on the clipboard (`None` when it is not safe).
pub fn osc52(url: &str) -> Option<String> {
    is_safe(url).then(|| {
        format!(
            "\x1b]52;c;{}\x1b\\",
            base64::engine::general_purpose::STANDARD.encode(url)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn auto(vars: &[(&str, &str)]) -> bool {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        hyperlinks_supported(Hyperlinks::Auto, |k| map.get(k).cloned())
    }

    #[test]
    fn auto_only_where_the_environment_names_a_supporting_terminal() {
        assert!(auto(&[("TERM_PROGRAM", "WezTerm")]));
        assert!(auto(&[("TERM", "xterm-kitty")]));
        assert!(auto(&[("VTE_VERSION", "7600")]));
        assert!(!auto(&[("VTE_VERSION", "4600")]));
        assert!(!auto(&[("TERM", "xterm-256color")]), "plain xterm: unknown");
        assert!(!auto(&[("TERM", "linux")]));
        assert!(!auto(&[
            ("TERM_PROGRAM", "WezTerm"),
            ("TMUX", "/tmp/t,1,0")
        ]));
        assert!(auto(&[("TMUX", "x"), ("FORCE_HYPERLINK", "1")]));
        assert!(!auto(&[
            ("TERM_PROGRAM", "WezTerm"),
            ("FORCE_HYPERLINK", "0")
        ]));
        assert!(hyperlinks_supported(Hyperlinks::Always, |_| None));
        assert!(!hyperlinks_supported(Hyperlinks::Never, |_| Some(
            "1".into()
        )));
    }

    #[test]
    fn escapes_carry_only_safe_urls() {
        let url = "https://tempo.example/trace/4bf92f3577b34da6";
        assert_eq!(
            osc8_open(url).as_deref(),
            Some("\x1b]8;;https://tempo.example/trace/4bf92f3577b34da6\x1b\\")
        );
        assert_eq!(
            osc52(url).as_deref(),
            Some("\x1b]52;c;aHR0cHM6Ly90ZW1wby5leGFtcGxlL3RyYWNlLzRiZjkyZjM1NzdiMzRkYTY=\x1b\\")
        );
        for bad in [
            "",
            "https://x/\x1b\\",
            "https://x/\x07",
            "https://x/a b",
            "https://x/\u{9c}",
        ] {
            assert_eq!(osc8_open(bad), None, "{bad:?}");
            assert_eq!(osc52(bad), None, "{bad:?}");
        }
    }
}
