//! Property tests: any bytes as a migration file never panic, and never change the findings of
//! the other files. Inputs are seeded mutations of the fixtures (CI runs a fixed seed;
//! `ROLLSAFE_ROBUSTNESS_CASES=5000 cargo test --test robustness` runs more).

mod common;
use common::corpus::Rng;
use rollsafe::frontend::{python, sql};
use rollsafe::model::Dialect;
use std::path::Path;

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push(b);
            }
        }
    }
    out
}

/// A mutation of a seed: flips, truncations, splices, inserted delimiters.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = rng.pick(seeds).clone();
    for _ in 0..(1 + rng.below(6)) {
        let len = b.len().max(1) as u64;
        let at = rng.below(len) as usize;
        match rng.below(7) {
            0 => b.truncate(at),
            1 => {
                if at < b.len() {
                    b[at] = rng.below(256) as u8;
                }
            }
            2 => {
                let tokens: &[&[u8]] = &[
                    b"'", b"\"", b"$$", b"(", b")", b";", b"--", b"/*", b"\\", b"\n", b"{{",
                    b"DO $$", b"#", b"\"\"\"",
                ];
                let t = rng.pick(tokens);
                b.splice(at.min(b.len())..at.min(b.len()), t.iter().copied());
            }
            3 => {
                let other = rng.pick(seeds);
                let from = rng.below(other.len().max(1) as u64) as usize;
                let piece = &other[from.min(other.len())..(from + 200).min(other.len())];
                b.splice(at.min(b.len())..at.min(b.len()), piece.iter().copied());
            }
            4 => {
                let end = (at + rng.below(100) as usize).min(b.len());
                b.drain(at.min(end)..end);
            }
            5 => b.extend(std::iter::repeat_n(b'(', rng.below(300) as usize)),
            _ => {
                let n = rng.below(64) as usize;
                for _ in 0..n {
                    b.push(rng.below(256) as u8);
                }
            }
        }
    }
    b
}

fn cases() -> u64 {
    std::env::var("ROLLSAFE_ROBUSTNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

#[test]
fn frontends_never_panic() {
    let seeds = seeds();
    let mut rng = Rng::new(20261123);
    for _ in 0..cases() {
        let bytes = mutate(&mut rng, &seeds);
        let text = String::from_utf8_lossy(&bytes);
        let _ = sql::postgres::parse(&text);
        let _ = sql::generic::parse(&text, Dialect::Mysql);
        let _ = sql::generic::parse(&text, Dialect::Sqlite);
        let _ = sql::split::split(&text, true);
        let f = python::parse(&text);
        drop(f);
        let _ = rollsafe::frontend::alembic::read_revision("v/x.py", text.clone().into(), "env");
        let _ =
            rollsafe::frontend::django::parse_file("app/migrations/0001_x.py", text.clone().into());
    }
}

#[test]
fn a_bad_file_never_changes_the_findings_of_the_others() {
    let seeds = seeds();
    let mut rng = Rng::new(7);
    let files = [
        (
            "db/migration/V1__init.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n",
        ),
        (
            "db/migration/V2__drop.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        ),
        (
            "app/migrations/0001_initial.py",
            "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    operations = [migrations.CreateModel(name=\"T\", fields=[(\"id\", models.AutoField(primary_key=True)), (\"a\", models.TextField(null=True))])]\n",
        ),
        (
            "app/migrations/0002_x.py",
            "from django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"app\", \"0001_initial\")]\n    operations = [migrations.RemoveField(model_name=\"t\", name=\"a\")]\n",
        ),
    ];
    let dir = common::project_dir(&files);
    let baseline = findings(dir.path(), &[]);
    assert_eq!(baseline.len(), 2, "{baseline:?}");
    for i in 0..(cases() / 10).max(20) {
        let bytes = mutate(&mut rng, &seeds);
        // A stray file in another folder: its own history, or none.
        let name = match i % 3 {
            0 => "other/V1__x.sql",
            1 => "other/migrations/0001_x.py",
            _ => "other/0001_y.up.sql",
        };
        common::write(dir.path(), name, &bytes);
        let got = findings(dir.path(), &["other/"]);
        assert_eq!(
            got, baseline,
            "input {i} ({name}) changed other files' findings"
        );
        let _ = std::fs::remove_dir_all(dir.path().join("other"));
    }
}

fn findings(root: &Path, skip: &[&str]) -> Vec<String> {
    let (project, result) = common::lint_dir(root);
    result
        .findings
        .iter()
        .filter(|f| {
            !skip
                .iter()
                .any(|s| project.migrations[f.migration].path.starts_with(s))
        })
        .map(|f| {
            format!(
                "{} {} {}",
                project.migrations[f.migration].path, f.rule, f.message
            )
        })
        .collect()
}
