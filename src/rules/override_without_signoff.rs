use super::{Diagnostic, Group, OverrideContext, Rule, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    name: "override-without-signoff",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a `compat: breaking` override without the reviewer signoff `[overrides]` asks for \
              waives nothing",
    help: "have an approver of the file review the break and name them: \
           `compat: breaking (reason: …; approved-by: @handle)`",
    doc: include_str!("../../rules/override-without-signoff.md"),
};

/// Overrides with a reason that would waive a finding, but whose signoff the configuration
/// does not accept (`signoff = "declared"` or `"github"`).
pub fn check(cx: &OverrideContext, out: &mut Vec<Diagnostic>) {
    let m = cx.migration;
    for (oi, o) in m.overrides.iter().enumerate() {
        let applies = cx.applies.get(oi).copied().unwrap_or(false);
        let Some(signoff) = cx.signoffs.get(oi) else {
            continue;
        };
        if o.reason.is_none() || !applies || signoff.accepted {
            continue;
        }
        let problem = signoff
            .problem
            .as_deref()
            .unwrap_or("the signoff does not count");
        out.push(Diagnostic::at(
            Rule::OverrideWithoutSignoff,
            o.span,
            format!("this override waives nothing without a reviewer's signoff: {problem}"),
        ));
    }
}
