//! The rules of `[[notify]]`: a URL the client reads, headers that can be sent, one token
//! source at most, events named once, a timeout a delivery can live with.

use super::super::locate::KeyPath;
use super::super::model::Config;
use super::problem::{problem, Checked};
use super::values::{env_name, header, http_url, non_empty};

/// The longest attempt allowed: three of them must end within a headless command's exit.
const LONGEST_TIMEOUT_MS: u128 = 30_000;

pub(super) fn notify(config: &Config) -> Checked {
    for (i, target) in config.notify.iter().enumerate() {
        let at = KeyPath::root().key("notify").index(i);
        // A chat webhook's key is in its path: the message shows the URL without it.
        http_url(at.key("url"), &target.url).map_err(|mut p| {
            for token in crate::redact::path_tokens(&target.url) {
                p.message = p.message.replace(&token, crate::redact::REDACTED);
            }
            p
        })?;
        for (name, value) in &target.headers {
            header(at.key("headers").key(name), name, value)?;
            let bearer = target.bearer_token_env.is_some() || target.bearer_token_file.is_some();
            if bearer && name.eq_ignore_ascii_case("authorization") {
                return problem(
                    at.key("headers").key(name),
                    "an Authorization header and a bearer token are both set: keep one",
                );
            }
        }
        if let Some(env) = &target.bearer_token_env {
            env_name(at.key("bearer_token_env"), env)?;
        }
        if target.bearer_token_env.is_some() && target.bearer_token_file.is_some() {
            return problem(
                at.key("bearer_token_file"),
                "bearer_token_env and bearer_token_file are both set: keep one",
            );
        }
        if let Some(file) = &target.bearer_token_file {
            non_empty(
                at.key("bearer_token_file"),
                &file.to_string_lossy(),
                "file name",
            )?;
        }
        if target.events.is_empty() {
            return problem(
                at.key("events"),
                "is empty: name what to send, e.g. events = [\"crit\", \"fail\", \"rollback\", \"promote\", \"ramp\"], or leave the key out for all",
            );
        }
        for (j, kind) in target.events.iter().enumerate() {
            if target.events[..j].contains(kind) {
                return problem(
                    at.key("events").index(j),
                    format!("\"{}\" is named twice", kind.as_str()),
                );
            }
        }
        let ms = target.timeout.as_millis();
        if ms == 0 || ms > LONGEST_TIMEOUT_MS {
            return problem(
                at.key("timeout"),
                format!(
                    "\"{}\" is not a timeout from 1ms to 30s: each of the three attempts is bounded by it",
                    target.timeout
                ),
            );
        }
    }
    Ok(())
}
