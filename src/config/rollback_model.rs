//! `[domain.rollback]` as the file writes it: the verification terms and the steps, each
//! step table read by hand so that an error names the key at fault (see `StepFields`).

use super::duration::Duration;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// `[domain.rollback]`: how to send the domain's traffic back to the monolith, and how to tell
/// that it worked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    /// Verified when the observed new-path share stays at or below this...
    #[serde(default)]
    pub verify_share: f64,
    /// ... within this long after the action.
    #[serde(default = "default_verify_within")]
    pub verify_within: Duration,
    /// `[[domain.rollback.step]]`, run in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

fn default_verify_within() -> Duration {
    Duration::from_secs(60)
}

/// One rollback step, chosen by `kind`.
///
/// Deserialized by hand (see `StepFields`) rather than as a serde-tagged enum: a tagged enum
/// buffers the table first, and its errors would then point at the whole `[[...step]]` array
/// instead of the key at fault.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Step {
    Haproxy(HaproxyStep),
    Http(HttpStep),
    Exec(ExecStep),
}

impl Step {
    pub fn timeout(&self) -> Option<Duration> {
        match self {
            Step::Haproxy(s) => s.timeout,
            Step::Http(s) => s.timeout,
            Step::Exec(s) => s.timeout,
        }
    }
}

/// `kind = "haproxy"`: one command on the HAProxy runtime API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaproxyStep {
    /// `"host:port"` or `"unix:/path/to/socket"`.
    pub address: String,
    /// e.g. `"set weight be_orders/orders_svc 0"`.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// `kind = "http"`: one HTTP request (Envoy runtime, flagger-loadtester, a Kubernetes PATCH...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Environment variable holding a bearer token for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    /// A URL that answers a GET when the target is ready: rollback readiness's probe (never
    /// sent with another method, never with the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_url: Option<String>,
}

/// `kind = "exec"`: one program with its arguments, run without a shell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecStep {
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Every key a step table may hold, whatever its kind; `Step`'s deserializer then checks that
/// the keys fit the kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFields {
    kind: StepKind,
    address: Option<String>,
    command: Option<String>,
    method: Option<String>,
    url: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    body: Option<String>,
    bearer_token_env: Option<String>,
    probe_url: Option<String>,
    argv: Option<Vec<String>>,
    timeout: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum StepKind {
    Haproxy,
    Http,
    Exec,
}

const HAPROXY_KEYS: &[&str] = &["kind", "address", "command", "timeout"];
const HTTP_KEYS: &[&str] = &[
    "kind",
    "method",
    "url",
    "headers",
    "body",
    "timeout",
    "bearer_token_env",
    "probe_url",
];
const EXEC_KEYS: &[&str] = &["kind", "argv", "timeout"];

impl StepFields {
    /// The keys present, by name, for checking them against a kind.
    fn present(&self) -> [(&'static str, bool); 10] {
        [
            ("address", self.address.is_some()),
            ("command", self.command.is_some()),
            ("method", self.method.is_some()),
            ("url", self.url.is_some()),
            ("headers", self.headers.is_some()),
            ("body", self.body.is_some()),
            ("bearer_token_env", self.bearer_token_env.is_some()),
            ("probe_url", self.probe_url.is_some()),
            ("argv", self.argv.is_some()),
            ("timeout", self.timeout.is_some()),
        ]
    }

    fn into_step<E: de::Error>(self) -> Result<Step, E> {
        let allowed = match self.kind {
            StepKind::Haproxy => HAPROXY_KEYS,
            StepKind::Http => HTTP_KEYS,
            StepKind::Exec => EXEC_KEYS,
        };
        if let Some((key, _)) = self
            .present()
            .into_iter()
            .find(|(key, present)| *present && !allowed.contains(key))
        {
            return Err(E::unknown_field(key, allowed));
        }
        fn required<T, E: de::Error>(value: Option<T>, key: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(key))
        }
        Ok(match self.kind {
            StepKind::Haproxy => Step::Haproxy(HaproxyStep {
                address: required(self.address, "address")?,
                command: required(self.command, "command")?,
                timeout: self.timeout,
            }),
            StepKind::Http => Step::Http(HttpStep {
                method: required(self.method, "method")?,
                url: required(self.url, "url")?,
                headers: self.headers.unwrap_or_default(),
                body: self.body,
                timeout: self.timeout,
                bearer_token_env: self.bearer_token_env,
                probe_url: self.probe_url,
            }),
            StepKind::Exec => Step::Exec(ExecStep {
                argv: required(self.argv, "argv")?,
                timeout: self.timeout,
            }),
        })
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;

        impl<'de> Visitor<'de> for StepVisitor {
            type Value = Step;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a step table with kind = \"haproxy\", \"http\" or \"exec\"")
            }

            // Checking inside the visitor keeps errors attached to this step's table.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Step, A::Error> {
                StepFields::deserialize(de::value::MapAccessDeserializer::new(map))?.into_step()
            }
        }

        deserializer.deserialize_map(StepVisitor)
    }
}
