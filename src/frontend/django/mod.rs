//! Django migrations, read statically. Django operations name models and fields, not tables and
//! columns, so the frontend replays the model state the way Django does (across apps, in graph
//! order) to turn each operation into the DDL Django would run.
//!
//! [`state`] holds the model state, [`fields`] reads field classes and makes their DDL,
//! [`operations`] replays each operation (one handler per family) and [`naming`] computes the
//! names Django gives constraints and indexes.

mod fields;
mod naming;
mod operations;
mod state;

use super::python::{self, call_leaf, call_name, kwarg, span};
use crate::graph;
use crate::model::{
    Change, Downgrade, Framework, Migration, Op, ParseIssue, QualifiedName, Span, Statement,
};
use crate::overrides;
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::Ranged;
use state::{State, model_key};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Whether a relative path looks like a Django migration module (`<app>/migrations/0001_x.py`).
pub fn is_migration_path(rel: &str) -> bool {
    let mut parts = rel.rsplit('/');
    let (Some(file), Some(dir), Some(_app)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    dir == "migrations"
        && file.ends_with(".py")
        && file.as_bytes().first().is_some_and(|b| b.is_ascii_digit())
}

/// One parsed migration file, before the state replay.
pub struct Parsed {
    pub app: String,
    pub name: String,
    pub rel: String,
    pub source: Arc<str>,
    deps: Vec<String>,
    replaces: Vec<String>,
    run_before: Vec<String>,
    operations: Result<Vec<DjOp>, (String, Span)>,
    issues: Vec<ParseIssue>,
    comments: Vec<(Span, String)>,
    id_span: Span,
    /// `atomic = False`: Django runs the migration outside a transaction.
    atomic: bool,
}

/// A Django operation call, kept as its source expression for the replay.
pub(crate) struct DjOp {
    pub(crate) span: Span,
    pub(crate) kind: String,
    pub(crate) call: Box<ExprCall>,
}

/// Reads one file; `None` when it holds no `class Migration`.
pub fn parse_file(rel: &str, source: Arc<str>) -> Option<Parsed> {
    let text: &str = &source;
    if !text.contains("class Migration") {
        return None;
    }
    let mut parts = rel.rsplit('/');
    let file = parts.next()?.trim_end_matches(".py").to_string();
    let app = parts.nth(1)?.to_string();
    let pf = python::parse(text);
    let module = pf.parsed.syntax();
    let class = module.body.iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.as_str() == "Migration" => Some(c),
        _ => None,
    })?;
    let mut p = Parsed {
        app: app.clone(),
        name: file,
        rel: rel.to_string(),
        source: source.clone(),
        deps: Vec::new(),
        replaces: Vec::new(),
        run_before: Vec::new(),
        operations: Ok(Vec::new()),
        issues: pf.issues.clone(),
        comments: pf.comments.clone(),
        id_span: span(class.range),
        atomic: true,
    };
    let mut saw_operations = false;
    for stmt in &class.body {
        let (target, value, at) = match stmt {
            Stmt::Assign(a) => match a.targets.first() {
                Some(Expr::Name(n)) => (n.id.to_string(), a.value.as_ref(), span(a.range)),
                _ => continue,
            },
            Stmt::AnnAssign(a) => match (a.target.as_ref(), &a.value) {
                (Expr::Name(n), Some(v)) => (n.id.to_string(), v.as_ref(), span(a.range)),
                _ => continue,
            },
            _ => continue,
        };
        match target.as_str() {
            "dependencies" => p.deps = pairs(value, text, &app),
            "replaces" => p.replaces = pairs(value, text, &app),
            "run_before" => p.run_before = pairs(value, text, &app),
            "atomic" => p.atomic = python::bool_value(value) != Some(false),
            "operations" => {
                saw_operations = true;
                p.operations = match value {
                    Expr::List(l) => Ok(l
                        .elts
                        .iter()
                        .filter_map(|e| match e {
                            Expr::Call(c) => Some(DjOp {
                                span: span(c.range()),
                                kind: call_leaf(c).unwrap_or_default(),
                                call: Box::new(c.clone()),
                            }),
                            _ => None,
                        })
                        .collect()),
                    Expr::ListComp(_) => {
                        Err(("`operations` is built by a list comprehension".into(), at))
                    }
                    Expr::BinOp(_) => Err(("`operations` is built by concatenation".into(), at)),
                    Expr::Name(n) => Err((format!("`operations` is the variable `{}`", n.id), at)),
                    _ => Err(("`operations` is not a literal list".into(), at)),
                };
            }
            _ => {}
        }
    }
    if !saw_operations {
        p.operations = Ok(Vec::new());
    }
    Some(p)
}

/// `[("app", "0001_x"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]` as
/// `app.0001_x` ids; the swappable user model is Django's `auth` app.
fn pairs(e: &Expr, text: &str, _app: &str) -> Vec<String> {
    let elts: &[Expr] = match e {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        _ => return Vec::new(),
    };
    elts.iter()
        .filter_map(|x| match x {
            Expr::Tuple(t) if t.elts.len() == 2 => {
                let a = python::str_value(&t.elts[0], text)?.value;
                let b = python::str_value(&t.elts[1], text)?.value;
                Some(format!("{a}.{b}"))
            }
            Expr::Call(c) if call_leaf(c).as_deref() == Some("swappable_dependency") => {
                Some("auth.__first__".to_string())
            }
            _ => None,
        })
        .collect()
}

/// Which migrations are not replayed because a squash stands for them (or they stand for the
/// squash), and what their ids resolve to instead.
fn squashes(parsed: &[Parsed]) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let ids: BTreeSet<String> = parsed
        .iter()
        .map(|p| format!("{}.{}", p.app, p.name))
        .collect();
    let mut skip: BTreeSet<String> = BTreeSet::new();
    let mut alias: BTreeMap<String, String> = BTreeMap::new();
    for p in parsed {
        if p.replaces.is_empty() {
            continue;
        }
        let id = format!("{}.{}", p.app, p.name);
        if p.replaces.iter().all(|r| ids.contains(r)) {
            skip.insert(id.clone());
            if let Some(last) = p.replaces.last() {
                alias.insert(id, last.clone());
            }
        } else {
            for r in &p.replaces {
                skip.insert(r.clone());
                alias.insert(r.clone(), id.clone());
            }
        }
    }
    (skip, alias)
}

/// Orders parsed files by their graph, replays the model state and returns the migrations.
/// Squashed migrations whose replaced files all exist are skipped (the originals carry more
/// detail); otherwise the squash stands for them.
pub fn build(parsed: Vec<Parsed>, history: &str) -> Vec<Migration> {
    let (skip, alias) = squashes(&parsed);
    let parsed: Vec<Parsed> = parsed
        .into_iter()
        .filter(|p| !skip.contains(&format!("{}.{}", p.app, p.name)))
        .collect();
    // `__first__` / `__latest__` name an app's first or last migration.
    let mut by_app: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &parsed {
        by_app
            .entry(p.app.as_str())
            .or_default()
            .push(p.name.as_str());
    }
    for v in by_app.values_mut() {
        v.sort();
    }
    let resolve = |d: &str| -> String {
        let (app, name) = d.split_once('.').unwrap_or((d, ""));
        let r = match (name, by_app.get(app)) {
            ("__first__", Some(v)) => v.first().map(|n| format!("{app}.{n}")),
            ("__latest__", Some(v)) => v.last().map(|n| format!("{app}.{n}")),
            _ => None,
        };
        let r = r.unwrap_or_else(|| d.to_string());
        alias.get(&r).cloned().unwrap_or(r)
    };
    let mut parents: Vec<Vec<String>> = parsed
        .iter()
        .map(|p| p.deps.iter().map(|d| resolve(d)).collect())
        .collect();
    let index: BTreeMap<String, usize> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("{}.{}", p.app, p.name), i))
        .collect();
    for p in &parsed {
        for rb in &p.run_before {
            if let Some(&j) = index.get(&resolve(rb)) {
                parents[j].push(format!("{}.{}", p.app, p.name));
            }
        }
    }
    let apps: BTreeSet<&str> = parsed.iter().map(|p| p.app.as_str()).collect();
    let id_list: Vec<String> = parsed
        .iter()
        .map(|p| format!("{}.{}", p.app, p.name))
        .collect();
    let nodes: Vec<graph::Node> = id_list
        .iter()
        .zip(parents.iter())
        .map(|(id, ps)| graph::Node { id, parents: ps })
        .collect();
    let is_external = |p: &str| !apps.contains(p.split('.').next().unwrap_or(""));
    let (order, _) = graph::topo_order(&nodes, is_external);

    let mut state = State::default();
    let mut out: Vec<Option<Migration>> = (0..parsed.len()).map(|_| None).collect();
    for i in order {
        let p = &parsed[i];
        let mut m = Migration::new(
            id_list[i].clone(),
            p.rel.clone(),
            Framework::Django,
            p.source.clone(),
        );
        m.history = history.to_string();
        m.parents = parents[i].clone();
        m.replaces = p.replaces.clone();
        m.id_span = p.id_span;
        m.issues = p.issues.clone();
        m.transaction = if p.atomic {
            crate::model::Transaction::Wrapped {
                by: "Django runs the migration in a transaction (atomic = True, the default)"
                    .into(),
            }
        } else {
            crate::model::Transaction::Autocommit {
                by: "atomic = False".into(),
            }
        };
        let text: &str = &p.source;
        let mut cx = Cx {
            app: &p.app,
            text,
            comments: p.comments.clone(),
            issues: Vec::new(),
        };
        let mut statements = Vec::new();
        let mut per_stmt: Vec<Vec<(Op, Span)>> = Vec::new();
        let mut reverse: Option<Vec<Op>> = Some(Vec::new());
        match &p.operations {
            Ok(ops) => {
                for op in ops {
                    let mut emitted = Vec::new();
                    cx.operation(&mut state, op, true, &mut emitted, &mut reverse);
                    statements.push(Statement {
                        span: op.span,
                        override_index: None,
                    });
                    per_stmt.push(emitted);
                }
            }
            Err((reason, at)) => {
                statements.push(Statement {
                    span: *at,
                    override_index: None,
                });
                per_stmt.push(vec![(Op::unmodelled(reason.clone()), *at)]);
                reverse = None;
            }
        }
        m.overrides = overrides::attach(
            text,
            &cx.comments,
            &mut statements,
            python::is_python_comment_line,
        );
        for (si, ops) in per_stmt.into_iter().enumerate() {
            for (op, sp) in ops {
                m.changes.push(Change {
                    op,
                    span: sp,
                    statement: si,
                });
            }
        }
        m.statements = statements;
        m.issues.extend(cx.issues);
        m.downgrade = match reverse {
            None => Downgrade::Irreversible,
            Some(r) if r.is_empty() && m.changes.is_empty() => Downgrade::Empty,
            Some(mut r) => {
                r.reverse();
                Downgrade::Present {
                    path: None,
                    changes: r,
                }
            }
        };
        out[i] = Some(m);
    }
    out.into_iter().flatten().collect()
}

pub(crate) struct Cx<'a> {
    pub(crate) app: &'a str,
    pub(crate) text: &'a str,
    pub(crate) comments: Vec<(Span, String)>,
    pub(crate) issues: Vec<ParseIssue>,
}

impl Cx<'_> {
    pub(crate) fn s(&self, e: Option<&Expr>) -> Option<String> {
        e.and_then(|e| python::str_value(e, self.text))
            .map(|s| s.value)
    }

    pub(crate) fn strings(&self, e: Option<&Expr>) -> Vec<String> {
        match e {
            Some(Expr::List(l)) => l.elts.iter().filter_map(|x| self.s(Some(x))).collect(),
            Some(Expr::Tuple(t)) => t.elts.iter().filter_map(|x| self.s(Some(x))).collect(),
            Some(other) => self.s(Some(other)).into_iter().collect(),
            None => Vec::new(),
        }
    }

    pub(crate) fn table(&self, state: &State, model: &str) -> (QualifiedName, bool) {
        match state.models.get(&model_key(self.app, model)) {
            Some(m) => (QualifiedName::new(m.table.clone()), m.managed && !m.proxy),
            None => (
                QualifiedName::new(format!("{}_{}", self.app, model.to_lowercase())),
                true,
            ),
        }
    }
}

pub(crate) fn is_noop(e: &Expr) -> bool {
    call_name_expr(e).is_some_and(|n| n.ends_with(".noop") || n == "noop")
}

pub(crate) fn call_name_expr(e: &Expr) -> Option<String> {
    python::dotted(e).or_else(|| match e {
        Expr::Call(c) => call_name(c),
        _ => None,
    })
}

/// A value of a dict literal by string key.
pub(crate) fn dict_get<'a>(e: &'a Expr, key: &str, text: &str) -> Option<&'a Expr> {
    let Expr::Dict(d) = e else { return None };
    d.items.iter().find_map(|item| {
        let k = item.key.as_ref()?;
        (python::str_value(k, text)?.value == key).then_some(&item.value)
    })
}

/// Field names a `CheckConstraint(check=Q(age__gte=18))` or `condition=…` mentions.
pub(crate) fn check_fields(cc: &ExprCall, _text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    let expr = kwarg(cc, "condition").or_else(|| kwarg(cc, "check"));
    fn walk(e: &Expr, out: &mut BTreeSet<String>) {
        if let Expr::Call(c) = e {
            for k in &c.arguments.keywords {
                if let Some(a) = &k.arg {
                    out.insert(a.as_str().split("__").next().unwrap_or("").to_string());
                }
                walk(&k.value, out);
            }
            for a in &c.arguments.args {
                walk(a, out);
            }
        } else if let Expr::BinOp(b) = e {
            walk(&b.left, out);
            walk(&b.right, out);
        } else if let Expr::UnaryOp(u) = e {
            walk(&u.operand, out);
        } else if let Expr::Tuple(t) = e {
            for x in &t.elts {
                if let Some(s) = x.as_string_literal_expr() {
                    out.insert(
                        s.value
                            .to_str()
                            .split("__")
                            .next()
                            .unwrap_or("")
                            .to_string(),
                    );
                }
                walk(x, out);
            }
        }
    }
    if let Some(e) = expr {
        walk(e, &mut out);
    }
    out.into_iter().filter(|s| !s.is_empty()).collect()
}
