//! prometheus-parse 0.2.5 over a file, timed by this process's CPU time (user + sys), the
//! baseline of `benches/process/run.sh`: `prometheus_parse_cpu FILE [PASSES]`.
#![allow(clippy::unwrap_used)]

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: prometheus_parse_cpu FILE [PASSES]");
    let passes: usize = args.next().map_or(3, |p| p.parse().unwrap());
    let body = std::fs::read_to_string(&path).unwrap();
    let start = cpu_seconds();
    let mut samples = 0;
    for _ in 0..passes {
        let lines = body.lines().map(|l| Ok(l.to_string()));
        samples += prometheus_parse::Scrape::parse(lines)
            .unwrap()
            .samples
            .len();
    }
    let cpu = cpu_seconds() - start;
    println!(
        "prometheus-parse: {passes} passes, {} samples each, {cpu:.2} s CPU, {:.1} MB/s",
        samples / passes,
        (body.len() * passes) as f64 / cpu / 1e6
    );
}
