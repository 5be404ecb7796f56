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
    /// Field groups, with the name of the constraint Django created for each.
    unique_together: Vec<(Vec<String>, Option<String>)>,
    index_together: Vec<(Vec<String>, Option<String>)>,
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
    /// A relation's `to_field=`.
    to_field: Option<String>,
    m2m: Option<String>,
    generated: bool,
    /// What Django created for the field, by name.
    objects: FieldObjects,
}

/// The names of the constraints and indexes Django created for a field. Django finds them by
/// introspection when it drops them; rollsafe remembers them. Names follow Django on
/// PostgreSQL: see [`django_index_name`].
#[derive(Debug, Clone, Default, PartialEq)]
struct FieldObjects {
    unique: Option<String>,
    index: Option<String>,
    like: Option<String>,
    fk: Option<String>,
}

/// Whether Django gives the column a second `_like` index on PostgreSQL when it is indexed or
/// unique (`DatabaseSchemaEditor._create_like_index_sql`: varchar and text, not arrays).
fn is_text(ty: &SqlType) -> bool {
    ty.array == 0 && matches!(ty.base.as_str(), "varchar" | "text")
}

/// The models of `django.contrib` apps a project's relations point to (they are not in the
/// project): table, primary-key column and its type. `AutoField` primary keys are `integer`.
fn contrib_model(target: &str) -> Option<(&'static str, &'static str, SqlType)> {
    let int = || SqlType::named("integer");
    Some(match target {
        "auth.user" => ("auth_user", "id", int()),
        "auth.group" => ("auth_group", "id", int()),
        "auth.permission" => ("auth_permission", "id", int()),
        "contenttypes.contenttype" => ("django_content_type", "id", int()),
        "sites.site" => ("django_site", "id", int()),
        "admin.logentry" => ("django_admin_log", "id", int()),
        "sessions.session" => (
            "django_session",
            "session_key",
            crate::frontend::sql::postgres::normalize_type("varchar", vec![40]),
        ),
        _ => return None,
    })
}

fn named_index(table: &QualifiedName, columns: Vec<String>, name: String) -> Op {
    let mut ix = index(table, columns, false);
    ix.name = Some(name);
    Op::CreateIndex(ix)
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
                    .unwrap_or_else(|| {
                        truncate_name(&format!("{}_{}", self.app, name.to_lowercase()))
                    });
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
                let group_list = |k: &str| -> Vec<(Vec<String>, Option<String>)> {
                    opt(k)
                        .map(|e| self.groups(e))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|g| (g, None))
                        .collect()
                };
                let mut ms = ModelState {
                    table: table.clone(),
                    fields,
                    managed,
                    proxy,
                    unique_together: group_list("unique_together"),
                    index_together: group_list("index_together"),
                };
                if managed && !proxy {
                    let qn = QualifiedName::new(table.clone());
                    let mut columns = Vec::new();
                    let mut constraints = Vec::new();
                    let mut after = Vec::new();
                    let mut m2m = Vec::new();
                    // Relations to the model itself see it (its table and primary key).
                    let key = model_key(self.app, &name);
                    let mut with_self = State {
                        models: state.models.clone(),
                    };
                    with_self.models.insert(key.clone(), ms.clone());
                    let mut fields = std::mem::take(&mut ms.fields);
                    for (fname, f) in fields.iter_mut() {
                        if f.m2m.is_some() {
                            continue;
                        }
                        if f.fk.as_deref() == Some(key.as_str()) {
                            f.ty = target_info(&with_self, &key, f.to_field.as_deref()).2;
                        }
                        let (col, cons, indexes) = self.field_ddl(&with_self, &qn, fname, f);
                        columns.push(col);
                        constraints.extend(cons);
                        after.extend(indexes);
                    }
                    ms.fields = fields;
                    for (fname, f) in &ms.fields {
                        if let Some(target) = &f.m2m {
                            m2m.extend(self.m2m_table(state, &table, &name, fname, target, &ms));
                        }
                    }
                    // `create_model` defers unique_together (`_create_unique_sql`) and
                    // index_together (`_idx`) to after the table.
                    for i in 0..ms.unique_together.len() {
                        let cols = self.columns_of(&ms, &ms.unique_together[i].0);
                        let n = django_index_name(&table, &cols, "_uniq");
                        let mut d = ConstraintDef::new(ConstraintKind::Unique, cols);
                        d.name = Some(n.clone());
                        constraints.push(d);
                        ms.unique_together[i].1 = Some(n);
                    }
                    for i in 0..ms.index_together.len() {
                        let cols = self.columns_of(&ms, &ms.index_together[i].0);
                        let n = django_index_name(&table, &cols, "_idx");
                        after.push(named_index(&qn, cols, n.clone()));
                        ms.index_together[i].1 = Some(n);
                    }
                    after.extend(m2m);
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
                        // `delete_model` drops the auto-created many-to-many tables first.
                        for (fname, f) in &ms.fields {
                            if f.m2m.is_some() {
                                push(
                                    Op::DropTable {
                                        table: QualifiedName::new(m2m_table_name(&ms.table, fname)),
                                        if_exists: false,
                                    },
                                    out,
                                );
                            }
                        }
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
                        Op::unmodelled("AddField with a field rollsafe cannot read"),
                        out,
                    );
                    return;
                };
                let mut f = self.field(state, fc);
                let (qn, managed) = self.table(state, &model_name);
                if managed {
                    if let Some(target) = &f.m2m {
                        let ms = state.models.get(&model_key(self.app, &model_name)).cloned();
                        if let Some(ms) = ms {
                            for o in
                                self.m2m_table(state, &ms.table, &model_name, &fname, target, &ms)
                            {
                                push(o, out);
                            }
                        }
                    } else {
                        let (mut col, constraints, indexes) =
                            self.field_ddl(state, &qn, &fname, &mut f);
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
                                constraints,
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
                        for o in indexes {
                            push(o, out);
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
                                table: QualifiedName::new(m2m_table_name(&qn.name, &fname)),
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
                        Op::unmodelled("AlterField with a field rollsafe cannot read"),
                        out,
                    );
                    return;
                };
                let mut new = self.field(state, fc);
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
                            self.alter_field_keys(state, &qn, &fname, old, &mut new, &mut ops);
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
                                Op::unmodelled(format!("constraint `{leaf}` is not modelled")),
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
                    // `alter_unique_together`/`alter_index_together`: groups that go are
                    // dropped (Django finds them by introspection), new ones are created
                    // (`_uniq`, `_idx`).
                    let unique = op.kind == "AlterUniqueTogether";
                    let (suffix, current) = if unique {
                        ("_uniq", &ms.unique_together)
                    } else {
                        ("_idx", &ms.index_together)
                    };
                    let mut kept = Vec::new();
                    for (g, n) in current {
                        if new.contains(g) {
                            kept.push((g.clone(), n.clone()));
                        } else if managed {
                            let n = n.clone().unwrap_or_else(|| {
                                django_index_name(&qn.name, &self.columns_of(&ms, g), suffix)
                            });
                            push(
                                if unique {
                                    Op::DropConstraint {
                                        table: qn.clone(),
                                        name: n,
                                        if_exists: true,
                                    }
                                } else {
                                    Op::DropIndex {
                                        name: QualifiedName::new(n),
                                        if_exists: true,
                                        concurrently: false,
                                    }
                                },
                                out,
                            );
                        }
                    }
                    for g in new.iter().filter(|g| !current.iter().any(|(c, _)| c == *g)) {
                        let cols = self.columns_of(&ms, g);
                        let n = django_index_name(&qn.name, &cols, suffix);
                        if managed {
                            push(
                                if unique {
                                    let mut d = ConstraintDef::new(ConstraintKind::Unique, cols);
                                    d.name = Some(n.clone());
                                    Op::AddConstraint {
                                        table: qn.clone(),
                                        constraint: d,
                                    }
                                } else {
                                    named_index(&qn, cols, n.clone())
                                },
                                out,
                            );
                        }
                        kept.push((g.clone(), Some(n)));
                    }
                    if let Some(m) = state.models.get_mut(&key) {
                        if unique {
                            m.unique_together = kept;
                        } else {
                            m.index_together = kept;
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
                    push(
                        Op::dynamic(
                            "RunPython runs project code: its effect on the schema and data cannot be seen statically",
                        ),
                        out,
                    );
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
                Op::unmodelled(format!("operation `{other}` is not modelled")),
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
                None if ddl => out.push((Op::dynamic(python::dynamic_reason(item)), at)),
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
            to_field: self.s(kwarg(fc, "to_field")),
            m2m: None,
            generated: false,
            objects: FieldObjects::default(),
        };
        // `SlugField` is indexed unless it says otherwise.
        if class == "SlugField" {
            f.db_index = kb("db_index").unwrap_or(true);
        }
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
                f.ty = target_info(state, &target, f.to_field.as_deref()).2;
                f.fk = Some(target);
                if class == "OneToOneField" {
                    f.unique = true;
                }
                // A relation is indexed unless `db_index=False`.
                f.db_index = kb("db_index").unwrap_or(true);
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

    /// What Django's `column_sql` and `_field_indexes_sql` make of a field: the column, its
    /// constraints (primary key and `UNIQUE` inline, so PostgreSQL names them; the foreign key
    /// named by Django), and its indexes. Records the names in `f.objects`.
    fn field_ddl(
        &self,
        state: &State,
        table: &QualifiedName,
        fname: &str,
        f: &mut Field,
    ) -> (ColumnDef, Vec<ConstraintDef>, Vec<Op>) {
        let col = f.column_def(fname);
        let name = col.name.clone();
        let mut cons = Vec::new();
        if f.primary_key {
            cons.push(ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                vec![name.clone()],
            ));
        } else if f.unique {
            cons.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![name.clone()],
            ));
            f.objects.unique = Some(crate::naming::default_constraint_name(
                &table.name,
                std::slice::from_ref(&name),
                "key",
            ));
        }
        if let Some(target) = f.fk.clone() {
            cons.push(self.fk_constraint(state, table, &name, &target, f));
        }
        let indexes = self.field_indexes(table, &name, f);
        (col, cons, indexes)
    }

    /// A relation's foreign key, named as `_fk_constraint_name` does (recorded in `f.objects`).
    fn fk_constraint(
        &self,
        state: &State,
        table: &QualifiedName,
        column: &str,
        target: &str,
        f: &mut Field,
    ) -> ConstraintDef {
        let (to_table, to_col, _) = target_info(state, target, f.to_field.as_deref());
        let n = django_index_name(
            &table.name,
            &[column.to_string()],
            &format!("_fk_{to_table}_{to_col}"),
        );
        let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![column.to_string()]);
        d.name = Some(n.clone());
        d.references = Some(QualifiedName::new(to_table));
        d.ref_columns = vec![to_col];
        f.objects.fk = Some(n);
        d
    }

    /// `_field_indexes_sql` on PostgreSQL: an index when the field is indexed and not unique,
    /// and a `_like` one for varchar/text that is indexed or unique.
    fn field_indexes(&self, table: &QualifiedName, column: &str, f: &mut Field) -> Vec<Op> {
        let mut out = Vec::new();
        if f.db_index && !f.unique && !f.primary_key {
            let n = django_index_name(&table.name, &[column.to_string()], "");
            out.push(named_index(table, vec![column.to_string()], n.clone()));
            f.objects.index = Some(n);
        }
        out.extend(self.like_index(table, column, f));
        out
    }

    fn like_index(&self, table: &QualifiedName, column: &str, f: &mut Field) -> Option<Op> {
        if !((f.db_index || f.unique || f.primary_key) && is_text(&f.ty)) {
            return None;
        }
        let n = django_index_name(&table.name, &[column.to_string()], "_like");
        f.objects.like = Some(n.clone());
        Some(named_index(table, vec![column.to_string()], n))
    }

    /// The keys and indexes `_alter_field` changes (PostgreSQL's schema editor on top of the
    /// base one). What Django drops it finds by introspection: rollsafe drops what it recorded.
    fn alter_field_keys(
        &self,
        state: &State,
        qn: &QualifiedName,
        fname: &str,
        old: &Field,
        new: &mut Field,
        ops: &mut Vec<Op>,
    ) {
        let col = new.column_name(fname);
        new.objects = old.objects.clone();
        let drop_constraint = |name: &Option<String>, ops: &mut Vec<Op>| {
            if let Some(n) = name {
                ops.push(Op::DropConstraint {
                    table: qn.clone(),
                    name: n.clone(),
                    if_exists: true,
                });
            }
        };
        let drop_index = |name: &Option<String>, ops: &mut Vec<Op>| {
            if let Some(n) = name {
                ops.push(Op::DropIndex {
                    name: QualifiedName::new(n.clone()),
                    if_exists: true,
                    concurrently: false,
                });
            }
        };
        // A foreign key that goes (or points elsewhere) is dropped before anything else.
        if old.fk.is_some() && old.fk != new.fk {
            drop_constraint(&old.objects.fk, ops);
            new.objects.fk = None;
        }
        let old_unique = old.unique || old.primary_key;
        let new_unique = new.unique || new.primary_key;
        if old.unique && !new.unique && !new.primary_key {
            drop_constraint(&old.objects.unique, ops);
            new.objects.unique = None;
        }
        // An index that goes: every plain btree index of the column, the `_like` one too.
        if old.db_index && !old_unique && (!new.db_index || new_unique) {
            drop_index(&old.objects.index, ops);
            drop_index(&old.objects.like, ops);
            new.objects.index = None;
            new.objects.like = None;
        }
        let text_type_changes =
            (old.db_index || old_unique) && is_text(&old.ty) && old.ty.base != new.ty.base;
        if text_type_changes && new.objects.like.is_some() {
            drop_index(&new.objects.like, ops);
            new.objects.like = None;
        }
        if !old.unique && new.unique && !new.primary_key {
            let n = django_index_name(&qn.name, std::slice::from_ref(&col), "_uniq");
            let mut d = ConstraintDef::new(ConstraintKind::Unique, vec![col.clone()]);
            d.name = Some(n.clone());
            ops.push(Op::AddConstraint {
                table: qn.clone(),
                constraint: d,
            });
            new.objects.unique = Some(n);
        }
        if (!old.db_index || old_unique) && new.db_index && !new_unique {
            let n = django_index_name(&qn.name, std::slice::from_ref(&col), "");
            ops.push(named_index(qn, vec![col.clone()], n.clone()));
            new.objects.index = Some(n);
        }
        if let Some(target) = new.fk.clone()
            && old.fk != new.fk
        {
            let d = self.fk_constraint(state, qn, &col, &target, new);
            ops.push(Op::AddConstraint {
                table: qn.clone(),
                constraint: d,
            });
        }
        if new.objects.like.is_none()
            && ((!(old.db_index || old_unique) && new.db_index)
                || (!old_unique && new_unique)
                || text_type_changes)
            && let Some(o) = self.like_index(qn, &col, new)
        {
            ops.push(o);
        }
        // Removed uniqueness leaves no `_like` index unless the field stays indexed.
        if old_unique && !(new.db_index || new_unique) {
            drop_index(&new.objects.like, ops);
            new.objects.like = None;
        }
    }

    /// The auto-created table of a `ManyToManyField` (`create_many_to_many_intermediary_model`):
    /// `id`, a foreign key to each side (`from_x_id`/`to_x_id` when the model points to itself),
    /// an index on each, and a unique constraint over both; all named by Django.
    fn m2m_table(
        &self,
        state: &State,
        table: &str,
        model: &str,
        fname: &str,
        target: &str,
        ms: &ModelState,
    ) -> Vec<Op> {
        let through = QualifiedName::new(m2m_table_name(table, fname));
        let src = model.to_lowercase();
        let other_model = target.rsplit('.').next().unwrap_or(target);
        let (from, to) = if other_model == src {
            (format!("from_{src}_id"), format!("to_{src}_id"))
        } else {
            (format!("{src}_id"), format!("{other_model}_id"))
        };
        let (src_col, src_ty) = ms
            .fields
            .iter()
            .find(|(_, x)| x.primary_key)
            .map(|(n, x)| (x.column_name(n), x.ty.clone()))
            .unwrap_or_else(|| ("id".to_string(), SqlType::named("bigint")));
        let (to_table, to_col, to_ty) = if model_key(self.app, model) == target {
            (table.to_string(), src_col.clone(), src_ty.clone())
        } else {
            target_info(state, target, None)
        };
        let mut id = ColumnDef::new("id", SqlType::named("bigint"));
        id.nullable = false;
        id.generated = true;
        let mut a = ColumnDef::new(from.clone(), src_ty.clone());
        a.nullable = false;
        let mut b = ColumnDef::new(to.clone(), to_ty.clone());
        b.nullable = false;
        let mut constraints = vec![ConstraintDef::new(
            ConstraintKind::PrimaryKey,
            vec!["id".into()],
        )];
        let mut indexes = Vec::new();
        for (col, ty, ref_table, ref_col) in [
            (&from, &src_ty, table.to_string(), src_col.clone()),
            (&to, &to_ty, to_table, to_col),
        ] {
            let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![col.clone()]);
            d.name = Some(django_index_name(
                &through.name,
                std::slice::from_ref(col),
                &format!("_fk_{ref_table}_{ref_col}"),
            ));
            d.references = Some(QualifiedName::new(ref_table));
            d.ref_columns = vec![ref_col];
            constraints.push(d);
            indexes.push(named_index(
                &through,
                vec![col.clone()],
                django_index_name(&through.name, std::slice::from_ref(col), ""),
            ));
            if is_text(ty) {
                indexes.push(named_index(
                    &through,
                    vec![col.clone()],
                    django_index_name(&through.name, std::slice::from_ref(col), "_like"),
                ));
            }
        }
        let mut unique = ConstraintDef::new(ConstraintKind::Unique, vec![from.clone(), to.clone()]);
        unique.name = Some(django_index_name(&through.name, &[from, to], "_uniq"));
        constraints.push(unique);
        let mut out = vec![Op::CreateTable {
            table: through,
            columns: vec![id, a, b],
            constraints,
            if_not_exists: false,
        }];
        out.extend(indexes);
        out
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

/// The table, column and type a relation to `target` points at: its `to_field` or primary key.
fn target_info(state: &State, target: &str, to_field: Option<&str>) -> (String, String, SqlType) {
    if let Some(m) = state.models.get(target) {
        let field = m.fields.iter().find(|(n, x)| match to_field {
            Some(t) => n == t,
            None => x.primary_key,
        });
        if let Some((n, x)) = field {
            return (m.table.clone(), x.column_name(n), x.ty.clone());
        }
        return (m.table.clone(), "id".into(), SqlType::named("bigint"));
    }
    if let Some((table, col, ty)) = contrib_model(target) {
        return (table.into(), col.into(), ty);
    }
    (
        target.replace('.', "_"),
        "id".into(),
        SqlType::named("bigint"),
    )
}

/// `ManyToManyField._get_m2m_db_table`: `<table>_<field>`, truncated like table names.
fn m2m_table_name(table: &str, field: &str) -> String {
    truncate_name(&format!("{table}_{field}"))
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

/// How long a name Django makes for PostgreSQL (`DatabaseOperations.max_name_length`).
const MAX_NAME: usize = 63;

/// Django's `names_digest`: the first `length` hex digits of the MD5 of the arguments.
fn names_digest(args: &[&str], length: usize) -> String {
    let mut data = Vec::new();
    for a in args {
        data.extend_from_slice(a.as_bytes());
    }
    let mut hex: String = md5(&data).iter().map(|b| format!("{b:02x}")).collect();
    hex.truncate(length);
    hex
}

fn chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Django names every foreign key, index and added unique constraint itself, so rollsafe
/// computes the same names (rather than PostgreSQL's `_fkey`/`_idx`): a later `RunSQL`,
/// `RemoveIndex` or `RenameIndex` names them, and `rollsafe schema` prints the database the
/// migrations build (checked against the catalog by `tests/postgres/frameworks.rs`). The names
/// are PostgreSQL's (63 characters): rollsafe never reads the settings, and the `_like` indexes
/// are PostgreSQL's too.
///
/// Django's `BaseDatabaseSchemaEditor._create_index_name`: `<table>_<columns>_<hash><suffix>`,
/// the hash over the table and column names; shortened to 63 characters by cutting the suffix
/// to a third and the table and columns to what is left.
fn django_index_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut args = vec![table];
    args.extend(columns.iter().map(String::as_str));
    let mut hash_suffix = format!("{}{suffix}", names_digest(&args, 8));
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.chars().count() <= MAX_NAME {
        return name;
    }
    if hash_suffix.chars().count() * 3 > MAX_NAME {
        hash_suffix = chars(&hash_suffix, MAX_NAME / 3);
    }
    let other = (MAX_NAME - hash_suffix.chars().count()) / 2 - 1;
    let name = format!(
        "{}_{}_{hash_suffix}",
        chars(table, other),
        chars(&joined, other)
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        let cut: String = name.chars().take(name.chars().count() - 1).collect();
        return format!("D{cut}");
    }
    name
}

/// Django's `truncate_name` (table names): a name over 63 characters keeps 59 and a 4-digit
/// hash of the whole.
fn truncate_name(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    format!("{}{}", chars(name, MAX_NAME - 4), names_digest(&[name], 4))
}

/// MD5 (RFC 1321), for Django's name hashes.
fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut msg = input.to_vec();
    let bits = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_rfc_1321() {
        let hex = |s: &str| -> String {
            md5(s.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    /// Names PostgreSQL's catalog showed after Django 5.2 migrated the fixture.
    #[test]
    fn index_names_are_djangos() {
        let c = |s: &str| vec![s.to_string()];
        assert_eq!(
            django_index_name("accounts_account", &c("email"), "_like"),
            "accounts_account_email_348850e2_like"
        );
        assert_eq!(
            django_index_name("orders_order", &c("account_id"), "_fk_accounts_account_id"),
            "orders_order_account_id_cf843c80_fk_accounts_account_id"
        );
        assert_eq!(
            django_index_name(
                "orders_order_products",
                &c("product_id"),
                "_fk_catalog_products_id"
            ),
            "orders_order_product_product_id_03fb56a7_fk_catalog_p"
        );
        assert_eq!(
            django_index_name(
                "orders_order_products",
                &["order_id".to_string(), "product_id".to_string()],
                "_uniq"
            ),
            "orders_order_products_order_id_product_id_fe0cbca8_uniq"
        );
    }
}
