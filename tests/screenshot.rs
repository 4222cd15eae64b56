//! `cutover screenshot`: each view drawn from the demo shows what the recording says at that
//! point, the committed README screenshots are what `screenshots/make.sh` makes today, and the
//! output does not depend on the machine's time zone.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json, run_ok, Sandbox};

/// The SVG's text runs put back on a grid of cells: the screen as a person reads it.
fn screen_of(svg: &str) -> Vec<String> {
    const CELL_W: f64 = 8.4;
    const CELL_H: f64 = 17.0;
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let mut rows: Vec<Vec<char>> = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find("<text ") {
        rest = &rest[open..];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        let close = rest.find("</text>").unwrap();
        let text = rest[tag_end + 1..close]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        let col = (attr(tag, "x") / CELL_W).round() as usize;
        let row = ((attr(tag, "y") - CELL_H * 0.78) / CELL_H).round() as usize;
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        let line = &mut rows[row];
        for (i, c) in text.chars().enumerate() {
            if line.len() <= col + i {
                line.resize(col + i + 1, ' ');
            }
            line[col + i] = c;
        }
        rest = &rest[close..];
    }
    rows.into_iter().map(|r| r.into_iter().collect()).collect()
}

/// The attributes of the text run that holds `needle`.
fn run_style<'a>(svg: &'a str, needle: &str) -> &'a str {
    let at = svg
        .find(&format!("{needle}</text>"))
        .or_else(|| svg.find(needle))
        .unwrap_or_else(|| panic!("{needle} not in the SVG"));
    let open = svg[..at].rfind("<text ").unwrap();
    let tag = &svg[open..at];
    // Position and length differ from run to run; the look is what follows them.
    &tag[tag.find(" fill=").unwrap()..]
}

fn shot(sb: &Sandbox, name: &str, args: &[&str]) -> String {
    let out = sb.path().join(format!("{name}.svg"));
    run_ok(
        sb.cutover()
            .arg("screenshot")
            .args(args)
            .arg("--out")
            .arg(&out),
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    svg
}

/// The demo's domains and sources, from the config the recording carries.
fn demo_plan() -> (Vec<String>, Vec<String>) {
    let rec = cutover::demo::bundled().unwrap();
    let compiled = cutover::cli::replay_status::compiled_of(&rec, Path::new("demo")).unwrap();
    (
        compiled
            .plan
            .domains
            .iter()
            .map(|d| d.name.clone())
            .collect(),
        compiled
            .plan
            .sources
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    )
}

fn demo_status(sb: &Sandbox, at: &str) -> serde_json::Value {
    let file = sb.path().join("demo.jsonl.gz");
    if !file.exists() {
        run_ok(sb.cutover().args(["demo", "export"]).arg(&file));
    }
    json(&run_ok(
        sb.cutover()
            .args(["status", "--json", "--replay"])
            .arg(&file)
            .args(["--at", at]),
    ))
}

fn line_with<'a>(screen: &'a [String], needle: &str) -> &'a str {
    screen
        .iter()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}:\n{}", screen.join("\n")))
}

/// The tab of the view on screen is drawn unlike the others.
fn assert_active_tab(svg: &str, active: &str, other: &str) {
    assert_ne!(
        run_style(svg, active),
        run_style(svg, other),
        "{active} should be highlighted, unlike {other}"
    );
}

#[test]
fn the_overview_shows_every_domain_with_the_health_status_reports() {
    let sb = Sandbox::new();
    let svg = shot(&sb, "overview", &["--demo", "--at", "4m30s"]);
    let screen = screen_of(&svg);
    assert_eq!(screen.len(), 40, "{}", screen.join("\n"));
    assert!(screen[0].contains("DEMO") && screen[0].contains("READ-ONLY"));
    // The clock is the recording's, in UTC.
    assert!(screen[0].contains("03:04:30"), "{}", screen[0]);
    assert_active_tab(&svg, "1 Overview", "3 Sources");
    let (domains, _) = demo_plan();
    let status = demo_status(&sb, "4m30s");
    for name in &domains {
        let d = status["domains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name.as_str())
            .unwrap();
        let marker = format!("[{}]", d["health"].as_str().unwrap().to_uppercase());
        let marker = if marker == "[UNKNOWN]" {
            "[?]".into()
        } else {
            marker
        };
        let line = line_with(&screen, &format!(" {name} "));
        assert!(line.contains(&marker), "{name} should be {marker}: {line}");
    }
}

#[test]
fn the_detail_shows_the_chosen_domain_and_its_figures() {
    let sb = Sandbox::new();
    let svg = shot(
        &sb,
        "detail",
        &["--at", "4m30s", "--view", "detail", "--domain", "orders"],
    );
    let screen = screen_of(&svg);
    assert_active_tab(&svg, "2 Detail", "1 Overview");
    let title = &screen[2];
    assert!(
        title.contains("orders") && title.contains("canary"),
        "{title}"
    );
    let status = demo_status(&sb, "4m30s");
    let orders = status["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "orders")
        .unwrap();
    assert_eq!(orders["health"], "crit");
    assert!(title.contains("[CRIT]"), "{title}");
    let ratio = orders["traffic"]["new"]["error_ratio"].as_f64().unwrap();
    let new_row = screen
        .iter()
        .find(|l| {
            l.trim_start_matches(|c: char| !c.is_alphanumeric())
                .starts_with("new ")
        })
        .expect("the new path's row");
    assert!(
        new_row.contains(&format!("{:.2}%", ratio * 100.0)),
        "new path error ratio {ratio}: {new_row}"
    );
    assert!(screen.iter().any(|l| l.contains("Traffic over the window")));
}

#[test]
fn the_sources_view_shows_the_source_that_is_down() {
    let sb = Sandbox::new();
    let svg = shot(&sb, "sources", &["--at", "6m20s", "--view", "sources"]);
    let screen = screen_of(&svg);
    assert_active_tab(&svg, "3 Sources", "1 Overview");
    let (_, sources) = demo_plan();
    let status = demo_status(&sb, "6m20s");
    for name in &sources {
        let s = status["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name.as_str())
            .unwrap();
        let marker = if s["up"] == true { "[UP]" } else { "[DOWN]" };
        let line = line_with(&screen, &format!(" {name} "));
        assert!(line.contains(marker), "{name} should be {marker}: {line}");
    }
    assert!(line_with(&screen, " billing-svc ").contains("503"));
}

#[test]
fn the_events_view_lists_the_outage_and_the_help_lists_the_keys() {
    let sb = Sandbox::new();
    let svg = shot(&sb, "events", &["--at", "9m", "--view", "events"]);
    let screen = screen_of(&svg);
    assert_active_tab(&svg, "4 Events", "1 Overview");
    line_with(&screen, "source billing-svc down");
    line_with(&screen, "source billing-svc up again");

    let svg = shot(&sb, "help", &["--view", "help"]);
    let screen = screen_of(&svg);
    assert_active_tab(&svg, "5 Help", "1 Overview");
    for group in ["General", "Views", "Moving around"] {
        line_with(&screen, group);
    }
    assert!(line_with(&screen, "quit and restore the terminal").contains("q, ctrl-c"));
}

#[test]
fn a_recording_file_and_a_theme_are_drawn_too() {
    let sb = Sandbox::new();
    let file = sb.path().join("demo.jsonl.gz");
    run_ok(sb.cutover().args(["demo", "export"]).arg(&file));
    let file = file.to_str().unwrap();
    let dark = shot(&sb, "dark", &["--replay", file, "--at", "2m"]);
    let light = shot(
        &sb,
        "light",
        &["--replay", file, "--at", "2m", "--theme", "light"],
    );
    assert!(screen_of(&dark)[0].contains("REPLAY"));
    assert_eq!(
        screen_of(&dark),
        screen_of(&light),
        "same text, other colours"
    );
    assert_ne!(dark, light);
}

fn fails(sb: &Sandbox, args: &[&str]) -> Output {
    let out = sb
        .cutover()
        .arg("screenshot")
        .args(args)
        .arg("--out")
        .arg(sb.path().join("x.svg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(!sb.path().join("x.svg").exists());
    out
}

#[test]
fn bad_requests_are_usage_errors_that_say_why() {
    let sb = Sandbox::new();
    let err = |o: Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let e = err(fails(&sb, &["--view", "detail", "--domain", "payroll"]));
    assert!(e.contains("payroll") && e.contains("orders"), "{e}");
    let e = err(fails(&sb, &["--at", "2h"]));
    assert!(e.contains("only 10:00 long"), "{e}");
    let e = err(fails(&sb, &["--width", "60", "--height", "20"]));
    assert!(e.contains("at least 80x24"), "{e}");
    let e = err(fails(&sb, &["--theme", "neon"]));
    assert!(e.contains("neon"), "{e}");
}

fn make_screenshots(out: &Path, tz: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sb = Sandbox::new();
    let status = std::process::Command::new("sh")
        .arg(root.join("screenshots/make.sh"))
        .arg(out)
        .env("CUTOVER", env!("CARGO_BIN_EXE_cutover"))
        .env("HOME", sb.path())
        .env("TZ", tz)
        .env_remove("NO_COLOR")
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn the_committed_screenshots_are_what_make_sh_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    make_screenshots(dir.path(), "Pacific/Auckland");
    let mut made: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    made.sort();
    let names: Vec<_> = made
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "detail.svg",
            "events.svg",
            "help.svg",
            "overview.svg",
            "plan-paused.svg",
            "promote.svg",
            "sources.svg"
        ]
    );
    for p in &made {
        let name = p.file_name().unwrap();
        let committed =
            std::fs::read_to_string(root.join("screenshots").join(name)).unwrap_or_default();
        assert!(
            committed == std::fs::read_to_string(p).unwrap(),
            "screenshots/{} is out of date: run screenshots/make.sh",
            name.to_string_lossy()
        );
    }
    // Another time zone, the same pictures.
    let again = tempfile::tempdir().unwrap();
    make_screenshots(again.path(), "America/Los_Angeles");
    for p in &made {
        let other = again.path().join(p.file_name().unwrap());
        assert_eq!(
            std::fs::read(p).unwrap(),
            std::fs::read(other).unwrap(),
            "{}",
            p.display()
        );
    }
}

/// The demo's forward plan: orders after its promotion from 10% to 25% (the step marked, the
/// next one with the hold left), analytics' plan paused on an inconclusive verdict.
#[test]
fn the_demo_shows_a_promotion_and_a_plan_paused_on_inconclusive() {
    let sb = Sandbox::new();
    let plan_of = |domain: &str| {
        let svg = shot(
            &sb,
            domain,
            &[
                "--demo", "--at", "2m20s", "--width", "160", "--height", "48", "--view", "detail",
                "--domain", domain,
            ],
        );
        let screen = screen_of(&svg);
        let start = screen
            .iter()
            .position(|l| l.contains("Promote plan"))
            .unwrap_or_else(|| panic!("no plan:\n{}", screen.join("\n")));
        screen[start + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with('└'))
            .map(|l| {
                l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let orders = plan_of("orders");
    assert!(orders.contains("steps 10% [25%] 50% 100%"), "{orders}");
    assert!(orders.contains("if the verdict stays pass"), "{orders}");
    let analytics = plan_of("analytics");
    assert!(
        analytics
            .contains("paused: verdict inconclusive: errors: inconclusive, 0 requests on the new"),
        "{analytics}"
    );
}
