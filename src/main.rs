//! The `rollsafe` command line. Everything but argument handling and printing lives in the
//! library.

use clap::{Parser, Subcommand, ValueEnum};
use rollsafe::config;
use rollsafe::git::Repo;
use rollsafe::lint;
use rollsafe::project::Project;
use rollsafe::report::{self, HumanOptions};
use rollsafe::rollback::{Side, VerdictKind};
use rollsafe::rules::{Rule, Severity};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, as documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "rollsafe",
    version,
    about = "Static analyzer for database migrations: expand/contract classification and \
             rollback verdicts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum CorpusKind {
    Sql,
    Alembic,
    Django,
}

#[derive(Subcommand)]
enum Command {
    /// Lint migrations: every migration under the project root, or only the given paths.
    Check {
        /// Files or folders to report on (the whole history is still replayed for context).
        paths: Vec<PathBuf>,
        /// Project root (default: the folder of the configuration file, else the nearest
        /// folder upwards holding `.git`, else the current folder).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output format (default: `github` when GITHUB_ACTIONS=true, else `human`).
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// List every migration with each change classified expand / contract / neutral /
        /// opaque.
        #[arg(short, long)]
        verbose: bool,
        /// Report only migrations added or modified since the merge base of REV and HEAD
        /// (plus uncommitted ones); the whole history is still replayed.
        #[arg(long, value_name = "REV")]
        changed_since: Option<String>,
        /// Configuration file (default: `rollsafe.toml`, or `pyproject.toml` with
        /// `[tool.rollsafe]`, found walking up from the current folder).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Override a rule's or group's severity: `RULE=error|warning|off` (repeatable).
        #[arg(long, value_name = "RULE=LEVEL")]
        severity: Vec<String>,
        /// Migrations at or before this id are history: replayed, never reported.
        #[arg(long, value_name = "ID")]
        baseline: Option<String>,
    },
    /// Is rolling the app back to TARGET schema-compatible with the database as it is now?
    /// TARGET is a git revision (tag, branch, sha, HEAD~3) or a migration id.
    Rollback {
        target: String,
        /// Compare with the migrations at this git revision instead of the working tree.
        #[arg(long, value_name = "REV")]
        from: Option<String>,
        /// The migration ids applied to the database, one per line (as exported from
        /// flyway_schema_history, schema_migrations, alembic_version or django_migrations).
        #[arg(long, value_name = "FILE")]
        applied: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: FormatArg,
        /// Also print the schema difference between TARGET and now as a unified diff.
        #[arg(long)]
        diff: bool,
    },
    /// Print the schema the migrations build.
    Schema {
        /// A git revision to read the migrations at (default: the working tree).
        #[arg(long, value_name = "REV")]
        at: Option<String>,
        /// Stop after this migration (an id as `rollback` takes them): the schema the database
        /// has once it is applied.
        #[arg(long, value_name = "MIGRATION")]
        upto: Option<String>,
        /// Only this history (as `check --format json` names them, e.g. `migrations/postgres`).
        #[arg(long, value_name = "HISTORY")]
        history: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: FormatArg,
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// List the rules.
    Rules,
    /// Write a generated migration history (for benchmarks).
    #[command(hide = true, name = "gen-corpus")]
    GenCorpus {
        #[arg(long, value_enum)]
        kind: CorpusKind,
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out: PathBuf,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule name, as `rollsafe rules` lists it.
        rule: String,
    },
}

fn main() -> ExitCode {
    // Parser bugs are contained per file (see `project::contained`) and reported as findings;
    // keep their traces out of the user's output.
    std::panic::set_hook(Box::new(|info| {
        if std::env::var_os("ROLLSAFE_DEBUG").is_some() {
            let _ = writeln!(std::io::stderr(), "internal error: {info}");
        } else if !rollsafe::project::in_contained_read() {
            let _ = writeln!(
                std::io::stderr(),
                "error: rollsafe hit an internal error; please report it (ROLLSAFE_DEBUG=1 shows \
                 details)"
            );
        }
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            paths,
            root,
            format,
            verbose,
            changed_since,
            config,
            severity,
            baseline,
        } => check(CheckArgs {
            paths,
            root,
            format,
            verbose,
            changed_since,
            config,
            severity,
            baseline,
        }),
        Command::GenCorpus {
            kind,
            count,
            seed,
            out,
        } => {
            let kind = match kind {
                CorpusKind::Sql => rollsafe::corpus::Kind::Sql,
                CorpusKind::Alembic => rollsafe::corpus::Kind::Alembic,
                CorpusKind::Django => rollsafe::corpus::Kind::Django,
            };
            rollsafe::corpus::generate(kind, count, seed, &out)
                .map(|()| (String::new(), EXIT_CLEAN))
                .map_err(|e| format!("{}: {e}", out.display()))
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "rollsafe", &mut buf);
            Ok((String::from_utf8_lossy(&buf).into_owned(), EXIT_CLEAN))
        }
        Command::Rollback {
            target,
            from,
            applied,
            format,
            diff,
        } => rollback(&target, from.as_deref(), applied.as_deref(), format, diff),
        Command::Schema {
            at,
            upto,
            history,
            format,
            root,
        } => schema(
            at.as_deref(),
            upto.as_deref(),
            history.as_deref(),
            format,
            root,
        ),
        Command::Rules => Ok(rules()),
        Command::Explain { rule } => explain(&rule),
    };
    match result {
        Ok((text, code)) => {
            print_out(&text);
            ExitCode::from(code)
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn print_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`rollsafe check | head`) is not an error worth a panic.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// The nearest folder upwards from `start` that holds `.git` or `rollsafe.toml`.
fn find_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir.join("rollsafe.toml").is_file() || dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

struct CheckArgs {
    paths: Vec<PathBuf>,
    root: Option<PathBuf>,
    format: Option<FormatArg>,
    verbose: bool,
    changed_since: Option<String>,
    config: Option<PathBuf>,
    severity: Vec<String>,
    baseline: Option<String>,
}

fn check(args: CheckArgs) -> Result<(String, u8), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let loaded = match &args.config {
        Some(path) => Some(config::load_explicit(&cwd.join(path))?),
        None => config::find(&cwd)?,
    };
    let cfg = loaded
        .as_ref()
        .map(|l| l.config.clone())
        .unwrap_or_default();
    let root = match args.root {
        Some(r) => {
            let r = if r.is_absolute() { r } else { cwd.join(r) };
            if !r.is_dir() {
                return Err(format!("--root {}: no such directory", r.display()));
            }
            r
        }
        None => match &loaded {
            Some(l) => l.root.clone(),
            None => find_root(&cwd),
        },
    };
    let root = root.canonicalize().unwrap_or(root);

    let mut settings = cfg.settings();
    for flag in &args.severity {
        config::apply_flag(&mut settings, flag)?;
    }

    // Paths are resolved against the current directory, then made relative to the root.
    let mut wanted: Vec<String> = Vec::new();
    for p in &args.paths {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        if !abs.exists() {
            return Err(format!(
                "{}: no such file or directory (pass existing migration files or folders)",
                p.display()
            ));
        }
        let abs = abs.canonicalize().unwrap_or(abs);
        if !abs.starts_with(&root) {
            return Err(format!(
                "{} is outside the project root {}; run rollsafe from inside the project or pass \
                 --root",
                p.display(),
                root.display()
            ));
        }
        wanted.push(rollsafe::discover::relative(&root, &abs));
    }

    // --changed-since: the files changed since the merge base, relative to the root.
    let changed: Option<Vec<String>> = match &args.changed_since {
        None => None,
        Some(rev) => {
            let repo = Repo::discover(&root).map_err(|e| format!("--changed-since {rev}: {e}"))?;
            if repo.resolve(rev).map_err(|e| e.to_string())?.is_none() {
                return Err(format!("--changed-since: {}", unknown_revision(&repo, rev)));
            }
            let base = repo
                .merge_base(rev)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--changed-since {rev}: no merge base with HEAD"))?;
            let repo_root = repo.root.canonicalize().unwrap_or(repo.root.clone());
            let files = repo.changed_since(&base).map_err(|e| e.to_string())?;
            Some(
                files
                    .into_iter()
                    .filter_map(|f| {
                        let abs = repo_root.join(&f);
                        abs.strip_prefix(&root)
                            .ok()
                            .map(|_| rollsafe::discover::relative(&root, &abs))
                    })
                    .collect(),
            )
        }
    };

    let opts = rollsafe::discover::Options {
        roots: cfg.roots.iter().map(|r| r.path.clone()).collect(),
        exclude: (!cfg.exclude.is_empty()).then(|| cfg.exclude_set()),
    };
    let project = Project::load_configured(&root, &opts, &cfg.sql_options());
    let history_only = baseline_mask(&project, &cfg, args.baseline.as_deref());
    let selected = |i: usize| {
        if history_only[i] {
            return false;
        }
        let path = &project.migrations[i].path;
        if let Some(changed) = &changed
            && !changed.iter().any(|c| c == path)
        {
            return false;
        }
        wanted.is_empty()
            || wanted
                .iter()
                .any(|w| w.is_empty() || path == w || path.starts_with(&format!("{w}/")))
    };
    let result = lint::lint(&project, &settings, selected);

    let format = args.format.unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            FormatArg::Github
        } else {
            FormatArg::Human
        }
    });
    let text = match format {
        FormatArg::Json => {
            let mut s = report::json::render_check(&project, &result);
            s.push('\n');
            s
        }
        FormatArg::Sarif => report::sarif::render(&project, &result),
        FormatArg::Github => report::github::render(&project, &result),
        FormatArg::Human => report::human::render_check(
            &project,
            &result,
            HumanOptions {
                color: use_color(),
                verbose: args.verbose,
            },
        ),
    };
    // Folders discovery could not enter: on stderr, which every format leaves free (JSON and
    // SARIF on stdout have no place for them).
    for (path, err) in &project.walk_errors {
        let path = if path.is_empty() { "." } else { path.as_str() };
        let _ = writeln!(
            std::io::stderr(),
            "warning: could not read {path}: {err}; migrations in it are not checked"
        );
    }
    let code = if result.count(Severity::Error) > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    Ok((text, code))
}

/// Migrations at or before a baseline id (per configured root, or global) are history only.
fn baseline_mask(project: &Project, cfg: &config::Config, flag: Option<&str>) -> Vec<bool> {
    let mut mask = vec![false; project.migrations.len()];
    for h in &project.histories {
        let first = h
            .order
            .first()
            .map(|&i| project.migrations[i].path.as_str());
        let per_root = cfg.roots.iter().find(|r| {
            first.is_some_and(|p| p.starts_with(&format!("{}/", r.path.trim_end_matches('/'))))
        });
        let baseline = flag
            .or(per_root.and_then(|r| r.baseline.as_deref()))
            .or(cfg.baseline.as_deref());
        let Some(id) = baseline else { continue };
        if let Some(pos) = h
            .order
            .iter()
            .position(|&i| rollsafe::rollback::id_matches(&project.migrations[i], id))
        {
            for &i in &h.order[..=pos] {
                mask[i] = true;
            }
        }
    }
    mask
}

/// Exit code of an `unknown` rollback verdict.
const EXIT_UNKNOWN: u8 = 3;

/// A revision that names no commit: say why, and what to do.
fn unknown_revision(repo: &Repo, rev: &str) -> String {
    let mut msg = format!("`{rev}` is neither a git revision nor a migration id in this project");
    if repo.is_shallow() {
        msg.push_str(
            "; this clone is shallow and may lack it: run `git fetch --unshallow --tags` first",
        );
    }
    let tags = repo.recent_tags(5);
    if !tags.is_empty() {
        msg.push_str(&format!("; recent tags: {}", tags.join(", ")));
    }
    msg
}

fn load_at(repo: &Repo, rev: &str) -> Result<(Project, String), String> {
    let sha = repo
        .resolve(rev)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| unknown_revision(repo, rev))?;
    let project = Project::load_at_revision(repo, &sha).map_err(|e| e.to_string())?;
    Ok((project, sha))
}

fn rollback(
    target: &str,
    from: Option<&str>,
    applied: Option<&Path>,
    format: FormatArg,
    diff: bool,
) -> Result<(String, u8), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let repo = Repo::discover(&cwd);
    let root = match &repo {
        Ok(r) => r.root.clone(),
        Err(_) => find_root(&cwd),
    };
    let (now_project, now_label) = match from {
        Some(rev) => {
            let repo = repo.as_ref().map_err(|e| e.to_string())?;
            let (p, sha) = load_at(repo, rev)?;
            (p, format!("{rev} ({})", &sha[..sha.len().min(12)]))
        }
        None => (Project::load(&root), "working tree".to_string()),
    };
    let mut now = Side::all(&now_project, now_label);
    let mut notes = Vec::new();
    if let Some(file) = applied {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--applied {}: {e}", file.display()))?;
        let (mask, unknown) = rollsafe::rollback::applied_from_list(&now_project, &text);
        if !unknown.is_empty() {
            notes.push(format!(
                "note: {} applied id(s) in {} match no migration file here: {}",
                unknown.len(),
                file.display(),
                unknown.join(", ")
            ));
        }
        now.applied = mask;
        now.label = format!("database per {}", file.display());
    }

    // A migration id of the now side, else a git revision.
    let matches = rollsafe::rollback::find_migrations(&now_project, target);
    let target_project;
    let (target_side, commit) = match matches.as_slice() {
        [one] => (
            rollsafe::rollback::side_up_to(&now, *one, target.to_string()),
            None,
        ),
        [_, _, ..] => {
            let names: Vec<&str> = matches
                .iter()
                .map(|&i| now_project.migrations[i].path.as_str())
                .collect();
            return Err(format!(
                "`{target}` names several migrations: {}; use a longer id",
                names.join(", ")
            ));
        }
        [] => {
            let repo = repo.as_ref().map_err(|e| {
                format!("`{target}` is not a migration id of this project, and {e}")
            })?;
            let (p, sha) = load_at(repo, target)?;
            target_project = p;
            (Side::all(&target_project, target.to_string()), Some(sha))
        }
    };

    let report = rollsafe::rollback::analyse(&target_side, &now);
    if !report.behind.is_empty() {
        let shown: Vec<&str> = report.behind.iter().take(10).map(String::as_str).collect();
        let more = report.behind.len().saturating_sub(shown.len());
        return Err(format!(
            "this is not a rollback: {target} has {} migration(s) that {} lacks: {}{}",
            report.behind.len(),
            now.label,
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    let labels = report::rollback::Labels {
        target,
        target_commit: commit.as_deref(),
        now: &now.label,
    };
    let rec = report::rollback::recommend(&report, &now_project, target);
    let mut text = match format {
        FormatArg::Json => {
            let mut s = report::rollback::render_json(&report, &now_project, &labels, &rec);
            s.push('\n');
            s
        }
        FormatArg::Human | FormatArg::Sarif | FormatArg::Github => {
            let mut s =
                report::rollback::render_human(&report, &now_project, &labels, &rec, use_color());
            for n in &notes {
                s.push_str(n);
                s.push('\n');
            }
            s
        }
    };
    if diff {
        text.push('\n');
        text.push_str(&report::schema::diff(&report.schemas, target, &now.label));
    }
    let code = match report.verdict {
        VerdictKind::Safe => EXIT_CLEAN,
        VerdictKind::Unsafe => EXIT_FINDINGS,
        VerdictKind::Unknown => EXIT_UNKNOWN,
    };
    Ok((text, code))
}

fn schema(
    at: Option<&str>,
    upto: Option<&str>,
    history: Option<&str>,
    format: FormatArg,
    root: Option<PathBuf>,
) -> Result<(String, u8), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let project = match at {
        Some(rev) => {
            let repo = Repo::discover(&cwd).map_err(|e| e.to_string())?;
            load_at(&repo, rev)?.0
        }
        None => match root {
            Some(r) if !cwd.join(&r).is_dir() => {
                return Err(format!("--root {}: no such directory", r.display()));
            }
            Some(r) => Project::load(&cwd.join(r)),
            None => Project::load(&find_root(&cwd)),
        },
    };
    let mut side = Side::all(&project, "schema");
    if let Some(id) = upto {
        side = side_through(side, id)?;
    }
    let mut schemas = rollsafe::rollback::schema_of(&side);
    if let Some(h) = history {
        if !schemas.contains_key(h) {
            let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
            return Err(format!(
                "no history named `{h}`; this project's histories are: {}",
                names.join(", ")
            ));
        }
        schemas.retain(|k, _| k == h);
    }
    let text = match format {
        FormatArg::Json => report::schema::render_json(&schemas) + "\n",
        FormatArg::Human | FormatArg::Sarif | FormatArg::Github => {
            report::schema::render_text(&schemas)
        }
    };
    Ok((text, EXIT_CLEAN))
}

/// `side` with only the migrations up to and including `id` applied, in each history that has
/// a migration of that id (a dialect-less SQL file belongs to every engine's history).
fn side_through<'a>(mut side: Side<'a>, id: &str) -> Result<Side<'a>, String> {
    let project = side.project;
    let matches = rollsafe::rollback::find_migrations(project, id);
    if matches.is_empty() {
        return Err(format!(
            "`{id}` is not a migration id of this project; `rollsafe check --verbose` lists them"
        ));
    }
    for h in &project.histories {
        let in_history: Vec<usize> = matches
            .iter()
            .copied()
            .filter(|i| h.order.contains(i))
            .collect();
        if let [_, _, ..] = in_history.as_slice() {
            let names: Vec<&str> = in_history
                .iter()
                .map(|&i| project.migrations[i].path.as_str())
                .collect();
            return Err(format!(
                "`{id}` names several migrations: {}; use a longer id",
                names.join(", ")
            ));
        }
    }
    for &i in &matches {
        side = rollsafe::rollback::side_up_to(&side, i, side.label.clone());
    }
    Ok(side)
}

fn rules() -> (String, u8) {
    let mut out = String::new();
    let width = Rule::ALL.iter().map(|r| r.name().len()).max().unwrap_or(0);
    for rule in Rule::ALL {
        let m = rule.meta();
        out.push_str(&format!(
            "{:<width$}  {:<8} {:<7}  {}\n",
            m.name,
            m.group.to_string(),
            m.severity.to_string(),
            m.summary,
            width = width
        ));
    }
    (out, EXIT_CLEAN)
}

fn explain(name: &str) -> Result<(String, u8), String> {
    match Rule::from_name(name) {
        Some(rule) => Ok((rule.meta().doc.to_string(), EXIT_CLEAN)),
        None => {
            let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
            Err(format!(
                "no rule named `{name}`; the rules are: {}",
                names.join(", ")
            ))
        }
    }
}
