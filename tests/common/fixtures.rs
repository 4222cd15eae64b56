//! The one way the tests read tests/fixtures: by a path relative to it, failing with the path.

use std::path::PathBuf;

/// `tests/fixtures/RELATIVE` in this checkout.
pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// A fixture's bytes.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    let path = fixture_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A fixture's text (it must be UTF-8).
pub fn fixture(relative: &str) -> String {
    String::from_utf8(fixture_bytes(relative)).expect("fixture is UTF-8")
}
