use super::{Group, RuleMeta, Severity, q};
use super::Breakage;
use crate::compare::{Comparison};
use crate::model::ConstraintKind;

pub const META: RuleMeta = RuleMeta {
    name: "add-not-null-column",
    group: Group::Contract,
    severity: Severity::Error,
    summary: "adds a NOT NULL column without a database default to an existing table",
    help: "give the column a database default (`DEFAULT …`, Alembic `server_default=`, Django \
           `db_default=`), or add it nullable, backfill, and set NOT NULL in a later release",
    doc: include_str!("../../rules/add-not-null-column.md"),
};

pub fn check(cx: &Comparison, out: &mut Vec<Breakage>) {
    for (before, after, replaced) in cx.present_tables() {
        let new_checks = cx.new_constraints(before, after, ConstraintKind::Check);
        for col in cx.new_columns(before, after, replaced.is_some()) {
            if col.def.default.is_none() && !col.def.generated && col.def.nullable {
                // Nullable, but a check on the new columns alone may refuse the NULL that
                // writers leaving the column out store (`CHECK (c IS NOT NULL)`); a check
                // that also reads old columns is add-check-constraint's.
                let refusing = new_checks.iter().find(|k| {
                    k.def.columns.contains(&col.def.name)
                        && Comparison::only_new_columns(before, &k.def.columns)
                        && k.def
                            .expression
                            .as_deref()
                            .is_some_and(crate::expression::check_may_reject_null)
                });
                if let Some(k) = refusing
                    && let Some(at) = cx.constraint_origin(after, &k.name, replaced)
                {
                    let object = format!("{}.{}", before.name, col.def.name);
                    out.push(Breakage {
                        rule: super::Rule::AddNotNullColumn,
                        at,
                        object: object.clone(),
                        message: format!(
                            "check {} makes new column {} reject NULL, and it has no database default",
                            q(&k.name),
                            q(&object)
                        ),
                        impact: format!(
                            "inserts rows into {} without a value for {}",
                            q(&before.name),
                            q(&col.def.name)
                        ),
                    });
                }
                continue;
            }
            // A computed column that must not be NULL, over columns that may be: the previous
            // version writing NULL there (or leaving them out) is refused.
            let nullable_sources: Vec<&str> = if col.def.generated && !col.def.nullable {
                col.def
                    .generated_from
                    .iter()
                    .filter(|s| after.column(s).is_some_and(|c| c.def.nullable))
                    .map(String::as_str)
                    .collect()
            } else {
                Vec::new()
            };
            if !nullable_sources.is_empty() {
                if let Some(at) = cx.column_origin(after, col, replaced) {
                    let object = format!("{}.{}", before.name, col.def.name);
                    out.push(Breakage {
                        rule: super::Rule::AddNotNullColumn,
                        at,
                        object: object.clone(),
                        message: format!(
                            "generated column {} is NOT NULL, computed from columns that may be NULL ({})",
                            q(&object),
                            nullable_sources.join(", ")
                        ),
                        impact: format!(
                            "inserts rows into {} with NULL in ({})",
                            q(&before.name),
                            nullable_sources.join(", ")
                        ),
                    });
                }
                continue;
            }
            if !col.def.requires_value() {
                continue;
            }
            let Some(at) = cx.column_origin(after, col, replaced) else {
                continue;
            };
            let object = format!("{}.{}", before.name, col.def.name);
            out.push(Breakage {
                rule: super::Rule::AddNotNullColumn,
                at,
                object: object.clone(),
                message: format!(
                    "column {} is NOT NULL without a database default on existing table {}",
                    q(&object),
                    q(&before.name)
                ),
                impact: format!(
                    "inserts rows into {} without a value for {}",
                    q(&before.name),
                    q(&col.def.name)
                ),
            });
        }
    }
}
