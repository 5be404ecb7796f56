//! Frontends read one framework's migration files into the [`crate::model`].

pub mod alembic;
pub mod django;
pub mod python;
pub mod sql;

/// Column names a CHECK expression mentions: its words that are not SQL keywords, common
/// functions or numbers (a rough reading; exact enough to tell which columns a check covers).
pub fn check_columns(expr: &str) -> Vec<String> {
    let mut cols: Vec<String> = expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| {
            !matches!(
                w.as_str(),
                "and"
                    | "or"
                    | "not"
                    | "null"
                    | "is"
                    | "in"
                    | "like"
                    | "between"
                    | "true"
                    | "false"
                    | "length"
                    | "lower"
                    | "upper"
                    | "char_length"
                    | "trim"
            )
        })
        .collect();
    cols.sort();
    cols.dedup();
    cols
}
