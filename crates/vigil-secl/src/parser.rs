//! SECL parser: recursive descent over Datadog's grammar, quirks included.
//!
//! ```text
//! Expression := Comparison [ ("||"|"or"|"&&"|"and") Expression ]      (one level, right-recursive)
//! Comparison := Arithmetic [ ScalarOp Comparison | ArrayOp Operand ]
//! Arithmetic := BitOperation { ("+"|"-") BitOperation }
//! BitOperation := Unary [ ("&"|"|"|"^") BitOperation ]
//! Unary      := ("!"|"not"|"-"|"^") Unary | Primary
//! Primary    := Ident | CIDR | IP | Int | Duration | Variable | String | Pattern | Regexp
//!             | "(" Expression ")" | "[" Primary {"," Primary} "]"
//! ```
//! So `a && b || c` is `a && (b || c)`, and `not` binds tighter than comparisons.

use crate::ast::*;
use crate::error::{ErrorKind, SeclError};
use crate::lexer::{tokenize, Tok, Token};

/// Nesting limit, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 256;

/// Parses a rule expression.
pub fn parse_expression(src: &str) -> Result<Expr, SeclError> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
    };
    if p.tokens.is_empty() {
        return Err(SeclError::at(ErrorKind::Syntax, src, 0, "empty expression"));
    }
    let e = p.expression()?;
    p.expect_end()?;
    Ok(e)
}

/// Parses a macro body: an expression, an array or a single value.
pub fn parse_macro(src: &str) -> Result<Expr, SeclError> {
    parse_expression(src)
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn err_here(&self, msg: impl Into<String>) -> SeclError {
        let offset = self
            .tokens
            .get(self.pos)
            .map_or(self.src.len(), |t| t.offset);
        SeclError::at(ErrorKind::Syntax, self.src, offset, msg)
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + n).map(|t| &t.tok)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.src.len(), |t| t.offset)
    }

    /// End offset of the previous token.
    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.end)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(i)) if i == w)
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), SeclError> {
        if self.is_punct(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err_here(format!("expected `{p}`{}", self.found())))
        }
    }

    fn found(&self) -> String {
        match self.tokens.get(self.pos) {
            None => ", found end of expression".to_string(),
            Some(t) => format!(", found `{}`", &self.src[t.offset..t.end]),
        }
    }

    fn expect_end(&self) -> Result<(), SeclError> {
        if self.pos < self.tokens.len() {
            return Err(self.err_here(format!("unexpected token{}", self.found())));
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), SeclError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_here("expression nested too deeply"));
        }
        Ok(())
    }

    fn node(&self, kind: ExprKind, start: usize) -> Expr {
        Expr {
            kind,
            start,
            end: self.prev_end().max(start),
        }
    }

    /// `Comparison { op Comparison }`, folded to the right (`a && b || c` = `a && (b || c)`).
    /// Iterative, so long chains of `&&` do not count against the nesting limit.
    fn expression(&mut self) -> Result<Expr, SeclError> {
        self.enter()?;
        let mut operands = vec![self.comparison()?];
        let mut ops = Vec::new();
        loop {
            let op = if self.is_punct("&&") || self.is_word("and") {
                LogicOp::And
            } else if self.is_punct("||") || self.is_word("or") {
                LogicOp::Or
            } else {
                break;
            };
            self.pos += 1;
            ops.push(op);
            operands.push(self.comparison()?);
        }
        let mut out = operands.pop().expect("at least one operand");
        while let (Some(op), Some(lhs)) = (ops.pop(), operands.pop()) {
            let (start, end) = (lhs.start, out.end);
            out = Expr {
                kind: ExprKind::Logic(op, Box::new(lhs), Box::new(out)),
                start,
                end,
            };
        }
        self.depth -= 1;
        Ok(out)
    }

    fn comparison(&mut self) -> Result<Expr, SeclError> {
        self.enter()?;
        let start = self.offset();
        let lhs = self.arithmetic()?;
        let scalar = match self.peek() {
            Some(Tok::Punct(p)) => match *p {
                "==" => Some(CmpOp::Eq),
                "!=" => Some(CmpOp::Ne),
                "<" => Some(CmpOp::Lt),
                "<=" => Some(CmpOp::Le),
                ">" => Some(CmpOp::Gt),
                ">=" => Some(CmpOp::Ge),
                "=~" => Some(CmpOp::Match),
                "!~" => Some(CmpOp::NotMatch),
                _ => None,
            },
            _ => None,
        };
        let out = if let Some(op) = scalar {
            self.pos += 1;
            let rhs = self.comparison()?;
            self.node(ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)), start)
        } else if let Some(op) = self.array_op() {
            let rhs = self.unary()?;
            self.node(ExprKind::InArray(op, Box::new(lhs), Box::new(rhs)), start)
        } else {
            lhs
        };
        self.depth -= 1;
        Ok(out)
    }

    fn array_op(&mut self) -> Option<ArrayOp> {
        if self.is_word("in") {
            self.pos += 1;
            Some(ArrayOp::In)
        } else if self.is_word("allin") {
            self.pos += 1;
            Some(ArrayOp::AllIn)
        } else if self.is_word("not") && matches!(self.peek_at(1), Some(Tok::Ident(i)) if i == "in")
        {
            self.pos += 2;
            Some(ArrayOp::NotIn)
        } else {
            None
        }
    }

    fn arithmetic(&mut self) -> Result<Expr, SeclError> {
        let start = self.offset();
        let mut lhs = self.bit_operation()?;
        loop {
            let op = if self.is_punct("+") {
                ArithOp::Add
            } else if self.is_punct("-") {
                ArithOp::Sub
            } else {
                return Ok(lhs);
            };
            self.pos += 1;
            let rhs = self.bit_operation()?;
            lhs = self.node(ExprKind::Arith(op, Box::new(lhs), Box::new(rhs)), start);
        }
    }

    fn bit_operation(&mut self) -> Result<Expr, SeclError> {
        self.enter()?;
        let start = self.offset();
        let lhs = self.unary()?;
        let op = if self.is_punct("&") {
            Some(BitOp::And)
        } else if self.is_punct("|") {
            Some(BitOp::Or)
        } else if self.is_punct("^") {
            Some(BitOp::Xor)
        } else {
            None
        };
        let out = match op {
            Some(op) => {
                self.pos += 1;
                let rhs = self.bit_operation()?;
                self.node(ExprKind::Bit(op, Box::new(lhs), Box::new(rhs)), start)
            }
            None => lhs,
        };
        self.depth -= 1;
        Ok(out)
    }

    fn unary(&mut self) -> Result<Expr, SeclError> {
        self.enter()?;
        let start = self.offset();
        let op = if self.is_punct("!")
            || (self.is_word("not") && !matches!(self.peek_at(1), Some(Tok::Ident(i)) if i == "in"))
        {
            Some(UnaryOp::Not)
        } else if self.is_punct("-") {
            Some(UnaryOp::Neg)
        } else if self.is_punct("^") {
            Some(UnaryOp::BitNot)
        } else {
            None
        };
        let out = match op {
            Some(op) => {
                self.pos += 1;
                let inner = self.unary()?;
                self.node(ExprKind::Unary(op, Box::new(inner)), start)
            }
            None => self.primary()?,
        };
        self.depth -= 1;
        Ok(out)
    }

    fn primary(&mut self) -> Result<Expr, SeclError> {
        let start = self.offset();
        let Some(tok) = self.peek().cloned() else {
            return Err(self.err_here("expected a value, found end of expression"));
        };
        let kind = match tok {
            Tok::Ident(name) => {
                if matches!(name.as_str(), "and" | "or" | "in" | "allin" | "not") {
                    return Err(self.err_here(format!("expected a value, found keyword `{name}`")));
                }
                ExprKind::Ident(name)
            }
            Tok::Int(v) => ExprKind::Int(v),
            Tok::Duration(v) => ExprKind::Duration(v),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Pattern(s) => ExprKind::Pattern(s),
            Tok::Regex(s) => ExprKind::Regex(s),
            Tok::Ip(n) => ExprKind::Ip(n),
            Tok::Cidr(n) => ExprKind::Cidr(n),
            Tok::Variable(v) => ExprKind::Variable(v),
            Tok::Punct("(") => {
                self.pos += 1;
                let mut inner = self.expression()?;
                self.expect_punct(")")?;
                inner.start = start;
                inner.end = self.prev_end();
                return Ok(inner);
            }
            Tok::Punct("[") => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.is_punct("]") {
                    loop {
                        items.push(self.unary()?);
                        if self.is_punct(",") {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect_punct("]")?;
                return Ok(self.node(ExprKind::Array(items), start));
            }
            Tok::Punct(_) => return Err(self.err_here(format!("expected a value{}", self.found()))),
        };
        self.pos += 1;
        Ok(self.node(kind, start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Logic(op, a, b) => format!("({} {:?} {})", shape(a), op, shape(b)),
            ExprKind::Compare(op, a, b) => format!("({} {} {})", shape(a), op.as_str(), shape(b)),
            ExprKind::InArray(op, a, b) => format!("({} {:?} {})", shape(a), op, shape(b)),
            ExprKind::Bit(op, a, b) => format!("({} {:?} {})", shape(a), op, shape(b)),
            ExprKind::Arith(op, a, b) => format!("({} {:?} {})", shape(a), op, shape(b)),
            ExprKind::Unary(op, a) => format!("{:?}{}", op, shape(a)),
            ExprKind::Ident(i) => i.clone(),
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Array(items) => format!(
                "[{}]",
                items.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn logic_is_one_right_recursive_level() {
        assert_eq!(
            shape(&parse_expression("a && b || c").unwrap()),
            "(a And (b Or c))"
        );
        assert_eq!(
            shape(&parse_expression("a or b and c").unwrap()),
            "(a Or (b And c))"
        );
        assert_eq!(
            shape(&parse_expression("not a && b").unwrap()),
            "(Nota And b)"
        );
    }

    #[test]
    fn precedence_levels() {
        assert_eq!(
            shape(&parse_expression("1 == 1 & 1").unwrap()),
            "(1 == (1 And 1))"
        );
        assert_eq!(
            shape(&parse_expression("1 - 2 + 3").unwrap()),
            "((1 Sub 2) Add 3)"
        );
        assert_eq!(
            shape(&parse_expression("a & b | c").unwrap()),
            "(a And (b Or c))"
        );
        assert_eq!(shape(&parse_expression("--3").unwrap()), "NegNeg3");
        assert_eq!(
            shape(&parse_expression("x not in [1, 2]").unwrap()),
            "(x NotIn [1,2])"
        );
    }

    #[test]
    fn spans_and_errors() {
        let src = "a == 1 && (b == 2)";
        let e = parse_expression(src).unwrap();
        let ExprKind::Logic(_, l, r) = &e.kind else {
            panic!("logic")
        };
        assert_eq!(l.text(src), "a == 1");
        assert_eq!(r.text(src), "(b == 2)");
        let err = parse_expression("a == 1 &&").unwrap_err();
        assert_eq!(err.column, 10);
        let err = parse_expression("a == (1").unwrap_err();
        assert!(err.message.contains("expected `)`"), "{}", err.message);
        assert!(parse_expression("").is_err());
        assert!(parse_expression("a b").is_err());
        let long = vec!["a == 1"; 2000].join(" && ");
        assert!(parse_expression(&long).is_ok());
    }
}
