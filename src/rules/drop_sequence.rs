use super::Breakage;
use super::{Group, RuleMeta, Severity, q};
use crate::compare::Comparison;
use crate::schema::EventKind;

pub const META: RuleMeta = RuleMeta {
    name: "drop-sequence",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops or renames a sequence the previous app version calls (`nextval`)",
    help: "stop calling the sequence in one release (a column default or identity instead) and \
           drop it in a later one",
    doc: include_str!("../../rules/drop-sequence.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.sequences.values() {
        if cx.after.sequences.contains_key(&before.name) {
            continue;
        }
        let gone = cx.events.iter().find_map(|e| match &e.kind {
            EventKind::SequenceDropped { name } if *name == before.name => {
                Some((e.at, "dropped".to_string()))
            }
            EventKind::SequenceRenamed { from, to } if *from == before.name => {
                Some((e.at, format!("renamed to {}", q(to))))
            }
            _ => None,
        });
        let Some((at, how)) = gone else { continue };
        let note = if before.assumed {
            super::NEVER_CREATED
        } else {
            ""
        };
        out.push(Breakage {
            rule: super::Rule::DropSequence,
            at,
            object: before.name.to_string(),
            message: format!("sequence {} is {how}{note}", q(&before.name)),
            impact: format!("calls `nextval('{}')`", before.name),
        });
    }
}
