use super::{ChangeRef, ColumnId, TableId};
use crate::model::{QualifiedName, SqlType};

/// What the replay did, attributed to the change that did it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub at: ChangeRef,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    TableCreated {
        table: TableId,
    },
    TableDropped {
        table: TableId,
        name: QualifiedName,
    },
    TableRenamed {
        table: TableId,
        from: QualifiedName,
        to: QualifiedName,
    },
    ColumnAdded {
        table: TableId,
        column: ColumnId,
    },
    ColumnDropped {
        table: TableId,
        column: ColumnId,
        name: String,
    },
    ColumnRenamed {
        table: TableId,
        column: ColumnId,
        from: String,
        to: String,
    },
    ColumnTypeChanged {
        column: ColumnId,
        from: SqlType,
        to: SqlType,
    },
    NotNullSet {
        column: ColumnId,
    },
    DefaultDropped {
        column: ColumnId,
    },
    DefaultSet {
        column: ColumnId,
    },
    ConstraintAdded {
        table: TableId,
        name: String,
    },
    /// A constraint or index renamed (`ALTER TABLE … RENAME CONSTRAINT`, `ALTER INDEX … RENAME`).
    ConstraintRenamed {
        table: TableId,
        from: String,
        to: String,
    },
    IndexCreated {
        table: TableId,
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
