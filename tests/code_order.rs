//! Release builds lay out first the functions that cockpit sessions were recorded running
//! (`packaging/code-order/`, build.rs): with the kernel mapping code in 64 KB windows, that is
//! what keeps the resident binary small (BENCHMARKS.md, "Code laid out by use"). The names
//! are the linker's own; a dependency or compiler upgrade changes some, and the layout quietly
//! loses its effect. This test says so, from the link map the release build wrote.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// `target/` of this test binary (`target/debug/deps/code_order-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The newest link map of a release build of the binary.
fn newest_map(target: &Path) -> Option<PathBuf> {
    let build = target.join("release").join("build");
    std::fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("cutover-"))
        .map(|e| e.path().join("out").join("cutover.map"))
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// The `.text.<symbol>` input sections of the map, in address order.
fn text_sections(map: &str) -> Vec<&str> {
    let mut rows: Vec<(u64, &str)> = map
        .lines()
        .filter_map(|line| {
            let (_, name) = line.split_once(":(.text.")?;
            let address = u64::from_str_radix(line.split_whitespace().next()?, 16).ok()?;
            let name = name.strip_suffix(')')?;
            // LLVM's sections for cold (and hot, startup) functions: not part of the name.
            let name = ["unlikely.", "hot.", "startup.", "exit.", "split."]
                .iter()
                .find_map(|p| name.strip_prefix(p))
                .unwrap_or(name);
            Some((address, name))
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, name)| name).collect()
}

#[test]
#[ignore = "reads the link map of `cargo build --release` (CI builds it before the tests)"]
fn the_release_binary_begins_with_the_recorded_functions_and_most_names_still_match() {
    let map = newest_map(&target_dir()).expect(
        "no target/release/build/cutover-*/out/cutover.map: run `cargo build --release` first \
         (x86_64 Linux, Rust 1.90 or newer, no linker set in RUSTFLAGS)",
    );
    let text = std::fs::read_to_string(&map).unwrap();
    let laid_out = text_sections(&text);
    let recorded = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/code-order/symbols.txt"),
    )
    .unwrap();
    let recorded: Vec<&str> = recorded.lines().filter(|l| !l.is_empty()).collect();
    let known: std::collections::HashSet<&str> = laid_out.iter().copied().collect();
    let matching: Vec<&str> = recorded
        .iter()
        .copied()
        .filter(|s| known.contains(s))
        .collect();
    assert!(
        recorded.len() > 500,
        "only {} functions recorded",
        recorded.len()
    );
    assert!(
        matching.len() * 10 >= recorded.len() * 9,
        "{} of {} recorded functions are no longer in the binary ({}): record them again with \
         packaging/code-order/record.sh",
        recorded.len() - matching.len(),
        recorded.len(),
        map.display()
    );
    let first_off = laid_out
        .iter()
        .zip(&matching)
        .position(|(laid, recorded)| laid != recorded);
    assert_eq!(
        first_off,
        None,
        "the binary's code does not begin with the recorded functions in their order ({}): \
         was it built with CUTOVER_CODE_ORDER=0?",
        map.display()
    );
}
