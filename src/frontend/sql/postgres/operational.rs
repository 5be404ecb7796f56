//! Statements that change nothing the application sees but matter to a live database: session
//! settings (`SET lock_timeout`) and maintenance commands (`VACUUM`, `CLUSTER`, `REINDEX`, and
//! the ALTER TABLE actions `SET LOGGED`, `SET UNLOGGED`, `DETACH PARTITION`).

use super::syntax::{TABLE_NAME_KINDS, child, has_token, name_in, node_text, qualified};
use crate::model::{Maintenance, Op, QualifiedName, Span};
use squawk_syntax::{SyntaxKind as K, SyntaxNode};

/// `SET [SESSION | LOCAL] name { TO | = } value`.
pub(super) fn set(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let config = child(node, K::SET_CONFIG);
    let name = config
        .as_ref()
        .and_then(|c| child(c, K::CONFIG_PARAMETER_REF))
        .map(|n| node_text(&n).trim().to_lowercase());
    let op = match (name, config) {
        (Some(name), Some(config)) => {
            let value = config
                .children()
                .filter(|c| c.kind() != K::CONFIG_PARAMETER_REF)
                .map(|c| node_text(&c))
                .collect::<Vec<_>>()
                .join(" ");
            let value = value
                .trim()
                .trim_start_matches("TO")
                .trim_start_matches("to")
                .trim_start_matches('=')
                .trim()
                .trim_matches('\'')
                .to_string();
            Op::Setting { name, value }
        }
        _ => Op::Neutral {
            what: "session setting".into(),
        },
    };
    out.push((op, span));
}

/// `VACUUM [FULL] [ (options) ] [table [, …]]`: one operation per table named.
pub(super) fn vacuum(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let full = has_token(node, K::FULL_KW)
        || child(node, K::VACUUM_OPTION_LIST).is_some_and(|list| {
            list.children().any(|o| {
                child(&o, K::VACUUM_OPTION_NAME)
                    .is_some_and(|n| node_text(&n).trim().eq_ignore_ascii_case("full"))
                    && !child(&o, K::VACUUM_OPTION_VALUE).is_some_and(|v| {
                        matches!(
                            node_text(&v).trim().to_lowercase().as_str(),
                            "false" | "off" | "0" | "no"
                        )
                    })
            })
        });
    let command = if full {
        Maintenance::VacuumFull
    } else {
        Maintenance::Vacuum
    };
    let tables: Vec<QualifiedName> = child(node, K::TABLE_AND_COLUMNS_LIST)
        .map(|list| {
            list.children()
                .filter_map(|t| name_in(&t, TABLE_NAME_KINDS).or_else(|| qualified(&t)))
                .collect()
        })
        .unwrap_or_default();
    if tables.is_empty() {
        out.push((maintenance(command, None, false), span));
    }
    for t in tables {
        out.push((maintenance(command, Some(t), false), span));
    }
}

/// `CLUSTER [table [USING index]]`.
pub(super) fn cluster(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let table = child(node, K::TABLE_NAME_REF)
        .and_then(|t| qualified(&t))
        .or_else(|| {
            child(node, K::CLUSTER_LEGACY)
                .and_then(|l| child(&l, K::ON_PATH))
                .and_then(|p| name_in(&p, TABLE_NAME_KINDS))
        });
    out.push((maintenance(Maintenance::Cluster, table, false), span));
}

/// `REINDEX [ (options) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [CONCURRENTLY] name`.
pub(super) fn reindex(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(target) = node.children().find(|c| {
        matches!(
            c.kind(),
            K::REINDEX_TARGET_INDEX
                | K::REINDEX_TARGET_TABLE
                | K::REINDEX_TARGET_SCHEMA
                | K::REINDEX_TARGET_DATABASE
                | K::REINDEX_TARGET_SYSTEM
        )
    }) else {
        out.push((
            Op::Neutral {
                what: "maintenance".into(),
            },
            span,
        ));
        return;
    };
    let concurrently = has_token(&target, K::CONCURRENTLY_KW);
    let named = || {
        target
            .children()
            .find(|c| matches!(c.kind(), K::INDEX_REF | K::TABLE_NAME_REF | K::PATH))
            .and_then(|n| qualified(&n))
    };
    let (command, name) = match target.kind() {
        K::REINDEX_TARGET_INDEX => (Maintenance::ReindexIndex, named()),
        K::REINDEX_TARGET_TABLE => (Maintenance::ReindexTable, named()),
        _ => (Maintenance::ReindexAll, None),
    };
    out.push((maintenance(command, name, concurrently), span));
}

/// `ALTER TABLE … SET LOGGED | SET UNLOGGED | DETACH PARTITION p [CONCURRENTLY]`, when `action`
/// is one of them. A detached partition's rows leave the parent: that stays opaque.
pub(super) fn alter_table_action(
    table: &QualifiedName,
    action: &SyntaxNode,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) -> bool {
    let command = match action.kind() {
        K::SET_LOGGED => Maintenance::SetLogged,
        K::SET_UNLOGGED => Maintenance::SetUnlogged,
        K::DETACH_PARTITION => {
            out.push((
                Op::unmodelled("partition and inheritance changes move rows between tables"),
                span,
            ));
            let concurrently = action
                .descendants_with_tokens()
                .any(|t| t.kind() == K::CONCURRENTLY_KW);
            out.push((
                maintenance(
                    Maintenance::DetachPartition,
                    Some(table.clone()),
                    concurrently,
                ),
                span,
            ));
            return true;
        }
        _ => return false,
    };
    out.push((maintenance(command, Some(table.clone()), false), span));
    true
}

fn maintenance(command: Maintenance, table: Option<QualifiedName>, concurrently: bool) -> Op {
    Op::Maintenance {
        command,
        table,
        concurrently,
    }
}
