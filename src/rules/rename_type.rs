use super::Breakage;
use super::{Group, RuleMeta, Severity, q};
use crate::compare::Comparison;
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "rename-type",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "renames a type (or moves it to another schema) the previous app version names",
    help: "keep the old name: create the new type beside the old one and move columns over in \
           steps, or leave the name alone; rename only once no deployed version casts to it",
    doc: include_str!("../../rules/rename-type.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.types.values() {
        if cx.after.types.contains_key(&before.name) {
            continue;
        }
        let renamed = cx.events.iter().find_map(|e| match &e.kind {
            EventKind::TypeRenamed { from, to } if *from == before.name => Some((e.at, to)),
            _ => None,
        });
        let Some((at, to)) = renamed else { continue };
        let what = if before.partial && before.values.is_empty() {
            "type"
        } else {
            "enum type"
        };
        let how = if to.name == before.name.name {
            "moved to"
        } else {
            "renamed to"
        };
        out.push(Breakage {
            rule: super::Rule::RenameType,
            at,
            object: before.name.to_string(),
            message: format!("{what} {} is {how} {}", q(&before.name), q(to)),
            impact: format!(
                "names {what} {} (casts such as `$1::{}`, typed parameters)",
                q(&before.name),
                before.name
            ),
        });
    }
}
