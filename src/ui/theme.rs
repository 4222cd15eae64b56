//! Themes and colour depth.
//!
//! Themes are TOML files (`themes/*.toml`), embedded in the binary and overridable from
//! `<config dir>/themes/`. The default theme uses the 16 ANSI colour names only, so it follows
//! the palette the user chose for the terminal. RGB colours in a theme are brought down to the
//! nearest 256- or 16-colour entry when the terminal cannot show them: `COLORTERM` is not
//! forwarded over SSH, so truecolor is used only when something says so.

use std::path::PathBuf;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// `--color`: what the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Never,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl FromStr for ColorChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(ColorChoice::Auto),
            "never" => Ok(ColorChoice::Never),
            "16" => Ok(ColorChoice::Ansi16),
            "256" => Ok(ColorChoice::Ansi256),
            "truecolor" => Ok(ColorChoice::TrueColor),
            other => Err(format!(
                "unknown colour setting \"{other}\": use auto, never, 16, 256 or truecolor"
            )),
        }
    }
}

/// What the terminal is driven with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// No colour at all: status by text and bold/reverse (the mono styles).
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// Resolves `--color` against the environment: `NO_COLOR` (set and not empty) means no
    /// colour, `TERM=dumb` too; truecolor only when `COLORTERM` is `truecolor` or `24bit`;
    /// 256 colours when `TERM` says `256color`; else the 16 ANSI colours.
    pub fn detect(choice: ColorChoice, env: impl Fn(&str) -> Option<String>) -> ColorDepth {
        match choice {
            ColorChoice::Never => ColorDepth::None,
            ColorChoice::Ansi16 => ColorDepth::Ansi16,
            ColorChoice::Ansi256 => ColorDepth::Ansi256,
            ColorChoice::TrueColor => ColorDepth::TrueColor,
            ColorChoice::Auto => {
                if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                    return ColorDepth::None;
                }
                let term = env("TERM").unwrap_or_default();
                if term == "dumb" {
                    return ColorDepth::None;
                }
                let colorterm = env("COLORTERM").unwrap_or_default().to_ascii_lowercase();
                if colorterm == "truecolor" || colorterm == "24bit" {
                    ColorDepth::TrueColor
                } else if term.contains("256color") {
                    ColorDepth::Ansi256
                } else {
                    ColorDepth::Ansi16
                }
            }
        }
    }

    /// [`ColorDepth::detect`] on the process environment.
    pub fn from_env(choice: ColorChoice) -> ColorDepth {
        ColorDepth::detect(choice, |k| std::env::var(k).ok())
    }

    pub fn label(self) -> &'static str {
        match self {
            ColorDepth::None => "no colour",
            ColorDepth::Ansi16 => "16 colours",
            ColorDepth::Ansi256 => "256 colours",
            ColorDepth::TrueColor => "truecolor",
        }
    }
}

/// Why a theme cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {file}: {message}")]
    Parse { file: String, message: String },
    #[error("cannot read theme {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown theme \"{name}\"; the themes are: {available}")]
    Unknown { name: String, available: String },
}

/// One style in a theme file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reverse: bool,
}

macro_rules! slots {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The styles of a theme file; a slot left out takes the default theme's.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StylesSpec {
            $($name: Option<StyleSpec>,)*
        }

        /// Resolved styles, one per thing on screen.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct Styles {
            $($(#[$doc])* pub $name: Style,)*
        }

        impl Styles {
            fn from_spec(spec: &StylesSpec, base: &Styles, file: &str) -> Result<Styles, ThemeError> {
                Ok(Styles {
                    $($name: match &spec.$name {
                        Some(s) => s.resolve(file, stringify!($name))?,
                        None => base.$name,
                    },)*
                })
            }

            fn map(&self, f: impl Fn(Style) -> Style) -> Styles {
                Styles { $($name: f(self.$name),)* }
            }

            /// Every style, for checks over a whole theme.
            pub fn all(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

slots! {
    /// Base text and the screen's background.
    text,
    /// Secondary text: labels, units, unknown values.
    muted,
    /// The header bar.
    header,
    /// The LIVE badge.
    mode_live,
    /// The REPLAY and DEMO badges.
    mode_replay,
    /// The READ-ONLY badge.
    read_only,
    /// View names in the header.
    tab,
    /// The current view's name.
    tab_active,
    /// Box borders and chart frames.
    border,
    /// Box titles.
    title,
    /// Column headings.
    table_header,
    /// The selected row.
    selected,
    /// Health markers and source states.
    ok,
    warn,
    crit,
    unknown,
    /// The monolith path (bars, charts).
    legacy,
    /// The new-service path (bars, charts).
    new,
    /// The configured split's mark on the bar.
    configured,
    /// Keys in hints and help, the filter text.
    accent,
    /// Notices and messages.
    message,
    /// Rows whose data is stale.
    stale,
    /// The footer bar.
    footer,
}

impl StyleSpec {
    fn resolve(&self, file: &str, slot: &str) -> Result<Style, ThemeError> {
        let color = |v: &Option<String>, which: &str| -> Result<Option<Color>, ThemeError> {
            match v.as_deref() {
                None => Ok(None),
                Some("default") => Ok(Some(Color::Reset)),
                Some(text) => Color::from_str(text)
                    .map(Some)
                    .map_err(|_| ThemeError::Parse {
                        file: file.to_string(),
                        message: format!(
                            "{slot}.{which} = \"{text}\": not a colour (use an ANSI name such as \
                         \"red\" or \"lightblue\", \"#rrggbb\", a number 0-255, or \"reset\")"
                        ),
                    }),
            }
        };
        let mut style = Style::default();
        if let Some(c) = color(&self.fg, "fg")? {
            style = style.fg(c);
        }
        if let Some(c) = color(&self.bg, "bg")? {
            style = style.bg(c);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reverse, Modifier::REVERSED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    description: Option<String>,
    #[serde(default)]
    styles: StylesSpec,
    #[serde(default)]
    screenshot: ScreenshotSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreenshotSpec {
    background: Option<String>,
    foreground: Option<String>,
}

/// A theme, its colours as written (downgraded when applied).
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub description: String,
    pub styles: Styles,
    /// The page colours of an SVG screenshot (a terminal's default colours are unknown).
    pub screenshot_background: (u8, u8, u8),
    pub screenshot_foreground: (u8, u8, u8),
    /// Where it came from: `built-in` or the file's path.
    pub origin: String,
}

impl Theme {
    /// The styles as this terminal can show them.
    pub fn styles_for(&self, depth: ColorDepth) -> Styles {
        self.styles.map(|s| downgrade_style(s, depth))
    }

    pub(super) fn parse(
        name: &str,
        text: &str,
        origin: &str,
        base: &Styles,
    ) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Parse {
            file: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let rgb = |v: &Option<String>, default: (u8, u8, u8), which: &str| match v.as_deref() {
            None => Ok(default),
            Some(t) => match Color::from_str(t) {
                Ok(Color::Rgb(r, g, b)) => Ok((r, g, b)),
                _ => Err(ThemeError::Parse {
                    file: origin.to_string(),
                    message: format!("screenshot.{which} = \"{t}\": use \"#rrggbb\""),
                }),
            },
        };
        Ok(Theme {
            name: name.to_string(),
            description: file.description.unwrap_or_default(),
            styles: Styles::from_spec(&file.styles, base, origin)?,
            screenshot_background: rgb(
                &file.screenshot.background,
                (0x1c, 0x1c, 0x1c),
                "background",
            )?,
            screenshot_foreground: rgb(
                &file.screenshot.foreground,
                (0xd0, 0xd0, 0xd0),
                "foreground",
            )?,
            origin: origin.to_string(),
        })
    }
}

/// The themes compiled into the binary, in cycling order.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The themes available, built-in first, then the user's theme asked for (see `theme_load`).
#[derive(Debug, Clone)]
pub struct ThemeSet {
    pub(super) themes: Vec<Theme>,
    /// Names of the user theme files found (not read), for the "unknown theme" message.
    pub(super) user_names: Vec<String>,
    /// The theme asked for whose file could not be used, and the theme used instead.
    pub(super) fallback: Option<(String, usize)>,
    /// What went wrong with a theme file, said on start; the cockpit starts anyway.
    pub(super) problem: Option<String>,
}

impl ThemeSet {
    /// The built-in themes only.
    pub fn builtin() -> ThemeSet {
        let mut themes: Vec<Theme> = Vec::new();
        for (name, text) in BUILTIN_THEMES {
            let base = themes.first().map(|t| t.styles).unwrap_or_default();
            themes
                .push(Theme::parse(name, text, "built-in", &base).expect("built-in themes parse"));
        }
        ThemeSet {
            themes,
            user_names: Vec::new(),
            fallback: None,
            problem: None,
        }
    }

    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

    /// The theme of that name; for a user theme whose file could not be used, the one used
    /// instead (the problem is in [`ThemeSet::problem`]).
    pub fn index_of(&self, name: &str) -> Result<usize, ThemeError> {
        if let Some((failed, instead)) = &self.fallback {
            if failed == name {
                return Ok(*instead);
            }
        }
        self.themes
            .iter()
            .position(|t| t.name == name)
            .ok_or_else(|| {
                let mut available: Vec<&str> = self.names();
                for n in &self.user_names {
                    if !available.contains(&n.as_str()) {
                        available.push(n);
                    }
                }
                ThemeError::Unknown {
                    name: name.to_string(),
                    available: available.join(", "),
                }
            })
    }

    /// A theme file that could not be used, in words, for the operator.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn get(&self, i: usize) -> &Theme {
        &self.themes[i % self.themes.len()]
    }

    pub fn len(&self) -> usize {
        self.themes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.themes.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.themes.iter().map(|t| t.name.as_str()).collect()
    }
}

/// `<config dir>/themes`, where user themes live.
pub fn user_theme_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "cutover").map(|d| d.config_dir().join("themes"))
}

fn downgrade_style(s: Style, depth: ColorDepth) -> Style {
    let mut out = s;
    out.fg = s.fg.map(|c| downgrade(c, depth));
    out.bg = s.bg.map(|c| downgrade(c, depth));
    out.underline_color = None;
    out
}

/// A colour as a terminal of `depth` can show it: RGB to the nearest 256- or 16-colour entry,
/// 256-colour entries to the nearest of the 16; nothing at all without colour.
pub fn downgrade(c: Color, depth: ColorDepth) -> Color {
    match (depth, c) {
        (ColorDepth::None, _) => Color::Reset,
        (ColorDepth::TrueColor, c) => c,
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
        (ColorDepth::Ansi256, c) => c,
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
        (ColorDepth::Ansi16, Color::Indexed(i)) => {
            if let Some(named) = ANSI16.get(usize::from(i)) {
                named.0
            } else {
                let (r, g, b) = indexed_rgb(i);
                nearest_16(r, g, b)
            }
        }
        (ColorDepth::Ansi16, c) => c,
    }
}

/// The 16 ANSI colours with xterm's default RGB values, in index order.
pub const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// Distance weighted for the eye (more weight on green, less on blue).
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| {
        let v = i32::from(x) - i32::from(y);
        (v * v) as u32
    };
    2 * d(a.0, b.0) + 4 * d(a.1, b.1) + 3 * d(a.2, b.2)
}

/// The RGB value of an xterm 256-colour index.
pub fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let v = i - 16;
            (
                CUBE[usize::from(v / 36)],
                CUBE[usize::from((v / 6) % 6)],
                CUBE[usize::from(v % 6)],
            )
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

/// The nearest entry of the 6×6×6 cube or the grey ramp (16–255; 0–15 are left out because
/// users redefine them).
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let level = |v: u8| {
        CUBE.iter()
            .enumerate()
            .min_by_key(|(_, &c)| (i32::from(c) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i as u8)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let avg = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_step = (avg.saturating_sub(3) / 10).min(23) as u8;
    let grey_index = 232 + grey_step;
    let target = (r, g, b);
    if distance(indexed_rgb(grey_index), target) < distance(indexed_rgb(cube_index), target) {
        grey_index
    } else {
        cube_index
    }
}

/// The nearest of the 16 ANSI colours.
pub fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, rgb)| distance(*rgb, (r, g, b)))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_depth_follows_the_environment() {
        let d = |vars| ColorDepth::detect(ColorChoice::Auto, env(vars));
        assert_eq!(d(&[("TERM", "xterm")]), ColorDepth::Ansi16);
        assert_eq!(d(&[("TERM", "xterm-256color")]), ColorDepth::Ansi256);
        assert_eq!(
            d(&[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")]),
            ColorDepth::TrueColor
        );
        assert_eq!(
            d(&[("TERM", "xterm"), ("COLORTERM", "24bit")]),
            ColorDepth::TrueColor
        );
        // COLORTERM that does not say truecolor is not enough.
        assert_eq!(
            d(&[("TERM", "xterm-256color"), ("COLORTERM", "yes")]),
            ColorDepth::Ansi256
        );
        assert_eq!(
            d(&[
                ("TERM", "xterm-256color"),
                ("NO_COLOR", "1"),
                ("COLORTERM", "truecolor")
            ]),
            ColorDepth::None
        );
        // An empty NO_COLOR does not count, as the convention says.
        assert_eq!(
            d(&[("TERM", "xterm"), ("NO_COLOR", "")]),
            ColorDepth::Ansi16
        );
        assert_eq!(d(&[("TERM", "dumb")]), ColorDepth::None);
        assert_eq!(d(&[]), ColorDepth::Ansi16);
        // An explicit choice wins over the environment.
        assert_eq!(
            ColorDepth::detect(ColorChoice::TrueColor, env(&[("NO_COLOR", "1")])),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(ColorChoice::Never, env(&[("COLORTERM", "truecolor")])),
            ColorDepth::None
        );
    }

    #[test]
    fn color_choice_parses_the_flag_values() {
        assert_eq!("auto".parse(), Ok(ColorChoice::Auto));
        assert_eq!("never".parse(), Ok(ColorChoice::Never));
        assert_eq!("16".parse(), Ok(ColorChoice::Ansi16));
        assert_eq!("256".parse(), Ok(ColorChoice::Ansi256));
        assert_eq!("truecolor".parse(), Ok(ColorChoice::TrueColor));
        assert!("8".parse::<ColorChoice>().is_err());
    }

    #[test]
    fn rgb_is_brought_down_to_the_nearest_entry() {
        // Exact cube and grey entries map to themselves.
        assert_eq!(
            downgrade(Color::Rgb(255, 0, 0), ColorDepth::Ansi256),
            Color::Indexed(196)
        );
        assert_eq!(
            downgrade(Color::Rgb(0, 95, 135), ColorDepth::Ansi256),
            Color::Indexed(24)
        );
        assert_eq!(
            downgrade(Color::Rgb(128, 128, 128), ColorDepth::Ansi256),
            Color::Indexed(244)
        );
        assert_eq!(
            downgrade(Color::Rgb(8, 8, 8), ColorDepth::Ansi256),
            Color::Indexed(232)
        );
        // Close colours land on their neighbour.
        assert_eq!(
            downgrade(Color::Rgb(250, 5, 3), ColorDepth::Ansi256),
            Color::Indexed(196)
        );
        assert_eq!(
            downgrade(Color::Rgb(0xcf, 0x22, 0x2e), ColorDepth::Ansi16),
            Color::Red
        );
        assert_eq!(
            downgrade(Color::Rgb(0x1a, 0x7f, 0x37), ColorDepth::Ansi16),
            Color::Green
        );
        assert_eq!(
            downgrade(Color::Rgb(255, 255, 255), ColorDepth::Ansi16),
            Color::White
        );
        assert_eq!(
            downgrade(Color::Rgb(0x1f, 0x23, 0x28), ColorDepth::Ansi16),
            Color::Black
        );
        assert_eq!(
            downgrade(Color::Rgb(120, 120, 120), ColorDepth::Ansi16),
            Color::DarkGray
        );
        // 256-colour entries go down to 16 as well; names stay names.
        assert_eq!(
            downgrade(Color::Indexed(196), ColorDepth::Ansi16),
            Color::LightRed
        );
        assert_eq!(downgrade(Color::Indexed(1), ColorDepth::Ansi16), Color::Red);
        assert_eq!(downgrade(Color::Cyan, ColorDepth::Ansi16), Color::Cyan);
        assert_eq!(
            downgrade(Color::Rgb(1, 2, 3), ColorDepth::TrueColor),
            Color::Rgb(1, 2, 3)
        );
        assert_eq!(downgrade(Color::Red, ColorDepth::None), Color::Reset);
    }

    #[test]
    fn every_rgb_cube_entry_round_trips() {
        for i in 16..=255u8 {
            let (r, g, b) = indexed_rgb(i);
            let back = nearest_256(r, g, b);
            assert_eq!(indexed_rgb(back), (r, g, b), "index {i}");
        }
    }

    #[test]
    fn builtin_themes_load_and_default_uses_ansi_names_only() {
        let set = ThemeSet::builtin();
        assert_eq!(set.names(), ["default", "light", "high-contrast", "mono"]);
        for (slot, s) in set.get(0).styles.all() {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "default.{slot} uses {c:?}: the default theme follows the user's palette"
                );
            }
        }
        let mono = set.get(set.index_of("mono").unwrap());
        for (slot, s) in mono.styles.all() {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert_eq!(c, Color::Reset, "mono.{slot} has a colour");
            }
        }
        assert!(mono.styles.crit.add_modifier.contains(Modifier::BOLD));
        assert!(mono
            .styles
            .selected
            .add_modifier
            .contains(Modifier::REVERSED));
    }

    #[test]
    fn light_theme_is_downgraded_for_16_colours() {
        let set = ThemeSet::builtin();
        let light = set.get(set.index_of("light").unwrap());
        assert!(matches!(light.styles.text.bg, Some(Color::Rgb(..))));
        let s16 = light.styles_for(ColorDepth::Ansi16);
        for (slot, s) in s16.all() {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "light.{slot} still {c:?} at 16 colours"
                );
            }
        }
        let s256 = light.styles_for(ColorDepth::Ansi256);
        assert!(matches!(s256.text.bg, Some(Color::Indexed(_))));
    }
}
