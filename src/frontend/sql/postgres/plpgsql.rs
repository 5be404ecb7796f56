//! `DO` blocks: the PL/pgSQL body's statements are analysed where it holds plain SQL.

use super::syntax::*;
use super::table::*;
use super::{parse, statement_ops};
use crate::model::{Op, Span};
use squawk_syntax::ast::AstNode;
use squawk_syntax::{SyntaxKind as K, SyntaxNode, ast};

/// `DO $$ … $$`: the PL/pgSQL body's SQL statements are analysed like top-level ones, with
/// spans mapped back into the file. `EXECUTE 'literal'` is parsed too; a computed string is
/// opaque.
pub(super) fn do_block(
    node: &SyntaxNode,
    text: &str,
    span: Span,
    out: &mut Vec<(Op, Span)>,
    depth: u8,
) {
    let Some(do_node) = ast::Do::cast(node.clone()) else {
        return;
    };
    let Some(body) = do_node.plpgsql() else {
        out.push((
            Op::unmodelled("DO block in a language other than PL/pgSQL"),
            span,
        ));
        return;
    };
    // squawk's PL/pgSQL grammar rejects `SELECT … INTO var` (valid PL/pgSQL): read the body
    // again with the INTO clauses blanked, which changes nothing the schema sees.
    let root = if body.errors().is_empty() {
        body.syntax()
    } else {
        match reparse_without_into(body.text()) {
            Some(root) => root,
            None => {
                out.push((
                    Op::unmodelled("the DO block's PL/pgSQL body did not parse"),
                    span,
                ));
                return;
            }
        }
    };
    let mut found_any = false;
    for n in root.descendants() {
        match n.kind() {
            K::PLPGSQL_EXEC_SQL_STMT => {
                for stmt in n.children() {
                    found_any = true;
                    let r = body.source_range(stmt.text_range());
                    let abs = Span::new(usize::from(r.start()), usize::from(r.end()));
                    let mut inner = Vec::new();
                    statement_ops(&stmt, text, &mut inner, depth + 1);
                    // Inner spans are relative to the decoded body; re-anchor them.
                    for (op, _) in inner {
                        out.push((op, abs));
                    }
                }
            }
            K::PLPGSQL_DYN_EXECUTE_STMT => {
                found_any = true;
                let r = body.source_range(n.text_range());
                let abs = Span::new(usize::from(r.start()), usize::from(r.end()));
                let expr = child(&n, K::PLPGSQL_EXPR);
                let literal = expr.as_ref().and_then(|e| {
                    let lits: Vec<SyntaxNode> =
                        e.descendants().filter(|d| d.kind() == K::LITERAL).collect();
                    let only_literal = e
                        .descendants()
                        .skip(1)
                        .all(|d| matches!(d.kind(), K::LITERAL | K::TARGET | K::TARGET_LIST));
                    if lits.len() == 1 && only_literal {
                        string_literal(&lits[0])
                    } else {
                        None
                    }
                });
                match literal {
                    Some(sql) if depth < 4 => {
                        let parsed = parse(&sql);
                        if parsed.issues.is_empty() {
                            for st in parsed.statements {
                                for (op, _) in st.changes {
                                    out.push((op, abs));
                                }
                            }
                        } else {
                            out.push((opaque("EXECUTE of a string that did not parse"), abs));
                        }
                    }
                    _ => out.push((
                        Op::dynamic("EXECUTE of a computed string (dynamic SQL)"),
                        abs,
                    )),
                }
            }
            _ => {}
        }
    }
    if !found_any {
        out.push((
            Op::Neutral {
                what: "DO block without SQL statements".into(),
            },
            span,
        ));
    }
}

/// The body parsed again with each `INTO target, …` of a SQL statement blanked (same length,
/// so offsets into the body stay right); `None` if it still does not parse.
fn reparse_without_into(body: &str) -> Option<SyntaxNode> {
    let rewritten = blank_into_clauses(body)?;
    let mut tag = String::from("$rollsafe$");
    while rewritten.contains(&tag) {
        tag.insert(1, '_');
    }
    let sql = format!("DO {tag}{rewritten}{tag};");
    let parse = squawk_syntax::SourceFile::parse(&sql);
    let body = parse
        .syntax_node()
        .descendants()
        .find_map(ast::Do::cast)?
        .plpgsql()?;
    body.errors().is_empty().then(|| body.syntax())
}

/// Blanks the `INTO [STRICT] a, b` of statements that are not `INSERT INTO`, `MERGE INTO` or
/// `EXECUTE … INTO` (which the grammar reads); `None` when there is none.
fn blank_into_clauses(body: &str) -> Option<String> {
    let code = crate::frontend::sql::split::code_only(body, false);
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = body.as_bytes().to_vec();
    let mut changed = false;
    let mut depth = 0i32;
    let mut stmt_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b';' => stmt_start = i + 1,
            _ => {}
        }
        let word = (i == 0 || !is_ident(bytes[i - 1]))
            && code[i..].starts_with("into")
            && bytes.get(i + 4).is_none_or(|b| !is_ident(*b));
        if !(word && depth == 0) {
            i += 1;
            continue;
        }
        let prev = code[stmt_start..i]
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .rfind(|w| !w.is_empty())
            .unwrap_or("");
        let first = code[stmt_start..i]
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty() && !matches!(*w, "begin" | "then" | "else" | "loop"))
            .unwrap_or("");
        if matches!(prev, "insert" | "merge") || matches!(first, "execute" | "insert" | "merge") {
            i += 4;
            continue;
        }
        // INTO, STRICT, then the targets: names (dotted), separated by commas.
        let mut end = i + 4;
        let skip_ws = |mut j: usize| {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            j
        };
        let mut j = skip_ws(end);
        if code[j..].starts_with("strict") && bytes.get(j + 6).is_none_or(|b| !is_ident(*b)) {
            j = skip_ws(j + 6);
        }
        loop {
            let start = j;
            while j < bytes.len() && (is_ident(bytes[j]) || bytes[j] == b'.') {
                j += 1;
            }
            if j == start {
                break;
            }
            end = j;
            let k = skip_ws(j);
            if bytes.get(k) == Some(&b',') {
                j = skip_ws(k + 1);
            } else {
                break;
            }
        }
        for b in &mut out[i..end] {
            *b = b' ';
        }
        changed = true;
        i = end;
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::blank_into_clauses;

    #[test]
    fn into_targets_are_blanked_outside_insert_and_execute() {
        let blanked = format!("SELECT count(*) {} FROM t;", " ".repeat(16));
        assert_eq!(
            blank_into_clauses("SELECT count(*) INTO STRICT n, m FROM t;").as_deref(),
            Some(blanked.as_str())
        );
        assert_eq!(blank_into_clauses("INSERT INTO t VALUES (1);"), None);
        assert_eq!(blank_into_clauses("EXECUTE 'SELECT 1' INTO n;"), None);
        assert_eq!(
            blank_into_clauses("UPDATE t SET a = 1 RETURNING id INTO rid;").as_deref(),
            Some("UPDATE t SET a = 1 RETURNING id         ;")
        );
    }
}
