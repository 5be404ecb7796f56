//! Expand/contract classification through the whole pipeline: replay, comparison, rules,
//! overrides. Each case is a small Flyway history.

mod common;
use common::rules_fired;

const INIT: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text, name varchar(50), bio text, \
                    plan text NOT NULL DEFAULT 'free');\n";

fn with(later: &[(&str, &str)]) -> Vec<String> {
    let mut files = vec![("db/migration/V1__init.sql", INIT)];
    files.extend_from_slice(later);
    rules_fired(&files)
}

fn one(sql: &str) -> Vec<String> {
    with(&[("db/migration/V2__change.sql", sql)])
}

#[test]
fn expand_changes_are_clean() {
    for sql in [
        "ALTER TABLE users ADD COLUMN age int;",
        "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;",
        "ALTER TABLE users ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY;",
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);",
        "ALTER TABLE users ALTER COLUMN name TYPE text;",
        "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
        "CREATE INDEX CONCURRENTLY users_name_idx ON users (name);",
        "CREATE TABLE tags (id bigint PRIMARY KEY, slug text NOT NULL UNIQUE);",
        "COMMENT ON TABLE users IS 'people'; GRANT SELECT ON users TO reporting;",
        "UPDATE users SET name = lower(name);",
        "ALTER TABLE users ALTER COLUMN bio SET DEFAULT '';",
    ] {
        assert_eq!(one(sql), Vec::<String>::new(), "{sql}");
    }
}

#[test]
fn contract_changes_fire_their_rule() {
    for (sql, rule) in [
        ("DROP TABLE users;", "drop-table"),
        ("ALTER TABLE users DROP COLUMN email;", "drop-column"),
        // Upserts of the previous version name the key's columns (`ON CONFLICT (id)`).
        (
            "ALTER TABLE users DROP CONSTRAINT users_pkey;",
            "drop-unique-key",
        ),
        ("ALTER TABLE users RENAME TO people;", "rename-table"),
        (
            "ALTER TABLE users RENAME COLUMN name TO full_name;",
            "rename-column",
        ),
        (
            "ALTER TABLE users ALTER COLUMN bio TYPE varchar(10);",
            "change-column-type",
        ),
        (
            "ALTER TABLE users ALTER COLUMN name TYPE integer USING 0;",
            "change-column-type",
        ),
        (
            "ALTER TABLE users ADD COLUMN age int NOT NULL;",
            "add-not-null-column",
        ),
        (
            "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
            "set-not-null",
        ),
        (
            "ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;",
            "drop-default",
        ),
        (
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);",
            "add-unique",
        ),
        (
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
            "add-unique",
        ),
        ("ALTER TABLE users SET SCHEMA archive;", "move-to-schema"),
        (
            "ALTER TABLE users ADD CONSTRAINT bio_len CHECK (length(bio) < 100) NOT VALID;",
            "add-check-constraint",
        ),
        (
            "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID;",
            "add-foreign-key",
        ),
    ] {
        let fired = one(sql);
        assert_eq!(fired, vec![format!("V2__change.sql:{rule}")], "{sql}");
    }
}

#[test]
fn views_and_enums() {
    let fired = with(&[
        (
            "db/migration/V2__views.sql",
            "CREATE VIEW active AS SELECT * FROM users; CREATE TYPE mood AS ENUM ('ok', 'bad');",
        ),
        (
            "db/migration/V3__rename.sql",
            "ALTER VIEW active RENAME TO current_users;",
        ),
        (
            "db/migration/V4__drop.sql",
            "CREATE VIEW v2 AS SELECT 1; DROP VIEW v2; DROP VIEW current_users;",
        ),
        (
            "db/migration/V5__enum.sql",
            "ALTER TYPE mood RENAME VALUE 'bad' TO 'sad'; ALTER TYPE mood ADD VALUE 'meh';",
        ),
        (
            "db/migration/V6__recreate.sql",
            "CREATE VIEW v3 AS SELECT 1;",
        ),
        (
            "db/migration/V7__replace.sql",
            "DROP VIEW v3; CREATE VIEW v3 AS SELECT 2;",
        ),
    ]);
    assert_eq!(
        fired,
        [
            "V3__rename.sql:rename-view",
            "V4__drop.sql:drop-view",
            "V5__enum.sql:remove-enum-value"
        ]
    );
}

#[test]
fn constraints_on_a_table_created_in_the_same_migration_are_expand() {
    let fired = one(
        "CREATE TABLE tags (id bigint, slug text);\nALTER TABLE tags ALTER COLUMN slug SET NOT NULL;\n\
         CREATE UNIQUE INDEX tags_slug ON tags (slug);\nALTER TABLE tags ADD CONSTRAINT tags_id_unique UNIQUE (id);\n\
         ALTER TABLE tags ADD CONSTRAINT c CHECK (slug <> '');\nALTER TABLE tags ADD COLUMN n int NOT NULL;\n\
         ALTER TABLE tags ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES users (id);",
    );
    assert_eq!(fired, Vec::<String>::new());
}

#[test]
fn net_effects_within_one_migration() {
    // Added and dropped in the same migration: nothing the previous version knew is gone.
    assert_eq!(
        one("ALTER TABLE users ADD COLUMN tmp text;\nALTER TABLE users DROP COLUMN tmp;"),
        Vec::<String>::new()
    );
    // Table rebuild keeping every column: a change of columns, not a dropped table.
    assert_eq!(
        one(
            "CREATE TABLE users_new (id bigint PRIMARY KEY, email text, name varchar(50), bio text, plan text NOT NULL DEFAULT 'free', extra text);\n\
             INSERT INTO users_new SELECT id, email, name, bio, plan, NULL FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;"
        ),
        Vec::<String>::new()
    );
    // Rebuild that loses a column: drop-column, not drop-table.
    assert_eq!(
        one(
            "CREATE TABLE users_new (id bigint PRIMARY KEY, email text, name varchar(50), plan text NOT NULL DEFAULT 'free');\n\
             DROP TABLE users;\nALTER TABLE users_new RENAME TO users;"
        ),
        ["V2__change.sql:drop-column"]
    );
    // Rename then narrow: both are reported.
    assert_eq!(
        one(
            "ALTER TABLE users RENAME COLUMN bio TO biography;\nALTER TABLE users ALTER COLUMN biography TYPE varchar(5);"
        ),
        [
            "V2__change.sql:rename-column",
            "V2__change.sql:change-column-type"
        ]
    );
}

#[test]
fn unique_index_then_constraint_using_it_is_reported_once() {
    let fired = with(&[
        (
            "db/migration/V2__idx.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email);",
        ),
        (
            "db/migration/V3__con.sql",
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
        ),
    ]);
    assert_eq!(fired, ["V2__idx.sql:add-unique"]);
}

#[test]
fn a_constraint_recreated_under_its_old_name_is_judged_by_what_it_says() {
    // Found by the PostgreSQL oracle: the new primary key is `users_pkey` again, over a column
    // the previous version writes duplicates into; and upserts on (id) lose their key.
    assert_eq!(
        one(
            "ALTER TABLE users DROP CONSTRAINT users_pkey;\nALTER TABLE users ADD PRIMARY KEY (plan);"
        ),
        [
            "V2__change.sql:drop-unique-key",
            "V2__change.sql:add-unique"
        ]
    );
    let fired = with(&[
        (
            "db/migration/V2__chk.sql",
            "ALTER TABLE users ADD CONSTRAINT users_bio_len CHECK (length(bio) < 1000);",
        ),
        (
            "db/migration/V3__same.sql",
            "ALTER TABLE users DROP CONSTRAINT users_bio_len;\nALTER TABLE users ADD CONSTRAINT users_bio_len CHECK (length(bio) < 1000);",
        ),
        (
            "db/migration/V4__stricter.sql",
            "ALTER TABLE users DROP CONSTRAINT users_bio_len;\nALTER TABLE users ADD CONSTRAINT users_bio_len CHECK (length(bio) < 10);",
        ),
        (
            "db/migration/V5__pk_again.sql",
            "ALTER TABLE users DROP CONSTRAINT users_pkey;\nALTER TABLE users ADD PRIMARY KEY (id);",
        ),
    ]);
    assert_eq!(
        fired,
        [
            "V2__chk.sql:add-check-constraint",
            "V4__stricter.sql:add-check-constraint"
        ]
    );
}

#[test]
fn not_valid_then_validate_warns_once() {
    let fired = with(&[
        (
            "db/migration/V2__fk.sql",
            "CREATE TABLE accounts (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN account_id bigint;",
        ),
        (
            "db/migration/V3__fk.sql",
            "ALTER TABLE users ADD CONSTRAINT users_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;",
        ),
        (
            "db/migration/V4__validate.sql",
            "ALTER TABLE users VALIDATE CONSTRAINT users_account_fk;",
        ),
    ]);
    assert_eq!(fired, ["V3__fk.sql:add-foreign-key"]);
}

#[test]
fn tables_created_before_the_history_count_as_existing() {
    let fired = rules_fired(&[(
        "migrations/0001_later.up.sql",
        "ALTER TABLE legacy DROP COLUMN old;\nALTER TABLE legacy ADD COLUMN n int NOT NULL;\nDROP TABLE IF EXISTS maybe_never_existed;",
    )]);
    // `IF EXISTS` of a table the history never created is a drop like any other.
    assert_eq!(
        fired,
        [
            "0001_later.up.sql:drop-column",
            "0001_later.up.sql:add-not-null-column",
            "0001_later.up.sql:drop-table"
        ]
    );
}

#[test]
fn ordering_is_numeric_not_lexical() {
    // V10 drops the column V9 added: with lexical order V10 would run first and fail to see it.
    let fired = with(&[
        (
            "db/migration/V9__add.sql",
            "ALTER TABLE users ADD COLUMN tmp text;",
        ),
        (
            "db/migration/V10__drop.sql",
            "ALTER TABLE users DROP COLUMN tmp;",
        ),
    ]);
    assert_eq!(fired, ["V10__drop.sql:drop-column"]);
}

#[test]
fn overrides_waive_the_statement_below_or_on_its_first_line() {
    let fired = one(
        "-- compat: breaking (reason: email moved to contacts)\nALTER TABLE users DROP COLUMN email;\n\
         ALTER TABLE users DROP COLUMN bio; -- compat: breaking (reason: bio is unused since v12)\n\
         ALTER TABLE users DROP COLUMN name;\n",
    );
    assert_eq!(
        fired,
        [
            "V2__change.sql:drop-column (waived)",
            "V2__change.sql:drop-column (waived)",
            "V2__change.sql:drop-column"
        ]
    );
}

#[test]
fn override_problems() {
    let fired = one(
        "-- compat: breaking\nALTER TABLE users DROP COLUMN email;\n\n\
         -- compat: breaking (reason: not needed)\nALTER TABLE users ADD COLUMN nick text;\n\n\
         -- compat: breaking (reason: a blank line separates me)\n\nALTER TABLE users DROP COLUMN bio;\n",
    );
    assert_eq!(
        fired,
        [
            "V2__change.sql:override-without-reason",
            "V2__change.sql:drop-column",
            "V2__change.sql:unused-override",
            "V2__change.sql:unused-override",
            "V2__change.sql:drop-column"
        ]
    );
}

#[test]
fn override_with_comment_lines_between() {
    let fired = one(
        "-- compat: breaking (reason: email moved to contacts)\n-- see ticket OPS-12\nALTER TABLE users DROP COLUMN email;\n",
    );
    assert_eq!(fired, ["V2__change.sql:drop-column (waived)"]);
}

#[test]
fn opaque_changes_are_warnings() {
    let fired =
        one("DO $$ BEGIN EXECUTE 'ALTER TABLE ' || 'users' || ' DROP COLUMN email'; END $$;");
    assert_eq!(fired, ["V2__change.sql:opaque-change"]);
    let fired = one("DO $$ BEGIN ALTER TABLE users DROP COLUMN email; END $$;");
    assert_eq!(fired, ["V2__change.sql:drop-column"]);
}

#[test]
fn golang_migrate_dbmate_and_histories() {
    let fired = rules_fired(&[
        (
            "svc_a/migrations/0001_init.up.sql",
            "CREATE TABLE users (id int, email text);",
        ),
        ("svc_a/migrations/0001_init.down.sql", "DROP TABLE users;"),
        (
            "svc_a/migrations/0002_drop.up.sql",
            "ALTER TABLE users DROP COLUMN email;",
        ),
        (
            "svc_a/migrations/0002_drop.down.sql",
            "ALTER TABLE users ADD COLUMN email text;",
        ),
        // Another history: its own `users` does not see svc_a's.
        (
            "svc_b/db/migrations/20240101000000_init.sql",
            "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n",
        ),
        (
            "svc_b/db/migrations/20240102000000_more.sql",
            "-- migrate:up\nALTER TABLE users ADD COLUMN n int;\n-- migrate:down\nALTER TABLE users DROP COLUMN n;\n",
        ),
    ]);
    assert_eq!(fired, ["0002_drop.up.sql:drop-column"]);
}

#[test]
fn empty_files_are_silent() {
    let fired = with(&[
        ("db/migration/V2__placeholder.sql", ""),
        ("db/migration/V3__only_comments.sql", "-- nothing\n"),
    ]);
    assert_eq!(fired, Vec::<String>::new());
}
