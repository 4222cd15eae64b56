//! Byte sizes as the config writes them: `"64MiB"`, `"512KiB"`, `"10MB"`, or a plain number of bytes.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A number of bytes read from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

/// Why a size string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad size \"{text}\": {reason}")]
pub struct SizeError {
    pub text: String,
    pub reason: &'static str,
}

/// Binary units (powers of 1024) are the usual ones for limits; SI units are accepted as written.
const UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("kB", 1_000),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
];

impl ByteSize {
    pub const fn mib(n: u64) -> ByteSize {
        ByteSize(n << 20)
    }

    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl FromStr for ByteSize {
    type Err = SizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| SizeError {
            text: text.to_string(),
            reason,
        };
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        if digits_end == 0 {
            return Err(fail("expected e.g. \"64MiB\", \"512KiB\", \"1000000\""));
        }
        let amount: u64 = text[..digits_end]
            .parse()
            .map_err(|_| fail("the number is too large"))?;
        let unit = text[digits_end..].trim_start();
        if unit.is_empty() {
            return Ok(ByteSize(amount));
        }
        let Some((_, factor)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(fail(
                "unknown unit; expected B, KiB, MiB, GiB, TiB, kB, MB or GB, e.g. \"64MiB\"",
            ));
        };
        amount
            .checked_mul(*factor)
            .map(ByteSize)
            .ok_or_else(|| fail("the number is too large"))
    }
}

impl fmt::Display for ByteSize {
    /// The largest binary unit that divides the size exactly, e.g. "64MiB"; else bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, factor) in [
            ("TiB", 1u64 << 40),
            ("GiB", 1 << 30),
            ("MiB", 1 << 20),
            ("KiB", 1 << 10),
        ] {
            if self.0 >= factor && self.0.is_multiple_of(factor) {
                return write!(f, "{}{name}", self.0 / factor);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;

        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"64MiB\" or a number of bytes")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
                text.parse().map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ByteSize, E> {
                u64::try_from(n)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("bad size {n}: a size cannot be negative")))
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(n))
            }
        }

        deserializer.deserialize_any(SizeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> u64 {
        text.parse::<ByteSize>()
            .unwrap_or_else(|e| panic!("{e}"))
            .bytes()
    }

    #[test]
    fn parses_units() {
        assert_eq!(bytes("64MiB"), 64 * 1024 * 1024);
        assert_eq!(bytes("512KiB"), 512 * 1024);
        assert_eq!(bytes("1GiB"), 1 << 30);
        assert_eq!(bytes("10MB"), 10_000_000);
        assert_eq!(bytes("3kB"), 3_000);
        assert_eq!(bytes("1000000"), 1_000_000);
        assert_eq!(bytes("12B"), 12);
        assert_eq!(bytes("64 MiB"), 64 << 20);
    }

    #[test]
    fn refuses_bad_sizes() {
        let e = "64 megs".parse::<ByteSize>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad size \"64 megs\": unknown unit; expected B, KiB, MiB, GiB, TiB, kB, MB or GB, e.g. \"64MiB\""
        );
        assert!("MiB".parse::<ByteSize>().is_err());
        assert!("1.5MiB".parse::<ByteSize>().is_err());
        assert!("-1".parse::<ByteSize>().is_err());
        assert!("99999999TiB".parse::<ByteSize>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in ["64MiB", "512KiB", "1GiB", "1000B"] {
            assert_eq!(text.parse::<ByteSize>().unwrap().to_string(), text);
        }
        assert_eq!(ByteSize(10_000_000).to_string(), "10000000B");
    }

    #[test]
    fn deserializes_numbers_and_strings() {
        #[derive(Deserialize)]
        struct T {
            s: ByteSize,
        }
        assert_eq!(toml::from_str::<T>("s = 1024").unwrap().s, ByteSize(1024));
        assert_eq!(
            toml::from_str::<T>("s = \"1KiB\"").unwrap().s,
            ByteSize(1024)
        );
        assert!(toml::from_str::<T>("s = -5").is_err());
    }
}
