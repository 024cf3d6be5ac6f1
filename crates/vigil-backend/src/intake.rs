//! Turns one `POST /api/v1/events` request into a validated batch: checks the batch id,
//! decodes an optional gzip body within a size limit, splits JSON lines and validates each
//! record, collecting precise per-record errors.
use std::io::Read;

use flate2::read::GzDecoder;

use crate::record::{validate, AcceptWindow};
use crate::store::{IngestBatch, RecordError};

/// Largest request body on the wire.
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// Largest body after gzip decoding.
pub const MAX_DECODED_BYTES: usize = 64 << 20;
/// Most records in one batch.
pub const MAX_RECORDS_PER_BATCH: usize = 20_000;
/// Longest accepted `X-Vigil-Batch-Id`.
pub const MAX_BATCH_ID_LEN: usize = 128;

/// A request-level rejection: nothing of the batch is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum IntakeError {
    BadRequest(String),
    TooLarge(String),
    UnsupportedEncoding(String),
}

pub fn check_batch_id(header: Option<&str>) -> Result<String, IntakeError> {
    let id = header
        .ok_or_else(|| IntakeError::BadRequest("missing X-Vigil-Batch-Id header".to_owned()))?;
    let valid_chars = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if id.is_empty() || id.len() > MAX_BATCH_ID_LEN || !valid_chars {
        return Err(IntakeError::BadRequest(format!(
            "X-Vigil-Batch-Id must be 1-{MAX_BATCH_ID_LEN} characters of [A-Za-z0-9._:-]"
        )));
    }
    Ok(id.to_owned())
}

/// Decodes the body according to `Content-Encoding` (absent, `identity` or `gzip`).
pub fn decode_body(encoding: Option<&str>, body: &[u8]) -> Result<Vec<u8>, IntakeError> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("identity") => Ok(body.to_vec()),
        Some("gzip") => {
            let mut decoded = Vec::with_capacity(body.len() * 4);
            let limit = MAX_DECODED_BYTES as u64 + 1;
            GzDecoder::new(body)
                .take(limit)
                .read_to_end(&mut decoded)
                .map_err(|e| IntakeError::BadRequest(format!("body is not valid gzip: {e}")))?;
            if decoded.len() > MAX_DECODED_BYTES {
                return Err(IntakeError::TooLarge(format!(
                    "decoded body exceeds {MAX_DECODED_BYTES} bytes"
                )));
            }
            Ok(decoded)
        }
        Some(other) => Err(IntakeError::UnsupportedEncoding(format!(
            "unsupported Content-Encoding `{other}` (use gzip)"
        ))),
    }
}

/// Validates every line; blank lines are ignored but keep their line numbers.
pub fn parse_batch(
    batch_id: String,
    body: &[u8],
    window: AcceptWindow,
    received_ms: i64,
) -> Result<IngestBatch, IntakeError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| IntakeError::BadRequest(format!("body is not UTF-8: {e}")))?;
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    for (line_no, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if records.len() + rejected.len() >= MAX_RECORDS_PER_BATCH {
            return Err(IntakeError::TooLarge(format!(
                "batch holds more than {MAX_RECORDS_PER_BATCH} records"
            )));
        }
        match validate(line, window) {
            Ok(record) => records.push(record),
            Err(error) => rejected.push(RecordError {
                line: line_no,
                error,
            }),
        }
    }
    Ok(IngestBatch {
        batch_id,
        received_ms,
        records,
        rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    const WIDE: AcceptWindow = AcceptWindow {
        oldest_ms: 0,
        newest_ms: i64::MAX,
    };

    #[test]
    fn batch_ids() {
        assert_eq!(check_batch_id(Some("host-1:42.7")).unwrap(), "host-1:42.7");
        assert!(
            matches!(check_batch_id(None), Err(IntakeError::BadRequest(m)) if m.contains("missing"))
        );
        assert!(check_batch_id(Some("a b")).is_err());
        assert!(check_batch_id(Some(&"x".repeat(129))).is_err());
    }

    #[test]
    fn gzip_and_limits() {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello\n").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(decode_body(Some("gzip"), &gz).unwrap(), b"hello\n");
        assert!(matches!(
            decode_body(Some("gzip"), b"nope"),
            Err(IntakeError::BadRequest(_))
        ));
        assert!(matches!(
            decode_body(Some("br"), b""),
            Err(IntakeError::UnsupportedEncoding(_))
        ));
        let mut bomb = GzEncoder::new(Vec::new(), flate2::Compression::best());
        bomb.write_all(&vec![b'\n'; MAX_DECODED_BYTES + 10])
            .unwrap();
        assert!(matches!(
            decode_body(Some("gzip"), &bomb.finish().unwrap()),
            Err(IntakeError::TooLarge(_))
        ));
    }

    #[test]
    fn per_line_errors() {
        let good = r#"{"evt":{"name":"open"},"date":"2026-11-23T10:00:00Z","agent":{"rule_id":"r"},"hostname":"h"}"#;
        let body = format!("{good}\n\nnot json\r\n{good}\n");
        let batch = parse_batch("b".into(), body.as_bytes(), WIDE, 0).unwrap();
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.rejected.len(), 1);
        assert_eq!(batch.rejected[0].line, 2);
        assert!(batch.rejected[0].error.starts_with("invalid JSON"));
    }
}
