//! The rule registry. A rule is one variant of [`Rule`], one file in this folder (its metadata
//! and, for rules that read a schema comparison, its check) and one page in `rules/`.

use crate::compare::Comparison;
use crate::model::{Migration, Span};
use crate::schema::ChangeRef;
use crate::signoff::Signoff;
use serde::{Serialize, Serializer};
use std::fmt;

pub mod lock_context;
pub use lock_context::LockContext;

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

/// A migration that the base of a change has and the change removes (a revert): databases
/// deployed from the base applied it.
pub struct Removal<'a> {
    /// The migration as the base has it.
    pub migration: &'a Migration,
    /// How the base is named (`main`).
    pub base: &'a str,
    /// What the code after the change meets where it was applied: code written against the
    /// schema without it, the database with it.
    pub breakages: Vec<&'a Breakage>,
    /// Whether it is a head of its history at the base (for Alembic, the revision databases
    /// deployed from the base are at).
    pub head: bool,
}

/// A finding as a rule reports it, before configuration decides its severity and overrides
/// whether it is waived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    /// The change it is about; only findings about a change can be waived.
    pub change: Option<usize>,
    pub span: Span,
    pub message: String,
    /// What the previous app version does that fails.
    pub impact: Option<String>,
}

impl Diagnostic {
    /// A finding located at `span`, about no particular change.
    pub fn at(rule: Rule, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            change: None,
            span,
            message: message.into(),
            impact: None,
        }
    }
}

/// What the rules about overrides read: one migration's overrides, once the other rules have
/// found what they find.
pub struct OverrideContext<'a> {
    pub migration: &'a Migration,
    /// `applies[i]`: override `i` covers a finding it could waive (whether or not its signoff
    /// lets it).
    pub applies: &'a [bool],
    /// Per override (same index as [`Migration::overrides`]), its signoff as the
    /// configuration judges it.
    pub signoffs: &'a [Signoff],
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
    /// What a migration does to a live database while it runs (locks, scans, rewrites).
    Lock,
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
            Group::Lock => "lock",
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

/// Declares the rules, in the order `rollsafe rules` lists them. Each rule reads one kind of
/// input, with a `check` function in its module:
/// - `compare`: a schema comparison (`fn check(&Comparison, &mut Vec<Breakage>)`);
/// - `migration`: one migration as read (`fn check(&Migration, &mut Vec<Diagnostic>)`);
/// - `overrides`: a migration's overrides, once the other rules' findings are known
///   (`fn check(&OverrideContext, &mut Vec<Diagnostic>)`);
/// - `removal`: a migration a change removes (`fn check(&Removal, &mut Vec<Diagnostic>)`);
/// - `lock`: one migration of a step on a live database (`fn check(&LockContext, &mut
///   Vec<Diagnostic>)`), for `check` only: it never changes a rollback verdict.
macro_rules! declare_rules {
    ($($variant:ident => $module:ident ($input:ident),)*) => {
        $(mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            pub fn meta(self) -> &'static RuleMeta {
                match self {
                    $(Rule::$variant => &$module::META,)*
                }
            }

            /// Adds this rule's breakages in a comparison (other rules add nothing).
            #[allow(unused_variables)]
            pub fn check_comparison(self, cx: &Comparison, out: &mut Vec<Breakage>) {
                match self {
                    $(Rule::$variant => when_input!($input, compare, $module::check(cx, out)),)*
                }
            }

            /// Adds this rule's findings about one migration as read (other rules add
            /// nothing).
            #[allow(unused_variables)]
            pub fn check_migration(self, m: &Migration, out: &mut Vec<Diagnostic>) {
                match self {
                    $(Rule::$variant => when_input!($input, migration, $module::check(m, out)),)*
                }
            }

            /// Adds this rule's findings about a migration a change removes (other rules add
            /// nothing).
            #[allow(unused_variables)]
            pub fn check_removal(self, r: &Removal, out: &mut Vec<Diagnostic>) {
                match self {
                    $(Rule::$variant => when_input!($input, removal, $module::check(r, out)),)*
                }
            }

            /// Adds this rule's findings about what a migration does to a live database
            /// (other rules add nothing).
            #[allow(unused_variables)]
            pub fn check_lock(self, cx: &LockContext, out: &mut Vec<Diagnostic>) {
                match self {
                    $(Rule::$variant => when_input!($input, lock, $module::check(cx, out)),)*
                }
            }

            /// Adds this rule's findings about a migration's overrides (other rules add
            /// nothing).
            #[allow(unused_variables)]
            pub fn check_overrides(self, cx: &OverrideContext, out: &mut Vec<Diagnostic>) {
                match self {
                    $(Rule::$variant => when_input!($input, overrides, $module::check(cx, out)),)*
                }
            }
        }
    };
}

/// `$call` when a rule's input kind is the one a dispatch method serves, else nothing.
macro_rules! when_input {
    (compare, compare, $call:expr) => {
        $call
    };
    (migration, migration, $call:expr) => {
        $call
    };
    (overrides, overrides, $call:expr) => {
        $call
    };
    (removal, removal, $call:expr) => {
        $call
    };
    (lock, lock, $call:expr) => {
        $call
    };
    ($input:ident, $served:ident, $call:expr) => {
        ()
    };
}

declare_rules! {
    DropTable => drop_table (compare),
    DropColumn => drop_column (compare),
    RenameTable => rename_table (compare),
    RenameColumn => rename_column (compare),
    ChangeColumnType => change_column_type (compare),
    AddNotNullColumn => add_not_null_column (compare),
    SetNotNull => set_not_null (compare),
    DropDefault => drop_default (compare),
    AddUnique => add_unique (compare),
    DropView => drop_view (compare),
    RenameView => rename_view (compare),
    RemoveEnumValue => remove_enum_value (compare),
    MoveToSchema => move_to_schema (compare),
    RenameType => rename_type (compare),
    DropFunction => drop_function (compare),
    DropSequence => drop_sequence (compare),
    DropUniqueKey => drop_unique_key (compare),
    AddCheckConstraint => add_check_constraint (compare),
    AddForeignKey => add_foreign_key (compare),
    RequireConcurrentIndex => require_concurrent_index (lock),
    ConstraintNotValid => constraint_not_valid (lock),
    SetNotNullScan => set_not_null_scan (lock),
    TableRewrite => table_rewrite (lock),
    LockTimeout => lock_timeout (lock),
    ConcurrentlyInTransaction => concurrently_in_transaction (lock),
    OpaqueChange => opaque_change (migration),
    ParseError => parse_error (migration),
    OverrideWithoutReason => override_without_reason (overrides),
    OverrideWithoutSignoff => override_without_signoff (overrides),
    UnusedOverride => unused_override (overrides),
    MigrationGraph => migration_graph (migration),
    RemovedMigration => removed_migration (removal),
}

impl Rule {
    pub fn name(self) -> &'static str {
        self.meta().name
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Whether a `compat: breaking` override can waive this rule's findings. Lock findings are
    /// not about breaking the previous version: severities decide them.
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

/// Said of a dropped object the history never created (`DROP … IF EXISTS` of a table from
/// before the migrations rollsafe sees).
pub(crate) const NEVER_CREATED: &str = "; the history never created it, so rollsafe takes it \
    to exist from before the history (if no database has it, say so in an override)";

pub(crate) fn q(s: impl fmt::Display) -> String {
    format!("`{s}`")
}
