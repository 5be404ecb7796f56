//! `add_column`, `drop_column`, `alter_column`.

use super::super::super::python::bool_value;
use super::super::reader::Reader;
use super::super::types::{make_serial, serial_column};
use super::OpCall;
use crate::model::{ConstraintKind, Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Reader<'_> {
    pub(super) fn add_column(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let (Some(table), Some(Expr::Call(col))) =
            (self.table_arg(c, "table_name"), c.arg("column", c.shift()))
        else {
            return c.unknown();
        };
        let Some((mut column, constraints, enums, auto)) = self.column(col) else {
            return c.unknown();
        };
        // The column alone makes the key of the table Alembic builds for it.
        let in_key = [constraints
            .iter()
            .any(|k| k.kind == ConstraintKind::PrimaryKey)];
        if serial_column(&[auto], &in_key).is_some() {
            make_serial(&mut column);
        }
        let mut ops: Vec<(Op, Span)> = enums.into_iter().map(|o| (o, c.at)).collect();
        ops.push((
            Op::AddColumn {
                table,
                column,
                constraints,
                if_not_exists: c.flag("if_not_exists"),
            },
            c.at,
        ));
        ops
    }

    pub(super) fn drop_column(&self, c: &OpCall) -> Vec<(Op, Span)> {
        match (
            self.table_arg(c, "table_name"),
            self.name_arg(c, "column_name", c.shift()),
        ) {
            (Some(table), Some(column)) => vec![(
                Op::DropColumn {
                    table,
                    column,
                    if_exists: c.flag("if_exists"),
                },
                c.at,
            )],
            _ => c.unknown(),
        }
    }

    /// One `alter_column` can change the type, nullability, default and name at once.
    pub(super) fn alter_column(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let (Some(table), Some(column)) = (
            self.table_arg(c, "table_name"),
            self.name_arg(c, "column_name", c.shift()),
        ) else {
            return c.unknown();
        };
        let mut ops = Vec::new();
        let target = |table: &QualifiedName, column: &String| (table.clone(), column.clone());
        if let Some(t) = c.kwarg("type_") {
            let (table, column) = target(&table, &column);
            ops.push(Op::AlterColumnType {
                table,
                column,
                to: self.sa_type(t).0,
                using: c.kwarg("postgresql_using").is_some(),
            });
        }
        if let Some(n) = c.kwarg("nullable").and_then(bool_value) {
            let (table, column) = target(&table, &column);
            ops.push(if n {
                Op::DropNotNull { table, column }
            } else {
                Op::SetNotNull { table, column }
            });
        }
        if let Some(d) = c.kwarg("server_default") {
            let (table, column) = target(&table, &column);
            ops.push(match self.server_default(d) {
                Some(default) => Op::SetDefault {
                    table,
                    column,
                    default,
                },
                None => Op::DropDefault { table, column },
            });
        }
        if let Some(to) = c.kwarg("new_column_name").and_then(|e| self.name_of(e)) {
            ops.push(Op::RenameColumn { table, column, to });
        }
        if ops.is_empty() {
            ops.push(Op::Neutral {
                what: "alter column (comment or no database change)".into(),
            });
        }
        ops.into_iter().map(|o| (o, c.at)).collect()
    }
}
