use super::{Diagnostic, Group, Rule, RuleMeta, Severity};
use crate::model::Migration;

pub const META: RuleMeta = RuleMeta {
    name: "migration-graph",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a migration whose place in the history is broken: duplicate id, missing parent, cycle",
    help: "fix the revision ids and parents (Alembic `revision` / `down_revision`, Django \
           `dependencies`) so the history is one graph without cycles",
    doc: include_str!("../../rules/migration-graph.md"),
};

/// The migration's place in its graph: duplicate id, missing parent, cycle.
pub fn check(m: &Migration, out: &mut Vec<Diagnostic>) {
    for issue in &m.graph_issues {
        out.push(Diagnostic::at(Rule::MigrationGraph, issue.span, &issue.message));
    }
}
