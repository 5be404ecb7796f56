use super::{Group, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "migration-graph",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a migration whose place in the history is broken: duplicate id, missing parent, cycle",
    help: "fix the revision ids and parents (Alembic `revision` / `down_revision`, Django \
           `dependencies`) so the history is one graph without cycles",
    doc: include_str!("../../rules/migration-graph.md"),
};
