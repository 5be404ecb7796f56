//! PostgreSQL statements to [`Op`]s, through `squawk-syntax`'s error-tolerant parser.
//!
//! The walk is over the untyped syntax tree: each statement node's kind picks a handler, and
//! handlers look for the child nodes they need. Whatever a handler cannot place becomes an
//! [`Op::Opaque`] with the statement's span, never nothing.

pub mod cockroach;
mod neutral;
mod objects;
mod operational;
mod plpgsql;
mod routines;
mod syntax;
mod table;
mod types;

pub use syntax::fold_ident;
pub use types::normalize_type;

use super::{ParsedSql, ParsedStatement};
use crate::model::{Op, ParseIssue, Span};
use squawk_syntax::{SourceFile, SyntaxKind as K, SyntaxNode};
use syntax::{span_of, span_of_token};

/// Parses a whole PostgreSQL file (or a SQL string lifted out of Python).
pub fn parse(text: &str) -> ParsedSql {
    if let Some(depth) = too_deep(text) {
        // The parser recurses per nesting level; refuse rather than exhaust the stack.
        let span = Span::new(0, text.len());
        let message = format!(
            "parentheses nest {depth} levels deep (more than {MAX_NESTING}); the file is not \
             analysed"
        );
        return ParsedSql {
            statements: vec![ParsedStatement {
                span,
                changes: vec![(Op::unmodelled(message.clone()), span)],
            }],
            issues: vec![ParseIssue { span, message }],
            comments: Vec::new(),
        };
    }
    let masked = mask_templates(text);
    let parse = SourceFile::parse(&masked);
    let root = parse.syntax_node();
    let errors = parse.errors();

    let mut out = ParsedSql::default();
    // Comments matter only as overrides (`compat:`, see overrides.rs); skip the walk over every
    // token when there can be none.
    if contains_ci(text, "compat:") {
        for token in root
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
        {
            if token.kind() == K::COMMENT {
                out.comments
                    .push((span_of_token(&token), token.text().to_string()));
            }
        }
    }

    let mut pending_errors: Vec<(Span, String)> = errors
        .iter()
        .map(|e| {
            let r = e.range();
            let start = usize::from(r.start());
            let end = usize::from(r.end()).max(start);
            (Span::new(start, end), e.message().to_string())
        })
        .collect();

    // Consecutive ERROR nodes at the top level are one unparsable statement, up to the next `;`.
    let mut error_run: Option<Span> = None;
    for child in root.children() {
        let span = span_of(&child);
        if child.kind() == K::ERROR {
            error_run = Some(match error_run {
                Some(s) => Span::new(s.start, span.end),
                None => span,
            });
            continue;
        }
        if let Some(run) = error_run.take() {
            push_unparsable(&mut out, text, run, &mut pending_errors);
        }
        if child.kind() == K::EMPTY_STMT {
            continue;
        }
        let errs: Vec<String> = take_errors_in(&mut pending_errors, span);
        let mut stmt = ParsedStatement {
            span,
            changes: Vec::new(),
        };
        if let Some(first) = errs.first() {
            stmt.changes.push((Op::unparsed(first), span));
            out.issues.push(ParseIssue {
                span,
                message: format!(
                    "syntax error: {first}{}",
                    other_dialect_hint(&text[span.start..span.end])
                ),
            });
        } else {
            statement_ops(&child, &masked, &mut stmt.changes, 0);
        }
        out.statements.push(stmt);
    }
    if let Some(run) = error_run.take() {
        push_unparsable(&mut out, text, run, &mut pending_errors);
    }
    // Errors the tree did not attach to a statement (an unterminated literal at the end).
    for (span, message) in pending_errors {
        out.issues.push(ParseIssue {
            span,
            message: format!("syntax error: {message}"),
        });
    }
    out.issues.sort_by_key(|i| i.span);
    merge_adjacent_issues(&mut out);
    out
}

/// One broken statement often yields several errors (the parser resynchronises on each
/// fragment); report one issue per stretch of text that holds no statement that parsed.
fn merge_adjacent_issues(out: &mut ParsedSql) {
    let parsed_ok: Vec<Span> = out
        .statements
        .iter()
        .filter(|s| !s.changes.iter().any(|(op, _)| op.is_unparsed()))
        .map(|s| s.span)
        .collect();
    let mut merged: Vec<ParseIssue> = Vec::new();
    for issue in std::mem::take(&mut out.issues) {
        if let Some(last) = merged.last_mut() {
            let between = parsed_ok
                .iter()
                .any(|s| s.start >= last.span.end && s.end <= issue.span.start);
            if !between {
                last.span.end = last.span.end.max(issue.span.end);
                continue;
            }
        }
        merged.push(issue);
    }
    out.issues = merged;
}

/// When a statement PostgreSQL's grammar rejects is written in another engine's SQL, says so
/// and how to tell rollsafe (a file that names no engine is read as PostgreSQL).
fn other_dialect_hint(stmt: &str) -> &'static str {
    let code = super::split::code_only(stmt, false);
    let has_word = |w: &str| {
        code.match_indices(w).any(|(i, _)| {
            let b = code.as_bytes();
            (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
                && b.get(i + w.len())
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        })
    };
    if has_word("autoincrement") {
        "; this looks like SQLite: name the engine in the file name (`V1__x.sqlite.sql`) or set \
         `dialect = \"sqlite\"`"
    } else if has_word("unsigned")
        || has_word("auto_increment")
        || code.contains('`')
        || code.contains(" engine=")
        || code.contains(" engine =")
    {
        "; this looks like MySQL: name the engine in the file name (`V1__x.mysql.sql`) or set \
         `dialect = \"mysql\"`"
    } else {
        ""
    }
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Deeper nesting than any real migration needs.
const MAX_NESTING: usize = 256;

fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut max = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (max > MAX_NESTING).then_some(max)
}

fn push_unparsable(out: &mut ParsedSql, text: &str, run: Span, pending: &mut Vec<(Span, String)>) {
    let errs = take_errors_in(pending, run);
    let message = errs
        .first()
        .cloned()
        .unwrap_or_else(|| "unrecognised statement".to_string());
    out.issues.push(ParseIssue {
        span: run,
        message: format!(
            "syntax error: {message}{}",
            other_dialect_hint(text.get(run.start..run.end).unwrap_or(""))
        ),
    });
    out.statements.push(ParsedStatement {
        span: run,
        changes: vec![(Op::unparsed(message), run)],
    });
}

fn take_errors_in(pending: &mut Vec<(Span, String)>, span: Span) -> Vec<String> {
    let mut taken = Vec::new();
    pending.retain(|(s, m)| {
        if s.start >= span.start && s.start <= span.end {
            taken.push(m.clone());
            false
        } else {
            true
        }
    });
    taken
}

/// Replaces Go-template placeholders (`{{ index .Options "Namespace" }}`) with an identifier of
/// the same length, so byte offsets stay right and the rest of the statement parses.
fn mask_templates(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"{{")
            && let Some(close) = text[i + 2..].find("}}")
        {
            let end = i + 2 + close + 2;
            let inner = &text[i..end];
            if !inner.contains('\n') {
                out.extend(std::iter::repeat_n('_', end - i));
                i = end;
                continue;
            }
        }
        let ch_len = text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    std::borrow::Cow::Owned(out)
}

/// Template placeholders (masked to underscores) are not a schema: `{{.Schema}}.users` is
/// `users`.
pub(super) fn is_template_mask(segment: &str) -> bool {
    segment.len() >= 4 && segment.bytes().all(|b| b == b'_')
}

/// The operations of one statement, appended to `out`; `depth` counts `DO` blocks nesting.
fn statement_ops(node: &SyntaxNode, text: &str, out: &mut Vec<(Op, Span)>, depth: u8) {
    let span = span_of(node);
    let before = out.len();
    match node.kind() {
        K::CREATE_TABLE => table::create_table(node, span, out),
        K::CREATE_TABLE_AS | K::SELECT_INTO => table::create_table_as(node, span, out),
        K::ALTER_TABLE => table::alter_table(node, span, out),
        K::DROP_TABLE => table::drop_table(node, span, out),
        K::CREATE_INDEX => objects::create_index(node, span, out),
        K::DROP_INDEX => objects::drop_index(node, span, out),
        K::ALTER_INDEX => objects::alter_index(node, span, out),
        K::CREATE_VIEW | K::CREATE_MATERIALIZED_VIEW => objects::create_view(node, span, out),
        K::DROP_VIEW | K::DROP_MATERIALIZED_VIEW => objects::drop_view(node, span, out),
        K::ALTER_VIEW | K::ALTER_MATERIALIZED_VIEW => objects::alter_view(node, span, out),
        K::CREATE_TYPE => objects::create_type(node, span, out),
        K::ALTER_TYPE => objects::alter_type(node, span, out),
        K::DROP_TYPE => objects::drop_type(node, span, out),
        K::CREATE_FUNCTION | K::CREATE_PROCEDURE => routines::create_function(node, span, out),
        K::DROP_FUNCTION | K::DROP_PROCEDURE | K::DROP_ROUTINE => {
            routines::drop_function(node, span, out)
        }
        K::ALTER_FUNCTION | K::ALTER_PROCEDURE => routines::alter_function(node, span, out),
        K::CREATE_SEQUENCE => routines::create_sequence(node, span, out),
        K::DROP_SEQUENCE => routines::drop_sequence(node, span, out),
        K::ALTER_SEQUENCE => routines::alter_sequence(node, span, out),
        K::INSERT | K::UPDATE | K::DELETE | K::MERGE | K::TRUNCATE | K::COPY => {
            objects::data_change(node, span, out)
        }
        K::DO => plpgsql::do_block(node, text, span, out, depth),
        K::SET => operational::set(node, span, out),
        K::VACUUM => operational::vacuum(node, span, out),
        K::CLUSTER => operational::cluster(node, span, out),
        K::REINDEX => operational::reindex(node, span, out),
        kind => other_statement(kind, span, out),
    }
    if out.len() == before {
        out.push((Op::unmodelled("statement not understood"), span));
    }
}

/// Statements rollsafe does not model object by object: neutral ones, and those whose effect
/// cannot be judged.
fn other_statement(kind: K, span: Span, out: &mut Vec<(Op, Span)>) {
    let op = match kind {
        K::DROP_SCHEMA => Op::unmodelled(
            "DROP SCHEMA removes every object in the schema; rollsafe does not track schema \
             membership",
        ),
        K::CALL | K::EXECUTE => {
            Op::dynamic("calls code whose effect on the schema cannot be seen statically")
        }
        K::DROP_DOMAIN | K::ALTER_DOMAIN => {
            Op::unmodelled("domain changes can change what columns of that domain accept")
        }
        kind => match neutral::neutral_statement(kind) {
            Some(what) => Op::Neutral { what: what.into() },
            None => Op::unmodelled(format!(
                "{} statements are not modelled",
                format!("{kind:?}").replace('_', " ")
            )),
        },
    };
    out.push((op, span));
}
