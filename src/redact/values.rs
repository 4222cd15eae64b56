//! Known secret values taken out of text before it is shown, logged or cut.
//!
//! Text that quotes a remote answer (an error page, an HTTP step's response) is cut to a
//! readable length. Cutting first and redacting after would leave the start of a token that
//! the cut split in two, so the order is always: redact, then cut. And where text ends at a cut
//! (marked `…`), the last characters before it that are the first 8 or more of a secret are
//! taken for the secret: the rest of it may simply have been cut away earlier.

use std::borrow::Cow;

use super::REDACTED;

/// Secret values shorter than this (in bytes) are left alone in words: they hide nothing, and
/// replacing them would garble ordinary text (a tenant header `1` would turn `HTTP 401` into
/// nonsense).
pub const SHORTEST_SECRET: usize = 4;

/// The shortest start of a secret that counts as the secret at a cut edge: shorter
/// coincidences are too likely in ordinary text, longer ones would leak a useful part.
pub const EDGE_MIN_CHARS: usize = 8;

/// What marks a cut in the text cutover writes (`clip`, error snippets).
pub const CUT_MARK: char = '…';

/// The secret values one source or step knows; the longest are looked for first, so a value
/// that contains another is replaced whole.
#[derive(Debug, Clone, Default)]
pub struct SecretValues {
    values: Vec<String>,
}

impl SecretValues {
    /// Values shorter than `min_len` bytes are left out: they hide nothing and replacing them
    /// would garble ordinary words.
    pub fn new(values: impl IntoIterator<Item = String>, min_len: usize) -> SecretValues {
        let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= min_len).collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        SecretValues { values }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The text with every secret replaced by `<redacted>`, and every start of a secret
    /// (8 characters or more) that stands right before a cut mark.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let text = self.replace_whole(text);
        if !text.contains(CUT_MARK) {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest: &str = &text;
        while let Some(at) = rest.find(CUT_MARK) {
            out.push_str(&self.redact_cut_end(&rest[..at]));
            out.push(CUT_MARK);
            rest = &rest[at + CUT_MARK.len_utf8()..];
        }
        out.push_str(rest);
        if out == *text {
            text
        } else {
            Cow::Owned(out)
        }
    }

    /// The text with every whole secret replaced by `<redacted>`, and nothing else: for text
    /// that was never cut (a scraped body, tens of MB, is only copied when a secret is found).
    pub fn replace_whole<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for value in &self.values {
            if memchr::memmem::find(text.as_bytes(), value.as_bytes()).is_some() {
                text = Cow::Owned(text.replace(value.as_str(), REDACTED));
            }
        }
        text
    }

    /// Text that ends where it was cut: a trailing start of a secret (8 characters or more)
    /// is replaced as the secret would be.
    pub fn redact_cut_end<'a>(&self, text: &'a str) -> Cow<'a, str> {
        for value in &self.values {
            if let Some(start) = secret_start_at_end(text, value) {
                return Cow::Owned(format!("{}{REDACTED}", &text[..start]));
            }
        }
        Cow::Borrowed(text)
    }

    /// Redacts, then cuts to at most `max` bytes (on a character boundary, saying how much
    /// was left out), then redacts what the cut left at its edge.
    pub fn clip(&self, text: &str, max: usize) -> String {
        let text = self.redact(text);
        if text.len() <= max {
            return text.into_owned();
        }
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!(
            "{}{CUT_MARK} ({} bytes more)",
            self.redact_cut_end(&text[..end]),
            text.len() - end
        )
    }
}

/// Where `text` ends with the first `EDGE_MIN_CHARS` or more characters of `secret` (but not
/// all of it: a whole secret was replaced before), the byte offset where that start begins.
fn secret_start_at_end(text: &str, secret: &str) -> Option<usize> {
    let ends: Vec<usize> = secret
        .char_indices()
        .map(|(i, _)| i)
        .skip(EDGE_MIN_CHARS)
        .collect();
    // Longest start first.
    ends.iter()
        .rev()
        .find(|&&len| text.ends_with(&secret[..len]))
        .map(|&len| text.len() - len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "s3cr3t-t0ken-ABCDEFGHIJKLMNOP";

    #[test]
    fn redacts_before_cutting() {
        let secrets = SecretValues::new([TOKEN.to_string()], 4);
        let text = format!("{}echo: Bearer {TOKEN}", "x".repeat(461));
        let clipped = secrets.clip(&text, 500);
        assert!(!clipped.contains("s3cr3t"), "{clipped}");
        assert!(clipped.ends_with("Bearer <redacted>"), "{clipped}");
    }

    #[test]
    fn a_start_of_a_secret_at_a_cut_is_the_secret() {
        let secrets = SecretValues::new([TOKEN.to_string()], 4);
        // The source's text was already cut inside the token, elsewhere.
        let cut = format!("HTTP 500: token {}… more", &TOKEN[..12]);
        assert_eq!(secrets.redact(&cut), "HTTP 500: token <redacted>… more");
        assert_eq!(
            secrets.redact_cut_end(&format!("a {}", &TOKEN[..8])),
            "a <redacted>"
        );
        // Seven characters are not enough to tell; they stay.
        let short = format!("a {}…", &TOKEN[..7]);
        assert_eq!(secrets.redact(&short), short);
    }

    #[test]
    fn clip_cuts_on_a_char_boundary_and_says_so() {
        let none = SecretValues::default();
        assert_eq!(none.clip("short", 10), "short");
        assert_eq!(none.clip("ééé", 3), "é… (4 bytes more)");
    }
}
