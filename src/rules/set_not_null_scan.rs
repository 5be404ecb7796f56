use super::lock_context::{LockContext, table_q};
use super::{Diagnostic, Group, Rule, RuleMeta, Severity, q};
use crate::model::Op;

pub const META: RuleMeta = RuleMeta {
    name: "set-not-null-scan",
    group: Group::Lock,
    severity: Severity::Warning,
    summary: "SET NOT NULL on an existing column without a validated CHECK (col IS NOT NULL): a full scan under an ACCESS EXCLUSIVE lock",
    help: "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, \
           then SET NOT NULL (PostgreSQL 12 and later skip the scan) and drop the check",
    doc: include_str!("../../rules/set-not-null-scan.md"),
};

pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    for (ci, c, facts) in cx.on_existing_tables() {
        let (Op::SetNotNull { table, column }, Some((_, mode))) = (&c.op, &facts.lock) else {
            continue;
        };
        if facts.not_null_checked && cx.postgres.version >= 12 {
            continue;
        }
        let why = if facts.not_null_checked {
            format!(
                "; PostgreSQL {} does not use the check to skip it (12 and later do)",
                cx.postgres.version
            )
        } else {
            String::new()
        };
        out.push(cx.diagnostic(
            Rule::SetNotNullScan,
            ci,
            format!(
                "column {} becomes NOT NULL by scanning every row of {}{why}",
                q(format!("{table}.{column}")),
                table_q(table)
            ),
            format!(
                "holds an {mode} lock on {} during the scan: {} of {} wait",
                table_q(table),
                mode.blocks(),
                table_q(table)
            ),
        ));
    }
}
