//! The JSON a target receives: cutover's own fields, which a chat incoming webhook (Slack,
//! Mattermost) reads through `text`, and the fields of Alertmanager's webhook payload
//! (version 4), so a receiver written for Alertmanager takes it without a proxy in between.
//! Receivers ignore the fields they do not know, as both formats allow.

use serde_json::{json, Value};

use super::notice::{Notice, NoticeKind};
use crate::redact::SecretValues;

/// Characters of text a notice carries at most: a chat line, not a report (the reasons of a
/// verdict can be long, and a hostile label value longer).
const TEXT_CAP: usize = 2000;

/// The body for `notice` sent from `host`. Every string the notice holds passes `secrets`
/// first (the target's own token, secret header values and URL secrets), so a notice can
/// never carry a credential to a third party, whatever its words quote.
pub fn body(notice: &Notice, host: &str, secrets: &SecretValues) -> Value {
    let clean = |s: &str| secrets.redact(s).into_owned();
    let text = crate::action::steps::clip(
        &format!("cutover@{host}: {}", clean(&notice.text)),
        TEXT_CAP,
    );
    let chat = chat_safe(&text);
    let domain = clean(&notice.domain);
    let at = crate::clock::rfc3339(notice.at_ms);
    let status = if notice.firing { "firing" } else { "resolved" };
    let alertname = alertname(notice.kind);
    let labels = json!({
        "alertname": alertname,
        "domain": domain,
        "kind": notice.kind.as_str(),
        "severity": severity(notice),
        "host": host,
        "source": "cutover",
    });
    json!({
        "domain": domain,
        "kind": notice.kind.as_str(),
        "from": notice.from.as_deref().map(clean),
        "to": notice.to.as_deref().map(clean),
        "text": chat,
        "at": at,
        "host": host,
        "status": status,
        // Alertmanager's webhook payload.
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{alertname}\", domain=\"{}\"}}", domain.escape_default()),
        "truncatedAlerts": 0,
        "receiver": "cutover",
        "groupLabels": { "alertname": alertname, "domain": domain },
        "commonLabels": labels,
        "commonAnnotations": { "summary": text },
        "externalURL": "",
        "alerts": [{
            "status": status,
            "labels": labels,
            "annotations": { "summary": text, "description": text },
            "startsAt": at,
            // Alertmanager's "no end yet" for an alert that fires; its end for one resolved.
            "endsAt": if notice.firing { "0001-01-01T00:00:00Z".to_string() } else { at.clone() },
            "generatorURL": "",
            "fingerprint": fingerprint(&[&domain, notice.kind.as_str(), host]),
        }],
    })
}

/// `text` as a chat webhook reads it: Slack's control sequences (`<!channel>`, `<@U123>`,
/// `<https://x|label>`) are made plain by its own escapes (`&amp;`, `&lt;`, `&gt;`), and a
/// mention (`@channel`, `@here`, `@all`, `@someone` at the start of a word, which Mattermost
/// acts on) gets a zero-width space after its `@`: a label value or a runtime API's answer
/// quoted in a notice can never page a whole channel or link elsewhere. The Alertmanager
/// fields keep the words as they are.
fn chat_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' if prev.is_none_or(|p| !p.is_alphanumeric()) => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// `CutoverCrit`, `CutoverRollback`, ...: one alert name per kind, so that a firing crit is
/// resolved by the notice that it cleared.
fn alertname(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Crit => "CutoverCrit",
        NoticeKind::Fail => "CutoverVerdictFail",
        NoticeKind::Rollback => "CutoverRollback",
        NoticeKind::Promote => "CutoverPromote",
        NoticeKind::Ramp => "CutoverRamp",
    }
}

/// Crit and a fail verdict are critical; an action that did not end well is a warning; the
/// rest (a verified step, a resolved alert) is information.
fn severity(n: &Notice) -> &'static str {
    match (n.kind, n.firing) {
        (_, false) => "info",
        (NoticeKind::Crit | NoticeKind::Fail, true) => "critical",
        (_, true) => "warning",
    }
}

/// FNV-1a over the parts, as 16 hex digits (Alertmanager's fingerprint width): the same
/// alert from the same host always has the same one.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(firing: bool) -> Notice {
        Notice {
            kind: NoticeKind::Crit,
            domain: "orders".into(),
            from: Some("ok".into()),
            to: Some("crit".into()),
            text: "orders: ok -> crit: error ratio 4% (token s3cr3t-value echoed)".into(),
            at_ms: 1_700_000_000_000,
            firing,
        }
    }

    #[test]
    fn the_body_carries_the_notice_and_the_alertmanager_fields() {
        let secrets = SecretValues::new(["s3cr3t-value".to_string()], 4);
        let b = body(&notice(true), "bastion-1", &secrets);
        assert_eq!(b["domain"], "orders");
        assert_eq!(b["kind"], "crit");
        assert_eq!(b["from"], "ok");
        assert_eq!(b["to"], "crit");
        assert_eq!(b["host"], "bastion-1");
        assert_eq!(b["at"], "2023-11-14T22:13:20.000Z");
        assert_eq!(b["version"], "4");
        assert_eq!(b["status"], "firing");
        assert_eq!(b["alerts"][0]["labels"]["alertname"], "CutoverCrit");
        assert_eq!(b["alerts"][0]["labels"]["severity"], "critical");
        assert_eq!(b["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
        let text = b["text"].as_str().unwrap_or_default();
        assert!(
            text.starts_with("cutover@bastion-1: orders: ok -&gt; crit"),
            "{text}"
        );
        assert!(!b.to_string().contains("s3cr3t-value"), "{b}");
        let resolved = body(&notice(false), "bastion-1", &secrets);
        assert_eq!(resolved["status"], "resolved");
        assert_eq!(resolved["alerts"][0]["endsAt"], resolved["at"]);
        assert_eq!(
            resolved["alerts"][0]["fingerprint"],
            b["alerts"][0]["fingerprint"]
        );
    }

    #[test]
    fn a_quoted_label_can_neither_ping_a_channel_nor_link_in_a_chat() {
        let mut n = notice(true);
        n.text = "orders: crit: queue <!channel> @here <https://evil.example|click> a&b".into();
        let b = body(&n, "bastion-1", &SecretValues::new(Vec::<String>::new(), 4));
        let text = b["text"].as_str().unwrap_or_default();
        assert!(text.starts_with("cutover@bastion-1: "), "{text}");
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(
            text.contains("&lt;!channel&gt;") && text.contains("a&amp;b"),
            "{text}"
        );
        assert!(!text.contains("@here"), "{text}");
        assert!(text.contains("@\u{200b}here"), "{text}");
        // The Alertmanager fields keep the words as they are.
        let summary = b["alerts"][0]["annotations"]["summary"]
            .as_str()
            .unwrap_or_default();
        assert!(summary.contains("<!channel> @here"), "{summary}");
    }
}
