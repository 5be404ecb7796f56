use super::lock_context::{LockContext, table_q};
use super::{Diagnostic, Group, Rule, RuleMeta, Severity, q};
use crate::model::{ConstraintDef, ConstraintKind, Op};

pub const META: RuleMeta = RuleMeta {
    name: "require-concurrent-index",
    group: Group::Lock,
    severity: Severity::Warning,
    summary: "an index built or dropped on an existing table without CONCURRENTLY (also the index of a new primary key or unique constraint)",
    help: "use CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY (for a key: build the \
           unique index CONCURRENTLY, then ADD CONSTRAINT … USING INDEX), in a migration that runs \
           outside a transaction (Django: AddIndexConcurrently with atomic = False; Alembic: \
           postgresql_concurrently=True inside autocommit_block())",
    doc: include_str!("../../rules/require-concurrent-index.md"),
};

pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    for (ci, c, facts) in cx.on_existing_tables() {
        let Some((table, mode)) = &facts.lock else {
            continue;
        };
        let message = match &c.op {
            Op::CreateIndex(ix) if !ix.concurrently => format!(
                "{}index {}is built on {} without CONCURRENTLY",
                if ix.unique { "unique " } else { "" },
                ix.name.as_ref().map(|n| format!("{} ", q(n))).unwrap_or_default(),
                table_q(table)
            ),
            Op::DropIndex {
                name,
                concurrently: false,
                ..
            } => format!("index {} is dropped without CONCURRENTLY", q(name)),
            Op::AddConstraint { constraint, .. } if builds_index(constraint) => format!(
                "{} builds its index on {} without CONCURRENTLY",
                what(constraint),
                table_q(table)
            ),
            Op::AddColumn {
                column,
                constraints,
                ..
            } if constraints.iter().any(builds_index) => format!(
                "column {} is added to {} with a {}: its index is built without CONCURRENTLY",
                q(&column.name),
                table_q(table),
                constraints
                    .iter()
                    .find(|c| builds_index(c))
                    .map_or("key", |c| c.kind.describe())
            ),
            _ => continue,
        };
        out.push(cx.diagnostic(
            Rule::RequireConcurrentIndex,
            ci,
            message,
            format!(
                "holds {} lock on {} until it commits: {} of {} wait",
                mode.with_article(),
                table_q(table),
                mode.blocks(),
                table_q(table)
            ),
        ));
    }
}

/// A primary key or unique constraint that builds its own index (not `USING INDEX`, which
/// adopts one built `CONCURRENTLY` before).
fn builds_index(c: &ConstraintDef) -> bool {
    matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) && c.using_index.is_none()
}

fn what(c: &ConstraintDef) -> String {
    match &c.name {
        Some(n) => format!("{} {}", c.kind.describe(), q(n)),
        None => c.kind.describe().to_string(),
    }
}
