//! `compat: breaking (reason: …)` comments and the statements they apply to.
//!
//! The same rules hold for every frontend: an override applies to the statement whose first
//! line it ends, or to the statement that starts on the line right after it (other comment lines
//! may come between, a blank line may not).

use crate::model::{Override, Span, Statement};
use crate::source::LineIndex;

/// An override as written in a comment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Written {
    /// The reason; `None` when missing or empty.
    pub reason: Option<String>,
    /// The handles of the `; approved-by: @a, @b` signoff, as written (empty: none).
    pub approved_by: Vec<String>,
}

/// Reads an override out of one comment's text (with its `--` or `#` marker); `None`: not an
/// override. The grammar is `compat: breaking (reason: <text>[; approved-by: @a, @b])`: only
/// the last `; approved-by:` segment is the signoff, any other `;` is part of the reason.
pub fn parse_override(comment: &str) -> Option<Written> {
    let body = comment
        .trim_start()
        .trim_start_matches("--")
        .trim_start_matches('#')
        .trim_start_matches("/*")
        .trim_end()
        .trim_end_matches("*/")
        .trim();
    let lower = body.to_ascii_lowercase();
    let rest = lower.strip_prefix("compat:")?.trim_start();
    if !rest.starts_with("breaking") {
        return None;
    }
    let after_breaking = &body[body.len() - rest.len() + "breaking".len()..];
    let Some(inner) = after_breaking.trim_start().strip_prefix('(') else {
        return Some(Written::default());
    };
    // The text up to the last `)`: a reason may hold parentheses of its own.
    let inner = match inner.rfind(')') {
        Some(close) => &inner[..close],
        None => inner,
    };
    let (inner, approved_by) = split_signoff(inner);
    let inner = inner.trim_start();
    let Some(reason_start) = inner
        .to_ascii_lowercase()
        .strip_prefix("reason")
        .map(str::len)
    else {
        return Some(Written {
            reason: None,
            approved_by,
        });
    };
    let reason = inner[inner.len() - reason_start..].trim_start();
    let reason = reason.strip_prefix(':').unwrap_or(reason).trim();
    Some(Written {
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        approved_by,
    })
}

/// Splits the last `; approved-by: …` segment (or a leading `approved-by: …`) off the text
/// inside the parentheses: (the rest, the handles).
fn split_signoff(inner: &str) -> (&str, Vec<String>) {
    const KEY: &str = "approved-by";
    let lower = inner.to_ascii_lowercase();
    let segment_start = lower.match_indices(';').rev().find_map(|(semi, _)| {
        let after = lower[semi + 1..].trim_start();
        let value = after.strip_prefix(KEY)?.trim_start().strip_prefix(':')?;
        Some((semi, inner.len() - value.len()))
    });
    let segment_start = segment_start.or_else(|| {
        let after = lower.trim_start();
        let value = after.strip_prefix(KEY)?.trim_start().strip_prefix(':')?;
        Some((0, inner.len() - value.len()))
    });
    match segment_start {
        Some((cut, value)) => (&inner[..cut], handles(&inner[value..])),
        None => (inner, Vec::new()),
    }
}

/// The handles of a signoff: separated by commas (spaces tolerated).
fn handles(list: &str) -> Vec<String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .collect()
}

/// Finds the overrides among `comments` and points each statement at the one that applies.
/// `is_comment_line` tells whether a whole line is only a comment (frontend-specific syntax).
pub fn attach(
    source: &str,
    comments: &[(Span, String)],
    statements: &mut [Statement],
    is_comment_line: impl Fn(&str) -> bool,
) -> Vec<Override> {
    let lines = LineIndex::new(source);
    let mut overrides = Vec::new();
    for (span, text) in comments {
        let Some(written) = parse_override(text) else {
            continue;
        };
        let index = overrides.len();
        overrides.push(Override {
            span: *span,
            reason: written.reason,
            approved_by: written.approved_by,
        });
        let line = lines.line_of(span.start);
        // End of a statement's first line.
        let same_line = statements
            .iter_mut()
            .filter(|s| s.span.start < span.start && lines.line_of(s.span.start) == line)
            .last();
        if let Some(stmt) = same_line {
            stmt.override_index.get_or_insert(index);
            continue;
        }
        // The statement below, with only comment lines between.
        let below = statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.span.start >= span.end)
            .min_by_key(|(_, s)| s.span.start)
            .map(|(i, s)| (i, lines.line_of(s.span.start)));
        if let Some((i, stmt_line)) = below {
            let between_ok = stmt_line > line
                && (line + 1..stmt_line).all(|l| is_comment_line(lines.line_text(source, l)));
            if between_ok {
                statements[i].override_index.get_or_insert(index);
                continue;
            }
        }
        // Inside a statement (a `-- compat:` line in a SQL string of a Python migration, a
        // comment in the middle of a long statement): that statement, the innermost one.
        if let Some(stmt) = statements
            .iter_mut()
            .filter(|s| s.span.start < span.start && span.end <= s.span.end)
            .min_by_key(|s| s.span.end - s.span.start)
        {
            stmt.override_index.get_or_insert(index);
        }
    }
    overrides
}

#[cfg(test)]
mod tests {
    use super::{Written, parse_override};

    fn reason(comment: &str) -> Option<Option<String>> {
        parse_override(comment).map(|w| w.reason)
    }

    fn written(reason: &str, approved_by: &[&str]) -> Option<Written> {
        Some(Written {
            reason: Some(reason.to_string()),
            approved_by: approved_by.iter().map(|h| h.to_string()).collect(),
        })
    }

    #[test]
    fn reads_reason() {
        assert_eq!(
            reason("-- compat: breaking (reason: email moved to contacts)"),
            Some(Some("email moved to contacts".to_string()))
        );
        assert_eq!(
            reason("# compat: breaking (reason: a (b) c)"),
            Some(Some("a (b) c".to_string()))
        );
        assert_eq!(
            reason("--compat:breaking(reason:x)"),
            Some(Some("x".to_string()))
        );
        assert_eq!(
            parse_override("-- compat: breaking (reason: x)"),
            written("x", &[])
        );
    }

    #[test]
    fn missing_or_empty_reason() {
        assert_eq!(reason("-- compat: breaking"), Some(None));
        assert_eq!(reason("-- compat: breaking (reason: )"), Some(None));
        assert_eq!(reason("-- compat: breaking (because)"), Some(None));
        assert_eq!(
            reason("-- compat: breaking (reason: ; approved-by: @a)"),
            Some(None)
        );
    }

    #[test]
    fn not_an_override() {
        assert_eq!(parse_override("-- just a comment"), None);
        assert_eq!(parse_override("-- compat: expand"), None);
    }

    #[test]
    fn reads_signoff_in_sql_and_python_comments() {
        assert_eq!(
            parse_override(
                "-- compat: breaking (reason: unused since 2024.06; approved-by: @alice)"
            ),
            written("unused since 2024.06", &["@alice"])
        );
        assert_eq!(
            parse_override(
                "# compat: breaking (reason: unused; approved-by: @alice, @acme/db-team)"
            ),
            written("unused", &["@alice", "@acme/db-team"])
        );
        assert_eq!(
            parse_override("/* compat: breaking (reason: x;approved-by:@a,@b) */"),
            written("x", &["@a", "@b"])
        );
        // Spelling of the key is free as to case and spaces around the colon.
        assert_eq!(
            parse_override("-- compat: breaking (reason: x ;  Approved-By : @a @b)"),
            written("x", &["@a", "@b"])
        );
    }

    #[test]
    fn only_the_last_approved_by_segment_is_the_signoff() {
        assert_eq!(
            parse_override("-- compat: breaking (reason: moved; see ticket 42; approved-by: @a)"),
            written("moved; see ticket 42", &["@a"])
        );
        assert_eq!(
            parse_override(
                "-- compat: breaking (reason: x; approved-by: @mallory; y; approved-by: @b)"
            ),
            written("x; approved-by: @mallory; y", &["@b"])
        );
        // A `;` that starts no signoff stays in the reason.
        assert_eq!(
            parse_override("-- compat: breaking (reason: a; b (c); approved by @x)"),
            written("a; b (c); approved by @x", &[])
        );
        assert_eq!(
            parse_override("-- compat: breaking (reason: a (b); approved-by: @x)"),
            written("a (b)", &["@x"])
        );
    }

    #[test]
    fn empty_or_reasonless_signoff() {
        assert_eq!(
            parse_override("-- compat: breaking (reason: x; approved-by: )"),
            written("x", &[])
        );
        assert_eq!(
            parse_override("-- compat: breaking (approved-by: @a)"),
            Some(Written {
                reason: None,
                approved_by: vec!["@a".to_string()],
            })
        );
    }
}
