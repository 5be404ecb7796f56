//! Indexes, views, types and data changes.

use super::syntax::*;
use super::table::*;
use crate::model::{DataChangeKind, IndexDef, ObjectKind, Op, Span};
use squawk_syntax::{SyntaxKind as K, SyntaxNode};

pub(super) fn create_index(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(table) = name_in(node, TABLE_NAME_KINDS) else {
        out.push((opaque("CREATE INDEX without a table"), span));
        return;
    };
    let name = child(node, K::INDEX).and_then(|n| ident(&n));
    let columns = child(node, K::PARTITION_ITEM_LIST)
        .map(|list| {
            list.children()
                .filter(|c| c.kind() == K::PARTITION_ITEM)
                .map(|item| {
                    let first = item.children().next();
                    match first {
                        Some(n) if n.kind() == K::NAME_REF => {
                            ident(&n).unwrap_or_else(|| node_text(&n))
                        }
                        _ => node_text(&item).trim().to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    out.push((
        Op::CreateIndex(IndexDef {
            name,
            table,
            columns,
            unique: has_token(node, K::UNIQUE_KW),
            concurrently: has_token(node, K::CONCURRENTLY_KW),
            partial: has_child(node, K::WHERE_CLAUSE),
            predicate_columns: child(node, K::WHERE_CLAUSE)
                .map(|w| expression_columns(&w))
                .unwrap_or_default(),
            if_not_exists: has_child(node, K::IF_NOT_EXISTS),
        }),
        span,
    ));
}

pub(super) fn alter_view(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let materialized = node.kind() == K::ALTER_MATERIALIZED_VIEW;
    let Some(name) = child(node, K::VIEW_REF).and_then(|n| qualified(&n)) else {
        out.push((opaque("ALTER VIEW without a name"), span));
        return;
    };
    if let Some(to) = child(node, K::VIEW_RENAME_TO)
        .and_then(|r| child(&r, K::VIEW))
        .and_then(|n| ident(&n))
    {
        out.push((
            Op::RenameView {
                name,
                to,
                materialized,
            },
            span,
        ));
    } else if let Some(schema) = child(node, K::SET_SCHEMA)
        .and_then(|s| child(&s, K::SCHEMA_REF))
        .and_then(|n| ident(&n))
    {
        let kind = if materialized {
            ObjectKind::MaterializedView
        } else {
            ObjectKind::View
        };
        out.push((Op::SetSchema { kind, name, schema }, span));
    } else if node.descendants().any(|d| d.kind() == K::RENAME_COLUMN) {
        out.push((
            Op::unmodelled(format!(
                "renames a column of view {name}, which readers of the view use"
            )),
            span,
        ));
    } else {
        out.push((
            Op::Neutral {
                what: format!("alter view {name}"),
            },
            span,
        ));
    }
}

pub(super) fn alter_type(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(name) = child(node, K::TYPE_NAME_REF).and_then(|n| qualified(&n)) else {
        out.push((opaque("ALTER TYPE without a name"), span));
        return;
    };
    if let Some(add) = child(node, K::ADD_VALUE) {
        match add
            .children()
            .find(|c| c.kind() == K::LITERAL)
            .and_then(|l| string_literal(&l))
        {
            Some(value) => out.push((Op::AddEnumValue { name, value }, span)),
            None => out.push((opaque("ADD VALUE without a value"), span)),
        }
    } else if let Some(rename) = child(node, K::RENAME_VALUE) {
        let lits: Vec<String> = rename
            .children()
            .filter(|c| c.kind() == K::LITERAL)
            .filter_map(|l| string_literal(&l))
            .collect();
        match lits.as_slice() {
            [from, to] => out.push((
                Op::RenameEnumValue {
                    name,
                    from: from.clone(),
                    to: to.clone(),
                },
                span,
            )),
            _ => out.push((opaque("RENAME VALUE without two values"), span)),
        }
    } else if let Some(to) = child(node, K::TYPE_RENAME_TO)
        .and_then(|r| child(&r, K::TYPE_NAME))
        .and_then(|n| ident(&n))
    {
        out.push((Op::RenameType { name, to }, span));
    } else if let Some(schema) = child(node, K::SET_SCHEMA)
        .and_then(|s| child(&s, K::SCHEMA_REF))
        .and_then(|n| ident(&n))
    {
        out.push((
            Op::SetSchema {
                kind: ObjectKind::Type,
                name,
                schema,
            },
            span,
        ));
    } else {
        out.push((
            Op::Neutral {
                what: format!("alter type {name}"),
            },
            span,
        ));
    }
}

pub(super) fn drop_index(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let if_exists = has_child(node, K::IF_EXISTS);
    let concurrently = has_token(node, K::CONCURRENTLY_KW);
    for n in node.children().filter(|c| c.kind() == K::INDEX_REF) {
        if let Some(name) = qualified(&n) {
            out.push((
                Op::DropIndex {
                    name,
                    if_exists,
                    concurrently,
                },
                span,
            ));
        }
    }
}

pub(super) fn alter_index(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let name = child(node, K::INDEX_REF).and_then(|n| qualified(&n));
    let rename = child(node, K::INDEX_RENAME_TO)
        .and_then(|r| child(&r, K::INDEX))
        .and_then(|n| ident(&n));
    match (name, rename) {
        (Some(name), Some(to)) => out.push((Op::RenameIndex { name, to }, span)),
        _ => out.push((
            Op::Neutral {
                what: "alter index".into(),
            },
            span,
        )),
    }
}

pub(super) fn create_view(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    if let Some(name) = child(node, K::VIEW).and_then(|n| qualified(&n)) {
        let (depends_on, columns) = query_dependencies(node);
        out.push((
            Op::CreateView {
                name,
                materialized: node.kind() == K::CREATE_MATERIALIZED_VIEW,
                or_replace: has_child(node, K::OR_REPLACE),
                depends_on,
                columns,
            },
            span,
        ));
    }
}

pub(super) fn drop_view(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let if_exists = has_child(node, K::IF_EXISTS);
    for n in node.children().filter(|c| c.kind() == K::VIEW_REF) {
        if let Some(name) = qualified(&n) {
            out.push((
                Op::DropView {
                    name,
                    materialized: node.kind() == K::DROP_MATERIALIZED_VIEW,
                    if_exists,
                },
                span,
            ));
        }
    }
}

pub(super) fn create_type(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let name = child(node, K::TYPE_NAME).and_then(|n| qualified(&n));
    match (name, child(node, K::ENUM_TYPE)) {
        (Some(name), Some(e)) => {
            let values = e
                .descendants()
                .filter(|d| d.kind() == K::VARIANT)
                .filter_map(|v| string_literal(&v))
                .collect();
            out.push((Op::CreateEnum { name, values }, span));
        }
        _ => out.push((
            Op::Neutral {
                what: "create type".into(),
            },
            span,
        )),
    }
}

pub(super) fn drop_type(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let if_exists = has_child(node, K::IF_EXISTS);
    for n in node.children().filter(|c| c.kind() == K::TYPE_NAME_REF) {
        if let Some(name) = qualified(&n) {
            out.push((Op::DropType { name, if_exists }, span));
        }
    }
}

/// INSERT, UPDATE, DELETE, MERGE, TRUNCATE, COPY: rows change, the schema does not.
pub(super) fn data_change(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let kind = match node.kind() {
        K::INSERT => DataChangeKind::Insert,
        K::UPDATE => DataChangeKind::Update,
        K::DELETE => DataChangeKind::Delete,
        K::TRUNCATE => DataChangeKind::Truncate,
        K::COPY => DataChangeKind::Copy,
        _ => DataChangeKind::Other,
    };
    let table = node
        .descendants()
        .find(|c| c.kind() == K::RELATION_NAME_REF || c.kind() == K::TABLE_NAME_REF)
        .and_then(|n| qualified(&n));
    out.push((Op::DataChange { kind, table }, span));
}
