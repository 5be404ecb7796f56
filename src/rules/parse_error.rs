use super::{Group, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "parse-error",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a migration file that cannot be read or parsed",
    help: "fix the file; rollsafe still checks every other file",
    doc: include_str!("../../rules/parse-error.md"),
};
