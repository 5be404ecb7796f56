//! `create_table`, `drop_table`, `rename_table`.

use super::super::super::python::call_name;
use super::super::reader::Reader;
use super::super::types::{TableKey, make_serial, serial_column};
use super::OpCall;
use crate::model::{ConstraintDef, ConstraintKind, Op, Span};
use ruff_python_ast::Expr;

impl Reader<'_> {
    pub(super) fn create_table(&self, c: &OpCall) -> Vec<(Op, Span)> {
        let Some(table) = self
            .name_arg(c, "table_name", 0)
            .map(|n| self.qualify(c.call, n))
        else {
            return c.unknown();
        };
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        let mut pre = Vec::new();
        let mut autoinc = Vec::new();
        for a in c.call.arguments.args.iter().skip(1) {
            let Expr::Call(inner) = a else { continue };
            let leaf = call_name(inner).unwrap_or_default();
            let leaf = leaf.rsplit('.').next().unwrap_or("");
            if leaf == "Column" {
                if let Some((col, cons, enums, auto)) = self.column(inner) {
                    columns.push(col);
                    constraints.extend(cons.into_iter().map(|def| TableKey {
                        kind: def.kind,
                        def,
                        from_column: true,
                    }));
                    pre.extend(enums);
                    autoinc.push(auto);
                }
            } else if let Some(def) = self.table_constraint(inner, leaf) {
                constraints.push(TableKey {
                    kind: def.kind,
                    def,
                    from_column: false,
                });
            }
        }
        // `primary_key=True` on several columns makes one composite key (the table's
        // `PrimaryKeyConstraint`, columns in table order); an explicit
        // `sa.PrimaryKeyConstraint` takes its place.
        let column_keys: Vec<String> = constraints
            .iter()
            .filter(|k| k.kind == ConstraintKind::PrimaryKey && k.from_column)
            .flat_map(|k| k.def.columns.clone())
            .collect();
        let explicit = constraints
            .iter()
            .any(|k| k.kind == ConstraintKind::PrimaryKey && !k.from_column);
        constraints.retain(|k| !(k.kind == ConstraintKind::PrimaryKey && k.from_column));
        let mut constraints: Vec<ConstraintDef> = constraints.into_iter().map(|k| k.def).collect();
        if !explicit && !column_keys.is_empty() {
            constraints.push(ConstraintDef::new(ConstraintKind::PrimaryKey, column_keys));
        }
        let mut key: Vec<String> = Vec::new();
        for con in &constraints {
            if con.kind == ConstraintKind::PrimaryKey {
                for col in columns.iter_mut().filter(|x| con.columns.contains(&x.name)) {
                    col.nullable = false;
                }
                key.extend(con.columns.iter().cloned());
            }
        }
        let in_key: Vec<bool> = columns.iter().map(|x| key.contains(&x.name)).collect();
        if let Some(i) = serial_column(&autoinc, &in_key) {
            make_serial(&mut columns[i]);
        }
        let mut ops: Vec<(Op, Span)> = pre.into_iter().map(|o| (o, c.at)).collect();
        ops.push((
            Op::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists: c.flag("if_not_exists"),
            },
            c.at,
        ));
        ops
    }

    pub(super) fn drop_table(&self, c: &OpCall) -> Vec<(Op, Span)> {
        match self.table_arg(c, "table_name") {
            Some(table) => vec![(
                Op::DropTable {
                    table,
                    if_exists: c.flag("if_exists"),
                },
                c.at,
            )],
            None => c.unknown(),
        }
    }

    pub(super) fn rename_table(&self, c: &OpCall) -> Vec<(Op, Span)> {
        match (
            self.name_arg(c, "old_table_name", 0),
            self.name_arg(c, "new_table_name", 1),
        ) {
            (Some(old), Some(new)) => vec![(
                Op::RenameTable {
                    table: self.qualify(c.call, old),
                    to: new,
                },
                c.at,
            )],
            _ => c.unknown(),
        }
    }
}
