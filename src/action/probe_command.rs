//! The read-only HAProxy runtime API commands a probe may send, as a type: a probe cannot
//! write anything else, since its line is built from a variant and checked names, never taken
//! from the config as is. Used by rollback readiness and by the `before` capture of an action.

/// A read-only HAProxy runtime API command: the only ones a probe can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeCommand {
    /// `get weight <backend>/<server>`: the weight a `set weight` step changes.
    GetWeight { backend: String, server: String },
    /// `show servers state <backend>`: for a step that touches a server otherwise.
    ShowServersState { backend: String },
}

/// The commands [`ProbeCommand`] can write, as docs/rollback.md lists them.
pub const READ_ONLY_COMMANDS: [&str; 2] = ["get weight ", "show servers state "];

impl ProbeCommand {
    /// The line sent to the runtime API.
    pub fn text(&self) -> String {
        match self {
            ProbeCommand::GetWeight { backend, server } => format!("get weight {backend}/{server}"),
            ProbeCommand::ShowServersState { backend } => format!("show servers state {backend}"),
        }
    }

    /// The probes for a step's command: `get weight B/S` for each `set weight B/S ...`, else
    /// `show servers state B` for a command naming `B/S`; none for a command naming no server.
    pub fn for_command(command: &str) -> Vec<ProbeCommand> {
        let mut out: Vec<ProbeCommand> = Vec::new();
        for one in command.split(';') {
            let words: Vec<&str> = one.split_whitespace().collect();
            let probe = match words.as_slice() {
                ["set", "weight", target, ..] => target_of(target)
                    .map(|(backend, server)| ProbeCommand::GetWeight { backend, server }),
                _ => words
                    .iter()
                    .find_map(|w| target_of(w))
                    .map(|(backend, _)| ProbeCommand::ShowServersState { backend }),
            };
            if let Some(p) = probe.filter(|p| !out.contains(p)) {
                out.push(p);
            }
        }
        out
    }
}

/// `backend/server` from a word, when both are names HAProxy accepts (letters, digits, `-_.:`):
/// nothing else can reach a probe's line.
fn target_of(word: &str) -> Option<(String, String)> {
    let (backend, server) = word.split_once('/')?;
    let name = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    };
    (name(backend) && name(server)).then(|| (backend.to_string(), server.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_commands_are_read_only_and_built_from_names() {
        let p = ProbeCommand::for_command(
            "set weight be_orders/orders_svc 0; set weight be_orders/monolith 100",
        );
        let texts: Vec<String> = p.iter().map(ProbeCommand::text).collect();
        assert_eq!(
            texts,
            [
                "get weight be_orders/orders_svc",
                "get weight be_orders/monolith"
            ]
        );
        let p = ProbeCommand::for_command("disable server be_orders/orders_svc");
        assert_eq!(p[0].text(), "show servers state be_orders");
        // Anything that is not a plain name never reaches a probe line.
        assert!(ProbeCommand::for_command("set weight be/x;shutdown 0").len() <= 1);
        assert!(ProbeCommand::for_command("set weight be/\u{1b}x 0").is_empty());
        assert!(ProbeCommand::for_command("shutdown sessions server").is_empty());
        for c in ProbeCommand::for_command("set weight a/b 0; enable server a/c") {
            assert!(READ_ONLY_COMMANDS.iter().any(|r| c.text().starts_with(r)));
        }
    }
}
