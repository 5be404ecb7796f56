use super::{Group, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "unused-override",
    group: Group::Meta,
    severity: Severity::Warning,
    summary: "a `compat: breaking` override that waives nothing",
    help: "remove the override, or move it directly above the statement it is meant for",
    doc: include_str!("../../rules/unused-override.md"),
};
