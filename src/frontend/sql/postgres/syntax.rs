//! Helpers over squawk's untyped syntax tree: spans, children, names, expressions.

use super::is_template_mask;
use crate::model::{QualifiedName, Span};
use squawk_syntax::ast::AstNode;
use squawk_syntax::{SyntaxKind as K, SyntaxNode, SyntaxToken, ast};

pub(super) fn span_of(node: &SyntaxNode) -> Span {
    let r = node.text_range();
    Span::new(usize::from(r.start()), usize::from(r.end()))
}

pub(super) fn span_of_token(token: &SyntaxToken) -> Span {
    let r = token.text_range();
    Span::new(usize::from(r.start()), usize::from(r.end()))
}

pub(super) fn child(node: &SyntaxNode, kind: K) -> Option<SyntaxNode> {
    node.children().find(|c| c.kind() == kind)
}

pub(super) fn has_token(node: &SyntaxNode, kind: K) -> bool {
    node.children_with_tokens()
        .any(|c| c.kind() == kind && c.as_token().is_some())
}

pub(super) fn has_child(node: &SyntaxNode, kind: K) -> bool {
    node.children().any(|c| c.kind() == kind)
}

/// Folds an identifier the way PostgreSQL does: unquoted to lower case, quoted verbatim.
pub fn fold_ident(text: &str) -> String {
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        inner.replace("\"\"", "\"")
    } else if let Some(inner) = text
        .strip_prefix("U&\"")
        .or_else(|| text.strip_prefix("u&\""))
        .and_then(|t| t.strip_suffix('"'))
    {
        inner.to_string()
    } else {
        text.to_lowercase()
    }
}

/// The dot-separated segments of a name node, folded.
pub(super) fn segments(node: &SyntaxNode) -> Vec<String> {
    let mut segs = Vec::new();
    let mut current = String::new();
    for tok in node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
    {
        if tok.kind() == K::DOT {
            segs.push(std::mem::take(&mut current));
        } else {
            current.push_str(&fold_ident(tok.text()));
        }
    }
    segs.push(current);
    segs.retain(|s| !is_template_mask(s));
    segs
}

pub(super) fn qualified(node: &SyntaxNode) -> Option<QualifiedName> {
    let mut segs = segments(node);
    let name = segs.pop().filter(|n| !n.is_empty())?;
    let schema = segs.pop();
    Some(QualifiedName::with_schema(schema, name))
}

pub(super) fn ident(node: &SyntaxNode) -> Option<String> {
    segments(node).pop().filter(|s| !s.is_empty())
}

/// The name of a table-ish object in a statement: the first child of any of `kinds`.
pub(super) fn name_in(node: &SyntaxNode, kinds: &[K]) -> Option<QualifiedName> {
    node.children()
        .find(|c| kinds.contains(&c.kind()))
        .and_then(|c| {
            // TABLE_RELATION_NAME wraps ONLY and the reference.
            match child(&c, K::TABLE_NAME_REF).or_else(|| child(&c, K::RELATION_NAME_REF)) {
                Some(inner) => qualified(&inner),
                None => qualified(&c),
            }
        })
}

pub(super) const TABLE_NAME_KINDS: &[K] = &[
    K::TABLE_NAME,
    K::TABLE_NAME_REF,
    K::TABLE_RELATION_NAME,
    K::RELATION_NAME,
    K::RELATION_NAME_REF,
];

pub(super) fn node_text(node: &SyntaxNode) -> String {
    node.text().to_string()
}

/// Text of the expression after a keyword in a node (the default's expression).
pub(super) fn expr_text_after_keyword(node: &SyntaxNode) -> String {
    let mut out = String::new();
    let mut seen_expr = false;
    for el in node.children_with_tokens() {
        match el {
            squawk_syntax::SyntaxElement::Node(n) => {
                seen_expr = true;
                out.push_str(&node_text(&n));
            }
            squawk_syntax::SyntaxElement::Token(t) => {
                if seen_expr && !t.kind().is_trivia() {
                    out.push_str(t.text());
                }
            }
        }
    }
    let out = out.trim().to_string();
    if out.is_empty() { "?".to_string() } else { out }
}

/// Column names in a constraint's column list (or a CHECK expression's references).
pub(super) fn constraint_columns(node: &SyntaxNode) -> Vec<String> {
    let list = child(node, K::INDEX_PARAMETERS)
        .and_then(|p| child(&p, K::CONSTRAINT_COLUMN_REF_LIST))
        .or_else(|| child(node, K::CONSTRAINT_COLUMN_REF_LIST))
        .or_else(|| child(node, K::FOREIGN_KEY_COLUMN_LIST));
    match list {
        Some(list) => list
            .children()
            .filter(|c| c.kind() == K::COLUMN_NAME_REF)
            .filter_map(|c| ident(&c))
            .collect(),
        None => Vec::new(),
    }
}

/// The columns an expression mentions, in the order they first appear (PostgreSQL names an
/// unnamed CHECK after the first). A function's name (`length` in `length(code)`) is not one.
pub(super) fn expression_columns(node: &SyntaxNode) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for c in node.descendants().filter(|c| c.kind() == K::NAME_REF) {
        let is_function_name =
            c.parent().is_some_and(|p| p.kind() == K::CALL_EXPR) && c.prev_sibling().is_none();
        if is_function_name {
            continue;
        }
        if let Some(name) = ident(&c)
            && !cols.contains(&name)
        {
            cols.push(name);
        }
    }
    cols
}

/// The relations a view's query reads and the column names it mentions (`*` when it selects
/// all): what the database drops the view with.
pub(super) fn query_dependencies(node: &SyntaxNode) -> (Vec<QualifiedName>, Vec<String>) {
    let mut tables: Vec<QualifiedName> = Vec::new();
    for r in node
        .descendants()
        .filter(|c| c.kind() == K::RELATION_NAME_REF)
    {
        if let Some(q) = qualified(&r)
            && !tables.contains(&q)
        {
            tables.push(q);
        }
    }
    let mut columns = match child(node, K::SELECT).or_else(|| {
        node.descendants()
            .find(|c| c.kind() == K::SELECT || c.kind() == K::COMPOUND_SELECT)
    }) {
        Some(q) => expression_columns(&q),
        None => Vec::new(),
    };
    if node
        .descendants_with_tokens()
        .any(|t| t.kind() == K::STAR && t.parent().is_some_and(|p| p.kind() == K::TARGET))
    {
        columns.push("*".to_string());
    }
    (tables, columns)
}

pub(super) fn constraint_name(node: &SyntaxNode) -> Option<String> {
    child(node, K::CONSTRAINT_NAME_CLAUSE)
        .and_then(|c| child(&c, K::CONSTRAINT_NAME))
        .and_then(|n| ident(&n))
}

pub(super) fn string_literal(node: &SyntaxNode) -> Option<String> {
    let lit = if node.kind() == K::LITERAL {
        node.clone()
    } else {
        node.descendants().find(|d| d.kind() == K::LITERAL)?
    };
    ast::Literal::cast(lit).and_then(|l| l.string_value())
}
