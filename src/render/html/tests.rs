use super::page::{content_security_policy, csp_hash, html_text, script_json, SCRIPT, STYLE};
use super::*;
use serde_json::json;

#[test]
fn script_json_cannot_close_its_element() {
    let v = json!({"sni": "</script><script>alert(1)</script>", "x": "<!-- & \u{2028}\u{2029}"});
    let s = script_json(&v);
    assert!(
        !s.contains('<') && !s.contains('>') && !s.contains('&'),
        "{s}"
    );
    assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'));
    // Still the same JSON.
    let back: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(back, v);
}

/// A section's flows are kept as text and written into its data as `flows`, escaped
/// as the rest: the element still parses to the data with the flows in it.
#[test]
fn a_section_s_flows_are_written_into_its_data_escaped() {
    let flow = json!({"id": 1, "sni": "</script><script>alert(1)</script>", "x": "\u{2028}&"});
    for data in [json!({"file": "a.pcap", "n": 2}), json!({})] {
        let page = Page {
            sections: vec![Section {
                data: data.clone(),
                flows: vec![flow.to_string(), json!({"id": 2}).to_string()],
                ..Section::default()
            }],
            ..Page::default()
        };
        let mut out = Vec::new();
        write_page(&mut out, &page).unwrap();
        let html = String::from_utf8(out).unwrap();
        let start = "<script type=\"application/json\" id=\"d-s0\">";
        let text = html
            .split_once(start)
            .and_then(|(_, rest)| rest.split_once("</script>"))
            .map(|(text, _)| text)
            .unwrap();
        assert!(!text.contains('<') && !text.contains('&') && !text.contains('\u{2028}'));
        let mut expected = data;
        expected["flows"] = json!([flow, {"id": 2}]);
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, expected);
    }
}

#[test]
fn html_text_escapes_markup_and_quotes() {
    assert_eq!(
        html_text(r#"<a href="x" onclick='y'>&"#),
        "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;"
    );
}

#[test]
fn csp_admits_exactly_the_embedded_assets() {
    let csp = content_security_policy();
    assert!(
        csp.contains(&format!("script-src '{}'", csp_hash(SCRIPT))),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src '{}'", csp_hash(STYLE))),
        "{csp}"
    );
    assert!(csp.starts_with("default-src 'none'"));
    assert!(!csp.contains("unsafe"), "{csp}");
    // A known SHA-256: of the empty string.
    assert_eq!(
        csp_hash(""),
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

/// The script builds the document with DOM calls only: no HTML parsing of strings, no
/// code from strings, no network. (The CSP enforces most of it; this keeps the source
/// honest.)
#[test]
fn script_has_no_html_or_code_sinks() {
    // The one line that names attributes in order to refuse them is no use of them.
    let code: String = SCRIPT
        .lines()
        .filter(|l| !l.trim_start().starts_with("const FORBIDDEN_ATTR = "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(code.len() + 200 > SCRIPT.len(), "only one line left out");
    for bad in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setTimeout('",
        "fetch(",
        "XMLHttpRequest",
        "import(",
        "createContextualFragment",
        "DOMParser",
        "srcdoc",
        "javascript:",
    ] {
        assert!(!code.contains(bad), "page.js uses {bad}");
    }
    for asset in [SCRIPT, STYLE] {
        let lower = asset.to_ascii_lowercase();
        assert!(!lower.contains("</script") && !lower.contains("</style"));
        assert!(!lower.contains("url(http") && !lower.contains("@import"));
    }
}

#[test]
fn page_embeds_sections_and_escapes_the_title() {
    let mut page = Page {
        title: "<b>title</b>".into(),
        ..Page::default()
    };
    let sink = HtmlSink::new("x.pcap", HtmlOptions::default());
    page.sections.push(sink.into_section());
    let mut out = Vec::new();
    write_page(&mut out, &page).unwrap();
    let html = String::from_utf8(out).unwrap();
    assert!(html.contains("<title>&lt;b&gt;title&lt;/b&gt;</title>"));
    assert!(html.contains("<script type=\"application/json\" id=\"d-s0\">"));
    assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
    assert!(html.contains(&format!("<style>{STYLE}</style>")));
    // One executable script element, one style element.
    assert_eq!(html.matches("<script>").count(), 1);
    assert_eq!(html.matches("<style>").count(), 1);
}

#[test]
fn ladders_keep_their_head_and_tail() {
    let mut l = Ladder::default();
    for f in 1..=100u64 {
        l.push(Arrow {
            frame: f,
            dir: Direction::ToServer,
            at_us: 0,
            wire: 10,
            payload: 0,
            counts: [0; Label::COUNT],
            text: String::new(),
        });
    }
    assert_eq!(l.head.len(), LADDER_HEAD);
    assert_eq!(l.tail.len(), LADDER_TAIL);
    assert_eq!(l.head.last().map(|a| a.frame), Some(LADDER_HEAD as u64));
    assert_eq!(
        l.tail.front().map(|a| a.frame),
        Some(100 - LADDER_TAIL as u64 + 1)
    );
    assert_eq!(l.omitted, 100 - (LADDER_HEAD + LADDER_TAIL) as u64);
    assert_eq!(l.omitted_bytes, l.omitted * 10);
}

#[test]
fn clean_escapes_control_and_bidi_characters_in_keys_and_values() {
    let mut v = json!({"a\u{1b}": ["x\u{202e}y", {"k": "\u{7}"}], "n": 1});
    clean(&mut v);
    assert_eq!(
        v,
        json!({"a\\x1b": ["x\\u{202e}y", {"k": "\\x07"}], "n": 1})
    );
}
