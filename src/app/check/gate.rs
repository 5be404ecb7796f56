//! `check --changed-since BASE`, the pull-request gate, as a rollback question: the previous app
//! version is BASE's code, and the database it runs against has BASE's migrations applied and,
//! once the change deploys, every migration the change adds. So the schema at BASE is compared
//! with the schema after all added migrations (a table created by one of them and constrained
//! by the next is new for the previous version), each breakage attributed to the migration
//! that causes it; a migration BASE has and the change removes is a rollback of it.

use crate::config::Config;
use crate::discover;
use crate::git::Repo;
use crate::model::{Framework, Migration};
use crate::project::{Project, RevisionScope};
use crate::rollback::{self, Side};
use crate::rules::{Breakage, Diagnostic, Removal, Rule};
use std::collections::BTreeSet;
use std::path::Path;

/// What the gate judges, and how.
pub struct Gate {
    /// Migrations the change adds (ahead of the base): judged against the base.
    pub ahead: BTreeSet<usize>,
    /// Migrations to report: the added ones, and those whose changes the change edits.
    pub reported: BTreeSet<usize>,
    /// What breaks the base's code, attributed to the added migrations.
    pub breakages: Vec<Breakage>,
    /// Migrations the base has and the change removes (as the base has them), with their
    /// findings.
    pub removals: Vec<(Migration, Vec<Diagnostic>)>,
}

/// The gate for the change since the merge base of `rev` and HEAD (plus the working tree).
pub fn against_base(
    rev: &str,
    root: &Path,
    project: &Project,
    opts: &discover::Options,
    cfg: &Config,
) -> Result<Gate, String> {
    let repo = Repo::discover(root).map_err(|e| format!("--changed-since {rev}: {e}"))?;
    if repo.resolve(rev).map_err(|e| e.to_string())?.is_none() {
        return Err(format!(
            "--changed-since: {}",
            super::super::unknown_revision(&repo, rev)
        ));
    }
    let base = repo
        .merge_base(rev)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("--changed-since {rev}: no merge base with HEAD"))?;
    let repo_root = repo.root.canonicalize().unwrap_or(repo.root.clone());
    let scope = RevisionScope {
        under: discover::relative(&repo_root, root),
        discover: opts.clone(),
        sql: cfg.sql_options_at(root)?,
    };
    let base_project = Project::load_at_revision_in(&repo, &base, &scope)
        .map_err(|e| format!("--changed-since {rev}: {e}"))?;
    let report = rollback::analyse(
        &Side::all(&base_project, rev),
        &Side::all(project, "the change"),
    );
    let ahead: BTreeSet<usize> = report.ahead.iter().map(|a| a.index).collect();
    let mut reported = ahead.clone();
    reported.extend(report.edited.iter().map(|e| e.index));
    let removed: Vec<usize> = report
        .removed
        .iter()
        .filter(|r| r.replaced_by.is_none())
        .map(|r| r.index)
        .collect();
    let met = rollback::removal_breakages(&base_project, &removed);
    let removals = removed
        .iter()
        .map(|&r| {
            let removal = Removal {
                migration: &base_project.migrations[r],
                base: rev,
                breakages: met.iter().filter(|b| b.at.migration == r).collect(),
                head: is_head(&base_project, r),
            };
            let mut diagnostics = Vec::new();
            for rule in Rule::ALL {
                rule.check_removal(&removal, &mut diagnostics);
            }
            (base_project.migrations[r].clone(), diagnostics)
        })
        .collect();
    Ok(Gate {
        ahead,
        reported,
        breakages: report.breakages.into_iter().map(|b| b.breakage).collect(),
        removals,
    })
}

/// Whether migration `i` is a head of its history: the last SQL version, or an Alembic or
/// Django migration nothing depends on.
fn is_head(project: &Project, i: usize) -> bool {
    let m = &project.migrations[i];
    project
        .histories
        .iter()
        .filter(|h| h.order.contains(&i))
        .any(|h| match m.framework {
            Framework::Sql => h.order.last() == Some(&i),
            Framework::Alembic | Framework::Django => !h
                .order
                .iter()
                .any(|&o| project.migrations[o].parents.contains(&m.id)),
        })
}
