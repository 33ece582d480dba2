//! Writes the page: one HTML file with no external resource. Its parts:
//!
//! - a `<meta http-equiv="Content-Security-Policy">` that allows nothing but the one
//!   inline stylesheet and the one inline script, each by its SHA-256 hash; no remote
//!   load, no inline event handler, no `eval`, images only as `data:`; Trusted Types
//!   are required with no policy, so any HTML string sink (`innerHTML`…) would throw;
//! - the data, as JSON in `<script type="application/json">` elements that the browser
//!   never runs (ids prefixed `d-`, apart from the sections' own ids): `d-page` (title, intro, labels, the list of sections, the demo's closing
//!   table), `d-sN` per capture (summary, flows with their ladders, packet list, fields),
//!   and `d-sN-fM` per embedded frame, parsed only when that frame is selected;
//! - the stylesheet (`page.css`) and the script (`page.js`), assets included at build
//!   time, which read the data with `textContent` + `JSON.parse` and build the
//!   document with DOM calls only.
//!
//! JSON inside a script element is escaped so that no capture string can end it:
//! `<`, `>`, `&`, U+2028 and U+2029 become `\u` escapes ([`script_json`]).

use super::Section;
use crate::render::style::mask_symbol;
use crate::span::Label;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// The page's stylesheet, embedded whole.
pub const STYLE: &str = include_str!("page.css");
/// The page's one script, embedded whole.
pub const SCRIPT: &str = include_str!("page.js");

/// The demo's closing table, or any table of words after the sections.
#[derive(Clone, Debug, Default)]
pub struct Outro {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub text: String,
}

/// A whole page: a title, optional paragraphs, one section per capture.
#[derive(Debug, Default)]
pub struct Page {
    pub title: String,
    pub intro: Vec<String>,
    pub sections: Vec<Section>,
    pub outro: Option<Outro>,
}

/// `sha256-…` of a text, as CSP hash sources name it.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; \
         base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; \
         trusted-types 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// JSON for a `<script type="application/json">` element: nothing in it can close the
/// element or start a comment (`<`, `>`, `&` escaped), and the two line separators
/// JavaScript once treated as line ends are escaped too.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for an HTML element or a quoted attribute.
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page_json(page: &Page) -> Value {
    let labels: Vec<Value> = Label::ALL
        .iter()
        .map(|&l| json!({"word": l.word(), "symbol": (mask_symbol(l) as char).to_string()}))
        .collect();
    let esc = |s: &String| crate::render::escape(s).into_owned();
    json!({
        "title": esc(&page.title),
        "intro": page.intro.iter().map(esc).collect::<Vec<_>>(),
        "labels": labels,
        "classes": super::CLASSES,
        "generator": format!("eavesdrop {}", env!("CARGO_PKG_VERSION")),
        "sections": page.sections.iter().enumerate().map(|(i, s)| json!({
            "id": format!("s{i}"),
            "title": esc(&s.title),
            "intro": s.intro.iter().map(esc).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "outro": page.outro.as_ref().map(|o| json!({
            "title": esc(&o.title),
            "columns": o.columns.iter().map(esc).collect::<Vec<_>>(),
            "rows": o.rows.iter().map(|r| r.iter().map(esc).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "text": esc(&o.text),
        })),
    })
}

/// Writes the page.
pub fn write_page(out: &mut impl Write, page: &Page) -> io::Result<()> {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"eavesdrop {version}\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <noscript><p>This page draws its tables, ladders and hex views with its own \
         embedded script (no network access); allow JavaScript for this file to see \
         them.</p></noscript>\n<main id=\"app\"></main>\n",
        csp = html_text(&content_security_policy()),
        version = env!("CARGO_PKG_VERSION"),
        title = html_text(&crate::render::escape(&page.title)),
    )?;
    writeln!(
        out,
        "<script type=\"application/json\" id=\"d-page\">{}</script>",
        script_json(&page_json(page))
    )?;
    for (i, s) in page.sections.iter().enumerate() {
        writeln!(
            out,
            "<script type=\"application/json\" id=\"d-s{i}\">{}</script>",
            script_json(&s.data)
        )?;
        for (n, d) in &s.details {
            writeln!(
                out,
                "<script type=\"application/json\" id=\"d-s{i}-f{n}\">{}</script>",
                script_json(d)
            )?;
        }
    }
    write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n")?;
    out.flush()
}
