//! Embeds what `cutover info` reports about the build: the git commit (when built from a
//! checkout), the target triple and the enabled Cargo features. Never fails: a source tarball
//! without git or without a `.git` folder gives the commit "unknown".

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let in_checkout = own_checkout();
    let commit = in_checkout
        .then(|| git(&["rev-parse", "--short", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CUTOVER_GIT_COMMIT={commit}");

    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_string());
    println!("cargo:rustc-env=CUTOVER_TARGET={target}");

    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| k.strip_prefix("CARGO_FEATURE_").map(str::to_string))
        .map(|f| f.to_lowercase().replace('_', "-"))
        .collect();
    features.sort();
    println!("cargo:rustc-env=CUTOVER_FEATURES={}", features.join(","));

    // Rerun only when the checked-out commit moves: HEAD (switching branches) and the branch it
    // points to (committing), or packed-refs. Only existing files are named, since Cargo reruns
    // a script on every build when a named file is missing.
    if !in_checkout {
        return;
    }
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]).map(PathBuf::from) {
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

/// Whether this crate is the top of a git checkout: a source package unpacked inside some
/// other repository must not report that repository's commit.
fn own_checkout() -> bool {
    let Some(top) = git(&["rev-parse", "--show-toplevel"]) else {
        return false;
    };
    let here = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    match (std::fs::canonicalize(top), here.map(std::fs::canonicalize)) {
        (Ok(top), Some(Ok(here))) => top == here,
        _ => false,
    }
}

/// A git command's trimmed output, or `None` when git is missing, fails, or prints nothing.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
