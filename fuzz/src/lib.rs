//! What the fuzz targets share: each input is loaded as a project from an in-memory tree through
//! the library's own entry points (the ones `rollsafe check` uses), linted and rendered (and
//! judged as `rollsafe rollback` to its first migration), twice; then the invariants are checked:
//!
//! - no panic (a panic inside the library's per-file containment still aborts: libFuzzer's panic
//!   hook runs before the unwind is caught);
//! - every span a frontend or a finding holds lies within its file and on char boundaries, and
//!   every index a migration holds (statement of a change, override of a statement) is valid,
//!   and a change lies within its statement;
//! - the same input gives the same migrations and the same reports.
//!
//! A NUL byte cannot be in a migration file (it makes the file binary), so it separates the files
//! of a multi-file input: `a\0b` is two migrations, replayed in that order.

use rollsafe::discover;
use rollsafe::frontend::sql::split;
use rollsafe::lint::{self, LintResult, Settings};
use rollsafe::model::{Dialect, Migration, Span};
use rollsafe::project::{FileSource, Project, SqlOptions};
use rollsafe::report::{self, HumanOptions};
use rollsafe::rollback::{self, Side};
use rollsafe::source::{self, ReadError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// At most this many files are taken from one input.
pub const MAX_FILES: usize = 6;

/// The files of an input: its NUL-separated pieces.
pub fn files(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == 0).take(MAX_FILES).collect()
}

/// Asserts that `s` is a valid range of `text`.
pub fn check_span(text: &str, s: Span, what: &str) {
    assert!(
        s.start <= s.end && s.end <= text.len(),
        "{what}: span {s:?} is outside the input (length {})",
        text.len()
    );
    assert!(
        text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
        "{what}: span {s:?} is not on char boundaries"
    );
}

/// Asserts the span and index invariants of one migration.
pub fn check_migration(m: &Migration) {
    let text: &str = &m.source;
    for (i, st) in m.statements.iter().enumerate() {
        check_span(text, st.span, &format!("{}: statement {i}", m.path));
        if let Some(o) = st.override_index {
            assert!(
                o < m.overrides.len(),
                "{}: statement {i} names override {o} of {}",
                m.path,
                m.overrides.len()
            );
        }
    }
    for (i, c) in m.changes.iter().enumerate() {
        check_span(text, c.span, &format!("{}: change {i}", m.path));
        assert!(
            c.statement < m.statements.len(),
            "{}: change {i} names statement {} of {}",
            m.path,
            c.statement,
            m.statements.len()
        );
        let st = m.statements[c.statement].span;
        assert!(
            st.contains(c.span),
            "{}: change {i} {:?} is outside its statement {st:?}",
            m.path,
            c.span
        );
    }
    for (i, o) in m.overrides.iter().enumerate() {
        check_span(text, o.span, &format!("{}: override {i}", m.path));
    }
    for (i, p) in m.issues.iter().chain(&m.graph_issues).enumerate() {
        check_span(text, p.span, &format!("{}: issue {i}", m.path));
    }
    check_span(text, m.id_span, &format!("{}: id span", m.path));
}

/// Lints a project and renders every report the CLI renders for `check`; checks every
/// migration and every finding span.
pub fn lint_and_render(project: &Project) -> String {
    for m in &project.migrations {
        check_migration(m);
    }
    for h in &project.histories {
        for &i in &h.order {
            assert!(i < project.migrations.len(), "history {} names {i}", h.key);
        }
    }
    let result: LintResult = lint::lint(project, &Settings::default(), |_| true);
    for f in &result.findings {
        let m = &project.migrations[f.migration];
        check_span(
            &m.source,
            f.span,
            &format!("{}: finding {}", m.path, f.rule),
        );
    }
    let mut out = report::human::render_check(
        project,
        &result,
        HumanOptions {
            color: false,
            verbose: true,
        },
    );
    out.push_str(&report::json::render_check(project, &result));
    out.push_str(&report::github::render(project, &result));
    out.push_str(&judge_rollback(project));
    out
}

/// `rollsafe rollback <id of the first migration>`: the target side has the first migration of
/// the first history applied, the now side everything.
pub fn judge_rollback(project: &Project) -> String {
    let Some(&first) = project.histories.first().and_then(|h| h.order.first()) else {
        return String::new();
    };
    let now = Side::all(project, "working tree");
    let target = rollback::side_up_to(&now, first, "first".to_string());
    let rep = rollback::analyse(&target, &now);
    if !rep.behind.is_empty() {
        return format!("behind: {:?}", rep.behind);
    }
    let labels = report::rollback::Labels {
        target: "first",
        target_commit: None,
        now: &now.label,
        deploy: None,
        trust_code_search: false,
    };
    let rec = report::rollback::recommend(&rep, project, "first");
    let mut out = report::rollback::render_human(&rep, project, &labels, &rec, false);
    out.push_str(&report::rollback::render_json(&rep, project, &labels, &rec));
    out
}

/// What a run produced, for the determinism check.
pub fn fingerprint(project: &Project, rendered: &str) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{rendered}",
        project.migrations, project.histories, project.walk_errors
    )
}

/// Runs `run` twice and asserts the two results are the same.
pub fn deterministic(run: impl Fn() -> String) {
    let a = run();
    let b = run();
    assert!(a == b, "the same input gave different results");
}

/// File contents by relative path, as the frontends read them.
pub struct Tree(pub HashMap<String, Vec<u8>>);

impl FileSource for Tree {
    fn read(&self, _path: &Path, rel: &str) -> Result<Arc<str>, ReadError> {
        match self.0.get(rel) {
            Some(bytes) => source::decode(bytes.clone()),
            None => Err(ReadError::Io("not found".into())),
        }
    }
}

impl Tree {
    pub fn get(&self, rel: &str) -> Option<Vec<u8>> {
        self.0.get(rel).cloned()
    }
}

/// The splitter's spans are in the text, on char boundaries, in order and disjoint.
pub fn check_split(text: &str, hash_comments: bool) {
    let s = split::split(text, hash_comments);
    let mut last_end = 0;
    for (i, st) in s.statements.iter().enumerate() {
        check_span(text, *st, &format!("split statement {i}"));
        assert!(st.start < st.end, "split statement {i} {st:?} is empty");
        assert!(
            st.start >= last_end,
            "split statement {i} {st:?} overlaps the one before"
        );
        last_end = st.end;
    }
    for (i, c) in s.comments.iter().enumerate() {
        check_span(text, *c, &format!("split comment {i}"));
    }
    if let Some(u) = s.unterminated {
        check_span(text, u, "split unterminated");
    }
    assert!(
        split::split(text, hash_comments) == s,
        "the splitter is not deterministic"
    );
}

/// Plain SQL files (Flyway names) of one dialect.
pub fn sql(data: &[u8], dialect: Dialect) {
    if dialect != Dialect::Postgres {
        for f in files(data) {
            if let Ok(text) = std::str::from_utf8(f) {
                check_split(text, dialect == Dialect::Mysql);
            }
        }
    }
    let mut tree = HashMap::new();
    let mut sql_files = Vec::new();
    for (i, f) in files(data).into_iter().enumerate() {
        let rel = format!("db/migration/V{}__fuzz.sql", i + 1);
        let file = discover::classify_sql(Path::new(&rel), &rel);
        let file = file.unwrap_or_else(|| panic!("{rel} is not a migration name"));
        sql_files.push(file);
        tree.insert(rel, f.to_vec());
    }
    let tree = Tree(tree);
    let opts = SqlOptions {
        default_dialect: dialect,
        ..SqlOptions::default()
    };
    deterministic(|| {
        let project = Project::from_sql_files_with(Path::new(""), sql_files.clone(), &tree, &opts);
        let rendered = lint_and_render(&project);
        fingerprint(&project, &rendered)
    });
}

/// Alembic revisions of one environment (`migrations/env.py` beside `migrations/versions/`).
pub fn alembic(data: &[u8]) {
    let mut tree = HashMap::new();
    tree.insert("migrations/env.py".to_string(), Vec::new());
    for (i, f) in files(data).into_iter().enumerate() {
        tree.insert(format!("migrations/versions/rev{i}.py"), f.to_vec());
    }
    python_project(Tree(tree), |p, files, tree| {
        p.add_alembic(files, &|rel: &str| tree.get(rel))
    });
}

/// Django migration modules: the files of an input are these, in this order.
pub const DJANGO_FILES: [&str; MAX_FILES] = [
    "accounts/migrations/0001_initial.py",
    "accounts/migrations/0002_account_locale.py",
    "orders/migrations/0001_initial.py",
    "orders/migrations/0002_order_status.py",
    "catalog/migrations/0001_initial.py",
    "catalog/migrations/0001_squashed_0003.py",
];

/// Django migration modules of a project (see [`DJANGO_FILES`]).
pub fn django(data: &[u8]) {
    let tree: HashMap<String, Vec<u8>> = files(data)
        .into_iter()
        .zip(DJANGO_FILES)
        .map(|(f, rel)| (rel.to_string(), f.to_vec()))
        .collect();
    python_project(Tree(tree), |p, files, tree| {
        p.add_django(files, &|rel: &str| tree.get(rel))
    });
}

fn python_project(tree: Tree, add: impl Fn(&mut Project, &[String], &Tree)) {
    let mut files: Vec<String> = tree.0.keys().cloned().collect();
    files.sort();
    deterministic(|| {
        let mut project = Project::default();
        add(&mut project, &files, &tree);
        let rendered = lint_and_render(&project);
        fingerprint(&project, &rendered)
    });
}

/// The configuration file in both forms: `rollsafe.toml`, and `pyproject.toml` (the input as the
/// whole file, and as the body of its `[tool.rollsafe]` table).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let in_pyproject = format!("[project]\nname = \"x\"\n\n[tool.rollsafe]\n{text}");
    for (path, text) in [
        ("rollsafe.toml", text),
        ("pyproject.toml", text),
        ("pyproject.toml", in_pyproject.as_str()),
    ] {
        let path = Path::new(path);
        deterministic(|| match rollsafe::config::parse(path, text) {
            Ok(Some(c)) => {
                let settings = c.settings();
                let sql = c.sql_options();
                let exclude = c.exclude_set();
                let mut s = Settings::default();
                for (key, level) in &c.rules {
                    let flag = format!("{key}={level:?}").to_lowercase();
                    let _ = rollsafe::config::apply_flag(&mut s, &flag);
                }
                format!(
                    "{c:?}\n{:?}\n{sql:?}\n{}\n{:?}",
                    settings.severities,
                    exclude.len(),
                    s.severities
                )
            }
            Ok(None) => "none".to_string(),
            Err(e) => {
                assert!(
                    e.starts_with(&path.display().to_string()),
                    "an error that does not name the file: {e}"
                );
                e
            }
        });
    }
}
