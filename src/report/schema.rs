//! `rollsafe schema`: the replayed schema as text (stable, diffable) or JSON, per history
//! (each history is its own database: one per SQL engine, Alembic environment, Django project).

use crate::schema::Schema;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Every history's schema; a heading names each when there are several.
pub fn render_text(schemas: &BTreeMap<String, Schema>) -> String {
    if schemas.len() == 1 {
        return schemas.values().map(render_one).collect();
    }
    let mut out = String::new();
    for (history, schema) in schemas {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "history {history}");
        out.push_str(&render_one(schema));
    }
    out
}

/// One line per object and per column, constraint and index, sorted: the input of `--diff`.
fn render_one(schema: &Schema) -> String {
    let mut out = String::new();
    for t in schema.tables.values() {
        let _ = writeln!(
            out,
            "table {}{}",
            t.name,
            if t.partial {
                " (created before the history; only referenced columns known)"
            } else {
                ""
            }
        );
        for c in &t.columns {
            let mut line = format!("  column {} {}", c.def.name, c.def.ty);
            if !c.def.nullable {
                line.push_str(" not null");
            }
            if let Some(d) = &c.def.default {
                let _ = write!(line, " default {d}");
            }
            if c.def.generated {
                line.push_str(" generated");
            }
            let _ = writeln!(out, "{line}");
        }
        let mut cons: Vec<String> = t
            .constraints
            .iter()
            .map(|c| {
                let mut s = format!(
                    "  constraint {} {} ({})",
                    c.name,
                    c.def.kind.describe(),
                    c.def.columns.join(", ")
                );
                if let Some(r) = &c.def.references {
                    let _ = write!(s, " references {r}");
                }
                if c.def.not_valid {
                    s.push_str(" not valid");
                }
                s
            })
            .collect();
        cons.sort();
        for c in cons {
            let _ = writeln!(out, "{c}");
        }
        let mut idx: Vec<String> = t
            .indexes
            .iter()
            .map(|i| {
                format!(
                    "  index {}{} ({}){}",
                    i.name,
                    if i.unique { " unique" } else { "" },
                    i.columns.join(", "),
                    if i.partial { " partial" } else { "" }
                )
            })
            .collect();
        idx.sort();
        for i in idx {
            let _ = writeln!(out, "{i}");
        }
    }
    for v in schema.views.values() {
        let _ = writeln!(
            out,
            "{}view {}",
            if v.materialized { "materialized " } else { "" },
            v.name
        );
    }
    for e in schema.types.values() {
        let values: Vec<String> = e.values.iter().map(|v| format!("'{v}'")).collect();
        let _ = writeln!(out, "enum {} ({})", e.name, values.join(", "));
    }
    out
}

pub fn render_json(schemas: &BTreeMap<String, Schema>) -> String {
    #[derive(serde::Serialize)]
    struct History<'a> {
        history: &'a str,
        tables: Vec<&'a crate::schema::Table>,
        views: Vec<&'a crate::schema::View>,
        enums: Vec<&'a crate::schema::EnumType>,
    }
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        version: u32,
        histories: Vec<History<'a>>,
    }
    let doc = Doc {
        version: 2,
        histories: schemas
            .iter()
            .map(|(history, schema)| History {
                history,
                tables: schema.tables.values().collect(),
                views: schema.views.values().collect(),
                enums: schema.types.values().collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A unified diff of two schemas' text forms, history by history.
pub fn diff(
    pairs: &BTreeMap<String, crate::rollback::SchemaPair>,
    before_label: &str,
    after_label: &str,
) -> String {
    let mut out = String::new();
    for (history, pair) in pairs {
        let a = render_one(&pair.at_target);
        let b = render_one(&pair.now);
        let (before, after) = if pairs.len() == 1 {
            (before_label.to_string(), after_label.to_string())
        } else {
            (
                format!("{before_label} ({history})"),
                format!("{after_label} ({history})"),
            )
        };
        out.push_str(
            &similar::TextDiff::from_lines(&a, &b)
                .unified_diff()
                .context_radius(3)
                .header(&before, &after)
                .to_string(),
        );
    }
    out
}
