//! Finding migration files under a project root and telling what each one is.
//!
//! Discovery walks with `ignore`, so `.gitignore`d paths are skipped as users expect, and it
//! never descends into virtualenvs, `site-packages` or `node_modules` even when they are not
//! ignored (Django's own `contrib` migrations are not the project's).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// What role a SQL file plays in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SqlRole {
    /// A forward migration.
    Up,
    /// golang-migrate `.down.sql`, diesel `down.sql`, Flyway `U…` undo: the downgrade of the
    /// migration with the same version.
    Down,
    /// Flyway `R__x.sql`: re-run whenever it changes, after the versioned ones.
    Repeatable,
    /// Flyway `B…`: a baseline that stands for every version up to its own.
    Baseline,
}

/// A version such as `1_2`, `0001`, `20240101120000` or `2020-01-01-000000`, compared
/// numerically part by part (`V10` after `V9`, `1.10` after `1.9`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub text: String,
    pub parts: Vec<u128>,
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Version {
    /// Reads the leading version of a name: digits separated by `.`, `_` or `-` (the
    /// separators that never start a description are only followed when a digit comes next).
    pub fn parse_prefix(s: &str) -> Option<(Version, &str)> {
        let bytes = s.as_bytes();
        if !bytes.first().is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut parts = Vec::new();
        let mut i = 0;
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // Very long digit runs are still ordered correctly: compare by length then digits.
            let digits = &s[start..i];
            let value = digits.parse::<u128>().unwrap_or(u128::MAX);
            parts.push(value);
            let sep = bytes.get(i).copied();
            let next_is_digit = bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit());
            // `__` ends a Flyway version; a single `_`/`.`/`-` followed by a digit continues it.
            if matches!(sep, Some(b'.') | Some(b'_') | Some(b'-'))
                && next_is_digit
                && !s[i..].starts_with("__")
            {
                i += 1;
                continue;
            }
            break;
        }
        Some((
            Version {
                text: s[..i].to_string(),
                parts,
            },
            &s[i..],
        ))
    }
}

/// A SQL migration file found by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFile {
    pub path: PathBuf,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    pub role: SqlRole,
    /// `None` only for repeatable migrations.
    pub version: Option<Version>,
    /// The description part of the name (`add_users` in `V2__add_users.sql`).
    pub description: String,
    /// The folder whose files form one history.
    pub history: String,
    /// The database engine the file's name or folder names, if any.
    pub engine: Option<Engine>,
}

/// A database engine named by a file or folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    Known(crate::model::Dialect),
    /// An engine rollsafe does not read (h2, mssql, oracle…): such files are skipped, never read
    /// as another engine's SQL.
    Other(String),
}

/// The engine an engine word names.
pub fn engine_of(word: &str) -> Option<Engine> {
    use crate::model::Dialect;
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "postgres" | "postgresql" | "pg" | "cockroach" | "cockroachdb" => {
            Engine::Known(Dialect::Postgres)
        }
        "mysql" | "mariadb" => Engine::Known(Dialect::Mysql),
        "sqlite" | "sqlite3" => Engine::Known(Dialect::Sqlite),
        _ if DIALECT_WORDS.contains(&w.as_str()) => Engine::Other(w),
        _ => return None,
    })
}

/// The engine of a migration file: a word of its name (`x.mysql.up.sql`, `x.sql.sqlite`), else
/// the nearest folder named after an engine (`migrations/mysql/0001_x.sql`).
fn engine_of_path(rel: &str) -> Option<Engine> {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let file = parts.pop().unwrap_or("");
    file.split('.')
        .skip(1)
        .find_map(engine_of)
        .or_else(|| parts.iter().rev().find_map(|d| engine_of(d)))
}

impl SqlFile {
    /// The migration id users type (`rollsafe rollback 2`): the version, or `R__name` for a
    /// repeatable migration.
    pub fn id(&self) -> String {
        match &self.version {
            Some(v) => v.text.clone(),
            None => format!("R__{}", self.description),
        }
    }
}

/// Directory names discovery never enters.
pub fn is_excluded_dir(name: &str) -> bool {
    matches!(
        name,
        ".git"
            | "node_modules"
            | "site-packages"
            | "dist-packages"
            | "__pycache__"
            | ".venv"
            | "venv"
            | ".tox"
            | ".nox"
            | ".mypy_cache"
            | "target"
            | ".hg"
            | ".svn"
    )
}

/// Tells whether a path names a SQL migration, and which. `rel` is relative to the root.
pub fn classify_sql(path: &Path, rel: &str) -> Option<SqlFile> {
    let file_name = path.file_name()?.to_str()?;
    // `name[.engine][.up|.down].sql[.engine]`: the name ends at the first dot-separated word that
    // is `sql`, a direction or an engine (`.sqlite3` is not `.sql`).
    let words: Vec<&str> = file_name.split('.').collect();
    if !words.iter().skip(1).any(|w| w.eq_ignore_ascii_case("sql")) {
        return None;
    }
    let is_special = |w: &str| {
        ["sql", "up", "down", "undo"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(w))
            || DIALECT_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w))
    };
    let first_special = (1..words.len()).find(|&i| is_special(words[i]))?;
    let stem_len = words[..first_special].join(".").len();
    let stem = &file_name[..stem_len];
    let parent_rel = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let tail = &words[first_special..];
    let has = |x: &str| tail.iter().any(|w| w.eq_ignore_ascii_case(x));
    let mut role = if has("down") || has("undo") {
        SqlRole::Down
    } else {
        SqlRole::Up
    };
    let stem = strip_dialect_suffix(stem);

    // Flyway prefixes.
    let flyway = |prefix: char| -> Option<(Version, String)> {
        let rest = stem.strip_prefix(prefix)?;
        let (v, tail) = Version::parse_prefix(rest)?;
        let desc = tail.strip_prefix("__")?;
        Some((v, desc.to_string()))
    };
    let mut history = parent_rel.to_string();
    let (version, description) = if let Some(desc) = stem.strip_prefix("R__") {
        role = SqlRole::Repeatable;
        (None, desc.to_string())
    } else if let Some((v, d)) = flyway('V') {
        (Some(v), d)
    } else if let Some((v, d)) = flyway('U') {
        role = SqlRole::Down;
        (Some(v), d)
    } else if let Some((v, d)) = flyway('B') {
        role = SqlRole::Baseline;
        (Some(v), d)
    } else if let Some((v, tail)) = Version::parse_prefix(stem) {
        let desc = tail.trim_start_matches(['_', '-', '.']).to_string();
        (Some(v), desc)
    } else {
        // Numbered folders: `migrations/0001_init/up.sql`, `…/20210101_init/migration.sql`.
        let (grand_rel, folder) = match parent_rel.rsplit_once('/') {
            Some((g, f)) => (g, f),
            None => ("", parent_rel),
        };
        let (v, tail) = Version::parse_prefix(folder)?;
        let name = stem.to_ascii_lowercase();
        match name.as_str() {
            "up" | "migration" | "forward" => {}
            "down" | "rollback" | "backward" => role = SqlRole::Down,
            _ => return None,
        }
        history = grand_rel.to_string();
        let desc = tail.trim_start_matches(['_', '-', '.']).to_string();
        (Some(v), desc)
    };
    Some(SqlFile {
        path: path.to_path_buf(),
        rel: rel.to_string(),
        role,
        version,
        description,
        history,
        engine: engine_of_path(rel),
    })
}

/// Engine names used as file-name suffixes (`0001_init.postgres.up.sql`).
pub const DIALECT_WORDS: &[&str] = &[
    "postgres",
    "postgresql",
    "pg",
    "mysql",
    "mariadb",
    "sqlite",
    "sqlite3",
    "cockroach",
    "cockroachdb",
    "h2",
    "mssql",
    "sqlserver",
    "oracle",
    "clickhouse",
];

fn strip_dialect_suffix(stem: &str) -> &str {
    if let Some((head, tail)) = stem.rsplit_once('.')
        && DIALECT_WORDS.iter().any(|w| w.eq_ignore_ascii_case(tail))
    {
        return head;
    }
    stem
}

/// Everything discovery found under a root.
#[derive(Debug, Default)]
pub struct Discovered {
    pub sql: Vec<SqlFile>,
    /// Every file walked (relative, `/`-separated): the Python frontends find their
    /// environments and apps in it.
    pub files: Vec<String>,
    /// Paths that could not be walked (permission denied, broken links), with the reason.
    pub walk_errors: Vec<(String, String)>,
}

/// What to walk: the whole root, or only some folders of it; and what never to read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Folders relative to the root; empty means the whole root.
    pub roots: Vec<String>,
    /// Patterns matched against paths relative to the root.
    pub exclude: Option<globset::GlobSet>,
}

/// Walks `root` for migration files.
pub fn discover(root: &Path) -> Discovered {
    discover_with(root, &Options::default())
}

/// Walks `root` (or the configured folders of it) for migration files.
pub fn discover_with(root: &Path, opts: &Options) -> Discovered {
    let mut found = Discovered::default();
    let starts: Vec<PathBuf> = if opts.roots.is_empty() {
        vec![root.to_path_buf()]
    } else {
        opts.roots.iter().map(|r| root.join(r)).collect()
    };
    for start in starts {
        if !start.exists() {
            found.walk_errors.push((
                relative(root, &start),
                "configured migration root does not exist".to_string(),
            ));
            continue;
        }
        walk(root, &start, opts, &mut found);
    }
    found.sql.sort_by(|a, b| a.rel.cmp(&b.rel));
    found.sql.dedup_by(|a, b| a.rel == b.rel);
    found.files.sort();
    found.files.dedup();
    found
}

fn walk(root: &Path, start: &Path, opts: &Options, found: &mut Discovered) {
    let exclude = opts.exclude.clone();
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(start)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .parents(false)
        .filter_entry(move |e| {
            if let Some(ex) = &exclude {
                let rel = relative(&root_owned, e.path());
                if !rel.is_empty() && ex.is_match(&rel) {
                    return false;
                }
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && e.depth() > 0 && {
                let name = e.file_name().to_string_lossy();
                is_excluded_dir(&name) || is_virtualenv(e.path())
            })
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = match &err {
                    ignore::Error::WithPath { path, .. } => relative(root, path),
                    _ => String::new(),
                };
                found.walk_errors.push((path, err.to_string()));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = relative(root, entry.path());
        if let Some(f) = classify_sql(entry.path(), &rel) {
            found.sql.push(f);
        }
        found.files.push(rel);
    }
}

/// A virtualenv has a `pyvenv.cfg` at its top, whatever the folder is called.
fn is_virtualenv(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    s.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse_prefix(s).map(|(v, _)| v).unwrap_or(Version {
            text: String::new(),
            parts: vec![],
        })
    }

    fn c(rel: &str) -> Option<SqlFile> {
        classify_sql(Path::new(rel), rel)
    }

    #[test]
    fn versions_order_numerically() {
        assert!(v("9") < v("10"));
        assert!(v("1_9") < v("1_10"));
        assert!(v("1.2") < v("1.10"));
        assert!(v("0002") < v("0010"));
        assert!(v("2020-01-01-000000") < v("2020-01-02-000000"));
    }

    #[test]
    fn flyway_names() {
        let f = c("db/migration/V1_2__add_users.sql").expect("flyway versioned");
        assert_eq!(f.role, SqlRole::Up);
        assert_eq!(f.id(), "1_2");
        assert_eq!(f.version.expect("version").parts, vec![1, 2]);
        assert_eq!(f.description, "add_users");
        assert_eq!(f.history, "db/migration");
        let r = c("db/migration/R__views.sql").expect("repeatable");
        assert_eq!(r.role, SqlRole::Repeatable);
        let b = c("db/migration/B5__baseline.sql").expect("baseline");
        assert_eq!(b.role, SqlRole::Baseline);
        let u = c("db/migration/U3__undo.sql").expect("undo");
        assert_eq!(u.role, SqlRole::Down);
    }

    #[test]
    fn golang_migrate_and_dialect_suffixes() {
        let up = c("migrations/0001_init.up.sql").expect("up");
        assert_eq!((up.role, up.id().as_str()), (SqlRole::Up, "0001"));
        let down = c("migrations/0001_init.down.sql").expect("down");
        assert_eq!(down.role, SqlRole::Down);
        let pg = c("migrations/0001_init.postgres.up.sql").expect("dialect up");
        assert_eq!(pg.description, "init");
        let sq = c("migrations/0002_x.sql.sqlite").expect("dialect after .sql");
        assert_eq!(sq.id(), "0002");
        // `.sqlite3` must not be mistaken for the `.sql` extension.
        let d3 = c("migrations/0003_x.sqlite3.down.sql").expect("sqlite3 down");
        assert_eq!((d3.role, d3.description.as_str()), (SqlRole::Down, "x"));
        let f = c("db/V1.2__dotted.sql").expect("dotted flyway version");
        assert_eq!(f.id(), "1.2");
    }

    #[test]
    fn numbered_folders_and_timestamps() {
        let p = c("prisma/migrations/20210101120000_init/migration.sql").expect("prisma");
        assert_eq!(p.history, "prisma/migrations");
        assert_eq!(p.id(), "20210101120000");
        let d = c("migrations/2020-01-01-000000_create_users/down.sql").expect("diesel down");
        assert_eq!(d.role, SqlRole::Down);
        let t = c("db/migrations/20151129054053_test_migration.sql").expect("dbmate");
        assert_eq!(t.id(), "20151129054053");
    }

    #[test]
    fn engines_from_names_and_folders() {
        use crate::model::Dialect;
        let e = |rel: &str| c(rel).and_then(|f| f.engine);
        assert_eq!(
            e("m/0001_init.mysql.up.sql"),
            Some(Engine::Known(Dialect::Mysql))
        );
        assert_eq!(
            e("m/0001_init.sqlite3.up.sql"),
            Some(Engine::Known(Dialect::Sqlite))
        );
        assert_eq!(
            e("m/0001_init.sql.sqlite"),
            Some(Engine::Known(Dialect::Sqlite))
        );
        assert_eq!(
            e("m/0001_init.cockroach.up.sql"),
            Some(Engine::Known(Dialect::Postgres))
        );
        assert_eq!(
            e("db/mysql/V1__init.sql"),
            Some(Engine::Known(Dialect::Mysql))
        );
        assert_eq!(e("db/h2/V1__init.sql"), Some(Engine::Other("h2".into())));
        assert_eq!(e("db/migration/V1__init.sql"), None);
    }

    #[test]
    fn not_migrations() {
        assert!(c("db/schema.sql").is_none());
        assert!(c("db/seed/users.sql").is_none());
        assert!(c("README.md").is_none());
        assert!(c("migrations/0001_init/notes.sql").is_none());
    }
}
