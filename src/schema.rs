//! The schema a history builds, and the replay that builds it.
//!
//! Every table, column and constraint gets an id when it first appears, kept through renames,
//! so a comparison can tell "renamed" from "dropped and something else added". The replay also
//! records an [`Event`] per effect, naming the change that caused it; comparisons use those to
//! attribute each breakage.

use crate::model::{
    ColumnDef, ConstraintDef, ConstraintKind, IndexDef, ObjectKind, Op, QualifiedName, SqlType,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Which change caused something: the migration's position in the replay order and the
/// change's index in that migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ChangeRef {
    pub migration: usize,
    pub change: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    #[serde(skip)]
    pub id: u32,
    #[serde(flatten)]
    pub def: ColumnDef,
    /// Known only because a later statement referred to it (the table predates the history).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: String,
    #[serde(flatten)]
    pub def: ConstraintDef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    #[serde(skip)]
    pub id: u32,
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    /// Created before the history rollsafe sees: only referenced columns are known.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.def.name == name)
    }
    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.def.name == name)
    }
    pub fn column_by_id(&self, id: u32) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumType {
    pub name: QualifiedName,
    pub values: Vec<String>,
    /// Created before the history: values other than the listed ones may exist.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

/// What the replay did, attributed to the change that did it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: ChangeRef,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    TableCreated {
        table: u32,
    },
    TableDropped {
        table: u32,
        name: QualifiedName,
    },
    TableRenamed {
        table: u32,
        from: QualifiedName,
        to: QualifiedName,
    },
    ColumnAdded {
        table: u32,
        column: u32,
    },
    ColumnDropped {
        table: u32,
        column: u32,
        name: String,
    },
    ColumnRenamed {
        table: u32,
        column: u32,
        from: String,
        to: String,
    },
    ColumnTypeChanged {
        column: u32,
        from: SqlType,
        to: SqlType,
    },
    NotNullSet {
        column: u32,
    },
    DefaultDropped {
        column: u32,
    },
    ConstraintAdded {
        table: u32,
        name: String,
    },
    IndexCreated {
        table: u32,
        name: String,
    },
    ViewDropped {
        name: QualifiedName,
    },
    ViewRenamed {
        from: QualifiedName,
        to: QualifiedName,
    },
    EnumValueRenamed {
        name: QualifiedName,
        from: String,
        to: String,
    },
    TypeDropped {
        name: QualifiedName,
    },
}

/// The schema at one point of a history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    pub tables: BTreeMap<QualifiedName, Table>,
    pub views: BTreeMap<QualifiedName, View>,
    pub types: BTreeMap<QualifiedName, EnumType>,
    #[serde(skip)]
    next_id: u32,
    /// When set, objects assumed to predate the history are recorded here as they are made up.
    #[serde(skip)]
    seeds: Option<Vec<Seed>>,
}

/// An object the replay had to assume existed before the history (a baseline, or a database
/// created by other means).
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    Table { id: u32, name: QualifiedName },
    Column { table: u32, column: String },
    EnumValue { name: QualifiedName, value: String },
}

/// The names one migration refers to, so a comparison can snapshot only those objects.
#[derive(Debug, Default)]
pub struct Touched {
    tables: BTreeSet<QualifiedName>,
    views: BTreeSet<QualifiedName>,
    types: BTreeSet<QualifiedName>,
}

/// PostgreSQL truncates identifiers to 63 bytes.
const NAMEDATALEN: usize = 63;

fn truncate_ident(s: &str) -> String {
    if s.len() <= NAMEDATALEN {
        return s.to_string();
    }
    let mut end = NAMEDATALEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The name PostgreSQL gives an unnamed constraint or index.
pub fn default_constraint_name(table: &str, columns: &[String], label: &str) -> String {
    let mut parts = vec![table.to_string()];
    if label != "pkey" {
        parts.extend(columns.iter().cloned());
    }
    truncate_ident(&format!("{}_{}", parts.join("_"), label))
}

impl Schema {
    pub fn new() -> Self {
        Schema::default()
    }

    fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn table_by_id(&self, id: u32) -> Option<&Table> {
        self.tables.values().find(|t| t.id == id)
    }

    /// The table owning index `name`.
    fn index_owner(&self, name: &QualifiedName) -> Option<QualifiedName> {
        self.tables
            .values()
            .find(|t| {
                t.name.schema == name.schema
                    && (t.indexes.iter().any(|i| i.name == name.name)
                        || t.constraints.iter().any(|c| c.name == name.name))
            })
            .map(|t| t.name.clone())
    }

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
                Op::SetSchema { name, .. } => {
                    t.tables.insert(name.clone());
                    t.views.insert(name.clone());
                    t.types.insert(name.clone());
                }
                Op::DataChange { .. } | Op::Neutral { .. } | Op::Opaque { .. } => {}
            }
        }
        t
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
        let mut made: BTreeMap<u32, QualifiedName> = BTreeMap::new();
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
                    let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                        name,
                        values: Vec::new(),
                        partial: true,
                    });
                    if !e.values.contains(&value) {
                        e.values.push(value);
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
    fn ensure_table(&mut self, name: &QualifiedName) -> &mut Table {
        if !self.tables.contains_key(name) {
            let id = self.fresh_id();
            if let Some(seeds) = &mut self.seeds {
                seeds.push(Seed::Table {
                    id,
                    name: name.clone(),
                });
            }
        }
        let next = self.next_id;
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
    fn ensure_column(&mut self, table: &QualifiedName, column: &str) -> Option<u32> {
        let id = self.fresh_id();
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

    /// Applies one operation, appending what it did to `events`.
    pub fn apply(&mut self, op: &Op, at: ChangeRef, events: &mut Vec<Event>) {
        let mut emit = |kind: EventKind| events.push(Event { at, kind });
        match op {
            Op::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists,
            } => {
                if *if_not_exists && self.tables.contains_key(table) {
                    return;
                }
                let id = self.fresh_id();
                let mut t = Table {
                    id,
                    name: table.clone(),
                    columns: Vec::new(),
                    constraints: Vec::new(),
                    indexes: Vec::new(),
                    partial: false,
                };
                for c in columns {
                    let cid = self.fresh_id();
                    t.columns.push(Column {
                        id: cid,
                        def: c.clone(),
                        assumed: false,
                    });
                }
                for con in constraints {
                    let name = constraint_name(&t, con);
                    t.constraints.push(Constraint {
                        name,
                        def: con.clone(),
                    });
                }
                self.tables.insert(table.clone(), t);
                emit(EventKind::TableCreated { table: id });
            }
            Op::DropTable { table, if_exists } => {
                if *if_exists && !self.tables.contains_key(table) {
                    return;
                }
                if let Some(t) = self.tables.remove(table) {
                    emit(EventKind::TableDropped {
                        table: t.id,
                        name: t.name,
                    });
                } else if let Some(v) = self.views.remove(table) {
                    emit(EventKind::ViewDropped { name: v.name });
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
            Op::RenameTable { table, to } => {
                let new_name = table.sibling(to.clone());
                if self.views.contains_key(table) && !self.tables.contains_key(table) {
                    if let Some(mut v) = self.views.remove(table) {
                        v.name = new_name.clone();
                        self.views.insert(new_name.clone(), v);
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
                    emit(EventKind::TableRenamed {
                        table: id,
                        from: table.clone(),
                        to: new_name,
                    });
                }
            }
            Op::AddColumn {
                table,
                column,
                constraints,
                if_not_exists,
            } => {
                let cid = self.fresh_id();
                let t = self.ensure_table(table);
                if t.column(&column.name).is_some() {
                    if *if_not_exists {
                        return;
                    }
                    // Adding an existing column fails in the database; keep the model as is.
                    return;
                }
                t.columns.push(Column {
                    id: cid,
                    def: column.clone(),
                    assumed: false,
                });
                let tid = t.id;
                let mut added = Vec::new();
                for con in constraints {
                    let name = constraint_name(t, con);
                    t.constraints.push(Constraint {
                        name: name.clone(),
                        def: con.clone(),
                    });
                    added.push(name);
                }
                emit(EventKind::ColumnAdded {
                    table: tid,
                    column: cid,
                });
                for name in added {
                    emit(EventKind::ConstraintAdded { table: tid, name });
                }
            }
            Op::DropColumn {
                table,
                column,
                if_exists,
            } => {
                if *if_exists
                    && self
                        .tables
                        .get(table)
                        .is_none_or(|t| !t.partial && t.column(column).is_none())
                {
                    return;
                }
                self.ensure_column(table, column);
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                let Some(pos) = t.columns.iter().position(|c| &c.def.name == column) else {
                    return;
                };
                let c = t.columns.remove(pos);
                // The database drops indexes and constraints that use the column.
                t.indexes.retain(|i| !i.columns.iter().any(|x| x == column));
                t.constraints
                    .retain(|k| !k.def.columns.iter().any(|x| x == column));
                emit(EventKind::ColumnDropped {
                    table: t.id,
                    column: c.id,
                    name: column.clone(),
                });
            }
            Op::RenameColumn { table, column, to } => {
                self.ensure_column(table, column);
                let Some(t) = self.tables.get_mut(table) else {
                    return;
                };
                let tid = t.id;
                let Some(c) = t.column_mut(column) else {
                    return;
                };
                c.def.name = to.clone();
                let cid = c.id;
                for k in &mut t.constraints {
                    for x in &mut k.def.columns {
                        if x == column {
                            *x = to.clone();
                        }
                    }
                }
                for i in &mut t.indexes {
                    for x in &mut i.columns {
                        if x == column {
                            *x = to.clone();
                        }
                    }
                }
                emit(EventKind::ColumnRenamed {
                    table: tid,
                    column: cid,
                    from: column.clone(),
                    to: to.clone(),
                });
            }
            Op::AlterColumnType {
                table, column, to, ..
            } => {
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
            Op::SetNotNull { table, column } => {
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
            Op::DropNotNull { table, column } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                {
                    c.def.nullable = true;
                }
            }
            Op::SetDefault {
                table,
                column,
                default,
            } => {
                self.ensure_column(table, column);
                if let Some(c) = self
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.column_mut(column))
                {
                    c.def.default = Some(default.clone());
                }
            }
            Op::DropDefault { table, column } => {
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
            Op::AddConstraint { table, constraint } => {
                let t = self.ensure_table(table);
                let mut def = constraint.clone();
                if let Some(ix_name) = &constraint.using_index {
                    // The constraint takes over the index (and its columns).
                    if let Some(pos) = t.indexes.iter().position(|i| &i.name == ix_name) {
                        let ix = t.indexes.remove(pos);
                        def.columns = ix.columns;
                    }
                }
                if def.kind == ConstraintKind::PrimaryKey {
                    for c in t
                        .columns
                        .iter_mut()
                        .filter(|c| def.columns.contains(&c.def.name))
                    {
                        c.def.nullable = false;
                    }
                }
                let name = constraint_name(t, &def);
                let tid = t.id;
                t.constraints.push(Constraint {
                    name: name.clone(),
                    def,
                });
                emit(EventKind::ConstraintAdded { table: tid, name });
            }
            Op::DropConstraint {
                table,
                name,
                if_exists: _,
            } => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.constraints.retain(|c| &c.name != name);
                }
            }
            Op::RenameConstraint { table, name, to } => {
                if let Some(t) = self.tables.get_mut(table) {
                    for c in t.constraints.iter_mut().filter(|c| &c.name == name) {
                        c.name = to.clone();
                    }
                }
            }
            Op::ValidateConstraint { table, name } => {
                if let Some(t) = self.tables.get_mut(table) {
                    for c in t.constraints.iter_mut().filter(|c| &c.name == name) {
                        c.def.not_valid = false;
                    }
                }
            }
            Op::CreateIndex(ix) => self.create_index(ix, &mut emit),
            Op::DropIndex { name, .. } => {
                if let Some(owner) = self.index_owner(name)
                    && let Some(t) = self.tables.get_mut(&owner)
                {
                    t.indexes.retain(|i| i.name != name.name);
                }
            }
            Op::RenameIndex { name, to } => {
                if let Some(owner) = self.index_owner(name)
                    && let Some(t) = self.tables.get_mut(&owner)
                {
                    for i in t.indexes.iter_mut().filter(|i| i.name == name.name) {
                        i.name = to.clone();
                    }
                    for c in t.constraints.iter_mut().filter(|c| c.name == name.name) {
                        c.name = to.clone();
                    }
                }
            }
            Op::CreateView {
                name, materialized, ..
            } => {
                self.views.insert(
                    name.clone(),
                    View {
                        name: name.clone(),
                        materialized: *materialized,
                    },
                );
            }
            Op::DropView {
                name, if_exists, ..
            } => {
                if self.views.remove(name).is_some() || !*if_exists {
                    emit(EventKind::ViewDropped { name: name.clone() });
                }
            }
            Op::RenameView { name, to, .. } => {
                let new_name = name.sibling(to.clone());
                let v = self.views.remove(name).unwrap_or(View {
                    name: name.clone(),
                    materialized: false,
                });
                self.views.insert(
                    new_name.clone(),
                    View {
                        name: new_name.clone(),
                        ..v
                    },
                );
                emit(EventKind::ViewRenamed {
                    from: name.clone(),
                    to: new_name,
                });
            }
            Op::CreateEnum { name, values } => {
                self.types.insert(
                    name.clone(),
                    EnumType {
                        name: name.clone(),
                        values: values.clone(),
                        partial: false,
                    },
                );
            }
            Op::AddEnumValue { name, value } => {
                let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                    name: name.clone(),
                    values: Vec::new(),
                    partial: true,
                });
                if !e.values.contains(value) {
                    e.values.push(value.clone());
                }
            }
            Op::RenameEnumValue { name, from, to } => {
                let known = self
                    .types
                    .get(name)
                    .is_some_and(|e| e.values.contains(from));
                if !known && let Some(seeds) = &mut self.seeds {
                    seeds.push(Seed::EnumValue {
                        name: name.clone(),
                        value: from.clone(),
                    });
                }
                let e = self.types.entry(name.clone()).or_insert_with(|| EnumType {
                    name: name.clone(),
                    values: Vec::new(),
                    partial: true,
                });
                if !e.values.contains(from) {
                    e.values.push(from.clone());
                }
                for v in e.values.iter_mut().filter(|v| *v == from) {
                    *v = to.clone();
                }
                emit(EventKind::EnumValueRenamed {
                    name: name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
            Op::DropType { name, .. } => {
                if self.types.remove(name).is_some() {
                    emit(EventKind::TypeDropped { name: name.clone() });
                }
            }
            Op::SetSchema { kind, name, schema } => {
                let new_name = QualifiedName::with_schema(Some(schema.clone()), name.name.clone());
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
                            emit(EventKind::TableRenamed {
                                table: id,
                                from: name.clone(),
                                to: new_name,
                            });
                        }
                    }
                    ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => {
                        let v = self.views.remove(name).unwrap_or(View {
                            name: name.clone(),
                            materialized: *kind == ObjectKind::MaterializedView,
                        });
                        self.views.insert(
                            new_name.clone(),
                            View {
                                name: new_name.clone(),
                                ..v
                            },
                        );
                        emit(EventKind::ViewRenamed {
                            from: name.clone(),
                            to: new_name,
                        });
                    }
                    ObjectKind::Type => {
                        if let Some(mut e) = self.types.remove(name) {
                            e.name = new_name.clone();
                            self.types.insert(new_name, e);
                        }
                    }
                    _ => {}
                }
            }
            Op::DataChange { .. } | Op::Neutral { .. } | Op::Opaque { .. } => {}
        }
    }

    fn create_index(&mut self, ix: &IndexDef, emit: &mut impl FnMut(EventKind)) {
        let t = self.ensure_table(&ix.table);
        let name = ix.name.clone().unwrap_or_else(|| {
            let cols: Vec<String> = ix
                .columns
                .iter()
                .map(|c| {
                    c.chars()
                        .map(|ch| if ch.is_alphanumeric() { ch } else { '_' })
                        .collect::<String>()
                        .trim_matches('_')
                        .to_string()
                })
                .collect();
            default_constraint_name(&t.name.name, &cols, "idx")
        });
        if t.indexes.iter().any(|i| i.name == name) {
            return;
        }
        t.indexes.push(Index {
            name: name.clone(),
            columns: ix.columns.clone(),
            unique: ix.unique,
            partial: ix.partial,
        });
        let tid = t.id;
        emit(EventKind::IndexCreated { table: tid, name });
    }
}

fn constraint_name(t: &Table, con: &ConstraintDef) -> String {
    if let Some(n) = &con.name {
        return n.clone();
    }
    let label = match con.kind {
        ConstraintKind::PrimaryKey => "pkey",
        ConstraintKind::Unique => "key",
        ConstraintKind::Check => "check",
        ConstraintKind::ForeignKey => "fkey",
        ConstraintKind::Exclusion => "excl",
    };
    let cols: &[String] = match con.kind {
        // PostgreSQL names a table-level CHECK after the first column it mentions.
        ConstraintKind::Check => con.columns.get(..1).unwrap_or(&[]),
        _ => &con.columns,
    };
    let base = default_constraint_name(&t.name.name, cols, label);
    // PostgreSQL appends a number when the name is taken.
    if !t.constraints.iter().any(|c| c.name == base) {
        return base;
    }
    (1..)
        .map(|n| format!("{base}{n}"))
        .find(|cand| !t.constraints.iter().any(|c| &c.name == cand))
        .unwrap_or(base)
}
