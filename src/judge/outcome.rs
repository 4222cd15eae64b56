//! What a test or a whole verdict concludes.

use serde::{Deserialize, Serialize};

/// `pass`, `marginal`, `fail`, or `inconclusive` when the data cannot tell. Silence is never
/// a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Inconclusive,
    Pass,
    Marginal,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Inconclusive => "inconclusive",
            Outcome::Pass => "pass",
            Outcome::Marginal => "marginal",
            Outcome::Fail => "fail",
        }
    }

    /// The overview row's marker: a word of at most four letters that reads without colour
    /// and in ASCII. Inconclusive is a question mark: the data cannot tell.
    pub fn marker(self) -> &'static str {
        match self {
            Outcome::Inconclusive => "?",
            Outcome::Pass => "PASS",
            Outcome::Marginal => "MARG",
            Outcome::Fail => "FAIL",
        }
    }
}

/// A confidence in words a tired engineer reads at once: "> 99.9%", "98.5%".
pub fn confidence_words(c: f64) -> String {
    if c >= 0.999 {
        "> 99.9%".to_string()
    } else if c < 0.5 {
        "< 50%".to_string()
    } else {
        format!("{:.1}%", (c * 1000.0).floor() / 10.0)
    }
}

/// A count as people write it: 2,800.
pub fn count_words(v: f64) -> String {
    let n = v.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A ratio as a percentage with the precision it needs: 0.5%, 1.7%, 0.05%.
pub fn percent_words(r: f64) -> String {
    let p = r * 100.0;
    if p == 0.0 || p >= 10.0 {
        format!("{p:.0}%")
    } else if p >= 1.0 {
        format!("{p:.1}%")
    } else if p >= 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.3}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(count_words(2800.0), "2,800");
        assert_eq!(count_words(12.0), "12");
        assert_eq!(count_words(1_234_567.0), "1,234,567");
        assert_eq!(confidence_words(0.99999), "> 99.9%");
        assert_eq!(confidence_words(0.985), "98.5%");
        assert_eq!(percent_words(0.005), "0.50%");
        assert_eq!(percent_words(0.017), "1.7%");
        assert_eq!(percent_words(0.5), "50%");
    }

    #[test]
    fn severity_orders_fail_last() {
        assert!(Outcome::Fail > Outcome::Marginal);
        assert!(Outcome::Marginal > Outcome::Pass);
        assert!(Outcome::Pass > Outcome::Inconclusive);
    }
}
