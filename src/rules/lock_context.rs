//! What the lock rules read: one migration of a step, what each of its changes locks, and what
//! the step did before it (tables it created, `SET lock_timeout`, validated NOT NULL checks),
//! with the PostgreSQL version the project runs. Lint builds it for `check` only, so lock
//! findings never change a rollback verdict.

use super::{Diagnostic, Rule, q};
use crate::expression::is_not_null_check;
use crate::model::{ConstraintKind, Dialect, LockMode, Migration, Op, QualifiedName};
use crate::schema::{Event, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// The PostgreSQL versions `postgres_version` may name.
pub const OLDEST_POSTGRES: u32 = 10;
pub const NEWEST_POSTGRES: u32 = 18;

/// The database the lock rules judge for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postgres {
    /// The major version (`postgres_version`; default: the newest).
    pub version: u32,
    /// The `lock_timeout` the migration runner sets (`lock_timeout` in the configuration).
    pub lock_timeout: Option<String>,
}

impl Default for Postgres {
    fn default() -> Self {
        Postgres {
            version: NEWEST_POSTGRES,
            lock_timeout: None,
        }
    }
}

/// What one change of the migration does on a live database, and what the step did before it.
#[derive(Debug, Clone, Default)]
pub struct ChangeFacts {
    /// The table it locks and the lock it takes (`DROP INDEX` resolved to its table).
    pub lock: Option<(QualifiedName, LockMode)>,
    /// That table was created earlier in the same step (or by this change): nobody uses it yet.
    pub new_table: bool,
    /// The migration set `lock_timeout` before this change.
    pub lock_timeout: bool,
    /// For `SET NOT NULL`: a validated `CHECK (col IS NOT NULL)` holds when it runs.
    pub not_null_checked: bool,
}

/// One migration of a step, as the lock rules read it.
pub struct LockContext<'a> {
    pub migration: &'a Migration,
    /// Its index in the project (the `migration` of the events' change references).
    pub index: usize,
    /// Per change of `migration`.
    pub facts: Vec<ChangeFacts>,
    /// The schema before the step (the objects it touches).
    pub before: &'a Schema,
    /// What the step's replay did.
    pub events: &'a [Event],
    pub postgres: &'a Postgres,
}

impl<'a> LockContext<'a> {
    /// The context of member `index` of a step (`step`: the step's migrations in order).
    pub fn new(
        step: &[(usize, &'a Migration)],
        index: usize,
        before: &'a Schema,
        events: &'a [Event],
        postgres: &'a Postgres,
    ) -> Option<Self> {
        let migration = step.iter().find(|(i, _)| *i == index)?.1;
        Some(LockContext {
            migration,
            index,
            facts: step_facts(step, index, before),
            before,
            events,
            postgres,
        })
    }

    /// The changes on tables that existed before the step, with their facts.
    pub fn on_existing_tables(
        &self,
    ) -> impl Iterator<Item = (usize, &crate::model::Change, &ChangeFacts)> {
        self.migration
            .changes
            .iter()
            .zip(&self.facts)
            .enumerate()
            .filter(|(_, (_, f))| !f.new_table)
            .map(|(i, (c, f))| (i, c, f))
    }

    /// A finding about change `ci`.
    pub fn diagnostic(&self, rule: Rule, ci: usize, message: String, impact: String) -> Diagnostic {
        Diagnostic {
            rule,
            change: Some(ci),
            span: self.migration.changes[ci].span,
            message,
            impact: Some(impact),
        }
    }
}

/// Runs every lock rule on one migration of a step (PostgreSQL migrations only).
pub fn findings(cx: &LockContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if cx.migration.dialect != Dialect::Postgres {
        return out;
    }
    for rule in Rule::ALL {
        rule.check_lock(cx, &mut out);
    }
    out
}

/// Walks the step's changes in order up to the end of migration `index`, recording per change
/// of that migration what it locks and what came before it.
fn step_facts(step: &[(usize, &Migration)], index: usize, before: &Schema) -> Vec<ChangeFacts> {
    let mut new_tables: BTreeSet<QualifiedName> = BTreeSet::new();
    // Indexes created in the step, by name, with their table.
    let mut new_indexes: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    // Indexes of existing tables renamed in the step, by their new name.
    let mut renamed_indexes: BTreeMap<QualifiedName, QualifiedName> = BTreeMap::new();
    let mut checked = not_null_checks(before);
    // Checks added NOT VALID in the step, by (table, name): their column.
    let mut unvalidated: BTreeMap<(QualifiedName, String), String> = BTreeMap::new();
    let mut out = Vec::new();
    for (mi, m) in step {
        let mut timeout = false;
        for c in &m.changes {
            let lock = c.op.table_lock().and_then(|(table, mode)| {
                let table = match (table, &c.op) {
                    (Some(t), _) => Some(t.clone()),
                    (None, Op::DropIndex { name, .. }) => Some(
                        new_indexes
                            .get(name)
                            .or_else(|| renamed_indexes.get(name))
                            .cloned()
                            .or_else(|| index_owner(before, name))
                            // An index rollsafe never saw: of a table from before the history.
                            .unwrap_or_else(|| name.sibling(format!("table of {}", name.name))),
                    ),
                    _ => None,
                };
                table.map(|t| (t, mode))
            });
            match &c.op {
                Op::CreateTable { table, .. } => {
                    new_tables.insert(table.clone());
                }
                Op::RenameTable { table, to } if new_tables.contains(table) => {
                    new_tables.insert(table.sibling(to.clone()));
                }
                Op::CreateIndex(ix) => {
                    if let Some(name) = &ix.name {
                        let name = QualifiedName::with_schema(ix.table.schema.clone(), name);
                        new_indexes.insert(name, ix.table.clone());
                    }
                }
                Op::AddConstraint { table, constraint }
                    if constraint.kind == ConstraintKind::Check =>
                {
                    if let Some(col) = constraint.expression.as_deref().and_then(is_not_null_check)
                    {
                        match (&constraint.name, constraint.not_valid) {
                            (_, false) => {
                                checked.insert((table.clone(), col));
                            }
                            (Some(name), true) => {
                                unvalidated.insert((table.clone(), name.clone()), col);
                            }
                            (None, true) => {}
                        }
                    }
                }
                Op::RenameIndex { name, to } => {
                    let to = name.sibling(to.clone());
                    if let Some(t) = new_indexes.remove(name) {
                        new_indexes.insert(to, t);
                    } else if let Some(t) = renamed_indexes
                        .remove(name)
                        .or_else(|| index_owner(before, name))
                    {
                        renamed_indexes.insert(to, t);
                    }
                }
                Op::ValidateConstraint { table, name } => {
                    if let Some(col) = unvalidated.remove(&(table.clone(), name.clone())) {
                        checked.insert((table.clone(), col));
                    }
                }
                _ => {}
            }
            let new_table = lock.as_ref().is_some_and(|(t, _)| new_tables.contains(t));
            let not_null_checked = match &c.op {
                Op::SetNotNull { table, column } => {
                    checked.contains(&(table.clone(), column.clone()))
                }
                _ => false,
            };
            if *mi == index {
                out.push(ChangeFacts {
                    lock,
                    new_table,
                    lock_timeout: timeout,
                    not_null_checked,
                });
            }
            if let Op::Setting { name, value } = &c.op
                && name == "lock_timeout"
            {
                timeout = !matches!(value.trim().to_lowercase().as_str(), "0" | "default" | "");
            }
        }
        if *mi == index {
            break;
        }
    }
    out
}

/// The table that holds index `name` before the step.
fn index_owner(before: &Schema, name: &QualifiedName) -> Option<QualifiedName> {
    before
        .tables
        .values()
        .find(|t| t.name.schema == name.schema && t.indexes.iter().any(|i| i.name == name.name))
        .map(|t| t.name.clone())
}

/// The (table, column) pairs a validated `CHECK (col IS NOT NULL)` covers before the step.
fn not_null_checks(before: &Schema) -> BTreeSet<(QualifiedName, String)> {
    let mut out = BTreeSet::new();
    for t in before.tables.values() {
        for c in &t.constraints {
            if c.def.kind == ConstraintKind::Check
                && !c.def.not_valid
                && let Some(col) = c.def.expression.as_deref().and_then(is_not_null_check)
            {
                out.insert((t.name.clone(), col));
            }
        }
    }
    out
}

/// `table` for messages.
pub(super) fn table_q(t: &QualifiedName) -> String {
    q(t)
}
