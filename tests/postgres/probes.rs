//! What the previous app version does, derived from the schema before a migration, as SQL
//! probes: read every column it knows, insert rows giving only the columns it knows (valid
//! values, NULL where NULL was allowed, the extremes of each type, duplicates where nothing was
//! unique), update them, use every enum value and view it knows.
//!
//! A probe is run against the schema before the migration first: only probes that succeed
//! there describe something the previous version could do. Run against the schema after it,
//! a probe that fails, or that reads back other values or another kind of type (a number
//! turned into text), means the migration contracts the schema.
//! Every probe runs in a transaction that is rolled back.

use super::catalog::{Column, Schema};
use super::cluster::{Conn, Row};
use std::collections::BTreeMap;

pub struct Probe {
    /// The object it exercises and how, e.g. `insert nulls into orders`.
    pub what: String,
    pub statements: Vec<String>,
}

/// What a probe saw: per statement, the type category of each result column and the rows.
pub type Observation = Vec<(Vec<String>, Vec<Row>)>;

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_qualified(key: &str) -> String {
    match key.split_once('.') {
        Some((schema, name)) => format!("{}.{}", quote(schema), quote(name)),
        None => quote(key),
    }
}

#[derive(Clone, Copy)]
enum Variant {
    Typical(usize),
    Max,
    Min,
}

/// The text of a value of canonical type `ty` (without quotes or cast).
fn scalar_text(ty: &str, enums: &BTreeMap<String, Vec<String>>, v: Variant) -> Option<String> {
    let (base, args) = match ty.find('(') {
        Some(open) => {
            let args: Vec<u32> = ty[open + 1..]
                .trim_end_matches(')')
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            (&ty[..open], args)
        }
        None => (ty, Vec::new()),
    };
    let k = match v {
        Variant::Typical(k) => k,
        _ => 0,
    };
    let int = |max: &str, min: &str| match v {
        Variant::Typical(k) => (k + 1).to_string(),
        Variant::Max => max.to_string(),
        Variant::Min => min.to_string(),
    };
    let chars = |limit: Option<u32>| -> String {
        match v {
            Variant::Typical(k) => {
                let s = format!("v{k}");
                match limit {
                    Some(n) => s.chars().take(n as usize).collect(),
                    None => s,
                }
            }
            // Longer than any bounded type the generator writes, short enough for an index.
            Variant::Max => "x".repeat(limit.unwrap_or(2000) as usize),
            Variant::Min => String::new(),
        }
    };
    Some(match base {
        "smallint" => int("32767", "-32768"),
        "integer" => int("2147483647", "-2147483648"),
        "bigint" => int("9223372036854775807", "-9223372036854775808"),
        "numeric" => match (v, args.as_slice()) {
            (Variant::Typical(k), _) => (k + 1).to_string(),
            (_, [p, s, ..]) => {
                let mut t = "9".repeat(p.saturating_sub(*s) as usize);
                if *s > 0 {
                    t.push('.');
                    t.push_str(&"9".repeat(*s as usize));
                }
                if t.starts_with('.') {
                    t.insert(0, '0');
                }
                if matches!(v, Variant::Min) {
                    t.insert(0, '-');
                }
                t
            }
            (_, [p]) => {
                let t = "9".repeat(*p as usize);
                if matches!(v, Variant::Min) {
                    format!("-{t}")
                } else {
                    t
                }
            }
            (Variant::Max, []) => "123456789012345678901234567890.123456789".to_string(),
            (_, []) => "-123456789012345678901234567890.123456789".to_string(),
        },
        "real" => match v {
            Variant::Typical(k) => format!("{k}.5"),
            Variant::Max => "1e+30".into(),
            Variant::Min => "-1e+30".into(),
        },
        "double precision" => match v {
            Variant::Typical(k) => format!("{k}.5"),
            Variant::Max => "1e+300".into(),
            Variant::Min => "-1e+300".into(),
        },
        "text" => chars(None),
        "varchar" | "char" => chars(args.first().copied()),
        "boolean" => match v {
            Variant::Typical(k) => (k % 2 == 0).to_string(),
            Variant::Max => "true".into(),
            Variant::Min => "false".into(),
        },
        "date" => match v {
            Variant::Typical(k) => format!("2020-01-{:02}", k % 28 + 1),
            Variant::Max => "9999-12-31".into(),
            Variant::Min => "0001-01-01".into(),
        },
        "timestamp" | "timestamptz" => {
            let t = match v {
                Variant::Typical(k) => format!("2020-01-01 00:00:{:02}", k % 60),
                Variant::Max => "9999-12-31 23:59:59.999999".into(),
                Variant::Min => "1970-01-01 00:00:00".into(),
            };
            if base == "timestamptz" {
                format!("{t}+00")
            } else {
                t
            }
        }
        "jsonb" | "json" => match v {
            Variant::Typical(k) => format!("{{\"k\":{k}}}"),
            Variant::Max => "{\"a\": [1, 2, {\"b\": null}]}".into(),
            Variant::Min => "{}".into(),
        },
        "uuid" => match v {
            Variant::Typical(k) => format!("00000000-0000-0000-0000-{:012}", k + 1),
            Variant::Max => "ffffffff-ffff-ffff-ffff-ffffffffffff".into(),
            Variant::Min => "00000000-0000-0000-0000-000000000000".into(),
        },
        other => {
            let values = enums.get(other)?;
            match v {
                Variant::Typical(_) => values.get(k % values.len().max(1))?.clone(),
                Variant::Max => values.last()?.clone(),
                Variant::Min => values.first()?.clone(),
            }
        }
    })
}

/// A typed literal of column `c`'s type before the migration: what the previous version's
/// driver sends.
fn literal(c: &Column, enums: &BTreeMap<String, Vec<String>>, v: Variant) -> Option<String> {
    let text = match c.ty.strip_suffix("[]") {
        Some(elem) => {
            let e = scalar_text(elem, enums, v)?;
            format!("{{\"{}\"}}", e.replace('\\', "\\\\").replace('"', "\\\""))
        }
        None => scalar_text(&c.ty, enums, v)?,
    };
    Some(format!("'{}'::{}", text.replace('\'', "''"), c.format))
}

/// The probes for everything the schema before a migration has.
pub fn derive(s: &Schema) -> Vec<Probe> {
    let enums: BTreeMap<String, Vec<String>> = s
        .enums
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
        .collect();
    let mut out = Vec::new();
    for (tkey, t) in &s.tables {
        let cx = TableProbes::new(s, &enums, tkey, t);
        cx.reads(&mut out);
        cx.inserts(&mut out);
        cx.duplicates(&mut out);
        cx.upserts(&mut out);
        cx.updates(&mut out);
        cx.enum_values(&mut out);
    }
    for (v, cols) in &s.view_columns {
        let list = if cols.is_empty() {
            "count(*)".to_string()
        } else {
            cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
        };
        out.push(Probe {
            what: format!("read view {v}"),
            statements: vec![format!("SELECT {list} FROM {} LIMIT 0", quote_qualified(v))],
        });
    }
    for q in &s.sequences {
        // `IS NOT NULL`: the value differs each call; whether the call works is the point.
        out.push(Probe {
            what: format!("call nextval of sequence {q}"),
            statements: vec![format!(
                "SELECT nextval('{}') IS NOT NULL",
                quote_qualified(q).replace('\'', "''")
            )],
        });
    }
    for (e, values) in &s.enums {
        out.push(Probe {
            what: format!("use the values of enum {e}"),
            statements: values
                .iter()
                .map(|v| format!("SELECT '{}'::{}", v.replace('\'', "''"), quote_qualified(e)))
                .collect(),
        });
    }
    out
}

/// A row to insert: each writable column with its value (`None`: NULL).
type Values<'a> = Vec<(&'a String, Option<String>)>;

/// The probes of one table: what the previous version reads and writes there.
struct TableProbes<'a> {
    s: &'a Schema,
    enums: &'a BTreeMap<String, Vec<String>>,
    tkey: &'a String,
    t: &'a super::catalog::Table,
    tq: String,
    /// The columns writers may give a value (not generated).
    writable: Vec<(&'a String, &'a Column)>,
    /// The columns some unique key covers.
    keyed: Vec<&'a String>,
}

impl<'a> TableProbes<'a> {
    fn new(
        s: &'a Schema,
        enums: &'a BTreeMap<String, Vec<String>>,
        tkey: &'a String,
        t: &'a super::catalog::Table,
    ) -> Self {
        let writable = t.columns.iter().filter(|(_, c)| !c.generated).collect();
        let keyed = t
            .constraints
            .iter()
            .filter(|c| matches!(c.kind.as_str(), "primary_key" | "unique" | "exclusion"))
            .flat_map(|c| c.columns.iter())
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique)
                    .flat_map(|i| i.columns.iter()),
            )
            .collect();
        TableProbes {
            s,
            enums,
            tkey,
            t,
            tq: quote_qualified(tkey),
            writable,
            keyed,
        }
    }

    /// The rows its foreign keys need, then the row; `None` when some column has a type the
    /// probes cannot write.
    fn insert(&self, cols: &[(&String, Option<String>)]) -> Option<Vec<String>> {
        let tq = &self.tq;
        let mut statements = parent_rows(self.s, self.enums, self.tkey, cols, 0);
        if cols.is_empty() {
            statements.push(format!("INSERT INTO {tq} DEFAULT VALUES"));
            return Some(statements);
        }
        let names: Vec<String> = cols.iter().map(|(n, _)| quote(n)).collect();
        let values: Vec<String> = cols
            .iter()
            .map(|(_, v)| v.clone().unwrap_or_else(|| "NULL".into()))
            .collect();
        statements.push(format!(
            "INSERT INTO {tq} ({}) VALUES ({}) RETURNING {}",
            names.join(", "),
            values.join(", "),
            names.join(", ")
        ));
        Some(statements)
    }

    /// A value for every writable column, as `pick` chooses it.
    fn row(&self, pick: &dyn Fn(&String, &Column) -> Option<Option<String>>) -> Option<Values<'a>> {
        self.writable
            .iter()
            .map(|(n, c)| pick(n, c).map(|v| (*n, v)))
            .collect()
    }

    /// Row `k` differs from row 0 only in the columns that were unique.
    fn typical(&self, k: usize, n: &String, c: &Column) -> Option<Option<String>> {
        let k = if self.keyed.contains(&n) { k } else { 0 };
        literal(c, self.enums, Variant::Typical(k)).map(Some)
    }

    fn reads(&self, out: &mut Vec<Probe>) {
        let (tkey, tq) = (self.tkey, &self.tq);
        let all: Vec<&String> = self.t.columns.keys().collect();
        if !all.is_empty() {
            out.push(Probe {
                what: format!("read the columns of {tkey}"),
                statements: vec![format!(
                    "SELECT {} FROM {tq} LIMIT 0",
                    all.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
                )],
            });
        } else {
            out.push(Probe {
                what: format!("read {tkey}"),
                statements: vec![format!("SELECT count(*) FROM {tq}")],
            });
        }
    }

    /// Rows with only the required columns, with NULL where allowed, with extreme values.
    fn inserts(&self, out: &mut Vec<Probe>) {
        let (tkey, enums) = (self.tkey, self.enums);
        let required: Option<Values> = self
            .writable
            .iter()
            .filter(|(_, c)| !c.nullable && !c.has_default)
            .map(|(n, c)| literal(c, enums, Variant::Typical(0)).map(|v| (*n, Some(v))))
            .collect();
        if let Some(sql) = required.as_deref().and_then(|r| self.insert(r)) {
            out.push(Probe {
                what: format!("insert only the required columns of {tkey}"),
                statements: sql,
            });
        }
        let nulls = self.row(&|_, c| {
            if c.nullable {
                Some(None)
            } else {
                literal(c, enums, Variant::Typical(0)).map(Some)
            }
        });
        if let Some(sql) = nulls.as_deref().and_then(|r| self.insert(r)) {
            out.push(Probe {
                what: format!("insert NULL where allowed into {tkey}"),
                statements: sql,
            });
        }
        for (name, variant) in [("largest", Variant::Max), ("smallest", Variant::Min)] {
            if let Some(sql) = self
                .row(&|_, c| literal(c, enums, variant).map(Some))
                .as_deref()
                .and_then(|r| self.insert(r))
            {
                out.push(Probe {
                    what: format!("insert the {name} values into {tkey}"),
                    statements: sql,
                });
            }
        }
    }

    /// Pairs of rows that were not duplicates before.
    fn duplicates(&self, out: &mut Vec<Probe>) {
        let (tkey, enums) = (self.tkey, self.enums);
        if let (Some(a), Some(b)) = (
            self.row(&|n, c| self.typical(0, n, c)),
            self.row(&|n, c| self.typical(1, n, c)),
        ) && !self.writable.is_empty()
            && let (Some(a), Some(b)) = (self.insert(&a), self.insert(&b))
        {
            out.push(Probe {
                what: format!("insert two rows equal where {tkey} had no uniqueness"),
                statements: [a, b].concat(),
            });
        }
        // Two rows that differ in one column only: valid before when every unique key had that
        // column, and refused after when a new key leaves it out (`UNIQUE (b)` beside the old
        // `PRIMARY KEY (a, b)`).
        let mut single: Vec<&String> = self.keyed.clone();
        single.sort();
        single.dedup();
        for only in single {
            let second = self.row(&|n, c| {
                let k = usize::from(n == only);
                literal(c, enums, Variant::Typical(k)).map(Some)
            });
            if let (Some(a), Some(b)) = (self.row(&|n, c| self.typical(0, n, c)), second)
                && let (Some(a), Some(b)) = (self.insert(&a), self.insert(&b))
            {
                out.push(Probe {
                    what: format!("insert two rows of {tkey} that differ only in {only}"),
                    statements: [a, b].concat(),
                });
            }
        }
    }

    /// An upsert per key over plain columns (`INSERT … ON CONFLICT (cols) DO NOTHING`): it
    /// needs a unique key on exactly those columns, which drop-unique-key is about.
    fn upserts(&self, out: &mut Vec<Probe>) {
        let t = self.t;
        let mut keys: Vec<Vec<String>> = t
            .constraints
            .iter()
            .filter(|c| matches!(c.kind.as_str(), "primary_key" | "unique"))
            .map(|c| c.columns.clone())
            .chain(
                t.indexes
                    .iter()
                    .filter(|i| i.unique && !i.partial)
                    .map(|i| i.columns.clone()),
            )
            .filter(|k| !k.is_empty() && k.iter().all(|c| t.columns.contains_key(c)))
            .map(|mut k| {
                k.sort();
                k
            })
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let Some(row) = self.row(&|n, c| self.typical(0, n, c)) else {
                return;
            };
            let Some(mut statements) = self.insert(&row) else {
                return;
            };
            let Some(last) = statements.pop() else {
                continue;
            };
            let target: Vec<String> = key.iter().map(|c| quote(c)).collect();
            let Some((insert, returning)) = last.split_once(" RETURNING ") else {
                continue;
            };
            statements.push(format!(
                "{insert} ON CONFLICT ({}) DO NOTHING RETURNING {returning}",
                target.join(", ")
            ));
            out.push(Probe {
                what: format!("upsert into {} on ({})", self.tkey, key.join(", ")),
                statements,
            });
        }
    }

    /// A row inserted, then every column updated to its largest value, then to NULL.
    fn updates(&self, out: &mut Vec<Probe>) {
        let (tkey, tq, enums) = (self.tkey, &self.tq, self.enums);
        let Some(first) = self
            .row(&|n, c| self.typical(0, n, c))
            .as_deref()
            .and_then(|r| self.insert(r))
        else {
            return;
        };
        if self.writable.is_empty() {
            return;
        }
        let returning: Vec<String> = self.writable.iter().map(|(n, _)| quote(n)).collect();
        let mut statements = first;
        let largest: Option<Values> = self
            .writable
            .iter()
            .map(|(n, c)| literal(c, enums, Variant::Max).map(|v| (*n, Some(v))))
            .collect();
        if let Some(largest) = largest {
            statements.extend(parent_rows(self.s, enums, tkey, &largest, 0));
            let sets: Vec<String> = largest
                .iter()
                .filter_map(|(n, v)| Some(format!("{} = {}", quote(n), v.as_ref()?)))
                .collect();
            statements.push(format!(
                "UPDATE {tq} SET {} RETURNING {}",
                sets.join(", "),
                returning.join(", ")
            ));
        }
        let nullable: Vec<String> = self
            .writable
            .iter()
            .filter(|(_, c)| c.nullable)
            .map(|(n, _)| format!("{} = NULL", quote(n)))
            .collect();
        if !nullable.is_empty() {
            statements.push(format!(
                "UPDATE {tq} SET {} RETURNING {}",
                nullable.join(", "),
                returning.join(", ")
            ));
        }
        out.push(Probe {
            what: format!("update every column of {tkey}"),
            statements,
        });
    }

    /// Every value of every enum column written.
    fn enum_values(&self, out: &mut Vec<Probe>) {
        for (n, c) in &self.writable {
            let Some(values) = self.enums.get(&c.ty) else {
                continue;
            };
            for v in values {
                let with_value = self.row(&|m, d| {
                    if m == *n {
                        Some(Some(format!("'{}'::{}", v.replace('\'', "''"), c.format)))
                    } else {
                        self.typical(0, m, d)
                    }
                });
                if let Some(sql) = with_value.as_deref().and_then(|r| self.insert(r)) {
                    out.push(Probe {
                        what: format!("write '{v}' into {}.{n}", self.tkey),
                        statements: sql,
                    });
                }
            }
        }
    }
}

/// Inserts of the rows that the foreign keys of `tkey` need for a row with `values`, parents
/// of parents first (two levels; deeper chains make the probe invalid, and it is dropped).
fn parent_rows(
    s: &Schema,
    enums: &BTreeMap<String, Vec<String>>,
    tkey: &str,
    values: &[(&String, Option<String>)],
    depth: usize,
) -> Vec<String> {
    let Some(t) = s.tables.get(tkey) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (parent, pairs) in &t.foreign_keys {
        let Some(p) = s.tables.get(parent) else {
            continue;
        };
        let mut row: Vec<(&String, Option<String>)> = Vec::new();
        for (c, rc) in pairs {
            match values.iter().find(|(n, _)| *n == c) {
                Some((_, Some(v))) => {
                    if let Some(name) = p.columns.keys().find(|k| *k == rc) {
                        row.push((name, Some(v.clone())));
                    }
                }
                // NULL (or not written): no parent needed.
                _ => {
                    row.clear();
                    break;
                }
            }
        }
        if row.is_empty() {
            continue;
        }
        for (n, c) in &p.columns {
            if !c.nullable && !c.has_default && !c.generated && !row.iter().any(|(r, _)| *r == n) {
                row.push((n, literal(c, enums, Variant::Typical(0))));
            }
        }
        if depth < 2 {
            out.extend(parent_rows(s, enums, parent, &row, depth + 1));
        }
        let names: Vec<String> = row.iter().map(|(n, _)| quote(n)).collect();
        let vals: Vec<String> = row
            .iter()
            .map(|(_, v)| v.clone().unwrap_or_else(|| "NULL".into()))
            .collect();
        out.push(format!(
            "INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({}) ON CONFLICT DO NOTHING",
            quote_qualified(parent),
            names.join(", "),
            vals.join(", ")
        ));
    }
    out
}

/// Type oid → `typcategory`, reloaded when a probe meets a type created since.
#[derive(Default)]
pub struct Categories(BTreeMap<u32, String>);

impl Categories {
    fn get(&mut self, conn: &mut Conn, oid: u32) -> String {
        if !self.0.contains_key(&oid)
            && let Ok(rows) = conn.query("SELECT oid::int8, typcategory FROM pg_type")
        {
            for r in rows {
                if let (Some(Some(o)), Some(Some(c))) = (r.first(), r.get(1))
                    && let Ok(o) = o.parse()
                {
                    self.0.insert(o, c.clone());
                }
            }
        }
        self.0
            .get(&oid)
            .cloned()
            .unwrap_or_else(|| format!("oid {oid}"))
    }
}

/// A value as the previous version compares it: numbers by value, not by their scale.
fn normalize(category: &str, value: Option<String>) -> Option<String> {
    match (category, value) {
        ("N", Some(v)) if v.contains('.') && !v.contains('e') => {
            Some(v.trim_end_matches('0').trim_end_matches('.').to_string())
        }
        (_, v) => v,
    }
}

/// Runs a probe in a transaction that is rolled back.
pub fn run(
    conn: &mut Conn,
    categories: &mut Categories,
    probe: &Probe,
) -> Result<Observation, String> {
    conn.execute("BEGIN").map_err(|e| format!("BEGIN: {e}"))?;
    let mut seen = Vec::new();
    let mut failure = None;
    for sql in &probe.statements {
        match conn.query_typed(sql) {
            Ok(result) => {
                let cats: Vec<String> = result
                    .column_types
                    .iter()
                    .map(|&oid| categories.get(conn, oid))
                    .collect();
                let rows = result
                    .rows
                    .into_iter()
                    .map(|r| {
                        r.into_iter()
                            .zip(cats.iter())
                            .map(|(v, c)| normalize(c, v))
                            .collect()
                    })
                    .collect();
                seen.push((cats, rows));
            }
            Err(e) => {
                failure = Some(format!("{e}, in `{}`", shorten(sql)));
                break;
            }
        }
    }
    conn.execute("ROLLBACK")
        .map_err(|e| format!("ROLLBACK: {e}"))?;
    match failure {
        Some(f) => Err(f),
        None => Ok(seen),
    }
}

pub fn shorten(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.len() > 160 {
        let mut end = 160;
        while !one_line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &one_line[..end])
    } else {
        one_line
    }
}
