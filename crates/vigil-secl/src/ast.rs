//! SECL abstract syntax tree. Every node keeps the byte span of its source text, for error
//! columns and for `policy eval --rule-id` explanations.

use crate::net::IpNet;

/// `&&` / `and` and `||` / `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

/// Scalar comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    Match,
    /// `!~`
    NotMatch,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Match => "=~",
            CmpOp::NotMatch => "!~",
        }
    }
}

/// Array membership operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayOp {
    In,
    NotIn,
    AllIn,
}

/// Bitwise operators (one right-recursive precedence level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
}

/// `+` / `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!` / `not`
    Not,
    /// `-`
    Neg,
    /// `^` (bitwise complement)
    BitNot,
}

/// One node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// Byte span in the source.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Logic(LogicOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    InArray(ArrayOp, Box<Expr>, Box<Expr>),
    Bit(BitOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    /// A field, macro or constant name (register subscripts included).
    Ident(String),
    Int(i64),
    /// Nanoseconds.
    Duration(i64),
    Str(String),
    Pattern(String),
    Regex(String),
    Ip(IpNet),
    Cidr(IpNet),
    Variable(String),
    Array(Vec<Expr>),
}

impl Expr {
    /// The source text of this node.
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.start..self.end).unwrap_or("")
    }

    /// Calls `f` on this node and every descendant, parents first.
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Logic(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::InArray(_, a, b)
            | ExprKind::Bit(_, a, b)
            | ExprKind::Arith(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Unary(_, a) => a.walk(f),
            ExprKind::Array(items) => items.iter().for_each(|i| i.walk(f)),
            _ => {}
        }
    }
}
