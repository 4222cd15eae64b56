//! One poll of one source over HTTP: the request on the client built in `client`, the body
//! read within limits in `body`, and every failure put in words in `words`.
//!
//! gzip is inflated by `body` rather than by the HTTP client so that `max_body` bounds both
//! what crosses the network and what lands in memory.

use std::fmt;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::Url;

use super::body::{lossy_utf8, read_body};
use super::buffer::BodyReturn;
use super::client::{query_endpoint, NO_CACHE};
use super::progress::Progress;
use super::redactor::Redactor;
use super::words::{
    http_status, query_failure, request_failure, shorten, FetchError, RequestFailure,
};
use super::{Auth, PollError, ScrapeOutcome, SourceError, SourceKind, SourceSpec};

mod range;
use crate::ingest::limits::Limits;
use crate::ingest::query_api::{answer_to_exposition, parse_instant, QueryError};

pub use super::client::{MAX_REDIRECTS, SCRAPE_ACCEPT};

/// Bytes read from a non-2xx body: enough for an error message or a JSON error envelope.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A query longer than this is sent as a POST form, as Prometheus's API allows: a batched
/// selector's regex can outgrow what servers and proxies take in a URL (often 4–8 KB).
pub(super) const GET_QUERY_LIMIT: usize = 2048;

/// Queries of one source in flight at once. Prometheus evaluates 20 at a time by default
/// (`--query.max-concurrency`) and accepts 512 connections (`--web.max-connections`): hundreds
/// of PromQL signals sent at once would wait in its accept queue until connects time out.
pub(super) const QUERIES_IN_FLIGHT: usize = 16;

/// A configured source ready to be polled: the HTTP client (connection pool, TLS roots,
/// headers) is built once, so each poll only sends a request.
pub struct Fetcher {
    name: String,
    kind: SourceKind,
    client: reqwest::Client,
    url: Url,
    auth: Auth,
    queries: Vec<String>,
    batch: Vec<String>,
    max_body: u64,
    timeout: Duration,
    limits: Limits,
    redactor: Redactor,
    /// The body buffer of the previous poll, when its consumer gave it back.
    spare: BodyReturn,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &crate::redact::url(self.url.as_str()))
            .field("auth", &self.auth)
            .field("queries", &self.queries)
            .field("batch", &self.batch)
            .field("max_body", &self.max_body)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Checks the spec (URL, headers, CA file) and builds the client. Errors name the source
    /// and the faulty item, never a secret.
    pub fn new(spec: &SourceSpec) -> Result<Fetcher, SourceError> {
        Fetcher::with_idle_connections(spec, true)
    }

    /// [`Fetcher::new`], keeping a connection open between polls only with `keep_idle`: with
    /// more sources than poll slots, idle connections would hold descriptors the polls need
    /// (see `concurrency`).
    pub fn with_idle_connections(
        spec: &SourceSpec,
        keep_idle: bool,
    ) -> Result<Fetcher, SourceError> {
        let (client, url) = super::client::build(spec, keep_idle)?;
        Ok(Fetcher {
            name: spec.name.clone(),
            kind: spec.kind.clone(),
            client,
            url,
            auth: spec.auth.clone(),
            queries: spec.queries.clone(),
            batch: spec.batch.clone(),
            max_body: spec.max_body,
            timeout: spec.timeout,
            limits: spec.limits,
            redactor: Redactor::for_spec(spec),
            spare: BodyReturn::default(),
        })
    }

    /// Where this source's bodies go back to once read, for the next poll to read into.
    pub fn body_return(&self) -> BodyReturn {
        self.spare.clone()
    }

    /// Gives an outcome of this source back, for its body's memory to take the next poll
    /// (see `buffer`). The live feed does the same through [`super::BodyReturns`].
    pub fn recycle(&self, outcome: ScrapeOutcome) {
        if let (SourceKind::Scrape, true, Ok(body)) =
            (&self.kind, outcome.source == self.name, outcome.result)
        {
            self.spare.put(body);
        }
    }

    /// The source's configured name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bound on one whole poll.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Polls the source once. Never fails: every failure is an `Err` in the outcome,
    /// and the whole poll (connect, request, body, every query) is bounded by the timeout.
    pub async fn fetch(&self) -> ScrapeOutcome {
        let progress = Progress::default();
        let at_ms = crate::clock::now_ms();
        let started = Instant::now();
        let attempt = async {
            match self.kind {
                SourceKind::Scrape => self.scrape(&progress).await,
                SourceKind::Prometheus => self.query_all(&progress).await,
            }
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::TimedOut(self.timeout)),
        };
        ScrapeOutcome {
            source: self.name.clone(),
            at_ms,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes: progress.wire_bytes(),
            status: progress.status(),
            result: match result {
                Ok(body) => Ok(self.redactor.redact_body(body)),
                Err(failure) => Err(PollError::Failed(
                    self.redactor.redact(&failure.to_string()),
                )),
            },
        }
    }

    /// An exposition endpoint: 2xx gives the body, anything else an error with the status.
    async fn scrape(&self, progress: &Progress) -> Result<String, FetchError> {
        let response = self
            .send(|| self.authorize(self.client.get(self.url.clone())))
            .await
            .map_err(|e| self.request_failure(&e))?;
        let status = response.status();
        progress.set_status(status);
        if status.is_success() {
            let read = read_body(response, self.max_body, progress, self.spare.take()).await;
            match read.problem {
                Some(problem) => Err(problem.into()),
                None => Ok(lossy_utf8(read.data)),
            }
        } else {
            let limit = self.max_body.min(ERROR_BODY_LIMIT);
            let read = read_body(response, limit, progress, Vec::new()).await;
            Err(http_status(status, &read.data, &self.redactor).into())
        }
    }

    /// Every query of a query source, with the tag its series get: the PromQL expressions
    /// (tagged with their text), then the batched selectors (untagged).
    pub(super) fn all_queries(&self) -> Vec<(&str, Option<&str>)> {
        let tagged = self.queries.iter().map(|q| (q.as_str(), Some(q.as_str())));
        let batched = self.batch.iter().map(|q| (q.as_str(), None));
        tagged.chain(batched).collect()
    }

    /// A query API: every query concurrently; the body is their answers as exposition text, in
    /// query order. One failing query fails the poll, so figures never mix fresh and missing.
    async fn query_all(&self, progress: &Progress) -> Result<String, FetchError> {
        let queries = self.all_queries();
        if queries.is_empty() {
            // Nothing to evaluate, but `check` and `status` still need to know the API answers.
            return match self
                .query_one("vector(1)", Some("vector(1)"), progress)
                .await
            {
                Ok(_) => Ok(String::new()),
                Err(failure) => Err(FetchError::Probe(Box::new(failure))),
            };
        }
        // Built first: a stream over a closure trips the Send check of the spawned poll.
        let asks: Vec<_> = queries
            .iter()
            .map(|&(query, tag)| self.query_one(query, tag, progress))
            .collect();
        let answers: Vec<_> = futures_util::stream::iter(asks)
            .buffered(QUERIES_IN_FLIGHT)
            .collect()
            .await;
        let mut body = String::new();
        for (index, ((query, _), answer)) in queries.iter().zip(answers).enumerate() {
            match answer {
                Ok(text) => body.push_str(&text),
                Err(failure) => {
                    return Err(FetchError::Query {
                        index: index + 1,
                        query: shorten(query, 80),
                        failure: Box::new(failure),
                    })
                }
            }
        }
        Ok(body)
    }

    /// One instant query, for the newest samples (see [`NO_CACHE`]), as a POST form when it is
    /// long. The API's own error envelope (400 bad_data, 422 execution, 503 timeout, ...) is
    /// shown as the API's words; a non-JSON error (a proxy's HTML page) as the HTTP status and
    /// a snippet.
    async fn query_one(
        &self,
        query: &str,
        tag: Option<&str>,
        progress: &Progress,
    ) -> Result<String, FetchError> {
        let params = [("query", query), NO_CACHE];
        let response = self
            .send(|| {
                let endpoint = query_endpoint(&self.url);
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
        if status.is_success() {
            progress.set_status_if_unset(status);
        } else {
            progress.set_status(status);
        }
        if status.is_success() {
            if let Some(problem) = read.problem {
                return Err(problem.into());
            }
            return decode_off_runtime(read.data, tag, self.limits)
                .await
                .map_err(|e| match e {
                    Decode::Query(error) => query_failure(error, &self.redactor),
                    Decode::Task(words) => FetchError::DecodeTask(words),
                });
        }
        // A non-2xx body cut short still tells enough for the error text.
        match parse_instant(&read.data) {
            Err(error @ QueryError::Api { .. }) => Err(query_failure(error, &self.redactor)),
            Ok(_) | Err(_) => Err(http_status(status, &read.data, &self.redactor).into()),
        }
    }

    /// Sends the request; when no connection could be set up within half the timeout (see
    /// `connect_timeout` in `client`), tries once more on a fresh one. The whole poll
    /// stays bounded by the timeout in [`Fetcher::fetch`].
    async fn send(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, reqwest::Error> {
        match request().send().await {
            Err(e) if e.is_connect() && e.is_timeout() => {
                tracing::debug!(source = %self.name, "connect timed out; trying once more");
                request().send().await
            }
            other => other,
        }
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token.expose()),
            Auth::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
        }
    }

    fn request_failure(&self, error: &reqwest::Error) -> RequestFailure {
        request_failure(error, self.url.scheme() == "https", self.timeout)
    }
}

/// Why an answer could not be read: the API's own words, or the decoding task failing.
enum Decode {
    Query(QueryError),
    Task(String),
}

/// Reads an answer into exposition text on a blocking thread: tens of MB of JSON must not
/// hold a runtime worker (keys, signals, other sources' polls).
async fn decode_off_runtime(
    data: Vec<u8>,
    tag: Option<&str>,
    limits: Limits,
) -> Result<String, Decode> {
    let tag = tag.map(str::to_string);
    let decoded = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        answer_to_exposition(&data, tag.as_deref(), &limits, &mut text).map(|_| text)
    })
    .await;
    match decoded {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(error)) => Err(Decode::Query(error)),
        Err(error) => Err(Decode::Task(error.to_string())),
    }
}
