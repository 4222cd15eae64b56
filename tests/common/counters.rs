//! Counter sequences for the judge's tests: per domain, the two paths' request and error
//! counters advanced one step at a time from a seed, so a real server can answer each scrape
//! with the next step and every run sees the same numbers.

/// xorshift64*: deterministic, no dependency.
pub struct Rng(pub u64);

impl Rng {
    /// Uniform in [0, 1).
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Requests arriving at `mean` per step: the whole part plus one with the fractional
    /// part's probability.
    pub fn arrivals(&mut self, mean: f64) -> u64 {
        let whole = mean.floor();
        whole as u64 + u64::from(self.next() < mean - whole)
    }

    /// How many of `n` requests fail at error ratio `p` (binomial).
    pub fn failures(&mut self, n: u64, p: f64) -> u64 {
        (0..n).filter(|_| self.next() < p).count() as u64
    }
}

/// A path's traffic at one moment: requests per second and error ratio.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub rps: f64,
    pub errors: f64,
}

/// `rps` requests per second failing at `errors`.
pub fn rate(rps: f64, errors: f64) -> Rate {
    Rate { rps, errors }
}

/// One domain's counters: `req_total` and `err_total` with labels `domain` and `path`
/// (`legacy` or `new`), grown one step of `step_seconds` at a time.
pub struct Paths {
    pub domain: String,
    rng: Rng,
    /// legacy requests, legacy errors, new requests, new errors.
    pub counts: [u64; 4],
}

impl Paths {
    pub fn new(domain: &str, seed: u64) -> Paths {
        Paths {
            domain: domain.to_string(),
            rng: Rng(seed.max(1)),
            counts: [0; 4],
        }
    }

    /// Adds `seconds` of traffic at these rates.
    pub fn advance(&mut self, seconds: f64, legacy: Rate, new: Rate) {
        let l = self.rng.arrivals(legacy.rps * seconds);
        let le = self.rng.failures(l, legacy.errors);
        let n = self.rng.arrivals(new.rps * seconds);
        let ne = self.rng.failures(n, new.errors);
        self.counts[0] += l;
        self.counts[1] += le;
        self.counts[2] += n;
        self.counts[3] += ne;
    }

    /// The counters as exposition lines.
    pub fn lines(&self) -> String {
        let [l, le, n, ne] = self.counts;
        let d = &self.domain;
        format!(
            "req_total{{domain=\"{d}\",path=\"legacy\"}} {l}\n\
             err_total{{domain=\"{d}\",path=\"legacy\"}} {le}\n\
             req_total{{domain=\"{d}\",path=\"new\"}} {n}\n\
             err_total{{domain=\"{d}\",path=\"new\"}} {ne}\n"
        )
    }

    /// The selector of one of these counters: `kind` is `req` or `err`, `path` `legacy` or
    /// `new`.
    pub fn selector(domain: &str, kind: &str, path: &str) -> String {
        format!(r#"{kind}_total{{domain="{domain}",path="{path}"}}"#)
    }
}
