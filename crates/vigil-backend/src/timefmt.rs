//! Time handling shared by intake, search and the CLI: RFC 3339 parsing/formatting to and from
//! Unix milliseconds, and the relative forms (`now`, `now-15m`, `-2h`) accepted by `from`/`to`.
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// Current wall-clock time in Unix milliseconds.
pub fn now_ms() -> i64 {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    (nanos / 1_000_000) as i64
}

/// Parses an RFC 3339 timestamp (`2026-11-23T10:00:00.123Z`, any offset) to Unix milliseconds.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("`{text}` is not an RFC 3339 timestamp ({e})"))?;
    Ok((parsed.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Formats Unix milliseconds as an RFC 3339 UTC timestamp with millisecond precision.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => {
            let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
            let (h, mi, s) = (t.hour(), t.minute(), t.second());
            let milli = t.millisecond();
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
        }
        Err(_) => ms.to_string(),
    }
}

/// Parses a duration such as `90s`, `15m`, `2h`, `7d` or `500ms` to milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let amount: i64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (expected e.g. 30s, 15m, 2h, 7d)"))?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" | "" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => DAY_MS,
        _ => {
            return Err(format!(
                "`{text}`: unknown duration unit `{unit}` (use ms, s, m, h or d)"
            ))
        }
    };
    amount
        .checked_mul(unit_ms)
        .ok_or_else(|| format!("`{text}` is too large a duration"))
}

/// Parses a time bound: RFC 3339, Unix milliseconds, `now`, `now-<duration>` or `-<duration>`.
pub fn parse_time_bound(text: &str, now: i64) -> Result<i64, String> {
    let text = text.trim();
    if text == "now" {
        return Ok(now);
    }
    if let Some(ago) = text.strip_prefix("now-").or_else(|| text.strip_prefix('-')) {
        return Ok(now - parse_duration_ms(ago)?);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map_err(|_| format!("`{text}` is out of range"));
    }
    parse_rfc3339_ms(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let ms = parse_rfc3339_ms("2026-11-23T10:00:00.123456Z").unwrap();
        assert_eq!(ms, 1_795_428_000_123);
        assert_eq!(format_rfc3339_ms(ms), "2026-11-23T10:00:00.123Z");
        assert_eq!(
            parse_rfc3339_ms("2026-11-23T11:00:00.123+01:00").unwrap(),
            ms
        );
        assert!(parse_rfc3339_ms("yesterday").is_err());
    }

    #[test]
    fn bounds_and_durations() {
        let now = 10 * DAY_MS;
        assert_eq!(parse_time_bound("now", now).unwrap(), now);
        assert_eq!(parse_time_bound("now-15m", now).unwrap(), now - 900_000);
        assert_eq!(parse_time_bound("-2d", now).unwrap(), now - 2 * DAY_MS);
        assert_eq!(parse_time_bound("1234", now).unwrap(), 1234);
        assert!(parse_duration_ms("5w")
            .unwrap_err()
            .contains("unknown duration unit"));
        assert!(parse_time_bound("now-x", now).is_err());
    }
}
