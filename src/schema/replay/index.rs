use crate::model::{IndexDef, QualifiedName};
use crate::naming::index_column_label;
use crate::schema::{EventKind, Index, Schema};

impl Schema {
    pub(in crate::schema) fn drop_index(
        &mut self,
        name: &QualifiedName,
        emit: &mut impl FnMut(EventKind),
    ) {
        if let Some(owner) = self.index_owner(name)
            && let Some(t) = self.tables.get_mut(&owner)
        {
            if t.indexes.iter().any(|i| i.name == name.name) {
                emit(EventKind::IndexDropped {
                    table: t.id,
                    name: name.name.clone(),
                });
            }
            let unique: Vec<(u32, Vec<String>)> = t
                .indexes
                .iter()
                .filter(|i| i.name == name.name && i.unique)
                .map(|i| (i.seq, i.columns.clone()))
                .collect();
            t.indexes.retain(|i| i.name != name.name);
            for (seq, cols) in unique {
                self.drop_keys_using(&owner, seq, &cols);
            }
        }
    }

    pub(in crate::schema) fn rename_index(
        &mut self,
        name: &QualifiedName,
        to: &str,
        emit: &mut impl FnMut(EventKind),
    ) {
        if let Some(owner) = self.index_owner(name)
            && let Some(t) = self.tables.get_mut(&owner)
        {
            for i in t.indexes.iter_mut().filter(|i| i.name == name.name) {
                i.name = to.to_string();
            }
            for c in t.constraints.iter_mut().filter(|c| c.name == name.name) {
                c.name = to.to_string();
            }
            emit(EventKind::ConstraintRenamed {
                table: t.id,
                from: name.name.clone(),
                to: to.to_string(),
            });
        }
    }

    /// The table owning index `name`.
    pub(in crate::schema) fn index_owner(&self, name: &QualifiedName) -> Option<QualifiedName> {
        self.tables
            .values()
            .find(|t| {
                t.name.schema == name.schema
                    && (t.indexes.iter().any(|i| i.name == name.name)
                        || t.constraints.iter().any(|c| c.name == name.name))
            })
            .map(|t| t.name.clone())
    }

    pub(in crate::schema) fn create_index(
        &mut self,
        ix: &IndexDef,
        emit: &mut impl FnMut(EventKind),
    ) {
        self.ensure_table(&ix.table);
        let Some(t) = self.tables.get(&ix.table) else {
            return;
        };
        let name = match &ix.name {
            // Taken: IF NOT EXISTS skips it, and without the database refuses the statement.
            // (Looked for in the table only: a name taken elsewhere in the schema is an error
            // the database reports, and a scan of the schema per named index is too dear.)
            Some(n)
                if t.indexes.iter().any(|i| &i.name == n)
                    || t.constraints.iter().any(|c| &c.name == n) =>
            {
                return;
            }
            Some(n) => n.clone(),
            None => {
                let cols: Vec<String> = ix.columns.iter().map(|c| index_column_label(c)).collect();
                self.choose_name(t, &cols, "idx", (true, false))
            }
        };
        let seq = self.fresh_id();
        let Some(t) = self.tables.get_mut(&ix.table) else {
            return;
        };
        t.indexes.push(Index {
            name: name.clone(),
            columns: ix.columns.clone(),
            unique: ix.unique,
            partial: ix.partial,
            predicate_columns: ix.predicate_columns.clone(),
            seq,
        });
        let tid = t.id;
        emit(EventKind::IndexCreated { table: tid, name });
    }
}
