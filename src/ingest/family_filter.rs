//! The family filter: which sample names a parse should hand over.
//!
//! Envoy and Kafka scrapes run to tens of MB while a config reads a handful of families, so the
//! parser asks the filter about each line's name token before it looks at labels or values, and
//! skips unwanted lines at `memchr` speed. The check must be cheap: a bitset of the wanted name
//! lengths rejects most lines without hashing, and the rest go through a hash set with a small
//! multiplicative hasher (names are short, trusted, and not attacker-chosen keys of a long-lived
//! table, so a DoS-resistant hasher buys nothing here).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use crate::ingest::lexer::DeclaredType;

/// Which sample names a parse should hand over; every other sample line is skipped unparsed.
#[derive(Debug, Clone)]
pub struct FamilyFilter {
    keep_all: bool,
    /// Bit `n` is set when some wanted name is `n` bytes long (n < 256).
    lengths: [u64; 4],
    /// Some wanted name is 256 bytes or longer (those skip the length test).
    has_long_names: bool,
    names: HashSet<Box<str>, BuildHasherDefault<NameHasher>>,
}

impl FamilyFilter {
    /// A filter that wants every sample: the whole body is parsed.
    pub fn all() -> Self {
        FamilyFilter {
            keep_all: true,
            lengths: [0; 4],
            has_long_names: false,
            names: HashSet::default(),
        }
    }

    /// A filter that wants exactly these sample names (full names such as `h_bucket`, not
    /// family names). Empty names are ignored; an empty list wants nothing.
    pub fn names<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        let mut filter = FamilyFilter {
            keep_all: false,
            lengths: [0; 4],
            has_long_names: false,
            names: HashSet::default(),
        };
        for name in names {
            let name = name.as_ref();
            if name.is_empty() {
                continue;
            }
            let len = name.len();
            if len < 256 {
                filter.lengths[len / 64] |= 1 << (len % 64);
            } else {
                filter.has_long_names = true;
            }
            filter.names.insert(name.into());
        }
        filter
    }

    /// Whether a sample with this full name should be parsed and handed over.
    #[inline]
    pub fn wants(&self, sample_name: &str) -> bool {
        if self.keep_all {
            return true;
        }
        let len = sample_name.len();
        if len < 256 {
            if self.lengths[len / 64] & (1 << (len % 64)) == 0 {
                return false;
            }
        } else if !self.has_long_names {
            return false;
        }
        self.names.contains(sample_name)
    }

    /// True when nothing is filtered out.
    pub fn keeps_all(&self) -> bool {
        self.keep_all
    }

    /// Whether any sample name that a `# TYPE family type` line governs is wanted.
    /// `scratch` is reused to build the suffixed names without allocating per call.
    pub(crate) fn wants_family(
        &self,
        family: &str,
        declared: DeclaredType,
        scratch: &mut String,
    ) -> bool {
        if self.wants(family) {
            return true;
        }
        declared.suffixes().iter().any(|suffix| {
            scratch.clear();
            scratch.push_str(family);
            scratch.push_str(suffix);
            self.wants(scratch)
        })
    }
}

/// A small multiply-rotate hasher for short, trusted keys (metric names).
#[derive(Default)]
struct NameHasher {
    state: u64,
}

impl NameHasher {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(Self::MULTIPLIER);
    }
}

impl Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.mix(u64::from(byte));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.state
    }
}
