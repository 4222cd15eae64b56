//! PromQL instant-vector selectors: `name{label="value", label=~"re", ...}`.
//!
//! A selector names the series a signal reads. For `scrape` sources the cockpit matches every
//! parsed sample against it; the metric name it fixes (if any) also tells the ingest pre-filter
//! which families to parse. The syntax and the matching rules follow PromQL so that a selector
//! copied from a dashboard means the same thing here:
//!
//! - operators `=`, `!=`, `=~`, `!~`; regexes are fully anchored (`^(?s:re)$`), as Prometheus does;
//! - a label the sample does not carry has the value `""`, so `l=""` and `l=~".*"` match its absence;
//! - strings in double or single quotes with Go escapes (`\"`, `\\`, `\n`, `\x41`, `\u00e9`, ...),
//!   or in backticks, raw;
//! - the metric name by `name`, `{__name__="name"}` or (Prometheus 3) a bare quoted string in the
//!   braces, `{"name"}`; quoted label names (`{"service.name"="x"}`) are accepted too;
//! - at least one matcher must not match the empty string, so `{}` or `{job=""}` alone are refused.

use regex::Regex;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The label that carries the metric name in PromQL.
const NAME_LABEL: &str = "__name__";

/// Label matchers are tracked with a bit mask while matching (so that matching never
/// allocates); no real selector comes near this many.
const MAX_LABEL_MATCHERS: usize = 64;

/// A selector that did not parse: where (1-based column, in characters) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct SelectorError {
    pub column: usize,
    pub message: String,
}

/// A parsed instant-vector selector. Two selectors are equal when their texts are equal.
#[derive(Clone)]
pub struct Selector {
    text: String,
    /// The exact metric name, when one `__name__` equality fixes it.
    metric_name: Option<String>,
    /// Matchers on `__name__`, tested against the sample's name.
    name_matchers: Vec<Matcher>,
    /// Matchers on every other label.
    label_matchers: Vec<Matcher>,
    /// Bit i set: label matcher i fails on a missing label (it does not match `""`).
    required_mask: u64,
}

#[derive(Clone)]
struct Matcher {
    label: String,
    op: MatchOp,
    /// The value as written (unescaped); for regex operators, the unanchored pattern.
    value: String,
}

#[derive(Clone)]
enum MatchOp {
    Equal,
    NotEqual,
    Regex(Regex),
    NotRegex(Regex),
}

impl Matcher {
    fn test(&self, value: &str) -> bool {
        match &self.op {
            MatchOp::Equal => value == self.value,
            MatchOp::NotEqual => value != self.value,
            MatchOp::Regex(re) => re.is_match(value),
            MatchOp::NotRegex(re) => !re.is_match(value),
        }
    }

    fn operator(&self) -> &'static str {
        match self.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex(_) => "=~",
            MatchOp::NotRegex(_) => "!~",
        }
    }
}

impl Selector {
    /// Parses a selector; the error says at which column and why.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let parsed = Parser::new(text).selector()?;
        Selector::build(text.to_string(), parsed.name, parsed.matchers)
    }

    /// The selector as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The exact metric name when the selector fixes one (by `name` or `{__name__="x"}`), else None.
    pub fn metric_name(&self) -> Option<&str> {
        self.metric_name.as_deref()
    }

    /// The matchers on labels other than the name, as written: (label, operator, value), the
    /// value unescaped and, for regexes, unanchored. What a batched query is built from.
    pub fn label_matchers(&self) -> impl Iterator<Item = (&str, &'static str, &str)> {
        self.label_matchers
            .iter()
            .map(|m| (m.label.as_str(), m.operator(), m.value.as_str()))
    }

    /// True when matchers on `__name__` other than the fixed name narrow the selector.
    pub fn has_name_matchers(&self) -> bool {
        !self.name_matchers.is_empty()
    }

    /// True when the sample matches: `labels` is an iterator of (name, value) pairs.
    ///
    /// A label absent from `labels` counts as the empty value, as in PromQL. A `__name__` pair in
    /// `labels` is ignored: the name comes from `name`.
    pub fn matches<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(
        &self,
        name: &str,
        labels: I,
    ) -> bool {
        if let Some(fixed) = &self.metric_name {
            if fixed != name {
                return false;
            }
        }
        if !self.name_matchers.iter().all(|m| m.test(name)) {
            return false;
        }
        if self.label_matchers.is_empty() {
            return true;
        }
        let mut seen: u64 = 0;
        for (label, value) in labels {
            if label == NAME_LABEL {
                continue;
            }
            for (i, matcher) in self.label_matchers.iter().enumerate() {
                if matcher.label == label {
                    seen |= 1 << i;
                    if !matcher.test(value) {
                        return false;
                    }
                }
            }
        }
        // Labels never seen are empty: only matchers that accept "" may stay unseen.
        self.required_mask & !seen == 0
    }

    /// The same selector on another metric name (a histogram signal names the base; `_bucket` is matched).
    ///
    /// Every matcher on the name is replaced by `__name__ = name`; the text is written anew.
    pub fn with_metric_name(&self, name: &str) -> Selector {
        let mut text = String::new();
        let labels = &self.label_matchers;
        if is_metric_name(name) {
            text.push_str(name);
            if !labels.is_empty() {
                text.push('{');
                write_matchers(&mut text, labels);
                text.push('}');
            }
        } else {
            text.push('{');
            write_quoted(&mut text, name);
            if !labels.is_empty() {
                text.push_str(", ");
                write_matchers(&mut text, labels);
            }
            text.push('}');
        }
        Selector {
            text,
            metric_name: Some(name.to_string()),
            name_matchers: Vec::new(),
            label_matchers: self.label_matchers.clone(),
            required_mask: self.required_mask,
        }
    }

    fn build(
        text: String,
        name: Option<(String, usize)>,
        matchers: Vec<(Matcher, usize)>,
    ) -> Result<Selector, SelectorError> {
        let mut metric_name = None;
        let mut name_matchers = Vec::new();
        let mut label_matchers = Vec::new();
        let mut has_non_empty = false;
        if let Some((name, _)) = name {
            has_non_empty = true;
            metric_name = Some(name);
        }
        for (matcher, column) in matchers {
            if !matcher.test("") {
                has_non_empty = true;
            }
            if matcher.label == NAME_LABEL {
                if metric_name.is_none() && matches!(matcher.op, MatchOp::Equal) {
                    metric_name = Some(matcher.value.clone());
                } else {
                    name_matchers.push(matcher);
                }
            } else {
                if label_matchers.len() == MAX_LABEL_MATCHERS {
                    return Err(SelectorError {
                        column,
                        message: format!(
                            "too many label matchers: at most {MAX_LABEL_MATCHERS} are supported"
                        ),
                    });
                }
                label_matchers.push(matcher);
            }
        }
        if !has_non_empty {
            return Err(SelectorError {
                column: 1,
                message: "the selector needs a metric name or at least one matcher that does not \
                          match the empty string (as PromQL requires)"
                    .to_string(),
            });
        }
        let required_mask = label_matchers
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.test(""))
            .fold(0u64, |mask, (i, _)| mask | (1 << i));
        Ok(Selector {
            text,
            metric_name,
            name_matchers,
            label_matchers,
            required_mask,
        })
    }
}

impl PartialEq for Selector {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Selector {}

impl Hash for Selector {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Selector").field(&self.text).finish()
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Selector::parse(text)
    }
}

fn write_matchers(out: &mut String, matchers: &[Matcher]) {
    for (i, matcher) in matchers.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if is_label_name(&matcher.label) {
            out.push_str(&matcher.label);
        } else {
            write_quoted(out, &matcher.label);
        }
        out.push_str(matcher.operator());
        write_quoted(out, &matcher.value);
    }
}

/// Writes `value` as a double-quoted PromQL string that parses back to the same value.
pub fn write_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A metric name as PromQL writes it bare: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Compiles a PromQL regex: it must be valid on its own (so `a)|(b` cannot escape the anchoring
/// group), then it is anchored at both ends with `.` matching newlines, as Prometheus does.
/// A regex the regex crate refuses, in the words of its last line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
struct RegexError(String);

fn compile_anchored(pattern: &str) -> Result<Regex, RegexError> {
    Regex::new(pattern).map_err(regex_message)?;
    Regex::new(&format!("^(?s:{pattern})$")).map_err(regex_message)
}

/// The regex crate's message spans several lines with a caret drawing; keep the words.
fn regex_message(error: regex::Error) -> RegexError {
    let text = error.to_string();
    RegexError(
        text.lines()
            .rev()
            .find_map(|line| line.trim().strip_prefix("error: ").map(str::to_string))
            .unwrap_or_else(|| text.lines().last().unwrap_or("invalid").trim().to_string()),
    )
}

struct Parsed {
    name: Option<(String, usize)>,
    matchers: Vec<(Matcher, usize)>,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    /// The 1-based column of the current position.
    fn column(&self) -> usize {
        self.pos + 1
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn error<T>(&self, column: usize, message: impl Into<String>) -> Result<T, SelectorError> {
        Err(SelectorError {
            column,
            message: message.into(),
        })
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.pos += 1;
        }
    }

    /// Describes what stands at the current position, for error messages.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the selector".to_string(),
            Some(c) => format!("'{c}'"),
        }
    }

    fn selector(mut self) -> Result<Parsed, SelectorError> {
        self.skip_spaces();
        if self.peek().is_none() {
            return self.error(self.column(), "the selector is empty");
        }
        let mut name = None;
        if matches!(self.peek(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':') {
            let column = self.column();
            let start = self.pos;
            while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == ':')
            {
                self.pos += 1;
            }
            name = Some((self.chars[start..self.pos].iter().collect(), column));
            self.skip_spaces();
        } else if self.peek() != Some('{') {
            return self.error(
                self.column(),
                format!("expected a metric name or '{{', found {}", self.found()),
            );
        }
        let mut matchers = Vec::new();
        let has_braces = self.peek() == Some('{');
        if has_braces {
            self.pos += 1;
            matchers = self.matchers(&mut name)?;
            self.skip_spaces();
        }
        if let Some(c) = self.peek() {
            let hint = match c {
                '(' | '[' => {
                    " (functions and range vectors are for sources of kind = \"prometheus\"; \
                     for scrape sources write a plain selector)"
                }
                _ => "",
            };
            let after = if !has_braces {
                "expected '{' or the end of the selector"
            } else {
                "expected the end of the selector"
            };
            return self.error(self.column(), format!("{after}, found '{c}'{hint}"));
        }
        Ok(Parsed { name, matchers })
    }

    /// Parses the matchers after '{' up to and including '}'.
    fn matchers(
        &mut self,
        name: &mut Option<(String, usize)>,
    ) -> Result<Vec<(Matcher, usize)>, SelectorError> {
        let mut matchers = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(matchers);
                }
                None => {
                    return self.error(self.column(), "expected a label matcher or '}'");
                }
                _ => {}
            }
            let column = self.column();
            let (label, quoted) = self.label_name()?;
            self.skip_spaces();
            let is_bare_name = quoted && matches!(self.peek(), Some(',') | Some('}') | None);
            if is_bare_name {
                // Prometheus 3: `{"metric.name", ...}` names the metric.
                if let Some((first, _)) = name {
                    return self.error(
                        column,
                        format!("the metric name is given twice: \"{first}\" and \"{label}\""),
                    );
                }
                *name = Some((label, column));
            } else {
                if label == NAME_LABEL {
                    if let Some((first, _)) = name {
                        return self.error(
                            column,
                            format!(
                                "the metric name is given twice: \"{first}\" and a matcher on {NAME_LABEL}"
                            ),
                        );
                    }
                }
                let op = self.operator(&label)?;
                self.skip_spaces();
                let value_column = self.column();
                let value = self.string(&format!("the value of label \"{label}\""))?;
                let op = match op {
                    "=" => MatchOp::Equal,
                    "!=" => MatchOp::NotEqual,
                    "=~" | "!~" => {
                        let re = compile_anchored(&value).or_else(|message| {
                            self.error(
                                value_column,
                                format!("bad regex for label \"{label}\": {message}"),
                            )
                        })?;
                        if op == "=~" {
                            MatchOp::Regex(re)
                        } else {
                            MatchOp::NotRegex(re)
                        }
                    }
                    _ => unreachable!("operator() returns only the four PromQL operators"),
                };
                matchers.push((Matcher { label, op, value }, column));
            }
            self.skip_spaces();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => {
                    return self.error(
                        self.column(),
                        format!(
                            "expected ',' or '}}' after a label matcher, found {}",
                            self.found()
                        ),
                    )
                }
            }
        }
    }

    /// A label name: an identifier, or a quoted string (true in the second field).
    fn label_name(&mut self) -> Result<(String, bool), SelectorError> {
        match self.peek() {
            Some('"' | '\'' | '`') => Ok((self.string("a quoted label name")?, true)),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_') {
                    self.pos += 1;
                }
                Ok((self.chars[start..self.pos].iter().collect(), false))
            }
            _ => self.error(
                self.column(),
                format!(
                    "expected a label name (a letter or '_' first), found {}",
                    self.found()
                ),
            ),
        }
    }

    fn operator(&mut self, label: &str) -> Result<&'static str, SelectorError> {
        let op = match (self.peek(), self.peek_at(1)) {
            (Some('='), Some('~')) => "=~",
            (Some('!'), Some('=')) => "!=",
            (Some('!'), Some('~')) => "!~",
            (Some('='), Some('=')) => {
                return self.error(
                    self.column(),
                    format!("use '=' to compare label \"{label}\", not '=='"),
                )
            }
            (Some('='), _) => "=",
            _ => {
                return self.error(
                    self.column(),
                    format!(
                        "expected '=', '!=', '=~' or '!~' after label \"{label}\", found {}",
                        self.found()
                    ),
                )
            }
        };
        self.pos += op.len();
        Ok(op)
    }

    /// A quoted string, unescaped. `what` names it in error messages.
    fn string(&mut self, what: &str) -> Result<String, SelectorError> {
        let start_column = self.column();
        let quote = match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => q,
            _ => {
                return self.error(
                    start_column,
                    format!("expected {what} in quotes, found {}", self.found()),
                )
            }
        };
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.peek() else {
                return self.error(
                    start_column,
                    format!("unterminated string: {what} has no closing {quote}"),
                );
            };
            self.pos += 1;
            if c == quote {
                return Ok(value);
            }
            if quote == '`' {
                value.push(c);
                continue;
            }
            match c {
                '\n' => {
                    return self.error(
                        start_column,
                        format!(
                        "unterminated string: {what} has no closing {quote} before the line ends"
                    ),
                    )
                }
                '\\' => value.push(self.escape()?),
                c => value.push(c),
            }
        }
    }

    /// The character of an escape sequence; the backslash was just consumed.
    fn escape(&mut self) -> Result<char, SelectorError> {
        let column = self.pos; // the backslash, 1-based
        let Some(c) = self.peek() else {
            return self.error(column, "a backslash ends the selector");
        };
        self.pos += 1;
        let simple = match c {
            'a' => Some('\u{07}'),
            'b' => Some('\u{08}'),
            'f' => Some('\u{0c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{0b}'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            _ => None,
        };
        if let Some(ch) = simple {
            return Ok(ch);
        }
        let (digits, radix) = match c {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => {
                self.pos -= 1;
                (3, 8)
            }
            other => {
                return self.error(
                    column,
                    format!(
                        "unknown escape sequence '\\{other}' (known: \\\" \\' \\\\ \\n \\t \\r \\xHH \\uHHHH)"
                    ),
                )
            }
        };
        let mut code: u32 = 0;
        for _ in 0..digits {
            match self.peek().and_then(|d| d.to_digit(radix)) {
                Some(d) => {
                    code = code * radix + d;
                    self.pos += 1;
                }
                None => {
                    return self.error(
                        column,
                        format!("escape sequence '\\{c}' needs {digits} digits in base {radix}"),
                    )
                }
            }
        }
        char::from_u32(code).ok_or_else(|| SelectorError {
            column,
            message: format!("escape sequence gives {code:#x}, which is not a character"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(text: &str) -> Selector {
        Selector::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn err(text: &str) -> SelectorError {
        match Selector::parse(text) {
            Ok(s) => panic!("{text} parsed as {s:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn bare_name() {
        let s = sel("http_requests_total");
        assert_eq!(s.metric_name(), Some("http_requests_total"));
        assert!(s.matches("http_requests_total", [("code", "200")]));
        assert!(s.matches("http_requests_total", []));
        assert!(!s.matches("http_requests", []));
        assert_eq!(s.text(), "http_requests_total");
    }

    #[test]
    fn name_with_colons_and_empty_braces() {
        let s = sel("job:rps:rate5m{}");
        assert_eq!(s.metric_name(), Some("job:rps:rate5m"));
        assert!(s.matches("job:rps:rate5m", [("a", "b")]));
    }

    #[test]
    fn equal_operator() {
        let s = sel(r#"up{job="api"}"#);
        assert!(s.matches("up", [("job", "api")]));
        assert!(!s.matches("up", [("job", "api2")]));
        assert!(!s.matches("up", []));
    }

    #[test]
    fn not_equal_operator() {
        let s = sel(r#"up{job!="api"}"#);
        assert!(!s.matches("up", [("job", "api")]));
        assert!(s.matches("up", [("job", "db")]));
        // missing label is "", which differs from "api"
        assert!(s.matches("up", []));
    }

    #[test]
    fn regex_operator_is_anchored() {
        let s = sel(r#"up{code=~"5.."}"#);
        assert!(s.matches("up", [("code", "500")]));
        assert!(!s.matches("up", [("code", "1500")]));
        assert!(!s.matches("up", [("code", "5000")]));
        assert!(!s.matches("up", []));
        let alt = sel(r#"up{code=~"4..|5.."}"#);
        assert!(alt.matches("up", [("code", "404")]));
        assert!(!alt.matches("up", [("code", "x404")]));
        assert!(!alt.matches("up", [("code", "5000")]));
    }

    #[test]
    fn not_regex_operator() {
        let s = sel(r#"up{code!~"2.."}"#);
        assert!(!s.matches("up", [("code", "200")]));
        assert!(s.matches("up", [("code", "2000")]));
        assert!(s.matches("up", [("code", "500")]));
        assert!(s.matches("up", []));
    }

    #[test]
    fn regex_dot_matches_newline_like_prometheus() {
        let s = sel(r#"up{msg=~"a.b"}"#);
        assert!(s.matches("up", [("msg", "a\nb")]));
    }

    #[test]
    fn regex_cannot_escape_its_anchoring_group() {
        let e = err(r#"up{a=~"x)|(y"}"#);
        assert_eq!(e.column, 7, "{e}");
        assert!(e.message.starts_with("bad regex for label \"a\""), "{e}");
    }

    #[test]
    fn missing_label_is_empty_value() {
        let empty = sel(r#"up{env=""}"#);
        assert!(empty.matches("up", []));
        assert!(empty.matches("up", [("other", "x")]));
        assert!(!empty.matches("up", [("env", "prod")]));
        let any = sel(r#"up{env=~".*"}"#);
        assert!(any.matches("up", []));
        assert!(any.matches("up", [("env", "prod")]));
        let some = sel(r#"up{env=~".+"}"#);
        assert!(!some.matches("up", []));
        assert!(some.matches("up", [("env", "prod")]));
    }

    #[test]
    fn several_matchers_all_must_hold() {
        let s = sel(
            r#"haproxy_server_http_responses_total{proxy="be_orders",server="monolith",code="5xx"}"#,
        );
        let name = "haproxy_server_http_responses_total";
        assert!(s.matches(
            name,
            [
                ("proxy", "be_orders"),
                ("server", "monolith"),
                ("code", "5xx")
            ]
        ));
        assert!(!s.matches(
            name,
            [
                ("proxy", "be_orders"),
                ("server", "monolith"),
                ("code", "2xx")
            ]
        ));
        assert!(!s.matches(name, [("proxy", "be_orders"), ("server", "monolith")]));
        // label order does not matter
        assert!(s.matches(
            name,
            [
                ("code", "5xx"),
                ("server", "monolith"),
                ("proxy", "be_orders")
            ]
        ));
    }

    #[test]
    fn name_label_matchers() {
        let eq = sel(r#"{__name__="up"}"#);
        assert_eq!(eq.metric_name(), Some("up"));
        assert!(eq.matches("up", []));
        assert!(!eq.matches("down", []));

        let re = sel(r#"{__name__=~"kafka_consumergroup_.*", topic="orders"}"#);
        assert_eq!(re.metric_name(), None);
        assert!(re.matches("kafka_consumergroup_lag", [("topic", "orders")]));
        assert!(!re.matches("kafka_topic_partitions", [("topic", "orders")]));
        assert!(!re.matches("kafka_consumergroup_lag", [("topic", "billing")]));

        let not = sel(r#"{__name__!~"go_.*", job="x"}"#);
        assert!(not.matches("up", [("job", "x")]));
        assert!(!not.matches("go_goroutines", [("job", "x")]));
    }

    #[test]
    fn name_pair_in_labels_is_ignored() {
        let s = sel(r#"up{job="a"}"#);
        assert!(s.matches("up", [("__name__", "other"), ("job", "a")]));
    }

    #[test]
    fn quoted_metric_and_label_names() {
        let s = sel(r#"{"http.server.duration", "service.name"="orders"}"#);
        assert_eq!(s.metric_name(), Some("http.server.duration"));
        assert!(s.matches("http.server.duration", [("service.name", "orders")]));
        assert!(!s.matches("http.server.duration", [("service.name", "billing")]));
    }

    #[test]
    fn quoting_styles_and_escapes() {
        let single = sel(r#"m{a='x"y'}"#);
        assert!(single.matches("m", [("a", "x\"y")]));
        let escaped = sel(r#"m{a="x\"y\\z\n"}"#);
        assert!(escaped.matches("m", [("a", "x\"y\\z\n")]));
        let raw = sel(r#"m{path=~`/orders/\d+`}"#);
        assert!(raw.matches("m", [("path", "/orders/42")]));
        assert!(!raw.matches("m", [("path", "/orders/x")]));
        let unicode = sel(r#"m{a="caf\u00e9 \x41\101"}"#);
        assert!(unicode.matches("m", [("a", "café AA")]));
        let single_escape = sel(r"m{a='it\'s'}");
        assert!(single_escape.matches("m", [("a", "it's")]));
    }

    #[test]
    fn values_may_hold_braces_commas_and_equals() {
        let s = sel(r#"http_request_duration_seconds{handler="/orders/{order_id}", q="a=b,c"}"#);
        assert!(s.matches(
            "http_request_duration_seconds",
            [("handler", "/orders/{order_id}"), ("q", "a=b,c")]
        ));
    }

    #[test]
    fn whitespace_and_trailing_comma() {
        let s = sel("  up { job = \"a\" , } ");
        assert!(s.matches("up", [("job", "a")]));
        assert_eq!(s.metric_name(), Some("up"));
    }

    #[test]
    fn equality_is_by_text() {
        assert_eq!(sel("up"), sel("up"));
        assert_ne!(sel("up"), sel("up{}"));
        assert_eq!(format!("{:?}", sel("up")), "Selector(\"up\")");
    }

    #[test]
    fn with_metric_name_renames_and_keeps_matchers() {
        let s = sel(r#"http_request_duration_seconds{handler="/orders/{order_id}", code!~"5.."}"#);
        let b = s.with_metric_name("http_request_duration_seconds_bucket");
        assert_eq!(
            b.metric_name(),
            Some("http_request_duration_seconds_bucket")
        );
        assert_eq!(
            b.text(),
            r#"http_request_duration_seconds_bucket{handler="/orders/{order_id}", code!~"5.."}"#
        );
        assert!(b.matches(
            "http_request_duration_seconds_bucket",
            [("handler", "/orders/{order_id}"), ("le", "0.1")]
        ));
        assert!(!b.matches(
            "http_request_duration_seconds",
            [("handler", "/orders/{order_id}")]
        ));
        assert!(!b.matches(
            "http_request_duration_seconds_bucket",
            [("handler", "/orders/{order_id}"), ("code", "503")]
        ));
        // the new text parses back to an equal selector
        assert_eq!(Selector::parse(b.text()).unwrap(), b);
    }

    #[test]
    fn with_metric_name_replaces_name_regex_and_quotes_when_needed() {
        let s = sel(r#"{__name__=~"x.*", a="q\"\\"}"#);
        let b = s.with_metric_name("y_bucket");
        assert_eq!(b.text(), r#"y_bucket{a="q\"\\"}"#);
        assert!(b.matches("y_bucket", [("a", "q\"\\")]));
        let dotted = sel("up").with_metric_name("a.b");
        assert_eq!(dotted.text(), r#"{"a.b"}"#);
        assert_eq!(
            Selector::parse(dotted.text()).unwrap().metric_name(),
            Some("a.b")
        );
    }

    #[test]
    fn error_empty() {
        assert_eq!(err("").to_string(), "column 1: the selector is empty");
        assert_eq!(err("   ").column, 4);
    }

    #[test]
    fn error_needs_a_non_empty_matcher() {
        assert_eq!(err("{}").column, 1);
        assert!(err(r#"{job=""}"#).message.contains("at least one matcher"));
        assert!(err(r#"{job=~".*"}"#)
            .message
            .contains("at least one matcher"));
        assert!(Selector::parse(r#"{job="x"}"#).is_ok());
    }

    #[test]
    fn error_missing_operator_names_column() {
        let e = err(r#"up{job "a"}"#);
        assert_eq!(
            e.to_string(),
            r#"column 8: expected '=', '!=', '=~' or '!~' after label "job", found '"'"#
        );
    }

    #[test]
    fn error_double_equals() {
        let e = err(r#"up{job=="a"}"#);
        assert_eq!(e.column, 7);
        assert!(e.message.contains("'=='"), "{e}");
    }

    #[test]
    fn error_unquoted_value() {
        let e = err("up{job=api}");
        assert_eq!(
            e.to_string(),
            r#"column 8: expected the value of label "job" in quotes, found 'a'"#
        );
    }

    #[test]
    fn error_unterminated_string() {
        let e = err(r#"up{job="api}"#);
        assert_eq!(e.column, 8);
        assert!(e.message.starts_with("unterminated string"), "{e}");
    }

    #[test]
    fn error_missing_close_brace() {
        let e = err(r#"up{job="api""#);
        assert_eq!(
            e.to_string(),
            "column 13: expected ',' or '}' after a label matcher, found the end of the selector"
        );
        let e = err(r#"up{job="api" env="x"}"#);
        assert_eq!(e.column, 14);
    }

    #[test]
    fn error_bad_label_name() {
        let e = err(r#"up{1job="a"}"#);
        assert_eq!(e.column, 4);
        assert!(e.message.starts_with("expected a label name"), "{e}");
    }

    #[test]
    fn error_bad_regex() {
        let e = err(r#"up{code=~"5(.."}"#);
        assert_eq!(e.column, 10);
        assert!(
            e.message.starts_with("bad regex for label \"code\": "),
            "{e}"
        );
        assert!(!e.message.contains('\n'), "{e}");
    }

    #[test]
    fn error_unknown_escape() {
        let e = err(r#"up{a="x\qy"}"#);
        assert_eq!(e.column, 8);
        assert!(
            e.message.starts_with("unknown escape sequence '\\q'"),
            "{e}"
        );
    }

    #[test]
    fn error_functions_and_ranges_hint_at_prometheus_sources() {
        let e = err("rate(http_requests_total[5m])");
        assert_eq!(e.column, 5);
        assert!(e.message.contains("kind = \"prometheus\""), "{e}");
        let e = err(r#"up{a="b"}[5m]"#);
        assert_eq!(e.column, 10);
        assert!(
            e.message
                .starts_with("expected the end of the selector, found '['"),
            "{e}"
        );
    }

    #[test]
    fn error_name_twice() {
        let e = err(r#"up{__name__="down"}"#);
        assert_eq!(e.column, 4);
        assert!(e.message.contains("given twice"), "{e}");
        let e = err(r#"up{"down"}"#);
        assert!(e.message.contains("given twice"), "{e}");
    }

    #[test]
    fn error_columns_count_characters_not_bytes() {
        let e = err(r#"m{a="é", b c}"#);
        assert_eq!(e.column, 12);
    }

    #[test]
    fn error_starts_with_garbage() {
        let e = err(r#"5xx{a="b"}"#);
        assert_eq!(
            e.to_string(),
            "column 1: expected a metric name or '{', found '5'"
        );
    }
}
