//! Bodies that are not exposition text at all (a proxy's login page, compressed bytes served
//! without their Content-Encoding) give bad lines and no samples, filtered or not, so the source
//! layer can call the scrape failed instead of "up with nothing wanted".

mod common;

use std::io::Write as _;

use cutover::ingest::exposition::{body_text, parse, ParseStats};
use cutover::ingest::prefilter::FamilyFilter;

const LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign in - Corporate SSO</title>
</head>
<body>
  <form method="post" action="/oauth2/sign_in">
    Sign in to continue
    <input type="text" name="username">
    Forgot your password? Contact the IT helpdesk at 4444
  </form>
</body>
</html>
"#;

fn only_bad_lines(stats: &ParseStats, what: &str) {
    assert_eq!(stats.samples, 0, "{what}: {stats:?}");
    assert_eq!(stats.filtered, 0, "{what}: {stats:?}");
    assert!(stats.bad_lines > 0, "{what}");
    assert_eq!(stats.bad_lines, stats.sample_lines, "{what}: {stats:?}");
}

#[test]
fn html_login_page_is_all_bad_lines() {
    for filter in [
        FamilyFilter::all(),
        FamilyFilter::names(["up", "Sign", "Forgot"]),
    ] {
        let mut samples = 0;
        let stats = parse(LOGIN_PAGE, &filter, |_| samples += 1);
        assert_eq!(samples, 0);
        only_bad_lines(&stats, "login page");
        assert_eq!(stats.bad_lines, 14);
        assert_eq!(stats.first_bad[0].line, 1);
        assert_eq!(stats.first_bad.len(), 14);
    }
}

#[test]
fn gzip_bytes_served_as_text_are_all_bad_lines() {
    let plain = common::fixture_bytes("real/haproxy-svc-down.prom");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&plain).unwrap();
    let gzipped = encoder.finish().unwrap();
    let text = body_text(&gzipped);
    for filter in [
        FamilyFilter::all(),
        FamilyFilter::names(["haproxy_server_weight"]),
    ] {
        let mut samples = 0;
        let stats = parse(&text, &filter, |_| samples += 1);
        assert_eq!(samples, 0);
        only_bad_lines(&stats, "gzip bytes");
        assert!(stats.first_bad.len() <= 20);
    }
}

#[test]
fn only_the_first_twenty_bad_lines_are_kept() {
    let body: String = (0..50).map(|i| format!("<p>{i}</p>\n")).collect::<String>() + "ok 1\n";
    let mut names = Vec::new();
    let stats = parse(&body, &FamilyFilter::all(), |s| {
        names.push(s.name.to_string())
    });
    assert_eq!(names, ["ok"]);
    assert_eq!(stats.bad_lines, 50);
    assert_eq!(stats.first_bad.len(), 20);
    let lines: Vec<u32> = stats.first_bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, (1..=20).collect::<Vec<u32>>());
}

#[test]
fn invalid_utf8_costs_only_its_line() {
    let mut bytes = b"a 1\nb{x=\"".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"\"} 2\n\xEF\xBB\xBFc 3\n");
    let text = body_text(&bytes);
    let mut seen = Vec::new();
    let stats = parse(&text, &FamilyFilter::all(), |s| {
        seen.push((
            s.name.to_string(),
            s.labels
                .iter()
                .map(|l| l.value.to_string())
                .collect::<Vec<_>>(),
        ))
    });
    // The replacement characters stay inside the label value; a BOM mid-body is a bad line.
    assert_eq!(seen[0], ("a".to_string(), vec![]));
    assert_eq!(
        seen[1],
        ("b".to_string(), vec!["\u{fffd}\u{fffd}".to_string()])
    );
    assert_eq!(stats.bad_lines, 1);
    assert_eq!(stats.first_bad[0].line, 3);
}

#[test]
fn leading_byte_order_mark_is_ignored() {
    let text = body_text(b"\xEF\xBB\xBFm 1\n");
    let mut n = 0;
    let stats = parse(&text, &FamilyFilter::all(), |_| n += 1);
    assert_eq!((n, stats.bad_lines), (1, 0));
}

#[test]
fn empty_and_comment_only_bodies_have_no_bad_lines() {
    for body in ["", "\n\n", "# HELP x y\n# TYPE x gauge\n", "# EOF\n"] {
        let stats = parse(body, &FamilyFilter::all(), |_| panic!("no sample expected"));
        assert_eq!(stats.bad_lines, 0, "{body:?}");
        assert_eq!(stats.sample_lines, 0, "{body:?}");
    }
}

#[test]
fn lines_after_eof_are_not_read() {
    let stats = parse(
        "a 1\n# EOF\nb 2\ngarbage here\n",
        &FamilyFilter::all(),
        |s| assert_eq!(s.name, "a"),
    );
    assert_eq!((stats.lines, stats.samples, stats.bad_lines), (2, 1, 0));
}
