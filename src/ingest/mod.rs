//! Ingest: turning scraped bodies into samples. Parsing is zero-copy and tolerant;
//! the pre-filter skips families no selector needs before they are parsed.
pub mod exposition;
pub mod limits;
pub mod prefilter;
pub mod query_api;
pub mod query_decode;
pub mod query_range;
