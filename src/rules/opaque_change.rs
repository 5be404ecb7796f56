use super::{Group, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "opaque-change",
    group: Group::Opaque,
    severity: Severity::Warning,
    summary: "a change rollsafe cannot understand statically: review it by hand",
    help: "write the DDL as plain statements rollsafe can read, or review it and acknowledge \
           with `compat: breaking (reason: …)` if it breaks the previous version",
    doc: include_str!("../../rules/opaque-change.md"),
};
