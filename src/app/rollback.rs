//! `rollsafe rollback TARGET`: is the code at TARGET schema-compatible with the database now?

use crate::git::Repo;
use crate::project::Project;
use crate::rollback::{self, Report, Side};
use std::path::PathBuf;

/// What the user asked `rollback` for.
#[derive(Debug, Clone, Default)]
pub struct RollbackRequest {
    pub cwd: PathBuf,
    /// A git revision or a migration id.
    pub target: String,
    /// Compare with the migrations at this revision instead of the working tree.
    pub from: Option<String>,
    /// An export of the migration ids applied to the database.
    pub applied: Option<PathBuf>,
}

/// The verdict and what it rests on.
#[derive(Debug)]
pub struct RollbackOutcome {
    /// The project "now" (the report's migration indices point into it).
    pub now_project: Project,
    pub report: Report,
    /// How the user named the target.
    pub target: String,
    /// The commit the target resolved to, when it is a git revision.
    pub target_commit: Option<String>,
    /// What "now" is (`working tree`, `v2 (abc123)`, `database per prod.txt`).
    pub now_label: String,
    /// Remarks for the user (applied ids that match no file).
    pub notes: Vec<String>,
}

/// Runs `rollback`.
pub fn run(req: &RollbackRequest) -> Result<RollbackOutcome, String> {
    let repo = Repo::discover(&req.cwd);
    let root = match &repo {
        Ok(r) => r.root.clone(),
        Err(_) => super::find_root(&req.cwd),
    };
    let (now_project, mut now_label) = match &req.from {
        Some(rev) => {
            let repo = repo.as_ref().map_err(|e| e.to_string())?;
            let (p, sha) = super::load_at(repo, rev)?;
            (p, format!("{rev} ({})", &sha[..sha.len().min(12)]))
        }
        None => (Project::load(&root), "working tree".to_string()),
    };
    let mut notes = Vec::new();
    let mut applied_mask = None;
    if let Some(file) = &req.applied {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--applied {}: {e}", file.display()))?;
        let (mask, unknown) = rollback::applied_from_list(&now_project, &text);
        if !unknown.is_empty() {
            notes.push(format!(
                "note: {} applied id(s) in {} match no migration file here: {}",
                unknown.len(),
                file.display(),
                unknown.join(", ")
            ));
        }
        applied_mask = Some(mask);
        now_label = format!("database per {}", file.display());
    }
    let mut now = Side::all(&now_project, now_label.clone());
    if let Some(mask) = applied_mask {
        now.applied = mask;
    }

    // A migration id of the now side, else a git revision.
    let target = req.target.as_str();
    let matches = rollback::find_migrations(&now_project, target);
    let target_project;
    let (target_side, target_commit) = match matches.as_slice() {
        [one] => (rollback::side_up_to(&now, *one, target.to_string()), None),
        [_, _, ..] => {
            let names: Vec<&str> = matches
                .iter()
                .map(|&i| now_project.migrations[i].path.as_str())
                .collect();
            return Err(format!(
                "`{target}` names several migrations: {}; use a longer id",
                names.join(", ")
            ));
        }
        [] => {
            let repo = repo.as_ref().map_err(|e| {
                format!("`{target}` is not a migration id of this project, and {e}")
            })?;
            let (p, sha) = super::load_at(repo, target)?;
            target_project = p;
            (Side::all(&target_project, target.to_string()), Some(sha))
        }
    };

    let report = rollback::analyse(&target_side, &now);
    if !report.behind.is_empty() {
        return Err(not_a_rollback(target, &now.label, &report.behind));
    }
    drop(now);
    Ok(RollbackOutcome {
        now_project,
        report,
        target: target.to_string(),
        target_commit,
        now_label,
        notes,
    })
}

fn not_a_rollback(target: &str, now: &str, behind: &[String]) -> String {
    let shown: Vec<&str> = behind.iter().take(10).map(String::as_str).collect();
    let more = behind.len().saturating_sub(shown.len());
    format!(
        "this is not a rollback: {target} has {} migration(s) that {now} lacks: {}{}",
        behind.len(),
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}
