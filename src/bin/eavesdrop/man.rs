//! `eavesdrop man`: the manual page, made from the clap definitions (clap_mangen), so
//! it cannot drift from `--help`. One page: the command, then each subcommand's
//! synopsis, description and options in a section of its own. docs/eavesdrop.1 is this
//! output, committed; a test fails when the definitions change and it is not remade
//! (`cargo run -- man > docs/eavesdrop.1`).

use clap::CommandFactory as _;
use std::io::{self, Write};

/// Subcommands documented in their own sections (not `help`, `man`, `completions`).
const SECTIONS: [(&str, &str); 6] = [
    ("show", "eavesdrop show"),
    ("flows", "eavesdrop flows"),
    ("check", "eavesdrop check"),
    ("html", "eavesdrop html"),
    ("demo", "eavesdrop demo"),
    ("live", "eavesdrop live"),
];

pub fn write(out: &mut impl Write) -> io::Result<()> {
    let cmd = super::args::Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    let mut subs = Vec::new();
    man.render_subcommands_section(&mut subs)?;
    // One page: subcommands are sections below, not pages of their own.
    let mut subs = String::from_utf8_lossy(&subs).into_owned();
    for (name, _) in SECTIONS
        .iter()
        .chain(&[("completions", ""), ("man", ""), ("help", "")])
    {
        subs = subs.replace(
            &format!("eavesdrop\\-{name}(1)"),
            &format!("eavesdrop {name}"),
        );
    }
    page.extend_from_slice(subs.as_bytes());
    for (name, full) in SECTIONS {
        let Some(sub) = cmd.find_subcommand(name) else {
            continue;
        };
        let sub = sub.clone().name(full);
        let mut part = Vec::new();
        let sub_man = clap_mangen::Man::new(sub);
        sub_man.render_synopsis_section(&mut part)?;
        sub_man.render_description_section(&mut part)?;
        sub_man.render_options_section(&mut part)?;
        sub_man.render_extra_section(&mut part)?;
        // Each part's headings become this subcommand's: SYNOPSIS → SHOW, the others
        // subsections of it.
        let text = String::from_utf8_lossy(&part)
            .replacen(
                ".SH SYNOPSIS",
                &format!(".SH \"EAVESDROP {}\"", name.to_uppercase()),
                1,
            )
            .replace(".SH DESCRIPTION", ".SS Description")
            .replace(".SH OPTIONS", ".SS Options")
            .replace(".SH EXTRA", ".SS Examples");
        page.extend_from_slice(text.as_bytes());
    }
    man.render_extra_section(&mut page)?;
    man.render_version_section(&mut page)?;
    out.write_all(&page)
}
