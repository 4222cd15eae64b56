//! The one key table. The key handler, the help view and the footer hints are all generated
//! from it, so what the help says is what the keys do. `[bindings]` in the config replaces an
//! action's keys; a key bound to two actions is refused at start, naming both.

use std::collections::HashMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    NextView,
    PrevView,
    ViewOverview,
    ViewDetail,
    ViewSources,
    ViewEvents,
    ViewHelp,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    PrevDomain,
    NextDomain,
    Open,
    Back,
    Filter,
    Sort,
    Freeze,
    Theme,
    Rollback,
    Pause,
    SeekBack,
    SeekForward,
    SeekBackLong,
    SeekForwardLong,
    Faster,
    Slower,
}

/// Sections of the help view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    General,
    Views,
    Moving,
    Domains,
    Replay,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Views => "Views",
            Group::Moving => "Moving around",
            Group::Domains => "Domains",
            Group::Replay => "Replay and demo",
        }
    }
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct KeyDef {
    pub action: Action,
    /// The name used in `[bindings]`.
    pub name: &'static str,
    /// Default keys, in the spec syntax of [`Key::parse`].
    pub keys: &'static [&'static str],
    /// One word for the footer.
    pub hint: &'static str,
    /// The line in the help view.
    pub help: &'static str,
    pub group: Group,
}

const fn def(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    hint: &'static str,
    help: &'static str,
    group: Group,
) -> KeyDef {
    KeyDef {
        action,
        name,
        keys,
        hint,
        help,
        group,
    }
}

/// The key table, in help order: action, name in `[bindings]`, default keys, footer hint, help.
#[rustfmt::skip]
pub const KEY_TABLE: &[KeyDef] = &[
    def(Action::Quit, "quit", &["q", "ctrl-c"], "quit", "quit and restore the terminal", Group::General),
    def(Action::Help, "help", &["?"], "help", "show or hide the help", Group::General),
    def(Action::Freeze, "freeze", &["p"], "freeze", "freeze the display (data keeps being collected)", Group::General),
    def(Action::Theme, "theme", &["t"], "theme", "next theme", Group::General),
    def(Action::NextView, "next_view", &["tab"], "view", "next view", Group::Views),
    def(Action::PrevView, "prev_view", &["shift-tab"], "view", "previous view", Group::Views),
    def(Action::ViewOverview, "view_overview", &["1"], "overview", "overview: one row per domain", Group::Views),
    def(Action::ViewDetail, "view_detail", &["2"], "detail", "detail of the selected domain", Group::Views),
    def(Action::ViewSources, "view_sources", &["3"], "sources", "sources: scrape state of every endpoint", Group::Views),
    def(Action::ViewEvents, "view_events", &["4"], "events", "events: health, stage contradictions, sources, rollbacks", Group::Views),
    def(Action::ViewHelp, "view_help", &["5"], "help", "help: the keys and what the screen shows", Group::Views),
    def(Action::Up, "up", &["k", "up"], "up", "move up / scroll up", Group::Moving),
    def(Action::Down, "down", &["j", "down"], "down", "move down / scroll down", Group::Moving),
    def(Action::PageUp, "page_up", &["pageup"], "page up", "one page up", Group::Moving),
    def(Action::PageDown, "page_down", &["pagedown"], "page down", "one page down", Group::Moving),
    def(Action::Top, "top", &["g", "home"], "top", "to the top", Group::Moving),
    def(Action::Bottom, "bottom", &["G", "end"], "bottom", "to the bottom", Group::Moving),
    def(Action::Open, "open", &["enter"], "open", "open the selected domain's detail", Group::Moving),
    def(Action::Back, "back", &["esc"], "back", "back to the overview; clear the filter", Group::Moving),
    def(Action::PrevDomain, "prev_domain", &["h", "left"], "prev", "detail: previous domain", Group::Domains),
    def(Action::NextDomain, "next_domain", &["l", "right"], "next", "detail: next domain", Group::Domains),
    def(Action::Filter, "filter", &["/"], "filter", "filter by name, stage or health (start with ! to invert)", Group::Domains),
    def(Action::Sort, "sort", &["s"], "sort", "sort by health, name or errors", Group::Domains),
    def(Action::Rollback, "rollback", &["R"], "rollback", "roll the selected domain back to the monolith", Group::Domains),
    def(Action::Pause, "pause", &["space"], "pause", "pause or resume the replay", Group::Replay),
    def(Action::SeekBack, "seek_back", &["["], "-30s", "seek back 30 s", Group::Replay),
    def(Action::SeekForward, "seek_forward", &["]"], "+30s", "seek forward 30 s", Group::Replay),
    def(Action::SeekBackLong, "seek_back_long", &["{"], "-5m", "seek back 5 min", Group::Replay),
    def(Action::SeekForwardLong, "seek_forward_long", &["}"], "+5m", "seek forward 5 min", Group::Replay),
    def(Action::Faster, "faster", &["+"], "faster", "replay faster", Group::Replay),
    def(Action::Slower, "slower", &["-"], "slower", "replay slower", Group::Replay),
];

impl Action {
    /// The action's row in the key table.
    pub fn def(self) -> &'static KeyDef {
        KEY_TABLE
            .iter()
            .find(|d| d.action == self)
            .expect("every action has a row in KEY_TABLE")
    }
}

/// A key with its modifiers, normalised so that a spec and a terminal event compare equal
/// (`R` is `shift-r`; `?` arrives with or without shift depending on the terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// Why `[bindings]` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("[bindings]: unknown action \"{action}\"; the actions are: {known}")]
    UnknownAction { action: String, known: String },
    #[error("[bindings] {action} = \"{spec}\": {why}")]
    BadKey {
        action: String,
        spec: String,
        why: String,
    },
    #[error("[bindings]: key \"{key}\" is bound to both {first} and {second}; give one of them another key")]
    Duplicate {
        key: String,
        first: String,
        second: String,
    },
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The character already says whether shift was held.
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, modifiers }
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key::new(ev.code, ev.modifiers)
    }

    /// Reads one key spec: an optional chain of `ctrl-`, `alt-`, `shift-`, then a single
    /// character (`q`, `R`, `?`, `-`) or a name (`enter`, `esc`, `tab`, `space`, `up`,
    /// `pagedown`, `home`, `F5`, ...). Names are case-insensitive; single characters are not.
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut rest = spec;
        let mut mods = KeyModifiers::NONE;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err("no key given".into()),
            (Some(c), None) => {
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => named(&rest.to_ascii_lowercase()).ok_or_else(|| {
                format!(
                    "unknown key \"{rest}\" (use one character, or one of: enter esc tab \
                     shift-tab space backspace delete insert up down left right home end \
                     pageup pagedown F1-F12, with ctrl-/alt-/shift- in front)"
                )
            })?,
        };
        Ok(Key::new(code, mods))
    }
}

fn named(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if !(1..=24).contains(&n) {
                return None;
            }
            KeyCode::F(n)
        }
        _ => return None,
    })
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Keys resolved from the table and the `[bindings]` overrides.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<Key, Action>,
    /// Keys of each action, in table order.
    keys: Vec<Vec<Key>>,
}

impl KeyMap {
    /// The default keys with `overrides` (action name → keys separated by spaces, e.g.
    /// `"j down"`) replacing those of the actions they name.
    pub fn new(overrides: &HashMap<String, String>) -> Result<KeyMap, KeyError> {
        // Sorted so that the first error reported does not depend on hash order.
        let mut names: Vec<&String> = overrides.keys().collect();
        names.sort();
        for name in &names {
            if !KEY_TABLE.iter().any(|d| d.name == name.as_str()) {
                return Err(KeyError::UnknownAction {
                    action: (*name).clone(),
                    known: KEY_TABLE
                        .iter()
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        let mut keys = Vec::with_capacity(KEY_TABLE.len());
        for d in KEY_TABLE {
            let list: Vec<Key> = match overrides.get(d.name) {
                Some(spec) => {
                    let parts: Vec<&str> = spec.split_whitespace().collect();
                    if parts.is_empty() {
                        return Err(KeyError::BadKey {
                            action: d.name.into(),
                            spec: spec.clone(),
                            why: "no key given".into(),
                        });
                    }
                    parts
                        .iter()
                        .map(|p| {
                            Key::parse(p).map_err(|why| KeyError::BadKey {
                                action: d.name.into(),
                                spec: spec.clone(),
                                why,
                            })
                        })
                        .collect::<Result<_, _>>()?
                }
                None => d
                    .keys
                    .iter()
                    .map(|k| Key::parse(k).expect("default keys parse"))
                    .collect(),
            };
            keys.push(list);
        }
        let mut by_key = HashMap::new();
        for (d, list) in KEY_TABLE.iter().zip(&keys) {
            for k in list {
                match by_key.insert(*k, d.action) {
                    Some(first) if first != d.action => {
                        return Err(KeyError::Duplicate {
                            key: k.to_string(),
                            first: first.def().name.into(),
                            second: d.name.into(),
                        })
                    }
                    _ => {}
                }
            }
        }
        Ok(KeyMap { by_key, keys })
    }

    /// The action a key press asks for.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(ev)).copied()
    }

    /// The keys bound to an action.
    pub fn keys_of(&self, action: Action) -> &[Key] {
        let i = KEY_TABLE
            .iter()
            .position(|d| d.action == action)
            .expect("every action has a row in KEY_TABLE");
        &self.keys[i]
    }

    /// The first key of an action, as text (for hints); empty when it has none.
    pub fn first_key(&self, action: Action) -> String {
        self.keys_of(action)
            .first()
            .map(Key::to_string)
            .unwrap_or_default()
    }

    /// Every row of the table with its keys, in help order.
    pub fn rows(&self) -> impl Iterator<Item = (&'static KeyDef, &[Key])> {
        KEY_TABLE.iter().zip(self.keys.iter().map(Vec::as_slice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_have_no_duplicates_and_every_action_a_row() {
        let map = KeyMap::new(&HashMap::new()).unwrap();
        for d in KEY_TABLE {
            assert!(!map.keys_of(d.action).is_empty(), "{} has no key", d.name);
        }
        let mut names: Vec<_> = KEY_TABLE.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KEY_TABLE.len());
    }

    #[test]
    fn events_match_specs_whatever_the_terminal_says_about_shift() {
        let map = KeyMap::new(&HashMap::new()).unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Rollback)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('R'), KeyModifiers::NONE)),
            Some(Action::Rollback)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            map.action(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevView)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char(' '), KeyModifiers::NONE)),
            Some(Action::Pause)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('r'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn specs_parse_and_print_back() {
        for (spec, shown) in [
            ("q", "q"),
            ("R", "R"),
            ("shift-r", "R"),
            ("ctrl-c", "ctrl-c"),
            ("Ctrl-Alt-x", "ctrl-alt-x"),
            ("F5", "F5"),
            ("f12", "F12"),
            ("-", "-"),
            ("ctrl--", "ctrl--"),
            ("space", "space"),
            ("Enter", "enter"),
            ("shift-tab", "shift-tab"),
            ("pagedown", "pagedown"),
        ] {
            assert_eq!(Key::parse(spec).unwrap().to_string(), shown, "{spec}");
        }
        assert!(Key::parse("").is_err());
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").is_err());
        assert!(Key::parse("F99").is_err());
    }

    #[test]
    fn overrides_replace_the_defaults() {
        let mut o = HashMap::new();
        o.insert("quit".to_string(), "x ctrl-q".to_string());
        let map = KeyMap::new(&o).unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&press(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(map.first_key(Action::Quit), "x");
    }

    #[test]
    fn duplicate_bindings_name_both_actions_and_the_key() {
        let mut o = HashMap::new();
        o.insert("freeze".to_string(), "s".to_string());
        let err = KeyMap::new(&o).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[bindings]: key \"s\" is bound to both freeze and sort; give one of them another key"
        );
    }

    #[test]
    fn unknown_actions_and_bad_keys_are_errors() {
        let mut o = HashMap::new();
        o.insert("explode".to_string(), "x".to_string());
        let err = KeyMap::new(&o).unwrap_err().to_string();
        assert!(
            err.starts_with("[bindings]: unknown action \"explode\"; the actions are: quit, help"),
            "{err}"
        );
        let mut o = HashMap::new();
        o.insert("quit".to_string(), "meta-q".to_string());
        let err = KeyMap::new(&o).unwrap_err().to_string();
        assert!(
            err.starts_with("[bindings] quit = \"meta-q\": unknown key \"meta-q\""),
            "{err}"
        );
        let mut o = HashMap::new();
        o.insert("quit".to_string(), "  ".to_string());
        assert!(matches!(KeyMap::new(&o), Err(KeyError::BadKey { .. })));
    }
}
