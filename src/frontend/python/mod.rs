//! Shared reading of Python migration files (Alembic, Django) with `ruff_python_parser`:
//! parsing without importing anything, comments for overrides, dotted call names, literal
//! strings, and SQL strings handed to the SQL frontend with spans mapped back into the file.

use crate::frontend::sql::{ParsedSql, postgres};
use crate::model::{ParseIssue, Span};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{Expr, ExprCall, ModModule};
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange};

/// A parsed Python file. Parsing recovers from syntax errors; they are `issues`.
pub struct PyFile {
    pub parsed: Parsed<ModModule>,
    pub issues: Vec<ParseIssue>,
    pub comments: Vec<(Span, String)>,
}

pub fn span(range: TextRange) -> Span {
    Span::new(usize::from(range.start()), usize::from(range.end()))
}

pub fn parse(source: &str) -> PyFile {
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    let issues = parsed
        .errors()
        .iter()
        .map(|e| ParseIssue {
            span: span(e.location),
            message: format!("syntax error: {}", e.error),
        })
        .collect();
    let comments = parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() == TokenKind::Comment)
        .map(|t| {
            let s = span(t.range());
            (s, source.get(s.start..s.end).unwrap_or("").to_string())
        })
        .collect();
    PyFile {
        parsed,
        issues,
        comments,
    }
}

/// Whether a line holds only a Python comment.
pub fn is_python_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// `op.add_column`, `migrations.AddField`, `sa.Column`: the dotted name of an expression made of
/// names and attributes.
pub fn dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", dotted(&a.value)?, a.attr.id)),
        _ => None,
    }
}

/// The dotted name of a call's callee.
pub fn call_name(call: &ExprCall) -> Option<String> {
    dotted(&call.func)
}

/// The last segment of a call's callee (`AddField` for `migrations.AddField`).
pub fn call_leaf(call: &ExprCall) -> Option<String> {
    call_name(call).map(|n| n.rsplit('.').next().unwrap_or(&n).to_string())
}

/// A keyword argument's value.
pub fn kwarg<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments.find_keyword(name).map(|k| &k.value)
}

/// A positional argument, or the keyword of that name.
pub fn arg<'a>(call: &'a ExprCall, name: &str, position: usize) -> Option<&'a Expr> {
    call.arguments.find_argument_value(name, position)
}

/// A literal boolean (`True`/`False`).
pub fn bool_value(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::BooleanLiteral(b) => Some(b.value),
        _ => None,
    }
}

/// A literal integer.
pub fn int_value(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::NumberLiteral(n) => match &n.value {
            ruff_python_ast::Number::Int(i) => i.as_u64(),
            _ => None,
        },
        _ => None,
    }
}

/// A string literal (possibly implicitly concatenated), with a map from offsets in its value to
/// offsets in the file.
#[derive(Debug, Clone)]
pub struct PyStr {
    pub value: String,
    pub span: Span,
    /// (offset in value, offset in file, length) per part whose source text equals its value;
    /// parts with escapes map to the part's start.
    segments: Vec<(usize, usize, usize, bool)>,
}

impl PyStr {
    /// The file offset of an offset into the value.
    pub fn map(&self, offset: usize) -> usize {
        for &(vstart, fstart, len, exact) in self.segments.iter().rev() {
            if offset >= vstart {
                return if exact {
                    fstart + (offset - vstart).min(len)
                } else {
                    fstart
                };
            }
        }
        self.span.start
    }

    pub fn map_span(&self, s: Span) -> Span {
        let start = self.map(s.start);
        let end = self.map(s.end).max(start);
        Span::new(start, end)
    }
}

/// A plain string literal's value, or `None` for anything else (f-strings, names, calls).
pub fn str_value(expr: &Expr, source: &str) -> Option<PyStr> {
    let Expr::StringLiteral(lit) = expr else {
        return None;
    };
    let mut value = String::new();
    let mut segments = Vec::new();
    for part in lit.value.iter() {
        let content = span(part.content_range());
        let raw = source.get(content.start..content.end).unwrap_or("");
        let exact = raw == part.as_str();
        segments.push((value.len(), content.start, part.len(), exact));
        value.push_str(part.as_str());
    }
    Some(PyStr {
        value,
        span: span(lit.range),
        segments,
    })
}

/// Parses SQL held in a Python string, mapping every span back into the Python file.
pub fn parse_sql(s: &PyStr) -> ParsedSql {
    let mut parsed = postgres::parse(&s.value);
    for st in &mut parsed.statements {
        st.span = s.map_span(st.span);
        for (_, sp) in &mut st.changes {
            *sp = s.map_span(*sp);
        }
    }
    for i in &mut parsed.issues {
        i.span = s.map_span(i.span);
    }
    for (sp, _) in &mut parsed.comments {
        *sp = s.map_span(*sp);
    }
    parsed
}

/// Why an expression that should hold SQL cannot be read statically.
pub fn dynamic_reason(expr: &Expr) -> String {
    match expr {
        Expr::FString(_) => "an f-string builds the SQL at run time".to_string(),
        Expr::BinOp(_) => "the SQL is built with an operator (`%` or `+`) at run time".to_string(),
        Expr::Name(n) => format!("the SQL comes from the variable `{}`", n.id),
        Expr::Call(c) => format!(
            "the SQL comes from a call to `{}`",
            call_name(c).unwrap_or_else(|| "a function".to_string())
        ),
        _ => "the SQL is not a literal string".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_call(src: &str) -> (PyFile, String) {
        (parse(src), src.to_string())
    }

    #[test]
    fn maps_sql_spans_back_into_the_file() {
        let src =
            "op.execute(\n    \"UPDATE t SET a = 1;\"\n    \" ALTER TABLE t DROP COLUMN b\"\n)\n";
        let (file, src) = first_call(src);
        let ruff_python_ast::Stmt::Expr(stmt) = &file.parsed.syntax().body[0] else {
            panic!("not an expression statement")
        };
        let Expr::Call(call) = stmt.value.as_ref() else {
            panic!("not a call")
        };
        assert_eq!(call_name(call).as_deref(), Some("op.execute"));
        let s = str_value(arg(call, "sqltext", 0).expect("arg"), &src).expect("literal");
        let sql = parse_sql(&s);
        let (_, drop) = &sql.statements[1].changes[0];
        assert_eq!(&src[drop.start..drop.end], "DROP COLUMN b");
    }

    #[test]
    fn comments_and_issues() {
        let f = parse("# compat: breaking (reason: x)\nop.drop_column('t', 'c')\ndef broken(:\n");
        assert_eq!(f.comments.len(), 1);
        assert!(!f.issues.is_empty());
    }
}
