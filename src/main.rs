//! The `rollsafe` command line: arguments, rendering and exit codes. What each command does
//! lives in the library's [`rollsafe::app`].

use clap::{Parser, Subcommand, ValueEnum};
use rollsafe::app::check::{CheckOutcome, CheckRequest};
use rollsafe::app::deploy::K8sTarget;
use rollsafe::app::rollback::{RollbackOutcome, RollbackRequest};
use rollsafe::app::schema::SchemaRequest;
use rollsafe::report::{self, HumanOptions};
use rollsafe::rollback::VerdictKind;
use rollsafe::rules::Rule;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, as documented in the README.
const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;
/// Exit code of an `unknown` rollback verdict.
const EXIT_UNKNOWN: u8 = 3;

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
        /// The pull-request gate: judge the migrations added since the merge base of REV and
        /// HEAD (committed or not) against the schema at that base, which the previous app
        /// version uses; edited ones are checked too, and one the base has and the change
        /// removes is a `removed-migration` error.
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
        /// Apply `.gitignore`, `exclude` and the test-data folders to the named paths too (a
        /// named migration is otherwise always checked); for pre-commit hooks.
        #[arg(long)]
        force_exclude: bool,
    },
    /// Is rolling the app back to TARGET schema-compatible with the database as it is now?
    /// TARGET is a git revision (tag, branch, sha, HEAD~3) or a migration id; or name what was
    /// deployed: `--image REF` or `--k8s deployment/NAME`.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["target", "image", "image_config", "k8s"])))]
    Rollback {
        target: Option<String>,
        /// Roll back to the image REF (a tag or digest): the git revision its
        /// `org.opencontainers.image.revision` label names, read with `docker image inspect`,
        /// else `skopeo inspect`, else `crane config`.
        #[arg(long, value_name = "REF", conflicts_with_all = ["target", "k8s"])]
        image: Option<String>,
        /// The image's configuration as JSON (what `docker image inspect`, `skopeo inspect` or
        /// `crane config` prints), instead of running a tool.
        #[arg(long, value_name = "FILE", conflicts_with = "target")]
        image_config: Option<PathBuf>,
        /// Roll back a Kubernetes deployment as `kubectl rollout undo` would: the image of its
        /// previous rollout revision (or --to-revision), read with `kubectl get replicasets`.
        #[arg(long, value_name = "deployment/NAME", conflicts_with = "target")]
        k8s: Option<String>,
        /// With --k8s: the namespace.
        #[arg(long, short = 'n', value_name = "NS")]
        namespace: Option<String>,
        /// With --k8s: the kubeconfig context.
        #[arg(long, value_name = "CONTEXT")]
        context: Option<String>,
        /// With --k8s: the container whose image counts (default: the first).
        #[arg(long, value_name = "NAME")]
        container: Option<String>,
        /// With --k8s: the rollout revision to go back to (as `kubectl rollout undo
        /// --to-revision N`; default: the previous one).
        #[arg(long, value_name = "N")]
        to_revision: Option<u64>,
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
        /// Configuration file (default: `rollsafe.toml`, or `pyproject.toml` with
        /// `[tool.rollsafe]`, found walking up from the current folder).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Override a rule's or group's severity: `RULE=error|warning|off` (repeatable).
        #[arg(long, value_name = "RULE=LEVEL")]
        severity: Vec<String>,
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
    match run(cli.command) {
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

/// Runs one command: the text for stdout and the exit code, or an error message.
fn run(command: Command) -> Result<(String, u8), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    match command {
        Command::Check {
            paths,
            root,
            format,
            verbose,
            changed_since,
            config,
            severity,
            baseline,
            force_exclude,
        } => {
            let request = CheckRequest {
                cwd,
                paths,
                root,
                changed_since,
                config,
                severity,
                baseline,
                force_exclude,
            };
            let outcome = rollsafe::app::check::run(&request)?;
            let format = format.unwrap_or_else(default_check_format);
            warn_walk_errors(&outcome);
            // The GitHub format turns notes into annotations; elsewhere they go to stderr.
            if format != FormatArg::Github {
                warn_notes(&outcome);
            }
            let code = if outcome.has_errors() {
                EXIT_FINDINGS
            } else {
                EXIT_CLEAN
            };
            Ok((render_check(&outcome, format, verbose), code))
        }
        Command::Rollback {
            target,
            image,
            image_config,
            k8s,
            namespace,
            context,
            container,
            to_revision,
            from,
            applied,
            format,
            diff,
            config,
            severity,
        } => {
            let k8s_only = [
                ("--namespace", namespace.is_some()),
                ("--context", context.is_some()),
                ("--container", container.is_some()),
                ("--to-revision", to_revision.is_some()),
            ];
            if k8s.is_none()
                && let Some((flag, _)) = k8s_only.iter().find(|(_, given)| *given)
            {
                return Err(format!("{flag} goes with --k8s deployment/NAME"));
            }
            let request = RollbackRequest {
                cwd,
                target,
                image,
                image_config,
                k8s: k8s.map(|deployment| K8sTarget {
                    deployment,
                    namespace,
                    context,
                    container,
                    to_revision,
                }),
                from,
                applied,
                config,
                severity,
            };
            let outcome = rollsafe::app::rollback::run(&request)?;
            let code = match outcome.report.verdict {
                VerdictKind::Safe => EXIT_CLEAN,
                VerdictKind::Unsafe => EXIT_FINDINGS,
                VerdictKind::Unknown => EXIT_UNKNOWN,
            };
            Ok((render_rollback(&outcome, format, diff), code))
        }
        Command::Schema {
            at,
            upto,
            history,
            format,
            root,
        } => {
            let request = SchemaRequest {
                cwd,
                at,
                upto,
                history,
                root,
            };
            let schemas = rollsafe::app::schema::run(&request)?;
            let text = match format {
                FormatArg::Json => report::schema::render_json(&schemas) + "\n",
                FormatArg::Human | FormatArg::Sarif | FormatArg::Github => {
                    report::schema::render_text(&schemas)
                }
            };
            Ok((text, EXIT_CLEAN))
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "rollsafe", &mut buf);
            Ok((String::from_utf8_lossy(&buf).into_owned(), EXIT_CLEAN))
        }
        Command::Rules => Ok((rules(), EXIT_CLEAN)),
        Command::Explain { rule } => explain(&rule),
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

/// `check`'s format when none is asked for: `github` on GitHub Actions, else `human`.
fn default_check_format() -> FormatArg {
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        FormatArg::Github
    } else {
        FormatArg::Human
    }
}

fn render_check(outcome: &CheckOutcome, format: FormatArg, verbose: bool) -> String {
    let (project, result) = (&outcome.project, &outcome.result);
    match format {
        FormatArg::Json => report::json::render_check(project, result) + "\n",
        FormatArg::Sarif => report::sarif::render(project, result),
        FormatArg::Github => report::github::render(project, result),
        FormatArg::Human => report::human::render_check(
            project,
            result,
            HumanOptions {
                color: use_color(),
                verbose,
            },
        ),
    }
}

/// Folders discovery could not enter: on stderr, which every format leaves free (JSON and
/// SARIF on stdout have no place for them).
fn warn_walk_errors(outcome: &CheckOutcome) {
    for (path, err) in &outcome.project.walk_errors {
        let path = if path.is_empty() { "." } else { path.as_str() };
        let _ = writeln!(
            std::io::stderr(),
            "warning: could not read {path}: {err}; migrations in it are not checked"
        );
    }
}

/// What the run could not do as configured (a signoff it could not verify), once, on stderr.
fn warn_notes(outcome: &CheckOutcome) {
    for note in &outcome.result.notes {
        let _ = writeln!(std::io::stderr(), "warning: {note}");
    }
}

fn render_rollback(outcome: &RollbackOutcome, format: FormatArg, diff: bool) -> String {
    let (report, project) = (&outcome.report, &outcome.now_project);
    let labels = report::rollback::Labels {
        target: &outcome.target,
        target_commit: outcome.target_commit.as_deref(),
        now: &outcome.now_label,
        deploy: outcome.deploy.as_ref(),
        trust_code_search: outcome.trust_code_search,
    };
    let rec = report::rollback::recommend(report, project, &outcome.target);
    let mut text = match format {
        FormatArg::Json => report::rollback::render_json(report, project, &labels, &rec) + "\n",
        FormatArg::Human | FormatArg::Sarif | FormatArg::Github => {
            let mut s = report::rollback::render_human(report, project, &labels, &rec, use_color());
            for n in &outcome.notes {
                s.push_str(n);
                s.push('\n');
            }
            s
        }
    };
    if diff {
        text.push('\n');
        text.push_str(&report::schema::diff(
            &report.schemas,
            &outcome.target,
            &outcome.now_label,
        ));
    }
    text
}

fn rules() -> String {
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
    out
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
