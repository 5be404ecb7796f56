//! A project: every migration found under a root, read by its frontend, grouped into
//! histories and put in replay order.

mod sql;

pub use sql::recorded_version;

use crate::discover::{self, Dump, Engine, SqlFile, SqlRole, Version};
use crate::frontend::sql::Reading;
use crate::frontend::sql::placeholders::Placeholders;
use crate::model::{Dialect, Framework, Migration, ParseIssue, Span};
use crate::source;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One history: migrations that apply to the same database, in replay order.
#[derive(Debug, Clone)]
pub struct History {
    pub key: String,
    pub framework: Framework,
    /// Indices into [`Project::migrations`], in the order they apply.
    pub order: Vec<usize>,
    /// Runs of `order` (positions) that one deploy applies together: the files of a version
    /// folder, part files of one version. Empty: every migration is its own step.
    pub steps: Vec<std::ops::Range<usize>>,
    /// Migrations read but not replayed: a baseline (schema dump) stands for them.
    pub superseded: Vec<usize>,
}

impl History {
    /// The steps of this history as ranges over [`History::order`].
    pub fn step_ranges(&self) -> Vec<std::ops::Range<usize>> {
        if self.steps.is_empty() {
            (0..self.order.len()).map(|i| i..i + 1).collect()
        } else {
            self.steps.clone()
        }
    }
}

#[derive(Debug, Default)]
pub struct Project {
    pub root: PathBuf,
    pub migrations: Vec<Migration>,
    pub histories: Vec<History>,
    /// Paths discovery could not walk, with the reason.
    pub walk_errors: Vec<(String, String)>,
    /// Files found and deliberately not replayed, by reason.
    pub skipped: Vec<Skipped>,
}

/// Why files were found and not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Written for an engine rollsafe does not read (never read as another engine's SQL).
    Engine(Engine),
    /// For an engine the configuration's `targets` leave out.
    NotTargeted(Engine),
    /// Under a test-data or vendored folder (`testdata`, `fixtures`, `stub`, `vendor`…).
    SetAside,
    /// At or below the version of the baseline (schema dump) of their history: read, not
    /// replayed.
    Superseded { history: String, baseline: String },
}

/// Files skipped for one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub reason: SkipReason,
    /// Relative paths, in the order found.
    pub files: Vec<String>,
}

/// A schema dump the configuration names (`baseline_schema`), resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredDump {
    /// The dump file, or the folder of its files, relative to the root.
    pub rel: String,
    /// The version it stands for.
    pub version: Version,
    /// The configured root it belongs to (`[[roots]]`); `None`: every history.
    pub root: Option<String>,
}

impl ConfiguredDump {
    /// Whether it stands for the history in `folder`.
    pub fn applies_to(&self, folder: &str) -> bool {
        match &self.root {
            None => true,
            Some(r) => {
                let r = r.trim_end_matches('/');
                r.is_empty() || folder == r || folder.starts_with(&format!("{r}/"))
            }
        }
    }
}

/// How SQL files are read.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    /// The dialect of files that name no engine, when their folder holds none that do.
    pub default_dialect: Dialect,
    /// The engines the project targets (canonical names: `postgres`, `cockroach`, `mysql`);
    /// files for other engines are skipped. `None`: every engine that has files.
    pub targets: Option<Vec<String>>,
    /// Placeholder values and syntaxes (`${schema}`, `$%NAME%$`).
    pub placeholders: Placeholders,
    /// Schema dumps the configuration names.
    pub baseline_schemas: Vec<ConfiguredDump>,
    /// Flyway's `mixed` setting, from the project's Flyway configuration.
    pub flyway_mixed: bool,
}

impl Default for SqlOptions {
    fn default() -> Self {
        SqlOptions {
            default_dialect: Dialect::Postgres,
            targets: None,
            placeholders: Placeholders::default(),
            baseline_schemas: Vec::new(),
            flyway_mixed: false,
        }
    }
}

impl SqlOptions {
    /// How the files of one engine are read.
    pub fn reading(&self, engine: Engine) -> Reading<'_> {
        Reading {
            placeholders: &self.placeholders,
            engine: Some(engine.name),
        }
    }
}

/// Where migration files come from: the working tree, or a git revision (for `rollback`).
pub trait FileSource: Sync {
    fn read(&self, path: &Path, rel: &str) -> Result<Arc<str>, source::ReadError>;
}

/// Reads files from disk.
pub struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path, _rel: &str) -> Result<Arc<str>, source::ReadError> {
        source::read_text(path)
    }
}

/// File contents read from a git revision.
pub struct Blobs(pub std::collections::HashMap<String, Vec<u8>>);

impl FileSource for Blobs {
    fn read(&self, _path: &Path, rel: &str) -> Result<Arc<str>, source::ReadError> {
        match self.0.get(rel) {
            Some(bytes) => source::decode(bytes.clone()),
            None => Err(source::ReadError::Io("not found at this revision".into())),
        }
    }
}

/// Which part of a revision to read, and how: the same settings as the working tree's.
#[derive(Debug, Clone, Default)]
pub struct RevisionScope {
    /// The project root relative to the repository root (`""`: the repository root); paths
    /// of the project are relative to it, as in the working tree.
    pub under: String,
    pub discover: discover::Options,
    pub sql: SqlOptions,
}

impl RevisionScope {
    /// The path relative to the project root of repository path `p`, when it is under it and
    /// not excluded.
    fn relative<'p>(&self, p: &'p str) -> Option<&'p str> {
        let rel = if self.under.is_empty() {
            p
        } else {
            p.strip_prefix(self.under.as_str())?.strip_prefix('/')?
        };
        let in_roots = self.discover.roots.is_empty()
            || self.discover.roots.iter().any(|r| {
                let r = r.trim_end_matches('/');
                r.is_empty() || rel == r || rel.starts_with(&format!("{r}/"))
            });
        let excluded = self.discover.exclude.as_ref().is_some_and(|ex| {
            ex.is_match(rel) || rel.match_indices('/').any(|(i, _)| ex.is_match(&rel[..i]))
        });
        (in_roots && !excluded).then_some(rel)
    }
}

impl Project {
    /// Reads every migration tracked at commit `sha`, without checking anything out.
    pub fn load_at_revision(
        repo: &crate::git::Repo,
        sha: &str,
    ) -> Result<Project, crate::git::GitError> {
        Project::load_at_revision_in(repo, sha, &RevisionScope::default())
    }

    /// Reads the migrations tracked at commit `sha` under `scope`, as
    /// [`Project::load_configured`] reads the working tree.
    pub fn load_at_revision_in(
        repo: &crate::git::Repo,
        sha: &str,
        scope: &RevisionScope,
    ) -> Result<Project, crate::git::GitError> {
        let root = if scope.under.is_empty() {
            repo.root.clone()
        } else {
            repo.root.join(&scope.under)
        };
        let listed = repo.ls_tree(sha)?;
        let paths: Vec<String> = listed
            .iter()
            .filter_map(|p| scope.relative(p))
            .map(String::from)
            .collect();
        let mut found = discover::discover_listing(&root, &paths);
        let kept = std::mem::take(&mut found.files);
        let mut wanted: Vec<String> = found.sql.iter().map(|f| f.rel.clone()).collect();
        wanted.extend(found.dumps.iter().map(|d| d.rel.clone()));
        let flyway_files: Vec<String> = kept
            .iter()
            .filter(|f| crate::frontend::sql::flyway_config::is_config_file(f))
            .cloned()
            .collect();
        wanted.extend(flyway_files);
        // Alembic: the ini files first (they say where the revisions are), then the revisions.
        let inis: Vec<String> = kept
            .iter()
            .filter(|p| p.ends_with("alembic.ini"))
            .cloned()
            .collect();
        let ini_blobs = read_blobs_under(repo, sha, &scope.under, &inis)?;
        let envs = crate::frontend::alembic::find_envs(&kept, &|rel: &str| {
            ini_blobs
                .get(rel)
                .map(|b| String::from_utf8_lossy(b).into_owned())
        });
        for env in &envs {
            wanted.extend(
                crate::frontend::alembic::revision_files(env, &kept)
                    .into_iter()
                    .cloned(),
            );
        }
        wanted.extend(
            kept.iter()
                .filter(|f| crate::frontend::django::is_migration_path(f))
                .cloned(),
        );
        let mut blobs = read_blobs_under(repo, sha, &scope.under, &wanted)?;
        blobs.extend(ini_blobs);
        let blobs = Blobs(blobs);
        let opts =
            with_project_placeholders(&scope.sql, &kept, &|rel: &str| blobs.0.get(rel).cloned());
        found.files = kept.clone();
        let dumps = configured_dumps(&root, &opts, &mut found);
        let mut p = sql::load(&root, found.sql, dumps, &blobs, &opts);
        p.note_set_aside(found.set_aside);
        p.add_alembic(&kept, &|rel: &str| blobs.0.get(rel).cloned());
        p.add_django(&kept, &|rel: &str| blobs.0.get(rel).cloned());
        Ok(p)
    }

    /// Discovers and reads every migration under `root`.
    pub fn load(root: &Path) -> Project {
        Project::load_with(root, &discover::Options::default())
    }

    /// Discovers (within the configured folders) and reads every migration under `root`.
    pub fn load_with(root: &Path, opts: &discover::Options) -> Project {
        Project::load_configured(root, opts, &SqlOptions::default())
    }

    /// Like [`Project::load_with`], with SQL dialect settings.
    pub fn load_configured(root: &Path, opts: &discover::Options, sql: &SqlOptions) -> Project {
        let mut found = discover::discover_with(root, opts);
        let sql = &with_project_placeholders(sql, &found.files, &|rel: &str| {
            std::fs::read(root.join(rel)).ok()
        });
        let dumps = configured_dumps(root, sql, &mut found);
        let mut p = sql::load(root, found.sql, dumps, &Disk, sql);
        p.note_set_aside(found.set_aside);
        p.add_alembic(&found.files, &|rel: &str| {
            std::fs::read(root.join(rel)).ok()
        });
        p.add_django(&found.files, &|rel: &str| {
            std::fs::read(root.join(rel)).ok()
        });
        p.walk_errors.extend(found.walk_errors);
        p
    }

    /// Reads the given SQL files (in parallel) and orders them into histories, reading
    /// dialect-less files as PostgreSQL.
    pub fn from_sql_files(root: &Path, files: Vec<SqlFile>, src: &dyn FileSource) -> Project {
        Project::from_sql_files_with(root, files, src, &SqlOptions::default())
    }

    /// Reads the given SQL files (in parallel) and orders them into histories: one per folder
    /// and engine (see the README's layouts table).
    pub fn from_sql_files_with(
        root: &Path,
        files: Vec<SqlFile>,
        src: &dyn FileSource,
        opts: &SqlOptions,
    ) -> Project {
        sql::load(root, files, Vec::new(), src, opts)
    }

    /// Records the migrations discovery set aside under test-data or vendored folders.
    fn note_set_aside(&mut self, files: Vec<String>) {
        for f in files {
            sql::note_skip(&mut self.skipped, SkipReason::SetAside, &f);
        }
    }
}

/// The options with the placeholders the project's own Flyway configuration sets, where the
/// configuration sets none.
fn with_project_placeholders(
    opts: &SqlOptions,
    files: &[String],
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> SqlOptions {
    use crate::frontend::sql::flyway_config;
    let texts: Vec<(String, String)> = files
        .iter()
        .filter(|f| flyway_config::is_config_file(f))
        .filter_map(|f| Some((f.clone(), String::from_utf8(read(f)?).ok()?)))
        .collect();
    let mut opts = opts.clone();
    if !texts.is_empty() {
        opts.placeholders.fill_from(flyway_config::read(&texts));
        opts.flyway_mixed |= flyway_config::mixed(&texts);
    }
    opts
}

/// The schema dumps the configuration names, as discovery would have found them; their files
/// are no migrations.
fn configured_dumps(root: &Path, opts: &SqlOptions, found: &mut discover::Discovered) -> Vec<Dump> {
    let mut dumps = std::mem::take(&mut found.dumps);
    for c in &opts.baseline_schemas {
        let inside = |rel: &str| rel == c.rel || rel.starts_with(&format!("{}/", c.rel));
        let mut rels: Vec<String> = found.files.iter().filter(|r| inside(r)).cloned().collect();
        if rels.is_empty() && root.join(&c.rel).is_file() {
            rels.push(c.rel.clone());
        }
        for rel in rels {
            if dumps.iter().any(|d| d.rel == rel) {
                continue;
            }
            let path = root.join(&rel);
            let engine = discover::classify_dump(&path, &rel)
                .map(|d| (d.engine, d.engine_mark))
                .or_else(|| discover::classify_sql(&path, &rel).map(|f| (f.engine, f.engine_mark)));
            let Some((engine, engine_mark)) = engine.or_else(|| {
                rel.contains(".sql")
                    .then_some((None, discover::EngineMark::None))
            }) else {
                continue;
            };
            dumps.push(Dump {
                path,
                rel,
                version: Some(c.version.clone()),
                engine,
                engine_mark,
                beside: String::new(),
            });
        }
        found.sql.retain(|f| !inside(&f.rel));
    }
    dumps
}

impl Project {
    /// Finds Alembic environments among `files` and adds their revisions, one history per
    /// environment ordered by the revision graph.
    pub fn add_alembic(
        &mut self,
        files: &[String],
        read: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
    ) {
        use crate::frontend::alembic;
        let envs = alembic::find_envs(files, &|rel: &str| {
            read(rel).map(|b| String::from_utf8_lossy(&b).into_owned())
        });
        let mut jobs: Vec<(&str, String)> = Vec::new();
        for env in &envs {
            for f in alembic::revision_files(env, files) {
                jobs.push((f.as_str(), env.key.clone()));
            }
        }
        // A revision that cannot be read is a finding in that file (its id unknown, its path
        // stands for it), like an unreadable SQL file.
        let migrations: Vec<Migration> = jobs
            .par_iter()
            .filter_map(|(rel, key)| {
                match self
                    .read_python(rel, read)
                    .and_then(|text| contained(|| alembic::read_revision(rel, text, key)))
                {
                    Ok(m) => m,
                    Err(e) => Some(unreadable_file(rel, Framework::Alembic, key, e)),
                }
            })
            .collect();
        // The environment's env.py says whether its migrations run in a transaction.
        let transactions: BTreeMap<&str, crate::model::Transaction> = envs
            .iter()
            .map(|env| {
                let env_py = if env.key.is_empty() {
                    "env.py".to_string()
                } else {
                    format!("{}/env.py", env.key)
                };
                let text = read(&env_py).map(|b| String::from_utf8_lossy(&b).into_owned());
                (env.key.as_str(), alembic::env_transaction(text.as_deref()))
            })
            .collect();
        let mut migrations = migrations;
        for m in &mut migrations {
            if let Some(t) = transactions.get(m.history.as_str()) {
                m.transaction = t.clone();
            }
        }
        let base = self.migrations.len();
        let issues = self.add_graph_migrations(Framework::Alembic, migrations, |_| false);
        self.record_graph_issues(base, issues);
    }

    /// Finds Django migration modules among `files` and adds them as one history, with table
    /// and column names from the replayed model state.
    pub fn add_django(
        &mut self,
        files: &[String],
        read: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
    ) {
        use crate::frontend::django;
        let rels: Vec<&String> = files
            .iter()
            .filter(|f| django::is_migration_path(f))
            .collect();
        if rels.is_empty() {
            return;
        }
        let parsed: Vec<Result<Option<django::Parsed>, (&String, source::ReadError)>> = rels
            .par_iter()
            .map(|rel| {
                self.read_python(rel, read)
                    .and_then(|text| contained(|| django::parse_file(rel, text)))
                    .map_err(|e| (*rel, e))
            })
            .collect();
        let mut ok = Vec::new();
        let mut unreadable = Vec::new();
        for p in parsed {
            match p {
                Ok(Some(p)) => ok.push(p),
                Ok(None) => {}
                // Whether it holds `class Migration` is unknown: its name says it is one.
                Err((rel, e)) => {
                    let mut m = unreadable_file(rel, Framework::Django, "django", e);
                    let mut parts = rel.rsplit('/');
                    if let (Some(file), Some(app)) = (parts.next(), parts.nth(1)) {
                        m.id = format!("{app}.{}", file.trim_end_matches(".py"));
                    }
                    unreadable.push(m);
                }
            }
        }
        let apps: std::collections::BTreeSet<String> = ok.iter().map(|p| p.app.clone()).collect();
        let mut migrations = django::build(ok, "django");
        migrations.extend(unreadable);
        let base = self.migrations.len();
        let issues = self.add_graph_migrations(Framework::Django, migrations, |p| {
            !apps.contains(p.split('.').next().unwrap_or(""))
        });
        self.record_graph_issues(base, issues);
    }

    /// Reads a Python migration through `read` (disk or a git revision). When `read` has
    /// nothing, the reason is asked of the file system (a permission, a vanished file).
    fn read_python(
        &self,
        rel: &str,
        read: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
    ) -> Result<Arc<str>, source::ReadError> {
        match read(rel) {
            Some(bytes) => source::decode(bytes),
            None => Err(source::ReadError::Io(
                std::fs::File::open(self.root.join(rel))
                    .err()
                    .map_or_else(|| "it could not be read".to_string(), |e| e.to_string()),
            )),
        }
    }

    /// Turns graph problems into located issues on the migrations concerned.
    fn record_graph_issues(
        &mut self,
        _base: usize,
        issues: Vec<(String, crate::graph::GraphIssue)>,
    ) {
        use crate::graph::GraphIssue as G;
        for (_, issue) in issues {
            let (targets, message): (Vec<usize>, String) = match issue {
                G::DuplicateId { id, first, second } => (
                    vec![second],
                    format!(
                        "revision id `{id}` is also declared by {}; only one of them is replayed",
                        self.migrations[first].path
                    ),
                ),
                G::MissingParent { node, parent } => (
                    vec![node],
                    format!("parent `{parent}` names no migration of this history"),
                ),
                G::Cycle { nodes } => {
                    let names: Vec<String> = nodes
                        .iter()
                        .map(|&n| self.migrations[n].id.clone())
                        .collect();
                    (
                        nodes.clone(),
                        format!(
                            "migrations depend on each other in a cycle: {}",
                            names.join(" -> ")
                        ),
                    )
                }
            };
            for t in targets {
                let span = self.migrations[t].id_span;
                self.migrations[t].graph_issues.push(ParseIssue {
                    span,
                    message: message.clone(),
                });
            }
        }
    }

    /// Adds migrations that name their parents (Alembic, Django): each history is ordered by its
    /// graph. Returns the graph problems, with indices into [`Project::migrations`].
    pub fn add_graph_migrations(
        &mut self,
        framework: Framework,
        migrations: Vec<Migration>,
        is_external: impl Fn(&str) -> bool,
    ) -> Vec<(String, crate::graph::GraphIssue)> {
        let base = self.migrations.len();
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, m) in migrations.iter().enumerate() {
            groups.entry(m.history.clone()).or_default().push(base + i);
        }
        self.migrations.extend(migrations);
        let mut issues = Vec::new();
        for (key, idx) in groups {
            let nodes: Vec<crate::graph::Node> = idx
                .iter()
                .map(|&i| crate::graph::Node {
                    id: &self.migrations[i].id,
                    parents: &self.migrations[i].parents,
                })
                .collect();
            let (order, found) = crate::graph::topo_order(&nodes, &is_external);
            issues.extend(found.into_iter().map(|g| (key.clone(), remap(g, &idx))));
            self.histories.push(History {
                key,
                framework,
                order: order.into_iter().map(|o| idx[o]).collect(),
                steps: Vec::new(),
                superseded: Vec::new(),
            });
        }
        self.histories.sort_by(|a, b| a.key.cmp(&b.key));
        issues
    }
}

/// Graph issues name positions in one history; make them indices into the project.
fn remap(issue: crate::graph::GraphIssue, idx: &[usize]) -> crate::graph::GraphIssue {
    use crate::graph::GraphIssue as G;
    match issue {
        G::DuplicateId { id, first, second } => G::DuplicateId {
            id,
            first: idx[first],
            second: idx[second],
        },
        G::MissingParent { node, parent } => G::MissingParent {
            node: idx[node],
            parent,
        },
        G::Cycle { nodes } => G::Cycle {
            nodes: nodes.into_iter().map(|n| idx[n]).collect(),
        },
    }
}

/// The blobs of `rels` (relative to the project root `under`) at `sha`, keyed by `rels`.
fn read_blobs_under(
    repo: &crate::git::Repo,
    sha: &str,
    under: &str,
    rels: &[String],
) -> Result<std::collections::HashMap<String, Vec<u8>>, crate::git::GitError> {
    if under.is_empty() {
        return repo.read_blobs(sha, rels);
    }
    let full: Vec<String> = rels.iter().map(|r| format!("{under}/{r}")).collect();
    let mut blobs = repo.read_blobs(sha, &full)?;
    Ok(rels
        .iter()
        .zip(&full)
        .filter_map(|(r, f)| blobs.remove(f).map(|b| (r.clone(), b)))
        .collect())
}

thread_local! {
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is reading a file inside [`contained`] (a panic there is turned
/// into a finding, so the panic hook stays quiet).
pub fn in_contained_read() -> bool {
    CONTAINED.with(|c| c.get())
}

/// Runs a frontend on one file so that a bug in a parser (ours or a dependency's) becomes a
/// located problem with that file instead of ending the run.
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, source::ReadError> {
    CONTAINED.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(false));
    result.map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        source::ReadError::Io(format!(
            "rollsafe could not read this file (internal error: {what}); please report it"
        ))
    })
}

pub(crate) fn unreadable(f: &SqlFile, e: source::ReadError) -> Migration {
    let mut m = unreadable_file(&f.rel, Framework::Sql, &f.history, e);
    m.id = f.id();
    m.repeatable = f.role == SqlRole::Repeatable;
    m
}

/// A migration file that could not be read: no changes, one issue. Text that is not UTF-8 is
/// kept (bad bytes replaced) so the issue points at the first bad byte.
fn unreadable_file(
    rel: &str,
    framework: Framework,
    history: &str,
    e: source::ReadError,
) -> Migration {
    let (text, span) = match &e {
        source::ReadError::NotUtf8 { lossy, at, .. } => (
            lossy.clone(),
            Span::new(*at, *at + char::REPLACEMENT_CHARACTER.len_utf8()),
        ),
        _ => (Arc::from(""), Span::new(0, 0)),
    };
    let mut m = Migration::new(rel.to_string(), rel.to_string(), framework, text);
    m.history = history.to_string();
    m.issues.push(ParseIssue {
        span,
        message: e.to_string(),
    });
    m
}
