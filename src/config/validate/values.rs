//! Checks of single values the rules share: names, ratios, URLs, headers, variable names.

use super::problem::{problem, Checked, Problem};
use crate::config::locate::KeyPath;
use crate::config::model::{Config, Source};

pub(super) fn ratio(path: KeyPath, value: f64) -> Checked {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        problem(path, format!("{value} is not a ratio between 0 and 1"))
    }
}

/// A name of the config (domain, source, queue, saga): not empty and on one line. Names are
/// printed at the start of lines and rows by every subcommand; one holding a line break could
/// print a line of its own that looks like cutover's ("… rollback succeeded, verified").
pub(super) fn name(path: KeyPath, value: &str, what: &str) -> Checked {
    non_empty(path.clone(), value, what)?;
    match value.chars().position(|c| {
        matches!(
            c,
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    }) {
        Some(at) => problem(
            path,
            format!(
                "the {what} \"{}\" holds a line break (character {}): a name is one line",
                crate::term_text::for_terminal(value),
                at + 1
            ),
        ),
        None => Ok(()),
    }
}

/// What a name looks like on screen, for telling names apart: characters that draw nothing
/// (zero-width spaces and joiners, bidi marks) do not make two names different.
pub(super) fn skeleton(name: &str) -> String {
    name.chars()
        .filter(|&c| !crate::term_text::is_invisible_format(c))
        .collect()
}

pub(super) fn non_empty(path: KeyPath, value: &str, what: &str) -> Checked {
    if value.trim().is_empty() {
        problem(path, format!("the {what} is empty"))
    } else {
        Ok(())
    }
}

pub(super) fn env_name(path: KeyPath, name: &str) -> Checked {
    if name.is_empty() || name.contains(['=', '\0']) {
        problem(
            path,
            format!("\"{name}\" is not an environment variable name"),
        )
    } else {
        Ok(())
    }
}

/// An http(s) URL, written in the literal form the HTTP client reads the same way
/// (see [`crate::config::url_form`]).
pub(super) fn http_url(path: KeyPath, url: &str) -> Checked {
    if let Some(why) = crate::config::url_form::problem(url) {
        return problem(path, why);
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        Ok(_) => problem(
            path,
            format!(
                "\"{}\" is not an http:// or https:// URL",
                crate::redact::url(url)
            ),
        ),
        Err(error) => problem(
            path,
            format!("\"{}\" is not a URL: {error}", crate::redact::url(url)),
        ),
    }
}

pub(super) fn header(path: KeyPath, name: &str, value: &str) -> Checked {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return problem(path, format!("\"{name}\" is not a valid header name"));
    }
    if value.contains(['\r', '\n', '\0']) {
        return problem(path, "a header value cannot hold a line break");
    }
    Ok(())
}

/// The source called `name`, or a problem listing the sources there are.
pub(super) fn known_source<'c>(
    config: &'c Config,
    path: KeyPath,
    name: &str,
) -> Result<&'c Source, Problem> {
    config.source(name).ok_or_else(|| {
        let known: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        let message = if known.is_empty() {
            format!("unknown source \"{name}\": no [[source]] is defined")
        } else {
            format!(
                "unknown source \"{name}\"; known sources: {}",
                known.join(", ")
            )
        };
        Problem { path, message }
    })
}
