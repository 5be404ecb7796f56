//! rollsafe against a real PostgreSQL server.
//!
//! **Replay oracle**: every PostgreSQL history (the SQL fixtures, the SQL examples of the rule
//! pages, and a few hundred generated sequences) is applied to the server one migration at a
//! time; after each, rollsafe's replayed schema (`rollsafe schema --format json`) must equal
//! the catalog's.
//!
//! **Verdict oracle**: before each migration, probes derived from the catalog do what the
//! previous app version does (see `probes.rs`); after it, a probe that fails or reads back
//! something else means contract. rollsafe must never call a migration expand (or neutral)
//! when a probe failed; the agreement table is printed.
//!
//! CI sets `ROLLSAFE_REQUIRE_POSTGRES=1` and runs a fixed seed. More:
//! `ROLLSAFE_ORACLE_SEQUENCES=5000 ROLLSAFE_ORACLE_SEED=7 cargo test --release --test postgres -- --nocapture`
//! (`ROLLSAFE_ORACLE_ONLY=N` regenerates just sequence N of that seed).

mod catalog;
mod cluster;
#[path = "../common/mod.rs"]
mod common;
mod frameworks;
mod generate;
mod locks;
mod probes;

use catalog::Schema;
use cluster::{Cluster, Conn};
use rollsafe::lint::{self, Class, Settings};
use rollsafe::project::Project;
use rollsafe::rollback::{Side, schema_of, side_up_to};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Writes past the harness's capture: the agreement table belongs in the CI log.
fn say(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn unique_database(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// How rollsafe classifies a whole migration: contract if any change is, else opaque if any
/// change is, else expand (neutral changes are expand for the previous version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Expand,
    Contract,
    Opaque,
}

fn migration_class(classes: &[lint::ChangeClass]) -> (Verdict, Vec<String>) {
    let mut rules: Vec<String> = classes
        .iter()
        .filter(|c| c.class == Class::Contract)
        .filter_map(|c| c.note.clone())
        .collect();
    rules.sort();
    rules.dedup();
    if classes.iter().any(|c| c.class == Class::Contract) {
        (Verdict::Contract, rules)
    } else if classes.iter().any(|c| c.class == Class::Opaque) {
        (Verdict::Opaque, rules)
    } else {
        (Verdict::Expand, rules)
    }
}

/// The probes of one migration, run before and after it.
struct ProbeRun {
    probes: Vec<probes::Probe>,
    before: Vec<Result<probes::Observation, String>>,
    after: Vec<Result<probes::Observation, String>>,
}

impl ProbeRun {
    fn before(conn: &mut Conn, schema: &Schema) -> ProbeRun {
        let probes = probes::derive(schema);
        let mut cats = probes::Categories::default();
        let before = probes
            .iter()
            .map(|p| probes::run(conn, &mut cats, p))
            .collect();
        ProbeRun {
            probes,
            before,
            after: Vec::new(),
        }
    }

    fn after(&mut self, conn: &mut Conn) {
        let mut cats = probes::Categories::default();
        self.after = self
            .probes
            .iter()
            .map(|p| probes::run(conn, &mut cats, p))
            .collect();
    }

    fn valid(&self) -> usize {
        self.before.iter().filter(|r| r.is_ok()).count()
    }

    /// Why the previous version breaks, per failing probe (empty: it keeps working).
    fn failures(&self) -> Vec<String> {
        self.failures_against(&self.after)
    }

    /// The same for the probes run against another state (the last one, for a rollback).
    fn failures_against(&self, after: &[Result<probes::Observation, String>]) -> Vec<String> {
        let mut out = Vec::new();
        for ((p, b), a) in self.probes.iter().zip(&self.before).zip(after) {
            let Ok(b) = b else { continue };
            match a {
                Err(e) => out.push(format!("{}: {e}", p.what)),
                Ok(a) if a != b => out.push(format!(
                    "{}: reads back {} instead of {}",
                    p.what,
                    show(a),
                    show(b)
                )),
                Ok(_) => {}
            }
        }
        out
    }
}

fn show(o: &probes::Observation) -> String {
    let text = format!("{o:?}");
    probes::shorten(&text)
}

/// One migration as the oracle saw it.
struct Step {
    label: String,
    sql: String,
    /// The catalog after the migration.
    after: Schema,
    probes: ProbeRun,
}

#[derive(Default)]
struct Tally {
    /// (rollsafe's class, probes failed) → migrations
    table: BTreeMap<(Verdict, bool), usize>,
    /// rollsafe's rules behind contract verdicts no probe confirmed → count
    unconfirmed: BTreeMap<String, usize>,
    probes_valid: usize,
    probes_discarded: usize,
    migrations: usize,
    statements: usize,
    replay_mismatches: Vec<String>,
    /// Migrations after an opaque change or a parse error: rollsafe says it cannot know the
    /// schema, so there is nothing to compare.
    replay_skipped: usize,
    unsafe_misses: Vec<String>,
    /// Contract verdicts no probe confirmed, with the migration (for the log).
    examples: Vec<String>,
    /// `rollsafe rollback` verdicts: (verdict, probes of the target's code failed) → count.
    rollbacks: BTreeMap<(Verdict, bool), usize>,
    /// Rollbacks called safe that a probe refuted.
    unsafe_rollbacks: Vec<String>,
    kinds: BTreeMap<&'static str, (usize, usize)>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        for (k, v) in other.table {
            *self.table.entry(k).or_default() += v;
        }
        for (k, v) in other.unconfirmed {
            *self.unconfirmed.entry(k).or_default() += v;
        }
        for (k, (a, b)) in other.kinds {
            let e = self.kinds.entry(k).or_default();
            e.0 += a;
            e.1 += b;
        }
        self.probes_valid += other.probes_valid;
        self.probes_discarded += other.probes_discarded;
        self.migrations += other.migrations;
        self.statements += other.statements;
        self.replay_mismatches.extend(other.replay_mismatches);
        self.replay_skipped += other.replay_skipped;
        self.unsafe_misses.extend(other.unsafe_misses);
        for (k, v) in other.rollbacks {
            *self.rollbacks.entry(k).or_default() += v;
        }
        self.unsafe_rollbacks.extend(other.unsafe_rollbacks);
        self.examples.extend(other.examples);
    }

    /// Compares one step with rollsafe's schema and class for it.
    fn judge(
        &mut self,
        origin: &str,
        step: &Step,
        rollsafe_schema: Option<Result<Schema, String>>,
        class: (Verdict, Vec<String>),
    ) {
        self.migrations += 1;
        match rollsafe_schema {
            None => self.replay_skipped += 1,
            Some(Ok(r)) => {
                let diffs = catalog::differences(&r, &step.after);
                if !diffs.is_empty() {
                    self.replay_mismatches.push(format!(
                        "{origin}, after {}:\n    {}\n  migration:\n{}",
                        step.label,
                        diffs.join("\n    "),
                        indent(&step.sql)
                    ));
                }
            }
            Some(Err(e)) => self
                .replay_mismatches
                .push(format!("{origin}, after {}: {e}", step.label)),
        }
        let valid = step.probes.valid();
        self.probes_valid += valid;
        self.probes_discarded += step.probes.probes.len() - valid;
        let failures = step.probes.failures();
        let failed = !failures.is_empty();
        *self.table.entry((class.0, failed)).or_default() += 1;
        if failed && class.0 == Verdict::Expand {
            self.unsafe_misses.push(format!(
                "{origin}, {}: rollsafe says expand, but the previous version breaks:\n    {}\n  migration:\n{}",
                step.label,
                failures.join("\n    "),
                indent(&step.sql)
            ));
        }
        if !failed && class.0 == Verdict::Contract {
            for r in &class.1 {
                *self.unconfirmed.entry(r.clone()).or_default() += 1;
            }
            let probes: Vec<String> = step
                .probes
                .probes
                .iter()
                .zip(&step.probes.before)
                .map(|(p, r)| match r {
                    Ok(_) => format!("      ok   {}", p.what),
                    Err(e) => format!("      void {}: {e}", p.what),
                })
                .collect();
            self.examples.push(format!(
                "{origin}, {} ({}):\n{}\n    probes:\n{}",
                step.label,
                class.1.join(", "),
                indent(&step.sql),
                probes.join("\n")
            ));
        }
    }

    fn report(&self, title: &str) -> String {
        let mut s = format!(
            "\n== {title}: {} migrations, {} statements; {} probes valid before their migration ({} discarded as invalid there)\n",
            self.migrations, self.statements, self.probes_valid, self.probes_discarded
        );
        s.push_str("   rollsafe says   | previous version breaks | keeps working\n");
        for v in [Verdict::Expand, Verdict::Contract, Verdict::Opaque] {
            s.push_str(&format!(
                "   {:<15} | {:>23} | {:>13}\n",
                format!("{v:?}").to_lowercase(),
                self.table.get(&(v, true)).copied().unwrap_or(0),
                self.table.get(&(v, false)).copied().unwrap_or(0)
            ));
        }
        if !self.rollbacks.is_empty() {
            s.push_str(
                "   rollback to an earlier migration, code at the target vs the last schema:\n",
            );
            s.push_str("   rollsafe says   | target's code breaks    | keeps working\n");
            for (v, name) in [
                (Verdict::Expand, "safe"),
                (Verdict::Contract, "unsafe"),
                (Verdict::Opaque, "unknown"),
            ] {
                s.push_str(&format!(
                    "   {name:<15} | {:>23} | {:>13}\n",
                    self.rollbacks.get(&(v, true)).copied().unwrap_or(0),
                    self.rollbacks.get(&(v, false)).copied().unwrap_or(0)
                ));
            }
        }
        if !self.unconfirmed.is_empty() {
            s.push_str("   contract verdicts no probe confirmed, by rule:");
            for (r, n) in &self.unconfirmed {
                s.push_str(&format!(" {r} {n};"));
            }
            s.push('\n');
        }
        if !self.kinds.is_empty() {
            s.push_str("   statements kept/proposed by kind:");
            for (k, (kept, proposed)) in &self.kinds {
                s.push_str(&format!(" {k} {kept}/{proposed};"));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "   replay mismatches: {} ({} migrations after an opaque change not compared); expand verdicts a probe refuted: {}\n",
            self.replay_mismatches.len(),
            self.replay_skipped,
            self.unsafe_misses.len()
        ));
        s
    }

    fn assert_clean(&self) {
        let all: Vec<&String> = self
            .replay_mismatches
            .iter()
            .chain(&self.unsafe_misses)
            .chain(&self.unsafe_rollbacks)
            .collect();
        if !all.is_empty() {
            let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-problems.txt");
            let text: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
            let _ = std::fs::write(&path, text.join("\n\n"));
            say(&format!("every problem: {}\n", path.display()));
        }
        let mut problems = Vec::new();
        problems.extend(self.replay_mismatches.iter().take(15).cloned());
        problems.extend(self.unsafe_misses.iter().take(15).cloned());
        problems.extend(self.unsafe_rollbacks.iter().take(15).cloned());
        assert!(
            problems.is_empty(),
            "{} replay mismatches, {} unsafe expand verdicts, {} unsafe rollback verdicts:\n\n{}",
            self.replay_mismatches.len(),
            self.unsafe_misses.len(),
            self.unsafe_rollbacks.len(),
            problems.join("\n\n")
        );
    }
}

fn indent(sql: &str) -> String {
    sql.lines()
        .map(|l| format!("      {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether rollsafe understood every statement of the migration.
fn opaque_free(m: &rollsafe::model::Migration) -> bool {
    m.issues.is_empty()
        && !m
            .changes
            .iter()
            .any(|c| matches!(c.op, rollsafe::model::Op::Opaque { .. }))
}

/// `rollsafe schema --format json --history H --upto M` on a project on disk.
fn rollsafe_schema_cli(root: &Path, history: &str, upto: &str) -> Result<Schema, String> {
    let root_arg = root.to_string_lossy();
    let args = [
        "schema",
        "--format",
        "json",
        "--history",
        history,
        "--upto",
        upto,
        "--root",
        &root_arg,
    ];
    let out = common::rollsafe(root, &args);
    if out.code != 0 {
        return Err(format!(
            "rollsafe schema exited {}: {}",
            out.code, out.stderr
        ));
    }
    catalog::from_rollsafe_json(&out.stdout, history)
}

/// rollsafe's schema after migration `index`, through the library (the same code path).
fn rollsafe_schema_lib(project: &Project, history: &str, index: usize) -> Result<Schema, String> {
    let side = side_up_to(&Side::all(project, "oracle"), index, String::new());
    let json = rollsafe::report::schema::render_json(&schema_of(&side));
    catalog::from_rollsafe_json(&json, history)
}

/// Applies every PostgreSQL history of the project at `root` with `psql -f`, judging each
/// migration.
fn check_project_on_disk(pg: &Cluster, root: &Path, origin: &str, tally: &mut Tally) {
    let project = Project::load(root);
    let result = lint::lint(&project, &Settings::default(), |_| true);
    for history in &project.histories {
        let Some(&first) = history.order.first() else {
            continue;
        };
        if project.migrations[first].dialect != rollsafe::model::Dialect::Postgres {
            continue;
        }
        let db = unique_database("fixture");
        pg.create_database(&db).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = pg.connect(&db).unwrap_or_else(|e| panic!("{e}"));
        let mut comparable = true;
        for &mi in &history.order {
            let m = &project.migrations[mi];
            comparable &= opaque_free(m);
            let before = catalog::read_catalog(&mut conn).unwrap_or_else(|e| panic!("{e}"));
            let mut probes = ProbeRun::before(&mut conn, &before);
            if let Err(e) = pg.apply_file(&db, &root.join(&m.path)) {
                if !m.issues.is_empty() {
                    // Both reject it (the parse-error rule's own example).
                    tally.migrations += 1;
                    break;
                }
                tally.replay_mismatches.push(format!(
                    "{origin}: PostgreSQL rejects {}: {}",
                    m.path,
                    e.trim()
                ));
                break;
            }
            probes.after(&mut conn);
            let after = catalog::read_catalog(&mut conn).unwrap_or_else(|e| panic!("{e}"));
            let step = Step {
                label: m.path.clone(),
                sql: m.source.to_string(),
                after,
                probes,
            };
            tally.statements += m.statements.len();
            tally.judge(
                &format!("{origin} ({})", history.key),
                &step,
                comparable.then(|| rollsafe_schema_cli(root, &history.key, &m.name)),
                migration_class(&result.classes[mi]),
            );
        }
    }
}

#[test]
fn sql_fixtures_and_rule_examples_replay_like_postgres() {
    let Some(pg) = cluster::cluster() else {
        cluster::loud_skip("sql_fixtures_and_rule_examples_replay_like_postgres");
        return;
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tally = Tally::default();
    for fixture in ["fixtures/sql/shop", "fixtures/sql/multi-engine"] {
        check_project_on_disk(pg, &manifest.join(fixture), fixture, &mut tally);
    }
    let histories: Vec<common::RuleExample> = common::rule_examples()
        .into_iter()
        .filter(|e| e.lang == "sql" && !e.files.is_empty())
        .collect();
    assert!(
        histories.len() >= 15,
        "only {} SQL examples found",
        histories.len()
    );
    for ex in histories {
        let dir = tempfile::tempdir().expect("temp dir");
        common::write_sql_example(dir.path(), &ex.files, None);
        check_project_on_disk(pg, dir.path(), &ex.origin, &mut tally);
    }
    say(&tally.report(&format!(
        "PostgreSQL {} oracle, SQL fixtures and rule-page examples",
        pg.version
    )));
    if std::env::var_os("ROLLSAFE_ORACLE_VERBOSE").is_some() {
        for e in &tally.examples {
            say(&format!("unconfirmed contract: {e}\n"));
        }
    }
    assert!(
        tally.migrations >= 40,
        "only {} migrations checked",
        tally.migrations
    );
    tally.assert_clean();
}

#[test]
fn lock_rule_examples_show_on_the_server_what_the_rules_claim() {
    let Some(pg) = cluster::cluster() else {
        cluster::loud_skip("lock_rule_examples_show_on_the_server_what_the_rules_claim");
        return;
    };
    let checked = locks::check_lock_examples(pg);
    assert!(checked >= 12, "only {checked} lock-rule examples checked");
}

/// Applies a statement, keeping it only if PostgreSQL accepts it.
fn try_apply(conn: &mut Conn, p: &generate::Proposal) -> bool {
    if !p.transactional {
        if conn.execute(&p.sql).is_ok() {
            return true;
        }
        // A failed CREATE INDEX CONCURRENTLY can leave an invalid index behind.
        if let Ok(rows) =
            conn.query("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
        {
            for r in rows {
                if let Some(Some(name)) = r.first() {
                    let _ = conn.execute(&format!("DROP INDEX IF EXISTS {name}"));
                }
            }
        }
        return false;
    }
    if conn.execute("BEGIN").is_err() {
        return false;
    }
    match conn.execute(&p.sql) {
        Ok(()) => conn.execute("COMMIT").is_ok(),
        Err(_) => {
            let _ = conn.execute("ROLLBACK");
            false
        }
    }
}

fn sequence_seed(seed: u64, index: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// Generates, applies and judges one sequence; returns its tally and, when something is
/// wrong, the folder its files were written to.
fn run_sequence(conn: &mut Conn, seed: u64, index: u64) -> Tally {
    conn.execute(
        "DROP SCHEMA IF EXISTS archive CASCADE; DROP SCHEMA public CASCADE; \
         CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO public",
    )
    .unwrap_or_else(|e| panic!("reset: {e}"));
    let mut tally = Tally::default();
    let mut generator = generate::Generator::new(sequence_seed(seed, index));
    let count = 3 + generator.below(6) as usize;
    let mut steps: Vec<Step> = Vec::new();
    for k in 0..count {
        let before = catalog::read_catalog(conn).unwrap_or_else(|e| panic!("{e}"));
        let mut probes = ProbeRun::before(conn, &before);
        let mut kept: Vec<String> = Vec::new();
        if k == 0 {
            let setup = "CREATE SCHEMA IF NOT EXISTS archive;";
            conn.execute(setup).unwrap_or_else(|e| panic!("{e}"));
            kept.push(setup.to_string());
        }
        let wanted = if k == 0 {
            2
        } else {
            1 + generator.below(4) as usize
        };
        let mut state = before.clone();
        let mut attempts = 0;
        while kept.len() < wanted + usize::from(k == 0) && attempts < 40 {
            attempts += 1;
            let proposal = if k == 0 && attempts == 1 && generator.below(3) == 0 {
                Some(generator.create_enum())
            } else if k == 0 {
                Some(generator.create_table(&state))
            } else {
                generator.propose(&state)
            };
            let Some(p) = proposal else { continue };
            let entry = tally.kinds.entry(p.kind).or_default();
            entry.1 += 1;
            if try_apply(conn, &p) {
                entry.0 += 1;
                kept.push(p.sql);
                state = catalog::read_catalog(conn).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        probes.after(conn);
        tally.statements += kept.len();
        steps.push(Step {
            label: format!("V{}__step.sql", k + 1),
            sql: kept.join("\n") + "\n",
            after: state,
            probes,
        });
    }

    // A rollback: the code after migration `t` against the database with every migration. Its
    // probes are the ones derived before migration `t + 1`, run again now. The target follows
    // the index, so the generator's stream is the same with or without this check.
    let rollback = (count >= 2).then(|| {
        let t = index as usize % (count - 1);
        let run = &steps[t + 1].probes;
        let mut cats = probes::Categories::default();
        let now: Vec<_> = run
            .probes
            .iter()
            .map(|p| probes::run(conn, &mut cats, p))
            .collect();
        (t, run.failures_against(&now))
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("db/migration");
    std::fs::create_dir_all(&folder).expect("mkdir");
    for s in &steps {
        std::fs::write(folder.join(&s.label), &s.sql).expect("write");
    }
    let project = Project::load(dir.path());
    let result = lint::lint(&project, &Settings::default(), |_| true);
    let origin = format!("seed {seed} sequence {index}");
    let Some(history) = project.histories.first() else {
        panic!("{origin}: rollsafe found no history");
    };
    assert_eq!(
        history.order.len(),
        steps.len(),
        "{origin}: migrations found"
    );
    let mut comparable = true;
    for (step, &mi) in steps.iter().zip(&history.order) {
        assert_eq!(project.migrations[mi].name, step.label, "{origin}: order");
        // After the first mismatch the rest of the sequence only repeats it.
        comparable &= opaque_free(&project.migrations[mi]) && tally.replay_mismatches.is_empty();
        tally.judge(
            &origin,
            step,
            comparable.then(|| rollsafe_schema_lib(&project, &history.key, mi)),
            migration_class(&result.classes[mi]),
        );
    }
    if let Some((t, failures)) = rollback {
        let now = Side::all(&project, "now");
        let target = side_up_to(&now, history.order[t], format!("V{}", t + 1));
        let report = rollsafe::rollback::analyse(&target, &now);
        // A safe verdict that lists warnings (a CHECK or foreign key the old code may violate)
        // has said what may break: it counts as flagged.
        let warned = report.warnings().next().is_some();
        let verdict = match report.verdict {
            rollsafe::rollback::VerdictKind::Safe if warned => Verdict::Contract,
            rollsafe::rollback::VerdictKind::Safe => Verdict::Expand,
            rollsafe::rollback::VerdictKind::Unsafe => Verdict::Contract,
            rollsafe::rollback::VerdictKind::Unknown => Verdict::Opaque,
        };
        let broken = !failures.is_empty();
        *tally.rollbacks.entry((verdict, broken)).or_default() += 1;
        if broken && verdict == Verdict::Expand {
            let ahead: Vec<String> = steps[t + 1..]
                .iter()
                .map(|s| format!("    {}:\n{}", s.label, indent(&s.sql)))
                .collect();
            tally.unsafe_rollbacks.push(format!(
                "{origin}: rollsafe calls rolling back to V{} safe, but its code breaks:\n    {}\n  migrations ahead:\n{}",
                t + 1,
                failures.join("\n    "),
                ahead.join("\n")
            ));
        }
    }
    if !tally.replay_mismatches.is_empty()
        || !tally.unsafe_misses.is_empty()
        || !tally.unsafe_rollbacks.is_empty()
    {
        let keep = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("oracle-failures")
            .join(format!("seed{seed}-seq{index}/db/migration"));
        let _ = std::fs::create_dir_all(&keep);
        for s in &steps {
            let _ = std::fs::write(keep.join(&s.label), &s.sql);
        }
        let note = format!("  (files: {})", keep.display());
        if let Some(m) = tally.replay_mismatches.first_mut() {
            m.push_str(&note);
        } else if let Some(m) = tally.unsafe_misses.first_mut() {
            m.push_str(&note);
        }
    }
    tally
}

#[test]
fn generated_sequences_replay_and_classify_like_postgres() {
    let Some(pg) = cluster::cluster() else {
        cluster::loud_skip("generated_sequences_replay_and_classify_like_postgres");
        return;
    };
    let seed = env_number("ROLLSAFE_ORACLE_SEED", 20261201);
    let count = env_number("ROLLSAFE_ORACLE_SEQUENCES", 300);
    let only = std::env::var("ROLLSAFE_ORACLE_ONLY")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let indices: Vec<u64> = match only {
        Some(i) => vec![i],
        None => (0..count).collect(),
    };
    let workers = 2;
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let mine: Vec<u64> = indices
                    .iter()
                    .copied()
                    .filter(|i| i % workers == w)
                    .collect();
                scope.spawn(move || {
                    let db = unique_database("generated");
                    pg.create_database(&db).unwrap_or_else(|e| panic!("{e}"));
                    let mut conn = pg.connect(&db).unwrap_or_else(|e| panic!("{e}"));
                    let mut tally = Tally::default();
                    for i in mine {
                        tally.add(run_sequence(&mut conn, seed, i));
                    }
                    tally
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut tally = Tally::default();
    for t in tallies {
        tally.add(t);
    }
    say(&tally.report(&format!(
        "PostgreSQL {} oracle, {} generated sequences (seed {seed})",
        pg.version,
        indices.len()
    )));
    if std::env::var_os("ROLLSAFE_ORACLE_VERBOSE").is_some() {
        for e in &tally.examples {
            say(&format!("unconfirmed contract: {e}\n"));
        }
    }
    tally.assert_clean();
}
