//! The rules between values that serde cannot check: unique names, sources that exist,
//! selectors that parse, timeouts shorter than the interval, and so on.
//!
//! Each problem names the key path it is about; `load` turns that into a line number.

use super::bindings::BindingError;
use super::duration::Duration;
use super::locate::{KeyPath, Locator};
use super::model::{Config, Domain, Signal, Slo, SourceKind};
use super::signal_use::for_each_signal;
use crate::selector::Selector;
use preset_rules::{queue, saga, traffic};
pub(super) use problem::Problem;
use problem::{problem, Checked};
use std::collections::BTreeMap;
use values::{env_name, header, http_url, known_source, name, non_empty, ratio, skeleton};

mod action_rules;
mod data_rules;
mod judge_rules;
mod notify_rules;
mod preset_rules;
mod problem;
mod values;

/// The shortest poll interval: below it, scraping turns into load on the exporters.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);

/// Checks everything; the first problem found is returned. `locator` only helps choose which
/// of two conflicting keys to point at (the later one in the file).
pub(super) fn validate(config: &Config, locator: &Locator) -> Checked {
    settings(config, locator)?;
    sources(config)?;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (d, domain_config) in config.domains.iter().enumerate() {
        let at = KeyPath::root().key("domain").index(d);
        name(at.key("name"), &domain_config.name, "domain name")?;
        if let Some(first) = seen.insert(skeleton(&domain_config.name), d) {
            return problem(
                at.key("name"),
                format!(
                    "duplicate domain name \"{}\" (also domain[{first}])",
                    crate::term_text::for_terminal(&domain_config.name)
                ),
            );
        }
        domain(config, domain_config, &at)?;
    }
    signals(config)?;
    notify_rules::notify(config)?;
    tracing(config)?;
    bindings(config, locator)
}

/// `[tracing] url`: a template the links can be built from safely (`trace_url`).
fn tracing(config: &Config) -> Checked {
    let Some(url) = &config.tracing.url else {
        return Ok(());
    };
    match crate::trace_url::TraceUrl::parse(url) {
        Ok(_) => Ok(()),
        Err(e) => problem(
            KeyPath::root().key("tracing").key("url"),
            format!(
                "\"{}\" {e}",
                crate::term_text::for_terminal(
                    &super::redact::redact_trace_url(url)
                        .unwrap_or_else(|| crate::redact::url(url))
                )
            ),
        ),
    }
}

fn settings(config: &Config, locator: &Locator) -> Checked {
    let s = &config.settings;
    let at = KeyPath::root().key("settings");
    if s.interval < MIN_INTERVAL {
        return problem(
            at.key("interval"),
            format!(
                "\"{}\" is too short: the poll interval must be at least {MIN_INTERVAL}",
                s.interval
            ),
        );
    }
    if s.timeout.as_millis() == 0 {
        return problem(at.key("timeout"), "the timeout must be longer than 0s");
    }
    let two_polls = Duration(s.interval.0 * 2);
    let rules: [Ordered; 3] = [
        Ordered {
            key: ("timeout", s.timeout),
            other: ("interval", s.interval),
            broken: s.timeout >= s.interval,
            relation: &|other| {
                format!("must be shorter than interval ({other}), so that polls never overlap")
            },
            fix: ": set a shorter timeout or a longer interval",
        },
        Ordered {
            key: ("window", s.window),
            other: ("interval", s.interval),
            broken: s.window < two_polls,
            relation: &|other| {
                format!(
                    "must span at least two polls (\"{two_polls}\" with interval {other}): a rate needs two samples"
                )
            },
            fix: "; set a longer window or a shorter interval",
        },
        Ordered {
            key: ("history", s.history),
            other: ("window", s.window),
            broken: s.history < s.window,
            relation: &|other| {
                format!("is shorter than window ({other}): history must keep at least one window")
            },
            fix: "; set a longer history or a shorter window",
        },
    ];
    rules
        .iter()
        .find(|r| r.broken)
        .map_or(Ok(()), |rule| rule.problem(&at, locator))
}

/// A rule between two settings (`timeout` shorter than `interval`, ...), broken or not.
struct Ordered<'r> {
    key: (&'static str, Duration),
    other: (&'static str, Duration),
    broken: bool,
    /// The rule in words, given how the other value is shown.
    relation: &'r dyn Fn(&str) -> String,
    /// How to mend it, said when the message points at the other key.
    fix: &'static str,
}

impl Ordered<'_> {
    /// A rule between two keys blames the one the file writes: a default was never written.
    /// It points at `key` unless only `other` is written.
    fn problem(&self, at: &KeyPath, locator: &Locator) -> Checked {
        let (key, value) = self.key;
        let (other, other_value) = self.other;
        let key_written = locator.holds(&at.key(key));
        let other_written = locator.holds(&at.key(other));
        if key_written || !other_written {
            problem(
                at.key(key),
                format!(
                    "{} {}",
                    quoted(value, key_written),
                    (self.relation)(&quoted(other_value, other_written))
                ),
            )
        } else {
            problem(
                at.key(other),
                format!(
                    "{key} ({}) {}{}",
                    quoted(value, false),
                    (self.relation)(&format!("\"{other_value}\"")),
                    self.fix
                ),
            )
        }
    }
}

/// A settings value as a message shows it: quoted when the file writes it, else marked as the
/// default, so that no message quotes a value the user never wrote.
fn quoted(value: Duration, written: bool) -> String {
    if written {
        format!("\"{value}\"")
    } else {
        format!("default {value}")
    }
}

fn sources(config: &Config) -> Checked {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, source) in config.sources.iter().enumerate() {
        let at = KeyPath::root().key("source").index(i);
        name(at.key("name"), &source.name, "source name")?;
        if source.name.trim() != source.name {
            return problem(
                at.key("name"),
                format!("\"{}\" starts or ends with spaces", source.name),
            );
        }
        if let Some(first) = seen.insert(skeleton(&source.name), i) {
            return problem(
                at.key("name"),
                format!(
                    "duplicate source name \"{}\" (also source[{first}])",
                    crate::term_text::for_terminal(&source.name)
                ),
            );
        }
        http_url(at.key("url"), &source.url)?;
        for (name, value) in &source.headers {
            header(at.key("headers").key(name), name, value)?;
        }
        if let Some(env) = &source.bearer_token_env {
            env_name(at.key("bearer_token_env"), env)?;
        }
        if source.bearer_token_env.is_some() && source.bearer_token_file.is_some() {
            return problem(
                at.key("bearer_token_file"),
                "bearer_token_env and bearer_token_file are both set: keep one",
            );
        }
        if let Some(file) = &source.bearer_token_file {
            non_empty(
                at.key("bearer_token_file"),
                &file.to_string_lossy(),
                "file name",
            )?;
        }
        if let Some(auth) = &source.basic_auth {
            let auth_at = at.key("basic_auth");
            if source.bearer_token_env.is_some() || source.bearer_token_file.is_some() {
                return problem(
                    auth_at,
                    "basic_auth and a bearer token are both set: a request carries only one Authorization header",
                );
            }
            non_empty(auth_at.key("username"), &auth.username, "username")?;
            match (&auth.password_env, &auth.password_file) {
                (Some(_), Some(_)) => {
                    return problem(
                        auth_at.key("password_file"),
                        "password_env and password_file are both set: keep one",
                    )
                }
                (None, None) => {
                    return problem(
                        auth_at,
                        "needs password_env or password_file (passwords are never written in the config)",
                    )
                }
                (Some(env), None) => env_name(auth_at.key("password_env"), env)?,
                (None, Some(_)) => {}
            }
        }
        let has_auth = source.bearer_token_env.is_some()
            || source.bearer_token_file.is_some()
            || source.basic_auth.is_some();
        if has_auth {
            if let Some(name) = source
                .headers
                .keys()
                .find(|n| n.eq_ignore_ascii_case("authorization"))
            {
                return problem(
                    at.key("headers").key(name),
                    "an Authorization header and bearer_token/basic_auth are both set: keep one",
                );
            }
        }
        if source.max_body.bytes() == 0 {
            return problem(at.key("max_body"), "must be more than 0 bytes");
        }
        for (key, value) in source.limits() {
            // Counts and lengths within one body: anything larger is a typo, not a wish.
            if value > u64::from(u32::MAX) {
                return problem(
                    at.key(key),
                    format!("{value} is more than {} (0 means no limit)", u32::MAX),
                );
            }
        }
    }
    Ok(())
}

fn domain(config: &Config, domain: &Domain, at: &KeyPath) -> Checked {
    if let Some(traffic_config) = &domain.traffic {
        traffic(config, traffic_config, &at.key("traffic"))?;
    }
    let mut queue_names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, queue_config) in domain.queues.iter().enumerate() {
        let queue_at = at.key("queue").index(i);
        name(queue_at.key("name"), &queue_config.name, "queue name")?;
        if let Some(first) = queue_names.insert(skeleton(&queue_config.name), i) {
            return problem(
                queue_at.key("name"),
                format!(
                    "duplicate queue name \"{}\" in domain \"{}\" (also queue[{first}])",
                    crate::term_text::for_terminal(&queue_config.name),
                    crate::term_text::for_terminal(&domain.name)
                ),
            );
        }
        queue(config, queue_config, &queue_at)?;
    }
    let mut saga_names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, saga_config) in domain.sagas.iter().enumerate() {
        let saga_at = at.key("saga").index(i);
        name(saga_at.key("name"), &saga_config.name, "saga name")?;
        if let Some(first) = saga_names.insert(skeleton(&saga_config.name), i) {
            return problem(
                saga_at.key("name"),
                format!(
                    "duplicate saga name \"{}\" in domain \"{}\" (also saga[{first}])",
                    crate::term_text::for_terminal(&saga_config.name),
                    crate::term_text::for_terminal(&domain.name)
                ),
            );
        }
        saga(config, saga_config, &saga_at)?;
    }
    let mut data_names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, data_config) in domain.data.iter().enumerate() {
        let data_at = at.key("data").index(i);
        name(data_at.key("name"), &data_config.name, "data name")?;
        if let Some(first) = data_names.insert(skeleton(&data_config.name), i) {
            return problem(
                data_at.key("name"),
                format!(
                    "duplicate data name \"{}\" in domain \"{}\" (also data[{first}])",
                    crate::term_text::for_terminal(&data_config.name),
                    crate::term_text::for_terminal(&domain.name)
                ),
            );
        }
        data_rules::data(config, &domain.name, data_config, &data_at)?;
    }
    slo(&domain.slo, &at.key("slo"))?;
    judge_rules::judge(&domain.judge, &domain.slo, &at.key("judge"), &at.key("slo"))?;
    if let Some(rollback_config) = &domain.rollback {
        action_rules::rollback(rollback_config, &at.key("rollback"))?;
    }
    if let Some(promote_config) = &domain.promote {
        action_rules::promote(promote_config, &at.key("promote"))?;
    }
    Ok(())
}

fn slo(slo: &Slo, at: &KeyPath) -> Checked {
    for (name, value) in [
        ("error_ratio", slo.error_ratio),
        ("error_ratio_delta", slo.error_ratio_delta),
    ] {
        ratio(at.key(name), value)?;
    }
    let per_minute = slo.saga_failures_per_minute;
    if !per_minute.is_finite() || per_minute < 0.0 {
        return problem(
            at.key("saga_failures_per_minute"),
            format!("{per_minute} is not a rate (0 or more failures per minute)"),
        );
    }
    if slo.p95.is_some_and(|p| p.as_millis() == 0) {
        return problem(at.key("p95"), "must be longer than 0s");
    }
    Ok(())
}

/// Every signal names a source that exists; on scrape sources its selector parses.
fn signals(config: &Config) -> Checked {
    let mut result = Ok(());
    for_each_signal(config, |path, _domain, source, signal| {
        if result.is_err() {
            return;
        }
        result = check_signal(config, path, source, signal);
    });
    result
}

fn check_signal(config: &Config, path: KeyPath, source: Option<&str>, signal: &Signal) -> Checked {
    let Some(source_name) = source else {
        return problem(
            path,
            "reads no source: set source = \"...\" in its section, or write { source = \"...\", select = '...' }",
        );
    };
    let source = known_source(config, path.clone(), source_name)?;
    if signal.select.trim().is_empty() {
        return problem(path, "the selector is empty");
    }
    match source.kind {
        SourceKind::Scrape => match Selector::parse(&signal.select) {
            Ok(_) => Ok(()),
            Err(error) => problem(path, error.to_string()),
        },
        // A PromQL expression is checked by the server that runs it.
        SourceKind::Prometheus => Ok(()),
    }
}

/// `[bindings]` read with the cockpit's own grammar ([`super::bindings`]): unknown actions,
/// keys that do not parse and keys bound twice (defaults included) are problems here, so a file
/// `check` passes is one the cockpit starts with.
fn bindings(config: &Config, locator: &Locator) -> Checked {
    let at = KeyPath::root().key("bindings");
    let given = config
        .bindings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let Err(e) = super::bindings::Bindings::resolve(given) else {
        return Ok(());
    };
    let entry = match &e {
        BindingError::UnknownAction { action, .. } | BindingError::BadKey { action, .. } => {
            action.clone()
        }
        // Point at the binding written last of the two the file gives; a default is not in it.
        BindingError::Duplicate { first, second, .. } => {
            match (
                config.bindings.contains_key(first),
                config.bindings.contains_key(second),
            ) {
                (true, true)
                    if locator.line_of_path(&at.key(first))
                        > locator.line_of_path(&at.key(second)) =>
                {
                    first.clone()
                }
                (true, false) => first.clone(),
                _ => second.clone(),
            }
        }
    };
    problem(at.key(&entry), e.to_string())
}
