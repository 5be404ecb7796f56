//! Where an Alembic project keeps its revisions: `alembic.ini` (`script_location`,
//! `version_locations`) or an `env.py` beside a `versions/` folder.

use std::collections::BTreeSet;

/// An Alembic environment: its key (the script location) and its version folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub key: String,
    pub version_dirs: Vec<String>,
}

/// Finds Alembic environments among `files` (relative paths): each `alembic.ini` with its
/// `script_location` and `version_locations`, and each `env.py` beside a `versions/` folder.
pub fn find_envs(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Vec<Env> {
    let mut envs: Vec<Env> = Vec::new();
    let dirs: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.rsplit_once('/').map(|(d, _)| d))
        .collect();
    for ini in files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("alembic.ini"))
    {
        let here = ini.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let Some(text) = read(ini) else { continue };
        let value = |key: &str| -> Option<String> {
            text.lines()
                .map(str::trim)
                .find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == key).then(|| v.trim().to_string())
                })
                .map(|v| v.replace("%(here)s", if here.is_empty() { "." } else { here }))
        };
        let Some(script) = value("script_location") else {
            continue;
        };
        let join = |p: &str| -> String {
            let p = p.trim().trim_start_matches("./");
            if p.starts_with('/') || here.is_empty() || p.starts_with(here) {
                p.trim_start_matches('/').to_string()
            } else {
                format!("{here}/{p}")
            }
        };
        // `package:path` script locations name a module; take the path part.
        let script = script.rsplit(':').next().unwrap_or(&script).to_string();
        let key = join(&script);
        let mut version_dirs = vec![format!("{key}/versions")];
        if let Some(locs) = value("version_locations") {
            let sep = value("version_path_separator").unwrap_or_default();
            let parts: Vec<String> = match sep.as_str() {
                "os" | ":" => locs.split(':').map(str::to_string).collect(),
                ";" => locs.split(';').map(str::to_string).collect(),
                _ => locs.split([' ', ',']).map(str::to_string).collect(),
            };
            version_dirs = parts
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| join(p))
                .collect();
        }
        envs.push(Env { key, version_dirs });
    }
    for env_py in files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("env.py"))
    {
        let dir = env_py.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let versions = if dir.is_empty() {
            "versions".to_string()
        } else {
            format!("{dir}/versions")
        };
        if dirs.contains(versions.as_str()) && !envs.iter().any(|e| e.key == dir) {
            envs.push(Env {
                key: dir.to_string(),
                version_dirs: vec![versions],
            });
        }
    }
    envs.sort_by(|a, b| a.key.cmp(&b.key));
    envs.dedup();
    envs
}

/// The revision files of an environment: Python files in its version folders (and below).
pub fn revision_files<'a>(env: &Env, files: &'a [String]) -> Vec<&'a String> {
    files
        .iter()
        .filter(|f| f.ends_with(".py") && !f.ends_with("/__init__.py"))
        .filter(|f| {
            env.version_dirs
                .iter()
                .any(|d| f.starts_with(&format!("{d}/")))
        })
        .collect()
}

/// How an environment's `env.py` runs its migrations on PostgreSQL: in one transaction (the
/// default, also when `env.py` never calls `configure`; `transaction_per_migration=True` still
/// wraps each migration in one), or none with `transactional_ddl=False`.
pub fn env_transaction(env_py: Option<&str>) -> crate::model::Transaction {
    use crate::model::Transaction;
    // `context.configure(..., transactional_ddl=False)`, outside comments, spaces aside.
    let code: String = env_py
        .unwrap_or("")
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    if code.contains("transactional_ddl=False") {
        return Transaction::Autocommit {
            by: "env.py configures transactional_ddl=False".into(),
        };
    }
    let by = if code.contains("transaction_per_migration=True") {
        "Alembic runs each migration in a transaction (transaction_per_migration=True)"
    } else {
        "Alembic runs the migrations in a transaction on PostgreSQL (transactional DDL, the \
         default)"
    };
    Transaction::Wrapped { by: by.into() }
}
