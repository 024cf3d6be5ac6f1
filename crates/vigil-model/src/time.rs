//! Timestamps: the model keeps every time as nanoseconds since the Unix epoch (UTC, `0` = unset)
//! and the JSON form is RFC 3339 with nanoseconds, trailing zeros trimmed (Go's `RFC3339Nano`).

use std::fmt;

/// Nanoseconds since the Unix epoch; `0` means "not set" and is omitted from JSON.
pub type Timestamp = u64;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Appends `ts` as RFC 3339 UTC with nanoseconds and trimmed trailing zeros
/// (e.g. `2023-05-02T14:15:27.1234Z`, or `2023-05-02T14:15:27Z` for whole seconds).
pub fn write_rfc3339(out: &mut Vec<u8>, ts: Timestamp) {
    let secs = ts / NANOS_PER_SEC;
    let nanos = (ts % NANOS_PER_SEC) as u32;
    let days = (secs / 86_400) as i64;
    let sod = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut buf = itoa::Buffer::new();
    let year = buf.format(y);
    for _ in year.len()..4 {
        out.push(b'0');
    }
    out.extend_from_slice(year.as_bytes());
    push2(out, b'-', m);
    push2(out, b'-', d);
    push2(out, b'T', (sod / 3600) as u32);
    push2(out, b':', ((sod / 60) % 60) as u32);
    push2(out, b':', (sod % 60) as u32);
    if nanos != 0 {
        let mut digits = [0u8; 9];
        let mut n = nanos;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        let mut len = 9;
        while digits[len - 1] == b'0' {
            len -= 1;
        }
        out.push(b'.');
        out.extend_from_slice(&digits[..len]);
    }
    out.push(b'Z');
}

fn push2(out: &mut Vec<u8>, sep: u8, v: u32) {
    out.push(sep);
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// Formats a timestamp as an RFC 3339 string (convenience for non-hot paths).
pub fn format_rfc3339(ts: Timestamp) -> String {
    let mut out = Vec::with_capacity(32);
    write_rfc3339(&mut out, ts);
    String::from_utf8(out).unwrap_or_default()
}

/// Why an RFC 3339 string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParseError {
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid RFC 3339 date-time {:?}: {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for TimeParseError {}

/// Parses an RFC 3339 date-time (`Z` or `±hh:mm` offset, optional fraction up to nanoseconds)
/// into a [`Timestamp`]. Dates before 1970 are rejected (kernel times never are).
pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeParseError> {
    let err = |reason| TimeParseError {
        input: s.to_string(),
        reason,
    };
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err(err("too short"));
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, TimeParseError> {
        let part = b.get(range).ok_or_else(|| err("truncated"))?;
        let mut v = 0u32;
        for &c in part {
            if !c.is_ascii_digit() {
                return Err(err("expected a digit"));
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Ok(v)
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err("expected YYYY-MM-DDThh:mm:ss"));
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year as i64, month) {
        return Err(err("date out of range"));
    }
    if hour > 23 || min > 59 || sec > 60 {
        return Err(err("time out of range"));
    }
    let mut i = 19;
    let mut nanos = 0u64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err(err("empty fraction"));
        }
        for _ in (i - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset_secs: i64 = match b.get(i) {
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = i64::from(num(i + 1..i + 3)?);
            let m = i64::from(num(i + 4..i + 6)?);
            let o = h * 3600 + m * 60;
            if sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return Err(err("expected Z or a ±hh:mm offset")),
    };
    let days = days_from_civil(year as i64, month, day);
    let secs =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec) - offset_secs;
    if secs < 0 {
        return Err(err("before 1970"));
    }
    (secs as u64)
        .checked_mul(NANOS_PER_SEC)
        .and_then(|v| v.checked_add(nanos))
        .ok_or_else(|| err("out of range"))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_trimmed_fraction() {
        assert_eq!(
            format_rfc3339(1_683_036_927_123_400_000),
            "2023-05-02T14:15:27.1234Z"
        );
        assert_eq!(
            format_rfc3339(1_683_036_927_000_000_000),
            "2023-05-02T14:15:27Z"
        );
        assert_eq!(
            format_rfc3339(1_683_036_927_000_000_001),
            "2023-05-02T14:15:27.000000001Z"
        );
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(951_782_400_000_000_000),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ts in [
            1u64,
            1_683_036_927_123_400_000,
            4_102_444_799_999_999_999,
            951_782_400_000_000_000,
        ] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ts)), Ok(ts));
        }
        assert_eq!(
            parse_rfc3339("2023-05-02T16:15:27.1234+02:00"),
            Ok(1_683_036_927_123_400_000)
        );
        assert!(parse_rfc3339("2023-02-30T00:00:00Z").is_err());
        assert!(parse_rfc3339("2023-05-02T14:15:27").is_err());
        assert!(parse_rfc3339("1969-12-31T23:59:59Z").is_err());
        assert!(parse_rfc3339("2023-05-02T14:15:27.Z").is_err());
    }
}
