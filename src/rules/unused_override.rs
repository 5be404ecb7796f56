use super::{Diagnostic, Group, OverrideContext, Rule, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "unused-override",
    group: Group::Meta,
    severity: Severity::Warning,
    summary: "a `compat: breaking` override that waives nothing",
    help: "remove the override, or move it directly above the statement it is meant for",
    doc: include_str!("../../rules/unused-override.md"),
};

/// Overrides with a reason that cover no finding they could waive (one that lacks only its
/// signoff is `override-without-signoff`'s).
pub fn check(cx: &OverrideContext, out: &mut Vec<Diagnostic>) {
    let m = cx.migration;
    for (oi, o) in m.overrides.iter().enumerate() {
        if o.reason.is_none() || cx.applies.get(oi).copied().unwrap_or(false) {
            continue;
        }
        let attached = m.statements.iter().any(|s| s.override_index == Some(oi));
        let message = if attached {
            "this override waives nothing: the statement it applies to breaks nothing"
        } else {
            "this override waives nothing: no statement starts on the next line or on this line"
        };
        out.push(Diagnostic::at(Rule::UnusedOverride, o.span, message));
    }
}
