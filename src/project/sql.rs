//! SQL histories: which files of a folder belong to which engine's history, in what order,
//! which ship together as one step, and which schema dump stands for the early versions.

use super::{FileSource, History, Project, SkipReason, Skipped, SqlOptions, contained, unreadable};
use crate::discover::{Dump, Engine, EngineMark, SqlFile, SqlRole, Version};
use crate::frontend::sql;
use crate::model::{Change, Downgrade, Framework, Migration, Op, Span, Statement};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One file to read into one history.
struct Job<'a> {
    file: &'a SqlFile,
    key: String,
    engine: Engine,
}

/// The files of one history folder, split by engine.
struct Folder<'a> {
    name: &'a str,
    files: Vec<&'a SqlFile>,
}

impl<'a> Folder<'a> {
    /// The engines rollsafe reads whose history this folder holds: those its files and the
    /// dumps beside it name, else the configured default.
    fn engines(&self, opts: &SqlOptions, dumps: &[Dump]) -> Vec<Engine> {
        let named: BTreeSet<Engine> = self
            .files
            .iter()
            .filter_map(|f| f.engine)
            .chain(
                dumps
                    .iter()
                    .filter(|d| is_beside(d, self.name))
                    .filter_map(|d| d.engine),
            )
            .filter(|e| e.reads_as.is_some())
            .collect();
        if named.is_empty() {
            vec![Engine::for_dialect(opts.default_dialect)]
        } else {
            named.into_iter().collect()
        }
    }

    /// The files of `engine`'s history. A file naming the engine before `.sql` replaces the
    /// generic file of its version (ory/popx); falling back first to the engine's fallback
    /// (`.postgres.` for YugabyteDB). Files marked after `.sql` or by a folder add to the
    /// generic ones (Synapse, Flyway vendor folders).
    fn files_for(&self, engine: Engine) -> Vec<&'a SqlFile> {
        let key = |f: &SqlFile| (f.version.clone(), f.role);
        let named_by = |e: Option<Engine>| -> BTreeSet<(Option<Version>, SqlRole)> {
            self.files
                .iter()
                .filter(|f| f.engine_mark == EngineMark::Name && f.engine == e && e.is_some())
                .map(|f| key(f))
                .collect()
        };
        let exact = named_by(Some(engine));
        let fallback = named_by(engine.fallback());
        self.files
            .iter()
            .copied()
            .filter(|f| match f.engine {
                Some(e) if e == engine => true,
                Some(e) if Some(e) == engine.fallback() && f.engine_mark == EngineMark::Name => {
                    !exact.contains(&key(f))
                }
                Some(_) => false,
                None if f.code => true,
                None => !exact.contains(&key(f)) && !fallback.contains(&key(f)),
            })
            .collect()
    }
}

/// Reads the given SQL files (in parallel) and orders them into histories: one per folder
/// and engine.
pub(super) fn load(
    root: &Path,
    files: Vec<SqlFile>,
    dumps: Vec<Dump>,
    src: &dyn FileSource,
    opts: &SqlOptions,
) -> Project {
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut by_folder: BTreeMap<&str, Vec<&SqlFile>> = BTreeMap::new();
    for f in &files {
        by_folder.entry(f.history.as_str()).or_default().push(f);
    }
    let mut jobs: Vec<Job> = Vec::new();
    let mut folder_engines: Vec<(String, String, Engine)> = Vec::new();
    for (name, files) in by_folder {
        // Python deltas belong to a history only beside SQL ones.
        if files.iter().all(|f| f.code) {
            continue;
        }
        let folder = Folder { name, files };
        for f in folder
            .files
            .iter()
            .filter(|f| f.engine.is_some_and(|e| e.reads_as.is_none()))
        {
            if let Some(e) = f.engine {
                note_skip(&mut skipped, SkipReason::Engine(e), &f.rel);
            }
        }
        let engines = folder.engines(opts, &dumps);
        let multi = engines.len() > 1;
        for engine in engines {
            let selected = folder.files_for(engine);
            if let Some(targets) = &opts.targets
                && !targets.iter().any(|t| t == engine.name)
            {
                for f in selected.iter().filter(|f| f.engine == Some(engine)) {
                    note_skip(&mut skipped, SkipReason::NotTargeted(engine), &f.rel);
                }
                continue;
            }
            let key = if multi {
                format!("{} [{}]", folder.name, engine.name)
            } else {
                folder.name.to_string()
            };
            folder_engines.push((folder.name.to_string(), key.clone(), engine));
            for file in selected {
                jobs.push(Job {
                    file,
                    key: key.clone(),
                    engine,
                });
            }
        }
    }
    let (downs, ups): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| j.file.role == SqlRole::Down);
    let mut migrations: Vec<Migration> = ups
        .par_iter()
        .map(|j| read_one(j.file, &j.key, j.engine, src, opts))
        .collect();
    let mut files_of: Vec<SqlFile> = ups.iter().map(|j| j.file.clone()).collect();
    attach_downgrades(&mut migrations, &downs, src, opts);

    // Baselines: the newest dump beside each history that some delta is above.
    let mut baselines: BTreeMap<String, (Version, Vec<usize>)> = BTreeMap::new();
    for (folder, key, engine) in &folder_engines {
        let newest_delta = migrations
            .iter()
            .zip(&files_of)
            .filter(|(m, f)| m.history == *key && f.role == SqlRole::Up)
            .filter_map(|(_, f)| f.version.clone())
            .max();
        let Some((version, chosen)) =
            choose_dump(folder, *engine, &dumps, newest_delta.as_ref(), src, opts)
        else {
            continue;
        };
        let mut idx = Vec::new();
        for d in chosen {
            let file = dump_file(d, folder, &version, *engine);
            let mut m = read_one(&file, key, *engine, src, opts);
            m.baseline = true;
            idx.push(migrations.len());
            migrations.push(m);
            files_of.push(file);
        }
        baselines.insert(key.clone(), (version, idx));
    }

    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, m) in migrations.iter().enumerate() {
        groups.entry(m.history.clone()).or_default().push(i);
    }
    let mut histories = Vec::new();
    for (key, idx) in groups {
        let (order, superseded) = order_history(idx, &files_of, baselines.get(&key));
        if let Some((version, dump)) = baselines.get(&key) {
            let label = dump
                .first()
                .map(|&i| migrations[i].path.clone())
                .unwrap_or_default();
            for &i in &superseded {
                note_skip(
                    &mut skipped,
                    SkipReason::Superseded {
                        history: key.clone(),
                        baseline: format!("{label} (version {})", version.text),
                    },
                    &migrations[i].path,
                );
            }
        }
        let steps = steps_of(&order, &files_of);
        histories.push(History {
            key,
            framework: Framework::Sql,
            order,
            steps,
            superseded,
        });
    }
    Project {
        root: root.to_path_buf(),
        migrations,
        histories,
        walk_errors: Vec::new(),
        skipped,
    }
}

/// Records one skipped file under its reason.
pub(super) fn note_skip(skipped: &mut Vec<Skipped>, reason: SkipReason, rel: &str) {
    match skipped.iter_mut().find(|s| s.reason == reason) {
        Some(s) => s.files.push(rel.to_string()),
        None => skipped.push(Skipped {
            reason,
            files: vec![rel.to_string()],
        }),
    }
}

fn read_one(
    f: &SqlFile,
    key: &str,
    engine: Engine,
    src: &dyn FileSource,
    opts: &SqlOptions,
) -> Migration {
    let dialect = engine.reads_as.unwrap_or(opts.default_dialect);
    let mut m = match src.read(&f.path, &f.rel) {
        Ok(text) if f.code => code_delta(f, text),
        Ok(text) => contained(|| sql::read_sql_migration(f, text, dialect, &opts.reading(engine)))
            .unwrap_or_else(|e| unreadable(f, e)),
        Err(e) => unreadable(f, e),
    };
    m.history = key.to_string();
    m.dialect = dialect;
    m.baseline = f.role == SqlRole::Baseline;
    if let crate::model::Transaction::Flyway {
        mixed,
        execute_in_transaction,
    } = &mut m.transaction
    {
        // A script's own settings sit beside it: `V2__x.sql.conf`.
        let conf = format!("{}.conf", f.rel);
        let mut path = f.path.clone().into_os_string();
        path.push(".conf");
        *mixed = opts.flyway_mixed;
        *execute_in_transaction = src
            .read(Path::new(&path), &conf)
            .ok()
            .and_then(|text| sql::flyway_config::execute_in_transaction(&text));
    }
    m
}

/// A Python delta among SQL ones: one change whose effect is project code.
fn code_delta(f: &SqlFile, text: std::sync::Arc<str>) -> Migration {
    let mut m = Migration::new(f.id(), f.rel.clone(), Framework::Sql, text.clone());
    let span = Span::new(0, text.len());
    m.statements.push(Statement {
        span,
        override_index: None,
    });
    m.changes.push(Change {
        op: Op::dynamic(
            "a Python delta runs project code at migration time: what it does to the schema \
             cannot be seen statically",
        ),
        span: Span::new(0, 0),
        statement: 0,
    });
    m
}

/// Downgrades: golang-migrate `.down.sql`, diesel `down.sql`, Flyway `U…`, matched by history
/// and id.
fn attach_downgrades(
    migrations: &mut [Migration],
    downs: &[Job],
    src: &dyn FileSource,
    opts: &SqlOptions,
) {
    let by_key: BTreeMap<(String, String), usize> = migrations
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.history.clone(), m.id.clone()), i))
        .collect();
    let down_texts: Vec<(usize, Downgrade)> = downs
        .par_iter()
        .filter_map(|j| {
            let i = *by_key.get(&(j.key.clone(), j.file.id()))?;
            let dialect = j.engine.reads_as.unwrap_or(opts.default_dialect);
            let dg = match src.read(&j.file.path, &j.file.rel) {
                Ok(text) => sql::downgrade_from_sql(
                    &text,
                    Some(j.file.path.clone()),
                    dialect,
                    &opts.reading(j.engine),
                ),
                Err(_) => Downgrade::Present {
                    path: Some(j.file.path.clone()),
                    changes: Vec::new(),
                },
            };
            Some((i, dg))
        })
        .collect();
    for (i, dg) in down_texts {
        migrations[i].downgrade = dg;
    }
}

/// The dump that stands for a history's early versions: a configured one, else the newest
/// found beside the history folder for its engine, provided some delta is above it (a dump at
/// or past the newest delta is the schema the deltas build, written by the tool, not a
/// baseline). Returns its version and files (in name order).
fn choose_dump<'d>(
    folder: &str,
    engine: Engine,
    dumps: &'d [Dump],
    newest_delta: Option<&Version>,
    src: &dyn FileSource,
    opts: &SqlOptions,
) -> Option<(Version, Vec<&'d Dump>)> {
    let for_engine = |d: &Dump| d.engine.is_none_or(|e| e == engine);
    if let Some(c) = opts.baseline_schemas.iter().find(|c| c.applies_to(folder)) {
        let files: Vec<&Dump> = dumps
            .iter()
            .filter(|d| d.rel == c.rel || d.rel.starts_with(&format!("{}/", c.rel)))
            .filter(|d| for_engine(d))
            .collect();
        return (!files.is_empty()).then(|| (c.version.clone(), files));
    }
    // (version, whether the dump's folder names it, dump)
    let mut candidates: Vec<(Version, bool, &Dump)> = dumps
        .iter()
        .filter(|d| is_beside(d, folder) && for_engine(d))
        .filter_map(|d| match &d.version {
            Some(v) => Some((v.clone(), true, d)),
            None => src
                .read(&d.path, &d.rel)
                .ok()
                .and_then(|t| recorded_version(&t))
                .map(|v| (v, false, d)),
        })
        .collect();
    let (newest, named) = candidates
        .iter()
        .map(|(v, named, _)| (v.clone(), *named))
        .max()?;
    // A dump whose version only its `schema_migrations` rows tell, at the newest delta, is the
    // schema the deltas build (dbmate and Rails rewrite it after migrating), not a baseline: it
    // must not hide the newest migration.
    if !named && newest_delta.is_none_or(|d| *d <= newest) {
        return None;
    }
    candidates.retain(|(v, _, _)| *v == newest);
    let mut files: Vec<&Dump> = candidates.into_iter().map(|(_, _, d)| d).collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Some((newest, files))
}

/// Whether a dump sits beside the history in `folder`: in it, or in its parent
/// (`main/full_schemas/` beside `main/delta/`).
fn is_beside(d: &Dump, folder: &str) -> bool {
    let parent = folder.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
    d.beside == parent || d.beside == folder
}

/// The newest version a dump records as applied (`INSERT INTO schema_migrations (version)
/// VALUES ('20200227231541'), …`, as dbmate and Rails write them).
pub fn recorded_version(text: &str) -> Option<Version> {
    let lower = text.to_ascii_lowercase();
    let mut newest: Option<Version> = None;
    let mut from = 0;
    while let Some(pos) = lower[from..].find("schema_migrations") {
        let start = from + pos;
        let end = lower[start..].find(';').map_or(lower.len(), |e| start + e);
        let stmt = &text[start..end];
        if lower[start..end].contains("values") {
            for quoted in stmt.split('\'').skip(1).step_by(2) {
                if let Some((v, "")) = Version::parse_prefix(quoted) {
                    newest = newest.max(Some(v));
                }
            }
        }
        from = end.max(start + 1);
    }
    newest
}

/// A dump read as the first migration of a history.
fn dump_file(d: &Dump, folder: &str, version: &Version, engine: Engine) -> SqlFile {
    SqlFile {
        path: d.path.clone(),
        rel: d.rel.clone(),
        role: SqlRole::Baseline,
        version: Some(version.clone()),
        description: "schema dump".into(),
        history: folder.to_string(),
        engine: Some(engine),
        engine_mark: d.engine_mark,
        in_version_folder: false,
        code: false,
    }
}

/// Replay order: versioned (and baseline) by version, files of one version by name,
/// repeatables after them by name. A baseline (Flyway `B…`, a dump) stands for every version
/// up to its own: those files are returned second, not replayed.
fn order_history(
    mut idx: Vec<usize>,
    files: &[SqlFile],
    dump: Option<&(Version, Vec<usize>)>,
) -> (Vec<usize>, Vec<usize>) {
    let is_dump = |i: usize| dump.is_some_and(|(_, d)| d.contains(&i));
    idx.sort_by(|&a, &b| {
        let (fa, fb) = (&files[a], &files[b]);
        let rep_a = fa.role == SqlRole::Repeatable;
        let rep_b = fb.role == SqlRole::Repeatable;
        rep_a
            .cmp(&rep_b)
            .then_with(|| is_dump(b).cmp(&is_dump(a)))
            .then_with(|| fa.version.cmp(&fb.version))
            .then_with(|| fa.rel.cmp(&fb.rel))
    });
    let flyway = idx
        .iter()
        .rev()
        .find(|&&i| files[i].role == SqlRole::Baseline && !is_dump(i))
        .map(|&i| (i, files[i].version.clone()));
    let cut = match (&flyway, dump) {
        (Some((_, fv)), Some((dv, _))) if fv.as_ref() >= Some(dv) => flyway.clone(),
        (_, Some((dv, _))) => Some((usize::MAX, Some(dv.clone()))),
        (Some(_), None) => flyway.clone(),
        (None, None) => None,
    };
    let Some((base, bv)) = cut else {
        return (idx, Vec::new());
    };
    let (kept, dropped): (Vec<usize>, Vec<usize>) = idx.into_iter().partition(|&i| {
        let f = &files[i];
        i == base
            || (base == usize::MAX && is_dump(i))
            || f.role == SqlRole::Repeatable
            || f.version > bv
    });
    (kept, dropped)
}

/// Consecutive migrations that one deploy applies together: the files of one version folder,
/// files of one version, and ory/popx part files (20-digit versions whose last six digits
/// number the parts of one 14-digit timestamp). Ranges over `order`.
fn steps_of(order: &[usize], files: &[SqlFile]) -> Vec<std::ops::Range<usize>> {
    let parts = !order.is_empty()
        && order.iter().all(|&i| {
            files[i].role == SqlRole::Repeatable
                || files[i].role == SqlRole::Baseline
                || files[i].version.as_ref().is_some_and(|v| {
                    v.text.len() == 20 && v.text.bytes().all(|b| b.is_ascii_digit())
                })
        });
    let step_key = |i: usize| -> Option<String> {
        let f = &files[i];
        if f.role == SqlRole::Repeatable {
            return None;
        }
        let v = f.version.as_ref()?;
        let text = if parts && f.role != SqlRole::Baseline {
            &v.text[..14]
        } else {
            v.text.as_str()
        };
        Some(format!("{:?}:{text}", f.role == SqlRole::Baseline))
    };
    let mut steps: Vec<std::ops::Range<usize>> = Vec::new();
    for pos in 0..order.len() {
        let key = step_key(order[pos]);
        match steps.last_mut() {
            Some(last) if key.is_some() && step_key(order[last.start]) == key => last.end = pos + 1,
            _ => steps.push(pos..pos + 1),
        }
    }
    steps
}
