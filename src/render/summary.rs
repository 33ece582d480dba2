//! The closing summary, written to stderr so it is never mistaken for packet output.

use super::style::Palette;
use crate::note::NoteGroup;
use crate::sink::Summary;
use crate::span::Label;
use crate::text::{grouped, plural};
use std::fmt::Write as _;

fn breakdown(s: &mut String, counts: &[u64; Label::COUNT], palette: Option<&Palette>) {
    let total: u64 = counts.iter().sum();
    // A space always parts the label from the count: 13 columns hold counts under a
    // gigabyte, which keep their place; a longer one pushes the line right.
    let _ = write!(s, " {:>12}", grouped(total));
    if total == 0 {
        return;
    }
    s.push_str(" =");
    for (i, label) in Label::ALL.iter().enumerate() {
        let n = counts[label.index()];
        let pct = n as f64 * 100.0 / total as f64;
        if i > 0 {
            s.push_str(" +");
        }
        let word = label.word();
        match palette {
            Some(p) => {
                let on = crate::text::lossy(p.on(*label)).into_owned();
                let reset = crate::text::lossy(&p.reset).into_owned();
                let _ = write!(s, " {on}{word}{reset} {} ({pct:.1}%)", grouped(n));
            }
            None => {
                let _ = write!(s, " {word} {} ({pct:.1}%)", grouped(n));
            }
        }
    }
}

/// `1 frame`, `12,345 frames`.
fn plural_grouped(n: u64, noun: &str) -> String {
    let words = plural(n, noun);
    match words.split_once(' ') {
        Some((_, rest)) => format!("{} {rest}", grouped(n)),
        None => words,
    }
}

/// Appends the summary text.
pub fn write_summary(out: &mut Vec<u8>, sum: &Summary, palette: Option<&Palette>) {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "summary: {}, {} ({} TCP of which {} TLS, {} UDP)",
        plural_grouped(sum.frames, "frame"),
        plural_grouped(sum.flows, "flow"),
        grouped(sum.tcp_flows),
        grouped(sum.tls_flows),
        grouped(sum.udp_flows)
    );
    s.push_str("  captured bytes");
    breakdown(&mut s, &sum.bytes, palette);
    s.push('\n');
    s.push_str("  payload bytes ");
    breakdown(&mut s, &sum.payload, palette);
    s.push('\n');
    let notes: Vec<String> = NoteGroup::ALL
        .iter()
        .filter(|g| sum.notes[g.index()] > 0)
        .map(|g| format!("{} {}", grouped(sum.notes[g.index()]), g.name()))
        .collect();
    if notes.is_empty() {
        s.push_str("  notes: none\n");
    } else {
        let _ = writeln!(s, "  notes: {}", notes.join(", "));
    }
    if !sum.unsupported_links.is_empty() {
        let list: Vec<String> = sum
            .unsupported_links
            .iter()
            .map(|(l, n)| format!("{} of link type {l}", plural_grouped(*n, "frame")))
            .collect();
        let _ = writeln!(s, "  not decoded: {}", list.join(", "));
    }
    if sum.forced_releases > 0 || sum.evicted_flows > 0 {
        let _ = writeln!(
            s,
            "  limits hit: {} released early, {} evicted",
            plural_grouped(sum.forced_releases, "frame"),
            plural_grouped(sum.evicted_flows, "flow")
        );
    }
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_wider_than_its_column_is_still_parted_from_its_label() {
        let mut sum = Summary::default();
        sum.bytes[Label::Opaque.index()] = 1_012_239_126;
        sum.payload[Label::Opaque.index()] = 963;
        let mut out = Vec::new();
        write_summary(&mut out, &sum, None);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("  captured bytes 1,012,239,126 = "), "{text}");
        // Counts that fit keep the column as before.
        assert!(text.contains("  payload bytes           963 = "), "{text}");
    }
}
