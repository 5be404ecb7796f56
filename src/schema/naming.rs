//! PostgreSQL's choice of a free name for an unnamed constraint or index
//! (`ChooseRelationName`, `ChooseConstraintName`), so that a later `DROP CONSTRAINT t_x_key`
//! finds what an unnamed `UNIQUE (x)` became.

use super::{Schema, Table};
use crate::model::ConstraintDef;
use crate::naming::{constraint_label, default_constraint_name};

impl Schema {
    /// Whether `name` is taken in `table`'s schema: by a relation (table, view, index, or the
    /// index of a primary key, unique or exclusion constraint) when `relations`, by a
    /// constraint when `constraints`. `table` itself counts even when it is not in the schema
    /// yet (a CREATE TABLE in progress). A scan without allocating: it runs for every unnamed
    /// constraint and index.
    pub(in crate::schema) fn name_taken(
        &self,
        table: &Table,
        name: &str,
        (relations, constraints): (bool, bool),
    ) -> bool {
        let schema = &table.name.schema;
        let in_table = |t: &Table| {
            (relations && (t.name.name == name || t.indexes.iter().any(|i| i.name == name)))
                || t.constraints.iter().any(|c| {
                    c.name == name && (constraints || (relations && c.def.kind.is_uniqueness()))
                })
        };
        in_table(table)
            || self
                .tables
                .values()
                .filter(|t| &t.name.schema == schema && t.id != table.id)
                .any(in_table)
            || (relations
                && self
                    .views
                    .keys()
                    .any(|v| &v.schema == schema && v.name == name))
    }

    /// PostgreSQL's `ChooseRelationName` (an index avoids relation names; an index-owning
    /// constraint relation and constraint names) and `ChooseConstraintName` (constraint names):
    /// the default name, or with `1`, `2`… after the label until it is free in the schema.
    pub(in crate::schema) fn choose_name(
        &self,
        table: &Table,
        columns: &[String],
        label: &str,
        avoid: (bool, bool),
    ) -> String {
        let mut candidate = default_constraint_name(&table.name.name, columns, label);
        let mut pass = 0;
        while self.name_taken(table, &candidate, avoid) {
            pass += 1;
            candidate =
                default_constraint_name(&table.name.name, columns, &format!("{label}{pass}"));
        }
        candidate
    }

    /// The name constraint `con` of `table` gets: its own, or the one PostgreSQL picks.
    pub(in crate::schema) fn constraint_name(&self, table: &Table, con: &ConstraintDef) -> String {
        if let Some(n) = &con.name {
            return n.clone();
        }
        let (label, columns) = constraint_label(con);
        self.choose_name(table, columns, label, (con.kind.is_uniqueness(), true))
    }
}
