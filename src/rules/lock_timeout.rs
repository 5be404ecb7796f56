use super::lock_context::{LockContext, table_q};
use super::{Diagnostic, Group, Rule, RuleMeta, Severity};
use crate::model::LockMode;

pub const META: RuleMeta = RuleMeta {
    name: "lock-timeout",
    group: Group::Lock,
    severity: Severity::Warning,
    summary: "a migration takes an ACCESS EXCLUSIVE lock on an existing table without SET lock_timeout before it",
    help: "start the migration with SET lock_timeout = '5s' (and retry the deploy when it \
           times out), or set `lock_timeout` in rollsafe.toml when the migration runner sets it",
    doc: include_str!("../../rules/lock-timeout.md"),
};

/// One finding per migration, at its first ACCESS EXCLUSIVE lock taken without a timeout.
pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    if cx.postgres.lock_timeout.is_some() {
        return;
    }
    let first = cx.on_existing_tables().find(|(_, _, f)| {
        !f.lock_timeout && f.lock.as_ref().is_some_and(|(_, m)| *m == LockMode::AccessExclusive)
    });
    let Some((ci, _, facts)) = first else {
        return;
    };
    let Some((table, mode)) = &facts.lock else {
        return;
    };
    out.push(cx.diagnostic(
        Rule::LockTimeout,
        ci,
        format!(
            "an {mode} lock on {} is requested without SET lock_timeout before it",
            table_q(table)
        ),
        format!(
            "waits for every query on {} to finish, and while it waits every read and write of \
             {} queues behind it",
            table_q(table),
            table_q(table)
        ),
    ));
}
