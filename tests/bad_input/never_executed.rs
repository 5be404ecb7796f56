//! Migrations and the Python around them are read, never executed.

use crate::common::{commit_all, git, project_dir, rollsafe_cmd, run_checked, write};
use crate::good::*;
use crate::permissions::chmod;

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
    let files = planted_files(&payload, &indented);
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
        .filter(|f| !crate::common::is_lock_rule(f["rule"].as_str().unwrap_or("")))
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

/// Alembic and Django projects whose every Python file holds `payload` (indented: `indented`).
fn planted_files(payload: &str, indented: &str) -> Vec<(String, String)> {
    let payload = payload.to_string();
    vec![
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
    ]
}
