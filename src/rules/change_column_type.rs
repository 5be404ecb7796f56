use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison, is_widening};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "change-column-type",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "changes a column to a narrower or incompatible type",
    help: "add a new column of the new type, write both and backfill, switch reads, then drop \
           the old column in a later release; widening (varchar(n) to a larger n or text, int \
           to bigint) is safe",
    doc: include_str!("../../rules/change-column-type.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        for col in &before.columns {
            let Some(now) = cx.same_column(col, after, replaced) else {
                continue;
            };
            if is_widening(&col.def.ty, &now.def.ty) {
                continue;
            }
            let at = cx
                .last_event(
                    |k| matches!(k, EventKind::ColumnTypeChanged { column, .. } if *column == now.id),
                )
                .or_else(|| cx.replacement_origin(col, now))
                .or(replaced);
            let Some(at) = at else { continue };
            let object = format!("{}.{}", before.name, col.def.name);
            let message = if col.def.ty.is_unknown() {
                format!(
                    "column {} changes type to {} (its previous type is unknown to rollsafe)",
                    q(&object),
                    now.def.ty
                )
            } else {
                format!(
                    "column {} changes type from {} to {}",
                    q(&object),
                    col.def.ty,
                    now.def.ty
                )
            };
            out.push(Breakage {
                rule: super::Rule::ChangeColumnType,
                at,
                object: object.clone(),
                message,
                impact: format!("reads and writes column {} as {}", q(&object), col.def.ty),
            });
        }
    }
}
