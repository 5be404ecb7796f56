//! The rule registry. A rule is one variant of [`Rule`], one file in this folder (its metadata
//! and, for rules that read a schema comparison, its check) and one page in `rules/`.

use crate::compare::Comparison;
use crate::schema::ChangeRef;
use serde::{Serialize, Serializer};
use std::fmt;

/// One thing the code written against `before` can no longer do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Breakage {
    pub rule: Rule,
    /// The change that caused it.
    pub at: ChangeRef,
    /// The object concerned, e.g. `users.email`.
    pub object: String,
    /// What happened, in plain words ("column `users.email` is dropped").
    pub message: String,
    /// What the previous code does that now fails ("reads or writes `users.email`").
    pub impact: String,
}

/// Runs every rule that reads a comparison: what code written against `cx.before` can no
/// longer do against `cx.after`, sorted.
pub fn breakages(cx: &Comparison) -> Vec<Breakage> {
    let mut out = Vec::new();
    for rule in Rule::ALL {
        rule.check_comparison(cx, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Rule groups, selectable together in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// Breaks the previous app version.
    Contract,
    /// May break the previous app version, depending on the data it writes.
    Warning,
    /// Cannot be judged statically.
    Opaque,
    /// About the migration files and overrides themselves.
    Meta,
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Group::Contract => "contract",
            Group::Warning => "warning",
            Group::Opaque => "opaque",
            Group::Meta => "meta",
        })
    }
}

pub struct RuleMeta {
    pub name: &'static str,
    pub group: Group,
    pub severity: Severity,
    /// One line for `rollsafe rules`.
    pub summary: &'static str,
    /// The safe recipe, shown as `help:` under a finding.
    pub help: &'static str,
    /// The rule's page, `rules/<name>.md`.
    pub doc: &'static str,
}

macro_rules! declare_rules {
    (
        compare: [$($cvariant:ident => $cmodule:ident),* $(,)?],
        other: [$($ovariant:ident => $omodule:ident),* $(,)?] $(,)?
    ) => {
        $(mod $cmodule;)*
        $(mod $omodule;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($cvariant,)*
            $($ovariant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$cvariant,)* $(Rule::$ovariant,)*];

            pub fn meta(self) -> &'static RuleMeta {
                match self {
                    $(Rule::$cvariant => &$cmodule::META,)*
                    $(Rule::$ovariant => &$omodule::META,)*
                }
            }

            /// Adds this rule's breakages in a comparison (rules that do not read comparisons
            /// add nothing).
            pub fn check_comparison(self, cx: &Comparison, out: &mut Vec<Breakage>) {
                match self {
                    $(Rule::$cvariant => $cmodule::check(cx, out),)*
                    $(Rule::$ovariant => {})*
                }
            }
        }
    };
}

declare_rules! {
    compare: [
        DropTable => drop_table,
        DropColumn => drop_column,
        RenameTable => rename_table,
        RenameColumn => rename_column,
        ChangeColumnType => change_column_type,
        AddNotNullColumn => add_not_null_column,
        SetNotNull => set_not_null,
        DropDefault => drop_default,
        AddUnique => add_unique,
        DropView => drop_view,
        RenameView => rename_view,
        RemoveEnumValue => remove_enum_value,
        MoveToSchema => move_to_schema,
        AddCheckConstraint => add_check_constraint,
        AddForeignKey => add_foreign_key,
    ],
    other: [
        OpaqueChange => opaque_change,
        ParseError => parse_error,
        OverrideWithoutReason => override_without_reason,
        UnusedOverride => unused_override,
        MigrationGraph => migration_graph,
    ],
}

impl Rule {
    pub fn name(self) -> &'static str {
        self.meta().name
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Whether a `compat: breaking` override can waive this rule's findings.
    pub fn waivable(self) -> bool {
        matches!(
            self.meta().group,
            Group::Contract | Group::Warning | Group::Opaque
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Backquotes an identifier for messages.
/// An existing constraint of `kind` over a column that gets another default: rows that leave
/// the column out used to store NULL (which passes it) or the old default; now the constraint
/// checks the new one.
pub(crate) fn defaulted_under(
    cx: &crate::compare::Comparison,
    kind: crate::model::ConstraintKind,
    rule: Rule,
    consequence: &str,
    out: &mut Vec<Breakage>,
) {
    for change in cx.default_changes() {
        let (before, after, at) = (change.before, change.after, change.at);
        let name = &change.now.def.name;
        let Some(con) = after.constraints.iter().find(|c| {
            c.def.kind == kind
                && c.def.columns.contains(name)
                // The same constraint, renamed or not.
                && before.constraints.iter().any(|b| b.seq == c.seq)
        }) else {
            continue;
        };
        let object = format!("{}.{}", before.name, name);
        out.push(Breakage {
            rule,
            at,
            object: object.clone(),
            message: format!(
                "column {} gets a default that {} {} checks",
                q(&object),
                kind.describe(),
                q(&con.name)
            ),
            impact: format!(
                "inserts rows into {} without {}: {consequence}",
                q(&before.name),
                q(name)
            ),
        });
    }
}

pub(crate) fn q(s: impl fmt::Display) -> String {
    format!("`{s}`")
}
