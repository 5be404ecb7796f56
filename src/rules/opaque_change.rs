use super::{Diagnostic, Group, Rule, RuleMeta, Severity};
use crate::model::{Migration, Op, OpaqueKind};

pub const META: RuleMeta = RuleMeta {
    name: "opaque-change",
    group: Group::Opaque,
    severity: Severity::Warning,
    summary: "a change rollsafe cannot understand statically: review it by hand",
    help: "write the DDL as plain statements rollsafe can read, or review it and acknowledge \
           with `compat: breaking (reason: …)` if it breaks the previous version",
    doc: include_str!("../../rules/opaque-change.md"),
};

/// Every change rollsafe could not judge, except statements that did not parse (those are
/// `parse-error` findings already).
pub fn check(m: &Migration, out: &mut Vec<Diagnostic>) {
    // A schema dump is the starting point: what it cannot show is no change old code meets.
    if m.baseline {
        return;
    }
    for (ci, c) in m.changes.iter().enumerate() {
        if let Op::Opaque { reason, kind } = &c.op
            && *kind != OpaqueKind::Unparsed
        {
            let mut d = Diagnostic::at(
                Rule::OpaqueChange,
                c.span,
                format!("cannot be judged statically: {reason}"),
            );
            d.change = Some(ci);
            out.push(d);
        }
    }
}
