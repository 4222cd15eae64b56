//! Prometheus HTTP query API answers (instant queries).
