//! The real binary, end to end: exit codes and snapshots of what users read (bad input is
//! `tests/bad_input.rs`).

mod common;
use common::{Out, fixture, project_dir, rollsafe, write};

const INIT: &str =
    "CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), bio text);\n";

#[test]
fn shop_fixture_human_output() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(&fixture("sql/shop"), &["check", "--root", "."]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("shop_human", out);
}

#[test]
fn shop_fixture_verbose_lists_every_change() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(&fixture("sql/shop"), &["check", "--root", ".", "--verbose"]);
    assert_eq!(code, 1);
    let listing: String = out.split("\n\n").next().unwrap_or("").to_string();
    insta::assert_snapshot!("shop_verbose", listing);
}

#[test]
fn shop_fixture_json_output() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        &fixture("sql/shop"),
        &["check", "--root", ".", "--format", "json"],
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(json["version"], 1);
    insta::assert_json_snapshot!("shop_json", json);
}

#[test]
fn exit_codes() {
    let clean = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__add.sql",
            "ALTER TABLE users ADD COLUMN age int;\n",
        ),
    ]);
    assert_eq!(rollsafe(clean.path(), &["check"]).code, 0);
    let dirty = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
    ]);
    assert_eq!(rollsafe(dirty.path(), &["check"]).code, 1);
    // Warnings alone do not fail the run.
    let warn = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__chk.sql",
            "ALTER TABLE users ADD CHECK (bio <> '');\n",
        ),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(warn.path(), &["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[add-check-constraint]"), "{out}");
    // The tool itself cannot run: exit 2 with a message on stderr.
    let Out {
        code, stderr: err, ..
    } = rollsafe(clean.path(), &["check", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/dir"), "{err}");
    let Out {
        code, stderr: err, ..
    } = rollsafe(clean.path(), &["explain", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(err.contains("drop-column"), "lists the rules: {err}");
    assert_eq!(
        rollsafe(clean.path(), &["check", "--format", "yaml"]).code,
        2
    );
}

#[test]
fn paths_select_what_is_reported_with_full_history() {
    let dir = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
        (
            "db/migration/V3__rename.sql",
            "ALTER TABLE users RENAME COLUMN name TO full_name;\n",
        ),
        ("db/notes.sql", "SELECT 1;\n"),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        dir.path(),
        &["check", "db/migration/V3__rename.sql", "db/notes.sql"],
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("rename-column") && !out.contains("drop-column"),
        "{out}"
    );
    assert!(out.contains("checked 1 file, 1 migration"), "{out}");
    // A file that is not a migration is skipped silently.
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check", "db/notes.sql"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn locations_are_one_based_and_point_at_the_statement() {
    let dir = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            "db/migration/V3__drop_email.sql",
            "-- bye\nALTER TABLE users DROP COLUMN email;\n",
        ),
    ]);
    let Out { stdout: out, .. } = rollsafe(dir.path(), &["check"]);
    assert!(
        out.contains("db/migration/V3__drop_email.sql:2:19"),
        "{out}"
    );
    let Out { stdout: out, .. } = rollsafe(dir.path(), &["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = &json["findings"][0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(19))
    );
}

#[test]
fn discovery_skips_ignored_and_vendored_folders() {
    let dir = project_dir(&[
        ("db/migration/V1__init.sql", INIT),
        (
            ".venv/lib/python3.11/site-packages/pkg/migrations/0001_x.up.sql",
            "DROP TABLE users;",
        ),
        (
            "node_modules/pkg/migrations/0001_x.up.sql",
            "DROP TABLE users;",
        ),
        ("env/pyvenv.cfg", "home = /usr/bin\n"),
        ("env/lib/migrations/0001_x.up.sql", "DROP TABLE users;"),
        ("build/migrations/0001_x.up.sql", "DROP TABLE users;"),
        (".gitignore", "build/\n"),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("checked 1 file"), "{out}");
}

#[test]
fn rules_and_explain() {
    let dir = project_dir(&[]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["rules"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("rules_list", out);
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["explain", "drop-column"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# drop-column"), "{out}");
}

#[test]
fn multi_engine_fixture() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(&fixture("sql/multi-engine"), &["check", "--root", "."]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("multi_engine_human", out);
}

#[test]
fn schema_per_history_and_after_a_migration() {
    let dir = fixture("sql/multi-engine");
    // Each engine is its own database: one heading per history.
    let Out {
        code, stdout: out, ..
    } = rollsafe(&dir, &["schema", "--root", "."]);
    assert_eq!(code, 0);
    assert!(out.contains("history migrations/postgres\n"), "{out}");
    assert!(out.contains("history migrations/sqlite\n"), "{out}");
    // After 0003 the PostgreSQL history has not renamed `display_name` back yet (0004 does).
    let Out {
        code, stdout: out, ..
    } = rollsafe(
        &dir,
        &[
            "schema",
            "--root",
            ".",
            "--history",
            "migrations/postgres",
            "--upto",
            "0003",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["version"], 2);
    let histories = json["histories"].as_array().expect("histories");
    assert_eq!(histories.len(), 1, "{out}");
    assert_eq!(histories[0]["history"], "migrations/postgres");
    let columns: Vec<&str> = histories[0]["tables"][0]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(columns.contains(&"display_name"), "{columns:?}");
    assert!(!columns.contains(&"full_name"), "{columns:?}");
    // Unknown names: exit 2 and what exists.
    let Out {
        code,
        stdout: out,
        stderr: err,
    } = rollsafe(&dir, &["schema", "--root", ".", "--upto", "9999"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("`9999` is not a migration id"), "{err}");
    let Out {
        code, stderr: err, ..
    } = rollsafe(&dir, &["schema", "--root", ".", "--history", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no history named `nope`") && err.contains("migrations/postgres"),
        "{err}"
    );
}

#[test]
fn schema_drops_what_a_cascaded_generated_column_had() {
    // Found by the PostgreSQL oracle: DROP COLUMN … CASCADE takes the generated column computed
    // from it, and with that column its index and unique key.
    let dir = project_dir(&[
        (
            "db/V1__t.sql",
            "CREATE TABLE t (id int PRIMARY KEY, score numeric GENERATED ALWAYS AS (id * 2) \
             STORED, note text);\nCREATE INDEX ON t (score);\nALTER TABLE t ADD UNIQUE (score);\n\
             CREATE INDEX ON t (note) WHERE score > 0;\n",
        ),
        ("db/V2__drop.sql", "ALTER TABLE t DROP COLUMN id CASCADE;\n"),
    ]);
    let Out {
        code,
        stdout: out,
        stderr: err,
    } = rollsafe(dir.path(), &["schema", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let table = &json["histories"][0]["tables"][0];
    assert_eq!(table["columns"].as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(table["indexes"].as_array().map(Vec::len), Some(0), "{out}");
    assert_eq!(
        table["constraints"].as_array().map(Vec::len),
        Some(0),
        "{out}"
    );
}

#[test]
fn engine_targets_from_configuration() {
    let dir = project_dir(&[
        (
            "m/0001_init.postgres.up.sql",
            "CREATE TABLE t (id int, a text);\n",
        ),
        (
            "m/0001_init.mysql.up.sql",
            "CREATE TABLE t (id int, a text);\n",
        ),
        ("m/0002_drop.mysql.up.sql", "ALTER TABLE t DROP COLUMN a;\n"),
        ("m/0002_drop.postgres.up.sql", "SELECT 1;\n"),
        ("rollsafe.toml", "targets = [\"postgres\"]\n"),
    ]);
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check"]);
    assert_eq!(
        code, 0,
        "MySQL files are skipped, not read as PostgreSQL: {out}"
    );
    write(dir.path(), "rollsafe.toml", b"dialect = \"mysql\"\n");
    write(
        dir.path(),
        "n/0001_x.up.sql",
        b"CREATE TABLE u (id int) ENGINE=InnoDB;\n",
    );
    let Out {
        code, stdout: out, ..
    } = rollsafe(dir.path(), &["check", "n"]);
    assert_eq!(
        code, 0,
        "the configured default dialect reads MySQL syntax: {out}"
    );
}

#[test]
fn alembic_fixture_human_output() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(&fixture("alembic/billing"), &["check", "--root", "."]);
    assert_eq!(code, 1);
    assert!(!out.contains("must never"), "env.py is never executed");
    insta::assert_snapshot!("alembic_human", out);
}

#[test]
fn django_fixture_human_output() {
    let Out {
        code, stdout: out, ..
    } = rollsafe(&fixture("django/shopsite"), &["check", "--root", "."]);
    assert_eq!(code, 1);
    assert!(
        !out.contains("never imported"),
        "models and settings are never imported"
    );
    insta::assert_snapshot!("django_human", out);
}
