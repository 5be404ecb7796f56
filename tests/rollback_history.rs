//! `rollsafe rollback` over the history shapes real projects have (renamed, moved, deleted and
//! squashed migrations, merges, baselines), at the configured severities, with evidence from the
//! code at the target.

mod common;
use common::{FLYWAY_DIR as M, rollback_base as base, rollsafe_all as rollsafe};
use common::{commit_files as commit, git, git_repo as repo, write};

#[test]
fn renamed_moved_and_deleted_migrations_were_applied_already() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            (
                "migrations/V1__init.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n",
            ),
            (
                "migrations/V2__age.sql",
                "ALTER TABLE users ADD COLUMN age int;\n",
            ),
            (
                "migrations/V3__scratch.sql",
                "CREATE TABLE scratch (id int);\n",
            ),
        ],
        "v1",
    );
    // The folder moves, V2 is renamed (same version), V3 is deleted.
    git(dir.path(), &["mv", "migrations", "db"]);
    git(dir.path(), &["mv", "db/V2__age.sql", "db/V2__add_age.sql"]);
    git(dir.path(), &["rm", "-qf", "db/V3__scratch.sql"]);
    commit(
        dir.path(),
        &[(
            "db/V4__nickname.sql",
            "ALTER TABLE users ADD COLUMN nickname text;\n",
        )],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 migration ahead of v1"), "{out}");
    assert!(out.contains("db/V4__nickname.sql"), "{out}");
    assert!(
        out.contains("Removed since v1 (applied already")
            && out.contains("migrations/V3__scratch.sql"),
        "{out}"
    );
    assert!(
        out.contains("migrations/V2__age.sql → db/V2__add_age.sql"),
        "{out}"
    );
    // The deleted migration's table is still in the database: dropping it now breaks v1.
    commit(
        dir.path(),
        &[(
            "db/V5__drop.sql",
            "DROP TABLE scratch;\nALTER TABLE users DROP COLUMN name;\n",
        )],
        "v3",
    );
    let out = common::rollsafe(dir.path(), &["rollback", "v1", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let json = out.json("rollback v1");
    let rules: Vec<&str> = json["breakages"]
        .as_array()
        .expect("breakages")
        .iter()
        .map(|b| b["object"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(rules, ["scratch", "users.name"], "{json}");
    assert_eq!(json["removed"][0]["path"], "migrations/V3__scratch.sql");
    assert_eq!(json["moved"].as_array().map(Vec::len), Some(2), "{json}");
}

#[test]
fn a_target_that_is_not_an_ancestor_and_has_migrations_now_lacks_is_refused() {
    let dir = base();
    git(dir.path(), &["checkout", "-qb", "hotfix"]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2_1__hotfix.sql"),
            "ALTER TABLE users ADD COLUMN fix int;\n",
        )],
        "hotfix-1",
    );
    git(dir.path(), &["checkout", "-q", "main"]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__more.sql"),
            "ALTER TABLE users ADD COLUMN more int;\n",
        )],
        "v3",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "hotfix-1"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a rollback"), "{out}");
    assert!(out.contains("V2_1__hotfix.sql"), "{out}");
    assert!(out.contains("is not an ancestor"), "{out}");
    let base_sha = git(dir.path(), &["rev-parse", "v1"]);
    assert!(
        out.contains(&format!("rollsafe rollback {}", &base_sha[..12])),
        "the merge base is suggested: {out}"
    );
    assert!(out.contains("--applied"), "{out}");
    // A branch that only changed code is a fine target.
    git(dir.path(), &["checkout", "-qb", "code-only", "v1"]);
    commit(dir.path(), &[("app.py", "print('hi')\n")], "code-1");
    git(dir.path(), &["checkout", "-q", "main"]);
    let (code, out) = rollsafe(dir.path(), &["rollback", "code-1"]);
    assert_eq!(code, 0, "{out}");
}

const ALEMBIC_INI: &str = "[alembic]\nscript_location = migrations\n";

fn alembic_rev(rev: &str, down: &str, body: &str) -> String {
    format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"{rev}\"\ndown_revision = {down}\n\n\ndef upgrade():\n{body}\n"
    )
}

#[test]
fn alembic_merge_revisions_and_moved_revision_files() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            ("alembic.ini", ALEMBIC_INI),
            ("migrations/env.py", "from alembic import context\n"),
            (
                "migrations/versions/a1_init.py",
                &alembic_rev(
                    "a1",
                    "None",
                    "    op.create_table(\"users\", sa.Column(\"id\", sa.BigInteger(), primary_key=True), sa.Column(\"email\", sa.Text()))",
                ),
            ),
        ],
        "v1",
    );
    git(dir.path(), &["checkout", "-qb", "feature"]);
    commit(
        dir.path(),
        &[(
            "migrations/versions/b2_age.py",
            &alembic_rev(
                "b2",
                "\"a1\"",
                "    op.add_column(\"users\", sa.Column(\"age\", sa.Integer()))",
            ),
        )],
        "f1",
    );
    git(dir.path(), &["checkout", "-q", "main"]);
    commit(
        dir.path(),
        &[(
            "migrations/versions/c3_nick.py",
            &alembic_rev(
                "c3",
                "\"a1\"",
                "    op.add_column(\"users\", sa.Column(\"nick\", sa.Text()))",
            ),
        )],
        "m1",
    );
    git(dir.path(), &["merge", "-q", "--no-edit", "feature"]);
    // A merge revision joins the heads; the revisions move into per-release folders.
    write(
        dir.path(),
        "migrations/versions/d4_merge.py",
        alembic_rev("d4", "(\"b2\", \"c3\")", "    pass").as_bytes(),
    );
    std::fs::create_dir_all(dir.path().join("migrations/versions/2024")).expect("mkdir");
    for f in ["a1_init.py", "b2_age.py", "c3_nick.py"] {
        git(
            dir.path(),
            &[
                "mv",
                &format!("migrations/versions/{f}"),
                &format!("migrations/versions/2024/{f}"),
            ],
        );
    }
    common::commit_all(dir.path(), "v2");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 migrations ahead of v1"), "{out}");
    assert!(out.contains("d4_merge.py"), "{out}");
    // From either side of the merge only the other branch and the merge are ahead.
    for (target, other) in [("f1", "c3_nick.py"), ("m1", "b2_age.py")] {
        let (code, out) = rollsafe(dir.path(), &["rollback", target]);
        assert_eq!(code, 0, "{target}: {out}");
        assert!(out.contains("2 migrations ahead"), "{target}: {out}");
        assert!(out.contains(other), "{target}: {out}");
    }
    commit(
        dir.path(),
        &[(
            "migrations/versions/e5_drop.py",
            &alembic_rev("e5", "\"d4\"", "    op.drop_column(\"users\", \"email\")"),
        )],
        "v3",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "f1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("alembic downgrade b2"), "{out}");
}

fn django_migration(deps: &str, ops: &str, extra: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n{extra}    dependencies = [{deps}]\n    operations = [\n{ops}\n    ]\n"
    )
}

#[test]
fn a_django_squash_stands_for_the_migrations_it_replaces() {
    let dir = repo();
    let create = "        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"email\", models.EmailField(null=True))]),";
    let add = |name: &str| {
        format!(
            "        migrations.AddField(model_name=\"customer\", name=\"{name}\", field=models.TextField(null=True)),"
        )
    };
    commit(
        dir.path(),
        &[
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                &django_migration("", create, "    initial = True\n"),
            ),
            (
                "shop/migrations/0002_nick.py",
                &django_migration("(\"shop\", \"0001_initial\")", &add("nick"), ""),
            ),
            (
                "shop/migrations/0003_bio.py",
                &django_migration("(\"shop\", \"0002_nick\")", &add("bio"), ""),
            ),
        ],
        "v1",
    );
    // The squash replaces all three; the originals are deleted; a new migration follows.
    for f in ["0001_initial", "0002_nick", "0003_bio"] {
        git(
            dir.path(),
            &["rm", "-q", &format!("shop/migrations/{f}.py")],
        );
    }
    let squash_ops = format!("{create}\n{}\n{}", add("nick"), add("bio"));
    commit(
        dir.path(),
        &[
            (
                "shop/migrations/0001_squashed_0003_bio.py",
                &django_migration(
                    "",
                    &squash_ops,
                    "    initial = True\n    replaces = [(\"shop\", \"0001_initial\"), (\"shop\", \"0002_nick\"), (\"shop\", \"0003_bio\")]\n",
                ),
            ),
            (
                "shop/migrations/0004_plan.py",
                &django_migration("(\"shop\", \"0001_squashed_0003_bio\")", &add("plan"), ""),
            ),
        ],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 migration ahead of v1"), "{out}");
    assert!(out.contains("0004_plan.py"), "{out}");
    assert!(
        out.contains("now stood for by shop/migrations/0001_squashed_0003_bio.py"),
        "{out}"
    );
}

#[test]
fn a_flyway_baseline_stands_for_the_versions_it_sums_up() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__age.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v2",
    );
    for f in ["V1__init.sql", "V2__age.sql"] {
        git(dir.path(), &["rm", "-q", &format!("{M}/{f}")]);
    }
    commit(
        dir.path(),
        &[
            (
                &format!("{M}/B2__baseline.sql"),
                "CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), bio text, age int);\n",
            ),
            (
                &format!("{M}/V3__tags.sql"),
                "CREATE TABLE tags (id int);\n",
            ),
        ],
        "v3",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v2"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 migration ahead of v2"), "{out}");
    assert!(out.contains("V3__tags.sql"), "{out}");
    assert!(!out.contains("Edited since"), "{out}");
}

#[test]
fn edits_are_listed_only_when_they_change_what_the_migration_does() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            (
                "db/V1__init.sql",
                "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
            ),
            ("db/V2__age.sql", "ALTER TABLE users ADD COLUMN age int;\n"),
            // Another engine's file makes the dialect-less files belong to two histories.
            ("db/V3__x.mysql.sql", "CREATE TABLE x (id int);\n"),
        ],
        "v1",
    );
    commit(
        dir.path(),
        &[
            (
                "db/V1__init.sql",
                "-- Copyright 2026 Example Corp. Licensed under the Apache License 2.0.\nCREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text\n);\n",
            ),
            (
                "db/V2__age.sql",
                "ALTER TABLE users ADD COLUMN age bigint;\n",
            ),
            ("db/V4__tags.sql", "CREATE TABLE tags (id int);\n"),
        ],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    let edited = out
        .split("Edited since v1")
        .nth(1)
        .expect("an Edited section");
    assert_eq!(edited.matches("db/V2__age.sql").count(), 1, "{out}");
    assert!(!edited.contains("V1__init"), "{out}");
    assert!(
        out.contains("1 more file edited since v1 in comments or whitespace only"),
        "{out}"
    );
}

// --- The verdict follows the configured severities.

fn with_foreign_key() -> tempfile::TempDir {
    let dir = repo();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V1__init.sql"),
            "CREATE TABLE teams (id bigint PRIMARY KEY);\nCREATE TABLE users (id bigint PRIMARY KEY, team_id bigint, email text);\n",
        )],
        "v1",
    );
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__fk.sql"),
            "ALTER TABLE users ADD CONSTRAINT users_team_fk FOREIGN KEY (team_id) REFERENCES teams (id) NOT VALID;\n",
        )],
        "v2",
    );
    dir
}

#[test]
fn warning_level_breakages_are_listed_and_leave_the_verdict_safe() {
    let dir = with_foreign_key();
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with(
            "rollback to v1: SAFE — nothing ahead breaks the code at v1; 1 warning to check"
        ),
        "{out}"
    );
    let warnings = out
        .split("What may break it")
        .nth(1)
        .expect("a warnings section");
    assert!(warnings.contains("users_team_fk"), "{out}");
    assert!(!out.contains("What breaks the code"), "{out}");
    let out = common::rollsafe(dir.path(), &["rollback", "v1", "--format", "json"]);
    let json = out.json("rollback v1");
    assert_eq!(json["verdict"], "safe");
    assert_eq!(
        json["breakages"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
    assert_eq!(json["warnings"][0]["rule"], "add-foreign-key", "{json}");
    assert_eq!(json["warnings"][0]["severity"], "warning", "{json}");
    assert_eq!(json["warnings"][0]["counted"], false, "{json}");
}

#[test]
fn configured_severities_apply_to_rollback() {
    let dir = with_foreign_key();
    // rollsafe.toml makes the foreign key an error.
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rules]\nadd-foreign-key = \"error\"\n",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("What breaks the code at v1"), "{out}");
    // The command line wins over the file.
    let (code, out) = rollsafe(
        dir.path(),
        &["rollback", "v1", "--severity", "add-foreign-key=warning"],
    );
    assert_eq!(code, 0, "{out}");
    // pyproject.toml's [tool.rollsafe] counts the same, also from a subfolder; a rule turned
    // off drops out and is counted.
    std::fs::remove_file(dir.path().join("rollsafe.toml")).expect("rm");
    write(
        dir.path(),
        "pyproject.toml",
        b"[project]\nname = \"x\"\n\n[tool.rollsafe.rules]\nadd-foreign-key = \"off\"\n",
    );
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    let (code, out) = rollsafe(&dir.path().join("src"), &["rollback", "v1"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("users_team_fk"), "{out}");
    assert!(
        out.contains("(1 more from rules the configuration turns off)"),
        "{out}"
    );
    // An error demoted to a warning no longer makes it unsafe.
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__drop.sql"),
            "ALTER TABLE users DROP COLUMN email;\n",
        )],
        "v3",
    );
    let (code, _) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1);
    let (code, out) = rollsafe(
        dir.path(),
        &["rollback", "v1", "--severity", "contract=warning"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("column `users.email` is dropped"), "{out}");
}

// --- Evidence from the code at the target.

fn with_app_code() -> tempfile::TempDir {
    let dir = repo();
    commit(
        dir.path(),
        &[
            (
                &format!("{M}/V1__init.sql"),
                "CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE TABLE presence (user_id bigint, state text);\n",
            ),
            // The app reads users.email; nothing outside the migrations names `presence`
            // (`presence_list` is another word).
            (
                "app/models.py",
                "class User:\n    __tablename__ = \"users\"\n    email = Column(Text)\n\ndef presence_list():\n    return []\n",
            ),
        ],
        "v1",
    );
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__drop.sql"),
            "DROP TABLE presence;\nALTER TABLE users DROP COLUMN email;\n",
        )],
        "v2",
    );
    dir
}

#[test]
fn the_code_at_the_target_is_searched_for_what_breaks() {
    let dir = with_app_code();
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("the code at v1 never names table `presence` (outside its migrations)"),
        "{out}"
    );
    assert!(!out.contains("never names column `email`"), "{out}");
    assert!(out.contains("trust_code_search = true"), "{out}");
    let json = common::rollsafe(dir.path(), &["rollback", "v1", "--format", "json"]).json("json");
    let evidence: Vec<&str> = json["breakages"]
        .as_array()
        .expect("breakages")
        .iter()
        .map(|b| b["evidence"]["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(evidence, ["never_named", "named"], "{json}");
}

#[test]
fn trusted_code_search_discounts_objects_the_old_code_never_names() {
    let dir = with_app_code();
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rollback]\ntrust_code_search = true\n",
    );
    // users.email is still named by app/models.py: unsafe.
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("UNSAFE — 1 change ahead breaks the code at v1"),
        "{out}"
    );
    assert!(
        out.contains("not counted ([rollback] trust_code_search = true)"),
        "{out}"
    );
    // A release whose code no longer names either (a branch from v1): safe, both discounted.
    git(dir.path(), &["checkout", "-qb", "release-1b", "v1"]);
    commit(
        dir.path(),
        &[(
            "app/models.py",
            "class User:\n    __tablename__ = \"users\"\n",
        )],
        "v1b",
    );
    git(dir.path(), &["checkout", "-q", "main"]);
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rollback]\ntrust_code_search = true\n",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1b"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("2 breakages of objects its code never names not counted"),
        "{out}"
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "v1's code still names email: {out}");
    // The key is also accepted with a dash, as the other keys are spelled.
    write(
        dir.path(),
        "rollsafe.toml",
        b"[rollback]\ntrust-code-search = false\n",
    );
    let (code, _) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1);
    write(dir.path(), "rollsafe.toml", b"[rollback]\ntrust = true\n");
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 2, "unknown keys are errors: {out}");
}

#[test]
fn django_breakages_take_the_models_as_evidence() {
    let dir = repo();
    commit(
        dir.path(),
        &[
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                &django_migration(
                    "",
                    "        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"email\", models.EmailField(null=True))]),",
                    "    initial = True\n",
                ),
            ),
        ],
        "v1",
    );
    commit(
        dir.path(),
        &[(
            "shop/migrations/0002_remove_email.py",
            &django_migration(
                "(\"shop\", \"0001_initial\")",
                "        migrations.RemoveField(model_name=\"customer\", name=\"email\"),",
                "",
            ),
        )],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("(Django: the code at v1 uses its models"),
        "{out}"
    );
    assert!(!out.contains("never names"), "{out}");
}

#[test]
fn data_migrations_are_not_recognised_by_their_opaque_changes() {
    let dir = repo();
    let data = "        migrations.RunPython(forwards),";
    let with_code = |deps: &str, ops: &str, extra: &str| {
        django_migration(deps, ops, extra).replace(
            "class Migration",
            "def forwards(apps, schema_editor):\n    pass\n\n\nclass Migration",
        )
    };
    let create = "        migrations.CreateModel(name=\"Customer\", fields=[(\"id\", models.BigAutoField(primary_key=True))]),";
    commit(
        dir.path(),
        &[
            ("shop/__init__.py", ""),
            ("shop/migrations/__init__.py", ""),
            (
                "shop/migrations/0001_initial.py",
                &django_migration("", create, "    initial = True\n"),
            ),
            (
                "shop/migrations/0002_backfill.py",
                &with_code("(\"shop\", \"0001_initial\")", data, ""),
            ),
        ],
        "v1",
    );
    // The two are squashed; another app gains a data migration of its own.
    git(
        dir.path(),
        &[
            "rm",
            "-q",
            "shop/migrations/0001_initial.py",
            "shop/migrations/0002_backfill.py",
        ],
    );
    commit(
        dir.path(),
        &[
            (
                "shop/migrations/0001_squashed_0002_backfill.py",
                &with_code(
                    "",
                    &format!("{create}\n{data}"),
                    "    replaces = [(\"shop\", \"0001_initial\"), (\"shop\", \"0002_backfill\")]\n",
                ),
            ),
            ("crm/__init__.py", ""),
            ("crm/migrations/__init__.py", ""),
            ("crm/migrations/0001_sync.py", &with_code("", data, "")),
        ],
        "v2",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1"]);
    assert_eq!(
        code, 3,
        "the new data migration is ahead and cannot be judged: {out}"
    );
    assert!(out.contains("1 migration ahead of v1"), "{out}");
    assert!(out.contains("crm/migrations/0001_sync.py"), "{out}");
    assert!(!out.contains("Renamed or moved"), "{out}");
}

#[test]
fn a_release_branch_target_keeps_what_main_deleted_later() {
    let dir = base();
    commit(
        dir.path(),
        &[(
            &format!("{M}/V2__legacy.sql"),
            "CREATE TABLE legacy (id int);\n",
        )],
        "v1.0.0",
    );
    // The release branch gets a code fix; main deletes V2 (applied everywhere) and moves on.
    git(dir.path(), &["checkout", "-qb", "release-1.0"]);
    commit(dir.path(), &[("app.py", "fix = True\n")], "v1.0.1");
    git(dir.path(), &["checkout", "-q", "main"]);
    git(dir.path(), &["rm", "-q", &format!("{M}/V2__legacy.sql")]);
    commit(
        dir.path(),
        &[(
            &format!("{M}/V3__age.sql"),
            "ALTER TABLE users ADD COLUMN age int;\n",
        )],
        "v1.1.0",
    );
    let (code, out) = rollsafe(dir.path(), &["rollback", "v1.0.1"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Removed since v1.0.1"), "{out}");
    assert!(out.contains("V2__legacy.sql"), "{out}");
}
