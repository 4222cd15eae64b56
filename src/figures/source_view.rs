//! What the figures need to know of each source (up, its last error), apart from the rules
//! that read it (`health`, `gateway_state`).

/// Per-source state the health needs: is it up, and its last error.
pub struct SourceView<'a> {
    pub name: &'a str,
    pub up: Option<bool>,
    pub error: Option<&'a str>,
}
