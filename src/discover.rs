//! Finding migration files under a project root and telling what each one is.
//!
//! Discovery walks with `ignore`, so `.gitignore`d paths are skipped as users expect, and it
//! never descends into virtualenvs, `site-packages` or `node_modules` even when they are not
//! ignored (Django's own `contrib` migrations are not the project's). Folders of test data and
//! vendored code (`testdata`, `fixtures`, `stub`, `vendor`…) are walked but their migrations
//! are set aside and counted, never mixed into the project's histories. A path named on the
//! command line is always read.

mod engine;
mod layout;

pub use engine::{Engine, engine_of, engine_words, is_engine_word};
pub use layout::{Dump, classify_code, classify_dump, classify_sql};

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

    /// A whole name that is a version, optionally followed by a description (`58`,
    /// `20210101120000_init`, `2020-01-01-000000_create_users`): a version folder's name.
    pub fn parse_folder(name: &str) -> Option<(Version, &str)> {
        let (v, tail) = Version::parse_prefix(name)?;
        if tail.is_empty() {
            return Some((v, ""));
        }
        let desc = tail.strip_prefix(['_', '-', '.'])?;
        (!desc.is_empty()).then_some((v, desc))
    }
}

/// Where a file names its engine, which decides how it combines with the files that name
/// none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EngineMark {
    /// No engine: the file applies to every engine of its history.
    None,
    /// In the name before the extension (`x.mysql.up.sql`, `x.postgres.sql`): as ory/popx
    /// reads them, it replaces the generic file of the same version for that engine.
    Name,
    /// After `.sql` (`x.sql.postgres`): as Synapse reads them, it is applied besides the
    /// generic files.
    Suffix,
    /// A folder named after the engine (`db/migration/POSTGRESQL/`).
    Folder,
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
    /// Where the engine is named.
    pub engine_mark: EngineMark,
    /// The file lies in a folder named by its version (`delta/58/users.sql`,
    /// `20210101_init/migration.sql`): the files of one folder ship together, in name order.
    pub in_version_folder: bool,
    /// Project code among SQL deltas (Synapse's `delta/58/x.py`): it runs at migration time
    /// and what it does to the schema cannot be seen.
    pub code: bool,
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

/// Folders of test data and vendored code: migrations under them are a tool's test cases or
/// another project's, not this project's histories. Discovery sets them aside (and counts
/// them); naming one on the command line, pointing `--root` or `[[roots]]` into one reads it.
pub const SET_ASIDE_DIRS: &[&str] = &[
    "testdata",
    "test_data",
    "test-data",
    "fixtures",
    "__fixtures__",
    "stub",
    "stubs",
    "vendor",
    "third_party",
    "third-party",
];

/// Whether a folder name marks test data or vendored code (see [`SET_ASIDE_DIRS`]).
pub fn is_set_aside_dir(name: &str) -> bool {
    SET_ASIDE_DIRS.iter().any(|d| d.eq_ignore_ascii_case(name))
}

/// Everything discovery found under a root.
#[derive(Debug, Default)]
pub struct Discovered {
    pub sql: Vec<SqlFile>,
    /// Schema dumps that may stand for a history's early versions (Synapse's
    /// `full_schemas/72/full.sql.postgres`, dbmate's `db/schema.sql`).
    pub dumps: Vec<Dump>,
    /// Every file walked (relative, `/`-separated): the Python frontends find their
    /// environments and apps in it.
    pub files: Vec<String>,
    /// SQL migrations under test-data or vendored folders, set aside (relative paths).
    pub set_aside: Vec<String>,
    /// Paths that could not be walked (permission denied, broken links), with the reason.
    pub walk_errors: Vec<(String, String)>,
}

impl Discovered {
    /// Classifies one file (relative to the root); `below_start` is its path below the folder
    /// the walk started in, whose folders decide whether it is set aside.
    fn add(&mut self, root: &Path, rel: &str, below_start: &str, set_aside: bool) {
        let path = root.join(rel);
        let aside = set_aside && {
            let mut dirs: Vec<&str> = below_start.split('/').collect();
            dirs.pop();
            dirs.iter().any(|d| is_set_aside_dir(d))
        };
        if let Some(d) = classify_dump(&path, rel) {
            if !aside {
                self.dumps.push(d);
            }
        } else if let Some(f) = classify_sql(&path, rel).or_else(|| classify_code(&path, rel)) {
            if aside {
                if !f.code {
                    self.set_aside.push(rel.to_string());
                }
            } else {
                self.sql.push(f);
            }
        }
        if !aside {
            self.files.push(rel.to_string());
        }
    }

    fn finish(&mut self) {
        self.sql.sort_by(|a, b| a.rel.cmp(&b.rel));
        self.sql.dedup_by(|a, b| a.rel == b.rel);
        self.dumps.sort_by(|a, b| a.rel.cmp(&b.rel));
        self.dumps.dedup_by(|a, b| a.rel == b.rel);
        self.files.sort();
        self.files.dedup();
        let read: std::collections::BTreeSet<&str> =
            self.sql.iter().map(|f| f.rel.as_str()).collect();
        self.set_aside.sort();
        self.set_aside.dedup();
        self.set_aside.retain(|r| !read.contains(r.as_str()));
    }
}

/// What to walk: the whole root, or only some folders of it; and what never to read.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Folders relative to the root; empty means the whole root.
    pub roots: Vec<String>,
    /// Patterns matched against paths relative to the root.
    pub exclude: Option<globset::GlobSet>,
    /// Files or folders named on the command line (absolute): read whatever `.gitignore`,
    /// `exclude` or the test-data folders say, with the rest of their history.
    pub named: Vec<PathBuf>,
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
        walk(root, &start, opts.exclude.as_ref(), true, &mut found);
    }
    add_named(root, &opts.named, &mut found);
    found.finish();
    found
}

/// Classifies the files of a listing (a git tree at some revision) as a walk of the whole root
/// would: the same folders left out, the same set aside.
pub fn discover_listing(root: &Path, paths: &[String]) -> Discovered {
    let venvs: Vec<&str> = paths
        .iter()
        .filter_map(|p| p.strip_suffix("/pyvenv.cfg"))
        .collect();
    let mut found = Discovered::default();
    for p in paths {
        let mut dirs: Vec<&str> = p.split('/').collect();
        dirs.pop();
        if dirs.iter().any(|d| is_excluded_dir(d))
            || venvs.iter().any(|v| p.starts_with(&format!("{v}/")))
        {
            continue;
        }
        found.add(root, p, p, true);
    }
    found.finish();
    found
}

/// Named paths discovery left out (ignored, excluded, set aside): a named file is read with
/// the other files of its history, a named folder whole.
fn add_named(root: &Path, named: &[PathBuf], found: &mut Discovered) {
    for p in named {
        let rel = relative(root, p);
        if p.is_dir() {
            walk(root, p, None, false, found);
            continue;
        }
        if !p.is_file() || found.files.contains(&rel) {
            continue;
        }
        let history = classify_sql(p, &rel)
            .or_else(|| classify_code(p, &rel))
            .map(|f| f.history);
        let folder = match &history {
            Some(h) => root.join(h),
            None => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let mut siblings = Discovered::default();
        walk(root, &folder, None, false, &mut siblings);
        found.sql.extend(
            siblings
                .sql
                .into_iter()
                .filter(|f| Some(&f.history) == history.as_ref()),
        );
        found.files.extend(siblings.files);
        found.files.push(rel);
    }
}

fn walk(
    root: &Path,
    start: &Path,
    exclude: Option<&globset::GlobSet>,
    ignore_files: bool,
    found: &mut Discovered,
) {
    let exclude = exclude.cloned();
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(start)
        .standard_filters(ignore_files)
        .hidden(false)
        .git_global(false)
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
        let below = relative(start, entry.path());
        found.add(root, &rel, &below, ignore_files);
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

    #[test]
    fn versions_order_numerically() {
        assert!(v("9") < v("10"));
        assert!(v("1_9") < v("1_10"));
        assert!(v("1.2") < v("1.10"));
        assert!(v("0002") < v("0010"));
        assert!(v("2020-01-01-000000") < v("2020-01-02-000000"));
    }

    #[test]
    fn folder_names_that_are_versions() {
        assert_eq!(
            Version::parse_folder("58").map(|(v, d)| (v.text, d)),
            Some(("58".into(), ""))
        );
        assert_eq!(
            Version::parse_folder("20210101120000_init").map(|(v, d)| (v.text, d)),
            Some(("20210101120000".into(), "init"))
        );
        assert!(Version::parse_folder("v12").is_none());
        assert!(Version::parse_folder("2fa").is_none());
    }

    fn walk_tree(files: &[&str], named: &[&str]) -> Discovered {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "SELECT 1;\n").expect("write");
        }
        let opts = Options {
            named: named.iter().map(|n| dir.path().join(n)).collect(),
            ..Options::default()
        };
        discover_with(dir.path(), &opts)
    }

    #[test]
    fn test_data_and_vendored_folders_are_set_aside() {
        let found = walk_tree(
            &[
                "db/migrations/0001_init.up.sql",
                "db/migratest/testdata/0001_rows.sql",
                "lib/popx/stub/migrations/0001_x.up.sql",
                "vendor/github.com/x/migrations/0001_y.sql",
            ],
            &[],
        );
        let read: Vec<&str> = found.sql.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(read, ["db/migrations/0001_init.up.sql"]);
        assert_eq!(found.set_aside.len(), 3, "{:?}", found.set_aside);
    }

    #[test]
    fn a_named_file_set_aside_is_read_with_its_history() {
        let found = walk_tree(
            &["t/testdata/m/0001_a.sql", "t/testdata/m/0002_b.sql"],
            &["t/testdata/m/0002_b.sql"],
        );
        let read: Vec<&str> = found.sql.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(read, ["t/testdata/m/0001_a.sql", "t/testdata/m/0002_b.sql"]);
        assert!(found.set_aside.is_empty());
    }
}
