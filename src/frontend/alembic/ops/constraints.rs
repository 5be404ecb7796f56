//! `create_unique_constraint`, `create_primary_key`, `create_check_constraint`,
//! `create_foreign_key`, `create_exclude_constraint`, `drop_constraint`.

use super::super::super::python::{self, bool_value};
use super::super::reader::Reader;
use super::OpCall;
use crate::model::{ConstraintDef, ConstraintKind, Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Reader<'_> {
    pub(super) fn create_constraint(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let name = self.name_arg(c, "constraint_name", 0);
        let table_kw = if c.method == "create_foreign_key" {
            "source_table"
        } else {
            "table_name"
        };
        let table = match &c.batch {
            Some(t) => Some(t.clone()),
            None => self
                .name_arg(c, table_kw, 1)
                .map(|n| self.qualify(c.call, n)),
        };
        let Some(table) = table else {
            return c.unknown();
        };
        let pos = 2 - usize::from(c.batch.is_some());
        let condition = || {
            c.arg("condition", pos)
                .and_then(|e| python::str_value(e, self.text))
                .map(|s| s.value)
        };
        let (kind, columns, references) = match c.method {
            "create_unique_constraint" => (
                ConstraintKind::Unique,
                self.names(c.arg("columns", pos)),
                None,
            ),
            "create_primary_key" => (
                ConstraintKind::PrimaryKey,
                self.names(c.arg("columns", pos)),
                None,
            ),
            "create_check_constraint" => (
                ConstraintKind::Check,
                crate::expression::check_columns(&condition().unwrap_or_default()),
                None,
            ),
            "create_foreign_key" => (
                ConstraintKind::ForeignKey,
                self.names(c.arg("local_cols", pos + 1)),
                self.name_arg(c, "referent_table", pos)
                    .map(QualifiedName::new),
            ),
            _ => {
                let cols = c
                    .call
                    .arguments
                    .args
                    .iter()
                    .skip(pos)
                    .filter_map(|e| match e {
                        Expr::Tuple(t) => t.elts.first().and_then(|x| self.column_ref(x)),
                        _ => None,
                    })
                    .collect();
                (ConstraintKind::Exclusion, cols, None)
            }
        };
        let mut def = ConstraintDef::new(kind, columns);
        def.name = name;
        def.references = references;
        if c.method == "create_foreign_key" {
            def.ref_columns = self.names(c.arg("remote_cols", pos + 2));
        }
        if kind == ConstraintKind::Check {
            def.expression = condition();
        }
        def.not_valid = c
            .kwarg("postgresql_not_valid")
            .and_then(bool_value)
            .unwrap_or(false);
        vec![(
            Op::AddConstraint {
                table,
                constraint: def,
            },
            c.at,
        )]
    }

    pub(super) fn drop_constraint(&self, c: &OpCall) -> Vec<(Op, Span)> {
        // `drop_constraint(name, table_name, …)`: the table is the second argument (in a batch,
        // the batch's table).
        let table = match &c.batch {
            Some(t) => Some(t.clone()),
            None => self
                .name_arg(c, "table_name", 1)
                .map(|n| self.qualify(c.call, n)),
        };
        match (self.name_arg(c, "constraint_name", 0), table) {
            (Some(name), Some(table)) => vec![(
                Op::DropConstraint {
                    table,
                    name,
                    if_exists: c.flag("if_exists"),
                },
                c.at,
            )],
            _ => c.unknown(),
        }
    }
}
