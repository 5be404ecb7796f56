//! `sa.Column(…)`, table-level constraints, server defaults and SQLAlchemy types, and which
//! column SQLAlchemy makes `SERIAL`.

use super::super::python::{self, arg, bool_value, call_name, int_value, kwarg, span};
use super::reader::{Reader, bool_opt};
use crate::model::{ColumnDef, ConstraintDef, ConstraintKind, Op, QualifiedName, SqlType};
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

impl Reader<'_> {
    /// `sa.Column(name, type, *args, **kw)`: the column, its inline constraints, the enum
    /// types it creates, and what decides whether it becomes `SERIAL`.
    pub(super) fn column(
        &self,
        c: &ExprCall,
    ) -> Option<(ColumnDef, Vec<ConstraintDef>, Vec<Op>, AutoInc)> {
        let name = arg(c, "name", 0).and_then(|e| self.name_of(e))?;
        let mut ty = SqlType::unknown();
        let mut enums = Vec::new();
        let mut cons = Vec::new();
        let mut sequence = None;
        for a in c.arguments.args.iter().skip(1) {
            if let Expr::Call(inner) = a {
                let leaf = call_name(inner).unwrap_or_default();
                if leaf.ends_with("Sequence") {
                    sequence = Some(bool_opt(inner, "optional"));
                    continue;
                }
                if leaf.ends_with("ForeignKey") {
                    let target = arg(inner, "column", 0)
                        .and_then(|e| python::str_value(e, self.text))
                        .map(|s| s.value)
                        .unwrap_or_default();
                    let table = target
                        .rsplit_once('.')
                        .map(|(t, _)| t.to_string())
                        .unwrap_or(target);
                    let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![name.clone()]);
                    d.references = Some(QualifiedName::new(table));
                    cons.push(d);
                    continue;
                }
                if leaf.ends_with("Identity")
                    || leaf.ends_with("Sequence")
                    || leaf.ends_with("Computed")
                {
                    continue;
                }
            }
            if ty.is_unknown() {
                let (t, e) = self.sa_type(a);
                ty = t;
                enums.extend(e);
            }
        }
        if let Some(t) = kwarg(c, "type_") {
            let (t, e) = self.sa_type(t);
            ty = t;
            enums.extend(e);
        }
        let mut col = ColumnDef::new(name.clone(), ty);
        let pk = kwarg(c, "primary_key")
            .and_then(bool_value)
            .unwrap_or(false);
        col.nullable = kwarg(c, "nullable").and_then(bool_value).unwrap_or(!pk);
        // `default=` is applied by the Python code of the new version only; it is not a
        // database default.
        col.default = kwarg(c, "server_default").and_then(|d| self.server_default(d));
        col.volatile_default = col
            .default
            .as_deref()
            .is_some_and(crate::expression::is_volatile);
        let identity = c.arguments.args.iter().any(
            |a| matches!(a, Expr::Call(i) if call_name(i).is_some_and(|n| n.ends_with("Identity"))),
        );
        let computed = c.arguments.args.iter().any(
            |a| matches!(a, Expr::Call(i) if call_name(i).is_some_and(|n| n.ends_with("Computed"))),
        );
        if identity || computed {
            col.generated = true;
        }
        let auto = AutoInc {
            explicit: match kwarg(c, "autoincrement") {
                Some(e) if python::str_value(e, self.text).is_some() => None,
                Some(e) => bool_value(e),
                None => None,
            },
            ignore_fk: kwarg(c, "autoincrement")
                .and_then(|e| python::str_value(e, self.text))
                .is_some_and(|s| s.value == "ignore_fk"),
            integer: matches!(col.ty.base.as_str(), "integer" | "bigint" | "smallint"),
            foreign_key: !cons.is_empty(),
            client_default: kwarg(c, "default").is_some_and(|d| !matches!(d, Expr::NoneLiteral(_))),
            server_default: col.default.is_some(),
            sequence,
            identity,
        };
        if pk {
            cons.push(ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                vec![name.clone()],
            ));
        }
        if kwarg(c, "unique").and_then(bool_value) == Some(true) {
            cons.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![name.clone()],
            ));
        }
        Some((col, cons, enums, auto))
    }

    pub(super) fn table_constraint(&self, c: &ExprCall, leaf: &str) -> Option<ConstraintDef> {
        let cols: Vec<String> = c
            .arguments
            .args
            .iter()
            .filter_map(|e| self.column_ref(e))
            .collect();
        let mut d = match leaf {
            "PrimaryKeyConstraint" => ConstraintDef::new(ConstraintKind::PrimaryKey, cols),
            "UniqueConstraint" => ConstraintDef::new(ConstraintKind::Unique, cols),
            "CheckConstraint" => {
                let cond = arg(c, "sqltext", 0)
                    .and_then(|e| python::str_value(e, self.text))
                    .map(|s| s.value)
                    .unwrap_or_default();
                let mut d = ConstraintDef::new(
                    ConstraintKind::Check,
                    crate::expression::check_columns(&cond),
                );
                d.expression = (!cond.is_empty()).then_some(cond);
                d
            }
            "ForeignKeyConstraint" => {
                let local = self.names(arg(c, "columns", 0));
                let refs = self.names(arg(c, "refcolumns", 1));
                let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, local);
                d.references = refs
                    .first()
                    .and_then(|r| r.rsplit_once('.'))
                    .map(|(t, _)| QualifiedName::new(t));
                d.ref_columns = refs
                    .iter()
                    .filter_map(|r| r.rsplit_once('.').map(|(_, c)| c.to_string()))
                    .collect();
                d
            }
            _ => return None,
        };
        d.name = kwarg(c, "name").and_then(|e| self.name_of(e));
        Some(d)
    }

    pub(super) fn server_default(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::NoneLiteral(_) => None,
            other => Some(
                python::str_value(other, self.text)
                    .map(|s| format!("'{}'", s.value))
                    .unwrap_or_else(|| {
                        let sp = span(other.range());
                        self.text.get(sp.start..sp.end).unwrap_or("?").to_string()
                    }),
            ),
        }
    }

    /// A SQLAlchemy type expression (`sa.String(50)`, `sa.Text`, `postgresql.JSONB()`,
    /// `sa.Enum("a", "b", name="mood")`) as a model type, with the enum types it creates.
    pub(super) fn sa_type(&self, e: &Expr) -> (SqlType, Vec<Op>) {
        let (name, call) = match e {
            Expr::Call(c) => (call_name(c).unwrap_or_default(), Some(c)),
            other => (python::dotted(other).unwrap_or_default(), None),
        };
        let leaf = name.rsplit('.').next().unwrap_or("").to_string();
        let n = |i: usize| {
            call.and_then(|c| c.arguments.args.get(i))
                .and_then(int_value)
                .map(|v| v as u32)
        };
        let length = call
            .and_then(|c| kwarg(c, "length"))
            .and_then(int_value)
            .map(|v| v as u32)
            .or_else(|| n(0));
        let norm = crate::frontend::sql::postgres::normalize_type;
        let mut enums = Vec::new();
        let ty = match leaf.as_str() {
            "String" | "VARCHAR" | "Unicode" | "NVARCHAR" => {
                norm("varchar", length.into_iter().collect())
            }
            "CHAR" | "NCHAR" => norm("char", length.into_iter().collect()),
            "Text" | "TEXT" | "UnicodeText" => norm("text", vec![]),
            "Integer" | "INTEGER" | "INT" => norm("integer", vec![]),
            "BigInteger" | "BIGINT" => norm("bigint", vec![]),
            "SmallInteger" | "SMALLINT" => norm("smallint", vec![]),
            "Boolean" | "BOOLEAN" => norm("boolean", vec![]),
            "DateTime" | "TIMESTAMP" => {
                let tz = call
                    .and_then(|c| kwarg(c, "timezone"))
                    .and_then(bool_value)
                    .unwrap_or(false);
                norm(if tz { "timestamptz" } else { "timestamp" }, vec![])
            }
            "Date" | "DATE" => norm("date", vec![]),
            "Time" | "TIME" => norm("time", vec![]),
            "Interval" | "INTERVAL" => norm("interval", vec![]),
            "Numeric" | "NUMERIC" | "DECIMAL" => {
                norm("numeric", [n(0), n(1)].into_iter().flatten().collect())
            }
            "Float" | "FLOAT" | "Double" | "DOUBLE_PRECISION" => norm("double precision", vec![]),
            "REAL" => norm("real", vec![]),
            "JSON" => norm("json", vec![]),
            "JSONB" => norm("jsonb", vec![]),
            "Uuid" | "UUID" => norm("uuid", vec![]),
            "LargeBinary" | "BYTEA" | "LargeBinaryType" => norm("bytea", vec![]),
            "INET" => norm("inet", vec![]),
            "ARRAY" => {
                let (mut inner, e) = call
                    .and_then(|c| c.arguments.args.first())
                    .map(|a| self.sa_type(a))
                    .unwrap_or((SqlType::unknown(), vec![]));
                enums.extend(e);
                inner.array += 1;
                inner
            }
            "Enum" | "ENUM" => {
                let c = call;
                let type_name = c
                    .and_then(|c| kwarg(c, "name"))
                    .and_then(|e| self.name_of(e));
                let values: Vec<String> = c
                    .map(|c| {
                        c.arguments
                            .args
                            .iter()
                            .filter_map(|a| python::str_value(a, self.text))
                            .map(|s| s.value)
                            .collect()
                    })
                    .unwrap_or_default();
                let create = c
                    .and_then(|c| kwarg(c, "create_type"))
                    .and_then(bool_value)
                    .unwrap_or(true);
                match type_name {
                    Some(tn) => {
                        if create && !values.is_empty() {
                            enums.push(Op::CreateEnum {
                                name: QualifiedName::new(tn.clone()),
                                values,
                            });
                        }
                        SqlType::named(&tn)
                    }
                    None => SqlType::named("enum"),
                }
            }
            "" => SqlType::unknown(),
            other => SqlType::named(&other.to_lowercase()),
        };
        (ty, enums)
    }
}

/// A constraint of `op.create_table`, and whether a `sa.Column(...)` argument gave it.
pub(super) struct TableKey {
    pub kind: ConstraintKind,
    pub def: ConstraintDef,
    pub from_column: bool,
}

/// What decides whether SQLAlchemy creates a column as `SERIAL` on PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub(super) struct AutoInc {
    /// `autoincrement=True/False`; `None` for the default `"auto"` (and `"ignore_fk"`).
    explicit: Option<bool>,
    ignore_fk: bool,
    integer: bool,
    foreign_key: bool,
    /// A Python-side `default=` (not a `Sequence`).
    client_default: bool,
    server_default: bool,
    /// A `sa.Sequence(…)`, and whether it is `optional=True`.
    sequence: Option<bool>,
    identity: bool,
}

/// The column SQLAlchemy makes `SERIAL`/`BIGSERIAL`/`SMALLSERIAL` (its
/// `PrimaryKeyConstraint._autoincrement_column`, then PostgreSQL's
/// `get_column_specification`): with a one-column primary key, that column when it is an
/// integer with `autoincrement` left `"auto"` and no `default=`, `server_default=` or foreign key
/// (or `autoincrement=True`); with a composite key, only a column marked `autoincrement=True`.
/// `sa.Identity()` or a (non-optional) `sa.Sequence` keeps the plain type.
pub(super) fn serial_column(columns: &[AutoInc], in_key: &[bool]) -> Option<usize> {
    let key: Vec<usize> = (0..columns.len()).filter(|&i| in_key[i]).collect();
    let candidate = match key.as_slice() {
        [i] => {
            let c = &columns[*i];
            let auto = match c.explicit {
                Some(true) => true,
                Some(false) => false,
                None => !c.client_default && !c.server_default && (!c.foreign_key || c.ignore_fk),
            };
            auto.then_some(*i)
        }
        _ => key
            .iter()
            .copied()
            .find(|&i| columns[i].explicit == Some(true)),
    }?;
    let c = &columns[candidate];
    (c.integer && !c.identity && !c.client_default && c.sequence.is_none_or(|optional| optional))
        .then_some(candidate)
}

/// A `SERIAL` column: the integer type with a `nextval` default the database fills (the SQL
/// frontend writes `serial` the same way).
pub(super) fn make_serial(col: &mut ColumnDef) {
    col.default = Some("nextval(…)".to_string());
    col.volatile_default = true;
    col.nullable = false;
}
