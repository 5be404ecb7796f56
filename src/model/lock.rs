//! What an operation does to a live PostgreSQL database while it runs: the table lock it takes,
//! and whether the tool that applies the migration runs it inside a transaction.

use super::{ConstraintKind, Maintenance, Migration, Op, QualifiedName};
use serde::Serialize;
use std::fmt;

/// PostgreSQL's table lock modes, weakest first (the ones migrations take).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LockMode {
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
}

impl LockMode {
    /// The name `pg_locks.mode` gives it.
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// `a SHARE` / `an ACCESS EXCLUSIVE`.
    pub fn with_article(self) -> String {
        let article = match self {
            LockMode::RowExclusive | LockMode::AccessExclusive => "an",
            _ => "a",
        };
        format!("{article} {self}")
    }

    /// What the application cannot do on the table while it is held.
    pub fn blocks(self) -> &'static str {
        match self {
            LockMode::RowExclusive | LockMode::ShareUpdateExclusive => "schema changes",
            LockMode::Share | LockMode::ShareRowExclusive => "writes",
            LockMode::AccessExclusive => "reads and writes",
        }
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        })
    }
}

impl Op {
    /// The table an operation locks and the lock it takes there (PostgreSQL), when it works on
    /// one table. `DROP INDEX` names an index: the caller resolves its table.
    pub fn table_lock(&self) -> Option<(Option<&QualifiedName>, LockMode)> {
        use LockMode::*;
        let (table, mode) = match self {
            Op::CreateIndex(ix) => (
                Some(&ix.table),
                if ix.concurrently {
                    ShareUpdateExclusive
                } else {
                    Share
                },
            ),
            Op::DropIndex { concurrently, .. } => (
                None,
                if *concurrently {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                },
            ),
            Op::AddConstraint { table, constraint } => (
                Some(table),
                match constraint.kind {
                    ConstraintKind::ForeignKey => ShareRowExclusive,
                    _ => AccessExclusive,
                },
            ),
            Op::ValidateConstraint { table, .. } => (Some(table), ShareUpdateExclusive),
            Op::DropTable { table, .. }
            | Op::RenameTable { table, .. }
            | Op::AddColumn { table, .. }
            | Op::DropColumn { table, .. }
            | Op::RenameColumn { table, .. }
            | Op::AlterColumnType { table, .. }
            | Op::SetNotNull { table, .. }
            | Op::DropNotNull { table, .. }
            | Op::SetDefault { table, .. }
            | Op::DropDefault { table, .. }
            | Op::DropConstraint { table, .. }
            | Op::RenameConstraint { table, .. } => (Some(table), AccessExclusive),
            Op::SetSchema {
                kind: super::ObjectKind::Table,
                name,
                ..
            } => (Some(name), AccessExclusive),
            Op::DataChange {
                kind: super::DataChangeKind::Truncate,
                table: Some(table),
            } => (Some(table), AccessExclusive),
            Op::Maintenance {
                command,
                table: Some(table),
                concurrently,
            } => (
                Some(table),
                match (command, concurrently) {
                    (_, true) => ShareUpdateExclusive,
                    (Maintenance::Vacuum, _) => ShareUpdateExclusive,
                    (Maintenance::ReindexTable | Maintenance::ReindexIndex, _) => Share,
                    _ => AccessExclusive,
                },
            ),
            _ => return None,
        };
        Some((table, mode))
    }

    /// Whether PostgreSQL refuses to run it inside a transaction block.
    pub fn needs_autocommit(&self) -> bool {
        match self {
            Op::CreateIndex(ix) => ix.concurrently,
            Op::DropIndex { concurrently, .. } => *concurrently,
            Op::Maintenance {
                command,
                concurrently,
                ..
            } => {
                *concurrently
                    || matches!(
                        command,
                        Maintenance::Vacuum | Maintenance::VacuumFull | Maintenance::ReindexAll
                    )
            }
            _ => false,
        }
    }

    /// Whether Flyway recognises the statement as one that cannot run in a transaction (its
    /// PostgreSQL parser knows `CREATE/DROP INDEX CONCURRENTLY`, `VACUUM` and `REINDEX
    /// SCHEMA/DATABASE/SYSTEM`, not `REINDEX … CONCURRENTLY` of a table or `DETACH PARTITION …
    /// CONCURRENTLY`).
    fn flyway_detects_non_transactional(&self) -> bool {
        match self {
            Op::CreateIndex(ix) => ix.concurrently,
            Op::DropIndex { concurrently, .. } => *concurrently,
            Op::Maintenance { command, .. } => matches!(
                command,
                Maintenance::Vacuum | Maintenance::VacuumFull | Maintenance::ReindexAll
            ),
            _ => false,
        }
    }
}

/// How the tool that applies a migration wraps it in a transaction, as the frontend tells from
/// the framework, the file layout and the project's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transaction {
    /// The tool is not known (a plain SQL file, `psql -f`): each statement on its own.
    #[default]
    Unknown,
    /// The whole migration runs in one transaction the tool opens; `by` says who and why.
    Wrapped { by: String },
    /// The tool runs it outside any transaction; `by` says why.
    Autocommit { by: String },
    /// Flyway: in one transaction, unless every statement is one Flyway knows cannot run in
    /// one (then none); mixing both is refused unless `mixed` is set, which runs the script
    /// without a transaction. `execute_in_transaction` is the script's `.conf` setting.
    Flyway {
        mixed: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        execute_in_transaction: Option<bool>,
    },
    /// The file is sent as one query (golang-migrate, Prisma): PostgreSQL runs a query of
    /// several statements in one implicit transaction. `by` names the tool.
    OneQuery { by: String },
}

impl Migration {
    /// Why the statement runs inside a transaction block, or why the tool refuses to run it,
    /// when it does: `None` when it runs on its own.
    pub fn in_transaction(&self, statement: usize) -> Option<String> {
        if self.outside_transaction.contains(&statement) {
            return None;
        }
        let statements_with_ops = || {
            let mut seen: Vec<usize> = self.changes.iter().map(|c| c.statement).collect();
            seen.dedup();
            seen
        };
        match &self.transaction {
            Transaction::Unknown | Transaction::Autocommit { .. } => None,
            Transaction::Wrapped { by } => Some(by.clone()),
            Transaction::OneQuery { by } => {
                let n = statements_with_ops().len();
                (n > 1).then(|| {
                    format!(
                        "{by} sends the file as one query of {n} statements, which PostgreSQL \
                         runs in one implicit transaction"
                    )
                })
            }
            Transaction::Flyway {
                mixed,
                execute_in_transaction,
            } => match execute_in_transaction {
                Some(true) => {
                    Some("its Flyway script configuration sets executeInTransaction=true".into())
                }
                Some(false) => None,
                None => self.flyway_transaction(*mixed, statements_with_ops()),
            },
        }
    }

    /// Flyway's own decision for a script whose configuration says nothing.
    fn flyway_transaction(&self, mixed: bool, statements: Vec<usize>) -> Option<String> {
        let detected = |s: usize| {
            self.changes
                .iter()
                .filter(|c| c.statement == s)
                .all(|c| c.op.flyway_detects_non_transactional())
        };
        let non_tx = statements.iter().filter(|&&s| detected(s)).count();
        if non_tx == 0 {
            return Some(
                "Flyway runs the script in a transaction: it does not recognise this statement as \
                 one that cannot run in one"
                    .into(),
            );
        }
        if non_tx == statements.len() || mixed {
            return None;
        }
        Some(format!(
            "Flyway refuses a script that mixes statements that cannot run in a transaction with \
             {} other statement{} unless `mixed` is true (split the script)",
            statements.len() - non_tx,
            if statements.len() - non_tx == 1 {
                ""
            } else {
                "s"
            }
        ))
    }
}
