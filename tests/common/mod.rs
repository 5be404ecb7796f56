//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rollsafe::lint::{self, LintResult, Settings};
use rollsafe::project::Project;
use std::path::Path;

/// Writes `files` (relative path, content) under a fresh temp dir.
pub fn project_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (rel, body) in files {
        write(dir.path(), rel, body.as_bytes());
    }
    dir
}

pub fn write(root: &Path, rel: &str, body: &[u8]) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, body).expect("write");
}

/// Loads and lints a project; returns `(path, rule, suppressed)` per finding.
pub fn lint_dir(root: &Path) -> (Project, LintResult) {
    let project = Project::load(root);
    let result = lint::lint(&project, &Settings::default(), |_| true);
    (project, result)
}

pub fn rules_fired(files: &[(&str, &str)]) -> Vec<String> {
    let dir = project_dir(files);
    let (project, result) = lint_dir(dir.path());
    result
        .findings
        .iter()
        .map(|f| {
            let m = &project.migrations[f.migration];
            let name = m.path.rsplit('/').next().unwrap_or("").to_string();
            format!(
                "{name}:{}{}",
                f.rule,
                if f.suppressed.is_some() {
                    " (waived)"
                } else {
                    ""
                }
            )
        })
        .collect()
}
