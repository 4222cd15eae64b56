//! The command line of the contract (DESIGN §1), with clap. Global flags work before or after
//! the subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Terminal cockpit for strangler-fig migrations: traffic split, errors, latency, queue lag, saga failures and the data side (replication lag, monolith writes) per domain, with an audited rollback and promotion",
    after_help = "Try it without any setup: cutover --demo"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Run the TUI on the recording bundled in the binary (read-only, no config, no network).
    #[arg(long)]
    pub demo: bool,

    /// Also record the live session to FILE (gzip JSON lines, 0600; an existing file is refused).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// With --record: replace an existing file (a symbolic link is still refused).
    #[arg(long, requires = "record")]
    pub force: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Config file (default: $CUTOVER_CONTEXT's, then $CUTOVER_CONFIG, then <config dir>/cutover.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use the context NAME: the config <config dir>/contexts/NAME.toml (default:
    /// $CUTOVER_CONTEXT). Not together with --config.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Never act: rollback and promote are refused everywhere.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Colour depth; auto honours NO_COLOR, COLORTERM and TERM.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// ASCII borders and bars, no braille (automatic when the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Theme name: default, light, high-contrast, mono, or one in <config dir>/themes/.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Never,
    #[value(name = "16")]
    Ansi16,
    #[value(name = "256")]
    Ansi256,
    Truecolor,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One-shot figures over a stated span (--over), then a table or JSON.
    ///
    /// Latency figures carry their kind (p95 from a histogram, avg from a gauge such as
    /// HAProxy's); a p95 in a histogram bucket wider than a factor of ten is its bound (≤100ms,
    /// >1s), not judged against a p95 SLO inside that bucket.
    #[command(
        after_help = "Queue figures say what they count: lag (Kafka, Redis stream groups), ready \
(RabbitMQ), depth (a hand-written selector), with what is in flight beside them (pending, unacked). \
A figure the exporter cannot give is unknown (null) with the reason, never 0: redis_exporter \
before 1.52.0 exports no stream group lag. A queue that is empty or not shrinking has no drain time.\n\n\
Exit codes: 0 figures printed (with --fail-on: no domain at or above the level), \
1 runtime failure, 2 usage or config error, 4 --fail-on: a domain at or above the level."
    )]
    Status(StatusArgs),
    /// Validate the config, reach every source, report selectors that match nothing.
    ///
    /// Also warns about latency histograms whose buckets are too coarse for a p95 (naming the
    /// bounds) and about a p95 SLO finer than the lowest bucket.
    #[command(
        after_help = "Also reads each exporter's build info (redis_exporter, kafka_exporter, \
RabbitMQ, HAProxy) and warns where its version is below what a preset needs: redis_exporter \
1.52.0 for a stream group's lag, kafka_exporter 1.3.0 for kafka_consumergroup_lag_sum, \
RabbitMQ 3.9.7 for /metrics/detailed, HAProxy 2.4 for the server state per state.\n\n\
Exit codes: 0 every source answered and every selector matched, 1 a problem found, \
2 usage or config error."
    )]
    Check,
    /// List the contexts (<config dir>/contexts/NAME.toml, used with --context NAME): read-only,
    /// production, the current one marked, and why a file does not load.
    Contexts {
        /// Print them as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Write a commented starter config (0600) from what the given metrics URLs serve: the
    /// presets detected, a domain per gateway split found, its queues and sagas.
    Init(InitArgs),
    /// The TUI on a recording (read-only), with pause, seek and speed keys.
    Replay {
        /// The recording (.jsonl.gz).
        file: PathBuf,
    },
    /// Headless: poll and write a recording.
    Record {
        /// Where to write the recording (created 0600; an existing file is refused).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Stop after this long (e.g. 10m); without it, until interrupted.
        #[arg(long, value_name = "DURATION")]
        duration: Option<String>,
        /// Replace an existing file (a symbolic link is still refused).
        #[arg(long)]
        force: bool,
    },
    /// Roll a domain back to the monolith (the same gate, audit and verification as the key R).
    Rollback {
        /// The domain's name.
        domain: String,
        /// Do not ask for the typed confirmation.
        #[arg(long)]
        yes: bool,
        /// A note for the audit log (a ticket number): one line, at most 200 characters.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Move more of a domain's traffic to the new path: the next of its [domain.promote] steps,
    /// or --to (the same gate, audit and verification as the key P).
    #[command(
        after_help = "Exit codes: 0 the steps ran and the new share is verified, 3 the steps ran but the share \
was not verified within verify_within, 1 a step failed or the run was interrupted, 2 refused \
(read-only, replay or demo, in flight, verdict fail, health crit, no step above the current one, \
name not confirmed) or a usage error."
    )]
    Promote {
        /// The domain's name.
        domain: String,
        /// The target new-path percent (1-100); by default the next configured step above the
        /// current one. A value between the steps is allowed when named here.
        #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(1..=100))]
        to: Option<u8>,
        /// Do not ask for the typed confirmation.
        #[arg(long)]
        yes: bool,
        /// A note for the audit log (a ticket number): one line, at most 200 characters.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Walk a domain's [domain.promote] steps headless: hold each for `hold` with verdict pass,
    /// promote to the next through the gate (audited via ramp), pause on inconclusive, stop on
    /// fail (rolling back when auto_rollback = true).
    #[command(
        after_help = "Every step it may run (each target's, and the rollback's with auto_rollback) is printed \
first, then the domain's name must be typed (--yes skips that). One progress line per event (--json: \
one JSON object per line). While it runs, a promote or another ramp elsewhere is refused with this \
pid; a rollback is not: the domain's lock is held only around each of the ramp's actions, and a \
rollback between them stops the ramp (exit 3). A first SIGINT or SIGTERM stops the ramp before its \
next action, a second stops the action under way at its next safe point. Exit codes: 0 the last \
step reached and verified, 3 stopped on a fail verdict, a promotion not verified or another action \
on the domain, 1 a step failed or the ramp was stopped by a signal, 2 refused (read-only, replay or \
demo, in flight elsewhere, no [domain.promote], name not confirmed) or a usage error."
    )]
    Ramp {
        /// The domain's name.
        domain: String,
        /// One JSON object per line instead of words.
        #[arg(long)]
        json: bool,
        /// Do not ask for the typed confirmation (for a pipeline).
        #[arg(long)]
        yes: bool,
        /// A note for the audit log (a ticket number): one line, at most 200 characters.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Serve realistic exporter endpoints on loopback for trying cutover out.
    Simulate(SimulateArgs),
    /// The bundled demo recording: export it, or regenerate it from the simulator.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Print the audit log of rollbacks and promotions, newest first.
    Audit {
        /// Print the entries as a JSON array (newest first).
        #[arg(long)]
        json: bool,
        /// Clear DOMAIN's mark (the last action shown on its row): audited as `cleared`.
        #[arg(long, value_name = "DOMAIN")]
        clear: Option<String>,
    },
    /// One view of a recording (or the demo) at a point in it, drawn as an SVG file.
    Screenshot(ScreenshotArgs),
    /// Every path cutover uses and whether it exists, plus version, commit and features.
    Info {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout: `cutover man | man -l -`.
    Man,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Print the figures as JSON (the documented `status --json` document).
    #[arg(long)]
    pub json: bool,
    /// Compute the figures from a recording instead of polling.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// With --replay: the offset into the recording (e.g. 5m); default its end.
    #[arg(long, value_name = "OFFSET", requires = "replay")]
    pub at: Option<String>,
    /// Measure over this span (e.g. 30s, 1m; at most the window): scrape sources are polled
    /// every interval for that long, query-API sources answer it at once with a range query.
    /// Default: what a verdict needs, the window or 1m when the window is longer. A domain is
    /// never called ok on a shorter span (it is unknown, and says why).
    #[arg(long, value_name = "DURATION", conflicts_with = "replay")]
    pub over: Option<String>,
    /// Exit 4 when any domain's health is at or above this level (for pipelines).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
}

/// The health that makes `status --fail-on` exit 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Warn,
    Crit,
}

#[derive(Debug, Clone, Args)]
pub struct ScreenshotArgs {
    /// Draw the recording bundled in the binary (the default when no --replay is given).
    #[arg(long, conflicts_with = "replay")]
    pub demo: bool,
    /// Draw this recording instead of the demo.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// The offset into the recording (e.g. 4m30s); default its end.
    #[arg(long, value_name = "OFFSET")]
    pub at: Option<String>,
    /// The view on screen.
    #[arg(long, value_enum, default_value_t = ViewArg::Overview)]
    pub view: ViewArg,
    /// The selected domain (default: the worst one, as on a fresh start).
    #[arg(long, value_name = "NAME")]
    pub domain: Option<String>,
    /// Terminal width in cells.
    #[arg(long, default_value_t = 120)]
    pub width: u16,
    /// Terminal height in cells.
    #[arg(long, default_value_t = 40)]
    pub height: u16,
    /// Where to write the SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub out: PathBuf,
}

/// The views `screenshot --view` can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewArg {
    Overview,
    Detail,
    Sources,
    Events,
    Help,
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Scenario name.
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// Virtual seconds per wall second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Print the cutover config for the simulated endpoints and keep serving.
    #[arg(long)]
    pub print_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Regenerate the demo recording from the simulator's scenario on a virtual clock.
    Generate {
        /// Where to write it (the bundled one is assets/demo.jsonl.gz).
        out: PathBuf,
    },
    /// Write the bundled demo recording to a file (for `replay` or `status --replay`).
    Export {
        /// Where to write it.
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Metrics endpoints to read once (the gateway's, the services', the brokers').
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,
    /// Where to write (default: where cutover looks for its config; --config names it too).
    /// An existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
