//! Every rule page in `rules/` is executed: each Bad example must make its rule fire, each Good
//! example must not (nor raise any other error).

use rollsafe::lint::{self, Settings};
use rollsafe::project::Project;
use rollsafe::rules::{Rule, Severity};
use std::path::Path;

const SECTIONS: &[&str] = &[
    "## What it flags",
    "## Why it breaks rollback",
    "## Bad",
    "## Good",
    "## When to override",
];

struct Example {
    section: String,
    lang: String,
    code: String,
    line: usize,
}

/// Fenced code blocks with the `##` section they appear under.
fn examples(page: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_block: Option<(String, usize, String)> = None;
    for (i, line) in page.lines().enumerate() {
        if let Some((lang, start, mut code)) = in_block.take() {
            if line.trim_start().starts_with("```") {
                out.push(Example {
                    section: section.clone(),
                    lang,
                    code,
                    line: start,
                });
            } else {
                code.push_str(line);
                code.push('\n');
                in_block = Some((lang, start, code));
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        } else if let Some(lang) = line.trim_start().strip_prefix("```") {
            in_block = Some((lang.trim().to_string(), i + 1, String::new()));
        }
    }
    out
}

/// Writes a `-- file: NAME` separated history into `dir/db/migration/` and returns the last
/// file's relative path. `engine` (`mysql`, `sqlite`) is put into each file name
/// (`V1__init.mysql.sql`), which is how rollsafe tells the dialect.
fn write_history(dir: &Path, code: &str, marker: &str, engine: Option<&str>) -> String {
    let folder = dir.join("db/migration");
    std::fs::create_dir_all(&folder).expect("temp dir");
    let mut files: Vec<(String, String)> = Vec::new();
    for line in code.lines() {
        if let Some(name) = line.trim().strip_prefix(marker) {
            let name = name.trim();
            let name = match (engine, name.strip_suffix(".sql")) {
                (Some(e), Some(stem)) => format!("{stem}.{e}.sql"),
                _ => name.to_string(),
            };
            files.push((name, String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert!(!files.is_empty(), "example has no `{marker}` line");
    for (name, body) in &files {
        std::fs::write(folder.join(name), body).expect("write example file");
    }
    format!(
        "db/migration/{}",
        files.last().map(|f| f.0.as_str()).unwrap_or("")
    )
}

/// Writes a `# file: NAME.py` separated Alembic history into `migrations/versions/` of a
/// project with an `alembic.ini`, and returns the last file's relative path.
fn write_alembic(dir: &Path, code: &str) -> String {
    std::fs::create_dir_all(dir.join("migrations/versions")).expect("mkdir");
    std::fs::write(
        dir.join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .expect("ini");
    std::fs::write(
        dir.join("migrations/env.py"),
        "from alembic import context\n",
    )
    .expect("env");
    let mut files: Vec<(String, String)> = Vec::new();
    for line in code.lines() {
        if let Some(name) = line.trim().strip_prefix("# file:") {
            let header = "from alembic import op\nimport sqlalchemy as sa\n\n";
            files.push((name.trim().to_string(), header.to_string()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert!(!files.is_empty(), "python example has no `# file:` line");
    for (name, body) in &files {
        std::fs::write(dir.join("migrations/versions").join(name), body).expect("write");
    }
    format!(
        "migrations/versions/{}",
        files.last().map(|f| f.0.as_str()).unwrap_or("")
    )
}

/// Writes a Django history: `# file: app/migrations/0001_x.py` lines name the files, each with
/// the usual imports. Returns the last file's path.
fn write_django(dir: &Path, code: &str) -> String {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in code.lines() {
        if let Some(name) = line.trim().strip_prefix("# file:") {
            let header = "from django.db import migrations, models\n\n\n";
            files.push((name.trim().to_string(), header.to_string()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (name, body) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
            std::fs::write(parent.join("__init__.py"), "").expect("init");
        }
        std::fs::write(path, body).expect("write");
    }
    files.last().map(|f| f.0.clone()).unwrap_or_default()
}

#[test]
fn every_rule_has_a_complete_page() {
    for rule in Rule::ALL {
        let doc = rule.meta().doc;
        assert!(
            doc.starts_with(&format!("# {}\n", rule.name())),
            "rules/{}.md must start with its title",
            rule.name()
        );
        let mut last = 0;
        for s in SECTIONS {
            let pos = doc
                .find(s)
                .unwrap_or_else(|| panic!("rules/{}.md lacks section {s}", rule.name()));
            assert!(
                pos >= last,
                "rules/{}.md: section {s} out of order",
                rule.name()
            );
            last = pos;
        }
        let ex = examples(doc);
        assert!(
            ex.iter().any(|e| e.section == "Bad"),
            "{}: no Bad example",
            rule
        );
        assert!(
            ex.iter().any(|e| e.section == "Good"),
            "{}: no Good example",
            rule
        );
    }
}

#[test]
fn every_sql_example_behaves_as_documented() {
    let mut checked = 0;
    for rule in Rule::ALL {
        for ex in examples(rule.meta().doc) {
            if !(ex.section == "Bad" || ex.section == "Good") {
                continue;
            }
            let dir = tempfile::tempdir().expect("temp dir");
            let last = match ex.lang.as_str() {
                "sql" => write_history(dir.path(), &ex.code, "-- file:", None),
                "mysql" => write_history(dir.path(), &ex.code, "-- file:", Some("mysql")),
                "sqlite" => write_history(dir.path(), &ex.code, "-- file:", Some("sqlite")),
                "python" if ex.code.contains("/migrations/") => write_django(dir.path(), &ex.code),
                "python" => write_alembic(dir.path(), &ex.code),
                _ => continue,
            };
            let project = Project::load(dir.path());
            let result = lint::lint(&project, &Settings::default(), |_| true);
            let fired_in_last = result.findings.iter().any(|f| {
                f.rule == *rule
                    && f.suppressed.is_none()
                    && project.migrations[f.migration].path == last
            });
            let where_ = format!("rules/{}.md line {}", rule.name(), ex.line);
            let summary: Vec<String> = result
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {}{}",
                        project.migrations[f.migration].path,
                        f.rule,
                        f.message,
                        if f.suppressed.is_some() {
                            " (waived)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            if ex.section == "Bad" {
                assert!(
                    fired_in_last,
                    "{where_}: Bad example does not fire {rule}: {summary:#?}"
                );
            } else {
                let fired = result
                    .findings
                    .iter()
                    .any(|f| f.rule == *rule && f.suppressed.is_none());
                assert!(!fired, "{where_}: Good example fires {rule}: {summary:#?}");
                let errors = result
                    .findings
                    .iter()
                    .any(|f| f.severity == Severity::Error && f.suppressed.is_none());
                assert!(!errors, "{where_}: Good example has errors: {summary:#?}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 2 * Rule::ALL.len(),
        "only {checked} examples checked"
    );
}
