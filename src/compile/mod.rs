//! From the configuration file's types to what runs: the engine's plan (numbered signals),
//! the sources' request specs (secrets resolved), and each domain's rollback and promote steps.
//!
//! Presets are expanded here (`expand`), so everything downstream sees plain selectors.

pub mod batch;
pub mod data;
pub mod expand;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::action::promote::PromotePlan;
use crate::action::StepSpec;
use crate::config::{self, Config, Signal as SignalText, SourceKind as ConfigKind, Step};
use crate::ingest::limits::Limits;
use crate::plan::{
    Plan, PlanDomain, PlanQueue, PlanSaga, PlanSide, PlanSource, PlanTraffic, Shape, Signal,
    SignalId, Slo, SourceKind, Timing,
};
use crate::selector::Selector;
use crate::source::{resolve_secret_env, resolve_secret_file, Auth, SourceError, SourceSpec};

/// Everything a run needs from a config.
pub struct Compiled {
    pub plan: Arc<Plan>,
    /// Per source, in plan order: the request spec, or why it could not be set up (a missing
    /// token variable makes that one source down, not the whole cockpit).
    pub specs: Vec<Result<SourceSpec, SourceError>>,
    /// Per domain name: the rollback steps as they will run.
    pub steps: HashMap<String, Vec<StepSpec>>,
    /// Per domain name with a `[domain.promote]`: its steps (placeholders unfilled) and terms.
    pub promotes: HashMap<String, PromotePlan>,
    /// Where each signal came from, for `check`: (domain, key, source, selector text).
    pub signal_uses: Vec<SignalUse>,
    /// `[[notify]]`: the webhooks, tokens named (read at each send).
    pub notify: Vec<crate::notify::NotifyTarget>,
}

#[derive(Debug, Clone)]
pub struct SignalUse {
    pub domain: String,
    pub key: String,
    pub signal: SignalId,
    /// Set when a preset wrote the selector.
    pub preset: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("domain {domain}: {key}: {message}")]
    Signal {
        domain: String,
        key: String,
        message: String,
    },
    /// `within` is empty for the traffic section, `queue NAME: `, `saga NAME: ` or
    /// `data NAME: ` otherwise.
    #[error("domain {domain}: {within}{error}")]
    Preset {
        domain: String,
        within: String,
        error: expand::PresetError,
    },
}

/// A `[[notify]]` table as the sender uses it.
fn notify_target(n: &config::Notify) -> crate::notify::NotifyTarget {
    use crate::source::SecretFrom;
    crate::notify::NotifyTarget {
        url: n.url.clone(),
        headers: n
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        bearer: match (&n.bearer_token_env, &n.bearer_token_file) {
            (Some(var), _) => Some(SecretFrom::Env(var.clone())),
            (None, Some(file)) => Some(SecretFrom::File(file.clone())),
            (None, None) => None,
        },
        events: n.events.clone(),
        timeout: n.timeout.as_std(),
    }
}

const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(30);

struct Builder<'a> {
    cfg: &'a Config,
    plan: Plan,
    seen: HashMap<(usize, String, u8, u64), SignalId>,
    uses: Vec<SignalUse>,
}

fn shape_code(s: Shape) -> u8 {
    match s {
        Shape::Counter => 0,
        Shape::Gauge => 1,
        Shape::Latency => 2,
    }
}

impl Builder<'_> {
    /// Numbers a signal, sharing one id between identical uses.
    fn signal(
        &mut self,
        domain: &str,
        key: &str,
        section_source: Option<&str>,
        text: &SignalText,
        shape: Shape,
        preset: Option<&str>,
    ) -> Result<SignalId, CompileError> {
        self.signal_in(domain, key, section_source, text, shape, preset, 1.0)
    }

    /// `signal` for a latency in a unit other than seconds.
    #[allow(clippy::too_many_arguments)]
    fn signal_in(
        &mut self,
        domain: &str,
        key: &str,
        section_source: Option<&str>,
        text: &SignalText,
        shape: Shape,
        preset: Option<&str>,
        unit_seconds: f64,
    ) -> Result<SignalId, CompileError> {
        let err = |message: String| CompileError::Signal {
            domain: domain.to_string(),
            key: key.to_string(),
            message,
        };
        let source_name = text.source_name(section_source).ok_or_else(|| {
            err("no source: give the section a `source` or the signal `{ source, select }`".into())
        })?;
        let source = self
            .plan
            .source_index(source_name)
            .ok_or_else(|| err(format!("unknown source {source_name:?}")))?;
        let select = text.select.trim().to_string();
        let dedup = (
            source,
            select.clone(),
            shape_code(shape),
            unit_seconds.to_bits(),
        );
        if let Some(&id) = self.seen.get(&dedup) {
            self.uses.push(SignalUse {
                domain: domain.into(),
                key: key.into(),
                signal: id,
                preset: preset.map(str::to_string),
            });
            return Ok(id);
        }
        let sig = match self.plan.sources[source].kind {
            SourceKind::Scrape => Signal {
                source,
                text: select.clone(),
                selector: Some(Selector::parse(&select).map_err(|e| err(e.to_string()))?),
                query: None,
                shape,
                latency_unit_seconds: unit_seconds,
            },
            SourceKind::Prometheus => match Selector::parse(&select) {
                // A plain selector reads raw series, as a scrape would: the source asks for
                // them in batched queries (`batch`) and the same selector code picks them out.
                Ok(sel) if batch::batchable(&sel, shape == Shape::Latency) => Signal {
                    source,
                    text: select.clone(),
                    selector: Some(sel),
                    query: None,
                    shape,
                    latency_unit_seconds: unit_seconds,
                },
                // Any other expression is evaluated by the API, one query each.
                _ => Signal {
                    source,
                    text: select.clone(),
                    selector: None,
                    query: Some(select.clone()),
                    shape,
                    latency_unit_seconds: unit_seconds,
                },
            },
        };
        let id = self.plan.signals.len();
        self.plan.signals.push(sig);
        self.seen.insert(dedup, id);
        self.uses.push(SignalUse {
            domain: domain.into(),
            key: key.into(),
            signal: id,
            preset: preset.map(str::to_string),
        });
        Ok(id)
    }
}

pub fn compile(cfg: &Config) -> Result<Compiled, CompileError> {
    let s = &cfg.settings;
    let mut b = Builder {
        cfg,
        plan: Plan {
            timing: Timing {
                interval: s.interval.as_std(),
                timeout: s.timeout.as_std(),
                window: s.window.as_std(),
                history: s.history.as_std(),
            },
            sources: cfg
                .sources
                .iter()
                .map(|src| PlanSource {
                    name: src.name.clone(),
                    kind: match src.kind {
                        ConfigKind::Scrape => SourceKind::Scrape,
                        ConfigKind::Prometheus => SourceKind::Prometheus,
                    },
                    limits: source_limits(src),
                })
                .collect(),
            signals: Vec::new(),
            domains: Vec::new(),
            // Validation refused a template that does not parse.
            trace_url: cfg
                .tracing
                .url
                .as_deref()
                .and_then(|u| crate::trace_url::TraceUrl::parse(u).ok()),
        },
        seen: HashMap::new(),
        uses: Vec::new(),
    };
    let mut steps = HashMap::new();
    let mut promotes = HashMap::new();
    for d in &cfg.domains {
        let domain = compile_domain(&mut b, d)?;
        steps.insert(d.name.clone(), rollback_steps(d));
        if let Some(p) = &d.promote {
            promotes.insert(d.name.clone(), promote_plan(p));
        }
        b.plan.domains.push(domain);
    }
    let specs = source_specs(b.cfg, &b.plan);
    Ok(Compiled {
        plan: Arc::new(b.plan),
        specs,
        steps,
        promotes,
        signal_uses: b.uses,
        notify: cfg.notify.iter().map(notify_target).collect(),
    })
}

fn compile_domain(b: &mut Builder, d: &config::Domain) -> Result<PlanDomain, CompileError> {
    let name = d.name.as_str();
    let traffic = match &d.traffic {
        None => None,
        Some(t) => {
            let expanded = expand::traffic(t).map_err(|error| CompileError::Preset {
                domain: name.into(),
                within: String::new(),
                error,
            })?;
            let section = t.source.as_deref();
            let mut sides = [PlanSide::default(), PlanSide::default()];
            for (i, (label, side)) in [("legacy", &expanded.legacy), ("new", &expanded.new)]
                .into_iter()
                .enumerate()
            {
                let Some(side) = side else { continue };
                let expanded = side;
                let preset = |field: &str| expanded.preset_of(field);
                let side = &side.signals;
                let k = |f: &str| format!("traffic.{label}.{f}");
                let out = &mut sides[i];
                out.requests = Some(b.signal(
                    name,
                    &k("requests"),
                    section,
                    &side.requests,
                    Shape::Counter,
                    preset("requests"),
                )?);
                if let Some(e) = &side.errors {
                    out.errors = Some(b.signal(
                        name,
                        &k("errors"),
                        section,
                        e,
                        Shape::Counter,
                        preset("errors"),
                    )?);
                }
                if let Some(w) = &side.weight {
                    out.weight = Some(b.signal(
                        name,
                        &k("weight"),
                        section,
                        w,
                        Shape::Gauge,
                        preset("weight"),
                    )?);
                }
                out.status_by_class = side.status_by_class;
                let gateway_signals = [
                    ("up", &side.up, Shape::Gauge),
                    ("gateway_requests", &side.gateway_requests, Shape::Counter),
                    ("gateway_errors", &side.gateway_errors, Shape::Counter),
                    ("auth_failures", &side.auth_failures, Shape::Counter),
                    ("rate_limited", &side.rate_limited, Shape::Counter),
                    ("client_errors", &side.client_errors, Shape::Counter),
                ];
                for (field, signal, shape) in gateway_signals {
                    let Some(signal) = signal else { continue };
                    let id = b.signal(name, &k(field), section, signal, shape, preset(field))?;
                    match field {
                        "up" => out.up = Some(id),
                        "gateway_requests" => out.gateway_requests = Some(id),
                        "auth_failures" => out.auth_failures = Some(id),
                        "rate_limited" => out.rate_limited = Some(id),
                        "client_errors" => out.client_errors = Some(id),
                        _ => out.gateway_errors = Some(id),
                    }
                }
                if let Some(l) = &side.latency {
                    let unit = side.latency_unit.map_or(1.0, |u| u.seconds());
                    out.latency = Some(b.signal_in(
                        name,
                        &k("latency"),
                        section,
                        l,
                        Shape::Latency,
                        preset("latency"),
                        unit,
                    )?);
                }
                if let Some(l) = &side.gateway_latency {
                    let unit = side.gateway_latency_unit.map_or(1.0, |u| u.seconds());
                    let id = b.signal_in(
                        name,
                        &k("gateway_latency"),
                        section,
                        l,
                        Shape::Latency,
                        preset("gateway_latency"),
                        unit,
                    )?;
                    out.gateway_latency = Some((id, unit));
                }
            }
            let [legacy, new] = sides;
            Some(PlanTraffic { legacy, new })
        }
    };
    let mut queues = Vec::new();
    for (i, q) in d.queues.iter().enumerate() {
        let signals = expand::queue_signals(q).map_err(|error| CompileError::Preset {
            domain: name.into(),
            within: format!("queue {}: ", q.name),
            error,
        })?;
        let id = b.signal(
            name,
            &format!("queue[{i}].depth"),
            q.source.as_deref(),
            &signals.depth,
            Shape::Gauge,
            q.preset.as_deref(),
        )?;
        let in_flight = match &signals.in_flight {
            Some((meaning, signal)) => Some((
                *meaning,
                b.signal(
                    name,
                    &format!("queue[{i}].{meaning}"),
                    q.source.as_deref(),
                    signal,
                    Shape::Gauge,
                    q.preset.as_deref(),
                )?,
            )),
            None => None,
        };
        queues.push(PlanQueue {
            name: q.name.clone(),
            depth: id,
            meaning: signals.meaning,
            in_flight,
            limit: signals.limit,
            warn: q.warn,
            crit: q.crit,
            hold: own_hold(&d.slo, q.for_, q.clear_after),
        });
    }
    let mut sagas = Vec::new();
    for (i, s) in d.sagas.iter().enumerate() {
        let expanded = expand::saga_signals(s).map_err(|error| CompileError::Preset {
            domain: name.into(),
            within: format!("saga {}: ", s.name),
            error,
        })?;
        let src = s.source.as_deref();
        let preset = s.preset.as_deref();
        let k = |f: &str| format!("saga[{i}].{f}");
        let failed = b.signal(
            name,
            &k("failed"),
            src,
            &expanded.failed,
            Shape::Counter,
            preset,
        )?;
        let opt = |b: &mut Builder,
                   f: &str,
                   sig: &Option<SignalText>,
                   shape|
         -> Result<Option<SignalId>, CompileError> {
            sig.as_ref()
                .map(|x| b.signal(name, &k(f), src, x, shape, preset))
                .transpose()
        };
        sagas.push(PlanSaga {
            name: s.name.clone(),
            failed,
            compensated: opt(b, "compensated", &expanded.compensated, Shape::Counter)?,
            started: opt(b, "started", &expanded.started, Shape::Counter)?,
            in_progress: opt(b, "in_progress", &expanded.in_progress, Shape::Gauge)?,
            hold: own_hold(&d.slo, s.for_, s.clear_after),
        });
    }
    let mut data = Vec::new();
    for (i, entry) in d.data.iter().enumerate() {
        data.push(data::compile_data(b, name, i, entry)?);
    }
    let slo = Slo {
        error_ratio: d.slo.error_ratio,
        error_ratio_delta: d.slo.error_ratio_delta,
        p95: d.slo.p95.map(|p| p.as_std()),
        saga_failures_per_minute: d.slo.saga_failures_per_minute,
        min_requests: d.slo.min_requests as f64,
        hold: hold(d.slo.for_, d.slo.clear_after),
        objective: d.slo.objective,
    };
    let judge = crate::plan::JudgeRules {
        confidence: d.judge.confidence,
        error_tolerance: crate::judge::errors::Tolerance {
            relative: d.judge.error_tolerance.relative,
            absolute: d.judge.error_tolerance.absolute,
        },
        latency_tolerance: d.judge.latency_tolerance,
    };
    let rollback_steps = rollback_steps(d).iter().map(StepSpec::summary).collect();
    Ok(PlanDomain {
        name: d.name.clone(),
        stage: d.stage,
        traffic,
        queues,
        sagas,
        data,
        slo,
        judge,
        rollback_steps,
        verify_share: d.rollback.as_ref().map_or(0.0, |r| r.verify_share),
        verify_within: d
            .rollback
            .as_ref()
            .map_or(Duration::from_secs(60), |r| r.verify_within.as_std()),
    })
}

/// `for` / `clear_after` in ms, as the hysteresis counts them.
fn hold(for_: config::Duration, clear_after: config::Duration) -> crate::judge::hysteresis::Hold {
    let ms = |d: config::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    crate::judge::hysteresis::Hold {
        for_ms: ms(for_),
        clear_ms: ms(clear_after),
    }
}

/// A queue's or saga's own hold, when it sets either; the other falls back to the domain's.
fn own_hold(
    slo: &config::Slo,
    for_: Option<config::Duration>,
    clear_after: Option<config::Duration>,
) -> Option<crate::judge::hysteresis::Hold> {
    (for_.is_some() || clear_after.is_some()).then(|| {
        hold(
            for_.unwrap_or(slo.for_),
            clear_after.unwrap_or(slo.clear_after),
        )
    })
}

fn rollback_steps(d: &config::Domain) -> Vec<StepSpec> {
    let Some(r) = &d.rollback else {
        return Vec::new();
    };
    r.steps.iter().map(step_spec).collect()
}

/// `[domain.promote]` as it runs; validation has kept the steps between 1 and 100.
fn promote_plan(p: &config::Promote) -> PromotePlan {
    PromotePlan {
        steps: p
            .steps
            .iter()
            .filter_map(|s| u8::try_from(*s).ok())
            .collect(),
        hold: p.hold.as_std(),
        verify_within: p.verify_within.as_std(),
        verify_tolerance: p.verify_tolerance,
        auto_rollback: p.auto_rollback,
        templates: p.step_templates.iter().map(step_spec).collect(),
    }
}

fn step_spec(s: &Step) -> StepSpec {
    match s {
        Step::Haproxy(h) => StepSpec::Haproxy {
            address: h.address.clone(),
            command: h.command.clone(),
            timeout: h.timeout.map_or(DEFAULT_STEP_TIMEOUT, |t| t.as_std()),
        },
        Step::Http(h) => StepSpec::Http {
            method: h.method.clone(),
            url: h.url.clone(),
            headers: h
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body: h.body.clone(),
            bearer_env: h.bearer_token_env.clone(),
            timeout: h.timeout.map_or(DEFAULT_STEP_TIMEOUT, |t| t.as_std()),
        },
        Step::Exec(e) => StepSpec::Exec {
            argv: e.argv.clone(),
            timeout: e.timeout.map_or(DEFAULT_EXEC_TIMEOUT, |t| t.as_std()),
        },
    }
}

/// The limits of a configured source, as the parser and the store apply them.
fn source_limits(src: &config::Source) -> Limits {
    let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    Limits {
        label_limit: n(src.label_limit),
        label_name_length_limit: n(src.label_name_length_limit),
        label_value_length_limit: n(src.label_value_length_limit),
        sample_limit: n(src.sample_limit),
        series_limit: n(src.series_limit),
    }
}

fn source_specs(cfg: &Config, plan: &Plan) -> Vec<Result<SourceSpec, SourceError>> {
    cfg.sources
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let auth = if let Some(var) = &src.bearer_token_env {
                Auth::Bearer(resolve_secret_env(var)?)
            } else if let Some(path) = &src.bearer_token_file {
                Auth::Bearer(resolve_secret_file(path)?)
            } else if let Some(basic) = &src.basic_auth {
                let password = match (&basic.password_env, &basic.password_file) {
                    (Some(var), _) => resolve_secret_env(var)?,
                    (None, Some(path)) => resolve_secret_file(path)?,
                    (None, None) => crate::source::Secret::new(String::new()),
                };
                Auth::Basic {
                    username: basic.username.clone(),
                    password,
                }
            } else {
                Auth::None
            };
            let mut queries: Vec<String> = plan
                .signals
                .iter()
                .filter(|s| s.source == i)
                .filter_map(|s| s.query.clone())
                .collect();
            queries.dedup();
            let batch = match plan.sources[i].kind {
                SourceKind::Prometheus => {
                    let wanted: Vec<batch::Wanted<'_>> = plan
                        .signals
                        .iter()
                        .filter(|s| s.source == i)
                        .filter_map(|s| {
                            Some(batch::Wanted {
                                selector: s.selector.as_ref()?,
                                latency: s.shape == Shape::Latency,
                            })
                        })
                        .collect();
                    batch::queries(&wanted)
                }
                SourceKind::Scrape => Vec::new(),
            };
            Ok(SourceSpec {
                name: src.name.clone(),
                url: src.url.clone(),
                kind: match src.kind {
                    ConfigKind::Scrape => crate::source::SourceKind::Scrape,
                    ConfigKind::Prometheus => crate::source::SourceKind::Prometheus,
                },
                headers: src
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                auth,
                ca_file: src.ca_file.clone(),
                insecure_skip_verify: src.insecure_skip_verify,
                max_body: src.max_body.bytes(),
                timeout: plan.timing.timeout,
                queries,
                batch,
                limits: plan.sources[i].limits,
            })
        })
        .collect()
}
