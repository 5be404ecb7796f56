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

    /// Adding, dropping, renaming and altering a column.
    fn propose_columns(&mut self, s: &Schema, x: &Target, roll: u64) -> Option<Proposal> {
        let Target {
            t,
            columns,
            col,
            cq,
            ..
        } = x;
        match roll {
            6..=17 => {
                let (def, _) = self.column_def(s, Some(t), true);
                let ine = if self.chance(10) {
                    "IF NOT EXISTS "
                } else {
                    ""
                };
                let col = if self.chance(20) { "" } else { "COLUMN " };
                proposal(x.alter(format!("ADD {col}{ine}{def}")), "add column")
            }
            18..=19 => {
                let name = self.new_column_name(Some(t));
                let what = match self.below(3) {
                    0 => "bigint GENERATED ALWAYS AS IDENTITY".to_string(),
                    1 => "integer GENERATED BY DEFAULT AS IDENTITY".to_string(),
                    _ => {
                        let num = columns
                            .iter()
                            .find(|(_, c)| c.ty == "integer" || c.ty == "bigint")
                            .map(|(n, _)| n.clone())?;
                        // An expression that cannot fail: one that can (an overflowing
                        // `x * 2`) makes writes the previous version does fail, which no
                        // static reading of the migration can tell.
                        format!(
                            "numeric GENERATED ALWAYS AS ({}::numeric * 2) STORED",
                            self.ident(&num)
                        )
                    }
                };
                proposal(
                    x.alter(format!("ADD COLUMN {} {what}", self.ident(&name))),
                    "add identity/generated column",
                )
            }
            20..=24 => {
                col.as_ref()?;
                let ie = if self.chance(15) { "IF EXISTS " } else { "" };
                let cascade = if self.chance(25) { " CASCADE" } else { "" };
                proposal(
                    x.alter(format!("DROP COLUMN {ie}{cq}{cascade}")),
                    "drop column",
                )
            }
            25..=28 => {
                col.as_ref()?;
                let to = self.new_column_name(Some(t));
                proposal(
                    x.alter(format!("RENAME COLUMN {cq} TO {}", self.ident(&to))),
                    "rename column",
                )
            }
            29..=35 => {
                let c = col.as_ref()?;
                // A generated column's values come from an expression rollsafe does not
                // evaluate: narrowing its type can make the previous version's writes
                // overflow it, which only evaluating the expression tells.
                if c.generated {
                    return None;
                }
                let changes = type_changes(&c.ty);
                let (to, using) = *self.pick(changes);
                let using = if using.is_empty() && !self.chance(20) {
                    String::new()
                } else if using.is_empty() {
                    format!(" USING {cq}::{to}")
                } else {
                    format!(" USING {}", using.replace("{c}", cq))
                };
                let set_data = if self.chance(30) { "SET DATA " } else { "" };
                proposal(
                    x.alter(format!("ALTER COLUMN {cq} {set_data}TYPE {to}{using}")),
                    "change column type",
                )
            }
            36..=39 => {
                col.as_ref()?;
                proposal(
                    x.alter(format!("ALTER COLUMN {cq} SET NOT NULL")),
                    "set not null",
                )
            }
            40..=42 => {
                col.as_ref()?;
                proposal(
                    x.alter(format!("ALTER COLUMN {cq} DROP NOT NULL")),
                    "drop not null",
                )
            }
            43..=45 => {
                let c = col.as_ref()?;
                let default = TYPES
                    .iter()
                    .find(|(canon, _, _)| *canon == c.ty)
                    .map(|(_, _, d)| d.to_string())
                    .or_else(|| {
                        s.enums
                            .get(&c.ty)
                            .and_then(|v| v.iter().next())
                            .map(|v| format!("'{v}'"))
                    })?;
                proposal(
                    x.alter(format!("ALTER COLUMN {cq} SET DEFAULT {default}")),
                    "set default",
                )
            }
            46..=48 => {
                col.as_ref()?;
                proposal(
                    x.alter(format!("ALTER COLUMN {cq} DROP DEFAULT")),
                    "drop default",
                )
            }
            _ => None,
        }
    }

    /// New keys, checks, foreign keys and exclusion constraints.
    fn propose_constraints(&mut self, s: &Schema, x: &Target, roll: u64) -> Option<Proposal> {
        let Target {
            tkey,
            t,
            columns,
            col,
            cq,
            ..
        } = x;
        match roll {
            49..=51 => {
                col.as_ref()?;
                let cols = self.some_columns(columns);
                let named = self.constraint_name_clause(tkey, "uq");
                proposal(x.alter(format!("ADD {named}UNIQUE ({cols})")), "add unique")
            }
            52..=53 => {
                col.as_ref()?;
                let cols = self.some_columns(columns);
                let named = self.constraint_name_clause(tkey, "pk");
                proposal(
                    x.alter(format!("ADD {named}PRIMARY KEY ({cols})")),
                    "add primary key",
                )
            }
            54..=57 => {
                let c = col.as_ref()?;
                let named = self.constraint_name_clause(tkey, "ck");
                let nv = if self.chance(35) { " NOT VALID" } else { "" };
                proposal(
                    x.alter(format!("ADD {named}CHECK ({}){nv}", check_expr(cq, &c.ty))),
                    "add check",
                )
            }
            58..=61 => {
                let (parent, pk, pk_ty) = self.parent_key(s)?;
                let named = self.constraint_name_clause(tkey, "fk");
                let nv = if self.chance(30) { " NOT VALID" } else { "" };
                let on_delete = if self.chance(20) {
                    " ON DELETE CASCADE"
                } else {
                    ""
                };
                let fk_col = columns
                    .iter()
                    .filter(|(_, c)| c.ty == pk_ty)
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>();
                let parent_q = self.qname(&parent);
                let pk_q = self.ident(&pk);
                if fk_col.is_empty() || self.chance(30) {
                    // A new column with the reference inline.
                    let name = self.new_column_name(Some(t));
                    proposal(
                        x.alter(format!(
                            "ADD COLUMN {} {pk_ty} REFERENCES {parent_q} ({pk_q}){on_delete}",
                            self.ident(&name)
                        )),
                        "add column with foreign key",
                    )
                } else {
                    let c = self.pick(&fk_col).clone();
                    proposal(
                        x.alter(format!(
                            "ADD {named}FOREIGN KEY ({}) REFERENCES {parent_q} ({pk_q}){on_delete}{nv}",
                            self.ident(&c)
                        )),
                        "add foreign key",
                    )
                }
            }
            62 => {
                col.as_ref()?;
                let named = self.constraint_name_clause(tkey, "ex");
                proposal(
                    x.alter(format!("ADD {named}EXCLUDE USING btree ({cq} WITH =)")),
                    "add exclusion",
                )
            }
            _ => None,
        }
    }

    /// Dropping, renaming, validating and adopting existing constraints and indexes.
    fn propose_existing_constraints(
        &mut self,
        _s: &Schema,
        x: &Target,
        roll: u64,
    ) -> Option<Proposal> {
        let Target { tkey, t, .. } = x;
        match roll {
            63..=65 => {
                let names: Vec<String> = t.constraints.iter().map(|c| c.name.clone()).collect();
                if names.is_empty() {
                    return None;
                }
                let n = self.pick(&names).clone();
                let ie = if self.chance(20) { "IF EXISTS " } else { "" };
                let cascade = if self.chance(20) { " CASCADE" } else { "" };
                proposal(
                    x.alter(format!("DROP CONSTRAINT {ie}{}{cascade}", self.ident(&n))),
                    "drop constraint",
                )
            }
            66..=67 => {
                let names: Vec<String> = t.constraints.iter().map(|c| c.name.clone()).collect();
                if names.is_empty() {
                    return None;
                }
                let n = self.pick(&names).clone();
                let to = format!(
                    "{}_renamed_{}",
                    n.to_lowercase().chars().take(20).collect::<String>(),
                    self.next()
                );
                proposal(
                    x.alter(format!(
                        "RENAME CONSTRAINT {} TO {}",
                        self.ident(&n),
                        self.ident(&to)
                    )),
                    "rename constraint",
                )
            }
            68..=69 => {
                let names: Vec<String> = t
                    .constraints
                    .iter()
                    .filter(|c| !c.validated)
                    .map(|c| c.name.clone())
                    .collect();
                if names.is_empty() {
                    return None;
                }
                let n = self.pick(&names).clone();
                proposal(
                    x.alter(format!("VALIDATE CONSTRAINT {}", self.ident(&n))),
                    "validate constraint",
                )
            }
            70 => {
                let idx: Vec<String> = t
                    .indexes
                    .iter()
                    .filter(|i| {
                        i.unique && !i.partial && !i.columns.iter().any(|c| c.starts_with('('))
                    })
                    .map(|i| i.name.clone())
                    .collect();
                if idx.is_empty() {
                    return None;
                }
                let i = self.pick(&idx).clone();
                let kind = if self.chance(50) {
                    "UNIQUE"
                } else {
                    "PRIMARY KEY"
                };
                let name = format!(
                    "{}_adopted_{}",
                    tkey.replace('.', "_")
                        .to_lowercase()
                        .chars()
                        .take(30)
                        .collect::<String>(),
                    self.next()
                );
                proposal(
                    x.alter(format!(
                        "ADD CONSTRAINT {} {kind} USING INDEX {}",
                        self.ident(&name),
                        self.ident(&i)
                    )),
                    "add constraint using index",
                )
            }
            _ => None,
        }
    }

    /// Creating, dropping and renaming indexes.
    fn propose_indexes(&mut self, _s: &Schema, x: &Target, roll: u64) -> Option<Proposal> {
        let Target {
            tkey,
            t,
            tq,
            columns,
            col,
            cq,
            ..
        } = x;
        match roll {
            71..=75 => {
                col.as_ref()?;
                let unique = if self.chance(30) { "UNIQUE " } else { "" };
                let concurrently = self.chance(30);
                let cols = if self.chance(15) {
                    format!("lower({cq}::text)")
                } else {
                    self.some_columns(columns)
                };
                let named = self.chance(60);
                let ine = if named && self.chance(20) {
                    "IF NOT EXISTS "
                } else {
                    ""
                };
                let name = if named {
                    let n = format!(
                        "{}_ix_{}",
                        tkey.replace('.', "_")
                            .to_lowercase()
                            .chars()
                            .take(30)
                            .collect::<String>(),
                        self.next()
                    );
                    format!("{} ", self.ident(&n))
                } else {
                    String::new()
                };
                let partial = if self.chance(15) {
                    format!(" WHERE {cq} IS NOT NULL")
                } else {
                    String::new()
                };
                Some(Proposal {
                    sql: format!(
                        "CREATE {unique}INDEX {}{ine}{name}ON {tq} ({cols}){partial};",
                        if concurrently { "CONCURRENTLY " } else { "" }
                    ),
                    kind: "create index",
                    transactional: !concurrently,
                })
            }
            76..=77 => {
                let idx: Vec<String> = t.indexes.iter().map(|i| i.name.clone()).collect();
                if idx.is_empty() {
                    return None;
                }
                let i = self.pick(&idx).clone();
                let concurrently = self.chance(30);
                let ie = if self.chance(30) { "IF EXISTS " } else { "" };
                let schema = tkey
                    .split_once('.')
                    .map(|(s, _)| format!("{}.", self.ident(s)))
                    .unwrap_or_default();
                Some(Proposal {
                    sql: format!(
                        "DROP INDEX {}{ie}{schema}{};",
                        if concurrently { "CONCURRENTLY " } else { "" },
                        self.ident(&i)
                    ),
                    kind: "drop index",
                    transactional: !concurrently,
                })
            }
            78..=79 => {
                let idx: Vec<String> = t
                    .indexes
                    .iter()
                    .map(|i| i.name.clone())
                    .chain(
                        t.constraints
                            .iter()
                            .filter(|c| matches!(c.kind.as_str(), "primary_key" | "unique"))
                            .map(|c| c.name.clone()),
                    )
                    .collect();
                if idx.is_empty() {
                    return None;
                }
                let i = self.pick(&idx).clone();
                let schema = tkey
                    .split_once('.')
                    .map(|(s, _)| format!("{}.", self.ident(s)))
                    .unwrap_or_default();
                let to = format!("idx_renamed_{}", self.next());
                proposal(
                    format!("ALTER INDEX {schema}{} RENAME TO {to};", self.ident(&i)),
                    "rename index",
                )
            }
            _ => None,
        }
    }

    /// Views and enum types.
    fn propose_views_and_types(&mut self, s: &Schema, x: &Target, roll: u64) -> Option<Proposal> {
        let Target {
            tkey, tq, columns, ..
        } = x;
        match roll {
            80..=82 => {
                if columns.is_empty() {
                    return None;
                }
                let n = self.next();
                let materialized = self.chance(25);
                let name = format!(
                    "{}_v{n}",
                    tkey.rsplit('.')
                        .next()
                        .unwrap_or("v")
                        .to_lowercase()
                        .chars()
                        .take(20)
                        .collect::<String>()
                );
                let cols = self.some_columns(columns);
                let or_replace = if !materialized && self.chance(20) {
                    "OR REPLACE "
                } else {
                    ""
                };
                proposal(
                    format!(
                        "CREATE {or_replace}{}VIEW {} AS SELECT {cols} FROM {tq};",
                        if materialized { "MATERIALIZED " } else { "" },
                        self.ident(&name)
                    ),
                    "create view",
                )
            }
            83..=84 => {
                let views: Vec<(String, bool)> =
                    s.views.iter().map(|(k, m)| (k.clone(), *m)).collect();
                if views.is_empty() {
                    return None;
                }
                let (v, materialized) = self.pick(&views).clone();
                let vq = self.qname(&v);
                let kind = if materialized {
                    "MATERIALIZED VIEW"
                } else {
                    "VIEW"
                };
                if self.chance(50) {
                    let ie = if self.chance(30) { "IF EXISTS " } else { "" };
                    proposal(format!("DROP {kind} {ie}{vq};"), "drop view")
                } else {
                    let to = format!("view_renamed_{}", self.next());
                    // ALTER TABLE works on views too.
                    let kind = if !materialized && self.chance(25) {
                        "TABLE"
                    } else {
                        kind
                    };
                    proposal(format!("ALTER {kind} {vq} RENAME TO {to};"), "rename view")
                }
            }
            85..=86 => Some(self.create_enum()),
            87..=89 => {
                let enums: Vec<(String, Vec<String>)> = s
                    .enums
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
                    .collect();
                if enums.is_empty() {
                    return None;
                }
                let (e, values) = self.pick(&enums).clone();
                let eq = self.qname(&e);
                match self.below(4) {
                    0 | 1 => {
                        let v = format!("v{}", self.next());
                        let ine = if self.chance(20) {
                            "IF NOT EXISTS "
                        } else {
                            ""
                        };
                        let place = match (self.below(3), values.first()) {
                            (0, Some(first)) => format!(" BEFORE '{first}'"),
                            (1, Some(first)) => format!(" AFTER '{first}'"),
                            _ => String::new(),
                        };
                        proposal(
                            format!("ALTER TYPE {eq} ADD VALUE {ine}'{v}'{place};"),
                            "add enum value",
                        )
                    }
                    2 => {
                        let from = values.first()?.clone();
                        let to = format!("{from}_{}", self.next());
                        proposal(
                            format!("ALTER TYPE {eq} RENAME VALUE '{from}' TO '{to}';"),
                            "rename enum value",
                        )
                    }
                    _ => {
                        let ie = if self.chance(30) { "IF EXISTS " } else { "" };
                        proposal(format!("DROP TYPE {ie}{eq};"), "drop type")
                    }
                }
            }
            _ => None,
        }
    }

    /// Dropping, renaming and moving the table; data changes; several actions in one statement.
    fn propose_tables(&mut self, s: &Schema, x: &Target, roll: u64) -> Option<Proposal> {
        let Target {
            tkey,
            t,
            tq,
            cname,
            col,
            cq,
            ..
        } = x;
        match roll {
            90..=91 => {
                let ie = if self.chance(20) { "IF EXISTS " } else { "" };
                let cascade = if self.chance(30) { " CASCADE" } else { "" };
                proposal(format!("DROP TABLE {ie}{tq}{cascade};"), "drop table")
            }
            92..=94 => {
                let to = self.new_table_name();
                proposal(
                    x.alter(format!("RENAME TO {}", self.ident(&to))),
                    "rename table",
                )
            }
            95 => {
                let to = if tkey.contains('.') {
                    "public"
                } else {
                    "archive"
                };
                proposal(x.alter(format!("SET SCHEMA {to}")), "move to schema")
            }
            96..=97 => {
                let sql = match self.below(4) {
                    0 => format!("UPDATE {tq} SET {cq} = {cq} WHERE false;"),
                    1 => format!("DELETE FROM {tq} WHERE false;"),
                    2 => format!("COMMENT ON TABLE {tq} IS 'generated';"),
                    _ => format!("GRANT SELECT ON {tq} TO PUBLIC;"),
                };
                if cname.is_empty() && sql.contains("SET") {
                    return None;
                }
                proposal(sql, "data change, comment or grant")
            }
            _ => {
                // Several column actions in one statement.
                let (def, _) = self.column_def(s, Some(t), false);
                let second = match (self.below(3), col.as_ref()) {
                    (0, Some(_)) => format!("ALTER COLUMN {cq} DROP NOT NULL"),
                    (1, Some(_)) => format!("DROP COLUMN {cq}"),
                    _ => {
                        let (other, _) = self.column_def(s, Some(t), false);
                        format!("ADD COLUMN {other}")
                    }
                };
                proposal(
                    x.alter(format!("ADD COLUMN {def}, {second}")),
                    "several actions",
                )
            }
        }
    }

    fn some_columns(&mut self, columns: &[(String, Column)]) -> String {
        let first = self.pick(columns).0.clone();
        let mut cols = vec![first];
        if columns.len() > 1 && self.chance(25) {
            let second = self.pick(columns).0.clone();
            if !cols.contains(&second) {
                cols.push(second);
            }
        }
        cols.iter()
            .map(|c| self.ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn constraint_name_clause(&mut self, table: &str, label: &str) -> String {
        if self.chance(50) {
            return String::new();
        }
        let base: String = table
            .replace('.', "_")
            .to_lowercase()
            .chars()
            .take(30)
            .collect();
        let n = self.next();
        format!("CONSTRAINT {} ", self.ident(&format!("{base}_{label}_{n}")))
    }

    /// Now and then runs a statement inside a `DO` block: as a statement, through
    /// `EXECUTE '…'`, or under an `IF NOT EXISTS` guard that holds.
    fn maybe_wrap(&mut self, p: Proposal, s: &Schema, tkey: &str, t: &Table) -> Proposal {
        if !p.transactional {
            return p;
        }
        let body = p.sql.trim_end_matches(';').to_string();
        let sql = match self.below(100) {
            0..=9 => format!("DO $$\nBEGIN\n    {body};\nEND\n$$;"),
            10..=14 => format!(
                "DO $do$\nBEGIN\n    EXECUTE '{}';\nEND\n$do$;",
                body.replace('\'', "''")
            ),
            15..=17 if p.kind == "add column" => {
                let _ = s;
                let (schema, table) = tkey.split_once('.').unwrap_or(("public", tkey));
                // The guard holds: the new column does not exist yet.
                let _ = t;
                format!(
                    "DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = '{schema}' AND tablename = '{table}_missing') THEN\n        {body};\n    END IF;\nEND\n$$;"
                )
            }
            _ => return p,
        };
        Proposal { sql, ..p }
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
