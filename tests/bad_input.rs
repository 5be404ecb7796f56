//! Bad input, through the real binary: every row adds one kind of bad input to a project whose
//! good migrations (SQL, Alembic and Django) each raise one known warning, and checks that
//! (1) the problem is reported with its file (and line, where there is one), (2) the exit code
//! is the README's, (3) the good migrations are still checked (their warnings are still there,
//! the file count is right), and (4) nothing panicked or printed a trace.
//!
//! Also: migrations and the Python around them are read, never executed.

mod common;
use common::{
    Out, commit_all, git, project_dir, rollsafe_cmd, rollsafe_cmd_as, run_checked, write,
};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const INIT: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, bio text);\n";

/// An Alembic revision: `body` is the code of `upgrade()` (it starts on line 9).
fn alembic_rev(rev: &str, down: &str, body: &str) -> String {
    format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = \
         {down}\n\n\ndef upgrade():\n{body}\n"
    )
}

/// A Django migration of app `shop`: `ops` are the operations (they start on line 7).
fn django_mig(deps: &str, ops: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    \
         dependencies = [{deps}]\n    operations = [\n{ops}\n    ]\n"
    )
}

/// The good project: two migrations per framework, the second raising one warning.
fn good_files() -> Vec<(String, String)> {
    vec![
        ("db/migration/V1__init.sql".into(), INIT.into()),
        (
            "db/migration/V2__check.sql".into(),
            "ALTER TABLE users ADD CHECK (name <> '');\n".into(),
        ),
        (
            "alembic.ini".into(),
            "[alembic]\nscript_location = migrations\n".into(),
        ),
        (
            "migrations/env.py".into(),
            "from alembic import context\n".into(),
        ),
        (
            "migrations/versions/a1_init.py".into(),
            alembic_rev(
                "a1",
                "None",
                "    op.create_table(\"accounts\", sa.Column(\"id\", sa.BigInteger(), \
                 primary_key=True), sa.Column(\"note\", sa.Text()), sa.Column(\"plan\", sa.Text()))",
            ),
        ),
        (
            "migrations/versions/b2_check.py".into(),
            alembic_rev(
                "b2",
                "\"a1\"",
                "    op.create_check_constraint(\"ck_plan\", \"accounts\", \"plan <> ''\")",
            ),
        ),
        ("shop/migrations/__init__.py".into(), String::new()),
        (
            "shop/migrations/0001_initial.py".into(),
            django_mig(
                "",
                "        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", \
                 models.BigAutoField(primary_key=True)), (\"email\", \
                 models.EmailField(null=True)), (\"nick\", models.TextField(null=True))]),",
            ),
        ),
        (
            "shop/migrations/0002_check.py".into(),
            django_mig(
                "(\"shop\", \"0001_initial\")",
                "        migrations.RunSQL(\"ALTER TABLE shop_customer ADD CHECK (nick <> '')\"),",
            ),
        ),
    ]
}

/// Migration files of the good project (`alembic.ini`, `env.py`, `__init__.py` are not).
const GOOD_FILES: usize = 6;

/// The warning each good migration raises: (rule, path, line, column).
const GOOD_FINDINGS: &[(&str, &str, u64, u64)] = &[
    ("add-check-constraint", "db/migration/V2__check.sql", 1, 19),
    (
        "add-check-constraint",
        "migrations/versions/b2_check.py",
        9,
        5,
    ),
    (
        "add-check-constraint",
        "shop/migrations/0002_check.py",
        7,
        54,
    ),
];

fn good_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fill(dir.path(), &[]);
    dir
}

/// Writes the good project plus `extra` into `dir`.
fn fill(dir: &Path, extra: &[(&str, Vec<u8>)]) {
    for (rel, body) in good_files() {
        write(dir, &rel, body.as_bytes());
    }
    for (rel, body) in extra {
        write(dir, rel, body);
    }
}

/// A finding a row expects, beyond the good ones.
#[derive(Debug, Clone, PartialEq)]
struct Expect {
    rule: &'static str,
    path: &'static str,
    line: u64,
    column: u64,
    /// `(end_line, end_column)`, when the row is about spans.
    end: Option<(u64, u64)>,
    suppressed: bool,
}

fn at(rule: &'static str, path: &'static str, line: u64, column: u64) -> Expect {
    Expect {
        rule,
        path,
        line,
        column,
        end: None,
        suppressed: false,
    }
}

impl Expect {
    fn to(mut self, end_line: u64, end_column: u64) -> Self {
        self.end = Some((end_line, end_column));
        self
    }
    fn waived(mut self) -> Self {
        self.suppressed = true;
        self
    }
}

/// One row of the `check` matrix.
struct Row {
    name: &'static str,
    /// The bad files added to the good project.
    files: Vec<(&'static str, Vec<u8>)>,
    code: i32,
    /// Every finding beyond the good ones, exactly.
    findings: Vec<Expect>,
    /// Text the human output (stdout + stderr) must hold: located messages.
    human: Vec<&'static str>,
    /// Text stderr must hold in every format (JSON leaves it nowhere else).
    stderr: Vec<&'static str>,
    /// Migration files checked (the summary's count).
    files_checked: usize,
    /// `(path, line, column, description)` of changes `--format json` must list: what was
    /// still read around the bad input.
    changes: Vec<(&'static str, u64, u64, &'static str)>,
}

impl Row {
    fn new(name: &'static str, files: Vec<(&'static str, Vec<u8>)>, code: i32) -> Row {
        Row {
            name,
            files_checked: GOOD_FILES + files.len(),
            files,
            code,
            findings: Vec::new(),
            human: Vec::new(),
            stderr: Vec::new(),
            changes: Vec::new(),
        }
    }
    fn finds(mut self, f: Expect) -> Self {
        self.findings.push(f);
        self
    }
    fn says(mut self, needle: &'static str) -> Self {
        self.human.push(needle);
        self
    }
    fn warns(mut self, needle: &'static str) -> Self {
        self.stderr.push(needle);
        self
    }
    fn reads(mut self, path: &'static str, line: u64, column: u64, what: &'static str) -> Self {
        self.changes.push((path, line, column, what));
        self
    }
    fn checked(mut self, n: usize) -> Self {
        self.files_checked = n;
        self
    }
}

fn crlf(s: &str) -> Vec<u8> {
    s.replace('\n', "\r\n").into_bytes()
}

/// `s` with `é` as its Latin-1 byte: not UTF-8.
fn latin1(s: &str) -> Vec<u8> {
    let mut b = Vec::new();
    for c in s.chars() {
        match c {
            'é' => b.push(0xe9),
            c => b.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    b
}

fn bom(s: &str) -> Vec<u8> {
    let mut b = b"\xef\xbb\xbf".to_vec();
    b.extend_from_slice(s.as_bytes());
    b
}

fn rows() -> Vec<Row> {
    let deep = "(".repeat(10_000);
    vec![
        Row::new(
            "binary SQL file",
            vec![(
                "db/migration/V3__binary.sql",
                b"\x00\x01\xff\xfe binary \x89PNG\r\n".to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "db/migration/V3__binary.sql", 1, 1))
        .says("db/migration/V3__binary.sql")
        .says("binary file"),
        Row::new(
            "binary Alembic revision",
            vec![(
                "migrations/versions/c3_binary.py",
                b"\x00\x01\xff\xfe binary \x89PNG".to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "migrations/versions/c3_binary.py", 1, 1))
        .says("migrations/versions/c3_binary.py")
        .says("binary file"),
        Row::new(
            "non-UTF-8 SQL file",
            vec![(
                "db/migration/V3__latin1.sql",
                b"ALTER TABLE users ADD COLUMN a text;\nCOMMENT ON TABLE users IS 'caf\xe9';\n"
                    .to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "db/migration/V3__latin1.sql", 2, 31))
        .says("db/migration/V3__latin1.sql:2:31")
        .says("not valid UTF-8"),
        Row::new(
            "non-UTF-8 Django migration",
            vec![(
                "shop/migrations/0003_latin1.py",
                latin1(&django_mig(
                    "(\"shop\", \"0002_check\")",
                    "        migrations.RunSQL(\"COMMENT ON TABLE shop_customer IS 'café'\"),",
                )),
            )],
            1,
        )
        .finds(at("parse-error", "shop/migrations/0003_latin1.py", 7, 66))
        .says("shop/migrations/0003_latin1.py:7:66")
        .says("not valid UTF-8"),
        Row::new(
            "UTF-8 BOM, SQL",
            vec![(
                "db/migration/V3__bom.sql",
                bom("ALTER TABLE users DROP COLUMN bio;\r\nALTER TABLE users DROP COLUMN name;\r\n"),
            )],
            1,
        )
        .finds(at("drop-column", "db/migration/V3__bom.sql", 1, 19).to(1, 34))
        .finds(at("drop-column", "db/migration/V3__bom.sql", 2, 19).to(2, 35))
        .says("db/migration/V3__bom.sql:1:19")
        .says("db/migration/V3__bom.sql:2:19"),
        Row::new(
            "UTF-8 BOM, Alembic",
            vec![(
                "migrations/versions/c3_bom.py",
                bom(&alembic_rev(
                    "c3",
                    "\"b2\"",
                    "    op.drop_column(\"accounts\", \"note\")",
                )),
            )],
            1,
        )
        .finds(at("drop-column", "migrations/versions/c3_bom.py", 9, 5).to(9, 39))
        .says("migrations/versions/c3_bom.py:9:5"),
        Row::new(
            "CRLF line endings, SQL",
            vec![(
                "db/migration/V3__crlf.sql",
                crlf(
                    "-- one\nALTER TABLE users ADD COLUMN c int;\nALTER TABLE users\n  \
                     ALTER COLUMN bio\n  SET NOT NULL;\n-- compat: breaking (reason: moved)\n\
                     ALTER TABLE users DROP COLUMN email;\n",
                ),
            )],
            1,
        )
        .finds(at("set-not-null", "db/migration/V3__crlf.sql", 4, 3).to(5, 15))
        .finds(
            at("drop-column", "db/migration/V3__crlf.sql", 7, 19)
                .to(7, 36)
                .waived(),
        )
        .says("db/migration/V3__crlf.sql:4:3")
        .says("waived[drop-column]: column `users.email` is dropped at db/migration/V3__crlf.sql:7")
        .reads("db/migration/V3__crlf.sql", 2, 19, "add column users.c integer"),
        Row::new(
            "CRLF line endings, Alembic",
            vec![(
                "migrations/versions/c3_crlf.py",
                crlf(&alembic_rev(
                    "c3",
                    "\"b2\"",
                    "    op.execute(\"\"\"\n    ALTER TABLE accounts\n        DROP COLUMN note\"\"\")\n    \
                     # compat: breaking (reason: moved)\n    op.drop_column(\"accounts\", \"plan\")",
                )),
            )],
            1,
        )
        .finds(at("drop-column", "migrations/versions/c3_crlf.py", 11, 9).to(11, 25))
        .finds(
            at("drop-column", "migrations/versions/c3_crlf.py", 13, 5)
                .to(13, 39)
                .waived(),
        )
        .says("migrations/versions/c3_crlf.py:11:9"),
        Row::new(
            "empty file",
            vec![("db/migration/V3__empty.sql", Vec::new())],
            0,
        )
        .says("db/migration/V3__empty.sql (3)\n  (no statements)"),
        Row::new(
            "10,000 nested parentheses, SQL",
            vec![("db/migration/V3__deep.sql", deep.clone().into_bytes())],
            1,
        )
        .finds(at("opaque-change", "db/migration/V3__deep.sql", 1, 1))
        .finds(at("parse-error", "db/migration/V3__deep.sql", 1, 1))
        .says("db/migration/V3__deep.sql:1:1")
        .says("nest 10000 levels deep"),
        Row::new(
            "10,000 nested parentheses, Alembic",
            vec![(
                "migrations/versions/c3_deep.py",
                alembic_rev(
                    "c3",
                    "\"b2\"",
                    &format!(
                        "    x = {deep}1{}\n    op.execute(\"SELECT {deep}\")\n    \
                         op.drop_column(\"accounts\", \"note\")",
                        ")".repeat(10_000)
                    ),
                )
                .into_bytes(),
            )],
            1,
        )
        .finds(at("opaque-change", "migrations/versions/c3_deep.py", 10, 17))
        .finds(at("parse-error", "migrations/versions/c3_deep.py", 10, 17))
        .finds(at("drop-column", "migrations/versions/c3_deep.py", 11, 5))
        .says("migrations/versions/c3_deep.py:10:17")
        .says("nest 10000 levels deep"),
        Row::new(
            "unterminated dollar quote",
            vec![(
                "db/migration/V3__dollar.sql",
                b"ALTER TABLE users ADD COLUMN a text;\nDO $$ BEGIN ALTER TABLE users DROP COLUMN bio;\n"
                    .to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "db/migration/V3__dollar.sql", 2, 1))
        .says("db/migration/V3__dollar.sql:2:1")
        .says("dollar")
        .reads("db/migration/V3__dollar.sql", 1, 19, "add column users.a text"),
        Row::new(
            "unterminated string literal",
            vec![(
                "db/migration/V3__quote.sql",
                b"ALTER TABLE users ADD COLUMN a text;\nSELECT 'unterminated;\n".to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "db/migration/V3__quote.sql", 2, 1))
        .says("db/migration/V3__quote.sql:2:1")
        .reads("db/migration/V3__quote.sql", 1, 19, "add column users.a text"),
        Row::new(
            "unterminated tagged dollar quote",
            vec![(
                "db/migration/V3__dollar.sql",
                b"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;\n\nALTER TABLE users DROP COLUMN bio;\n"
                    .to_vec(),
            )],
            1,
        )
        .finds(at("parse-error", "db/migration/V3__dollar.sql", 1, 1))
        .says("db/migration/V3__dollar.sql:1:1")
        .says("dollar"),
        Row::new(
            "migration graph with a cycle, Alembic",
            vec![
                (
                    "migrations/versions/x1_loop.py",
                    alembic_rev("x1", "\"x2\"", "    op.add_column(\"accounts\", sa.Column(\"a\", sa.Text()))").into_bytes(),
                ),
                (
                    "migrations/versions/x2_loop.py",
                    alembic_rev("x2", "\"x1\"", "    op.add_column(\"accounts\", sa.Column(\"b\", sa.Text()))").into_bytes(),
                ),
            ],
            1,
        )
        .finds(at("migration-graph", "migrations/versions/x1_loop.py", 4, 1))
        .finds(at("migration-graph", "migrations/versions/x2_loop.py", 4, 1))
        .says("migrations/versions/x1_loop.py:4:1")
        .says("cycle: x1 -> x2")
        .reads("migrations/versions/x1_loop.py", 9, 5, "add column accounts.a text"),
        Row::new(
            "migration graph with a cycle, Django",
            vec![
                (
                    "shop/migrations/0003_a.py",
                    django_mig("(\"shop\", \"0004_b\")", "        migrations.AddField(model_name=\"customer\", name=\"a\", field=models.TextField(null=True)),").into_bytes(),
                ),
                (
                    "shop/migrations/0004_b.py",
                    django_mig("(\"shop\", \"0003_a\")", "        migrations.AddField(model_name=\"customer\", name=\"b\", field=models.TextField(null=True)),").into_bytes(),
                ),
            ],
            1,
        )
        .finds(at("migration-graph", "shop/migrations/0003_a.py", 4, 1))
        .finds(at("migration-graph", "shop/migrations/0004_b.py", 4, 1))
        .says("shop/migrations/0003_a.py:4:1")
        .says("cycle: shop.0003_a -> shop.0004_b")
        .reads("shop/migrations/0004_b.py", 7, 9, "add column shop_customer.b text"),
        Row::new(
            "migration graph with a missing parent, Alembic",
            vec![(
                "migrations/versions/m1_orphan.py",
                alembic_rev("m1", "\"nope\"", "    op.drop_column(\"accounts\", \"note\")").into_bytes(),
            )],
            1,
        )
        .finds(at("migration-graph", "migrations/versions/m1_orphan.py", 4, 1))
        .finds(at("drop-column", "migrations/versions/m1_orphan.py", 9, 5))
        .says("migrations/versions/m1_orphan.py:4:1")
        .says("parent `nope` names no migration"),
        Row::new(
            "migration graph with a missing parent, Django",
            vec![(
                "shop/migrations/0003_orphan.py",
                django_mig("(\"shop\", \"0099_nope\")", "        migrations.RemoveField(model_name=\"customer\", name=\"nick\"),").into_bytes(),
            )],
            1,
        )
        .finds(at("migration-graph", "shop/migrations/0003_orphan.py", 4, 1))
        .finds(at("drop-column", "shop/migrations/0003_orphan.py", 7, 9))
        .says("shop/migrations/0003_orphan.py:4:1")
        .says("parent `shop.0099_nope` names no migration"),
    ]
}

/// Runs `check` (human and JSON) on the good project plus the row's files and checks the four
/// properties.
fn check_row(row: &Row) {
    let dir = tempfile::tempdir().expect("temp dir");
    fill(dir.path(), &row.files);
    check_row_in(row, &|args| {
        run_checked(row.name, &mut rollsafe_cmd(dir.path(), args))
    });
}

/// The assertions of a row, with `run` running `rollsafe ARGS` in the row's project.
fn check_row_in(row: &Row, run: &dyn Fn(&[&str]) -> Out) {
    let name = row.name;
    // Human output: located messages, the good warnings, the count, the exit code.
    let human = run(&["check", "--verbose"]);
    assert_eq!(
        human.code, row.code,
        "{name}: exit code\nstdout:\n{}\nstderr:\n{}",
        human.stdout, human.stderr
    );
    let text = human.all();
    for needle in &row.stderr {
        assert!(
            human.stderr.contains(needle),
            "{name}: no {needle:?} on stderr:\n{}",
            human.stderr
        );
    }
    for needle in &row.human {
        assert!(text.contains(needle), "{name}: no {needle:?} in:\n{text}");
    }
    for (_, path, line, column) in GOOD_FINDINGS {
        let needle = format!("{path}:{line}:{column}");
        assert!(
            text.contains(&needle),
            "{name}: the good migration's warning {needle} is gone:\n{text}"
        );
    }
    let summary = format!(
        "checked {} file{}",
        row.files_checked,
        if row.files_checked == 1 { "" } else { "s" }
    );
    assert!(
        text.contains(&summary),
        "{name}: no {summary:?} in:\n{text}"
    );
    assert!(
        !text.contains('␍'),
        "{name}: a carriage return is drawn:\n{text}"
    );

    // JSON: exactly the expected findings, every one located, and the changes still read.
    let out = run(&["check", "--format", "json"]);
    assert_eq!(
        out.code, row.code,
        "{name}: exit code (json)\n{}",
        out.stderr
    );
    let json = out.json(name);
    for needle in &row.stderr {
        assert!(
            out.stderr.contains(needle),
            "{name}: no {needle:?} on stderr (json):\n{}",
            out.stderr
        );
    }
    assert_eq!(
        json["summary"]["files"].as_u64(),
        Some(row.files_checked as u64),
        "{name}: files checked"
    );
    let findings = json["findings"].as_array().expect("findings");
    for f in findings {
        assert!(
            f["path"].as_str().is_some_and(|p| !p.is_empty())
                && f["line"].as_u64().is_some_and(|l| l >= 1)
                && f["column"].as_u64().is_some_and(|c| c >= 1),
            "{name}: unlocated finding {f}"
        );
    }
    let key = |f: &Value| {
        (
            f["rule"].as_str().unwrap_or("").to_string(),
            f["path"].as_str().unwrap_or("").to_string(),
            f["line"].as_u64().unwrap_or(0),
            f["column"].as_u64().unwrap_or(0),
        )
    };
    for (rule, path, line, column) in GOOD_FINDINGS {
        let want = (rule.to_string(), path.to_string(), *line, *column);
        assert!(
            findings.iter().any(|f| key(f) == want),
            "{name}: the good migration's warning {want:?} is gone: {findings:#?}"
        );
    }
    let mut rest: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            !GOOD_FINDINGS
                .iter()
                .any(|(r, p, l, c)| key(f) == (r.to_string(), p.to_string(), *l, *c))
        })
        .collect();
    for want in &row.findings {
        let pos = rest.iter().position(|f| {
            let (rule, path, line, column) = key(f);
            rule == want.rule
                && path == want.path
                && line == want.line
                && column == want.column
                && want.end.is_none_or(|(el, ec)| {
                    f["end_line"].as_u64() == Some(el) && f["end_column"].as_u64() == Some(ec)
                })
                && f["suppressed"].as_bool() == Some(want.suppressed)
        });
        match pos {
            Some(i) => {
                rest.remove(i);
            }
            None => panic!("{name}: no finding {want:?} among {rest:#?}"),
        }
    }
    assert!(rest.is_empty(), "{name}: unexpected findings {rest:#?}");
    for (path, line, column, what) in &row.changes {
        let found = json["migrations"]
            .as_array()
            .expect("migrations")
            .iter()
            .filter(|m| m["path"] == *path)
            .flat_map(|m| m["changes"].as_array().cloned().unwrap_or_default())
            .any(|c| {
                c["line"].as_u64() == Some(*line)
                    && c["column"].as_u64() == Some(*column)
                    && c["description"] == *what
            });
        assert!(
            found,
            "{name}: change {what:?} at {path}:{line}:{column} not read: {}",
            json["migrations"]
        );
    }
}

#[test]
fn check_matrix() {
    for row in rows() {
        check_row(&row);
    }
}

#[test]
fn good_project_alone_is_clean_but_warned() {
    let row = Row::new("good project", Vec::new(), 0);
    check_row(&row);
}

/// A 50 MB migration: checked, its last line located; the other files still checked. One run
/// only (it is the slow row).
#[test]
fn big_file_is_checked() {
    let mut big = String::with_capacity(51 * 1024 * 1024);
    let mut lines = 0u64;
    while big.len() < 50 * 1024 * 1024 {
        big.push_str("INSERT INTO users (id, email) VALUES (1, 'someone@example.com');\n");
        lines += 1;
    }
    big.push_str("ALTER TABLE users DROP COLUMN bio;\n");
    let dir = good_project();
    write(dir.path(), "db/migration/V3__big.sql", big.as_bytes());
    let name = "50 MB file";
    let out = run_checked(name, &mut rollsafe_cmd(dir.path(), &["check"]));
    assert_eq!(out.code, 1, "{name}: {}", out.stderr);
    let located = format!("db/migration/V3__big.sql:{}:19", lines + 1);
    assert!(out.stdout.contains(&located), "{name}: no {located}");
    for (_, path, line, column) in GOOD_FINDINGS {
        let needle = format!("{path}:{line}:{column}");
        assert!(out.stdout.contains(&needle), "{name}: {needle} is gone");
    }
    assert!(
        out.stdout
            .contains(&format!("checked {} files", GOOD_FILES + 1)),
        "{name}: {}",
        out.stdout
    );
}

/// The effective user id, from `/proc/self/status`, else `id -u`.
fn effective_uid() -> Option<u32> {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
        return uids.split_whitespace().nth(1)?.parse().ok();
    }
    let out = Command::new("id").arg("-u").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// How to run the binary so that permission bits apply: directly when not root, else through
/// `setpriv` or `runuser` as `nobody`. `Err` says why neither works.
fn unprivileged_prefix() -> Result<Vec<String>, String> {
    match effective_uid() {
        Some(0) => {}
        Some(_) => return Ok(Vec::new()),
        None => return Err("cannot tell the user id (no /proc/self/status, no `id -u`)".into()),
    }
    let mut tried = Vec::new();
    for prefix in [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ][..],
        &["runuser", "-u", "nobody", "--"][..],
    ] {
        match Command::new(prefix[0])
            .args(&prefix[1..])
            .args(["id", "-u"])
            .output()
        {
            Ok(o) if o.status.success() && String::from_utf8_lossy(&o.stdout).trim() != "0" => {
                return Ok(prefix.iter().map(|s| s.to_string()).collect());
            }
            Ok(o) => tried.push(format!(
                "{}: {}",
                prefix[0],
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => tried.push(format!("{}: {e}", prefix[0])),
        }
    }
    Err(format!(
        "running as root, which ignores permission bits, and cannot run as another user ({})",
        tried.join("; ")
    ))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Dirs 0755 and files 0644 from `dir` down: open to any user.
fn open_up(dir: &Path) {
    chmod(dir, 0o755);
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            open_up(&p);
        } else {
            chmod(&p, 0o644);
        }
    }
}

/// Gives the permissions back (so the temp dir can be removed) even when an assertion fails.
struct Restore(std::path::PathBuf, u32);

impl Drop for Restore {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(self.1));
    }
}

/// A directory and migration files that cannot be read: each is reported where it is, the run
/// fails, and everything else is still checked.
#[test]
fn unreadable_directory_and_files() {
    let prefix = match unprivileged_prefix() {
        Ok(p) => p,
        Err(why) => {
            eprintln!(
                "\n*** SKIPPED unreadable_directory_and_files: {why}; the unreadable-file rows \
                 were NOT tested ***\n"
            );
            return;
        }
    };
    // The other user must reach the tree and the binary: /tmp is open to all.
    let tmp_root = if prefix.is_empty() {
        std::env::temp_dir()
    } else {
        std::path::PathBuf::from("/tmp")
    };
    let bin_dir = tempfile::tempdir_in(&tmp_root).expect("temp dir");
    let mut bin = std::path::PathBuf::from(common::bin());
    let can_run = |bin: &Path| {
        rollsafe_cmd_as(&prefix, bin, bin_dir.path(), &["--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    chmod(bin_dir.path(), 0o755);
    if !can_run(&bin) {
        let copy = bin_dir.path().join("rollsafe");
        std::fs::copy(&bin, &copy).expect("copy the binary");
        chmod(&copy, 0o755);
        bin = copy;
        assert!(
            can_run(&bin),
            "the unprivileged user cannot run {}",
            bin.display()
        );
    }

    let rows: Vec<(Row, &str)> = vec![
        (
            Row::new(
                "directory without read permission",
                vec![(
                    "extra/migrations/0001_drop.up.sql",
                    b"DROP TABLE users;\n".to_vec(),
                )],
                0,
            )
            .checked(GOOD_FILES)
            .warns("warning: could not read extra/migrations")
            .warns("Permission denied")
            .warns("migrations in it are not checked"),
            "extra/migrations",
        ),
        (
            Row::new(
                "SQL migration without read permission",
                vec![(
                    "db/migration/V3__secret.sql",
                    b"ALTER TABLE users DROP COLUMN bio;\n".to_vec(),
                )],
                1,
            )
            .finds(at("parse-error", "db/migration/V3__secret.sql", 1, 1))
            .says("db/migration/V3__secret.sql")
            .says("Permission denied"),
            "db/migration/V3__secret.sql",
        ),
        (
            Row::new(
                "Alembic revision without read permission",
                vec![(
                    "migrations/versions/c3_secret.py",
                    alembic_rev("c3", "\"b2\"", "    op.drop_column(\"accounts\", \"note\")")
                        .into_bytes(),
                )],
                1,
            )
            .finds(at("parse-error", "migrations/versions/c3_secret.py", 1, 1))
            .says("migrations/versions/c3_secret.py")
            .says("Permission denied"),
            "migrations/versions/c3_secret.py",
        ),
        (
            Row::new(
                "Django migration without read permission",
                vec![(
                    "shop/migrations/0003_secret.py",
                    django_mig(
                        "(\"shop\", \"0002_check\")",
                        "        migrations.RemoveField(model_name=\"customer\", name=\"nick\"),",
                    )
                    .into_bytes(),
                )],
                1,
            )
            .finds(at("parse-error", "shop/migrations/0003_secret.py", 1, 1))
            .says("shop/migrations/0003_secret.py")
            .says("Permission denied"),
            "shop/migrations/0003_secret.py",
        ),
    ];
    for (row, locked) in &rows {
        let dir = tempfile::tempdir_in(&tmp_root).expect("temp dir");
        fill(dir.path(), &row.files);
        open_up(dir.path());
        let locked = dir.path().join(locked);
        let restore = Restore(locked.clone(), if locked.is_dir() { 0o755 } else { 0o644 });
        chmod(&locked, 0o000);
        check_row_in(row, &|args| {
            run_checked(
                row.name,
                &mut rollsafe_cmd_as(&prefix, &bin, dir.path(), args),
            )
        });
        if locked.is_dir() {
            // Nothing is ahead of V2, but migrations may hide in the folder: not "safe".
            let out = run_checked(
                row.name,
                &mut rollsafe_cmd_as(&prefix, &bin, dir.path(), &["rollback", "V2"]),
            );
            assert_eq!(
                out.code, 3,
                "{}: rollback verdict\n{}",
                row.name, out.stdout
            );
            assert!(
                out.stdout.contains("UNKNOWN") || out.stdout.to_lowercase().contains("unknown"),
                "{}: {}",
                row.name,
                out.stdout
            );
            assert!(
                out.stdout.contains("could not read") && out.stdout.contains("extra/migrations"),
                "{}: names the unread folder: {}",
                row.name,
                out.stdout
            );
        }
        drop(restore);
    }
}

/// The good project committed as `v1` in a fresh repository.
fn git_project() -> tempfile::TempDir {
    let dir = good_project();
    git(dir.path(), &["init", "-q", "-b", "main", "."]);
    commit_all(dir.path(), "v1");
    dir
}

/// Asserts a run refused with exit 2: a message naming `needles` on stderr, nothing on stdout.
fn assert_refused(label: &str, out: &Out, needles: &[&str]) {
    assert_eq!(
        out.code, 2,
        "{label}: exit code\n{}{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "{label}: a refused run prints no report:\n{}",
        out.stdout
    );
    assert!(
        out.stderr.starts_with("error: "),
        "{label}: stderr: {}",
        out.stderr
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "{label}: no {needle:?} in {}",
            out.stderr
        );
    }
}

#[test]
fn unknown_git_revision() {
    let dir = git_project();
    for args in [
        &["rollback", "nosuchrev"][..],
        &["rollback", "nosuchrev", "--format", "json"],
        &["rollback", "v1", "--from", "nosuchrev"],
        &["check", "--changed-since", "nosuchrev"],
        &["check", "--changed-since", "nosuchrev", "--format", "json"],
        &["schema", "--at", "nosuchrev"],
        &["schema", "--at", "nosuchrev", "--format", "json"],
    ] {
        let label = format!("unknown git revision: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
        assert_refused(&label, &out, &["`nosuchrev`", "recent tags: v1"]);
    }
    // The same commands with a revision that exists read the good project.
    write(
        dir.path(),
        "db/migration/V3__add.sql",
        b"ALTER TABLE users ADD COLUMN z int;\n",
    );
    let label = "known git revision";
    let out = run_checked(label, &mut rollsafe_cmd(dir.path(), &["rollback", "v1"]));
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("V3__add.sql"),
        "{label}: {}",
        out.stdout
    );
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["check", "--changed-since", "v1"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("checked 1 file,"),
        "{label}: {}",
        out.stdout
    );
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["schema", "--at", "v1"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    for table in ["users", "accounts", "shop_customer"] {
        assert!(
            out.stdout.contains(table),
            "{label}: no {table} in {}",
            out.stdout
        );
    }
}

/// A shallow clone lacks the revisions beyond its boundary: exit 2 with the fix; `check` there
/// still reads everything.
#[test]
fn shallow_clone_beyond_the_boundary() {
    let origin = git_project();
    let old = git(origin.path(), &["rev-parse", "HEAD"]);
    write(
        origin.path(),
        "db/migration/V3__add.sql",
        b"ALTER TABLE users ADD COLUMN z int;\n",
    );
    commit_all(origin.path(), "v2");
    let clones = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", origin.path().display());
    git(clones.path(), &["clone", "-q", "--depth", "1", &url, "c"]);
    let clone = clones.path().join("c");
    for args in [
        &["rollback", old.as_str()][..],
        &["rollback", "HEAD~1"],
        &["check", "--changed-since", old.as_str()],
        &["schema", "--at", old.as_str()],
    ] {
        let label = format!("shallow clone: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(&clone, args));
        assert_refused(
            &label,
            &out,
            &[args[args.len() - 1], "git fetch --unshallow"],
        );
    }
    let row = Row::new("shallow clone: check", Vec::new(), 0).checked(GOOD_FILES + 1);
    check_row_in(&row, &|args| {
        run_checked(row.name, &mut rollsafe_cmd(&clone, args))
    });
}

/// A bad configuration file stops the run (exit 2) at its file and line; without it the same
/// project checks.
#[test]
fn bad_configuration_points_at_the_line() {
    let dir = good_project();
    for (what, file, body, needle) in [
        (
            "syntax error",
            "rollsafe.toml",
            "[rules\n",
            "rollsafe.toml:1",
        ),
        (
            "unknown key",
            "rollsafe.toml",
            "dialect = \"postgres\"\nno_such_key = 1\n",
            "rollsafe.toml:2",
        ),
        (
            "unknown rule",
            "rollsafe.toml",
            "[rules]\ndrop-columns = \"off\"\n",
            "rollsafe.toml:2",
        ),
        (
            "bad severity",
            "rollsafe.toml",
            "[rules]\ndrop-column = \"loud\"\n",
            "rollsafe.toml:2",
        ),
        (
            "bad type",
            "rollsafe.toml",
            "exclude = \"notalist\"\n",
            "rollsafe.toml:1",
        ),
        (
            "bad dialect",
            "rollsafe.toml",
            "\ndialect = \"oracle\"\n",
            "rollsafe.toml:2",
        ),
        (
            "unknown key in pyproject.toml",
            "pyproject.toml",
            "[tool.rollsafe]\n\nno_such_key = 1\n",
            "pyproject.toml:3",
        ),
        (
            "syntax error in pyproject.toml",
            "pyproject.toml",
            "[project]\nname = \"x\n",
            "pyproject.toml:2",
        ),
    ] {
        let label = format!("bad config: {what}");
        let _ = std::fs::remove_file(dir.path().join("rollsafe.toml"));
        let _ = std::fs::remove_file(dir.path().join("pyproject.toml"));
        write(dir.path(), file, body.as_bytes());
        for args in [&["check"][..], &["check", "--format", "json"]] {
            let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
            assert_refused(&label, &out, &[needle]);
        }
        // From a subfolder, found walking up: the same location.
        let out = run_checked(
            &label,
            &mut rollsafe_cmd(&dir.path().join("db"), &["check"]),
        );
        assert_refused(&label, &out, &[needle]);
    }
    std::fs::remove_file(dir.path().join("pyproject.toml")).expect("rm");
    let row = Row::new("config removed", Vec::new(), 0);
    check_row_in(&row, &|args| {
        run_checked(row.name, &mut rollsafe_cmd(dir.path(), args))
    });
}

/// A path that does not exist: exit 2 naming it; existing paths are checked.
#[test]
fn path_that_does_not_exist() {
    let dir = good_project();
    for (args, needle) in [
        (
            &["check", "db/migration/V9__nope.sql"][..],
            "db/migration/V9__nope.sql",
        ),
        (
            &["check", "db/migration/V2__check.sql", "no/such/dir"],
            "no/such/dir",
        ),
        (&["check", "--root", "no/such/dir"], "no/such/dir"),
        (&["check", "--config", "nope.toml"], "nope.toml"),
        (&["schema", "--root", "no/such/dir"], "no/such/dir"),
        (&["rollback", "1", "--applied", "nope.txt"], "nope.txt"),
    ] {
        let label = format!("path that does not exist: {}", args.join(" "));
        let out = run_checked(&label, &mut rollsafe_cmd(dir.path(), args));
        assert_refused(&label, &out, &[needle]);
    }
    let label = "existing path";
    let out = run_checked(
        label,
        &mut rollsafe_cmd(dir.path(), &["check", "db/migration/V2__check.sql"]),
    );
    assert_eq!(out.code, 0, "{label}: {}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("db/migration/V2__check.sql:1:19")
            && out.stdout.contains("checked 1 file,"),
        "{label}: {}",
        out.stdout
    );
}

/// Migrations and the Python around them (`env.py`, `settings.py`, `__init__.py`, `manage.py`,
/// models) are read, never run: code that would leave marks when imported or run leaves none,
/// not even through a `python` found on PATH, and the migrations' changes are still read.
#[test]
fn python_is_read_never_executed() {
    let marks = tempfile::tempdir().expect("temp dir");
    let m = marks.path().display().to_string();
    // Prints the marker (spelled so that the source never holds it) and writes files.
    let payload = format!(
        "import os\nimport subprocess\nprint(\"EXEC\" + \"UTED\")\nopen(r\"{m}/PWNED\", \
         \"w\").write(\"x\")\nos.system(\"touch {m}/PWNED_system\")\nsubprocess.run([\"touch\", \
         r\"{m}/PWNED_subprocess\"])\n"
    );
    let indented: String = payload.lines().map(|l| format!("    {l}\n")).collect();
    let files: Vec<(String, String)> = vec![
        (
            "alembic.ini".into(),
            "[alembic]\nscript_location = migrations\n".into(),
        ),
        (
            "migrations/env.py".into(),
            format!("from alembic import context\n{payload}"),
        ),
        ("migrations/__init__.py".into(), payload.clone()),
        ("migrations/versions/__init__.py".into(), payload.clone()),
        (
            "migrations/versions/a1_init.py".into(),
            format!(
                "{payload}{}",
                alembic_rev(
                    "a1",
                    "None",
                    &format!(
                        "{indented}    op.create_table(\"accounts\", sa.Column(\"id\", \
                         sa.BigInteger(), primary_key=True), sa.Column(\"note\", sa.Text()))"
                    ),
                )
            ),
        ),
        (
            "migrations/versions/b2_drop.py".into(),
            format!(
                "{}\n{payload}",
                alembic_rev("b2", "\"a1\"", "    op.drop_column(\"accounts\", \"note\")")
            ),
        ),
        ("manage.py".into(), payload.clone()),
        ("settings.py".into(), payload.clone()),
        ("conftest.py".into(), payload.clone()),
        ("sitecustomize.py".into(), payload.clone()),
        ("shop/__init__.py".into(), payload.clone()),
        ("shop/models.py".into(), payload.clone()),
        ("shop/apps.py".into(), payload.clone()),
        ("shop/migrations/__init__.py".into(), payload.clone()),
        (
            "shop/migrations/0001_initial.py".into(),
            format!(
                "{payload}{}",
                django_mig(
                    "",
                    "        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", \
                     models.BigAutoField(primary_key=True)), (\"nick\", \
                     models.TextField(null=True))]),",
                )
            ),
        ),
        (
            "shop/migrations/0002_drop.py".into(),
            format!(
                "from django.db import migrations\n{payload}\n\nclass \
                 Migration(migrations.Migration):\n{indented}    dependencies = [(\"shop\", \
                 \"0001_initial\")]\n    operations = [\n        \
                 migrations.RemoveField(model_name=\"customer\", name=\"nick\"),\n    ]\n"
            ),
        ),
    ];
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_str()))
        .collect();
    let dir = project_dir(&refs);
    // Interpreters and framework commands on PATH that would leave a mark if started.
    let fake = tempfile::tempdir().expect("temp dir");
    for name in ["python", "python3", "alembic", "django-admin"] {
        let script = fake.path().join(name);
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho EXEC''UTED\ntouch \"{m}/PWNED_{name}\"\n"),
        )
        .expect("write");
        chmod(&script, 0o755);
    }
    let path = format!(
        "{}:{}",
        fake.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |label: &str, args: &[&str]| {
        let mut cmd = rollsafe_cmd(dir.path(), args);
        cmd.env("PATH", &path);
        let out = run_checked(label, &mut cmd);
        assert!(
            !out.all().contains("EXECUTED"),
            "{label}: Python ran:\n{}",
            out.all()
        );
        let left: Vec<String> = std::fs::read_dir(marks.path())
            .expect("read marks")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(left.is_empty(), "{label}: something ran and left {left:?}");
        out
    };

    let out = run("no execution: check", &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json = out.json("no execution: check");
    let rules: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (
                "drop-column".to_string(),
                "shop/migrations/0002_drop.py".to_string()
            ),
            (
                "drop-column".to_string(),
                "migrations/versions/b2_drop.py".to_string()
            ),
        ],
        "the migrations are read, and nothing else is a migration"
    );
    let verbose = run("no execution: check --verbose", &["check", "--verbose"]);
    for needle in [
        "create table accounts",
        "drop column accounts.note",
        "create table shop_customer",
        "drop column shop_customer.nick",
    ] {
        assert!(
            verbose.stdout.contains(needle),
            "no {needle:?}:\n{}",
            verbose.stdout
        );
    }
    let out = run("no execution: schema", &["schema"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("accounts") && out.stdout.contains("shop_customer"),
        "{}",
        out.stdout
    );
    // Through git: rollback and schema read the revisions from the object store.
    git(dir.path(), &["init", "-q", "-b", "main", "."]);
    commit_all(dir.path(), "v1");
    write(
        dir.path(),
        "migrations/versions/c3_more.py",
        format!(
            "{payload}{}",
            alembic_rev("c3", "\"b2\"", "    op.drop_table(\"accounts\")")
        )
        .as_bytes(),
    );
    commit_all(dir.path(), "v2");
    let out = run("no execution: rollback", &["rollback", "v1"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("c3_more.py") && out.stdout.contains("table `accounts` is dropped"),
        "{}",
        out.stdout
    );
    let out = run("no execution: schema --at", &["schema", "--at", "v1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("accounts"), "{}", out.stdout);
}
