//! The Django frontend: model-state replay and the semantics a naive reader gets wrong.

mod common;
use common::{lint_dir, project_dir};
use rollsafe::model::{Downgrade, Op};

const INIT: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254, null=True)),
                ("name", models.CharField(max_length=50)),
            ],
        ),
    ]
"#;

fn second(ops: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [\n{ops}\n    ]\n"
    )
}

/// Lints shop/0001 + shop/0002 (with `ops`); returns the rules fired in 0002 and its ops.
fn run(ops: &str) -> (Vec<String>, Vec<Op>, Downgrade) {
    let dir = project_dir(&[
        ("shop/migrations/0001_initial.py", INIT),
        ("shop/migrations/0002_change.py", &second(ops)),
    ]);
    let (project, result) = lint_dir(dir.path());
    let m = project
        .migrations
        .iter()
        .position(|m| m.id == "shop.0002_change")
        .expect("0002 read");
    let rules = result
        .findings
        .iter()
        .filter(|f| f.migration == m && f.suppressed.is_none())
        .map(|f| f.rule.to_string())
        .collect();
    let mig = &project.migrations[m];
    (
        rules,
        mig.changes.iter().map(|c| c.op.clone()).collect(),
        mig.downgrade.clone(),
    )
}

#[test]
fn add_field_defaults() {
    let (r, _, _) = run(
        r#"        migrations.AddField(model_name="customer", name="plan", field=models.CharField(max_length=20, default="free")),"#,
    );
    assert_eq!(
        r,
        ["add-not-null-column"],
        "default= is not a database default"
    );
    let (r, _, _) = run(
        r#"        migrations.AddField(model_name="customer", name="plan", field=models.CharField(max_length=20, default="free"), preserve_default=False),"#,
    );
    assert_eq!(r, ["add-not-null-column"]);
    let (r, _, _) = run(
        r#"        migrations.AddField(model_name="customer", name="plan", field=models.CharField(max_length=20, db_default="free")),"#,
    );
    assert!(r.is_empty(), "{r:?}");
    let (r, _, _) = run(
        r#"        migrations.AddField(model_name="customer", name="plan", field=models.CharField(max_length=20, default="free")),
        migrations.RunSQL("ALTER TABLE shop_customer ALTER COLUMN plan SET DEFAULT 'free'", reverse_sql=migrations.RunSQL.noop),"#,
    );
    assert!(
        r.is_empty(),
        "a following RunSQL SET DEFAULT gives a database default: {r:?}"
    );
    let (r, _, _) = run(
        r#"        migrations.AddField(model_name="customer", name="age", field=models.IntegerField(null=True)),"#,
    );
    assert!(r.is_empty());
}

#[test]
fn names_come_from_the_model_state() {
    let (_, ops, _) = run(
        r#"        migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key=True)), ("customer", models.ForeignKey(on_delete=models.CASCADE, to="shop.customer")), ("tags", models.ManyToManyField(to="shop.Tag")), ("legacy", models.IntegerField(db_column="LegacyNo"))], options={"db_table": "orders"}),
        migrations.CreateModel(name="Shadow", fields=[("id", models.AutoField(primary_key=True))], options={"managed": False}),
        migrations.CreateModel(name="VipCustomer", fields=[], options={"proxy": True}, bases=("shop.customer",)),"#,
    );
    let Op::CreateTable { table, columns, .. } = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(table.name, "orders");
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "customer_id", "LegacyNo"]);
    assert_eq!(
        columns[1].ty.to_string(),
        "bigint",
        "FK takes the target's pk type"
    );
    assert!(
        ops.iter()
            .any(|o| matches!(o, Op::CreateTable { table, .. } if table.name == "orders_tags"))
    );
    assert!(!ops.iter().any(|o| matches!(o, Op::CreateTable { table, .. } if table.name.contains("shadow") || table.name.contains("vip"))));
}

#[test]
fn alter_field_counts_only_database_changes() {
    let (r, ops, _) = run(
        r#"        migrations.AlterField(model_name="customer", name="name", field=models.CharField(max_length=50, help_text="Full name", blank=True, verbose_name="name", default="x")),"#,
    );
    assert!(r.is_empty());
    assert!(
        ops.iter().all(|o| matches!(o, Op::Neutral { .. })),
        "{ops:?}"
    );
    let (r, _, _) = run(
        r#"        migrations.AlterField(model_name="customer", name="email", field=models.EmailField(max_length=254, null=True, unique=True)),"#,
    );
    assert_eq!(r, ["add-unique"]);
    let (r, _, _) = run(
        r#"        migrations.AlterField(model_name="customer", name="email", field=models.EmailField(max_length=254, default="a@b.c")),"#,
    );
    assert_eq!(r, ["set-not-null"]);
    let (r, _, _) = run(
        r#"        migrations.AlterField(model_name="customer", name="name", field=models.CharField(max_length=20)),"#,
    );
    assert_eq!(r, ["change-column-type"]);
    let (r, _, _) = run(
        r#"        migrations.AlterField(model_name="customer", name="name", field=models.CharField(max_length=80)),"#,
    );
    assert!(r.is_empty(), "widening: {r:?}");
}

#[test]
fn renames_removals_and_tables() {
    assert_eq!(run(r#"        migrations.RenameField(model_name="customer", old_name="name", new_name="full_name"),"#).0, ["rename-column"]);
    assert_eq!(
        run(r#"        migrations.RemoveField(model_name="customer", name="email"),"#).0,
        ["drop-column"]
    );
    assert_eq!(
        run(r#"        migrations.RenameModel(old_name="Customer", new_name="Client"),"#).0,
        ["rename-table"]
    );
    assert_eq!(
        run(r#"        migrations.AlterModelTable(name="customer", table="customers"),"#).0,
        ["rename-table"]
    );
    assert_eq!(
        run(r#"        migrations.DeleteModel(name="Customer"),"#).0,
        ["drop-table"]
    );
    assert!(run(r#"        migrations.AlterModelOptions(name="customer", options={"ordering": ["name"]}),"#).0.is_empty());
}

#[test]
fn indexes_and_constraints() {
    let (r, ops, _) = run(
        r#"        migrations.AddIndex(model_name="customer", index=models.Index(fields=["name"], name="shop_name_idx")),
        migrations.AddConstraint(model_name="customer", constraint=models.UniqueConstraint(fields=["email"], name="uniq_email")),
        migrations.AddConstraint(model_name="customer", constraint=models.CheckConstraint(check=models.Q(name__startswith="a"), name="name_a")),
        migrations.RemoveIndex(model_name="customer", name="shop_name_idx"),
        migrations.AlterUniqueTogether(name="customer", unique_together={("email", "name")}),"#,
    );
    assert!(matches!(&ops[0], Op::CreateIndex(ix) if ix.name.as_deref() == Some("shop_name_idx")));
    assert_eq!(r, ["add-unique", "add-check-constraint", "add-unique"]);
}

#[test]
fn separate_database_and_state() {
    let (r, ops, _) = run(
        r#"        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(model_name="customer", name="email")]),"#,
    );
    assert!(r.is_empty() && ops.is_empty(), "state-only: {ops:?}");
    let (r, _, _) = run(
        r#"        migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("ALTER TABLE shop_customer DROP COLUMN email")], state_operations=[migrations.RemoveField(model_name="customer", name="email")]),"#,
    );
    assert_eq!(r, ["drop-column"]);
}

#[test]
fn run_sql_and_run_python() {
    let (r, _, dg) = run(
        r#"        migrations.RunSQL(["ALTER TABLE shop_customer DROP COLUMN name", ("UPDATE shop_customer SET email = %s", ["x"])]),"#,
    );
    assert_eq!(r, ["drop-column"]);
    assert!(
        matches!(dg, Downgrade::Irreversible),
        "RunSQL without reverse_sql"
    );
    let (r, _, dg) = run(r#"        migrations.RunPython(forwards),"#);
    assert_eq!(r, ["opaque-change"]);
    assert!(
        matches!(dg, Downgrade::Irreversible),
        "RunPython without reverse_code"
    );
    let (r, _, dg) = run(
        r#"        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),"#,
    );
    assert!(r.is_empty());
    assert!(!matches!(dg, Downgrade::Irreversible));
    let (_, _, dg) = run(
        r#"        migrations.AddField(model_name="customer", name="age", field=models.IntegerField(null=True)),"#,
    );
    assert!(
        matches!(dg, Downgrade::Present { ref changes, .. } if matches!(changes[0], Op::DropColumn { .. }))
    );
}

#[test]
fn computed_operations_are_opaque_not_a_crash() {
    let src = "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [\n        migrations.AddField(model_name=\"customer\", name=\"a\", field=models.IntegerField(null=True)),\n    ] + [\n        migrations.AddField(model_name=\"customer\", name=f\"c{i}\", field=models.IntegerField(null=True)) for i in range(2)\n    ]\n";
    let dir = project_dir(&[
        ("shop/migrations/0001_initial.py", INIT),
        ("shop/migrations/0002_change.py", src),
    ]);
    let (_, result) = lint_dir(dir.path());
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.rule.name() == "opaque-change")
    );
}

#[test]
fn overrides_above_operations() {
    let (r, _, _) = run(
        r#"        # compat: breaking (reason: email moved to contacts)
        migrations.RemoveField(model_name="customer", name="email"),"#,
    );
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn fixture_project() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/django/shopsite");
    let (project, result) = lint_dir(&root);
    // The squash replaces three files that all exist: the originals are replayed instead.
    assert!(
        !project
            .migrations
            .iter()
            .any(|m| m.id == "catalog.0001_squashed_0003")
    );
    let fired: Vec<String> = result
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}{}",
                project.migrations[f.migration].id,
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
        fired,
        [
            "accounts.0004_drop_legacy_code:drop-column (waived)",
            "catalog.0003_product_slug_unique:opaque-change",
            "catalog.0003_product_slug_unique:set-not-null",
            "catalog.0003_product_slug_unique:add-unique",
            "orders.0002_order_status:add-not-null-column",
            "orders.0003_rename_total:rename-column",
            // The check covers `amount`, which is `total` renamed: not a new column.
            "orders.0003_rename_total:add-check-constraint"
        ]
    );
}
