//! The schema a history builds, and the replay that builds it.
//!
//! Every table, column and constraint gets an id when it first appears, kept through renames,
//! so a comparison can tell "renamed" from "dropped and something else added". The replay also
//! records an [`Event`] per effect, naming the change that caused it; comparisons use those to
//! attribute each breakage.

use crate::model::{ColumnDef, ConstraintDef, QualifiedName, Signature};
use serde::Serialize;
use std::collections::BTreeMap;

mod event;
mod ids;
mod naming;
mod replay;
mod seed;

pub use event::{Event, EventKind};
pub use ids::{ColumnId, TableId};
pub use seed::{Seed, Touched};

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
    pub id: ColumnId,
    #[serde(flatten)]
    pub def: ColumnDef,
    /// Known only because a later statement referred to it (the table predates the history).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The name it has now (the database's pick for an unnamed one, renames applied).
    pub name: String,
    /// As declared; `def.name` is the name written in the migration, if any.
    pub def: ConstraintDef,
    /// When it (or the index it adopted) was made, in replay order: the database picks the
    /// oldest matching unique index for a foreign key.
    pub seq: u32,
    /// A foreign key: the `seq` of the referenced table's key it relies on, when known.
    pub key: Option<u32>,
}

impl Serialize for Constraint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // One `name` key: the current one, not also the declared one from `def`.
        #[derive(Serialize)]
        struct Flat<'a> {
            name: &'a str,
            #[serde(flatten)]
            def: ConstraintDef,
        }
        Flat {
            name: &self.name,
            def: ConstraintDef {
                name: None,
                ..self.def.clone()
            },
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
    /// The columns its `WHERE` mentions.
    #[serde(skip)]
    pub predicate_columns: Vec<String>,
    /// When it was made, in replay order (see [`Constraint::seq`]).
    #[serde(skip)]
    pub seq: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    #[serde(skip)]
    pub id: TableId,
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
    pub(in crate::schema) fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.def.name == name)
    }
    pub fn column_by_id(&self, id: ColumnId) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    /// Tables and views its query reads.
    #[serde(skip)]
    pub depends_on: Vec<QualifiedName>,
    /// Column names its query mentions (`*`: all of them).
    #[serde(skip)]
    pub columns: Vec<String>,
    /// Known only because a statement referred to it (it predates the history).
    #[serde(skip)]
    pub assumed: bool,
}

impl View {
    pub(in crate::schema) fn new(name: QualifiedName, materialized: bool) -> Self {
        View {
            name,
            materialized,
            depends_on: Vec::new(),
            columns: Vec::new(),
            assumed: false,
        }
    }

    /// Whether dropping `columns` of `table` (all of it: `None`) takes this view with it.
    pub(in crate::schema) fn uses(
        &self,
        table: &QualifiedName,
        columns: Option<&[String]>,
    ) -> bool {
        self.depends_on.contains(table)
            && columns.is_none_or(|cols| self.columns.iter().any(|c| c == "*" || cols.contains(c)))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumType {
    pub name: QualifiedName,
    pub values: Vec<String>,
    /// Created before the history: values other than the listed ones may exist.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl EnumType {
    /// A type a statement refers to that the history never created.
    pub(in crate::schema) fn assumed(name: QualifiedName) -> Self {
        EnumType {
            name,
            values: Vec::new(),
            partial: true,
        }
    }
}

/// A sequence (`CREATE SEQUENCE`); code calls `nextval('name')`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sequence {
    pub name: QualifiedName,
    /// Known only because a statement referred to it (it predates the history).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

/// One routine (function or procedure) of a name: overloads differ by their input arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Function {
    pub name: QualifiedName,
    #[serde(flatten)]
    pub signature: Signature,
    /// A trigger function: only the database calls it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub trigger: bool,
    /// Known only because a statement referred to it (it predates the history); its arguments
    /// are then the ones the statement named, if any.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

impl Function {
    /// `name(integer, text)`.
    pub fn display(&self) -> String {
        self.signature.display(&self.name)
    }
}

/// The schema at one point of a history.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    pub tables: BTreeMap<QualifiedName, Table>,
    pub views: BTreeMap<QualifiedName, View>,
    pub types: BTreeMap<QualifiedName, EnumType>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    /// Routines by name, each name with its overloads.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<QualifiedName, Vec<Function>>,
    #[serde(skip)]
    next_id: u32,
    /// When set, objects assumed to predate the history are recorded here as they are made up.
    #[serde(skip)]
    seeds: Option<Vec<Seed>>,
}

impl Schema {
    pub fn new() -> Self {
        Schema::default()
    }

    pub(in crate::schema) fn fresh_table_id(&mut self) -> TableId {
        TableId(self.fresh_id())
    }

    pub(in crate::schema) fn fresh_column_id(&mut self) -> ColumnId {
        ColumnId(self.fresh_id())
    }

    /// Ids of every kind come from one counter, so `seq` orders constraints and indexes by
    /// when they were made.
    pub(in crate::schema) fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn table_by_id(&self, id: TableId) -> Option<&Table> {
        self.tables.values().find(|t| t.id == id)
    }
}
