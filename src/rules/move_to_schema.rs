use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison, TableFate};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "move-to-schema",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "moves a table or view to another schema, out of the previous version's reach",
    help: "add the new schema to the search path or create a view under the old name first; \
           move the object once no deployed version uses the old name",
    doc: include_str!("../../rules/move-to-schema.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.tables.values() {
        if let TableFate::Renamed { to, at } = cx.fate(before)
            && to.name.schema != before.name.schema && to.name.name == before.name.name {
                out.push(Breakage {
                    rule: super::Rule::MoveToSchema,
                    at,
                    object: before.name.to_string(),
                    message: format!("table {} is moved to {}", q(&before.name), q(&to.name)),
                    impact: format!("uses table {}", q(&before.name)),
                });
            }
    }
    for before in cx.before.views.values() {
        if cx.after.views.contains_key(&before.name) {
            continue;
        }
        let moved = cx.first_event(|k| {
            matches!(k, EventKind::ViewRenamed { from, to }
                if *from == before.name && to.name == before.name.name && to.schema != from.schema)
        });
        if let Some(at) = moved {
            out.push(Breakage {
                rule: super::Rule::MoveToSchema,
                at,
                object: before.name.to_string(),
                message: format!("view {} is moved to another schema", q(&before.name)),
                impact: format!("reads view {}", q(&before.name)),
            });
        }
    }
}
