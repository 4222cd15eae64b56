//! Durations as the config writes them: `"250ms"`, `"2s"`, `"1m"`, `"1h30m"`.
//!
//! Strings with units rather than bare numbers, so that nobody has to guess whether
//! `interval = 2` means seconds or milliseconds. The syntax is Prometheus's: integer amounts
//! with the units `ms`, `s`, `m`, `h`, `d`, largest first, each unit at most once.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A length of time read from the config (or the command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub std::time::Duration);

/// Why a duration string was refused; the message is the whole explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad duration \"{text}\": {reason}")]
pub struct DurationError {
    pub text: String,
    pub reason: &'static str,
}

const EXAMPLES: &str = "expected e.g. \"2s\", \"500ms\", \"1m\"";

/// Units, largest first, with their length in milliseconds.
const UNITS: [(&str, u64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl Duration {
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(std::time::Duration::from_millis(ms))
    }

    pub const fn from_secs(secs: u64) -> Duration {
        Duration(std::time::Duration::from_secs(secs))
    }

    pub fn as_std(self) -> std::time::Duration {
        self.0
    }

    pub fn as_millis(self) -> u128 {
        self.0.as_millis()
    }
}

impl From<Duration> for std::time::Duration {
    fn from(d: Duration) -> Self {
        d.0
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| DurationError {
            text: text.to_string(),
            reason,
        };
        if text.is_empty() {
            return Err(fail(EXAMPLES));
        }
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut total: u64 = 0;
        // Index into UNITS of the last unit used: each next unit must be smaller.
        let mut last_unit: Option<usize> = None;
        while pos < bytes.len() {
            let digits_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos == digits_start {
                return Err(fail(EXAMPLES));
            }
            let amount: u64 = text[digits_start..pos]
                .parse()
                .map_err(|_| fail("the number is too large"))?;
            let unit_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
                pos += 1;
            }
            let unit = &text[unit_start..pos];
            if unit.is_empty() && pos == bytes.len() {
                return Err(fail(
                    "the number has no unit; expected e.g. \"2s\", \"500ms\", \"1m\"",
                ));
            }
            let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return Err(fail(EXAMPLES));
            };
            if last_unit.is_some_and(|last| index <= last) {
                return Err(fail(
                    "units must go from largest to smallest, each once, as in \"1h30m\"",
                ));
            }
            last_unit = Some(index);
            total = amount
                .checked_mul(UNITS[index].1)
                .and_then(|ms| total.checked_add(ms))
                .ok_or_else(|| fail("the number is too large"))?;
        }
        Ok(Duration::from_millis(total))
    }
}

impl fmt::Display for Duration {
    /// Writes the duration back in the config syntax, e.g. "1h30m" or "1500ms".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0.as_millis();
        if ms == 0 {
            return f.write_str("0s");
        }
        // Milliseconds only when the value is not a whole number of seconds: "1500ms", not "1s500ms".
        if !ms.is_multiple_of(1000) {
            return write!(f, "{ms}ms");
        }
        for (name, unit_ms) in UNITS {
            let unit_ms = u128::from(unit_ms);
            if ms >= unit_ms {
                write!(f, "{}{name}", ms / unit_ms)?;
                ms %= unit_ms;
            }
        }
        Ok(())
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"2s\", \"500ms\", \"1m\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse().map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "bad duration {n}: a duration is a string with a unit, e.g. \"{n}s\" or \"{n}ms\""
                )))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Duration, E> {
                self.visit_i64(n as i64)
            }

            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "bad duration {n}: a duration is a string with a unit, e.g. \"2s\" or \"500ms\""
                )))
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u128 {
        text.parse::<Duration>()
            .unwrap_or_else(|e| panic!("{e}"))
            .as_millis()
    }

    #[test]
    fn parses_each_unit() {
        assert_eq!(ms("250ms"), 250);
        assert_eq!(ms("2s"), 2_000);
        assert_eq!(ms("1m"), 60_000);
        assert_eq!(ms("1h"), 3_600_000);
        assert_eq!(ms("1d"), 86_400_000);
        assert_eq!(ms("0s"), 0);
    }

    #[test]
    fn parses_combinations() {
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("1m30s500ms"), 90_500);
    }

    #[test]
    fn refuses_bad_text_with_examples() {
        let e = "2 seconds".parse::<Duration>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad duration \"2 seconds\": expected e.g. \"2s\", \"500ms\", \"1m\""
        );
        assert!("".parse::<Duration>().is_err());
        assert!("-1s".parse::<Duration>().is_err());
        assert!("1.5s".parse::<Duration>().is_err());
        assert!("2"
            .parse::<Duration>()
            .unwrap_err()
            .reason
            .contains("no unit"));
        assert!("2x".parse::<Duration>().is_err());
        assert!("30m1h"
            .parse::<Duration>()
            .unwrap_err()
            .reason
            .contains("largest"));
        assert!("1s1s".parse::<Duration>().is_err());
        assert!("99999999999999999999s".parse::<Duration>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in ["250ms", "2s", "1m", "1h30m", "1500ms", "0s", "1d2h"] {
            let d: Duration = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(d.to_string().parse::<Duration>().unwrap(), d);
        }
        assert_eq!(Duration::from_millis(90_000).to_string(), "1m30s");
    }

    #[test]
    fn deserializes_from_toml_string_and_refuses_numbers() {
        #[derive(Deserialize)]
        struct T {
            d: Duration,
        }
        let t: T = toml::from_str("d = \"1m\"").unwrap();
        assert_eq!(t.d, Duration::from_secs(60));
        let e = toml::from_str::<T>("d = 2").err().unwrap();
        assert!(
            e.message()
                .contains("bad duration 2: a duration is a string"),
            "{e}"
        );
    }
}
