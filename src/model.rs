//! The schema-change model every frontend produces and every rule reads.
//!
//! A frontend (SQL, Alembic, Django) turns a migration file into a [`Migration`] whose
//! [`Change`]s carry an [`Op`] and the byte span it came from. Nothing downstream of this module
//! looks at SQL or Python text again.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

mod lock;
pub use lock::{LockMode, Transaction};

/// A half-open byte range into the migration file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn shift(self, by: usize) -> Self {
        Span::new(self.start + by, self.end + by)
    }
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Sql,
    Alembic,
    Django,
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Sql => "sql",
            Framework::Alembic => "alembic",
            Framework::Django => "django",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        })
    }
}

/// A possibly schema-qualified object name. Identifiers are stored the way the database folds
/// them: unquoted names lower-cased, quoted names verbatim, so `"User"` and `user` differ.
/// The default search-path schema (`public`) is dropped so `public.users` is `users`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QualifiedName {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
}

impl QualifiedName {
    pub fn new(name: impl Into<String>) -> Self {
        QualifiedName {
            schema: None,
            name: name.into(),
        }
    }
    pub fn with_schema(schema: Option<String>, name: impl Into<String>) -> Self {
        let schema = schema.filter(|s| s != "public");
        QualifiedName {
            schema,
            name: name.into(),
        }
    }
    /// The same name in the schema of `self` (renames keep the schema).
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: self.schema.clone(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A column type, normalised so that spellings of the same type compare equal
/// (`int4` = `integer` = `int`, `character varying(20)` = `varchar(20)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SqlType {
    /// Canonical base name, lower-case (`integer`, `varchar`, `numeric`, `timestamptz`, or a
    /// user type such as `mood`).
    pub base: String,
    /// Type modifiers: length, precision and scale.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<u32>,
    /// Array dimensions.
    #[serde(skip_serializing_if = "is_zero")]
    pub array: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl SqlType {
    pub fn named(base: &str) -> Self {
        SqlType {
            base: base.to_string(),
            args: Vec::new(),
            array: 0,
        }
    }
    /// A type rollsafe could not see (a column of a table created before the baseline).
    pub fn unknown() -> Self {
        SqlType::named("?")
    }
    pub fn is_unknown(&self) -> bool {
        self.base == "?"
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)?;
        if !self.args.is_empty() {
            let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
            write!(f, "({})", args.join(","))?;
        }
        for _ in 0..self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: SqlType,
    pub nullable: bool,
    /// The database-side default expression, as written. Python-side defaults never land here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Generated (computed) or identity columns: the database fills them, so writers never have
    /// to.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub generated: bool,
    /// The columns a generated column's expression reads (dropping one drops it too).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generated_from: Vec<String>,
    /// The default is volatile (`gen_random_uuid()`, `random()`, `clock_timestamp()`,
    /// `nextval(…)` of a serial): evaluated once per row, so adding the column rewrites the table.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub volatile_default: bool,
}

impl ColumnDef {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        ColumnDef {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            generated: false,
            generated_from: Vec::new(),
            volatile_default: false,
        }
    }
    /// Whether an INSERT that leaves this column out is rejected.
    pub fn requires_value(&self) -> bool {
        !self.nullable && self.default.is_none() && !self.generated
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    Check,
    ForeignKey,
    Exclusion,
}

impl ConstraintKind {
    pub fn describe(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "primary key",
            ConstraintKind::Unique => "unique constraint",
            ConstraintKind::Check => "check constraint",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::Exclusion => "exclusion constraint",
        }
    }
    /// Constraints that reject a row because of other rows (duplicates, overlaps).
    pub fn is_uniqueness(self) -> bool {
        matches!(
            self,
            ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstraintDef {
    /// Explicit name, or `None` when the database picks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// Columns the constraint covers; for a CHECK, the columns its expression mentions.
    pub columns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub references: Option<QualifiedName>,
    /// A foreign key's referenced columns; empty when it names none (the primary key).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ref_columns: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
    /// `ADD CONSTRAINT … USING INDEX idx`: the constraint adopts an existing index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using_index: Option<String>,
    /// A CHECK's expression as SQL text, when the frontend has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

impl ConstraintDef {
    pub fn new(kind: ConstraintKind, columns: Vec<String>) -> Self {
        ConstraintDef {
            name: None,
            kind,
            columns,
            references: None,
            ref_columns: Vec::new(),
            not_valid: false,
            using_index: None,
            expression: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub table: QualifiedName,
    /// Plain column names; expressions appear as their text.
    pub columns: Vec<String>,
    pub unique: bool,
    pub concurrently: bool,
    /// A partial index (`WHERE …`).
    pub partial: bool,
    /// The columns its `WHERE` mentions (dropping one drops the index).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub predicate_columns: Vec<String>,
    pub if_not_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataChangeKind {
    Insert,
    Update,
    Delete,
    Truncate,
    Copy,
    Other,
}

/// The kinds of objects `SET SCHEMA` and renames apply to beyond tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Table,
    View,
    MaterializedView,
    Type,
    Index,
    Sequence,
    Other,
}

/// How a routine is called: a function or a procedure, and the types of its input arguments
/// (`IN`, `INOUT`, `VARIADIC`; type modifiers dropped, as PostgreSQL ignores them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Signature {
    pub args: Vec<SqlType>,
    pub procedure: bool,
}

impl Signature {
    /// `name(integer, text)`.
    pub fn display(&self, name: &QualifiedName) -> String {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        format!("{name}({})", args.join(", "))
    }
    /// `function` or `procedure`.
    pub fn kind(&self) -> &'static str {
        if self.procedure {
            "procedure"
        } else {
            "function"
        }
    }
}

/// One schema operation. Frontends map their syntax onto these; the replay applies them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateTable {
        table: QualifiedName,
        columns: Vec<ColumnDef>,
        constraints: Vec<ConstraintDef>,
        if_not_exists: bool,
    },
    DropTable {
        table: QualifiedName,
        if_exists: bool,
    },
    RenameTable {
        table: QualifiedName,
        to: String,
    },
    AddColumn {
        table: QualifiedName,
        column: ColumnDef,
        /// Column-level constraints written inline (`UNIQUE`, `REFERENCES`, `CHECK`).
        constraints: Vec<ConstraintDef>,
        if_not_exists: bool,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
        if_exists: bool,
    },
    RenameColumn {
        table: QualifiedName,
        column: String,
        to: String,
    },
    AlterColumnType {
        table: QualifiedName,
        column: String,
        to: SqlType,
        /// A `USING` expression was given: the data is converted, not just relabelled.
        using: bool,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        default: String,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: ConstraintDef,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
        if_exists: bool,
    },
    RenameConstraint {
        table: QualifiedName,
        name: String,
        to: String,
    },
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
    CreateIndex(IndexDef),
    DropIndex {
        name: QualifiedName,
        if_exists: bool,
        concurrently: bool,
    },
    RenameIndex {
        name: QualifiedName,
        to: String,
    },
    CreateView {
        name: QualifiedName,
        materialized: bool,
        or_replace: bool,
        /// Tables and views its query reads (dropping one drops the view).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        depends_on: Vec<QualifiedName>,
        /// Column names its query mentions (`*` for all): dropping one drops the view.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        columns: Vec<String>,
    },
    DropView {
        name: QualifiedName,
        materialized: bool,
        if_exists: bool,
    },
    RenameView {
        name: QualifiedName,
        to: String,
        materialized: bool,
    },
    CreateEnum {
        name: QualifiedName,
        values: Vec<String>,
    },
    AddEnumValue {
        name: QualifiedName,
        value: String,
    },
    RenameEnumValue {
        name: QualifiedName,
        from: String,
        to: String,
    },
    DropType {
        name: QualifiedName,
        if_exists: bool,
    },
    /// `ALTER TYPE … RENAME TO`: columns of the type keep it under its new name.
    RenameType {
        name: QualifiedName,
        to: String,
    },
    CreateSequence {
        name: QualifiedName,
        if_not_exists: bool,
    },
    DropSequence {
        name: QualifiedName,
        if_exists: bool,
    },
    RenameSequence {
        name: QualifiedName,
        to: String,
    },
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`: a routine is known by its name and the types
    /// of its input arguments, so one with other arguments is another overload, not a
    /// replacement.
    CreateFunction {
        name: QualifiedName,
        signature: Signature,
        /// Returns `trigger` or `event_trigger`: only the database calls it.
        trigger: bool,
    },
    /// `DROP FUNCTION|PROCEDURE|ROUTINE`; `args: None` when the statement lists none (the
    /// only routine of that name).
    DropFunction {
        name: QualifiedName,
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<Vec<SqlType>>,
        procedure: bool,
        if_exists: bool,
    },
    /// `ALTER FUNCTION|PROCEDURE … RENAME TO`.
    RenameFunction {
        name: QualifiedName,
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<Vec<SqlType>>,
        procedure: bool,
        to: String,
    },
    SetSchema {
        kind: ObjectKind,
        name: QualifiedName,
        schema: String,
    },
    /// DML: changes rows, not the schema.
    DataChange {
        kind: DataChangeKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        table: Option<QualifiedName>,
    },
    /// Understood, and irrelevant to the app-visible schema: comments, grants, `SET`,
    /// transactions, extensions, functions, sequences, statistics.
    Neutral {
        what: String,
    },
    /// A session setting (`SET [LOCAL] lock_timeout = '2s'`): nothing the app sees, but it
    /// decides how the statements after it wait for locks.
    Setting {
        name: String,
        value: String,
    },
    /// A maintenance command that changes nothing the app sees but locks, scans or rewrites
    /// a table while it runs (`VACUUM FULL`, `CLUSTER`, `REINDEX`, `SET LOGGED`).
    Maintenance {
        command: Maintenance,
        /// The table (or, for `REINDEX INDEX`, the index) it works on; `None`: every table.
        #[serde(skip_serializing_if = "Option::is_none")]
        table: Option<QualifiedName>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        concurrently: bool,
    },
    /// Not understood statically: dynamic SQL, code, a statement that did not parse.
    Opaque {
        /// Which kind of not-understood; only `reason` is shown to users.
        #[serde(skip)]
        kind: OpaqueKind,
        reason: String,
    },
}

/// Maintenance commands (see [`Op::Maintenance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Maintenance {
    /// `VACUUM` without `FULL` (or `ANALYZE`): no rewrite, but not in a transaction block.
    Vacuum,
    /// `VACUUM FULL`: rewrites the table under an `ACCESS EXCLUSIVE` lock.
    VacuumFull,
    /// `CLUSTER`: rewrites the table in index order under an `ACCESS EXCLUSIVE` lock.
    Cluster,
    /// `REINDEX TABLE t` / `REINDEX INDEX i`.
    ReindexTable,
    ReindexIndex,
    /// `REINDEX SCHEMA / DATABASE / SYSTEM`.
    ReindexAll,
    /// `ALTER TABLE … SET LOGGED` / `SET UNLOGGED`: rewrites the table.
    SetLogged,
    SetUnlogged,
    /// `ALTER TABLE … DETACH PARTITION p [CONCURRENTLY]` (`table` is the parent).
    DetachPartition,
}

impl Maintenance {
    pub fn describe(self) -> &'static str {
        match self {
            Maintenance::Vacuum => "vacuum",
            Maintenance::VacuumFull => "vacuum full",
            Maintenance::Cluster => "cluster",
            Maintenance::ReindexTable => "reindex table",
            Maintenance::ReindexIndex => "reindex index",
            Maintenance::ReindexAll => "reindex",
            Maintenance::SetLogged => "set logged",
            Maintenance::SetUnlogged => "set unlogged",
            Maintenance::DetachPartition => "detach partition from",
        }
    }
}

/// Why a change could not be judged statically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpaqueKind {
    /// The statement did not parse: a `parse-error` finding already says so.
    Unparsed,
    /// Read, but its effect on the schema is not modelled.
    Unmodelled,
    /// Decided at run time: dynamic SQL, project code.
    Dynamic,
}

impl Op {
    /// A short lower-case description of the operation for listings.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateTable { table, .. } => format!("create table {table}"),
            Op::DropTable { table, .. } => format!("drop table {table}"),
            Op::RenameTable { table, to } => format!("rename table {table} to {to}"),
            Op::AddColumn { table, column, .. } => {
                let mut s = format!("add column {table}.{} {}", column.name, column.ty);
                if !column.nullable {
                    s.push_str(" not null");
                }
                if let Some(d) = &column.default {
                    s.push_str(&format!(" default {d}"));
                }
                s
            }
            Op::DropColumn { table, column, .. } => format!("drop column {table}.{column}"),
            Op::RenameColumn { table, column, to } => {
                format!("rename column {table}.{column} to {to}")
            }
            Op::AlterColumnType {
                table, column, to, ..
            } => format!("change type of {table}.{column} to {to}"),
            Op::SetNotNull { table, column } => format!("set not null on {table}.{column}"),
            Op::DropNotNull { table, column } => format!("drop not null on {table}.{column}"),
            Op::SetDefault { table, column, .. } => format!("set default on {table}.{column}"),
            Op::DropDefault { table, column } => format!("drop default on {table}.{column}"),
            Op::AddConstraint { table, constraint } => {
                let mut s = format!("add {} on {table}", constraint.kind.describe());
                if !constraint.columns.is_empty() {
                    s.push_str(&format!(" ({})", constraint.columns.join(", ")));
                }
                if constraint.not_valid {
                    s.push_str(" not valid");
                }
                s
            }
            Op::DropConstraint { table, name, .. } => {
                format!("drop constraint {name} on {table}")
            }
            Op::RenameConstraint { table, name, to } => {
                format!("rename constraint {name} on {table} to {to}")
            }
            Op::ValidateConstraint { table, name } => {
                format!("validate constraint {name} on {table}")
            }
            Op::CreateIndex(ix) => format!(
                "create {}index {}on {} ({})",
                if ix.unique { "unique " } else { "" },
                ix.name
                    .as_ref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default(),
                ix.table,
                ix.columns.join(", ")
            ),
            Op::DropIndex { name, .. } => format!("drop index {name}"),
            Op::RenameIndex { name, to } => format!("rename index {name} to {to}"),
            Op::CreateView {
                name, materialized, ..
            } => format!("create {}view {name}", mat(*materialized)),
            Op::DropView {
                name, materialized, ..
            } => format!("drop {}view {name}", mat(*materialized)),
            Op::RenameView {
                name,
                to,
                materialized,
            } => format!("rename {}view {name} to {to}", mat(*materialized)),
            Op::CreateEnum { name, .. } => format!("create enum type {name}"),
            Op::AddEnumValue { name, value } => format!("add value '{value}' to enum {name}"),
            Op::RenameEnumValue { name, from, to } => {
                format!("rename value '{from}' of enum {name} to '{to}'")
            }
            Op::DropType { name, .. } => format!("drop type {name}"),
            Op::RenameType { name, to } => format!("rename type {name} to {to}"),
            Op::CreateSequence { name, .. } => format!("create sequence {name}"),
            Op::DropSequence { name, .. } => format!("drop sequence {name}"),
            Op::RenameSequence { name, to } => format!("rename sequence {name} to {to}"),
            Op::CreateFunction {
                name, signature, ..
            } => format!("create {} {}", signature.kind(), signature.display(name)),
            Op::DropFunction {
                name, procedure, ..
            } => format!("drop {} {name}", routine(*procedure)),
            Op::RenameFunction {
                name,
                procedure,
                to,
                ..
            } => format!("rename {} {name} to {to}", routine(*procedure)),
            Op::SetSchema { name, schema, .. } => format!("move {name} to schema {schema}"),
            Op::DataChange { kind, table } => {
                let verb = match kind {
                    DataChangeKind::Insert => "insert into",
                    DataChangeKind::Update => "update",
                    DataChangeKind::Delete => "delete from",
                    DataChangeKind::Truncate => "truncate",
                    DataChangeKind::Copy => "copy",
                    DataChangeKind::Other => "data change",
                };
                match table {
                    Some(t) => format!("{verb} {t}"),
                    None => verb.to_string(),
                }
            }
            Op::Neutral { what } => what.clone(),
            Op::Setting { name, value } => format!("set {name} = {value}"),
            Op::Maintenance {
                command,
                table,
                concurrently,
            } => {
                let mut s = command.describe().to_string();
                if *concurrently {
                    s.push_str(" concurrently");
                }
                if let Some(t) = table {
                    s.push_str(&format!(" {t}"));
                }
                s
            }
            Op::Opaque { reason, .. } => format!("not understood: {reason}"),
        }
    }
}

impl Op {
    /// A change whose effect is not modelled.
    pub fn unmodelled(reason: impl Into<String>) -> Op {
        Op::Opaque {
            kind: OpaqueKind::Unmodelled,
            reason: reason.into(),
        }
    }
    /// A change decided at run time (dynamic SQL, project code).
    pub fn dynamic(reason: impl Into<String>) -> Op {
        Op::Opaque {
            kind: OpaqueKind::Dynamic,
            reason: reason.into(),
        }
    }
    /// A statement that did not parse (`message` is the parser's).
    pub fn unparsed(message: impl std::fmt::Display) -> Op {
        Op::Opaque {
            kind: OpaqueKind::Unparsed,
            reason: format!("statement did not parse: {message}"),
        }
    }
    /// Whether this is a statement that did not parse.
    pub fn is_unparsed(&self) -> bool {
        matches!(
            self,
            Op::Opaque {
                kind: OpaqueKind::Unparsed,
                ..
            }
        )
    }
}

fn routine(procedure: bool) -> &'static str {
    if procedure { "procedure" } else { "function" }
}

fn mat(materialized: bool) -> &'static str {
    if materialized { "materialized " } else { "" }
}

/// `compat: breaking (reason: …; approved-by: @handle)` written on or above a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    /// The span of the comment itself.
    pub span: Span,
    /// The reason text; `None` when missing or empty.
    pub reason: Option<String>,
    /// The handles the signoff names, as written (`@user`, `@org/team`); empty: no signoff.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approved_by: Vec<String>,
}

/// One statement or operation of a migration, which may produce several changes (an
/// `ALTER TABLE` with several actions). Overrides apply to a whole statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub span: Span,
    /// Index into [`Migration::overrides`] of the override that applies to this statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_index: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub op: Op,
    /// The precise location of this change (an action inside an `ALTER TABLE`).
    pub span: Span,
    /// Index into [`Migration::statements`].
    pub statement: usize,
}

/// What rolling this migration back would take.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Downgrade {
    /// No downgrade is known (e.g. a Flyway versioned migration without an undo file).
    Absent,
    /// A downgrade exists but does nothing.
    Empty,
    /// The downgrade deliberately refuses (raises, `RunPython` without `reverse_code`).
    Irreversible,
    /// A downgrade exists; `changes` are its parsed operations.
    Present {
        #[serde(skip)]
        path: Option<PathBuf>,
        #[serde(skip)]
        changes: Vec<Op>,
    },
}

impl Downgrade {
    /// The kind's name, as the JSON output spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Downgrade::Absent => "absent",
            Downgrade::Empty => "empty",
            Downgrade::Irreversible => "irreversible",
            Downgrade::Present { .. } => "present",
        }
    }
}

/// A problem found while reading a file, before any rule runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseIssue {
    pub span: Span,
    pub message: String,
}

/// A migration, as any frontend reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    /// Stable identity across git revisions: the SQL version, Alembic revision, or Django
    /// `app.name`.
    pub id: String,
    /// Human name, e.g. the file stem.
    pub name: String,
    pub framework: Framework,
    pub dialect: Dialect,
    /// Path relative to the project root, with `/` separators.
    pub path: String,
    /// The history this migration belongs to (one per SQL folder/engine, Alembic env, Django
    /// project); migrations of different histories never see each other's schema.
    pub history: String,
    pub parents: Vec<String>,
    /// Ids of the migrations this one stands for (a Django squash's `replaces`): a database that
    /// applied all of them has this one applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    pub statements: Vec<Statement>,
    pub changes: Vec<Change>,
    pub overrides: Vec<Override>,
    pub downgrade: Downgrade,
    pub issues: Vec<ParseIssue>,
    /// Problems with this migration's place in its graph (duplicate id, missing parent, cycle).
    pub graph_issues: Vec<ParseIssue>,
    /// Where the migration states its id (Alembic `revision = …`), for graph findings.
    pub id_span: Span,
    /// Repeatable migrations (Flyway `R__`) run after versioned ones whenever they change.
    pub repeatable: bool,
    /// A baseline: a schema dump or Flyway `B…` script, the whole schema at its version (what
    /// it creates is the starting point, not a change the previous version meets).
    pub baseline: bool,
    /// How the tool that applies it wraps it in a transaction (see [`Migration::in_transaction`]).
    pub transaction: Transaction,
    /// Statements the tool runs outside its transaction (Alembic's `autocommit_block()`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_transaction: Vec<usize>,
    #[serde(skip)]
    pub source: Arc<str>,
}

impl Migration {
    pub fn new(id: String, path: String, framework: Framework, source: Arc<str>) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path.as_str()).to_string();
        Migration {
            id,
            name,
            framework,
            dialect: Dialect::Postgres,
            path,
            history: String::new(),
            parents: Vec::new(),
            replaces: Vec::new(),
            statements: Vec::new(),
            changes: Vec::new(),
            overrides: Vec::new(),
            downgrade: Downgrade::Absent,
            issues: Vec::new(),
            graph_issues: Vec::new(),
            id_span: Span::default(),
            repeatable: false,
            baseline: false,
            transaction: Transaction::Unknown,
            outside_transaction: Vec::new(),
            source,
        }
    }

    /// The override that applies to change `index`, if any.
    pub fn override_for(&self, change: &Change) -> Option<(usize, &Override)> {
        let i = self.statements.get(change.statement)?.override_index?;
        self.overrides.get(i).map(|o| (i, o))
    }
}
