//! How labels look: colours for a terminal, mask symbols without colour. Decided once.
//!
//! The palette is built for a classroom projector: leaks (addresses, ports, names)
//! are highlighted like a marker pen, readable content is bold green, ciphertext is
//! plain blue so it recedes, headers are dim, undecoded bytes magenta.

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
        Label::Opaque => Style::new().fg_color(fg(AnsiColor::Blue)),
        Label::Undecoded => Style::new().fg_color(fg(AnsiColor::Magenta)),
    }
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
        }
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
