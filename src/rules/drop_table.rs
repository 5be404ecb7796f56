use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison, TableFate};

pub const META: RuleMeta = RuleMeta {
    name: "drop-table",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "drops a table the previous app version still uses",
    help: "stop using the table in one release, deploy it everywhere, then drop it in a later \
           release with `compat: breaking (reason: …)`",
    doc: include_str!("../../rules/drop-table.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.tables.values() {
        if let TableFate::Dropped(at) = cx.fate(before) {
            out.push(Breakage {
                rule: super::Rule::DropTable,
                at,
                object: before.name.to_string(),
                message: format!(
                    "table {} is dropped{}",
                    q(&before.name),
                    if before.partial { super::NEVER_CREATED } else { "" }
                ),
                impact: format!("reads and writes table {}", q(&before.name)),
            });
        }
    }
}
