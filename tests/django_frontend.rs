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

/// The schema rollsafe replays for a Django project, as `rollsafe schema` prints it.
fn schema_text(files: &[(&str, &str)]) -> String {
    let dir = project_dir(files);
    let project = rollsafe::project::Project::load(dir.path());
    let side = rollsafe::rollback::Side::all(&project, "test");
    rollsafe::report::schema::render_text(&rollsafe::rollback::schema_of(&side))
}

fn migration(deps: &str, ops: &str) -> String {
    format!(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n    operations = [\n{ops}\n    ]\n"
    )
}

fn lines_with(text: &str, needle: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(needle))
        .map(|l| l.trim().to_string())
        .collect()
}

/// Found by the PostgreSQL oracle (`tests/postgres/frameworks.rs`, the names are the ones
/// PostgreSQL's catalog showed after Django 5.2 migrated the fixture): Django names foreign keys
/// and the indexes it adds `<table>_<column>_<md5 hash>` (`_fk_<table>_<column>`, `_like`), and
/// on PostgreSQL gives every indexed or unique varchar/text column a second `_like` index.
/// rollsafe had PostgreSQL's default names (`…_fkey`, `…_idx`) and no `_like` indexes.
#[test]
fn constraint_and_index_names_are_djangos() {
    let accounts = migration(
        "",
        r#"        migrations.CreateModel(name="Account", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("email", models.EmailField(max_length=254, unique=True)),
        ]),"#,
    );
    let orders = migration(
        r#"("accounts", "0001_initial")"#,
        r#"        migrations.CreateModel(name="Order", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("account", models.ForeignKey(on_delete=models.CASCADE, to="accounts.account")),
        ]),"#,
    );
    let text = schema_text(&[
        ("accounts/migrations/0001_initial.py", &accounts),
        ("orders/migrations/0001_initial.py", &orders),
    ]);
    // The unique constraint is inline (`UNIQUE`): PostgreSQL names it.
    assert_eq!(
        lines_with(&text, "email"),
        [
            "column email varchar(254) not null",
            "constraint accounts_account_email_key unique constraint (email)",
            "index accounts_account_email_348850e2_like (email)"
        ]
    );
    assert_eq!(
        lines_with(&text, "account_id"),
        [
            "column account_id bigint not null",
            "constraint orders_order_account_id_cf843c80_fk_accounts_account_id foreign key (account_id) references accounts_account",
            "index orders_order_account_id_cf843c80 (account_id)"
        ]
    );
}

/// Found by the PostgreSQL oracle: the table of a `ManyToManyField` has a foreign key and an
/// index on each side and a Django-named unique constraint; names over 63 characters are
/// shortened as Django does. rollsafe had neither foreign keys nor indexes, and
/// PostgreSQL's name for the unique constraint.
#[test]
fn many_to_many_tables_are_djangos() {
    let catalog = migration(
        "",
        r#"        migrations.CreateModel(name="Product", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
        ], options={"db_table": "catalog_products"}),"#,
    );
    let orders = migration(
        r#"("catalog", "0001_initial")"#,
        r#"        migrations.CreateModel(name="Order", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("products", models.ManyToManyField(to="catalog.product")),
        ]),"#,
    );
    let text = schema_text(&[
        ("catalog/migrations/0001_initial.py", &catalog),
        ("orders/migrations/0001_initial.py", &orders),
    ]);
    let start = text
        .find("table orders_order_products")
        .expect("the m2m table");
    let table: Vec<&str> = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    assert_eq!(
        table,
        [
            "column id bigint not null generated",
            "column order_id bigint not null",
            "column product_id bigint not null",
            "constraint orders_order_product_product_id_03fb56a7_fk_catalog_p foreign key (product_id) references catalog_products",
            "constraint orders_order_products_order_id_8e4486fb_fk_orders_order_id foreign key (order_id) references orders_order",
            "constraint orders_order_products_order_id_product_id_fe0cbca8_uniq unique constraint (order_id, product_id)",
            "constraint orders_order_products_pkey primary key (id)",
            "index orders_order_products_order_id_8e4486fb (order_id)",
            "index orders_order_products_product_id_03fb56a7 (product_id)",
        ]
    );
}

/// Found by the PostgreSQL oracle: `to=settings.AUTH_USER_MODEL` points at `auth_user`, whose
/// primary key is an `AutoField` (`integer`); rollsafe typed the column `bigint`.
#[test]
fn relations_to_the_user_model_are_integer() {
    let orders = migration(
        "migrations.swappable_dependency(settings.AUTH_USER_MODEL)",
        r#"        migrations.CreateModel(name="Order", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("created_by", models.ForeignKey(null=True, on_delete=models.SET_NULL, to=settings.AUTH_USER_MODEL)),
        ]),"#,
    )
    .replace(
        "from django.db import",
        "from django.conf import settings\nfrom django.db import",
    );
    let text = schema_text(&[("orders/migrations/0001_initial.py", &orders)]);
    assert_eq!(
        lines_with(&text, "created_by_id"),
        [
            "column created_by_id integer",
            "constraint orders_order_created_by_id_d5f5e69c_fk_auth_user_id foreign key (created_by_id) references auth_user",
            "index orders_order_created_by_id_d5f5e69c (created_by_id)"
        ]
    );
}

/// Found by the PostgreSQL oracle: `SlugField` is indexed by default (`db_index=True`), and
/// `AlterField` to `unique=True` adds a Django-named `_uniq` constraint while the indexes stay
/// (the plain one goes, the `_like` one is rebuilt). rollsafe added no index for the slug and
/// named the constraint `<table>_<column>_uniq`.
#[test]
fn slug_index_and_unique_alter_field() {
    let init = migration(
        "",
        r#"        migrations.CreateModel(name="Product", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
        ], options={"db_table": "catalog_products"}),
        migrations.AddField(model_name="product", name="slug", field=models.SlugField(null=True)),"#,
    );
    let text = schema_text(&[("catalog/migrations/0001_initial.py", &init)]);
    assert_eq!(
        lines_with(&text, "slug"),
        [
            "column slug varchar(50)",
            "index catalog_products_slug_4aa5c0b0 (slug)",
            "index catalog_products_slug_4aa5c0b0_like (slug)"
        ]
    );
    let unique = migration(
        r#"("catalog", "0001_initial")"#,
        r#"        migrations.AlterField(model_name="product", name="slug", field=models.SlugField(unique=True)),"#,
    );
    let text = schema_text(&[
        ("catalog/migrations/0001_initial.py", &init),
        ("catalog/migrations/0002_unique.py", &unique),
    ]);
    assert_eq!(
        lines_with(&text, "slug"),
        [
            "column slug varchar(50) not null",
            "constraint catalog_products_slug_4aa5c0b0_uniq unique constraint (slug)",
            "index catalog_products_slug_4aa5c0b0_like (slug)"
        ]
    );
}

/// Checked against Django 5.2 by the oracle's `DJANGO_EDGES` project: `AlterField` that takes
/// uniqueness, an index or a foreign key away drops what Django created (Django finds it by
/// introspection; rollsafe remembers the names), and `AlterUniqueTogether` /
/// `AlterIndexTogether` drop the groups that go and name new ones `_uniq` / `_idx`. Before,
/// rollsafe dropped a `<table>_<column>_uniq` that did not exist, kept the rest, and recreated
/// every index_together group on each change.
#[test]
fn alter_field_and_together_drop_what_django_created() {
    let init = migration(
        "",
        r#"        migrations.CreateModel(name="Keeper", fields=[
            ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ("mentor", models.ForeignKey(null=True, on_delete=models.SET_NULL, to="zoo.keeper")),
            ("badge", models.CharField(max_length=20, unique=True)),
            ("nick", models.CharField(max_length=20, db_index=True)),
            ("team", models.IntegerField(default=0)),
            ("shift", models.IntegerField(default=0)),
        ], options={"unique_together": {("team", "shift")}, "index_together": {("nick", "team")}}),"#,
    );
    let text = schema_text(&[("zoo/migrations/0001_initial.py", &init)]);
    assert!(
        text.contains("constraint zoo_keeper_team_shift_")
            && text.contains("_uniq unique constraint (team, shift)")
            && text.contains("_idx (nick, team)")
            && text.contains("foreign key (mentor_id) references zoo_keeper"),
        "{text}"
    );
    let change = migration(
        r#"("zoo", "0001_initial")"#,
        r#"        migrations.AlterField(model_name="keeper", name="badge", field=models.CharField(max_length=20)),
        migrations.AlterField(model_name="keeper", name="nick", field=models.CharField(max_length=20)),
        migrations.AlterField(model_name="keeper", name="mentor", field=models.BigIntegerField(null=True)),
        migrations.AlterUniqueTogether(name="keeper", unique_together={("team",)}),
        migrations.AlterIndexTogether(name="keeper", index_together=set()),"#,
    );
    let text = schema_text(&[
        ("zoo/migrations/0001_initial.py", &init),
        ("zoo/migrations/0002_change.py", &change),
    ]);
    let keys: Vec<String> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("constraint") || l.trim_start().starts_with("index"))
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "constraint zoo_keeper_pkey primary key (id)",
            "constraint zoo_keeper_team_d7fc9b65_uniq unique constraint (team)",
        ]
    );
}
