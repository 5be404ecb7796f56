use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "rename-column",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "renames a column the previous app version uses by its old name",
    help: "add the new column, write both and backfill, switch reads to the new column, and \
           drop the old one in a later release",
    doc: include_str!("../../rules/rename-column.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        if replaced.is_some() {
            continue;
        }
        for col in &before.columns {
            if after
                .column(&col.def.name)
                .is_some_and(|c| c.id == col.id)
            {
                continue;
            }
            let Some(now) = after.column_by_id(col.id) else {
                continue;
            };
            let at = cx.first_event(
                |k| matches!(k, EventKind::ColumnRenamed { column, .. } if *column == col.id),
            );
            let Some(at) = at else { continue };
            let object = format!("{}.{}", before.name, col.def.name);
            out.push(Breakage {
                rule: super::Rule::RenameColumn,
                at,
                object: object.clone(),
                message: format!(
                    "column {} is renamed to {}",
                    q(&object),
                    q(&now.def.name)
                ),
                impact: format!("reads and writes column {}", q(&object)),
            });
        }
    }
}
