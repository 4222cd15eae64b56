//! A signal of the config: a selector (or PromQL expression) on a source, written as a string
//! (the section's source) or as a table `{ source = "...", select = "..." }`. Its own file so
//! that every table holding signals (`model`, `data_model`) reads it without needing the others.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A series to read: a selector (for scrape sources) or a PromQL expression (for prometheus
/// sources), on the section's source or on a named one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// `None` when written as a bare string: the section's `source` is meant.
    pub source: Option<String>,
    pub select: String,
}

impl Signal {
    /// The source this signal reads, given the `source` of the section it sits in.
    pub fn source_name<'a>(&'a self, section_source: Option<&'a str>) -> Option<&'a str> {
        self.source.as_deref().or(section_source)
    }
}

/// The table form of a signal, `{ source = "...", select = "..." }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalTable {
    #[serde(default)]
    source: Option<String>,
    select: String,
}

impl<'de> Deserialize<'de> for Signal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SignalVisitor;

        impl<'de> Visitor<'de> for SignalVisitor {
            type Value = Signal;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a selector string or a table { source = \"...\", select = \"...\" }")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Signal, E> {
                Ok(Signal {
                    source: None,
                    select: text.to_string(),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Signal, A::Error> {
                let table = SignalTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Signal {
                    source: table.source,
                    select: table.select,
                })
            }
        }

        deserializer.deserialize_any(SignalVisitor)
    }
}

impl Serialize for Signal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        match &self.source {
            None => serializer.serialize_str(&self.select),
            Some(source) => {
                let mut table = serializer.serialize_struct("Signal", 2)?;
                table.serialize_field("source", source)?;
                table.serialize_field("select", &self.select)?;
                table.end()
            }
        }
    }
}
