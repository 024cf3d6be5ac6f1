//! Errors of the SECL front end: what went wrong, and where (byte offset, line, column).

use std::fmt;

/// The class of a SECL error; it maps one-to-one to a rule status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// Operands or operators do not fit together, or a value is invalid for its field.
    Type,
    /// An identifier is neither a field, a macro, a constant nor a variable.
    UnknownField,
    /// The rule needs an event type Vigil does not model.
    UnsupportedEventType,
}

/// A positioned error in one SECL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeclError {
    pub kind: ErrorKind,
    pub message: String,
    /// Byte offset in the expression.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column (in characters) of `offset` within its line.
    pub column: usize,
}

impl SeclError {
    /// An error at `offset` of `source`; line and column are computed from the text.
    pub fn at(
        kind: ErrorKind,
        source: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> SeclError {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        SeclError {
            kind,
            message: message.into(),
            offset,
            line,
            column,
        }
    }
}

impl fmt::Display for SeclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 1 {
            write!(
                f,
                "{} (line {}, column {})",
                self.message, self.line, self.column
            )
        } else {
            write!(f, "{} (column {})", self.message, self.column)
        }
    }
}

impl std::error::Error for SeclError {}

/// An error without a position yet; the compiler attaches the offset of the node it was compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unplaced {
    pub kind: ErrorKind,
    pub message: String,
}

impl Unplaced {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Unplaced {
        Unplaced {
            kind,
            message: message.into(),
        }
    }

    pub fn place(self, source: &str, offset: usize) -> SeclError {
        SeclError::at(self.kind, source, offset, self.message)
    }
}
