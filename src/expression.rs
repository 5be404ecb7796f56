//! SQL expressions held as text (CHECK and index expressions, generated columns, partial-index
//! predicates): which columns they mention and what a column rename does to them. Used by the
//! frontends that read them and by the replay that renames inside them.

/// A word of a SQL expression outside string literals.
struct Word {
    /// Lower-cased unless quoted, as the database folds identifiers.
    text: String,
    quoted: bool,
    /// Followed by `(`: a function name.
    called: bool,
    /// After `::`: a type name.
    cast_to: bool,
}

/// Consumes the rest of an unquoted identifier (what was read of it ends at `end`); returns
/// where the identifier ends.
fn unquoted_identifier_end(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    mut end: usize,
) -> usize {
    while let Some(&(j, d)) = chars.peek() {
        if d.is_alphanumeric() || d == '_' || d == '$' {
            end = j + d.len_utf8();
            chars.next();
        } else {
            break;
        }
    }
    end
}

fn expression_words(expr: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let (word, quoted, end) = match c {
            '\'' => {
                // A string literal; '' is an escaped quote inside it.
                while let Some((_, d)) = chars.next() {
                    if d == '\'' {
                        if chars.peek().is_some_and(|&(_, e)| e == '\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                continue;
            }
            '"' => {
                let mut w = String::new();
                let mut end = expr.len();
                while let Some((j, d)) = chars.next() {
                    if d == '"' {
                        if chars.peek().is_some_and(|&(_, e)| e == '"') {
                            chars.next();
                            w.push('"');
                        } else {
                            end = j + 1;
                            break;
                        }
                    } else {
                        w.push(d);
                    }
                }
                (w, true, end)
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = unquoted_identifier_end(&mut chars, i + c.len_utf8());
                (expr[i..end].to_lowercase(), false, end)
            }
            _ => continue,
        };
        out.push(Word {
            text: word,
            quoted,
            called: expr[end..].trim_start().starts_with('('),
            cast_to: expr[..i].trim_end().ends_with("::"),
        });
    }
    out
}

/// `expr` with column `from` (as the database folded it) renamed to `to`: the identifiers that
/// name it, outside string literals, not called as functions and not type names after `::`.
pub fn rename_in_expression(expr: &str, from: &str, to: &str) -> String {
    let plain = to
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && to
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    let replacement = if plain {
        to.to_string()
    } else {
        format!("\"{}\"", to.replace('"', "\"\""))
    };
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                out.push(c);
                while let Some((_, d)) = chars.next() {
                    out.push(d);
                    if d == '\'' {
                        if chars.peek().is_some_and(|&(_, e)| e == '\'') {
                            if let Some((_, e)) = chars.next() {
                                out.push(e);
                            }
                        } else {
                            break;
                        }
                    }
                }
            }
            _ if c == '"' || c.is_alphabetic() || c == '_' => {
                let start = i;
                let mut end = i + c.len_utf8();
                let word = if c == '"' {
                    let mut w = String::new();
                    while let Some((j, d)) = chars.next() {
                        end = j + d.len_utf8();
                        if d == '"' {
                            if chars.peek().is_some_and(|&(_, e)| e == '"') {
                                chars.next();
                                w.push('"');
                            } else {
                                break;
                            }
                        } else {
                            w.push(d);
                        }
                    }
                    w
                } else {
                    end = unquoted_identifier_end(&mut chars, end);
                    expr[start..end].to_lowercase()
                };
                let called = expr[end..].trim_start().starts_with('(');
                let cast_to = expr[..start].trim_end().ends_with("::");
                if word == from && !called && !cast_to {
                    out.push_str(&replacement);
                } else {
                    out.push_str(&expr[start..end]);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Words that are SQL syntax in a CHECK expression, never column names.
const EXPRESSION_KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "null",
    "is",
    "in",
    "like",
    "ilike",
    "similar",
    "to",
    "between",
    "true",
    "false",
    "unknown",
    "distinct",
    "from",
    "case",
    "when",
    "then",
    "else",
    "end",
    "any",
    "all",
    "some",
    "array",
    "collate",
    "escape",
    "at",
    "time",
    "zone",
    "interval",
    "current_date",
    "current_timestamp",
    "current_time",
    "localtimestamp",
    "localtime",
    "isnull",
    "notnull",
    "value",
];

/// Column names a CHECK expression mentions, in the order they first appear: its words outside
/// string literals that are not SQL keywords, function names, type names after `::`, or
/// numbers (a reading for frontends that hold the expression as text).
pub fn check_columns(expr: &str) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for w in expression_words(expr) {
        let keyword = !w.quoted && EXPRESSION_KEYWORDS.contains(&w.text.as_str());
        if !(keyword || w.called || w.cast_to || cols.contains(&w.text)) {
            cols.push(w.text);
        }
    }
    cols
}

/// The column of a check that only says `column IS NOT NULL` (`NOT column IS NULL` too).
pub fn is_not_null_check(expr: &str) -> Option<String> {
    let words = expression_words(expr);
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let column = match texts.as_slice() {
        [_, "is", "not", "null"] | ["not", _, "is", "null"] => words
            .iter()
            .find(|w| w.quoted || !EXPRESSION_KEYWORDS.contains(&w.text.as_str()))?,
        _ => return None,
    };
    // Nothing but the words and parentheses: no operator that changes the meaning.
    let rest: String = expr
        .chars()
        .filter(|c| {
            !c.is_alphanumeric() && !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '_' | '$')
        })
        .collect();
    rest.is_empty().then(|| column.text.clone())
}

/// Whether a CHECK expression can be false when the columns it mentions are all NULL. Most
/// operators and functions return NULL on NULL input, and a CHECK that yields NULL passes; the
/// constructs below look at NULL itself, so a check using one may reject a row that leaves
/// the columns out.
pub fn check_may_reject_null(expr: &str) -> bool {
    expression_words(expr).iter().any(|w| {
        !w.quoted
            && matches!(
                w.text.as_str(),
                "is" | "isnull"
                    | "notnull"
                    | "coalesce"
                    | "nullif"
                    | "case"
                    | "num_nulls"
                    | "num_nonnulls"
                    | "greatest"
                    | "least"
                    | "concat"
                    | "concat_ws"
                    | "format"
                    | "array"
                    | "row"
                    | "ifnull"
                    | "nvl"
                    | "iif"
            )
    })
}

/// Built-in functions PostgreSQL marks volatile that defaults call (`pg_proc.provolatile =
/// 'v'`): a default calling one is evaluated per row.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
];

/// Whether a default expression calls a function known to be volatile (`gen_random_uuid()`,
/// `random()`, `clock_timestamp()`, `nextval(…)`): adding a column with such a default
/// rewrites the table, since each row gets its own value. `now()` and `CURRENT_TIMESTAMP` are
/// stable (one value per statement) and do not; a user function is not known here.
pub fn is_volatile(expr: &str) -> bool {
    expression_words(expr).iter().any(|w| {
        let name = w.text.rsplit('.').next().unwrap_or(&w.text);
        w.called && !w.quoted && VOLATILE_FUNCTIONS.contains(&name)
    })
}

#[cfg(test)]
mod tests {
    use super::{check_columns, check_may_reject_null};

    #[test]
    fn check_columns_skip_functions_literals_and_types() {
        assert_eq!(check_columns("length(code) <= 10"), vec!["code"]);
        assert_eq!(
            check_columns("status IN ('active', 'done') AND qty::integer > 0"),
            vec!["status", "qty"]
        );
        assert_eq!(check_columns("b > 0 AND a > 0"), vec!["b", "a"]);
        assert_eq!(check_columns("\"Total\" >= 0"), vec!["Total"]);
        assert_eq!(check_columns("note <> 'it''s'"), vec!["note"]);
    }

    #[test]
    fn renames_in_expressions() {
        use super::rename_in_expression as r;
        assert_eq!(
            r("lower(title::text)", "title", "name"),
            "lower(name::text)"
        );
        assert_eq!(
            r("title || 'title' || \"title\"", "title", "Name"),
            "\"Name\" || 'title' || \"Name\""
        );
        assert_eq!(
            r("title(x) + x::title", "title", "name"),
            "title(x) + x::title"
        );
        assert_eq!(r("subtitle > 0", "title", "name"), "subtitle > 0");
    }

    #[test]
    fn not_null_checks() {
        use super::is_not_null_check;
        assert_eq!(
            is_not_null_check("plan IS NOT NULL").as_deref(),
            Some("plan")
        );
        assert_eq!(
            is_not_null_check("(\"Plan\" IS NOT NULL)").as_deref(),
            Some("Plan")
        );
        assert_eq!(
            is_not_null_check("NOT plan IS NULL").as_deref(),
            Some("plan")
        );
        assert_eq!(is_not_null_check("plan IS NULL"), None);
        assert_eq!(is_not_null_check("length(plan) IS NOT NULL"), None);
        assert_eq!(is_not_null_check("a IS NOT NULL OR b > 0"), None);
    }

    #[test]
    fn null_rejecting_checks() {
        assert!(check_may_reject_null("payload IS NOT NULL"));
        assert!(check_may_reject_null("coalesce(a, 0) > 0"));
        assert!(!check_may_reject_null("amount > 0"));
        assert!(!check_may_reject_null(
            "length(code) <= 10 AND code <> 'is'"
        ));
    }
}
