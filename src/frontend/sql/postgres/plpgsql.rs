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
    if !body.errors().is_empty() {
        out.push((
            Op::unmodelled("the DO block's PL/pgSQL body did not parse"),
            span,
        ));
        return;
    }
    let root = body.syntax();
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
