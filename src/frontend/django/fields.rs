//! Field classes read into [`Field`]s, and the DDL Django's schema editor makes of them.

use super::super::python::{self, arg, bool_value, call_leaf, int_value, kwarg, span};
use super::Cx;
use super::naming::django_index_name;
use super::state::*;
use crate::model::{ColumnDef, ConstraintDef, ConstraintKind, Op, QualifiedName, SqlType};
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

impl Cx<'_> {
    /// Reads a field class call into a [`Field`].
    pub(crate) fn field(&self, state: &State, fc: &ExprCall) -> Field {
        let class = call_leaf(fc).unwrap_or_default();
        let kb = |k: &str| kwarg(fc, k).and_then(bool_value);
        let ki = |k: &str| kwarg(fc, k).and_then(int_value).map(|v| v as u32);
        let norm = crate::frontend::sql::postgres::normalize_type;
        let mut f = Field {
            class: class.clone(),
            column: self.s(kwarg(fc, "db_column")),
            ty: SqlType::unknown(),
            null: kb("null").unwrap_or(false),
            has_default: kwarg(fc, "default").is_some(),
            db_default: kwarg(fc, "db_default").map(|e| {
                let sp = span(e.range());
                self.text.get(sp.start..sp.end).unwrap_or("?").to_string()
            }),
            unique: kb("unique").unwrap_or(false),
            db_index: kb("db_index").unwrap_or(false),
            primary_key: kb("primary_key").unwrap_or(false),
            fk: None,
            to_field: self.s(kwarg(fc, "to_field")),
            m2m: None,
            generated: false,
            objects: FieldObjects::default(),
        };
        // `SlugField` is indexed unless it says otherwise.
        if class == "SlugField" {
            f.db_index = kb("db_index").unwrap_or(true);
        }
        f.ty = match class.as_str() {
            "CharField" | "SlugField" | "EmailField" | "URLField" | "FilePathField"
            | "FileField" | "ImageField" => {
                let default = match class.as_str() {
                    "SlugField" => 50,
                    "EmailField" => 254,
                    "URLField" => 200,
                    "FileField" | "ImageField" | "FilePathField" => 100,
                    _ => 255,
                };
                norm("varchar", vec![ki("max_length").unwrap_or(default)])
            }
            "TextField" => norm("text", vec![]),
            "IntegerField" | "PositiveIntegerField" => norm("integer", vec![]),
            "SmallIntegerField" | "PositiveSmallIntegerField" => norm("smallint", vec![]),
            "BigIntegerField" | "PositiveBigIntegerField" => norm("bigint", vec![]),
            "AutoField" => {
                f.generated = true;
                norm("integer", vec![])
            }
            "BigAutoField" => {
                f.generated = true;
                norm("bigint", vec![])
            }
            "SmallAutoField" => {
                f.generated = true;
                norm("smallint", vec![])
            }
            "BooleanField" | "NullBooleanField" => norm("boolean", vec![]),
            "DecimalField" => norm(
                "numeric",
                [ki("max_digits"), ki("decimal_places")]
                    .into_iter()
                    .flatten()
                    .collect(),
            ),
            "FloatField" => norm("double precision", vec![]),
            "DateTimeField" => norm("timestamptz", vec![]),
            "DateField" => norm("date", vec![]),
            "TimeField" => norm("time", vec![]),
            "DurationField" => norm("interval", vec![]),
            "UUIDField" => norm("uuid", vec![]),
            "JSONField" => norm("jsonb", vec![]),
            "BinaryField" => norm("bytea", vec![]),
            "GenericIPAddressField" | "IPAddressField" => norm("inet", vec![]),
            "ForeignKey" | "OneToOneField" => {
                let target = self.target(fc);
                f.ty = target_info(state, &target, f.to_field.as_deref()).2;
                f.fk = Some(target);
                if class == "OneToOneField" {
                    f.unique = true;
                }
                // A relation is indexed unless `db_index=False`.
                f.db_index = kb("db_index").unwrap_or(true);
                return f;
            }
            "ManyToManyField" => {
                f.m2m = Some(self.target(fc));
                return f;
            }
            "GeneratedField" => {
                f.generated = true;
                SqlType::named("generated")
            }
            other => SqlType::named(&other.to_lowercase()),
        };
        if f.primary_key {
            f.null = false;
        }
        f
    }

    /// The `app.model` a relation points to.
    pub(crate) fn target(&self, fc: &ExprCall) -> String {
        let to = kwarg(fc, "to").or_else(|| arg(fc, "to", 0));
        match to
            .and_then(|e| python::str_value(e, self.text))
            .map(|s| s.value)
        {
            Some(t) => match t.split_once('.') {
                Some((app, model)) => model_key(app, model),
                None => model_key(self.app, &t),
            },
            None => "auth.user".to_string(),
        }
    }

    /// What Django's `column_sql` and `_field_indexes_sql` make of a field: the column, its
    /// constraints (primary key and `UNIQUE` inline, so PostgreSQL names them; the foreign key
    /// named by Django), and its indexes. Records the names in `f.objects`.
    pub(crate) fn field_ddl(
        &self,
        state: &State,
        table: &QualifiedName,
        fname: &str,
        f: &mut Field,
    ) -> (ColumnDef, Vec<ConstraintDef>, Vec<Op>) {
        let col = f.column_def(fname);
        let name = col.name.clone();
        let mut cons = Vec::new();
        if f.primary_key {
            cons.push(ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                vec![name.clone()],
            ));
        } else if f.unique {
            cons.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![name.clone()],
            ));
            f.objects.unique = Some(crate::naming::default_constraint_name(
                &table.name,
                std::slice::from_ref(&name),
                "key",
            ));
        }
        if let Some(target) = f.fk.clone() {
            cons.push(self.fk_constraint(state, table, &name, &target, f));
        }
        let indexes = self.field_indexes(table, &name, f);
        (col, cons, indexes)
    }

    /// A relation's foreign key, named as `_fk_constraint_name` does (recorded in `f.objects`).
    pub(crate) fn fk_constraint(
        &self,
        state: &State,
        table: &QualifiedName,
        column: &str,
        target: &str,
        f: &mut Field,
    ) -> ConstraintDef {
        let (to_table, to_col, _) = target_info(state, target, f.to_field.as_deref());
        let n = django_index_name(
            &table.name,
            &[column.to_string()],
            &format!("_fk_{to_table}_{to_col}"),
        );
        let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![column.to_string()]);
        d.name = Some(n.clone());
        d.references = Some(QualifiedName::new(to_table));
        d.ref_columns = vec![to_col];
        f.objects.fk = Some(n);
        d
    }

    /// `_field_indexes_sql` on PostgreSQL: an index when the field is indexed and not unique,
    /// and a `_like` one for varchar/text that is indexed or unique.
    pub(crate) fn field_indexes(
        &self,
        table: &QualifiedName,
        column: &str,
        f: &mut Field,
    ) -> Vec<Op> {
        let mut out = Vec::new();
        if f.db_index && !f.unique && !f.primary_key {
            let n = django_index_name(&table.name, &[column.to_string()], "");
            out.push(named_index(table, vec![column.to_string()], n.clone()));
            f.objects.index = Some(n);
        }
        out.extend(self.like_index(table, column, f));
        out
    }

    pub(crate) fn like_index(
        &self,
        table: &QualifiedName,
        column: &str,
        f: &mut Field,
    ) -> Option<Op> {
        if !((f.db_index || f.unique || f.primary_key) && is_text(&f.ty)) {
            return None;
        }
        let n = django_index_name(&table.name, &[column.to_string()], "_like");
        f.objects.like = Some(n.clone());
        Some(named_index(table, vec![column.to_string()], n))
    }

    /// The keys and indexes `_alter_field` changes (PostgreSQL's schema editor on top of the
    /// base one). What Django drops it finds by introspection: rollsafe drops what it recorded.
    pub(crate) fn alter_field_keys(
        &self,
        state: &State,
        qn: &QualifiedName,
        fname: &str,
        old: &Field,
        new: &mut Field,
        ops: &mut Vec<Op>,
    ) {
        let col = new.column_name(fname);
        new.objects = old.objects.clone();
        let drop_constraint = |name: &Option<String>, ops: &mut Vec<Op>| {
            if let Some(n) = name {
                ops.push(Op::DropConstraint {
                    table: qn.clone(),
                    name: n.clone(),
                    if_exists: true,
                });
            }
        };
        let drop_index = |name: &Option<String>, ops: &mut Vec<Op>| {
            if let Some(n) = name {
                ops.push(Op::DropIndex {
                    name: QualifiedName::new(n.clone()),
                    if_exists: true,
                    concurrently: false,
                });
            }
        };
        // A foreign key that goes (or points elsewhere) is dropped before anything else.
        if old.fk.is_some() && old.fk != new.fk {
            drop_constraint(&old.objects.fk, ops);
            new.objects.fk = None;
        }
        let old_unique = old.unique || old.primary_key;
        let new_unique = new.unique || new.primary_key;
        if old.unique && !new.unique && !new.primary_key {
            drop_constraint(&old.objects.unique, ops);
            new.objects.unique = None;
        }
        // An index that goes: every plain btree index of the column, the `_like` one too.
        if old.db_index && !old_unique && (!new.db_index || new_unique) {
            drop_index(&old.objects.index, ops);
            drop_index(&old.objects.like, ops);
            new.objects.index = None;
            new.objects.like = None;
        }
        let text_type_changes =
            (old.db_index || old_unique) && is_text(&old.ty) && old.ty.base != new.ty.base;
        if text_type_changes && new.objects.like.is_some() {
            drop_index(&new.objects.like, ops);
            new.objects.like = None;
        }
        if !old.unique && new.unique && !new.primary_key {
            let n = django_index_name(&qn.name, std::slice::from_ref(&col), "_uniq");
            let mut d = ConstraintDef::new(ConstraintKind::Unique, vec![col.clone()]);
            d.name = Some(n.clone());
            ops.push(Op::AddConstraint {
                table: qn.clone(),
                constraint: d,
            });
            new.objects.unique = Some(n);
        }
        if (!old.db_index || old_unique) && new.db_index && !new_unique {
            let n = django_index_name(&qn.name, std::slice::from_ref(&col), "");
            ops.push(named_index(qn, vec![col.clone()], n.clone()));
            new.objects.index = Some(n);
        }
        if let Some(target) = new.fk.clone()
            && old.fk != new.fk
        {
            let d = self.fk_constraint(state, qn, &col, &target, new);
            ops.push(Op::AddConstraint {
                table: qn.clone(),
                constraint: d,
            });
        }
        if new.objects.like.is_none()
            && ((!(old.db_index || old_unique) && new.db_index)
                || (!old_unique && new_unique)
                || text_type_changes)
            && let Some(o) = self.like_index(qn, &col, new)
        {
            ops.push(o);
        }
        // Removed uniqueness leaves no `_like` index unless the field stays indexed.
        if old_unique && !(new.db_index || new_unique) {
            drop_index(&new.objects.like, ops);
            new.objects.like = None;
        }
    }

    /// The auto-created table of a `ManyToManyField` (`create_many_to_many_intermediary_model`):
    /// `id`, a foreign key to each side (`from_x_id`/`to_x_id` when the model points to itself),
    /// an index on each, and a unique constraint over both; all named by Django.
    pub(crate) fn m2m_table(
        &self,
        state: &State,
        table: &str,
        model: &str,
        fname: &str,
        target: &str,
        ms: &ModelState,
    ) -> Vec<Op> {
        let through = QualifiedName::new(m2m_table_name(table, fname));
        let src = model.to_lowercase();
        let other_model = target.rsplit('.').next().unwrap_or(target);
        let (from, to) = if other_model == src {
            (format!("from_{src}_id"), format!("to_{src}_id"))
        } else {
            (format!("{src}_id"), format!("{other_model}_id"))
        };
        let (src_col, src_ty) = ms
            .fields
            .iter()
            .find(|(_, x)| x.primary_key)
            .map(|(n, x)| (x.column_name(n), x.ty.clone()))
            .unwrap_or_else(|| ("id".to_string(), SqlType::named("bigint")));
        let (to_table, to_col, to_ty) = if model_key(self.app, model) == target {
            (table.to_string(), src_col.clone(), src_ty.clone())
        } else {
            target_info(state, target, None)
        };
        let mut id = ColumnDef::new("id", SqlType::named("bigint"));
        id.nullable = false;
        id.generated = true;
        let mut a = ColumnDef::new(from.clone(), src_ty.clone());
        a.nullable = false;
        let mut b = ColumnDef::new(to.clone(), to_ty.clone());
        b.nullable = false;
        let mut constraints = vec![ConstraintDef::new(
            ConstraintKind::PrimaryKey,
            vec!["id".into()],
        )];
        let mut indexes = Vec::new();
        for (col, ty, ref_table, ref_col) in [
            (&from, &src_ty, table.to_string(), src_col.clone()),
            (&to, &to_ty, to_table, to_col),
        ] {
            let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![col.clone()]);
            d.name = Some(django_index_name(
                &through.name,
                std::slice::from_ref(col),
                &format!("_fk_{ref_table}_{ref_col}"),
            ));
            d.references = Some(QualifiedName::new(ref_table));
            d.ref_columns = vec![ref_col];
            constraints.push(d);
            indexes.push(named_index(
                &through,
                vec![col.clone()],
                django_index_name(&through.name, std::slice::from_ref(col), ""),
            ));
            if is_text(ty) {
                indexes.push(named_index(
                    &through,
                    vec![col.clone()],
                    django_index_name(&through.name, std::slice::from_ref(col), "_like"),
                ));
            }
        }
        let mut unique = ConstraintDef::new(ConstraintKind::Unique, vec![from.clone(), to.clone()]);
        unique.name = Some(django_index_name(&through.name, &[from, to], "_uniq"));
        constraints.push(unique);
        let mut out = vec![Op::CreateTable {
            table: through,
            columns: vec![id, a, b],
            constraints,
            if_not_exists: false,
        }];
        out.extend(indexes);
        out
    }

    /// Field names to column names in a model.
    pub(crate) fn columns_of(&self, ms: &ModelState, fields: &[String]) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                let f = f.trim_start_matches('-');
                ms.fields
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(n, x)| x.column_name(n))
                    .unwrap_or_else(|| f.to_string())
            })
            .collect()
    }

    /// `{("a", "b"), ("c",)}` or `("a", "b")` as groups of field names.
    pub(crate) fn groups(&self, e: &Expr) -> Vec<Vec<String>> {
        let elts: Vec<&Expr> = match e {
            Expr::Set(s) => s.elts.iter().collect(),
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) if t.elts.iter().all(|x| matches!(x, Expr::StringLiteral(_))) => {
                return vec![self.strings(Some(e))];
            }
            Expr::Tuple(t) => t.elts.iter().collect(),
            _ => return Vec::new(),
        };
        elts.into_iter()
            .map(|g| self.strings(Some(g)))
            .filter(|g| !g.is_empty())
            .collect()
    }
}
