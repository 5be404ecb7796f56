//! `rollsafe check`: lint the migrations of a project, or of the paths and changes asked for.

mod gate;

use crate::config::{self, ApproversConfig, Config, Loaded};
use crate::discover;
use crate::lint::{self, LintResult, Settings};
use crate::project::Project;
use crate::rules::Severity;
use crate::signoff::{Approvers, Mode, Policy, codeowners, github};
use std::path::{Path, PathBuf};

/// What the user asked `check` for.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// The folder the command runs in: paths and `--config` are relative to it.
    pub cwd: PathBuf,
    /// Files or folders to report on (the whole history is still replayed).
    pub paths: Vec<PathBuf>,
    pub root: Option<PathBuf>,
    /// Report only migrations changed since the merge base of this revision and HEAD.
    pub changed_since: Option<String>,
    pub config: Option<PathBuf>,
    /// `RULE=LEVEL` flags, applied over the configuration.
    pub severity: Vec<String>,
    pub baseline: Option<String>,
    /// Apply `.gitignore`, `exclude` and the test-data folders to named paths too (as a
    /// pre-commit hook wants); otherwise a named migration is always read.
    pub force_exclude: bool,
}

/// What `check` found.
#[derive(Debug)]
pub struct CheckOutcome {
    pub project: Project,
    pub result: LintResult,
}

impl CheckOutcome {
    /// Whether a finding at error severity remains (not waived).
    pub fn has_errors(&self) -> bool {
        self.result.count(Severity::Error) > 0
    }
}

/// Runs `check`.
pub fn run(req: &CheckRequest) -> Result<CheckOutcome, String> {
    let loaded = load_config(req)?;
    let cfg = loaded
        .as_ref()
        .map(|l| l.config.clone())
        .unwrap_or_default();
    let root = resolve_root(req, loaded.as_ref())?;
    let settings = settings(&cfg, &req.severity)?;
    let wanted = named_paths(req, &root)?;
    let opts = discover::Options {
        roots: cfg.roots.iter().map(|r| r.path.clone()).collect(),
        exclude: (!cfg.exclude.is_empty()).then(|| cfg.exclude_set()),
        named: if req.force_exclude {
            Vec::new()
        } else {
            wanted.iter().map(|w| root.join(w)).collect()
        },
    };
    let sql = cfg.sql_options_at(&root)?;
    let mut project = Project::load_configured(&root, &opts, &sql);
    if project.migrations.is_empty() && req.paths.is_empty() {
        return Err(nothing_found(&root, &cfg, &project));
    }
    let gate = match &req.changed_since {
        Some(rev) => Some(gate::against_base(rev, &root, &project, &opts, &cfg)?),
        None => None,
    };
    let history_only = baseline_mask(&project, &cfg, req.baseline.as_deref());
    let selected = |i: usize| {
        if history_only[i] {
            return false;
        }
        if let Some(g) = &gate
            && !g.reported.contains(&i)
        {
            return false;
        }
        let path = &project.migrations[i].path;
        wanted.is_empty()
            || wanted
                .iter()
                .any(|w| w.is_empty() || path == w || path.starts_with(&format!("{w}/")))
    };
    let mut settings = settings;
    let needs_signoff = (0..project.migrations.len()).any(|i| {
        selected(i)
            && project.migrations[i]
                .overrides
                .iter()
                .any(|o| o.reason.is_some())
    });
    let (policy, note) = signoff_policy(&cfg, &root, needs_signoff);
    settings.signoff = policy;
    let against = gate.as_ref().map(|g| lint::Against {
        migrations: &g.ahead,
        breakages: &g.breakages,
    });
    let mut result = lint::lint_against(&project, &settings, selected, against.as_ref());
    if let Some(g) = gate {
        for (removed, diagnostics) in g.removals {
            lint::add_removed(&mut project, &mut result, &settings, &removed, diagnostics);
        }
    }
    result.notes.extend(note);
    Ok(CheckOutcome { project, result })
}

/// The signoff policy `[overrides]` configures, read for this run: the approvers (CODEOWNERS
/// read from the repository holding `root`) and, with `signoff = "github"` and overrides to
/// judge, the pull request's reviews. When those cannot be read, the note says why and that
/// signoffs are judged as declared instead.
fn signoff_policy(cfg: &Config, root: &Path, needed: bool) -> (Policy, Option<String>) {
    let o = &cfg.overrides;
    if o.signoff == Mode::Off {
        return (Policy::off(), None);
    }
    let approvers = match &o.approvers {
        Some(ApproversConfig::Handles(list)) => Approvers::Listed(list.clone()),
        Some(ApproversConfig::CodeOwners) | None => {
            let repo_root = repository_root(root);
            let prefix = match discover::relative(&repo_root, root) {
                p if p.is_empty() => p,
                p => format!("{p}/"),
            };
            let file = codeowners::find(&repo_root).and_then(|found| {
                found.ok_or_else(|| {
                    format!(
                        "there is no {} in {}",
                        codeowners::LOCATIONS.join(", "),
                        repo_root.display()
                    )
                })
            });
            Approvers::CodeOwners { prefix, file }
        }
    };
    let mut policy = Policy {
        mode: o.signoff,
        approvers,
        reviews: None,
    };
    let mut note = None;
    if o.signoff == Mode::Github && needed {
        match github::fetch_reviews(&github::Env::from_process()) {
            Ok(reviews) => policy.reviews = Some(reviews),
            Err(why) => {
                note = Some(format!(
                    "signoff = \"github\" cannot verify approvals: {why}; signoffs are judged \
                     as signoff = \"declared\" (approved-by must name an approver, whose \
                     approval of the pull request is not checked)"
                ))
            }
        }
    }
    (policy, note)
}

/// The work tree holding `root` (the nearest folder upwards with `.git`), where GitHub reads
/// CODEOWNERS; `root` itself outside git.
fn repository_root(root: &Path) -> PathBuf {
    root.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(root)
        .to_path_buf()
}

fn load_config(req: &CheckRequest) -> Result<Option<Loaded>, String> {
    match &req.config {
        Some(path) => Ok(Some(config::load_explicit(&req.cwd.join(path))?)),
        None => config::find(&req.cwd),
    }
}

/// `--root`, else the configuration file's folder, else the nearest `.git` upwards.
fn resolve_root(req: &CheckRequest, loaded: Option<&Loaded>) -> Result<PathBuf, String> {
    let root = match &req.root {
        Some(r) => {
            let r = if r.is_absolute() {
                r.clone()
            } else {
                req.cwd.join(r)
            };
            if !r.is_dir() {
                return Err(format!("--root {}: no such directory", r.display()));
            }
            r
        }
        None => match loaded {
            Some(l) => l.root.clone(),
            None => super::find_root(&req.cwd),
        },
    };
    Ok(root.canonicalize().unwrap_or(root))
}

/// The named paths, relative to the root (resolved against the current folder first).
fn named_paths(req: &CheckRequest, root: &Path) -> Result<Vec<String>, String> {
    let mut wanted = Vec::new();
    for p in &req.paths {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            req.cwd.join(p)
        };
        if !abs.exists() {
            return Err(format!(
                "{}: no such file or directory (pass existing migration files or folders)",
                p.display()
            ));
        }
        let abs = abs.canonicalize().unwrap_or(abs);
        if !abs.starts_with(root) {
            return Err(format!(
                "{} is outside the project root {}; run rollsafe from inside the project or pass \
                 --root",
                p.display(),
                root.display()
            ));
        }
        wanted.push(discover::relative(root, &abs));
    }
    Ok(wanted)
}

/// Migrations at or before a baseline id (per configured root, or global) are history only.
fn baseline_mask(project: &Project, cfg: &Config, flag: Option<&str>) -> Vec<bool> {
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
        // The last match: the files of one version folder share its id.
        if let Some(pos) = h
            .order
            .iter()
            .rposition(|&i| crate::rollback::id_matches(&project.migrations[i], id))
        {
            for &i in &h.order[..=pos] {
                mask[i] = true;
            }
        }
    }
    mask
}

/// The configured severities, then the `--severity` flags over them.
fn settings(cfg: &Config, flags: &[String]) -> Result<Settings, String> {
    let mut settings = cfg.settings();
    for flag in flags {
        config::apply_flag(&mut settings, flag)?;
    }
    Ok(settings)
}

/// What a run that found no migration at all says: where it looked, what it set aside, and
/// how to point it at the migrations.
pub(crate) fn nothing_found(root: &Path, cfg: &Config, project: &Project) -> String {
    let mut msg = format!("no migrations found under {}", root.display());
    if !cfg.roots.is_empty() {
        let roots: Vec<&str> = cfg.roots.iter().map(|r| r.path.as_str()).collect();
        msg.push_str(&format!(
            " (searched the configured roots: {})",
            roots.join(", ")
        ));
    }
    if !cfg.exclude.is_empty() {
        msg.push_str(&format!("; excluded: {}", cfg.exclude.join(", ")));
    }
    for line in crate::report::skipped_lines(&project.skipped) {
        msg.push_str(&format!("; {line}"));
    }
    for (path, err) in &project.walk_errors {
        let path = if path.is_empty() { "." } else { path.as_str() };
        msg.push_str(&format!("; could not read {path}: {err}"));
    }
    msg.push_str(
        ". Point rollsafe at the migrations with `--root DIR`, or name their folders in \
         rollsafe.toml: [[roots]] path = \"db/migrations\" (SQL files are recognised by the \
         layouts the README lists; Alembic by alembic.ini, Django by */migrations/*.py)",
    );
    msg
}
