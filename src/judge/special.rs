//! The special functions the tests need: log-gamma, the normal tail, and exact tails of the
//! binomial and hypergeometric distributions. Written here because the standard library has no
//! `ln_gamma` on stable and one dependency for four functions is not worth its weight.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms): about 15 significant digits, enough for
/// differences of log-factorials of counts up to billions.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln C(n, k).
pub fn ln_choose(n: f64, k: f64) -> f64 {
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
}

/// P(Z > z) for a standard normal Z. erfc after W. J. Cody's rational approximations is more
/// than we need; the Chebyshev fit of Numerical Recipes (relative error < 1.2e-7 everywhere,
/// tails included) is what a p-value read to three digits needs.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// P(X >= k) for a discrete distribution given by its log-pmf on the integers `lo..=hi`, with
/// mean and standard deviation to bound the work: terms further than 40 standard deviations
/// from the mean are below 1e-300 of the largest and are left out.
fn upper_tail(k: f64, lo: f64, hi: f64, mean: f64, sd: f64, lpmf: impl Fn(f64) -> f64) -> f64 {
    if k <= lo {
        return 1.0;
    }
    if k > hi {
        return 0.0;
    }
    let reach = 40.0 * sd + 10.0;
    let a = lo.max((mean - reach).floor());
    let b = hi.min((mean + reach).ceil());
    let peak = lpmf(mean.round().clamp(lo, hi));
    let mut total = 0.0;
    let mut tail = 0.0;
    let mut x = a;
    while x <= b {
        let p = (lpmf(x) - peak).exp();
        total += p;
        if x >= k {
            tail += p;
        }
        x += 1.0;
    }
    if k > b {
        // Far in the tail: the terms fall faster than geometrically, a few of them are the sum.
        let mut x = k;
        while x <= hi {
            let p = (lpmf(x) - peak).exp();
            tail += p;
            if p < tail * 1e-17 || p == 0.0 {
                break;
            }
            x += 1.0;
        }
    }
    if total <= 0.0 {
        return 0.0;
    }
    (tail / total).clamp(0.0, 1.0)
}

/// P(X >= k) for X ~ Binomial(n, p).
pub fn binomial_sf(k: f64, n: f64, p: f64) -> f64 {
    if k <= 0.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return if k <= n { 1.0 } else { 0.0 };
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mean = n * p;
    let sd = (n * p * (1.0 - p)).sqrt();
    upper_tail(k, 0.0, n, mean, sd, |x| {
        ln_choose(n, x) + x * lp + (n - x) * lq
    })
}

/// P(X >= k) for X ~ Hypergeometric: `draws` taken from `population` holding `marked`.
pub fn hypergeometric_sf(k: f64, population: f64, marked: f64, draws: f64) -> f64 {
    let lo = (draws - (population - marked)).max(0.0);
    let hi = marked.min(draws);
    let denom = ln_choose(population, draws);
    let mean = draws * marked / population.max(1.0);
    let var = if population > 1.0 {
        draws * (marked / population) * (1.0 - marked / population) * (population - draws)
            / (population - 1.0)
    } else {
        0.0
    };
    upper_tail(k, lo, hi, mean, var.sqrt(), |x| {
        ln_choose(marked, x) + ln_choose(population - marked, draws - x) - denom
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) {
        assert!(
            (a - b).abs() <= rel * b.abs().max(1e-300),
            "{a} is not within {rel} of {b}"
        );
    }

    #[test]
    fn log_gamma_of_factorials() {
        assert!(ln_gamma(1.0).abs() < 1e-14);
        close(ln_gamma(11.0), (3_628_800.0_f64).ln(), 1e-13);
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-13);
    }

    /// Reference values: scipy.stats.norm.sf (scipy 1.17.1).
    #[test]
    fn normal_tail_matches_scipy() {
        close(normal_sf(1.0), 0.15865525393145707, 1e-6);
        close(normal_sf(3.0), 0.0013498980316300933, 1e-6);
        close(normal_sf(-0.5), 0.6914624612740131, 1e-6);
    }

    /// Reference values: scipy.stats.binom.sf(k - 1, n, p) (scipy 1.17.1).
    #[test]
    fn binomial_tail_matches_scipy() {
        close(binomial_sf(6.0, 12.0, 0.01), 8.775072628580618e-10, 1e-8);
        close(binomial_sf(40.0, 3000.0, 0.01), 0.04541541005699614, 1e-8);
        close(binomial_sf(45.0, 3000.0, 0.01), 0.006027973344818402, 1e-8);
        close(binomial_sf(1.0, 20.0, 0.01), 0.18209306240276915, 1e-8);
        close(binomial_sf(0.0, 20.0, 0.01), 1.0, 1e-12);
        close(
            binomial_sf(600.0, 50000.0, 0.01),
            7.012055191794044e-06,
            1e-7,
        );
    }
}
