//! `op.*` calls (and the same calls on a batch block's operations object) as model operations:
//! one handler per operation family.

mod columns;
mod constraints;
mod indexes;
mod tables;

use super::super::python::{arg, kwarg};
use super::reader::{Reader, bool_opt, opaque};
use crate::model::{DataChangeKind, Op, QualifiedName, Span};
use ruff_python_ast::{Expr, ExprCall};

/// One `op.<method>(…)` call being read.
pub(super) struct OpCall<'c> {
    pub call: &'c ExprCall,
    pub method: &'c str,
    /// The table of the batch block the call is made in (its calls name no table).
    pub batch: Option<QualifiedName>,
    pub at: Span,
}

impl OpCall<'_> {
    /// In a batch block the table is implied and every positional argument shifts left.
    pub fn shift(&self) -> usize {
        usize::from(self.batch.is_none())
    }

    pub fn arg(&self, name: &str, pos: usize) -> Option<&Expr> {
        arg(self.call, name, pos)
    }

    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        kwarg(self.call, name)
    }

    pub fn flag(&self, name: &str) -> bool {
        bool_opt(self.call, name)
    }

    /// The operation, opaque because its arguments could not be read.
    pub fn unknown(&self) -> Vec<(Op, Span)> {
        vec![(
            opaque(format!(
                "`op.{}` with arguments rollsafe cannot read",
                self.method
            )),
            self.at,
        )]
    }
}

impl Reader<'_> {
    /// A string argument (or `op.f("…")`).
    pub(super) fn name_arg(&self, c: &OpCall, name: &str, pos: usize) -> Option<String> {
        c.arg(name, pos).and_then(|e| self.name_of(e))
    }

    /// The table an operation applies to: the batch block's, or its first argument.
    pub(super) fn table_arg(&self, c: &OpCall, name: &str) -> Option<QualifiedName> {
        match &c.batch {
            Some(t) => Some(t.clone()),
            None => self.name_arg(c, name, 0).map(|n| self.qualify(c.call, n)),
        }
    }

    pub(super) fn op(
        &mut self,
        call: &ExprCall,
        method: &str,
        batch: Option<QualifiedName>,
        at: Span,
    ) -> Vec<(Op, Span)> {
        let c = OpCall {
            call,
            method,
            batch,
            at,
        };
        match method {
            "create_table" => self.create_table(&c),
            "drop_table" => self.drop_table(&c),
            "rename_table" => self.rename_table(&c),
            "add_column" => self.add_column(&c),
            "drop_column" => self.drop_column(&c),
            "alter_column" => self.alter_column(&c),
            "create_index" => self.create_index(&c),
            "drop_index" => self.drop_index(&c),
            "create_unique_constraint"
            | "create_primary_key"
            | "create_check_constraint"
            | "create_foreign_key"
            | "create_exclude_constraint" => self.create_constraint(&c),
            "drop_constraint" => self.drop_constraint(&c),
            "execute" => {
                let sql = c.arg("sqltext", 0);
                self.sql_ops(sql, at)
            }
            "bulk_insert" => vec![(
                Op::DataChange {
                    kind: DataChangeKind::Insert,
                    table: None,
                },
                at,
            )],
            "create_table_comment"
            | "drop_table_comment"
            | "get_bind"
            | "get_context"
            | "f"
            | "inline_literal"
            | "run_async" => Vec::new(),
            other => vec![(opaque(format!("`op.{other}` is not modelled")), at)],
        }
    }
}
