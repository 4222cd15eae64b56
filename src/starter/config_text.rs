//! The starter config's text: sources for the URLs given, a domain per gateway split found,
//! the queues and sagas seen, and comments that say which parts are guesses.
//!
//! Every name comes from a body, which is outside input: values are written as TOML strings
//! (quoted and escaped by the `toml` crate), comments carry them sanitized and cut, and a value
//! that cannot be a config name (a line break, too long) is left out and said so.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::detect::{Finding, Role};

/// What one URL gave.
#[derive(Debug)]
pub struct Probe {
    /// The URL as it goes into the config (credentials already taken out).
    pub url: String,
    /// Why the URL could not be read, or what it served.
    pub outcome: Result<Vec<Finding>, String>,
}

/// Longest name the starter writes; longer label values are left out.
const MAX_NAME: usize = 64;
/// How many domains the starter writes at most (a gateway with hundreds of backends).
const MAX_DOMAINS: usize = 50;
/// How many names a comment lists.
const LISTED: usize = 12;

/// A quoted TOML string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text for a comment: one line, no control characters, cut.
fn c(s: &str) -> String {
    let clean = crate::term_text::for_terminal(s);
    let mut out: String = clean.chars().take(60).collect();
    if clean.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Whether a label value can be a name in the config (one line, printable, short).
fn nameable(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= MAX_NAME
        && !s
            .chars()
            .any(|ch| ch.is_control() || crate::term_text::is_unsafe(ch))
}

fn listed(names: &[&String]) -> String {
    let mut out: Vec<String> = names.iter().take(LISTED).map(|n| c(n)).collect();
    if names.len() > LISTED {
        out.push(format!("and {} more", names.len() - LISTED));
    }
    out.join(", ")
}

/// The side most likely the monolith, then the one most likely the new service.
fn guess_sides<'a>(names: &[&'a String]) -> (&'a String, &'a String) {
    let has = |n: &str, words: &[&str]| {
        let n = n.to_ascii_lowercase();
        words.iter().any(|w| n.contains(w))
    };
    let legacy = names
        .iter()
        .find(|n| has(n, &["monolith", "legacy", "mono", "old"]))
        .unwrap_or(&names[0]);
    let others: Vec<&&String> = names.iter().filter(|n| *n != legacy).collect();
    let new = others
        .iter()
        .find(|n| has(n, &["svc", "service", "new", "v2"]))
        .unwrap_or(&others[0]);
    (legacy, new)
}

/// A domain name from a backend name: `be_orders` → `orders`.
fn domain_name(backend: &str) -> String {
    for prefix in ["be_", "bk_", "be-", "backend_", "backend-"] {
        if let Some(rest) = backend.strip_prefix(prefix) {
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    if backend.is_empty() {
        "app".to_string()
    } else {
        backend.to_string()
    }
}

fn unique(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// The source name for a URL, from what it serves.
fn source_base(probe: &Probe) -> String {
    let found = probe.outcome.as_ref().ok().and_then(|f| f.first());
    match found.map(|f| (f.signature.role, f.signature.preset)) {
        Some((Role::Gateway, _)) => "gateway".to_string(),
        Some((_, preset)) => preset.to_string(),
        None => "source".to_string(),
    }
}

struct Domain {
    name: String,
    source: String,
    preset: &'static str,
    backend: Option<String>,
    sides: Vec<String>,
}

/// The config text for `probes`; `written` is the time said in the header.
pub fn starter_config(probes: &[Probe], written: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# cutover starter config, written by `cutover init` at {written}"
    );
    let _ = writeln!(
        out,
        "# from what the endpoints below served. Lines marked GUESS are guesses:"
    );
    let _ = writeln!(
        out,
        "# check them, set each domain's stage, then run `cutover check`."
    );
    let _ = writeln!(out, "# Reference: `man cutover` and docs/presets.md.");
    out.push_str("\n[settings]\ninterval = \"2s\"\nwindow = \"1m\"\n");

    let mut taken = BTreeSet::new();
    let mut domains: Vec<Domain> = Vec::new();
    let mut extras: Vec<(String, &Finding)> = Vec::new();
    let mut left_out = 0usize;
    for probe in probes {
        let name = unique(&source_base(probe), &mut taken);
        let _ = write!(
            out,
            "\n[[source]]\nname = {}\nurl = {}\n",
            q(&name),
            q(&probe.url)
        );
        match &probe.outcome {
            Err(why) => {
                let _ = writeln!(out, "# could not be read just now: {}", c(why));
            }
            Ok(found) if found.is_empty() => {
                out.push_str("# no exporter cutover has a preset for: write its signals by hand\n");
            }
            Ok(found) => {
                for f in found {
                    let _ = writeln!(
                        out,
                        "# found: {} ({}){}",
                        f.signature.preset,
                        f.signature.role.word(),
                        if f.cut {
                            ", more names than listed"
                        } else {
                            ""
                        }
                    );
                    if f.signature.role == Role::Gateway {
                        left_out += gateway_domains(f, &name, &mut domains);
                    } else {
                        extras.push((name.clone(), f));
                    }
                }
            }
        }
    }

    let mut domain_names = BTreeSet::new();
    for d in &mut domains {
        d.name = unique(&d.name, &mut domain_names);
    }
    if domains.is_empty() {
        out.push_str(
            "\n# No gateway split was found. A domain reads its traffic from the gateway that\n\
             # splits it, for example:\n\
             # [[domain]]\n# name = \"orders\"\n# stage = \"canary\"\n#   [domain.traffic]\n\
             #   source = \"gateway\"\n#   preset = \"haproxy\"\n#   backend = \"be_orders\"\n\
             #   legacy = \"monolith\"\n#   new = \"orders_svc\"\n",
        );
    }
    for d in domains.iter().take(MAX_DOMAINS) {
        write_domain(&mut out, d);
    }
    if domains.len() > MAX_DOMAINS {
        let _ = writeln!(
            out,
            "\n# {} more splits were found and not written.",
            domains.len() - MAX_DOMAINS
        );
    }
    // Queues and sagas belong to a domain only the operator knows: with one domain they are
    // written under it, otherwise as comments to move where they belong.
    let active = domains.len() == 1;
    // Two services may serve the same saga or queue name (the monolith and the new service
    // both run `place_order`): names must be unique per domain, so the later one is named
    // after its source too.
    let mut taken = BTreeSet::new();
    for (source, f) in &extras {
        left_out += write_extra(&mut out, source, f, active, &mut taken);
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n# {left_out} name(s) served could not be config names (line breaks, control characters, over {MAX_NAME} characters) and were left out."
        );
    }
    out
}

/// One domain per group of two or more sides; returns how many names were left out.
fn gateway_domains(f: &Finding, source: &str, domains: &mut Vec<Domain>) -> usize {
    let two_keys = f.signature.keys.len() == 2;
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut left_out = 0;
    for object in &f.objects {
        let (group, side) = if two_keys {
            (object[0].clone(), object[1].clone())
        } else {
            (String::new(), object[0].clone())
        };
        if !nameable(&side) || (two_keys && !nameable(&group)) {
            left_out += 1;
            continue;
        }
        groups.entry(group).or_default().push(side);
    }
    for (group, sides) in groups {
        domains.push(Domain {
            name: domain_name(&group),
            source: source.to_string(),
            preset: f.signature.preset,
            backend: (!group.is_empty()).then_some(group),
            sides,
        });
    }
    left_out
}

fn write_domain(out: &mut String, d: &Domain) {
    let _ = write!(
        out,
        "\n[[domain]]\nname = {}\nstage = \"canary\"   # planned | shadow | canary | ramp | migrated | rolled-back: where the plan stands\n\n  [domain.traffic]\n  source = {}\n  preset = {}\n",
        q(&d.name),
        q(&d.source),
        q(d.preset)
    );
    if let Some(backend) = &d.backend {
        let _ = writeln!(out, "  backend = {}", q(backend));
    }
    let names: Vec<&String> = d.sides.iter().collect();
    if names.len() < 2 {
        let _ = writeln!(
            out,
            "  # only one path seen ({}): name the other once it serves traffic\n  legacy = {}\n  new = \"\"   # GUESS: fill in",
            listed(&names),
            q(names[0])
        );
        return;
    }
    let (legacy, new) = guess_sides(&names);
    let _ = writeln!(
        out,
        "  legacy = {}   # GUESS: the monolith's path; seen: {}",
        q(legacy),
        listed(&names)
    );
    let _ = writeln!(out, "  new = {}   # GUESS: the new service's path", q(new));
}

/// A queue or saga block (or hints for a service); returns how many names were left out.
fn write_extra(
    out: &mut String,
    source: &str,
    f: &Finding,
    active: bool,
    taken: &mut BTreeSet<(Role, String)>,
) -> usize {
    let sig = f.signature;
    let prefix = if active { "" } else { "# " };
    let mut left_out = 0;
    match sig.role {
        Role::Service => {
            let names: Vec<&String> = f.objects.iter().map(|o| &o[0]).collect();
            let _ = writeln!(
                out,
                "\n# {} on source {}: {} seen: {}.\n# To read a path from the service itself instead of the gateway, in [domain.traffic]:\n#   new = {{ preset = {}, source = {}, handler = \"...\" }}",
                sig.preset,
                q(source),
                sig.keys[0].1,
                if names.is_empty() { "none yet (they appear after the first request)".to_string() } else { listed(&names) },
                q(sig.preset),
                q(source)
            );
        }
        Role::Queue | Role::Saga => {
            let table = if sig.role == Role::Queue {
                "queue"
            } else {
                "saga"
            };
            let _ = writeln!(
                out,
                "\n# {} on source {}{}",
                sig.preset,
                q(source),
                if active {
                    ""
                } else {
                    ": move under the domain it belongs to"
                }
            );
            for object in f.objects.iter().take(LISTED) {
                if !object.iter().all(|v| v.is_empty() || nameable(v)) || object[0].is_empty() {
                    left_out += 1;
                    continue;
                }
                let name = object
                    .iter()
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("/");
                let mut name: String = name.chars().take(MAX_NAME).collect();
                if taken.contains(&(sig.role, name.clone())) {
                    let suffix = format!("@{source}");
                    let keep = MAX_NAME.saturating_sub(suffix.chars().count());
                    name = name.chars().take(keep).collect::<String>() + &suffix;
                }
                taken.insert((sig.role, name.clone()));
                let _ = write!(
                    out,
                    "{prefix}  [[domain.{table}]]\n{prefix}  name = {}\n{prefix}  source = {}\n{prefix}  preset = {}\n",
                    q(&name),
                    q(source),
                    q(sig.preset)
                );
                for ((_, key), value) in sig.keys.iter().zip(object) {
                    if !value.is_empty() {
                        let _ = writeln!(out, "{prefix}  {key} = {}", q(value));
                    }
                }
            }
            if f.objects.len() > LISTED {
                let _ = writeln!(out, "# and {} more not written", f.objects.len() - LISTED);
            }
        }
        Role::Gateway => {}
    }
    left_out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::starter::detect::detect;

    fn probe(body: &str) -> Probe {
        Probe {
            url: "http://127.0.0.1:8404/metrics".to_string(),
            outcome: Ok(detect(body)),
        }
    }

    #[test]
    fn a_haproxy_backend_with_two_servers_becomes_a_domain_with_guessed_sides() {
        let text = starter_config(
            &[probe(
                "haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"orders_svc\"} 1\n\
                 haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"monolith\"} 1\n",
            )],
            "now",
        );
        assert!(text.contains("name = \"orders\""), "{text}");
        assert!(text.contains("legacy = \"monolith\""), "{text}");
        assert!(text.contains("new = \"orders_svc\""), "{text}");
        assert!(text.parse::<toml::Table>().is_ok(), "{text}");
    }

    #[test]
    fn hostile_names_stay_inside_strings_and_comments() {
        let body =
            "haproxy_server_http_responses_total{proxy=\"be\\\"x\",server=\"a\\n[[domain]]\"} 1\n\
                    haproxy_server_http_responses_total{proxy=\"be\\\"x\",server=\"b\x1b]0;t\"} 1\n\
                    haproxy_server_http_responses_total{proxy=\"be\\\"x\",server=\"c'\\\"\"} 1\n\
                    haproxy_server_http_responses_total{proxy=\"be\\\"x\",server=\"d\"} 1\n";
        let text = starter_config(&[probe(body)], "now");
        let table: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(table["domain"].as_array().map(Vec::len), Some(1), "{text}");
        assert!(
            !text.chars().any(|ch| ch.is_control() && ch != '\n'),
            "{text:?}"
        );
        assert!(text.contains("left out"), "{text}");
    }

    #[test]
    fn an_unreadable_url_is_a_source_with_the_reason_in_a_comment() {
        let text = starter_config(
            &[Probe {
                url: "http://127.0.0.1:1/metrics".to_string(),
                outcome: Err("connection refused\n[[domain]]".to_string()),
            }],
            "now",
        );
        let table: toml::Table = text.parse().expect("valid TOML");
        assert!(table.get("domain").is_none(), "{text}");
        assert!(
            text.contains("# could not be read just now: connection refused"),
            "{text}"
        );
    }
}
