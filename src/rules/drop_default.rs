use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::model::ConstraintKind;
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
            // A nullable column whose default goes, under a check that refuses NULL
            // (`CHECK (c IS NOT NULL)`), is as required as a NOT NULL one.
            let refuses_null = |t: &crate::schema::Table| {
                t.constraints.iter().any(|k| {
                    k.def.kind == ConstraintKind::Check
                        && k.def.columns.contains(&now.def.name)
                        && k.def
                            .expression
                            .as_deref()
                            .is_some_and(crate::expression::check_may_reject_null)
                })
            };
            let required = |c: &crate::schema::Column, t: &crate::schema::Table| {
                c.def.requires_value()
                    || (c.def.default.is_none() && !c.def.generated && refuses_null(t))
            };
            // A column that became NOT NULL is set-not-null's; this is about lost defaults.
            if (col.def.nullable && !refuses_null(after))
                || col.def.default.is_none()
                || required(col, before)
                || !required(now, after)
            {
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
                message: if now.def.nullable {
                    format!(
                        "column {} loses its database default, and a check refuses NULL in it",
                        q(&object)
                    )
                } else {
                    format!("NOT NULL column {} loses its database default", q(&object))
                },
                impact: format!(
                    "inserts rows into {} without a value for {}",
                    q(&before.name),
                    q(&col.def.name)
                ),
            });
        }
    }
}
