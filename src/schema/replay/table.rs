use crate::model::{ColumnDef, ConstraintDef, ConstraintKind, ObjectKind, QualifiedName};
use crate::schema::{Column, Constraint, EventKind, Schema, Table, View};

impl Schema {
    pub(in crate::schema) fn create_table(
        &mut self,
        table: &QualifiedName,
        columns: &[ColumnDef],
        constraints: &[ConstraintDef],
        if_not_exists: bool,
        emit: &mut impl FnMut(EventKind),
    ) {
        if if_not_exists && self.tables.contains_key(table) {
            return;
        }
        let id = self.fresh_table_id();
        let mut t = Table {
            id,
            name: table.clone(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            partial: false,
        };
        for c in columns {
            let cid = self.fresh_column_id();
            t.columns.push(Column {
                id: cid,
                def: c.clone(),
                assumed: false,
            });
        }
        for con in merge_index_constraints(constraints) {
            let mut def = con;
            let key = self.resolve_references(&mut def, Some(&t));
            let seq = self.fresh_id();
            if def.kind == ConstraintKind::PrimaryKey {
                for c in t
                    .columns
                    .iter_mut()
                    .filter(|c| def.columns.contains(&c.def.name))
                {
                    c.def.nullable = false;
                }
            }
            let name = self.constraint_name(&t, &def);
            t.constraints.push(Constraint {
                name,
                def,
                seq,
                key,
            });
        }
        self.tables.insert(table.clone(), t);
        emit(EventKind::TableCreated { table: id });
    }

    pub(in crate::schema) fn drop_table(
        &mut self,
        table: &QualifiedName,
        _if_exists: bool,
        emit: &mut impl FnMut(EventKind),
    ) {
        // `IF EXISTS` of a table the history never created is a drop like any other: the
        // table may predate the history.
        if let Some(t) = self.tables.remove(table) {
            emit(EventKind::TableDropped {
                table: t.id,
                name: t.name,
            });
            self.drop_dependents(table, None, emit);
        } else if self.views.contains_key(table) {
            self.drop_views(vec![table.clone()], emit);
        } else {
            // Predates the history: it existed, now it does not.
            let id = self.ensure_table(table).id;
            self.tables.remove(table);
            emit(EventKind::TableDropped {
                table: id,
                name: table.clone(),
            });
        }
    }

    pub(in crate::schema) fn rename_table(
        &mut self,
        table: &QualifiedName,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let new_name = table.sibling(to.to_string());
        if self.views.contains_key(table) && !self.tables.contains_key(table) {
            if let Some(mut v) = self.views.remove(table) {
                v.name = new_name.clone();
                self.views.insert(new_name.clone(), v);
                self.rename_references(table, &new_name);
                emit(EventKind::ViewRenamed {
                    from: table.clone(),
                    to: new_name,
                });
            }
            return;
        }
        self.ensure_table(table);
        if let Some(mut t) = self.tables.remove(table) {
            t.name = new_name.clone();
            let id = t.id;
            self.tables.insert(new_name.clone(), t);
            self.rename_references(table, &new_name);
            emit(EventKind::TableRenamed {
                table: id,
                from: table.clone(),
                to: new_name,
            });
        }
    }

    pub(in crate::schema) fn set_schema(
        &mut self,
        kind: ObjectKind,
        name: &QualifiedName,
        schema: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let new_name = QualifiedName::with_schema(Some(schema.to_string()), name.name.clone());
        if new_name == *name {
            return;
        }
        match kind {
            ObjectKind::Table if !self.views.contains_key(name) => {
                self.ensure_table(name);
                if let Some(mut t) = self.tables.remove(name) {
                    t.name = new_name.clone();
                    let id = t.id;
                    self.tables.insert(new_name.clone(), t);
                    self.rename_references(name, &new_name);
                    emit(EventKind::TableRenamed {
                        table: id,
                        from: name.clone(),
                        to: new_name,
                    });
                }
            }
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => {
                let v = self.views.remove(name).unwrap_or_else(|| {
                    View::new(name.clone(), kind == ObjectKind::MaterializedView)
                });
                self.views.insert(
                    new_name.clone(),
                    View {
                        name: new_name.clone(),
                        ..v
                    },
                );
                self.rename_references(name, &new_name);
                emit(EventKind::ViewRenamed {
                    from: name.clone(),
                    to: new_name,
                });
            }
            ObjectKind::Type => self.rename_type(name, new_name, emit),
            ObjectKind::Sequence => self.rename_sequence(name, new_name, emit),
            _ => {}
        }
    }

    /// Removes what the database drops along with `table` (or only its `columns`): foreign
    /// keys of any table that reference them, and views reading them, and views on those.
    pub(in crate::schema) fn drop_dependents(
        &mut self,
        table: &QualifiedName,
        columns: Option<&[String]>,
        emit: &mut impl FnMut(EventKind),
    ) {
        for t in self.tables.values_mut() {
            t.constraints.retain(|c| {
                !(c.def.kind == ConstraintKind::ForeignKey
                    && c.def.references.as_ref() == Some(table)
                    && columns
                        .is_none_or(|cols| c.def.ref_columns.iter().any(|r| cols.contains(r))))
            });
        }
        let views: Vec<QualifiedName> = self
            .views
            .values()
            .filter(|v| v.uses(table, columns))
            .map(|v| v.name.clone())
            .collect();
        self.drop_views(views, emit);
    }

    /// After a table is renamed or moved, what refers to it by name follows: foreign keys of
    /// other tables and views' dependencies (the database tracks them by object, not name).
    pub(in crate::schema) fn rename_references(
        &mut self,
        from: &QualifiedName,
        to: &QualifiedName,
    ) {
        for t in self.tables.values_mut() {
            for c in &mut t.constraints {
                if c.def.references.as_ref() == Some(from) {
                    c.def.references = Some(to.clone());
                }
            }
        }
        for v in self.views.values_mut() {
            for d in &mut v.depends_on {
                if d == from {
                    *d = to.clone();
                }
            }
        }
    }
}

/// With a CREATE TABLE's constraints, PostgreSQL keeps one index for a primary key and unique
/// constraints over the same columns (`UNIQUE (a, b), PRIMARY KEY (a, b)`): the primary key,
/// taking the unique constraint's name when it has none itself.
pub(in crate::schema) fn merge_index_constraints(
    constraints: &[ConstraintDef],
) -> Vec<ConstraintDef> {
    let is_index =
        |c: &ConstraintDef| matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique);
    let pk = constraints
        .iter()
        .position(|c| c.kind == ConstraintKind::PrimaryKey);
    let mut kept: Vec<ConstraintDef> = pk.map(|i| constraints[i].clone()).into_iter().collect();
    for (i, c) in constraints.iter().enumerate() {
        if Some(i) == pk {
            continue;
        }
        if is_index(c)
            && let Some(prior) = kept
                .iter_mut()
                .find(|k| is_index(k) && k.columns == c.columns)
        {
            if prior.name.is_none() {
                prior.name = c.name.clone();
            }
            continue;
        }
        kept.push(c.clone());
    }
    kept
}
