//! Django's migration state: the models, their fields and what Django created for them.

use super::naming::truncate_name;
use crate::model::{ColumnDef, IndexDef, Op, QualifiedName, SqlType};
use std::collections::BTreeMap;

/// The state of one model, as Django's migration state holds it.
#[derive(Debug, Clone)]
pub(crate) struct ModelState {
    pub(crate) table: String,
    pub(crate) fields: Vec<(String, Field)>,
    pub(crate) managed: bool,
    pub(crate) proxy: bool,
    /// Field groups, with the name of the constraint Django created for each.
    pub(crate) unique_together: Vec<(Vec<String>, Option<String>)>,
    pub(crate) index_together: Vec<(Vec<String>, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) class: String,
    pub(crate) column: Option<String>,
    pub(crate) ty: SqlType,
    pub(crate) null: bool,
    /// Python-side default (not a database default).
    pub(crate) has_default: bool,
    pub(crate) db_default: Option<String>,
    pub(crate) unique: bool,
    pub(crate) db_index: bool,
    pub(crate) primary_key: bool,
    /// `ForeignKey`/`OneToOneField` target (`app.model`, lower case).
    pub(crate) fk: Option<String>,
    /// A relation's `to_field=`.
    pub(crate) to_field: Option<String>,
    pub(crate) m2m: Option<String>,
    pub(crate) generated: bool,
    /// What Django created for the field, by name.
    pub(crate) objects: FieldObjects,
}

/// The names of the constraints and indexes Django created for a field. Django finds them by
/// introspection when it drops them; rollsafe remembers them. Names follow Django on
/// PostgreSQL: see [`django_index_name`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldObjects {
    pub(crate) unique: Option<String>,
    pub(crate) index: Option<String>,
    pub(crate) like: Option<String>,
    pub(crate) fk: Option<String>,
}

/// Whether Django gives the column a second `_like` index on PostgreSQL when it is indexed or
/// unique (`DatabaseSchemaEditor._create_like_index_sql`: varchar and text, not arrays).
pub(crate) fn is_text(ty: &SqlType) -> bool {
    ty.array == 0 && matches!(ty.base.as_str(), "varchar" | "text")
}

/// The models of `django.contrib` apps a project's relations point to (they are not in the
/// project): table, primary-key column and its type. `AutoField` primary keys are `integer`.
pub(crate) fn contrib_model(target: &str) -> Option<(&'static str, &'static str, SqlType)> {
    let int = || SqlType::named("integer");
    Some(match target {
        "auth.user" => ("auth_user", "id", int()),
        "auth.group" => ("auth_group", "id", int()),
        "auth.permission" => ("auth_permission", "id", int()),
        "contenttypes.contenttype" => ("django_content_type", "id", int()),
        "sites.site" => ("django_site", "id", int()),
        "admin.logentry" => ("django_admin_log", "id", int()),
        "sessions.session" => (
            "django_session",
            "session_key",
            crate::frontend::sql::postgres::normalize_type("varchar", vec![40]),
        ),
        _ => return None,
    })
}

pub(crate) fn named_index(table: &QualifiedName, columns: Vec<String>, name: String) -> Op {
    let mut ix = index(table, columns, false);
    ix.name = Some(name);
    Op::CreateIndex(ix)
}

impl Field {
    pub(crate) fn column_name(&self, name: &str) -> String {
        self.column.clone().unwrap_or_else(|| {
            if self.fk.is_some() {
                format!("{name}_id")
            } else {
                name.to_string()
            }
        })
    }
    pub(crate) fn column_def(&self, name: &str) -> ColumnDef {
        let mut c = ColumnDef::new(self.column_name(name), self.ty.clone());
        c.nullable = self.null && !self.primary_key;
        c.default = self.db_default.clone();
        c.volatile_default = c
            .default
            .as_deref()
            .is_some_and(crate::expression::is_volatile);
        c.generated = self.generated;
        c
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) models: BTreeMap<String, ModelState>,
}

pub(crate) fn model_key(app: &str, model: &str) -> String {
    format!("{}.{}", app, model.to_lowercase())
}

/// The table, column and type a relation to `target` points at: its `to_field` or primary key.
pub(crate) fn target_info(
    state: &State,
    target: &str,
    to_field: Option<&str>,
) -> (String, String, SqlType) {
    if let Some(m) = state.models.get(target) {
        let field = m.fields.iter().find(|(n, x)| match to_field {
            Some(t) => n == t,
            None => x.primary_key,
        });
        if let Some((n, x)) = field {
            return (m.table.clone(), x.column_name(n), x.ty.clone());
        }
        return (m.table.clone(), "id".into(), SqlType::named("bigint"));
    }
    if let Some((table, col, ty)) = contrib_model(target) {
        return (table.into(), col.into(), ty);
    }
    (
        target.replace('.', "_"),
        "id".into(),
        SqlType::named("bigint"),
    )
}

/// `ManyToManyField._get_m2m_db_table`: `<table>_<field>`, truncated like table names.
pub(crate) fn m2m_table_name(table: &str, field: &str) -> String {
    truncate_name(&format!("{table}_{field}"))
}

pub(crate) fn index(table: &QualifiedName, columns: Vec<String>, unique: bool) -> IndexDef {
    IndexDef {
        name: None,
        table: table.clone(),
        columns,
        unique,
        concurrently: false,
        partial: false,
        predicate_columns: Vec::new(),
        if_not_exists: false,
    }
}
