//! `cutover audit [--json]`: the audit log, newest first, readable or as JSON.

use super::action_setup::audit_log;
use super::status::{write_json, write_stdout};
use super::Failure;
use crate::action::{AuditEntry, AuditEvent};
use crate::term_text::for_terminal;

pub fn run(json: bool) -> Result<u8, Failure> {
    let log =
        audit_log().ok_or_else(|| Failure::runtime("no state directory could be determined"))?;
    let mut entries = log
        .read_all()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    entries.reverse();
    if json {
        let mut t =
            serde_json::to_string_pretty(&entries).map_err(|e| Failure::runtime(e.to_string()))?;
        t.push('\n');
        write_json(&t)?;
    } else if entries.is_empty() {
        write_stdout(&format!(
            "No audit entries yet ({}).\n",
            log.path().display()
        ))?;
    } else {
        write_stdout(&render(&entries))?;
    }
    Ok(0)
}

/// `cutover audit --clear DOMAIN`: ends the domain's mark, audited.
pub fn clear(global: &super::GlobalArgs, domain: &str) -> Result<u8, Failure> {
    let loaded = super::loaded::load(global)?;
    let plan = &loaded.compiled.plan;
    if !plan.domains.iter().any(|d| d.name == domain) {
        return Err(Failure::usage(format!(
            "unknown domain {}",
            for_terminal(domain)
        )));
    }
    let log =
        audit_log().ok_or_else(|| Failure::runtime("no state directory could be determined"))?;
    let gate = crate::action::Gate::new(loaded.read_only.clone(), log)
        .knowing_stages(plan.domains.iter().map(|d| (d.name.clone(), d.stage)))
        .in_context(loaded.context_name(), crate::action::TypedName::plain());
    gate.clear_mark(domain).map_err(|r| {
        Failure::usage(format!(
            "cannot clear the mark of {}: {r}",
            for_terminal(domain)
        ))
    })?;
    write_stdout(&format!("cleared the mark of {}\n", for_terminal(domain)))?;
    Ok(0)
}

/// One heading line per entry (time, event, domain, operator, duration), then what it was
/// about: the steps for a request or a refusal, the result otherwise.
pub fn render(entries: &[AuditEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        // Names stay on their heading line and what came from outside is indented, so no text
        // in the log can pose as an entry of its own.
        out.push_str(&format!(
            "{}  {:<12}  {}  {}",
            for_terminal(&e.time),
            e.event.as_str(),
            for_terminal(&e.domain),
            for_terminal(&e.operator)
        ));
        if let Some(ms) = e.duration_ms {
            out.push_str(&format!("  ({})", duration(ms)));
        }
        if let Some(via) = e.via {
            out.push_str(&format!("  via {}", via.as_str()));
        }
        if let Some(context) = &e.context {
            out.push_str(&format!("  context {}", for_terminal(context)));
        }
        if !e.id.is_empty() {
            out.push_str(&format!("  [{}]", for_terminal(&e.id)));
        }
        out.push('\n');
        if e.action == "promote" {
            out.push_str(&format!(
                "    {}\n",
                crate::action::promote::move_words(e.from, e.to)
            ));
        }
        if let Some(note) = &e.note {
            out.push_str(&format!("    note: {}\n", indented(note)));
        }
        for value in &e.before {
            out.push_str(&format!("    before: {}\n", indented(value)));
        }
        let show_steps = matches!(e.event, AuditEvent::Requested | AuditEvent::Refused);
        if !e.result.is_empty() {
            out.push_str(&format!("    {}\n", indented(&e.result)));
        }
        if show_steps {
            for (i, s) in e.steps.iter().enumerate() {
                out.push_str(&format!("    {}. {}\n", i + 1, indented(s)));
            }
        }
    }
    out
}

/// Later lines of a multi-line text (an HAProxy answer) indented under the first.
fn indented(text: &str) -> String {
    text.trim_end().replace('\n', "\n      ")
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: AuditEvent, duration_ms: Option<u64>, result: &str) -> AuditEntry {
        AuditEntry {
            time: "2025-03-01T10:00:00.000Z".into(),
            operator: "ops@bastion".into(),
            domain: "orders".into(),
            action: "rollback".into(),
            steps: vec!["haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0".into()],
            event,
            duration_ms,
            id: String::new(),
            result: result.into(),
            via: None,
            note: None,
            before: Vec::new(),
            stage: None,
            from: None,
            to: None,
            context: None,
        }
    }

    #[test]
    fn requests_show_their_steps_outcomes_their_result() {
        let text = render(&[
            entry(
                AuditEvent::NotVerified,
                Some(60_000),
                "NOT verified after 60 s: new path still serves 8%",
            ),
            entry(AuditEvent::Succeeded, Some(12), "step 1 ok in 12 ms"),
            entry(AuditEvent::Requested, None, ""),
        ]);
        assert_eq!(
            text,
            "2025-03-01T10:00:00.000Z  not_verified  orders  ops@bastion  (60.0 s)\n    NOT verified after 60 s: new path still serves 8%\n\
             2025-03-01T10:00:00.000Z  succeeded     orders  ops@bastion  (12 ms)\n    step 1 ok in 12 ms\n\
             2025-03-01T10:00:00.000Z  requested     orders  ops@bastion\n    1. haproxy 127.0.0.1:9999: set weight be_orders/orders_svc 0\n"
        );
    }
}
