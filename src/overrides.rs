//! `compat: breaking (reason: …)` comments and the statements they apply to.
//!
//! The same rules hold for every frontend: an override applies to the statement whose first
//! line it ends, or to the statement that starts on the line right after it (other comment lines
//! may come between, a blank line may not).

use crate::model::{Override, Span, Statement};
use crate::source::LineIndex;

/// Reads an override out of one comment's text (with its `--` or `#` marker).
/// `None`: not an override. `Some(None)`: an override without a usable reason.
pub fn parse_override(comment: &str) -> Option<Option<String>> {
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
    let after = after_breaking.trim_start();
    let Some(inner) = after.strip_prefix('(') else {
        return Some(None);
    };
    let inner = inner.trim_start();
    let lower_inner = inner.to_ascii_lowercase();
    let Some(reason_start) = lower_inner.strip_prefix("reason") else {
        return Some(None);
    };
    let reason = inner[inner.len() - reason_start.len()..].trim_start();
    let reason = reason.strip_prefix(':').unwrap_or(reason);
    let reason = match reason.rfind(')') {
        Some(close) => &reason[..close],
        None => reason,
    };
    let reason = reason.trim();
    if reason.is_empty() {
        Some(None)
    } else {
        Some(Some(reason.to_string()))
    }
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
        let Some(reason) = parse_override(text) else {
            continue;
        };
        let index = overrides.len();
        overrides.push(Override {
            span: *span,
            reason,
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
    use super::parse_override;

    #[test]
    fn reads_reason() {
        assert_eq!(
            parse_override("-- compat: breaking (reason: email moved to contacts)"),
            Some(Some("email moved to contacts".to_string()))
        );
        assert_eq!(
            parse_override("# compat: breaking (reason: a (b) c)"),
            Some(Some("a (b) c".to_string()))
        );
        assert_eq!(
            parse_override("--compat:breaking(reason:x)"),
            Some(Some("x".to_string()))
        );
    }

    #[test]
    fn missing_or_empty_reason() {
        assert_eq!(parse_override("-- compat: breaking"), Some(None));
        assert_eq!(parse_override("-- compat: breaking (reason: )"), Some(None));
        assert_eq!(parse_override("-- compat: breaking (because)"), Some(None));
    }

    #[test]
    fn not_an_override() {
        assert_eq!(parse_override("-- just a comment"), None);
        assert_eq!(parse_override("-- compat: expand"), None);
    }
}
