//! What a metrics body says about the software behind it: which preset fits, and the names
//! (backends, servers, handlers, queues, sagas) a starter config can fill in.
//!
//! Detection is by the one metric family each exporter is known for (docs/presets.md); the
//! label values read are bounded per finding, since a body is outside input.

use std::collections::BTreeSet;

use crate::ingest::exposition::{parse, Sample};
use crate::ingest::prefilter::FamilyFilter;

/// The part of a config a preset fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Gateway,
    Service,
    Queue,
    Saga,
}

impl Role {
    /// The word a comment uses.
    pub fn word(self) -> &'static str {
        match self {
            Role::Gateway => "gateway",
            Role::Service => "service",
            Role::Queue => "queue",
            Role::Saga => "saga",
        }
    }
}

/// The family an exporter is known by, and which of its labels become which preset keys.
#[derive(Debug)]
pub struct Signature {
    pub preset: &'static str,
    pub role: Role,
    /// Any one of these families present means the exporter is there.
    pub families: &'static [&'static str],
    /// `(label, preset key)`: the label values to collect, in order.
    pub keys: &'static [(&'static str, &'static str)],
    /// Values of the first key that are not the application's own (health checks, metrics).
    pub skip: &'static [&'static str],
}

/// Known exporters, gateways first. Each preset named here exists (a test checks it).
pub const SIGNATURES: &[Signature] = &[
    Signature {
        preset: "haproxy",
        role: Role::Gateway,
        families: &["haproxy_server_http_responses_total"],
        keys: &[("proxy", "backend"), ("server", "server")],
        skip: &[],
    },
    Signature {
        preset: "envoy",
        role: Role::Gateway,
        families: &["envoy_cluster_upstream_rq_total"],
        keys: &[("envoy_cluster_name", "cluster")],
        skip: &[],
    },
    Signature {
        preset: "traefik",
        role: Role::Gateway,
        families: &["traefik_service_requests_total"],
        keys: &[("service", "service")],
        skip: &[],
    },
    Signature {
        preset: "ingress-nginx",
        role: Role::Gateway,
        families: &["nginx_ingress_controller_requests"],
        keys: &[("ingress", "backend"), ("service", "service")],
        skip: &[],
    },
    Signature {
        preset: "kong",
        role: Role::Gateway,
        families: &["kong_http_requests_total"],
        keys: &[("service", "service")],
        skip: &[],
    },
    Signature {
        preset: "istio",
        role: Role::Gateway,
        families: &["istio_requests_total"],
        keys: &[
            ("destination_service_name", "backend"),
            ("destination_workload", "workload"),
        ],
        skip: &[],
    },
    Signature {
        preset: "fastapi",
        role: Role::Service,
        families: &[
            "http_request_duration_seconds_bucket",
            "http_requests_total",
        ],
        keys: &[("handler", "handler")],
        skip: &[
            "/metrics", "/healthz", "/health", "/ready", "/readyz", "/livez", "none",
        ],
    },
    Signature {
        preset: "django",
        role: Role::Service,
        families: &["django_http_responses_total_by_status_view_method_total"],
        keys: &[("view", "handler")],
        skip: &["prometheus-django-metrics"],
    },
    Signature {
        preset: "flask",
        role: Role::Service,
        families: &["flask_http_request_duration_seconds_count"],
        keys: &[("path", "handler")],
        skip: &["/metrics"],
    },
    Signature {
        preset: "rabbitmq",
        role: Role::Queue,
        families: &["rabbitmq_queue_messages_ready"],
        keys: &[("queue", "queue"), ("vhost", "vhost")],
        skip: &[],
    },
    Signature {
        preset: "rabbitmq-detailed",
        role: Role::Queue,
        families: &["rabbitmq_detailed_queue_messages_ready"],
        keys: &[("queue", "queue"), ("vhost", "vhost")],
        skip: &[],
    },
    Signature {
        preset: "kafka",
        role: Role::Queue,
        families: &["kafka_consumergroup_lag_sum"],
        keys: &[("consumergroup", "group"), ("topic", "topic")],
        skip: &[],
    },
    Signature {
        preset: "redis-stream",
        role: Role::Queue,
        families: &["redis_stream_group_messages_pending"],
        keys: &[("stream", "stream"), ("group", "group")],
        skip: &[],
    },
    Signature {
        preset: "saga",
        role: Role::Saga,
        families: &[
            "saga_started_total",
            "saga_failed_total",
            "saga_in_progress",
        ],
        keys: &[("saga", "saga")],
        skip: &[],
    },
    Signature {
        preset: "temporal",
        role: Role::Saga,
        families: &[
            "temporal_workflow_completed",
            "temporal_workflow_completed_total",
            "temporal_workflow_failed",
            "temporal_workflow_failed_total",
        ],
        keys: &[("workflow_type", "workflow_type")],
        skip: &[],
    },
];

/// The most distinct label tuples kept per finding: a starter config lists names, it does not
/// inventory an exporter with a million series.
pub const MAX_OBJECTS: usize = 200;

/// One exporter found in a body, with the label values its preset keys take.
#[derive(Debug, Clone)]
pub struct Finding {
    pub signature: &'static Signature,
    /// One entry per series seen, the values of `signature.keys` in order (missing: empty).
    pub objects: BTreeSet<Vec<String>>,
    /// Whether more than [`MAX_OBJECTS`] were seen.
    pub cut: bool,
}

/// Every known exporter whose family appears in `body`, in [`SIGNATURES`] order.
pub fn detect(body: &str) -> Vec<Finding> {
    let families = SIGNATURES.iter().flat_map(|s| s.families.iter().copied());
    let filter = FamilyFilter::names(families);
    let mut found: Vec<Option<Finding>> = SIGNATURES.iter().map(|_| None).collect();
    parse(body, &filter, |sample| {
        for (i, signature) in SIGNATURES.iter().enumerate() {
            if signature.families.contains(&sample.name) {
                note(&mut found[i], signature, sample);
            }
        }
    });
    found.into_iter().flatten().collect()
}

fn note(slot: &mut Option<Finding>, signature: &'static Signature, sample: &Sample<'_, '_>) {
    let values: Vec<String> = signature
        .keys
        .iter()
        .map(|(label, _)| {
            sample
                .labels
                .iter()
                .find(|l| l.name == *label)
                .map(|l| l.value.to_string())
                .unwrap_or_default()
        })
        .collect();
    // A service family without its handler label is some other library's counter.
    let first = values.first().map(String::as_str).unwrap_or_default();
    if first.is_empty() && signature.role == Role::Service {
        return;
    }
    let finding = slot.get_or_insert_with(|| Finding {
        signature,
        objects: BTreeSet::new(),
        cut: false,
    });
    if signature.skip.contains(&first) {
        return;
    }
    if finding.objects.len() >= MAX_OBJECTS && !finding.objects.contains(&values) {
        finding.cut = true;
        return;
    }
    finding.objects.insert(values);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{GATEWAYS, QUEUES, SAGAS, SERVICES};

    #[test]
    fn every_signature_names_a_preset_of_its_role() {
        for s in SIGNATURES {
            let known = match s.role {
                Role::Gateway => GATEWAYS.iter().any(|p| p.name == s.preset),
                Role::Service => SERVICES.iter().any(|p| p.name == s.preset),
                Role::Queue => QUEUES.iter().any(|p| p.name == s.preset),
                Role::Saga => SAGAS.iter().any(|p| p.name == s.preset),
            };
            assert!(known, "{} is not a {:?} preset", s.preset, s.role);
        }
    }

    #[test]
    fn haproxy_backends_and_servers_are_read() {
        let body = "haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"monolith\",code=\"2xx\"} 1\n\
                    haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"orders_svc\",code=\"2xx\"} 1\n\
                    haproxy_server_http_responses_total{proxy=\"be_orders\",server=\"orders_svc\",code=\"5xx\"} 1\n";
        let found = detect(body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].signature.preset, "haproxy");
        let objects: Vec<_> = found[0].objects.iter().cloned().collect();
        assert_eq!(
            objects,
            vec![
                vec!["be_orders".to_string(), "monolith".to_string()],
                vec!["be_orders".to_string(), "orders_svc".to_string()]
            ]
        );
    }

    #[test]
    fn a_generic_counter_without_a_handler_is_not_fastapi_and_health_checks_are_skipped() {
        let found = detect("http_requests_total{code=\"200\"} 5\n");
        assert!(found.is_empty());
        let found = detect("http_requests_total{handler=\"/metrics\"} 5\nhttp_requests_total{handler=\"/orders\"} 5\n");
        assert_eq!(found[0].objects.len(), 1);
    }

    #[test]
    fn objects_are_bounded() {
        let body: String = (0..1000)
            .map(|i| format!("saga_started_total{{saga=\"s{i}\"}} 1\n"))
            .collect();
        let found = detect(&body);
        assert_eq!(found[0].objects.len(), MAX_OBJECTS);
        assert!(found[0].cut);
    }
}
