use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "drop-column",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops a column the previous app version still reads or writes",
    help: "release code that no longer reads or writes the column first (Django: \
           SeparateDatabaseAndState; SQLAlchemy: deferred/removed attribute), deploy it \
           everywhere, then drop the column in a later release with `compat: breaking (reason: …)`",
    doc: include_str!("../../rules/drop-column.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        for col in &before.columns {
            // Same name, same column (in a rebuilt table, any column of that name).
            let namesake = after.column(&col.def.name);
            if namesake.is_some_and(|c| replaced.is_some() || c.id == col.id) {
                continue;
            }
            let object = format!("{}.{}", before.name, col.def.name);
            let at = if replaced.is_none() {
                if after.column_by_id(col.id).is_some() {
                    continue; // renamed: rename-column
                }
                cx.first_event(
                    |k| matches!(k, EventKind::ColumnDropped { column, .. } if *column == col.id),
                )
            } else {
                replaced
            };
            let Some(at) = at else { continue };
            let message = if replaced.is_some() {
                format!(
                    "table {} is rebuilt without column {}",
                    q(&before.name),
                    q(&col.def.name)
                )
            } else if namesake.is_some() {
                format!(
                    "column {} is dropped, and a new, empty column takes its name",
                    q(&object)
                )
            } else {
                format!(
                    "column {} is dropped{}",
                    q(&object),
                    if col.assumed { super::NEVER_CREATED } else { "" }
                )
            };
            out.push(Breakage {
                rule: super::Rule::DropColumn,
                at,
                object: object.clone(),
                message,
                impact: format!("reads and writes column {}", q(&object)),
            });
        }
    }
}
