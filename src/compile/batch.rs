//! Plain selectors on a query API, read in as few instant queries as they allow.
//!
//! A query source whose signals are plain selectors (`name{label="v", ...}`) does not need one
//! query per signal: it needs the raw series, which the same selector and counter code as a
//! scrape then picks from. Selectors that constrain the same labels (with `=` or `=~`) are read
//! together as `{__name__=~"a|b|c", label=~"v1|v2", <negative matchers they all share>}`: the
//! union of what each asks for (a superset: the cross product of names and values), whatever
//! the number of domains. Selectors constraining other labels form their own group, so one
//! domain's odd selector never widens the others' answer to every series of a name.
//!
//! Literal values are escaped with exactly the characters Prometheus's own index escapes
//! (`.+*?()|[]{}^$`), so an alternation of literals stays a set of exact values there
//! (`findSetMatches` in its TSDB querier: one postings lookup per value, no scan of all names).
//! A user's regex joins as `(?:re)`. A group's query text stays below [`MAX_QUERY_BYTES`]; a
//! larger group is cut into several queries.

use std::collections::{BTreeMap, BTreeSet};

use crate::selector::{is_label_name, is_metric_name, write_quoted, Selector};

/// The longest batched query text: far below what Prometheus reads from a POST form (10 MB)
/// and short enough that one regex never costs more than a few lookups per value.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// One selector to read, and whether it is a latency (which also needs `<name>_bucket`, as
/// the scrape path's index registers it).
pub struct Wanted<'a> {
    pub selector: &'a Selector,
    pub latency: bool,
}

/// True when a selector can be read through a batched query: it fixes its metric name and has
/// no other matcher on the name. A latency selector naming the `_bucket` series itself is not:
/// the scrape path reads buckets by their base name.
pub fn batchable(selector: &Selector, latency: bool) -> bool {
    match selector.metric_name() {
        Some(name) => {
            let bucket_itself = latency && name.ends_with("_bucket");
            !selector.has_name_matchers() && !bucket_itself
        }
        None => false,
    }
}

/// A group being filled: selectors with the same positively constrained labels.
#[derive(Default)]
struct Group {
    names: BTreeSet<String>,
    /// Per label: the alternatives, each a regex matching what one selector accepts.
    alternatives: BTreeMap<String, BTreeSet<String>>,
    /// Negative matchers (label, operator, value) every selector of the group has.
    negatives: Option<BTreeSet<(String, &'static str, String)>>,
    /// Bytes of the names and alternatives so far (the query text is a little longer).
    bytes: usize,
}

/// The queries that read every wanted selector's series, in a stable order. Selectors that
/// are not [`batchable`] are skipped (they stay queries of their own).
pub fn queries(wanted: &[Wanted<'_>]) -> Vec<String> {
    // Groups by their sorted positively constrained labels; a full group is closed.
    let mut open: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    let mut done: Vec<Group> = Vec::new();
    for w in wanted {
        if !batchable(w.selector, w.latency) {
            continue;
        }
        let Some(name) = w.selector.metric_name() else {
            continue;
        };
        let mut names = vec![name.to_string()];
        if w.latency {
            names.push(format!("{name}_bucket"));
        }
        let mut positive: BTreeMap<String, String> = BTreeMap::new();
        let mut negative = BTreeSet::new();
        for (label, op, value) in w.selector.label_matchers() {
            match op {
                "=" => {
                    positive
                        .entry(label.to_string())
                        .or_insert_with(|| quote_meta(value));
                }
                "=~" => {
                    positive
                        .entry(label.to_string())
                        .or_insert_with(|| regex_alternative(value));
                }
                _ => {
                    negative.insert((label.to_string(), op, value.to_string()));
                }
            }
        }
        let key: Vec<String> = positive.keys().cloned().collect();
        let group = open.entry(key.clone()).or_default();
        let added: usize = names
            .iter()
            .filter(|n| !group.names.contains(*n))
            .map(|n| n.len() + 1)
            .sum::<usize>()
            + positive
                .iter()
                .filter(|(l, alt)| !group.alternatives.get(*l).is_some_and(|a| a.contains(*alt)))
                .map(|(l, alt)| l.len() + alt.len() + 1)
                .sum::<usize>();
        if group.bytes > 0 && group.bytes + added > MAX_QUERY_BYTES {
            done.push(std::mem::take(group));
        }
        let group = open.entry(key).or_default();
        group.bytes += added;
        group.names.extend(names);
        for (label, alt) in positive {
            group.alternatives.entry(label).or_default().insert(alt);
        }
        group.negatives = Some(match group.negatives.take() {
            None => negative,
            Some(shared) => shared.intersection(&negative).cloned().collect(),
        });
    }
    merge_into_broader(&mut open);
    done.extend(open.into_values());
    done.iter().map(render).collect()
}

/// Folds a group into one that constrains fewer labels and already reads all its names
/// (errors `code="5xx"` into requests by `proxy`): its series are in that answer anyway, so
/// one query fewer costs no series more than the union's cross product.
fn merge_into_broader(open: &mut BTreeMap<Vec<String>, Group>) {
    let mut keys: Vec<Vec<String>> = open.keys().cloned().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for key in keys {
        let Some(group) = open.get(&key) else {
            continue;
        };
        let target = open
            .iter()
            .filter(|(k, h)| {
                !k.is_empty()
                    && k.len() < key.len()
                    && k.iter().all(|l| key.contains(l))
                    && group.names.is_subset(&h.names)
            })
            .max_by_key(|(k, _)| k.len())
            .map(|(k, _)| k.clone());
        let Some(target) = target else { continue };
        let Some(group) = open.remove(&key) else {
            continue;
        };
        let Some(broader) = open.get_mut(&target) else {
            continue;
        };
        for (label, alternatives) in group.alternatives {
            if let Some(mine) = broader.alternatives.get_mut(&label) {
                mine.extend(alternatives);
            }
        }
        broader.negatives = match (broader.negatives.take(), group.negatives) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        broader.bytes += group.bytes;
    }
}

/// `{__name__=~"a|b", label=~"x|y", label!="z"}`, or `name{...}` for one name.
fn render(group: &Group) -> String {
    let mut out = String::new();
    let mut matchers: Vec<String> = Vec::new();
    let names: Vec<&str> = group.names.iter().map(String::as_str).collect();
    let single_plain = names.len() == 1 && is_metric_name(names[0]);
    if single_plain {
        out.push_str(names[0]);
    } else {
        let alternation: Vec<String> = names.iter().map(|n| quote_meta(n)).collect();
        matchers.push(matcher("__name__", "=~", &alternation.join("|")));
    }
    for (label, alternatives) in &group.alternatives {
        let alternatives: Vec<&str> = alternatives.iter().map(String::as_str).collect();
        match alternatives.as_slice() {
            [one] if is_literal(one) => matchers.push(matcher(label, "=", &unquote_meta(one))),
            _ => matchers.push(matcher(label, "=~", &alternatives.join("|"))),
        }
    }
    for (label, op, value) in group.negatives.iter().flatten() {
        matchers.push(matcher(label, op, value));
    }
    if !single_plain || !matchers.is_empty() {
        out.push('{');
        out.push_str(&matchers.join(", "));
        out.push('}');
    }
    out
}

fn matcher(label: &str, op: &str, value: &str) -> String {
    let mut out = String::new();
    if is_label_name(label) {
        out.push_str(label);
    } else {
        write_quoted(&mut out, label);
    }
    out.push_str(op);
    write_quoted(&mut out, value);
    out
}

/// The characters Prometheus's index treats as regex syntax when it looks for a set of
/// literal values (and Go's `regexp.QuoteMeta` escapes).
const META: &[u8] = b".+*?()|[]{}^$\\";

/// A literal as a regex matching exactly it.
fn quote_meta(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii() && META.contains(&(c as u8)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The literal a [`quote_meta`] output stands for.
fn unquote_meta(regex: &str) -> String {
    let mut out = String::with_capacity(regex.len());
    let mut escaped = false;
    for c in regex.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// True when a regex is one literal: every meta character escaped, no alternation.
fn is_literal(regex: &str) -> bool {
    literal_set(regex).is_some_and(|n| n == 1)
}

/// How many literals a regex alternates between, when it is nothing but `lit|lit|...` with
/// every other meta character escaped; None otherwise.
fn literal_set(regex: &str) -> Option<usize> {
    let mut count = 1;
    let mut escaped = false;
    for c in regex.chars() {
        if escaped {
            if !(c.is_ascii() && META.contains(&(c as u8))) {
                return None;
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            count += 1;
        } else if c.is_ascii() && META.contains(&(c as u8)) {
            return None;
        }
    }
    (!escaped).then_some(count)
}

/// A user's regex as one alternative of a union: as is when it is already a set of literals
/// (so the union stays one), else wrapped so its own `|` cannot reach its neighbours.
fn regex_alternative(regex: &str) -> String {
    if literal_set(regex).is_some() && !regex.is_empty() {
        regex.to_string()
    } else {
        format!("(?:{regex})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(selectors: &[&str]) -> Vec<String> {
        let parsed: Vec<Selector> = selectors
            .iter()
            .map(|s| Selector::parse(s).unwrap())
            .collect();
        let wanted: Vec<Wanted<'_>> = parsed
            .iter()
            .map(|selector| Wanted {
                selector,
                latency: false,
            })
            .collect();
        queries(&wanted)
    }

    #[test]
    fn selectors_alike_become_one_query_whatever_the_number_of_domains() {
        let selectors: Vec<String> = (0..200)
            .flat_map(|d| {
                [
                    format!("req_total{{proxy=\"be_{d}\"}}"),
                    format!("err_total{{proxy=\"be_{d}\", code=~\"5..\"}}"),
                    format!("weight{{proxy=\"be_{d}\"}}"),
                ]
            })
            .collect();
        let refs: Vec<&str> = selectors.iter().map(String::as_str).collect();
        let queries = plan(&refs);
        assert_eq!(queries.len(), 2, "{queries:?}");
        let by_proxy = queries.iter().find(|q| !q.contains("code")).unwrap();
        assert!(
            by_proxy.starts_with(r#"{__name__=~"req_total|weight", proxy=~"be_0|be_1|"#),
            "{by_proxy}"
        );
        // The batched query is a selector itself, and it matches every series each asks for.
        let union = Selector::parse(by_proxy).unwrap();
        assert!(union.matches("weight", [("proxy", "be_199"), ("job", "x")]));
        assert!(!union.matches("weight", [("proxy", "be_200")]));
        let coded = queries.iter().find(|q| q.contains("code")).unwrap();
        assert!(
            coded.starts_with(r#"err_total{code=~"(?:5..)", proxy=~"#),
            "{coded}"
        );
    }

    #[test]
    fn literals_are_escaped_as_prometheus_reads_a_set() {
        let q = plan(&[r#"up{job="a.b|c"}"#, r#"up{job="x"}"#]);
        assert_eq!(q, [r#"up{job=~"a\\.b\\|c|x"}"#]);
        let union = Selector::parse(&q[0]).unwrap();
        assert!(union.matches("up", [("job", "a.b|c")]));
        assert!(!union.matches("up", [("job", "aXb")]));
        assert_eq!(plan(&[r#"up{job="a.b"}"#]), [r#"up{job="a.b"}"#]);
        assert_eq!(plan(&["up"]), ["up"]);
    }

    #[test]
    fn a_narrower_group_of_names_already_read_folds_into_the_broader_one() {
        let q = plan(&[
            r#"req_total{proxy="a"}"#,
            r#"req_total{proxy="b", code="5xx"}"#,
            r#"state{proxy="a", state="UP"}"#,
        ]);
        assert_eq!(
            q,
            [
                r#"req_total{proxy=~"a|b"}"#,
                r#"state{proxy="a", state="UP"}"#
            ]
        );
    }

    #[test]
    fn shared_negative_matchers_stay_and_others_go() {
        let q = plan(&[
            r#"a{job="x", code!="200", le!="1"}"#,
            r#"b{job="y", code!="200"}"#,
        ]);
        assert_eq!(q, [r#"{__name__=~"a|b", job=~"x|y", code!="200"}"#]);
    }

    #[test]
    fn user_regexes_keep_their_own_alternation() {
        let q = plan(&[r#"a{job=~"x|y"}"#, r#"a{job=~"z.*|w"}"#]);
        assert_eq!(q, [r#"a{job=~"(?:z.*|w)|x|y"}"#]);
        let union = Selector::parse(&q[0]).unwrap();
        assert!(union.matches("a", [("job", "zed")]));
        assert!(!union.matches("a", [("job", "v")]));
    }

    #[test]
    fn a_latency_asks_for_its_buckets_and_a_bucket_selector_is_left_alone() {
        let sel = Selector::parse(r#"lat_seconds{svc="a"}"#).unwrap();
        let bucket = Selector::parse(r#"lat_seconds_bucket{svc="a"}"#).unwrap();
        let named = Selector::parse(r#"{__name__=~"lat.*"}"#).unwrap();
        let q = queries(&[
            Wanted {
                selector: &sel,
                latency: true,
            },
            Wanted {
                selector: &bucket,
                latency: true,
            },
            Wanted {
                selector: &named,
                latency: false,
            },
        ]);
        assert_eq!(
            q,
            [r#"{__name__=~"lat_seconds|lat_seconds_bucket", svc="a"}"#]
        );
    }

    #[test]
    fn a_huge_group_is_cut_into_queries_of_bounded_size() {
        let selectors: Vec<String> = (0..5000)
            .map(|d| format!("req_total{{proxy=\"backend_of_domain_number_{d}\"}}"))
            .collect();
        let refs: Vec<&str> = selectors.iter().map(String::as_str).collect();
        let queries = plan(&refs);
        assert!(queries.len() > 1);
        assert!(queries.iter().all(|q| q.len() <= MAX_QUERY_BYTES + 100));
        let total: usize = queries.iter().map(|q| q.matches('|').count() + 1).sum();
        assert_eq!(total, 5000);
    }
}
