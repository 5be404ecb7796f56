//! The replay oracle for the Alembic and Django frontends: the fixture projects
//! (`fixtures/alembic/billing`, `fixtures/django/shopsite`) and the Python examples of the rule
//! pages are applied to the test cluster by the **real** tools, one migration at a time in the
//! order rollsafe replays them (`Project::histories[..].order`); after each, the catalog must
//! equal rollsafe's replayed schema for that point (`rollsafe schema --format json --history H
//! --upto ID` for the fixtures, the same code path through the library for the rule examples),
//! and the probes of the verdict oracle run as for SQL.
//!
//! The tools come from PyPI, in a virtualenv that `ROLLSAFE_ORACLE_PYTHON` names (see
//! [`PIP_INSTALL`]). Without it the tests say loudly that they were skipped, or fail when
//! `ROLLSAFE_REQUIRE_POSTGRES` is set (CI).
//!
//! **How the tools run.** Starting Python and importing SQLAlchemy or Django takes about a
//! second, once per command that would be 20–60 s for the fixtures and the rule examples. So one
//! driver process per test ([`DRIVER`]) imports the stack once and takes one request per line
//! on stdin:
//! - Alembic: `alembic --raiseerr -c INI upgrade REV` through `alembic.config.main(argv)`, the
//!   console script's own entry point with the same arguments. `env.py` is ours (online mode,
//!   `create_engine("postgresql+psycopg2://…")`, `transaction_per_migration=True`); a prefix of
//!   a topological order is ancestor-closed, so after each step the applied set is the prefix.
//! - Django: per project the driver forks a child (Django's settings and app registry are
//!   process-wide) that calls `django.setup()` with a settings module written for the project
//!   and then `call_command("migrate", app, name)` per step — what `python -m django migrate
//!   app name --settings=…` runs. The apps' `models.py` are never imported (the fixture's
//!   raise `SystemExit`, as rollsafe never imports them either): each app is an `AppConfig`
//!   whose `import_models` registers nothing; `migrate` needs only the migration modules.
//!
//! **What is compared.** The project's own tables: `alembic_version`, `django_*` and `auth_*`
//! are the tools' bookkeeping and the `django.contrib` apps the fixture depends on
//! (`swappable_dependency(settings.AUTH_USER_MODEL)`), which rollsafe does not replay (they are
//! not in the project). Django's generated constraint and index names are compared like any
//! other (see [`django_projects`] for why).

use super::catalog::{self, Schema};
use super::cluster::{self, Cluster, Conn};
use super::{
    ProbeRun, Step, Tally, migration_class, opaque_free, rollsafe_schema_cli, rollsafe_schema_lib,
    say, unique_database,
};
use rollsafe::lint::{self, Settings};
use rollsafe::model::Framework;
use rollsafe::project::Project;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The interpreter of a virtualenv holding the tools.
const PYTHON_ENV: &str = "ROLLSAFE_ORACLE_PYTHON";
const REQUIRE_ENV: &str = "ROLLSAFE_REQUIRE_POSTGRES";

/// The versions these tests were written against (every package of the virtualenv, so that a
/// new release of a dependency cannot change what the oracle sees).
const PIP_INSTALL: &str = "python3 -m venv target/oracle-venv && \
    target/oracle-venv/bin/pip install --disable-pip-version-check -q \
    alembic==1.20.1 SQLAlchemy==2.1.9 Mako==1.4.3 MarkupSafe==3.0.4 typing_extensions==4.16.0 \
    Django==5.2.19 asgiref==3.13.0 sqlparse==0.6.1 psycopg2-binary==2.9.13 && \
    export ROLLSAFE_ORACLE_PYTHON=$PWD/target/oracle-venv/bin/python";

/// The driver: `python -u driver.py alembic|django`, one JSON request per line on stdin, one
/// JSON answer per line on stdout. What the tools print goes into the answer, never to stdout.
const DRIVER: &str = r#"
import contextlib, io, json, os, sys, traceback

out = sys.stdout

def reply(**kw):
    out.write(json.dumps(kw) + "\n")
    out.flush()

def run(fn):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            fn()
        return None, buf.getvalue()
    except BaseException as e:  # SystemExit from the command-line entry points too
        return "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()), buf.getvalue()

stack = sys.argv[1]
try:
    import psycopg2
    if stack == "alembic":
        import alembic, alembic.config, sqlalchemy
        versions = "alembic %s, SQLAlchemy %s, psycopg2 %s" % (
            alembic.__version__, sqlalchemy.__version__, psycopg2.__version__.split()[0])
    else:
        import django
        # Imported before forking, so that each project's child starts warm.
        import django.core.management, django.db.migrations.executor
        versions = "Django %s, psycopg2 %s" % (django.get_version(), psycopg2.__version__.split()[0])
except Exception as e:
    reply(ok=False, error="%s: %s" % (type(e).__name__, e))
    sys.exit(0)
reply(ok=True, versions=versions)

def django_project(req):
    """In a forked child: set the project up, then migrate step by step until "end"."""
    sys.path[:0] = req["path"]
    os.environ["DJANGO_SETTINGS_MODULE"] = req["settings"]
    error, output = run(django.setup)
    reply(ok=error is None, error=error, output=output)
    if error is not None:
        return
    from django.core.management import call_command
    from django.db import connections
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        step = json.loads(line)
        if step["cmd"] == "end":
            connections.close_all()
            reply(ok=True)
            return
        error, output = run(lambda: call_command(
            "migrate", step["app"], step["name"], interactive=False, verbosity=1))
        reply(ok=error is None, error=error, output=output)

while True:
    line = sys.stdin.readline()
    if not line:
        break
    req = json.loads(line)
    if req["cmd"] == "alembic":
        # Run from the project folder, as users do (`script_location` is relative to it).
        os.chdir(req["cwd"])
        error, output = run(lambda: alembic.config.main(argv=req["argv"], prog="alembic"))
        reply(ok=error is None, error=error, output=output)
    elif req["cmd"] == "django-project":
        pid = os.fork()
        if pid == 0:
            try:
                django_project(req)
            finally:
                out.flush()
                os._exit(0)
        os.waitpid(pid, 0)
    else:
        reply(ok=False, error="unknown request %r" % (req,))
"#;

/// Says, past the harness's capture, that a test did not run; fails instead when CI requires it.
fn skip_or_fail(test: &str, why: &str) {
    let how = format!(
        "install the tools with `{PIP_INSTALL}` (or set {PYTHON_ENV} to a python that has \
         alembic, SQLAlchemy, psycopg2 and Django)"
    );
    if std::env::var_os(REQUIRE_ENV).is_some() {
        panic!("{test}: {why}; {REQUIRE_ENV} is set, so this must run: {how}");
    }
    say(&format!(
        "\n*** SKIPPED {test}: {why}; {how}. CI sets {REQUIRE_ENV}=1 and always runs this. ***\n"
    ));
}

/// One driver process (see [`DRIVER`]).
struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    versions: String,
    /// Where the driver script lives (removed with it).
    _dir: tempfile::TempDir,
}

impl Driver {
    /// Starts the driver for `stack`; `None` (after a loud skip) when the tools are missing.
    fn start(test: &str, stack: &str) -> Option<Driver> {
        let Some(python) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) else {
            skip_or_fail(test, &format!("{PYTHON_ENV} is not set"));
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("rollsafe_oracle_driver.py");
        std::fs::write(&script, DRIVER).expect("write the driver");
        let spawned = Command::new(&python)
            .arg("-u")
            .arg(&script)
            .arg(stack)
            // Importing the fixtures' migration modules must not leave __pycache__ behind.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("DJANGO_SETTINGS_MODULE")
            .env_remove("PYTHONPATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                skip_or_fail(
                    test,
                    &format!(
                        "{PYTHON_ENV}={} cannot be run: {e}",
                        Path::new(&python).display()
                    ),
                );
                return None;
            }
        };
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("driver stdout"));
        let mut driver = Driver {
            child,
            stdin,
            stdout,
            versions: String::new(),
            _dir: dir,
        };
        let hello = driver.read();
        if hello["ok"] != true {
            skip_or_fail(
                test,
                &format!(
                    "{PYTHON_ENV}={} lacks the {stack} tools ({})",
                    Path::new(&python).display(),
                    hello["error"].as_str().unwrap_or("no answer")
                ),
            );
            return None;
        }
        driver.versions = hello["versions"].as_str().unwrap_or("").to_string();
        Some(driver)
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("driver answered {line:?}: {e}")),
            _ => json!({"ok": false, "error": "the driver exited (its stderr is above)"}),
        }
    }

    fn call(&mut self, request: Value) -> Value {
        let stdin = self.stdin.as_mut().expect("driver stdin");
        writeln!(stdin, "{request}").expect("write to the driver");
        stdin.flush().expect("flush to the driver");
        self.read()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.wait();
    }
}

/// A tool's answer as a result: the error with what the tool printed.
fn outcome(answer: &Value) -> Result<(), String> {
    if answer["ok"] == true {
        return Ok(());
    }
    let error = answer["error"].as_str().unwrap_or("?");
    // The last lines of a traceback say what happened.
    let tail: Vec<&str> = error.lines().rev().take(6).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "{}\n{}",
        error.lines().next().unwrap_or(""),
        tail.join("\n")
    ))
}

/// Tables that belong to the tools, not to the project: Alembic's version table, Django's
/// bookkeeping and the `django.contrib` apps (`auth_user`, `django_content_type`, …).
fn is_tool_table(name: &str) -> bool {
    name == "alembic_version" || name.starts_with("django_") || name.starts_with("auth_")
}

fn own_tables(mut s: Schema) -> Schema {
    s.tables.retain(|name, _| !is_tool_table(name));
    s
}

/// How a project is applied.
enum Tool {
    /// `alembic -c INI upgrade REV`.
    Alembic { ini: PathBuf },
    /// `migrate APP NAME` in the driver's child for this project.
    Django,
}

/// How the schema rollsafe replays is asked for.
#[derive(Clone, Copy)]
enum Ask {
    /// The real binary (`rollsafe schema --format json --upto …`).
    Cli,
    /// The library (`side_up_to` + `schema_of` + `render_json`), for the many rule examples.
    Library,
}

/// A migration a tool is known to reject, with why. The reason is printed; a listed migration
/// that the tool applies is a failure too, so the list cannot go stale. It is matched by rule
/// page, migration id and a piece of the example's source (not by line: the pages grow).
struct Rejection {
    page: &'static str,
    migration: &'static str,
    source_contains: &'static str,
    why: &'static str,
}

/// One database per test, emptied before each project (creating a database per project would
/// cost more than all the migrations together).
struct Database {
    name: String,
    port: u16,
    conn: Conn,
}

impl Database {
    fn new(pg: &Cluster, prefix: &str) -> Database {
        let name = unique_database(prefix);
        pg.create_database(&name).unwrap_or_else(|e| panic!("{e}"));
        let conn = pg.connect(&name).unwrap_or_else(|e| panic!("{e}"));
        Database {
            name,
            port: pg.port,
            conn,
        }
    }

    /// Drops every schema the previous project made, and everything in `public`.
    fn reset(&mut self) {
        let schemas = self
            .conn
            .query(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', \
                 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let mut sql = String::new();
        for r in schemas {
            if let Some(Some(n)) = r.first() {
                sql.push_str(&format!("DROP SCHEMA \"{n}\" CASCADE; "));
            }
        }
        sql.push_str("DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO public");
        self.conn
            .execute(&sql)
            .unwrap_or_else(|e| panic!("reset {}: {e}", self.name));
    }
}

/// Applies the project's one Alembic or Django history with the real tool, judging each step.
fn check_project(
    database: &mut Database,
    driver: &mut Driver,
    root: &Path,
    origin: &str,
    ask: Ask,
    rejections: &[Rejection],
    tally: &mut Tally,
) {
    let project = Project::load(root);
    let result = lint::lint(&project, &Settings::default(), |_| true);
    let histories: Vec<_> = project
        .histories
        .iter()
        .filter(|h| matches!(h.framework, Framework::Alembic | Framework::Django))
        .collect();
    assert_eq!(
        histories.len(),
        1,
        "{origin}: expected one Alembic or Django history, rollsafe found {:?}",
        project.histories.iter().map(|h| &h.key).collect::<Vec<_>>()
    );
    let history = histories[0];
    database.reset();
    let db = database.name.clone();
    let conn = &mut database.conn;
    let settings_dir = tempfile::tempdir().expect("temp dir");
    let tool = match history.framework {
        Framework::Alembic => {
            write_alembic_env(&root.join(&history.key), database.port, &db);
            Tool::Alembic {
                ini: root.join("alembic.ini"),
            }
        }
        _ => {
            let (path, module) =
                write_django_settings(settings_dir.path(), &project, database.port, &db);
            let answer = driver.call(json!({
                "cmd": "django-project",
                "path": path,
                "settings": module,
            }));
            if let Err(e) = outcome(&answer) {
                tally
                    .replay_mismatches
                    .push(format!("{origin}: Django cannot set the project up: {e}"));
                return;
            }
            Tool::Django
        }
    };
    let mut comparable = true;
    for &mi in &history.order {
        let m = &project.migrations[mi];
        comparable &= opaque_free(m);
        let before = own_tables(catalog::read_catalog(conn).unwrap_or_else(|e| panic!("{e}")));
        let mut probes = ProbeRun::before(conn, &before);
        let answer = match &tool {
            Tool::Alembic { ini } => driver.call(json!({
                "cmd": "alembic",
                "cwd": root,
                "argv": ["--raiseerr", "-c", ini.to_string_lossy(), "upgrade", m.id],
            })),
            Tool::Django => {
                let (app, name) = m.id.split_once('.').unwrap_or((&m.id, ""));
                driver.call(json!({"cmd": "migrate", "app": app, "name": name}))
            }
        };
        let known = rejections.iter().find(|r| {
            origin.starts_with(&format!("rules/{}.md ", r.page))
                && r.migration == m.id
                && history
                    .order
                    .iter()
                    .any(|&i| project.migrations[i].source.contains(r.source_contains))
        });
        match (outcome(&answer), known) {
            (Ok(()), None) => {}
            (Ok(()), Some(r)) => {
                tally.replay_mismatches.push(format!(
                    "{origin}: {} is listed as rejected ({}), but the tool applied it: update \
                     the list",
                    m.path, r.why
                ));
            }
            (Err(e), Some(r)) => {
                say(&format!(
                    "   {origin}: {} is rejected by the tool as expected ({}); the rest of this \
                     history is not applied: {}\n",
                    m.path,
                    r.why,
                    e.lines().next().unwrap_or("")
                ));
                tally.migrations += 1;
                break;
            }
            (Err(e), None) => {
                // Both reject it: rollsafe reports a parse error in it (the parse-error rule's
                // own example), or a broken graph, which Alembic and Django refuse to load at
                // all (the migration-graph rule's).
                let graph_broken = history
                    .order
                    .iter()
                    .any(|&i| !project.migrations[i].graph_issues.is_empty());
                if !m.issues.is_empty() || graph_broken {
                    tally.migrations += 1;
                    break;
                }
                tally
                    .replay_mismatches
                    .push(format!("{origin}: the tool rejects {}: {e}", m.path));
                break;
            }
        }
        probes.after(conn);
        let after = own_tables(catalog::read_catalog(conn).unwrap_or_else(|e| panic!("{e}")));
        let step = Step {
            label: m.path.clone(),
            sql: m.source.to_string(),
            after,
            probes,
        };
        tally.statements += m.statements.len();
        let schema = comparable.then(|| {
            match ask {
                Ask::Cli => rollsafe_schema_cli(root, &history.key, &m.id),
                Ask::Library => rollsafe_schema_lib(&project, &history.key, mi),
            }
            .map(own_tables)
        });
        tally.judge(
            &format!("{origin} ({})", history.key),
            &step,
            schema,
            migration_class(&result.classes[mi]),
        );
    }
    if matches!(tool, Tool::Django) {
        let _ = driver.call(json!({"cmd": "end"}));
    }
}

/// Our `env.py`: online mode against the test database, one transaction per revision.
fn write_alembic_env(script_dir: &Path, port: u16, db: &str) {
    let env = format!(
        "from alembic import context\n\
         import sqlalchemy\n\
         \n\
         engine = sqlalchemy.create_engine(\"postgresql+psycopg2://postgres@127.0.0.1:{port}/{db}\")\n\
         with engine.connect() as connection:\n\
         \x20   context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)\n\
         \x20   with context.begin_transaction():\n\
         \x20       context.run_migrations()\n\
         engine.dispose()\n"
    );
    std::fs::write(script_dir.join("env.py"), env).expect("write env.py");
}

/// A settings module for the project's apps, in `dir`; returns the `sys.path` entries and the
/// module name.
fn write_django_settings(
    dir: &Path,
    project: &Project,
    port: u16,
    db: &str,
) -> (Vec<String>, String) {
    let mut path = vec![dir.to_string_lossy().into_owned()];
    let mut apps: Vec<String> = Vec::new();
    let mut external: std::collections::BTreeSet<String> = Default::default();
    for m in &project.migrations {
        let Some((app, _)) = m.id.split_once('.') else {
            continue;
        };
        // `<parent>/<app>/migrations/NNNN.py`: the app is a top-level package of `<parent>`.
        let app_dir = project.root.join(&m.path);
        let parent = app_dir
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .expect("app folder");
        let parent = parent.to_string_lossy().into_owned();
        if !path.contains(&parent) {
            path.push(parent);
        }
        if !apps.iter().any(|a| a == app) {
            apps.push(app.to_string());
        }
        for p in &m.parents {
            external.insert(p.split('.').next().unwrap_or("").to_string());
        }
    }
    let mut installed: Vec<String> = Vec::new();
    for label in &external {
        let contrib: &[&str] = match label.as_str() {
            "auth" => &["django.contrib.contenttypes", "django.contrib.auth"],
            "contenttypes" => &["django.contrib.contenttypes"],
            "sessions" => &["django.contrib.sessions"],
            "sites" => &["django.contrib.sites"],
            "admin" => &[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "django.contrib.admin",
            ],
            _ => &[],
        };
        for c in contrib {
            if !installed.iter().any(|i| i == c) {
                installed.push(c.to_string());
            }
        }
    }
    let mut classes = String::new();
    for (i, app) in apps.iter().enumerate() {
        classes.push_str(&format!(
            "class App{i}(_MigrationsOnly):\n    name = {app:?}\n\n\n"
        ));
        installed.push(format!("rollsafe_oracle_settings.App{i}"));
    }
    let text = format!(
        "from django.apps import AppConfig\n\
         \n\
         \n\
         class _MigrationsOnly(AppConfig):\n\
         \x20   \"\"\"The app's models are never imported: `migrate` needs only its migrations.\"\"\"\n\
         \n\
         \x20   def import_models(self):\n\
         \x20       self.models = self.apps.all_models[self.label]\n\
         \x20       self.models_module = None\n\
         \n\
         \n\
         {classes}\
         SECRET_KEY = \"rollsafe-oracle\"\n\
         USE_TZ = True\n\
         DEFAULT_AUTO_FIELD = \"django.db.models.BigAutoField\"\n\
         INSTALLED_APPS = {installed:?}\n\
         DATABASES = {{\"default\": {{\"ENGINE\": \"django.db.backends.postgresql\", \
         \"HOST\": \"127.0.0.1\", \"PORT\": \"{port}\", \"USER\": \"postgres\", \"NAME\": \"{db}\"}}}}\n"
    );
    std::fs::write(dir.join("rollsafe_oracle_settings.py"), text).expect("write settings");
    (path, "rollsafe_oracle_settings".to_string())
}

fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(n, b)| (n.to_string(), b.to_string()))
        .collect()
}

/// Copies a fixture into a fresh temporary folder.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).expect("under the fixture");
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &target).expect("copy");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read fixture")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "__pycache__") {
                continue;
            }
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The Python examples of the rule pages, Django's (their paths hold `/migrations/`) or
/// Alembic's: (origin, files).
fn python_examples(django: bool) -> Vec<(String, Vec<(String, String)>)> {
    crate::common::rule_examples()
        .into_iter()
        .filter(|e| e.lang == "python" && !e.files.is_empty())
        .filter(|e| e.files.iter().any(|(n, _)| n.contains("/migrations/")) == django)
        .map(|e| (e.origin, e.files))
        .collect()
}

/// Rule-page examples the real tools reject, with why (an entry here that starts applying fails
/// the test). What applies before a rejected migration is still compared. The Bad examples of
/// concurrently-in-transaction are here on purpose: that the tools refuse them is its claim.
const RULE_EXAMPLE_REJECTIONS: &[Rejection] = &[
    Rejection {
        page: "concurrently-in-transaction",
        migration: "b2",
        source_contains: "def upgrade():\n    op.create_index(\"users_email\", \"users\", [\"email\"], postgresql_concurrently=True)",
        why: "CREATE INDEX CONCURRENTLY cannot run inside Alembic's transaction",
    },
    Rejection {
        page: "concurrently-in-transaction",
        migration: "shop.0002_index",
        source_contains: "class Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n    operations = [AddIndexConcurrently",
        why: "Django refuses AddIndexConcurrently in an atomic migration",
    },
];

/// Cases the fixtures do not reach, for what rollsafe models after the tools' source: which
/// column SQLAlchemy makes SERIAL.
const ALEMBIC_EDGES: &[(&str, &str)] = &[
    (
        "a1_keys.py",
        r#"revision = "a1"
down_revision = None


def upgrade():
    op.create_table("composite", sa.Column("a", sa.Integer(), primary_key=True), sa.Column("b", sa.Integer(), primary_key=True))
    op.create_table("marked", sa.Column("a", sa.Integer(), primary_key=True, autoincrement=True), sa.Column("b", sa.SmallInteger(), primary_key=True))
    op.create_table("manual", sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False))
    op.create_table("identity", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.create_table("small", sa.Column("id", sa.SmallInteger(), primary_key=True), sa.Column("code", sa.String(5), unique=True))
    op.create_table("child", sa.Column("id", sa.Integer(), sa.ForeignKey("small.id"), primary_key=True))
    op.create_table("texty", sa.Column("code", sa.String(10), primary_key=True))
"#,
    ),
    (
        "b2_add.py",
        r#"revision = "b2"
down_revision = "a1"


def upgrade():
    op.add_column("texty", sa.Column("n", sa.Integer(), nullable=True))
"#,
    ),
];

/// Cases the fixture does not reach, for what rollsafe models after Django's schema editor:
/// relations to the model itself and to a varchar primary key (`_like` on the foreign key),
/// many-to-many to itself, unique_together and index_together added and removed, and
/// `AlterField` taking uniqueness, an index and a foreign key away.
const DJANGO_EDGES: &[(&str, &str)] = &[
    (
        "zoo/migrations/0001_initial.py",
        r#"class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Country",
            fields=[("code", models.CharField(max_length=2, primary_key=True, serialize=False)), ("name", models.TextField(db_index=True))],
        ),
        migrations.CreateModel(
            name="Keeper",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("country", models.ForeignKey(on_delete=models.CASCADE, to="zoo.country")),
                ("mentor", models.ForeignKey(null=True, on_delete=models.SET_NULL, to="zoo.keeper")),
                ("friends", models.ManyToManyField(to="zoo.keeper")),
                ("badge", models.CharField(max_length=20, unique=True)),
                ("nick", models.CharField(max_length=20, db_index=True)),
                ("team", models.IntegerField(default=0)),
                ("shift", models.IntegerField(default=0)),
            ],
            options={"unique_together": {("team", "shift")}, "index_together": {("nick", "team")}},
        ),
    ]
"#,
    ),
    (
        "zoo/migrations/0002_changes.py",
        r#"class Migration(migrations.Migration):
    dependencies = [("zoo", "0001_initial")]
    operations = [
        migrations.AlterField(model_name="keeper", name="badge", field=models.CharField(max_length=20)),
        migrations.AlterField(model_name="keeper", name="nick", field=models.CharField(max_length=20)),
        migrations.AlterField(model_name="keeper", name="mentor", field=models.BigIntegerField(null=True)),
        migrations.AlterUniqueTogether(name="keeper", unique_together={("team",)}),
        migrations.AlterIndexTogether(name="keeper", index_together=set()),
    ]
"#,
    ),
    (
        "zoo/migrations/0003_drop.py",
        r#"class Migration(migrations.Migration):
    dependencies = [("zoo", "0002_changes")]
    operations = [
        migrations.AlterField(model_name="country", name="name", field=models.TextField(unique=True)),
        migrations.DeleteModel(name="Keeper"),
    ]
"#,
    ),
];

fn finish(tally: &Tally, title: &str, at_least: usize) {
    say(&tally.report(title));
    if std::env::var_os("ROLLSAFE_ORACLE_VERBOSE").is_some() {
        for e in &tally.examples {
            say(&format!("unconfirmed contract: {e}\n"));
        }
    }
    tally.assert_clean();
    assert!(
        tally.migrations >= at_least,
        "only {} migrations checked",
        tally.migrations
    );
}

#[test]
fn alembic_fixture_and_rule_examples_replay_like_postgres() {
    let test = "alembic_fixture_and_rule_examples_replay_like_postgres";
    let Some(pg) = cluster::cluster() else {
        cluster::loud_skip(test);
        return;
    };
    let Some(mut driver) = Driver::start(test, "alembic") else {
        return;
    };
    let mut tally = Tally::default();
    let mut database = Database::new(pg, "alembic");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/alembic/billing");
    let copy = tempfile::tempdir().expect("temp dir");
    copy_tree(&fixture, copy.path());
    check_project(
        &mut database,
        &mut driver,
        copy.path(),
        "fixtures/alembic/billing",
        Ask::Cli,
        &[],
        &mut tally,
    );
    let edges = tempfile::tempdir().expect("temp dir");
    crate::common::write_alembic_example(edges.path(), &owned(ALEMBIC_EDGES));
    check_project(
        &mut database,
        &mut driver,
        edges.path(),
        "tests/postgres/frameworks.rs ALEMBIC_EDGES",
        Ask::Cli,
        &[],
        &mut tally,
    );
    let examples = python_examples(false);
    assert!(
        examples.len() >= 15,
        "only {} Alembic examples",
        examples.len()
    );
    for (origin, files) in &examples {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::common::write_alembic_example(dir.path(), files);
        check_project(
            &mut database,
            &mut driver,
            dir.path(),
            origin,
            Ask::Library,
            RULE_EXAMPLE_REJECTIONS,
            &mut tally,
        );
    }
    let title = format!(
        "PostgreSQL {} oracle, Alembic fixture and {} rule-page examples ({})",
        pg.version,
        examples.len(),
        driver.versions
    );
    finish(&tally, &title, 40);
}

/// The Django fixture as two projects, because of its squash (`catalog.0001_squashed_0003`
/// replaces three migrations that all exist):
/// - **as rollsafe replays it**: rollsafe replays the originals (they carry more detail). On a
///   fresh database Django would take the squash instead and refuses `migrate catalog
///   0001_initial` (not a node of its graph): Django keeps the originals only for a database
///   that has applied some of them, and then removes the squash node and repoints its
///   dependents to the squash's last replaced migration (`MigrationGraph.remove_replacement_node`).
///   The copy is put in that state: the squash file removed, `("catalog", "0001_squashed_0003")`
///   in other files rewritten to its last replaced migration.
/// - **a fresh install through the squash**: the replaced files removed, so that both Django
///   and rollsafe take the squash.
///
/// Names. Django names every constraint and index it creates: `<table>_<cols>_<md5 hash>`
/// plus `_fk_<table>_<col>`, `_uniq`, `_like` (`BaseDatabaseSchemaEditor._create_index_name`,
/// shortened to 63 bytes for PostgreSQL), and on PostgreSQL it adds a second `…_like` index
/// (`varchar_pattern_ops`/`text_pattern_ops`) to each varchar/text column that is indexed or
/// unique. The names are a deterministic function of table, columns and suffix, so rollsafe
/// computes them the same way instead of the comparison ignoring them: a later `RunSQL` or
/// `RemoveIndex`/`RenameIndex` names them, and `rollsafe schema` should print the database
/// the migrations build. The comparison stays exact.
fn django_projects(copy: &Path) -> Vec<(PathBuf, &'static str)> {
    let originals = copy.join("as-replayed");
    let squashed = copy.join("squashed");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/django/shopsite");
    copy_tree(&fixture, &originals);
    copy_tree(&fixture, &squashed);
    let squash = "catalog/migrations/0001_squashed_0003.py";
    std::fs::remove_file(originals.join(squash)).expect("remove the squash");
    for f in walk(&originals) {
        if f.extension().is_some_and(|x| x == "py") {
            let text = std::fs::read_to_string(&f).expect("read");
            let repointed = text.replace(
                r#"("catalog", "0001_squashed_0003")"#,
                r#"("catalog", "0003_product_slug_unique")"#,
            );
            if repointed != text {
                std::fs::write(&f, repointed).expect("write");
            }
        }
    }
    for replaced in [
        "0001_initial.py",
        "0002_product_slug.py",
        "0003_product_slug_unique.py",
    ] {
        std::fs::remove_file(squashed.join("catalog/migrations").join(replaced))
            .expect("remove a replaced migration");
    }
    vec![
        (
            originals,
            "fixtures/django/shopsite (the originals, as rollsafe replays them)",
        ),
        (
            squashed,
            "fixtures/django/shopsite (a fresh install through the squash)",
        ),
    ]
}

#[test]
fn django_fixture_and_rule_examples_replay_like_postgres() {
    let test = "django_fixture_and_rule_examples_replay_like_postgres";
    let Some(pg) = cluster::cluster() else {
        cluster::loud_skip(test);
        return;
    };
    let Some(mut driver) = Driver::start(test, "django") else {
        return;
    };
    let mut tally = Tally::default();
    let mut database = Database::new(pg, "django");
    let copy = tempfile::tempdir().expect("temp dir");
    for (root, origin) in django_projects(copy.path()) {
        check_project(
            &mut database,
            &mut driver,
            &root,
            origin,
            Ask::Cli,
            &[],
            &mut tally,
        );
    }
    let edges = tempfile::tempdir().expect("temp dir");
    crate::common::write_django_example(edges.path(), &owned(DJANGO_EDGES));
    check_project(
        &mut database,
        &mut driver,
        edges.path(),
        "tests/postgres/frameworks.rs DJANGO_EDGES",
        Ask::Cli,
        &[],
        &mut tally,
    );
    let examples = python_examples(true);
    assert!(
        examples.len() >= 15,
        "only {} Django examples",
        examples.len()
    );
    for (origin, files) in &examples {
        let dir = tempfile::tempdir().expect("temp dir");
        crate::common::write_django_example(dir.path(), files);
        check_project(
            &mut database,
            &mut driver,
            dir.path(),
            origin,
            Ask::Library,
            RULE_EXAMPLE_REJECTIONS,
            &mut tally,
        );
    }
    let title = format!(
        "PostgreSQL {} oracle, Django fixture and {} rule-page examples ({})",
        pg.version,
        examples.len(),
        driver.versions
    );
    finish(&tally, &title, 40);
}
