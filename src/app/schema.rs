//! `rollsafe schema`: the schema the migrations build, per history.

use crate::git::Repo;
use crate::project::Project;
use crate::rollback::{self, Side};
use crate::schema::Schema;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the user asked `schema` for.
#[derive(Debug, Clone, Default)]
pub struct SchemaRequest {
    pub cwd: PathBuf,
    /// A git revision to read the migrations at (default: the working tree).
    pub at: Option<String>,
    /// Stop after this migration.
    pub upto: Option<String>,
    /// Only this history.
    pub history: Option<String>,
    pub root: Option<PathBuf>,
}

/// Runs `schema`: per history key, the schema.
pub fn run(req: &SchemaRequest) -> Result<BTreeMap<String, Schema>, String> {
    let cwd = &req.cwd;
    let project = match &req.at {
        Some(rev) => {
            let repo = Repo::discover(cwd).map_err(|e| e.to_string())?;
            super::load_at(&repo, rev)?.0
        }
        None => match &req.root {
            Some(r) if !cwd.join(r).is_dir() => {
                return Err(format!("--root {}: no such directory", r.display()));
            }
            Some(r) => Project::load(&cwd.join(r)),
            None => Project::load(&super::find_root(cwd)),
        },
    };
    let mut side = Side::all(&project, "schema");
    if let Some(id) = &req.upto {
        side = side_through(side, id)?;
    }
    let mut schemas = rollback::schema_of(&side);
    if let Some(h) = &req.history {
        if !schemas.contains_key(h) {
            let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
            return Err(format!(
                "no history named `{h}`; this project's histories are: {}",
                names.join(", ")
            ));
        }
        schemas.retain(|k, _| k == h);
    }
    Ok(schemas)
}

/// `side` with only the migrations up to and including `id` applied, in each history that has
/// a migration of that id (a dialect-less SQL file belongs to every engine's history).
fn side_through<'a>(mut side: Side<'a>, id: &str) -> Result<Side<'a>, String> {
    let project = side.project;
    let matches = rollback::find_migrations(project, id);
    if matches.is_empty() {
        return Err(format!(
            "`{id}` is not a migration id of this project; `rollsafe check --verbose` lists them"
        ));
    }
    for h in &project.histories {
        let in_history: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| h.order.contains(i))
            .collect();
        if let [_, _, ..] = in_history.as_slice() {
            let names: Vec<&str> = in_history
                .iter()
                .map(|&i| project.migrations[i].path.as_str())
                .collect();
            return Err(format!(
                "`{id}` names several migrations: {}; use a longer id",
                names.join(", ")
            ));
        }
    }
    for &i in &matches {
        side = rollback::side_up_to(&side, i, side.label.clone());
    }
    Ok(side)
}
