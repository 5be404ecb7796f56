use crate::model::{ConstraintDef, ConstraintKind, QualifiedName};
use crate::schema::{Constraint, EventKind, Schema, Table};

impl Schema {
    pub(in crate::schema) fn add_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: &ConstraintDef,
        emit: &mut impl FnMut(EventKind),
    ) {
        let tid = self.ensure_table(table).id;
        let name = self.attach_constraint(table, constraint.clone(), emit);
        emit(EventKind::ConstraintAdded { table: tid, name });
    }

    pub(in crate::schema) fn drop_constraint(
        &mut self,
        table: &QualifiedName,
        name: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let tid = t.id;
        let dropped: Vec<Constraint> = t
            .constraints
            .iter()
            .filter(|c| c.name == name)
            .cloned()
            .collect();
        t.constraints.retain(|c| c.name != name);
        if !dropped.is_empty() {
            emit(EventKind::ConstraintDropped {
                table: tid,
                name: name.to_string(),
            });
        }
        for c in dropped.iter().filter(|c| c.def.kind.is_uniqueness()) {
            self.drop_keys_using(table, c.seq, &c.def.columns);
        }
    }

    pub(in crate::schema) fn rename_constraint(
        &mut self,
        table: &QualifiedName,
        name: &str,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        if let Some(t) = self.tables.get_mut(table) {
            let tid = t.id;
            let mut renamed = false;
            for c in t.constraints.iter_mut().filter(|c| c.name == name) {
                c.name = to.to_string();
                renamed = true;
            }
            if renamed {
                emit(EventKind::ConstraintRenamed {
                    table: tid,
                    from: name.to_string(),
                    to: to.to_string(),
                });
            }
        }
    }

    pub(in crate::schema) fn validate_constraint(
        &mut self,
        table: &QualifiedName,
        name: &str,
        _emit: &mut impl FnMut(EventKind),
    ) {
        if let Some(t) = self.tables.get_mut(table) {
            for c in t.constraints.iter_mut().filter(|c| c.name == name) {
                c.def.not_valid = false;
            }
        }
    }

    /// Adds a constraint to `table` (which exists) and returns its name; a primary key's
    /// columns become NOT NULL (`NotNullSet` for each that was nullable).
    pub(in crate::schema) fn attach_constraint(
        &mut self,
        table: &QualifiedName,
        mut def: ConstraintDef,
        emit: &mut impl FnMut(EventKind),
    ) -> String {
        let key = self.resolve_references(&mut def, None);
        let mut seq = self.fresh_id();
        let Some(t) = self.tables.get_mut(table) else {
            return def.name.unwrap_or_default();
        };
        if let Some(ix_name) = &def.using_index {
            // The constraint takes over the index, its columns and, unless it names itself,
            // its name (and the foreign keys that relied on it).
            if let Some(pos) = t.indexes.iter().position(|i| &i.name == ix_name) {
                let ix = t.indexes.remove(pos);
                def.columns = ix.columns;
                seq = ix.seq;
                if def.name.is_none() {
                    def.name = Some(ix.name);
                }
            }
        }
        if def.kind == ConstraintKind::PrimaryKey {
            for c in t
                .columns
                .iter_mut()
                .filter(|c| def.columns.contains(&c.def.name))
            {
                if c.def.nullable {
                    c.def.nullable = false;
                    emit(EventKind::NotNullSet { column: c.id });
                }
            }
        }
        let name = match self.tables.get(table) {
            Some(t) => self.constraint_name(t, &def),
            None => def.name.clone().unwrap_or_default(),
        };
        if let Some(t) = self.tables.get_mut(table) {
            t.constraints.push(Constraint {
                name: name.clone(),
                def,
                seq,
                key,
            });
        }
        name
    }

    /// Which key of the referenced table a foreign key relies on (its `seq`), as the database
    /// picks it: the primary key when the foreign key names no columns (whose columns are then
    /// recorded, so that dropping them drops the foreign key), else the oldest primary key,
    /// unique constraint or plain unique index over exactly those columns. `also` is a table
    /// not in the schema yet (a CREATE TABLE referencing itself).
    pub(in crate::schema) fn resolve_references(
        &self,
        def: &mut ConstraintDef,
        also: Option<&Table>,
    ) -> Option<u32> {
        if def.kind != ConstraintKind::ForeignKey {
            return None;
        }
        let target = def.references.as_ref()?;
        let referenced = also
            .filter(|t| &t.name == target)
            .or_else(|| self.tables.get(target))?;
        if def.ref_columns.is_empty() {
            let pk = referenced
                .constraints
                .iter()
                .find(|c| c.def.kind == ConstraintKind::PrimaryKey)?;
            def.ref_columns = pk.def.columns.clone();
            return Some(pk.seq);
        }
        let mut wanted = def.ref_columns.clone();
        wanted.sort();
        let same = |cols: &[String]| {
            let mut c = cols.to_vec();
            c.sort();
            c == wanted
        };
        referenced
            .constraints
            .iter()
            .filter(|c| {
                matches!(
                    c.def.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ) && same(&c.def.columns)
            })
            .map(|c| c.seq)
            .chain(
                referenced
                    .indexes
                    .iter()
                    .filter(|i| i.unique && !i.partial && same(&i.columns))
                    .map(|i| i.seq),
            )
            .min()
    }

    /// Foreign keys that rely on the key `seq` (over `columns`) of `table` go when it does.
    /// One whose key is not known (the referenced table predates the history) goes when no
    /// other unique key over the same columns remains.
    pub(in crate::schema) fn drop_keys_using(
        &mut self,
        table: &QualifiedName,
        seq: u32,
        columns: &[String],
    ) {
        let mut key = columns.to_vec();
        key.sort();
        let same = |cols: &[String]| {
            let mut c = cols.to_vec();
            c.sort();
            c == key
        };
        let still_unique = self.tables.get(table).is_some_and(|t| {
            t.constraints
                .iter()
                .any(|c| c.def.kind.is_uniqueness() && same(&c.def.columns))
                || t.indexes
                    .iter()
                    .any(|i| i.unique && !i.partial && same(&i.columns))
        });
        for t in self.tables.values_mut() {
            t.constraints.retain(|c| {
                let relies = c.def.kind == ConstraintKind::ForeignKey
                    && c.def.references.as_ref() == Some(table)
                    && match c.key {
                        Some(k) => k == seq,
                        None => !still_unique && same(&c.def.ref_columns),
                    };
                !relies
            });
        }
    }
}
