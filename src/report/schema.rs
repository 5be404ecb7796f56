//! `rollsafe schema`: the replayed schema as text (stable, diffable) or JSON.

use crate::schema::Schema;
use std::fmt::Write;

/// One line per object and per column, constraint and index, sorted: the input of `--diff`.
pub fn render_text(schema: &Schema) -> String {
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

pub fn render_json(schema: &Schema) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        version: u32,
        tables: Vec<&'a crate::schema::Table>,
        views: Vec<&'a crate::schema::View>,
        enums: Vec<&'a crate::schema::EnumType>,
    }
    let doc = Doc {
        version: 1,
        tables: schema.tables.values().collect(),
        views: schema.views.values().collect(),
        enums: schema.types.values().collect(),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A unified diff of two schemas' text forms.
pub fn diff(before: &Schema, after: &Schema, before_label: &str, after_label: &str) -> String {
    let a = render_text(before);
    let b = render_text(after);
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(before_label, after_label)
        .to_string()
}
