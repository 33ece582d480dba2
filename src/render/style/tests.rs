//! The palette, checked the way a colour-blind viewer and a light or dark terminal see
//! it: each label's SGR colours mapped to sRGB with xterm's standard palette, passed
//! through the Machado, Oliveira and Fernandes (2009) simulation of deuteranopia and
//! protanopia (severity 1.0, applied in linear RGB), and compared in CIELAB with
//! CIEDE2000. A pair of labels must differ, for every viewer and on both backgrounds,
//! by ΔE00 ≥ 20 in foreground or in background, and (unless their backgrounds differ)
//! also by a cue that is no colour at all: weight or underline.

use super::*;
use anstyle::Effects;

/// xterm's default 16 colours (XTerm-col.ad / `xterm -xrm`), as sRGB.
const XTERM: [[u8; 3]; 16] = [
    [0x00, 0x00, 0x00],
    [0xcd, 0x00, 0x00],
    [0x00, 0xcd, 0x00],
    [0xcd, 0xcd, 0x00],
    [0x00, 0x00, 0xee],
    [0xcd, 0x00, 0xcd],
    [0x00, 0xcd, 0xcd],
    [0xe5, 0xe5, 0xe5],
    [0x7f, 0x7f, 0x7f],
    [0xff, 0x00, 0x00],
    [0x00, 0xff, 0x00],
    [0xff, 0xff, 0x00],
    [0x5c, 0x5c, 0xff],
    [0xff, 0x00, 0xff],
    [0x00, 0xff, 0xff],
    [0xff, 0xff, 0xff],
];

type Rgb = [f64; 3];

/// A terminal theme: its default foreground and background.
struct Theme {
    name: &'static str,
    fg: Rgb,
    bg: Rgb,
}

fn srgb(c: [u8; 3]) -> Rgb {
    c.map(|v| f64::from(v) / 255.0)
}

fn themes() -> [Theme; 2] {
    [
        // xterm's own: light grey (colour 7) on black.
        Theme {
            name: "dark",
            fg: srgb(XTERM[7]),
            bg: srgb(XTERM[0]),
        },
        Theme {
            name: "light",
            fg: srgb(XTERM[0]),
            bg: srgb(XTERM[15]),
        },
    ]
}

fn ansi_rgb(c: Color) -> Rgb {
    match c {
        Color::Ansi(a) => srgb(XTERM[a as usize]),
        other => panic!("the palette uses the 16 ANSI colours only, not {other:?}"),
    }
}

/// How a label looks on a theme: foreground and background in sRGB, and its cues.
struct Look {
    fg: Rgb,
    bg: Rgb,
    effects: Effects,
}

fn look(label: Label, theme: &Theme) -> Look {
    let s = style_of(label);
    let bg = s.get_bg_color().map_or(theme.bg, ansi_rgb);
    let mut fg = s.get_fg_color().map_or(theme.fg, ansi_rgb);
    let effects = s.get_effects();
    if effects.contains(Effects::DIMMED) {
        // Faint text: xterm and VTE draw it half way to the background.
        for (f, b) in fg.iter_mut().zip(bg) {
            *f = (*f + b) / 2.0;
        }
    }
    Look { fg, bg, effects }
}

fn linear(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Machado et al. 2009, severity 1.0 (their table, in linear RGB).
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

const VIEWERS: [(&str, [[f64; 3]; 3]); 3] = [
    ("normal vision", IDENTITY),
    ("deuteranopia", DEUTERANOPIA),
    ("protanopia", PROTANOPIA),
];

/// sRGB → simulated → CIELAB (D65).
fn lab(c: Rgb, m: &[[f64; 3]; 3]) -> [f64; 3] {
    let l = c.map(linear);
    let s: Vec<f64> = m
        .iter()
        .map(|row| (row[0] * l[0] + row[1] * l[1] + row[2] * l[2]).clamp(0.0, 1.0))
        .collect();
    let x = 0.4124564 * s[0] + 0.3575761 * s[1] + 0.1804375 * s[2];
    let y = 0.2126729 * s[0] + 0.7151522 * s[1] + 0.0721750 * s[2];
    let z = 0.0193339 * s[0] + 0.1191920 * s[1] + 0.9503041 * s[2];
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 (Sharma, Wu and Dalal 2005).
fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
    let ([l1, a1, b1], [l2, a2, b2]) = (p, q);
    let c1 = a1.hypot(b1);
    let c2 = a2.hypot(b2);
    let cb = (c1 + c2) / 2.0;
    let g = 0.5 * (1.0 - (cb.powi(7) / (cb.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh.to_radians() / 2.0).sin();
    let lb = (l1 + l2) / 2.0;
    let cbp = (c1p + c2p) / 2.0;
    let hb = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (hb - 30.0).to_radians().cos()
        + 0.24 * (2.0 * hb).to_radians().cos()
        + 0.32 * (3.0 * hb + 6.0).to_radians().cos()
        - 0.20 * (4.0 * hb - 63.0).to_radians().cos();
    let dtheta = 30.0 * (-((hb - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (cbp.powi(7) / (cbp.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (lb - 50.0).powi(2) / (20.0 + (lb - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cbp;
    let sh = 1.0 + 0.015 * cbp * t;
    let rt = -(2.0 * dtheta).to_radians().sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh))
        .sqrt()
}

/// Sharma et al.'s test data, pairs 1, 7, 17 and 25, to 4 decimals.
#[test]
fn ciede2000_matches_the_published_test_data() {
    let cases = [
        ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
        ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        (
            [60.2574, -34.0099, 36.2677],
            [60.4626, -34.1751, 39.4387],
            1.2644,
        ),
    ];
    for (p, q, want) in cases {
        let got = ciede2000(p, q);
        assert!((got - want).abs() < 1e-4, "{p:?} {q:?}: {got} != {want}");
    }
}

/// Weight and underline: cues a viewer sees whatever their colour vision.
fn cues(e: Effects) -> [bool; 3] {
    [
        e.contains(Effects::BOLD),
        e.contains(Effects::DIMMED),
        e.contains(Effects::UNDERLINE),
    ]
}

const MIN_DELTA_E: f64 = 20.0;

/// Every pair of labels, every viewer, both themes: ΔE00 of the foregrounds or of the
/// backgrounds at least 20, and labels on the same background also apart by weight or
/// underline. Prints the table (`cargo test palette -- --nocapture`).
#[test]
fn palette_labels_stay_apart_for_colour_blind_viewers_on_dark_and_light() {
    let mut worst = f64::MAX;
    for theme in themes() {
        for (viewer, m) in &VIEWERS {
            for (i, &a) in Label::ALL.iter().enumerate() {
                for &b in &Label::ALL[i + 1..] {
                    let (la, lb) = (look(a, &theme), look(b, &theme));
                    let fg = ciede2000(lab(la.fg, m), lab(lb.fg, m));
                    let bg = ciede2000(lab(la.bg, m), lab(lb.bg, m));
                    println!(
                        "{:5} {viewer:13} {:9} {:9} ΔE00 fg {fg:5.1} bg {bg:5.1}",
                        theme.name,
                        a.word(),
                        b.word()
                    );
                    assert!(
                        fg.max(bg) >= MIN_DELTA_E,
                        "{} theme, {viewer}: {} and {} are {:.1} apart",
                        theme.name,
                        a.word(),
                        b.word(),
                        fg.max(bg)
                    );
                    if bg < MIN_DELTA_E {
                        assert_ne!(
                            cues(la.effects),
                            cues(lb.effects),
                            "{} and {} differ by colour alone",
                            a.word(),
                            b.word()
                        );
                        worst = worst.min(fg);
                    }
                }
            }
        }
    }
    println!("smallest foreground ΔE00 between labels on the same background: {worst:.1}");
}

/// Every label's text stays legible on its own background, dark theme and light.
#[test]
fn palette_text_is_legible_on_dark_and_light() {
    for theme in themes() {
        for (viewer, m) in &VIEWERS {
            for &label in &Label::ALL {
                let l = look(label, &theme);
                let d = ciede2000(lab(l.fg, m), lab(l.bg, m));
                println!(
                    "{:5} {viewer:13} {:9} text on its background ΔE00 {d:5.1}",
                    theme.name,
                    label.word()
                );
                assert!(
                    d >= MIN_DELTA_E,
                    "{} on the {} theme ({viewer}): {d:.1}",
                    label.word(),
                    theme.name
                );
            }
        }
    }
}

/// `less -R` passes SGR sequences only: the palette must be nothing else.
#[test]
fn palette_is_sgr_only() {
    let p = Palette::new();
    let mut all: Vec<&[u8]> = Label::ALL.iter().map(|&l| p.on(l)).collect();
    all.extend([&p.reset[..], &p.warn, &p.error, &p.dim, &p.fail, &p.pass]);
    for seq in all {
        let s = crate::text::lossy(seq);
        for part in s.split('\x1b').skip(1) {
            assert!(
                part.starts_with('[')
                    && part.ends_with('m')
                    && part[1..part.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ';'),
                "not an SGR sequence: {s:?}"
            );
        }
    }
}
