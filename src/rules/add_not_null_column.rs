use super::{Group, RuleMeta, Severity, q};
use crate::compare::{Breakage, Comparison};

pub const META: RuleMeta = RuleMeta {
    name: "add-not-null-column",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "adds a NOT NULL column without a database default to an existing table",
    help: "give the column a database default (`DEFAULT …`, Alembic `server_default=`, Django \
           `db_default=`), or add it nullable, backfill, and set NOT NULL in a later release",
    doc: include_str!("../../rules/add-not-null-column.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        for col in cx.new_columns(before, after, replaced.is_some()) {
            if !col.def.requires_value() {
                continue;
            }
            let Some(at) = cx.column_origin(after, col, replaced) else {
                continue;
            };
            let object = format!("{}.{}", before.name, col.def.name);
            out.push(Breakage {
                rule: super::Rule::AddNotNullColumn,
                at,
                object: object.clone(),
                message: format!(
                    "column {} is NOT NULL without a database default on existing table {}",
                    q(&object),
                    q(&before.name)
                ),
                impact: format!(
                    "inserts rows into {} without a value for {}",
                    q(&before.name),
                    q(&col.def.name)
                ),
            });
        }
    }
}
