//! Value → name rendering shared by the serializer: sorted flag-name arrays (with leftover bits as
//! a decimal string), `" | "`-joined masks, and single enumeration names.

use crate::consts::{ConstTable, Flag};

/// The decomposition of a bit mask into sorted canonical names plus leftover bits, on the stack.
pub struct FlagNames {
    names: [&'static str; 64],
    len: usize,
    /// Bits no name covers.
    pub leftover: u64,
}

impl FlagNames {
    /// Decomposes `value`. With `access_mode`, the two low bits are the open access mode
    /// (`O_RDONLY` = 0, `O_WRONLY`, `O_RDWR`) rather than independent flags.
    pub fn new(table: &ConstTable, value: u64, access_mode: bool) -> FlagNames {
        let mut this = FlagNames {
            names: [""; 64],
            len: 0,
            leftover: 0,
        };
        let mut bits = value;
        if access_mode {
            match table.name_of((value & 3) as i64) {
                Some(name) => this.push(name),
                None => this.leftover |= value & 3,
            }
            bits &= !3;
        }
        table.for_each_flag(bits, |f| match f {
            Flag::Name(n) => this.push(n),
            Flag::Leftover(v) => this.leftover |= v,
        });
        this.names[..this.len].sort_unstable();
        this
    }

    fn push(&mut self, name: &'static str) {
        if self.len < self.names.len() && !self.names[..self.len].contains(&name) {
            self.names[self.len] = name;
            self.len += 1;
        }
    }

    /// The names, sorted.
    pub fn names(&self) -> &[&'static str] {
        &self.names[..self.len]
    }

    /// Whether there is nothing to render (value 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.leftover == 0
    }

    /// Appends the names joined with `" | "` (leftover bits last, in decimal) to `out`.
    pub fn write_joined(&self, out: &mut Vec<u8>) {
        for (i, name) in self.names().iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b" | ");
            }
            out.extend_from_slice(name.as_bytes());
        }
        if self.leftover != 0 {
            if self.len > 0 {
                out.extend_from_slice(b" | ");
            }
            out.extend_from_slice(itoa::Buffer::new().format(self.leftover).as_bytes());
        }
    }
}

/// Names of the bits set in `value`, sorted, then leftover bits as one decimal string
/// (the form of `file.flags`).
pub fn flag_names(table: &ConstTable, value: u64, access_mode: bool) -> Vec<String> {
    let f = FlagNames::new(table, value, access_mode);
    let mut out: Vec<String> = f.names().iter().map(|n| n.to_string()).collect();
    if f.leftover != 0 {
        out.push(f.leftover.to_string());
    }
    out
}

/// Names of the bits set in `value`, sorted and joined with `" | "`; leftover bits are appended as
/// a decimal number; `0` gives an empty string (the form of `mmap.protection`...).
pub fn mask_string(table: &ConstTable, value: u64) -> String {
    let mut out = Vec::new();
    FlagNames::new(table, value, false).write_joined(&mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// The name of an enumeration value, or the value in decimal when the table has no name for it.
pub fn enum_name(table: &ConstTable, value: i64) -> std::borrow::Cow<'static, str> {
    match table.name_of(value) {
        Some(name) => std::borrow::Cow::Borrowed(name),
        None => std::borrow::Cow::Owned(value.to_string()),
    }
}

/// Parses what [`flag_names`] produced back into a value.
pub fn parse_flag_names<'a>(
    table: &ConstTable,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<u64, String> {
    let mut value = 0u64;
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if let Some(v) = table.value_of(name) {
            value |= v as u64;
        } else if let Ok(v) = name.parse::<u64>() {
            value |= v;
        } else {
            return Err(format!("unknown {} name {name:?}", table.family));
        }
    }
    Ok(value)
}

/// Parses an enumeration name (or a decimal number) back into its value.
pub fn parse_enum_name(table: &ConstTable, name: &str) -> Result<i64, String> {
    table
        .value_of(name)
        .or_else(|| name.parse::<i64>().ok())
        .ok_or_else(|| format!("unknown {} name {name:?}", table.family))
}
