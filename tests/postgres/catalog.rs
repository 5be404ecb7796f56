//! The schema as PostgreSQL's catalog has it, and as rollsafe replays it, in one normal form,
//! and the differences between the two.
//!
//! The normal form keeps what rollsafe's verdicts depend on: tables, columns (type,
//! nullability, whether the database fills a default, generated/identity), constraints (name,
//! kind, columns, referenced table, validated), indexes not owned by a constraint (name,
//! uniqueness, columns, partial), views and enum types. Default expressions are compared by
//! presence (the verdicts never read their text, and PostgreSQL rewrites it: `'x'::text`,
//! `nextval('t_id_seq'::regclass)`); enum values as a set (rollsafe does not place values
//! added with BEFORE/AFTER, and order changes no verdict).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Canonical type, as rollsafe spells it (`varchar(100)`, `integer[]`, `archive.mood`).
    pub ty: String,
    pub nullable: bool,
    pub has_default: bool,
    pub generated: bool,
    /// The database's own spelling (`format_type`), for casts; empty on rollsafe's side.
    pub format: String,
    /// `pg_type.typcategory`; empty on rollsafe's side.
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Constraint {
    pub name: String,
    pub kind: String,
    pub columns: Vec<String>,
    pub references: Option<String>,
    pub validated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<String>,
    pub partial: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: BTreeMap<String, Column>,
    pub constraints: BTreeSet<Constraint>,
    pub indexes: BTreeSet<Index>,
    /// The database's side only (rollsafe does not model referenced columns): per foreign
    /// key, the referenced table and (column, referenced column) pairs, for probes that must
    /// insert a parent row first.
    pub foreign_keys: Vec<(String, Vec<(String, String)>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// name → materialized
    pub views: BTreeMap<String, bool>,
    /// The columns of each view, in order (the database's side only: rollsafe does not model
    /// view columns).
    pub view_columns: BTreeMap<String, Vec<String>>,
    pub enums: BTreeMap<String, BTreeSet<String>>,
    /// Sequences no column owns (the database's side only; for the probes).
    pub sequences: BTreeSet<String>,
}

/// One query that returns the whole user schema as JSON.
const CATALOG_QUERY: &str = r#"
WITH rel AS (
  SELECT c.oid, c.relkind, n.nspname, c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
)
SELECT json_build_object(
  'tables', (SELECT coalesce(json_agg(json_build_object(
      'schema', r.nspname, 'name', r.relname,
      'columns', (SELECT coalesce(json_agg(json_build_object(
            'name', a.attname,
            'typname', CASE WHEN ty.typelem <> 0 AND ty.typlen = -1 THEN et.typname ELSE ty.typname END,
            'typschema', CASE WHEN ty.typelem <> 0 AND ty.typlen = -1 THEN etn.nspname ELSE tyn.nspname END,
            'array', CASE WHEN ty.typelem <> 0 AND ty.typlen = -1 THEN greatest(a.attndims, 1) ELSE 0 END,
            'format', format_type(a.atttypid, a.atttypmod),
            'category', ty.typcategory,
            'notnull', a.attnotnull,
            'has_default', d.adbin IS NOT NULL AND a.attgenerated = '',
            'generated', a.attgenerated <> '' OR a.attidentity <> '')
          ORDER BY a.attnum), '[]')
        FROM pg_attribute a
        JOIN pg_type ty ON ty.oid = a.atttypid
        JOIN pg_namespace tyn ON tyn.oid = ty.typnamespace
        LEFT JOIN pg_type et ON et.oid = ty.typelem
        LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'constraints', (SELECT coalesce(json_agg(json_build_object(
            'name', k.conname, 'type', k.contype,
            'columns', (SELECT coalesce(json_agg(att.attname ORDER BY att.attname), '[]')
                        FROM pg_attribute att
                        WHERE att.attrelid = k.conrelid AND att.attnum = ANY (k.conkey)),
            'ref_schema', (SELECT rn.nspname FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = k.confrelid),
            'ref_name', (SELECT rc.relname FROM pg_class rc WHERE rc.oid = k.confrelid),
            'validated', k.convalidated,
            'pairs', (SELECT json_agg(json_build_array(ca.attname, ra.attname) ORDER BY u.ord)
                      FROM unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(c, rc, ord)
                      JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = u.c
                      JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.rc))
          ORDER BY k.conname), '[]')
        FROM pg_constraint k
        WHERE k.conrelid = r.oid AND k.contype IN ('p', 'u', 'c', 'f', 'x')),
      'indexes', (SELECT coalesce(json_agg(json_build_object(
            'name', ic.relname, 'unique', i.indisunique, 'partial', i.indpred IS NOT NULL,
            'columns', (SELECT json_agg(CASE WHEN k.attnum = 0 THEN NULL
                                             ELSE (SELECT attname FROM pg_attribute
                                                   WHERE attrelid = i.indrelid AND attnum = k.attnum) END
                                        ORDER BY k.ord)
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                        WHERE k.ord <= i.indnkeyatts))
          ORDER BY ic.relname), '[]')
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = r.oid
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                          WHERE k.conindid = i.indexrelid AND k.conrelid = r.oid
                            AND k.contype IN ('p', 'u', 'x'))))
    ORDER BY r.nspname, r.relname), '[]') FROM rel r WHERE r.relkind IN ('r', 'p')),
  'views', (SELECT coalesce(json_agg(json_build_object(
      'schema', r.nspname, 'name', r.relname, 'materialized', r.relkind = 'm',
      'columns', (SELECT coalesce(json_agg(a.attname ORDER BY a.attnum), '[]') FROM pg_attribute a
                  WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped))
    ORDER BY r.nspname, r.relname), '[]') FROM rel r WHERE r.relkind IN ('v', 'm')),
  'sequences', (SELECT coalesce(json_agg(json_build_object('schema', r.nspname, 'name', r.relname)
    ORDER BY r.nspname, r.relname), '[]') FROM rel r WHERE r.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = r.oid AND d.deptype IN ('a', 'i'))),
  'enums', (SELECT coalesce(json_agg(json_build_object(
      'schema', n.nspname, 'name', t.typname,
      'values', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
    ORDER BY n.nspname, t.typname), '[]')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema'))
)::text
"#;

fn qualified(schema: &str, name: &str) -> String {
    if schema == "public" {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// PostgreSQL's internal type name, in the canonical spelling rollsafe's model uses. Written
/// out here rather than borrowed from rollsafe, so that the oracle does not share its mistakes.
fn canonical_base(typname: &str, typschema: &str) -> String {
    let base = match typname {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        "float4" => "real",
        "float8" => "double precision",
        "bpchar" => "char",
        other => other,
    };
    if typschema == "pg_catalog" || typschema == "public" {
        base.to_string()
    } else {
        format!("{typschema}.{base}")
    }
}

/// Type modifiers from `format_type`: `character varying(100)` → `[100]`,
/// `numeric(10,2)` → `[10, 2]`, `timestamp(3) with time zone` → `[3]`.
fn type_args(format: &str) -> Vec<u32> {
    let Some(open) = format.find('(') else {
        return Vec::new();
    };
    let Some(close) = format[open..].find(')') else {
        return Vec::new();
    };
    format[open + 1..open + close]
        .split(',')
        .filter_map(|a| a.trim().parse().ok())
        .collect()
}

fn type_text(base: &str, args: &[u32], array: u64) -> String {
    let mut t = base.to_string();
    if !args.is_empty() {
        let a: Vec<String> = args.iter().map(u32::to_string).collect();
        t.push_str(&format!("({})", a.join(",")));
    }
    for _ in 0..array {
        t.push_str("[]");
    }
    t
}

pub fn read_catalog(conn: &mut super::cluster::Conn) -> Result<Schema, String> {
    let rows = conn
        .query(CATALOG_QUERY)
        .map_err(|e| format!("catalog query: {e}"))?;
    let text = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .ok_or("catalog query returned nothing")?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("catalog JSON: {e}"))?;
    let mut out = Schema::default();
    for t in list(&doc, "tables") {
        let mut table = Table::default();
        for c in list(t, "columns") {
            let base = canonical_base(&s(c, "typname"), &s(c, "typschema"));
            let array = c.get("array").and_then(Value::as_u64).unwrap_or(0);
            table.columns.insert(
                s(c, "name"),
                Column {
                    ty: type_text(&base, &type_args(&s(c, "format")), array),
                    nullable: !b(c, "notnull"),
                    has_default: b(c, "has_default"),
                    generated: b(c, "generated"),
                    format: s(c, "format"),
                    category: s(c, "category"),
                },
            );
        }
        for k in list(t, "constraints") {
            let kind = match s(k, "type").as_str() {
                "p" => "primary_key",
                "u" => "unique",
                "c" => "check",
                "f" => "foreign_key",
                "x" => "exclusion",
                _ => continue,
            };
            let ref_name = s(k, "ref_name");
            if kind == "foreign_key" {
                let pairs = list(k, "pairs")
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p.get(0)?.as_str()?.to_string(),
                            p.get(1)?.as_str()?.to_string(),
                        ))
                    })
                    .collect();
                table
                    .foreign_keys
                    .push((qualified(&s(k, "ref_schema"), &ref_name), pairs));
            }
            table.constraints.insert(Constraint {
                name: s(k, "name"),
                kind: kind.to_string(),
                columns: list(k, "columns")
                    .iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect(),
                references: (!ref_name.is_empty())
                    .then(|| qualified(&s(k, "ref_schema"), &ref_name)),
                validated: b(k, "validated"),
            });
        }
        for i in list(t, "indexes") {
            table.indexes.insert(Index {
                name: s(i, "name"),
                unique: b(i, "unique"),
                columns: list(i, "columns")
                    .iter()
                    .map(|c| {
                        c.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| EXPR.to_string())
                    })
                    .collect(),
                partial: b(i, "partial"),
            });
        }
        out.tables
            .insert(qualified(&s(t, "schema"), &s(t, "name")), table);
    }
    for v in list(&doc, "views") {
        let name = qualified(&s(v, "schema"), &s(v, "name"));
        out.views.insert(name.clone(), b(v, "materialized"));
        out.view_columns.insert(
            name,
            list(v, "columns")
                .iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect(),
        );
    }
    for q in list(&doc, "sequences") {
        out.sequences
            .insert(qualified(&s(q, "schema"), &s(q, "name")));
    }
    for e in list(&doc, "enums") {
        out.enums.insert(
            qualified(&s(e, "schema"), &s(e, "name")),
            list(e, "values")
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        );
    }
    Ok(out)
}

/// An index entry that is an expression rather than a column.
const EXPR: &str = "(expression)";

fn is_plain_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn qualified_json(v: &Value) -> String {
    let name = s(v, "name");
    match v.get("schema").and_then(Value::as_str) {
        Some(schema) => qualified(schema, &name),
        None => name,
    }
}

/// One history of rollsafe's `schema --format json`, in the normal form.
pub fn from_rollsafe_json(text: &str, history: &str) -> Result<Schema, String> {
    let all: Value =
        serde_json::from_str(text).map_err(|e| format!("rollsafe schema JSON: {e}"))?;
    let mut out = Schema::default();
    let Some(doc) = list(&all, "histories")
        .iter()
        .find(|h| h.get("history").and_then(Value::as_str) == Some(history))
    else {
        // A history with no migrations applied yet has no schema.
        return Ok(out);
    };
    for t in list(doc, "tables") {
        let mut table = Table::default();
        let name = t.get("name").map(qualified_json).unwrap_or_default();
        for c in list(t, "columns") {
            let ty = c.get("type").cloned().unwrap_or(Value::Null);
            let args: Vec<u32> = list(&ty, "args")
                .iter()
                .filter_map(|a| a.as_u64().map(|a| a as u32))
                .collect();
            let array = ty.get("array").and_then(Value::as_u64).unwrap_or(0);
            table.columns.insert(
                s(c, "name"),
                Column {
                    ty: type_text(&s(&ty, "base"), &args, array),
                    nullable: b(c, "nullable"),
                    has_default: c.get("default").is_some_and(|d| !d.is_null()),
                    generated: b(c, "generated"),
                    format: String::new(),
                    category: String::new(),
                },
            );
        }
        for k in list(t, "constraints") {
            let mut columns: Vec<String> = list(k, "columns")
                .iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect();
            columns.sort();
            columns.dedup();
            table.constraints.insert(Constraint {
                name: s(k, "name"),
                kind: s(k, "kind"),
                columns,
                references: k.get("references").map(qualified_json),
                validated: !b(k, "not_valid"),
            });
        }
        for i in list(t, "indexes") {
            table.indexes.insert(Index {
                name: s(i, "name"),
                unique: b(i, "unique"),
                columns: list(i, "columns")
                    .iter()
                    .filter_map(|c| c.as_str())
                    .map(|c| {
                        if is_plain_identifier(c) {
                            c.to_string()
                        } else {
                            EXPR.to_string()
                        }
                    })
                    .collect(),
                partial: b(i, "partial"),
            });
        }
        out.tables.insert(name, table);
    }
    for v in list(doc, "views") {
        out.views.insert(
            v.get("name").map(qualified_json).unwrap_or_default(),
            b(v, "materialized"),
        );
    }
    for e in list(doc, "enums") {
        out.enums.insert(
            e.get("name").map(qualified_json).unwrap_or_default(),
            list(e, "values")
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        );
    }
    Ok(out)
}

/// Every difference, one line each, naming the object.
pub fn differences(rollsafe: &Schema, database: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    keyed_diff(
        "table",
        &rollsafe.tables,
        &database.tables,
        &mut out,
        |name, r, d, out| {
            keyed_diff(
                &format!("column of {name}:"),
                &r.columns,
                &d.columns,
                out,
                |col, rc, dc, out| {
                    if describe_column(rc) != describe_column(dc) {
                        out.push(format!(
                            "column {name}.{col}: rollsafe has {}, the database {}",
                            describe_column(rc),
                            describe_column(dc)
                        ));
                    }
                },
            );
            set_diff(
                &format!("constraint on {name}"),
                &r.constraints,
                &d.constraints,
                out,
            );
            set_diff(&format!("index on {name}"), &r.indexes, &d.indexes, out);
        },
    );
    keyed_diff(
        "view",
        &rollsafe.views,
        &database.views,
        &mut out,
        |name, r, d, out| {
            if r != d {
                out.push(format!(
                    "view {name}: materialized rollsafe {r}, database {d}"
                ));
            }
        },
    );
    keyed_diff(
        "enum",
        &rollsafe.enums,
        &database.enums,
        &mut out,
        |name, r, d, out| {
            if r != d {
                out.push(format!(
                    "enum {name}: rollsafe has {r:?}, the database {d:?}"
                ));
            }
        },
    );
    out
}

fn describe_column(c: &Column) -> String {
    let mut s = c.ty.clone();
    if !c.nullable {
        s.push_str(" not null");
    }
    if c.has_default {
        s.push_str(" default");
    }
    if c.generated {
        s.push_str(" generated");
    }
    s
}

fn keyed_diff<V>(
    what: &str,
    rollsafe: &BTreeMap<String, V>,
    database: &BTreeMap<String, V>,
    out: &mut Vec<String>,
    mut both: impl FnMut(&str, &V, &V, &mut Vec<String>),
) {
    for (k, r) in rollsafe {
        match database.get(k) {
            Some(d) => both(k, r, d, out),
            None => out.push(format!(
                "{what} {k}: in rollsafe's schema, not in the database"
            )),
        }
    }
    for k in database.keys().filter(|k| !rollsafe.contains_key(*k)) {
        out.push(format!(
            "{what} {k}: in the database, not in rollsafe's schema"
        ));
    }
}

fn set_diff<T: Ord + std::fmt::Debug>(
    what: &str,
    rollsafe: &BTreeSet<T>,
    database: &BTreeSet<T>,
    out: &mut Vec<String>,
) {
    for x in rollsafe.difference(database) {
        out.push(format!("{what}: rollsafe has {x:?}, the database does not"));
    }
    for x in database.difference(rollsafe) {
        out.push(format!("{what}: the database has {x:?}, rollsafe does not"));
    }
}
