//! cutover: a terminal cockpit for strangler-fig migrations.
//!
//! Data flows one way: sources → ingest (filter + parse) → store → figures → views, with the
//! recorder tapping after ingest and actions passing one central gate.

/// Pure functions from the store to the figures every view reports.
pub mod figures;
/// Parsing scraped bodies: the zero-copy exposition parser, the family pre-filter, query API answers.
pub mod ingest;
/// The compiled configuration: numbered signals per source and domain.
pub mod plan;
/// PromQL instant-vector selectors.
pub mod selector;
/// Per-signal history bounded by `history`.
pub mod store;
