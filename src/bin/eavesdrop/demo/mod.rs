//! `eavesdrop demo`: the textbook lesson in three acts — the same message sent in
//! plaintext, over TLS 1.2 and over TLS 1.3 — on captures embedded in the binary (or,
//! with `--live`, on traffic made and captured right now). Each act shows the packets
//! that make its point, with plain-language narration, and a table at the end says what
//! an observer learned in each.
//!
//! The parts, kept apart: [`analysis`] runs the engine over an act's capture and
//! finds what makes the point (the frames to show, the bytes in them, the facts for
//! the closing table); [`narration`] holds every word, per act, as data; [`page`]
//! chooses the hex rows that fit on an act's page; [`screen`] lays it all out within
//! the [`DemoLayout`]. [`run`] walks the pages: the opening, one per act, the table.

mod analysis;
mod narration;
mod page;
mod screen;

use crate::args::DemoLayout;
use eavesdrop::render::html::{HtmlOptions, HtmlSink, Outro, Page};
use eavesdrop::{CaptureReader, Engine, EngineConfig};
use screen::Screen;
use std::io;

/// The message every act sends (the textbook's).
pub const MESSAGE: &[u8] = b"Simple is better than complex.\n";

/// Which act of the story a capture tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lesson {
    Plaintext,
    Tls12,
    Tls13,
}

impl Lesson {
    /// The message goes through TLS.
    pub fn is_tls(self) -> bool {
        self != Lesson::Plaintext
    }
}

/// One act's capture.
pub struct Act {
    pub lesson: Lesson,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The captures that ship inside the binary (made as captures/README.md says).
pub fn embedded() -> Vec<Act> {
    vec![
        Act {
            lesson: Lesson::Plaintext,
            name: "captures/plain-echo.pcap".into(),
            bytes: include_bytes!("../../../../captures/plain-echo.pcap").to_vec(),
        },
        Act {
            lesson: Lesson::Tls12,
            name: "captures/tls12-echo.pcapng".into(),
            bytes: include_bytes!("../../../../captures/tls12-echo.pcapng").to_vec(),
        },
        Act {
            lesson: Lesson::Tls13,
            name: "captures/tls13-echo.pcapng".into(),
            bytes: include_bytes!("../../../../captures/tls13-echo.pcapng").to_vec(),
        },
    ]
}

/// Runs the acts in order (plaintext, TLS 1.2, TLS 1.3), then the closing table; with
/// `step`, waits for Enter after each page.
pub fn run(
    acts: &[Act],
    step: bool,
    color: bool,
    layout: DemoLayout,
    source: &str,
) -> anyhow::Result<()> {
    let mut screen = Screen::new(io::stdout(), color, layout);
    screen.page(narration::TITLE)?;
    screen.say(&narration::intro(source))?;
    screen.points(&narration::LEGEND.map(|(label, text)| (label, text.to_string())))?;
    screen.blank()?;
    let mut learned = Vec::new();
    for (i, act) in acts.iter().enumerate() {
        let found = analysis::analyse(act)?;
        let prompt = if i == 0 {
            narration::BEGIN
        } else {
            narration::PROMPT
        };
        screen.wait(step, prompt)?;
        screen.page(&narration::act_heading(i + 1, act.lesson))?;
        screen.say(act.lesson.script().story)?;
        let findings = narration::findings(&found.learned);
        // Still to come on the page: a blank line, the findings, the prompt.
        screen.frames(&found, 1 + screen.points_height(&findings) + 1)?;
        screen.blank()?;
        screen.points(&findings)?;
        learned.push(found.learned);
    }
    screen.wait(step, narration::PROMPT)?;
    screen.page(narration::CLOSING_TITLE)?;
    screen.table(&narration::closing_table(&learned))?;
    screen.say(narration::CLOSING)?;
    screen.flush()?;
    Ok(())
}

/// The lesson as one web page (`demo --html`): the opening words, a section per act
/// (its heading, its story, what it showed, then the capture's totals, flows, ladders
/// and bytes, as `eavesdrop html` draws them), and the closing table.
pub fn page(acts: &[Act], source: &str) -> anyhow::Result<Page> {
    let mut page = Page {
        title: narration::TITLE.to_string(),
        intro: vec![narration::intro(source)],
        ..Page::default()
    };
    let mut learned = Vec::new();
    for (i, act) in acts.iter().enumerate() {
        let found = analysis::analyse(act)?;
        let mut reader = CaptureReader::from_reader(io::Cursor::new(act.bytes.clone()), &act.name)?;
        let config = EngineConfig {
            reports: true,
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(HtmlSink::new(&act.name, HtmlOptions::default()), config);
        while let Some(frame) = reader.next_frame() {
            engine.push(frame?)?;
        }
        let (sink, _summary) = engine.finish()?;
        let mut section = sink.into_section();
        section.title = format!(
            "{} ({})",
            narration::act_heading(i + 1, act.lesson),
            act.name
        );
        section.intro = vec![act.lesson.script().story.to_string()];
        section.intro.extend(
            narration::findings(&found.learned)
                .into_iter()
                .map(|(_, text)| text),
        );
        page.sections.push(section);
        learned.push(found.learned);
    }
    let table = narration::closing_table(&learned);
    page.outro = Some(Outro {
        title: narration::CLOSING_TITLE.to_string(),
        columns: std::iter::once("")
            .chain(table.columns.iter().copied())
            .map(str::to_string)
            .collect(),
        rows: table
            .rows
            .into_iter()
            .map(|(head, cells)| std::iter::once(head.to_string()).chain(cells).collect())
            .collect(),
        text: narration::CLOSING.to_string(),
    });
    Ok(page)
}
