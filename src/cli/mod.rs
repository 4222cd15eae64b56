//! The binary's edge: parse the command line, load the config, run a subcommand, map errors to
//! exit codes (0 ok, 1 runtime failure, 2 usage or config error; rollback and promote add 3 = not verified, ramp 3 = stopped on fail or not verified,
//! `status --fail-on` 4 = a domain at or above the level).

pub mod action_setup;
pub mod actions;
pub mod args;
pub mod audit;
pub mod check;
pub mod check_nearby;
pub mod check_versions;
pub mod completions;
pub mod context_switch;
pub mod contexts;
pub mod info;
pub mod init;
pub mod interrupt;
pub mod loaded;
pub mod log_file;
pub mod logging;
pub mod mark_feed;
pub mod notify_feed;
pub mod promote;
pub mod ramp;
pub mod ramp_feed;
pub mod ramp_out;
pub mod readiness_feed;
pub mod record;
pub mod replay_status;
pub mod rollback;
pub mod runtime;
pub mod screenshot;
pub mod simulate;
pub mod status;
pub mod status_events;
pub mod status_over;
pub mod status_table;
pub mod tui;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, DemoCommand, GlobalArgs};

/// An error that knows its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    pub fn runtime(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

// Explicit conversions, one per error type a subcommand passes up with `?`: each of these is a
// failure at run time (exit 1). Usage and config errors are turned into `Failure::usage`
// (exit 2) where they arise, so that no error reaches exit 1 by default.

/// Writing a recording failed (disk full, file gone).
impl From<crate::record::writer::WriteError> for Failure {
    fn from(e: crate::record::writer::WriteError) -> Failure {
        Failure::runtime(e.to_string())
    }
}

/// The poller could not be started.
impl From<crate::source::SourceError> for Failure {
    fn from(e: crate::source::SourceError) -> Failure {
        Failure::runtime(e.to_string())
    }
}

/// Signal handlers could not be installed, or the terminal went away.
impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::runtime(e.to_string())
    }
}

/// Our own values failed to serialise.
impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::runtime(e.to_string())
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // Before any thread exists: the arenas are chosen at a thread's first allocation.
    crate::allocator::bound_arenas();
    let cli = Cli::parse();
    let runtime = match runtime::build() {
        Ok(rt) => rt,
        Err(e) => {
            crate::errln!("cutover: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            // `errln!` ignores a terminal that is gone (EIO): the exit code must still say
            // what happened.
            crate::errln!("cutover: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Runs the parsed command line; returns the exit code.
pub async fn run(cli: Cli) -> Result<u8, Failure> {
    // These only print; they must not create the state dir and log file that `info` reports on.
    match &cli.command {
        Some(Command::Info { json }) => return print_info(&cli.global, *json),
        Some(Command::Completions { shell }) => {
            return print_generated(&completions::completion_script(*shell))
        }
        Some(Command::Man) => return print_generated(&completions::man_page()),
        _ => {}
    }
    let _log = logging::init();
    match cli.command {
        Some(Command::Status(args)) => status::run(&cli.global, &args).await,
        Some(Command::Check) => check::run(&cli.global).await,
        Some(Command::Contexts { json }) => contexts::run(&cli.global, json),
        Some(Command::Init(args)) => init::run(&cli.global, &args).await,
        Some(Command::Demo(DemoCommand::Generate { out })) => {
            crate::demo::generate(&out).map_err(|e| Failure::runtime(e.to_string()))?;
            crate::errln!("wrote {}", out.display());
            Ok(0)
        }
        Some(Command::Demo(DemoCommand::Export { out })) => {
            // Replaced when it exists, as before, but never written through a link.
            let mut file = crate::safe_fs::create_private(&out, crate::safe_fs::Existing::Replace)
                .map_err(|e| Failure::runtime(e.to_string()))?;
            std::io::Write::write_all(&mut file, crate::demo::BUNDLED)
                .map_err(|e| Failure::runtime(format!("{}: {e}", out.display())))?;
            Ok(0)
        }
        Some(Command::Simulate(args)) => simulate::run(&args).await,
        Some(Command::Record {
            out,
            duration,
            force,
        }) => record::run(&cli.global, &out, duration.as_deref(), force).await,
        Some(Command::Replay { file }) => tui::replay_file(&cli.global, &file).await,
        Some(Command::Rollback { domain, yes, note }) => {
            rollback::run(&cli.global, &domain, yes, note.as_deref()).await
        }
        Some(Command::Promote {
            domain,
            to,
            yes,
            note,
        }) => promote::run(&cli.global, &domain, to, yes, note.as_deref()).await,
        Some(Command::Ramp {
            domain,
            json,
            yes,
            note,
        }) => ramp::run(&cli.global, &domain, json, yes, note.as_deref()).await,
        Some(Command::Audit { json, clear: None }) => audit::run(json),
        Some(Command::Audit {
            clear: Some(domain),
            ..
        }) => audit::clear(&cli.global, &domain),
        Some(Command::Screenshot(args)) => screenshot::run(&cli.global, &args),
        // Answered before logging starts, above.
        Some(Command::Info { .. } | Command::Completions { .. } | Command::Man) => Ok(0),
        None if cli.demo => tui::demo(&cli.global).await,
        None => tui::live(&cli.global, cli.record.as_deref(), cli.force).await,
    }
}

fn print_info(global: &GlobalArgs, json: bool) -> Result<u8, Failure> {
    let info = info::gather(global);
    if json {
        let mut text = serde_json::to_string_pretty(&info)?;
        text.push('\n');
        status::write_json(&text)?;
    } else {
        status::write_stdout(&info::render_text(&info))?;
    }
    Ok(0)
}

/// Writes what cutover generated itself (completions, the man page) byte for byte; a reader
/// that went away (`| head`) is not a failure.
fn print_generated(bytes: &[u8]) -> Result<u8, Failure> {
    crate::term_text::out_generated(bytes)
        .map_err(|e| Failure::runtime(format!("cannot write to stdout: {e}")))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_two_and_runtime_failures_are_one() {
        assert_eq!(Failure::usage("bad flag").code, 2);
        assert_eq!(Failure::runtime("gone").code, 1);
        let io = Failure::from(std::io::Error::other("broken pipe"));
        assert_eq!((io.code, io.message.as_str()), (1, "broken pipe"));
    }
}
