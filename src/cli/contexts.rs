//! `cutover contexts [--json]`: the contexts in `<config dir>/contexts/`, each loaded as a
//! session would load it, so what is listed is what `--context NAME` would get: whether it is
//! read-only, whether it is production, or why it does not load (a broken file is one row with
//! its error; the others are still listed). The context in use now is marked.

use std::path::Path;

use super::loaded::load_choice;
use super::status::{write_json, write_stdout};
use super::{Failure, GlobalArgs};
use crate::config::context::{self, Choice, ContextName, ContextRow, ContextSource};
use crate::config::PathSource;
use crate::term_text::for_terminal;

/// The rows for the contexts in `dir`, `current` marked.
pub fn rows(global: &GlobalArgs, dir: &Path, current: Option<&ContextName>) -> Vec<ContextRow> {
    context::list(dir)
        .into_iter()
        .map(|(name, path)| {
            let choice = Choice {
                path: Some(path.clone()),
                source: PathSource::Default,
                context: Some((name.clone(), ContextSource::Switched)),
            };
            let mut row = ContextRow {
                current: current == Some(&name),
                name: name.to_string(),
                path,
                read_only: None,
                production: None,
                error: None,
            };
            match load_choice(global, choice) {
                Ok(l) => {
                    row.read_only = Some(l.read_only.is_some());
                    row.production = Some(l.config.settings.production);
                }
                Err(f) => row.error = Some(f.message),
            }
            row
        })
        .collect()
}

pub fn run(global: &GlobalArgs, json: bool) -> Result<u8, Failure> {
    let dir = context::contexts_dir()
        .ok_or_else(|| Failure::runtime("no config directory could be determined"))?;
    // A bad name in $CUTOVER_CONTEXT marks nothing current; the list is still what was asked.
    let current = match context::choose(global.config.as_deref(), global.context.as_deref()) {
        Ok(choice) => choice.context.map(|(name, _)| name),
        Err(e) => {
            crate::errln!("cutover: warning: {e}");
            None
        }
    };
    let rows = rows(global, &dir, current.as_ref());
    if json {
        let mut t = serde_json::to_string_pretty(&rows)?;
        t.push('\n');
        write_json(&t)?;
    } else if rows.is_empty() {
        write_stdout(&format!(
            "No contexts in {}: a context is a config file there named NAME.toml, used with --context NAME.\n",
            for_terminal(&dir.display().to_string())
        ))?;
    } else {
        write_stdout(&render(&rows))?;
    }
    Ok(0)
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

/// A table: `*` marks the current context; a row that does not load says why under it,
/// indented, so no error text can pose as a row of its own.
pub fn render(rows: &[ContextRow]) -> String {
    let width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = format!(
        "   {:<width$}  {:<9}  {:<10}  PATH\n",
        "NAME", "READ-ONLY", "PRODUCTION"
    );
    for r in rows {
        out.push_str(&format!(
            "{}  {:<width$}  {:<9}  {:<10}  {}\n",
            if r.current { "*" } else { " " },
            for_terminal(&r.name),
            yes_no(r.read_only),
            yes_no(r.production),
            for_terminal(&r.path.display().to_string()),
        ));
        if let Some(e) = &r.error {
            out.push_str(&format!("     does not load: {}\n", for_terminal(e)));
        }
    }
    out
}
