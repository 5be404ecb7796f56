//! Operations on models: create, delete, rename, move to another table, order.

use super::super::super::python::{arg, bool_value, kwarg};
use super::super::naming::{django_index_name, truncate_name};
use super::super::state::*;
use super::super::{Cx, dict_get};
use super::Operation;
use crate::model::{ColumnDef, ConstraintDef, ConstraintKind, Op, QualifiedName, Span, SqlType};
use ruff_python_ast::Expr;

impl Cx<'_> {
    /// `CreateModel`: the table with its columns, keys and indexes, its many-to-many tables, and `unique_together`/`index_together` after it.
    pub(super) fn create_model(
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
        let name = self.s(arg(c, "name", 0)).unwrap_or_default();
        let options = kwarg(c, "options");
        let opt = |k: &str| options.and_then(|o| dict_get(o, k, self.text));
        let proxy = opt("proxy").and_then(bool_value).unwrap_or(false);
        let managed = opt("managed").and_then(bool_value).unwrap_or(true);
        let table = opt("db_table")
            .and_then(|e| self.s(Some(e)))
            .unwrap_or_else(|| truncate_name(&format!("{}_{}", self.app, name.to_lowercase())));
        let mut fields = Vec::new();
        if let Some(Expr::List(l)) = arg(c, "fields", 1) {
            for f in &l.elts {
                if let Expr::Tuple(t) = f
                    && let (Some(fname), Some(Expr::Call(fc))) =
                        (self.s(t.elts.first()), t.elts.get(1))
                {
                    fields.push((fname, self.field(state, fc)));
                }
            }
        }
        let group_list = |k: &str| -> Vec<(Vec<String>, Option<String>)> {
            opt(k)
                .map(|e| self.groups(e))
                .unwrap_or_default()
                .into_iter()
                .map(|g| (g, None))
                .collect()
        };
        let mut ms = ModelState {
            table: table.clone(),
            fields,
            managed,
            proxy,
            unique_together: group_list("unique_together"),
            index_together: group_list("index_together"),
        };
        if managed && !proxy {
            let qn = QualifiedName::new(table.clone());
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            let mut after = Vec::new();
            let mut m2m = Vec::new();
            // Relations to the model itself see it (its table and primary key).
            let key = model_key(self.app, &name);
            let mut with_self = State {
                models: state.models.clone(),
            };
            with_self.models.insert(key.clone(), ms.clone());
            let mut fields = std::mem::take(&mut ms.fields);
            for (fname, f) in fields.iter_mut() {
                if f.m2m.is_some() {
                    continue;
                }
                if f.fk.as_deref() == Some(key.as_str()) {
                    f.ty = target_info(&with_self, &key, f.to_field.as_deref()).2;
                }
                let (col, cons, indexes) = self.field_ddl(&with_self, &qn, fname, f);
                columns.push(col);
                constraints.extend(cons);
                after.extend(indexes);
            }
            ms.fields = fields;
            for (fname, f) in &ms.fields {
                if let Some(target) = &f.m2m {
                    m2m.extend(self.m2m_table(state, &table, &name, fname, target, &ms));
                }
            }
            // `create_model` defers unique_together (`_create_unique_sql`) and
            // index_together (`_idx`) to after the table.
            for i in 0..ms.unique_together.len() {
                let cols = self.columns_of(&ms, &ms.unique_together[i].0);
                let n = django_index_name(&table, &cols, "_uniq");
                let mut d = ConstraintDef::new(ConstraintKind::Unique, cols);
                d.name = Some(n.clone());
                constraints.push(d);
                ms.unique_together[i].1 = Some(n);
            }
            for i in 0..ms.index_together.len() {
                let cols = self.columns_of(&ms, &ms.index_together[i].0);
                let n = django_index_name(&table, &cols, "_idx");
                after.push(named_index(&qn, cols, n.clone()));
                ms.index_together[i].1 = Some(n);
            }
            after.extend(m2m);
            push(
                Op::CreateTable {
                    table: qn.clone(),
                    columns,
                    constraints,
                    if_not_exists: false,
                },
                out,
            );
            for o in after {
                push(o, out);
            }
            if let Some(r) = reverse {
                r.push(Op::DropTable {
                    table: qn,
                    if_exists: false,
                });
            }
        }
        state.models.insert(model_key(self.app, &name), ms);
    }

    /// `DeleteModel`: the table, after its auto-created many-to-many tables.
    pub(super) fn delete_model(
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
        let name = self.s(arg(c, "name", 0)).unwrap_or_default();
        if let Some(ms) = state.models.remove(&model_key(self.app, &name)) {
            if ms.managed && !ms.proxy {
                // `delete_model` drops the auto-created many-to-many tables first.
                for (fname, f) in &ms.fields {
                    if f.m2m.is_some() {
                        push(
                            Op::DropTable {
                                table: QualifiedName::new(m2m_table_name(&ms.table, fname)),
                                if_exists: false,
                            },
                            out,
                        );
                    }
                }
                push(
                    Op::DropTable {
                        table: QualifiedName::new(ms.table),
                        if_exists: false,
                    },
                    out,
                );
            }
        } else {
            push(
                Op::DropTable {
                    table: QualifiedName::new(format!("{}_{}", self.app, name.to_lowercase())),
                    if_exists: false,
                },
                out,
            );
        }
        *reverse = reverse.take().map(|mut r| {
            r.push(Op::Neutral {
                what: "recreate model".into(),
            });
            r
        });
    }

    /// `RenameModel`: renames the table when it has the default name.
    pub(super) fn rename_model(
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
            .s(kwarg(c, "old_name").or_else(|| arg(c, "old_name", 0)))
            .unwrap_or_default();
        let new = self
            .s(kwarg(c, "new_name").or_else(|| arg(c, "new_name", 1)))
            .unwrap_or_default();
        if let Some(mut ms) = state.models.remove(&model_key(self.app, &old)) {
            let default_old = format!("{}_{}", self.app, old.to_lowercase());
            if ms.table == default_old {
                let new_table = format!("{}_{}", self.app, new.to_lowercase());
                if ms.managed && !ms.proxy {
                    push(
                        Op::RenameTable {
                            table: QualifiedName::new(ms.table.clone()),
                            to: new_table.clone(),
                        },
                        out,
                    );
                }
                ms.table = new_table;
            }
            state.models.insert(model_key(self.app, &new), ms);
        }
    }

    /// `AlterModelTable`: renames the table to `db_table` (or back to the default).
    pub(super) fn alter_model_table(
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
        let name = self.s(arg(c, "name", 0)).unwrap_or_default();
        let key = model_key(self.app, &name);
        let new = self
            .s(kwarg(c, "table").or_else(|| arg(c, "table", 1)))
            .unwrap_or_else(|| format!("{}_{}", self.app, name.to_lowercase()));
        if let Some(ms) = state.models.get_mut(&key)
            && ms.table != new
        {
            if ms.managed && !ms.proxy {
                push(
                    Op::RenameTable {
                        table: QualifiedName::new(ms.table.clone()),
                        to: new.clone(),
                    },
                    out,
                );
            }
            ms.table = new;
        }
    }

    /// `AlterOrderWithRespectTo`: the `_order` column, added with a default that is then dropped.
    pub(super) fn alter_order_with_respect_to(
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
        let name = self.s(arg(c, "name", 0)).unwrap_or_default();
        let (qn, managed) = self.table(state, &name);
        if managed
            && kwarg(c, "order_with_respect_to")
                .or_else(|| arg(c, "order_with_respect_to", 1))
                .is_some_and(|e| !matches!(e, Expr::NoneLiteral(_)))
        {
            let mut col = ColumnDef::new("_order", SqlType::named("integer"));
            col.nullable = false;
            col.default = Some("0".into());
            push(
                Op::AddColumn {
                    table: qn.clone(),
                    column: col,
                    constraints: Vec::new(),
                    if_not_exists: false,
                },
                out,
            );
            push(
                Op::DropDefault {
                    table: qn,
                    column: "_order".into(),
                },
                out,
            );
        }
    }
}
