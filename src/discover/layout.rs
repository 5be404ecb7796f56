//! What a path says about a migration file: its version, role, history and engine, by the
//! layouts real projects use (see the README's layouts table).

use super::{Engine, EngineMark, SqlFile, SqlRole, Version, engine_of, is_engine_word};
use std::path::{Path, PathBuf};

/// Names of folders that hold a history's version folders (`delta/58/`,
/// `migrations/20210101_init/`). A version folder elsewhere (`backups/2021-01-01/`) is not a
/// migration unless its file has a migration's fixed name (`up.sql`, `migration.sql`).
const HISTORY_FOLDER_NAMES: &[&str] = &[
    "migrations",
    "migration",
    "migrate",
    "delta",
    "deltas",
    "schema",
    "schemas",
    "sql",
    "db",
    "database",
    "changes",
    "changelog",
    "changesets",
    "patches",
    "upgrades",
    "upgrade",
    "updates",
    "versions",
    "evolutions",
    "revisions",
];

/// Folders holding per-version schema dumps beside the deltas (`full_schemas/72/`).
const DUMP_FOLDER_NAMES: &[&str] = &[
    "full_schemas",
    "full_schema",
    "baseline",
    "baselines",
    "schema_dumps",
];

/// File names of whole-schema dumps (dbmate `db/schema.sql`, Rails `db/structure.sql`).
const DUMP_FILE_STEMS: &[&str] = &["schema", "structure"];

/// A schema dump found beside a history: the whole schema at one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub path: PathBuf,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    /// The version it stands for when its folder says so (`full_schemas/72/`); `None`: the
    /// dump says it itself (the versions it records in `schema_migrations`), or it is not a
    /// baseline.
    pub version: Option<Version>,
    pub engine: Option<Engine>,
    pub engine_mark: EngineMark,
    /// The folder it sits beside: it stands for the histories in this folder or directly
    /// below it.
    pub beside: String,
}

/// The dot-separated words of a file name, and where `sql` is among them.
struct NameWords<'a> {
    words: Vec<&'a str>,
    sql_at: usize,
}

impl<'a> NameWords<'a> {
    fn new(file_name: &'a str) -> Option<Self> {
        let words: Vec<&str> = file_name.split('.').collect();
        let sql_at = (1..words.len()).find(|&i| words[i].eq_ignore_ascii_case("sql"))?;
        Some(NameWords { words, sql_at })
    }

    /// `name[.engine][.up|.down].sql[.engine]`: the name ends at the first word that is `sql`,
    /// a direction or an engine (`.sqlite3` is not `.sql`).
    fn stem_end(&self) -> usize {
        (1..self.words.len())
            .find(|&i| {
                let w = self.words[i];
                ["sql", "up", "down", "undo"]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(w))
                    || is_engine_word(w)
            })
            .unwrap_or(self.sql_at)
    }

    fn stem(&self) -> String {
        self.words[..self.stem_end()].join(".")
    }

    fn has(&self, word: &str) -> bool {
        self.words[self.stem_end()..]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
    }

    /// The engine the name gives, and whether before or after `.sql`.
    fn engine(&self) -> Option<(Engine, EngineMark)> {
        (self.stem_end()..self.words.len()).find_map(|i| {
            let e = engine_of(self.words[i])?;
            let mark = if i < self.sql_at {
                EngineMark::Name
            } else {
                EngineMark::Suffix
            };
            Some((e, mark))
        })
    }
}

/// The folders of a relative path, and its file name.
fn split_rel(rel: &str) -> (Vec<&str>, &str) {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let file = parts.pop().unwrap_or("");
    (parts, file)
}

fn join(parts: &[&str]) -> String {
    parts.join("/")
}

/// The engine of the nearest folder named after one.
fn folder_engine(dirs: &[&str]) -> Option<Engine> {
    dirs.iter().rev().find_map(|d| engine_of(d))
}

/// Whether `dirs` ends in a version folder inside a folder named like a history's, or at the
/// root (a root pointed at the history folder itself). Returns the version folder's version
/// and description.
fn version_folder<'a>(dirs: &[&'a str], any_parent: bool) -> Option<(Version, &'a str)> {
    let (folder, above) = dirs.split_last()?;
    let (v, desc) = Version::parse_folder(folder)?;
    let parent_ok = any_parent
        || above.last().is_none_or(|p| {
            HISTORY_FOLDER_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(p))
        });
    parent_ok.then_some((v, desc))
}

/// Tells whether a path names a SQL migration, and which. `rel` is relative to the root.
pub fn classify_sql(path: &Path, rel: &str) -> Option<SqlFile> {
    let file_name = path.file_name()?.to_str()?;
    let name = NameWords::new(file_name)?;
    let (dirs, _) = split_rel(rel);
    let stem = name.stem();
    let mut role = if name.has("down") || name.has("undo") {
        SqlRole::Down
    } else {
        SqlRole::Up
    };
    let (engine, engine_mark) = match name.engine() {
        Some((e, m)) => (Some(e), m),
        None => match folder_engine(&dirs) {
            Some(e) => (Some(e), EngineMark::Folder),
            None => (None, EngineMark::None),
        },
    };
    let mut file = SqlFile {
        path: path.to_path_buf(),
        rel: rel.to_string(),
        role,
        version: None,
        description: String::new(),
        history: join(&dirs),
        engine,
        engine_mark,
        in_version_folder: false,
        code: false,
    };
    let flyway = |prefix: char| -> Option<(Version, String)> {
        let rest = stem.strip_prefix(prefix)?;
        let (v, tail) = Version::parse_prefix(rest)?;
        let desc = tail.strip_prefix("__")?;
        Some((v, desc.to_string()))
    };
    let flyway_file = if let Some(desc) = stem.strip_prefix("R__") {
        Some((SqlRole::Repeatable, None, desc.to_string()))
    } else if let Some((v, d)) = flyway('V') {
        Some((role, Some(v), d))
    } else if let Some((v, d)) = flyway('U') {
        Some((SqlRole::Down, Some(v), d))
    } else {
        flyway('B').map(|(v, d)| (SqlRole::Baseline, Some(v), d))
    };
    if let Some((r, v, d)) = flyway_file {
        // Flyway reads its locations recursively: version subfolders hold files of one history.
        if dirs.len() > 1 && version_folder(&dirs, true).is_some() {
            file.history = join(&dirs[..dirs.len() - 1]);
        }
        file.role = r;
        file.version = v;
        file.description = d;
        return Some(file);
    }
    let fixed = match stem.to_ascii_lowercase().as_str() {
        "up" | "migration" | "forward" => Some(SqlRole::Up),
        "down" | "rollback" | "backward" => Some(SqlRole::Down),
        _ => None,
    };
    if let Some((v, desc)) = version_folder(&dirs, fixed.is_some()) {
        if let Some(r) = fixed {
            role = r;
        }
        file.role = role;
        file.version = Some(v);
        file.description = if desc.is_empty() {
            stem.clone()
        } else {
            desc.to_string()
        };
        file.history = join(&dirs[..dirs.len() - 1]);
        file.in_version_folder = true;
        return Some(file);
    }
    let (v, tail) = Version::parse_prefix(&stem)?;
    file.description = tail.trim_start_matches(['_', '-', '.']).to_string();
    file.version = Some(v);
    Some(file)
}

/// A Python module among the SQL files of a version folder (Synapse's `delta/58/x.py`): a
/// migration step whose effect is project code.
pub fn classify_code(path: &Path, rel: &str) -> Option<SqlFile> {
    let file_name = path.file_name()?.to_str()?;
    let stem = file_name.strip_suffix(".py")?;
    if stem.starts_with("__") {
        return None;
    }
    let (dirs, _) = split_rel(rel);
    let (v, _) = version_folder(&dirs, false)?;
    Some(SqlFile {
        path: path.to_path_buf(),
        rel: rel.to_string(),
        role: SqlRole::Up,
        version: Some(v),
        description: stem.to_string(),
        history: join(&dirs[..dirs.len() - 1]),
        engine: None,
        engine_mark: EngineMark::None,
        in_version_folder: true,
        code: true,
    })
}

/// Tells whether a path is a schema dump beside a history (see [`Dump`]).
pub fn classify_dump(path: &Path, rel: &str) -> Option<Dump> {
    let file_name = path.file_name()?.to_str()?;
    let name = NameWords::new(file_name)?;
    let (dirs, _) = split_rel(rel);
    let (engine, engine_mark) = match name.engine() {
        Some((e, m)) => (Some(e), m),
        None => (None, EngineMark::None),
    };
    if dirs.len() >= 2 {
        let (above, folder) = dirs.split_at(dirs.len() - 1);
        if let Some(dump_dir) = above.last()
            && DUMP_FOLDER_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(dump_dir))
            && let Some((v, _)) = Version::parse_folder(folder[0])
        {
            return Some(Dump {
                path: path.to_path_buf(),
                rel: rel.to_string(),
                version: Some(v),
                engine,
                engine_mark,
                beside: join(&above[..above.len() - 1]),
            });
        }
    }
    let stem = name.stem().to_ascii_lowercase();
    DUMP_FILE_STEMS.contains(&stem.as_str()).then(|| Dump {
        path: path.to_path_buf(),
        rel: rel.to_string(),
        version: None,
        engine,
        engine_mark,
        beside: join(&dirs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(rel: &str) -> Option<SqlFile> {
        classify_sql(Path::new(rel), rel)
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
        // Flyway reads version subfolders of its location as one history.
        let sub = c("db/migration/1.0/V1_0_1__x.sql").expect("subfolder");
        assert_eq!(
            (sub.history.as_str(), sub.id().as_str()),
            ("db/migration", "1_0_1")
        );
    }

    #[test]
    fn golang_migrate_and_dialect_suffixes() {
        let up = c("migrations/0001_init.up.sql").expect("up");
        assert_eq!((up.role, up.id().as_str()), (SqlRole::Up, "0001"));
        let down = c("migrations/0001_init.down.sql").expect("down");
        assert_eq!(down.role, SqlRole::Down);
        let pg = c("migrations/0001_init.postgres.up.sql").expect("dialect up");
        assert_eq!(pg.description, "init");
        assert_eq!(pg.engine_mark, EngineMark::Name);
        let sq = c("migrations/0002_x.sql.sqlite").expect("dialect after .sql");
        assert_eq!(sq.id(), "0002");
        assert_eq!(sq.engine_mark, EngineMark::Suffix);
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
        assert!(p.in_version_folder);
        let d = c("migrations/2020-01-01-000000_create_users/down.sql").expect("diesel down");
        assert_eq!(d.role, SqlRole::Down);
        let t = c("db/migrations/20151129054053_test_migration.sql").expect("dbmate");
        assert_eq!(t.id(), "20151129054053");
        assert!(!t.in_version_folder);
    }

    #[test]
    fn version_folders_hold_files_of_any_name() {
        let s = c("storage/schema/main/delta/58/users.sql.postgres").expect("synapse delta");
        assert_eq!(s.history, "storage/schema/main/delta");
        assert_eq!(s.id(), "58");
        assert!(s.in_version_folder);
        assert_eq!(s.engine.map(|e| e.name), Some("postgres"));
        // The folder's version, not the file's own number.
        let n = c("main/delta/58/01foo.sql").expect("numbered file in a version folder");
        assert_eq!((n.id().as_str(), n.history.as_str()), ("58", "main/delta"));
        // A dated folder that is no history's is not a migration.
        assert!(c("backups/2021-01-01/dump.sql").is_none());
        let code = classify_code(Path::new("main/delta/58/06x.py"), "main/delta/58/06x.py");
        assert!(code.is_some_and(|f| f.code && f.history == "main/delta"));
        assert!(
            classify_code(
                Path::new("app/migrations/0001_x.py"),
                "app/migrations/0001_x.py"
            )
            .is_none()
        );
    }

    #[test]
    fn engines_from_names_and_folders() {
        let e = |rel: &str| c(rel).and_then(|f| f.engine).map(|e| e.name);
        assert_eq!(e("m/0001_init.mysql.up.sql"), Some("mysql"));
        assert_eq!(e("m/0001_init.sqlite3.up.sql"), Some("sqlite"));
        assert_eq!(e("m/0001_init.sql.sqlite"), Some("sqlite"));
        assert_eq!(e("m/0001_init.cockroach.up.sql"), Some("cockroach"));
        assert_eq!(e("db/mysql/V1__init.sql"), Some("mysql"));
        assert_eq!(e("db/h2/V1__init.sql"), Some("h2"));
        assert_eq!(e("db/migration/SQL_SERVER/V1__init.sql"), Some("sqlserver"));
        assert_eq!(e("db/migration/DB2/V1__init.sql"), Some("db2"));
        assert_eq!(e("db/migration/V1__init.sql"), None);
    }

    #[test]
    fn dumps_beside_deltas() {
        let d = |rel: &str| classify_dump(Path::new(rel), rel);
        let full = d("schema/main/full_schemas/72/full.sql.postgres").expect("synapse dump");
        assert_eq!(full.version.map(|v| v.text), Some("72".into()));
        assert_eq!(full.beside, "schema/main");
        assert_eq!(full.engine.map(|e| e.name), Some("postgres"));
        let s = d("db/schema.sql").expect("dbmate dump");
        assert_eq!((s.beside.as_str(), s.version), ("db", None));
        assert!(d("db/migrations/0001_init.sql").is_none());
    }

    #[test]
    fn not_migrations() {
        assert!(c("db/schema.sql").is_none());
        assert!(c("db/seed/users.sql").is_none());
        assert!(c("README.md").is_none());
    }
}
