//! The names PostgreSQL gives unnamed constraints and indexes before it checks what is taken
//! (`makeObjectName`, `ChooseIndexNameAddition`, `FigureColname`): pure functions of the names
//! written, used by the replay and by frontends that must name what their framework creates.

use crate::model::{ConstraintDef, ConstraintKind};

/// The longest identifier PostgreSQL keeps, in bytes (NAMEDATALEN - 1).
const MAX_IDENTIFIER: usize = 63;

pub fn clip(s: &str, mut len: usize) -> &str {
    len = len.min(s.len());
    while !s.is_char_boundary(len) {
        len -= 1;
    }
    &s[..len]
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of `name1` and
/// `name2` a byte at a time until it fits in 63 bytes (the label is never cut).
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let available = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// PostgreSQL's `ChooseIndexNameAddition`: column names joined by `_`, no more once 63 bytes
/// are reached.
pub fn name_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip(c, MAX_IDENTIFIER));
        if out.len() >= MAX_IDENTIFIER {
            break;
        }
    }
    out
}

/// What PostgreSQL names an index column after (`FigureColname`): a column is its name, a
/// function call the function's name (`lower(email)` → `lower`), a cast what it casts, and
/// any other expression `expr`.
pub fn index_column_label(col: &str) -> String {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    // A column, stored as the database folded it.
    if plain(col) {
        return col.to_string();
    }
    let mut text = col.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim();
    }
    // `"Name"` or `"Name"::type`: the quoted column.
    if let Some(rest) = text.strip_prefix('"')
        && let Some(end) = rest.find('"')
        && (rest[end + 1..].trim().is_empty() || rest[end + 1..].trim_start().starts_with("::"))
    {
        return rest[..end].to_string();
    }
    let ident_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .unwrap_or(text.len());
    let ident = &text[..ident_end];
    let rest = text[ident_end..].trim_start();
    if ident.is_empty() {
        return "expr".to_string();
    }
    let last = ident.rsplit('.').next().unwrap_or(ident).to_lowercase();
    if rest.is_empty() || rest.starts_with("::") || rest.starts_with('(') {
        // A column (possibly cast) or a function call.
        return last;
    }
    if last == "case" {
        return last;
    }
    "expr".to_string()
}

/// The name PostgreSQL gives an unnamed constraint or index, before it checks what is taken.
pub fn default_constraint_name(table: &str, columns: &[String], label: &str) -> String {
    if label == "pkey" || columns.is_empty() {
        make_object_name(table, None, label)
    } else {
        make_object_name(table, Some(&name_addition(columns)), label)
    }
}

/// How PostgreSQL labels an unnamed constraint of `kind`, and the columns it names it after.
pub fn constraint_label(con: &ConstraintDef) -> (&'static str, &[String]) {
    match con.kind {
        ConstraintKind::PrimaryKey => ("pkey", &[]),
        ConstraintKind::Unique => ("key", &con.columns),
        // Named after the first column the expression mentions.
        ConstraintKind::Check => ("check", con.columns.get(..1).unwrap_or(&[])),
        ConstraintKind::ForeignKey => ("fkey", &con.columns),
        ConstraintKind::Exclusion => ("excl", &con.columns),
    }
}
