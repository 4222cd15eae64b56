//! `cutover completions SHELL` and `cutover man`: both are generated from the clap definitions
//! in `args.rs`, so tab completion and `man cutover` list exactly what the parser accepts and
//! cannot drift from it.

use clap::{Arg, ArgAction, Command, CommandFactory};
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Roff};
use clap_mangen::Man;

use super::args::Cli;

/// The name the scripts complete and the man page documents.
pub const BIN_NAME: &str = "cutover";

/// The completion script for `shell`, in memory: generating straight to stdout would panic on
/// a closed pipe (`cutover completions bash | head`), while writing a buffer can fail politely.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, &mut out);
    out
}

/// The man page (roff, section 1): the usual NAME, SYNOPSIS, DESCRIPTION and OPTIONS from the
/// top-level command, then a COMMANDS section with every subcommand's usage and options on the
/// same page, since one page is what `man cutover` finds; then the files, environment and exit
/// codes of the contract.
pub fn man_page() -> Vec<u8> {
    let mut cmd = Cli::command().bin_name(BIN_NAME);
    cmd.build();
    let man = Man::new(cmd.clone()).title(BIN_NAME.to_uppercase());
    let mut commands = Roff::new();
    commands.control("SH", ["COMMANDS"]);
    for sub in visible_subcommands(&cmd) {
        render_subcommand(&mut commands, sub);
    }
    render_static_sections(&mut commands);

    // Each piece is rendered on its own and starts with the same roff preamble; keep the first.
    let pieces: [RenderPiece; 8] = [
        &|w| man.render_title(w),
        &|w| man.render_name_section(w),
        &|w| man.render_synopsis_section(w),
        &|w| man.render_description_section(w),
        &|w| man.render_options_section(w),
        &|w| commands.to_writer(w),
        &|w| man.render_extra_section(w),
        &|w| man.render_version_section(w),
    ];
    let mut page = String::new();
    for (i, render) in pieces.iter().enumerate() {
        let mut piece = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = render(&mut piece);
        let piece = String::from_utf8_lossy(&piece);
        let skip = if i == 0 { 0 } else { preamble_len(&piece) };
        page.push_str(&piece[skip..]);
    }
    page.into_bytes()
}

/// The length of the lines before the first macro that is not part of roff's quote-character
/// set-up (`.ie`/`.el`), which every rendered piece repeats.
fn preamble_len(piece: &str) -> usize {
    let mut len = 0;
    for line in piece.split_inclusive('\n') {
        if line.starts_with(".ie ") || line.starts_with(".el ") {
            len += line.len();
        } else {
            break;
        }
    }
    len
}

/// Writes one part of the man page.
type RenderPiece<'a> = &'a dyn Fn(&mut Vec<u8>) -> std::io::Result<()>;

/// Subcommands a user can type, without clap's generated `help`.
fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// Arguments of a subcommand that are its own: not the global flags the parent documents, not
/// the generated --help and --version.
fn own_arguments(cmd: &Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|a| {
        !a.is_global_set()
            && !a.is_hide_set()
            && !matches!(a.get_action(), ArgAction::Help | ArgAction::Version)
    })
}

fn render_subcommand(roff: &mut Roff, sub: &Command) {
    let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
    roff.control("SS", [name.as_str()]);
    let usage = sub.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    roff.text([bold(usage)]);
    if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
        roff.control("PP", []);
        roff.text([roman(about.to_string())]);
    }
    for arg in own_arguments(sub) {
        render_argument(roff, arg);
    }
    // What `--help` says after the options (what figures mean, exit codes) is the page's too.
    if let Some(after) = sub.get_after_long_help().or_else(|| sub.get_after_help()) {
        for paragraph in after.to_string().split("\n\n") {
            roff.control("PP", []);
            roff.text([roman(paragraph.to_string())]);
        }
    }
    let nested: Vec<&Command> = visible_subcommands(sub).collect();
    for child in nested {
        render_subcommand(roff, child);
    }
}

fn render_argument(roff: &mut Roff, arg: &Arg) {
    roff.control("TP", []);
    let value = arg
        .get_value_names()
        .map(|names| names.join(" "))
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    let takes_value = arg.get_action().takes_values();
    match (arg.get_short(), arg.get_long()) {
        (None, None) => roff.text([italic(value)]),
        (short, long) => {
            let mut flags = Vec::new();
            if let Some(s) = short {
                flags.push(format!("-{s}"));
            }
            if let Some(l) = long {
                flags.push(format!("--{l}"));
            }
            let mut line = vec![bold(flags.join(", "))];
            if takes_value {
                line.push(roman(" "));
                line.push(italic(value));
            }
            roff.text(line)
        }
    };
    // clap drops the final period of a one-line help; put sentences back together.
    let mut sentences: Vec<String> = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|h| h.to_string().trim().trim_end_matches('.').to_string())
        .into_iter()
        .filter(|h| !h.is_empty())
        .collect();
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if takes_value && !possible.is_empty() {
        sentences.push(format!("One of: {}", possible.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_value && !defaults.is_empty() {
        sentences.push(format!("Default: {}", defaults.join(" ")));
    }
    let mut help = sentences.join(". ");
    if !help.is_empty() {
        help.push('.');
    }
    roff.text([roman(help)]);
}

/// What the clap definitions do not know: the files of DESIGN §4, the environment and the exit
/// codes of DESIGN §1.
fn render_static_sections(roff: &mut Roff) {
    let entry = |roff: &mut Roff, term: &str, text: &str| {
        roff.control("TP", []);
        roff.text([bold(term)]);
        roff.text([roman(text)]);
    };
    roff.control("SH", ["THE COCKPIT"]);
    entry(
        roff,
        "Overview",
        "One row per domain: health ([OK] [WARN] [CRIT] [?]), the judge's verdict on the new \
         path against the monolith (VERD: PASS, MARG for marginal, FAIL, ? when the data cannot \
         tell), the declared stage, the traffic split, error ratio and p95 of both paths, the \
         worst queue, saga failures and the data's age. An arrow after the new path's error \
         ratio (and, on wide screens, the NOW N column) says the last poll's ratio differs a \
         lot from the window's: at least 20 requests, twice or half, one percentage point and \
         three standard errors apart.",
    );
    entry(
        roff,
        "Marks",
        "After an action the row keeps its mark, read from the audit log, until the declared \
         stage changes or audit --clear clears it: in full where the WHY column has room \
         (ROLLED BACK 12:36 UTC by root@bastion, verified), otherwise in place of the stage \
         (RB 12:36 OK, RB OK; OK verified, NOTOK not verified, FAIL failed, INTR interrupted, \
         VRFY verifying, RUN? no outcome). Replay and demo show no marks.",
    );
    entry(
        roff,
        "Detail",
        "The reasons behind a domain's health, both paths' figures, the judge's evidence \
         (errors: test, counts, conclusion and confidence; both paths' last polls; latency: \
         test, shift and tolerance; the noise floor; burn rates per window and path, page and \
         ticket, the new path's share of the spent budget), charts, queues, sagas, sources and \
         the rollback plan.",
    );
    entry(
        roff,
        "Charts",
        "The detail view's charts share one time axis. z and Z zoom it between the window and \
         the whole history in round steps; , and . move a cursor one column back and forward, \
         < and > ten columns: every chart then gives the figures stored at that moment (unknown \
         as no data, never 0) with its clock time and age. While the cursor is placed the \
         charts hold still and new figures keep arriving; Esc, or its moment leaving the kept \
         history, makes them live again.",
    );
    entry(
        roff,
        "Bell and notifications",
        "[ui] bell = true rings the terminal bell (after a whole frame) when a domain turns crit, \
         its verdict turns fail, or a verification ends. Each [[notify]] target (url, headers, \
         bearer_token_env or bearer_token_file, events of crit, fail, rollback, promote, ramp) \
         gets a JSON POST per notice, usable by an Alertmanager-style receiver and by a Slack or \
         Mattermost incoming webhook (text). Sent from a queue and a task per target, bounded by \
         the target's timeout and two retries; drops and failures show as notify events, or on \
         stderr for rollback, promote, ramp and record, which wait at most 2 s at exit. A replay \
         and the demo never notify nor ring.",
    );
    entry(
        roff,
        "Contexts",
        "C lists the contexts (a file that does not load says why) and Enter switches: the \
         session on the old config ends, its pollers and tasks stopped, and one starts on the \
         new, so nothing of one shows in the other. A switch is refused while an action of the \
         cockpit is in flight (until its verdict) and when the context does not load; the \
         current one keeps running. A context marked production = true shows PRODUCTION and its \
         name in the header in the alarm style, and every confirmation asks for CONTEXT/DOMAIN. \
         Replay, the demo and a session that records do not switch.",
    );
    roff.control("SH", ["FILES"]);
    roff.text([roman(
        "Paths follow the XDG base directories on Linux; `cutover info` prints the ones in use \
         and whether they exist.",
    )]);
    entry(
        roff,
        "~/.config/cutover/cutover.toml",
        "The config file when neither --config nor $CUTOVER_CONFIG names one.",
    );
    entry(
        roff,
        "~/.config/cutover/themes/",
        "User themes (NAME.toml), which override the built-in ones of the same name.",
    );
    entry(
        roff,
        "~/.config/cutover/contexts/NAME.toml",
        "Context NAME's config (--context NAME, $CUTOVER_CONTEXT): a whole config like \
         cutover.toml; [settings] read_only and production are per context. A name is letters, \
         digits, _, - and . (no leading dot or dash, no ..), at most 64 characters. With \
         production = true every confirmation (the R and P dialogs, rollback, promote and ramp) \
         asks for CONTEXT/DOMAIN, and --yes confirms only when --context names the context on \
         the command line. Audit entries carry the context; each context keeps its own events \
         (events.NAME.jsonl) and marks.",
    );
    entry(
        roff,
        "~/.local/state/cutover/audit.jsonl",
        "The audit log of rollbacks and promotions: JSON lines, append-only; its newest 1 MiB gives the \
         cockpit's marks.",
    );
    entry(
        roff,
        "~/.local/state/cutover/events.jsonl",
        "The events timeline a live cockpit keeps for the next one (health changes, sources \
         down and up, stage contradictions, rollbacks): JSON lines, 0600, never written through \
         a link; rotated at 1 MiB to events.jsonl.1, so at most 2 MiB. The next live cockpit \
         shows them under an \"earlier session\" line; read-only sessions keep them too, replay \
         and the demo neither read nor write them.",
    );
    entry(
        roff,
        "~/.local/state/cutover/cutover.log",
        "The log file; the level is set by $CUTOVER_LOG (default info).",
    );
    entry(
        roff,
        "~/.local/share/cutover/recordings/",
        "The suggested folder for recordings made with record --out or --record.",
    );

    roff.control("SH", ["ENVIRONMENT"]);
    entry(
        roff,
        "CUTOVER_CONFIG",
        "The config file, when neither --config nor --context is given.",
    );
    entry(
        roff,
        "CUTOVER_CONTEXT",
        "The context, when neither --config nor --context is given; set together with \
         CUTOVER_CONFIG it is an error.",
    );
    entry(roff, "NO_COLOR", "When set, the same as --color never.");
    entry(
        roff,
        "TERM, COLORTERM",
        "Read by --color auto to choose the colour depth.",
    );
    entry(
        roff,
        "CUTOVER_LOG",
        "Log filter for the log file (e.g. debug).",
    );
    entry(
        roff,
        "MALLOC_ARENA_MAX, TOKIO_WORKER_THREADS",
        "When set, kept: cutover otherwise runs one malloc arena (glibc) and one runtime worker.",
    );

    roff.control("SH", ["EXIT STATUS"]);
    entry(roff, "0", "Success.");
    entry(roff, "1", "Runtime failure.");
    entry(roff, "2", "Usage or configuration error.");
    entry(
        roff,
        "3",
        "rollback, promote: the steps ran but the new-path share was not verified; ramp: stopped on a fail verdict, crit health, a promotion not verified or a rollback elsewhere.",
    );
}
