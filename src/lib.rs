//! cutover: a terminal cockpit for strangler-fig migrations.
pub mod simulate;
