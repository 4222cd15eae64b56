//! A query API's history in one go: `status` asks `/api/v1/query_range` for the window instead
//! of polling through it, and gets one outcome per step, as if it had polled all along.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::Url;

use super::super::body::read_body;
use super::super::client::NO_CACHE;
use super::super::progress::Progress;
use super::super::words::{http_status, query_failure, shorten, FetchError};
use super::{Fetcher, ERROR_BODY_LIMIT, GET_QUERY_LIMIT, QUERIES_IN_FLIGHT};
use crate::ingest::query_range::{add_steps, parse_range};
use crate::source::{PollError, ScrapeOutcome, SourceKind};

/// Prometheus refuses a range with more points per series than this.
pub(super) const MAX_POINTS: u64 = 11_000;

impl Fetcher {
    /// The source's queries over `[end - span, end]` at `step`: one outcome per step, oldest
    /// first, each body the exposition text an instant poll at that time would have given.
    /// A failure is one failed outcome at `end_ms`. A scrape source has no history: it gets one
    /// ordinary poll.
    pub async fn fetch_range(
        &self,
        end_ms: i64,
        span: Duration,
        step: Duration,
    ) -> Vec<ScrapeOutcome> {
        let queries = self.all_queries();
        if self.kind != SourceKind::Prometheus || queries.is_empty() {
            return vec![self.fetch().await];
        }
        let step_ms = i64::try_from(step.as_millis()).unwrap_or(i64::MAX).max(1);
        let points = (span.as_millis() as i64 / step_ms).clamp(1, MAX_POINTS as i64 - 1);
        let start_ms = end_ms - points * step_ms;
        let progress = Progress::default();
        let started = Instant::now();
        let attempt = async {
            let mut steps: BTreeMap<i64, String> = BTreeMap::new();
            for k in 0..=points {
                steps.insert(start_ms + k * step_ms, String::new());
            }
            let asks: Vec<_> = queries
                .iter()
                .map(|&(q, _)| self.range_one(q, start_ms, end_ms, step_ms, &progress))
                .collect();
            let answers: Vec<_> = futures_util::stream::iter(asks)
                .buffered(QUERIES_IN_FLIGHT)
                .collect()
                .await;
            for (index, (&(query, tag), answer)) in queries.iter().zip(answers).enumerate() {
                match answer {
                    Ok(series) => add_steps(tag, &series, &mut steps),
                    Err(words) => {
                        return Err(format!(
                            "range query {} (`{}`): {words}",
                            index + 1,
                            shorten(query, 80)
                        ))
                    }
                }
            }
            Ok(steps)
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::TimedOut(self.timeout).to_string()),
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let outcome = |at_ms: i64, last: bool, result: Result<String, PollError>| ScrapeOutcome {
            source: self.name.clone(),
            at_ms,
            duration_ms: if last { duration_ms } else { 0 },
            bytes: if last { progress.wire_bytes() } else { 0 },
            status: progress.status(),
            result,
        };
        match result {
            Ok(steps) => {
                let n = steps.len();
                steps
                    .into_iter()
                    .enumerate()
                    .map(|(i, (at, body))| {
                        outcome(at, i + 1 == n, Ok(self.redactor.redact_body(body)))
                    })
                    .collect()
            }
            Err(words) => vec![outcome(
                end_ms,
                true,
                Err(PollError::Failed(self.redactor.redact(&words))),
            )],
        }
    }

    /// One range query, read into series; errors in words as for instant queries.
    async fn range_one(
        &self,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        progress: &Progress,
    ) -> Result<Vec<crate::ingest::query_range::RangeSeries>, FetchError> {
        let seconds = |ms: i64| format!("{:.3}", ms as f64 / 1000.0);
        let params = [
            ("query", query.to_string()),
            ("start", seconds(start_ms)),
            ("end", seconds(end_ms)),
            ("step", seconds(step_ms)),
            (NO_CACHE.0, NO_CACHE.1.to_string()),
        ];
        let response = self
            .send(|| {
                let endpoint = range_endpoint(&self.url);
                self.authorize(if query.len() > GET_QUERY_LIMIT {
                    self.client.post(endpoint).form(&params)
                } else {
                    self.client.get(endpoint).query(&params)
                })
            })
            .await
            .map_err(|e| self.request_failure(&e))?;
        let status = response.status();
        let limit = if status.is_success() {
            self.max_body
        } else {
            self.max_body.min(ERROR_BODY_LIMIT)
        };
        let read = read_body(response, limit, progress, Vec::new()).await;
        progress.set_status(status);
        if status.is_success() {
            if let Some(problem) = read.problem {
                return Err(problem.into());
            }
        }
        match parse_range(&read.data, &self.limits) {
            Ok(series) if status.is_success() => Ok(series),
            Ok(_) => Err(http_status(status, &read.data, &self.redactor).into()),
            Err(error @ crate::ingest::query_api::QueryError::Api { .. }) => {
                Err(query_failure(error, &self.redactor))
            }
            Err(error) if status.is_success() => Err(query_failure(error, &self.redactor)),
            Err(_) => Err(http_status(status, &read.data, &self.redactor).into()),
        }
    }
}

/// `<base>/api/v1/query_range`, keeping a base path as the instant endpoint does.
fn range_endpoint(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/query_range", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}
