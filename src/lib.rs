//! cutover: a terminal cockpit for strangler-fig migrations.
/// Scraped bodies to samples: the exposition parser, the pre-filter, Prometheus query answers.
pub mod ingest;
