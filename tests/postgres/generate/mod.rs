//! A seeded generator of PostgreSQL migration statements over every DDL kind of rollsafe's
//! model: tables (serial, identity, uuid keys; inline and table constraints; quoted and very
//! long names), columns (add with defaults, NOT NULL, inline UNIQUE/CHECK/REFERENCES, identity,
//! generated; drop with CASCADE; rename; type changes that widen, narrow or convert with
//! USING; nullability and defaults), constraints (primary key, unique, check, foreign key,
//! exclusion; named and unnamed; NOT VALID, VALIDATE, RENAME, USING INDEX, DROP IF EXISTS),
//! indexes (unique, partial, expression, multi-column, CONCURRENTLY, IF NOT EXISTS; drop and
//! rename), views and materialized views, enum types and their values, moves to another
//! schema, data changes, comments and grants — each sometimes wrapped in a `DO` block, static
//! or `EXECUTE '…'`, and several column actions sometimes joined into one `ALTER TABLE`.
//!
//! It reads the state it builds on from the database catalog and proposes a statement; the
//! caller keeps the statements PostgreSQL accepts. So the generator never has to predict
//! PostgreSQL's naming or dependency rules (which is what the oracle checks rollsafe on), and
//! every kept statement is valid where it stands.

mod proposals;

use super::catalog::{Column, Schema, Table};
use crate::common::corpus::Rng;

pub struct Proposal {
    pub sql: String,
    pub kind: &'static str,
    /// CONCURRENTLY cannot run inside a transaction block.
    pub transactional: bool,
}

const TABLE_WORDS: &[&str] = &[
    "account", "invoice", "payment", "customer", "product", "shipment", "ticket", "session",
    "audit", "coupon", "review", "address", "plan", "team", "project", "report", "ledger",
];
const COLUMN_WORDS: &[&str] = &[
    "note",
    "amount",
    "status",
    "email",
    "title",
    "code",
    "score",
    "kind",
    "label",
    "priority",
    "flag",
    "starts_at",
    "payload",
    "tags",
    "ref_id",
    "counter",
    "price",
    "quantity",
    "slug",
];
const MIXED_WORDS: &[&str] = &["DisplayName", "Ledger", "AuditLog", "ExternalRef", "Qty"];

/// Column types as the generator writes them: (canonical form as the catalog reports it, the
/// spellings to write it with, a literal default).
const TYPES: &[(&str, &[&str], &str)] = &[
    ("integer", &["integer", "int", "int4"], "0"),
    ("bigint", &["bigint", "int8"], "0"),
    ("smallint", &["smallint", "int2"], "1"),
    ("numeric(10,2)", &["numeric(10,2)", "decimal(10,2)"], "0"),
    ("numeric", &["numeric"], "0"),
    ("real", &["real", "float4"], "0"),
    (
        "double precision",
        &["double precision", "float8", "float"],
        "0",
    ),
    ("text", &["text"], "''"),
    (
        "varchar(100)",
        &["varchar(100)", "character varying(100)"],
        "'x'",
    ),
    ("varchar(20)", &["varchar(20)"], "'x'"),
    ("char(4)", &["char(4)", "character(4)"], "'abcd'"),
    ("boolean", &["boolean", "bool"], "false"),
    ("date", &["date"], "CURRENT_DATE"),
    (
        "timestamp",
        &["timestamp", "timestamp without time zone"],
        "now()",
    ),
    (
        "timestamptz",
        &["timestamptz", "timestamp with time zone"],
        "now()",
    ),
    ("jsonb", &["jsonb"], "'{}'::jsonb"),
    ("json", &["json"], "'{}'"),
    ("uuid", &["uuid"], "gen_random_uuid()"),
    ("integer[]", &["integer[]", "int[]"], "'{}'"),
    ("text[]", &["text[]"], "'{}'"),
];

/// Type changes worth trying from a canonical type: (new type as written, USING expression
/// with `{c}` for the column).
fn type_changes(from: &str) -> &'static [(&'static str, &'static str)] {
    match from {
        "integer" => &[
            ("bigint", ""),
            ("smallint", ""),
            ("numeric(12,2)", ""),
            ("text", "{c}::text"),
            ("varchar(5)", "{c}::varchar(5)"),
            ("double precision", ""),
        ],
        "bigint" => &[("integer", ""), ("numeric", ""), ("text", "{c}::text")],
        "smallint" => &[("integer", ""), ("bigint", ""), ("int8", "")],
        "numeric(10,2)" => &[
            ("numeric(12,2)", ""),
            ("numeric(10,3)", ""),
            ("numeric(8,2)", ""),
            ("numeric(14,4)", ""),
            ("integer", "{c}::integer"),
        ],
        "numeric" => &[("numeric(10,2)", ""), ("double precision", "")],
        "real" => &[("double precision", ""), ("numeric", "")],
        "double precision" => &[("real", ""), ("numeric(10,2)", "")],
        "text" => &[
            ("varchar(50)", ""),
            ("varchar(255)", ""),
            ("integer", "{c}::integer"),
            ("jsonb", "{c}::jsonb"),
            ("character varying", ""),
        ],
        "varchar(100)" => &[
            ("varchar(200)", ""),
            ("varchar(50)", ""),
            ("text", ""),
            ("char(100)", ""),
            ("varchar", ""),
        ],
        "varchar(20)" => &[("varchar(40)", ""), ("varchar(10)", ""), ("text", "")],
        "char(4)" => &[("varchar(4)", ""), ("char(8)", ""), ("text", "")],
        "boolean" => &[("integer", "{c}::integer"), ("text", "")],
        "date" => &[("timestamp", ""), ("timestamptz", ""), ("text", "")],
        "timestamp" => &[("timestamptz", ""), ("date", ""), ("timestamp(3)", "")],
        "timestamptz" => &[("timestamp", ""), ("timestamptz(0)", "")],
        "jsonb" => &[("json", "{c}::json"), ("text", "")],
        "json" => &[("jsonb", "{c}::jsonb"), ("text", "")],
        "uuid" => &[("text", "")],
        "integer[]" => &[("bigint[]", ""), ("text[]", "")],
        "text[]" => &[("varchar(20)[]", ""), ("text", "{c}::text")],
        _ => &[("text", "{c}::text")],
    }
}

const KEYWORDS: &[&str] = &[
    "user", "order", "table", "select", "group", "check", "primary", "default", "desc", "end",
];

pub struct Generator {
    rng: Rng,
    counter: u32,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            counter: 0,
        }
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        self.rng.pick(items)
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// An identifier as SQL: bare when it folds to itself, quoted otherwise (and now and then
    /// quoted anyway, which must mean the same).
    fn ident(&mut self, name: &str) -> String {
        let bare = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !KEYWORDS.contains(&name);
        if bare && !self.chance(8) {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }

    /// A catalog key (`name` or `archive.name`) as a SQL name, sometimes spelled `public.name`.
    fn qname(&mut self, key: &str) -> String {
        match key.split_once('.') {
            Some((schema, name)) => format!("{}.{}", self.ident(schema), self.ident(name)),
            None if self.chance(10) => format!("public.{}", self.ident(key)),
            None => self.ident(key),
        }
    }

    fn new_table_name(&mut self) -> String {
        let n = self.next();
        if self.chance(10) {
            format!("{}_{n}", self.pick(MIXED_WORDS))
        } else if self.chance(4) {
            // Longer than PostgreSQL's 63 bytes once a constraint suffix is added.
            format!(
                "{}_with_a_rather_long_descriptive_name_{n}",
                self.pick(TABLE_WORDS)
            )
        } else {
            format!("{}_{n}", self.pick(TABLE_WORDS))
        }
    }

    fn new_column_name(&mut self, table: Option<&Table>) -> String {
        let base = if self.chance(8) {
            self.pick(MIXED_WORDS).to_string()
        } else if self.chance(3) {
            "a_column_name_that_is_long_enough_to_be_truncated".to_string()
        } else {
            self.pick(COLUMN_WORDS).to_string()
        };
        match table {
            Some(t) if t.columns.contains_key(&base) => format!("{base}_{}", self.next()),
            _ => base,
        }
    }

    fn type_spelling(&mut self) -> (&'static str, String, &'static str) {
        let (canon, spellings, default) = *self.pick(TYPES);
        (canon, self.pick(spellings).to_string(), default)
    }

    /// A column definition for a new column of `table`; returns the SQL and the column name.
    fn column_def(&mut self, s: &Schema, table: Option<&Table>, inline: bool) -> (String, String) {
        let name = self.new_column_name(table);
        let mut sql = self.ident(&name);
        if !s.enums.is_empty() && self.chance(10) {
            let keys: Vec<&String> = s.enums.keys().collect();
            let e = (*self.pick(&keys)).clone();
            sql = format!("{sql} {}", self.qname(&e));
            if self.chance(30)
                && let Some(v) = s.enums.get(&e).and_then(|v| v.iter().next())
            {
                sql.push_str(&format!(" DEFAULT '{v}'"));
            }
            return (sql, name);
        }
        let (canon, spelling, default) = self.type_spelling();
        sql = format!("{sql} {spelling}");
        match self.below(10) {
            0..=1 => sql.push_str(&format!(" NOT NULL DEFAULT {default}")),
            2 => sql.push_str(" NOT NULL"),
            3 => sql.push_str(&format!(" DEFAULT {default}")),
            _ => {}
        }
        if inline && self.chance(15) {
            match self.below(3) {
                0 => sql.push_str(" UNIQUE"),
                1 => sql.push_str(&format!(
                    " CHECK ({})",
                    check_expr(&self.ident(&name), canon)
                )),
                _ => {
                    if let Some((parent, pk, pk_ty)) = self.parent_key(s) {
                        // The column takes the parent key's type.
                        sql = format!(
                            "{} {} REFERENCES {} ({})",
                            self.ident(&name),
                            pk_ty,
                            self.qname(&parent),
                            self.ident(&pk)
                        );
                    }
                }
            }
        }
        (sql, name)
    }

    /// A table with a one-column primary key: (table key, key column, its type).
    fn parent_key(&mut self, s: &Schema) -> Option<(String, String, String)> {
        let parents: Vec<(String, String, String)> = s
            .tables
            .iter()
            .filter_map(|(k, t)| {
                let pk = t
                    .constraints
                    .iter()
                    .find(|c| c.kind == "primary_key" && c.columns.len() == 1)?;
                let col = t.columns.get(&pk.columns[0])?;
                Some((k.clone(), pk.columns[0].clone(), col.ty.clone()))
            })
            .collect();
        (!parents.is_empty()).then(|| self.pick(&parents).clone())
    }

    pub fn create_table(&mut self, s: &Schema) -> Proposal {
        let name = self.new_table_name();
        let mut parts = Vec::new();
        let id = match self.below(8) {
            0 => Some("id bigserial PRIMARY KEY"),
            1 => Some("id serial PRIMARY KEY"),
            2 => Some("id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
            3 => Some("id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
            4 => Some("id uuid PRIMARY KEY DEFAULT gen_random_uuid()"),
            5 => Some("id bigint PRIMARY KEY"),
            6 => Some("id bigint NOT NULL, CONSTRAINT {pk} PRIMARY KEY (id)"),
            _ => None,
        };
        if let Some(id) = id {
            parts.push(id.replace("{pk}", &format!("{}_pk", name.to_lowercase())));
        }
        let mut cols = Vec::new();
        for _ in 0..(1 + self.below(4)) {
            let (sql, col) = self.column_def(s, None, true);
            if cols.contains(&col) || col == "id" {
                continue;
            }
            parts.push(sql);
            cols.push(col);
        }
        if cols.len() >= 2 && self.chance(30) {
            let (a, b) = (self.ident(&cols[0]), self.ident(&cols[1]));
            let named = if self.chance(50) {
                format!("CONSTRAINT {}_pair_key ", name.to_lowercase())
            } else {
                String::new()
            };
            parts.push(format!("{named}UNIQUE ({a}, {b})"));
        }
        if id.is_none() && cols.len() >= 2 && self.chance(30) {
            let (a, b) = (self.ident(&cols[0]), self.ident(&cols[1]));
            parts.push(format!("PRIMARY KEY ({a}, {b})"));
        }
        let ine = if self.chance(10) {
            "IF NOT EXISTS "
        } else {
            ""
        };
        let table = self.ident(&name);
        Proposal {
            sql: format!(
                "CREATE TABLE {ine}{table} (\n    {}\n);",
                parts.join(",\n    ")
            ),
            kind: "create table",
            transactional: true,
        }
    }

    pub fn create_enum(&mut self) -> Proposal {
        let n = self.next();
        let name = if self.chance(15) {
            format!("Mood_{n}")
        } else {
            format!("mood_{n}")
        };
        let values = ["draft", "active", "archived", "deleted"];
        let k = 1 + self.below(3) as usize;
        let list: Vec<String> = values[..k].iter().map(|v| format!("'{v}'")).collect();
        Proposal {
            sql: format!(
                "CREATE TYPE {} AS ENUM ({});",
                self.ident(&name),
                list.join(", ")
            ),
            kind: "create enum",
            transactional: true,
        }
    }

    /// One random statement on the current schema; `None` when the kind picked has nothing
    /// to work on.
    pub fn propose(&mut self, s: &Schema) -> Option<Proposal> {
        let tables: Vec<String> = s.tables.keys().cloned().collect();
        if tables.is_empty() {
            return Some(self.create_table(s));
        }
        let tkey = self.pick(&tables).clone();
        let t = s.tables.get(&tkey)?.clone();
        let tq = self.qname(&tkey);
        let columns: Vec<(String, Column)> = t
            .columns
            .iter()
            .map(|(k, c)| (k.clone(), c.clone()))
            .collect();
        let (cname, col) = if columns.is_empty() {
            (String::new(), None)
        } else {
            let (n, c) = self.pick(&columns).clone();
            (n, Some(c))
        };
        let cq = self.ident(&cname);
        let x = Target {
            tkey,
            t,
            tq,
            columns,
            cname,
            col,
            cq,
        };
        let roll = self.below(100);
        let proposal = match roll {
            0..=5 => Some(self.create_table(s)),
            6..=48 => self.propose_columns(s, &x, roll),
            49..=62 => self.propose_constraints(s, &x, roll),
            63..=70 => self.propose_existing_constraints(s, &x, roll),
            71..=79 => self.propose_indexes(s, &x, roll),
            80..=89 => self.propose_views_and_types(s, &x, roll),
            _ => self.propose_tables(s, &x, roll),
        }?;
        Some(self.maybe_wrap(proposal, s, &x.tkey, &x.t))
    }
}

/// A CHECK expression on a column of canonical type `ty`, one an extreme value of the type
/// violates.
fn check_expr(col: &str, ty: &str) -> String {
    match ty {
        "integer" | "bigint" | "smallint" | "numeric" | "numeric(10,2)" | "real"
        | "double precision" => format!("{col} > 0"),
        "text" | "varchar(100)" | "varchar(20)" | "char(4)" => format!("length({col}) <= 10"),
        _ => format!("{col} IS NOT NULL"),
    }
}

/// The table (and one of its columns) a proposal works on.
struct Target {
    tkey: String,
    t: Table,
    /// The table's name as SQL.
    tq: String,
    columns: Vec<(String, Column)>,
    /// The picked column's name (empty when the table has none) and the column.
    cname: String,
    col: Option<Column>,
    /// The picked column's name as SQL.
    cq: String,
}

impl Target {
    fn alter(&self, action: String) -> String {
        format!("ALTER TABLE {} {action};", self.tq)
    }
}

fn proposal(sql: String, kind: &'static str) -> Option<Proposal> {
    Some(Proposal {
        sql,
        kind,
        transactional: true,
    })
}
