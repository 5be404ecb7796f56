//! Walks a revision function's statements: `op.*` calls (also inside `with` blocks and batch
//! blocks), `execute` calls on connections, and what cannot be followed statically.

use super::super::python::{self, PyStr, arg, bool_value, call_name, kwarg, span};
use crate::frontend::sql::ParsedSql;
use crate::model::{DataChangeKind, Op, QualifiedName, Span};
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::Ranged;
use std::collections::BTreeSet;

/// An op call's span, its operations, and the `with` block holding it.
pub(super) type ReadStatement = (Span, Vec<(Op, Span)>, Option<usize>);

pub(super) struct Reader<'a> {
    pub text: &'a str,
    pub helpers: &'a BTreeSet<String>,
    /// One entry per op call: its span, its operations, and the `with` block holding it (an
    /// override above the block applies to every op in it).
    pub statements: Vec<ReadStatement>,
    pub block: Option<usize>,
    pub comments: Vec<(Span, String)>,
    /// Syntax errors in SQL strings.
    pub issues: Vec<crate::model::ParseIssue>,
    /// Statements read inside `autocommit_block()`, which Alembic runs outside its transaction.
    pub autocommit: Vec<usize>,
    pub in_autocommit: bool,
}

pub(super) fn opaque(reason: impl Into<String>) -> Op {
    Op::unmodelled(reason)
}

/// Operations whose targets are decided at run time.
pub(super) fn dynamic(reason: impl Into<String>) -> Op {
    Op::dynamic(reason)
}

impl Reader<'_> {
    /// Reads a block of statements; `batch` is `(variable, table)` inside a batch block.
    pub(super) fn body(&mut self, body: &[Stmt], batch: Option<(&str, &QualifiedName)>) {
        for stmt in body {
            match stmt {
                Stmt::Expr(e) => {
                    if let Expr::Call(call) = e.value.as_ref() {
                        self.call(call, batch);
                    }
                }
                Stmt::With(w) => {
                    let mut handled = false;
                    for item in &w.items {
                        let Expr::Call(c) = &item.context_expr else { continue };
                        let name = call_name(c).unwrap_or_default();
                        if name.ends_with("batch_alter_table") {
                            let table = arg(c, "table_name", 0)
                                .and_then(|e| self.name_of(e))
                                .map(|n| self.qualify(c, n));
                            let var = item.optional_vars.as_deref().and_then(|v| match v {
                                Expr::Name(n) => Some(n.id.to_string()),
                                _ => None,
                            });
                            match (table, var) {
                                (Some(t), Some(v)) => {
                                    self.block_body(span(w.range), &w.body, Some((&v, &t)));
                                }
                                _ => self.push(span(w.range), vec![(dynamic("batch_alter_table on a table named at run time"), span(w.range))]),
                            }
                            handled = true;
                        }
                    }
                    if !handled {
                        // `autocommit_block()` and other contexts: ordinary ops inside; those
                        // of an autocommit block run outside Alembic's transaction.
                        let autocommit = w.items.iter().any(|item| {
                            // `op.get_context().autocommit_block()`: a method of a call's result.
                            matches!(&item.context_expr, Expr::Call(c)
                                if matches!(c.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "autocommit_block"))
                        });
                        let outer = self.in_autocommit;
                        self.in_autocommit = outer || autocommit;
                        self.block_body(span(w.range), &w.body, batch);
                        self.in_autocommit = outer;
                    }
                }
                Stmt::For(f) => self.push(
                    span(f.range),
                    vec![(dynamic("operations in a loop: which tables and columns it touches is decided at run time"), span(f.range))],
                ),
                Stmt::While(f) => self.push(
                    span(f.range),
                    vec![(dynamic("operations in a loop: decided at run time"), span(f.range))],
                ),
                Stmt::If(i) => {
                    self.body(&i.body, batch);
                    for clause in &i.elif_else_clauses {
                        self.body(&clause.body, batch);
                    }
                }
                Stmt::Try(t) => {
                    self.body(&t.body, batch);
                }
                Stmt::Assign(a) => {
                    if let Expr::Call(call) = a.value.as_ref()
                        && call_name(call).is_some_and(|n| n.starts_with("op.") && n != "op.get_bind" && n != "op.get_context" && n != "op.f") {
                            self.call(call, batch);
                        }
                }
                _ => {}
            }
        }
    }

    fn push(&mut self, at: Span, ops: Vec<(Op, Span)>) {
        if !ops.is_empty() {
            if self.in_autocommit {
                self.autocommit.push(self.statements.len());
            }
            self.statements.push((at, ops, self.block));
        }
    }

    /// Reads a `with` block's body as ops grouped under the block.
    fn block_body(&mut self, at: Span, body: &[Stmt], batch: Option<(&str, &QualifiedName)>) {
        let outer = self.block;
        self.statements.push((at, Vec::new(), outer));
        self.block = Some(self.statements.len() - 1);
        self.body(body, batch);
        self.block = outer;
    }

    /// A name given as a string or `op.f("name")`.
    pub(super) fn name_of(&self, e: &Expr) -> Option<String> {
        if let Some(s) = python::str_value(e, self.text) {
            return Some(s.value);
        }
        if let Expr::Call(c) = e
            && call_name(c).is_some_and(|n| n.ends_with(".f") || n == "f" || n.ends_with("conv"))
        {
            return arg(c, "name", 0)
                .and_then(|a| python::str_value(a, self.text))
                .map(|s| s.value);
        }
        None
    }

    pub(super) fn qualify(&self, call: &ExprCall, name: String) -> QualifiedName {
        let schema = kwarg(call, "schema")
            .and_then(|s| python::str_value(s, self.text))
            .map(|s| s.value);
        QualifiedName::with_schema(schema, name)
    }

    pub(super) fn names(&self, e: Option<&Expr>) -> Vec<String> {
        match e {
            Some(Expr::List(l)) => l.elts.iter().filter_map(|x| self.column_ref(x)).collect(),
            Some(Expr::Tuple(t)) => t.elts.iter().filter_map(|x| self.column_ref(x)).collect(),
            Some(other) => self.column_ref(other).into_iter().collect(),
            None => Vec::new(),
        }
    }

    pub(super) fn column_ref(&self, e: &Expr) -> Option<String> {
        self.name_of(e).or_else(|| match e {
            Expr::Call(c) => Some(
                self.text
                    .get(span(c.range()).start..span(c.range()).end)?
                    .to_string(),
            ),
            Expr::Name(n) => Some(n.id.to_string()),
            _ => None,
        })
    }

    fn call(&mut self, call: &ExprCall, batch: Option<(&str, &QualifiedName)>) {
        let at = span(call.range());
        // `op.get_bind().execute(…)` has no dotted name: its receiver is a call.
        let name = call_name(call).unwrap_or_else(|| {
            format!(
                "<expr>.{}",
                chain_methods(&call.func)
                    .last()
                    .cloned()
                    .unwrap_or_default()
            )
        });
        let (receiver, method) = match name.rsplit_once('.') {
            Some((r, m)) => (r.to_string(), m.to_string()),
            None => (String::new(), name.clone()),
        };
        if receiver.is_empty() {
            const BUILTINS: &[&str] = &[
                "print",
                "len",
                "str",
                "int",
                "list",
                "dict",
                "set",
                "tuple",
                "range",
                "sorted",
                "enumerate",
                "zip",
                "isinstance",
                "getattr",
                "setattr",
                "super",
                "bool",
                "format",
            ];
            if self.helpers.contains(&method) {
                self.push(at, vec![(dynamic(format!("operations run inside the local function `{method}()`, which rollsafe does not follow")), at)]);
            } else if !BUILTINS.contains(&method.as_str()) {
                self.push(at, vec![(dynamic(format!("calls `{method}()`, defined outside this file: what it does to the schema is unknown")), at)]);
            }
            return;
        }
        let in_batch = batch
            .filter(|(var, _)| *var == receiver)
            .map(|(_, t)| t.clone());
        let is_op = receiver == "op" || in_batch.is_some();
        if !is_op {
            // `conn.execute(...)`, `op.get_bind().execute(...)`, `session.execute(...)`.
            if method == "execute" || method == "exec_driver_sql" {
                let sql = arg(call, "statement", 0);
                let ops = self.sql_ops(sql, at);
                self.push(at, ops);
            }
            return;
        }
        let ops = self.op(call, &method, in_batch, at);
        self.push(at, ops);
    }

    /// SQL handed to `execute`: a literal string, `sa.text("…")`, or opaque.
    pub(super) fn sql_ops(&mut self, e: Option<&Expr>, at: Span) -> Vec<(Op, Span)> {
        let Some(e) = e else {
            return vec![(opaque("execute without SQL"), at)];
        };
        let literal: Option<PyStr> = python::str_value(e, self.text).or_else(|| match e {
            Expr::Call(c) if call_name(c).is_some_and(|n| n == "text" || n.ends_with(".text")) => {
                arg(c, "text", 0).and_then(|a| python::str_value(a, self.text))
            }
            _ => None,
        });
        match literal {
            Some(s) => {
                let parsed: ParsedSql = python::parse_sql(&s);
                self.comments.extend(parsed.comments.iter().cloned());
                self.issues.extend(parsed.issues.iter().cloned());
                let mut ops: Vec<(Op, Span)> = parsed
                    .statements
                    .into_iter()
                    .flat_map(|st| st.changes)
                    .collect();
                if ops.is_empty() {
                    ops.push((
                        Op::Neutral {
                            what: "empty SQL".into(),
                        },
                        at,
                    ));
                }
                ops
            }
            None => {
                let methods = chain_methods(e);
                if methods.iter().any(|m| {
                    matches!(
                        m.as_str(),
                        "update"
                            | "insert"
                            | "delete"
                            | "values"
                            | "where"
                            | "bulk_insert"
                            | "filter"
                    )
                }) {
                    return vec![(
                        Op::DataChange {
                            kind: DataChangeKind::Other,
                            table: None,
                        },
                        at,
                    )];
                }
                let reason = match e {
                    Expr::Call(_) => format!(
                        "SQL built by `{}(…)` (a SQLAlchemy construct or function) at run time",
                        methods.last().cloned().unwrap_or_else(|| "a call".into())
                    ),
                    other => python::dynamic_reason(other),
                };
                vec![(opaque(reason), at)]
            }
        }
    }
}

/// The method names along a call chain: `t.update().where(…).values(…)` gives
/// `update, where, values`.
fn chain_methods(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Call(c) => cur = &c.func,
            Expr::Attribute(a) => {
                out.push(a.attr.id.to_string());
                cur = &a.value;
            }
            Expr::Name(n) => {
                out.push(n.id.to_string());
                break;
            }
            _ => break,
        }
    }
    out.reverse();
    out
}

pub(super) fn bool_opt(call: &ExprCall, name: &str) -> bool {
    kwarg(call, name).and_then(bool_value).unwrap_or(false)
}
