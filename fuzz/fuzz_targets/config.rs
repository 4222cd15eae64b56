//! The config loader, on arbitrary text.
//!
//! Invariants: no panic, no hang; a config that loads compiles (or says why it does not in
//! words); its redacted form, which recordings carry and replay loads again, loads too and
//! compiles to the same sources and domains.
#![no_main]

use std::path::Path;

use cutover::compile::compile;
use cutover::config::{parse_str, Config};
use libfuzzer_sys::fuzz_target;

/// Secret files are read by `compile`; a fuzzed path must not make the target read the disk.
fn without_secret_files(mut config: Config) -> Config {
    for source in &mut config.sources {
        source.bearer_token_file = None;
        if let Some(auth) = &mut source.basic_auth {
            auth.password_file = None;
        }
    }
    config
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = parse_str(text, Path::new("fuzz.toml")) else {
        return;
    };
    let redacted = config.redacted_toml();
    let again = parse_str(&redacted, Path::new("redacted.toml"))
        .unwrap_or_else(|e| panic!("the redacted config does not load: {e}\n{redacted}"));
    assert_eq!(again.sources.len(), config.sources.len());
    assert_eq!(again.domains.len(), config.domains.len());
    let first = compile(&without_secret_files(config));
    let second = compile(&without_secret_files(again));
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.plan.sources.len(), b.plan.sources.len());
            assert_eq!(a.plan.signals.len(), b.plan.signals.len());
        }
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the redacted config compiles differently: {:?} vs {:?}\n{redacted}",
            first.as_ref().err().map(ToString::to_string),
            second.as_ref().err().map(ToString::to_string)
        ),
    }
});
