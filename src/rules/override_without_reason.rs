use super::{Diagnostic, Group, OverrideContext, Rule, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "override-without-reason",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a `compat: breaking` override without a reason waives nothing",
    help: "say why breaking the previous version is acceptable: \
           `compat: breaking (reason: <why the old version no longer needs this>)`",
    doc: include_str!("../../rules/override-without-reason.md"),
};

/// Overrides that give no reason: they waive nothing.
pub fn check(cx: &OverrideContext, out: &mut Vec<Diagnostic>) {
    for o in cx.migration.overrides.iter().filter(|o| o.reason.is_none()) {
        out.push(Diagnostic::at(
            Rule::OverrideWithoutReason,
            o.span,
            "`compat: breaking` needs a reason: `compat: breaking (reason: …)`; it waives \
             nothing without one",
        ));
    }
}
