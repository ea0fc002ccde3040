//! RFC 3339 instants on plain integers: a strict parser and a local-offset formatter.

use crate::civil::{self, DAY};

/// Why a text is not an RFC 3339 instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 instant ({why}); expected e.g. 2026-11-27T18:15:00+01:00")]
pub struct Rfc3339Error {
    text: String,
    why: &'static str,
}

#[inline]
fn digits<const N: usize>(b: &[u8], at: usize) -> Option<i64> {
    let mut v = 0i64;
    for i in 0..N {
        let d = b.get(at + i)?.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
    }
    Some(v)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into UTC seconds since 1970
/// (a fraction is truncated; `t` or a space may stand for `T`, `z` for `Z`).
#[inline]
pub fn parse(text: &str) -> Result<i64, Rfc3339Error> {
    let b = text.as_bytes();
    let err = |why| Rfc3339Error {
        text: text.chars().take(64).collect(),
        why,
    };
    if b.len() < 20 {
        return Err(err("too short"));
    }
    let (Some(y), Some(mo), Some(d)) = (digits::<4>(b, 0), digits::<2>(b, 5), digits::<2>(b, 8))
    else {
        return Err(err("the date is not YYYY-MM-DD"));
    };
    if b[4] != b'-' || b[7] != b'-' {
        return Err(err("the date is not YYYY-MM-DD"));
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err(err("no `T` between date and time"));
    }
    let (Some(h), Some(mi), Some(s)) = (digits::<2>(b, 11), digits::<2>(b, 14), digits::<2>(b, 17))
    else {
        return Err(err("the time is not HH:MM:SS"));
    };
    if b[13] != b':' || b[16] != b':' {
        return Err(err("the time is not HH:MM:SS"));
    }
    if !(1..=12).contains(&mo) || d < 1 || d > civil::days_in_month(y, mo) {
        return Err(err("no such date"));
    }
    if h > 23 || mi > 59 || s > 59 {
        return Err(err("no such time of day"));
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return Err(err("a `.` without fraction digits"));
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(&sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
            let (Some(oh), Some(om)) = (digits::<2>(b, i + 1), digits::<2>(b, i + 4)) else {
                return Err(err("the offset is not ±HH:MM"));
            };
            if oh > 23 || om > 59 {
                return Err(err("the offset is out of range"));
            }
            let o = oh * 3600 + om * 60;
            if sign == b'-' { -o } else { o }
        }
        _ => return Err(err("no offset (Z or ±HH:MM) at the end")),
    };
    let local = civil::days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s;
    let utc = local - offset;
    if !(MIN_UTC..=MAX_UTC).contains(&utc) {
        return Err(err("outside the years 0000–9999 in UTC"));
    }
    Ok(utc)
}

/// 0000-01-01T00:00:00Z in seconds since 1970.
const MIN_UTC: i64 = civil::days_from_civil(0, 1, 1) * DAY;
/// 9999-12-31T23:59:59Z in seconds since 1970.
const MAX_UTC: i64 = civil::days_from_civil(10_000, 1, 1) * DAY - 1;

/// Length of a formatted instant, e.g. `2024-04-02T11:30:00+02:00`.
pub const FORMATTED_LEN: usize = 25;

/// Formats UTC seconds as RFC 3339 in the given offset, e.g. `2024-04-02T11:30:00+02:00`
/// (years 0000–9999). An offset that is not whole minutes, which RFC 3339 cannot write, is
/// replaced by `+00:00` so that the instant stays exact.
#[inline]
pub fn format(utc: i64, offset_seconds: i32) -> [u8; FORMATTED_LEN] {
    let offset_seconds = if offset_seconds % 60 == 0 {
        offset_seconds
    } else {
        0
    };
    let local = utc + i64::from(offset_seconds);
    let (y, mo, d) = civil::civil_from_days(local.div_euclid(DAY));
    let tod = local.rem_euclid(DAY);
    let mut out = *b"0000-00-00T00:00:00+00:00";
    let put = |out: &mut [u8; FORMATTED_LEN], at: usize, v: i64, n: usize| {
        let mut v = v.clamp(0, 9999);
        for k in (0..n).rev() {
            out[at + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(&mut out, 0, y, 4);
    put(&mut out, 5, mo, 2);
    put(&mut out, 8, d, 2);
    put(&mut out, 11, tod / 3600, 2);
    put(&mut out, 14, tod % 3600 / 60, 2);
    put(&mut out, 17, tod % 60, 2);
    let off = i64::from(offset_seconds);
    out[19] = if off < 0 { b'-' } else { b'+' };
    put(&mut out, 20, off.abs() / 3600, 2);
    put(&mut out, 23, off.abs() % 3600 / 60, 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_fractions_and_rejects_impossible_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse("1970-01-01T01:00:00+01:00"), Ok(0));
        assert_eq!(parse("1969-12-31T19:00:00.999-05:00"), Ok(0));
        for bad in [
            "2026-02-29T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T18:15:00",
            "2026-11-27T18:15:00+0100",
            "2026-11-27 18:15",
            "",
            "2026-11-27T18:15:00.Z",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_in_the_given_offset() {
        let t = parse("2024-04-02T09:30:00Z").expect("valid");
        assert_eq!(&format(t, 7200), b"2024-04-02T11:30:00+02:00");
        assert_eq!(&format(t, -3600), b"2024-04-02T08:30:00-01:00");
    }
}
