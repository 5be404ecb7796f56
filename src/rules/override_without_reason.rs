use super::{Group, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "override-without-reason",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a `compat: breaking` override without a reason waives nothing",
    help: "say why breaking the previous version is acceptable: \
           `compat: breaking (reason: <why the old version no longer needs this>)`",
    doc: include_str!("../../rules/override-without-reason.md"),
};
