//! Django migrations, read statically. Django operations name models and fields, not tables and
//! columns, so the frontend replays the model state the way Django does (across apps, in graph
//! order) to turn each operation into the DDL Django would run.

use super::python::{self, arg, bool_value, call_leaf, call_name, int_value, kwarg, span};
use crate::graph;
use crate::model::{
    Change, ColumnDef, ConstraintDef, ConstraintKind, Downgrade, Framework, IndexDef, Migration,
    Op, ParseIssue, QualifiedName, Span, SqlType, Statement,
};
use crate::overrides;
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::Ranged;
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
}

/// A Django operation call, kept as its source expression for the replay.
struct DjOp {
    span: Span,
    kind: String,
    call: Box<ExprCall>,
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

/// The state of one model, as Django's migration state holds it.
#[derive(Debug, Clone)]
struct ModelState {
    table: String,
    fields: Vec<(String, Field)>,
    managed: bool,
    proxy: bool,
    unique_together: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Field {
    class: String,
    column: Option<String>,
    ty: SqlType,
    null: bool,
    /// Python-side default (not a database default).
    has_default: bool,
    db_default: Option<String>,
    unique: bool,
    db_index: bool,
    primary_key: bool,
    /// `ForeignKey`/`OneToOneField` target (`app.model`, lower case).
    fk: Option<String>,
    m2m: Option<String>,
    generated: bool,
}

impl Field {
    fn column_name(&self, name: &str) -> String {
        self.column.clone().unwrap_or_else(|| {
            if self.fk.is_some() {
                format!("{name}_id")
            } else {
                name.to_string()
            }
        })
    }
    fn column_def(&self, name: &str) -> ColumnDef {
        let mut c = ColumnDef::new(self.column_name(name), self.ty.clone());
        c.nullable = self.null && !self.primary_key;
        c.default = self.db_default.clone();
        c.generated = self.generated;
        c
    }
}

#[derive(Default)]
struct State {
    models: BTreeMap<String, ModelState>,
}

fn model_key(app: &str, model: &str) -> String {
    format!("{}.{}", app, model.to_lowercase())
}

/// Orders parsed files by their graph, replays the model state and returns the migrations.
/// Squashed migrations whose replaced files all exist are skipped (the originals carry more
/// detail); otherwise the squash stands for them.
pub fn build(parsed: Vec<Parsed>, history: &str) -> Vec<Migration> {
    let ids: BTreeSet<String> = parsed
        .iter()
        .map(|p| format!("{}.{}", p.app, p.name))
        .collect();
    let mut skip: BTreeSet<String> = BTreeSet::new();
    let mut alias: BTreeMap<String, String> = BTreeMap::new();
    for p in &parsed {
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
        m.id_span = p.id_span;
        m.issues = p.issues.clone();
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
                per_stmt.push(vec![(
                    Op::Opaque {
                        reason: reason.clone(),
                    },
                    *at,
                )]);
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

struct Cx<'a> {
    app: &'a str,
    text: &'a str,
    comments: Vec<(Span, String)>,
    issues: Vec<ParseIssue>,
}

impl Cx<'_> {
    fn s(&self, e: Option<&Expr>) -> Option<String> {
        e.and_then(|e| python::str_value(e, self.text))
            .map(|s| s.value)
    }

    fn strings(&self, e: Option<&Expr>) -> Vec<String> {
        match e {
            Some(Expr::List(l)) => l.elts.iter().filter_map(|x| self.s(Some(x))).collect(),
            Some(Expr::Tuple(t)) => t.elts.iter().filter_map(|x| self.s(Some(x))).collect(),
            Some(other) => self.s(Some(other)).into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn table(&self, state: &State, model: &str) -> (QualifiedName, bool) {
        match state.models.get(&model_key(self.app, model)) {
            Some(m) => (QualifiedName::new(m.table.clone()), m.managed && !m.proxy),
            None => (
                QualifiedName::new(format!("{}_{}", self.app, model.to_lowercase())),
                true,
            ),
        }
    }

    /// Reads one operation: updates the state, and (when `ddl`) appends the DDL Django runs.
    /// `reverse` collects the downgrade's operations, or becomes `None` when irreversible.
    fn operation(
        &mut self,
        state: &mut State,
        op: &DjOp,
        ddl: bool,
        out: &mut Vec<(Op, Span)>,
        reverse: &mut Option<Vec<Op>>,
    ) {
        let c = &op.call;
        let at = op.span;
        let model_name = self
            .s(kwarg(c, "model_name").or_else(|| arg(c, "name", 0)))
            .unwrap_or_default();
        let push = |o: Op, out: &mut Vec<(Op, Span)>| {
            if ddl {
                out.push((o, at));
            }
        };
        match op.kind.as_str() {
            "CreateModel" => {
                let name = self.s(arg(c, "name", 0)).unwrap_or_default();
                let options = kwarg(c, "options");
                let opt = |k: &str| options.and_then(|o| dict_get(o, k, self.text));
                let proxy = opt("proxy").and_then(bool_value).unwrap_or(false);
                let managed = opt("managed").and_then(bool_value).unwrap_or(true);
                let table = opt("db_table")
                    .and_then(|e| self.s(Some(e)))
                    .unwrap_or_else(|| format!("{}_{}", self.app, name.to_lowercase()));
                let mut fields = Vec::new();
                if let Some(Expr::List(l)) = arg(c, "fields", 1) {
                    for f in &l.elts {
                        if let Expr::Tuple(t) = f
                            && let (Some(fname), Some(Expr::Call(fc))) =
                                (self.s(t.elts.first()), t.elts.get(1))
                        {
                            fields.push((fname, self.field(state, fc)));
                        }
                    }
                }
                let unique_together = opt("unique_together")
                    .map(|e| self.groups(e))
                    .unwrap_or_default();
                let ms = ModelState {
                    table: table.clone(),
                    fields,
                    managed,
                    proxy,
                    unique_together,
                };
                if managed && !proxy {
                    let qn = QualifiedName::new(table.clone());
                    let mut columns = Vec::new();
                    let mut constraints = Vec::new();
                    let mut after = Vec::new();
                    for (fname, f) in &ms.fields {
                        if let Some(target) = &f.m2m {
                            after.push(self.m2m_table(state, &table, &name, fname, target, &ms));
                            continue;
                        }
                        columns.push(f.column_def(fname));
                        constraints.extend(self.field_constraints(state, fname, f));
                        if (f.db_index || f.fk.is_some()) && !f.unique && !f.primary_key {
                            after.push(Op::CreateIndex(index(
                                &qn,
                                vec![f.column_name(fname)],
                                false,
                            )));
                        }
                    }
                    for g in &ms.unique_together {
                        constraints.push(ConstraintDef::new(
                            ConstraintKind::Unique,
                            self.columns_of(&ms, g),
                        ));
                    }
                    push(
                        Op::CreateTable {
                            table: qn.clone(),
                            columns,
                            constraints,
                            if_not_exists: false,
                        },
                        out,
                    );
                    for o in after {
                        push(o, out);
                    }
                    if let Some(r) = reverse {
                        r.push(Op::DropTable {
                            table: qn,
                            if_exists: false,
                        });
                    }
                }
                state.models.insert(model_key(self.app, &name), ms);
            }
            "DeleteModel" => {
                let name = self.s(arg(c, "name", 0)).unwrap_or_default();
                if let Some(ms) = state.models.remove(&model_key(self.app, &name)) {
                    if ms.managed && !ms.proxy {
                        push(
                            Op::DropTable {
                                table: QualifiedName::new(ms.table),
                                if_exists: false,
                            },
                            out,
                        );
                    }
                } else {
                    push(
                        Op::DropTable {
                            table: QualifiedName::new(format!(
                                "{}_{}",
                                self.app,
                                name.to_lowercase()
                            )),
                            if_exists: false,
                        },
                        out,
                    );
                }
                *reverse = reverse.take().map(|mut r| {
                    r.push(Op::Neutral {
                        what: "recreate model".into(),
                    });
                    r
                });
            }
            "RenameModel" => {
                let old = self
                    .s(kwarg(c, "old_name").or_else(|| arg(c, "old_name", 0)))
                    .unwrap_or_default();
                let new = self
                    .s(kwarg(c, "new_name").or_else(|| arg(c, "new_name", 1)))
                    .unwrap_or_default();
                if let Some(mut ms) = state.models.remove(&model_key(self.app, &old)) {
                    let default_old = format!("{}_{}", self.app, old.to_lowercase());
                    if ms.table == default_old {
                        let new_table = format!("{}_{}", self.app, new.to_lowercase());
                        if ms.managed && !ms.proxy {
                            push(
                                Op::RenameTable {
                                    table: QualifiedName::new(ms.table.clone()),
                                    to: new_table.clone(),
                                },
                                out,
                            );
                        }
                        ms.table = new_table;
                    }
                    state.models.insert(model_key(self.app, &new), ms);
                }
            }
            "AlterModelTable" => {
                let name = self.s(arg(c, "name", 0)).unwrap_or_default();
                let key = model_key(self.app, &name);
                let new = self
                    .s(kwarg(c, "table").or_else(|| arg(c, "table", 1)))
                    .unwrap_or_else(|| format!("{}_{}", self.app, name.to_lowercase()));
                if let Some(ms) = state.models.get_mut(&key)
                    && ms.table != new
                {
                    if ms.managed && !ms.proxy {
                        push(
                            Op::RenameTable {
                                table: QualifiedName::new(ms.table.clone()),
                                to: new.clone(),
                            },
                            out,
                        );
                    }
                    ms.table = new;
                }
            }
            "AddField" => {
                let fname = self
                    .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
                    .unwrap_or_default();
                let Some(Expr::Call(fc)) = kwarg(c, "field").or_else(|| arg(c, "field", 2)) else {
                    push(
                        Op::Opaque {
                            reason: "AddField with a field rollsafe cannot read".into(),
                        },
                        out,
                    );
                    return;
                };
                let f = self.field(state, fc);
                let (qn, managed) = self.table(state, &model_name);
                if managed {
                    if let Some(target) = &f.m2m {
                        let ms = state.models.get(&model_key(self.app, &model_name)).cloned();
                        if let Some(ms) = ms {
                            let o =
                                self.m2m_table(state, &ms.table, &model_name, &fname, target, &ms);
                            push(o, out);
                        }
                    } else {
                        let mut col = f.column_def(&fname);
                        let col_name = col.name.clone();
                        // Django adds the column with the Python default and drops that
                        // default in the same migration: old code's inserts then fail.
                        let temp_default =
                            !f.null && f.db_default.is_none() && f.has_default && !f.generated;
                        if temp_default {
                            col.default = Some("(effective default)".into());
                        }
                        push(
                            Op::AddColumn {
                                table: qn.clone(),
                                column: col,
                                constraints: self.field_constraints(state, &fname, &f),
                                if_not_exists: false,
                            },
                            out,
                        );
                        if temp_default {
                            push(
                                Op::DropDefault {
                                    table: qn.clone(),
                                    column: col_name.clone(),
                                },
                                out,
                            );
                        }
                        if (f.db_index || f.fk.is_some()) && !f.unique && !f.primary_key {
                            push(
                                Op::CreateIndex(index(&qn, vec![col_name.clone()], false)),
                                out,
                            );
                        }
                        if let Some(r) = reverse {
                            r.push(Op::DropColumn {
                                table: qn,
                                column: col_name,
                                if_exists: false,
                            });
                        }
                    }
                }
                if let Some(ms) = state.models.get_mut(&model_key(self.app, &model_name)) {
                    ms.fields.push((fname, f));
                }
            }
            "RemoveField" => {
                let fname = self
                    .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
                    .unwrap_or_default();
                let (qn, managed) = self.table(state, &model_name);
                let key = model_key(self.app, &model_name);
                let field = state.models.get(&key).and_then(|ms| {
                    ms.fields
                        .iter()
                        .find(|(n, _)| *n == fname)
                        .map(|(_, f)| f.clone())
                });
                if managed {
                    match &field {
                        Some(f) if f.m2m.is_some() => push(
                            Op::DropTable {
                                table: QualifiedName::new(format!(
                                    "{}_{}",
                                    qn.name,
                                    fname.to_lowercase()
                                )),
                                if_exists: false,
                            },
                            out,
                        ),
                        Some(f) => push(
                            Op::DropColumn {
                                table: qn,
                                column: f.column_name(&fname),
                                if_exists: false,
                            },
                            out,
                        ),
                        None => push(
                            Op::DropColumn {
                                table: qn,
                                column: fname.clone(),
                                if_exists: false,
                            },
                            out,
                        ),
                    }
                }
                if let Some(ms) = state.models.get_mut(&key) {
                    ms.fields.retain(|(n, _)| *n != fname);
                }
            }
            "AlterField" => {
                let fname = self
                    .s(kwarg(c, "name").or_else(|| arg(c, "name", 1)))
                    .unwrap_or_default();
                let Some(Expr::Call(fc)) = kwarg(c, "field").or_else(|| arg(c, "field", 2)) else {
                    push(
                        Op::Opaque {
                            reason: "AlterField with a field rollsafe cannot read".into(),
                        },
                        out,
                    );
                    return;
                };
                let new = self.field(state, fc);
                let (qn, managed) = self.table(state, &model_name);
                let key = model_key(self.app, &model_name);
                let old = state.models.get(&key).and_then(|ms| {
                    ms.fields
                        .iter()
                        .find(|(n, _)| *n == fname)
                        .map(|(_, f)| f.clone())
                });
                if managed && new.m2m.is_none() {
                    let mut ops = Vec::new();
                    match &old {
                        Some(old) => {
                            let (oc, nc) = (old.column_name(&fname), new.column_name(&fname));
                            if oc != nc {
                                ops.push(Op::RenameColumn {
                                    table: qn.clone(),
                                    column: oc,
                                    to: nc.clone(),
                                });
                            }
                            if old.ty != new.ty {
                                ops.push(Op::AlterColumnType {
                                    table: qn.clone(),
                                    column: nc.clone(),
                                    to: new.ty.clone(),
                                    using: false,
                                });
                            }
                            if old.null && !new.null {
                                ops.push(Op::SetNotNull {
                                    table: qn.clone(),
                                    column: nc.clone(),
                                });
                            } else if !old.null && new.null {
                                ops.push(Op::DropNotNull {
                                    table: qn.clone(),
                                    column: nc.clone(),
                                });
                            }
                            if old.db_default != new.db_default {
                                ops.push(match &new.db_default {
                                    Some(d) => Op::SetDefault {
                                        table: qn.clone(),
                                        column: nc.clone(),
                                        default: d.clone(),
                                    },
                                    None => Op::DropDefault {
                                        table: qn.clone(),
                                        column: nc.clone(),
                                    },
                                });
                            }
                            if !old.unique && new.unique && !new.primary_key {
                                let mut d =
                                    ConstraintDef::new(ConstraintKind::Unique, vec![nc.clone()]);
                                d.name = Some(format!("{}_{}_uniq", qn.name, nc));
                                ops.push(Op::AddConstraint {
                                    table: qn.clone(),
                                    constraint: d,
                                });
                            }
                            if old.unique && !new.unique {
                                ops.push(Op::DropConstraint {
                                    table: qn.clone(),
                                    name: format!("{}_{}_uniq", qn.name, nc),
                                    if_exists: true,
                                });
                            }
                            if !old.db_index && new.db_index && !new.unique {
                                ops.push(Op::CreateIndex(index(&qn, vec![nc.clone()], false)));
                            }
                            if old.fk.is_none() && new.fk.is_some() {
                                ops.extend(
                                    self.field_constraints(state, &fname, &new).into_iter().map(
                                        |constraint| Op::AddConstraint {
                                            table: qn.clone(),
                                            constraint,
                                        },
                                    ),
                                );
                            }
                        }
                        None => {
                            // The field predates the files rollsafe sees: state what is known.
                            let nc = new.column_name(&fname);
                            ops.push(Op::AlterColumnType {
                                table: qn.clone(),
                                column: nc.clone(),
                                to: new.ty.clone(),
                                using: false,
                            });
                            if !new.null {
                                ops.push(Op::SetNotNull {
                                    table: qn.clone(),
                                    column: nc.clone(),
                                });
                            }
                        }
                    }
                    if ops.is_empty() {
                        ops.push(Op::Neutral {
                            what: format!("alter field {model_name}.{fname} (no database change)"),
                        });
                    }
                    for o in ops {
                        push(o, out);
                    }
                }
                if let Some(ms) = state.models.get_mut(&key) {
                    match ms.fields.iter_mut().find(|(n, _)| *n == fname) {
                        Some((_, f)) => *f = new,
                        None => ms.fields.push((fname, new)),
                    }
                }
            }
            "RenameField" => {
                let old = self
                    .s(kwarg(c, "old_name").or_else(|| arg(c, "old_name", 1)))
                    .unwrap_or_default();
                let new = self
                    .s(kwarg(c, "new_name").or_else(|| arg(c, "new_name", 2)))
                    .unwrap_or_default();
                let (qn, managed) = self.table(state, &model_name);
                let key = model_key(self.app, &model_name);
                let field = state.models.get(&key).and_then(|ms| {
                    ms.fields
                        .iter()
                        .find(|(n, _)| *n == old)
                        .map(|(_, f)| f.clone())
                });
                let (oc, nc) = match &field {
                    Some(f) => (f.column_name(&old), f.column_name(&new)),
                    None => (old.clone(), new.clone()),
                };
                if managed && oc != nc && field.as_ref().is_none_or(|f| f.m2m.is_none()) {
                    push(
                        Op::RenameColumn {
                            table: qn,
                            column: oc,
                            to: nc,
                        },
                        out,
                    );
                }
                if let Some(ms) = state.models.get_mut(&key) {
                    for (n, _) in ms.fields.iter_mut().filter(|(n, _)| *n == old) {
                        *n = new.clone();
                    }
                }
            }
            "AddIndex" | "AddIndexConcurrently" => {
                let (qn, managed) = self.table(state, &model_name);
                if let (true, Some(Expr::Call(ic))) =
                    (managed, kwarg(c, "index").or_else(|| arg(c, "index", 1)))
                {
                    let ms = state.models.get(&model_key(self.app, &model_name)).cloned();
                    let fields = self.strings(kwarg(ic, "fields"));
                    let cols = match &ms {
                        Some(ms) => self.columns_of(ms, &fields),
                        None => fields,
                    };
                    let mut ix = index(&qn, cols, false);
                    ix.name = self.s(kwarg(ic, "name"));
                    ix.partial = kwarg(ic, "condition").is_some();
                    ix.concurrently = op.kind == "AddIndexConcurrently";
                    push(Op::CreateIndex(ix), out);
                }
            }
            "RemoveIndex" | "RemoveIndexConcurrently" => {
                if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
                    push(
                        Op::DropIndex {
                            name: QualifiedName::new(name),
                            if_exists: false,
                            concurrently: op.kind.ends_with("Concurrently"),
                        },
                        out,
                    );
                }
            }
            "RenameIndex" => {
                if let (Some(new), Some(old)) =
                    (self.s(kwarg(c, "new_name")), self.s(kwarg(c, "old_name")))
                {
                    push(
                        Op::RenameIndex {
                            name: QualifiedName::new(old),
                            to: new,
                        },
                        out,
                    );
                }
            }
            "AddConstraint" | "AddConstraintNotValid" => {
                let (qn, managed) = self.table(state, &model_name);
                if let (true, Some(Expr::Call(cc))) = (
                    managed,
                    kwarg(c, "constraint").or_else(|| arg(c, "constraint", 1)),
                ) {
                    let ms = state.models.get(&model_key(self.app, &model_name)).cloned();
                    let leaf = call_leaf(cc).unwrap_or_default();
                    let kind = match leaf.as_str() {
                        "UniqueConstraint" => ConstraintKind::Unique,
                        "CheckConstraint" => ConstraintKind::Check,
                        "ExclusionConstraint" => ConstraintKind::Exclusion,
                        _ => {
                            push(
                                Op::Opaque {
                                    reason: format!("constraint `{leaf}` is not modelled"),
                                },
                                out,
                            );
                            return;
                        }
                    };
                    let fields = match kind {
                        ConstraintKind::Check => check_fields(cc, self.text),
                        _ => self.strings(kwarg(cc, "fields")),
                    };
                    let cols = match &ms {
                        Some(ms) => self.columns_of(ms, &fields),
                        None => fields,
                    };
                    let mut d = ConstraintDef::new(kind, cols);
                    d.name = self.s(kwarg(cc, "name"));
                    d.not_valid = op.kind == "AddConstraintNotValid";
                    if kind == ConstraintKind::Unique && kwarg(cc, "condition").is_some() {
                        // A partial unique constraint is a unique index in the database.
                        let mut ix = index(&qn, d.columns.clone(), true);
                        ix.name = d.name.clone();
                        ix.partial = true;
                        push(Op::CreateIndex(ix), out);
                    } else {
                        push(
                            Op::AddConstraint {
                                table: qn,
                                constraint: d,
                            },
                            out,
                        );
                    }
                }
            }
            "RemoveConstraint" => {
                let (qn, _) = self.table(state, &model_name);
                if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
                    push(
                        Op::DropConstraint {
                            table: qn,
                            name,
                            if_exists: false,
                        },
                        out,
                    );
                }
            }
            "ValidateConstraint" => {
                let (qn, _) = self.table(state, &model_name);
                if let Some(name) = self.s(kwarg(c, "name").or_else(|| arg(c, "name", 1))) {
                    push(Op::ValidateConstraint { table: qn, name }, out);
                }
            }
            "AlterUniqueTogether" | "AlterIndexTogether" => {
                let name = self.s(arg(c, "name", 0)).unwrap_or_default();
                let key = model_key(self.app, &name);
                let field_kw = if op.kind == "AlterUniqueTogether" {
                    "unique_together"
                } else {
                    "index_together"
                };
                let new = kwarg(c, field_kw)
                    .or_else(|| arg(c, field_kw, 1))
                    .map(|e| self.groups(e))
                    .unwrap_or_default();
                let (qn, managed) = self.table(state, &name);
                if let Some(ms) = state.models.get(&key).cloned() {
                    if op.kind == "AlterUniqueTogether" {
                        for g in new.iter().filter(|g| !ms.unique_together.contains(g)) {
                            if managed {
                                push(
                                    Op::AddConstraint {
                                        table: qn.clone(),
                                        constraint: ConstraintDef::new(
                                            ConstraintKind::Unique,
                                            self.columns_of(&ms, g),
                                        ),
                                    },
                                    out,
                                );
                            }
                        }
                        if let Some(m) = state.models.get_mut(&key) {
                            m.unique_together = new;
                        }
                    } else if managed {
                        for g in &new {
                            push(
                                Op::CreateIndex(index(&qn, self.columns_of(&ms, g), false)),
                                out,
                            );
                        }
                    }
                }
            }
            "AlterOrderWithRespectTo" => {
                let name = self.s(arg(c, "name", 0)).unwrap_or_default();
                let (qn, managed) = self.table(state, &name);
                if managed
                    && kwarg(c, "order_with_respect_to")
                        .or_else(|| arg(c, "order_with_respect_to", 1))
                        .is_some_and(|e| !matches!(e, Expr::NoneLiteral(_)))
                {
                    let mut col = ColumnDef::new("_order", SqlType::named("integer"));
                    col.nullable = false;
                    col.default = Some("0".into());
                    push(
                        Op::AddColumn {
                            table: qn.clone(),
                            column: col,
                            constraints: Vec::new(),
                            if_not_exists: false,
                        },
                        out,
                    );
                    push(
                        Op::DropDefault {
                            table: qn,
                            column: "_order".into(),
                        },
                        out,
                    );
                }
            }
            "AlterModelOptions" | "AlterModelManagers" => {}
            "RunSQL" => {
                let sql = arg(c, "sql", 0);
                self.run_sql(sql, at, ddl, out);
                let rev = kwarg(c, "reverse_sql").or_else(|| arg(c, "reverse_sql", 1));
                match rev {
                    None => *reverse = None,
                    Some(e) if is_noop(e) => {}
                    Some(e) => {
                        let mut tmp = Vec::new();
                        self.run_sql(Some(e), at, true, &mut tmp);
                        if let Some(r) = reverse {
                            r.extend(tmp.into_iter().map(|(o, _)| o));
                        }
                    }
                }
            }
            "RunPython" => {
                let code = arg(c, "code", 0);
                if !code.is_some_and(is_noop) {
                    push(Op::Opaque { reason: "RunPython runs project code: its effect on the schema and data cannot be seen statically".into() }, out);
                }
                let rev = kwarg(c, "reverse_code").or_else(|| arg(c, "reverse_code", 1));
                if rev.is_none() {
                    *reverse = None;
                }
            }
            "SeparateDatabaseAndState" => {
                let list = |k: &str, pos: usize| -> Vec<DjOp> {
                    match kwarg(c, k).or_else(|| arg(c, k, pos)) {
                        Some(Expr::List(l)) => l
                            .elts
                            .iter()
                            .filter_map(|e| match e {
                                Expr::Call(cc) => Some(DjOp {
                                    span: span(cc.range()),
                                    kind: call_leaf(cc).unwrap_or_default(),
                                    call: Box::new(cc.clone()),
                                }),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    }
                };
                // Only database_operations touch the database; the state follows
                // state_operations (Django applies them to the state instead).
                let db = list("database_operations", 0);
                let st = list("state_operations", 1);
                let mut scratch = State {
                    models: state.models.clone(),
                };
                for d in &db {
                    let mut inner = Vec::new();
                    self.operation(&mut scratch, d, ddl, &mut inner, reverse);
                    out.extend(inner);
                }
                for s in &st {
                    let mut ignored = Vec::new();
                    self.operation(state, s, false, &mut ignored, &mut None);
                }
                if st.is_empty() {
                    *state = scratch;
                }
            }
            "CreateExtension" | "BtreeGinExtension" | "BtreeGistExtension" | "CITextExtension"
            | "CryptoExtension" | "HStoreExtension" | "TrigramExtension" | "UnaccentExtension"
            | "CreateCollation" | "RemoveCollation" => push(
                Op::Neutral {
                    what: "extension or collation".into(),
                },
                out,
            ),
            other => push(
                Op::Opaque {
                    reason: format!("operation `{other}` is not modelled"),
                },
                out,
            ),
        }
    }

    fn run_sql(&mut self, sql: Option<&Expr>, at: Span, ddl: bool, out: &mut Vec<(Op, Span)>) {
        let Some(sql) = sql else { return };
        let items: Vec<&Expr> = match sql {
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) => t.elts.iter().collect(),
            other => vec![other],
        };
        for item in items {
            // `(sql, params)` pairs: `%s` placeholders become `$1` (same length, so spans hold).
            let (item, params) = match item {
                Expr::Tuple(t) => match t.elts.first() {
                    Some(first) => (first, true),
                    None => continue,
                },
                other => (other, false),
            };
            if is_noop(item) {
                continue;
            }
            match python::str_value(item, self.text) {
                Some(mut s) => {
                    if params {
                        s.value = s.value.replace("%s", "$1");
                    }
                    let parsed = python::parse_sql(&s);
                    self.comments.extend(parsed.comments.iter().cloned());
                    self.issues.extend(parsed.issues.iter().cloned());
                    if ddl {
                        out.extend(parsed.statements.into_iter().flat_map(|st| st.changes));
                    }
                }
                None if ddl => out.push((
                    Op::Opaque {
                        reason: python::dynamic_reason(item),
                    },
                    at,
                )),
                None => {}
            }
        }
    }

    /// Reads a field class call into a [`Field`].
    fn field(&self, state: &State, fc: &ExprCall) -> Field {
        let class = call_leaf(fc).unwrap_or_default();
        let kb = |k: &str| kwarg(fc, k).and_then(bool_value);
        let ki = |k: &str| kwarg(fc, k).and_then(int_value).map(|v| v as u32);
        let norm = crate::frontend::sql::postgres::normalize_type;
        let mut f = Field {
            class: class.clone(),
            column: self.s(kwarg(fc, "db_column")),
            ty: SqlType::unknown(),
            null: kb("null").unwrap_or(false),
            has_default: kwarg(fc, "default").is_some(),
            db_default: kwarg(fc, "db_default").map(|e| {
                let sp = span(e.range());
                self.text.get(sp.start..sp.end).unwrap_or("?").to_string()
            }),
            unique: kb("unique").unwrap_or(false),
            db_index: kb("db_index").unwrap_or(false),
            primary_key: kb("primary_key").unwrap_or(false),
            fk: None,
            m2m: None,
            generated: false,
        };
        f.ty = match class.as_str() {
            "CharField" | "SlugField" | "EmailField" | "URLField" | "FilePathField"
            | "FileField" | "ImageField" => {
                let default = match class.as_str() {
                    "SlugField" => 50,
                    "EmailField" => 254,
                    "URLField" => 200,
                    "FileField" | "ImageField" | "FilePathField" => 100,
                    _ => 255,
                };
                norm("varchar", vec![ki("max_length").unwrap_or(default)])
            }
            "TextField" => norm("text", vec![]),
            "IntegerField" | "PositiveIntegerField" => norm("integer", vec![]),
            "SmallIntegerField" | "PositiveSmallIntegerField" => norm("smallint", vec![]),
            "BigIntegerField" | "PositiveBigIntegerField" => norm("bigint", vec![]),
            "AutoField" => {
                f.generated = true;
                norm("integer", vec![])
            }
            "BigAutoField" => {
                f.generated = true;
                norm("bigint", vec![])
            }
            "SmallAutoField" => {
                f.generated = true;
                norm("smallint", vec![])
            }
            "BooleanField" | "NullBooleanField" => norm("boolean", vec![]),
            "DecimalField" => norm(
                "numeric",
                [ki("max_digits"), ki("decimal_places")]
                    .into_iter()
                    .flatten()
                    .collect(),
            ),
            "FloatField" => norm("double precision", vec![]),
            "DateTimeField" => norm("timestamptz", vec![]),
            "DateField" => norm("date", vec![]),
            "TimeField" => norm("time", vec![]),
            "DurationField" => norm("interval", vec![]),
            "UUIDField" => norm("uuid", vec![]),
            "JSONField" => norm("jsonb", vec![]),
            "BinaryField" => norm("bytea", vec![]),
            "GenericIPAddressField" | "IPAddressField" => norm("inet", vec![]),
            "ForeignKey" | "OneToOneField" => {
                let target = self.target(fc);
                f.ty = state
                    .models
                    .get(&target)
                    .and_then(|m| {
                        m.fields
                            .iter()
                            .find(|(_, x)| x.primary_key)
                            .map(|(_, x)| x.ty.clone())
                    })
                    .unwrap_or_else(|| norm("bigint", vec![]));
                f.fk = Some(target);
                if class == "OneToOneField" {
                    f.unique = true;
                }
                if kb("db_index") == Some(false) {
                    f.db_index = false;
                }
                return f;
            }
            "ManyToManyField" => {
                f.m2m = Some(self.target(fc));
                return f;
            }
            "GeneratedField" => {
                f.generated = true;
                SqlType::named("generated")
            }
            other => SqlType::named(&other.to_lowercase()),
        };
        if f.primary_key {
            f.null = false;
        }
        f
    }

    /// The `app.model` a relation points to.
    fn target(&self, fc: &ExprCall) -> String {
        let to = kwarg(fc, "to").or_else(|| arg(fc, "to", 0));
        match to
            .and_then(|e| python::str_value(e, self.text))
            .map(|s| s.value)
        {
            Some(t) => match t.split_once('.') {
                Some((app, model)) => model_key(app, model),
                None => model_key(self.app, &t),
            },
            None => "auth.user".to_string(),
        }
    }

    fn field_constraints(&self, state: &State, fname: &str, f: &Field) -> Vec<ConstraintDef> {
        let col = f.column_name(fname);
        let mut v = Vec::new();
        if f.primary_key {
            v.push(ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                vec![col.clone()],
            ));
        } else if f.unique {
            v.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![col.clone()],
            ));
        }
        if let Some(target) = &f.fk {
            let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![col]);
            let table = state
                .models
                .get(target)
                .map(|m| m.table.clone())
                .unwrap_or_else(|| target.replace('.', "_"));
            d.references = Some(QualifiedName::new(table));
            v.push(d);
        }
        v
    }

    fn m2m_table(
        &self,
        state: &State,
        table: &str,
        model: &str,
        fname: &str,
        target: &str,
        _ms: &ModelState,
    ) -> Op {
        let own = format!("{}_id", model.to_lowercase());
        let other_model = target.rsplit('.').next().unwrap_or(target);
        let other = if other_model == model.to_lowercase() {
            format!("to_{other_model}_id")
        } else {
            format!("{other_model}_id")
        };
        let other_ty = state
            .models
            .get(target)
            .and_then(|m| {
                m.fields
                    .iter()
                    .find(|(_, x)| x.primary_key)
                    .map(|(_, x)| x.ty.clone())
            })
            .unwrap_or_else(|| SqlType::named("bigint"));
        let mut id = ColumnDef::new("id", SqlType::named("bigint"));
        id.nullable = false;
        id.generated = true;
        let mut a = ColumnDef::new(own.clone(), SqlType::named("bigint"));
        a.nullable = false;
        let mut b = ColumnDef::new(other.clone(), other_ty);
        b.nullable = false;
        Op::CreateTable {
            table: QualifiedName::new(format!("{table}_{}", fname.to_lowercase())),
            columns: vec![id, a, b],
            constraints: vec![
                ConstraintDef::new(ConstraintKind::PrimaryKey, vec!["id".into()]),
                ConstraintDef::new(ConstraintKind::Unique, vec![own, other]),
            ],
            if_not_exists: false,
        }
    }

    /// Field names to column names in a model.
    fn columns_of(&self, ms: &ModelState, fields: &[String]) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                let f = f.trim_start_matches('-');
                ms.fields
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(n, x)| x.column_name(n))
                    .unwrap_or_else(|| f.to_string())
            })
            .collect()
    }

    /// `{("a", "b"), ("c",)}` or `("a", "b")` as groups of field names.
    fn groups(&self, e: &Expr) -> Vec<Vec<String>> {
        let elts: Vec<&Expr> = match e {
            Expr::Set(s) => s.elts.iter().collect(),
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) if t.elts.iter().all(|x| matches!(x, Expr::StringLiteral(_))) => {
                return vec![self.strings(Some(e))];
            }
            Expr::Tuple(t) => t.elts.iter().collect(),
            _ => return Vec::new(),
        };
        elts.into_iter()
            .map(|g| self.strings(Some(g)))
            .filter(|g| !g.is_empty())
            .collect()
    }
}

fn index(table: &QualifiedName, columns: Vec<String>, unique: bool) -> IndexDef {
    IndexDef {
        name: None,
        table: table.clone(),
        columns,
        unique,
        concurrently: false,
        partial: false,
        predicate_columns: Vec::new(),
        if_not_exists: false,
    }
}

fn is_noop(e: &Expr) -> bool {
    call_name_expr(e).is_some_and(|n| n.ends_with(".noop") || n == "noop")
}

fn call_name_expr(e: &Expr) -> Option<String> {
    python::dotted(e).or_else(|| match e {
        Expr::Call(c) => call_name(c),
        _ => None,
    })
}

/// A value of a dict literal by string key.
fn dict_get<'a>(e: &'a Expr, key: &str, text: &str) -> Option<&'a Expr> {
    let Expr::Dict(d) = e else { return None };
    d.items.iter().find_map(|item| {
        let k = item.key.as_ref()?;
        (python::str_value(k, text)?.value == key).then_some(&item.value)
    })
}

/// Field names a `CheckConstraint(check=Q(age__gte=18))` or `condition=…` mentions.
fn check_fields(cc: &ExprCall, _text: &str) -> Vec<String> {
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
