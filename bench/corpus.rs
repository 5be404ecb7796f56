//! A seeded generator of realistic migration histories, for benchmarks: N PostgreSQL SQL
//! migrations (Flyway layout), N Alembic revisions, or N Django migrations across several apps.
//! The same seed always writes the same files. Dev-only: built as the `gen-corpus` example
//! (`bench/gen_corpus.rs`) and included by the tests for its [`Rng`]; not part of the product.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// A small, fast, deterministic PRNG (SplitMix64): no dependency, same output everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sql,
    Alembic,
    Django,
}

const WORDS: &[&str] = &[
    "account", "invoice", "order", "payment", "customer", "product", "shipment", "ticket",
    "session", "audit", "coupon", "review", "address", "plan", "team", "project", "report",
];

struct Tables {
    tables: Vec<(String, Vec<String>)>,
}

impl Tables {
    fn new_table(&mut self, rng: &mut Rng) -> String {
        let name = format!("{}_{}", rng.pick(WORDS), self.tables.len());
        self.tables
            .push((name.clone(), vec!["id".into(), "created_at".into()]));
        name
    }
    fn any(&mut self, rng: &mut Rng) -> (String, usize) {
        let i = rng.below(self.tables.len() as u64) as usize;
        (self.tables[i].0.clone(), i)
    }
}

/// Writes `count` migrations of `kind` under `out`.
pub fn generate(kind: Kind, count: usize, seed: u64, out: &Path) -> io::Result<()> {
    match kind {
        Kind::Sql => sql(count, seed, &out.join("db/migration")),
        Kind::Alembic => alembic(count, seed, out),
        Kind::Django => django(count, seed, out),
    }
}

fn sql(count: usize, seed: u64, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::new(seed);
    let mut t = Tables { tables: Vec::new() };
    for n in 1..=count {
        let mut body = String::new();
        if t.tables.is_empty() || rng.below(8) == 0 {
            let name = t.new_table(&mut rng);
            let _ = writeln!(
                body,
                "CREATE TABLE {name} (\n    id bigserial PRIMARY KEY,\n    created_at timestamptz NOT NULL DEFAULT now(),\n    owner_id bigint,\n    note text\n);\nCREATE INDEX {name}_owner_idx ON {name} (owner_id);"
            );
        }
        let statements = 1 + rng.below(4);
        for _ in 0..statements {
            let (table, ti) = t.any(&mut rng);
            let col = format!("c{}_{}", n, rng.below(1000));
            match rng.below(12) {
                0..=2 => {
                    let _ = writeln!(body, "ALTER TABLE {table} ADD COLUMN {col} varchar(100);");
                    t.tables[ti].1.push(col);
                }
                3 => {
                    let _ = writeln!(
                        body,
                        "ALTER TABLE {table} ADD COLUMN {col} integer NOT NULL DEFAULT 0;"
                    );
                    t.tables[ti].1.push(col);
                }
                4 => {
                    let _ = writeln!(
                        body,
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {table}_{n}_idx ON {table} (created_at);"
                    );
                }
                5 => {
                    let _ = writeln!(
                        body,
                        "ALTER TABLE {table} ADD CONSTRAINT {table}_{n}_chk CHECK (owner_id > 0) NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {table}_{n}_chk;"
                    );
                }
                6 => {
                    let _ = writeln!(
                        body,
                        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = '{table}_n{n}') THEN\n    CREATE INDEX {table}_n{n} ON {table} (note);\n  END IF;\nEND\n$$;"
                    );
                }
                7 => {
                    let _ = writeln!(
                        body,
                        "UPDATE {table} SET note = '' WHERE note IS NULL;\nCOMMENT ON TABLE {table} IS 'generated';"
                    );
                }
                8 => {
                    if let Some(c) = t.tables[ti].1.iter().skip(2).last().cloned() {
                        let _ = writeln!(
                            body,
                            "-- compat: breaking (reason: generated history)\nALTER TABLE {table} DROP COLUMN {c};"
                        );
                        t.tables[ti].1.retain(|x| *x != c);
                    }
                }
                9 => {
                    let _ = writeln!(
                        body,
                        "ALTER TABLE {table} ALTER COLUMN note TYPE text, ALTER COLUMN owner_id TYPE bigint;"
                    );
                }
                _ => {
                    let _ = writeln!(
                        body,
                        "SET lock_timeout = '2s';\nALTER TABLE {table} ALTER COLUMN note SET DEFAULT '';"
                    );
                }
            }
        }
        std::fs::write(dir.join(format!("V{n}__change_{n}.sql")), body)?;
    }
    Ok(())
}

fn alembic(count: usize, seed: u64, out: &Path) -> io::Result<()> {
    let versions = out.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(
        out.join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )?;
    std::fs::write(
        out.join("migrations/env.py"),
        "from alembic import context\n",
    )?;
    let mut rng = Rng::new(seed);
    let mut t = Tables { tables: Vec::new() };
    for n in 1..=count {
        let down = if n == 1 {
            "None".to_string()
        } else {
            format!("\"r{:04}\"", n - 1)
        };
        let mut up = String::new();
        if t.tables.is_empty() || rng.below(8) == 0 {
            let name = t.new_table(&mut rng);
            let _ = writeln!(
                up,
                "    op.create_table(\n        \"{name}\",\n        sa.Column(\"id\", sa.BigInteger(), primary_key=True),\n        sa.Column(\"created_at\", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),\n        sa.Column(\"note\", sa.Text(), nullable=True),\n    )\n    op.create_index(op.f(\"ix_{name}_created_at\"), \"{name}\", [\"created_at\"])"
            );
        }
        for _ in 0..(1 + rng.below(3)) {
            let (table, _) = t.any(&mut rng);
            let col = format!("c{n}_{}", rng.below(1000));
            match rng.below(6) {
                0 | 1 => {
                    let _ = writeln!(
                        up,
                        "    op.add_column(\"{table}\", sa.Column(\"{col}\", sa.String(100), nullable=True))"
                    );
                }
                2 => {
                    let _ = writeln!(
                        up,
                        "    op.add_column(\"{table}\", sa.Column(\"{col}\", sa.Integer(), nullable=False, server_default=\"0\"))"
                    );
                }
                3 => {
                    let _ = writeln!(
                        up,
                        "    with op.batch_alter_table(\"{table}\") as batch_op:\n        batch_op.create_index(\"ix_{table}_{n}\", [\"note\"])"
                    );
                }
                4 => {
                    let _ = writeln!(
                        up,
                        "    op.execute(\"UPDATE {table} SET note = '' WHERE note IS NULL\")"
                    );
                }
                _ => {
                    let _ = writeln!(
                        up,
                        "    op.alter_column(\"{table}\", \"note\", existing_type=sa.Text(), nullable=True)"
                    );
                }
            }
        }
        let file = format!(
            "\"\"\"change {n}\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"r{n:04}\"\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{up}\n\ndef downgrade():\n    pass\n"
        );
        std::fs::write(versions.join(format!("r{n:04}_change_{n}.py")), file)?;
    }
    Ok(())
}

fn django(count: usize, seed: u64, out: &Path) -> io::Result<()> {
    const APPS: &[&str] = &["accounts", "billing", "catalog", "orders", "support"];
    let mut rng = Rng::new(seed);
    let mut next = [1usize; 5];
    let mut models: Vec<Vec<(String, usize)>> = vec![Vec::new(); APPS.len()];
    std::fs::write(out.join("manage.py"), "# generated Django project\n").ok();
    for app in APPS {
        let dir = out.join(app).join("migrations");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(out.join(app).join("__init__.py"), "")?;
        std::fs::write(out.join(app).join("models.py"), "")?;
        std::fs::write(dir.join("__init__.py"), "")?;
    }
    for n in 0..count {
        let a = n % APPS.len();
        let app = APPS[a];
        let num = next[a];
        next[a] += 1;
        let mut deps = Vec::new();
        if num > 1 {
            deps.push(format!("(\"{app}\", \"{:04}_auto\")", num - 1));
        }
        let mut ops = String::new();
        if models[a].is_empty() || rng.below(6) == 0 {
            let word: &&str = rng.pick(WORDS);
            let model = format!("{}{}", capitalize(word), models[a].len());
            let _ = writeln!(
                ops,
                "        migrations.CreateModel(\n            name=\"{model}\",\n            fields=[\n                (\"id\", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),\n                (\"name\", models.CharField(max_length=100)),\n                (\"created\", models.DateTimeField(auto_now_add=True)),\n            ],\n        ),"
            );
            models[a].push((model, 0));
        }
        for _ in 0..(1 + rng.below(3)) {
            let i = rng.below(models[a].len() as u64) as usize;
            let (model, fields) = &mut models[a][i];
            *fields += 1;
            let field = format!("f{num}_{fields}");
            let lower = model.to_lowercase();
            match rng.below(4) {
                0 | 1 => {
                    let _ = writeln!(
                        ops,
                        "        migrations.AddField(model_name=\"{lower}\", name=\"{field}\", field=models.CharField(max_length=50, null=True)),"
                    );
                }
                2 => {
                    let _ = writeln!(
                        ops,
                        "        migrations.AddField(model_name=\"{lower}\", name=\"{field}\", field=models.IntegerField(default=0)),"
                    );
                }
                _ => {
                    let _ = writeln!(
                        ops,
                        "        migrations.AddIndex(model_name=\"{lower}\", index=models.Index(fields=[\"created\"], name=\"{app}_{num}_idx\")),"
                    );
                }
            }
        }
        let file = format!(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [{}]\n\n    operations = [\n{ops}    ]\n",
            deps.join(", ")
        );
        std::fs::write(
            out.join(app)
                .join("migrations")
                .join(format!("{num:04}_auto.py")),
            file,
        )?;
    }
    Ok(())
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
