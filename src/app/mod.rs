//! The application: one function per command, request in, outcome out. Nothing here prints or
//! decides exit codes; the binary (`main.rs`) parses arguments, renders outcomes and exits.
//! Errors are messages for the user that say what went wrong and what to do.

pub mod check;
pub mod deploy;
pub mod rollback;
pub mod schema;

use crate::git::Repo;
use crate::project::Project;
use std::path::{Path, PathBuf};

/// The nearest folder upwards from `start` that holds `.git` or `rollsafe.toml`.
pub fn find_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir.join("rollsafe.toml").is_file() || dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

/// A revision that names no commit: say why, and what to do.
pub(crate) fn unknown_revision(repo: &Repo, rev: &str) -> String {
    let mut msg = format!("`{rev}` is neither a git revision nor a migration id in this project");
    if repo.is_shallow() {
        msg.push_str(
            "; this clone is shallow and may lack it: run `git fetch --unshallow --tags` first",
        );
    }
    let tags = repo.recent_tags(5);
    if !tags.is_empty() {
        msg.push_str(&format!("; recent tags: {}", tags.join(", ")));
    }
    msg
}

/// The project at git revision `rev`, and the commit it resolved to.
pub(crate) fn load_at(repo: &Repo, rev: &str) -> Result<(Project, String), String> {
    let sha = repo
        .resolve(rev)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| unknown_revision(repo, rev))?;
    let project = Project::load_at_revision(repo, &sha).map_err(|e| e.to_string())?;
    Ok((project, sha))
}
