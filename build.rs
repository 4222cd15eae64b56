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

    code_order(&target);

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

/// Release builds of the binary lay out the functions a cockpit session runs side by side,
/// in the order it first runs them (`packaging/code-order/`): the kernel maps code in 64 KB
/// windows around each page touched, so scattered hot functions keep most of the binary
/// resident. Only where the linker is LLD, which reads a symbol ordering file: Rust's own for
/// `x86_64-unknown-linux-gnu` since 1.90, unless `RUSTFLAGS` picks another linker. The link
/// map goes to `OUT_DIR/cutover.map`, for `record.sh` and `tests/code_order.rs` to read.
/// `CUTOVER_CODE_ORDER=0` builds without the order; names the file no longer has are skipped.
fn code_order(target: &str) {
    const FILE: &str = "packaging/code-order/symbols.txt";
    println!("cargo:rerun-if-changed={FILE}");
    println!("cargo:rerun-if-env-changed=CUTOVER_CODE_ORDER");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let own_linker = flags.contains("linker") || flags.contains("fuse-ld");
    if !release
        || own_linker
        || target != "x86_64-unknown-linux-gnu"
        || rustc_minor().is_none_or(|minor| minor < 90)
    {
        return;
    }
    if let Ok(out) = std::env::var("OUT_DIR") {
        let map = PathBuf::from(out).join("cutover.map");
        println!("cargo:rustc-link-arg-bins=-Wl,-Map={}", map.display());
    }
    let file = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join(FILE);
    let wanted = std::env::var("CUTOVER_CODE_ORDER").map_or(true, |v| v != "0");
    if wanted && file.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            file.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The minor version of the compiler building this crate (`rustc 1.95.0 (...)` gives 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(rustc).arg("-V").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    version.split('.').nth(1)?.parse().ok()
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
