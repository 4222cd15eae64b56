//! Ingest throughput, side by side in one interleaved run: cutover's parser on everything,
//! cutover with the pre-filter of a six-domain config, the whole engine ingest with that
//! config, prometheus-parse 0.2.5 on the same text, and two memchr floors (a line scan that
//! finds each value field; the same plus an f64 parse of the value).
//!
//! In the same run, the whole path per source: an exporter on 127.0.0.1 (`loopback`) serves
//! the same body, and the rows time a poll by `Fetcher` (Content-Length, chunked, gzip) and a
//! poll plus the engine's ingest, each body given back to its fetcher as the live feed does;
//! beside them the floor of a plain socket read of the same response into a buffer kept
//! across reads, reqwest alone (chunks dropped), and the UTF-8 check a body goes through.
//!
//! Then the same OpenMetrics body with and without exemplars, in one interleaved run of its
//! own, to show what reading exemplars costs and that a body without them keeps its speed.
//!
//! `cargo bench --bench ingest` (pin it with `taskset -c 1` on a shared machine);
//! `cargo bench --bench ingest -- --rounds 25` for more rounds;
//! `cargo bench --bench ingest -- --body openmetrics` for the exemplar run alone.

#[allow(dead_code)]
mod gen;
#[allow(dead_code)]
mod harness;
mod loopback;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cutover::engine::Engine;
use cutover::ingest::exposition::parse;
use cutover::ingest::prefilter::FamilyFilter;
use cutover::source::{Fetcher, ScrapeOutcome};
use harness::{interleaved, mb_per_s, Case, Timing};
use memchr::{memchr_iter, memrchr};

/// The physical floor: every line found with memchr, comments skipped, the value field
/// located with memrchr. No allocation, no number parsed.
fn memchr_floor(body: &[u8]) -> u64 {
    let mut samples = 0u64;
    let mut value_bytes = 0u64;
    let mut start = 0;
    for end in memchr_iter(b'\n', body) {
        let line = &body[start..end];
        start = end + 1;
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        if let Some(space) = memrchr(b' ', line) {
            value_bytes += (line.len() - space) as u64;
            samples += 1;
        }
    }
    black_box(value_bytes);
    samples
}

/// The floor plus the value parsed as f64.
fn memchr_f64(body: &[u8]) -> u64 {
    let mut samples = 0u64;
    let mut sum = 0f64;
    let mut start = 0;
    for end in memchr_iter(b'\n', body) {
        let line = &body[start..end];
        start = end + 1;
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        if let Some(space) = memrchr(b' ', line) {
            // Exposition text is ASCII around the value, so this is valid UTF-8.
            let text = std::str::from_utf8(&line[space + 1..]).unwrap_or("");
            if let Ok(v) = text.parse::<f64>() {
                sum += v;
                samples += 1;
            }
        }
    }
    black_box(sum);
    samples
}

/// prometheus-parse as its README uses it: an owned `String` per line. Returns the samples
/// its result represents (buckets and quantiles counted one by one), to show what it drops.
fn prometheus_parse(body: &str) -> u64 {
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned())))
        .expect("in-memory lines do not fail");
    scrape
        .samples
        .iter()
        .map(|s| match &s.value {
            prometheus_parse::Value::Histogram(b) => b.len() as u64,
            prometheus_parse::Value::Summary(q) => q.len() as u64,
            _ => 1,
        })
        .sum()
}

fn cutover_parse(body: &str, filter: &FamilyFilter) -> u64 {
    let mut checksum = 0u64;
    let stats = parse(body, filter, |s| {
        checksum = checksum.wrapping_add(s.value.to_bits() ^ s.labels.len() as u64);
    });
    black_box(checksum);
    u64::from(stats.samples)
}

/// The engine and the filter a config gives: what a live poll of this body runs.
fn engine_for(config: &str) -> Engine {
    let cfg = cutover::config::parse_str(config, Path::new("<bench config>")).expect("config");
    let compiled = cutover::compile::compile(&cfg).expect("compiles");
    Engine::new(Arc::clone(&compiled.plan))
}

/// A reference row of an earlier idle-machine measurement (2026-11-24, same machine kind):
/// MB/s on the corresponding body.
struct Baseline {
    memchr: f64,
    memchr_f64: f64,
    zero_copy_prototype: f64,
    prometheus_parse: f64,
}

struct Input {
    name: &'static str,
    body: String,
    config: String,
    /// The URL in `config`, replaced by the loopback exporter's for the whole-path rows.
    url: &'static str,
    baseline: Baseline,
}

fn run(input: &Input, rounds: usize, budget: Duration) {
    let body = input.body.as_str();
    let bytes = body.len();
    let samples = gen::sample_lines(body);
    let mut engine = engine_for(&input.config);
    let filter = engine.filter(0).clone();
    let wanted = {
        let mut n = 0u64;
        parse(body, &filter, |_| n += 1);
        n
    };
    let mut outcome = ScrapeOutcome {
        source: engine.plan().sources[0].name.clone(),
        at_ms: 1_700_000_000_000,
        duration_ms: 1,
        bytes: bytes as u64,
        status: Some(200),
        result: Ok(body.to_string()),
    };
    let all = FamilyFilter::all();
    let exporter = loopback::serve(body);
    let mut raw = loopback::RawReader::connect(&exporter, "/plain");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let fetcher = |path: &str| {
        let compiled = cutover::compile::compile(
            &cutover::config::parse_str(
                &input.config.replace(input.url, &exporter.url(path)),
                Path::new("<bench config>"),
            )
            .expect("config"),
        )
        .expect("compiles");
        let spec = compiled.specs[0].as_ref().expect("a spec").clone();
        Fetcher::new(&spec).expect("a fetcher")
    };
    let (plain, gzip, chunked, whole) = (
        fetcher("/plain"),
        fetcher("/gzip"),
        fetcher("/chunked"),
        fetcher("/plain"),
    );
    let mut whole_engine = engine_for(&input.config);
    // Each body goes back to its fetcher once read, as the live feed gives it back.
    let fetch = |f: &Fetcher| {
        let outcome = runtime.block_on(f.fetch());
        let text = outcome.result.as_ref().expect("the body arrives");
        assert_eq!(text.len(), bytes, "the whole body arrives");
        let wire = outcome.bytes;
        f.recycle(outcome);
        wire
    };
    // The client library alone: the same request on a reqwest client as the fetcher builds
    // it, each chunk dropped as it comes.
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .no_gzip()
        .build()
        .expect("a client");
    let receive = || {
        runtime.block_on(async {
            let mut response = client
                .get(exporter.url("/plain"))
                .send()
                .await
                .expect("an answer");
            let mut n = 0u64;
            while let Some(chunk) = response.chunk().await.expect("a chunk") {
                n += chunk.len() as u64;
            }
            n
        })
    };
    let mut cases = vec![
        Case::new("raw socket read over loopback (floor)", || raw.read()),
        Case::new(
            "reqwest 0.12 receive over loopback, chunks dropped",
            receive,
        ),
        Case::new("UTF-8 check of the body (std)", || {
            std::str::from_utf8(black_box(body.as_bytes())).map_or(0, |t| t.len() as u64)
        }),
        Case::new("cutover fetch over loopback, Content-Length", || {
            fetch(&plain)
        }),
        Case::new("cutover fetch over loopback, chunked", || fetch(&chunked)),
        Case::new("cutover fetch over loopback, gzip", || fetch(&gzip)),
        Case::new(
            "cutover whole path: fetch + engine ingest, 6-domain config",
            || {
                let outcome = runtime.block_on(whole.fetch());
                whole_engine.ingest(&outcome);
                whole.recycle(outcome);
                whole_engine.sources()[0].series.unwrap_or(0)
            },
        ),
        Case::new("memchr line scan (floor)", || memchr_floor(body.as_bytes())),
        Case::new("memchr + f64 parse", || memchr_f64(body.as_bytes())),
        Case::new("cutover, everything", || cutover_parse(body, &all)),
        Case::new("cutover, 6-domain filter", || cutover_parse(body, &filter)),
        Case::new("cutover engine ingest, 6-domain config", || {
            outcome.at_ms += 2_000;
            engine.ingest(&outcome);
            engine.sources()[0].series.unwrap_or(0)
        }),
        Case::new("prometheus-parse 0.2.5", || prometheus_parse(body)),
    ];
    // `--only TEXT --repeat N`: run the cases whose name holds TEXT N times and stop, for
    // counting instructions under a profiler (`valgrind --tool=callgrind`).
    if let Some(only) = harness::arg("only") {
        let repeat: usize = harness::arg("repeat")
            .and_then(|r| r.parse().ok())
            .unwrap_or(1);
        for case in cases.iter_mut().filter(|c| c.name.contains(only.as_str())) {
            for _ in 0..repeat {
                black_box((case.run)());
            }
        }
        return;
    }
    let t = interleaved(&mut cases, rounds, budget);
    let [raw_t, reqwest_t, utf8_t, plain_t, chunked_t, gzip_t, whole_t, floor, floor_f64, full, filtered, ingest, pp] =
        &t[..]
    else {
        unreachable!("thirteen cases")
    };
    assert_eq!(
        reqwest_t.output, bytes as u64,
        "reqwest reads the whole body"
    );
    assert_eq!(utf8_t.output, bytes as u64, "the body is UTF-8");
    assert_eq!(raw_t.output, bytes as u64, "the floor reads the whole body");
    assert_eq!(gzip_t.output, exporter.gzip_len as u64, "gzip on the wire");
    assert_eq!(
        whole_t.output, ingest.output,
        "the whole path ingests as the engine"
    );
    assert!(plain_t.output >= bytes as u64 && chunked_t.output >= bytes as u64);
    assert_eq!(
        floor.output, samples as u64,
        "the floor sees every sample line"
    );
    assert_eq!(
        full.output, samples as u64,
        "cutover hands over every sample"
    );
    assert_eq!(filtered.output, wanted, "the filter keeps what it keeps");

    println!(
        "\n### {} — {:.2} MB, {} sample lines; the 6-domain config needs {} of them ({:.2}%)\n",
        input.name,
        bytes as f64 / 1e6,
        samples,
        wanted,
        100.0 * wanted as f64 / samples as f64
    );
    println!("| case | median ms | MB/s | M samples/s | × memchr floor | prometheus-parse ÷ case | out/in | target | idle reference MB/s (2026-11-24) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|---:|");
    let row = |t: &Timing, out: String, target: &str, base: Option<f64>| {
        println!(
            "| {} | {:.2} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
            t.name,
            t.ms(),
            mb_per_s(bytes, t.median),
            samples as f64 / 1e6 / t.median.as_secs_f64(),
            t.median.as_secs_f64() / floor.median.as_secs_f64(),
            pp.median.as_secs_f64() / t.median.as_secs_f64(),
            out,
            target,
            base.map_or("–".to_string(), |b| format!("{b:.0}"))
        );
    };
    let of = |n: u64| format!("{n}/{samples}");
    row(floor, of(floor.output), "", Some(input.baseline.memchr));
    row(
        floor_f64,
        of(floor_f64.output),
        "",
        Some(input.baseline.memchr_f64),
    );
    let full_mbs = mb_per_s(bytes, full.median);
    let filtered_mbs = mb_per_s(bytes, filtered.median);
    row(
        full,
        of(full.output),
        &verdict(full_mbs >= 1_200.0, "≥ 1,200 MB/s"),
        Some(input.baseline.zero_copy_prototype),
    );
    row(
        filtered,
        format!("{} wanted", filtered.output),
        &verdict(filtered_mbs >= 3_000.0, "≥ 3,000 MB/s"),
        None,
    );
    row(ingest, format!("{} wanted", wanted), "", None);
    row(pp, of(pp.output), "", Some(input.baseline.prometheus_parse));
    row(raw_t, format!("{} B", raw_t.output), "", None);
    for t in [reqwest_t, utf8_t, plain_t, chunked_t] {
        row(t, format!("{} B", t.output), "", None);
    }
    row(gzip_t, format!("{} B gzip", gzip_t.output), "", None);
    let whole_speedup = pp.median.as_secs_f64() / whole_t.median.as_secs_f64();
    let over_raw = whole_t.median.as_secs_f64() / raw_t.median.as_secs_f64();
    row(
        whole_t,
        format!("{} wanted", wanted),
        &format!(
            "{}; {}",
            verdict(whole_speedup >= 20.0, "≥ 20× prometheus-parse"),
            verdict(over_raw <= 3.0, "≤ 3× raw read")
        ),
        None,
    );
    println!(
        "\nWhole path (HTTP fetch over loopback + engine ingest, per source): {whole_speedup:.1}× faster than prometheus-parse, \
         {over_raw:.2}× the raw socket read's time; the fetch alone {:.2}× (chunked {:.2}×, gzip {:.2}× for {:.2} MB on the wire).",
        plain_t.median.as_secs_f64() / raw_t.median.as_secs_f64(),
        chunked_t.median.as_secs_f64() / raw_t.median.as_secs_f64(),
        gzip_t.median.as_secs_f64() / raw_t.median.as_secs_f64(),
        exporter.gzip_len as f64 / 1e6,
    );
    let speedup = pp.median.as_secs_f64() / full.median.as_secs_f64();
    let over_floor = full.median.as_secs_f64() / floor.median.as_secs_f64();
    println!(
        "\ncutover, everything: {speedup:.1}× faster than prometheus-parse ({}), {over_floor:.1}× the memchr floor's time ({}). \
         Runs per case: {}.",
        verdict(speedup >= 20.0, "target ≥ 20×"),
        verdict(over_floor <= 10.0, "target ≤ 10×"),
        t.iter()
            .map(|t| t.runs.to_string())
            .collect::<Vec<_>>()
            .join("/")
    );
}

/// Like [`cutover_parse`], but reading every exemplar's first label and value too, as the
/// engine does for the signals that keep one.
fn cutover_parse_exemplars(body: &str, filter: &FamilyFilter) -> u64 {
    let mut checksum = 0u64;
    let mut exemplars = 0u64;
    let stats = parse(body, filter, |s| {
        checksum = checksum.wrapping_add(s.value.to_bits() ^ s.labels.len() as u64);
        if let Some(e) = &s.exemplar {
            exemplars += 1;
            checksum = checksum.wrapping_add(
                e.value.to_bits() ^ e.labels.first().map_or(0, |l| l.value.len()) as u64,
            );
        }
    });
    black_box(checksum);
    black_box(exemplars);
    u64::from(stats.samples)
}

/// The Envoy-shaped body as OpenMetrics (`# EOF`), and the same with an exemplar
/// (`# {trace_id="<32 hex>"} value timestamp`) on every bucket, as an instrumented service
/// writes them: the parse of each, side by side.
fn run_exemplars(body: &str, rounds: usize, budget: Duration) {
    use std::fmt::Write as _;
    let plain = format!("{body}# EOF\n");
    let mut with = String::with_capacity(plain.len() * 2);
    let mut n = 0u64;
    for line in body.lines() {
        with.push_str(line);
        if !line.starts_with('#') && line.contains("_bucket{") {
            n += 1;
            let _ = write!(
                with,
                " # {{trace_id=\"{:016x}{:016x}\"}} {}.{:03} 1700000000.{:03}",
                n.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                n,
                n % 7,
                n % 1000,
                n % 1000
            );
        }
        with.push('\n');
    }
    with.push_str("# EOF\n");
    let samples = gen::sample_lines(&plain);
    let all = FamilyFilter::all();
    let mut cases = vec![
        Case::new("memchr floor, without exemplars", || {
            memchr_floor(plain.as_bytes())
        }),
        Case::new("memchr floor, with exemplars", || {
            memchr_floor(with.as_bytes())
        }),
        Case::new("cutover, everything, without exemplars", || {
            cutover_parse_exemplars(&plain, &all)
        }),
        Case::new("cutover, everything, with exemplars", || {
            cutover_parse_exemplars(&with, &all)
        }),
    ];
    let t = interleaved(&mut cases, rounds, budget);
    let [floor_plain, floor_with, plain_t, with_t] = &t[..] else {
        unreachable!("four cases")
    };
    assert_eq!(plain_t.output, samples as u64);
    assert_eq!(with_t.output, samples as u64, "exemplars lose no sample");
    println!(
        "\n### Envoy-shaped as OpenMetrics, without and with exemplars — {:.2} MB and {:.2} MB, {} sample lines, {} exemplars\n",
        plain.len() as f64 / 1e6,
        with.len() as f64 / 1e6,
        samples,
        n
    );
    println!("| case | median ms | MB/s | M samples/s | × its memchr floor |");
    println!("|---|---:|---:|---:|---:|");
    for (t, bytes, floor) in [
        (floor_plain, plain.len(), floor_plain),
        (floor_with, with.len(), floor_with),
        (plain_t, plain.len(), floor_plain),
        (with_t, with.len(), floor_with),
    ] {
        println!(
            "| {} | {:.2} | {:.0} | {:.1} | {:.1} |",
            t.name,
            t.ms(),
            mb_per_s(bytes, t.median),
            samples as f64 / 1e6 / t.median.as_secs_f64(),
            t.median.as_secs_f64() / floor.median.as_secs_f64()
        );
    }
    println!(
        "\nWith exemplars on every bucket the parse takes {:.2}× the time of the body without. Runs per case: {}.",
        with_t.median.as_secs_f64() / plain_t.median.as_secs_f64(),
        t.iter()
            .map(|t| t.runs.to_string())
            .collect::<Vec<_>>()
            .join("/")
    );
}

fn verdict(met: bool, target: &str) -> String {
    format!("{target} {}", if met { "✓" } else { "✗ MISSED" })
}

fn main() {
    let full = harness::full_run();
    let rounds = harness::arg("rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(if full { 15 } else { 1 });
    let budget = Duration::from_millis(if full { 150 } else { 1 });
    let (envoy, kafka) = if full {
        (gen::envoy(200), gen::kafka(50, 20, 12))
    } else {
        (gen::envoy(4), gen::kafka(3, 2, 3))
    };
    println!("## Ingest\n\n{}", harness::machine());
    println!("Rounds: {rounds}, about {budget:?} per case per round, interleaved.");
    let inputs = [
        Input {
            name: "Envoy-shaped",
            body: envoy,
            config: gen::envoy_config("http://127.0.0.1:9901/stats/prometheus"),
            url: "http://127.0.0.1:9901/stats/prometheus",
            baseline: Baseline {
                memchr: 12_648.0,
                memchr_f64: 7_609.0,
                zero_copy_prototype: 1_814.0,
                prometheus_parse: 76.0,
            },
        },
        Input {
            name: "kafka_exporter-shaped",
            body: kafka,
            config: gen::kafka_config("http://127.0.0.1:9308/metrics"),
            url: "http://127.0.0.1:9308/metrics",
            baseline: Baseline {
                memchr: 12_054.0,
                memchr_f64: 6_507.0,
                zero_copy_prototype: 1_747.0,
                prometheus_parse: 84.3,
            },
        },
    ];
    let only_body = harness::arg("body");
    for input in &inputs {
        if only_body
            .as_deref()
            .is_some_and(|b| !input.name.to_lowercase().starts_with(b))
        {
            continue;
        }
        run(input, rounds, budget);
    }
    if only_body
        .as_deref()
        .is_none_or(|b| "openmetrics".starts_with(b))
    {
        run_exemplars(&inputs[0].body, rounds, budget);
    }
    println!("\nThe baseline column is the zero-copy prototype's row for \"cutover, everything\".");
}
