//! Helpers shared by the integration tests.
#![allow(dead_code)]

#[path = "../../bench/corpus.rs"]
pub mod corpus;

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

/// Loads and lints a project, without the lock rules: the tests that use it judge what the
/// frontends read and what breaks the previous version; the lock rules are tested by their
/// pages, the operational acceptance script and the PostgreSQL oracle.
pub fn lint_dir(root: &Path) -> (Project, LintResult) {
    let project = Project::load(root);
    let result = lint::lint(&project, &without_lock_rules(), |_| true);
    (project, result)
}

/// Whether a rule (by name) is one of the lock group's, which tests about other behaviour set
/// aside.
#[allow(dead_code)]
pub fn is_lock_rule(name: &str) -> bool {
    rollsafe::rules::Rule::from_name(name)
        .is_some_and(|r| r.meta().group == rollsafe::rules::Group::Lock)
}

/// The default settings with the `lock` group off.
#[allow(dead_code)]
pub fn without_lock_rules() -> Settings {
    let mut settings = Settings::default();
    for rule in rollsafe::rules::Rule::ALL {
        if rule.meta().group == rollsafe::rules::Group::Lock {
            settings.severities.insert(*rule, None);
        }
    }
    settings
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

/// What one run of the real binary printed.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// stdout then stderr, for needles that may be on either.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// stdout as JSON (`--format json`); `label` names the case in the failure.
    pub fn json(&self, label: &str) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{label}: stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Out {
    /// The exit code and everything printed (stdout then stderr).
    pub fn code_and_all(&self) -> (i32, String) {
        (self.code, self.all())
    }
}

/// Runs `rollsafe ARGS` in `dir` (see [`rollsafe_cmd`]), checking that it did not crash.
pub fn rollsafe(dir: &Path, args: &[&str]) -> Out {
    rollsafe_env(dir, args, &[])
}

/// [`rollsafe`] with extra environment variables.
pub fn rollsafe_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = rollsafe_cmd(dir, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_checked(&format!("rollsafe {}", args.join(" ")), &mut cmd)
}

/// A bundled fixture project under `fixtures/`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_rollsafe")
}

/// `rollsafe ARGS` in `dir`, with a plain environment: no colours, no GitHub Actions, and
/// `RUST_BACKTRACE` on so that a panic could not hide its trace.
pub fn rollsafe_cmd(dir: &Path, args: &[&str]) -> std::process::Command {
    rollsafe_cmd_as(&[], Path::new(bin()), dir, args)
}

/// [`rollsafe_cmd`] for the binary at `bin`, run through `prefix` (e.g. `setpriv …` to run it
/// as another user; empty: directly).
pub fn rollsafe_cmd_as(
    prefix: &[String],
    bin: &Path,
    dir: &Path,
    args: &[&str],
) -> std::process::Command {
    let mut cmd = match prefix.split_first() {
        Some((program, rest)) => {
            let mut c = std::process::Command::new(program);
            c.args(rest).arg(bin);
            c
        }
        None => std::process::Command::new(bin),
    };
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("ROLLSAFE_DEBUG");
    cmd
}

/// Runs `cmd` and checks that it neither panicked nor printed a trace; `label` names the case
/// in every failure.
pub fn run_checked(label: &str, cmd: &mut std::process::Command) -> Out {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{label}: cannot run {cmd:?}: {e}"));
    let out = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_crash(label, &out);
    out
}

/// No panic, no stack trace, no internal error (the panic hook's message), no death by signal.
pub fn assert_no_crash(label: &str, out: &Out) {
    let all = out.all();
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "internal error",
    ] {
        assert!(
            !all.contains(bad),
            "{label}: output holds {bad:?}:\nstdout:\n{}\nstderr:\n{}",
            out.stdout,
            out.stderr
        );
    }
    assert!(
        out.code >= 0 && out.code != 101,
        "{label}: crashed (exit {}):\n{}",
        out.code,
        out.stderr
    );
}

/// `git ARGS` in `dir` with a fixed identity and dates; returns stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=t@example.invalid", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A fresh git repository on branch `main`, with an identity for commits.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    git(dir.path(), &["init", "-q", "-b", "main", "."]);
    git(dir.path(), &["config", "user.email", "t@example.invalid"]);
    git(dir.path(), &["config", "user.name", "t"]);
    dir
}

/// Writes `files` into the repository `dir`, commits everything and tags the commit `tag`.
pub fn commit_files(dir: &Path, files: &[(&str, &str)], tag: &str) {
    for (rel, body) in files {
        write(dir, rel, body.as_bytes());
    }
    commit_all(dir, tag);
}

/// Commits everything in `dir` (a git repository) and tags the commit.
pub fn commit_all(dir: &Path, tag: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", tag]);
    git(dir, &["tag", tag]);
}

/// One fenced code block of a rule page, with the `##` section it is under.
pub struct RuleExample {
    /// `rules/NAME.md line N`.
    pub origin: String,
    pub section: String,
    pub lang: String,
    /// The files the block holds, from its `-- file: NAME` (SQL) or `# file: NAME` (Python,
    /// TOML) lines, each with the lines up to the next.
    pub files: ExampleFiles,
    /// A pull-request example: the files before a `-- change:` (`# change:`) line are the base
    /// branch, the change deletes what the line names (`-- change: delete NAME`) and adds the
    /// files after it.
    pub change: Option<ExampleChange>,
}

/// What a pull-request example changes on its base.
#[derive(Debug, Clone, Default)]
pub struct ExampleChange {
    /// How many of the example's files the base has.
    pub base: usize,
    /// Files of the base the change deletes.
    pub deleted: Vec<String>,
}

/// An example's files: (name, text).
pub type ExampleFiles = Vec<(String, String)>;

/// The code blocks of a rule page's text (`page`: its name, for `origin`).
pub fn page_examples(page: &str, text: &str) -> Vec<RuleExample> {
    struct Block {
        lang: String,
        start: usize,
        files: ExampleFiles,
        change: Option<ExampleChange>,
    }
    let mut out = Vec::new();
    let mut section = String::new();
    let mut block: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(mut b) = block.take() {
            if t.starts_with("```") {
                out.push(RuleExample {
                    origin: format!("rules/{page}.md line {}", b.start),
                    section: section.clone(),
                    lang: b.lang,
                    files: b.files,
                    change: b.change,
                });
                continue;
            }
            let comment = if b.lang == "python" || b.lang == "toml" {
                "#"
            } else {
                "--"
            };
            let marker = |word: &str| t.strip_prefix(&format!("{comment} {word}:"));
            if let Some(name) = marker("file") {
                b.files.push((name.trim().to_string(), String::new()));
            } else if let Some(what) = marker("change") {
                let change = b.change.get_or_insert_with(|| ExampleChange {
                    base: b.files.len(),
                    deleted: Vec::new(),
                });
                if let Some(names) = what.trim().strip_prefix("delete ") {
                    change
                        .deleted
                        .extend(names.split(',').map(|n| n.trim().to_string()));
                }
            } else if let Some((_, body)) = b.files.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
            block = Some(b);
        } else if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        } else if let Some(lang) = t.strip_prefix("```") {
            block = Some(Block {
                lang: lang.trim().to_string(),
                start: i + 1,
                files: Vec::new(),
                change: None,
            });
        }
    }
    out
}

/// Every code block of every page in `rules/`, pages in name order.
pub fn rule_examples() -> Vec<RuleExample> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("rules/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages
        .iter()
        .flat_map(|p| {
            let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            page_examples(name, &std::fs::read_to_string(p).expect("rule page"))
        })
        .collect()
}

/// Writes a SQL example into `dir/db/migration/`, the engine (`mysql`, `sqlite`) in each file
/// name (`V1__init.mysql.sql`), which is how rollsafe tells the dialect. Returns the last
/// file's relative path.
pub fn write_sql_example(dir: &Path, files: &[(String, String)], engine: Option<&str>) -> String {
    assert!(!files.is_empty(), "example has no `-- file:` line");
    let mut last = String::new();
    for (name, body) in files {
        let name = match (engine, name.strip_suffix(".sql")) {
            (Some(e), Some(stem)) => format!("{stem}.{e}.sql"),
            _ => name.clone(),
        };
        last = format!("db/migration/{name}");
        write(dir, &last, body.as_bytes());
    }
    last
}

/// Writes an Alembic example: `alembic.ini`, `migrations/env.py`, each file under
/// `migrations/versions/` with the usual imports. Returns the last file's relative path.
pub fn write_alembic_example(dir: &Path, files: &[(String, String)]) -> String {
    assert!(!files.is_empty(), "python example has no `# file:` line");
    write(
        dir,
        "alembic.ini",
        b"[alembic]\nscript_location = migrations\n",
    );
    write(dir, "migrations/env.py", b"from alembic import context\n");
    let mut last = String::new();
    for (name, body) in files {
        last = format!("migrations/versions/{name}");
        let text = format!("from alembic import op\nimport sqlalchemy as sa\n\n{body}");
        write(dir, &last, text.as_bytes());
    }
    last
}

/// Writes a Django example (`# file: app/migrations/0001_x.py`), each file with the usual
/// imports and its packages' `__init__.py`. Returns the last file's path.
pub fn write_django_example(dir: &Path, files: &[(String, String)]) -> String {
    let mut last = String::new();
    for (name, body) in files {
        let path = dir.join(name);
        let folder = path.parent().expect("migrations folder");
        std::fs::create_dir_all(folder).expect("mkdir");
        std::fs::write(folder.join("__init__.py"), "").expect("init");
        if let Some(app) = folder.parent() {
            std::fs::write(app.join("__init__.py"), "").expect("init");
        }
        let text = format!("from django.db import migrations, models\n\n\n{body}");
        std::fs::write(&path, text).expect("write");
        last = name.clone();
    }
    last
}

/// Where the `write_*_example` function for `lang` puts the example file `name`.
pub fn example_file_path(lang: &str, name: &str) -> String {
    let engine = match lang {
        "mysql" | "sqlite" => Some(lang),
        _ => None,
    };
    match lang {
        "python" if name.contains("/migrations/") => name.to_string(),
        "python" => format!("migrations/versions/{name}"),
        _ => match (engine, name.strip_suffix(".sql")) {
            (Some(e), Some(stem)) => format!("db/migration/{stem}.{e}.sql"),
            _ => format!("db/migration/{name}"),
        },
    }
}

/// The Flyway folder of the rollback tests' repositories.
pub const FLYWAY_DIR: &str = "db/migration";

/// A git repository whose tag `v1` holds one Flyway migration creating `users`: the target the
/// rollback tests roll back to.
pub fn rollback_base() -> tempfile::TempDir {
    let dir = git_repo();
    commit_files(
        dir.path(),
        &[(
            &format!("{FLYWAY_DIR}/V1__init.sql"),
            "CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), bio text);\n",
        )],
        "v1",
    );
    dir
}

/// `rollsafe ARGS` in `dir`: exit code and everything printed.
pub fn rollsafe_all(dir: &Path, args: &[&str]) -> (i32, String) {
    rollsafe(dir, args).code_and_all()
}
