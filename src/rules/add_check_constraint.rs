use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::model::ConstraintKind;

pub const META: RuleMeta = RuleMeta {
    name: "add-check-constraint",
    group: Group::Warning,
    severity: Severity::Warning,
    summary: "adds a CHECK constraint over columns the previous app version writes",
    help: "make sure every deployed version writes only values the check accepts before adding \
           it (`NOT VALID` skips existing rows, not new writes)",
    doc: include_str!("../../rules/add-check-constraint.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    super::defaulted_under(
        cx,
        ConstraintKind::Check,
        super::Rule::AddCheckConstraint,
        "the check now sees the default instead of NULL",
        out,
    );
    for (before, after, replaced) in cx.present_tables() {
        for con in cx.new_constraints(before, after, ConstraintKind::Check) {
            // New columns that writers at `before` leave NULL never trip it (a CHECK that
            // refuses NULL is add-not-null-column's); a default they get may.
            if Comparison::only_new_nullable_columns(before, after, &con.def.columns) {
                continue;
            }
            // `CHECK (c IS NOT NULL)` on a column that was NOT NULL already refuses nothing new.
            if let Some(col) = con.def.expression.as_deref().and_then(crate::expression::is_not_null_check)
                && before.column(&col).is_some_and(|c| !c.def.nullable)
            {
                continue;
            }
            let Some(at) = cx.constraint_origin(after, &con.name, replaced) else {
                continue;
            };
            out.push(Breakage {
                rule: super::Rule::AddCheckConstraint,
                at,
                object: format!("{}.{}", before.name, con.name),
                message: format!(
                    "check constraint {} is added to existing table {}",
                    q(&con.name),
                    q(&before.name)
                ),
                impact: format!(
                    "may write rows into {} that check {} rejects",
                    q(&before.name),
                    q(&con.name)
                ),
            });
        }
    }
}
