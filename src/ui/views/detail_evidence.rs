//! The detail view's judge section: the verdict's evidence per signal (errors: the test, the
//! counts, the confidence in words; latency: the test, the shift and its tolerance), the
//! noise floor, the last poll beside the window, and the burn rates per window and path with
//! the share of the spent budget that came from the new path.
//!
//! Lines are cut to the width, never wrapped, and their number depends only on what the
//! domain has configured, not on the figures: the box keeps its height from poll to poll,
//! so nothing below it moves and only changed text is sent over the wire.
//!
//! ```text
//! ┌ Judge FAIL, confidence > 99.9% ───────────────────────────────────────────┐
//! │ errors    FAIL Fisher's exact test                                        │
//! │           new path 9/284 failed (3.2%) vs monolith 17/2,561 failed (0.66%)│
//! │           worse, confidence > 99.9%; allowed up to 1.2%                   │
//! │ last poll new 5/10 (50%); monolith 1/90 (1.1%) over 2s                   │
//! │ latency   PASS Mann-Whitney U test, Hodges-Lehmann shift                  │
//! │           shift +4ms, tolerance 30ms; 2,800 vs 2,561 observations         │
//! │           new path not slower                                             │
//! │ noise     the monolith is steady against its previous window              │
//! │ burn      objective 99.9%       5m     30m      1h      6h                │
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::boxed;
use super::overview::verdict_style;
use crate::figures::last_poll::LastPoll;
use crate::figures::DomainStatus;
use crate::format;
use crate::judge::burn::{Burn, PAGE, TICKET};
use crate::judge::errors::ErrorEvidence;
use crate::judge::latency::LatencyEvidence;
use crate::judge::outcome::{confidence_words, count_words, percent_words};
use crate::judge::verdict::Verdict;
use crate::ui::app::App;
use crate::ui::widgets::{fit, put};

/// One line: spans of text and style.
type Line = Vec<(String, Style)>;

/// Where the figures start after a label.
const LABEL: usize = 10;

fn label(s: &str) -> String {
    format!("{s:<LABEL$}")
}

fn plain(app: &App, s: impl Into<String>) -> (String, Style) {
    (s.into(), app.look.styles.text)
}

fn muted(app: &App, s: impl Into<String>) -> (String, Style) {
    (s.into(), app.look.styles.muted)
}

/// The box's title: the verdict and how sure it is.
pub(super) fn title(d: &DomainStatus) -> String {
    match &d.verdict {
        Some(v) => match v.confidence {
            Some(c) => format!(
                "Judge {}, confidence {}",
                v.result.marker(),
                confidence_words(c)
            ),
            None => format!("Judge {} {}", v.result.marker(), v.result.as_str()),
        },
        None => "Judge".to_string(),
    }
}

/// The section's lines.
pub(super) fn lines(app: &App, d: &DomainStatus) -> Vec<Line> {
    let mut out = Vec::new();
    match &d.verdict {
        Some(v) => verdict_lines(app, d, v, &mut out),
        None => out.push(vec![muted(
            app,
            "no verdict: the judge needs a new path's requests and errors and the monolith's requests",
        )]),
    }
    match &d.burn {
        Some(b) => burn_lines(app, b, &mut out),
        None => out.push(vec![
            plain(app, label("burn")),
            muted(
                app,
                "no availability objective set ([domain.slo] objective)",
            ),
        ]),
    }
    out
}

fn verdict_lines(app: &App, d: &DomainStatus, v: &Verdict, out: &mut Vec<Line>) {
    let marker = |o: crate::judge::Outcome| {
        (
            format!("{:<5}", o.marker()),
            verdict_style(app, o, app.look.styles.text),
        )
    };
    match &v.errors {
        Some(e) => {
            let test = e.test.map_or("no test yet", |t| t.words());
            out.push(vec![
                plain(app, label("errors")),
                marker(e.result),
                plain(app, test),
            ]);
            out.push(vec![plain(app, label("")), plain(app, counts(e))]);
            out.push(vec![plain(app, label("")), plain(app, conclusion(e))]);
        }
        None => out.push(vec![
            plain(app, label("errors")),
            muted(app, "not judged: no errors signal on the new path"),
        ]),
    }
    if let Some(t) = &d.traffic {
        out.push(vec![
            plain(app, label("last poll")),
            plain(
                app,
                format!(
                    "new {}; monolith {}{}",
                    poll_words(t.new.last_poll.as_ref()),
                    poll_words(t.legacy.last_poll.as_ref()),
                    t.new
                        .last_poll
                        .as_ref()
                        .map_or(String::new(), |p| format!(" over {:.0}s", p.seconds))
                ),
            ),
        ]);
    }
    match &v.latency {
        Some(l) => {
            out.push(vec![
                plain(app, label("latency")),
                marker(l.result),
                plain(app, "Mann-Whitney U test, Hodges-Lehmann shift"),
            ]);
            out.push(vec![plain(app, label("")), plain(app, shift_words(l))]);
            out.push(vec![
                plain(app, label("")),
                plain(
                    app,
                    conclusion_of(&l.reason, "Mann-Whitney U")
                        .trim_start_matches("latency: ")
                        .to_string(),
                ),
            ]);
        }
        None => out.push(vec![
            plain(app, label("latency")),
            muted(app, "not judged: no latency histogram on both paths"),
        ]),
    }
    // Trust boundaries: one line per test, its reason naming both paths.
    for b in &v.boundaries {
        out.push(vec![
            plain(app, label(b.kind.codes())),
            marker(b.result),
            plain(app, b.reason.clone()),
        ]);
    }
    let errors = v.errors.as_ref().and_then(|e| e.noise);
    // A move that widens nothing shown (under half a millisecond) is not worth a word.
    let latency = v
        .latency
        .as_ref()
        .and_then(|l| l.noise_seconds)
        .filter(|s| *s >= 0.0005);
    // One line whatever moved, so the section keeps its height.
    let moved: Vec<String> = errors
        .map(|n| format!("errors {:.2} points", n * 100.0))
        .into_iter()
        .chain(latency.map(|s| format!("latency {}", crate::format::latency(s))))
        .collect();
    out.push(vec![
        plain(app, label("noise")),
        plain(
            app,
            if moved.is_empty() {
                "the monolith is steady against its previous window".to_string()
            } else {
                format!(
                    "the monolith moved by itself ({}) from its previous window; that much more is allowed",
                    moved.join(", ")
                )
            },
        ),
    ]);
}

/// "new path 9/284 failed (3.2%) vs monolith 17/2,561 (0.66%)".
fn counts(e: &ErrorEvidence) -> String {
    let side = |c: &crate::judge::errors::Counts| {
        let ratio = c
            .ratio()
            .map_or(String::new(), |r| format!(" ({})", percent_words(r)));
        format!(
            "{}/{} failed{ratio}",
            count_words(c.errors),
            count_words(c.requests)
        )
    };
    format!("new path {} vs monolith {}", side(&e.new), side(&e.legacy))
}

/// What a test concludes: its reason after the last ": " (the counts and figures are on the
/// lines above), without the test's name in brackets (it heads the section).
fn conclusion_of<'a>(reason: &'a str, test: &str) -> &'a str {
    let tail = reason.rsplit_once(": ").map_or(reason, |(_, t)| t);
    tail.strip_suffix(&format!(" ({test})")).unwrap_or(tail)
}

/// What the errors test concludes, with the allowance.
fn conclusion(e: &ErrorEvidence) -> String {
    let words = conclusion_of(&e.reason, e.test.map_or("", |t| t.words()));
    let words = words.strip_suffix(" in the window").unwrap_or(words);
    match e.allowed_ratio {
        Some(a) => format!("{words}; allowed up to {}", percent_words(a)),
        None => words.to_string(),
    }
}

fn poll_words(p: Option<&LastPoll>) -> String {
    match p {
        Some(p) => {
            let ratio = p
                .error_ratio()
                .map_or(String::new(), |r| format!(" ({})", percent_words(r)));
            format!(
                "{}/{}{ratio}",
                count_words(p.errors),
                count_words(p.requests)
            )
        }
        None => "-".to_string(),
    }
}

fn signed_latency(s: f64) -> String {
    let sign = if s < 0.0 { "-" } else { "+" };
    format!("{sign}{}", format::latency(s.abs()))
}

/// "shift +4ms, tolerance 30ms; 2,800 vs 2,561 observations".
fn shift_words(l: &LatencyEvidence) -> String {
    let observed = format!(
        "{} vs {} observations",
        count_words(l.new_count),
        count_words(l.legacy_count)
    );
    match (l.shift_seconds, l.tolerance_seconds) {
        (Some(s), Some(t)) => format!(
            "shift {}, tolerance {}; {observed}",
            signed_latency(s),
            format::latency(t)
        ),
        _ => format!("no shift measured; {observed}"),
    }
}

fn burn_lines(app: &App, b: &Burn, out: &mut Vec<Line>) {
    const CELL: usize = 8;
    let mut head = format!("objective {}", objective_words(b.objective));
    let pad = 20usize.saturating_sub(head.chars().count());
    head.push_str(&" ".repeat(pad));
    for w in &b.windows {
        head.push_str(&format!("{:>CELL$}", w.window));
    }
    out.push(vec![plain(app, label("burn")), muted(app, head)]);
    type Pick = fn(&crate::judge::burn::BurnWindow) -> Option<f64>;
    let rows: [(&str, Pick, Style); 3] = [
        ("both paths", |w| w.rate, app.look.styles.text),
        ("monolith", |w| w.legacy, app.look.styles.legacy),
        ("new path", |w| w.new, app.look.styles.new),
    ];
    for (name, pick, style) in rows {
        let mut row = format!("{name:<20}");
        for w in &b.windows {
            let v = pick(w).map_or_else(|| app.look.glyphs.unknown.to_string(), format::burn);
            row.push_str(&format!("{v:>CELL$}"));
        }
        out.push(vec![plain(app, label("")), (row, style)]);
    }
    let yes = |on: bool| if on { "YES" } else { "no" };
    let alert_style = if b.page {
        super::health_style(app, crate::figures::Health::Crit)
    } else if b.ticket {
        super::health_style(app, crate::figures::Health::Warn)
    } else {
        app.look.styles.text
    };
    out.push(vec![
        plain(app, label("")),
        (
            format!(
                "page {} ({}x over 1h and 5m); ticket {} ({}x over 6h and 30m)",
                yes(b.page),
                PAGE,
                yes(b.ticket),
                TICKET
            ),
            alert_style,
        ),
    ]);
    let spent = b.new_share_of_spent.map_or_else(
        || "no budget spent in the longest window".to_string(),
        |s| {
            format!(
                "{} of the budget spent came from the new path",
                format::share(s)
            )
        },
    );
    out.push(vec![plain(app, label("")), plain(app, spent)]);
    let note = b
        .note
        .clone()
        .unwrap_or_else(|| "every window within the history kept".to_string());
    out.push(vec![plain(app, label("")), muted(app, note)]);
}

/// 0.999 as "99.9%", 0.9995 as "99.95%".
fn objective_words(o: f64) -> String {
    let p = format!("{:.3}", o * 100.0);
    let p = p.trim_end_matches('0').trim_end_matches('.');
    format!("{p}%")
}

/// Draws the section in `area` (its box included).
pub(super) fn draw(app: &App, d: &DomainStatus, area: Rect, buf: &mut Buffer) {
    let inner = boxed(app, area, &title(d), buf);
    for (i, line) in lines(app, d)
        .into_iter()
        .enumerate()
        .take(usize::from(inner.height))
    {
        let y = inner.y + i as u16;
        let mut x = inner.x + 1;
        let right = inner.right();
        for (text, style) in line {
            let room = right.saturating_sub(x);
            let text = fit(&text, usize::from(room), app.look.glyphs.ellipsis);
            x += put(buf, x, y, room, &text, style);
        }
    }
}

/// The section's height with its box.
pub(super) fn height(app: &App, d: &DomainStatus) -> u16 {
    lines(app, d).len() as u16 + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_read_as_people_write_them() {
        assert_eq!(objective_words(0.999), "99.9%");
        assert_eq!(objective_words(0.9995), "99.95%");
        assert_eq!(objective_words(0.99), "99%");
    }

    #[test]
    fn shifts_carry_their_sign() {
        assert_eq!(signed_latency(-0.012), "-12ms");
        assert_eq!(signed_latency(0.004), "+4ms");
    }
}
