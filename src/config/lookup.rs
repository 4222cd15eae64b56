//! Lookups on a loaded config that several layers ask for: a source by name, the files that
//! hold secrets, a queue's preset keys by name.

use super::model::{Config, Queue, Source};

impl Config {
    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Files that hold secrets for this config; like the config itself, they must not be
    /// writable by others.
    pub fn secret_files(&self) -> Vec<&std::path::Path> {
        let mut files = Vec::new();
        for source in &self.sources {
            files.extend(source.bearer_token_file.as_deref());
            if let Some(auth) = &source.basic_auth {
                files.extend(auth.password_file.as_deref());
            }
        }
        files
    }
}

impl Queue {
    /// The value of one of the preset keys of a queue table (`queue`, `vhost`, `group`,
    /// `topic`, `stream`), by the name the file writes it under.
    pub fn preset_key(&self, key: &str) -> Option<&str> {
        match key {
            "queue" => self.queue.as_deref(),
            "vhost" => self.vhost.as_deref(),
            "group" => self.group.as_deref(),
            "topic" => self.topic.as_deref(),
            "stream" => self.stream.as_deref(),
            _ => None,
        }
    }
}
