//! MySQL and SQLite statements to [`Op`]s through `sqlparser`, one statement at a time (cut by
//! [`super::split`]) so that one bad statement does not lose the file.

use super::split::split;
use super::{ParsedSql, ParsedStatement};
use crate::model::{
    ColumnDef, ConstraintDef, ConstraintKind, DataChangeKind, Dialect, IndexDef, Op, ParseIssue,
    QualifiedName, Span, SqlType,
};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, DataType, Ident, ObjectName,
    ObjectType, RenameTableNameKind, Statement, TableConstraint,
};
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

pub fn parse(text: &str, dialect: Dialect) -> ParsedSql {
    let parts = split(text, dialect == Dialect::Mysql);
    let mut out = ParsedSql {
        comments: parts
            .comments
            .iter()
            .map(|s| (*s, text[s.start..s.end].to_string()))
            .collect(),
        ..ParsedSql::default()
    };
    if let Some(u) = parts.unterminated {
        out.issues.push(ParseIssue {
            span: u,
            message: "syntax error: unterminated quoted string or comment".into(),
        });
    }
    let mysql = MySqlDialect {};
    let sqlite = SQLiteDialect {};
    let d: &dyn SqlDialect = match dialect {
        Dialect::Mysql => &mysql,
        _ => &sqlite,
    };
    for span in parts.statements {
        let sql = &text[span.start..span.end];
        let mut changes = Vec::new();
        match Parser::parse_sql(d, sql) {
            Ok(stmts) => {
                for st in &stmts {
                    statement_ops(st, dialect, span, &mut changes);
                }
                if stmts.is_empty() {
                    continue;
                }
            }
            Err(e) => {
                if let Some(op) = rename_index(sql).or_else(|| tolerated(sql)) {
                    changes.push((op, span));
                } else {
                    let msg = e.to_string();
                    out.issues.push(ParseIssue {
                        span,
                        message: format!("syntax error: {msg}"),
                    });
                    changes.push((Op::unparsed(msg), span));
                }
            }
        }
        out.statements.push(ParsedStatement { span, changes });
    }
    out
}

/// MySQL spellings `sqlparser` rejects, rewritten to text of the same length that means the
/// same to the schema: the `BINARY` attribute of a character type (`VARCHAR(255) BINARY`, a
/// binary collation) is dropped.
pub fn mysql_to_sqlparser(text: &str) -> std::borrow::Cow<'_, str> {
    let code = super::split::code_only(text, true);
    let mut out: Option<Vec<u8>> = None;
    for (pos, _) in code.match_indices("binary") {
        let bytes = code.as_bytes();
        let word = (pos == 0 || !is_word_byte(bytes[pos - 1]))
            && bytes.get(pos + 6).is_none_or(|b| !is_word_byte(*b));
        let before = code[..pos].trim_end();
        let after_char_type = before.ends_with(')') && {
            let open = before.rfind('(').unwrap_or(0);
            let ty = before[..open].trim_end();
            ty.ends_with("char") || ty.ends_with("varchar")
        } || before.ends_with("text");
        if word && after_char_type && before.len() < pos {
            let buf = out.get_or_insert_with(|| text.as_bytes().to_vec());
            for b in &mut buf[pos..pos + 6] {
                *b = b' ';
            }
        }
    }
    match out.and_then(|b| String::from_utf8(b).ok()) {
        Some(s) => std::borrow::Cow::Owned(s),
        None => std::borrow::Cow::Borrowed(text),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// MySQL `ALTER TABLE t RENAME {INDEX|KEY} a TO b`, which `sqlparser` does not read.
fn rename_index(sql: &str) -> Option<Op> {
    let words: Vec<String> = sql
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c| c == '`' || c == '"' || c == ';')
                .to_lowercase()
        })
        .collect();
    match words.as_slice() {
        [alter, table, t, rename, kind, from, to_kw, to]
            if alter == "alter"
                && table == "table"
                && rename == "rename"
                && (kind == "index" || kind == "key")
                && to_kw == "to" =>
        {
            let table = t.split_once('.').map(|(schema, _)| schema.to_string());
            Some(Op::RenameIndex {
                name: QualifiedName::with_schema(table, from.clone()),
                to: to.clone(),
            })
        }
        _ => None,
    }
}

/// Statements `sqlparser` rejects that are harmless to the schema.
fn tolerated(sql: &str) -> Option<Op> {
    let lower = sql.trim_start().to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    let what = match first {
        "pragma" => "pragma",
        "set" | "use" => "session setting",
        "begin" | "commit" | "rollback" | "start" | "savepoint" | "release" => {
            "transaction control"
        }
        "lock" | "unlock" => "table locks",
        "analyze" | "optimize" | "vacuum" | "reindex" => "maintenance",
        "create"
            if lower.contains(" trigger ")
                || lower.contains(" procedure ")
                || lower.contains(" function ")
                || lower.contains(" event ") =>
        {
            "routine or trigger"
        }
        "drop"
            if lower.contains(" trigger ")
                || lower.contains(" procedure ")
                || lower.contains(" function ")
                || lower.contains(" event ") =>
        {
            "routine or trigger"
        }
        "grant" | "revoke" => "privileges",
        _ => return None,
    };
    Some(Op::Neutral { what: what.into() })
}

/// MySQL and SQLite fold identifiers case-insensitively.
fn ident(i: &Ident) -> String {
    i.value.to_lowercase()
}

fn qname(n: &ObjectName) -> QualifiedName {
    let mut parts: Vec<String> =
        n.0.iter()
            .map(|p| match p.as_ident() {
                Some(i) => ident(i),
                None => p.to_string().to_lowercase(),
            })
            .collect();
    let name = parts.pop().unwrap_or_default();
    // `main.t` in SQLite is `t`.
    let schema = parts.pop().filter(|s| s != "main");
    QualifiedName::with_schema(schema, name)
}

/// A column list entry (`email`, `` `email` ASC``, `lower(email)`), as a column name when it is one.
fn column_text(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_suffix(" ASC")
        .or_else(|| s.strip_suffix(" DESC"))
        .unwrap_or(s);
    let unquoted = s.trim_matches(|c| c == '`' || c == '"' || c == '[' || c == ']');
    if unquoted
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    {
        unquoted.to_lowercase()
    } else {
        s.to_string()
    }
}

/// A data type in the model's normal form; SQLite types become their storage affinity, since
/// SQLite neither enforces lengths nor rejects values of other types.
pub fn data_type(t: &DataType, dialect: Dialect) -> SqlType {
    let text = t.to_string().to_lowercase();
    if dialect == Dialect::Sqlite {
        let affinity = if text.contains("int") {
            "integer"
        } else if text.contains("char") || text.contains("clob") || text.contains("text") {
            "text"
        } else if text.contains("blob") || text.is_empty() {
            "blob"
        } else if text.contains("real") || text.contains("floa") || text.contains("doub") {
            "real"
        } else {
            "numeric"
        };
        return SqlType::named(affinity);
    }
    let (name, args) = match text.find('(') {
        Some(p) => {
            let inner = text[p + 1..].split(')').next().unwrap_or("");
            let args = inner
                .split(',')
                .filter_map(|a| a.trim().parse::<u32>().ok())
                .collect();
            let rest = text[p..].split(')').nth(1).unwrap_or("").trim();
            let name = format!("{} {}", text[..p].trim(), rest);
            (name.trim().to_string(), args)
        }
        None => (text.clone(), Vec::new()),
    };
    let name = match name.as_str() {
        "int unsigned" | "integer unsigned" => "bigint",
        "datetime" => "timestamp",
        "tinytext" | "mediumtext" | "longtext" => "text",
        "bool" => "boolean",
        other => other,
    }
    .to_string();
    super::postgres::normalize_type(&name, args)
}

fn column_def(c: &sqlparser::ast::ColumnDef, dialect: Dialect) -> (ColumnDef, Vec<ConstraintDef>) {
    let name = ident(&c.name);
    let mut col = ColumnDef::new(name.clone(), data_type(&c.data_type, dialect));
    let mut cons = Vec::new();
    apply_options(
        &mut col,
        &mut cons,
        c.options.iter().map(|o| &o.option),
        dialect,
        true,
    );
    (col, cons)
}

/// Applies column options; `integer_pk_is_rowid`: SQLite's `INTEGER PRIMARY KEY` fills itself.
fn apply_options<'a>(
    col: &mut ColumnDef,
    cons: &mut Vec<ConstraintDef>,
    options: impl Iterator<Item = &'a ColumnOption>,
    dialect: Dialect,
    integer_pk_is_rowid: bool,
) {
    let name = col.name.clone();
    for o in options {
        match o {
            ColumnOption::Null => col.nullable = true,
            ColumnOption::NotNull => col.nullable = false,
            ColumnOption::Default(e) => col.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => {
                col.nullable = false;
                if integer_pk_is_rowid && dialect == Dialect::Sqlite && col.ty.base == "integer" {
                    col.generated = true;
                }
                cons.push(ConstraintDef::new(
                    ConstraintKind::PrimaryKey,
                    vec![name.clone()],
                ));
            }
            ColumnOption::Unique(_) => cons.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![name.clone()],
            )),
            ColumnOption::ForeignKey(fk) => {
                let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![name.clone()]);
                d.references = Some(qname(&fk.foreign_table));
                d.ref_columns = fk.referred_columns.iter().map(ident).collect();
                cons.push(d);
            }
            ColumnOption::Check(expr) => {
                let mut d = ConstraintDef::new(ConstraintKind::Check, vec![name.clone()]);
                d.expression = Some(expr.to_string());
                cons.push(d);
            }
            ColumnOption::Generated {
                generation_expr, ..
            } => {
                col.generated = true;
                if let Some(e) = generation_expr {
                    col.generated_from = crate::expression::check_columns(&e.to_string());
                }
            }
            ColumnOption::Identity(_) => col.generated = true,
            ColumnOption::DialectSpecific(tokens) => {
                let t: String = tokens
                    .iter()
                    .map(|t| t.to_string().to_lowercase())
                    .collect();
                if t.contains("auto_increment") || t.contains("autoincrement") {
                    col.generated = true;
                }
            }
            _ => {}
        }
    }
}

fn table_constraint(c: &TableConstraint) -> Option<Result<ConstraintDef, IndexDef>> {
    let cols = |v: Vec<String>| v.into_iter().map(|s| column_text(&s)).collect::<Vec<_>>();
    Some(Ok(match c {
        TableConstraint::Unique(u) => {
            let mut d = ConstraintDef::new(
                ConstraintKind::Unique,
                cols(u.columns.iter().map(|c| c.to_string()).collect()),
            );
            d.name = u.name.as_ref().map(ident);
            d
        }
        TableConstraint::PrimaryKey(p) => {
            let mut d = ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                cols(p.columns.iter().map(|c| c.to_string()).collect()),
            );
            d.name = p.name.as_ref().map(ident);
            d
        }
        TableConstraint::ForeignKey(f) => {
            let mut d = ConstraintDef::new(
                ConstraintKind::ForeignKey,
                f.columns.iter().map(ident).collect(),
            );
            d.name = f.name.as_ref().map(ident);
            d.references = Some(qname(&f.foreign_table));
            d.ref_columns = f.referred_columns.iter().map(ident).collect();
            d
        }
        TableConstraint::Check(k) => {
            let expr = k.expr.to_string();
            let mut d = ConstraintDef::new(
                ConstraintKind::Check,
                crate::expression::check_columns(&expr),
            );
            d.expression = Some(expr);
            d.name = k.name.as_ref().map(ident);
            d
        }
        TableConstraint::Index(i) => {
            return Some(Err(IndexDef {
                name: i.name.as_ref().map(ident),
                table: QualifiedName::new(""),
                columns: cols(i.columns.iter().map(|c| c.to_string()).collect()),
                unique: false,
                concurrently: false,
                partial: false,
                predicate_columns: Vec::new(),
                if_not_exists: false,
            }));
        }
        _ => return None,
    }))
}

fn statement_ops(st: &Statement, dialect: Dialect, span: Span, out: &mut Vec<(Op, Span)>) {
    match st {
        Statement::CreateTable(ct) => create_table(ct, dialect, span, out),
        Statement::AlterTable(at) => {
            let table = qname(&at.name);
            for op in &at.operations {
                alter_op(&table, op, dialect, span, out);
            }
        }
        Statement::CreateIndex(ci) => create_index(ci, span, out),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            table,
            ..
        } => drop(*object_type, *if_exists, names, table.as_ref(), span, out),
        Statement::RenameTable(renames) => {
            for r in renames {
                out.push((
                    Op::RenameTable {
                        table: qname(&r.old_name),
                        to: qname(&r.new_name).name,
                    },
                    span,
                ));
            }
        }
        other => out.push((other_statement(other), span)),
    }
}

fn create_table(
    ct: &sqlparser::ast::CreateTable,
    dialect: Dialect,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    let table = qname(&ct.name);
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut indexes = Vec::new();
    for c in &ct.columns {
        let (col, cons) = column_def(c, dialect);
        columns.push(col);
        constraints.extend(cons);
    }
    for c in &ct.constraints {
        match table_constraint(c) {
            Some(Ok(d)) => constraints.push(d),
            Some(Err(mut ix)) => {
                ix.table = table.clone();
                indexes.push(ix);
            }
            None => {}
        }
    }
    for con in &constraints {
        if con.kind == ConstraintKind::PrimaryKey {
            for col in columns.iter_mut().filter(|c| con.columns.contains(&c.name)) {
                col.nullable = false;
            }
        }
    }
    let partial = ct.query.is_some() || ct.like.is_some() || ct.clone.is_some();
    out.push((
        Op::CreateTable {
            table: table.clone(),
            columns,
            constraints,
            if_not_exists: ct.if_not_exists,
        },
        span,
    ));
    for ix in indexes {
        out.push((Op::CreateIndex(ix), span));
    }
    if partial {
        out.push((
            Op::unmodelled(format!(
                "table {table} takes its columns from a query or another table"
            )),
            span,
        ));
    }
}

fn create_index(ci: &sqlparser::ast::CreateIndex, span: Span, out: &mut Vec<(Op, Span)>) {
    let table = qname(&ci.table_name);
    out.push((
        Op::CreateIndex(IndexDef {
            name: ci.name.as_ref().map(|n| qname(n).name),
            table,
            columns: ci
                .columns
                .iter()
                .map(|c| column_text(&c.column.to_string()))
                .collect(),
            unique: ci.unique,
            concurrently: ci.concurrently,
            partial: ci.predicate.is_some(),
            predicate_columns: ci
                .predicate
                .as_ref()
                .map(|p| crate::expression::check_columns(&p.to_string()))
                .unwrap_or_default(),
            if_not_exists: ci.if_not_exists,
        }),
        span,
    ));
}

fn drop(
    object_type: ObjectType,
    if_exists: bool,
    names: &[ObjectName],
    table: Option<&ObjectName>,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    for n in names {
        let name = qname(n);
        let op = match object_type {
            ObjectType::Table => Op::DropTable {
                table: name,
                if_exists,
            },
            ObjectType::View | ObjectType::MaterializedView => Op::DropView {
                name,
                materialized: object_type == ObjectType::MaterializedView,
                if_exists,
            },
            ObjectType::Index => {
                // MySQL `DROP INDEX i ON t`: index names are per table there.
                let name = match table {
                    Some(t) => QualifiedName::with_schema(qname(t).schema, name.name),
                    None => name,
                };
                Op::DropIndex {
                    name,
                    if_exists,
                    concurrently: false,
                }
            }
            other => Op::Neutral {
                what: format!("drop {}", other.to_string().to_lowercase()),
            },
        };
        out.push((op, span));
    }
}

/// Views, data changes and statements that change nothing the app sees.
fn other_statement(st: &Statement) -> Op {
    match st {
        Statement::CreateView(v) => Op::CreateView {
            name: qname(&v.name),
            materialized: v.materialized,
            or_replace: v.or_replace,
            depends_on: Vec::new(),
            columns: Vec::new(),
        },
        Statement::Insert(i) => Op::DataChange {
            kind: DataChangeKind::Insert,
            table: Some(QualifiedName::new(
                i.table.to_string().trim_matches('`').to_lowercase(),
            )),
        },
        Statement::Update(_) => Op::DataChange {
            kind: DataChangeKind::Update,
            table: None,
        },
        Statement::Delete(_) => Op::DataChange {
            kind: DataChangeKind::Delete,
            table: None,
        },
        Statement::Truncate { .. } => Op::DataChange {
            kind: DataChangeKind::Truncate,
            table: None,
        },
        Statement::Query(_) => Op::Neutral {
            what: "select".into(),
        },
        Statement::Pragma { .. } => Op::Neutral {
            what: "pragma".into(),
        },
        Statement::Set(_)
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Use(_) => Op::Neutral {
            what: "session or transaction".into(),
        },
        Statement::CreateTrigger(_)
        | Statement::DropTrigger(_)
        | Statement::CreateFunction(_)
        | Statement::CreateProcedure { .. }
        | Statement::Grant(_)
        | Statement::Revoke(_)
        | Statement::Comment { .. }
        | Statement::Analyze(_) => Op::Neutral {
            what: "routine, trigger, privilege or comment".into(),
        },
        other => Op::unmodelled(format!(
            "statement not modelled: {}",
            other.to_string().chars().take(60).collect::<String>()
        )),
    }
}

fn alter_op(
    table: &QualifiedName,
    op: &AlterTableOperation,
    dialect: Dialect,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    let t = table.clone();
    match op {
        AlterTableOperation::AddColumn { .. }
        | AlterTableOperation::DropColumn { .. }
        | AlterTableOperation::RenameColumn { .. }
        | AlterTableOperation::ChangeColumn { .. }
        | AlterTableOperation::ModifyColumn { .. }
        | AlterTableOperation::AlterColumn { .. } => alter_column_op(t, op, dialect, span, out),
        AlterTableOperation::AddConstraint { .. }
        | AlterTableOperation::DropConstraint { .. }
        | AlterTableOperation::DropForeignKey { .. }
        | AlterTableOperation::DropIndex { .. }
        | AlterTableOperation::DropPrimaryKey { .. }
        | AlterTableOperation::RenameConstraint { .. } => alter_key_op(t, op, span, out),
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => qname(n).name,
            };
            out.push((Op::RenameTable { table: t, to }, span));
        }
        AlterTableOperation::Algorithm { .. }
        | AlterTableOperation::Lock { .. }
        | AlterTableOperation::AutoIncrement { .. }
        | AlterTableOperation::OwnerTo { .. } => out.push((
            Op::Neutral {
                what: "alter table options".into(),
            },
            span,
        )),
        other => out.push((
            Op::unmodelled(format!("ALTER TABLE action not modelled: {other}")),
            span,
        )),
    }
}

/// ALTER TABLE actions on one column.
fn alter_column_op(
    t: QualifiedName,
    op: &AlterTableOperation,
    dialect: Dialect,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def: c,
            ..
        } => {
            let (column, constraints) = column_def(c, dialect);
            out.push((
                Op::AddColumn {
                    table: t,
                    column,
                    constraints,
                    if_not_exists: *if_not_exists,
                },
                span,
            ));
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            for c in column_names {
                out.push((
                    Op::DropColumn {
                        table: t.clone(),
                        column: ident(c),
                        if_exists: *if_exists,
                    },
                    span,
                ));
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.push((
            Op::RenameColumn {
                table: t,
                column: ident(old_column_name),
                to: ident(new_column_name),
            },
            span,
        )),
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type: ty,
            options,
            ..
        } => {
            let old = ident(old_name);
            let new = ident(new_name);
            if old != new {
                out.push((
                    Op::RenameColumn {
                        table: t.clone(),
                        column: old,
                        to: new.clone(),
                    },
                    span,
                ));
            }
            redefine(&t, &new, ty, options, dialect, span, out);
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type: ty,
            options,
            ..
        } => redefine(&t, &ident(col_name), ty, options, dialect, span, out),
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = ident(column_name);
            let o = match op {
                AlterColumnOperation::SetNotNull => Op::SetNotNull { table: t, column },
                AlterColumnOperation::DropNotNull => Op::DropNotNull { table: t, column },
                AlterColumnOperation::SetDefault { value } => Op::SetDefault {
                    table: t,
                    column,
                    default: value.to_string(),
                },
                AlterColumnOperation::DropDefault => Op::DropDefault { table: t, column },
                AlterColumnOperation::SetDataType {
                    data_type: ty,
                    using,
                    ..
                } => Op::AlterColumnType {
                    table: t,
                    column,
                    to: data_type(ty, dialect),
                    using: using.is_some(),
                },
                other => Op::Neutral {
                    what: format!("alter column ({other})"),
                },
            };
            out.push((o, span));
        }
        _ => {}
    }
}

/// ALTER TABLE actions on keys, constraints and indexes.
fn alter_key_op(t: QualifiedName, op: &AlterTableOperation, span: Span, out: &mut Vec<(Op, Span)>) {
    match op {
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => match table_constraint(constraint) {
            Some(Ok(mut d)) => {
                d.not_valid = *not_valid;
                out.push((
                    Op::AddConstraint {
                        table: t,
                        constraint: d,
                    },
                    span,
                ));
            }
            Some(Err(mut ix)) => {
                ix.table = t;
                out.push((Op::CreateIndex(ix), span));
            }
            None => out.push((Op::unmodelled("constraint kind not modelled"), span)),
        },
        AlterTableOperation::DropConstraint {
            name, if_exists, ..
        } => out.push((
            Op::DropConstraint {
                table: t,
                name: ident(name),
                if_exists: *if_exists,
            },
            span,
        )),
        AlterTableOperation::DropForeignKey { name, .. } => out.push((
            Op::DropConstraint {
                table: t,
                name: ident(name),
                if_exists: false,
            },
            span,
        )),
        AlterTableOperation::DropIndex { name } => out.push((
            Op::DropIndex {
                name: QualifiedName::with_schema(t.schema.clone(), ident(name)),
                if_exists: false,
                concurrently: false,
            },
            span,
        )),
        AlterTableOperation::DropPrimaryKey { .. } => out.push((
            Op::DropConstraint {
                table: t.clone(),
                name: format!("{}_pkey", t.name),
                if_exists: true,
            },
            span,
        )),
        AlterTableOperation::RenameConstraint { old_name, new_name } => out.push((
            Op::RenameConstraint {
                table: t,
                name: ident(old_name),
                to: ident(new_name),
            },
            span,
        )),
        _ => {}
    }
}

/// MySQL `MODIFY`/`CHANGE` restate the whole column: what is not said is reset (no `NOT NULL`
/// means nullable, no `DEFAULT` means none).
fn redefine(
    table: &QualifiedName,
    column: &str,
    ty: &DataType,
    options: &[ColumnOption],
    dialect: Dialect,
    span: Span,
    out: &mut Vec<(Op, Span)>,
) {
    let mut col = ColumnDef::new(column, data_type(ty, dialect));
    let mut cons = Vec::new();
    apply_options(&mut col, &mut cons, options.iter(), dialect, false);
    let t = table.clone();
    let c = column.to_string();
    out.push((
        Op::AlterColumnType {
            table: t.clone(),
            column: c.clone(),
            to: col.ty.clone(),
            using: false,
        },
        span,
    ));
    out.push((
        if col.nullable {
            Op::DropNotNull {
                table: t.clone(),
                column: c.clone(),
            }
        } else {
            Op::SetNotNull {
                table: t.clone(),
                column: c.clone(),
            }
        },
        span,
    ));
    out.push((
        match col.default {
            Some(d) => Op::SetDefault {
                table: t.clone(),
                column: c.clone(),
                default: d,
            },
            None if col.generated => Op::SetDefault {
                table: t.clone(),
                column: c.clone(),
                default: "auto_increment".into(),
            },
            None => Op::DropDefault {
                table: t.clone(),
                column: c.clone(),
            },
        },
        span,
    ));
    for con in cons {
        out.push((
            Op::AddConstraint {
                table: t.clone(),
                constraint: con,
            },
            span,
        ));
    }
}
