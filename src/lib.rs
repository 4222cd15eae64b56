//! cutover: a terminal cockpit for strangler-fig migrations.
/// The TOML configuration: model, loading with file:line:key errors, lookup and trust.
pub mod config;
/// PromQL instant-vector selectors: parse, match, the metric name they fix.
pub mod selector;
