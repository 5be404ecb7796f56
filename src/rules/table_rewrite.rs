use super::lock_context::{LockContext, table_q};
use super::{Diagnostic, Group, Rule, RuleMeta, Severity, q};
use crate::model::{Maintenance, Op, SqlType};
use crate::schema::{ChangeRef, EventKind};

pub const META: RuleMeta = RuleMeta {
    name: "table-rewrite",
    group: Group::Lock,
    severity: Severity::Warning,
    summary: "a change that rewrites an existing table under an ACCESS EXCLUSIVE lock (a type change that is not binary-coercible, a volatile default, VACUUM FULL, CLUSTER, SET LOGGED/UNLOGGED)",
    help: "add a new column, backfill it in batches and switch to it; add the column without the \
           volatile default and fill it in batches; use pg_repack or pg_squeeze instead of \
           VACUUM FULL and CLUSTER",
    doc: include_str!("../../rules/table-rewrite.md"),
};

pub fn check(cx: &LockContext, out: &mut Vec<Diagnostic>) {
    for (ci, c, facts) in cx.on_existing_tables() {
        let Some((table, mode)) = &facts.lock else {
            continue;
        };
        let Some(message) = rewrite(cx, ci, &c.op) else {
            continue;
        };
        out.push(cx.diagnostic(
            Rule::TableRewrite,
            ci,
            message,
            format!(
                "copies every row of {} (and rebuilds its indexes) under an {mode} lock: {} of {} \
                 wait until it commits, and the table needs twice its disk space meanwhile",
                table_q(table),
                mode.blocks(),
                table_q(table)
            ),
        ));
    }
}

/// Why the change rewrites its table, if it does.
fn rewrite(cx: &LockContext, ci: usize, op: &Op) -> Option<String> {
    match op {
        Op::AlterColumnType {
            table,
            column,
            to,
            using,
        } => {
            let at = ChangeRef {
                migration: cx.index,
                change: ci,
            };
            let from = cx.events.iter().find_map(|e| match &e.kind {
                EventKind::ColumnTypeChanged { from, .. } if e.at == at => Some(from),
                _ => None,
            });
            let object = q(format!("{table}.{column}"));
            match from {
                Some(from) if from.is_unknown() => Some(format!(
                    "column {object} changes type to {to}: its type before is not known, so it \
                     may rewrite the table"
                )),
                Some(from) if *using && from != to => Some(format!(
                    "column {object} changes type from {from} to {to} with USING: every value is \
                     converted, which rewrites the table"
                )),
                Some(from) if !binary_coercible(from, to) => Some(format!(
                    "column {object} changes type from {from} to {to}, which is not \
                     binary-coercible: the table is rewritten"
                )),
                Some(_) => None,
                None => Some(format!(
                    "column {object} changes type to {to}: it may rewrite the table"
                )),
            }
        }
        Op::AddColumn { column, .. } => {
            let object = q(&column.name);
            if column.generated {
                Some(format!(
                    "column {object} is added as a generated or identity column: every row gets \
                     its value, which rewrites the table"
                ))
            } else if column.volatile_default {
                Some(format!(
                    "column {object} is added with a volatile default ({}): every row gets its own \
                     value, which rewrites the table",
                    column.default.as_deref().unwrap_or("?")
                ))
            } else if cx.postgres.version < 11
                && column
                    .default
                    .as_deref()
                    .is_some_and(|d| !d.trim().eq_ignore_ascii_case("null"))
            {
                Some(format!(
                    "column {object} is added with a default: PostgreSQL {} writes it into every \
                     row, which rewrites the table (11 and later store a constant default \
                     without a rewrite)",
                    cx.postgres.version
                ))
            } else {
                None
            }
        }
        Op::Maintenance { command, .. } => match command {
            Maintenance::VacuumFull => Some("VACUUM FULL rewrites the table".into()),
            Maintenance::Cluster => Some("CLUSTER rewrites the table in index order".into()),
            Maintenance::SetLogged | Maintenance::SetUnlogged => Some(format!(
                "{} rewrites the table",
                command.describe().to_uppercase()
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Whether PostgreSQL changes the type without touching the rows: the same type, a longer or
/// unlimited `varchar`/`varbit`, `varchar` to `text`, more `numeric` precision at the same
/// scale, more fractional-second precision, `cidr` to `inet`.
fn binary_coercible(from: &SqlType, to: &SqlType) -> bool {
    if from == to {
        return true;
    }
    if from.array != to.array {
        return false;
    }
    let (fa, ta) = (from.args.first().copied(), to.args.first().copied());
    let longer = match (fa, ta) {
        (_, None) => true,
        (Some(a), Some(b)) => b >= a,
        (None, Some(_)) => false,
    };
    match (from.base.as_str(), to.base.as_str()) {
        ("varchar", "varchar") | ("varbit", "varbit") => longer,
        ("varchar", "text") | ("text", "varchar") => to.args.is_empty(),
        ("numeric", "numeric") => match (from.args.as_slice(), to.args.as_slice()) {
            (_, []) => true,
            ([fp, fs @ ..], [tp, ts @ ..]) => fs == ts && tp >= fp,
            _ => false,
        },
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval") => match (fa, ta) {
            (_, None) => true,
            (Some(a), Some(b)) => b >= a,
            (None, Some(b)) => b >= 6,
        },
        ("cidr", "inet") => true,
        _ => false,
    }
}
