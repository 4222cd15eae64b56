//! One poll of one source over HTTP: the request (headers, auth, TLS, redirects), the body
//! (size limits on the wire and after gzip inflation), and every failure put in words.
//!
//! gzip is inflated here rather than by the HTTP client so that `max_body` bounds both what
//! crosses the network and what lands in memory: a small compressed body that inflates to
//! gigabytes stops at the limit instead of exhausting the host.

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, USER_AGENT};
use reqwest::{redirect, StatusCode, Url};

use super::{Auth, ScrapeOutcome, SourceError, SourceKind, SourceSpec};

mod range;
use crate::ingest::limits::Limits;
use crate::ingest::query_api::{answer_to_exposition, parse_instant, QueryError};
use crate::secret_text::SecretValues;

/// Prefer the classic text format (the one every exporter speaks), accept OpenMetrics, and
/// take anything rather than a 406. No `escaping=allow-utf-8`: quoted names are not asked for.
pub const SCRAPE_ACCEPT: &str =
    "text/plain;version=0.0.4;q=1.0,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

/// Redirects followed before giving up; a metrics endpoint rarely needs more than one.
pub const MAX_REDIRECTS: usize = 5;

/// Characters of an error body quoted in the error text.
const ERROR_SNIPPET_CHARS: usize = 120;

/// Characters of a query API's `errorType` quoted (Prometheus's are single words).
const ERROR_TYPE_CHARS: usize = 40;

/// Bytes read from a non-2xx body: enough for an error message or a JSON error envelope.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A configured source ready to be polled: the HTTP client (connection pool, TLS roots,
/// headers) is built once, so each poll only sends a request.
pub struct Fetcher {
    name: String,
    kind: SourceKind,
    client: reqwest::Client,
    url: Url,
    auth: Auth,
    queries: Vec<String>,
    max_body: u64,
    timeout: Duration,
    limits: Limits,
    redactor: Redactor,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &url_without_password(self.url.as_str()))
            .field("auth", &self.auth)
            .field("queries", &self.queries)
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
        let url = parse_url(spec)?;
        let mut headers = HeaderMap::new();
        if spec.kind == SourceKind::Scrape {
            headers.insert(ACCEPT, HeaderValue::from_static(SCRAPE_ACCEPT));
        } else {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("cutover/", env!("CARGO_PKG_VERSION"))),
        );
        for (name, value) in &spec.headers {
            let bad = || SourceError::BadHeader {
                source_name: spec.name.clone(),
                header: name.clone(),
            };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let mut value = HeaderValue::from_str(value).map_err(|_| bad())?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        check_auth(spec)?;

        // No proxy from the environment, as Prometheus: an `HTTP_PROXY` set for internet
        // access on a bastion would otherwise carry internal scrapes (and their credentials).
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .no_proxy()
            .no_gzip()
            .default_headers(headers)
            // Half the timeout, and one fresh try after it (`send`): a poll needs at least two
            // round trips (the handshake, then the request), so a connection slower than half
            // the timeout could never have answered in time anyway, while a SYN dropped by a
            // full listen backlog would only be sent again by the kernel after a second.
            .connect_timeout(spec.timeout / 2)
            .pool_max_idle_per_host(if keep_idle { usize::MAX } else { 0 })
            .redirect(redirect_policy(&url, !spec.headers.is_empty()))
            .danger_accept_invalid_certs(spec.insecure_skip_verify);
        if let Some(path) = &spec.ca_file {
            for certificate in read_ca_file(&spec.name, path)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder.build().map_err(|e| SourceError::Client {
            source_name: spec.name.clone(),
            reason: error_chain_words(&e),
        })?;

        Ok(Fetcher {
            name: spec.name.clone(),
            kind: spec.kind.clone(),
            client,
            url,
            auth: spec.auth.clone(),
            queries: spec.queries.clone(),
            max_body: spec.max_body,
            timeout: spec.timeout,
            limits: spec.limits,
            redactor: Redactor::for_spec(spec),
        })
    }

    /// The source's configured name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bound on one whole poll.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Polls the source once. Never fails: every failure is an `Err` in words in the outcome,
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
            Err(_) => Err(format!("timed out after {}", fmt_duration(self.timeout))),
        };
        ScrapeOutcome {
            source: self.name.clone(),
            at_ms,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes: progress.wire_bytes(),
            status: progress.status(),
            result: match result {
                Ok(body) => Ok(self.redactor.redact_body(body)),
                Err(words) => Err(self.redactor.redact(&words)),
            },
        }
    }

    /// An exposition endpoint: 2xx gives the body, anything else an error with the status.
    async fn scrape(&self, progress: &Progress) -> Result<String, String> {
        let response = self
            .send(|| self.authorize(self.client.get(self.url.clone())))
            .await
            .map_err(|e| self.request_error_words(&e))?;
        let status = response.status();
        progress.set_status(status);
        if status.is_success() {
            let read = read_body(response, self.max_body, progress).await;
            match read.problem {
                Some(problem) => Err(problem.to_string()),
                None => Ok(lossy_utf8(read.data)),
            }
        } else {
            let read = read_body(response, self.max_body.min(ERROR_BODY_LIMIT), progress).await;
            Err(http_status_words(status, &read.data, &self.redactor))
        }
    }

    /// A query API: every query concurrently; the body is their answers as exposition text, in
    /// query order. One failing query fails the poll, so figures never mix fresh and missing.
    async fn query_all(&self, progress: &Progress) -> Result<String, String> {
        if self.queries.is_empty() {
            // Nothing to evaluate, but `check` and `status` still need to know the API answers.
            return match self.query_one("vector(1)", progress).await {
                Ok(_) => Ok(String::new()),
                Err(words) => Err(format!("probe query `vector(1)`: {words}")),
            };
        }
        let answers = futures_util::future::join_all(
            self.queries
                .iter()
                .map(|query| self.query_one(query, progress)),
        )
        .await;
        let mut body = String::new();
        for (index, (query, answer)) in self.queries.iter().zip(answers).enumerate() {
            match answer {
                Ok(text) => body.push_str(&text),
                Err(words) => {
                    return Err(format!(
                        "query {} (`{}`): {words}",
                        index + 1,
                        shorten(query, 80)
                    ))
                }
            }
        }
        Ok(body)
    }

    /// One instant query. The API's own error envelope (400 bad_data, 422 execution, 503
    /// timeout, ...) is shown as the API's words; a non-JSON error (a proxy's HTML page) as
    /// the HTTP status and a snippet.
    async fn query_one(&self, query: &str, progress: &Progress) -> Result<String, String> {
        let response = self
            .send(|| {
                self.authorize(
                    self.client
                        .get(query_endpoint(&self.url))
                        .query(&[("query", query)]),
                )
            })
            .await
            .map_err(|e| self.request_error_words(&e))?;
        let status = response.status();
        let limit = if status.is_success() {
            self.max_body
        } else {
            self.max_body.min(ERROR_BODY_LIMIT)
        };
        let read = read_body(response, limit, progress).await;
        if status.is_success() {
            progress.set_status_if_unset(status);
        } else {
            progress.set_status(status);
        }
        // A non-2xx body cut short still tells enough for the error text.
        if let (true, Some(problem)) = (status.is_success(), &read.problem) {
            return Err(problem.to_string());
        }
        if status.is_success() {
            return decode_off_runtime(read.data, query, self.limits)
                .await
                .map_err(|e| match e {
                    Decode::Query(error) => query_error_words(error, &self.redactor),
                    Decode::Task(words) => words,
                });
        }
        match parse_instant(&read.data) {
            Ok(_) => Err(http_status_words(status, &read.data, &self.redactor)),
            Err(error @ QueryError::Api { .. }) => Err(query_error_words(error, &self.redactor)),
            Err(_) => Err(http_status_words(status, &read.data, &self.redactor)),
        }
    }

    /// Sends the request; when no connection could be set up within half the timeout (see
    /// `connect_timeout` in [`Fetcher::new`]), tries once more on a fresh one. The whole poll
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

    fn request_error_words(&self, error: &reqwest::Error) -> String {
        request_error_words(error, self.url.scheme() == "https", self.timeout)
    }
}

/// Why an answer could not be read: the API's own words, or the decoding task failing.
enum Decode {
    Query(QueryError),
    Task(String),
}

/// Reads an answer into exposition text on a blocking thread: tens of MB of JSON must not
/// hold a runtime worker (keys, signals, other sources' polls).
async fn decode_off_runtime(data: Vec<u8>, query: &str, limits: Limits) -> Result<String, Decode> {
    let query = query.to_string();
    let decoded = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        answer_to_exposition(&data, &query, &limits, &mut text).map(|_| text)
    })
    .await;
    match decoded {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(error)) => Err(Decode::Query(error)),
        Err(error) => Err(Decode::Task(format!("reading the answer failed: {error}"))),
    }
}

/// A query API's refusal in words: what the server wrote (its `error`, `errorType`, a result
/// type, a label name) is redacted, put on one line and cut, whatever the status it came with.
fn query_error_words(error: QueryError, redactor: &Redactor) -> String {
    match error {
        QueryError::Api {
            error_type,
            message,
        } => format!(
            "the query failed ({}): {}",
            one_line_snippet(&error_type, redactor, ERROR_TYPE_CHARS),
            one_line_snippet(&message, redactor, ERROR_SNIPPET_CHARS)
        ),
        other => one_line_snippet(&other.to_string(), redactor, 2 * ERROR_SNIPPET_CHARS),
    }
}

/// Bytes and status seen so far, kept outside the request future so a poll cut short by the
/// timeout still reports them.
#[derive(Default)]
struct Progress {
    wire_bytes: AtomicU64,
    /// 0 while no status has arrived.
    status: AtomicU32,
}

impl Progress {
    fn add_wire_bytes(&self, n: usize) -> u64 {
        let n = n as u64;
        self.wire_bytes.fetch_add(n, Ordering::Relaxed) + n
    }

    fn wire_bytes(&self) -> u64 {
        self.wire_bytes.load(Ordering::Relaxed)
    }

    fn set_status(&self, status: StatusCode) {
        self.status
            .store(u32::from(status.as_u16()), Ordering::Relaxed);
    }

    fn set_status_if_unset(&self, status: StatusCode) {
        let _ = self.status.compare_exchange(
            0,
            u32::from(status.as_u16()),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    fn status(&self) -> Option<u16> {
        match self.status.load(Ordering::Relaxed) {
            0 => None,
            code => u16::try_from(code).ok(),
        }
    }
}

/// A body as far as it was read; `problem` says why reading stopped early, if it did.
struct BodyRead {
    data: Vec<u8>,
    problem: Option<BodyProblem>,
}

#[derive(Debug, thiserror::Error)]
enum BodyProblem {
    #[error("body over max_body {}", fmt_size(*limit))]
    OverWire { limit: u64 },
    #[error("body over max_body after gzip inflation")]
    OverInflated,
    #[error("gzip body is corrupt or truncated")]
    BadGzip,
    #[error("unsupported Content-Encoding {0:?}")]
    Encoding(String),
    #[error("reading body: {0}")]
    Transport(String),
}

/// Streams the body, counting wire bytes and stopping at `limit` both before and after
/// inflation, so memory never holds more than `limit` bytes of body.
async fn read_body(response: reqwest::Response, limit: u64, progress: &Progress) -> BodyRead {
    let encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .trim()
                .to_ascii_lowercase()
        });
    let gzip = match encoding.as_deref() {
        None | Some("") | Some("identity") => false,
        Some("gzip") | Some("x-gzip") => true,
        Some(other) => {
            return BodyRead {
                data: Vec::new(),
                problem: Some(BodyProblem::Encoding(other.to_string())),
            }
        }
    };
    if response.content_length().is_some_and(|len| len > limit) {
        return BodyRead {
            data: Vec::new(),
            problem: Some(BodyProblem::OverWire { limit }),
        };
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    let expected = response.content_length().unwrap_or(0).min(limit);
    let capacity = usize::try_from(expected).unwrap_or(0);
    let mut sink = BodySink::new(gzip, limit_usize, capacity);
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => return sink.stop(BodyProblem::Transport(error_chain_words(&error))),
        };
        if progress.add_wire_bytes(chunk.len()) > limit {
            return sink.stop(BodyProblem::OverWire { limit });
        }
        if let Err(problem) = sink.write(&chunk) {
            return sink.stop(problem);
        }
    }
    sink.finish()
}

/// Where body bytes go: straight into memory, or through a gzip decoder that writes into
/// the same capped buffer.
enum BodySink {
    Identity(CappedBuffer),
    Gzip(Box<flate2::write::MultiGzDecoder<CappedBuffer>>),
}

impl BodySink {
    fn new(gzip: bool, limit: usize, capacity: usize) -> Self {
        let buffer = CappedBuffer {
            data: Vec::with_capacity(capacity),
            limit,
            over: false,
        };
        if gzip {
            BodySink::Gzip(Box::new(flate2::write::MultiGzDecoder::new(buffer)))
        } else {
            BodySink::Identity(buffer)
        }
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), BodyProblem> {
        match self {
            BodySink::Identity(buffer) => buffer
                .write_all(chunk)
                .map_err(|_| BodyProblem::OverInflated),
            BodySink::Gzip(decoder) => decoder
                .write_all(chunk)
                .map_err(|_| Self::gzip_problem(decoder.get_ref())),
        }
    }

    fn gzip_problem(buffer: &CappedBuffer) -> BodyProblem {
        if buffer.over {
            BodyProblem::OverInflated
        } else {
            BodyProblem::BadGzip
        }
    }

    fn stop(self, problem: BodyProblem) -> BodyRead {
        let data = match self {
            BodySink::Identity(buffer) => buffer.data,
            BodySink::Gzip(mut decoder) => std::mem::take(&mut decoder.get_mut().data),
        };
        BodyRead {
            data,
            problem: Some(problem),
        }
    }

    fn finish(self) -> BodyRead {
        match self {
            BodySink::Identity(buffer) => BodyRead {
                data: buffer.data,
                problem: None,
            },
            BodySink::Gzip(mut decoder) => match decoder.try_finish() {
                Ok(()) => BodyRead {
                    data: std::mem::take(&mut decoder.get_mut().data),
                    problem: None,
                },
                Err(_) => {
                    let problem = Self::gzip_problem(decoder.get_ref());
                    BodySink::Gzip(decoder).stop(problem)
                }
            },
        }
    }
}

/// An in-memory writer that refuses to grow past `limit`, which is what stops a gzip bomb.
struct CappedBuffer {
    data: Vec<u8>,
    limit: usize,
    over: bool,
}

impl Write for CappedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.data.len());
        if buf.len() > room {
            self.over = true;
            return Err(io::Error::other("body over max_body"));
        }
        self.data.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why a redirect chain was not followed to its end.
#[derive(Debug)]
enum RedirectRefused {
    Loop,
    TooMany,
    OtherHost(String),
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::Loop => f.write_str("redirect loop"),
            RedirectRefused::TooMany => write!(f, "more than {MAX_REDIRECTS} redirects"),
            RedirectRefused::OtherHost(host) => write!(
                f,
                "redirect to another host ({host}) refused: the source's headers would be sent there"
            ),
        }
    }
}

impl StdError for RedirectRefused {}

/// Follows up to [`MAX_REDIRECTS`], refuses loops, and refuses to carry configured headers
/// (which may be API keys) to another host: the client strips only `Authorization` there.
fn redirect_policy(origin: &Url, has_headers: bool) -> redirect::Policy {
    let origin_host = origin.host_str().map(str::to_owned);
    let origin_port = origin.port_or_known_default();
    redirect::Policy::custom(move |attempt| {
        let next = attempt.url();
        if attempt.previous().iter().any(|seen| seen == next) {
            return attempt.error(RedirectRefused::Loop);
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(RedirectRefused::TooMany);
        }
        let same_host = next.host_str() == origin_host.as_deref()
            && next.port_or_known_default() == origin_port;
        if has_headers && !same_host {
            let host = next.host_str().unwrap_or("?").to_string();
            return attempt.error(RedirectRefused::OtherHost(host));
        }
        attempt.follow()
    })
}

fn parse_url(spec: &SourceSpec) -> Result<Url, SourceError> {
    let bad = |reason: String| SourceError::BadUrl {
        source_name: spec.name.clone(),
        reason,
    };
    let url = Url::parse(spec.url.trim()).map_err(|e| bad(e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad(format!(
            "scheme {:?} is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host".to_string()));
    }
    Ok(url)
}

/// Rejects credentials that cannot travel in an HTTP header now, rather than at every poll.
fn check_auth(spec: &SourceSpec) -> Result<(), SourceError> {
    let bad = |what: &str| SourceError::BadHeader {
        source_name: spec.name.clone(),
        header: format!("Authorization ({what})"),
    };
    match &spec.auth {
        Auth::None => Ok(()),
        Auth::Bearer(token) => HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map(|_| ())
            .map_err(|_| bad("bearer token")),
        Auth::Basic { username, password } => {
            let valid = |s: &str| !s.chars().any(char::is_control);
            if valid(username) && valid(password.expose()) && !username.contains(':') {
                Ok(())
            } else {
                Err(bad("basic auth"))
            }
        }
    }
}

fn read_ca_file(
    source_name: &str,
    path: &std::path::Path,
) -> Result<Vec<reqwest::Certificate>, SourceError> {
    // A bundle of a few hundred certificates is well under 4 MiB; a FIFO or `/dev/zero` in the
    // file's place is refused instead of hanging or exhausting memory.
    const CA_FILE_CAP: u64 = 4 * 1024 * 1024;
    let pem =
        crate::local_file::read_capped(path, CA_FILE_CAP, crate::local_file::Allow::RegularOnly)
            .map_err(|e| SourceError::CaFileRead {
                source_name: source_name.to_string(),
                path: path.to_path_buf(),
                source: e.into(),
            })?;
    let invalid = |reason: String| SourceError::CaFileInvalid {
        source_name: source_name.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    let mut certificates = Vec::new();
    for der in rustls_pemfile::certs(&mut pem.as_slice()) {
        let der = der.map_err(|e| invalid(e.to_string()))?;
        let certificate =
            reqwest::Certificate::from_der(&der).map_err(|e| invalid(error_chain_words(&e)))?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(SourceError::CaFileNoCertificate {
            source_name: source_name.to_string(),
            path: path.to_path_buf(),
        });
    }
    Ok(certificates)
}

/// `<base>/api/v1/query`, keeping a base path such as `/prometheus` or `/select/0/prometheus`.
fn query_endpoint(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/query", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// Puts a failed request in words. The client's own message names the URL (which may hold
/// a password), so the words are built from the causes instead.
fn request_error_words(error: &reqwest::Error, https: bool, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out after {}", fmt_duration(timeout));
    }
    let mut cause: Option<&(dyn StdError + 'static)> = error.source();
    let mut innermost: Option<String> = None;
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<RedirectRefused>() {
            return refused.to_string();
        }
        if let Some(io_error) = current.downcast_ref::<io::Error>() {
            // An I/O error may wrap another (hyper-rustls wraps the TLS failure twice);
            // the innermost one says what happened.
            let mut io_error = io_error;
            while let Some(inner) = io_error
                .get_ref()
                .and_then(|e| e.downcast_ref::<io::Error>())
            {
                io_error = inner;
            }
            match io_error.kind() {
                io::ErrorKind::ConnectionRefused => return "connection refused".to_string(),
                io::ErrorKind::ConnectionReset => return "connection reset by peer".to_string(),
                io::ErrorKind::TimedOut => {
                    return format!("timed out after {}", fmt_duration(timeout))
                }
                io::ErrorKind::InvalidData if https && error.is_connect() => {
                    return format!("TLS: {io_error}")
                }
                _ => {}
            }
        }
        let text = current.to_string();
        if text == "dns error" || text.contains("failed to lookup address") {
            return "name does not resolve".to_string();
        }
        if !text.is_empty() {
            innermost = Some(text);
        }
        cause = current.source();
    }
    match innermost {
        Some(text) if error.is_connect() => format!("cannot connect: {text}"),
        Some(text) => text,
        None if error.is_connect() => "cannot connect".to_string(),
        None => "request failed".to_string(),
    }
}

/// The causes of an error, innermost last, without the outermost message (which may name the
/// URL).
fn error_chain_words(error: &(dyn StdError + 'static)) -> String {
    let mut words = Vec::new();
    let mut cause = error.source();
    while let Some(current) = cause {
        words.push(current.to_string());
        cause = current.source();
    }
    if words.is_empty() {
        // The outer message is all there is; reqwest puts the URL in parentheses.
        let text = error.to_string();
        return match text.find(" for url (") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
    }
    words.join(": ")
}

/// `HTTP 404 Not Found` for an empty body, else `HTTP 500: <first line of what it said>`.
fn http_status_words(status: StatusCode, body: &[u8], redactor: &Redactor) -> String {
    let snippet = body_snippet(body, redactor);
    if snippet.is_empty() {
        let reason = status.canonical_reason().unwrap_or("");
        format!("HTTP {} {reason}", status.as_u16())
            .trim_end()
            .to_string()
    } else {
        format!("HTTP {}: {snippet}", status.as_u16())
    }
}

/// The first [`ERROR_SNIPPET_CHARS`] characters of a body on one line; for an HTML page, its
/// title (or its text without tags), which is what a person would read.
/// Secrets are taken out before the cut, so the cut cannot leave the start of one behind.
fn body_snippet(body: &[u8], redactor: &Redactor) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let readable = if trimmed.starts_with('<') {
        html_title(trimmed).unwrap_or_else(|| strip_tags(trimmed))
    } else {
        trimmed.to_string()
    };
    one_line_snippet(&readable, redactor, ERROR_SNIPPET_CHARS)
}

/// Text a remote end wrote, as error words may quote it: secrets taken out first, then on one
/// line (a line break in it must not start a line of its own in `check` or `status`, where it
/// could pass for another source's row), then cut to `max` characters.
fn one_line_snippet(text: &str, redactor: &Redactor, max: usize) -> String {
    let readable = redactor.redact(text);
    let one_line = readable.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&one_line, max)
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = html[start..end].trim();
    (!title.is_empty()).then(|| title.to_string())
}

fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// At most `max` characters, with `…` when something was cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn lossy_utf8(data: Vec<u8>) -> String {
    match String::from_utf8(data) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

/// `1.5s`, `2s`, `250ms`: how durations are written in the configuration.
pub(crate) fn fmt_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        format!("{}s", text.trim_end_matches('0'))
    }
}

/// `64 MiB`, `512 KiB`, `1.5 MiB`, `100 B`: how sizes are written in the configuration.
pub(crate) fn fmt_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format!("{} {unit}", bytes / size);
            }
            let text = format!("{:.2}", bytes as f64 / size as f64);
            return format!(
                "{} {unit}",
                text.trim_end_matches('0').trim_end_matches('.')
            );
        }
    }
    format!("{bytes} B")
}

/// The URL with its user info and secret query values replaced, for Debug output.
pub(crate) fn url_without_password(url: &str) -> String {
    crate::config::redact::url(url)
}

/// Removes every configured secret from error text: a server may echo a header back in its
/// error page, and error text reaches the screen, logs and recordings. Bodies are cleaned
/// too, of credentials only: a server that echoes the `Authorization` header into a 200 page
/// or a label value would otherwise put the token into recordings (which keep bad lines).
#[derive(Clone)]
struct Redactor {
    needles: Vec<String>,
    /// The credentials among `needles` that are long enough to look for in a body: replacing
    /// a short value there (a tenant name, a 4-letter password) would garble real data.
    body_needles: Vec<String>,
}

impl Redactor {
    /// Values shorter than this are left alone: they hide nothing and replacing them would
    /// garble the message (a tenant header `1` would turn `HTTP 401` into nonsense).
    const MIN_LEN: usize = 4;
    /// Shorter credentials are not searched for in bodies.
    const MIN_BODY_LEN: usize = 8;

    fn for_spec(spec: &SourceSpec) -> Self {
        let mut needles: Vec<String> = spec.headers.iter().map(|(_, v)| v.clone()).collect();
        let mut credentials: Vec<String> = spec
            .headers
            .iter()
            .filter(|(name, _)| crate::config::redact::is_secret_name(name))
            .map(|(_, v)| v.clone())
            .collect();
        match &spec.auth {
            Auth::None => {}
            Auth::Bearer(token) => credentials.push(token.expose().to_string()),
            Auth::Basic { username, password } => {
                credentials.push(password.expose().to_string());
                credentials.push(base64(
                    format!("{username}:{}", password.expose()).as_bytes(),
                ));
            }
        }
        credentials.extend(crate::config::redact::url_secrets(&spec.url));
        needles.extend(credentials.iter().cloned());
        let tidy = |list: &mut Vec<String>, min_len: usize| {
            list.retain(|n| n.len() >= min_len);
            // Longest first, so a value containing another is replaced whole.
            list.sort_by_key(|n| std::cmp::Reverse(n.len()));
            list.dedup();
        };
        tidy(&mut needles, Self::MIN_LEN);
        tidy(&mut credentials, Self::MIN_BODY_LEN);
        Redactor {
            needles,
            body_needles: credentials,
        }
    }

    /// Every needle replaced, and the start of one left at a cut (`…`) too.
    fn redact(&self, text: &str) -> String {
        SecretValues::new(self.needles.iter().cloned(), Self::MIN_LEN)
            .redact(text)
            .into_owned()
    }

    /// The body, with any credential in it replaced; bodies run to tens of MB, so the body
    /// is only copied when a credential is found.
    fn redact_body(&self, mut body: String) -> String {
        for needle in &self.body_needles {
            if memchr::memmem::find(body.as_bytes(), needle.as_bytes()).is_some() {
                body = body.replace(needle.as_str(), "<redacted>");
            }
        }
        body
    }
}

/// Standard base64, only to recognise a Basic credential echoed back in an error body.
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for group in input.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= group.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_in_the_config() {
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_duration(Duration::from_millis(2000)), "2s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(fmt_duration(Duration::from_millis(1250)), "1.25s");
    }

    #[test]
    fn sizes_read_as_in_the_config() {
        assert_eq!(fmt_size(64 << 20), "64 MiB");
        assert_eq!(fmt_size(1 << 20), "1 MiB");
        assert_eq!(fmt_size(512 << 10), "512 KiB");
        assert_eq!(fmt_size(3 << 19), "1.5 MiB");
        assert_eq!(fmt_size(100), "100 B");
    }

    #[test]
    fn bodies_lose_credentials_but_keep_short_values_and_tenant_headers() {
        let spec = |auth: Auth, headers: Vec<(&str, &str)>| SourceSpec {
            name: "s".into(),
            url: "http://u:url-password-1@127.0.0.1:1/metrics".into(),
            kind: SourceKind::Scrape,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            auth,
            ca_file: None,
            insecure_skip_verify: false,
            max_body: 1 << 20,
            timeout: Duration::from_secs(1),
            queries: Vec::new(),
            limits: Default::default(),
        };
        let bearer = Redactor::for_spec(&spec(
            Auth::Bearer(crate::source::Secret::new("tok-1234567890")),
            vec![
                ("X-Scope-OrgID", "tenant-prod"),
                ("X-Api-Key", "key-abcdefgh"),
            ],
        ));
        let body = "a{auth=\"Bearer tok-1234567890\",t=\"tenant-prod\",k=\"key-abcdefgh\",p=\"url-password-1\"} 1\n";
        assert_eq!(
            bearer.redact_body(body.to_string()),
            "a{auth=\"Bearer <redacted>\",t=\"tenant-prod\",k=\"<redacted>\",p=\"<redacted>\"} 1\n"
        );
        // Error text loses every configured value, the tenant too.
        assert_eq!(
            bearer.redact("HTTP 401: tenant-prod"),
            "HTTP 401: <redacted>"
        );
        let basic = Redactor::for_spec(&spec(
            Auth::Basic {
                username: "ops".into(),
                password: crate::source::Secret::new("orders"),
            },
            Vec::new(),
        ));
        let echoed = format!("Basic {}", base64(b"ops:orders"));
        // A six-letter password is also a label value somewhere: bodies keep it.
        assert_eq!(
            basic.redact_body(format!("q{{queue=\"orders\",h=\"{echoed}\"}} 1\n")),
            "q{queue=\"orders\",h=\"Basic <redacted>\"} 1\n"
        );
    }

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"alice:s3cret"), "YWxpY2U6czNjcmV0");
    }

    impl Redactor {
        fn none() -> Redactor {
            Redactor {
                needles: Vec::new(),
                body_needles: Vec::new(),
            }
        }
    }

    #[test]
    fn snippets_are_redacted_before_they_are_cut() {
        let token = "tok-0123456789abcdefghijklmnop";
        let bearer = Redactor {
            needles: vec![token.to_string()],
            body_needles: vec![token.to_string()],
        };
        for filler in 100..=ERROR_SNIPPET_CHARS {
            let body = format!("{}{token} and more", "x".repeat(filler));
            let words = bearer.redact(&http_status_words(
                StatusCode::INTERNAL_SERVER_ERROR,
                body.as_bytes(),
                &bearer,
            ));
            assert!(!words.contains(&token[..8]), "{filler}: {words}");
        }
    }

    #[test]
    fn snippets_are_one_line_and_html_shows_its_title() {
        let html = b"<html>\n<head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(body_snippet(html, &Redactor::none()), "502 Bad Gateway");
        assert_eq!(
            body_snippet(b"boom\n  at line 3\n", &Redactor::none()),
            "boom at line 3"
        );
        let long = "x".repeat(200);
        let cut = body_snippet(long.as_bytes(), &Redactor::none());
        assert_eq!(cut.chars().count(), ERROR_SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn query_endpoint_keeps_the_base_path() {
        let base = Url::parse("http://h:9090/prometheus/").unwrap();
        assert_eq!(
            query_endpoint(&base).as_str(),
            "http://h:9090/prometheus/api/v1/query"
        );
        let root = Url::parse("http://h:9090").unwrap();
        assert_eq!(query_endpoint(&root).as_str(), "http://h:9090/api/v1/query");
    }

    #[test]
    fn a_truncated_gzip_body_is_reported_not_accepted() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(b"up 1\n".repeat(100).as_slice()).unwrap();
        let full = encoder.finish().unwrap();
        let mut sink = BodySink::new(true, 1 << 20, 0);
        sink.write(&full[..full.len() - 4]).unwrap();
        let read = sink.finish();
        assert!(matches!(read.problem, Some(BodyProblem::BadGzip)));

        let mut sink = BodySink::new(true, 1 << 20, 0);
        sink.write(&full).unwrap();
        let read = sink.finish();
        assert!(read.problem.is_none());
        assert_eq!(read.data, b"up 1\n".repeat(100));
    }
}
