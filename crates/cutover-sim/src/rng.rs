//! A small seeded pseudo-random generator (SplitMix64) and the latency distribution built on it.
//!
//! Written inline rather than taken from a crate so that a scenario replays bit for bit on every
//! platform and every dependency version: the bundled demo recording is generated from it.

/// SplitMix64: 64 bits of state, good statistical quality for a simulation, trivially seedable.
/// Public so that the benchmarks' generated bodies draw from the same generator.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator starting from `state` as is (no stream mixing), for a single sequence.
    pub fn new(state: u64) -> Rng {
        Rng { state }
    }

    /// One independent stream per name, so that a change in one part of the world (an operator
    /// shifting orders traffic) does not reshuffle the random draws of every other part.
    pub fn for_stream(seed: u64, name: &str) -> Rng {
        // FNV-1a over the name, mixed with the scenario seed.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Rng {
            state: hash ^ seed.rotate_left(17),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is negligible for the small `n` used).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal draw (Box-Muller; the second value is dropped to keep the state simple).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A multiplicative jitter around 1.0 (e.g. `spread = 0.1` gives roughly 0.9..1.1).
    pub(crate) fn jitter(&mut self, spread: f64) -> f64 {
        1.0 + spread * (2.0 * self.unit() - 1.0)
    }
}

/// z-score of the 95th percentile of a standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Request latency as a log-normal distribution, described the way people talk about latency:
/// a median and a p95. Log-normal because real service latencies are right-skewed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Latency {
    pub(crate) median: f64,
    pub(crate) p95: f64,
}

impl Latency {
    pub(crate) fn new(median: f64, p95: f64) -> Latency {
        Latency {
            median,
            p95: p95.max(median * 1.0001),
        }
    }

    fn sigma(&self) -> f64 {
        (self.p95 / self.median).ln() / Z95
    }

    pub(crate) fn sample(&self, rng: &mut Rng) -> f64 {
        self.median * (self.sigma() * rng.normal()).exp()
    }

    /// Fraction of requests at or below `x` seconds.
    pub(crate) fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let z = (x / self.median).ln() / self.sigma();
        0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
    }

    pub(crate) fn mean(&self) -> f64 {
        let s = self.sigma();
        self.median * (s * s / 2.0).exp()
    }

    /// Linear blend, for phases that worsen or recover gradually.
    pub(crate) fn blend(a: Latency, b: Latency, f: f64) -> Latency {
        let f = f.clamp(0.0, 1.0);
        Latency::new(
            a.median + (b.median - a.median) * f,
            a.p95 + (b.p95 - a.p95) * f,
        )
    }
}

/// Error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7): enough to split a
/// warm-start request count over histogram buckets.
fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    sign * y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = Rng::for_stream(7, "orders");
        let mut b = Rng::for_stream(7, "orders");
        let mut c = Rng::for_stream(7, "billing");
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn new_starts_from_the_state_as_is() {
        // SplitMix64's published first outputs for seed 0: benches/gen's bodies depend on them.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn latency_percentiles_match_the_description() {
        let lat = Latency::new(0.05, 0.2);
        assert!((lat.cdf(0.05) - 0.5).abs() < 1e-6);
        assert!((lat.cdf(0.2) - 0.95).abs() < 1e-6);
        let mut rng = Rng::for_stream(1, "lat");
        let n = 20_000;
        let below = (0..n).filter(|_| lat.sample(&mut rng) <= 0.2).count();
        let share = below as f64 / n as f64;
        assert!((share - 0.95).abs() < 0.01, "share below p95 = {share}");
    }
}
