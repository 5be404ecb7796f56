//! PostgreSQL statements to [`Op`]s, through `squawk-syntax`'s error-tolerant parser.
//!
//! The walk is over the untyped syntax tree: each statement node's kind picks a handler, and
//! handlers look for the child nodes they need. Whatever a handler cannot place becomes an
//! [`Op::Opaque`] with the statement's span, never nothing.

use super::{ParsedSql, ParsedStatement};
use crate::model::{
    ColumnDef, ConstraintDef, ConstraintKind, DataChangeKind, IndexDef, ObjectKind, Op, ParseIssue,
    QualifiedName, Span, SqlType,
};
use squawk_syntax::ast::AstNode;
use squawk_syntax::{SourceFile, SyntaxKind as K, SyntaxNode, SyntaxToken, ast};

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
    // Comments matter only as overrides; skip the walk over every token when there can be none.
    if contains_ci(text, "compat") {
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
            push_unparsable(&mut out, run, &mut pending_errors);
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
                message: format!("syntax error: {first}"),
            });
        } else {
            statement_ops(&child, &masked, &mut stmt.changes, 0);
        }
        out.statements.push(stmt);
    }
    if let Some(run) = error_run.take() {
        push_unparsable(&mut out, run, &mut pending_errors);
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

fn push_unparsable(out: &mut ParsedSql, run: Span, pending: &mut Vec<(Span, String)>) {
    let errs = take_errors_in(pending, run);
    let message = errs
        .first()
        .cloned()
        .unwrap_or_else(|| "unrecognised statement".to_string());
    out.issues.push(ParseIssue {
        span: run,
        message: format!("syntax error: {message}"),
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
fn is_template_mask(segment: &str) -> bool {
    segment.len() >= 4 && segment.bytes().all(|b| b == b'_')
}

fn span_of(node: &SyntaxNode) -> Span {
    let r = node.text_range();
    Span::new(usize::from(r.start()), usize::from(r.end()))
}

fn span_of_token(token: &SyntaxToken) -> Span {
    let r = token.text_range();
    Span::new(usize::from(r.start()), usize::from(r.end()))
}

fn child(node: &SyntaxNode, kind: K) -> Option<SyntaxNode> {
    node.children().find(|c| c.kind() == kind)
}

fn has_token(node: &SyntaxNode, kind: K) -> bool {
    node.children_with_tokens()
        .any(|c| c.kind() == kind && c.as_token().is_some())
}

fn has_child(node: &SyntaxNode, kind: K) -> bool {
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
fn segments(node: &SyntaxNode) -> Vec<String> {
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

fn qualified(node: &SyntaxNode) -> Option<QualifiedName> {
    let mut segs = segments(node);
    let name = segs.pop().filter(|n| !n.is_empty())?;
    let schema = segs.pop();
    Some(QualifiedName::with_schema(schema, name))
}

fn ident(node: &SyntaxNode) -> Option<String> {
    segments(node).pop().filter(|s| !s.is_empty())
}

/// The name of a table-ish object in a statement: the first child of any of `kinds`.
fn name_in(node: &SyntaxNode, kinds: &[K]) -> Option<QualifiedName> {
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

const TABLE_NAME_KINDS: &[K] = &[
    K::TABLE_NAME,
    K::TABLE_NAME_REF,
    K::TABLE_RELATION_NAME,
    K::RELATION_NAME,
    K::RELATION_NAME_REF,
];

fn is_type_node(kind: K) -> bool {
    matches!(
        kind,
        K::ARRAY_TYPE
            | K::BIT_TYPE
            | K::BIT_VARYING_TYPE
            | K::CHARACTER_TYPE
            | K::DOUBLE_TYPE
            | K::INTERVAL_TYPE
            | K::PATH_TYPE
            | K::PERCENT_TYPE
            | K::TIME_TYPE
            | K::TIMESTAMP_TYPE
            | K::VARCHAR_TYPE
    )
}

fn type_child(node: &SyntaxNode) -> Option<SyntaxNode> {
    node.children().find(|c| is_type_node(c.kind()))
}

/// Reads a type node into a normalised [`SqlType`].
fn sql_type(node: &SyntaxNode) -> SqlType {
    let mut words: Vec<String> = Vec::new();
    let mut args: Vec<u32> = Vec::new();
    let mut array = 0u8;
    let mut schema: Option<String> = None;
    for tok in node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
    {
        match tok.kind() {
            K::INT_NUMBER => {
                if let Ok(n) = tok.text().parse::<u32>() {
                    args.push(n);
                }
            }
            K::L_BRACK => array = array.saturating_add(1),
            K::ARRAY_KW => array = array.saturating_add(1),
            K::L_PAREN | K::R_PAREN | K::R_BRACK | K::COMMA | K::MINUS => {}
            K::DOT => {
                schema = words.pop();
            }
            _ => words.push(fold_ident(tok.text())),
        }
    }
    let name = words.join(" ");
    let schema = schema.filter(|s| s != "public" && s != "pg_catalog" && !is_template_mask(s));
    let mut ty = normalize_type(&name, args);
    ty.array = array;
    if let Some(s) = schema {
        ty.base = format!("{s}.{}", ty.base);
    }
    ty
}

/// Canonical spelling of a PostgreSQL type name.
pub fn normalize_type(name: &str, mut args: Vec<u32>) -> SqlType {
    let base = match name {
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer",
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint",
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" => "double precision",
        "float4" | "real" => "real",
        "float" => {
            let p = args.first().copied().unwrap_or(53);
            args.clear();
            if p <= 24 { "real" } else { "double precision" }
        }
        "decimal" | "numeric" => "numeric",
        "varchar" | "character varying" | "char varying" => "varchar",
        "char" | "character" | "bpchar" | "nchar" | "national character" => {
            if args.is_empty() {
                args.push(1);
            }
            "char"
        }
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timetz" | "time with time zone" => "timetz",
        "time" | "time without time zone" => "time",
        "varbit" | "bit varying" => "varbit",
        other => {
            return SqlType {
                base: other.to_string(),
                args,
                array: 0,
            };
        }
    };
    SqlType {
        base: base.to_string(),
        args,
        array: 0,
    }
}

fn is_serial(node: &SyntaxNode) -> bool {
    let text = node.text().to_string().to_lowercase();
    matches!(
        text.trim(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}

fn node_text(node: &SyntaxNode) -> String {
    node.text().to_string()
}

/// Text of the expression after a keyword in a node (the default's expression).
fn expr_text_after_keyword(node: &SyntaxNode) -> String {
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
fn constraint_columns(node: &SyntaxNode) -> Vec<String> {
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
fn expression_columns(node: &SyntaxNode) -> Vec<String> {
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
fn query_dependencies(node: &SyntaxNode) -> (Vec<QualifiedName>, Vec<String>) {
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

fn constraint_name(node: &SyntaxNode) -> Option<String> {
    child(node, K::CONSTRAINT_NAME_CLAUSE)
        .and_then(|c| child(&c, K::CONSTRAINT_NAME))
        .and_then(|n| ident(&n))
}

/// A table-level (or `ALTER TABLE … ADD`) constraint node.
fn table_constraint(node: &SyntaxNode, own_column: Option<&str>) -> Option<ConstraintDef> {
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
fn column_def(node: &SyntaxNode) -> Option<(ColumnDef, Vec<ConstraintDef>)> {
    let name = child(node, K::COLUMN_NAME).and_then(|n| ident(&n))?;
    let ty_node = type_child(node);
    let ty = ty_node
        .as_ref()
        .map(sql_type)
        .unwrap_or_else(SqlType::unknown);
    let mut col = ColumnDef::new(name.clone(), ty);
    if ty_node.as_ref().is_some_and(is_serial) {
        col.default = Some("nextval(…)".to_string());
        col.nullable = false;
    }
    let mut constraints = Vec::new();
    for c in node.children() {
        match c.kind() {
            K::NOT_NULL_CONSTRAINT => col.nullable = false,
            K::NULL_CONSTRAINT => col.nullable = true,
            K::DEFAULT_CONSTRAINT => col.default = Some(expr_text_after_keyword(&c)),
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

/// Appends the ops of one statement. `depth` guards DO-block recursion.
fn statement_ops(node: &SyntaxNode, text: &str, out: &mut Vec<(Op, Span)>, depth: u8) {
    let span = span_of(node);
    let before = out.len();
    match node.kind() {
        K::CREATE_TABLE => create_table(node, span, out),
        K::CREATE_TABLE_AS | K::SELECT_INTO => {
            if let Some(table) = name_in(node, TABLE_NAME_KINDS) {
                out.push((
                    Op::CreateTable {
                        table,
                        columns: Vec::new(),
                        constraints: Vec::new(),
                        if_not_exists: has_child(node, K::IF_NOT_EXISTS),
                    },
                    span,
                ));
            } else {
                out.push((
                    Op::Neutral {
                        what: "select into".into(),
                    },
                    span,
                ));
            }
        }
        K::ALTER_TABLE => alter_table(node, span, out),
        K::DROP_TABLE => {
            let if_exists = has_child(node, K::IF_EXISTS);
            for n in node.children().filter(|c| c.kind() == K::TABLE_NAME_REF) {
                if let Some(table) = qualified(&n) {
                    out.push((Op::DropTable { table, if_exists }, span));
                }
            }
        }
        K::CREATE_INDEX => create_index(node, span, out),
        K::DROP_INDEX => {
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
        K::ALTER_INDEX => {
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
        K::CREATE_VIEW | K::CREATE_MATERIALIZED_VIEW => {
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
        K::DROP_VIEW | K::DROP_MATERIALIZED_VIEW => {
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
        K::ALTER_VIEW | K::ALTER_MATERIALIZED_VIEW => alter_view(node, span, out),
        K::CREATE_TYPE => {
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
        K::ALTER_TYPE => alter_type(node, span, out),
        K::DROP_TYPE => {
            let if_exists = has_child(node, K::IF_EXISTS);
            for n in node.children().filter(|c| c.kind() == K::TYPE_NAME_REF) {
                if let Some(name) = qualified(&n) {
                    out.push((Op::DropType { name, if_exists }, span));
                }
            }
        }
        K::INSERT | K::UPDATE | K::DELETE | K::MERGE | K::TRUNCATE | K::COPY => {
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
        K::DO => do_block(node, text, span, out, depth),
        K::DROP_SCHEMA => out.push((
            Op::unmodelled(
                "DROP SCHEMA removes every object in the schema; rollsafe does not track \
                         schema membership",
            ),
            span,
        )),
        K::CALL | K::EXECUTE => out.push((
            Op::dynamic("calls code whose effect on the schema cannot be seen statically"),
            span,
        )),
        K::DROP_DOMAIN | K::ALTER_DOMAIN => out.push((
            Op::unmodelled("domain changes can change what columns of that domain accept"),
            span,
        )),
        kind => {
            if let Some(what) = neutral_statement(kind) {
                out.push((Op::Neutral { what: what.into() }, span));
            } else {
                out.push((
                    Op::unmodelled(format!(
                        "{} statements are not modelled",
                        format!("{kind:?}").replace('_', " ")
                    )),
                    span,
                ));
            }
        }
    }
    if out.len() == before {
        out.push((Op::unmodelled("statement not understood"), span));
    }
}

/// Statements that do not change what application code can read or write.
fn neutral_statement(kind: K) -> Option<&'static str> {
    Some(match kind {
        K::SELECT | K::COMPOUND_SELECT | K::PAREN_SELECT | K::VALUES | K::TABLE | K::SHOW => {
            "select"
        }
        K::COMMENT_ON => "comment",
        K::GRANT | K::REVOKE | K::ALTER_DEFAULT_PRIVILEGES | K::REASSIGN | K::DROP_OWNED => {
            "privileges"
        }
        K::SET
        | K::RESET
        | K::SET_ROLE
        | K::RESET_ROLE
        | K::SET_SESSION_AUTH
        | K::RESET_SESSION_AUTH
        | K::SET_TRANSACTION
        | K::SET_CONSTRAINTS
        | K::DISCARD => "session setting",
        K::BEGIN
        | K::COMMIT_TRANSACTION
        | K::ROLLBACK_TRANSACTION
        | K::SAVEPOINT_CREATE
        | K::RELEASE_SAVEPOINT
        | K::PREPARE_TRANSACTION
        | K::LOCK => "transaction control",
        K::CREATE_EXTENSION | K::DROP_EXTENSION | K::ALTER_EXTENSION => "extension",
        K::CREATE_FUNCTION
        | K::CREATE_PROCEDURE
        | K::DROP_FUNCTION
        | K::DROP_PROCEDURE
        | K::ALTER_FUNCTION
        | K::ALTER_PROCEDURE
        | K::DROP_ROUTINE
        | K::ALTER_ROUTINE
        | K::CREATE_AGGREGATE
        | K::DROP_AGGREGATE
        | K::ALTER_AGGREGATE => "function",
        K::CREATE_TRIGGER
        | K::DROP_TRIGGER
        | K::ALTER_TRIGGER
        | K::CREATE_EVENT_TRIGGER
        | K::DROP_EVENT_TRIGGER
        | K::ALTER_EVENT_TRIGGER => "trigger",
        K::CREATE_SEQUENCE | K::ALTER_SEQUENCE | K::DROP_SEQUENCE => "sequence",
        K::REINDEX | K::ANALYZE | K::VACUUM | K::CLUSTER | K::REFRESH | K::CHECKPOINT => {
            "maintenance"
        }
        K::CREATE_SCHEMA | K::ALTER_SCHEMA => "schema",
        K::CREATE_ROLE
        | K::ALTER_ROLE
        | K::DROP_ROLE
        | K::CREATE_USER
        | K::ALTER_USER
        | K::DROP_USER
        | K::CREATE_GROUP
        | K::ALTER_GROUP
        | K::DROP_GROUP => "role",
        K::CREATE_POLICY | K::ALTER_POLICY | K::DROP_POLICY => "row security policy",
        K::CREATE_STATISTICS | K::ALTER_STATISTICS | K::DROP_STATISTICS => "statistics",
        K::CREATE_COLLATION | K::ALTER_COLLATION | K::DROP_COLLATION => "collation",
        K::CREATE_DOMAIN => "domain",
        K::CREATE_CAST
        | K::DROP_CAST
        | K::CREATE_OPERATOR
        | K::DROP_OPERATOR
        | K::ALTER_OPERATOR
        | K::CREATE_OPERATOR_CLASS
        | K::CREATE_OPERATOR_FAMILY => "operator",
        K::CREATE_TEXT_SEARCH_CONFIGURATION
        | K::CREATE_TEXT_SEARCH_DICTIONARY
        | K::ALTER_TEXT_SEARCH_CONFIGURATION
        | K::ALTER_TEXT_SEARCH_DICTIONARY => "text search",
        K::CREATE_PUBLICATION
        | K::ALTER_PUBLICATION
        | K::DROP_PUBLICATION
        | K::CREATE_SUBSCRIPTION
        | K::ALTER_SUBSCRIPTION
        | K::DROP_SUBSCRIPTION => "replication",
        K::NOTIFY
        | K::LISTEN
        | K::UNLISTEN
        | K::LOAD
        | K::EXPLAIN
        | K::PREPARE
        | K::DEALLOCATE
        | K::DECLARE
        | K::FETCH
        | K::MOVE
        | K::CLOSE => "session command",
        K::SECURITY_LABEL | K::CREATE_RULE | K::DROP_RULE | K::ALTER_RULE => "rule or label",
        K::CREATE_TABLESPACE | K::ALTER_TABLESPACE | K::DROP_TABLESPACE => "tablespace",
        K::CREATE_SERVER
        | K::CREATE_FOREIGN_DATA_WRAPPER
        | K::CREATE_USER_MAPPING
        | K::IMPORT_FOREIGN_SCHEMA
        | K::CREATE_FOREIGN_TABLE
        | K::DROP_FOREIGN_TABLE
        | K::ALTER_FOREIGN_TABLE => "foreign data",
        K::CREATE_DATABASE | K::ALTER_DATABASE | K::DROP_DATABASE | K::ALTER_SYSTEM => {
            "database setting"
        }
        _ => return None,
    })
}

fn string_literal(node: &SyntaxNode) -> Option<String> {
    let lit = if node.kind() == K::LITERAL {
        node.clone()
    } else {
        node.descendants().find(|d| d.kind() == K::LITERAL)?
    };
    ast::Literal::cast(lit).and_then(|l| l.string_value())
}

fn create_table(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
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

fn alter_table(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
    let Some(table) = name_in(node, TABLE_NAME_KINDS) else {
        out.push((Op::unmodelled("ALTER TABLE without a table name"), span));
        return;
    };
    let actions: Vec<SyntaxNode> = node
        .children()
        .filter(|c| !TABLE_NAME_KINDS.contains(&c.kind()) && c.kind() != K::IF_EXISTS)
        .collect();
    for action in actions {
        let aspan = span_of(&action);
        match action.kind() {
            K::ADD_COLUMN => {
                let if_not_exists = has_child(&action, K::IF_NOT_EXISTS);
                match column_def(&action) {
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
                let if_exists = has_child(&action, K::IF_EXISTS);
                match child(&action, K::COLUMN_NAME_REF).and_then(|n| ident(&n)) {
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
            K::ALTER_COLUMN => alter_column(&table, &action, aspan, out),
            K::ADD_CONSTRAINT => {
                let con = action.children().find_map(|c| table_constraint(&c, None));
                match con {
                    Some(constraint) => out.push((
                        Op::AddConstraint {
                            table: table.clone(),
                            constraint,
                        },
                        aspan,
                    )),
                    None => {
                        // `ADD CONSTRAINT … NOT NULL col` (PostgreSQL 18) and friends.
                        let nn = action
                            .descendants()
                            .find(|c| c.kind() == K::NOT_NULL_CONSTRAINT);
                        match nn.and_then(|n| n.descendants().find(|c| c.kind() == K::NAME_REF)) {
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
                }
            }
            K::DROP_CONSTRAINT => {
                let if_exists = has_child(&action, K::IF_EXISTS);
                match child(&action, K::CONSTRAINT_NAME_REF).and_then(|n| ident(&n)) {
                    Some(name) => out.push((
                        Op::DropConstraint {
                            table: table.clone(),
                            name,
                            if_exists,
                        },
                        aspan,
                    )),
                    None => out.push((opaque("DROP CONSTRAINT without a name"), aspan)),
                }
            }
            K::VALIDATE_CONSTRAINT => {
                if let Some(name) = child(&action, K::CONSTRAINT_NAME_REF).and_then(|n| ident(&n)) {
                    out.push((
                        Op::ValidateConstraint {
                            table: table.clone(),
                            name,
                        },
                        aspan,
                    ));
                }
            }
            K::RENAME_COLUMN => {
                let from = child(&action, K::COLUMN_NAME_REF).and_then(|n| ident(&n));
                let to = child(&action, K::COLUMN_NAME).and_then(|n| ident(&n));
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
            K::RENAME_CONSTRAINT => {
                let from = child(&action, K::CONSTRAINT_NAME_REF).and_then(|n| ident(&n));
                let to = child(&action, K::CONSTRAINT_NAME).and_then(|n| ident(&n));
                if let (Some(name), Some(to)) = (from, to) {
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
            K::TABLE_RENAME_TO => match child(&action, K::TABLE_NAME).and_then(|n| ident(&n)) {
                Some(to) => out.push((
                    Op::RenameTable {
                        table: table.clone(),
                        to,
                    },
                    aspan,
                )),
                None => out.push((opaque("RENAME TO without a name"), aspan)),
            },
            K::SET_SCHEMA => {
                if let Some(schema) = child(&action, K::SCHEMA_REF).and_then(|n| ident(&n)) {
                    out.push((
                        Op::SetSchema {
                            kind: ObjectKind::Table,
                            name: table.clone(),
                            schema,
                        },
                        aspan,
                    ));
                }
            }
            K::ENABLE_RLS | K::FORCE_RLS => out.push((
                Op::unmodelled(
                    "row level security can hide rows from, or reject writes of, the \
                             previous app version",
                ),
                aspan,
            )),
            K::ATTACH_PARTITION
            | K::DETACH_PARTITION
            | K::INHERIT_TABLE
            | K::NO_INHERIT_TABLE
            | K::OF_TYPE
            | K::NOT_OF
            | K::MERGE_PARTITIONS
            | K::SPLIT_PARTITION => out.push((
                Op::unmodelled("partition and inheritance changes move rows between tables"),
                aspan,
            )),
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
            | K::OPTION_ITEM_LIST => out.push((
                Op::Neutral {
                    what: format!("alter table {table} (storage or ownership)"),
                },
                aspan,
            )),
            K::COMMA | K::SEMICOLON => {}
            other => out.push((
                Op::unmodelled(format!(
                    "ALTER TABLE action {} is not modelled",
                    format!("{other:?}").replace('_', " ")
                )),
                aspan,
            )),
        }
    }
}

fn opaque(reason: &str) -> Op {
    Op::unmodelled(reason.to_string())
}

fn alter_column(table: &QualifiedName, action: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
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

fn create_index(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
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

fn alter_view(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
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

fn alter_type(node: &SyntaxNode, span: Span, out: &mut Vec<(Op, Span)>) {
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

/// `DO $$ … $$`: the PL/pgSQL body's SQL statements are analysed like top-level ones, with
/// spans mapped back into the file. `EXECUTE 'literal'` is parsed too; a computed string is
/// opaque.
fn do_block(node: &SyntaxNode, text: &str, span: Span, out: &mut Vec<(Op, Span)>, depth: u8) {
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
