//! `create_index`, `drop_index`.

use super::super::super::python;
use super::super::reader::Reader;
use super::OpCall;
use crate::model::{IndexDef, Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Reader<'_> {
    pub(super) fn create_index(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let name = self.name_arg(c, "index_name", 0);
        let (table, cols) = match &c.batch {
            Some(t) => (Some(t.clone()), c.arg("columns", 1)),
            None => (
                self.name_arg(c, "table_name", 1)
                    .map(|n| self.qualify(c.call, n)),
                c.arg("columns", 2),
            ),
        };
        let Some(table) = table else {
            return c.unknown();
        };
        let predicate = c
            .kwarg("postgresql_where")
            .or_else(|| c.kwarg("sqlite_where"));
        vec![(
            Op::CreateIndex(IndexDef {
                name,
                table,
                columns: self.names(cols),
                unique: c.flag("unique"),
                concurrently: c.flag("postgresql_concurrently"),
                partial: predicate.is_some(),
                // `postgresql_where="…"` or `sa.text("…")`; a SQLAlchemy expression is not read.
                predicate_columns: predicate
                    .and_then(|e| match e {
                        Expr::Call(inner) => inner.arguments.args.first(),
                        other => Some(other),
                    })
                    .and_then(|e| python::str_value(e, self.text))
                    .map(|s| crate::expression::check_columns(&s.value))
                    .unwrap_or_default(),
                if_not_exists: c.flag("if_not_exists"),
            }),
            c.at,
        )]
    }

    pub(super) fn drop_index(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let Some(n) = self.name_arg(c, "index_name", 0) else {
            return c.unknown();
        };
        let schema = c
            .kwarg("schema")
            .and_then(|e| python::str_value(e, self.text))
            .map(|s| s.value);
        vec![(
            Op::DropIndex {
                name: QualifiedName::with_schema(schema, n),
                if_exists: c.flag("if_exists"),
                concurrently: c.flag("postgresql_concurrently"),
            },
            c.at,
        )]
    }
}
