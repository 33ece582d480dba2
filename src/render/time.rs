//! tcpdump's timestamp forms (`-t` … `-ttttt`), in local time like tcpdump.
//!
//! tcpdump calls `localtime()` for every packet, which costs more than half of its
//! run time on large files. Here the UTC offset is looked up once and reused until
//! the next time-zone transition (found with jiff from the system tz database), so
//! the per-packet cost is integer arithmetic.

use crate::capture::Timestamp;
use jiff::tz::TimeZone;

/// Which form, as tcpdump's repeated `-t` selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// `HH:MM:SS.ffffff` in local time (no `-t`).
    #[default]
    Local,
    /// No timestamp (`-t`).
    None,
    /// Seconds since the epoch (`-tt`).
    Unix,
    /// Delta since the previous frame (`-ttt`).
    SincePrevious,
    /// Date and local time (`-tttt`).
    LocalDate,
    /// Delta since the first frame (`-ttttt`).
    SinceFirst,
}

impl TimeFormat {
    /// From the number of `-t` flags.
    pub fn from_count(n: u8) -> TimeFormat {
        match n {
            0 => TimeFormat::Local,
            1 => TimeFormat::None,
            2 => TimeFormat::Unix,
            3 => TimeFormat::SincePrevious,
            4 => TimeFormat::LocalDate,
            _ => TimeFormat::SinceFirst,
        }
    }
}

/// The local UTC offset valid over a span of time.
#[derive(Clone, Copy, Debug)]
struct OffsetSpan {
    from: i64,
    until: i64,
    offset: i64,
}

#[derive(Clone)]
pub struct Clock {
    format: TimeFormat,
    nanos: bool,
    tz: TimeZone,
    cache: Option<OffsetSpan>,
    /// The time deltas are taken from (`-ttt`, `-ttttt`); zero while unset.
    reference: TimeVal,
}

impl Clock {
    /// `tz`: the zone for local times (normally [`TimeZone::system`], which honours TZ).
    pub fn new(format: TimeFormat, nanos: bool, tz: TimeZone) -> Clock {
        Clock {
            format,
            nanos,
            tz,
            cache: None,
            reference: TimeVal::default(),
        }
    }

    /// Takes up the reference times one clock would have at a frame that a worker of
    /// `-j N` renders without having seen the frames before it.
    pub fn resume(&mut self, context: &crate::sink::FrameContext) {
        match self.format {
            TimeFormat::SincePrevious => {
                self.reference = context
                    .previous
                    .map_or(TimeVal::default(), |t| TimeVal::of(t, self.nanos));
            }
            TimeFormat::SinceFirst => {
                let first = if self.nanos {
                    context.first_nano
                } else {
                    context.first_micro
                };
                self.reference = first.map_or(TimeVal::default(), |t| TimeVal::of(t, self.nanos));
            }
            _ => {}
        }
    }

    /// The UTC offset in seconds at `sec`, from the cache when it covers `sec`.
    fn offset_at(&mut self, sec: i64) -> i64 {
        if let Some(c) = self.cache {
            if (c.from..c.until).contains(&sec) {
                return c.offset;
            }
        }
        let Ok(ts) = jiff::Timestamp::from_second(sec) else {
            return 0;
        };
        let offset = i64::from(self.tz.to_offset(ts).seconds());
        // Valid from here until the next transition; an earlier time looks up again.
        let from = sec;
        let until = self
            .tz
            .following(ts)
            .next()
            .map_or(i64::MAX, |t| t.timestamp().as_second());
        self.cache = Some(OffsetSpan {
            from,
            until,
            offset,
        });
        offset
    }

    /// Appends the timestamp and its trailing space (nothing for `-t`).
    pub fn write(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        let tv = TimeVal::of(ts, self.nanos);
        match self.format {
            TimeFormat::None => {}
            TimeFormat::Local | TimeFormat::LocalDate => {
                if tv.out_of_range() {
                    out.extend_from_slice(b"[Error converting time] ");
                    return;
                }
                let local = tv.sec + self.offset_at(tv.sec);
                if self.format == TimeFormat::LocalDate {
                    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
                    push_num(out, y.unsigned_abs(), 4);
                    out.push(b'-');
                    push_num(out, u64::from(m), 2);
                    out.push(b'-');
                    push_num(out, u64::from(d), 2);
                    out.push(b' ');
                }
                push_hms(out, local.rem_euclid(86_400).unsigned_abs());
                self.frac(out, tv.frac);
                out.push(b' ');
            }
            TimeFormat::Unix => {
                if tv.out_of_range() {
                    out.extend_from_slice(b"[Error converting time] ");
                    return;
                }
                push_num(out, u64::from(tv.sec as u32), 1);
                self.frac(out, tv.frac);
                out.push(b' ');
            }
            TimeFormat::SincePrevious | TimeFormat::SinceFirst => {
                // tcpdump's reference is "unset" while it is zero: a first packet at
                // time 0 (or, with -ttt, any packet at 0) makes the next one the start.
                if !self.reference.is_set() {
                    self.reference = tv;
                }
                let negative = tv.before(self.reference);
                let per_sec = if self.nanos { 1_000_000_000 } else { 1_000_000 };
                let diff = if negative {
                    self.reference.minus(tv, per_sec)
                } else {
                    tv.minus(self.reference, per_sec)
                };
                out.push(if negative { b'-' } else { b' ' });
                if diff.out_of_range() {
                    out.extend_from_slice(b"[Error converting time] ");
                } else {
                    push_hms(out, diff.sec.rem_euclid(86_400).unsigned_abs());
                    self.frac(out, diff.frac);
                    out.push(b' ');
                }
                if self.format == TimeFormat::SincePrevious {
                    self.reference = tv;
                }
            }
        }
    }

    /// `.%06u` or `.%09u` of the fraction, as tcpdump casts it to unsigned 32 bits.
    fn frac(&self, out: &mut Vec<u8>, frac: i64) {
        let f = u64::from(frac as u32);
        let d = crate::text::two_digits;
        // The usual fraction as one array of pairs (a third of the instructions of
        // the general path); a wider one (a record whose microseconds overflow) as
        // tcpdump prints it, every digit.
        match (self.nanos, f) {
            (false, 0..1_000_000) => {
                let [a, b] = d(f / 10_000);
                let [c, e] = d(f / 100);
                let [g, h] = d(f);
                out.extend_from_slice(&[b'.', a, b, c, e, g, h]);
            }
            (true, 0..1_000_000_000) => {
                let [a, b] = d(f / 10_000_000);
                let [c, e] = d(f / 100_000);
                let [g, h] = d(f / 1_000);
                let [i, j] = d(f / 10);
                let k = b'0' + (f % 10) as u8;
                out.extend_from_slice(&[b'.', a, b, c, e, g, h, i, j, k]);
            }
            _ => {
                out.push(b'.');
                push_num(out, f, if self.nanos { 9 } else { 6 });
            }
        }
    }
}

/// A time as tcpdump's `struct timeval` holds it: seconds and a fraction in the
/// display precision (micro- or nanoseconds), both signed and not normalised, with
/// its arithmetic (`netdissect_timevalsub`, `netdissect_timevalcmp`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct TimeVal {
    sec: i64,
    frac: i64,
}

impl TimeVal {
    /// What libpcap hands tcpdump for `ts`: a legacy record's fields as read (scaled
    /// up or down when the file's precision is not the one displayed), or the time.
    fn of(ts: Timestamp, nanos: bool) -> TimeVal {
        match ts.raw {
            Some(raw) => TimeVal {
                sec: i64::from(raw.sec),
                frac: match (raw.nano, nanos) {
                    (false, true) => i64::from(raw.frac) * 1000,
                    (true, false) => i64::from(raw.frac) / 1000,
                    _ => i64::from(raw.frac),
                },
            },
            None => TimeVal {
                sec: ts.sec,
                frac: i64::from(if nanos { ts.nsec } else { ts.nsec / 1000 }),
            },
        }
    }

    fn is_set(self) -> bool {
        self.sec != 0 || self.frac != 0
    }

    fn before(self, other: TimeVal) -> bool {
        if self.sec == other.sec {
            self.frac < other.frac
        } else {
            self.sec < other.sec
        }
    }

    fn minus(self, other: TimeVal, per_sec: i64) -> TimeVal {
        let mut sec = self.sec.wrapping_sub(other.sec);
        let mut frac = self.frac - other.frac;
        if frac < 0 {
            sec = sec.wrapping_sub(1);
            frac += per_sec;
        }
        TimeVal { sec, frac }
    }

    /// tcpdump 4.99 refuses seconds whose low 32 bits have bit 31 set
    /// (`[Error converting time]`).
    fn out_of_range(self) -> bool {
        (self.sec as u32) & 0x8000_0000 != 0
    }
}

fn push_hms(out: &mut Vec<u8>, secs_of_day: u64) {
    // One array: below 86,400 seconds the hours have two digits.
    let d = crate::text::two_digits;
    let ([a, b], [c, e], [f, g]) = (
        d(secs_of_day / 3600),
        d(secs_of_day / 60 % 60),
        d(secs_of_day % 60),
    );
    out.extend_from_slice(&[a, b, b':', c, e, b':', f, g]);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub fn push_num(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let digits = crate::text::decimal(&mut buf, n);
    out.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits);
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(format: TimeFormat, tz: &str, stamps: &[(i64, u32)]) -> Vec<String> {
        let tz = TimeZone::get(tz).unwrap();
        let mut clock = Clock::new(format, false, tz);
        stamps
            .iter()
            .map(|&(sec, nsec)| {
                let mut out = Vec::new();
                clock.write(&mut out, Timestamp::new(sec, nsec));
                String::from_utf8(out).unwrap()
            })
            .collect()
    }

    /// The fixed-width writers (times of day, fractions in one array) against the
    /// formatting machinery, over every second of a day and fractions at every width.
    #[test]
    fn times_of_day_and_fractions_print_as_formatted() {
        for nanos in [false, true] {
            let mut clock = Clock::new(TimeFormat::Local, nanos, TimeZone::UTC);
            let fracs = (0..10u32).flat_map(|e| {
                let p = 10u32.pow(e);
                [p - 1, p, p + 7]
            });
            for (i, frac) in fracs.chain([123_456_789, 999_999_999]).enumerate() {
                for sec in [0, 59, 60, 3599, 3600, 86_399, 86_400 + 3661] {
                    let sec = sec + i as i64 * 86_400;
                    let mut out = Vec::new();
                    clock.write(&mut out, Timestamp::new(sec, frac));
                    let shown = if nanos { frac } else { frac / 1000 };
                    let day = sec % 86_400;
                    let (h, m, s) = (day / 3600, day / 60 % 60, day % 60);
                    let want = match nanos {
                        true => format!("{h:02}:{m:02}:{s:02}.{shown:09} "),
                        false => format!("{h:02}:{m:02}:{s:02}.{shown:06} "),
                    };
                    assert_eq!(String::from_utf8(out).unwrap(), want);
                }
            }
        }
    }

    #[test]
    fn utc_and_unix_forms() {
        let t = [(1_700_000_000, 123_456_789)];
        assert_eq!(show(TimeFormat::Local, "UTC", &t), ["22:13:20.123456 "]);
        assert_eq!(show(TimeFormat::Unix, "UTC", &t), ["1700000000.123456 "]);
        assert_eq!(
            show(TimeFormat::LocalDate, "UTC", &t),
            ["2023-11-14 22:13:20.123456 "]
        );
        assert_eq!(show(TimeFormat::None, "UTC", &t), [""]);
    }

    #[test]
    fn offset_follows_dst_transitions() {
        // 2023-03-12 06:59:59 UTC is 01:59:59 EST; one second later it is 03:00:00 EDT.
        let t = [(1_678_604_399, 0), (1_678_604_400, 0), (1_678_604_399, 0)];
        assert_eq!(
            show(TimeFormat::Local, "America/New_York", &t),
            ["01:59:59.000000 ", "03:00:00.000000 ", "01:59:59.000000 "]
        );
    }

    #[test]
    fn deltas_like_tcpdump() {
        let t = [(100, 500_000_000), (101, 0), (100, 0)];
        assert_eq!(
            show(TimeFormat::SincePrevious, "UTC", &t),
            [
                " 00:00:00.000000 ",
                " 00:00:00.500000 ",
                "-00:00:01.000000 "
            ]
        );
        assert_eq!(
            show(TimeFormat::SinceFirst, "UTC", &t),
            [
                " 00:00:00.000000 ",
                " 00:00:00.500000 ",
                "-00:00:00.500000 "
            ]
        );
    }

    #[test]
    fn times_past_2038_are_refused_like_tcpdump() {
        let t = [(0x8000_0000, 0), (-1, 0)];
        assert_eq!(
            show(TimeFormat::Local, "UTC", &t),
            ["[Error converting time] ", "[Error converting time] "]
        );
    }

    /// A microsecond pcap's records as tcpdump 4.99.3 prints them: fractions of 10^6
    /// and more as read (libpcap reads them as signed 32-bit), seconds with bit 31 set
    /// refused, deltas in tcpdump's own arithmetic.
    #[test]
    fn out_of_range_fields_print_as_tcpdump_reads_them() {
        let stamps = [
            (10, 1_500_000),
            (11, u32::MAX),
            (12, 999_999),
            (0x7fff_ffff, 0),
            (0x8000_0000, 5),
        ]
        .map(|(s, f)| Timestamp::from_legacy(s, f, false));
        let run = |format, nanos| {
            let mut clock = Clock::new(format, nanos, TimeZone::UTC);
            stamps
                .iter()
                .map(|&ts| {
                    let mut out = Vec::new();
                    clock.write(&mut out, ts);
                    String::from_utf8(out).unwrap()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            run(TimeFormat::Local, false),
            [
                "00:00:10.1500000 ",
                "00:00:11.4294967295 ",
                "00:00:12.999999 ",
                "03:14:07.000000 ",
                "[Error converting time] "
            ]
        );
        assert_eq!(
            run(TimeFormat::Local, true),
            [
                "00:00:10.1500000000 ",
                "00:00:11.4294966296 ",
                "00:00:12.999999000 ",
                "03:14:07.000000000 ",
                "[Error converting time] "
            ]
        );
        assert_eq!(
            run(TimeFormat::Unix, false),
            [
                "10.1500000 ",
                "11.4294967295 ",
                "12.999999 ",
                "2147483647.000000 ",
                "[Error converting time] "
            ]
        );
        assert_eq!(
            run(TimeFormat::SincePrevious, false),
            [
                " 00:00:00.000000 ",
                " 00:00:00.4294467295 ",
                " 00:00:01.1000000 ",
                " 03:13:54.000001 ",
                "-[Error converting time] "
            ]
        );
        assert_eq!(
            run(TimeFormat::SinceFirst, false),
            [
                " 00:00:00.000000 ",
                " 00:00:00.4294467295 ",
                " 00:00:01.499999 ",
                " 03:13:56.4294467296 ",
                "-[Error converting time] "
            ]
        );
        // The normalised time the rest of eavesdrop uses.
        assert_eq!((stamps[0].sec, stamps[0].nsec), (11, 500_000_000));
    }

    /// tcpdump's delta reference is unset while it is zero: after a packet at time 0
    /// the next packet starts the count again.
    #[test]
    fn deltas_after_a_zero_timestamp_like_tcpdump() {
        let t = [(0, 0), (100, 5000), (101, 7000), (0, 0), (50, 0)];
        assert_eq!(
            show(TimeFormat::SincePrevious, "UTC", &t),
            [
                " 00:00:00.000000 ",
                " 00:00:00.000000 ",
                " 00:00:01.000002 ",
                "-00:01:41.000007 ",
                " 00:00:00.000000 "
            ]
        );
        assert_eq!(
            show(TimeFormat::SinceFirst, "UTC", &t),
            [
                " 00:00:00.000000 ",
                " 00:00:00.000000 ",
                " 00:00:01.000002 ",
                "-00:01:40.000005 ",
                "-00:00:50.000005 "
            ]
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
