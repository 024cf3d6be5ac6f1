//! Splitting the raw argv/envp areas captured by the kernel into values, with Datadog's
//! per-value limit: a value keeps at most [`MAX_ARG_ENV_LEN`] bytes, and one that was longer
//! (or cut by the end of the captured area) is shortened to end with "...".

/// Longest value kept, in bytes: 256 including the C terminator, like Datadog's
/// `MaxArgEnvSize`.
pub const MAX_ARG_ENV_LEN: usize = 255;

const ELLIPSIS: &[u8] = b"...";

/// The values of one area and whether anything was lost.
pub(crate) struct Values {
    pub(crate) values: Vec<Vec<u8>>,
    pub(crate) truncated: bool,
}

/// `raw`: the captured bytes (NUL-separated values). `cut`: the kernel captured less than the
/// whole area (or could not read it). `count`: how many values the process really has.
pub(crate) fn split_values(raw: &[u8], cut: bool, count: u32) -> Values {
    let mut values = Vec::new();
    let mut truncated = cut;
    let mut rest = raw;
    while !rest.is_empty() {
        let (value, complete) = match rest.iter().position(|b| *b == 0) {
            Some(nul) => (&rest[..nul], true),
            None => (rest, false),
        };
        rest = rest.get(value.len() + 1..).unwrap_or(&[]);
        if complete && value.len() <= MAX_ARG_ENV_LEN {
            values.push(value.to_vec());
        } else {
            truncated = true;
            values.push(shortened(value));
        }
    }
    if values.len() < count as usize {
        truncated = true;
    }
    Values { values, truncated }
}

/// `value` cut so that it ends with "..." and fits in MAX_ARG_ENV_LEN bytes.
fn shortened(value: &[u8]) -> Vec<u8> {
    let keep = value.len().min(MAX_ARG_ENV_LEN - ELLIPSIS.len());
    let mut out = Vec::with_capacity(keep + ELLIPSIS.len());
    out.extend_from_slice(&value[..keep]);
    out.extend_from_slice(ELLIPSIS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_complete_values() {
        let v = split_values(b"ls\0-l\0\0/tmp\0", false, 4);
        assert_eq!(
            v.values,
            [
                b"ls".to_vec(),
                b"-l".to_vec(),
                b"".to_vec(),
                b"/tmp".to_vec()
            ]
        );
        assert!(!v.truncated);
    }

    #[test]
    fn marks_a_cut_area_and_its_partial_last_value() {
        let v = split_values(b"ls\0-lon", true, 3);
        assert_eq!(v.values, [b"ls".to_vec(), b"-lon...".to_vec()]);
        assert!(v.truncated);
        // Cut exactly on a value boundary: nothing partial, but values are missing.
        let v = split_values(b"ls\0", true, 2);
        assert_eq!(v.values, [b"ls".to_vec()]);
        assert!(v.truncated);
    }

    #[test]
    fn limits_each_value() {
        let long = vec![b'a'; 1024];
        let mut raw = long.clone();
        raw.push(0);
        let v = split_values(&raw, false, 1);
        assert_eq!(v.values[0].len(), MAX_ARG_ENV_LEN);
        assert!(v.values[0].ends_with(b"..."));
        assert!(v.truncated);
        let exact = vec![b'b'; MAX_ARG_ENV_LEN];
        let mut raw = exact.clone();
        raw.push(0);
        let v = split_values(&raw, false, 1);
        assert_eq!(v.values, [exact]);
        assert!(!v.truncated);
    }

    #[test]
    fn fewer_values_than_counted_is_truncation() {
        let v = split_values(b"", false, 1);
        assert!(v.values.is_empty() && v.truncated);
        assert!(!split_values(b"", false, 0).truncated);
    }
}
