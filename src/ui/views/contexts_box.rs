//! The contexts box's lines: one per context (`>` the one Enter switches to), whether it is in
//! use, production or read-only, and why a context does not load.
//! Names, paths and errors come from files anyone may have written: they are shown sanitized.

use crate::config::context::ContextRow;
use crate::term_text::for_terminal;

/// At most this many characters of a context's error in the box (the whole error is what
/// Enter on it says).
const ERROR_CHARS: usize = 160;

pub(crate) fn lines(rows: &[ContextRow], selected: usize) -> Vec<String> {
    let width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len() + 2);
    for (i, r) in rows.iter().enumerate() {
        let mut flags = Vec::new();
        if r.current {
            flags.push("in use".to_string());
        }
        match &r.error {
            Some(e) => flags.push(format!(
                "does not load: {}",
                for_terminal(e)
                    .chars()
                    .take(ERROR_CHARS)
                    .collect::<String>()
            )),
            None => {
                if r.production == Some(true) {
                    flags.push("PRODUCTION".into());
                }
                if r.read_only == Some(true) {
                    flags.push("read-only".into());
                }
            }
        }
        out.push(
            format!(
                "{} {:<width$}  {}",
                if i == selected { ">" } else { "-" },
                for_terminal(&r.name),
                flags.join(", ")
            )
            .trim_end()
            .to_string(),
        );
    }
    out.push(String::new());
    out.push("A switch stops this session and starts one on the chosen config.".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, production: bool, error: Option<&str>) -> ContextRow {
        ContextRow {
            name: name.into(),
            path: format!("/c/contexts/{name}.toml").into(),
            read_only: error.is_none().then_some(false),
            production: error.is_none().then_some(production),
            current: name == "staging",
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn rows_mark_selection_current_production_and_errors() {
        let rows = [
            row(
                "broken",
                false,
                Some("broken.toml:3: intervall: unknown key\u{1b}[2J"),
            ),
            row("prod", true, None),
            row("staging", false, None),
        ];
        let l = lines(&rows, 1);
        assert!(
            l[0].starts_with("- broken   does not load: broken.toml:3: intervall"),
            "{}",
            l[0]
        );
        assert!(!l[0].contains('\u{1b}'));
        assert_eq!(l[1], "> prod     PRODUCTION");
        assert_eq!(l[2], "- staging  in use");
    }
}
