//! The `check` matrix: one row per kind of bad input.

use crate::common::{Out, rollsafe_cmd, run_checked, write};
use crate::good::*;
use serde_json::Value;

fn rows() -> Vec<Row> {
    let mut rows = encoding_rows();
    rows.extend(structure_rows());
    rows.extend(graph_rows());
    rows
}

/// Binary files, other encodings, byte order marks, line endings.
fn encoding_rows() -> Vec<Row> {
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
    ]
}

/// Empty files, deep nesting, unterminated literals.
fn structure_rows() -> Vec<Row> {
    let deep = "(".repeat(10_000);
    vec![
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
    ]
}

/// Broken migration graphs.
fn graph_rows() -> Vec<Row> {
    vec![
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
pub(crate) fn check_row_in(row: &Row, run: &dyn Fn(&[&str]) -> Out) {
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
        // The lock rules' findings are not about bad input.
        .filter(|f| !crate::common::is_lock_rule(f["rule"].as_str().unwrap_or("")))
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
