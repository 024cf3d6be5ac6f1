//! A minimal JSON object writer over a byte buffer: keys are static ASCII, values are escaped
//! on the fly. It is what keeps serialization allocation-free apart from the output buffer.

use crate::time::{write_rfc3339, Timestamp};

/// Writes one JSON object; nested objects and arrays are written through closures so that the
/// braces always balance.
pub struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object at the end of `out`; [`ObjectWriter::finish`] closes it.
    pub fn begin(out: &'a mut Vec<u8>) -> ObjectWriter<'a> {
        out.push(b'{');
        ObjectWriter { out, empty: true }
    }

    pub fn finish(self) {
        self.out.push(b'}');
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(self.out, value);
    }

    /// Writes the string unless it is empty (Go's `omitempty`).
    pub fn str_opt(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.str(key, value);
        }
    }

    pub fn u64(&mut self, key: &str, value: u64) {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    /// Writes the integer unless it is zero.
    pub fn u64_opt(&mut self, key: &str, value: u64) {
        if value != 0 {
            self.u64(key, value);
        }
    }

    pub fn i64(&mut self, key: &str, value: i64) {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    pub fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// Writes `true`, omits `false`.
    pub fn bool_opt(&mut self, key: &str, value: bool) {
        if value {
            self.bool(key, true);
        }
    }

    /// Writes an RFC 3339 date-time, omitted when unset (0).
    pub fn time_opt(&mut self, key: &str, value: Timestamp) {
        if value != 0 {
            self.key(key);
            self.out.push(b'"');
            write_rfc3339(self.out, value);
            self.out.push(b'"');
        }
    }

    /// Writes a nested object.
    pub fn object(&mut self, key: &str, body: impl FnOnce(&mut ObjectWriter<'_>)) {
        self.key(key);
        let mut inner = ObjectWriter::begin(self.out);
        body(&mut inner);
        inner.finish();
    }

    /// Writes an array of strings (always, `[]` when empty).
    pub fn str_array<'s>(&mut self, key: &str, values: impl IntoIterator<Item = &'s str>) {
        self.key(key);
        self.out.push(b'[');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_str(self.out, v);
        }
        self.out.push(b']');
    }

    /// Writes an array of objects.
    pub fn object_array<T>(
        &mut self,
        key: &str,
        items: impl IntoIterator<Item = T>,
        mut body: impl FnMut(&mut ObjectWriter<'_>, T),
    ) {
        self.key(key);
        self.out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let mut inner = ObjectWriter::begin(self.out);
            body(&mut inner, item);
            inner.finish();
        }
        self.out.push(b']');
    }

    /// Writes a pre-serialized JSON value verbatim (the caller guarantees it is valid JSON).
    pub fn raw(&mut self, key: &str, json: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(json);
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_strings_like_serde_json() {
        for s in [
            "plain",
            "quo\"te",
            "back\\slash",
            "ctl\u{1}\u{1f}\n\t\r",
            "ünï€😀",
            "",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).expect("valid JSON string");
            assert_eq!(back, s);
        }
    }

    #[test]
    fn objects_balance_and_omit() {
        let mut out = Vec::new();
        let mut o = ObjectWriter::begin(&mut out);
        o.str_opt("a", "");
        o.u64_opt("b", 0);
        o.u64("c", 0);
        o.object("d", |d| d.bool_opt("x", false));
        o.str_array("e", []);
        o.finish();
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            r#"{"c":0,"d":{},"e":[]}"#
        );
    }
}
