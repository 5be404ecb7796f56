use super::lock_context::{LockContext, table_q};
use super::{Diagnostic, Group, Rule, RuleMeta, Severity, q};
use crate::model::{ConstraintDef, ConstraintKind, LockMode, Op};

pub const META: RuleMeta = RuleMeta {
    name: "constraint-not-valid",
    group: Group::Lock,
    severity: Severity::Warning,
    summary: "a foreign key or check added to an existing table without NOT VALID (a full scan under a lock)",
    help: "add the constraint with NOT VALID (it then checks only new rows, at once), and run \
           ALTER TABLE … VALIDATE CONSTRAINT in a later migration: validating takes a lock that \
           lets reads and writes go on",
    doc: include_str!("../../rules/constraint-not-valid.md"),
};

pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    for (ci, c, facts) in cx.on_existing_tables() {
        let Some((table, mode)) = &facts.lock else {
            continue;
        };
        let (constraints, column): (Vec<&ConstraintDef>, Option<&str>) = match &c.op {
            Op::AddConstraint { constraint, .. } => (vec![constraint], None),
            Op::AddColumn {
                column,
                constraints,
                ..
            } => (constraints.iter().collect(), Some(&column.name)),
            _ => continue,
        };
        for con in constraints {
            if con.not_valid
                || !matches!(con.kind, ConstraintKind::ForeignKey | ConstraintKind::Check)
            {
                continue;
            }
            let what = match &con.name {
                Some(n) => format!("{} {}", con.kind.describe(), q(n)),
                None => con.kind.describe().to_string(),
            };
            let message = match column {
                Some(col) => format!(
                    "column {} is added to {} with a {what}: it is validated at once",
                    q(col),
                    table_q(table)
                ),
                None => format!("{what} is added to {} without NOT VALID", table_q(table)),
            };
            // A foreign key also locks the table it references against writes.
            let lock = if con.kind == ConstraintKind::ForeignKey {
                LockMode::ShareRowExclusive.max(*mode)
            } else {
                *mode
            };
            out.push(cx.diagnostic(
                Rule::ConstraintNotValid,
                ci,
                message,
                format!(
                    "checks every row of {} while holding {} lock: {} of {} wait until it \
                     commits",
                    table_q(table),
                    lock.with_article(),
                    lock.blocks(),
                    table_q(table)
                ),
            ));
        }
    }
}
