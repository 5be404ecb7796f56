use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison, TableFate};

pub const META: RuleMeta = RuleMeta {
    name: "rename-table",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "renames a table the previous app version uses by its old name",
    help: "create the new table (or a view with the new name), make the code use it, and drop \
           the old name only in a later release",
    doc: include_str!("../../rules/rename-table.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for before in cx.before.tables.values() {
        if let TableFate::Renamed { to, at } = cx.fate(before) {
            if to.name.schema != before.name.schema && to.name.name == before.name.name {
                continue; // a move to another schema: move-to-schema
            }
            out.push(Breakage {
                rule: super::Rule::RenameTable,
                at,
                object: before.name.to_string(),
                message: format!("table {} is renamed to {}", q(&before.name), q(&to.name)),
                impact: format!("uses table {}", q(&before.name)),
            });
        }
    }
}
