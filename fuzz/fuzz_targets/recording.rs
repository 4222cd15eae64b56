//! The recording reader and replay, on arbitrary bytes.
//!
//! The first byte picks the form: raw bytes as a file on disk, or the rest gzip-compressed
//! (so the fuzzer reaches the JSON lines behind the gzip checksum) and then cut at a length
//! taken from the second byte, as a crash while recording would leave it. A recording that
//! reads is replayed through the engine as `status --replay` does.
#![no_main]

use std::io::Write;
use std::path::Path;

use cutover::compile::compile;
use cutover::config::parse_str;
use cutover::engine::{Engine, Mode};
use cutover::record::read_recording_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let Some((&cut, text)) = rest.split_first() else {
            return;
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let mut bytes = gz.finish().unwrap();
        if mode & 2 != 0 {
            let keep = bytes.len() * usize::from(cut) / 256;
            bytes.truncate(keep.max(2));
        }
        bytes
    };
    let Ok(recording) = read_recording_bytes(&bytes, Path::new("fuzz.jsonl.gz")) else {
        return;
    };
    assert!(recording.start_ms() <= recording.end_ms());
    for pair in recording.scrapes.windows(2) {
        assert!(pair[0].at_ms <= pair[1].at_ms);
    }
    let Ok(config) = parse_str(&recording.header.config, Path::new("embedded.toml")) else {
        return;
    };
    if !config.secret_files().is_empty() {
        // Replay must not read files the fuzzer names; the engine does not need them.
        return;
    }
    let Ok(compiled) = compile(&config) else {
        return;
    };
    let mut engine = Engine::new(compiled.plan.clone());
    for scrape in &recording.scrapes {
        engine.ingest(scrape);
    }
    let status = engine.status(Mode::Replay);
    serde_json::to_string(&status).unwrap();
});
