//! Shell integration: the completion scripts and the man page printed by the binary list every
//! subcommand and flag of the clap definitions (the lists come from `Cli::command()`, so a new
//! subcommand is checked without touching this file), bash's script really completes, and
//! `cutover info` reports the sandbox's paths, why the config was chosen and what exists.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use clap::CommandFactory;
use common::{json, run_ok, Sandbox};
use cutover::cli::Cli;

/// Every subcommand as the path of names leading to it (`["demo", "export"]`), without clap's
/// generated `help`.
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" || sub.is_hide_set() {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), &[], &mut out);
    out
}

/// The long names of the top-level flags (`--config`, `--demo`, ...).
fn top_level_flags() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

/// The long names of the flags accepted everywhere (`global = true`).
fn global_flags() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter(|a| a.is_global_set())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

fn stdout_of(sb: &Sandbox, args: &[&str]) -> String {
    String::from_utf8(run_ok(sb.cutover().args(args)).stdout).unwrap()
}

/// How each shell's script names a subcommand and a flag.
fn mentions_subcommand(shell: &str, script: &str, path: &[String]) -> bool {
    let name = path.last().unwrap();
    match shell {
        "bash" => {
            let parent: Vec<String> = std::iter::once("cutover".to_string())
                .chain(path[..path.len() - 1].iter().cloned())
                .collect();
            script.contains(&format!("{},{name})", parent.join("__subcmd__")))
        }
        "zsh" => script.contains(&format!("'{name}:")),
        "fish" => script.contains(&format!("-a \"{name}\"")),
        "elvish" => script.contains(&format!("cand {name} '")),
        "powershell" => script.contains(&format!("[CompletionResult]::new('{name}',")),
        _ => unreachable!(),
    }
}

fn mentions_flag(shell: &str, script: &str, long: &str) -> bool {
    match shell {
        "bash" => script
            .split(|c: char| c.is_whitespace() || c == '"')
            .any(|word| word == format!("--{long}")),
        "zsh" => {
            script.contains(&format!("'--{long}[")) || script.contains(&format!("'--{long}=["))
        }
        "fish" => script.contains(&format!("-l {long} ")),
        "elvish" => script.contains(&format!("cand --{long} '")),
        "powershell" => script.contains(&format!("[CompletionResult]::new('--{long}',")),
        _ => unreachable!(),
    }
}

#[test]
fn every_completion_script_lists_every_subcommand_and_flag() {
    let sb = Sandbox::new();
    let paths = subcommand_paths();
    assert!(paths.len() >= 10, "{paths:?}");
    assert!(paths.contains(&vec!["demo".to_string(), "export".to_string()]));
    let flags = top_level_flags();
    for expected in ["config", "read-only", "color", "ascii", "demo", "record"] {
        assert!(flags.iter().any(|f| f == expected), "{flags:?}");
    }
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&sb, &["completions", shell]);
        for path in &paths {
            assert!(
                mentions_subcommand(shell, &script, path),
                "{shell} completion lacks the subcommand {path:?}"
            );
        }
        for flag in &flags {
            assert!(
                mentions_flag(shell, &script, flag),
                "{shell} completion lacks --{flag}"
            );
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let sb = Sandbox::new();
    let out = sb.cutover().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

/// Runs the bash completion function as bash would for the words typed so far.
fn bash_complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let words_quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; _cutover cutover '{}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words_quoted.join(" "),
        words[cword],
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(program)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_bash_script_completes_subcommands_and_their_flags() {
    let sb = Sandbox::new();
    let script = sb.path().join("cutover.bash");
    std::fs::write(&script, stdout_of(&sb, &["completions", "bash"])).unwrap();

    let top = bash_complete(&script, &["cutover", ""]);
    for path in subcommand_paths().iter().filter(|p| p.len() == 1) {
        assert!(top.contains(&path[0]), "{path:?} not offered: {top:?}");
    }
    for flag in top_level_flags() {
        assert!(top.contains(&format!("--{flag}")), "--{flag}: {top:?}");
    }
    // Inside a subcommand: its own flags and the global ones.
    let status = bash_complete(&script, &["cutover", "status", "--"]);
    for flag in ["--json", "--replay", "--at"] {
        assert!(status.iter().any(|c| c == flag), "{flag}: {status:?}");
    }
    for flag in global_flags() {
        assert!(
            status.contains(&format!("--{flag}")),
            "--{flag}: {status:?}"
        );
    }
    assert_eq!(
        bash_complete(&script, &["cutover", "status", "--j"]),
        vec!["--json"]
    );
    let shells = bash_complete(&script, &["cutover", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
}

#[test]
fn the_man_page_has_name_synopsis_every_subcommand_and_flag() {
    let sb = Sandbox::new();
    let page = stdout_of(&sb, &["man"]);
    assert!(page.contains(".TH CUTOVER 1 "), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SH FILES",
    ] {
        assert!(page.contains(section), "missing {section}");
    }
    let name = page.split(".SH NAME").nth(1).unwrap();
    assert!(name.trim_start().starts_with("cutover \\- "), "{name}");
    for path in subcommand_paths() {
        let heading = format!(".SS \"cutover {}\"", path.join(" "));
        assert!(page.contains(&heading), "missing {heading}");
    }
    // roff escapes the dashes.
    for flag in top_level_flags() {
        let roff = format!("\\fB\\-\\-{}\\fR", flag.replace('-', "\\-"));
        assert!(page.contains(&roff), "missing {roff}");
    }
    // A subcommand's own flags are on the page too.
    assert!(page.contains("\\fB\\-\\-replay\\fR"));
    assert!(page.contains("\\fB\\-\\-print\\-config\\fR"));
}

#[test]
fn man_and_completions_create_no_files() {
    let sb = Sandbox::new();
    stdout_of(&sb, &["man"]);
    stdout_of(&sb, &["completions", "zsh"]);
    stdout_of(&sb, &["info"]);
    assert!(!sb.state_dir().exists(), "the state dir was created");
}

#[test]
fn info_reports_the_default_paths_and_what_exists() {
    let sb = Sandbox::new();
    let v = json(&run_ok(sb.cutover().args(["info", "--json"])));
    let home = sb.path();
    let path = |key: &str| std::path::PathBuf::from(v[key]["path"].as_str().unwrap());

    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let commit = v["commit"].as_str().unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(v["features"].is_array());
    assert!(!v["target"].as_str().unwrap().is_empty());

    assert_eq!(v["config"]["source"], "default");
    assert_eq!(
        path("config"),
        home.join("config/cutover/cutover.toml"),
        "{v}"
    );
    assert_eq!(v["config"]["exists"], false);
    assert_eq!(path("themes_dir"), home.join("config/cutover/themes"));
    assert_eq!(path("state_dir"), sb.state_dir());
    assert_eq!(path("audit_log"), sb.state_dir().join("audit.jsonl"));
    assert_eq!(path("log_file"), sb.state_dir().join("cutover.log"));
    assert_eq!(path("events_memory"), sb.state_dir().join("events.jsonl"));
    assert_eq!(path("recordings_dir"), home.join("data/cutover/recordings"));
    for key in [
        "themes_dir",
        "state_dir",
        "audit_log",
        "log_file",
        "events_memory",
        "recordings_dir",
    ] {
        assert_eq!(v[key]["exists"], false, "{key}: {v}");
    }

    // Once things exist, info says so.
    std::fs::create_dir_all(home.join("config/cutover/themes")).unwrap();
    sb.config("");
    std::fs::create_dir_all(sb.state_dir()).unwrap();
    std::fs::write(sb.state_dir().join("audit.jsonl"), "").unwrap();
    std::fs::write(sb.state_dir().join("cutover.log"), "").unwrap();
    std::fs::write(sb.state_dir().join("events.jsonl"), "").unwrap();
    std::fs::create_dir_all(home.join("data/cutover/recordings")).unwrap();
    let default_config = home.join("config/cutover/cutover.toml");
    std::fs::copy(home.join("cutover.toml"), &default_config).unwrap();
    let v = json(&run_ok(sb.cutover().args(["info", "--json"])));
    assert_eq!(v["config"]["exists"], true, "{v}");
    for key in [
        "themes_dir",
        "state_dir",
        "audit_log",
        "log_file",
        "events_memory",
        "recordings_dir",
    ] {
        assert_eq!(v[key]["exists"], true, "{key}: {v}");
    }
}

#[test]
fn info_says_why_the_config_was_chosen() {
    let sb = Sandbox::new();
    let from_env = sb.path().join("from-env.toml");
    let from_flag = sb.path().join("from-flag.toml");
    std::fs::write(&from_flag, "").unwrap();

    let v = json(&run_ok(
        sb.cutover()
            .env("CUTOVER_CONFIG", &from_env)
            .args(["info", "--json"]),
    ));
    assert_eq!(v["config"]["source"], "env");
    assert_eq!(v["config"]["path"], from_env.to_str().unwrap());
    assert_eq!(v["config"]["exists"], false);

    // The flag wins over the variable, before or after the subcommand.
    for args in [
        vec!["--config", from_flag.to_str().unwrap(), "info", "--json"],
        vec!["info", "--json", "--config", from_flag.to_str().unwrap()],
    ] {
        let v = json(&run_ok(
            sb.cutover().env("CUTOVER_CONFIG", &from_env).args(&args),
        ));
        assert_eq!(v["config"]["source"], "flag");
        assert_eq!(v["config"]["path"], from_flag.to_str().unwrap());
        assert_eq!(v["config"]["exists"], true);
    }

    // The text form says the same in words, one line per path.
    let text =
        String::from_utf8(run_ok(sb.cutover().env("CUTOVER_CONFIG", &from_env).arg("info")).stdout)
            .unwrap();
    let config_line = text.lines().find(|l| l.starts_with("config file")).unwrap();
    assert!(config_line.contains(from_env.to_str().unwrap()), "{text}");
    assert!(config_line.contains("missing"), "{text}");
    assert!(config_line.contains("$CUTOVER_CONFIG"), "{text}");
    for label in [
        "themes folder",
        "state folder",
        "audit log",
        "log file",
        "events memory",
        "recordings",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "{label}: {text}"
        );
    }
    assert!(text.starts_with(&format!("cutover {}", env!("CARGO_PKG_VERSION"))));
}
