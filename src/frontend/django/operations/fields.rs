//! Operations on fields: add, remove, alter, rename.

use super::super::super::python::{arg, kwarg};
use super::super::Cx;
use super::super::state::*;
use super::Operation;
use crate::model::{Op, QualifiedName, Span};
use ruff_python_ast::Expr;

impl Cx<'_> {
    /// `AddField`: the column (with the temporary default Django uses for a Python `default=`), its keys and indexes, or a many-to-many table.
    pub(super) fn add_field(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let fname = self
            .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
            .unwrap_or_default();
        let Some(Expr::Call(fc)) = kwarg(c, "field").or_else(|| arg(c, "field", 2)) else {
            push(
                Op::unmodelled("AddField with a field rollsafe cannot read"),
                out,
            );
            return;
        };
        let mut f = self.field(state, fc);
        let (qn, managed) = self.table(state, &o.model_name);
        if managed {
            if let Some(target) = &f.m2m {
                let ms = state
                    .models
                    .get(&model_key(self.app, &o.model_name))
                    .cloned();
                if let Some(ms) = ms {
                    for o in self.m2m_table(state, &ms.table, &o.model_name, &fname, target, &ms) {
                        push(o, out);
                    }
                }
            } else {
                let (mut col, constraints, indexes) = self.field_ddl(state, &qn, &fname, &mut f);
                let col_name = col.name.clone();
                // Django adds the column with the Python default and drops that
                // default in the same migration: old code's inserts then fail.
                let temp_default =
                    !f.null && f.db_default.is_none() && f.has_default && !f.generated;
                if temp_default {
                    col.default = Some("(effective default)".into());
                }
                push(
                    Op::AddColumn {
                        table: qn.clone(),
                        column: col,
                        constraints,
                        if_not_exists: false,
                    },
                    out,
                );
                if temp_default {
                    push(
                        Op::DropDefault {
                            table: qn.clone(),
                            column: col_name.clone(),
                        },
                        out,
                    );
                }
                for o in indexes {
                    push(o, out);
                }
                if let Some(r) = reverse {
                    r.push(Op::DropColumn {
                        table: qn,
                        column: col_name,
                        if_exists: false,
                    });
                }
            }
        }
        if let Some(ms) = state.models.get_mut(&model_key(self.app, &o.model_name)) {
            ms.fields.push((fname, f));
        }
    }

    /// `RemoveField`: the column, or the many-to-many table.
    pub(super) fn remove_field(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let fname = self
            .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
            .unwrap_or_default();
        let (qn, managed) = self.table(state, &o.model_name);
        let key = model_key(self.app, &o.model_name);
        let field = state.models.get(&key).and_then(|ms| {
            ms.fields
                .iter()
                .find(|(n, _)| *n == fname)
                .map(|(_, f)| f.clone())
        });
        if managed {
            match &field {
                Some(f) if f.m2m.is_some() => push(
                    Op::DropTable {
                        table: QualifiedName::new(m2m_table_name(&qn.name, &fname)),
                        if_exists: false,
                    },
                    out,
                ),
                Some(f) => push(
                    Op::DropColumn {
                        table: qn,
                        column: f.column_name(&fname),
                        if_exists: false,
                    },
                    out,
                ),
                None => push(
                    Op::DropColumn {
                        table: qn,
                        column: fname.clone(),
                        if_exists: false,
                    },
                    out,
                ),
            }
        }
        if let Some(ms) = state.models.get_mut(&key) {
            ms.fields.retain(|(n, _)| *n != fname);
        }
    }

    /// `AlterField`: only what changes in the database (name, type, nullability, default, keys and indexes).
    pub(super) fn alter_field(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let fname = self
            .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
            .unwrap_or_default();
        let Some(Expr::Call(fc)) = kwarg(c, "field").or_else(|| arg(c, "field", 2)) else {
            push(
                Op::unmodelled("AlterField with a field rollsafe cannot read"),
                out,
            );
            return;
        };
        let mut new = self.field(state, fc);
        let (qn, managed) = self.table(state, &o.model_name);
        let key = model_key(self.app, &o.model_name);
        let old = state.models.get(&key).and_then(|ms| {
            ms.fields
                .iter()
                .find(|(n, _)| *n == fname)
                .map(|(_, f)| f.clone())
        });
        if managed && new.m2m.is_none() {
            let mut ops = Vec::new();
            match &old {
                Some(old) => {
                    let (oc, nc) = (old.column_name(&fname), new.column_name(&fname));
                    if oc != nc {
                        ops.push(Op::RenameColumn {
                            table: qn.clone(),
                            column: oc,
                            to: nc.clone(),
                        });
                    }
                    if old.ty != new.ty {
                        ops.push(Op::AlterColumnType {
                            table: qn.clone(),
                            column: nc.clone(),
                            to: new.ty.clone(),
                            using: false,
                        });
                    }
                    if old.null && !new.null {
                        ops.push(Op::SetNotNull {
                            table: qn.clone(),
                            column: nc.clone(),
                        });
                    } else if !old.null && new.null {
                        ops.push(Op::DropNotNull {
                            table: qn.clone(),
                            column: nc.clone(),
                        });
                    }
                    if old.db_default != new.db_default {
                        ops.push(match &new.db_default {
                            Some(d) => Op::SetDefault {
                                table: qn.clone(),
                                column: nc.clone(),
                                default: d.clone(),
                            },
                            None => Op::DropDefault {
                                table: qn.clone(),
                                column: nc.clone(),
                            },
                        });
                    }
                    self.alter_field_keys(state, &qn, &fname, old, &mut new, &mut ops);
                }
                None => {
                    // The field predates the files rollsafe sees: state what is known.
                    let nc = new.column_name(&fname);
                    ops.push(Op::AlterColumnType {
                        table: qn.clone(),
                        column: nc.clone(),
                        to: new.ty.clone(),
                        using: false,
                    });
                    if !new.null {
                        ops.push(Op::SetNotNull {
                            table: qn.clone(),
                            column: nc.clone(),
                        });
                    }
                }
            }
            if ops.is_empty() {
                ops.push(Op::Neutral {
                    what: format!("alter field {}.{fname} (no database change)", o.model_name),
                });
            }
            for o in ops {
                push(o, out);
            }
        }
        if let Some(ms) = state.models.get_mut(&key) {
            match ms.fields.iter_mut().find(|(n, _)| *n == fname) {
                Some((_, f)) => *f = new,
                None => ms.fields.push((fname, new)),
            }
        }
    }

    /// `RenameField`: renames the column when its name follows the field's.
    pub(super) fn rename_field(
        &mut self,
        state: &mut State,
        o: &Operation,
        out: &mut Vec<(Op, Span)>,
    ) {
        let (c, at) = (o.call, o.at);
        let push = |x: Op, out: &mut Vec<(Op, Span)>| {
            if o.ddl {
                out.push((x, at));
            }
        };
        let old = self
            .s(kwarg(c, "old_name").or_else(|| arg(c, "old_name", 1)))
            .unwrap_or_default();
        let new = self
            .s(kwarg(c, "new_name").or_else(|| arg(c, "new_name", 2)))
            .unwrap_or_default();
        let (qn, managed) = self.table(state, &o.model_name);
        let key = model_key(self.app, &o.model_name);
        let field = state.models.get(&key).and_then(|ms| {
            ms.fields
                .iter()
                .find(|(n, _)| *n == old)
                .map(|(_, f)| f.clone())
        });
        let (oc, nc) = match &field {
            Some(f) => (f.column_name(&old), f.column_name(&new)),
            None => (old.clone(), new.clone()),
        };
        if managed && oc != nc && field.as_ref().is_none_or(|f| f.m2m.is_none()) {
            push(
                Op::RenameColumn {
                    table: qn,
                    column: oc,
                    to: nc,
                },
                out,
            );
        }
        if let Some(ms) = state.models.get_mut(&key) {
            for (n, _) in ms.fields.iter_mut().filter(|(n, _)| *n == old) {
                *n = new.clone();
            }
        }
    }
}
