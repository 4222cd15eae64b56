//! Recordings: gzip-compressed JSON lines, one header then one line per scrape, with the body
//! reduced to the lines the config uses. Replay feeds them through the same engine as live.

pub mod format;
pub mod reader;
pub mod times;
pub mod writer;

pub use format::{Header, ScrapeLine, FORMAT, VERSION};
pub use reader::{
    read_recording, read_recording_bytes, Recording, RecordingError, Skipped, SkippedLine,
};
pub use writer::Recorder;
