//! Every rule page in `rules/` is executed: each Bad example must make its rule fire, each Good
//! example must not (nor raise any other error).

mod common;

use common::{
    RuleExample, example_file_path, page_examples, write_alembic_example, write_django_example,
    write_sql_example,
};
use rollsafe::lint::{self, LintResult, Settings};
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

/// Lock rules say first what the change does to a live database.
const LOCK_SECTIONS: &[&str] = &[
    "## What it flags",
    "## What it does to a live database",
    "## Why it breaks rollback",
    "## Bad",
    "## Good",
    "## When to override",
];

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
        let sections = if rule.meta().group == rollsafe::rules::Group::Lock {
            LOCK_SECTIONS
        } else {
            SECTIONS
        };
        for s in sections {
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
        let ex = page_examples(rule.name(), doc);
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
        // A page's `toml` block (`# file: rollsafe.toml`) configures the examples after it.
        let mut project_files: Vec<(String, String)> = Vec::new();
        for ex in page_examples(rule.name(), rule.meta().doc) {
            if ex.lang == "toml" {
                project_files = ex.files.clone();
                continue;
            }
            if !(ex.section == "Bad" || ex.section == "Good") {
                continue;
            }
            let Some((project, result, last)) = run_example(&ex, &project_files) else {
                continue;
            };
            let fired_in_last = result.findings.iter().any(|f| {
                f.rule == *rule
                    && f.suppressed.is_none()
                    && project.migrations[f.migration].path == last
            });
            let where_ = &ex.origin;
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

/// Writes an example's files into `dir` as its language's project; the last file's path.
/// `None` for a language no frontend reads.
fn write_example(dir: &Path, lang: &str, files: &[(String, String)]) -> Option<String> {
    Some(match lang {
        "sql" => write_sql_example(dir, files, None),
        "mysql" => write_sql_example(dir, files, Some("mysql")),
        "sqlite" => write_sql_example(dir, files, Some("sqlite")),
        "python" if files.iter().any(|(n, _)| n.contains("/migrations/")) => {
            write_django_example(dir, files)
        }
        "python" => write_alembic_example(dir, files),
        _ => return None,
    })
}

/// Runs one example, with the page's `project_files` (its configuration) at the root: a plain
/// one is linted (as `check` does when there is a configuration); a pull-request one (with a
/// `change:` line) is committed as the base on `main`, changed on a branch, and checked with
/// `check --changed-since main`. Returns the project, the result and the file the example is
/// about (the last file written, or the last one deleted).
fn run_example(
    ex: &RuleExample,
    project_files: &[(String, String)],
) -> Option<(Project, LintResult, String)> {
    let write_project_files = |dir: &Path| {
        for (name, body) in project_files {
            common::write(dir, name, body.as_bytes());
        }
    };
    let Some(change) = &ex.change else {
        let dir = tempfile::tempdir().expect("temp dir");
        write_project_files(dir.path());
        let last = write_example(dir.path(), &ex.lang, &ex.files)?;
        if project_files.is_empty() {
            let project = Project::load(dir.path());
            let result = lint::lint(&project, &Settings::default(), |_| true);
            return Some((project, result, last));
        }
        let request = rollsafe::app::check::CheckRequest {
            cwd: dir.path().to_path_buf(),
            root: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let outcome = rollsafe::app::check::run(&request)
            .unwrap_or_else(|e| panic!("{}: check: {e}", ex.origin));
        return Some((outcome.project, outcome.result, last));
    };
    let dir = common::git_repo();
    write_project_files(dir.path());
    let (base, added) = ex.files.split_at(change.base);
    let mut last = write_example(dir.path(), &ex.lang, base)?;
    common::commit_all(dir.path(), "base");
    common::git(dir.path(), &["checkout", "-qb", "change"]);
    for name in &change.deleted {
        let path = example_file_path(&ex.lang, name);
        std::fs::remove_file(dir.path().join(&path))
            .unwrap_or_else(|e| panic!("{}: cannot delete {path}: {e}", ex.origin));
        last = path;
    }
    if !added.is_empty() {
        last = write_example(dir.path(), &ex.lang, added)?;
    }
    common::git(dir.path(), &["add", "-A"]);
    common::git(
        dir.path(),
        &["commit", "-q", "--allow-empty", "-m", "change"],
    );
    let request = rollsafe::app::check::CheckRequest {
        cwd: dir.path().to_path_buf(),
        changed_since: Some("main".to_string()),
        ..Default::default()
    };
    let outcome = rollsafe::app::check::run(&request)
        .unwrap_or_else(|e| panic!("{}: check --changed-since main: {e}", ex.origin));
    Some((outcome.project, outcome.result, last))
}

/// The README's rules table lists exactly what `rollsafe rules` prints, in the same order.
#[test]
fn readme_rules_table_matches_rollsafe_rules() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let table: Vec<(String, String, String)> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## Rules"))
        .skip_while(|l| !l.starts_with("| rule |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let name = cells[0]
                .strip_prefix('[')
                .and_then(|c| c.split_once(']'))
                .map_or(cells[0], |(n, _)| n);
            let link = format!("(rules/{name}.md)");
            assert!(
                cells[0].ends_with(&link),
                "README row {l}: link {link} expected"
            );
            (name.to_string(), cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let out = common::rollsafe(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"]);
    let listed: Vec<(String, String, String)> = out
        .stdout
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (
                cols[0].to_string(),
                cols[1].to_string(),
                cols[2].to_string(),
            )
        })
        .collect();
    assert_eq!(
        table, listed,
        "README's rules table (name, group, severity) differs from `rollsafe rules`"
    );
}
