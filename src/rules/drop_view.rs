use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "drop-view",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops a view the previous app version reads",
    help: "stop reading the view in one release and drop it in a later one; to change a view, \
           `CREATE OR REPLACE VIEW` keeping its columns",
    doc: include_str!("../../rules/drop-view.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.views.values() {
        if cx.after.views.contains_key(&before.name) {
            continue;
        }
        let renamed = cx.first_event(
            |k| matches!(k, EventKind::ViewRenamed { from, .. } if *from == before.name),
        );
        if renamed.is_some() {
            continue;
        }
        let at = cx.first_event(
            |k| matches!(k, EventKind::ViewDropped { name } if *name == before.name),
        );
        let Some(at) = at else { continue };
        out.push(Breakage {
            rule: super::Rule::DropView,
            at,
            object: before.name.to_string(),
            message: format!(
                "view {} is dropped{}",
                q(&before.name),
                if before.assumed { super::NEVER_CREATED } else { "" }
            ),
            impact: format!("reads view {}", q(&before.name)),
        });
    }
}
