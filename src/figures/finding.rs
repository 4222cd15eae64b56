//! One reason for a domain's health, tagged with the rule that gave it, so that the judge's
//! hysteresis can hold each rule on its own (`for`, `clear_after`).

use super::status::Health;

/// One rule's finding at one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which rule: `source:NAME`, `data`, `traffic`, `slo.p95`, `stage`, `queue:NAME`,
    /// `saga:NAME`, `judge`, `slo.error_ratio`, `burn`.
    pub rule: String,
    /// What the rule says now; `Ok` for words that inform without judging ("low traffic").
    pub level: Health,
    pub text: String,
    /// Far beyond its limit (≥ 5×, or a failure at very high confidence): skips `for`.
    pub far: bool,
}

/// Findings of one domain in the order they were found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn push(&mut self, rule: impl Into<String>, level: Health, text: impl Into<String>) {
        self.push_far(rule, level, text, false);
    }

    pub fn push_far(
        &mut self,
        rule: impl Into<String>,
        level: Health,
        text: impl Into<String>,
        far: bool,
    ) {
        self.0.push(Finding {
            rule: rule.into(),
            level,
            text: text.into(),
            far,
        });
    }

    /// The worst level found (the health without hysteresis).
    pub fn health(&self) -> Health {
        self.0.iter().fold(Health::Ok, |h, f| h.worst(f.level))
    }

    pub fn texts(&self) -> Vec<String> {
        self.0.iter().map(|f| f.text.clone()).collect()
    }
}
