//! Where things are in the TOML text: key paths to lines, and byte offsets to key paths.
//!
//! Serde tells us *what* is wrong and, through `toml`, the byte span of the offending value;
//! the checks made after deserialising know the key path. Users need both the line and the
//! key, so this module keeps the parsed document (with spans) and answers both questions.

use std::fmt;
use std::ops::Range;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// One step of a key path: a key, or an index in an array (of tables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A key path such as `domain[0].traffic.new.requests`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    pub fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// This path with a key appended.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_string()));
        path
    }

    /// This path with an array index appended.
    pub fn index(&self, index: usize) -> KeyPath {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    pub fn parent(&self) -> KeyPath {
        let mut path = self.clone();
        path.0.pop();
        path
    }

    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    if is_bare_key(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

fn is_bare_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The TOML text and, when it parses, its document with spans.
pub(super) struct Locator<'a> {
    text: &'a str,
    document: Option<ImDocument<&'a str>>,
}

impl<'a> Locator<'a> {
    pub(super) fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            document: ImDocument::parse(text).ok(),
        }
    }

    /// False when the text is not TOML at all.
    pub(super) fn parses(&self) -> bool {
        self.document.is_some()
    }

    /// 1-based line of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// 1-based column, in characters, of a byte offset.
    pub(super) fn column_of(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..offset].chars().count() + 1
    }

    /// The line of the deepest part of `path` found in the file: the key itself when it is
    /// written, else the table that should hold it.
    pub(super) fn line_of_path(&self, path: &KeyPath) -> Option<usize> {
        self.span_of_path(path).map(|span| self.line_of(span.start))
    }

    /// Whether the file writes `path` itself (not only a table around it): a key left out
    /// holds its default, which messages must not present as something the user wrote.
    pub(super) fn holds(&self, path: &KeyPath) -> bool {
        let Some(document) = self.document.as_ref() else {
            return false;
        };
        let mut item: &Item = document.as_item();
        for segment in &path.0 {
            let next = match segment {
                Segment::Key(key) => item.as_table_like().and_then(|table| table.get(key)),
                Segment::Index(index) => item.get(*index),
            };
            match next {
                Some(next) if !next.is_none() => item = next,
                _ => return false,
            }
        }
        true
    }

    fn span_of_path(&self, path: &KeyPath) -> Option<Range<usize>> {
        let document = self.document.as_ref()?;
        let mut best: Option<Range<usize>> = None;
        let mut item: &Item = document.as_item();
        for segment in &path.0 {
            match segment {
                Segment::Key(key) => {
                    let Some((found_key, found_item)) = item
                        .as_table_like()
                        .and_then(|table| table.get_key_value(key))
                    else {
                        break;
                    };
                    let span = match found_item {
                        // An array of tables has no key of its own in the text: its first
                        // header stands for it until an index picks one.
                        Item::ArrayOfTables(tables) => tables.iter().next().and_then(|t| t.span()),
                        _ => found_key.span().or_else(|| item_span(found_item)),
                    };
                    if span.is_some() {
                        best = span;
                    }
                    item = found_item;
                }
                Segment::Index(index) => {
                    let Some(next) = item.get(*index) else {
                        break;
                    };
                    if let Some(span) = item_span(next) {
                        best = Some(span);
                    }
                    item = next;
                }
            }
        }
        best
    }

    /// The key path of the deepest key or value whose span holds `offset`.
    pub(super) fn path_at(&self, offset: usize) -> Option<KeyPath> {
        let document = self.document.as_ref()?;
        let mut path = KeyPath::root();
        if find_in_table(document.as_table(), offset, &mut path) {
            Some(path)
        } else {
            None
        }
    }

    /// How a table at `path` is written, for messages: `[[domain.queue]]`, `[settings]`,
    /// `the top level`, or the key path for inline and dotted tables.
    pub(super) fn describe_table(&self, path: &KeyPath) -> String {
        if path.is_root() {
            return "the top level".to_string();
        }
        let keys: Vec<&str> = path
            .0
            .iter()
            .filter_map(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                Segment::Index(_) => None,
            })
            .collect();
        let header = keys.join(".");
        let Some(document) = self.document.as_ref() else {
            return path.to_string();
        };
        let mut item: &Item = document.as_item();
        let mut last_was_array_of_tables = false;
        for segment in &path.0 {
            match segment {
                Segment::Key(key) => {
                    let Some(next) = item.as_table_like().and_then(|t| t.get(key)) else {
                        return path.to_string();
                    };
                    item = next;
                    last_was_array_of_tables = false;
                }
                Segment::Index(index) => {
                    last_was_array_of_tables = item.is_array_of_tables();
                    let Some(next) = item.get(*index) else {
                        return path.to_string();
                    };
                    item = next;
                }
            }
        }
        match item {
            Item::Table(_) if last_was_array_of_tables => format!("[[{header}]]"),
            Item::Table(table) if !table.is_dotted() && !table.is_implicit() => {
                format!("[{header}]")
            }
            _ => path.to_string(),
        }
    }
}

fn item_span(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Value(value) => value.span(),
        Item::Table(table) => table.span(),
        Item::ArrayOfTables(tables) => tables.span(),
        Item::None => None,
    }
}

fn contains(span: Option<Range<usize>>, offset: usize) -> bool {
    span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
}

fn find_in_table(table: &dyn TableLike, offset: usize, path: &mut KeyPath) -> bool {
    for (name, item) in table.iter() {
        let key_span = table.get_key_value(name).and_then(|(key, _)| key.span());
        path.0.push(Segment::Key(name.to_string()));
        if contains(key_span, offset) {
            return true;
        }
        if find_in_item(item, offset, path) {
            return true;
        }
        path.0.pop();
    }
    false
}

fn find_in_item(item: &Item, offset: usize, path: &mut KeyPath) -> bool {
    match item {
        Item::Value(value) => find_in_value(value, offset, path),
        Item::Table(table) => find_in_table(table, offset, path) || contains(table.span(), offset),
        Item::ArrayOfTables(tables) => {
            for (index, table) in tables.iter().enumerate() {
                path.0.push(Segment::Index(index));
                if find_in_table(table, offset, path) || contains(table.span(), offset) {
                    return true;
                }
                path.0.pop();
            }
            false
        }
        Item::None => false,
    }
}

fn find_in_value(value: &Value, offset: usize, path: &mut KeyPath) -> bool {
    if !contains(value.span(), offset) {
        return false;
    }
    match value {
        Value::InlineTable(table) => {
            find_in_table(table, offset, path);
        }
        Value::Array(array) => {
            for (index, element) in array.iter().enumerate() {
                path.0.push(Segment::Index(index));
                if find_in_value(element, offset, path) {
                    return true;
                }
                path.0.pop();
            }
        }
        _ => {}
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"[settings]
interval = "2s"

[[source]]
name = "a"
basic_auth = { username = "u", password_env = "P" }

[[source]]
name = "b"

[[domain]]
name = "orders"

  [domain.traffic]
  source = "a"
  new.requests = 'up'
  legacy.latency = { source = "b", select = 'x' }

  [[domain.rollback.step]]
  kind = "exec"
  argv = ["a", "b"]
"#;

    fn path(parts: &[&str]) -> KeyPath {
        let mut p = KeyPath::root();
        for part in parts {
            p = match part.parse::<usize>() {
                Ok(i) => p.index(i),
                Err(_) => p.key(part),
            };
        }
        p
    }

    #[test]
    fn display() {
        assert_eq!(
            path(&["domain", "0", "traffic", "new", "requests"]).to_string(),
            "domain[0].traffic.new.requests"
        );
        assert_eq!(path(&["bindings", "a b"]).to_string(), "bindings.\"a b\"");
    }

    #[test]
    fn lines_of_paths() {
        let l = Locator::new(TEXT);
        assert_eq!(l.line_of_path(&path(&["settings", "interval"])), Some(2));
        assert_eq!(l.line_of_path(&path(&["source", "1"])), Some(8));
        assert_eq!(l.line_of_path(&path(&["source", "1", "name"])), Some(9));
        assert_eq!(
            l.line_of_path(&path(&["source", "0", "basic_auth", "password_env"])),
            Some(6)
        );
        assert_eq!(
            l.line_of_path(&path(&["domain", "0", "traffic", "new", "requests"])),
            Some(16)
        );
        assert_eq!(
            l.line_of_path(&path(&["domain", "0", "traffic", "legacy", "latency"])),
            Some(17)
        );
        assert_eq!(
            l.line_of_path(&path(&["domain", "0", "rollback", "step", "0", "argv"])),
            Some(21)
        );
        // a missing key gives the line of the table that should hold it
        assert_eq!(l.line_of_path(&path(&["source", "1", "url"])), Some(8));
    }

    #[test]
    fn paths_at_offsets() {
        let l = Locator::new(TEXT);
        let at = |needle: &str| l.path_at(TEXT.find(needle).unwrap()).unwrap().to_string();
        assert_eq!(at("\"2s\""), "settings.interval");
        assert_eq!(at("password_env"), "source[0].basic_auth.password_env");
        assert_eq!(at("'up'"), "domain[0].traffic.new.requests");
        assert_eq!(
            at("select = 'x'"),
            "domain[0].traffic.legacy.latency.select"
        );
        assert_eq!(at("\"b\"]"), "domain[0].rollback.step[0].argv[1]");
    }

    #[test]
    fn table_descriptions() {
        let l = Locator::new(TEXT);
        assert_eq!(l.describe_table(&KeyPath::root()), "the top level");
        assert_eq!(l.describe_table(&path(&["settings"])), "[settings]");
        assert_eq!(l.describe_table(&path(&["source", "1"])), "[[source]]");
        assert_eq!(
            l.describe_table(&path(&["domain", "0", "traffic"])),
            "[domain.traffic]"
        );
        assert_eq!(
            l.describe_table(&path(&["domain", "0", "rollback", "step", "0"])),
            "[[domain.rollback.step]]"
        );
        assert_eq!(
            l.describe_table(&path(&["source", "0", "basic_auth"])),
            "source[0].basic_auth"
        );
        assert_eq!(
            l.describe_table(&path(&["domain", "0", "traffic", "new"])),
            "domain[0].traffic.new"
        );
    }

    #[test]
    fn columns_count_characters() {
        let l = Locator::new("a = \"é\"\nb = 1");
        assert_eq!(l.column_of(9), 1);
        assert_eq!(l.line_of(9), 2);
        // the closing quote, after 6 characters (é is 2 bytes)
        assert_eq!(l.column_of(7), 7);
    }
}
