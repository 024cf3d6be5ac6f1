//! A bounds-checked little cursor over one ring-buffer record: every read either returns the
//! bytes or a [`DecodeError`], never panics.

use super::DecodeError;

pub(crate) struct Reader<'a> {
    record: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(record: &'a [u8]) -> Self {
        Reader { record, pos: 0 }
    }

    /// Fails unless exactly `size` bytes were consumed: the decoder read the fixed part of a
    /// record as the C struct of that size.
    pub(crate) fn expect_consumed(
        &self,
        record: &'static str,
        size: usize,
    ) -> Result<(), DecodeError> {
        if self.pos == size {
            Ok(())
        } else {
            Err(DecodeError::LayoutMismatch {
                record,
                read: self.pos,
                size,
            })
        }
    }

    pub(crate) fn bytes<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let end = self.pos.checked_add(N).ok_or(DecodeError::TooShort {
            need: usize::MAX,
            have: self.record.len(),
        })?;
        let slice = self
            .record
            .get(self.pos..end)
            .ok_or(DecodeError::TooShort {
                need: end,
                have: self.record.len(),
            })?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        self.bytes::<4>().map(u32::from_ne_bytes)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, DecodeError> {
        self.bytes::<4>().map(i32::from_ne_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        self.bytes::<8>().map(u64::from_ne_bytes)
    }

    /// A `struct vg_blob` (offset from the record start, length), resolved against the
    /// record: it must lie after the fixed part (`fixed_size`) and inside the record.
    pub(crate) fn blob(
        &mut self,
        field: &'static str,
        fixed_size: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let offset = self.u32()? as usize;
        let len = self.u32()? as usize;
        if len == 0 {
            return Ok(&[]);
        }
        let end = offset.checked_add(len);
        match end {
            Some(end) if offset >= fixed_size && end <= self.record.len() => {
                Ok(&self.record[offset..end])
            }
            _ => Err(DecodeError::BlobOutOfBounds {
                field,
                offset,
                len,
                record_len: self.record.len(),
            }),
        }
    }
}

/// The bytes of a fixed-size C char array up to its first NUL.
pub(crate) fn c_string(bytes: &[u8]) -> Vec<u8> {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    bytes[..end].to_vec()
}
