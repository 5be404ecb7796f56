use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "rename-view",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "renames a view the previous app version reads by its old name",
    help: "create the view under the new name next to the old one, move readers, and drop the \
           old name in a later release",
    doc: include_str!("../../rules/rename-view.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.views.values() {
        if cx.after.views.contains_key(&before.name) {
            continue;
        }
        let renamed = cx.events.iter().find_map(|e| match &e.kind {
            EventKind::ViewRenamed { from, to }
                if *from == before.name && to.schema == from.schema =>
            {
                Some((e.at, to.clone()))
            }
            _ => None,
        });
        let Some((at, to)) = renamed else { continue };
        out.push(Breakage {
            rule: super::Rule::RenameView,
            at,
            object: before.name.to_string(),
            message: format!("view {} is renamed to {}", q(&before.name), q(&to)),
            impact: format!("reads view {}", q(&before.name)),
        });
    }
}
