//! cutover: a terminal cockpit for strangler-fig migrations.
//!
//! Data flows one way: sources → ingest (filter + parse) → store → figures → views, with the
//! recorder tapping after ingest and actions passing one central gate.

// Nothing prints around the sanitizer in `term_text` (clippy.toml names what is disallowed).
#![deny(clippy::disallowed_macros, clippy::disallowed_methods)]

/// Rollback: the one gate, the audit log, the step kinds, verification against the metrics.
pub mod action;
/// glibc's malloc arenas bounded before any thread starts: memory follows what is live.
pub mod allocator;
/// The command line: subcommands, config loading, exit codes.
pub mod cli;
/// The wall clock in milliseconds, read in one place.
pub mod clock;
/// From the config file to what runs: the plan, source specs, rollback steps.
pub mod compile;
/// The configuration file: serde types, loading with file:line:key errors, validation.
pub mod config;
/// The bundled demo recording and how it is made.
pub mod demo;
/// The pipeline from scrapes to figures, shared by live, `status`, replay and the demo.
pub mod engine;
/// The engine on a thread of its own, so that no parse holds keys, signals or quitting.
pub mod engine_thread;
/// The events timeline kept in the state dir across live sessions: bounded, sanitized on reload.
pub mod event_memory;
/// Feeds for the cockpit: live polling and replay, each with its own engine task.
pub mod feed;
/// Pure functions from the store to the figures every view reports.
pub mod figures;
/// Numbers, durations, sizes and clock times in words: one function per format.
pub mod format;
/// Parsing scraped bodies: the zero-copy exposition parser, the family pre-filter, query API answers.
pub mod ingest;
/// Is the new path worse than the monolith: statistical tests, burn rates, hysteresis.
pub mod judge;
/// The exemplar each signal keeps: the newest, or the slowest bucket's.
pub mod kept_exemplar;
/// Reading local files whole: regular files only, with a size cap.
pub mod local_file;
/// Where the figures come from: live, a replay or the demo; one type from engine to header.
pub mod mode;
/// Notifications: the bell's reasons and the `[[notify]]` webhooks, sent off every loop.
pub mod notify;
/// The compiled configuration: numbered signals per source and domain.
pub mod plan;
/// Selectors written for known exporters (HAProxy, RabbitMQ, Kafka, Redis streams, ...).
pub mod presets;
/// What a queue figure counts (`lag`, `ready`, `pending`, ...): one type from preset to JSON.
pub mod queue_meaning;
/// Recordings: gzip JSON lines, truncation-tolerant.
pub mod record;
/// Secrets out of what is shown or written: secret names, URLs, bodies, known values.
pub mod redact;
/// Files cutover trusts or writes: no links followed, owner and mode checked, never chmodded.
pub mod safe_fs;
/// PromQL instant-vector selectors.
pub mod selector;
/// Where bodies come from: HTTP scrapes and Prometheus query APIs, polled concurrently.
pub mod source;
/// Where a domain's migration stands: one type from the config file to `status --json`.
pub mod stage;
/// `cutover init`: a starter config from what endpoints serve.
pub mod starter;
/// Per-signal history bounded by the figures' window.
pub mod store;
/// The one sanitizer for text on its way to a terminal.
pub mod term_text;
/// Events and per-domain trends derived from successive statuses (pure).
pub mod timeline;
/// Trace IDs from exemplars: validated before they are kept, shown or linked.
pub mod trace_id;
/// `[tracing] url`: the checked template that turns a trace ID into a link.
pub mod trace_url;
/// The terminal cockpit: state, keys, themes, views and the event loop. It owns stdout through
/// its backend, which checks every cell it writes (`ui::backend`).
#[allow(clippy::disallowed_methods)]
pub mod ui;
