//! cutover: a terminal cockpit for strangler-fig migrations.

/// Turning scraped bodies into samples: the exposition parser, its pre-filter, query API answers.
pub mod ingest;
/// Where bodies come from: HTTP scrape and Prometheus query API polling, with limits and auth.
pub mod source;
