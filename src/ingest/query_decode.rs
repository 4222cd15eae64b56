//! Reading an `/api/v1/query` answer in one pass, series by series, without building a JSON
//! tree.
//!
//! A tree (`serde_json::Value`) of a 54 MB answer with 300,000 series took about 20 times the
//! body in memory. Here serde visits the body and hands each series to a [`SeriesSink`] as
//! soon as it is read, its names and values borrowed from the body where they hold no escape;
//! only what the signals use (the labels, the value and the time) is kept, and the sink can
//! stop the read (`series_limit`). Keys may come in any order: an error envelope, or a
//! `resultType` after the `result`, is found out at the end, and the caller drops what the sink
//! took so far.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::query_error::{shown_start, QueryError};

/// The labels of one series: (name, value), sorted by name, as Prometheus writes them.
pub type Labels<'a> = [(Cow<'a, str>, Cow<'a, str>)];

/// Where the series of an answer go, one at a time.
pub trait SeriesSink {
    fn series(
        &mut self,
        labels: &Labels<'_>,
        value: f64,
        timestamp_ms: i64,
    ) -> Result<(), QueryError>;
}

/// Reads an answer, handing every series of a `vector` (or the one value of a `scalar`) to
/// `sink`. On an error, what the sink took is not an answer and must be dropped.
pub fn decode<S: SeriesSink>(body: &[u8], sink: &mut S) -> Result<(), QueryError> {
    let mut state = State {
        sink,
        failure: None,
        scalar: None,
        matrix_like: false,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let answer = AnswerSeed { state: &mut state }.deserialize(&mut de);
    let answer = match answer.and_then(|a| de.end().map(|()| a)) {
        Ok(answer) => answer,
        Err(e) => {
            // A failure the sink or a check raised is the real reason; serde only carried it.
            if let Some(failure) = state.failure.take() {
                return Err(failure);
            }
            return Err(if e.is_syntax() || e.is_eof() {
                QueryError::NotJson {
                    start: shown_start(body),
                }
            } else {
                QueryError::Malformed(e.to_string())
            });
        }
    };
    match answer.status.as_deref() {
        Some("success") => {}
        Some("error") => {
            return Err(QueryError::Api {
                error_type: answer.error_type.unwrap_or_else(|| "unknown".into()),
                message: answer.error.unwrap_or_else(|| "unknown".into()),
            })
        }
        Some(other) => return Err(QueryError::Malformed(format!("status is {other:?}"))),
        None => return Err(QueryError::Malformed("no status".into())),
    }
    let data = answer
        .data
        .ok_or_else(|| QueryError::Malformed("no data".into()))?;
    let result_type = data
        .result_type
        .ok_or_else(|| QueryError::Malformed("no resultType".into()))?;
    if !data.has_result {
        return Err(QueryError::Malformed("no result".into()));
    }
    match result_type.as_str() {
        "vector" if state.scalar.is_some() => Err(QueryError::Malformed(
            "vector result is not an array of series".into(),
        )),
        "vector" if state.matrix_like => {
            Err(QueryError::Malformed("series without a value".into()))
        }
        "vector" => Ok(()),
        "scalar" => match state.scalar.take() {
            Some((timestamp_ms, value)) => state.sink.series(&[], value, timestamp_ms),
            None => Err(QueryError::Malformed(
                "scalar result is not a [time, \"value\"] pair".into(),
            )),
        },
        other => Err(QueryError::UnsupportedResultType(other.to_string())),
    }
}

struct State<'s, S> {
    sink: &'s mut S,
    /// Why the read stopped, when the sink or a check stopped it.
    failure: Option<QueryError>,
    /// A `[time, "value"]` result (scalar or string), kept until `resultType` says which.
    scalar: Option<(i64, f64)>,
    /// A series with `values` (a range answer) was seen.
    matrix_like: bool,
}

impl<S: SeriesSink> State<'_, S> {
    fn fail<E: de::Error>(&mut self, failure: QueryError) -> E {
        let words = failure.to_string();
        self.failure = Some(failure);
        E::custom(words)
    }
}

#[derive(Default)]
struct Answer {
    status: Option<String>,
    error_type: Option<String>,
    error: Option<String>,
    data: Option<Data>,
}

#[derive(Default)]
struct Data {
    result_type: Option<String>,
    has_result: bool,
}

struct AnswerSeed<'a, 's, S> {
    state: &'a mut State<'s, S>,
}

impl<'de, S: SeriesSink> DeserializeSeed<'de> for AnswerSeed<'_, '_, S> {
    type Value = Answer;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Answer, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: SeriesSink> Visitor<'de> for AnswerSeed<'_, '_, S> {
    type Value = Answer;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        let mut answer = Answer::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "status" => answer.status = map.next_value::<Option<String>>()?,
                "errorType" => answer.error_type = map.next_value::<Option<String>>()?,
                "error" => answer.error = map.next_value::<Option<String>>()?,
                "data" => {
                    answer.data = Some(map.next_value_seed(DataSeed {
                        state: &mut *self.state,
                    })?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
    // Any other JSON value is not a query answer.
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Answer, A::Error> {
        Err(self
            .state
            .fail(QueryError::Malformed("not a JSON object".into())))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Answer, E> {
        Err(self
            .state
            .fail(QueryError::Malformed("not a JSON object".into())))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Answer, E> {
        Err(self
            .state
            .fail(QueryError::Malformed("not a JSON object".into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Answer, E> {
        self.visit_f64(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Answer, E> {
        self.visit_f64(v as f64)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Answer, E> {
        self.visit_f64(0.0)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Answer, E> {
        self.visit_f64(0.0)
    }
}

struct DataSeed<'a, 's, S> {
    state: &'a mut State<'s, S>,
}

impl<'de, S: SeriesSink> DeserializeSeed<'de> for DataSeed<'_, '_, S> {
    type Value = Data;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, S: SeriesSink> Visitor<'de> for DataSeed<'_, '_, S> {
    type Value = Data;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the data object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
        let mut data = Data::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "resultType" => data.result_type = map.next_value::<Option<String>>()?,
                "result" => {
                    // Known not to be wanted: skip without reading series.
                    let unwanted = data
                        .result_type
                        .as_deref()
                        .is_some_and(|t| t != "vector" && t != "scalar");
                    if unwanted {
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        map.next_value_seed(ResultSeed {
                            state: &mut *self.state,
                        })?;
                    }
                    data.has_result = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.state.matrix_like && data.result_type.is_none() {
            data.result_type = Some("matrix".into());
        }
        Ok(data)
    }
}

struct ResultSeed<'a, 's, S> {
    state: &'a mut State<'s, S>,
}

impl<'de, S: SeriesSink> DeserializeSeed<'de> for ResultSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: SeriesSink> Visitor<'de> for ResultSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of series or a [time, \"value\"] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut first_time = None;
        let mut index = 0usize;
        while let Some(element) = seq.next_element_seed(ElementSeed {
            state: &mut *self.state,
        })? {
            match (index, element) {
                (_, Element::Series) => {}
                (0, Element::Number(t)) => first_time = Some(t),
                (1, Element::Value(Some(v))) | (1, Element::Number(v)) if first_time.is_some() => {
                    let time = first_time.take().unwrap_or_default();
                    let point = to_point(time, v).map_err(|e| self.state.fail(e))?;
                    self.state.scalar = Some(point);
                }
                _ => {
                    return Err(self.state.fail(QueryError::Malformed(
                        "result is neither series nor a [time, \"value\"] pair".into(),
                    )))
                }
            }
            index += 1;
        }
        Ok(())
    }
}

enum Element {
    Series,
    Number(f64),
    /// A string: a value when it holds a number.
    Value(Option<f64>),
}

struct ElementSeed<'a, 's, S> {
    state: &'a mut State<'s, S>,
}

impl<'de, S: SeriesSink> DeserializeSeed<'de> for ElementSeed<'_, '_, S> {
    type Value = Element;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Element, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: SeriesSink> Visitor<'de> for ElementSeed<'_, '_, S> {
    type Value = Element;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a series object, a time or a value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        let mut labels: Vec<(Cow<'de, str>, Cow<'de, str>)> = Vec::new();
        let mut point = None;
        let mut histogram = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "metric" => labels = map.next_value_seed(LabelsSeed)?,
                "value" => point = Some(map.next_value_seed(PointSeed)?),
                "histogram" => {
                    map.next_value::<IgnoredAny>()?;
                    histogram = true;
                }
                "values" | "histograms" => {
                    map.next_value::<IgnoredAny>()?;
                    self.state.matrix_like = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match point {
            Some(Ok((timestamp_ms, value))) => {
                labels.sort_by(|a, b| a.0.cmp(&b.0));
                self.state
                    .sink
                    .series(&labels, value, timestamp_ms)
                    .map_err(|e| self.state.fail(e))?;
            }
            Some(Err(malformed)) => return Err(self.state.fail(malformed)),
            // A native histogram has no single value to show; a range series is refused at
            // the end by its resultType.
            None if histogram || self.state.matrix_like => {}
            None => {
                return Err(self
                    .state
                    .fail(QueryError::Malformed("series without a value".into())))
            }
        }
        Ok(Element::Series)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element, E> {
        Ok(Element::Number(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
        Ok(Element::Number(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Element, E> {
        Ok(Element::Value(v.parse::<f64>().ok()))
    }
}

/// `"metric": {...}`: label names and values, borrowed from the body when unescaped.
struct LabelsSeed;

impl<'de> DeserializeSeed<'de> for LabelsSeed {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LabelsSeed {
    type Value = Vec<(Cow<'de, str>, Cow<'de, str>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("metric is an object of string labels")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut labels = Vec::new();
        while let Some(name) = map.next_key_seed(Text)? {
            match map.next_value_seed(OptionalText)? {
                Some(value) => labels.push((name, value)),
                None => return Err(de::Error::custom(format!("label {name} is not a string"))),
            }
        }
        Ok(labels)
    }
}

/// A string, borrowed when the body holds it unescaped.
struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// A string, or `None` for any other JSON value (which is read and dropped).
struct OptionalText;

impl<'de> DeserializeSeed<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_string())))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// `[<unix seconds>, "<value>"]` as (milliseconds, value), or why it is not one.
struct PointSeed;

impl<'de> DeserializeSeed<'de> for PointSeed {
    type Value = Result<(i64, f64), QueryError>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn not_a_pair() -> QueryError {
    QueryError::Malformed("value is not a [time, \"value\"] pair".into())
}

impl<'de> Visitor<'de> for PointSeed {
    type Value = Result<(i64, f64), QueryError>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [time, \"value\"] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let time = seq.next_element_seed(OptionalNumber)?;
        let value = seq.next_element_seed(OptionalNumber)?;
        let extra = seq.next_element::<IgnoredAny>()?.is_some();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(match (time, value, extra) {
            (Some(Some(time)), Some(Some(value)), false) => to_point(time, value),
            _ => Err(not_a_pair()),
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err(not_a_pair()))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(not_a_pair()))
    }
}

/// A number, or a string holding one (values are JSON strings, "NaN" and "+Inf" included);
/// `None` for anything else.
struct OptionalNumber;

impl<'de> DeserializeSeed<'de> for OptionalNumber {
    type Value = Option<f64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionalNumber {
    type Value = Option<f64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v as f64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.parse::<f64>().ok())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// Seconds and a value as (milliseconds, value), refusing a time no `i64` of ms holds.
fn to_point(seconds: f64, value: f64) -> Result<(i64, f64), QueryError> {
    let ms = (seconds * 1000.0).round();
    if !ms.is_finite() || ms.abs() >= 2f64.powi(63) {
        return Err(not_a_pair());
    }
    Ok((ms as i64, value))
}
