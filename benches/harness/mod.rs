//! The benches' own timing and measuring helpers.
//!
//! The machines these run on are shared and noisy, so a table is measured *interleaved*: every
//! round runs every case (a few times each), and the medians are taken over all rounds. A burst
//! of load from a neighbour then hits every case alike, and the ratios between cases, which are
//! what the tables compare, stay meaningful even when the absolute numbers move.
// Helpers shared by test (or bench) crates: `pub` for their users, not for a public API.
#![allow(unreachable_pub)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// True under `cargo bench` (which passes `--bench`); false under `cargo test --benches`,
/// where the benches only run a quick smoke on small inputs.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The value after `--name` on the command line (`cargo bench --bench x -- --name value`).
pub fn arg(name: &str) -> Option<String> {
    let flag = format!("--{name}");
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| *a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// One thing to time. `run` returns a number derived from its work (a count, a checksum) so
/// the optimiser cannot drop the work.
pub struct Case<'a> {
    pub name: String,
    pub run: Box<dyn FnMut() -> u64 + 'a>,
}

impl<'a> Case<'a> {
    pub fn new(name: impl Into<String>, run: impl FnMut() -> u64 + 'a) -> Case<'a> {
        Case {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// What the runs of one case took.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub runs: usize,
    /// What the last run returned.
    pub output: u64,
}

impl Timing {
    pub fn ms(&self) -> f64 {
        self.median.as_secs_f64() * 1e3
    }
}

/// Times every case interleaved: one warm-up run each, then `rounds` rounds in which each case
/// runs about `round_budget` worth of times (at least once), in a rotating order.
pub fn interleaved(cases: &mut [Case<'_>], rounds: usize, round_budget: Duration) -> Vec<Timing> {
    let mut reps = Vec::with_capacity(cases.len());
    let mut outputs = vec![0u64; cases.len()];
    for (i, case) in cases.iter_mut().enumerate() {
        let start = Instant::now();
        outputs[i] = black_box((case.run)());
        let once = start.elapsed().max(Duration::from_nanos(1));
        let n = (round_budget.as_nanos() / once.as_nanos()).clamp(1, 2_000) as usize;
        reps.push(n);
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for round in 0..rounds {
        for k in 0..cases.len() {
            let i = (k + round) % cases.len();
            for _ in 0..reps[i] {
                let start = Instant::now();
                outputs[i] = black_box((cases[i].run)());
                samples[i].push(start.elapsed());
            }
        }
    }
    cases
        .iter()
        .zip(samples)
        .zip(outputs)
        .map(|((case, mut s), output)| {
            s.sort_unstable();
            Timing {
                name: case.name.clone(),
                median: s[s.len() / 2],
                min: s[0],
                max: s[s.len() - 1],
                runs: s.len(),
                output,
            }
        })
        .collect()
}

/// The median of some numbers (sorts them).
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The p-th percentile (0..=100) by nearest rank (sorts them).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`, ...).
pub fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn rss_kib() -> u64 {
    status_kib("VmRSS").unwrap_or(0)
}

pub fn peak_kib() -> u64 {
    status_kib("VmHWM").unwrap_or(0)
}

/// Resets the peak resident size (VmHWM) to the current one, so the next peak measures what
/// comes after. False when the kernel refuses (then peaks include what came before).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) of the threads of this process whose name starts with `prefix`
/// (all threads for ""), from `/proc/self/task/*/schedstat` (ns), falling back to
/// `/proc/self/task/*/stat` (clock ticks of 10 ms).
pub fn threads_cpu(prefix: &str) -> Duration {
    let mut total = Duration::ZERO;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return total;
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        if let Some(ns) = std::fs::read_to_string(dir.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        {
            total += Duration::from_nanos(ns);
            continue;
        }
        if let Some(ticks) = std::fs::read_to_string(dir.join("stat"))
            .ok()
            .and_then(|s| stat_ticks(&s))
        {
            total += Duration::from_millis(ticks * 10);
        }
    }
    total
}

/// utime + stime of a `stat` line (fields 14 and 15, counted after the `(comm)`).
fn stat_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After ")": field 3 is index 0, so utime (14) is index 11 and stime (15) index 12.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU time of the whole process so far (all threads, live and exited), from
/// `/proc/self/stat`, in 10 ms ticks.
pub fn process_cpu() -> Duration {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| stat_ticks(&s))
        .map_or(Duration::ZERO, |t| Duration::from_millis(t * 10))
}

/// One line about the machine and its load, printed above every table.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_string(), |m| m.trim().to_string());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cpus} CPUs available, kernel {}, load average {}",
        kernel.trim(),
        load()
    )
}

/// `/proc/loadavg`'s three averages.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// MB (10^6 bytes) per second.
pub fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}
