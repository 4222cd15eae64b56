//! cutover: a terminal cockpit for strangler-fig migrations.
//!
//! Data flows one way: sources → ingest (filter + parse) → store → figures → views, with the
//! recorder tapping after ingest and actions passing one central gate.

/// Pure functions from the store to the figures every view reports.
pub mod figures;
/// The compiled configuration: numbered signals per source and domain.
pub mod plan;
pub mod selector;
/// Per-signal history bounded by `history`.
pub mod store;
/// Events and per-domain trends derived from successive statuses (pure).
pub mod timeline;
/// The terminal cockpit: state, keys, themes, views and the event loop.
pub mod ui;
