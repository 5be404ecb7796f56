use super::lock_context::LockContext;
use super::{Diagnostic, Group, Rule, RuleMeta, Severity};
use crate::model::{Maintenance, Op};

pub const META: RuleMeta = RuleMeta {
    name: "concurrently-in-transaction",
    group: Group::Lock,
    severity: Severity::Error,
    summary: "CONCURRENTLY (or VACUUM) where the framework runs the migration in a transaction: it fails at deploy time",
    help: "run it outside a transaction: a migration of its own with Django's atomic = False, \
           inside Alembic's op.get_context().autocommit_block(), a Flyway script holding only \
           such statements (or mixed=true), `-- migrate:up transaction:false` for dbmate, one \
           statement per golang-migrate file",
    doc: include_str!("../../rules/concurrently-in-transaction.md"),
};

/// Not skipped for new tables: PostgreSQL refuses the statement whatever the table.
pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    let m = cx.migration;
    for (ci, c) in m.changes.iter().enumerate() {
        if !c.op.needs_autocommit() {
            continue;
        }
        let Some(why) = m.in_transaction(c.statement) else {
            continue;
        };
        let statement = statement_name(&c.op);
        out.push(cx.diagnostic(
            Rule::ConcurrentlyInTransaction,
            ci,
            format!("{statement} cannot run here: {why}"),
            format!(
                "fails the deploy: PostgreSQL refuses it (\"{statement} cannot run inside a \
                 transaction block\")"
            ),
        ));
    }
}

fn statement_name(op: &Op) -> &'static str {
    match op {
        Op::CreateIndex(_) => "CREATE INDEX CONCURRENTLY",
        Op::DropIndex { .. } => "DROP INDEX CONCURRENTLY",
        Op::Maintenance {
            command,
            concurrently,
            ..
        } => match (command, concurrently) {
            (Maintenance::DetachPartition, _) => "ALTER TABLE … DETACH PARTITION … CONCURRENTLY",
            (Maintenance::ReindexAll, false) => "REINDEX SCHEMA/DATABASE/SYSTEM",
            (_, true) => "REINDEX CONCURRENTLY",
            _ => "VACUUM",
        },
        _ => "the statement",
    }
}
