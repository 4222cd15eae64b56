//! Heights of the detail view's boxes, held while the same domain is shown. A reason that
//! wraps onto one more line for one poll and one fewer the next (a count or a `for 38s` that
//! grows a digit), or a note that comes and goes, would move every box below it: the whole
//! view redrawn over SSH for a line of text. A box grows at once and shrinks only after it
//! has needed less for [`HOLD_MS`]; what it holds is a blank line, never stale text.

/// How long a box keeps a height it no longer needs.
pub(crate) const HOLD_MS: i64 = 60_000;

#[derive(Debug, Default)]
pub(crate) struct HeldRows {
    domain: String,
    /// Per box (by a key of the caller's): the height held and when it was last needed.
    rows: Vec<(u8, u16, i64)>,
}

impl HeldRows {
    /// The height to draw box `key` of `domain` with, when it needs `needed` rows now.
    pub(crate) fn height(&mut self, domain: &str, key: u8, needed: u16, now_ms: i64) -> u16 {
        if self.domain != domain {
            self.domain = domain.to_string();
            self.rows.clear();
        }
        let Some(slot) = self.rows.iter_mut().find(|(k, _, _)| *k == key) else {
            self.rows.push((key, needed, now_ms));
            return needed;
        };
        let (_, held, since) = slot;
        if needed >= *held || now_ms - *since >= HOLD_MS || now_ms < *since {
            *held = needed;
            *since = now_ms;
        }
        *held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_at_once_and_shrinks_after_the_hold() {
        let mut h = HeldRows::default();
        assert_eq!(h.height("orders", 0, 3, 0), 3);
        assert_eq!(h.height("orders", 0, 4, 2_000), 4);
        assert_eq!(h.height("orders", 0, 3, 4_000), 4, "held");
        assert_eq!(h.height("orders", 0, 4, 30_000), 4);
        assert_eq!(
            h.height("orders", 0, 3, 60_000 + 29_000),
            4,
            "held from 30 s"
        );
        assert_eq!(
            h.height("orders", 0, 3, 90_000),
            3,
            "a minute after last needed"
        );
        assert_eq!(h.height("orders", 1, 2, 90_000), 2, "each box on its own");
    }

    #[test]
    fn another_domain_starts_afresh() {
        let mut h = HeldRows::default();
        assert_eq!(h.height("orders", 0, 5, 0), 5);
        assert_eq!(h.height("billing", 0, 3, 1_000), 3);
        assert_eq!(h.height("orders", 0, 2, 2_000), 2);
    }
}
