use crate::model::{ColumnDef, ConstraintDef, ConstraintKind, QualifiedName, SqlType};
use crate::schema::{Column, EventKind, Schema};

impl Schema {
    pub(in crate::schema) fn add_column(
        &mut self,
        table: &QualifiedName,
        column: &ColumnDef,
        constraints: &[ConstraintDef],
        emit: &mut impl FnMut(EventKind),
    ) {
        let cid = self.fresh_column_id();
        let t = self.ensure_table(table);
        if t.column(&column.name).is_some() {
            // IF NOT EXISTS skips it; without, the database refuses the statement.
            return;
        }
        let mut def = column.clone();
        if constraints
            .iter()
            .any(|c| c.kind == ConstraintKind::PrimaryKey)
        {
            def.nullable = false;
        }
        t.columns.push(Column {
            id: cid,
            def,
            assumed: false,
        });
        let tid = t.id;
        emit(EventKind::ColumnAdded {
            table: tid,
            column: cid,
        });
        for con in constraints {
            let name = self.attach_constraint(table, con.clone(), emit);
            emit(EventKind::ConstraintAdded { table: tid, name });
        }
    }

    pub(in crate::schema) fn drop_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        if_exists: bool,
        emit: &mut impl FnMut(EventKind),
    ) {
        // `IF EXISTS` skips only a column the history shows is not there: one of a table it
        // never created may predate it.
        if if_exists
            && self
                .tables
                .get(table)
                .is_some_and(|t| !t.partial && t.column(column).is_none())
        {
            return;
        }
        self.ensure_column(table, column);
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let Some(pos) = t.columns.iter().position(|c| c.def.name == column) else {
            return;
        };
        let c = t.columns.remove(pos);
        // The database drops (CASCADE) the generated columns computed from the column,
        // and the indexes and constraints that use any of them.
        let mut gone = vec![(c.id, column.to_string())];
        t.columns.retain(|g| {
            let computed = g.def.generated_from.iter().any(|x| x == column);
            if computed {
                gone.push((g.id, g.def.name.clone()));
            }
            !computed
        });
        let names: Vec<String> = gone.iter().map(|(_, n)| n.clone()).collect();
        let mentions = |x: &String| {
            names.contains(x)
                || crate::expression::check_columns(x)
                    .iter()
                    .any(|c| names.contains(c))
        };
        t.indexes.retain(|i| {
            !(i.columns.iter().any(mentions) || i.predicate_columns.iter().any(mentions))
        });
        t.constraints
            .retain(|k| !k.def.columns.iter().any(|x| names.contains(x)));
        let tid = t.id;
        for (id, name) in gone {
            emit(EventKind::ColumnDropped {
                table: tid,
                column: id,
                name,
            });
        }
        self.drop_dependents(table, Some(&names), emit);
    }

    pub(in crate::schema) fn rename_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let tid = t.id;
        let Some(c) = t.column_mut(column) else {
            return;
        };
        c.def.name = to.to_string();
        let cid = c.id;
        // Expressions (a check's, an index's) follow the rename, as the database's do.
        let rename = |x: &mut String| {
            if x == column {
                *x = to.to_string();
            } else if !x
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            {
                *x = crate::expression::rename_in_expression(x, column, to);
            }
        };
        for k in &mut t.constraints {
            k.def.columns.iter_mut().for_each(rename);
            if let Some(e) = &mut k.def.expression {
                *e = crate::expression::rename_in_expression(e, column, to);
            }
        }
        for i in &mut t.indexes {
            i.columns
                .iter_mut()
                .chain(i.predicate_columns.iter_mut())
                .for_each(rename);
        }
        for g in &mut t.columns {
            for x in &mut g.def.generated_from {
                if x == column {
                    *x = to.to_string();
                }
            }
        }
        // Foreign keys and views that use the column follow the rename.
        for other in self.tables.values_mut() {
            for k in &mut other.constraints {
                if k.def.references.as_ref() == Some(table) {
                    for x in &mut k.def.ref_columns {
                        if x == column {
                            *x = to.to_string();
                        }
                    }
                }
            }
        }
        for v in self
            .views
            .values_mut()
            .filter(|v| v.depends_on.contains(table))
        {
            for x in &mut v.columns {
                if x == column {
                    *x = to.to_string();
                }
            }
        }
        emit(EventKind::ColumnRenamed {
            table: tid,
            column: cid,
            from: column.to_string(),
            to: to.to_string(),
        });
    }

    pub(in crate::schema) fn alter_column_type(
        &mut self,
        table: &QualifiedName,
        column: &str,
        to: &SqlType,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
        {
            let from = std::mem::replace(&mut c.def.ty, to.clone());
            emit(EventKind::ColumnTypeChanged {
                column: c.id,
                from,
                to: to.clone(),
            });
        }
    }

    pub(in crate::schema) fn set_not_null(
        &mut self,
        table: &QualifiedName,
        column: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
            && c.def.nullable
        {
            c.def.nullable = false;
            emit(EventKind::NotNullSet { column: c.id });
        }
    }

    pub(in crate::schema) fn drop_not_null(
        &mut self,
        table: &QualifiedName,
        column: &str,
        _emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
        {
            c.def.nullable = true;
        }
    }

    pub(in crate::schema) fn set_default(
        &mut self,
        table: &QualifiedName,
        column: &str,
        default: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
        {
            c.def.default = Some(default.to_string());
            emit(EventKind::DefaultSet { column: c.id });
        }
    }

    pub(in crate::schema) fn drop_default(
        &mut self,
        table: &QualifiedName,
        column: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_column(table, column);
        if let Some(c) = self
            .tables
            .get_mut(table)
            .and_then(|t| t.column_mut(column))
            && (c.def.default.take().is_some() || c.def.generated)
        {
            c.def.generated = false;
            emit(EventKind::DefaultDropped { column: c.id });
        }
    }
}
