//! `cutover init [URL...]`: read each URL once, detect the exporters, write a starter config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::args::InitArgs;
use super::{Failure, GlobalArgs};
use crate::config;
use crate::ingest::limits::Limits;
use crate::safe_fs::private_file::{create_private, Existing};
use crate::source::{Auth, Fetcher, SourceKind, SourceSpec};
use crate::starter::{detect, starter_config, Probe};

/// Long enough for a slow exporter on a bastion's link, short enough to try again soon.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The body cap of a source that names none (DESIGN §2's `max_body` default).
const MAX_BODY: u64 = 64 * 1024 * 1024;

pub async fn run(global: &GlobalArgs, args: &InitArgs) -> Result<u8, Failure> {
    let path = target(global, args)?;
    for url in &args.urls {
        if let Some(why) = config::url_form::problem(url) {
            return Err(Failure::usage(why));
        }
        if has_credentials(url) {
            return Err(Failure::usage(format!(
                "\"{}\" holds credentials: give the URL without them and add basic_auth = {{ username = \"…\", password_env = \"…\" }} to its source",
                crate::redact::url(url)
            )));
        }
    }
    let probes = futures_util::future::join_all(args.urls.iter().map(|u| probe(u))).await;
    let text = starter_config(&probes, &crate::clock::rfc3339(crate::clock::now_ms()));
    write_new(&path, &text)?;
    let domains = text.lines().filter(|l| *l == "[[domain]]").count();
    let unread = probes.iter().filter(|p| p.outcome.is_err()).count();
    crate::outln!(
        "wrote {} ({} source(s), {} domain(s){})",
        path.display(),
        probes.len(),
        domains,
        if unread > 0 {
            format!(", {unread} URL(s) could not be read")
        } else {
            String::new()
        }
    );
    crate::outln!(
        "next: read the GUESS lines in it, then `cutover check --config {}`",
        path.display()
    );
    Ok(0)
}

/// `--out`, else where the config is looked for.
fn target(global: &GlobalArgs, args: &InitArgs) -> Result<PathBuf, Failure> {
    if let Some(out) = &args.out {
        return Ok(out.clone());
    }
    // `--context NAME` writes that context's file (`<config dir>/contexts/NAME.toml`).
    let choice = config::context::choose(global.config.as_deref(), global.context.as_deref())
        .map_err(|e| Failure::usage(e.to_string()))?;
    match choice.path {
        Some(path) => Ok(path),
        None => Err(Failure::usage(
            "no config directory could be determined: name the file with --out FILE",
        )),
    }
}

fn has_credentials(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.contains('@')
}

async fn probe(url: &str) -> Probe {
    let spec = SourceSpec {
        name: "init".to_string(),
        url: url.to_string(),
        kind: SourceKind::Scrape,
        headers: Vec::new(),
        auth: Auth::None,
        ca_file: None,
        insecure_skip_verify: false,
        max_body: MAX_BODY,
        timeout: READ_TIMEOUT,
        queries: Vec::new(),
        batch: Vec::new(),
        limits: Limits::default(),
    };
    let outcome = match Fetcher::new(&spec) {
        Err(e) => Err(e.to_string()),
        Ok(fetcher) => fetcher
            .fetch()
            .await
            .result
            .map(|body| detect(&body))
            .map_err(|e| e.to_string()),
    };
    Probe {
        url: url.to_string(),
        outcome,
    }
}

/// Creates the file 0600, never over an existing one, its directory 0700 when missing.
fn write_new(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    if path.exists() || path.symlink_metadata().is_ok() {
        return Err(Failure::usage(format!(
            "{} exists: cutover init never overwrites a config; name another file with --out",
            path.display()
        )));
    }
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut file =
        create_private(path, Existing::Refuse).map_err(|e| Failure::usage(e.to_string()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
}
