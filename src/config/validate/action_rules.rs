//! The rules of the action tables, `[domain.rollback]` and `[domain.promote]`, and of their
//! steps: what runs with the operator's rights is checked where the line is known, not at
//! 3 a.m. when it runs.

use super::super::locate::KeyPath;
use super::super::promote_model::{fill, unknown_placeholder, Promote};
use super::super::rollback_model::{ExecStep, HaproxyStep, HttpStep, Rollback, Step};
use super::problem::{problem, Checked};
use super::values::{env_name, header, http_url, non_empty, ratio};

pub(super) fn rollback(rollback: &Rollback, at: &KeyPath) -> Checked {
    ratio(at.key("verify_share"), rollback.verify_share)?;
    if rollback.verify_within.as_millis() == 0 {
        return problem(at.key("verify_within"), "must be longer than 0s");
    }
    if rollback.steps.is_empty() {
        return problem(
            at.key("step"),
            "no steps: add at least one [[domain.rollback.step]]",
        );
    }
    for (i, s) in rollback.steps.iter().enumerate() {
        step(s, &at.key("step").index(i))?;
    }
    Ok(())
}

/// `[domain.promote]`: percentages from 1 to 100, strictly ascending; a tolerance that is a
/// ratio; steps that check as rollback steps once the placeholders are filled, and no other
/// `{word}` than the two placeholders.
pub(super) fn promote(promote: &Promote, at: &KeyPath) -> Checked {
    if promote.steps.is_empty() {
        return problem(
            at.key("steps"),
            "is empty: give the new-path percentages to walk, ascending, e.g. steps = [10, 25, 50, 100]",
        );
    }
    let mut last = 0;
    for (i, &pct) in promote.steps.iter().enumerate() {
        if !(1..=100).contains(&pct) {
            return problem(
                at.key("steps").index(i),
                format!("{pct} is not a new-path percentage from 1 to 100"),
            );
        }
        if pct <= last {
            return problem(
                at.key("steps").index(i),
                format!("{pct} does not come after {last}: steps go up, each once"),
            );
        }
        last = pct;
    }
    let tolerance = promote.verify_tolerance;
    if !(tolerance > 0.0 && tolerance < 1.0) {
        return problem(
            at.key("verify_tolerance"),
            format!("{tolerance} is not a tolerance between 0 and 1 (0.05 is ±5 points)"),
        );
    }
    for (key, d) in [
        ("verify_within", promote.verify_within),
        ("hold", promote.hold),
    ] {
        if d.as_millis() == 0 {
            return problem(at.key(key), "must be longer than 0s");
        }
    }
    if promote.step_templates.is_empty() {
        return problem(
            at.key("step"),
            "no steps: add at least one [[domain.promote.step]]",
        );
    }
    for (i, template) in promote.step_templates.iter().enumerate() {
        let step_at = at.key("step").index(i);
        placeholders(template, &step_at)?;
        // Checked as it will run: a URL with `{weight}` in it is a URL once it is filled.
        step(&filled(template, 50), &step_at)?;
    }
    Ok(())
}

/// The step with both placeholders filled for `weight`.
fn filled(template: &Step, weight: u8) -> Step {
    let f = |s: &String| fill(s, weight);
    match template {
        Step::Haproxy(h) => Step::Haproxy(HaproxyStep {
            address: h.address.clone(),
            command: f(&h.command),
            timeout: h.timeout,
        }),
        Step::Http(h) => Step::Http(HttpStep {
            method: h.method.clone(),
            url: f(&h.url),
            headers: h.headers.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
            body: h.body.as_ref().map(f),
            timeout: h.timeout,
            bearer_token_env: h.bearer_token_env.clone(),
            probe_url: h.probe_url.clone(),
        }),
        Step::Exec(e) => Step::Exec(ExecStep {
            argv: e.argv.iter().map(f).collect(),
            timeout: e.timeout,
        }),
    }
}

/// Every text a step sends, by key, for the placeholder check.
fn texts(step: &Step, at: &KeyPath) -> Vec<(KeyPath, String)> {
    match step {
        Step::Haproxy(h) => vec![(at.key("command"), h.command.clone())],
        Step::Http(h) => {
            let mut out = vec![(at.key("url"), h.url.clone())];
            out.extend(
                h.headers
                    .iter()
                    .map(|(k, v)| (at.key("headers").key(k), v.clone())),
            );
            out.extend(h.body.iter().map(|b| (at.key("body"), b.clone())));
            out
        }
        Step::Exec(e) => e
            .argv
            .iter()
            .enumerate()
            .map(|(i, a)| (at.key("argv").index(i), a.clone()))
            .collect(),
    }
}

fn placeholders(step: &Step, at: &KeyPath) -> Checked {
    for (path, text) in texts(step, at) {
        if let Some(token) = unknown_placeholder(&text) {
            return problem(
                path,
                format!(
                    "{token} is not a placeholder: the only ones are {{weight}} (the target new-path percent) and {{legacy_weight}} (100 minus it)"
                ),
            );
        }
    }
    Ok(())
}

fn step(step: &Step, at: &KeyPath) -> Checked {
    if step.timeout().is_some_and(|t| t.as_millis() == 0) {
        return problem(at.key("timeout"), "must be longer than 0s");
    }
    match step {
        Step::Haproxy(s) => haproxy_step(s, at),
        Step::Http(s) => http_step(s, at),
        Step::Exec(s) => exec_step(s, at),
    }
}

fn haproxy_step(step: &HaproxyStep, at: &KeyPath) -> Checked {
    let address_ok = match step.address.strip_prefix("unix:") {
        Some(path) => path.starts_with('/'),
        None => step.address.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        }),
    };
    if !address_ok {
        return problem(
            at.key("address"),
            format!(
                "\"{}\" is not a runtime API address: expected \"host:port\" or \"unix:/path/to/socket\"",
                step.address
            ),
        );
    }
    non_empty(at.key("command"), &step.command, "command")?;
    if step.command.contains(['\n', '\r', ';']) {
        return problem(
            at.key("command"),
            "holds a newline or ';': one runtime API command per step, so that each is confirmed and audited",
        );
    }
    Ok(())
}

fn http_step(step: &HttpStep, at: &KeyPath) -> Checked {
    if step.method.is_empty() || !step.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return problem(
            at.key("method"),
            format!(
                "\"{}\" is not an HTTP method: expected e.g. \"POST\", \"PATCH\", \"PUT\" (in capitals)",
                step.method
            ),
        );
    }
    http_url(at.key("url"), &step.url)?;
    if let Some(probe) = &step.probe_url {
        http_url(at.key("probe_url"), probe)?;
    }
    for (name, value) in &step.headers {
        header(at.key("headers").key(name), name, value)?;
    }
    if let Some(env) = &step.bearer_token_env {
        env_name(at.key("bearer_token_env"), env)?;
    }
    Ok(())
}

fn exec_step(step: &ExecStep, at: &KeyPath) -> Checked {
    // A NUL cannot be handed to a program (exec takes C strings): refused here, where the
    // line is known, not at 3 a.m. when the step runs.
    if let Some(i) = step.argv.iter().position(|a| a.contains('\0')) {
        return problem(
            at.key("argv").index(i),
            format!("argv[{i}] holds a NUL byte (\\0), which no program can be given: remove it"),
        );
    }
    match step.argv.first() {
        None => problem(
            at.key("argv"),
            "is empty: give the program and its arguments, e.g. argv = [\"kubectl\", \"argo\", \"rollouts\", \"abort\", \"orders\"]",
        ),
        Some(program) if program.trim().is_empty() => {
            problem(at.key("argv"), "the program name (argv[0]) is empty")
        }
        Some(_) => Ok(()),
    }
}
