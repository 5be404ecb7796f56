//! `rollsafe rollback` over real git repositories built in temp dirs.

mod common;
use common::{FLYWAY_DIR as M, rollback_base as base, rollsafe_all as rollsafe};
use common::{commit_files as commit, git, git_repo as repo, write};

fn verdict_after(change: &str) -> (i32, String) {
    let dir = base();
    commit(
        dir.path(),
        &[(&format!("{M}/V2__change.sql"), change)],
        "v2",
    );
    rollsafe(dir.path(), &["rollback", "v1"])
}

#[test]
fn unsafe_changes() {
    for (sql, needle) in [
        (
            "ALTER TABLE users DROP COLUMN email;",
            "column `users.email` is dropped",
        ),
        (
            "ALTER TABLE users RENAME COLUMN name TO full_name;",
            "renamed to `full_name`",
        ),
        (
            "ALTER TABLE users ADD COLUMN age int NOT NULL;",
            "without a value for `age`",
        ),
        (
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);",
            "duplicate",
        ),
        (
            "ALTER TABLE users ALTER COLUMN bio TYPE varchar(10);",
            "from text to varchar(10)",
        ),
        ("DROP TABLE users;", "table `users` is dropped"),
    ] {
        let (code, out) = verdict_after(sql);
        assert_eq!(code, 1, "{sql}\n{out}");
        assert!(out.starts_with("rollback to v1: UNSAFE"), "{out}");
        assert!(out.contains(needle), "{sql}: no {needle:?} in\n{out}");
        assert!(out.contains("V2__change.sql:1"), "{out}");
    }
}

#[test]
fn safe_changes() {
    for sql in [
        "ALTER TABLE users ADD COLUMN age int;",
        "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
        "CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz NOT NULL);",
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(200);",
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    ] {
        let (code, out) = verdict_after(sql);
        assert_eq!(code, 0, "{sql}\n{out}");
        assert!(out.starts_with("rollback to v1: SAFE"), "{out}");
        assert!(out.contains("roll back the app only"), "{out}");
    }
}

#[test]
fn add_then_drop_between_target_and_now_is_safe() {
    let dir = base();
    commit(
        dir.path(),
        &[
            (
                &format!("{M}/V9__tmp.sql"),
                "ALTER TABLE users ADD COLUMN tmp text NOT NULL DEFAULT '';\n",
            ),
            (
                &format!("{M}/V10__drop_tmp.sql"),
                "ALTER TABLE users DROP COLUMN tmp;\n",
            ),
        ],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    // Listed in numeric order.
    let a = out.find("V9__tmp").expect("V9 listed");
    let b = out.find("V10__drop_tmp").expect("V10 listed");
    assert!(a < b, "{out}");
}

#[test]
fn overridden_contract_is_still_unsafe_and_shows_the_reason() {
    let (code, out) = verdict_after(
        "-- compat: breaking (reason: email moved to contacts)\nALTER TABLE users DROP COLUMN email;\n",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("reason: email moved to contacts"), "{out}");
}

#[test]
fn opaque_change_makes_the_verdict_unknown() {
    let (code, out) =
        verdict_after("DO $$ BEGIN EXECUTE 'ALTER TABLE users ' || 'DROP COLUMN email'; END $$;\n");
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("rollback to v1: UNKNOWN"), "{out}");
    assert!(out.contains("V2__change.sql:1"), "{out}");
}

#[test]
fn json_verdict() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__drop.sql"),
            "ALTER TABLE users DROP COLUMN email;\n",
        )],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["version"], 1);
    assert_eq!(json["verdict"], "unsafe");
    assert_eq!(json["ahead"][0]["id"], "2");
    assert_eq!(json["breakages"][0]["rule"], "drop-column");
    assert_eq!(json["breakages"][0]["line"], 1);
    assert_eq!(json["breakages"][0]["overridden"], false);
}

#[test]
fn targets_by_branch_sha_relative_rev_and_migration_id() {
    let dir = base();
    git(dir.path(), &["branch", "release-1"]);
    let sha = git(dir.path(), &["rev-parse", "HEAD"]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__drop.sql"),
            "ALTER TABLE users DROP COLUMN email;\n",
        )],
        "v2",
    );
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__add.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v3",
    );
    for target in ["release-1", &sha[..8], &sha, "HEAD~2", "1", "V1"] {
        let (code, out) = rollsafe(dir.path(), &["rollback", target]);
        assert_eq!(code, 1, "{target}: {out}");
        assert!(out.contains("V2__drop.sql"), "{target}: {out}");
    }
    // From v2 to now only V3 is ahead: safe.
    let (code, out) = rollsafe(dir.path(), &["rollback", "2"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--from", "v2"]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("V3__add"), "--from v2 must not see V3: {out}");
}

#[test]
fn merges_and_working_tree() {
    let dir = base();
    git(dir.path(), &["checkout", "-qb", "feature"]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__feature.sql"),
            "ALTER TABLE users ADD COLUMN nick text;\n",
        )],
        "f1",
    );
    git(dir.path(), &["checkout", "-q", "main"]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__main.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "m1",
    );
    git(dir.path(), &["merge", "-q", "--no-edit", "feature"]);
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("V2__main.sql") && out.contains("V3__feature.sql"),
        "{out}"
    );
    // An uncommitted migration in the working tree counts as applied now.
    write(
        dir.path(),
        &format!("{M}/V4__nn.sql"),
        b"ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("V4__nn.sql"), "{out}");
}

#[test]
fn applied_list_describes_the_database() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__add.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v2",
    );
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__drop.sql"),
            "ALTER TABLE users DROP COLUMN email;\n",
        )],
        "v3",
    );
    // The database has only V1 and V2: the V3 drop never ran, so rolling back to v1 is safe.
    write(
        dir.path(),
        "applied.txt",
        b"# flyway_schema_history\n1\n2\n",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--applied", "applied.txt"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("V3__drop"), "{out}");
    write(dir.path(), "applied.txt", b"1\n2\n3\n99\n");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--applied", "applied.txt"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("99"),
        "unknown applied ids are mentioned: {out}"
    );
}

#[test]
fn edited_old_migration_is_reported_not_reapplied() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__add.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v2",
    );
    // Someone edits V1 after the fact: it is not re-applied, so its new DROP never ran.
    commit(
        dir.path(),
        &[
            (
                &format!("{M}/V1__init.sql"),
                "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50), bio text);\n",
            ),
            (
                &format!("{M}/V3__add.sql"),
                "ALTER TABLE users ADD COLUMN nick text;\n",
            ),
        ],
        "v3",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v2"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Edited since v2") && out.contains("V1__init.sql"),
        "{out}"
    );
}

#[test]
fn golang_migrate_downgrades_and_commands() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            (
                "migrations/0001_init.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY, email text);\n",
            ),
            ("migrations/0001_init.down.sql", "DROP TABLE users;\n"),
        ],
        "v1",
    );
    commit(
        dir.path(),
        &[
            (
                "migrations/0002_rename.up.sql",
                "ALTER TABLE users RENAME COLUMN email TO mail;\n",
            ),
            (
                "migrations/0002_rename.down.sql",
                "ALTER TABLE users RENAME COLUMN mail TO email;\n",
            ),
            (
                "migrations/0003_tags.up.sql",
                "CREATE TABLE tags (id int);\n",
            ),
            ("migrations/0003_tags.down.sql", "DROP TABLE tags;\n"),
        ],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("migrate -path migrations -database \"$DATABASE_URL\" goto 1"),
        "{out}"
    );
    assert!(
        out.contains("downgrade: present, destroys table tags"),
        "{out}"
    );
    assert!(out.contains("destroys data"), "{out}");
}

#[test]
fn error_cases_exit_2_with_advice() {
    let dir = base();
    let (code, out) = rollsafe(dir.path(), &["rollback", "no-such-tag"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("recent tags: v1"), "{out}");
    // Not a rollback: the target has a migration that now lacks.
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__add.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v2", "--from", "v1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a rollback"), "{out}");
    // Not a git repository.
    let plain = tempfile::tempdir().expect("temp dir");
    write(
        plain.path(),
        &format!("{M}/V1__init.sql"),
        b"CREATE TABLE t (id int);\n",
    );
    let (code, out) = rollsafe(plain.path(), &["rollback", "v1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not inside a git repository"), "{out}");
    // A migration id works without git.
    write(
        plain.path(),
        &format!("{M}/V2__drop.sql"),
        b"DROP TABLE t;\n",
    );
    let (code, out) = rollsafe(plain.path(), &["rollback", "1"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn shallow_clone_that_lacks_the_target() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__add.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v2",
    );
    let clone = tempfile::tempdir().expect("temp dir");
    let url = format!("file://{}", dir.path().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "1", "--no-tags", &url, "c"],
    );
    let c = clone.path().join("c");
    let (code, out) = rollsafe(&c, &["rollback", "v1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("git fetch --unshallow"), "{out}");
}

#[test]
fn diff_and_schema_commands() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__drop.sql"),
            "ALTER TABLE users DROP COLUMN email;\n",
        )],
        "v2",
    );
    let (_, out) = rollsafe(dir.path(), &["rollback", "v1", "--diff"]);
    assert!(
        out.contains("--- v1") && out.contains("-  column email text"),
        "{out}"
    );
    let (code, out) = rollsafe(dir.path(), &["schema", "--at", "v1"]);
    assert_eq!(code, 0);
    assert!(out.contains("column email text"), "{out}");
    let (code, out) = rollsafe(dir.path(), &["schema", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["version"], 2);
    assert_eq!(json["histories"][0]["tables"][0]["name"]["name"], "users");
}

#[test]
fn alembic_history() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
            ("migrations/env.py", "from alembic import context\n"),
            (
                "migrations/versions/a1b2c3d4_init.py",
                "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"a1b2c3d4\"\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table(\"users\", sa.Column(\"id\", sa.BigInteger(), primary_key=True), sa.Column(\"email\", sa.Text()))\n\n\ndef downgrade():\n    op.drop_table(\"users\")\n",
            ),
        ],
        "v1",
    );
    commit(
        dir.path(),
        &[(
            "migrations/versions/e5f6a7b8_drop_email.py",
            "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"e5f6a7b8\"\ndown_revision = \"a1b2c3d4\"\n\n\ndef upgrade():\n    op.drop_column(\"users\", \"email\")\n\n\ndef downgrade():\n    op.add_column(\"users\", sa.Column(\"email\", sa.Text()))\n",
        )],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("e5f6a7b8_drop_email.py:9"), "{out}");
    assert!(out.contains("alembic downgrade a1b2c3d4"), "{out}");
    // The same by revision prefix, without git.
    let (code, out) = rollsafe(dir.path(), &["rollback", "a1b2"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn django_history() {
    let dir = repo();
    let init = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"email\", models.EmailField(null=True))]),\n    ]\n";
    commit(
        dir.path(),
        &[
            ("shop/migrations/__init__.py", ""),
            ("shop/migrations/0001_initial.py", init),
        ],
        "v1",
    );
    let second = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [\n        migrations.AddField(model_name=\"customer\", name=\"plan\", field=models.CharField(max_length=20, default=\"free\")),\n    ]\n";
    commit(
        dir.path(),
        &[("shop/migrations/0002_plan.py", second)],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("shop_customer"), "{out}");
    assert!(
        out.contains("python manage.py migrate shop 0001_initial"),
        "{out}"
    );
    for target in ["shop.0001", "shop:0001_initial"] {
        let (code, out) = rollsafe(dir.path(), &["rollback", target]);
        assert_eq!(code, 1, "{target}: {out}");
    }
    // A database that never applied 0002: safe.
    write(dir.path(), "applied.txt", b"shop 0001_initial\n");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--applied", "applied.txt"]);
    assert_eq!(code, 0, "{out}");
}

// --- Real history shapes: renamed, moved, deleted, squashed migrations are never an error.

#[test]
fn a_tree_without_migrations_is_no_verdict() {
    // A "safe" over nothing read would be a gate that passes what it never saw.
    let dir = repo();
    commit(dir.path(), &[("README.md", "no migrations here\n")], "v1");
    commit(dir.path(), &[("src/app.py", "print('hi')\n")], "v2");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no migrations found under"), "{out}");
    assert!(out.contains("--root"), "{out}");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1", "--from", "v2"]);
    assert_eq!(code, 2, "{out}");
}
