//! Configs for the tests, built in code instead of TOML written out in each file:
//!
//! ```ignore
//! let text = ConfigBuilder::new()
//!     .every("250ms", "200ms")
//!     .gateway(&server.url("/metrics"))
//!     .orders_haproxy()
//!     .rollback("1s", &sh_step("exit 0", "5s"))
//!     .build();
//! ```
//!
//! The text is what a person would write: `[settings]`, then the sources, then the domains,
//! each in the order given. A method that shapes a domain applies to the last one added.

use std::path::PathBuf;

use super::Sandbox;

/// HAProxy's per-server response counter for the `be_orders` backend.
pub const HAPROXY_RESPONSES: &str = "haproxy_server_http_responses_total";

/// A TOML config under construction.
#[derive(Default, Clone)]
pub struct ConfigBuilder {
    /// `key = value` lines of `[settings]`.
    settings: Vec<String>,
    sources: Vec<String>,
    domains: Vec<Domain>,
    tail: String,
}

#[derive(Clone)]
struct Domain {
    name: String,
    stage: String,
    /// Lines of `[domain.traffic]`, the first being `source = ...`; none: no traffic table.
    traffic: Vec<String>,
    /// Everything after the traffic table, as written.
    rest: String,
}

/// A TOML basic string (JSON's escapes are TOML's).
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

impl ConfigBuilder {
    pub fn new() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A `[settings]` key with a string value.
    pub fn setting(mut self, key: &str, value: &str) -> ConfigBuilder {
        self.settings.push(format!("{key} = {}", quoted(value)));
        self
    }

    /// Lines added to `[settings]` as written (`read_only = true`); nothing when empty.
    pub fn settings_text(mut self, text: &str) -> ConfigBuilder {
        self.settings.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from),
        );
        self
    }

    /// `interval` and `timeout`, with `window = "1m"`.
    pub fn every(self, interval: &str, timeout: &str) -> ConfigBuilder {
        self.setting("interval", interval)
            .setting("timeout", timeout)
            .setting("window", "1m")
    }

    /// A `[[source]]` with a name and URL, plus `extra` keys as written (may be empty).
    pub fn source_with(mut self, name: &str, url: &str, extra: &str) -> ConfigBuilder {
        let mut table = format!(
            "[[source]]\nname = {}\nurl = {}\n",
            quoted(name),
            quoted(url)
        );
        if !extra.is_empty() {
            table.push_str(extra.trim_end_matches('\n'));
            table.push('\n');
        }
        self.sources.push(table);
        self
    }

    pub fn source(self, name: &str, url: &str) -> ConfigBuilder {
        self.source_with(name, url, "")
    }

    /// The source `gateway` at `url`.
    pub fn gateway(self, url: &str) -> ConfigBuilder {
        self.source("gateway", url)
    }

    /// A `[[domain]]` at `stage` whose traffic comes from `source` (add its signals next).
    pub fn domain(mut self, name: &str, stage: &str, source: &str) -> ConfigBuilder {
        self.domains.push(Domain {
            name: name.into(),
            stage: stage.into(),
            traffic: vec![format!("source = {}", quoted(source))],
            rest: String::new(),
        });
        self
    }

    /// A `[[domain]]` without a traffic table (queues or sagas only, added as text).
    pub fn domain_without_traffic(mut self, name: &str, stage: &str) -> ConfigBuilder {
        self.domains.push(Domain {
            name: name.into(),
            stage: stage.into(),
            traffic: Vec::new(),
            rest: String::new(),
        });
        self
    }

    /// A traffic signal of the last domain: `side` is `legacy` or `new`, `key` `requests`,
    /// `errors`, `weight` or `latency`.
    pub fn signal(mut self, side: &str, key: &str, selector: &str) -> ConfigBuilder {
        assert!(
            !selector.contains('\''),
            "selector {selector} needs another quoting"
        );
        self.last()
            .traffic
            .push(format!("{side}.{key} = '{selector}'"));
        self
    }

    /// The domain `orders`, in canary, on the HAProxy `gateway`: requests of the servers
    /// `monolith` (legacy) and `orders_svc` (new) in backend `be_orders`.
    pub fn orders_haproxy(self) -> ConfigBuilder {
        self.domain("orders", "canary", "gateway")
            .signal("legacy", "requests", &haproxy("monolith", ""))
            .signal("new", "requests", &haproxy("orders_svc", ""))
    }

    /// [`Self::orders_haproxy`] with the 5xx responses and the weights of both servers.
    pub fn orders_haproxy_full(self) -> ConfigBuilder {
        self.domain("orders", "canary", "gateway")
            .signal("legacy", "requests", &haproxy("monolith", ""))
            .signal("legacy", "errors", &haproxy("monolith", r#",code="5xx""#))
            .signal("legacy", "weight", &haproxy_weight("monolith"))
            .signal("new", "requests", &haproxy("orders_svc", ""))
            .signal("new", "errors", &haproxy("orders_svc", r#",code="5xx""#))
            .signal("new", "weight", &haproxy_weight("orders_svc"))
    }

    /// A planned domain `name` on the source `monolith`: the FastAPI monolith's own count of
    /// `/orders/{order_id}` requests and 5xx answers.
    pub fn monolith_orders(self, name: &str) -> ConfigBuilder {
        self.domain(name, "planned", "monolith")
            .signal(
                "legacy",
                "requests",
                r#"http_requests_total{handler="/orders/{order_id}"}"#,
            )
            .signal(
                "legacy",
                "errors",
                r#"http_requests_total{handler="/orders/{order_id}",status="5xx"}"#,
            )
    }

    /// The domain `orders`, in canary, on `source`: `req_total{side="legacy"|"new"}`.
    pub fn orders_req_total(self, source: &str) -> ConfigBuilder {
        self.domain("orders", "canary", source)
            .signal("legacy", "requests", r#"req_total{side="legacy"}"#)
            .signal("new", "requests", r#"req_total{side="new"}"#)
    }

    /// The last domain's `[domain.rollback]`, never verified by share (`verify_share = 0.0`),
    /// given up after `verify_within`, with these steps (see [`exec_step`]).
    pub fn rollback(self, verify_within: &str, steps: &str) -> ConfigBuilder {
        let table = format!(
            "  [domain.rollback]\n  verify_share = 0.0\n  verify_within = {}\n{steps}",
            quoted(verify_within)
        );
        self.domain_text(&table)
    }

    /// The last domain's `[domain.promote]`: `steps` as written (`"[10, 25, 50, 100]"`),
    /// verified within `verify_within` at the target ± `tolerance`, with these steps (see
    /// [`promote_haproxy_step`]).
    pub fn promote(
        self,
        steps: &str,
        verify_within: &str,
        tolerance: &str,
        step_tables: &str,
    ) -> ConfigBuilder {
        let table = format!(
            "  [domain.promote]\n  steps = {steps}\n  verify_within = {}\n  verify_tolerance = {tolerance}\n{step_tables}",
            quoted(verify_within)
        );
        self.domain_text(&table)
    }

    /// Text added to the last domain after what it has (queues, sagas, more tables).
    pub fn domain_text(mut self, text: &str) -> ConfigBuilder {
        let rest = &mut self.last().rest;
        rest.push_str(text);
        if !rest.ends_with('\n') {
            rest.push('\n');
        }
        self
    }

    /// Text added at the end as written.
    pub fn raw(mut self, text: &str) -> ConfigBuilder {
        self.tail.push_str(text);
        self
    }

    fn last(&mut self) -> &mut Domain {
        self.domains.last_mut().expect("add a domain first")
    }

    /// The TOML text.
    pub fn build(&self) -> String {
        let mut out = String::new();
        if !self.settings.is_empty() {
            out.push_str("[settings]\n");
            for line in &self.settings {
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
        for source in &self.sources {
            out.push_str(source);
            out.push('\n');
        }
        for d in &self.domains {
            out.push_str(&format!(
                "[[domain]]\nname = {}\nstage = {}\n",
                quoted(&d.name),
                quoted(&d.stage)
            ));
            if !d.traffic.is_empty() {
                out.push_str("  [domain.traffic]\n");
            }
            for line in &d.traffic {
                out.push_str(&format!("  {line}\n"));
            }
            out.push_str(&d.rest);
            out.push('\n');
        }
        out.push_str(&self.tail);
        out
    }

    /// Writes the text as the sandbox's config file; its path.
    pub fn write(&self, sb: &Sandbox) -> PathBuf {
        sb.config(&self.build())
    }
}

/// HAProxy's response counter of `server` in backend `be_orders`, with `more` labels
/// (`,code="5xx"`) if any.
pub fn haproxy(server: &str, more: &str) -> String {
    format!(r#"{HAPROXY_RESPONSES}{{proxy="be_orders",server="{server}"{more}}}"#)
}

/// HAProxy's weight of `server` in backend `be_orders`.
pub fn haproxy_weight(server: &str) -> String {
    format!(r#"haproxy_server_weight{{proxy="be_orders",server="{server}"}}"#)
}

/// An exec step: `argv` run with this timeout.
pub fn exec_step(argv: &[&str], timeout: &str) -> String {
    let argv: Vec<String> = argv.iter().map(|a| quoted(a)).collect();
    format!(
        "  [[domain.rollback.step]]\n  kind = \"exec\"\n  argv = [{}]\n  timeout = {}\n",
        argv.join(", "),
        quoted(timeout)
    )
}

/// `sh -c SCRIPT` as an exec step.
pub fn sh_step(script: &str, timeout: &str) -> String {
    exec_step(&["/bin/sh", "-c", script], timeout)
}

/// A HAProxy runtime API step sending `command` to `address`.
pub fn haproxy_step(address: &str, command: &str, timeout: &str) -> String {
    format!(
        "  [[domain.rollback.step]]\n  kind = \"haproxy\"\n  address = {}\n  command = {}\n  timeout = {}\n",
        quoted(address),
        quoted(command),
        quoted(timeout)
    )
}

/// A promote step sending `command` (with `{weight}` / `{legacy_weight}`) to the runtime API
/// at `address`.
pub fn promote_haproxy_step(address: &str, command: &str, timeout: &str) -> String {
    haproxy_step(address, command, timeout)
        .replace("[[domain.rollback.step]]", "[[domain.promote.step]]")
}

/// A promote exec step: `argv` run with this timeout.
pub fn promote_exec_step(argv: &[&str], timeout: &str) -> String {
    exec_step(argv, timeout).replace("[[domain.rollback.step]]", "[[domain.promote.step]]")
}
