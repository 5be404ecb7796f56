//! SQL histories as real projects lay them out (the fixtures under `fixtures/sql/layouts/`,
//! each written to reproduce one project's layout): version folders with a schema dump
//! (Synapse), part files and engine overrides (ory/popx), a Flyway tree with one folder per
//! engine (Eclipse hawkbit), placeholders (Flyway), a dbmate schema dump; and the paths a user
//! names or leaves out.

mod common;

use common::{fixture, lint_dir, rollsafe};
use rollsafe::project::{Project, SkipReason};
use serde_json::Value;
use std::collections::BTreeSet;

fn layout(name: &str) -> std::path::PathBuf {
    fixture("sql/layouts").join(name)
}

/// `(file name, rule)` of every unwaived finding in a `check --format json` output.
fn findings(out: &Value) -> Vec<(String, String, String)> {
    out["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["suppressed"] == false)
        // The layouts decide what is read; the lock rules are tested on their own.
        .filter(|f| !common::is_lock_rule(f["rule"].as_str().unwrap_or("")))
        .map(|f| {
            let path = f["path"].as_str().unwrap_or("");
            (
                path.rsplit('/').next().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn histories(out: &Value) -> BTreeSet<String> {
    out["migrations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["history"].as_str().map(String::from))
        .collect()
}

fn rules_in(found: &[(String, String, String)], file: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(f, _, _)| f == file)
        .map(|(_, r, _)| r.clone())
        .collect()
}

#[test]
fn synapse_like_schema_folder() {
    let root = layout("synapse-like");
    let out = rollsafe(&root, &["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let json = out.json("synapse-like");
    assert_eq!(
        histories(&json),
        [
            "storage/schema/main/delta [postgres]",
            "storage/schema/main/delta [sqlite]",
            "storage/schema/state/delta",
        ]
        .map(String::from)
        .into(),
        "one history per store and engine"
    );
    let found = findings(&json);
    // The files of delta/73 ship together: the unique index is on a table new in 73.
    assert!(
        !found
            .iter()
            .any(|(_, r, _)| r == "add-unique" || r == "parse-error"),
        "{found:#?}"
    );
    // Once, though both engines' histories read the file (one database is deployed): the rename
    // in 74, the drop of a table only the dump created in 75.
    assert_eq!(rules_in(&found, "01rename_member.sql"), ["rename-column"]);
    let drops: Vec<&(String, String, String)> = found
        .iter()
        .filter(|(f, r, _)| f == "drop_old_tables.sql" && r == "drop-table")
        .collect();
    assert_eq!(drops.len(), 1, "{found:#?}");
    assert!(
        drops.iter().all(|(_, _, m)| !m.contains("never created")),
        "the dump created `groups`: {drops:?}"
    );
    assert_eq!(
        rules_in(&found, "02_backfill_receipts.py"),
        ["opaque-change"],
        "a Python delta is part of its version, and opaque"
    );
    assert_eq!(
        rules_in(&found, "drop_state_key_column.sql"),
        ["drop-column"]
    );
    // Delta 58 is at or below the dump (72): read, not replayed, not reported.
    assert!(rules_in(&found, "02remove_old_column.sql").is_empty());
    let superseded: Vec<&Value> = json["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["reason"] == "superseded")
        .collect();
    assert!(
        superseded
            .iter()
            .any(|s| s["files"].as_array().is_some_and(|f| f.iter().any(|p| p
                .as_str()
                .is_some_and(|p| p.ends_with("58/02remove_old_column.sql"))))),
        "{superseded:#?}"
    );
}

#[test]
fn synapse_like_steps_and_dump_in_the_replay() {
    let project = Project::load(&layout("synapse-like"));
    let pg = project
        .histories
        .iter()
        .find(|h| h.key == "storage/schema/main/delta [postgres]")
        .expect("postgres history");
    let paths: Vec<&str> = pg
        .order
        .iter()
        .map(|&i| project.migrations[i].path.as_str())
        .collect();
    assert_eq!(
        paths.first().copied(),
        Some("storage/schema/main/full_schemas/72/full.sql.postgres")
    );
    assert!(project.migrations[pg.order[0]].baseline);
    // 73 in name order: the generic files and the postgres one, never the sqlite one.
    assert_eq!(
        &paths[1..4],
        [
            "storage/schema/main/delta/73/receipts.sql",
            "storage/schema/main/delta/73/receipts_unique_index.sql",
            "storage/schema/main/delta/73/users_shadow_banned.sql.postgres",
        ]
    );
    // One step per version folder (the dump is a step of its own).
    let sizes: Vec<usize> = pg.step_ranges().iter().map(|r| r.len()).collect();
    assert_eq!(sizes, [1, 3, 2, 2]);
}

#[test]
fn popx_like_part_files_and_engine_overrides() {
    let root = layout("popx-like");
    let project = Project::load(&root);
    let keys: Vec<&str> = project.histories.iter().map(|h| h.key.as_str()).collect();
    let base = "persistence/sql/migrations/sql";
    assert_eq!(
        keys,
        ["cockroach", "mysql", "postgres", "sqlite"].map(|e| format!("{base} [{e}]")),
        "CockroachDB is its own engine; test data and vendored stubs are no history"
    );
    for h in &project.histories {
        let names: Vec<&str> = h
            .order
            .iter()
            .map(|&i| project.migrations[i].name.as_str())
            .collect();
        let engine = h.key.rsplit('[').next().unwrap_or("").trim_end_matches(']');
        // One file per version: the engine's own, else the generic one.
        let ids: BTreeSet<&str> = h
            .order
            .iter()
            .map(|&i| project.migrations[i].id.as_str())
            .collect();
        assert_eq!(ids.len(), names.len(), "{}: {names:?}", h.key);
        let word = if engine == "sqlite" {
            "sqlite3"
        } else {
            engine
        };
        assert!(
            names.contains(
                &format!("20220701000000000000_identities_drop_nid.{word}.up.sql").as_str()
            ),
            "{}: {names:?}",
            h.key
        );
        // Parts 0 and 1 of 20210301000000 are one step.
        assert!(h.step_ranges().iter().any(|r| r.len() == 2), "{}", h.key);
    }
    let set_aside = project
        .skipped
        .iter()
        .find(|s| s.reason == SkipReason::SetAside)
        .map(|s| s.files.len());
    assert_eq!(set_aside, Some(4), "{:?}", project.skipped);
    let (project, result) = lint_dir(&root);
    let fired: Vec<(String, String)> = result
        .findings
        .iter()
        .map(|f| {
            (
                project.migrations[f.migration].history.clone(),
                f.rule.to_string(),
            )
        })
        .collect();
    assert!(
        !fired
            .iter()
            .any(|(_, r)| r == "add-unique" || r == "parse-error"),
        "{fired:#?}"
    );
    for h in &project.histories {
        assert!(
            fired.contains(&(h.key.clone(), "drop-column".to_string())),
            "{}: {fired:#?}",
            h.key
        );
    }
}

#[test]
fn flyway_engine_folders_read_only_engines_rollsafe_reads() {
    let root = layout("flyway-engines");
    let out = rollsafe(&root, &["check", "--root", ".", "--format", "json"]);
    let json = out.json("flyway-engines");
    let base = "src/main/resources/db/migration";
    assert_eq!(
        histories(&json),
        [format!("{base}/MYSQL"), format!("{base}/POSTGRESQL")].into()
    );
    let found = findings(&json);
    assert!(
        !found.iter().any(|(_, r, _)| r == "parse-error"),
        "{found:#?}"
    );
    assert_eq!(
        rules_in(&found, "V1_1__drop_description.sql"),
        ["drop-column", "drop-column"]
    );
    let engines: BTreeSet<(String, usize)> = json["skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["reason"] == "engine")
        .map(|s| {
            (
                s["engine"].as_str().unwrap_or("").to_string(),
                s["files"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        engines,
        [("db2".into(), 1), ("h2".into(), 1), ("sqlserver".into(), 2)].into()
    );
    let human = rollsafe(&root, &["check", "--root", "."]);
    assert!(
        human.stdout.contains(
            "note: skipped 4 files for engines rollsafe does not read: 1 DB2, 1 H2, 2 SQL Server"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn flyway_placeholders_from_the_project_configuration() {
    let root = layout("placeholders");
    let (project, result) = lint_dir(&root);
    assert!(
        project.migrations.iter().all(|m| m.issues.is_empty()),
        "{:#?}",
        project
            .migrations
            .iter()
            .map(|m| &m.issues)
            .collect::<Vec<_>>()
    );
    let fired: Vec<String> = result
        .findings
        .iter()
        .map(|f| format!("{}:{}", project.migrations[f.migration].name, f.rule))
        .collect();
    assert_eq!(
        fired,
        [
            "V2__drop_memo.sql:drop-column",
            "V3__audit_log_entry.sql:rename-column"
        ]
    );
    // flyway.conf says ${schema} is billing; ${flyway:defaultSchema} is the default schema.
    let v1 = project
        .migrations
        .iter()
        .find(|m| m.name == "V1__invoices.sql")
        .expect("V1");
    let described: Vec<String> = v1.changes.iter().map(|c| c.op.describe()).collect();
    assert!(
        described.contains(&"create table billing.invoices".to_string()),
        "{described:?}"
    );
    assert!(
        described.contains(&"create table audit_log".to_string()),
        "{described:?}"
    );
    // Spans point into the file as written.
    let first = &v1.changes[0];
    assert!(
        v1.source[first.span.start..first.span.end].starts_with("CREATE TABLE ${schema}.invoices")
    );
}

#[test]
fn dbmate_schema_dump_stands_for_the_versions_it_records() {
    let root = layout("dbmate-dump");
    let project = Project::load(&root);
    let h = &project.histories[0];
    let names: Vec<&str> = h
        .order
        .iter()
        .map(|&i| project.migrations[i].name.as_str())
        .collect();
    assert_eq!(names, ["schema.sql", "20240301000000_drop_nickname.sql"]);
    assert_eq!(h.superseded.len(), 2);
    let (project, result) = lint_dir(&root);
    let messages: Vec<String> = result
        .findings
        .iter()
        .map(|f| format!("{} {}", project.migrations[f.migration].name, f.message))
        .collect();
    assert_eq!(
        messages,
        ["20240301000000_drop_nickname.sql column `accounts.nickname` is dropped"]
    );
}

#[test]
fn a_dump_at_the_newest_version_is_not_a_baseline() {
    // dbmate rewrites schema.sql after each migration: at the newest version it is the schema
    // the migrations build, and must not hide the newest migration.
    let dir = common::project_dir(&[
        (
            "db/migrations/0001_init.sql",
            "CREATE TABLE a (id int, x int);\n",
        ),
        (
            "db/migrations/0002_drop.sql",
            "ALTER TABLE a DROP COLUMN x;\n",
        ),
        (
            "db/schema.sql",
            "CREATE TABLE a (id int);\nINSERT INTO schema_migrations (version) VALUES ('0001'), ('0002');\n",
        ),
    ]);
    let (project, result) = lint_dir(dir.path());
    assert_eq!(project.histories[0].order.len(), 2);
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.rule.name() == "drop-column"),
        "{:?}",
        result.findings
    );
}

#[test]
fn configured_baseline_schema() {
    let dir = common::project_dir(&[
        (
            "db/base/initial.sql",
            "CREATE TABLE legacy (id int, note text);\n",
        ),
        (
            "db/migrations/0001_old.sql",
            "CREATE TABLE ignored (id int);\n",
        ),
        (
            "db/migrations/0002_drop.sql",
            "DROP TABLE IF EXISTS legacy;\n",
        ),
        (
            "rollsafe.toml",
            "baseline_schema = \"db/base/initial.sql\"\nbaseline_schema_version = \"1\"\n",
        ),
    ]);
    let out = rollsafe(dir.path(), &["check", "--format", "json"]);
    let json = out.json("configured baseline");
    let found = findings(&json);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].1, "drop-table");
    assert!(!found[0].2.contains("never created"), "{found:?}");
    // Without the version it stands for, rollsafe says what to add.
    std::fs::write(
        dir.path().join("rollsafe.toml"),
        "baseline_schema = \"db/base/initial.sql\"\n",
    )
    .expect("write");
    let out = rollsafe(dir.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("baseline_schema_version"),
        "{}",
        out.stderr
    );
}

#[test]
fn named_paths_are_checked_whatever_gitignore_says() {
    let dir = common::git_repo();
    common::write(dir.path(), ".gitignore", b"generated/\n");
    common::write(
        dir.path(),
        "generated/db/migration/V1__t.sql",
        b"CREATE TABLE t (id int, x int);\n",
    );
    common::write(
        dir.path(),
        "generated/db/migration/V2__x.sql",
        b"ALTER TABLE t DROP COLUMN x;\n",
    );
    common::write(
        dir.path(),
        "db/migration/V1__u.sql",
        b"CREATE TABLE u (id int);\n",
    );
    let named = rollsafe(dir.path(), &["check", "generated/db/migration/V2__x.sql"]);
    assert_eq!(named.code, 1, "{}", named.all());
    assert!(named.stdout.contains("drop-column"), "{}", named.stdout);
    // The rest of its history is read with it: V1 created the column.
    assert!(!named.stdout.contains("never created"), "{}", named.stdout);
    let forced = rollsafe(
        dir.path(),
        &[
            "check",
            "--force-exclude",
            "generated/db/migration/V2__x.sql",
        ],
    );
    assert_eq!(forced.code, 0, "{}", forced.all());
    assert!(
        forced.stdout.contains("checked 0 files"),
        "{}",
        forced.stdout
    );
    // A named path that is no migration is passed over without a word (pre-commit passes
    // every matching file).
    common::write(
        dir.path(),
        "db/seed/data.sql",
        b"INSERT INTO u VALUES (1);\n",
    );
    let other = rollsafe(dir.path(), &["check", "db/seed/data.sql"]);
    assert_eq!(other.code, 0, "{}", other.all());
    // A named folder is read whole.
    let folder = rollsafe(dir.path(), &["check", "generated/db/migration"]);
    assert_eq!(folder.code, 1, "{}", folder.all());
}

#[test]
fn finding_no_migration_is_exit_2() {
    let dir = common::project_dir(&[("src/app.py", "print(1)\n"), ("db/seed.sql", "SELECT 1;\n")]);
    let out = rollsafe(dir.path(), &["check", "--root", "."]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("no migrations found")
            && out.stderr.contains("--root")
            && out.stderr.contains("[[roots]]"),
        "{}",
        out.stderr
    );
    // Only engines rollsafe does not read: nothing to check, and it says why.
    let h2 = common::project_dir(&[("db/migration/h2/V1__init.sql", "CREATE TABLE t (id int);\n")]);
    let out = rollsafe(h2.path(), &["check", "--root", "."]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("1 H2"), "{}", out.stderr);
}
