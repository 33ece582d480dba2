//! Writes the page: one HTML file with no external resource. Its parts:
//!
//! - a `<meta http-equiv="Content-Security-Policy">` that allows nothing but the one
//!   inline stylesheet and the one inline script, each by its SHA-256 hash; no remote
//!   load, no inline event handler, no `eval`, images only as `data:`; Trusted Types
//!   are required with no policy, so any HTML string sink (`innerHTML`…) would throw;
//! - the data, as JSON in `<script type="application/json">` elements that the browser
//!   never runs (ids prefixed `d-`, apart from the sections' own ids): `d-page` (title, intro, labels, the list of sections, the demo's closing
//!   table), `d-sN` per capture (summary, flows with their ladders, packet list, fields;
//!   the flows written from their texts, [`Section::flows`]),
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
    let mut out = Vec::new();
    // (Writing to a `Vec` cannot fail, and what is written is UTF-8.)
    let _ = write_script_text(&mut out, &value.to_string());
    String::from_utf8(out).unwrap_or_default()
}

/// Writes JSON text escaped as [`script_json`] escapes it, in pieces between the
/// characters it escapes.
fn write_script_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    let mut from = 0;
    for (i, c) in text.char_indices() {
        let escape = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        out.write_all(text.get(from..i).unwrap_or_default().as_bytes())?;
        out.write_all(escape.as_bytes())?;
        from = i + c.len_utf8();
    }
    out.write_all(text.get(from..).unwrap_or_default().as_bytes())
}

/// Writes a section's data for its script element: [`Section::data`] with the flows'
/// texts as its `flows` (first: the page's script reads the object by key), escaped
/// as [`script_json`] escapes, without gathering the flows into one text.
fn write_section_json(out: &mut impl Write, s: &Section) -> io::Result<()> {
    out.write_all(b"{\"flows\":[")?;
    for (i, f) in s.flows.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_script_text(out, f)?;
    }
    out.write_all(b"]")?;
    let rest = s.data.to_string();
    match rest.strip_prefix('{').filter(|r| *r != "}") {
        Some(r) => {
            out.write_all(b",")?;
            write_script_text(out, r)
        }
        None => out.write_all(b"}"),
    }
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
        write!(out, "<script type=\"application/json\" id=\"d-s{i}\">")?;
        write_section_json(out, s)?;
        writeln!(out, "</script>")?;
        for (n, d) in &s.details {
            write!(out, "<script type=\"application/json\" id=\"d-s{i}-f{n}\">")?;
            write_script_text(out, d)?;
            writeln!(out, "</script>")?;
        }
    }
    write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n")?;
    out.flush()
}
