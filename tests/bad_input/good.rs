//! The good project every case adds its bad input to, and what a case expects.

use crate::common::write;
use std::path::Path;

pub(crate) const INIT: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, bio text);\n";

/// An Alembic revision: `body` is the code of `upgrade()` (it starts on line 9).
pub(crate) fn alembic_rev(rev: &str, down: &str, body: &str) -> String {
    format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = \
         {down}\n\n\ndef upgrade():\n{body}\n"
    )
}

/// A Django migration of app `shop`: `ops` are the operations (they start on line 7).
pub(crate) fn django_mig(deps: &str, ops: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    \
         dependencies = [{deps}]\n    operations = [\n{ops}\n    ]\n"
    )
}

/// The good project: two migrations per framework, the second raising one warning.
pub(crate) fn good_files() -> Vec<(String, String)> {
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
pub(crate) const GOOD_FILES: usize = 6;

/// The warning each good migration raises: (rule, path, line, column).
pub(crate) const GOOD_FINDINGS: &[(&str, &str, u64, u64)] = &[
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

pub(crate) fn good_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fill(dir.path(), &[]);
    dir
}

/// Writes the good project plus `extra` into `dir`.
pub(crate) fn fill(dir: &Path, extra: &[(&str, Vec<u8>)]) {
    for (rel, body) in good_files() {
        write(dir, &rel, body.as_bytes());
    }
    for (rel, body) in extra {
        write(dir, rel, body);
    }
}

/// A finding a row expects, beyond the good ones.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expect {
    pub(crate) rule: &'static str,
    pub(crate) path: &'static str,
    pub(crate) line: u64,
    pub(crate) column: u64,
    /// `(end_line, end_column)`, when the row is about spans.
    pub(crate) end: Option<(u64, u64)>,
    pub(crate) suppressed: bool,
}

pub(crate) fn at(rule: &'static str, path: &'static str, line: u64, column: u64) -> Expect {
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
    pub(crate) fn to(mut self, end_line: u64, end_column: u64) -> Self {
        self.end = Some((end_line, end_column));
        self
    }
    pub(crate) fn waived(mut self) -> Self {
        self.suppressed = true;
        self
    }
}

/// One row of the `check` matrix.
pub(crate) struct Row {
    pub(crate) name: &'static str,
    /// The bad files added to the good project.
    pub(crate) files: Vec<(&'static str, Vec<u8>)>,
    pub(crate) code: i32,
    /// Every finding beyond the good ones, exactly.
    pub(crate) findings: Vec<Expect>,
    /// Text the human output (stdout + stderr) must hold: located messages.
    pub(crate) human: Vec<&'static str>,
    /// Text stderr must hold in every format (JSON leaves it nowhere else).
    pub(crate) stderr: Vec<&'static str>,
    /// Migration files checked (the summary's count).
    pub(crate) files_checked: usize,
    /// `(path, line, column, description)` of changes `--format json` must list: what was
    /// still read around the bad input.
    pub(crate) changes: Vec<(&'static str, u64, u64, &'static str)>,
}

impl Row {
    pub(crate) fn new(name: &'static str, files: Vec<(&'static str, Vec<u8>)>, code: i32) -> Row {
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
    pub(crate) fn finds(mut self, f: Expect) -> Self {
        self.findings.push(f);
        self
    }
    pub(crate) fn says(mut self, needle: &'static str) -> Self {
        self.human.push(needle);
        self
    }
    pub(crate) fn warns(mut self, needle: &'static str) -> Self {
        self.stderr.push(needle);
        self
    }
    pub(crate) fn reads(
        mut self,
        path: &'static str,
        line: u64,
        column: u64,
        what: &'static str,
    ) -> Self {
        self.changes.push((path, line, column, what));
        self
    }
    pub(crate) fn checked(mut self, n: usize) -> Self {
        self.files_checked = n;
        self
    }
}

pub(crate) fn crlf(s: &str) -> Vec<u8> {
    s.replace('\n', "\r\n").into_bytes()
}

/// `s` with `é` as its Latin-1 byte: not UTF-8.
pub(crate) fn latin1(s: &str) -> Vec<u8> {
    let mut b = Vec::new();
    for c in s.chars() {
        match c {
            'é' => b.push(0xe9),
            c => b.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    b
}

pub(crate) fn bom(s: &str) -> Vec<u8> {
    let mut b = b"\xef\xbb\xbf".to_vec();
    b.extend_from_slice(s.as_bytes());
    b
}
