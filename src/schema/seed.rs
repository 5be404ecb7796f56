//! Objects a migration refers to that the history never created: the replay assumes they
//! predate the history and plants them before the migration's "before" snapshot.

use super::ChangeRef;
use super::{Column, ColumnId, EnumType, Function, Schema, Sequence, Table, TableId};
use crate::model::{ColumnDef, Op, QualifiedName, Signature, SqlType};
use std::collections::{BTreeMap, BTreeSet};

/// An object the replay had to assume existed before the history (a baseline, or a database
/// created by other means).
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    Table {
        id: TableId,
        name: QualifiedName,
    },
    Column {
        table: TableId,
        column: String,
    },
    EnumValue {
        name: QualifiedName,
        value: String,
    },
    View {
        name: QualifiedName,
        materialized: bool,
    },
    Type {
        name: QualifiedName,
    },
    Sequence {
        name: QualifiedName,
    },
    Function {
        name: QualifiedName,
        signature: Signature,
    },
}

/// The names one migration refers to, so a comparison can snapshot only those objects.
#[derive(Debug, Default)]
pub struct Touched {
    tables: BTreeSet<QualifiedName>,
    views: BTreeSet<QualifiedName>,
    types: BTreeSet<QualifiedName>,
    sequences: BTreeSet<QualifiedName>,
    functions: BTreeSet<QualifiedName>,
}

impl Schema {
    /// Records which objects `ops` touch, resolving indexes to their tables.
    pub fn touched_by<'a>(&self, ops: impl Iterator<Item = &'a Op>) -> Touched {
        let mut t = Touched::default();
        for op in ops {
            match op {
                Op::CreateTable { table, .. }
                | Op::DropTable { table, .. }
                | Op::AddColumn { table, .. }
                | Op::DropColumn { table, .. }
                | Op::RenameColumn { table, .. }
                | Op::AlterColumnType { table, .. }
                | Op::SetNotNull { table, .. }
                | Op::DropNotNull { table, .. }
                | Op::SetDefault { table, .. }
                | Op::DropDefault { table, .. }
                | Op::AddConstraint { table, .. }
                | Op::DropConstraint { table, .. }
                | Op::RenameConstraint { table, .. }
                | Op::ValidateConstraint { table, .. } => {
                    t.tables.insert(table.clone());
                }
                Op::RenameTable { table, to } => {
                    t.tables.insert(table.clone());
                    t.tables.insert(table.sibling(to.clone()));
                    t.views.insert(table.clone());
                }
                Op::CreateIndex(ix) => {
                    t.tables.insert(ix.table.clone());
                }
                Op::DropIndex { name, .. } | Op::RenameIndex { name, .. } => {
                    if let Some(owner) = self.index_owner(name) {
                        t.tables.insert(owner);
                    }
                }
                Op::CreateView { name, .. } | Op::DropView { name, .. } => {
                    t.views.insert(name.clone());
                }
                Op::RenameView { name, to, .. } => {
                    t.views.insert(name.clone());
                    t.views.insert(name.sibling(to.clone()));
                }
                Op::CreateEnum { name, .. }
                | Op::AddEnumValue { name, .. }
                | Op::RenameEnumValue { name, .. }
                | Op::DropType { name, .. } => {
                    t.types.insert(name.clone());
                }
                Op::RenameType { name, to } => {
                    t.types.insert(name.clone());
                    t.types.insert(name.sibling(to.clone()));
                    self.tables_of_type(name, &mut t.tables);
                }
                Op::CreateSequence { name, .. } | Op::DropSequence { name, .. } => {
                    t.sequences.insert(name.clone());
                }
                Op::RenameSequence { name, to } => {
                    t.sequences.insert(name.clone());
                    t.sequences.insert(name.sibling(to.clone()));
                }
                Op::CreateFunction { name, .. } | Op::DropFunction { name, .. } => {
                    t.functions.insert(name.clone());
                }
                Op::RenameFunction { name, to, .. } => {
                    t.functions.insert(name.clone());
                    t.functions.insert(name.sibling(to.clone()));
                }
                Op::SetSchema { name, schema, .. } => {
                    let moved = QualifiedName::with_schema(Some(schema.clone()), name.name.clone());
                    for n in [name.clone(), moved] {
                        t.tables.insert(n.clone());
                        t.views.insert(n.clone());
                        t.types.insert(n.clone());
                        t.sequences.insert(n);
                    }
                    self.tables_of_type(name, &mut t.tables);
                }
                Op::DataChange { .. }
                | Op::Neutral { .. }
                | Op::Setting { .. }
                | Op::Maintenance { .. }
                | Op::Opaque { .. } => {}
            }
        }
        // Views over what the migration touches may go with it (CASCADE).
        let mut frontier: Vec<QualifiedName> =
            t.tables.iter().chain(t.views.iter()).cloned().collect();
        while let Some(n) = frontier.pop() {
            for v in self.views.values().filter(|v| v.depends_on.contains(&n)) {
                if t.views.insert(v.name.clone()) {
                    frontier.push(v.name.clone());
                }
            }
        }
        t
    }

    /// The tables with a column of type `name` (a rename of the type renames their columns'
    /// type).
    fn tables_of_type(&self, name: &QualifiedName, out: &mut BTreeSet<QualifiedName>) {
        let ty = name.to_string();
        for t in self.tables.values() {
            if t.columns.iter().any(|c| c.def.ty.base == ty) {
                out.insert(t.name.clone());
            }
        }
    }

    /// A copy holding only the touched objects (the "before" of one migration).
    pub fn subset(&self, touched: &Touched) -> Schema {
        Schema {
            tables: touched
                .tables
                .iter()
                .filter_map(|n| self.tables.get(n).map(|t| (n.clone(), t.clone())))
                .collect(),
            views: touched
                .views
                .iter()
                .filter_map(|n| self.views.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            types: touched
                .types
                .iter()
                .filter_map(|n| self.types.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            sequences: touched
                .sequences
                .iter()
                .filter_map(|n| self.sequences.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            functions: touched
                .functions
                .iter()
                .filter_map(|n| self.functions.get(n).map(|v| (n.clone(), v.clone())))
                .collect(),
            next_id: self.next_id,
            seeds: None,
        }
    }

    /// Before a migration's "before" snapshot is taken, adds the objects it refers to that the
    /// history never created, so that the snapshot holds them. Works out which by replaying the
    /// migration on a scratch copy, since earlier statements of the migration may create or
    /// rename what later ones refer to.
    pub fn prepare<'a>(&mut self, ops: impl Iterator<Item = &'a Op> + Clone) {
        let touched = self.touched_by(ops.clone());
        let mut scratch = self.subset(&touched);
        scratch.seeds = Some(Vec::new());
        let mut events = Vec::new();
        let at = ChangeRef {
            migration: 0,
            change: 0,
        };
        for op in ops {
            scratch.apply(op, at, &mut events);
        }
        let seeds = scratch.seeds.take().unwrap_or_default();
        self.plant(seeds);
    }

    /// Adds seeds found by a scratch replay (see [`Schema::prepare`]).
    pub fn plant(&mut self, seeds: Vec<Seed>) {
        let mut made: BTreeMap<TableId, QualifiedName> = BTreeMap::new();
        for seed in seeds {
            match seed {
                Seed::Table { id, name } => {
                    self.ensure_table(&name);
                    made.insert(id, name);
                }
                Seed::Column { table, column } => {
                    let name = made
                        .get(&table)
                        .cloned()
                        .or_else(|| self.table_by_id(table).map(|t| t.name.clone()));
                    if let Some(name) = name {
                        self.ensure_column(&name, &column);
                    }
                }
                Seed::EnumValue { name, value } => {
                    let e = self
                        .types
                        .entry(name.clone())
                        .or_insert_with(|| EnumType::assumed(name));
                    if !e.values.contains(&value) {
                        e.values.push(value);
                    }
                }
                Seed::View { name, materialized } => self.ensure_view(&name, materialized),
                Seed::Type { name } => {
                    self.types
                        .entry(name.clone())
                        .or_insert_with(|| EnumType::assumed(name));
                }
                Seed::Sequence { name } => {
                    self.sequences.entry(name.clone()).or_insert(Sequence {
                        name,
                        assumed: true,
                    });
                }
                Seed::Function { name, signature } => {
                    let overloads = self.functions.entry(name.clone()).or_default();
                    if !overloads.iter().any(|f| f.signature.args == signature.args) {
                        overloads.push(Function {
                            name,
                            signature,
                            trigger: false,
                            assumed: true,
                        });
                    }
                }
            }
        }
    }

    /// Starts recording seeds on this schema (for a whole-history pass whose seeds start a
    /// second, exact pass).
    pub fn record_seeds(&mut self) {
        self.seeds = Some(Vec::new());
    }

    pub fn take_seeds(&mut self) -> Vec<Seed> {
        self.seeds.take().unwrap_or_default()
    }

    /// Makes sure a table referenced by `op` exists, creating a partial one when the history
    /// never created it (it predates the migrations rollsafe sees).
    pub(in crate::schema) fn ensure_table(&mut self, name: &QualifiedName) -> &mut Table {
        if !self.tables.contains_key(name) {
            let id = self.fresh_table_id();
            if let Some(seeds) = &mut self.seeds {
                seeds.push(Seed::Table {
                    id,
                    name: name.clone(),
                });
            }
        }
        let next = TableId(self.next_id);
        self.tables.entry(name.clone()).or_insert_with(|| Table {
            id: next,
            name: name.clone(),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            partial: true,
        })
    }

    /// Makes sure `table.column` exists; a column assumed on a partial table has an unknown
    /// type and is taken as nullable.
    pub(in crate::schema) fn ensure_column(
        &mut self,
        table: &QualifiedName,
        column: &str,
    ) -> Option<ColumnId> {
        let id = self.fresh_column_id();
        let t = self.ensure_table(table);
        if let Some(c) = t.column(column) {
            return Some(c.id);
        }
        if !t.partial {
            return None;
        }
        let tid = t.id;
        t.columns.push(Column {
            id,
            def: ColumnDef::new(column, SqlType::unknown()),
            assumed: true,
        });
        if let Some(seeds) = &mut self.seeds {
            seeds.push(Seed::Column {
                table: tid,
                column: column.to_string(),
            });
        }
        Some(id)
    }
}
