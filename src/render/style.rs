//! How labels look: colours for a terminal, mask symbols without colour. Decided once.
//!
//! The palette is built for a classroom projector, for dark and light terminals and
//! for colour-blind viewers. Each label differs from every other by more than a hue:
//!
//! | label     | look                          | cue besides hue                   |
//! |-----------|-------------------------------|-----------------------------------|
//! | leak      | bold black on yellow          | a background, like a marker pen   |
//! | header    | faint (the terminal's colour) | faint weight, lower lightness     |
//! | readable  | bold green                    | bold weight                       |
//! | opaque    | bright blue, plain weight     | blue–yellow axis, which deuteranopes and protanopes keep |
//! | undecoded | underlined (the terminal's colour) | an underline                 |
//!
//! Only 16-colour SGR codes are used, so a terminal theme (light or dark) remaps them
//! to colours it keeps legible, and `less -R` passes them through. The test below
//! simulates deuteranopia and protanopia (Machado et al. 2009) on the xterm palette,
//! on a dark and a light background, and asserts a CIEDE2000 distance between every
//! pair of labels (docs/design.md, "The palette").

use crate::span::Label;
use anstyle::{AnsiColor, Color, Style};

/// `--color` as given on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal (honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Resolves `auto` against the environment and stdout.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !matches!(
                anstream::AutoStream::choice(&std::io::stdout()),
                anstream::ColorChoice::Never
            ),
        }
    }
}

/// The mask symbol under each byte when there is no colour.
pub fn mask_symbol(label: Label) -> u8 {
    match label {
        Label::Leak => b'^',
        Label::Metadata => b'-',
        Label::Cleartext => b'r',
        Label::Opaque => b'#',
        Label::Undecoded => b'?',
    }
}

fn label_style(label: Label) -> Style {
    let fg = |c: AnsiColor| Some(Color::Ansi(c));
    match label {
        Label::Leak => Style::new()
            .bold()
            .fg_color(fg(AnsiColor::Black))
            .bg_color(fg(AnsiColor::Yellow)),
        Label::Metadata => Style::new().dimmed(),
        Label::Cleartext => Style::new().bold().fg_color(fg(AnsiColor::Green)),
        // Bright blue: legible on black (plain blue is not) and on white.
        Label::Opaque => Style::new().fg_color(fg(AnsiColor::BrightBlue)),
        // Magenta was told from blue by hue alone, which deuteranopes and protanopes
        // lose; an underline in the terminal's own colour is told from every label.
        Label::Undecoded => Style::new().underline(),
    }
}

/// The style of a label (for tests and documentation; renderers use [`Palette`]).
pub fn style_of(label: Label) -> Style {
    label_style(label)
}

/// Escape sequences, rendered once.
#[derive(Clone, Debug)]
pub struct Palette {
    on: [Vec<u8>; Label::COUNT],
    pub reset: Vec<u8>,
    pub warn: Vec<u8>,
    pub error: Vec<u8>,
    pub dim: Vec<u8>,
    /// The key holder's view (decrypted rows): its own colour, apart from every label.
    pub key: Vec<u8>,
    /// A check's FAIL (bold red) and PASS (bold green) words.
    pub fail: Vec<u8>,
    pub pass: Vec<u8>,
}

impl Palette {
    pub fn new() -> Palette {
        let render = |s: Style| s.render().to_string().into_bytes();
        Palette {
            on: Label::ALL.map(|l| render(label_style(l))),
            // `Style::new().render_reset()` renders nothing for the plain style: the
            // explicit SGR 0 is what closes every styled span.
            reset: anstyle::Reset.render().to_string().into_bytes(),
            warn: render(Style::new().fg_color(Some(Color::Ansi(AnsiColor::Yellow)))),
            error: render(
                Style::new()
                    .bold()
                    .fg_color(Some(Color::Ansi(AnsiColor::Red))),
            ),
            dim: render(Style::new().dimmed()),
            key: render(
                Style::new()
                    .italic()
                    .fg_color(Some(Color::Ansi(AnsiColor::Cyan))),
            ),
            fail: render(
                Style::new()
                    .bold()
                    .fg_color(Some(Color::Ansi(AnsiColor::Red))),
            ),
            pass: render(
                Style::new()
                    .bold()
                    .fg_color(Some(Color::Ansi(AnsiColor::Green))),
            ),
        }
    }

    /// `text` in `style`, closed with a reset.
    pub fn paint(&self, style: &[u8], text: &str) -> String {
        format!(
            "{}{text}{}",
            crate::text::lossy(style),
            crate::text::lossy(&self.reset)
        )
    }

    pub fn on(&self, label: Label) -> &[u8] {
        self.on.get(label.index()).map_or(&[], |v| v.as_slice())
    }
}

impl Default for Palette {
    fn default() -> Self {
        Palette::new()
    }
}

#[cfg(test)]
mod tests;
