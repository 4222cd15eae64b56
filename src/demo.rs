//! The bundled demo: a recording of the simulator's "demo" scenario, made on a virtual clock
//! (seconds of CPU, not ten minutes) and embedded in the binary, so `cutover --demo` needs no
//! config and no network. Regenerate it with `cutover demo generate assets/demo.jsonl.gz`
//! (a test fails when the bundled file no longer matches what the simulator produces).

use std::path::Path;

use crate::record::{read_recording_bytes, Recording, RecordingError};
// Generating needs the simulator (cargo feature `sim`); playing the bundled recording does not.
#[cfg(feature = "sim")]
use {
    crate::compile::{compile, CompileError},
    crate::config::ConfigError,
    crate::engine::Engine,
    crate::ingest::prefilter::reduce,
    crate::record::writer::WriteError,
    crate::record::{Recorder, ScrapeLine},
    crate::source::ScrapeOutcome,
    cutover_sim::{demo_config_toml, render_all, SimError, World, DEMO_DURATION_MS},
};

/// The bundled recording.
pub static BUNDLED: &[u8] = include_bytes!("../assets/demo.jsonl.gz");

/// 03:00 UTC: when these things happen.
pub const DEMO_START_MS: i64 = 1_767_236_400_000; // 2026-01-01T03:00:00Z

/// The scrape interval of the recording.
pub const DEMO_INTERVAL_MS: i64 = 2000;

/// The bundled recording, parsed.
pub fn bundled() -> Result<Recording, RecordingError> {
    read_recording_bytes(BUNDLED, Path::new("<bundled demo>"))
}

/// Why the demo recording could not be generated; each says it in the words of the step that
/// failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Simulate(#[from] SimError),
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Write(#[from] WriteError),
    /// This build has no simulator to generate from.
    #[error(
        "cannot write {0}: this cutover was built without the simulator (cargo feature `sim`)"
    )]
    NoSimulator(String),
}

/// Writes the demo recording: the scenario advanced every 2 virtual seconds, each source's body
/// reduced to the lines the demo config uses, exactly as a live `--record` would store it.
#[cfg(feature = "sim")]
pub fn generate(out: &Path) -> Result<(), DemoError> {
    let config_text = demo_config_toml();
    let cfg = crate::config::parse_str(&config_text, Path::new("<demo config>"))?;
    let compiled = compile(&cfg)?;
    let engine = Engine::new(compiled.plan.clone());
    let mut world = World::new("demo", DEMO_START_MS)?;
    // Regenerating the bundled recording in place is the point: an existing file is replaced
    // (a link in its place is still refused).
    let mut rec = Recorder::create_with(
        out,
        DEMO_START_MS,
        &cfg.redacted_toml(),
        crate::safe_fs::Existing::Replace,
    )?;
    let mut t = DEMO_START_MS;
    while t <= DEMO_START_MS + DEMO_DURATION_MS {
        world.advance_to(t);
        for (i, (source, result)) in render_all(&world).into_iter().enumerate() {
            // Scrapes of one cycle are a few ms apart, as concurrent polls land.
            let at_ms = t + i as i64 * 3;
            let (bytes, status) = match &result {
                Ok(b) => (b.len() as u64, Some(200)),
                Err(_) => (0, Some(503)),
            };
            let o = ScrapeOutcome {
                source: source.clone(),
                at_ms,
                duration_ms: 2 + (bytes / 20_000),
                bytes,
                status,
                result: result.map_err(|down| crate::source::PollError::Failed(down.to_string())),
            };
            let body = match (&o.result, engine.plan().source_index(&source)) {
                (Ok(b), Some(ix)) => reduce(b, engine.filter(ix)),
                _ => String::new(),
            };
            rec.write(&ScrapeLine::new(&o, body))?;
        }
        t += DEMO_INTERVAL_MS;
    }
    Ok(rec.finish()?)
}

/// Without the simulator there is nothing to generate the recording from.
#[cfg(not(feature = "sim"))]
pub fn generate(out: &Path) -> Result<(), DemoError> {
    Err(DemoError::NoSimulator(out.display().to_string()))
}
