//! The shape of a running cutover: how many threads it runs and whether glibc gave them malloc
//! arenas of their own. Both set its peak RSS on the lab's dashboard (BENCHMARKS.md, Memory):
//! each query API answer decoded at the same moment had a blocking thread, and each thread an
//! arena holding its freed bodies. Unlike RSS, both are deterministic, so they are tested here.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{ConfigBuilder, HttpServer, Reply, Sandbox};

/// A Prometheus query API answering every instant query with one sample, a little late, so
/// that a poll's answers arrive together and their decodes overlap.
fn prometheus() -> HttpServer {
    HttpServer::start(|req, _| {
        if !req.path.starts_with("/api/v1/query?") {
            return Some(Reply::status(404, "instant queries only"));
        }
        let answer = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"server":"monolith"},"value":[1764016268.123,"42"]}]}}"#;
        Some(Reply::of(200, "application/json", answer).after(Duration::from_millis(20)))
    })
}

/// 40 domains read through the query API: 120 queries per poll, every 250 ms.
fn config(prom: &HttpServer) -> String {
    let mut config = ConfigBuilder::new().every("250ms", "200ms").source_with(
        "prometheus",
        &prom.url(""),
        "kind = \"prometheus\"",
    );
    for i in 0..40 {
        config = config
            .domain(&format!("d{i}"), "canary", "prometheus")
            .signal("legacy", "requests", &format!("sum(rate(legacy_{i}[1m]))"))
            .signal("new", "requests", &format!("sum(rate(new_{i}[1m]))"))
            .signal("new", "errors", &format!("sum(rate(new_errors_{i}[1m]))"));
    }
    config.build()
}

/// What `/proc/PID` says while the process runs: the most threads seen, and the malloc arenas
/// besides the main one.
struct Shape {
    threads: usize,
    arenas: usize,
}

fn status_field(pid: u32, field: &str) -> Option<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().parse().ok())
}

/// glibc's other arenas live in heaps reserved at 64 MiB alignment (HEAP_MAX_SIZE): an anonymous
/// mapping starting on that alignment whose reserve, the part not yet in use mapped without
/// access, ends on the next one. Thread stacks and large allocations are mapped anywhere.
fn arenas(pid: u32) -> usize {
    const HEAP: u64 = 64 << 20;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let regions: Vec<(u64, u64, bool)> = maps
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let perms = fields.next()?;
            let anonymous = fields.nth(2) == Some("0") && fields.next().is_none();
            let start = u64::from_str_radix(start, 16).ok()?;
            let end = u64::from_str_radix(end, 16).ok()?;
            anonymous.then_some((start, end, perms.starts_with("rw")))
        })
        .collect();
    regions
        .iter()
        .enumerate()
        .filter(|(i, &(start, end, rw))| {
            let reserve_end = match regions.get(i + 1) {
                Some(&(next, next_end, false)) if next == end => next_end,
                _ => end,
            };
            rw && start % HEAP == 0 && reserve_end == start + HEAP
        })
        .count()
}

fn watch(child: &mut Child, pid: u32) -> Shape {
    let mut shape = Shape {
        threads: 0,
        arenas: 0,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "cutover record did not stop");
        if let Some(threads) = status_field(pid, "Threads:") {
            shape.threads = shape.threads.max(threads);
        }
        shape.arenas = shape.arenas.max(arenas(pid));
        std::thread::sleep(Duration::from_millis(20));
    }
    shape
}

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    ignore = "reads /proc and glibc's arenas"
)]
fn many_queries_at_once_run_on_a_few_threads_sharing_one_arena() {
    let prom = prometheus();
    let sandbox = Sandbox::new();
    let config = sandbox.config(&config(&prom));
    let out = sandbox.path().join("shape.rec.gz");
    let said = sandbox.path().join("stderr.txt");
    let mut child = sandbox
        .cutover()
        .arg("--config")
        .arg(&config)
        .args(["record", "--out"])
        .arg(&out)
        .args(["--duration", "3s"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&said).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id();
    let shape = watch(&mut child, pid);
    let said = std::fs::read_to_string(&said).unwrap();
    assert!(child.wait().unwrap().success(), "{said}");
    let queries = prom.requests().len();
    assert!(
        queries >= 240,
        "only {queries} queries: the polls did not run"
    );
    // The main thread, the runtime's one worker, the engine and the blocking pool's bound.
    let bound = 3 + cutover::cli::runtime::BLOCKING_THREADS;
    assert!(
        shape.threads <= bound,
        "{} threads at once, more than {bound}",
        shape.threads
    );
    assert_eq!(
        shape.arenas, 0,
        "threads allocate from malloc arenas of their own"
    );
}
