//! How the cockpit looks: the theme, the colour depth, the glyphs and the time zone of its
//! clocks.

use crate::ui::glyphs::{locale_is_utf8, Glyphs};
use crate::ui::theme::{ColorDepth, Styles, Theme, ThemeError, ThemeSet};
use crate::ui::UiOptions;

/// What the terminal can show, found once at start (or fixed by tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TermCaps {
    pub depth: ColorDepth,
    pub ascii: bool,
    /// Local time offset for clocks; 0 shows UTC.
    pub utc_offset_secs: i32,
}

impl TermCaps {
    /// From the options and the environment: `--color`, `NO_COLOR`, `COLORTERM`, `TERM`,
    /// `--ascii` or the locale, and the local time zone.
    pub fn detect(opts: &UiOptions) -> TermCaps {
        let env = |k: &str| std::env::var(k).ok();
        TermCaps {
            depth: ColorDepth::detect(opts.color, env),
            ascii: opts.ascii.unwrap_or_else(|| !locale_is_utf8(env)),
            utc_offset_secs: chrono::Local::now().offset().local_minus_utc(),
        }
    }
}

/// The themes, the one in use and the styles it gives at the terminal's colour depth.
pub(crate) struct Look {
    themes: ThemeSet,
    theme: usize,
    pub(crate) styles: Styles,
    pub(crate) depth: ColorDepth,
    pub(crate) glyphs: Glyphs,
    pub(crate) utc_offset_secs: i32,
}

impl Look {
    pub(crate) fn new(themes: ThemeSet, name: &str, caps: TermCaps) -> Result<Look, ThemeError> {
        let theme = themes.index_of(name)?;
        let mut look = Look {
            themes,
            theme,
            styles: Styles::default(),
            depth: caps.depth,
            glyphs: Glyphs::new(caps.ascii),
            utc_offset_secs: caps.utc_offset_secs,
        };
        look.apply_theme();
        Ok(look)
    }

    fn apply_theme(&mut self) {
        self.styles = if self.depth == ColorDepth::None {
            // Without colour, the mono styles carry status with bold and reverse.
            match self.themes.index_of("mono") {
                Ok(i) => self.themes.get(i).styles_for(ColorDepth::None),
                Err(_) => self.themes.get(self.theme).styles_for(ColorDepth::None),
            }
        } else {
            self.themes.get(self.theme).styles_for(self.depth)
        };
    }

    /// The next theme in the set; returns what the footer says about it.
    pub(crate) fn next_theme(&mut self) -> String {
        self.theme = (self.theme + 1) % self.themes.len();
        self.apply_theme();
        let mut text = format!("theme: {}", self.theme().name);
        if self.depth == ColorDepth::None {
            text.push_str(" (colour is off, so the mono styles stay)");
        }
        text
    }

    pub(crate) fn theme(&self) -> &Theme {
        self.themes.get(self.theme)
    }

    pub(crate) fn themes(&self) -> &ThemeSet {
        &self.themes
    }
}
