//! The pull-request gate, `check --changed-since BASE`, over real git repositories: the schema
//! at BASE against the schema after every changed migration, and revert pull requests.

mod common;
use common::{commit_files as commit, git, git_repo as repo, write};
use std::path::Path;

fn gate(dir: &Path) -> (i32, String) {
    common::rollsafe(dir, &["check", "--changed-since", "main"]).code_and_all()
}

const M: &str = "db/migration";

fn base() -> tempfile::TempDir {
    let dir = repo();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V1__init.sql"),
            "CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text);\n",
        )],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    dir
}

#[test]
fn a_table_new_since_the_base_is_new_for_the_previous_version() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__invites.sql"),
            "CREATE TABLE invites (id bigint PRIMARY KEY, code text);\n",
        )],
        "f1",
    );
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__invites_code.sql"),
            "CREATE UNIQUE INDEX invites_code ON invites (code);\nALTER TABLE invites ALTER COLUMN code SET NOT NULL;\n",
        )],
        "f2",
    );
    let (code, out) = gate(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("checked 2 files, 2 migrations: 0 errors"),
        "{out}"
    );
    // The same migrations linted one by one say otherwise: without the gate, V3 constrains an
    // existing table.
    let (code, out) = common::rollsafe(dir.path(), &["check"]).code_and_all();
    assert_eq!(code, 1, "{out}");
    // A break of the base's table is reported, in the migration that causes it.
    write(
        dir.path(),
        &format!("{M}/V4__plan.sql"),
        b"ALTER TABLE users ADD COLUMN plan text NOT NULL;\n",
    );
    let (code, out) = gate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[add-not-null-column]") && out.contains("V4__plan.sql:1:19"),
        "{out}"
    );
    assert!(
        out.contains("checked 3 files, 3 migrations: 1 error"),
        "{out}"
    );
}

#[test]
fn renames_and_cosmetic_edits_are_not_changes_substantive_edits_are() {
    let dir = base();
    git(
        dir.path(),
        &[
            "mv",
            &format!("{M}/V1__init.sql"),
            &format!("{M}/V1__create_users.sql"),
        ],
    );
    common::commit_all(dir.path(), "f1");
    let (code, out) = gate(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checked 0 files"), "{out}");
    // Editing what an applied migration does is reported with that migration's findings.
    write(
        dir.path(),
        &format!("{M}/V1__create_users.sql"),
        b"-- users\nCREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text);\n",
    );
    let (code, out) = gate(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("checked 0 files"),
        "a comment is not a change: {out}"
    );
    write(
        dir.path(),
        &format!("{M}/V1__create_users.sql"),
        b"CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text);\nCREATE UNIQUE INDEX users_email ON users (email);\n",
    );
    let (code, out) = gate(dir.path());
    assert!(out.contains("checked 1 file"), "{out}");
    assert_eq!(
        code, 0,
        "a table created in the same migration may be constrained: {out}"
    );
}

/// Merges `feature` into main with a merge commit, then starts `revert-pr` reverting it.
fn revert_feature(dir: &Path) {
    git(dir, &["checkout", "-q", "main"]);
    git(
        dir,
        &["merge", "-q", "--no-ff", "feature", "-m", "Merge feature"],
    );
    git(dir, &["checkout", "-qb", "revert-pr"]);
    git(dir, &["revert", "-m", "1", "--no-edit", "HEAD"]);
}

#[test]
fn a_revert_pull_request_removing_a_sql_migration() {
    let dir = base();
    commit(
        dir.path(),
        &[
            (
                &format!("{M}/V2__drop_nickname.sql"),
                "ALTER TABLE users DROP COLUMN nickname;\n",
            ),
            ("app.txt", "v2\n"),
        ],
        "f1",
    );
    revert_feature(dir.path());
    let (code, out) = gate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[removed-migration]"), "{out}");
    assert!(
        out.contains(
            "migration `2` (V2__drop_nickname.sql) is removed, but databases deployed from main applied it"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!("--> {M}/V2__drop_nickname.sql:1:19")),
        "{out}"
    );
    assert!(
        out.contains("the code after this change reads and writes column `users.nickname`, but there column `users.nickname` is dropped"),
        "{out}"
    );
    assert!(out.contains("Flyway's validation fails"), "{out}");
    let json = common::rollsafe(
        dir.path(),
        &["check", "--changed-since", "main", "--format", "json"],
    )
    .json("gate json");
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(json["findings"][0]["rule"], "removed-migration");
    assert_eq!(
        json["findings"][0]["path"],
        format!("{M}/V2__drop_nickname.sql")
    );
    // Configurable like any rule.
    let (code, out) = common::rollsafe(
        dir.path(),
        &[
            "check",
            "--changed-since",
            "main",
            "--severity",
            "removed-migration=off",
        ],
    )
    .code_and_all();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn reverting_an_expand_migration_still_leaves_its_changes() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__tags.sql"),
            "CREATE TABLE tags (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN age int;\n",
        )],
        "f1",
    );
    revert_feature(dir.path());
    let (code, out) = gate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "its changes stay in those databases (create table tags; add column users.age integer)"
        ),
        "{out}"
    );
}

#[test]
fn a_revert_pull_request_removing_an_alembic_head() {
    let dir = repo();
    let rev = |rev: &str, down: &str, body: &str| {
        format!(
            "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = {down}\n\n\ndef upgrade():\n{body}\n"
        )
    };
    commit(
        dir.path(),
        &[
            ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
            ("migrations/env.py", "from alembic import context\n"),
            (
                "migrations/versions/a1_init.py",
                &rev(
                    "a1",
                    "None",
                    "    op.create_table(\"users\", sa.Column(\"id\", sa.BigInteger(), primary_key=True), sa.Column(\"nickname\", sa.Text()))",
                ),
            ),
        ],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    commit(
        dir.path(),
        &[(
            "migrations/versions/b2_drop.py",
            &rev(
                "b2",
                "\"a1\"",
                "    op.drop_column(\"users\", \"nickname\")",
            ),
        )],
        "f1",
    );
    revert_feature(dir.path());
    let (code, out) = gate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("revision `b2` (b2_drop.py) is removed"),
        "{out}"
    );
    assert!(
        out.contains("Can't locate revision identified by 'b2'"),
        "{out}"
    );
    assert!(out.contains("users.nickname"), "{out}");
}

#[test]
fn a_revert_pull_request_removing_a_django_migration() {
    let dir = repo();
    let migration = |deps: &str, ops: &str| {
        format!(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n    operations = [\n        {ops},\n    ]\n"
        )
    };
    commit(
        dir.path(),
        &[
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                &migration(
                    "",
                    "migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"nickname\", models.TextField(null=True))])",
                ),
            ),
        ],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    commit(
        dir.path(),
        &[(
            "shop/migrations/0002_remove_nickname.py",
            &migration(
                "(\"shop\", \"0001_initial\")",
                "migrations.RemoveField(model_name=\"customer\", name=\"nickname\")",
            ),
        )],
        "f1",
    );
    revert_feature(dir.path());
    let (code, out) = gate(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("migration `shop.0002_remove_nickname` (0002_remove_nickname.py) is removed"),
        "{out}"
    );
    assert!(out.contains("shop_customer.nickname"), "{out}");
    assert!(out.contains("django_migrations keeps the row"), "{out}");
}

#[test]
fn a_squash_in_the_change_is_not_a_removal() {
    let dir = repo();
    let migration = |deps: &str, ops: &str, extra: &str| {
        format!(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n{extra}    dependencies = [{deps}]\n    operations = [\n        {ops},\n    ]\n"
        )
    };
    let create = "migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True))])";
    let add = "migrations.AddField(model_name=\"customer\", name=\"nick\", field=models.TextField(null=True))";
    commit(
        dir.path(),
        &[
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                &migration("", create, ""),
            ),
            (
                "shop/migrations/0002_nick.py",
                &migration("(\"shop\", \"0001_initial\")", add, ""),
            ),
        ],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "squash"]);
    git(
        dir.path(),
        &[
            "rm",
            "-q",
            "shop/migrations/0001_initial.py",
            "shop/migrations/0002_nick.py",
        ],
    );
    commit(
        dir.path(),
        &[(
            "shop/migrations/0001_squashed_0002_nick.py",
            &migration(
                "",
                &format!("{create},\n        {add}"),
                "    replaces = [(\"shop\", \"0001_initial\"), (\"shop\", \"0002_nick\")]\n",
            ),
        )],
        "s1",
    );
    let (code, out) = gate(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("removed-migration"), "{out}");
}

#[test]
fn the_gate_needs_git_and_a_known_base() {
    let dir = base();
    let (code, out) =
        common::rollsafe(dir.path(), &["check", "--changed-since", "nope"]).code_and_all();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("recent tags: v1"), "{out}");
    let plain = common::project_dir(&[("db/migration/V1__init.sql", "CREATE TABLE t (id int);\n")]);
    let (code, out) =
        common::rollsafe(plain.path(), &["check", "--changed-since", "main"]).code_and_all();
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not inside a git repository"), "{out}");
}

#[test]
fn a_project_in_a_subfolder_compares_like_for_like() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            ("services/api/rollsafe.toml", "dialect = \"postgres\"\n"),
            (
                "services/api/db/migration/V1__init.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
            ),
            (
                "services/other/db/migration/V1__init.sql",
                "CREATE TABLE other (id int);\n",
            ),
        ],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    commit(
        dir.path(),
        &[(
            "services/api/db/migration/V2__email.sql",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
        )],
        "f1",
    );
    let api = dir.path().join("services/api");
    let (code, out) = gate(&api);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--> db/migration/V2__email.sql"), "{out}");
    assert!(out.contains("checked 1 file"), "{out}");
    assert!(!out.contains("removed-migration"), "{out}");
}
