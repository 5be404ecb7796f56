//! Tables: CREATE, DROP and the actions of ALTER TABLE.

use super::syntax::*;
use super::types::*;
use crate::model::{
    ColumnDef, ConstraintDef, ConstraintKind, ObjectKind, Op, QualifiedName, Span, SqlType,
};
use squawk_syntax::{SyntaxKind as K, SyntaxNode};

/// A table-level (or `ALTER TABLE … ADD`) constraint node.
pub(super) fn table_constraint(
    node: &SyntaxNode,
    own_column: Option<&str>,
) -> Option<ConstraintDef> {
    let kind = match node.kind() {
        K::PRIMARY_KEY_CONSTRAINT => ConstraintKind::PrimaryKey,
        K::UNIQUE_CONSTRAINT => ConstraintKind::Unique,
        K::CHECK_CONSTRAINT => ConstraintKind::Check,
        K::FOREIGN_KEY_CONSTRAINT | K::REFERENCES_CONSTRAINT => ConstraintKind::ForeignKey,
        K::EXCLUDE_CONSTRAINT => ConstraintKind::Exclusion,
        _ => return None,
    };
    let mut columns = match kind {
        ConstraintKind::Check => expression_columns(node),
        ConstraintKind::Exclusion => child(node, K::CONSTRAINT_EXCLUSION_LIST)
            .map(|l| expression_columns(&l))
            .unwrap_or_default(),
        _ => constraint_columns(node),
    };
    if (node.kind() == K::REFERENCES_CONSTRAINT
        || (columns.is_empty() && kind != ConstraintKind::Check))
        && let Some(c) = own_column
    {
        columns = vec![c.to_string()];
    }
    if kind == ConstraintKind::Check
        && columns.is_empty()
        && let Some(c) = own_column
    {
        columns = vec![c.to_string()];
    }
    let mut def = ConstraintDef::new(kind, columns);
    def.name = constraint_name(node);
    if kind == ConstraintKind::Check {
        // The expression between the parentheses.
        def.expression = node
            .children()
            .find(|c| c.kind() != K::CONSTRAINT_NAME_CLAUSE && c.kind() != K::NOT_VALID)
            .map(|e| node_text(&e));
    }
    def.not_valid =
        has_child(node, K::NOT_VALID) || node.descendants().any(|d| d.kind() == K::NOT_VALID);
    if kind == ConstraintKind::ForeignKey {
        def.references = child(node, K::TABLE_NAME_REF).and_then(|n| qualified(&n));
        // `REFERENCES p (id)` inline; `FOREIGN KEY (a) REFERENCES p (id)`: the second list.
        let referenced = if node.kind() == K::REFERENCES_CONSTRAINT {
            Some(node.clone())
        } else {
            node.children()
                .filter(|c| c.kind() == K::FOREIGN_KEY_COLUMN_LIST)
                .nth(1)
        };
        def.ref_columns = referenced
            .map(|l| {
                l.children()
                    .filter(|c| c.kind() == K::COLUMN_NAME_REF)
                    .filter_map(|c| ident(&c))
                    .collect()
            })
            .unwrap_or_default();
    }
    def.using_index = child(node, K::USING_INDEX_NAME)
        .and_then(|u| child(&u, K::INDEX_REF))
        .and_then(|n| ident(&n));
    Some(def)
}

/// A column definition with its inline constraints.
pub(super) fn column_def(node: &SyntaxNode) -> Option<(ColumnDef, Vec<ConstraintDef>)> {
    let name = child(node, K::COLUMN_NAME).and_then(|n| ident(&n))?;
    let ty_node = type_child(node);
    let ty = ty_node
        .as_ref()
        .map(sql_type)
        .unwrap_or_else(SqlType::unknown);
    let mut col = ColumnDef::new(name.clone(), ty);
    if ty_node.as_ref().is_some_and(is_serial) {
        col.default = Some("nextval(…)".to_string());
        col.volatile_default = true;
        col.nullable = false;
    }
    let mut constraints = Vec::new();
    for c in node.children() {
        match c.kind() {
            K::NOT_NULL_CONSTRAINT => col.nullable = false,
            K::NULL_CONSTRAINT => col.nullable = true,
            K::DEFAULT_CONSTRAINT => {
                let default = expr_text_after_keyword(&c);
                col.volatile_default = crate::expression::is_volatile(&default);
                col.default = Some(default);
            }
            K::GENERATED_CONSTRAINT => {
                col.generated = true;
                col.generated_from = expression_columns(&c);
                if c.descendants_with_tokens()
                    .any(|t| t.kind() == K::IDENTITY_KW)
                {
                    col.nullable = false;
                }
            }
            K::PRIMARY_KEY_CONSTRAINT => {
                col.nullable = false;
                constraints.extend(table_constraint(&c, Some(&name)));
            }
            K::UNIQUE_CONSTRAINT | K::CHECK_CONSTRAINT | K::REFERENCES_CONSTRAINT => {
                constraints.extend(table_constraint(&c, Some(&name)));
            }
            _ => {}
        }
    }
    Some((col, constraints))
}

pub(super) fn create_table(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(table) = name_in(node, &[K::TABLE_NAME]) else {
        out.push((Op::unmodelled("CREATE TABLE without a name"), span));
        return;
    };
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut partial = false;
    if let Some(args) = child(node, K::TABLE_ARG_LIST) {
        for c in args.children() {
            match c.kind() {
                K::COLUMN => {
                    if let Some((col, cons)) = column_def(&c) {
                        columns.push(col);
                        constraints.extend(cons);
                    }
                }
                K::LIKE_CLAUSE => partial = true,
                _ => constraints.extend(table_constraint(&c, None)),
            }
        }
    } else {
        // PARTITION OF / OF type: the columns come from elsewhere.
        partial = true;
    }
    if has_child(node, K::INHERITS) {
        partial = true;
    }
    // Table-level primary keys make their columns NOT NULL.
    for con in &constraints {
        if con.kind == ConstraintKind::PrimaryKey {
            for col in columns.iter_mut().filter(|c| con.columns.contains(&c.name)) {
                col.nullable = false;
            }
        }
    }
    out.push((
        Op::CreateTable {
            table: table.clone(),
            columns,
            constraints,
            if_not_exists: has_child(node, K::IF_NOT_EXISTS),
        },
        span,
    ));
    if partial {
        out.push((
            Op::unmodelled(format!(
                "table {table} takes columns from another table (LIKE, INHERITS or PARTITION \
                     OF); only its own columns are known"
            )),
            span,
        ));
    }
}

/// `CREATE TABLE … AS` and `SELECT … INTO`: a table whose columns come from a query.
pub(super) fn create_table_as(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    match name_in(node, TABLE_NAME_KINDS) {
        Some(table) => out.push((
            Op::CreateTable {
                table,
                columns: Vec::new(),
                constraints: Vec::new(),
                if_not_exists: has_child(node, K::IF_NOT_EXISTS),
            },
            span,
        )),
        None => out.push((
            Op::Neutral {
                what: "select into".into(),
            },
            span,
        )),
    }
}

pub(super) fn drop_table(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let if_exists = has_child(node, K::IF_EXISTS);
    for n in node.children().filter(|c| c.kind() == K::TABLE_NAME_REF) {
        if let Some(table) = qualified(&n) {
            out.push((Op::DropTable { table, if_exists }, span));
        }
    }
}

pub(super) fn alter_table(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(table) = name_in(node, TABLE_NAME_KINDS) else {
        out.push((Op::unmodelled("ALTER TABLE without a table name"), span));
        return;
    };
    let actions = node
        .children()
        .filter(|c| !TABLE_NAME_KINDS.contains(&c.kind()) && c.kind() != K::IF_EXISTS);
    for action in actions {
        let aspan = span_of(&action);
        match action.kind() {
            K::ADD_COLUMN | K::DROP_COLUMN | K::ALTER_COLUMN | K::RENAME_COLUMN => {
                column_action(&table, &action, aspan, out)
            }
            K::ADD_CONSTRAINT
            | K::DROP_CONSTRAINT
            | K::VALIDATE_CONSTRAINT
            | K::RENAME_CONSTRAINT => constraint_action(&table, &action, aspan, out),
            K::TABLE_RENAME_TO | K::SET_SCHEMA => table_action(&table, &action, aspan, out),
            K::COMMA | K::SEMICOLON => {}
            _ if super::operational::alter_table_action(&table, &action, aspan, out) => {}
            kind => out.push((other_action(&table, kind), aspan)),
        }
    }
}

/// ADD, DROP, ALTER and RENAME COLUMN.
fn column_action(
    table: &QualifiedName,
    action: &SyntaxNode,
    aspan: Span,
    out: &mut Vec<(Op, Span)>,
) {
    match action.kind() {
        K::ADD_COLUMN => {
            let if_not_exists = has_child(action, K::IF_NOT_EXISTS);
            match column_def(action) {
                Some((column, constraints)) => out.push((
                    Op::AddColumn {
                        table: table.clone(),
                        column,
                        constraints,
                        if_not_exists,
                    },
                    aspan,
                )),
                None => out.push((opaque("ADD COLUMN without a column name"), aspan)),
            }
        }
        K::DROP_COLUMN => {
            let if_exists = has_child(action, K::IF_EXISTS);
            match child(action, K::COLUMN_NAME_REF).and_then(|n| ident(&n)) {
                Some(column) => out.push((
                    Op::DropColumn {
                        table: table.clone(),
                        column,
                        if_exists,
                    },
                    aspan,
                )),
                None => out.push((opaque("DROP COLUMN without a column name"), aspan)),
            }
        }
        K::RENAME_COLUMN => {
            let from = child(action, K::COLUMN_NAME_REF).and_then(|n| ident(&n));
            let to = child(action, K::COLUMN_NAME).and_then(|n| ident(&n));
            match (from, to) {
                (Some(column), Some(to)) => out.push((
                    Op::RenameColumn {
                        table: table.clone(),
                        column,
                        to,
                    },
                    aspan,
                )),
                _ => out.push((opaque("RENAME COLUMN without names"), aspan)),
            }
        }
        _ => alter_column(table, action, aspan, out),
    }
}

/// ADD, DROP, VALIDATE and RENAME CONSTRAINT.
fn constraint_action(
    table: &QualifiedName,
    action: &SyntaxNode,
    aspan: Span,
    out: &mut Vec<(Op, Span)>,
) {
    let name_ref = || child(action, K::CONSTRAINT_NAME_REF).and_then(|n| ident(&n));
    match action.kind() {
        K::ADD_CONSTRAINT => add_constraint(table, action, aspan, out),
        K::DROP_CONSTRAINT => match name_ref() {
            Some(name) => out.push((
                Op::DropConstraint {
                    table: table.clone(),
                    name,
                    if_exists: has_child(action, K::IF_EXISTS),
                },
                aspan,
            )),
            None => out.push((opaque("DROP CONSTRAINT without a name"), aspan)),
        },
        K::VALIDATE_CONSTRAINT => {
            if let Some(name) = name_ref() {
                out.push((
                    Op::ValidateConstraint {
                        table: table.clone(),
                        name,
                    },
                    aspan,
                ));
            }
        }
        _ => {
            let to = child(action, K::CONSTRAINT_NAME).and_then(|n| ident(&n));
            if let (Some(name), Some(to)) = (name_ref(), to) {
                out.push((
                    Op::RenameConstraint {
                        table: table.clone(),
                        name,
                        to,
                    },
                    aspan,
                ));
            }
        }
    }
}

fn add_constraint(
    table: &QualifiedName,
    action: &SyntaxNode,
    aspan: Span,
    out: &mut Vec<(Op, Span)>,
) {
    if let Some(constraint) = action.children().find_map(|c| table_constraint(&c, None)) {
        out.push((
            Op::AddConstraint {
                table: table.clone(),
                constraint,
            },
            aspan,
        ));
        return;
    }
    // `ADD CONSTRAINT … NOT NULL col` (PostgreSQL 18) and friends.
    let not_null = action
        .descendants()
        .find(|c| c.kind() == K::NOT_NULL_CONSTRAINT);
    match not_null.and_then(|n| n.descendants().find(|c| c.kind() == K::NAME_REF)) {
        Some(col) => {
            if let Some(column) = ident(&col) {
                out.push((
                    Op::SetNotNull {
                        table: table.clone(),
                        column,
                    },
                    aspan,
                ));
            }
        }
        None => out.push((opaque("constraint kind not modelled"), aspan)),
    }
}

/// RENAME TO and SET SCHEMA.
fn table_action(
    table: &QualifiedName,
    action: &SyntaxNode,
    aspan: Span,
    out: &mut Vec<(Op, Span)>,
) {
    if action.kind() == K::SET_SCHEMA {
        if let Some(schema) = child(action, K::SCHEMA_REF).and_then(|n| ident(&n)) {
            out.push((
                Op::SetSchema {
                    kind: ObjectKind::Table,
                    name: table.clone(),
                    schema,
                },
                aspan,
            ));
        }
        return;
    }
    match child(action, K::TABLE_NAME).and_then(|n| ident(&n)) {
        Some(to) => out.push((
            Op::RenameTable {
                table: table.clone(),
                to,
            },
            aspan,
        )),
        None => out.push((opaque("RENAME TO without a name"), aspan)),
    }
}

/// Actions that do not change columns, keys or names: storage and ownership are neutral; row
/// security and partitioning change what the previous version can read or write.
fn other_action(table: &QualifiedName, kind: K) -> Op {
    match kind {
        K::ENABLE_RLS | K::FORCE_RLS => Op::unmodelled(
            "row level security can hide rows from, or reject writes of, the previous app \
             version",
        ),
        K::ATTACH_PARTITION
        | K::DETACH_PARTITION
        | K::INHERIT_TABLE
        | K::NO_INHERIT_TABLE
        | K::OF_TYPE
        | K::NOT_OF
        | K::MERGE_PARTITIONS
        | K::SPLIT_PARTITION => {
            Op::unmodelled("partition and inheritance changes move rows between tables")
        }
        K::OWNER_TO
        | K::SET_OPTIONS
        | K::RESET_OPTIONS
        | K::SET_TABLESPACE
        | K::SET_LOGGED
        | K::SET_UNLOGGED
        | K::CLUSTER_ON
        | K::SET_WITHOUT_CLUSTER
        | K::SET_WITHOUT_OIDS
        | K::REPLICA_IDENTITY
        | K::SET_ACCESS_METHOD
        | K::DISABLE_RLS
        | K::NO_FORCE_RLS
        | K::ENABLE_TRIGGER
        | K::DISABLE_TRIGGER
        | K::ENABLE_ALWAYS_TRIGGER
        | K::ENABLE_REPLICA_TRIGGER
        | K::ENABLE_RULE
        | K::DISABLE_RULE
        | K::ENABLE_ALWAYS_RULE
        | K::ENABLE_REPLICA_RULE
        | K::ALTER_CONSTRAINT
        | K::ALTER_OPTION_LIST
        | K::OPTION_ITEM_LIST => Op::Neutral {
            what: format!("alter table {table} (storage or ownership)"),
        },
        other => Op::unmodelled(format!(
            "ALTER TABLE action {} is not modelled",
            format!("{other:?}").replace('_', " ")
        )),
    }
}

pub(super) fn opaque(reason: &str) -> Op {
    Op::unmodelled(reason.to_string())
}

pub(super) fn alter_column(
    table: &QualifiedName,
    action: &SyntaxNode,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    let Some(column) = child(action, K::COLUMN_NAME_REF).and_then(|n| ident(&n)) else {
        out.push((opaque("ALTER COLUMN without a column name"), span));
        return;
    };
    let table = table.clone();
    let Some(opt) = action.children().find(|c| c.kind() != K::COLUMN_NAME_REF) else {
        out.push((opaque("ALTER COLUMN without an action"), span));
        return;
    };
    let op = match opt.kind() {
        K::SET_TYPE => Op::AlterColumnType {
            table,
            column,
            to: type_child(&opt)
                .map(|t| sql_type(&t))
                .unwrap_or_else(SqlType::unknown),
            using: has_child(&opt, K::USING_EXPR),
        },
        K::SET_NOT_NULL => Op::SetNotNull { table, column },
        K::DROP_NOT_NULL => Op::DropNotNull { table, column },
        K::SET_DEFAULT => Op::SetDefault {
            table,
            column,
            default: expr_text_after_keyword(&opt),
        },
        K::DROP_DEFAULT => Op::DropDefault { table, column },
        K::ADD_GENERATED => Op::SetDefault {
            table,
            column,
            default: "generated identity".into(),
        },
        K::DROP_IDENTITY => Op::DropDefault { table, column },
        K::SET_EXPRESSION | K::DROP_EXPRESSION => {
            Op::unmodelled(format!("generation expression of {table}.{column} changes"))
        }
        _ => Op::Neutral {
            what: format!("alter column {table}.{column} (storage or statistics)"),
        },
    };
    out.push((op, span));
}
