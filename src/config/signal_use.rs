//! Every signal a config writes, with its key path and resolved source: walked once here for
//! the validation (selectors that parse, sources that exist) and for `check`'s listing.

use super::locate::KeyPath;
use super::model::{Config, Side, Signal};

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
}

/// Calls `visit(path, domain, source, signal)` for every signal, with its resolved source.
pub(super) fn for_each_signal<'a>(
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
                    ("auth_failures", signals.auth_failures.as_ref()),
                    ("rate_limited", signals.rate_limited.as_ref()),
                    ("client_errors", signals.client_errors.as_ref()),
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
        for (i, entry) in domain.data.iter().enumerate() {
            let data_at = at.key("data").index(i);
            for name in super::data_model::DATA_SIGNAL_KEYS {
                if let Some(signal) = entry.signal(name) {
                    visit(
                        data_at.key(name),
                        &domain.name,
                        signal.source_name(entry.source.as_deref()),
                        signal,
                    );
                }
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
