//! Alembic revisions, read statically: the revision graph from module-level assignments and the
//! operations of `upgrade()` (and `downgrade()`) from `op.*` calls. Nothing is imported or run.

use super::python::{self, PyStr, arg, bool_value, call_name, int_value, kwarg, span};
use crate::frontend::sql::ParsedSql;
use crate::model::{
    Change, ColumnDef, ConstraintDef, ConstraintKind, DataChangeKind, Downgrade, Framework,
    IndexDef, Migration, Op, QualifiedName, Span, SqlType, Statement,
};
use crate::overrides;
use ruff_python_ast::{Expr, ExprCall, Stmt};
use ruff_text_size::Ranged;
use std::collections::BTreeSet;
use std::sync::Arc;

/// An Alembic environment: its key (the script location) and its version folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub key: String,
    pub version_dirs: Vec<String>,
}

/// Finds Alembic environments among `files` (relative paths): each `alembic.ini` with its
/// `script_location` and `version_locations`, and each `env.py` beside a `versions/` folder.
pub fn find_envs(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Vec<Env> {
    let mut envs: Vec<Env> = Vec::new();
    let dirs: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.rsplit_once('/').map(|(d, _)| d))
        .collect();
    for ini in files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("alembic.ini"))
    {
        let here = ini.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let Some(text) = read(ini) else { continue };
        let value = |key: &str| -> Option<String> {
            text.lines()
                .map(str::trim)
                .find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    (k.trim() == key).then(|| v.trim().to_string())
                })
                .map(|v| v.replace("%(here)s", if here.is_empty() { "." } else { here }))
        };
        let Some(script) = value("script_location") else {
            continue;
        };
        let join = |p: &str| -> String {
            let p = p.trim().trim_start_matches("./");
            if p.starts_with('/') || here.is_empty() || p.starts_with(here) {
                p.trim_start_matches('/').to_string()
            } else {
                format!("{here}/{p}")
            }
        };
        // `package:path` script locations name a module; take the path part.
        let script = script.rsplit(':').next().unwrap_or(&script).to_string();
        let key = join(&script);
        let mut version_dirs = vec![format!("{key}/versions")];
        if let Some(locs) = value("version_locations") {
            let sep = value("version_path_separator").unwrap_or_default();
            let parts: Vec<String> = match sep.as_str() {
                "os" | ":" => locs.split(':').map(str::to_string).collect(),
                ";" => locs.split(';').map(str::to_string).collect(),
                _ => locs.split([' ', ',']).map(str::to_string).collect(),
            };
            version_dirs = parts
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| join(p))
                .collect();
        }
        envs.push(Env { key, version_dirs });
    }
    for env_py in files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("env.py"))
    {
        let dir = env_py.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let versions = if dir.is_empty() {
            "versions".to_string()
        } else {
            format!("{dir}/versions")
        };
        if dirs.contains(versions.as_str()) && !envs.iter().any(|e| e.key == dir) {
            envs.push(Env {
                key: dir.to_string(),
                version_dirs: vec![versions],
            });
        }
    }
    envs.sort_by(|a, b| a.key.cmp(&b.key));
    envs.dedup();
    envs
}

/// The revision files of an environment: Python files in its version folders (and below).
pub fn revision_files<'a>(env: &Env, files: &'a [String]) -> Vec<&'a String> {
    files
        .iter()
        .filter(|f| f.ends_with(".py") && !f.ends_with("/__init__.py"))
        .filter(|f| {
            env.version_dirs
                .iter()
                .any(|d| f.starts_with(&format!("{d}/")))
        })
        .collect()
}

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
    };
    if let Some(f) = upgrade {
        reader.body(&f.body, None);
    }
    let Reader {
        statements: read,
        comments,
        issues,
        ..
    } = reader;
    m.issues.extend(issues);
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

/// An op call's span, its operations, and the `with` block holding it.
type ReadStatement = (Span, Vec<(Op, Span)>, Option<usize>);

struct Reader<'a> {
    text: &'a str,
    helpers: &'a BTreeSet<String>,
    /// One entry per op call: its span, its operations, and the `with` block holding it (an
    /// override above the block applies to every op in it).
    statements: Vec<ReadStatement>,
    block: Option<usize>,
    comments: Vec<(Span, String)>,
    /// Syntax errors in SQL strings.
    issues: Vec<crate::model::ParseIssue>,
}

fn opaque(reason: impl Into<String>) -> Op {
    Op::unmodelled(reason)
}

/// Operations whose targets are decided at run time.
fn dynamic(reason: impl Into<String>) -> Op {
    Op::dynamic(reason)
}

impl Reader<'_> {
    /// Reads a block of statements; `batch` is `(variable, table)` inside a batch block.
    fn body(&mut self, body: &[Stmt], batch: Option<(&str, &QualifiedName)>) {
        for stmt in body {
            match stmt {
                Stmt::Expr(e) => {
                    if let Expr::Call(call) = e.value.as_ref() {
                        self.call(call, batch);
                    }
                }
                Stmt::With(w) => {
                    let mut handled = false;
                    for item in &w.items {
                        let Expr::Call(c) = &item.context_expr else { continue };
                        let name = call_name(c).unwrap_or_default();
                        if name.ends_with("batch_alter_table") {
                            let table = arg(c, "table_name", 0)
                                .and_then(|e| self.name_of(e))
                                .map(|n| self.qualify(c, n));
                            let var = item.optional_vars.as_deref().and_then(|v| match v {
                                Expr::Name(n) => Some(n.id.to_string()),
                                _ => None,
                            });
                            match (table, var) {
                                (Some(t), Some(v)) => {
                                    self.block_body(span(w.range), &w.body, Some((&v, &t)));
                                }
                                _ => self.push(span(w.range), vec![(dynamic("batch_alter_table on a table named at run time"), span(w.range))]),
                            }
                            handled = true;
                        }
                    }
                    if !handled {
                        // `autocommit_block()` and other contexts: ordinary ops inside.
                        self.block_body(span(w.range), &w.body, batch);
                    }
                }
                Stmt::For(f) => self.push(
                    span(f.range),
                    vec![(dynamic("operations in a loop: which tables and columns it touches is decided at run time"), span(f.range))],
                ),
                Stmt::While(f) => self.push(
                    span(f.range),
                    vec![(dynamic("operations in a loop: decided at run time"), span(f.range))],
                ),
                Stmt::If(i) => {
                    self.body(&i.body, batch);
                    for clause in &i.elif_else_clauses {
                        self.body(&clause.body, batch);
                    }
                }
                Stmt::Try(t) => {
                    self.body(&t.body, batch);
                }
                Stmt::Assign(a) => {
                    if let Expr::Call(call) = a.value.as_ref()
                        && call_name(call).is_some_and(|n| n.starts_with("op.") && n != "op.get_bind" && n != "op.get_context" && n != "op.f") {
                            self.call(call, batch);
                        }
                }
                _ => {}
            }
        }
    }

    fn push(&mut self, at: Span, ops: Vec<(Op, Span)>) {
        if !ops.is_empty() {
            self.statements.push((at, ops, self.block));
        }
    }

    /// Reads a `with` block's body as ops grouped under the block.
    fn block_body(&mut self, at: Span, body: &[Stmt], batch: Option<(&str, &QualifiedName)>) {
        let outer = self.block;
        self.statements.push((at, Vec::new(), outer));
        self.block = Some(self.statements.len() - 1);
        self.body(body, batch);
        self.block = outer;
    }

    /// A name given as a string or `op.f("name")`.
    fn name_of(&self, e: &Expr) -> Option<String> {
        if let Some(s) = python::str_value(e, self.text) {
            return Some(s.value);
        }
        if let Expr::Call(c) = e
            && call_name(c).is_some_and(|n| n.ends_with(".f") || n == "f" || n.ends_with("conv"))
        {
            return arg(c, "name", 0)
                .and_then(|a| python::str_value(a, self.text))
                .map(|s| s.value);
        }
        None
    }

    fn qualify(&self, call: &ExprCall, name: String) -> QualifiedName {
        let schema = kwarg(call, "schema")
            .and_then(|s| python::str_value(s, self.text))
            .map(|s| s.value);
        QualifiedName::with_schema(schema, name)
    }

    fn names(&self, e: Option<&Expr>) -> Vec<String> {
        match e {
            Some(Expr::List(l)) => l.elts.iter().filter_map(|x| self.column_ref(x)).collect(),
            Some(Expr::Tuple(t)) => t.elts.iter().filter_map(|x| self.column_ref(x)).collect(),
            Some(other) => self.column_ref(other).into_iter().collect(),
            None => Vec::new(),
        }
    }

    fn column_ref(&self, e: &Expr) -> Option<String> {
        self.name_of(e).or_else(|| match e {
            Expr::Call(c) => Some(
                self.text
                    .get(span(c.range()).start..span(c.range()).end)?
                    .to_string(),
            ),
            Expr::Name(n) => Some(n.id.to_string()),
            _ => None,
        })
    }

    fn call(&mut self, call: &ExprCall, batch: Option<(&str, &QualifiedName)>) {
        let at = span(call.range());
        // `op.get_bind().execute(…)` has no dotted name: its receiver is a call.
        let name = call_name(call).unwrap_or_else(|| {
            format!(
                "<expr>.{}",
                chain_methods(&call.func)
                    .last()
                    .cloned()
                    .unwrap_or_default()
            )
        });
        let (receiver, method) = match name.rsplit_once('.') {
            Some((r, m)) => (r.to_string(), m.to_string()),
            None => (String::new(), name.clone()),
        };
        if receiver.is_empty() {
            const BUILTINS: &[&str] = &[
                "print",
                "len",
                "str",
                "int",
                "list",
                "dict",
                "set",
                "tuple",
                "range",
                "sorted",
                "enumerate",
                "zip",
                "isinstance",
                "getattr",
                "setattr",
                "super",
                "bool",
                "format",
            ];
            if self.helpers.contains(&method) {
                self.push(at, vec![(dynamic(format!("operations run inside the local function `{method}()`, which rollsafe does not follow")), at)]);
            } else if !BUILTINS.contains(&method.as_str()) {
                self.push(at, vec![(dynamic(format!("calls `{method}()`, defined outside this file: what it does to the schema is unknown")), at)]);
            }
            return;
        }
        let in_batch = batch
            .filter(|(var, _)| *var == receiver)
            .map(|(_, t)| t.clone());
        let is_op = receiver == "op" || in_batch.is_some();
        if !is_op {
            // `conn.execute(...)`, `op.get_bind().execute(...)`, `session.execute(...)`.
            if method == "execute" || method == "exec_driver_sql" {
                let sql = arg(call, "statement", 0);
                let ops = self.sql_ops(sql, at);
                self.push(at, ops);
            }
            return;
        }
        let ops = self.op(call, &method, in_batch, at);
        self.push(at, ops);
    }

    /// SQL handed to `execute`: a literal string, `sa.text("…")`, or opaque.
    fn sql_ops(&mut self, e: Option<&Expr>, at: Span) -> Vec<(Op, Span)> {
        let Some(e) = e else {
            return vec![(opaque("execute without SQL"), at)];
        };
        let literal: Option<PyStr> = python::str_value(e, self.text).or_else(|| match e {
            Expr::Call(c) if call_name(c).is_some_and(|n| n == "text" || n.ends_with(".text")) => {
                arg(c, "text", 0).and_then(|a| python::str_value(a, self.text))
            }
            _ => None,
        });
        match literal {
            Some(s) => {
                let parsed: ParsedSql = python::parse_sql(&s);
                self.comments.extend(parsed.comments.iter().cloned());
                self.issues.extend(parsed.issues.iter().cloned());
                let mut ops: Vec<(Op, Span)> = parsed
                    .statements
                    .into_iter()
                    .flat_map(|st| st.changes)
                    .collect();
                if ops.is_empty() {
                    ops.push((
                        Op::Neutral {
                            what: "empty SQL".into(),
                        },
                        at,
                    ));
                }
                ops
            }
            None => {
                let methods = chain_methods(e);
                if methods.iter().any(|m| {
                    matches!(
                        m.as_str(),
                        "update"
                            | "insert"
                            | "delete"
                            | "values"
                            | "where"
                            | "bulk_insert"
                            | "filter"
                    )
                }) {
                    return vec![(
                        Op::DataChange {
                            kind: DataChangeKind::Other,
                            table: None,
                        },
                        at,
                    )];
                }
                let reason = match e {
                    Expr::Call(_) => format!(
                        "SQL built by `{}(…)` (a SQLAlchemy construct or function) at run time",
                        methods.last().cloned().unwrap_or_else(|| "a call".into())
                    ),
                    other => python::dynamic_reason(other),
                };
                vec![(opaque(reason), at)]
            }
        }
    }

    fn op(
        &mut self,
        call: &ExprCall,
        method: &str,
        batch: Option<QualifiedName>,
        at: Span,
    ) -> Vec<(Op, Span)> {
        let text = self.text;
        // In a batch block the table is implied and every positional argument shifts left.
        let shift = usize::from(batch.is_none());
        let table_arg = |name: &str| -> Option<QualifiedName> {
            match &batch {
                Some(t) => Some(t.clone()),
                None => arg(call, name, 0)
                    .and_then(|e| self.name_of(e))
                    .map(|n| self.qualify(call, n)),
            }
        };
        let s = |name: &str, pos: usize| arg(call, name, pos).and_then(|e| self.name_of(e));
        let unknown = || {
            vec![(
                opaque(format!("`op.{method}` with arguments rollsafe cannot read")),
                at,
            )]
        };
        match method {
            "create_table" => {
                let Some(table) = s("table_name", 0).map(|n| self.qualify(call, n)) else {
                    return unknown();
                };
                let mut columns = Vec::new();
                let mut constraints = Vec::new();
                let mut pre = Vec::new();
                let mut autoinc = Vec::new();
                for a in call.arguments.args.iter().skip(1) {
                    let Expr::Call(c) = a else { continue };
                    let leaf = call_name(c).unwrap_or_default();
                    let leaf = leaf.rsplit('.').next().unwrap_or("");
                    if leaf == "Column" {
                        if let Some((col, cons, enums, auto)) = self.column(c) {
                            columns.push(col);
                            constraints.extend(cons.into_iter().map(|def| TableKey {
                                kind: def.kind,
                                def,
                                from_column: true,
                            }));
                            pre.extend(enums);
                            autoinc.push(auto);
                        }
                    } else if let Some(def) = self.table_constraint(c, leaf) {
                        constraints.push(TableKey {
                            kind: def.kind,
                            def,
                            from_column: false,
                        });
                    }
                }
                // `primary_key=True` on several columns makes one composite key (the table's
                // `PrimaryKeyConstraint`, columns in table order); an explicit
                // `sa.PrimaryKeyConstraint` takes its place.
                let column_keys: Vec<String> = constraints
                    .iter()
                    .filter(|c| c.kind == ConstraintKind::PrimaryKey && c.from_column)
                    .flat_map(|c| c.def.columns.clone())
                    .collect();
                let explicit = constraints
                    .iter()
                    .any(|c| c.kind == ConstraintKind::PrimaryKey && !c.from_column);
                constraints.retain(|c| !(c.kind == ConstraintKind::PrimaryKey && c.from_column));
                let mut constraints: Vec<ConstraintDef> =
                    constraints.into_iter().map(|c| c.def).collect();
                if !explicit && !column_keys.is_empty() {
                    constraints.push(ConstraintDef::new(ConstraintKind::PrimaryKey, column_keys));
                }
                let mut key: Vec<String> = Vec::new();
                for con in &constraints {
                    if con.kind == ConstraintKind::PrimaryKey {
                        for col in columns.iter_mut().filter(|c| con.columns.contains(&c.name)) {
                            col.nullable = false;
                        }
                        key.extend(con.columns.iter().cloned());
                    }
                }
                let in_key: Vec<bool> = columns.iter().map(|c| key.contains(&c.name)).collect();
                if let Some(i) = serial_column(&autoinc, &in_key) {
                    make_serial(&mut columns[i]);
                }
                let mut ops: Vec<(Op, Span)> = pre.into_iter().map(|o| (o, at)).collect();
                ops.push((
                    Op::CreateTable {
                        table,
                        columns,
                        constraints,
                        if_not_exists: bool_opt(call, "if_not_exists"),
                    },
                    at,
                ));
                ops
            }
            "drop_table" => match table_arg("table_name") {
                Some(table) => vec![(
                    Op::DropTable {
                        table,
                        if_exists: bool_opt(call, "if_exists"),
                    },
                    at,
                )],
                None => unknown(),
            },
            "rename_table" => match (s("old_table_name", 0), s("new_table_name", 1)) {
                (Some(old), Some(new)) => vec![(
                    Op::RenameTable {
                        table: self.qualify(call, old),
                        to: new,
                    },
                    at,
                )],
                _ => unknown(),
            },
            "add_column" => {
                let (Some(table), Some(Expr::Call(c))) =
                    (table_arg("table_name"), arg(call, "column", shift))
                else {
                    return unknown();
                };
                match self.column(c) {
                    Some((mut column, constraints, enums, auto)) => {
                        // The column alone makes the key of the table Alembic builds for it.
                        let in_key = [constraints
                            .iter()
                            .any(|k| k.kind == ConstraintKind::PrimaryKey)];
                        if serial_column(&[auto], &in_key).is_some() {
                            make_serial(&mut column);
                        }
                        let mut ops: Vec<(Op, Span)> = enums.into_iter().map(|o| (o, at)).collect();
                        ops.push((
                            Op::AddColumn {
                                table,
                                column,
                                constraints,
                                if_not_exists: bool_opt(call, "if_not_exists"),
                            },
                            at,
                        ));
                        ops
                    }
                    None => unknown(),
                }
            }
            "drop_column" => match (table_arg("table_name"), s("column_name", shift)) {
                (Some(table), Some(column)) => vec![(
                    Op::DropColumn {
                        table,
                        column,
                        if_exists: bool_opt(call, "if_exists"),
                    },
                    at,
                )],
                _ => unknown(),
            },
            "alter_column" => {
                let (Some(table), Some(column)) =
                    (table_arg("table_name"), s("column_name", shift))
                else {
                    return unknown();
                };
                let mut ops = Vec::new();
                if let Some(t) = kwarg(call, "type_") {
                    ops.push((
                        Op::AlterColumnType {
                            table: table.clone(),
                            column: column.clone(),
                            to: self.sa_type(t).0,
                            using: kwarg(call, "postgresql_using").is_some(),
                        },
                        at,
                    ));
                }
                if let Some(n) = kwarg(call, "nullable").and_then(bool_value) {
                    ops.push((
                        if n {
                            Op::DropNotNull {
                                table: table.clone(),
                                column: column.clone(),
                            }
                        } else {
                            Op::SetNotNull {
                                table: table.clone(),
                                column: column.clone(),
                            }
                        },
                        at,
                    ));
                }
                if let Some(d) = kwarg(call, "server_default") {
                    ops.push((
                        match self.server_default(d) {
                            Some(v) => Op::SetDefault {
                                table: table.clone(),
                                column: column.clone(),
                                default: v,
                            },
                            None => Op::DropDefault {
                                table: table.clone(),
                                column: column.clone(),
                            },
                        },
                        at,
                    ));
                }
                if let Some(new) = kwarg(call, "new_column_name").and_then(|e| self.name_of(e)) {
                    ops.push((
                        Op::RenameColumn {
                            table,
                            column,
                            to: new,
                        },
                        at,
                    ));
                }
                if ops.is_empty() {
                    ops.push((
                        Op::Neutral {
                            what: "alter column (comment or no database change)".into(),
                        },
                        at,
                    ));
                }
                ops
            }
            "create_index" => {
                let name = s("index_name", 0);
                let (table, cols) = match &batch {
                    Some(t) => (Some(t.clone()), arg(call, "columns", 1)),
                    None => (
                        s("table_name", 1).map(|n| self.qualify(call, n)),
                        arg(call, "columns", 2),
                    ),
                };
                let Some(table) = table else { return unknown() };
                vec![(
                    Op::CreateIndex(IndexDef {
                        name,
                        table,
                        columns: self.names(cols),
                        unique: bool_opt(call, "unique"),
                        concurrently: bool_opt(call, "postgresql_concurrently"),
                        partial: kwarg(call, "postgresql_where").is_some()
                            || kwarg(call, "sqlite_where").is_some(),
                        // `postgresql_where="…"` or `sa.text("…")`; a SQLAlchemy expression
                        // is not read.
                        predicate_columns: kwarg(call, "postgresql_where")
                            .or_else(|| kwarg(call, "sqlite_where"))
                            .and_then(|e| match e {
                                Expr::Call(c) => c.arguments.args.first(),
                                other => Some(other),
                            })
                            .and_then(|e| python::str_value(e, text))
                            .map(|s| crate::expression::check_columns(&s.value))
                            .unwrap_or_default(),
                        if_not_exists: bool_opt(call, "if_not_exists"),
                    }),
                    at,
                )]
            }
            "drop_index" => match s("index_name", 0) {
                Some(n) => {
                    let schema = kwarg(call, "schema")
                        .and_then(|e| python::str_value(e, text))
                        .map(|s| s.value);
                    vec![(
                        Op::DropIndex {
                            name: QualifiedName::with_schema(schema, n),
                            if_exists: bool_opt(call, "if_exists"),
                            concurrently: bool_opt(call, "postgresql_concurrently"),
                        },
                        at,
                    )]
                }
                None => unknown(),
            },
            "create_unique_constraint"
            | "create_primary_key"
            | "create_check_constraint"
            | "create_foreign_key"
            | "create_exclude_constraint" => {
                let name = s("constraint_name", 0);
                let table = match &batch {
                    Some(t) => Some(t.clone()),
                    None => s(
                        if method == "create_foreign_key" {
                            "source_table"
                        } else {
                            "table_name"
                        },
                        1,
                    )
                    .map(|n| self.qualify(call, n)),
                };
                let Some(table) = table else { return unknown() };
                let pos = 2 - usize::from(batch.is_some());
                let (kind, columns, references) = match method {
                    "create_unique_constraint" => (
                        ConstraintKind::Unique,
                        self.names(arg(call, "columns", pos)),
                        None,
                    ),
                    "create_primary_key" => (
                        ConstraintKind::PrimaryKey,
                        self.names(arg(call, "columns", pos)),
                        None,
                    ),
                    "create_check_constraint" => {
                        let cond = arg(call, "condition", pos)
                            .and_then(|e| python::str_value(e, text))
                            .map(|s| s.value)
                            .unwrap_or_default();
                        (
                            ConstraintKind::Check,
                            crate::expression::check_columns(&cond),
                            None,
                        )
                    }
                    "create_foreign_key" => {
                        let referent = s("referent_table", pos).map(QualifiedName::new);
                        (
                            ConstraintKind::ForeignKey,
                            self.names(arg(call, "local_cols", pos + 1)),
                            referent,
                        )
                    }
                    _ => {
                        let cols = call
                            .arguments
                            .args
                            .iter()
                            .skip(pos)
                            .filter_map(|e| match e {
                                Expr::Tuple(t) => t.elts.first().and_then(|x| self.column_ref(x)),
                                _ => None,
                            })
                            .collect();
                        (ConstraintKind::Exclusion, cols, None)
                    }
                };
                let mut def = ConstraintDef::new(kind, columns);
                def.name = name;
                def.references = references;
                if method == "create_foreign_key" {
                    def.ref_columns = self.names(arg(call, "remote_cols", pos + 2));
                }
                if kind == ConstraintKind::Check {
                    def.expression = arg(call, "condition", pos)
                        .and_then(|e| python::str_value(e, text))
                        .map(|s| s.value);
                }
                def.not_valid = kwarg(call, "postgresql_not_valid")
                    .and_then(bool_value)
                    .unwrap_or(false);
                vec![(
                    Op::AddConstraint {
                        table,
                        constraint: def,
                    },
                    at,
                )]
            }
            "drop_constraint" => match (
                s("constraint_name", 0),
                table_arg("table_name").or_else(|| s("table_name", 1).map(QualifiedName::new)),
            ) {
                (Some(name), Some(table)) => vec![(
                    Op::DropConstraint {
                        table,
                        name,
                        if_exists: bool_opt(call, "if_exists"),
                    },
                    at,
                )],
                _ => unknown(),
            },
            "execute" => {
                let sql = arg(call, "sqltext", 0);
                self.sql_ops(sql, at)
            }
            "bulk_insert" => vec![(
                Op::DataChange {
                    kind: DataChangeKind::Insert,
                    table: None,
                },
                at,
            )],
            "create_table_comment"
            | "drop_table_comment"
            | "get_bind"
            | "get_context"
            | "f"
            | "inline_literal"
            | "run_async" => Vec::new(),
            other => vec![(opaque(format!("`op.{other}` is not modelled")), at)],
        }
    }

    /// `sa.Column(name, type, *args, **kw)`: the column, its inline constraints, the enum
    /// types it creates, and what decides whether it becomes `SERIAL`.
    fn column(&self, c: &ExprCall) -> Option<(ColumnDef, Vec<ConstraintDef>, Vec<Op>, AutoInc)> {
        let name = arg(c, "name", 0).and_then(|e| self.name_of(e))?;
        let mut ty = SqlType::unknown();
        let mut enums = Vec::new();
        let mut cons = Vec::new();
        let mut sequence = None;
        for a in c.arguments.args.iter().skip(1) {
            if let Expr::Call(inner) = a {
                let leaf = call_name(inner).unwrap_or_default();
                if leaf.ends_with("Sequence") {
                    sequence = Some(bool_opt(inner, "optional"));
                    continue;
                }
                if leaf.ends_with("ForeignKey") {
                    let target = arg(inner, "column", 0)
                        .and_then(|e| python::str_value(e, self.text))
                        .map(|s| s.value)
                        .unwrap_or_default();
                    let table = target
                        .rsplit_once('.')
                        .map(|(t, _)| t.to_string())
                        .unwrap_or(target);
                    let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, vec![name.clone()]);
                    d.references = Some(QualifiedName::new(table));
                    cons.push(d);
                    continue;
                }
                if leaf.ends_with("Identity")
                    || leaf.ends_with("Sequence")
                    || leaf.ends_with("Computed")
                {
                    continue;
                }
            }
            if ty.is_unknown() {
                let (t, e) = self.sa_type(a);
                ty = t;
                enums.extend(e);
            }
        }
        if let Some(t) = kwarg(c, "type_") {
            let (t, e) = self.sa_type(t);
            ty = t;
            enums.extend(e);
        }
        let mut col = ColumnDef::new(name.clone(), ty);
        let pk = kwarg(c, "primary_key")
            .and_then(bool_value)
            .unwrap_or(false);
        col.nullable = kwarg(c, "nullable").and_then(bool_value).unwrap_or(!pk);
        // `default=` is applied by the Python code of the new version only; it is not a
        // database default.
        col.default = kwarg(c, "server_default").and_then(|d| self.server_default(d));
        let identity = c.arguments.args.iter().any(
            |a| matches!(a, Expr::Call(i) if call_name(i).is_some_and(|n| n.ends_with("Identity"))),
        );
        let computed = c.arguments.args.iter().any(
            |a| matches!(a, Expr::Call(i) if call_name(i).is_some_and(|n| n.ends_with("Computed"))),
        );
        if identity || computed {
            col.generated = true;
        }
        let auto = AutoInc {
            explicit: match kwarg(c, "autoincrement") {
                Some(e) if python::str_value(e, self.text).is_some() => None,
                Some(e) => bool_value(e),
                None => None,
            },
            ignore_fk: kwarg(c, "autoincrement")
                .and_then(|e| python::str_value(e, self.text))
                .is_some_and(|s| s.value == "ignore_fk"),
            integer: matches!(col.ty.base.as_str(), "integer" | "bigint" | "smallint"),
            foreign_key: !cons.is_empty(),
            client_default: kwarg(c, "default").is_some_and(|d| !matches!(d, Expr::NoneLiteral(_))),
            server_default: col.default.is_some(),
            sequence,
            identity,
        };
        if pk {
            cons.push(ConstraintDef::new(
                ConstraintKind::PrimaryKey,
                vec![name.clone()],
            ));
        }
        if kwarg(c, "unique").and_then(bool_value) == Some(true) {
            cons.push(ConstraintDef::new(
                ConstraintKind::Unique,
                vec![name.clone()],
            ));
        }
        Some((col, cons, enums, auto))
    }

    fn table_constraint(&self, c: &ExprCall, leaf: &str) -> Option<ConstraintDef> {
        let cols: Vec<String> = c
            .arguments
            .args
            .iter()
            .filter_map(|e| self.column_ref(e))
            .collect();
        let mut d = match leaf {
            "PrimaryKeyConstraint" => ConstraintDef::new(ConstraintKind::PrimaryKey, cols),
            "UniqueConstraint" => ConstraintDef::new(ConstraintKind::Unique, cols),
            "CheckConstraint" => {
                let cond = arg(c, "sqltext", 0)
                    .and_then(|e| python::str_value(e, self.text))
                    .map(|s| s.value)
                    .unwrap_or_default();
                let mut d = ConstraintDef::new(
                    ConstraintKind::Check,
                    crate::expression::check_columns(&cond),
                );
                d.expression = (!cond.is_empty()).then_some(cond);
                d
            }
            "ForeignKeyConstraint" => {
                let local = self.names(arg(c, "columns", 0));
                let refs = self.names(arg(c, "refcolumns", 1));
                let mut d = ConstraintDef::new(ConstraintKind::ForeignKey, local);
                d.references = refs
                    .first()
                    .and_then(|r| r.rsplit_once('.'))
                    .map(|(t, _)| QualifiedName::new(t));
                d.ref_columns = refs
                    .iter()
                    .filter_map(|r| r.rsplit_once('.').map(|(_, c)| c.to_string()))
                    .collect();
                d
            }
            _ => return None,
        };
        d.name = kwarg(c, "name").and_then(|e| self.name_of(e));
        Some(d)
    }

    fn server_default(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::NoneLiteral(_) => None,
            other => Some(
                python::str_value(other, self.text)
                    .map(|s| format!("'{}'", s.value))
                    .unwrap_or_else(|| {
                        let sp = span(other.range());
                        self.text.get(sp.start..sp.end).unwrap_or("?").to_string()
                    }),
            ),
        }
    }

    /// A SQLAlchemy type expression (`sa.String(50)`, `sa.Text`, `postgresql.JSONB()`,
    /// `sa.Enum("a", "b", name="mood")`) as a model type, with the enum types it creates.
    fn sa_type(&self, e: &Expr) -> (SqlType, Vec<Op>) {
        let (name, call) = match e {
            Expr::Call(c) => (call_name(c).unwrap_or_default(), Some(c)),
            other => (python::dotted(other).unwrap_or_default(), None),
        };
        let leaf = name.rsplit('.').next().unwrap_or("").to_string();
        let n = |i: usize| {
            call.and_then(|c| c.arguments.args.get(i))
                .and_then(int_value)
                .map(|v| v as u32)
        };
        let length = call
            .and_then(|c| kwarg(c, "length"))
            .and_then(int_value)
            .map(|v| v as u32)
            .or_else(|| n(0));
        let norm = crate::frontend::sql::postgres::normalize_type;
        let mut enums = Vec::new();
        let ty = match leaf.as_str() {
            "String" | "VARCHAR" | "Unicode" | "NVARCHAR" => {
                norm("varchar", length.into_iter().collect())
            }
            "CHAR" | "NCHAR" => norm("char", length.into_iter().collect()),
            "Text" | "TEXT" | "UnicodeText" => norm("text", vec![]),
            "Integer" | "INTEGER" | "INT" => norm("integer", vec![]),
            "BigInteger" | "BIGINT" => norm("bigint", vec![]),
            "SmallInteger" | "SMALLINT" => norm("smallint", vec![]),
            "Boolean" | "BOOLEAN" => norm("boolean", vec![]),
            "DateTime" | "TIMESTAMP" => {
                let tz = call
                    .and_then(|c| kwarg(c, "timezone"))
                    .and_then(bool_value)
                    .unwrap_or(false);
                norm(if tz { "timestamptz" } else { "timestamp" }, vec![])
            }
            "Date" | "DATE" => norm("date", vec![]),
            "Time" | "TIME" => norm("time", vec![]),
            "Interval" | "INTERVAL" => norm("interval", vec![]),
            "Numeric" | "NUMERIC" | "DECIMAL" => {
                norm("numeric", [n(0), n(1)].into_iter().flatten().collect())
            }
            "Float" | "FLOAT" | "Double" | "DOUBLE_PRECISION" => norm("double precision", vec![]),
            "REAL" => norm("real", vec![]),
            "JSON" => norm("json", vec![]),
            "JSONB" => norm("jsonb", vec![]),
            "Uuid" | "UUID" => norm("uuid", vec![]),
            "LargeBinary" | "BYTEA" | "LargeBinaryType" => norm("bytea", vec![]),
            "INET" => norm("inet", vec![]),
            "ARRAY" => {
                let (mut inner, e) = call
                    .and_then(|c| c.arguments.args.first())
                    .map(|a| self.sa_type(a))
                    .unwrap_or((SqlType::unknown(), vec![]));
                enums.extend(e);
                inner.array += 1;
                inner
            }
            "Enum" | "ENUM" => {
                let c = call;
                let type_name = c
                    .and_then(|c| kwarg(c, "name"))
                    .and_then(|e| self.name_of(e));
                let values: Vec<String> = c
                    .map(|c| {
                        c.arguments
                            .args
                            .iter()
                            .filter_map(|a| python::str_value(a, self.text))
                            .map(|s| s.value)
                            .collect()
                    })
                    .unwrap_or_default();
                let create = c
                    .and_then(|c| kwarg(c, "create_type"))
                    .and_then(bool_value)
                    .unwrap_or(true);
                match type_name {
                    Some(tn) => {
                        if create && !values.is_empty() {
                            enums.push(Op::CreateEnum {
                                name: QualifiedName::new(tn.clone()),
                                values,
                            });
                        }
                        SqlType::named(&tn)
                    }
                    None => SqlType::named("enum"),
                }
            }
            "" => SqlType::unknown(),
            other => SqlType::named(&other.to_lowercase()),
        };
        (ty, enums)
    }
}

/// A constraint of `op.create_table`, and whether a `sa.Column(...)` argument gave it.
struct TableKey {
    kind: ConstraintKind,
    def: ConstraintDef,
    from_column: bool,
}

/// What decides whether SQLAlchemy creates a column as `SERIAL` on PostgreSQL.
#[derive(Debug, Clone, Copy)]
struct AutoInc {
    /// `autoincrement=True/False`; `None` for the default `"auto"` (and `"ignore_fk"`).
    explicit: Option<bool>,
    ignore_fk: bool,
    integer: bool,
    foreign_key: bool,
    /// A Python-side `default=` (not a `Sequence`).
    client_default: bool,
    server_default: bool,
    /// A `sa.Sequence(…)`, and whether it is `optional=True`.
    sequence: Option<bool>,
    identity: bool,
}

/// The column SQLAlchemy makes `SERIAL`/`BIGSERIAL`/`SMALLSERIAL` (its
/// `PrimaryKeyConstraint._autoincrement_column`, then PostgreSQL's
/// `get_column_specification`): with a one-column primary key, that column when it is an
/// integer with `autoincrement` left `"auto"` and no `default=`, `server_default=` or foreign key
/// (or `autoincrement=True`); with a composite key, only a column marked `autoincrement=True`.
/// `sa.Identity()` or a (non-optional) `sa.Sequence` keeps the plain type.
fn serial_column(columns: &[AutoInc], in_key: &[bool]) -> Option<usize> {
    let key: Vec<usize> = (0..columns.len()).filter(|&i| in_key[i]).collect();
    let candidate = match key.as_slice() {
        [i] => {
            let c = &columns[*i];
            let auto = match c.explicit {
                Some(true) => true,
                Some(false) => false,
                None => !c.client_default && !c.server_default && (!c.foreign_key || c.ignore_fk),
            };
            auto.then_some(*i)
        }
        _ => key
            .iter()
            .copied()
            .find(|&i| columns[i].explicit == Some(true)),
    }?;
    let c = &columns[candidate];
    (c.integer && !c.identity && !c.client_default && c.sequence.is_none_or(|optional| optional))
        .then_some(candidate)
}

/// A `SERIAL` column: the integer type with a `nextval` default the database fills (the SQL
/// frontend writes `serial` the same way).
fn make_serial(col: &mut ColumnDef) {
    col.default = Some("nextval(…)".to_string());
    col.nullable = false;
}

/// The method names along a call chain: `t.update().where(…).values(…)` gives
/// `update, where, values`.
fn chain_methods(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Call(c) => cur = &c.func,
            Expr::Attribute(a) => {
                out.push(a.attr.id.to_string());
                cur = &a.value;
            }
            Expr::Name(n) => {
                out.push(n.id.to_string());
                break;
            }
            _ => break,
        }
    }
    out.reverse();
    out
}

fn bool_opt(call: &ExprCall, name: &str) -> bool {
    kwarg(call, name).and_then(bool_value).unwrap_or(false)
}
