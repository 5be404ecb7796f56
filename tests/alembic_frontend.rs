//! The Alembic frontend: revisions read statically into the model.

mod common;
use rollsafe::frontend::alembic::{find_envs, read_revision};
use rollsafe::model::{ConstraintKind, Downgrade, Op};
use std::sync::Arc;

fn revision(upgrade: &str) -> rollsafe::model::Migration {
    let src = format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"b2\"\ndown_revision = \"a1\"\n\n\ndef upgrade():\n{upgrade}\n\ndef downgrade():\n    pass\n"
    );
    read_revision("versions/b2.py", Arc::from(src), "migrations").expect("a revision")
}

fn ops(upgrade: &str) -> Vec<Op> {
    revision(upgrade)
        .changes
        .into_iter()
        .map(|c| c.op)
        .collect()
}

#[test]
fn header_and_graph() {
    let src = "revision = 'm3'\ndown_revision = ('b1', 'c2')\ndepends_on = 'x9'\nbranch_labels = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    raise NotImplementedError()\n";
    let m = read_revision("v/m3.py", Arc::from(src), "env").expect("revision");
    assert_eq!(m.id, "m3");
    assert_eq!(m.parents, ["b1", "c2", "x9"]);
    assert!(matches!(m.downgrade, Downgrade::Irreversible));
    assert!(read_revision("v/helpers.py", Arc::from("def f():\n    pass\n"), "env").is_none());
    assert!(matches!(revision("    pass").downgrade, Downgrade::Empty));
}

#[test]
fn create_table_columns_and_constraints() {
    let o = ops(
        "    op.create_table(\n        \"t\",\n        sa.Column(\"id\", sa.BigInteger(), primary_key=True),\n        sa.Column(\"email\", sa.String(255), nullable=False, unique=True),\n        sa.Column(\"team_id\", sa.Integer(), sa.ForeignKey(\"teams.id\")),\n        sa.Column(\"plan\", sa.String(20), nullable=False, default=\"free\"),\n        sa.Column(\"at\", sa.DateTime(timezone=True), server_default=sa.func.now()),\n        sa.Column(\"mood\", sa.Enum(\"ok\", \"bad\", name=\"mood\")),\n        sa.CheckConstraint(\"length(email) > 3\", name=\"ck_email\"),\n        schema=\"app\",\n    )",
    );
    assert!(matches!(&o[0], Op::CreateEnum { values, .. } if values == &["ok", "bad"]));
    let Op::CreateTable {
        table,
        columns,
        constraints,
        ..
    } = &o[1]
    else {
        panic!("{o:?}")
    };
    assert_eq!(table.to_string(), "app.t");
    assert_eq!(columns[0].ty.to_string(), "bigint");
    // SERIAL: a sequence default, not an identity.
    assert!(!columns[0].nullable && !columns[0].generated);
    assert_eq!(columns[0].default.as_deref(), Some("nextval(…)"));
    assert_eq!(columns[1].ty.to_string(), "varchar(255)");
    assert!(columns[3].default.is_none(), "default= is Python-side only");
    assert_eq!(columns[4].ty.to_string(), "timestamptz");
    assert_eq!(columns[4].default.as_deref(), Some("sa.func.now()"));
    assert_eq!(columns[5].ty.to_string(), "mood");
    let kinds: Vec<ConstraintKind> = constraints.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ConstraintKind::PrimaryKey) && kinds.contains(&ConstraintKind::Unique));
    assert!(kinds.contains(&ConstraintKind::ForeignKey) && kinds.contains(&ConstraintKind::Check));
}

/// Found by the PostgreSQL oracle (`tests/postgres/frameworks.rs`): SQLAlchemy creates the
/// table's autoincrement column as `SERIAL`/`BIGSERIAL` (a `nextval` default, which the catalog
/// shows as `default`, not as an identity), and only that column: a composite key's columns, a
/// key column with a foreign key, a Python `default=`, a `server_default=` or
/// `autoincrement=False` keep the plain type; `sa.Identity()` is an identity.
#[test]
fn integer_primary_keys_are_serial_as_sqlalchemy_makes_them() {
    let columns = |body: &str| -> Vec<(String, Option<String>, bool)> {
        let o = ops(&format!("    op.create_table(\"t\", {body})"));
        let Some(Op::CreateTable { columns, .. }) = o.last() else {
            panic!("{o:?}")
        };
        columns
            .iter()
            .map(|c| (c.name.clone(), c.default.clone(), c.generated))
            .collect()
    };
    let serial = |name: &str| (name.to_string(), Some("nextval(…)".to_string()), false);
    let plain = |name: &str| (name.to_string(), None, false);
    assert_eq!(
        columns(
            "sa.Column(\"id\", sa.Integer(), primary_key=True), sa.Column(\"n\", sa.Integer())"
        ),
        [serial("id"), plain("n")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.SmallInteger()), sa.PrimaryKeyConstraint(\"id\")"),
        [serial("id")]
    );
    assert_eq!(
        columns(
            "sa.Column(\"a\", sa.Integer(), primary_key=True), sa.Column(\"b\", sa.Integer(), primary_key=True)"
        ),
        [plain("a"), plain("b")],
        "a composite key has no autoincrement column"
    );
    assert_eq!(
        columns(
            "sa.Column(\"a\", sa.Integer(), primary_key=True, autoincrement=True), sa.Column(\"b\", sa.Integer(), primary_key=True)"
        ),
        [serial("a"), plain("b")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.Integer(), sa.ForeignKey(\"u.id\"), primary_key=True)"),
        [plain("id")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.Integer(), primary_key=True, autoincrement=False)"),
        [plain("id")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.Integer(), primary_key=True, default=7)"),
        [plain("id")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.String(10), primary_key=True)"),
        [plain("id")]
    );
    assert_eq!(
        columns("sa.Column(\"id\", sa.BigInteger(), sa.Identity(), primary_key=True)"),
        [("id".to_string(), None, true)]
    );
    let o = ops("    op.add_column(\"t\", sa.Column(\"n\", sa.Integer(), primary_key=True))");
    assert!(
        matches!(&o[0], Op::AddColumn { column, .. } if column.default.as_deref() == Some("nextval(…)")),
        "{o:?}"
    );
}

#[test]
fn column_ops() {
    let o = ops(
        "    op.add_column(\"t\", sa.Column(\"a\", sa.Integer(), nullable=False, server_default=\"0\"))\n    op.drop_column(\"t\", \"b\")\n    op.alter_column(\"t\", \"c\", new_column_name=\"d\")\n    op.alter_column(\"t\", \"e\", type_=sa.String(10), existing_type=sa.Text())\n    op.alter_column(\"t\", \"f\", nullable=False)\n    op.alter_column(\"t\", \"g\", server_default=None)\n    op.alter_column(\"t\", \"h\", server_default=sa.text(\"now()\"))\n    op.rename_table(\"t\", \"u\")\n    op.drop_table(\"u\")",
    );
    assert!(
        matches!(&o[0], Op::AddColumn { column, .. } if column.default.as_deref() == Some("'0'"))
    );
    assert!(matches!(&o[1], Op::DropColumn { column, .. } if column == "b"));
    assert!(matches!(&o[2], Op::RenameColumn { column, to, .. } if column == "c" && to == "d"));
    assert!(matches!(&o[3], Op::AlterColumnType { to, .. } if to.to_string() == "varchar(10)"));
    assert!(matches!(&o[4], Op::SetNotNull { .. }));
    assert!(matches!(&o[5], Op::DropDefault { .. }));
    assert!(matches!(&o[6], Op::SetDefault { .. }));
    assert!(matches!(&o[7], Op::RenameTable { to, .. } if to == "u"));
    assert!(matches!(&o[8], Op::DropTable { .. }));
}

#[test]
fn index_and_constraint_ops() {
    let o = ops(
        "    op.create_index(op.f(\"ix_t_a\"), \"t\", [\"a\"], unique=True, postgresql_concurrently=True, postgresql_where=sa.text(\"a > 0\"))\n    op.drop_index(\"ix_t_a\", table_name=\"t\")\n    op.create_unique_constraint(\"uq\", \"t\", [\"a\", \"b\"])\n    op.create_check_constraint(\"ck\", \"t\", \"a > b\")\n    op.create_foreign_key(\"fk\", \"t\", \"o\", [\"o_id\"], [\"id\"])\n    op.create_primary_key(\"pk\", \"t\", [\"id\"])\n    op.drop_constraint(\"uq\", \"t\", type_=\"unique\")\n    op.create_exclude_constraint(\"ex\", \"t\", (\"period\", \"&&\"), using=\"gist\")",
    );
    assert!(
        matches!(&o[0], Op::CreateIndex(ix) if ix.unique && ix.concurrently && ix.partial && ix.name.as_deref() == Some("ix_t_a"))
    );
    assert!(matches!(&o[1], Op::DropIndex { .. }));
    assert!(
        matches!(&o[2], Op::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::Unique && constraint.columns == ["a", "b"])
    );
    assert!(
        matches!(&o[3], Op::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::Check)
    );
    assert!(
        matches!(&o[4], Op::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::ForeignKey && constraint.columns == ["o_id"])
    );
    assert!(
        matches!(&o[5], Op::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::PrimaryKey)
    );
    assert!(matches!(&o[6], Op::DropConstraint { name, .. } if name == "uq"));
    assert!(
        matches!(&o[7], Op::AddConstraint { constraint, .. } if constraint.kind == ConstraintKind::Exclusion)
    );
}

#[test]
fn batch_blocks_and_autocommit() {
    let o = ops(
        "    with op.batch_alter_table(\"users\", schema=None) as batch_op:\n        batch_op.add_column(sa.Column(\"x\", sa.Text()))\n        batch_op.drop_column(\"y\")\n        batch_op.alter_column(\"z\", new_column_name=\"w\")\n        batch_op.create_index(\"ix\", [\"x\"], unique=True)\n    with op.get_context().autocommit_block():\n        op.create_index(\"ix2\", \"users\", [\"w\"], postgresql_concurrently=True)",
    );
    assert!(matches!(&o[0], Op::AddColumn { table, .. } if table.name == "users"));
    assert!(
        matches!(&o[1], Op::DropColumn { table, column, .. } if table.name == "users" && column == "y")
    );
    assert!(matches!(&o[2], Op::RenameColumn { .. }));
    assert!(matches!(&o[3], Op::CreateIndex(ix) if ix.table.name == "users" && ix.unique));
    assert!(matches!(&o[4], Op::CreateIndex(ix) if ix.concurrently));
}

#[test]
fn sql_in_python_is_parsed_with_file_spans() {
    let m = revision(
        "    op.execute(\"UPDATE users SET a = 1\")\n    op.execute(\n        sa.text(\n            \"ALTER TABLE users \"\n            \"DROP COLUMN b\"\n        )\n    )\n    op.execute(text(\"\"\"\n        ALTER TABLE users ADD COLUMN c int;\n    \"\"\"))",
    );
    let text = m.source.clone();
    let drop = m
        .changes
        .iter()
        .find(|c| matches!(c.op, Op::DropColumn { .. }))
        .expect("drop parsed");
    assert_eq!(&text[drop.span.start..drop.span.end], "DROP COLUMN b");
    assert!(
        m.changes
            .iter()
            .any(|c| matches!(&c.op, Op::AddColumn { column, .. } if column.name == "c"))
    );
    assert!(
        m.changes
            .iter()
            .any(|c| matches!(c.op, Op::DataChange { .. }))
    );
}

#[test]
fn dynamic_sql_helpers_and_loops_are_opaque() {
    let o = ops(
        "    op.execute(f\"DROP TABLE {name}\")\n    op.execute(\"DROP TABLE %s\" % name)\n    op.execute(sql)\n    for t in TABLES:\n        op.drop_table(t)\n    make_indexes()\n    op.get_bind().execute(sa.select(users))\n",
    );
    let reasons: Vec<&str> = o
        .iter()
        .filter_map(|op| match op {
            Op::Opaque { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 6, "{o:?}");
    assert!(reasons[0].contains("f-string"));
    assert!(reasons[1].contains("operator"));
    assert!(reasons[2].contains("variable `sql`"));
    assert!(reasons[3].contains("loop"));
    assert!(reasons[4].contains("make_indexes"));
    assert!(reasons[5].contains("select"), "{reasons:?}");
    let data =
        ops("    op.get_bind().execute(users.update().values(a=1))\n    op.bulk_insert(users, [])");
    assert!(
        data.iter().all(|o| matches!(o, Op::DataChange { .. })),
        "{data:?}"
    );
}

#[test]
fn helper_functions_defined_in_the_module_are_opaque() {
    let src = "revision = 'b2'\ndown_revision = 'a1'\n\ndef _idx(t):\n    op.create_index('i', t, ['a'])\n\ndef upgrade():\n    _idx('users')\n";
    let m = read_revision("v/b2.py", Arc::from(src), "env").expect("revision");
    assert!(matches!(&m.changes[0].op, Op::Opaque { reason, .. } if reason.contains("_idx")));
}

#[test]
fn environments_from_ini_and_env_py() {
    let files: Vec<String> = [
        "alembic.ini",
        "core/migrations/env.py",
        "core/migrations/versions/a1.py",
        "tenant/env.py",
        "tenant/versions/t1.py",
        "extra/versions/x1.py",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ini = "[alembic]\nscript_location = %(here)s/core/migrations\nversion_locations = %(here)s/core/migrations/versions %(here)s/extra/versions\n";
    let envs = find_envs(&files, &|rel| {
        (rel == "alembic.ini").then(|| ini.to_string())
    });
    let keys: Vec<&str> = envs.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["core/migrations", "tenant"]);
    assert_eq!(
        envs[0].version_dirs,
        ["core/migrations/versions", "extra/versions"]
    );
}

#[test]
fn fixture_history_graph_and_findings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/alembic/billing");
    let (project, result) = common::lint_dir(&root);
    assert_eq!(project.migrations.len(), 13);
    let order: Vec<&str> = project.histories[0]
        .order
        .iter()
        .map(|&i| project.migrations[i].id.as_str())
        .collect();
    let merge = order
        .iter()
        .position(|id| *id == "7a8b9c0d1e2f")
        .expect("merge");
    assert!(
        order
            .iter()
            .position(|id| *id == "5e6f7a8b9c0d")
            .expect("a")
            < merge
    );
    assert!(
        order
            .iter()
            .position(|id| *id == "6f7a8b9c0d1e")
            .expect("b")
            < merge
    );
    let rules: Vec<String> = result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}{}",
                f.rule,
                if f.suppressed.is_some() {
                    " (waived)"
                } else {
                    ""
                }
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            "set-not-null",
            "rename-column",
            "drop-column (waived)",
            "opaque-change",
            "opaque-change",
            "override-without-reason",
            "drop-column"
        ]
    );
}

#[test]
fn graph_problems_are_findings() {
    let dir = common::project_dir(&[
        ("alembic.ini", "[alembic]\nscript_location = m\n"),
        ("m/env.py", ""),
        (
            "m/versions/a.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    pass\n",
        ),
        (
            "m/versions/a_again.py",
            "revision = 'a'\ndown_revision = None\ndef upgrade():\n    pass\n",
        ),
        (
            "m/versions/b.py",
            "revision = 'b'\ndown_revision = 'nope'\ndef upgrade():\n    pass\n",
        ),
        (
            "m/versions/c.py",
            "revision = 'c'\ndown_revision = 'd'\ndef upgrade():\n    pass\n",
        ),
        (
            "m/versions/d.py",
            "revision = 'd'\ndown_revision = 'c'\ndef upgrade():\n    pass\n",
        ),
    ]);
    let (project, result) = common::lint_dir(dir.path());
    let graph: Vec<String> = result
        .findings
        .iter()
        .filter(|f| f.rule.name() == "migration-graph")
        .map(|f| format!("{}: {}", project.migrations[f.migration].name, f.message))
        .collect();
    assert_eq!(graph.len(), 4, "{graph:#?}");
    assert!(graph.iter().any(|g| g.contains("nope")));
    assert!(graph.iter().any(|g| g.contains("cycle")));
    assert!(graph.iter().any(|g| g.contains("also declared")));
}

/// Found by the PostgreSQL oracle's `ALEMBIC_EDGES` project: `primary_key=True` on several
/// columns is one composite primary key (SQLAlchemy's `PrimaryKeyConstraint` of the table);
/// rollsafe made one primary key per column.
#[test]
fn primary_key_columns_make_one_composite_key() {
    let o = ops(
        "    op.create_table(\"t\", sa.Column(\"a\", sa.Integer(), primary_key=True), sa.Column(\"b\", sa.Integer(), primary_key=True), sa.Column(\"c\", sa.Text()))",
    );
    let Some(Op::CreateTable { constraints, .. }) = o.last() else {
        panic!("{o:?}")
    };
    let keys: Vec<&Vec<String>> = constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| &c.columns)
        .collect();
    assert_eq!(keys, [&vec!["a".to_string(), "b".to_string()]]);
    // An explicit constraint takes their place.
    let o = ops(
        "    op.create_table(\"t\", sa.Column(\"a\", sa.Integer(), primary_key=True), sa.Column(\"b\", sa.Integer()), sa.PrimaryKeyConstraint(\"b\", \"a\", name=\"pk_t\"))",
    );
    let Some(Op::CreateTable { constraints, .. }) = o.last() else {
        panic!("{o:?}")
    };
    let keys: Vec<(Option<&str>, &Vec<String>)> = constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| (c.name.as_deref(), &c.columns))
        .collect();
    assert_eq!(
        keys,
        [(Some("pk_t"), &vec!["b".to_string(), "a".to_string()])]
    );
}
