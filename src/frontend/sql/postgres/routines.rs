//! Functions, procedures and sequences: objects code calls by name.

use super::syntax::*;
use super::table::opaque;
use super::types::{sql_type, type_child};
use crate::model::{ObjectKind, Op, QualifiedName, Signature, Span, SqlType};
use squawk_syntax::{SyntaxKind as K, SyntaxNode};

/// The input argument types of a `PARAM_LIST` (`OUT` arguments are not part of how a routine
/// is called; type modifiers are ignored, as PostgreSQL does).
fn input_args(list: &SyntaxNode) -> Vec<SqlType> {
    list.children()
        .filter(|p| p.kind() == K::PARAM && !has_child(p, K::PARAM_OUT))
        .filter_map(|p| type_child(&p))
        .map(|t| {
            let mut ty = sql_type(&t);
            ty.args.clear();
            ty
        })
        .collect()
}

pub(super) fn create_function(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let procedure = node.kind() == K::CREATE_PROCEDURE;
    let name_kind = if procedure {
        K::PROCEDURE_NAME
    } else {
        K::FUNCTION_NAME
    };
    let Some(name) = child(node, name_kind).and_then(|n| qualified(&n)) else {
        out.push((opaque("CREATE FUNCTION without a name"), span));
        return;
    };
    let args = child(node, K::PARAM_LIST)
        .map(|l| input_args(&l))
        .unwrap_or_default();
    let trigger = child(node, K::RET_TYPE)
        .and_then(|r| type_child(&r))
        .is_some_and(|t| matches!(sql_type(&t).base.as_str(), "trigger" | "event_trigger"));
    out.push((
        Op::CreateFunction {
            name,
            signature: Signature { args, procedure },
            trigger,
        },
        span,
    ));
}

/// The routines a `DROP`/`ALTER FUNCTION|PROCEDURE|ROUTINE` names: name, and the input
/// arguments when it lists them.
fn signatures(node: &SyntaxNode) -> Vec<(QualifiedName, Option<Vec<SqlType>>)> {
    node.descendants()
        .filter(|d| {
            matches!(
                d.kind(),
                K::FUNCTION_SIG | K::PROCEDURE_SIG | K::ROUTINE_SIG
            )
        })
        .filter_map(|sig| {
            let name = sig
                .children()
                .find(|c| {
                    matches!(
                        c.kind(),
                        K::FUNCTION_NAME_REF | K::PROCEDURE_NAME_REF | K::ROUTINE_NAME_REF
                    )
                })
                .and_then(|n| qualified(&n))?;
            Some((name, child(&sig, K::PARAM_LIST).map(|l| input_args(&l))))
        })
        .collect()
}

pub(super) fn drop_function(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let procedure = node.kind() == K::DROP_PROCEDURE;
    let if_exists = has_child(node, K::IF_EXISTS);
    for (name, args) in signatures(node) {
        out.push((
            Op::DropFunction {
                name,
                args,
                procedure,
                if_exists,
            },
            span,
        ));
    }
}

pub(super) fn alter_function(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let procedure = node.kind() == K::ALTER_PROCEDURE;
    let rename = [K::FUNCTION_RENAME_TO, K::PROCEDURE_RENAME_TO]
        .iter()
        .find_map(|k| child(node, *k))
        .and_then(|r| {
            r.children()
                .find(|c| matches!(c.kind(), K::FUNCTION_NAME | K::PROCEDURE_NAME))
        })
        .and_then(|n| ident(&n));
    match (signatures(node).into_iter().next(), rename) {
        (Some((name, args)), Some(to)) => out.push((
            Op::RenameFunction {
                name,
                args,
                procedure,
                to,
            },
            span,
        )),
        _ => out.push((
            Op::Neutral {
                what: "function".into(),
            },
            span,
        )),
    }
}

pub(super) fn create_sequence(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    match child(node, K::SEQUENCE).and_then(|n| qualified(&n)) {
        Some(name) => out.push((
            Op::CreateSequence {
                name,
                if_not_exists: has_child(node, K::IF_NOT_EXISTS),
            },
            span,
        )),
        None => out.push((opaque("CREATE SEQUENCE without a name"), span)),
    }
}

pub(super) fn drop_sequence(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let if_exists = has_child(node, K::IF_EXISTS);
    for n in node.children().filter(|c| c.kind() == K::SEQUENCE_REF) {
        if let Some(name) = qualified(&n) {
            out.push((Op::DropSequence { name, if_exists }, span));
        }
    }
}

pub(super) fn alter_sequence(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let name = child(node, K::SEQUENCE_REF).and_then(|n| qualified(&n));
    let rename = child(node, K::SEQUENCE_RENAME_TO)
        .and_then(|r| child(&r, K::SEQUENCE))
        .and_then(|n| ident(&n));
    let schema = child(node, K::SET_SCHEMA)
        .and_then(|s| child(&s, K::SCHEMA_REF))
        .and_then(|n| ident(&n));
    let op = match (name, rename, schema) {
        (Some(name), Some(to), _) => Op::RenameSequence { name, to },
        (Some(name), None, Some(schema)) => Op::SetSchema {
            kind: ObjectKind::Sequence,
            name,
            schema,
        },
        _ => Op::Neutral {
            what: "sequence".into(),
        },
    };
    out.push((op, span));
}
