//! Where an exec step's program comes from: a relative path in `argv[0]` is resolved against the
//! config file's directory at load, so what runs is what was reviewed beside the config.

use std::path::{Component, Path};

use super::locate::KeyPath;
use super::model::Config;
use super::rollback_model::Step;
use super::validate::Problem;

/// Whether an exec step's program is a relative path (`./rollback.sh`, `bin/abort`): it would
/// run from whatever directory cutover was started in. Bare names (`kubectl`) are looked up
/// in `PATH` and absolute paths run as written.
pub fn is_relative_program(program: &str) -> bool {
    program.contains('/') && !program.starts_with('/')
}

/// The directory relative programs are resolved against: the config file's, made absolute
/// (`cutover.toml` given bare lies in the current directory). `None` when it cannot be read.
pub fn config_dir(config_file: &Path) -> Option<std::path::PathBuf> {
    let dir = config_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).ok()
}

/// Rewrites every exec step's relative program path against the config file's directory, so
/// `argv = ["./rollback.sh"]` runs the script beside the config, never one planted in the
/// current directory. A config not read from a file (a pipe) has no directory to resolve
/// against: relative programs are refused there.
pub fn resolve_programs(config: &mut Config, config_file: &Path) -> Result<(), Problem> {
    let is_file = std::fs::metadata(config_file).is_ok_and(|m| m.is_file());
    let dir = config_dir(config_file);
    for (d, domain) in config.domains.iter_mut().enumerate() {
        for (table, i, step) in domain.action_steps_mut() {
            let Step::Exec(exec) = step else { continue };
            let Some(program) = exec.argv.first_mut() else {
                continue;
            };
            if !is_relative_program(program) {
                continue;
            }
            let at = KeyPath::root()
                .key("domain")
                .index(d)
                .key(table)
                .key("step")
                .index(i)
                .key("argv")
                .index(0);
            let Some(dir) = dir.as_ref().filter(|_| is_file) else {
                return Err(Problem {
                    path: at,
                    message: format!(
                        "\"{program}\" is a relative path and this config is not read from a file, so there is no directory to resolve it against: give an absolute path"
                    ),
                });
            };
            let resolved = Path::new(program.as_str())
                .components()
                .filter(|c| !matches!(c, Component::CurDir))
                .fold(dir.clone(), |p, c| p.join(c));
            *program = resolved.to_string_lossy().into_owned();
        }
    }
    Ok(())
}
