//! Secrets in URLs and step bodies, and secrets cut in half: URLs are read as the HTTP client
//! reads them, forms it would silently rewrite are refused, user info (a lone token as user
//! name too) and secret-looking query values are redacted wherever a URL is written down
//! (recording header, `rollback` output, the audit log), step bodies lose secret JSON fields,
//! and an answer is redacted before it is cut, with a secret's start at the cut taken for it.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{both, ConfigBuilder, HttpServer, Reply, Sandbox};
use cutover::action::{StepOutcome, StepSpec};

fn metrics_server() -> HttpServer {
    HttpServer::start(|req, n| {
        let n = n as u64;
        Some(if req.path.starts_with("/metrics") {
            Reply::text(format!(
                "req_total{{side=\"legacy\"}} {}\nreq_total{{side=\"new\"}} {}\n",
                100 + 90 * n,
                10 + 10 * n
            ))
        } else {
            // The step endpoint echoes what it got: the credential and the URL.
            let auth = req
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Reply::text(format!("echo: {auth} {} {}", req.path, req.body))
        })
    })
}

fn config(source_url: &str, step_url: &str, body: &str) -> String {
    let step = format!(
        "  [[domain.rollback.step]]\n  kind = \"http\"\n  method = \"POST\"\n  url = \"{step_url}\"\n  body = '{body}'\n  timeout = \"3s\"\n"
    );
    ConfigBuilder::new()
        .every("500ms", "400ms")
        .source("gw", source_url)
        .orders_req_total("gw")
        .rollback("1s", &step)
        .build()
}

fn cutover(sb: &Sandbox, cfg: &Path, args: &[&str]) -> Output {
    sb.cutover()
        .arg("--config")
        .arg(cfg)
        .args(args)
        .env("USER", "tester")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `http:alice:PW@host`, `http:/alice:PW@host` and `http:\\alice:PW@host` are what the client
/// reads as `http://alice:PW@host`: refused in the config, for sources and steps, with no
/// request sent and the password not quoted.
#[test]
fn urls_the_client_would_rewrite_are_refused() {
    let server = metrics_server();
    let port = server.port;
    let good = server.url("/metrics");
    for bad in [
        format!("http:alice:S3CRETPW@127.0.0.1:{port}/metrics"),
        format!("http:/alice:S3CRETPW@127.0.0.1:{port}/metrics?token=S3CRETTOKEN"),
        format!("http:\\\\alice:S3CRETPW@127.0.0.1:{port}/metrics"),
        format!("HTTP:/alice:S3CRETPW@127.0.0.1:{port}/metrics"),
        format!("http://alice:S3CRETPW@127.0.0.1:{port}\\metrics"),
        format!("http://alice:S3CRET\tPW@127.0.0.1:{port}/metrics"),
    ] {
        for (source_url, step_url) in [(bad.as_str(), good.as_str()), (good.as_str(), bad.as_str())]
        {
            let sb = Sandbox::new();
            let toml_url = |u: &str| u.replace('\\', "\\\\").replace('\t', "\\t");
            let cfg = sb.config(&config(&toml_url(source_url), &toml_url(step_url), "{}"));
            let before = server.requests().len();
            let out = cutover(&sb, &cfg, &["check"]);
            let text = both(&out);
            assert_eq!(out.status.code(), Some(2), "{bad}: {text}");
            assert!(text.contains(".url"), "names the key: {text}");
            assert!(
                text.contains("http://") && text.contains("must start with")
                    || text.contains("percent-encoded"),
                "{text}"
            );
            assert!(
                !text.contains("S3CRET"),
                "the password is not quoted: {text}"
            );
            assert_eq!(
                server.requests().len(),
                before,
                "{bad}: nothing was requested"
            );
        }
    }
}

/// User info (also a token given as a user name alone), secret-looking query values and
/// secret JSON fields of a step body never appear in the recording, the CLI or the audit
/// log, although the servers echo them back.
#[test]
fn url_and_body_secrets_are_redacted_everywhere_they_are_written() {
    const USER_TOKEN: &str = "USERTOKEN-1234567";
    const QUERY_TOKEN: &str = "QUERYTOKEN-7654321";
    const STEP_PASSWORD: &str = "STEPPASSWORD-99";
    const STEP_KEY: &str = "STEPAPIKEY-123456";
    const BODY_SECRET: &str = "BODYSECRET-567890";
    let secrets = [
        USER_TOKEN,
        QUERY_TOKEN,
        STEP_PASSWORD,
        STEP_KEY,
        BODY_SECRET,
    ];
    let server = metrics_server();
    let port = server.port;
    let sb = Sandbox::new();
    let cfg = sb.config(&config(
        &format!("http://{USER_TOKEN}@127.0.0.1:{port}/metrics?token={QUERY_TOKEN}&x=1"),
        &format!("http://alice:{STEP_PASSWORD}@127.0.0.1:{port}/step?api_key={STEP_KEY}&sig=ABCDEFGH123&x=1"),
        &format!(r#"{{"client_secret":"{BODY_SECRET}","weight":0}}"#),
    ));
    let assert_clean = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s), "{what} holds {s}:\n{text}");
        }
    };

    let rec = sb.path().join("rec.jsonl.gz");
    let out = cutover(
        &sb,
        &cfg,
        &["record", "--out", rec.to_str().unwrap(), "--duration", "1s"],
    );
    assert!(out.status.success(), "{}", both(&out));
    assert_clean("record's output", &both(&out));
    let mut recording = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&rec).unwrap())
        .read_to_string(&mut recording)
        .unwrap();
    assert!(recording.contains("<redacted>@127.0.0.1"), "{recording}");
    assert_clean("the recording", &recording);

    let out = cutover(&sb, &cfg, &["rollback", "orders", "--yes"]);
    let text = both(&out);
    assert!(text.contains("client_secret"), "the body is shown: {text}");
    assert!(
        text.contains("x=1"),
        "other query parameters are shown: {text}"
    );
    assert_clean("rollback's output", &text);
    // The servers did get every secret: they were used, only never shown.
    let seen = server.requests();
    let step = seen.iter().find(|r| r.path.starts_with("/step")).unwrap();
    assert!(step.path.contains(STEP_KEY) && step.body.contains(BODY_SECRET));
    let scrape = seen
        .iter()
        .find(|r| r.path.starts_with("/metrics"))
        .unwrap();
    assert!(scrape.path.contains(QUERY_TOKEN));

    let audit = std::fs::read_to_string(sb.state_dir().join("audit.jsonl")).unwrap();
    assert!(audit.contains("client_secret"), "{audit}");
    assert_clean("audit.jsonl", &audit);
    let out = cutover(&sb, &cfg, &["audit"]);
    assert_clean("cutover audit", &both(&out));
}

/// A 28-character token echoed at the very end of a long answer: the words keep no 8
/// characters of it in a row, wherever the 500-byte cut falls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_answer_keeps_no_part_of_a_secret() {
    const TOKEN: &str = "tok-0123456789abcdefghijklmn";
    let var = "CUTOVER_URL_SECRETS_TEST_TOKEN";
    std::env::set_var(var, TOKEN);
    let server = HttpServer::start(|req, _| {
        let filler: usize = req.path.trim_start_matches("/echo/").parse().unwrap_or(0);
        let auth = req
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        Some(Reply::text(format!("{}echo:{auth}", "x".repeat(filler))))
    });
    for filler in (440..=500).chain([461, 65_500, 70_000]) {
        let step = StepSpec::Http {
            method: "POST".into(),
            url: server.url(&format!("/echo/{filler}")),
            headers: Vec::new(),
            body: None,
            bearer_env: Some(var.into()),
            timeout: Duration::from_secs(5),
        };
        let result = step.run().await;
        let StepOutcome::Succeeded(words) = &result.outcome else {
            panic!("{filler}: {:?}", result.outcome);
        };
        for start in 0..=TOKEN.len() - 8 {
            let piece = &TOKEN[start..start + 8];
            assert!(
                !words.contains(piece),
                "{filler} filler bytes: {piece:?} of the token shows in {words:?}"
            );
        }
    }
}
