//! Arguments parsed and resolved.

use super::*;

fn demo(args: &[&str]) -> DemoArgs {
    let mut argv = vec!["eavesdrop", "demo"];
    argv.extend_from_slice(args);
    match Cli::try_parse_from(argv).expect("parses").command {
        Command::Demo(d) => d,
        _ => unreachable!(),
    }
}

#[test]
fn demo_layout_is_a_projector_unless_told_or_narrower() {
    let piped = demo(&["--step"]).layout(None, None);
    assert_eq!((piped.width, piped.height, piped.clear), (100, 30, false));
    // A wide terminal: still 100 columns and 30 rows; a small one: its size.
    let wide = demo(&["--step"]).layout(Some((200, 60)), None);
    assert_eq!((wide.width, wide.height, wide.clear), (100, 30, true));
    let small = demo(&[]).layout(Some((80, 24)), Some("200"));
    assert_eq!((small.width, small.height, small.clear), (80, 24, false));
    // $COLUMNS only when stdout is not a terminal; --width over everything.
    assert_eq!(demo(&[]).layout(None, Some("72")).width, 72);
    assert_eq!(demo(&[]).layout(None, Some("wide")).width, 100);
    assert_eq!(
        demo(&["--width", "140"]).layout(Some((90, 30)), None).width,
        140
    );
    assert!(Cli::try_parse_from(["eavesdrop", "demo", "--width", "20"]).is_err());
}
