use super::{Diagnostic, Group, Rule, RuleMeta, Severity};
use crate::model::Migration;

pub const META: RuleMeta = RuleMeta {
    name: "parse-error",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a migration file that cannot be read or parsed",
    help: "fix the file; rollsafe still checks every other file",
    doc: include_str!("../../rules/parse-error.md"),
};

/// What could not be read of the file: one finding per problem the frontend recorded.
pub fn check(m: &Migration, out: &mut Vec<Diagnostic>) {
    for issue in &m.issues {
        out.push(Diagnostic::at(Rule::ParseError, issue.span, &issue.message));
    }
}
