//! The lock rules' claims, checked by the server. Each lock rule's SQL examples are applied to a
//! throwaway database; the last migration's statements then run one at a time while a second
//! session watches:
//!
//! - a statement that can run in a transaction runs inside one left open, and the second
//!   session reads its locks from `pg_locks`; in that transaction it reads
//!   `pg_stat_xact_user_tables.seq_scan` (full scans) and `pg_class.relfilenode` (rewrites);
//! - one that cannot (`CREATE INDEX CONCURRENTLY`, `VACUUM FULL`) runs in autocommit while the
//!   second session holds a `SHARE UPDATE EXCLUSIVE` lock on every table, so that it waits and
//!   `pg_locks` shows the mode it asks for; `relfilenode` is compared after it;
//! - `current_setting('lock_timeout')` is read before each statement;
//! - the whole migration is first tried the way the tool runs it (Flyway: in a transaction unless
//!   every statement is one Flyway knows cannot run in one), and rolled back.
//!
//! Every Bad example must show what its rule claims, and no Good example may.

use crate::cluster::{Cluster, Conn};
use crate::common;
use crate::say;
use rollsafe::model::{ConstraintKind, Op};
use rollsafe::project::Project;
use std::collections::BTreeMap;

/// What the server showed for one statement, on the tables that existed before the migration.
#[derive(Debug, Default)]
struct Observed {
    sql: String,
    /// The rollsafe operations of the statement (what kind of statement it is).
    ops: Vec<Op>,
    /// (table, `pg_locks.mode`) held or asked for.
    locks: Vec<(String, String)>,
    /// Tables scanned in full (`seq_scan` went up).
    scanned: Vec<String>,
    /// Tables given a new `relfilenode`.
    rewritten: Vec<String>,
    /// `current_setting('lock_timeout')` when it ran.
    lock_timeout: String,
}

/// One migration, run and watched.
#[derive(Debug, Default)]
struct Run {
    statements: Vec<Observed>,
    /// Run the way the tool runs it, the server refused it inside a transaction block.
    refused_in_transaction: bool,
}

const BLOCKS_WRITES: &[&str] = &[
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

impl Observed {
    fn locks_at_least(&self, table: &str, modes: &[&str]) -> bool {
        self.locks
            .iter()
            .any(|(t, m)| t == table && modes.contains(&m.as_str()))
    }
    fn any_op(&self, pred: impl Fn(&Op) -> bool) -> bool {
        self.ops.iter().any(pred)
    }
}

/// What the rule says the server does, judged on what it showed.
fn claim_shown(rule: &str, run: &Run) -> bool {
    let any = |f: &dyn Fn(&Observed) -> bool| run.statements.iter().any(f);
    match rule {
        "require-concurrent-index" => any(&|o| {
            o.any_op(|op| match op {
                Op::CreateIndex(_) | Op::DropIndex { .. } => true,
                Op::AddConstraint { constraint, .. } => matches!(
                    constraint.kind,
                    ConstraintKind::PrimaryKey | ConstraintKind::Unique
                ),
                Op::AddColumn { constraints, .. } => constraints
                    .iter()
                    .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique)),
                _ => false,
            }) && o
                .locks
                .iter()
                .any(|(_, m)| BLOCKS_WRITES.contains(&m.as_str()))
        }),
        "constraint-not-valid" => any(&|o| {
            o.any_op(|op| match op {
                Op::AddConstraint { constraint, .. } => matches!(
                    constraint.kind,
                    ConstraintKind::ForeignKey | ConstraintKind::Check
                ),
                Op::AddColumn { constraints, .. } => !constraints.is_empty(),
                Op::ValidateConstraint { .. } => true,
                _ => false,
            }) && o.scanned.iter().any(|t| o.locks_at_least(t, BLOCKS_WRITES))
        }),
        "set-not-null-scan" => any(&|o| {
            o.any_op(|op| matches!(op, Op::SetNotNull { .. }))
                && o.scanned
                    .iter()
                    .any(|t| o.locks_at_least(t, &["AccessExclusiveLock"]))
        }),
        "table-rewrite" => any(&|o| !o.rewritten.is_empty()),
        "lock-timeout" => any(&|o| {
            o.lock_timeout == "0" && o.locks.iter().any(|(_, m)| m == "AccessExclusiveLock")
        }),
        "concurrently-in-transaction" => run.refused_in_transaction,
        other => panic!("no server claim for lock rule {other}"),
    }
}

/// The user tables of the database: name to (oid, relfilenode).
fn tables(conn: &mut Conn) -> BTreeMap<String, (String, String)> {
    conn.query(
        "SELECT c.relname, c.oid::text, c.relfilenode::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg_toast%'",
    )
    .unwrap_or_else(|e| panic!("reading pg_class: {e}"))
    .into_iter()
    .filter_map(|r| {
        Some((
            r.first()?.clone()?,
            (r.get(1)?.clone()?, r.get(2)?.clone()?),
        ))
    })
    .collect()
}

fn scalar(conn: &mut Conn, sql: &str) -> String {
    conn.query(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_default()
}

/// The locks `pid` holds or waits for on the given tables (oid to name).
fn locks_of(
    watcher: &mut Conn,
    pid: &str,
    names: &BTreeMap<String, String>,
    granted: bool,
) -> Vec<(String, String)> {
    watcher
        .query(&format!(
            "SELECT relation::text, mode FROM pg_locks WHERE pid = {pid} AND granted = {granted} \
             AND locktype = 'relation'"
        ))
        .unwrap_or_else(|e| panic!("reading pg_locks: {e}"))
        .into_iter()
        .filter_map(|r| {
            let name = names.get(r.first()?.as_ref()?)?;
            Some((name.clone(), r.get(1)?.clone()?))
        })
        .collect()
}

/// Whether Flyway's parser knows the statement cannot run in a transaction.
fn flyway_non_transactional(sql: &str) -> bool {
    let s = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.starts_with("CREATE INDEX CONCURRENTLY")
        || s.starts_with("CREATE UNIQUE INDEX CONCURRENTLY")
        || s.starts_with("DROP INDEX CONCURRENTLY")
        || s.starts_with("VACUUM")
}

/// Runs the statements of the last migration (already preceded by the others) and watches.
fn run_watched(
    pg: &Cluster,
    db: &str,
    statements: Vec<(String, Vec<Op>)>,
    timeout: Option<&str>,
) -> Run {
    let mut session = pg.connect(db).unwrap_or_else(|e| panic!("{e}"));
    let mut watcher = pg.connect(db).unwrap_or_else(|e| panic!("{e}"));
    if let Some(t) = timeout {
        session
            .execute(&format!("SET lock_timeout = '{t}'"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut run = Run::default();
    // The way Flyway runs it: one transaction unless every statement is one it recognises.
    if !statements.iter().all(|(s, _)| flyway_non_transactional(s)) {
        let mut whole = String::from("BEGIN;\n");
        for (s, _) in &statements {
            whole.push_str(s);
            whole.push_str(";\n");
        }
        if let Err(e) = session.execute(&whole) {
            run.refused_in_transaction = e.code == "25001";
        }
        let _ = session.execute("ROLLBACK");
    }
    let pid = scalar(&mut session, "SELECT pg_backend_pid()");
    // The tables that existed before the migration: those the claims are about.
    let existing = tables(&mut session);
    for (sql, ops) in statements {
        let before: BTreeMap<String, (String, String)> = tables(&mut session)
            .into_iter()
            .filter(|(n, (oid, _))| existing.get(n).is_some_and(|(o, _)| o == oid))
            .collect();
        let names: BTreeMap<String, String> = before
            .iter()
            .map(|(n, (oid, _))| (oid.clone(), n.clone()))
            .collect();
        let mut o = Observed {
            lock_timeout: scalar(&mut session, "SELECT current_setting('lock_timeout')"),
            ops: ops.clone(),
            ..Observed::default()
        };
        if ops.iter().any(Op::needs_autocommit) {
            // Make it wait behind a lock the watcher holds, and read what it asks for.
            watcher.execute("BEGIN").unwrap_or_else(|e| panic!("{e}"));
            for name in before.keys() {
                watcher
                    .execute(&format!(
                        "LOCK TABLE \"{name}\" IN SHARE UPDATE EXCLUSIVE MODE"
                    ))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            let text = sql.clone();
            let worker = std::thread::spawn(move || session.execute(&text).map(|_| session));
            for _ in 0..200 {
                o.locks = locks_of(&mut watcher, &pid, &names, false);
                if !o.locks.is_empty() || worker.is_finished() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            watcher
                .execute("ROLLBACK")
                .unwrap_or_else(|e| panic!("{e}"));
            session = worker
                .join()
                .unwrap_or_else(|_| panic!("{sql}: the session panicked"))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        } else {
            session
                .execute(&format!("BEGIN; {sql}"))
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            o.locks = locks_of(&mut watcher, &pid, &names, true);
            o.scanned = session
                .query("SELECT relid::text FROM pg_stat_xact_user_tables WHERE seq_scan > 0")
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .filter_map(|r| names.get(r.first()?.as_ref()?).cloned())
                .collect();
            o.rewritten = rewritten(&before, &tables(&mut session));
            session
                .execute("COMMIT")
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        if o.rewritten.is_empty() {
            o.rewritten = rewritten(&before, &tables(&mut session));
        }
        o.sql = sql;
        run.statements.push(o);
    }
    run
}

fn rewritten(
    before: &BTreeMap<String, (String, String)>,
    after: &BTreeMap<String, (String, String)>,
) -> Vec<String> {
    before
        .iter()
        .filter(|(n, (oid, node))| after.get(*n).is_some_and(|(o, m)| o == oid && m != node))
        .map(|(n, _)| n.clone())
        .collect()
}

/// The `lock_timeout` a page's configuration says the runner sets.
fn configured_timeout(project_files: &[(String, String)]) -> Option<String> {
    project_files.iter().find_map(|(_, body)| {
        body.lines().find_map(|l| {
            let v = l
                .trim()
                .strip_prefix("lock_timeout")?
                .trim()
                .strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_string())
        })
    })
}

/// Checks every SQL example of every lock rule; returns how many were checked.
pub fn check_lock_examples(pg: &Cluster) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for rule in rollsafe::rules::Rule::ALL {
        if rule.meta().group != rollsafe::rules::Group::Lock {
            continue;
        }
        let mut project_files: Vec<(String, String)> = Vec::new();
        for ex in common::page_examples(rule.name(), rule.meta().doc) {
            if ex.lang == "toml" {
                project_files = ex.files.clone();
                continue;
            }
            if ex.lang != "sql" || !(ex.section == "Bad" || ex.section == "Good") {
                continue;
            }
            let dir = tempfile::tempdir().expect("temp dir");
            let last = common::write_sql_example(dir.path(), &ex.files, None);
            let project = Project::load(dir.path());
            let Some(m) = project.migrations.iter().find(|m| m.path == last) else {
                panic!("{}: rollsafe does not read {last}", ex.origin);
            };
            let db = crate::unique_database("locks");
            pg.create_database(&db).unwrap_or_else(|e| panic!("{e}"));
            for (name, _) in &ex.files[..ex.files.len() - 1] {
                let path = dir.path().join("db/migration").join(name);
                pg.apply_file(&db, &path)
                    .unwrap_or_else(|e| panic!("{}: {name}: {e}", ex.origin));
            }
            let statements: Vec<(String, Vec<Op>)> = m
                .statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let ops = m
                        .changes
                        .iter()
                        .filter(|c| c.statement == i)
                        .map(|c| c.op.clone());
                    (
                        m.source[s.span.start..s.span.end]
                            .trim_end_matches(';')
                            .to_string(),
                        ops.collect(),
                    )
                })
                .collect();
            let run = run_watched(
                pg,
                &db,
                statements,
                configured_timeout(&project_files).as_deref(),
            );
            let shown = claim_shown(rule.name(), &run);
            let want = ex.section == "Bad";
            if shown != want {
                failures.push(format!(
                    "{}: {} example, the server {} what {} claims:\n{:#?}",
                    ex.origin,
                    ex.section,
                    if shown { "shows" } else { "does not show" },
                    rule.name(),
                    run
                ));
            }
            checked += 1;
        }
    }
    say(&format!(
        "   lock oracle: {checked} lock-rule examples run on the server, {} refuted\n",
        failures.len()
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    checked
}
