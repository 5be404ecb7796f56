//! The PostgreSQL frontend: statement kinds to operations, with spans.

use rollsafe::frontend::sql::postgres::parse;
use rollsafe::model::{ConstraintKind, ObjectKind, Op, QualifiedName};

fn ops(sql: &str) -> Vec<Op> {
    let parsed = parse(sql);
    assert!(
        parsed.issues.is_empty(),
        "unexpected issues: {:?}",
        parsed.issues
    );
    parsed
        .statements
        .into_iter()
        .flat_map(|s| s.changes.into_iter().map(|(op, _)| op))
        .collect()
}

fn t(name: &str) -> QualifiedName {
    QualifiedName::new(name)
}

#[test]
fn create_table_with_columns_and_constraints() {
    let o = ops(
        "CREATE TABLE IF NOT EXISTS public.users (id bigserial PRIMARY KEY, email text NOT NULL \
         UNIQUE, team_id int REFERENCES teams(id), score numeric(10,2) CHECK (score > 0), \
         created timestamptz NOT NULL DEFAULT now(), CONSTRAINT u UNIQUE (email, team_id));",
    );
    let Op::CreateTable {
        table,
        columns,
        constraints,
        if_not_exists,
    } = &o[0]
    else {
        panic!("{o:?}")
    };
    assert_eq!(table, &t("users"), "public. is the default schema");
    assert!(if_not_exists);
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "email", "team_id", "score", "created"]);
    assert_eq!(columns[0].ty.to_string(), "bigint");
    assert!(
        !columns[0].nullable && columns[0].default.is_some(),
        "serial has a default"
    );
    assert!(!columns[1].nullable);
    assert_eq!(columns[3].ty.to_string(), "numeric(10,2)");
    assert_eq!(columns[4].default.as_deref(), Some("now()"));
    let kinds: Vec<ConstraintKind> = constraints.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ConstraintKind::PrimaryKey,
            ConstraintKind::Unique,
            ConstraintKind::ForeignKey,
            ConstraintKind::Check,
            ConstraintKind::Unique
        ]
    );
    assert_eq!(constraints[4].name.as_deref(), Some("u"));
    assert_eq!(constraints[2].references, Some(t("teams")));
}

#[test]
fn quoted_and_qualified_names() {
    let o = ops(r#"ALTER TABLE ONLY app."User" DROP COLUMN "Email"; DROP TABLE Users;"#);
    assert_eq!(
        o[0],
        Op::DropColumn {
            table: QualifiedName::with_schema(Some("app".into()), "User"),
            column: "Email".into(),
            if_exists: false,
        }
    );
    assert_eq!(
        o[1],
        Op::DropTable {
            table: t("users"),
            if_exists: false
        }
    );
}

#[test]
fn alter_table_with_several_actions() {
    let o = ops(
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int NOT NULL DEFAULT 0, DROP COLUMN IF EXISTS \
         b, ALTER COLUMN c TYPE varchar(10) USING c::varchar, ALTER d SET NOT NULL, ALTER e DROP \
         NOT NULL, ALTER f SET DEFAULT 1, ALTER g DROP DEFAULT;",
    );
    assert_eq!(o.len(), 7, "{o:?}");
    assert!(
        matches!(&o[0], Op::AddColumn { column, if_not_exists: true, .. }
        if !column.nullable && column.default.as_deref() == Some("0"))
    );
    assert!(matches!(
        &o[1],
        Op::DropColumn {
            if_exists: true,
            ..
        }
    ));
    assert!(
        matches!(&o[2], Op::AlterColumnType { to, using: true, .. } if to.to_string() == "varchar(10)")
    );
    assert!(matches!(&o[3], Op::SetNotNull { column, .. } if column == "d"));
    assert!(matches!(&o[4], Op::DropNotNull { .. }));
    assert!(matches!(&o[5], Op::SetDefault { .. }));
    assert!(matches!(&o[6], Op::DropDefault { .. }));
}

#[test]
fn type_spellings_are_normalised() {
    let o = ops(
        "ALTER TABLE t ALTER a TYPE character varying(20), ALTER b TYPE int4, ALTER c TYPE \
         timestamp(3) with time zone, ALTER d TYPE double precision, ALTER e TYPE mood[], ALTER f \
         TYPE \"MyType\";",
    );
    let tys: Vec<String> = o
        .iter()
        .map(|op| match op {
            Op::AlterColumnType { to, .. } => to.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        tys,
        [
            "varchar(20)",
            "integer",
            "timestamptz(3)",
            "double precision",
            "mood[]",
            "MyType"
        ]
    );
}

#[test]
fn renames_and_schema_moves() {
    let o = ops(
        "ALTER TABLE t RENAME TO t2; ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME c \
         TO d; ALTER TABLE t SET SCHEMA archive; ALTER INDEX i RENAME TO j; ALTER TABLE t RENAME \
         CONSTRAINT x TO y;",
    );
    assert_eq!(
        o[0],
        Op::RenameTable {
            table: t("t"),
            to: "t2".into()
        }
    );
    assert!(matches!(&o[1], Op::RenameColumn { column, to, .. } if column == "a" && to == "b"));
    assert!(matches!(&o[2], Op::RenameColumn { column, to, .. } if column == "c" && to == "d"));
    assert!(
        matches!(&o[3], Op::SetSchema { kind: ObjectKind::Table, schema, .. } if schema == "archive")
    );
    assert!(matches!(&o[4], Op::RenameIndex { to, .. } if to == "j"));
    assert!(matches!(&o[5], Op::RenameConstraint { .. }));
}

#[test]
fn constraints_not_valid_validate_and_using_index() {
    let o = ops(
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES o(id) NOT VALID; ALTER TABLE t \
         VALIDATE CONSTRAINT fk; ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX idx; ALTER \
         TABLE t ADD CONSTRAINT ex EXCLUDE USING gist (r WITH &&); ALTER TABLE t ADD PRIMARY KEY \
         (id); ALTER TABLE t DROP CONSTRAINT IF EXISTS fk;",
    );
    assert!(matches!(&o[0], Op::AddConstraint { constraint, .. }
        if constraint.kind == ConstraintKind::ForeignKey && constraint.not_valid));
    assert!(matches!(&o[1], Op::ValidateConstraint { name, .. } if name == "fk"));
    assert!(matches!(&o[2], Op::AddConstraint { constraint, .. }
        if constraint.using_index.as_deref() == Some("idx")));
    assert!(matches!(&o[3], Op::AddConstraint { constraint, .. }
        if constraint.kind == ConstraintKind::Exclusion && constraint.columns == ["r"]));
    assert!(matches!(&o[4], Op::AddConstraint { constraint, .. }
        if constraint.kind == ConstraintKind::PrimaryKey && constraint.columns == ["id"]));
    assert!(matches!(
        &o[5],
        Op::DropConstraint {
            if_exists: true,
            ..
        }
    ));
}

#[test]
fn indexes() {
    let o = ops(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t USING btree (lower(a), b) \
         WHERE b > 0; DROP INDEX CONCURRENTLY IF EXISTS i, j CASCADE; CREATE INDEX ON t (c);",
    );
    let Op::CreateIndex(ix) = &o[0] else {
        panic!("{o:?}")
    };
    assert!(ix.unique && ix.concurrently && ix.partial && ix.if_not_exists);
    assert_eq!(ix.columns, ["lower(a)", "b"]);
    assert_eq!(ix.table, QualifiedName::with_schema(Some("s".into()), "t"));
    assert!(matches!(
        &o[1],
        Op::DropIndex {
            concurrently: true,
            if_exists: true,
            ..
        }
    ));
    assert!(matches!(&o[2], Op::DropIndex { .. }));
    assert!(matches!(&o[3], Op::CreateIndex(ix) if ix.name.is_none()));
}

#[test]
fn views_and_enums() {
    let o = ops(
        "CREATE OR REPLACE VIEW v AS SELECT 1; CREATE MATERIALIZED VIEW mv AS SELECT 1; DROP VIEW \
         IF EXISTS v; ALTER MATERIALIZED VIEW mv RENAME TO mw; CREATE TYPE mood AS ENUM ('a', \
         'b'); ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c' BEFORE 'a'; ALTER TYPE mood RENAME \
         VALUE 'a' TO 'z'; DROP TYPE mood;",
    );
    assert!(matches!(
        &o[0],
        Op::CreateView {
            or_replace: true,
            materialized: false,
            ..
        }
    ));
    assert!(matches!(
        &o[1],
        Op::CreateView {
            materialized: true,
            ..
        }
    ));
    assert!(matches!(
        &o[2],
        Op::DropView {
            if_exists: true,
            ..
        }
    ));
    assert!(matches!(
        &o[3],
        Op::RenameView {
            materialized: true,
            ..
        }
    ));
    assert!(matches!(&o[4], Op::CreateEnum { values, .. } if values == &["a", "b"]));
    assert!(matches!(&o[5], Op::AddEnumValue { value, .. } if value == "c"));
    assert!(matches!(&o[6], Op::RenameEnumValue { from, to, .. } if from == "a" && to == "z"));
    assert!(matches!(&o[7], Op::DropType { .. }));
}

#[test]
fn types_sequences_and_routines_are_modelled() {
    let o = ops(
        "ALTER TYPE mood RENAME TO feeling; CREATE SEQUENCE IF NOT EXISTS s; ALTER SEQUENCE s \
         RENAME TO t; ALTER SEQUENCE t SET SCHEMA other; DROP SEQUENCE IF EXISTS a, b; \
         CREATE OR REPLACE FUNCTION f(a int, OUT b text, VARIADIC c varchar(5)[]) RETURNS \
         record LANGUAGE sql AS 'SELECT 1'; CREATE FUNCTION trg() RETURNS trigger LANGUAGE \
         plpgsql AS $$ BEGIN RETURN NEW; END $$; DROP FUNCTION IF EXISTS f(int, varchar[]), g; \
         ALTER FUNCTION f(integer) RENAME TO h; CREATE PROCEDURE p(x bigint) LANGUAGE sql AS \
         'SELECT 1'; DROP PROCEDURE p(bigint);",
    );
    assert!(matches!(&o[0], Op::RenameType { name, to } if name.name == "mood" && to == "feeling"));
    assert!(matches!(
        &o[1],
        Op::CreateSequence {
            if_not_exists: true,
            ..
        }
    ));
    assert!(matches!(&o[2], Op::RenameSequence { to, .. } if to == "t"));
    assert!(matches!(
        &o[3],
        Op::SetSchema {
            kind: rollsafe::model::ObjectKind::Sequence,
            ..
        }
    ));
    assert!(matches!(&o[4], Op::DropSequence { name, if_exists: true } if name.name == "a"));
    assert!(matches!(&o[5], Op::DropSequence { name, .. } if name.name == "b"));
    let Op::CreateFunction {
        signature,
        trigger: false,
        ..
    } = &o[6]
    else {
        panic!("{:?}", o[6]);
    };
    // OUT arguments are not part of the signature; type modifiers are ignored.
    let args: Vec<String> = signature.args.iter().map(|a| a.to_string()).collect();
    assert_eq!(args, ["integer", "varchar[]"]);
    assert!(matches!(&o[7], Op::CreateFunction { trigger: true, .. }));
    assert!(
        matches!(&o[8], Op::DropFunction { args: Some(a), if_exists: true, .. } if a.len() == 2)
    );
    assert!(matches!(&o[9], Op::DropFunction { args: None, .. }));
    assert!(matches!(&o[10], Op::RenameFunction { to, args: Some(_), .. } if to == "h"));
    assert!(matches!(&o[11], Op::CreateFunction { signature, .. } if signature.procedure));
    assert!(matches!(
        &o[12],
        Op::DropFunction {
            procedure: true,
            ..
        }
    ));
}

#[test]
fn statements_sqlparser_cannot_parse_are_understood() {
    let o = ops(
        "DROP INDEX CONCURRENTLY IF EXISTS users_name_idx; REINDEX TABLE users; ALTER SEQUENCE \
         users_id_seq RESTART WITH 10; SET lock_timeout = '1s'; COMMENT ON COLUMN t.a IS 'x'; \
         GRANT SELECT ON t TO bob; INSERT INTO t (a) VALUES (1); BEGIN; COMMIT;",
    );
    assert!(matches!(&o[0], Op::DropIndex { .. }));
    assert!(
        o[1..].iter().all(|op| !matches!(op, Op::Opaque { .. })),
        "{o:?}"
    );
}

#[test]
fn do_block_statements_are_analysed_with_file_spans() {
    let sql = "SELECT 1;\nDO $$\nBEGIN\n  ALTER TABLE users DROP COLUMN bio;\n  IF true THEN\n    \
               EXECUTE 'ALTER TABLE users ADD COLUMN x int';\n    EXECUTE 'DROP TABLE ' || \
               quote_ident('t');\n  END IF;\nEND\n$$;\n";
    let parsed = parse(sql);
    let changes: Vec<(Op, rollsafe::model::Span)> = parsed
        .statements
        .into_iter()
        .flat_map(|s| s.changes)
        .collect();
    let (drop, span) = &changes[1];
    assert!(matches!(drop, Op::DropColumn { column, .. } if column == "bio"));
    assert_eq!(
        &sql[span.start..span.end],
        "ALTER TABLE users DROP COLUMN bio"
    );
    assert!(matches!(&changes[2].0, Op::AddColumn { column, .. } if column.name == "x"));
    assert!(matches!(&changes[3].0, Op::Opaque { reason, .. } if reason.contains("dynamic")));
}

#[test]
fn template_placeholders_do_not_break_parsing() {
    let o = ops(
        "CREATE TABLE {{ index .Options \"Namespace\" }}.users (id int);\nALTER TABLE {{.Schema}}.users ADD COLUMN a text;\n",
    );
    assert!(matches!(&o[0], Op::CreateTable { table, .. } if table == &t("users")));
    assert!(matches!(&o[1], Op::AddColumn { table, .. } if table == &t("users")));
}

#[test]
fn unparsable_statements_are_opaque_and_located() {
    let sql = "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users FROBNICATE b;\nALTER TABLE users DROP COLUMN c;\n";
    let parsed = parse(sql);
    assert_eq!(parsed.issues.len(), 1, "{:?}", parsed.issues);
    let ops: Vec<&Op> = parsed
        .statements
        .iter()
        .flat_map(|s| s.changes.iter().map(|(op, _)| op))
        .collect();
    assert!(ops.iter().any(|o| matches!(o, Op::Opaque { .. })));
    assert!(
        ops.iter()
            .any(|o| matches!(o, Op::DropColumn { column, .. } if column == "c"))
    );
}

#[test]
fn unterminated_literals_are_issues_not_panics() {
    for sql in [
        "SELECT 'unterminated;\n",
        "DO $$ BEGIN ALTER TABLE t DROP COLUMN a;\n",
        "CREATE TABLE t (a int",
        &"(".repeat(10_000),
    ] {
        let parsed = parse(sql);
        assert!(!parsed.issues.is_empty(), "no issue for {sql:.40}");
    }
}

#[test]
fn empty_and_comment_only_files_have_no_statements() {
    assert!(parse("").statements.is_empty());
    assert!(
        parse("-- nothing here\n\n/* still nothing */\n")
            .statements
            .is_empty()
    );
}

/// Parse failures seen in real histories: each is located, and the rest of the file is read.
#[test]
fn parse_failures_are_located_and_the_rest_is_read() {
    let text =
        "CREATE TABLE a (id int)\nCREATE TABLE b (id int);\nALTER TABLE b ADD COLUMN x int;\n";
    let p = parse(text);
    assert_eq!(p.issues.len(), 1, "{:?}", p.issues);
    assert_eq!(p.issues[0].span.start, 0);
    assert!(p.issues[0].message.contains("semicolon"), "{:?}", p.issues);
    let last = p.statements.last().expect("statements");
    assert!(
        matches!(last.changes[0].0, Op::AddColumn { .. }),
        "{:?}",
        last.changes
    );

    // MySQL or SQLite in a file that names no engine: said so, with what to do.
    for (sql, engine) in [
        (
            "CREATE TABLE c (id BIGINT UNSIGNED NOT NULL);\nDROP TABLE d;\n",
            "MySQL",
        ),
        (
            "CREATE TABLE c (id INTEGER PRIMARY KEY AUTOINCREMENT);\nDROP TABLE d;\n",
            "SQLite",
        ),
    ] {
        let p = parse(sql);
        assert_eq!(p.issues.len(), 1, "{sql}: {:?}", p.issues);
        assert!(
            p.issues[0]
                .message
                .contains(&format!("looks like {engine}")),
            "{:?}",
            p.issues
        );
        assert!(
            p.statements.iter().any(|s| s
                .changes
                .iter()
                .any(|(op, _)| matches!(op, Op::DropTable { .. }))),
            "{sql}: the statement after the bad one is read"
        );
    }
}

/// squawk's PL/pgSQL grammar rejects `SELECT … INTO var`; rollsafe reads such a block anyway.
#[test]
fn do_blocks_with_select_into() {
    let o = ops(
        "DO $$\nDECLARE\n  n bigint;\nBEGIN\n  SELECT COUNT(*) INTO n FROM \"Survey\" WHERE \"workspaceId\" IS NULL;\n  IF n > 0 THEN\n    RAISE EXCEPTION 'Cannot set NOT NULL: % rows', n;\n  END IF;\n  ALTER TABLE \"Survey\" DROP COLUMN legacy;\nEND $$;",
    );
    assert!(
        o.iter()
            .any(|op| matches!(op, Op::DropColumn { column, .. } if column == "legacy")),
        "{o:?}"
    );
    assert!(!o.iter().any(|op| matches!(op, Op::Opaque { .. })), "{o:?}");
}

/// CockroachDB files (read as PostgreSQL) with CockroachDB-only spellings.
#[test]
fn cockroach_spellings() {
    use rollsafe::frontend::sql::{Reading, parse_with, placeholders::Placeholders};
    let ph = Placeholders::default();
    let reading = Reading {
        placeholders: &ph,
        engine: Some("cockroach"),
    };
    let text = "DROP INDEX IF EXISTS sessions@sessions_token_idx CASCADE;\n\
                CREATE UNIQUE INDEX i ON t (a, b) STORING (c);\n\
                CREATE INVERTED INDEX j ON t (doc);\n\
                CREATE UNIQUE INDEX k ON t (a) USING HASH WHERE a IS NOT NULL;\n\
                ALTER TABLE t ALTER a SET NOT NULL, ADD CONSTRAINT IF NOT EXISTS t_fk FOREIGN KEY (a) REFERENCES u (id);\n";
    let p = parse_with(text, rollsafe::model::Dialect::Postgres, &reading);
    assert!(p.issues.is_empty(), "{:?}", p.issues);
    let ops: Vec<&Op> = p
        .statements
        .iter()
        .flat_map(|s| s.changes.iter().map(|(o, _)| o))
        .collect();
    assert!(matches!(ops[0], Op::DropIndex { name, .. } if name.name == "sessions_token_idx"));
    assert_eq!(
        ops.iter()
            .filter(|o| matches!(o, Op::CreateIndex(_)))
            .count(),
        3
    );
    assert!(ops.iter().any(|o| matches!(o, Op::AddConstraint { .. })));
    // Spans are the text's own.
    let first = &p.statements[0];
    assert!(text[first.span.start..first.span.end].starts_with("DROP INDEX IF EXISTS sessions@"));
}
