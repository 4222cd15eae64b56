//! Ingest: turning scraped bodies into samples. Parsing is zero-copy and tolerant;
//! the pre-filter skips families no selector needs before they are parsed.
pub mod exemplar;
pub mod exposition;
pub mod family_filter;
mod lexer;
pub mod limits;
mod line_reader;
pub mod prefilter;
pub mod query_api;
pub mod query_decode;
pub mod query_error;
pub mod query_range;
pub mod sample;
