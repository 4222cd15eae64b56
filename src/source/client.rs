//! The HTTP client of one source, built once: request headers, TLS roots, the redirect
//! policy, and the checks on the URL and credentials that can fail before any poll.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, USER_AGENT};
use reqwest::{redirect, Url};

use super::words::{error_chain_words, RedirectRefused};
use super::{Auth, SourceError, SourceKind, SourceSpec};

/// Prefer the classic text format (the one every exporter speaks), accept OpenMetrics, and
/// take anything rather than a 406. No `escaping=allow-utf-8`: quoted names are not asked for.
pub const SCRAPE_ACCEPT: &str =
    "text/plain;version=0.0.4;q=1.0,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

/// Redirects followed before giving up; a metrics endpoint rarely needs more than one.
pub const MAX_REDIRECTS: usize = 5;

/// The client for `spec` and the URL it polls. Errors name the source and the faulty item,
/// never a secret. `keep_idle`: see [`super::Fetcher::with_idle_connections`].
pub(super) fn build(
    spec: &SourceSpec,
    keep_idle: bool,
) -> Result<(reqwest::Client, Url), SourceError> {
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

    Ok((client, url))
}

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
            return attempt.error(RedirectRefused::TooMany(MAX_REDIRECTS));
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

/// Sent with every query. VictoriaMetrics answers an instant query at "now" as of
/// `-search.latencyOffset` earlier (30 s by default) unless `nocache=1`, and aligns a range
/// query's start and end to its step (off cutover's grid) unless `nocache=1`. Prometheus, Thanos
/// and Mimir ignore parameters they do not know.
pub(super) const NO_CACHE: (&str, &str) = ("nocache", "1");

/// `<base>/api/v1/query`, keeping a base path such as `/prometheus` or `/select/0/prometheus`.
pub(super) fn query_endpoint(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/query", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
