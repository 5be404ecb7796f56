use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "set-not-null",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "makes an existing nullable column NOT NULL",
    help: "release code that always writes the column and backfill NULLs first; then add \
           `CHECK (col IS NOT NULL) NOT VALID`, validate it, and set NOT NULL in a later release",
    doc: include_str!("../../rules/set-not-null.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        for col in &before.columns {
            let Some(now) = cx.same_column(col, after, replaced) else {
                continue;
            };
            if !col.def.nullable || now.def.nullable {
                continue;
            }
            let at = cx
                .last_event(|k| matches!(k, EventKind::NotNullSet { column } if *column == now.id))
                .or_else(|| cx.replacement_origin(col, now))
                .or(replaced);
            let Some(at) = at else { continue };
            let object = format!("{}.{}", before.name, col.def.name);
            out.push(Breakage {
                rule: super::Rule::SetNotNull,
                at,
                object: object.clone(),
                message: format!("column {} becomes NOT NULL", q(&object)),
                impact: format!("writes NULL into column {}", q(&object)),
            });
        }
    }
}
