use super::{Diagnostic, Group, Removal, Rule, RuleMeta, Severity, q};
use crate::model::Framework;

pub const META: RuleMeta = RuleMeta {
    name: "removed-migration",
    group: Group::Meta,
    severity: Severity::Error,
    summary: "a migration the base has is gone after the change (a revert): databases deployed \
              from the base keep its effect",
    help: "keep the migration and add a new one that undoes what it did (roll forward); never \
           delete a migration that reached a database",
    doc: include_str!("../../rules/removed-migration.md"),
};

/// How many of a removed migration's changes the message lists.
const LISTED: usize = 3;

pub fn check(r: &Removal, out: &mut Vec<Diagnostic>) {
    let m = r.migration;
    let what = match m.framework {
        Framework::Alembic => "revision",
        Framework::Sql | Framework::Django => "migration",
    };
    let message = format!(
        "{what} {} ({}) is removed, but databases deployed from {} applied it; removing the \
         file does not undo it",
        q(&m.id),
        m.name,
        r.base
    );
    let mut impact = if !r.breakages.is_empty() {
        let met: Vec<String> = r
            .breakages
            .iter()
            .map(|b| format!("{}, but there {}", b.impact, b.message))
            .collect();
        format!("the code after this change {}", met.join("; it "))
    } else if m.changes.is_empty() {
        "it changed no schema; only the migration tool's record of it stays".to_string()
    } else {
        let listed: Vec<String> = m
            .changes
            .iter()
            .take(LISTED)
            .map(|c| c.op.describe())
            .collect();
        let more = m.changes.len().saturating_sub(LISTED);
        format!(
            "its changes stay in those databases ({}{}), and the code after this change does \
             not know them",
            listed.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        )
    };
    match m.framework {
        Framework::Alembic if r.head => impact.push_str(&format!(
            "; `alembic upgrade` fails there: their alembic_version holds {}, and Alembic \
             answers \"Can't locate revision identified by '{}'\"",
            q(&m.id),
            m.id
        )),
        Framework::Django => impact.push_str(&format!(
            "; their django_migrations keeps the row {}: Django ignores it while the file is \
             gone, and would skip a new migration given the same name",
            q(&m.id)
        )),
        Framework::Sql if m.name.starts_with('V') && m.name.contains("__") => impact.push_str(
            "; Flyway's validation fails there (an applied migration not resolved locally)",
        ),
        _ => {}
    }
    let span = m.changes.first().map(|c| c.span).unwrap_or_default();
    out.push(Diagnostic {
        rule: Rule::RemovedMigration,
        change: None,
        span,
        message,
        impact: Some(impact),
    });
}
