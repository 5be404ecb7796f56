use super::{Group, RuleMeta, Severity, q};
use crate::compare::{Breakage, Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "drop-default",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops the database default of a NOT NULL column",
    help: "keep the default until no deployed version omits the column on insert",
    doc: include_str!("../../rules/drop-default.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        for col in &before.columns {
            let Some(now) = cx.same_column(col, after, replaced) else {
                continue;
            };
            // A column that became NOT NULL is set-not-null's; this is about lost defaults.
            if col.def.nullable || col.def.requires_value() || !now.def.requires_value() {
                continue;
            }
            let at = cx
                .last_event(
                    |k| matches!(k, EventKind::DefaultDropped { column } if *column == now.id),
                )
                .or_else(|| cx.replacement_origin(col, now))
                .or(replaced);
            let Some(at) = at else { continue };
            let object = format!("{}.{}", before.name, col.def.name);
            out.push(Breakage {
                rule: super::Rule::DropDefault,
                at,
                object: object.clone(),
                message: format!(
                    "NOT NULL column {} loses its database default",
                    q(&object)
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
