//! Events: what the replay did, each attributed to the change that did it. Rules read them to
//! say *why* a name code relies on is gone (dropped, renamed, rebuilt) and *which* statement to
//! point at; the schema before and after alone cannot tell a rename from a drop and an add.

use super::{ChangeRef, ColumnId, TableId};
use crate::model::{QualifiedName, SqlType};

/// One effect of one change.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The change that caused it.
    pub at: ChangeRef,
    pub kind: EventKind,
}

/// The effects rules look at. Objects are named by their id where they have one (tables and
/// columns keep theirs through renames), else by name.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// A table was created (`CREATE TABLE`, including one that replaces a dropped namesake).
    TableCreated { table: TableId },
    /// A table was dropped; `name` is the one it had then. Also emitted for a table the history
    /// never created (it predates the history and existed).
    TableDropped { table: TableId, name: QualifiedName },
    /// A table was renamed or moved to another schema (`SET SCHEMA`).
    TableRenamed {
        table: TableId,
        from: QualifiedName,
        to: QualifiedName,
    },
    /// A column was added to an existing table (not emitted for CREATE TABLE's columns).
    ColumnAdded { table: TableId, column: ColumnId },
    /// A column was dropped, directly or with the source column of a generated one (CASCADE).
    ColumnDropped {
        table: TableId,
        column: ColumnId,
        name: String,
    },
    /// A column was renamed.
    ColumnRenamed {
        table: TableId,
        column: ColumnId,
        from: String,
        to: String,
    },
    /// A column's type was changed (`from` may equal `to`: a no-op retype).
    ColumnTypeChanged {
        column: ColumnId,
        from: SqlType,
        to: SqlType,
    },
    /// A nullable column became NOT NULL (`SET NOT NULL`, or a primary key over it).
    NotNullSet { column: ColumnId },
    /// A column lost its default or stopped being generated: writers must now give a value.
    DefaultDropped { column: ColumnId },
    /// A column was given a default (`SET DEFAULT`).
    DefaultSet { column: ColumnId },
    /// A constraint was added to a table; `name` is the one it got (the database's pick for an
    /// unnamed one).
    ConstraintAdded { table: TableId, name: String },
    /// A constraint or index renamed (`ALTER TABLE … RENAME CONSTRAINT`, `ALTER INDEX … RENAME`).
    ConstraintRenamed {
        table: TableId,
        from: String,
        to: String,
    },
    /// An index was created; `name` is the one it got.
    IndexCreated { table: TableId, name: String },
    /// A view was dropped, directly or along with what it reads (CASCADE).
    ViewDropped { name: QualifiedName },
    /// A view was renamed or moved to another schema.
    ViewRenamed {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// An enum value was renamed.
    EnumValueRenamed {
        name: QualifiedName,
        from: String,
        to: String,
    },
    /// A type the schema knew was dropped.
    TypeDropped { name: QualifiedName },
    /// A type was renamed or moved to another schema (columns of it keep it).
    TypeRenamed {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// A sequence was dropped (also one the history never created).
    SequenceDropped { name: QualifiedName },
    /// A sequence was renamed or moved to another schema.
    SequenceRenamed {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// A routine was dropped; `function` is how it was called (`name(args)`).
    FunctionDropped {
        name: QualifiedName,
        function: String,
    },
    /// A routine was renamed; `function` is how it was called before.
    FunctionRenamed {
        name: QualifiedName,
        function: String,
        to: QualifiedName,
    },
    /// A constraint was dropped from a table, directly or with what it covered.
    ConstraintDropped { table: TableId, name: String },
    /// An index was dropped, directly or with what it covered.
    IndexDropped { table: TableId, name: String },
}
