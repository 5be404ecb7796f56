//! Alembic revisions, read statically: the revision graph from module-level assignments and the
//! operations of `upgrade()` (and `downgrade()`) from `op.*` calls. Nothing is imported or run.
//!
//! [`env`] finds the environments and their revision files, [`reader`] walks a function body,
//! [`ops`] turns each `op.*` call into model operations (one handler per operation family) and
//! [`types`] reads `sa.Column` and SQLAlchemy types.

mod env;
mod ops;
mod reader;
mod types;

pub use env::{Env, env_transaction, find_envs, revision_files};

use super::python::{self, span};
use crate::model::{Change, Downgrade, Framework, Migration, Span, Statement};
use crate::overrides;
use reader::Reader;
use ruff_python_ast::{Expr, Stmt};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Reads one revision file into a [`Migration`] (id = revision, parents = down revisions and
/// `depends_on`).
pub fn read_revision(rel: &str, source: Arc<str>, history: &str) -> Option<Migration> {
    let text: &str = &source;
    let file = python::parse(text);
    let module = file.parsed.syntax();
    let mut revision: Option<(String, Span)> = None;
    let mut parents = Vec::new();
    let mut upgrade = None;
    let mut downgrade = None;
    let mut helpers = BTreeSet::new();
    for stmt in &module.body {
        match stmt {
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if let Expr::Name(n) = t {
                        assign_header(
                            n.id.as_str(),
                            &a.value,
                            text,
                            &mut revision,
                            &mut parents,
                            span(a.range),
                        );
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (a.target.as_ref(), &a.value) {
                    assign_header(
                        n.id.as_str(),
                        v,
                        text,
                        &mut revision,
                        &mut parents,
                        span(a.range),
                    );
                }
            }
            Stmt::FunctionDef(f) => match f.name.as_str() {
                "upgrade" => upgrade = Some(f),
                "downgrade" => downgrade = Some(f),
                other => {
                    helpers.insert(other.to_string());
                }
            },
            _ => {}
        }
    }
    let (id, id_span) = revision?;
    let mut m = Migration::new(id, rel.to_string(), Framework::Alembic, source.clone());
    m.history = history.to_string();
    m.parents = parents;
    m.id_span = id_span;
    m.issues = file.issues.clone();

    let mut reader = Reader {
        text,
        helpers: &helpers,
        statements: Vec::new(),
        block: None,
        comments: file.comments.clone(),
        issues: Vec::new(),
        autocommit: Vec::new(),
        in_autocommit: false,
    };
    if let Some(f) = upgrade {
        reader.body(&f.body, None);
    }
    let Reader {
        statements: read,
        comments,
        issues,
        autocommit,
        ..
    } = reader;
    m.issues.extend(issues);
    m.outside_transaction = autocommit;
    m.transaction = env::env_transaction(None);
    let mut statements: Vec<Statement> = read
        .iter()
        .map(|(s, _, _)| Statement {
            span: *s,
            override_index: None,
        })
        .collect();
    m.overrides = overrides::attach(
        text,
        &comments,
        &mut statements,
        python::is_python_comment_line,
    );
    // Ops inside a `with` block inherit the block's override.
    for i in 0..statements.len() {
        let mut parent = read[i].2;
        while statements[i].override_index.is_none() {
            let Some(p) = parent else { break };
            statements[i].override_index = statements[p].override_index;
            parent = read[p].2;
        }
    }
    for (i, (_, ops, _)) in read.into_iter().enumerate() {
        for (op, sp) in ops {
            m.changes.push(Change {
                op,
                span: sp,
                statement: i,
            });
        }
    }
    m.statements = statements;
    m.downgrade = match downgrade {
        None => Downgrade::Absent,
        Some(f) => read_downgrade(&f.body, text, &helpers),
    };
    Some(m)
}

fn assign_header(
    name: &str,
    value: &Expr,
    text: &str,
    revision: &mut Option<(String, Span)>,
    parents: &mut Vec<String>,
    at: Span,
) {
    let strings = |e: &Expr| -> Vec<String> {
        match e {
            Expr::Tuple(t) => t
                .elts
                .iter()
                .filter_map(|x| python::str_value(x, text))
                .map(|s| s.value)
                .collect(),
            Expr::List(l) => l
                .elts
                .iter()
                .filter_map(|x| python::str_value(x, text))
                .map(|s| s.value)
                .collect(),
            other => python::str_value(other, text)
                .map(|s| vec![s.value])
                .unwrap_or_default(),
        }
    };
    match name {
        "revision" => {
            if let Some(s) = python::str_value(value, text) {
                *revision = Some((s.value, at));
            }
        }
        "down_revision" | "depends_on" => parents.extend(strings(value)),
        _ => {}
    }
}

fn read_downgrade(body: &[Stmt], text: &str, helpers: &BTreeSet<String>) -> Downgrade {
    let meaningful: Vec<&Stmt> = body
        .iter()
        .filter(|s| match s {
            Stmt::Pass(_) => false,
            Stmt::Expr(e) => !matches!(
                e.value.as_ref(),
                Expr::StringLiteral(_) | Expr::EllipsisLiteral(_)
            ),
            _ => true,
        })
        .collect();
    if meaningful.is_empty() {
        return Downgrade::Empty;
    }
    if meaningful.iter().any(|s| matches!(s, Stmt::Raise(_))) {
        return Downgrade::Irreversible;
    }
    let mut r = Reader {
        text,
        helpers,
        statements: Vec::new(),
        block: None,
        comments: Vec::new(),
        issues: Vec::new(),
        autocommit: Vec::new(),
        in_autocommit: false,
    };
    r.body(body, None);
    Downgrade::Present {
        path: None,
        changes: r
            .statements
            .into_iter()
            .flat_map(|(_, ops, _)| ops.into_iter().map(|(o, _)| o))
            .collect(),
    }
}
