//! Exec steps in the config: a NUL in argv is refused where it is written (file, line, key),
//! by `check` and by every command that loads the config; a relative program path runs the
//! program beside the config file, never one planted in the directory cutover started in.
#![allow(clippy::unwrap_used)]

mod common;

use common::action::{config, events, metrics};
use common::config::exec_step;
use common::Sandbox;

fn script(path: &std::path::Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_nul_in_argv_is_refused_naming_file_line_and_key() {
    let sb = Sandbox::new();
    let m = metrics();
    // TOML's \u0000 escape: the NUL sits in the second argument, on the argv line.
    let steps =
        "  [[domain.rollback.step]]\n  kind = \"exec\"\n  argv = [\"/bin/echo\", \"a\\u0000b\"]\n";
    let text = config(&m, "orders", steps, "1s");
    let line = text
        .lines()
        .position(|l| l.contains("argv"))
        .map(|i| i + 1)
        .unwrap();
    let cfg = sb.config(&text);
    for args in [
        &["check"][..],
        &["rollback", "orders", "--yes"],
        &["status"],
    ] {
        let out = sb.run(&cfg, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{}:{line}", cfg.display())),
            "{args:?} names the file and line {line}: {err}"
        );
        assert!(
            err.contains("domain[0].rollback.step[0].argv[1]"),
            "{args:?} names the key: {err}"
        );
        assert!(err.contains("NUL"), "{args:?}: {err}");
    }
    assert!(events(&sb).is_empty(), "nothing was requested");
}

#[test]
fn a_relative_program_runs_beside_the_config_never_from_the_current_directory() {
    let sb = Sandbox::new();
    let m = metrics();
    let conf_dir = sb.path().join("conf");
    let elsewhere = sb.path().join("elsewhere");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&conf_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let good = sb.path().join("good-ran");
    let planted = sb.path().join("planted-ran");
    script(
        &conf_dir.join("rollback.sh"),
        &format!("touch {}", good.display()),
    );
    script(
        &elsewhere.join("rollback.sh"),
        &format!("touch {}", planted.display()),
    );
    let cfg = conf_dir.join("cutover.toml");
    std::fs::write(
        &cfg,
        config(&m, "orders", &exec_step(&["./rollback.sh"], "5s"), "1s"),
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();

    // `check` says how the program resolves.
    let out = sb
        .cutover()
        .current_dir(&elsewhere)
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let resolved = std::fs::canonicalize(&conf_dir)
        .unwrap()
        .join("rollback.sh");
    assert!(
        text.contains("resolved against the config file's directory"),
        "{text}"
    );
    assert!(
        text.contains(&format!("orders step 1: {}", resolved.display())),
        "{text}"
    );

    // Run from the other directory: the script beside the config runs, the planted one not.
    let (code, out, err) = {
        let mut c = sb.cutover();
        let o = c
            .current_dir(&elsewhere)
            .arg("--config")
            .arg(&cfg)
            .args(["rollback", "orders", "--yes"])
            .env("USER", "tester")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert!(good.exists(), "{code:?}\n{out}\n{err}");
    assert!(!planted.exists(), "the planted script ran\n{out}\n{err}");
    assert!(
        out.contains(&format!("exec {}", resolved.display())),
        "the step is shown as it runs: {out}"
    );
}

#[test]
fn a_relative_program_in_a_config_from_a_pipe_is_refused() {
    let sb = Sandbox::new();
    let m = metrics();
    let text = config(&m, "orders", &exec_step(&["./rollback.sh"], "5s"), "1s");
    let mut child = sb
        .cutover()
        .args(["--config", "/dev/stdin", "check"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("domain[0].rollback.step[0].argv[0]"), "{err}");
    assert!(err.contains("give an absolute path"), "{err}");
}

/// A config given by its bare file name (`--config cutover.toml`) lies in the current
/// directory: `check` names that directory as the one relative programs resolve against,
/// as the rollback resolves them (it said `?` before).
#[test]
fn check_names_the_directory_of_a_config_given_by_its_bare_name() {
    let sb = Sandbox::new();
    let m = metrics();
    let cfg = sb.config(&config(
        &m,
        "orders",
        &exec_step(&["./rollback.sh"], "5s"),
        "1s",
    ));
    let out = sb
        .cutover()
        .current_dir(cfg.parent().unwrap())
        .args(["--config", "cutover.toml", "check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = std::fs::canonicalize(cfg.parent().unwrap()).unwrap();
    assert!(
        text.contains(&format!(
            "resolved against the config file's directory, {};",
            dir.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "orders step 1: {}",
            dir.join("rollback.sh").display()
        )),
        "{text}"
    );
}
