//! Database engines, as file suffixes and folder names name them (`x.mysql.up.sql`,
//! `x.sql.postgres`, `db/migration/SQL_SERVER/`), in any case.

use crate::model::Dialect;
use serde::Serialize;

/// A database engine a migration file is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Engine {
    /// Canonical lower-case name (`postgres`, `cockroach`, `sqlserver`): history keys and
    /// configuration use it.
    pub name: &'static str,
    /// The dialect rollsafe reads its files as; `None`: rollsafe does not read this engine,
    /// and its files are skipped (never read as another engine's SQL).
    #[serde(skip)]
    pub reads_as: Option<Dialect>,
    /// The engine's own name, for messages.
    #[serde(skip)]
    pub label: &'static str,
}

impl Engine {
    const fn new(name: &'static str, reads_as: Option<Dialect>, label: &'static str) -> Self {
        Engine {
            name,
            reads_as,
            label,
        }
    }

    /// The engine whose files an engine falls back to before the generic ones, as ory/popx
    /// does (`.yugabyte.` → `.postgres.` → generic).
    pub fn fallback(self) -> Option<Engine> {
        match self.name {
            "yugabyte" => engine_of("postgres"),
            _ => None,
        }
    }

    /// The engine rollsafe reads files as when they name none (the configured dialect).
    pub fn for_dialect(d: Dialect) -> Engine {
        match d {
            Dialect::Postgres => POSTGRES,
            Dialect::Mysql => MYSQL,
            Dialect::Sqlite => SQLITE,
        }
    }
}

const POSTGRES: Engine = Engine::new("postgres", Some(Dialect::Postgres), "PostgreSQL");
const MYSQL: Engine = Engine::new("mysql", Some(Dialect::Mysql), "MySQL");
const SQLITE: Engine = Engine::new("sqlite", Some(Dialect::Sqlite), "SQLite");

/// Every engine word rollsafe knows, with the engine it names.
const ENGINES: &[(&[&str], Engine)] = &[
    (&["postgres", "postgresql", "pg", "pgsql"], POSTGRES),
    (
        &["cockroach", "cockroachdb", "crdb"],
        Engine::new("cockroach", Some(Dialect::Postgres), "CockroachDB"),
    ),
    (
        &["yugabyte", "yugabytedb"],
        Engine::new("yugabyte", Some(Dialect::Postgres), "YugabyteDB"),
    ),
    (&["mysql"], MYSQL),
    (
        &["mariadb"],
        Engine::new("mariadb", Some(Dialect::Mysql), "MariaDB"),
    ),
    (&["sqlite", "sqlite3"], SQLITE),
    (
        &["sqlserver", "sql_server", "sql-server", "mssql"],
        Engine::new("sqlserver", None, "SQL Server"),
    ),
    (&["db2"], Engine::new("db2", None, "DB2")),
    (&["oracle"], Engine::new("oracle", None, "Oracle")),
    (&["h2"], Engine::new("h2", None, "H2")),
    (&["hsqldb", "hsql"], Engine::new("hsqldb", None, "HSQLDB")),
    (&["derby"], Engine::new("derby", None, "Derby")),
    (
        &["clickhouse"],
        Engine::new("clickhouse", None, "ClickHouse"),
    ),
    (&["redshift"], Engine::new("redshift", None, "Redshift")),
    (&["snowflake"], Engine::new("snowflake", None, "Snowflake")),
    (&["sybase"], Engine::new("sybase", None, "Sybase")),
    (&["firebird"], Engine::new("firebird", None, "Firebird")),
    (&["informix"], Engine::new("informix", None, "Informix")),
];

/// The engine a word names (`POSTGRESQL`, `sql_server`, `sqlite3`), in any case.
pub fn engine_of(word: &str) -> Option<Engine> {
    ENGINES
        .iter()
        .find(|(words, _)| words.iter().any(|w| w.eq_ignore_ascii_case(word)))
        .map(|(_, e)| *e)
}

/// Whether a word names an engine.
pub fn is_engine_word(word: &str) -> bool {
    engine_of(word).is_some()
}

/// The words of every engine, for messages and documentation.
pub fn engine_words() -> impl Iterator<Item = &'static str> {
    ENGINES.iter().flat_map(|(words, _)| words.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_any_case() {
        assert_eq!(engine_of("POSTGRESQL").map(|e| e.name), Some("postgres"));
        assert_eq!(engine_of("SQL_SERVER").map(|e| e.name), Some("sqlserver"));
        assert_eq!(engine_of("MsSql").map(|e| e.name), Some("sqlserver"));
        assert_eq!(
            engine_of("CockroachDB").map(|e| e.reads_as),
            Some(Some(Dialect::Postgres))
        );
        assert_eq!(
            engine_of("MariaDB").map(|e| e.reads_as),
            Some(Some(Dialect::Mysql))
        );
        assert_eq!(engine_of("DB2").map(|e| e.reads_as), Some(None));
        assert_eq!(engine_of("migration"), None);
    }

    #[test]
    fn yugabyte_falls_back_to_postgres() {
        let y = engine_of("yugabytedb").expect("yugabyte");
        assert_eq!(y.fallback().map(|e| e.name), Some("postgres"));
        assert_eq!(engine_of("cockroach").and_then(|e| e.fallback()), None);
    }
}
