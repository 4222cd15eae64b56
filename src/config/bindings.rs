//! `[bindings]`: the one grammar of key bindings, used by `check` (through the config's
//! validation) and by the cockpit, so a file one accepts the other accepts too. A value is one
//! or more keys separated by blanks (`up = "k up"`); a key is an optional chain of `ctrl-`,
//! `alt-`, `shift-` and then one character (`q`, `R`, `?`, `-`) or a key name (`enter`, `esc`,
//! `tab`, `space`, `up`, `pagedown`, `F5`, ...). Names and modifiers ignore case; a single
//! character does not (`R` is not `r`), except after `ctrl-`, since no terminal tells ctrl-F
//! from ctrl-f. Every key is resolved against the defaults and checked for clashes with
//! [`find_duplicates`], multi-key values included.

use std::collections::HashMap;
use std::fmt;

/// The actions that keys can be bound to, with their default keys, in help order. The
/// cockpit's key table gives each its words; this list is what the config may name.
#[rustfmt::skip]
pub const ACTIONS: &[(&str, &[&str])] = &[
    ("quit", &["q", "ctrl-c"]),
    ("suspend", &["ctrl-z"]),
    ("help", &["?"]),
    ("freeze", &["p"]),
    ("theme", &["t"]),
    ("contexts", &["C"]),
    ("next_view", &["tab"]),
    ("prev_view", &["shift-tab"]),
    ("view_overview", &["1"]),
    ("view_detail", &["2"]),
    ("view_sources", &["3"]),
    ("view_events", &["4"]),
    ("view_help", &["5"]),
    ("up", &["k", "up"]),
    ("down", &["j", "down"]),
    ("page_up", &["pageup"]),
    ("page_down", &["pagedown"]),
    ("top", &["g", "home"]),
    ("bottom", &["G", "end"]),
    ("open", &["enter"]),
    ("back", &["esc"]),
    ("prev_domain", &["h", "left"]),
    ("next_domain", &["l", "right"]),
    ("filter", &["/"]),
    ("sort", &["s"]),
    ("rollback", &["R"]),
    ("promote", &["P"]),
    ("copy_trace", &["y"]),
    ("zoom_in", &["z"]),
    ("zoom_out", &["Z"]),
    ("cursor_back", &[","]),
    ("cursor_forward", &["."]),
    ("cursor_back_long", &["<"]),
    ("cursor_forward_long", &[">"]),
    ("pause", &["space"]),
    ("seek_back", &["["]),
    ("seek_forward", &["]"]),
    ("seek_back_long", &["{"]),
    ("seek_forward_long", &["}"]),
    ("faster", &["+"]),
    ("slower", &["-"]),
];

/// A key without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyName {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

/// One key with its modifiers, normalised so that two spellings of the same key press are
/// equal: `R` is `shift-r`, `shift-tab` is `backtab`, `Ctrl-F` is `ctrl-f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    pub name: KeyName,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

impl KeyBinding {
    /// The key as a terminal reports it: the character already says whether shift was held,
    /// and ctrl with a letter arrives the same with or without shift.
    pub fn new(name: KeyName, ctrl: bool, alt: bool, shift: bool) -> KeyBinding {
        let (name, shift) = match name {
            KeyName::Char(c) => {
                let c = if ctrl && c.is_ascii_alphabetic() {
                    c.to_ascii_lowercase()
                } else if shift && c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                (KeyName::Char(c), false)
            }
            KeyName::BackTab => (KeyName::BackTab, false),
            KeyName::Tab if shift => (KeyName::BackTab, false),
            other => (other, shift),
        };
        KeyBinding {
            name,
            ctrl,
            alt,
            shift,
        }
    }

    /// Reads one key (see the module's grammar).
    pub fn parse(spec: &str) -> Result<KeyBinding, KeySpecError> {
        KeyBinding::try_from(spec)
    }
}

/// Why one key of the grammar does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySpecError {
    #[error("no key given after the modifier")]
    NoKeyAfterModifier,
    #[error("no key given")]
    NoKey,
    #[error("{0:?} is a control character, not a key")]
    Control(char),
    /// `hint` is empty or says how modifiers are written.
    #[error(
        "unknown key \"{key}\"{hint}; use one character, or one of: enter esc tab \
         shift-tab space backspace delete insert up down left right home end \
         pageup pagedown F1-F24, with ctrl-/alt-/shift- in front"
    )]
    Unknown { key: String, hint: String },
}

impl TryFrom<&str> for KeyBinding {
    type Error = KeySpecError;

    fn try_from(spec: &str) -> Result<KeyBinding, KeySpecError> {
        let mut rest = spec;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            let len = if lower.starts_with("ctrl-") {
                ctrl = true;
                5
            } else if lower.starts_with("alt-") {
                alt = true;
                4
            } else if lower.starts_with("shift-") {
                shift = true;
                6
            } else {
                break;
            };
            if rest.len() == len {
                return Err(KeySpecError::NoKeyAfterModifier);
            }
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let name = match (chars.next(), chars.next()) {
            (None, _) => return Err(KeySpecError::NoKey),
            (Some(c), None) if c.is_control() => return Err(KeySpecError::Control(c)),
            (Some(c), None) => KeyName::Char(c),
            _ => named(&rest.to_ascii_lowercase()).ok_or_else(|| {
                let hint = if rest.len() > 1 && rest.contains('+') {
                    format!(
                        " (modifiers are written with \"-\": \"{}\")",
                        rest.replace('+', "-")
                    )
                } else {
                    String::new()
                };
                KeySpecError::Unknown {
                    key: rest.to_string(),
                    hint,
                }
            })?,
        };
        Ok(KeyBinding::new(name, ctrl, alt, shift))
    }
}

fn named(name: &str) -> Option<KeyName> {
    Some(match name {
        "enter" | "return" => KeyName::Enter,
        "esc" | "escape" => KeyName::Esc,
        "tab" => KeyName::Tab,
        "backtab" => KeyName::BackTab,
        "space" => KeyName::Char(' '),
        "backspace" => KeyName::Backspace,
        "delete" | "del" => KeyName::Delete,
        "insert" | "ins" => KeyName::Insert,
        "up" => KeyName::Up,
        "down" => KeyName::Down,
        "left" => KeyName::Left,
        "right" => KeyName::Right,
        "home" => KeyName::Home,
        "end" => KeyName::End,
        "pageup" | "pgup" => KeyName::PageUp,
        "pagedown" | "pgdn" => KeyName::PageDown,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if !(1..=24).contains(&n) {
                return None;
            }
            KeyName::F(n)
        }
        _ => return None,
    })
}

impl fmt::Display for KeyBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.name {
            KeyName::Char(' ') => f.write_str("space"),
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::Enter => f.write_str("enter"),
            KeyName::Esc => f.write_str("esc"),
            KeyName::Tab => f.write_str("tab"),
            KeyName::BackTab => f.write_str("shift-tab"),
            KeyName::Backspace => f.write_str("backspace"),
            KeyName::Delete => f.write_str("delete"),
            KeyName::Insert => f.write_str("insert"),
            KeyName::Up => f.write_str("up"),
            KeyName::Down => f.write_str("down"),
            KeyName::Left => f.write_str("left"),
            KeyName::Right => f.write_str("right"),
            KeyName::Home => f.write_str("home"),
            KeyName::End => f.write_str("end"),
            KeyName::PageUp => f.write_str("pageup"),
            KeyName::PageDown => f.write_str("pagedown"),
            KeyName::F(n) => write!(f, "F{n}"),
        }
    }
}

/// Why `[bindings]` cannot be used. `action()` names the entry to point at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error("unknown action \"{action}\"; the actions are: {known}")]
    UnknownAction { action: String, known: String },
    #[error("{action} = \"{spec}\": {why}")]
    BadKey {
        action: String,
        spec: String,
        why: KeySpecError,
    },
    /// `first` comes before `second` in [`ACTIONS`].
    #[error("key \"{key}\" is bound to both {first} and {second}; give one of them another key")]
    Duplicate {
        key: String,
        first: String,
        second: String,
    },
}

/// Every action's keys: the defaults, with the actions named in `[bindings]` replaced.
#[derive(Debug, Clone)]
pub struct Bindings {
    /// Per entry of [`ACTIONS`], in order.
    keys: Vec<Vec<KeyBinding>>,
}

impl Bindings {
    /// The defaults with `overrides` (action name → keys separated by blanks) applied, or the
    /// first problem: unknown actions first (by name), then bad keys, then clashes.
    pub fn resolve<'a>(
        overrides: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Bindings, BindingError> {
        let mut given: Vec<(&str, &str)> = overrides.into_iter().collect();
        given.sort();
        for (action, _) in &given {
            if !ACTIONS.iter().any(|(name, _)| name == action) {
                return Err(BindingError::UnknownAction {
                    action: action.to_string(),
                    known: ACTIONS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        let given: HashMap<&str, &str> = given.into_iter().collect();
        let mut keys = Vec::with_capacity(ACTIONS.len());
        for (name, defaults) in ACTIONS {
            let list = match given.get(name) {
                Some(spec) => parse_list(name, spec)?,
                None => defaults
                    .iter()
                    .filter_map(|k| KeyBinding::parse(k).ok())
                    .collect(),
            };
            keys.push(list);
        }
        let bindings = Bindings { keys };
        match find_duplicates(&bindings).into_iter().next() {
            Some(d) => Err(d),
            None => Ok(bindings),
        }
    }

    /// The keys of the action named `name` (empty for a name not in [`ACTIONS`]).
    pub fn keys(&self, name: &str) -> &[KeyBinding] {
        ACTIONS
            .iter()
            .position(|(n, _)| *n == name)
            .map_or(&[], |i| &self.keys[i])
    }

    /// (action name, keys) in the order of [`ACTIONS`].
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[KeyBinding])> {
        ACTIONS
            .iter()
            .map(|(n, _)| *n)
            .zip(self.keys.iter().map(Vec::as_slice))
    }
}

/// A value's keys, in order; a key written twice in one value counts once.
fn parse_list(action: &str, spec: &str) -> Result<Vec<KeyBinding>, BindingError> {
    let bad = |why: KeySpecError| BindingError::BadKey {
        action: action.to_string(),
        spec: spec.to_string(),
        why,
    };
    let mut out: Vec<KeyBinding> = Vec::new();
    for part in spec.split_whitespace() {
        let k = KeyBinding::parse(part).map_err(bad)?;
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.is_empty() {
        return Err(bad(KeySpecError::NoKey));
    }
    Ok(out)
}

/// Every key bound to two actions, as errors naming the key and both actions (each clash once,
/// in the order of [`ACTIONS`]).
pub fn find_duplicates(bindings: &Bindings) -> Vec<BindingError> {
    let mut owner: HashMap<KeyBinding, &str> = HashMap::new();
    let mut out = Vec::new();
    for (name, keys) in bindings.iter() {
        for k in keys {
            match owner.get(k) {
                Some(first) if *first != name => out.push(BindingError::Duplicate {
                    key: k.to_string(),
                    first: first.to_string(),
                    second: name.to_string(),
                }),
                Some(_) => {}
                None => {
                    owner.insert(*k, name);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(pairs: &[(&str, &str)]) -> Result<Bindings, BindingError> {
        Bindings::resolve(pairs.iter().copied())
    }

    #[test]
    fn the_defaults_parse_and_do_not_clash() {
        for (name, keys) in ACTIONS {
            for k in *keys {
                assert!(KeyBinding::parse(k).is_ok(), "{name}: {k}");
            }
        }
        let b = resolve(&[]).unwrap();
        assert!(find_duplicates(&b).is_empty());
        assert_eq!(b.keys("quit").len(), 2);
    }

    #[test]
    fn spellings_of_one_key_are_one_key() {
        for (a, b) in [
            ("ctrl-f", "Ctrl-F"),
            ("ctrl-f", "CTRL-f"),
            ("ctrl-f", "ctrl-shift-f"),
            ("R", "shift-r"),
            ("shift-tab", "backtab"),
            ("Tab", "tab"),
            ("ctrl-alt-x", "Alt-Ctrl-x"),
            ("F5", "f5"),
        ] {
            assert_eq!(KeyBinding::parse(a), KeyBinding::parse(b), "{a} vs {b}");
        }
        assert_ne!(KeyBinding::parse("r"), KeyBinding::parse("R"));
        assert_ne!(KeyBinding::parse("alt-f"), KeyBinding::parse("alt-F"));
    }

    #[test]
    fn specs_print_back() {
        for (spec, shown) in [
            ("q", "q"),
            ("shift-r", "R"),
            ("Ctrl-Alt-x", "ctrl-alt-x"),
            ("Ctrl-F", "ctrl-f"),
            ("f12", "F12"),
            ("ctrl--", "ctrl--"),
            ("Enter", "enter"),
            ("shift-tab", "shift-tab"),
        ] {
            assert_eq!(
                KeyBinding::parse(spec).unwrap().to_string(),
                shown,
                "{spec}"
            );
        }
        for bad in ["", "ctrl-", "hyper-x", "F99", "meta-q", "\u{1b}"] {
            assert!(KeyBinding::parse(bad).is_err(), "{bad:?}");
        }
        let plus = KeyBinding::parse("ctrl+f").unwrap_err().to_string();
        assert!(plus.contains("\"ctrl-f\""), "{plus}");
    }

    #[test]
    fn clashes_are_found_across_multi_key_values_and_spellings() {
        let e = resolve(&[("up", "k up"), ("down", "j k")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "key \"k\" is bound to both up and down; give one of them another key"
        );
        let e = resolve(&[("filter", "ctrl-f"), ("freeze", "Ctrl-F")]).unwrap_err();
        assert!(
            matches!(&e, BindingError::Duplicate { key, .. } if key == "ctrl-f"),
            "{e}"
        );
        // With a default: sort keeps `s`.
        let e = resolve(&[("freeze", "s")]).unwrap_err();
        assert_eq!(
            e,
            BindingError::Duplicate {
                key: "s".into(),
                first: "freeze".into(),
                second: "sort".into()
            }
        );
        // Moving a default away frees its key.
        assert!(resolve(&[("freeze", "s"), ("sort", "o")]).is_ok());
        // One action may list a key twice.
        assert!(resolve(&[("quit", "q q")]).is_ok());
    }

    #[test]
    fn unknown_actions_and_bad_keys_name_what_and_where() {
        let e = resolve(&[("refresh", "r")]).unwrap_err().to_string();
        assert!(
            e.starts_with("unknown action \"refresh\"; the actions are: quit,"),
            "{e}"
        );
        let e = resolve(&[("filter", "ctrl+f")]).unwrap_err().to_string();
        assert!(
            e.starts_with("filter = \"ctrl+f\": unknown key \"ctrl+f\""),
            "{e}"
        );
        assert!(matches!(
            resolve(&[("quit", "  ")]),
            Err(BindingError::BadKey { .. })
        ));
    }
}
