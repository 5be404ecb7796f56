//! The SQL frontend: plain SQL migration files, and SQL lifted out of Python migrations.

pub mod flyway_config;
pub mod generic;
pub mod placeholders;
pub mod postgres;
pub mod split;

use crate::discover::{SqlFile, SqlRole};
use crate::model::{
    Change, Dialect, Downgrade, Framework, Migration, Op, ParseIssue, Span, Statement, Transaction,
};
use crate::overrides;
use std::sync::Arc;

/// One statement's operations, each with the span it came from.
#[derive(Debug, Clone, Default)]
pub struct ParsedStatement {
    pub span: Span,
    pub changes: Vec<(Op, Span)>,
}

/// The result of parsing a SQL text.
#[derive(Debug, Clone, Default)]
pub struct ParsedSql {
    pub statements: Vec<ParsedStatement>,
    pub issues: Vec<ParseIssue>,
    /// Comments with their spans, for overrides.
    pub comments: Vec<(Span, String)>,
}

impl ParsedSql {
    /// Moves every span by `by` bytes (the text was a slice of a larger file).
    pub fn shift(self, by: usize) -> Self {
        self.map_spans(|s| s.shift(by))
    }

    /// Applies `f` to every span.
    fn map_spans(mut self, f: impl Fn(Span) -> Span) -> Self {
        for st in &mut self.statements {
            st.span = f(st.span);
            for (_, s) in &mut st.changes {
                *s = f(*s);
            }
        }
        for i in &mut self.issues {
            i.span = f(i.span);
        }
        for (s, _) in &mut self.comments {
            *s = f(*s);
        }
        self
    }
}

/// How a migration file is read beyond its dialect: the placeholders of its project, for its
/// engine.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub placeholders: &'a placeholders::Placeholders,
    /// The engine's canonical name, for per-engine placeholder values.
    pub engine: Option<&'a str>,
}

impl Default for Reading<'static> {
    fn default() -> Self {
        static NONE: std::sync::OnceLock<placeholders::Placeholders> = std::sync::OnceLock::new();
        Reading {
            placeholders: NONE.get_or_init(placeholders::Placeholders::default),
            engine: None,
        }
    }
}

/// Whether a line holds only a SQL comment (so an override above it still reaches the statement
/// below).
pub fn is_sql_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("--") || t.starts_with("/*") || t.starts_with('*')
}

/// dbmate keeps both directions in one file under `-- migrate:up` and `-- migrate:down`.
/// Returns the byte ranges of the up and down sections when the markers are there.
pub fn dbmate_sections(
    text: &str,
) -> Option<(std::ops::Range<usize>, Option<std::ops::Range<usize>>)> {
    let find = |marker: &str| -> Option<(usize, usize)> {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let t = line.trim();
            if t.strip_prefix("--")
                .map(|r| r.trim_start().starts_with(marker))
                .unwrap_or(false)
            {
                return Some((offset, offset + line.len()));
            }
            offset += line.len();
        }
        None
    };
    let (_, up_body) = find("migrate:up")?;
    match find("migrate:down") {
        Some((down_start, down_body)) if down_start >= up_body => {
            Some((up_body..down_start, Some(down_body..text.len())))
        }
        _ => Some((up_body..text.len(), None)),
    }
}

/// Builds the statements, changes and overrides of a migration from parsed SQL.
pub fn fill_migration(m: &mut Migration, parsed: ParsedSql, source: &str) {
    let mut statements: Vec<Statement> = parsed
        .statements
        .iter()
        .map(|s| Statement {
            span: s.span,
            override_index: None,
        })
        .collect();
    m.overrides = overrides::attach(
        source,
        &parsed.comments,
        &mut statements,
        is_sql_comment_line,
    );
    for (i, st) in parsed.statements.into_iter().enumerate() {
        for (op, span) in st.changes {
            m.changes.push(Change {
                op,
                span,
                statement: i,
            });
        }
    }
    m.statements = statements;
    m.issues.extend(parsed.issues);
}

/// Parses SQL text in a dialect.
pub fn parse(text: &str, dialect: Dialect) -> ParsedSql {
    match dialect {
        Dialect::Postgres => postgres::parse(text),
        Dialect::Mysql | Dialect::Sqlite => generic::parse(text, dialect),
    }
}

/// Parses the SQL text of a migration file: its placeholders replaced first, spans mapped back
/// to the text as written.
pub fn parse_with(text: &str, dialect: Dialect, reading: &Reading) -> ParsedSql {
    // Same-length rewrites: spans need no mapping.
    let text = match (dialect, reading.engine) {
        (Dialect::Postgres, Some("cockroach")) => postgres::cockroach::to_postgres(text),
        (Dialect::Mysql, _) => generic::mysql_to_sqlparser(text),
        _ => std::borrow::Cow::Borrowed(text),
    };
    let text: &str = &text;
    match placeholders::substitute(text, dialect, reading.engine, reading.placeholders) {
        Some(sub) => parse(&sub.text, dialect).map_spans(|s| {
            let start = sub.original(s.start, s.start == s.end);
            Span::new(start, sub.original(s.end, true).max(start))
        }),
        None => parse(text, dialect),
    }
}

/// Reads one SQL migration file (already decoded) into a [`Migration`].
pub fn read_sql_migration(
    file: &SqlFile,
    source: Arc<str>,
    dialect: Dialect,
    reading: &Reading,
) -> Migration {
    let mut m = Migration::new(file.id(), file.rel.clone(), Framework::Sql, source.clone());
    m.name = file.rel.rsplit('/').next().unwrap_or(&file.rel).to_string();
    m.history = file.history.clone();
    m.dialect = dialect;
    m.repeatable = file.role == SqlRole::Repeatable;
    let text: &str = &source;
    m.transaction = transaction_of(file, text);
    match dbmate_sections(text) {
        Some((up, down)) => {
            let parsed = parse_with(&text[up.clone()], dialect, reading).shift(up.start);
            fill_migration(&mut m, parsed, text);
            m.downgrade = match down {
                Some(range) => downgrade_from_sql(&text[range], None, dialect, reading),
                None => Downgrade::Absent,
            };
        }
        None => {
            let parsed = parse_with(text, dialect, reading);
            fill_migration(&mut m, parsed, text);
        }
    }
    m
}

/// How the tool the file's layout names runs it (PostgreSQL): dbmate wraps each migration in a
/// transaction unless its `-- migrate:up` line says `transaction:false`; golang-migrate and
/// Prisma send the file as one query; Flyway decides from the statements (and its settings,
/// which the project adds); other files run statement by statement (`psql -f`).
fn transaction_of(file: &SqlFile, text: &str) -> Transaction {
    let name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
    if let Some(up) = text.lines().find(|l| {
        l.trim_start()
            .strip_prefix("--")
            .is_some_and(|r| r.trim_start().starts_with("migrate:up"))
    }) {
        return if up.contains("transaction:false") {
            Transaction::Autocommit {
                by: "dbmate runs it outside a transaction (transaction:false)".into(),
            }
        } else {
            Transaction::Wrapped {
                by: "dbmate runs each migration in a transaction (unless `-- migrate:up \
                     transaction:false`)"
                    .into(),
            }
        };
    }
    if name.ends_with(".up.sql") {
        Transaction::OneQuery {
            by: "golang-migrate".into(),
        }
    } else if name == "migration.sql" {
        Transaction::OneQuery {
            by: "Prisma Migrate".into(),
        }
    } else if name.contains("__")
        && (file.role == SqlRole::Up && name.starts_with('V')
            || file.role == SqlRole::Repeatable && name.starts_with("R__"))
    {
        Transaction::Flyway {
            mixed: false,
            execute_in_transaction: None,
        }
    } else {
        Transaction::Unknown
    }
}

/// A downgrade read from SQL text: empty when it holds no statements.
pub fn downgrade_from_sql(
    text: &str,
    path: Option<std::path::PathBuf>,
    dialect: Dialect,
    reading: &Reading,
) -> Downgrade {
    let parsed = parse_with(text, dialect, reading);
    let changes: Vec<Op> = parsed
        .statements
        .into_iter()
        .flat_map(|s| s.changes.into_iter().map(|(op, _)| op))
        .filter(|op| !matches!(op, Op::Neutral { .. } | Op::Setting { .. }))
        .collect();
    if changes.is_empty() {
        Downgrade::Empty
    } else {
        Downgrade::Present { path, changes }
    }
}
