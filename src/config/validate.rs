//! The rules between values that serde cannot check: unique names, sources that exist,
//! selectors that parse, timeouts shorter than the interval, and so on.
//!
//! Each problem names the key path it is about; `load` turns that into a line number.

use super::bindings::BindingError;
use super::duration::Duration;
use super::locate::{KeyPath, Locator};
use super::model::{
    Config, Domain, ExecStep, HaproxyStep, HttpStep, Queue, Rollback, Saga, ServiceSide, Side,
    Signal, Slo, Source, SourceKind, Step, Traffic,
};
use crate::presets::{self, KeyUse};
use crate::selector::Selector;
use std::collections::BTreeMap;

/// The shortest poll interval: below it, scraping turns into load on the exporters.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);

/// One thing wrong with a config, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: KeyPath,
    pub message: String,
}

type Checked = Result<(), Problem>;

fn problem(path: KeyPath, message: impl Into<String>) -> Checked {
    Err(Problem {
        path,
        message: message.into(),
    })
}

/// A signal of the config with where it sits and the source it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalUse<'a> {
    /// Key path, e.g. `domain[0].traffic.new.requests`.
    pub key: String,
    /// The domain the signal belongs to.
    pub domain: &'a str,
    /// The source it reads: its own, else its section's. Always set on a loaded config.
    pub source: Option<&'a str>,
    pub signal: &'a Signal,
}

impl Config {
    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Every signal written in the config (preset-built ones are not listed), in file order.
    pub fn signals(&self) -> Vec<SignalUse<'_>> {
        let mut uses = Vec::new();
        for_each_signal(self, |path, domain, source, signal| {
            uses.push(SignalUse {
                key: path.to_string(),
                domain,
                source,
                signal,
            });
        });
        uses
    }

    /// Files that hold secrets for this config; like the config itself, they must not be
    /// writable by others.
    pub fn secret_files(&self) -> Vec<&std::path::Path> {
        let mut files = Vec::new();
        for source in &self.sources {
            files.extend(source.bearer_token_file.as_deref());
            if let Some(auth) = &source.basic_auth {
                files.extend(auth.password_file.as_deref());
            }
        }
        files
    }
}

/// Calls `visit(path, domain, source, signal)` for every signal, with its resolved source.
fn for_each_signal<'a>(
    config: &'a Config,
    mut visit: impl FnMut(KeyPath, &'a str, Option<&'a str>, &'a Signal),
) {
    for (d, domain) in config.domains.iter().enumerate() {
        let at = KeyPath::root().key("domain").index(d);
        if let Some(traffic) = &domain.traffic {
            let section = traffic.source.as_deref();
            for (side_name, side) in [("legacy", &traffic.legacy), ("new", &traffic.new)] {
                let side_at = at.key("traffic").key(side_name);
                if let Some(Side::Service(service)) = side {
                    // The one signal a service side may hold reads the side's source by default.
                    if let Some(weight) = &service.weight {
                        visit(
                            side_at.key("weight"),
                            &domain.name,
                            weight
                                .source
                                .as_deref()
                                .or(service.source.as_deref())
                                .or(section),
                            weight,
                        );
                    }
                    continue;
                }
                let Some(Side::Signals(signals)) = side else {
                    continue;
                };
                let named = [
                    ("requests", Some(&signals.requests)),
                    ("errors", signals.errors.as_ref()),
                    ("weight", signals.weight.as_ref()),
                    ("latency", signals.latency.as_ref()),
                ];
                for (name, signal) in named {
                    if let Some(signal) = signal {
                        visit(
                            side_at.key(name),
                            &domain.name,
                            signal.source_name(section),
                            signal,
                        );
                    }
                }
            }
        }
        for (q, queue) in domain.queues.iter().enumerate() {
            if let Some(depth) = &queue.depth {
                let path = at.key("queue").index(q).key("depth");
                visit(
                    path,
                    &domain.name,
                    depth.source_name(queue.source.as_deref()),
                    depth,
                );
            }
        }
        for (s, saga) in domain.sagas.iter().enumerate() {
            let saga_at = at.key("saga").index(s);
            let named = [
                ("failed", saga.failed.as_ref()),
                ("compensated", saga.compensated.as_ref()),
                ("started", saga.started.as_ref()),
                ("in_progress", saga.in_progress.as_ref()),
            ];
            for (name, signal) in named {
                if let Some(signal) = signal {
                    visit(
                        saga_at.key(name),
                        &domain.name,
                        signal.source_name(saga.source.as_deref()),
                        signal,
                    );
                }
            }
        }
    }
}

/// Checks everything; the first problem found is returned. `locator` only helps choose which
/// of two conflicting keys to point at (the later one in the file).
pub fn validate(config: &Config, locator: &Locator) -> Checked {
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
    bindings(config, locator)
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
    let written = |key: &str| locator.holds(&at.key(key));
    let (timeout_written, interval_written) = (written("timeout"), written("interval"));
    if s.timeout >= s.interval {
        // A rule between two keys blames the one the file writes: a default was never written.
        return if timeout_written || !interval_written {
            problem(
                at.key("timeout"),
                format!(
                    "{} must be shorter than interval ({}), so that polls never overlap",
                    quoted(s.timeout, timeout_written),
                    quoted(s.interval, interval_written)
                ),
            )
        } else {
            problem(
                at.key("interval"),
                format!(
                    "timeout ({}) must be shorter than interval (\"{}\"), so that polls never overlap: set a shorter timeout or a longer interval",
                    quoted(s.timeout, false),
                    s.interval
                ),
            )
        };
    }
    let two_polls = Duration(s.interval.0 * 2);
    let window_written = written("window");
    if s.window < two_polls {
        return if window_written || !interval_written {
            problem(
                at.key("window"),
                format!(
                    "{} must span at least two polls (\"{two_polls}\" with interval {}): a rate needs two samples",
                    quoted(s.window, window_written),
                    quoted(s.interval, interval_written)
                ),
            )
        } else {
            problem(
                at.key("interval"),
                format!(
                    "window ({}) must span at least two polls (\"{two_polls}\" with interval \"{}\"): a rate needs two samples; set a longer window or a shorter interval",
                    quoted(s.window, false),
                    s.interval
                ),
            )
        };
    }
    if s.history < s.window {
        let history_written = written("history");
        return if history_written || !window_written {
            problem(
                at.key("history"),
                format!(
                    "{} is shorter than window ({}): history must keep at least one window",
                    quoted(s.history, history_written),
                    quoted(s.window, window_written)
                ),
            )
        } else {
            problem(
                at.key("window"),
                format!(
                    "history ({}) is shorter than window (\"{}\"): history must keep at least one window; set a longer history or a shorter window",
                    quoted(s.history, false),
                    s.window
                ),
            )
        };
    }
    Ok(())
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
    slo(&domain.slo, &at.key("slo"))?;
    super::validate_judge::judge(&domain.judge, &domain.slo, &at.key("judge"), &at.key("slo"))?;
    if let Some(rollback_config) = &domain.rollback {
        rollback(rollback_config, &at.key("rollback"))?;
    }
    Ok(())
}

fn traffic(config: &Config, traffic: &Traffic, at: &KeyPath) -> Checked {
    if let Some(source) = &traffic.source {
        known_source(config, at.key("source"), source)?;
    }
    let sides = [("legacy", &traffic.legacy), ("new", &traffic.new)];
    for (name, side) in sides {
        if let Some(Side::Service(service)) = side {
            service_side(config, traffic, service, &at.key(name))?;
        }
    }
    match &traffic.preset {
        Some(preset_name) => {
            non_empty(at.key("preset"), preset_name, "preset name")?;
            let Some(preset) = presets::gateway(preset_name) else {
                let hint = if presets::service(preset_name).is_some() {
                    format!(
                        ": \"{preset_name}\" reads a service's own metrics and is written per side, \
                         e.g. new = {{ preset = \"{preset_name}\", source = \"orders-svc\" }}"
                    )
                } else {
                    format!("; known: {}", presets::names(presets::GATEWAYS, |p| p.name))
                };
                return problem(
                    at.key("preset"),
                    format!("unknown traffic preset \"{preset_name}\"{hint}"),
                );
            };
            if traffic.source.is_none() {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs source = \"...\": the source of the gateway's metrics"),
                );
            }
            match preset.backend {
                (KeyUse::Required, what) if traffic.backend.is_none() => {
                    return problem(
                        at.key("preset"),
                        format!("preset = \"{preset_name}\" needs backend = \"...\": {what}"),
                    )
                }
                (KeyUse::Unused, _) if traffic.backend.is_some() => {
                    return problem(
                        at.key("backend"),
                        format!(
                        "preset = \"{preset_name}\" does not use backend: legacy and new name {}",
                        preset.sides
                    ),
                    )
                }
                _ => {}
            }
            if let Some(backend) = &traffic.backend {
                non_empty(at.key("backend"), backend, "backend name")?;
            }
            label_names(&traffic.labels, &at.key("labels"))?;
            if let Some(by) = &traffic.by {
                if preset.by == KeyUse::Unused {
                    return problem(at.key("by"), "by is used only with preset = \"istio\"");
                }
                if !presets::istio::BY_LABELS.contains(&by.as_str()) {
                    return problem(
                        at.key("by"),
                        format!(
                            "\"{by}\" is not a label the istio preset splits by; known: {}",
                            presets::istio::BY_LABELS.join(", ")
                        ),
                    );
                }
            }
            for (name, side) in sides {
                match side {
                    Some(Side::Signals(_)) => {
                        return problem(
                            at.key(name),
                            format!(
                                "with preset = \"{preset_name}\", {name} is a server name \
                                 (e.g. {name} = \"{example}\"), not a table of signals",
                                example = if name == "legacy" {
                                    "monolith"
                                } else {
                                    "orders_svc"
                                }
                            ),
                        )
                    }
                    Some(Side::Server(server)) => non_empty(at.key(name), server, "server name")?,
                    Some(Side::Service(_)) | None => {}
                }
            }
        }
        None => {
            for (name, side) in sides {
                if let Some(Side::Server(server)) = side {
                    return problem(
                        at.key(name),
                        format!(
                            "{name} = \"{server}\" names a server for a preset, but there is no preset: \
                             add preset = \"...\", or write {name}.requests = '<selector>'"
                        ),
                    );
                }
            }
            if traffic.backend.is_some() {
                return problem(
                    at.key("backend"),
                    "backend is used only with a preset (preset = \"haproxy\", ...)",
                );
            }
            if traffic.by.is_some() {
                return problem(at.key("by"), "by is used only with preset = \"istio\"");
            }
            if !traffic.labels.is_empty() {
                return problem(
                    at.key("labels"),
                    "labels narrows the selectors a preset writes: it is used only with a preset",
                );
            }
            if traffic.legacy.is_none() && traffic.new.is_none() {
                return problem(
                    at.clone(),
                    "has neither legacy nor new signals (legacy.requests = '...', new.requests = '...') nor a preset",
                );
            }
        }
    }
    Ok(())
}

/// `new = { preset = "fastapi", source = "...", handler = "..." }`.
fn service_side(config: &Config, traffic: &Traffic, side: &ServiceSide, at: &KeyPath) -> Checked {
    non_empty(at.key("preset"), &side.preset, "preset name")?;
    if presets::service(&side.preset).is_none() {
        let hint = if presets::gateway(&side.preset).is_some() {
            format!(
                ": \"{p}\" reads the gateway's metrics and is written in [domain.traffic] \
                 (preset = \"{p}\", legacy = \"...\", new = \"...\")",
                p = side.preset
            )
        } else {
            format!("; known: {}", presets::names(presets::SERVICES, |p| p.name))
        };
        return problem(
            at.key("preset"),
            format!("unknown service preset \"{}\"{hint}", side.preset),
        );
    }
    match (&side.source, &traffic.source) {
        (Some(source), _) => {
            known_source(config, at.key("source"), source)?;
        }
        (None, Some(_)) => {}
        (None, None) => {
            return problem(
                at.key("preset"),
                "reads no source: add source = \"...\" (the service's metrics) here or in [domain.traffic]",
            )
        }
    }
    if let Some(handler) = &side.handler {
        non_empty(at.key("handler"), handler, "handler")?;
    }
    label_names(&side.labels, &at.key("labels"))?;
    if let Some(method) = &side.method {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return problem(
                at.key("method"),
                format!("\"{method}\" is not an HTTP method: expected e.g. \"GET\" (in capitals)"),
            );
        }
    }
    Ok(())
}

/// `labels = { name = "value" }`: names a selector can use.
fn label_names(labels: &BTreeMap<String, String>, at: &KeyPath) -> Checked {
    for name in labels.keys() {
        let mut chars = name.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || name == "__name__" {
            return problem(
                at.key(name),
                format!("\"{name}\" is not a label name (letters, digits and _, not starting with a digit)"),
            );
        }
    }
    Ok(())
}

fn queue(config: &Config, queue: &Queue, at: &KeyPath) -> Checked {
    if let Some(source) = &queue.source {
        known_source(config, at.key("source"), source)?;
    }
    match &queue.preset {
        Some(preset_name) => {
            non_empty(at.key("preset"), preset_name, "preset name")?;
            let Some(preset) = presets::queue(preset_name) else {
                return problem(
                    at.key("preset"),
                    format!(
                        "unknown queue preset \"{preset_name}\"; known: {}",
                        presets::names(presets::QUEUES, |p| p.name)
                    ),
                );
            };
            if queue.depth.is_some() {
                return problem(
                    at.key("depth"),
                    format!("depth and preset = \"{preset_name}\" are both set: keep one"),
                );
            }
            if queue.source.is_none() {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs source = \"...\": the source of the broker's metrics"),
                );
            }
            let used: Vec<&str> = preset
                .required
                .iter()
                .chain(preset.optional)
                .copied()
                .collect();
            for key in presets::QUEUE_KEYS {
                match presets::queue_key(queue, key) {
                    Some(_) if !used.contains(key) => {
                        return problem(
                            at.key(key),
                            format!(
                                "preset = \"{preset_name}\" does not use {key}; it reads {}",
                                used.join(", ")
                            ),
                        )
                    }
                    Some(value) => non_empty(at.key(key), value, key)?,
                    None => {}
                }
            }
            if let Some(key) = preset
                .required
                .iter()
                .find(|k| presets::queue_key(queue, k).is_none())
            {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs {key} = \"...\""),
                );
            }
        }
        None => {
            if let Some(name) = presets::QUEUE_KEYS
                .iter()
                .find(|k| presets::queue_key(queue, k).is_some())
            {
                return problem(
                    at.key(name),
                    format!("{name} is used only with a preset (preset = \"rabbitmq\", \"kafka\" or \"redis-stream\")"),
                );
            }
            if queue.depth.is_none() {
                return problem(
                    at.clone(),
                    "needs depth = '<selector>' or a preset (preset = \"rabbitmq\", \"kafka\" or \"redis-stream\")",
                );
            }
        }
    }
    for (name, value) in [("warn", queue.warn), ("crit", queue.crit)] {
        if let Some(v) = value {
            if !v.is_finite() || v < 0.0 {
                return problem(
                    at.key(name),
                    format!("{v} is not a number of messages (0 or more)"),
                );
            }
        }
    }
    if let (Some(warn), Some(crit)) = (queue.warn, queue.crit) {
        if warn > crit {
            return problem(
                at.key("warn"),
                format!("warn ({warn}) is above crit ({crit})"),
            );
        }
    }
    Ok(())
}

fn saga(config: &Config, saga: &Saga, at: &KeyPath) -> Checked {
    if let Some(source) = &saga.source {
        known_source(config, at.key("source"), source)?;
    }
    let keys = [
        ("saga", saga.saga.as_deref()),
        ("workflow_type", saga.workflow_type.as_deref()),
    ];
    let Some(preset_name) = &saga.preset else {
        if let Some((key, _)) = keys.iter().find(|(_, v)| v.is_some()) {
            return problem(
                at.key(key),
                format!(
                    "{key} is used only with a preset (preset = \"{}\")",
                    if *key == "saga" { "saga" } else { "temporal" }
                ),
            );
        }
        if saga.failed.is_none() {
            return problem(
                at.clone(),
                "needs failed = '<selector>' or a preset (preset = \"saga\" with saga = \"...\", \
                 or preset = \"temporal\" with workflow_type = \"...\")",
            );
        }
        return Ok(());
    };
    non_empty(at.key("preset"), preset_name, "preset name")?;
    let Some(preset) = presets::saga(preset_name) else {
        return problem(
            at.key("preset"),
            format!(
                "unknown saga preset \"{preset_name}\"; known: {}",
                presets::names(presets::SAGAS, |p| p.name)
            ),
        );
    };
    let written = [
        ("failed", saga.failed.is_some()),
        ("compensated", saga.compensated.is_some()),
        ("started", saga.started.is_some()),
        ("in_progress", saga.in_progress.is_some()),
    ];
    if let Some((key, _)) = written.iter().find(|(_, set)| *set) {
        return problem(
            at.key(key),
            format!("with preset = \"{preset_name}\" the signals come from the preset: remove {key}, or the preset"),
        );
    }
    if saga.source.is_none() {
        return problem(
            at.key("preset"),
            format!("preset = \"{preset_name}\" needs source = \"...\": the source of the service's metrics"),
        );
    }
    for (key, value) in keys {
        match value {
            Some(_) if key != preset.key => {
                return problem(
                    at.key(key),
                    format!(
                        "preset = \"{preset_name}\" does not use {key}; it reads {}",
                        preset.key
                    ),
                )
            }
            Some(v) => non_empty(at.key(key), v, key)?,
            None if key == preset.key => {
                return problem(
                    at.key("preset"),
                    format!("preset = \"{preset_name}\" needs {key} = \"...\""),
                )
            }
            None => {}
        }
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

fn rollback(rollback: &Rollback, at: &KeyPath) -> Checked {
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
    for (i, step) in rollback.steps.iter().enumerate() {
        let step_at = at.key("step").index(i);
        if step.timeout().is_some_and(|t| t.as_millis() == 0) {
            return problem(step_at.key("timeout"), "must be longer than 0s");
        }
        match step {
            Step::Haproxy(s) => haproxy_step(s, &step_at)?,
            Step::Http(s) => http_step(s, &step_at)?,
            Step::Exec(s) => exec_step(s, &step_at)?,
        }
    }
    Ok(())
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

fn known_source<'c>(config: &'c Config, path: KeyPath, name: &str) -> Result<&'c Source, Problem> {
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

fn ratio(path: KeyPath, value: f64) -> Checked {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        problem(path, format!("{value} is not a ratio between 0 and 1"))
    }
}

/// A name of the config (domain, source, queue, saga): not empty and on one line. Names are
/// printed at the start of lines and rows by every subcommand; one holding a line break could
/// print a line of its own that looks like cutover's ("… rollback succeeded, verified").
fn name(path: KeyPath, value: &str, what: &str) -> Checked {
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
fn skeleton(name: &str) -> String {
    name.chars()
        .filter(|&c| !crate::term_text::is_invisible_format(c))
        .collect()
}

fn non_empty(path: KeyPath, value: &str, what: &str) -> Checked {
    if value.trim().is_empty() {
        problem(path, format!("the {what} is empty"))
    } else {
        Ok(())
    }
}

fn env_name(path: KeyPath, name: &str) -> Checked {
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
/// (see [`super::url_form`]).
fn http_url(path: KeyPath, url: &str) -> Checked {
    if let Some(why) = super::url_form::problem(url) {
        return problem(path, why);
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        Ok(_) => problem(
            path,
            format!(
                "\"{}\" is not an http:// or https:// URL",
                super::redact::url(url)
            ),
        ),
        Err(error) => problem(
            path,
            format!("\"{}\" is not a URL: {error}", super::redact::url(url)),
        ),
    }
}

fn header(path: KeyPath, name: &str, value: &str) -> Checked {
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
