//! The one key table. The key handler, the help view and the footer hints are all generated
//! from it, so what the help says is what the keys do. `[bindings]` in the config replaces an
//! action's keys, read with the config's own grammar ([`crate::config::bindings`]), so `check`
//! and the cockpit accept and refuse the same files; a key bound to two actions is refused.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::bindings::{BindingError, Bindings, KeyBinding, KeyName};

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Suspend,
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
    Contexts,
    Rollback,
    Promote,
    Pause,
    SeekBack,
    SeekForward,
    SeekBackLong,
    SeekForwardLong,
    Faster,
    Slower,
    CopyTrace,
    ZoomIn,
    ZoomOut,
    CursorBack,
    CursorForward,
    CursorBackLong,
    CursorForwardLong,
}

/// Sections of the help view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    General,
    Views,
    Moving,
    Domains,
    Charts,
    Replay,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Views => "Views",
            Group::Moving => "Moving around",
            Group::Domains => "Domains",
            Group::Charts => "Detail charts",
            Group::Replay => "Replay and demo",
        }
    }
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct KeyDef {
    pub action: Action,
    /// The name used in `[bindings]` (its default keys are in [`crate::config::bindings::ACTIONS`]).
    pub name: &'static str,
    /// One word for the footer.
    pub hint: &'static str,
    /// The line in the help view.
    pub help: &'static str,
    pub group: Group,
}

const fn def(
    action: Action,
    name: &'static str,
    hint: &'static str,
    help: &'static str,
    group: Group,
) -> KeyDef {
    KeyDef {
        action,
        name,
        hint,
        help,
        group,
    }
}

/// The key table, in help order (that of `ACTIONS`): action, name in `[bindings]`, footer hint, help.
#[rustfmt::skip]
pub const KEY_TABLE: &[KeyDef] = &[
    def(Action::Quit, "quit", "quit", "quit and restore the terminal", Group::General),
    def(Action::Suspend, "suspend", "suspend", "suspend to the shell (fg resumes)", Group::General),
    def(Action::Help, "help", "help", "show or hide the help", Group::General),
    def(Action::Freeze, "freeze", "freeze", "freeze the display (data keeps being collected)", Group::General),
    def(Action::Theme, "theme", "theme", "next theme", Group::General),
    def(Action::Contexts, "contexts", "contexts", "live: list the contexts and switch to one (<config dir>/contexts/NAME.toml)", Group::General),
    def(Action::NextView, "next_view", "view", "next view", Group::Views),
    def(Action::PrevView, "prev_view", "view", "previous view", Group::Views),
    def(Action::ViewOverview, "view_overview", "overview", "overview: one row per domain", Group::Views),
    def(Action::ViewDetail, "view_detail", "detail", "detail of the selected domain", Group::Views),
    def(Action::ViewSources, "view_sources", "sources", "sources: scrape state of every endpoint", Group::Views),
    def(Action::ViewEvents, "view_events", "events", "events: health, stage contradictions, sources, rollbacks", Group::Views),
    def(Action::ViewHelp, "view_help", "help", "help: the keys and what the screen shows", Group::Views),
    def(Action::Up, "up", "up", "move up / scroll up", Group::Moving),
    def(Action::Down, "down", "down", "move down / scroll down", Group::Moving),
    def(Action::PageUp, "page_up", "page up", "one page up", Group::Moving),
    def(Action::PageDown, "page_down", "page down", "one page down", Group::Moving),
    def(Action::Top, "top", "top", "to the top", Group::Moving),
    def(Action::Bottom, "bottom", "bottom", "to the bottom", Group::Moving),
    def(Action::Open, "open", "open", "open the selected domain's detail, or event whole", Group::Moving),
    def(Action::Back, "back", "back", "back to the overview; clear the filter", Group::Moving),
    def(Action::PrevDomain, "prev_domain", "prev", "detail: previous domain", Group::Domains),
    def(Action::NextDomain, "next_domain", "next", "detail: next domain", Group::Domains),
    def(Action::Filter, "filter", "filter", "filter by name, stage or health (start with ! to invert)", Group::Domains),
    def(Action::Sort, "sort", "sort", "sort by health, name or errors", Group::Domains),
    def(Action::Rollback, "rollback", "rollback", "roll the selected domain back to the monolith", Group::Domains),
    def(Action::Promote, "promote", "promote", "promote the selected domain to its next step (more traffic on the new path)", Group::Domains),
    def(Action::CopyTrace, "copy_trace", "copy trace", "detail: copy the slowest recent trace's link (OSC 52; needs [ui] clipboard = true)", Group::Domains),
    def(Action::ZoomIn, "zoom_in", "zoom", "zoom in: a shorter time axis, down to the window", Group::Charts),
    def(Action::ZoomOut, "zoom_out", "zoom out", "zoom out: a longer time axis, up to the whole history", Group::Charts),
    def(Action::CursorBack, "cursor_back", "cursor", "cursor one column back: every chart reads that moment", Group::Charts),
    def(Action::CursorForward, "cursor_forward", "cursor", "cursor one column forward (it stays at its moment as data arrives)", Group::Charts),
    def(Action::CursorBackLong, "cursor_back_long", "cursor -10", "cursor ten columns back", Group::Charts),
    def(Action::CursorForwardLong, "cursor_forward_long", "cursor +10", "cursor ten columns forward; esc goes back to live", Group::Charts),
    def(Action::Pause, "pause", "pause", "pause or resume the replay", Group::Replay),
    def(Action::SeekBack, "seek_back", "-30s", "seek back 30 s", Group::Replay),
    def(Action::SeekForward, "seek_forward", "+30s", "seek forward 30 s", Group::Replay),
    def(Action::SeekBackLong, "seek_back_long", "-5m", "seek back 5 min", Group::Replay),
    def(Action::SeekForwardLong, "seek_forward_long", "+5m", "seek forward 5 min", Group::Replay),
    def(Action::Faster, "faster", "faster", "replay faster", Group::Replay),
    def(Action::Slower, "slower", "slower", "replay slower", Group::Replay),
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

/// A key with its modifiers: the config's type, the one grammar.
pub type Key = KeyBinding;

/// Why `[bindings]` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[bindings]: {0}")]
pub struct KeyError(#[from] pub BindingError);

/// The key a terminal event is, normalised as the grammar normalises specs; `None` for keys
/// nothing can be bound to (media keys, lone modifiers).
pub fn key_of(ev: &KeyEvent) -> Option<Key> {
    let name = match ev.code {
        KeyCode::Char(c) => KeyName::Char(c),
        KeyCode::Enter => KeyName::Enter,
        KeyCode::Esc => KeyName::Esc,
        KeyCode::Tab => KeyName::Tab,
        KeyCode::BackTab => KeyName::BackTab,
        KeyCode::Backspace => KeyName::Backspace,
        KeyCode::Delete => KeyName::Delete,
        KeyCode::Insert => KeyName::Insert,
        KeyCode::Up => KeyName::Up,
        KeyCode::Down => KeyName::Down,
        KeyCode::Left => KeyName::Left,
        KeyCode::Right => KeyName::Right,
        KeyCode::Home => KeyName::Home,
        KeyCode::End => KeyName::End,
        KeyCode::PageUp => KeyName::PageUp,
        KeyCode::PageDown => KeyName::PageDown,
        KeyCode::F(n) => KeyName::F(n),
        _ => return None,
    };
    let m = ev.modifiers;
    Some(KeyBinding::new(
        name,
        m.contains(KeyModifiers::CONTROL),
        m.contains(KeyModifiers::ALT),
        m.contains(KeyModifiers::SHIFT),
    ))
}

/// The terminal event a key sends (for driving the cockpit by its own bindings).
pub fn event_of(k: &Key) -> KeyEvent {
    let code = match k.name {
        KeyName::Char(c) => KeyCode::Char(c),
        KeyName::Enter => KeyCode::Enter,
        KeyName::Esc => KeyCode::Esc,
        KeyName::Tab => KeyCode::Tab,
        KeyName::BackTab => KeyCode::BackTab,
        KeyName::Backspace => KeyCode::Backspace,
        KeyName::Delete => KeyCode::Delete,
        KeyName::Insert => KeyCode::Insert,
        KeyName::Up => KeyCode::Up,
        KeyName::Down => KeyCode::Down,
        KeyName::Left => KeyCode::Left,
        KeyName::Right => KeyCode::Right,
        KeyName::Home => KeyCode::Home,
        KeyName::End => KeyCode::End,
        KeyName::PageUp => KeyCode::PageUp,
        KeyName::PageDown => KeyCode::PageDown,
        KeyName::F(n) => KeyCode::F(n),
    };
    let mut m = KeyModifiers::NONE;
    m.set(KeyModifiers::CONTROL, k.ctrl);
    m.set(KeyModifiers::ALT, k.alt);
    m.set(KeyModifiers::SHIFT, k.shift);
    KeyEvent::new(code, m)
}

/// Keys resolved from the table and the `[bindings]` overrides.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<Key, Action>,
    /// Keys of each action, in table order.
    keys: Vec<Vec<Key>>,
}

impl KeyMap {
    /// The default keys with `overrides` (action name → keys separated by blanks, e.g.
    /// `"j down"`) replacing those of the actions they name, read and checked by the config's
    /// grammar.
    pub fn new(overrides: &HashMap<String, String>) -> Result<KeyMap, KeyError> {
        let bindings = Bindings::resolve(overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let keys: Vec<Vec<Key>> = KEY_TABLE
            .iter()
            .map(|d| bindings.keys(d.name).to_vec())
            .collect();
        let mut by_key = HashMap::new();
        for (d, list) in KEY_TABLE.iter().zip(&keys) {
            for k in list {
                by_key.entry(*k).or_insert(d.action);
            }
        }
        Ok(KeyMap { by_key, keys })
    }

    /// The action a key press asks for.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.by_key.get(&key_of(ev)?).copied()
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
    fn the_table_is_the_config_grammar_s_list_of_actions() {
        let table: Vec<&str> = KEY_TABLE.iter().map(|d| d.name).collect();
        let config: Vec<&str> = crate::config::bindings::ACTIONS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(table, config);
    }

    #[test]
    fn ctrl_letters_match_whatever_the_case_and_ctrl_z_suspends() {
        let mut o = HashMap::new();
        o.insert("filter".to_string(), "Ctrl-F".to_string());
        let map = KeyMap::new(&o).unwrap();
        for (c, m) in [
            ('f', KeyModifiers::CONTROL),
            ('F', KeyModifiers::CONTROL),
            ('F', KeyModifiers::CONTROL | KeyModifiers::SHIFT),
        ] {
            assert_eq!(
                map.action(&press(KeyCode::Char(c), m)),
                Some(Action::Filter)
            );
        }
        assert_eq!(
            map.action(&press(KeyCode::Char('z'), KeyModifiers::CONTROL)),
            Some(Action::Suspend)
        );
        for d in KEY_TABLE {
            for k in map.keys_of(d.action) {
                assert_eq!(map.action(&event_of(k)), Some(d.action), "{k}");
            }
        }
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
            err.starts_with(
                "[bindings]: unknown action \"explode\"; the actions are: quit, suspend, help"
            ),
            "{err}"
        );
        let mut o = HashMap::new();
        o.insert("quit".to_string(), "meta-q".to_string());
        let err = KeyMap::new(&o).unwrap_err().to_string();
        assert!(
            err.starts_with("[bindings]: quit = \"meta-q\": unknown key \"meta-q\""),
            "{err}"
        );
        let mut o = HashMap::new();
        o.insert("quit".to_string(), "  ".to_string());
        assert!(matches!(
            KeyMap::new(&o),
            Err(KeyError(BindingError::BadKey { .. }))
        ));
    }
}
