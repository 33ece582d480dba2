//! tcpdump options eavesdrop does not take, recognised to say so instead of a
//! generic clap error.

use super::*;

/// tcpdump's options that `show` does not take, each with what to do instead. Options
/// eavesdrop shares with tcpdump are left to clap.
pub(super) const TCPDUMP_ONLY: &[(char, &str)] = &[
    (
        'i',
        "it reads files; capture live with `eavesdrop live -i IFACE`",
    ),
    (
        'w',
        "it reads captures and writes none; `eavesdrop live -w FILE` saves a live capture",
    ),
    (
        's',
        "the snap length belongs to live capture: `eavesdrop live -s SNAPLEN`",
    ),
    ('D', "list interfaces with `eavesdrop live --list`"),
    (
        'F',
        "give the filter as words after the files, or with --filter",
    ),
    (
        'V',
        "give the capture files as words (several are read in order)",
    ),
    (
        'T',
        "eavesdrop recognises protocols by content first, then by port",
    ),
    ('E', "it does not decrypt ESP"),
    ('M', "it does not verify TCP-MD5 signatures"),
    ('y', "it decodes the link type the file declares"),
    ('L', "it decodes the link type the file declares"),
    ('C', "it writes no files"),
    ('G', "it writes no files"),
    ('W', "it writes no files"),
    ('z', "it writes no files"),
    ('Z', "it drops no privileges (it needs none to read files)"),
    ('d', "compile the filter with tcpdump -d"),
    ('p', "it is a live-capture option"),
    ('I', "it is a live-capture option"),
    ('B', "it is a live-capture option"),
    ('J', "it is a live-capture option"),
    ('Q', "it is a live-capture option"),
    (
        'l',
        "output is flushed at the end of each file; pipe through `stdbuf -oL` if needed",
    ),
    ('U', "output is flushed at the end of each file"),
    ('N', "it prints addresses, never names"),
    ('f', "it prints addresses, never names"),
    ('O', "it runs no BPF optimiser"),
    ('b', "it prints AS numbers as numbers"),
    ('H', "it does not detect 802.11s mesh headers"),
    ('u', "it does not decode NFS"),
    ('m', "it loads no SMI MIB modules"),
];

/// tcpdump's long options `show` does not take.
pub(super) const TCPDUMP_ONLY_LONG: &[(&str, &str)] = &[
    ("--immediate-mode", "it is a live-capture option"),
    ("--time-stamp-type", "it is a live-capture option"),
    ("--time-stamp-precision", "use --nano for nanoseconds"),
    ("--micro", "microseconds are the default"),
    (
        "--list-interfaces",
        "list interfaces with `eavesdrop live --list`",
    ),
    ("--list-time-stamp-types", "it is a live-capture option"),
    ("--direction", "it is a live-capture option"),
    ("--interface", "capture live with `eavesdrop live -i IFACE`"),
    ("--buffer-size", "it is a live-capture option"),
    (
        "--snapshot-length",
        "the snap length belongs to `eavesdrop live -s SNAPLEN`",
    ),
    ("--monitor-mode", "it is a live-capture option"),
    ("--no-promiscuous-mode", "it is a live-capture option"),
    (
        "--relinquish-privileges",
        "it drops no privileges (it needs none to read files)",
    ),
    ("--print", "packets are always printed"),
    (
        "--packet-buffered",
        "output is flushed at the end of each file",
    ),
    ("--linktype", "it decodes the link type the file declares"),
    ("--lengths", "it is a tcpdump -w option"),
    ("--count", "use -c COUNT"),
];

/// Options of `show` that take a value (the rest of a bundle, or the next word).
/// tcpdump's `-j TSTAMP_TYPE` (live capture only) is eavesdrop's `-j N`, worker threads.
pub(super) const SHOW_VALUE_SHORTS: &[char] = &['r', 'c', 'j'];

/// Says which tcpdump option `show` was given that it does not support, and what to
/// use instead, before clap would call it merely unexpected. `args` are the words
/// after `show`.
pub fn unsupported_tcpdump_option(args: &[OsString]) -> Option<String> {
    let mut words = args.iter().map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            return None;
        }
        if word.starts_with("--") {
            let name = word.split('=').next().unwrap_or(&word);
            if let Some((_, why)) = TCPDUMP_ONLY_LONG.iter().find(|(n, _)| *n == name) {
                return Some(format!(
                    "tcpdump's {name} is not supported by eavesdrop show: {why}"
                ));
            }
            continue;
        }
        let Some(bundle) = word.strip_prefix('-').filter(|b| !b.is_empty()) else {
            continue;
        };
        for (i, c) in bundle.char_indices() {
            if SHOW_VALUE_SHORTS.contains(&c) {
                // The value is the rest of the bundle, or the next word.
                if bundle.len() == i + c.len_utf8() {
                    words.next();
                }
                break;
            }
            if let Some((_, why)) = TCPDUMP_ONLY.iter().find(|(o, _)| *o == c) {
                let shown = if bundle.len() > 1 {
                    format!("-{c} (in {word})")
                } else {
                    format!("-{c}")
                };
                return Some(format!(
                    "tcpdump's {shown} is not supported by eavesdrop show: {why}"
                ));
            }
        }
    }
    None
}
