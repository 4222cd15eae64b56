//! What `cutover ramp` prints: one line per event (words, or one JSON object with `--json`),
//! and before anything runs, its whole plan: every step as it will run at each target, and the
//! rollback that a fail verdict runs when `auto_rollback = true`.

use serde_json::{json, Value};

use super::promote::steps_by_target;
use super::rollback::say;
use crate::action::promote::PromotePlan;
use crate::action::{terms, StepSpec};
use crate::notify::{Notice, NoticeKind, Notifier};

/// Where progress goes: one line per event, words or one JSON object; the events worth a
/// person's attention also go to the `[[notify]]` targets.
#[derive(Clone)]
pub(super) struct Out {
    pub(super) json: bool,
    pub(super) domain: String,
    pub(super) notifier: Notifier,
}

impl Out {
    /// `extra`'s fields join `event`, `domain`, `at` and `text` in the JSON object.
    pub(super) fn event(&self, event: &str, text: &str, extra: Value) {
        self.notify(event, text, &extra);
        let now = crate::clock::rfc3339(crate::clock::now_ms());
        if self.json {
            let mut v = json!({ "at": now, "domain": self.domain, "event": event, "text": text });
            if let (Some(o), Value::Object(more)) = (v.as_object_mut(), extra) {
                o.extend(more);
            }
            // JSON made terminal-safe by escapes a JSON reader decodes (`\u007f`), never by
            // the terminal sanitizer's, which are not JSON.
            let _ = crate::term_text::out_json(&format!("{v}\n"));
        } else {
            // Through the terminal sanitizer: the text may quote a runtime API or a program.
            say(&format!("{now} ramp {}: {event}: {text}\n", self.domain));
        }
    }

    /// The ramp's start, pauses, each step's verdict and its end, as `ramp` notices; the end
    /// of its automatic rollback as a `rollback` notice.
    fn notify(&self, event: &str, text: &str, extra: &Value) {
        let firing = match event {
            "start" | "paused" | "verified" | "done" => false,
            "fail" | "failed" | "refused" | "stopped" | "not_verified" | "superseded" => true,
            _ => return,
        };
        let rollback = extra.get("action").and_then(Value::as_str) == Some("rollback");
        let kind = if rollback && matches!(event, "verified" | "not_verified" | "failed") {
            NoticeKind::Rollback
        } else {
            NoticeKind::Ramp
        };
        let pct = |key: &str| {
            extra
                .get(key)
                .and_then(Value::as_f64)
                .map(|p| format!("{p}%"))
        };
        self.notifier.send(Notice {
            kind,
            domain: self.domain.clone(),
            from: pct("from").or_else(|| pct("at_percent")),
            to: pct("to")
                .or_else(|| (kind == NoticeKind::Rollback).then(|| "monolith".to_string())),
            text: format!("{}: ramp {event}: {text}", self.domain),
            at_ms: crate::clock::now_ms(),
            firing,
        });
    }

    /// Everything the ramp may run, before the operator confirms it: for each step target the
    /// step commands with their placeholders filled, how each promotion is verified, and the
    /// rollback steps when a fail verdict runs them (`rollback`: `Some` when auto_rollback).
    /// Words: the lines the operator reads; `--json`: one `plan` event holding the same.
    pub(super) fn plan(
        &self,
        plan: &PromotePlan,
        rollback: Option<(&[StepSpec], String)>,
        audit: &std::path::Path,
    ) {
        let targets = steps_by_target(plan);
        let hold = crate::format::duration_ms(plan.hold.as_millis() as u64);
        let mut text = format!(
            "Ramp of {}: steps {}, each held {hold} with verdict pass before the next; every promotion runs these steps, in order, the first failure stopping the rest:\n",
            self.domain,
            plan.steps_words()
        );
        for (to, steps) in &targets {
            text.push_str(&format!(
                "To {to}%: {}\n",
                terms::goal_sentence(plan.goal(*to), plan.verify_within)
            ));
            for line in terms::step_lines_of(steps) {
                text.push_str(&format!("{line}\n"));
            }
        }
        match &rollback {
            Some((steps, verify)) => {
                text.push_str(&format!(
                    "On a fail verdict (auto_rollback = true) the rollback runs: {verify}\n"
                ));
                for line in terms::step_lines(steps) {
                    text.push_str(&format!("{line}\n"));
                }
            }
            None => text.push_str(
                "On a fail verdict the ramp stops and the domain stays where it is (auto_rollback = false).\n",
            ),
        }
        text.push_str(&format!("Audit log: {}\n", audit.display()));
        if !self.json {
            say(&text);
            return;
        }
        let targets: Vec<Value> = targets
            .iter()
            .map(|(to, steps)| json!({ "to": to, "steps": steps }))
            .collect();
        let rollback_steps: Option<Vec<String>> =
            rollback.map(|(steps, _)| steps.iter().map(StepSpec::summary).collect());
        self.event(
            "plan",
            text.trim_end(),
            json!({
                "targets": targets,
                "hold_ms": plan.hold.as_millis() as u64,
                "auto_rollback": plan.auto_rollback,
                "rollback_steps": rollback_steps,
            }),
        );
    }

    /// The typed-name prompt: on stdout with the words, on stderr with `--json` (stdout stays
    /// one JSON object per line).
    pub(super) fn prompt(&self, typed_name: &crate::action::TypedName) {
        let text = format!(
            "Type {} to start the ramp; anything else cancels: ",
            typed_name.ask(&self.domain)
        );
        if self.json {
            let _ = crate::term_text::err(&text);
        } else {
            say(&text);
        }
    }

    /// After the typed answer: a line end where the terminal echoed none.
    pub(super) fn after_prompt(&self, typed: &str) {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) || !typed.ends_with('\n') {
            if self.json {
                let _ = crate::term_text::err("\n");
            } else {
                say("\n");
            }
        }
    }
}
