//! Column types as written, normalised so that spellings of one type compare equal.

use super::is_template_mask;
use super::syntax::*;
use crate::model::SqlType;
use squawk_syntax::{SyntaxKind as K, SyntaxNode};

pub(super) fn is_type_node(kind: K) -> bool {
    matches!(
        kind,
        K::ARRAY_TYPE
            | K::BIT_TYPE
            | K::BIT_VARYING_TYPE
            | K::CHARACTER_TYPE
            | K::DOUBLE_TYPE
            | K::INTERVAL_TYPE
            | K::PATH_TYPE
            | K::PERCENT_TYPE
            | K::TIME_TYPE
            | K::TIMESTAMP_TYPE
            | K::VARCHAR_TYPE
    )
}

pub(super) fn type_child(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.children().find(|c| is_type_node(c.kind()))
}

/// Reads a type node into a normalised [`SqlType`].
pub(super) fn sql_type(node: &SyntaxNode) -> SqlType {
    let mut words: Vec<String> = Vec::new();
    let mut args: Vec<u32> = Vec::new();
    let mut array = 0u8;
    let mut schema: Option<String> = None;
    for tok in node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
    {
        match tok.kind() {
            K::INT_NUMBER => {
                if let Ok(n) = tok.text().parse::<u32>() {
                    args.push(n);
                }
            }
            K::L_BRACK => array = array.saturating_add(1),
            K::ARRAY_KW => array = array.saturating_add(1),
            K::L_PAREN | K::R_PAREN | K::R_BRACK | K::COMMA | K::MINUS => {}
            K::DOT => {
                schema = words.pop();
            }
            _ => words.push(fold_ident(tok.text())),
        }
    }
    let name = words.join(" ");
    let schema = schema.filter(|s| s != "public" && s != "pg_catalog" && !is_template_mask(s));
    let mut ty = normalize_type(&name, args);
    ty.array = array;
    if let Some(s) = schema {
        ty.base = format!("{s}.{}", ty.base);
    }
    ty
}

/// Canonical spelling of a PostgreSQL type name.
pub fn normalize_type(name: &str, mut args: Vec<u32>) -> SqlType {
    let base = match name {
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer",
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint",
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" => "double precision",
        "float4" | "real" => "real",
        "float" => {
            let p = args.first().copied().unwrap_or(53);
            args.clear();
            if p <= 24 { "real" } else { "double precision" }
        }
        "decimal" | "numeric" => "numeric",
        "varchar" | "character varying" | "char varying" => "varchar",
        "char" | "character" | "bpchar" | "nchar" | "national character" => {
            if args.is_empty() {
                args.push(1);
            }
            "char"
        }
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timetz" | "time with time zone" => "timetz",
        "time" | "time without time zone" => "time",
        "varbit" | "bit varying" => "varbit",
        other => {
            return SqlType {
                base: other.to_string(),
                args,
                array: 0,
            };
        }
    };
    SqlType {
        base: base.to_string(),
        args,
        array: 0,
    }
}

pub(super) fn is_serial(node: &SyntaxNode) -> bool {
    let text = node.text().to_string().to_lowercase();
    matches!(
        text.trim(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}
