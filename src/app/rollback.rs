//! `rollsafe rollback TARGET`: is the code at TARGET schema-compatible with the database now?
//! TARGET is a git revision, a migration id, an image (`--image`) or a Kubernetes rollout
//! revision (`--k8s`).

use super::deploy::{self, DeployIdentity, K8sTarget};
use crate::config::{self, Config};
use crate::discover;
use crate::git::Repo;
use crate::project::{Project, RevisionScope};
use crate::rollback::{self, Removed, Report, Side};
use std::path::{Path, PathBuf};

/// What the user asked `rollback` for.
#[derive(Debug, Clone, Default)]
pub struct RollbackRequest {
    pub cwd: PathBuf,
    /// A git revision or a migration id.
    pub target: Option<String>,
    /// An image whose `org.opencontainers.image.revision` label names the target revision.
    pub image: Option<String>,
    /// The image's configuration as JSON (`docker image inspect`, `skopeo inspect`,
    /// `crane config`), instead of asking a tool.
    pub image_config: Option<PathBuf>,
    /// A deployment's rollout revision whose image names the target.
    pub k8s: Option<K8sTarget>,
    /// Compare with the migrations at this revision instead of the working tree.
    pub from: Option<String>,
    /// An export of the migration ids applied to the database.
    pub applied: Option<PathBuf>,
    pub config: Option<PathBuf>,
    /// `RULE=LEVEL` flags, applied over the configuration.
    pub severity: Vec<String>,
}

/// The verdict and what it rests on.
#[derive(Debug)]
pub struct RollbackOutcome {
    /// The project "now" (the report's migration indices point into it).
    pub now_project: Project,
    pub report: Report,
    /// How the user named the target.
    pub target: String,
    /// The commit the target resolved to, when it is a git revision.
    pub target_commit: Option<String>,
    /// The image (and rollout revision) the target came from.
    pub deploy: Option<DeployIdentity>,
    /// What "now" is (`working tree`, `v2 (abc123)`, `database per prod.txt`).
    pub now_label: String,
    /// Whether breakages of objects the code at the target never names are discounted.
    pub trust_code_search: bool,
    /// Remarks for the user (applied ids that match no file).
    pub notes: Vec<String>,
}

/// The configuration, the project root, and the scope revisions are read in.
struct Setting {
    cfg: Config,
    root: PathBuf,
    repo: Result<Repo, crate::git::GitError>,
    scope: RevisionScope,
}

fn setting(req: &RollbackRequest) -> Result<Setting, String> {
    let loaded = match &req.config {
        Some(path) => Some(config::load_explicit(&req.cwd.join(path))?),
        None => config::find(&req.cwd)?,
    };
    let repo = Repo::discover(&req.cwd);
    let root = match (&loaded, &repo) {
        (Some(l), _) => l.root.clone(),
        (None, Ok(r)) => r.root.clone(),
        (None, Err(_)) => super::find_root(&req.cwd),
    };
    let root = root.canonicalize().unwrap_or(root);
    let cfg = loaded.map(|l| l.config).unwrap_or_default();
    let discover = discover::Options {
        roots: cfg.roots.iter().map(|r| r.path.clone()).collect(),
        exclude: (!cfg.exclude.is_empty()).then(|| cfg.exclude_set()),
        named: Vec::new(),
    };
    let under = match &repo {
        Ok(r) => discover::relative(&r.root.canonicalize().unwrap_or(r.root.clone()), &root),
        Err(_) => String::new(),
    };
    let scope = RevisionScope {
        under,
        discover,
        sql: cfg.sql_options_at(&root)?,
    };
    Ok(Setting {
        cfg,
        root,
        repo,
        scope,
    })
}

/// Runs `rollback`.
pub fn run(req: &RollbackRequest) -> Result<RollbackOutcome, String> {
    let st = setting(req)?;
    let mut settings = st.cfg.settings();
    for flag in &req.severity {
        config::apply_flag(&mut settings, flag)?;
    }
    let deploy = deploy_identity(req)?;
    let (now_project, now_commit, mut now_label) = match &req.from {
        Some(rev) => {
            let repo = st.repo.as_ref().map_err(|e| e.to_string())?;
            let (p, sha) = load_at(repo, rev, &st.scope)?;
            let label = format!("{rev} ({})", &sha[..sha.len().min(12)]);
            (p, Some(sha), label)
        }
        None => {
            let p = Project::load_configured(&st.root, &st.scope.discover, &st.scope.sql);
            let head = st
                .repo
                .as_ref()
                .ok()
                .and_then(|r| r.resolve("HEAD").ok().flatten());
            (p, head, "working tree".to_string())
        }
    };
    // Nothing to compare is no verdict: a "safe" here would be a gate that read nothing.
    if now_project.migrations.is_empty() {
        return Err(super::check::nothing_found(&st.root, &st.cfg, &now_project));
    }
    let mut notes = Vec::new();
    let mut now = Side::all(&now_project, now_label.clone());
    let mut unknown_applied = Vec::new();
    if let Some(file) = &req.applied {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--applied {}: {e}", file.display()))?;
        let (mask, unknown) = rollback::applied_from_list(&now_project, &text);
        if !unknown.is_empty() {
            notes.push(format!(
                "note: {} applied id(s) in {} match no migration file here: {}",
                unknown.len(),
                file.display(),
                unknown.join(", ")
            ));
        }
        now.applied = mask;
        unknown_applied = unknown;
        now_label = format!("database per {}", file.display());
        now.label = now_label.clone();
    }

    let target = match (&deploy, &req.target) {
        (Some(d), _) => d.revision.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => return Err("give a TARGET, --image REF or --k8s deployment/NAME".into()),
    };
    let shown = match (&deploy, &req.k8s) {
        (Some(d), Some(k)) => match &d.kubernetes {
            Some(r) => format!("{} revision {}", k.deployment, r.revision),
            None => k.deployment.clone(),
        },
        (Some(d), None) => short_image(&d.image),
        (None, _) => target.clone(),
    };
    // A migration id of the now side (not for deploy identities), else a git revision.
    let matches = if deploy.is_some() {
        Vec::new()
    } else {
        rollback::find_migrations(&now_project, &target)
    };
    let target_project;
    let (target_side, target_commit) = match matches.as_slice() {
        [one] => (rollback::side_up_to(&now, *one, shown.clone()), None),
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
            let repo = st.repo.as_ref().map_err(|e| {
                format!("`{target}` is not a migration id of this project, and {e}")
            })?;
            let (p, sha) = load_at(repo, &target, &st.scope).map_err(|e| match &deploy {
                Some(d) => format!(
                    "{} names revision {} ({}), but: {e}",
                    d.image, d.revision, d.label
                ),
                None => e,
            })?;
            target_project = p;
            (Side::all(&target_project, shown.clone()), Some(sha))
        }
    };

    let mut report = rollback::analyse(&target_side, &now);
    refuse_non_rollback(
        &report,
        &RefusalContext {
            target: &shown,
            target_commit: target_commit.as_deref(),
            now_commit: now_commit.as_deref(),
            now: &now.label,
            repo: st.repo.as_ref().ok(),
            scope: &st.scope,
            target_project: target_side.project,
            unknown_applied: &unknown_applied,
        },
    )?;
    if let (Some(sha), Ok(repo)) = (&target_commit, &st.repo) {
        let excludes = migration_folders(target_side.project, &st.scope.under);
        let search = |names: &[String]| {
            let g = repo.grep_words(sha, names, &excludes).ok()?;
            Some(
                names
                    .iter()
                    .map(|n| rollback::evidence::Found {
                        named: g.found.contains(&n.to_lowercase()),
                        unreadable: g.unreadable,
                    })
                    .collect(),
            )
        };
        rollback::evidence::gather(&mut report, &now_project, &search);
    }
    let trust = st.cfg.rollback.trust_code_search;
    rollback::judge(&mut report, &settings, trust);
    drop(now);
    drop(target_side);
    Ok(RollbackOutcome {
        now_project,
        report,
        target: shown,
        target_commit,
        deploy,
        now_label,
        trust_code_search: trust,
        notes,
    })
}

/// `--image`, `--image-config` or `--k8s`, resolved to the git revision the image names.
fn deploy_identity(req: &RollbackRequest) -> Result<Option<DeployIdentity>, String> {
    if let Some(k) = &req.k8s {
        let (image, rollout) = deploy::k8s_image(k)?;
        let mut id = deploy::image_revision(Some(&image), req.image_config.as_deref())?;
        id.kubernetes = Some(rollout);
        return Ok(Some(id));
    }
    if req.image.is_some() || req.image_config.is_some() {
        return deploy::image_revision(req.image.as_deref(), req.image_config.as_deref()).map(Some);
    }
    Ok(None)
}

/// The project at git revision `rev` within `scope`, and the commit it resolved to.
fn load_at(repo: &Repo, rev: &str, scope: &RevisionScope) -> Result<(Project, String), String> {
    let sha = repo
        .resolve(rev)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| super::unknown_revision(repo, rev))?;
    let project = Project::load_at_revision_in(repo, &sha, scope).map_err(|e| e.to_string())?;
    Ok((project, sha))
}

/// The folders holding the target's migrations (or the files, for migrations at the root),
/// relative to the repository root: the code search leaves them out.
fn migration_folders(project: &Project, under: &str) -> Vec<String> {
    let mut out: Vec<String> = project
        .migrations
        .iter()
        .map(|m| match m.path.rsplit_once('/') {
            Some((dir, _)) => dir.to_string(),
            None => m.path.clone(),
        })
        .map(|p| {
            if under.is_empty() {
                p
            } else {
                format!("{under}/{p}")
            }
        })
        .collect();
    out.sort();
    out.dedup();
    // A folder inside another excluded one adds nothing.
    let all = out.clone();
    out.retain(|p| {
        !all.iter()
            .any(|q| q != p && Path::new(p).starts_with(Path::new(q)))
    });
    out
}

struct RefusalContext<'a> {
    target: &'a str,
    target_commit: Option<&'a str>,
    now_commit: Option<&'a str>,
    now: &'a str,
    repo: Option<&'a Repo>,
    scope: &'a RevisionScope,
    target_project: &'a Project,
    /// Ids the `--applied` list names that match no file now.
    unknown_applied: &'a [String],
}

/// A target whose migrations the database lacks is not a rollback: refuse, saying which and
/// what to run instead. Migrations the target has and now lacks were applied already when
/// the history of now once had them: the target is an ancestor of now, or the migration is in
/// their merge base (a release branch that kept a migration main later deleted); or the
/// `--applied` list names them.
fn refuse_non_rollback(report: &Report, cx: &RefusalContext) -> Result<(), String> {
    if !report.behind.is_empty() {
        return Err(format!(
            "this is not a rollback: {} has {} migration(s) that {} has not applied: {}; \
             deploying {} would apply them (a deploy, not a rollback)",
            cx.target,
            report.behind.len(),
            cx.now,
            listed(&report.behind),
            cx.target
        ));
    }
    let (Some(target), Some(repo)) = (cx.target_commit, cx.repo) else {
        return Ok(());
    };
    let ancestor = match cx.now_commit {
        Some(now) => repo.is_ancestor(target, now).map_err(|e| e.to_string())?,
        None => false,
    };
    let missing: Vec<&Removed> = report
        .removed
        .iter()
        .filter(|r| r.replaced_by.is_none())
        .filter(|r| {
            !cx.unknown_applied
                .iter()
                .any(|u| u.split_whitespace().next() == Some(r.id.as_str()))
        })
        .collect();
    if ancestor || missing.is_empty() {
        return Ok(());
    }
    let base = cx
        .now_commit
        .and_then(|now| repo.merge_base_of(target, now).ok().flatten());
    let in_base = match &base {
        Some(b) => in_merge_base(repo, b, cx, &missing)?,
        None => vec![false; missing.len()],
    };
    let missing: Vec<String> = missing
        .iter()
        .zip(in_base)
        .filter(|(_, known)| !known)
        .map(|(r, _)| r.path.clone())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "this is not a rollback: {} is not an ancestor of {} and has {} migration(s) that {} \
         lacks: {}. Databases deployed from {} never applied them, and deploying {} would \
         (a deploy, not a rollback).",
        cx.target,
        cx.now,
        missing.len(),
        cx.now,
        listed(&missing),
        cx.now,
        cx.target
    );
    if let Some(b) = base {
        msg.push_str(&format!(
            " To check the code both share, run `rollsafe rollback {}` (their merge base);",
            &b[..b.len().min(12)]
        ));
    }
    msg.push_str(
        " if the database did apply them, describe it with `--applied FILE` (the ids it has)",
    );
    Err(msg)
}

/// Per removed target migration, whether the merge base `base` of the target and now has it.
fn in_merge_base(
    repo: &Repo,
    base: &str,
    cx: &RefusalContext,
    removed: &[&Removed],
) -> Result<Vec<bool>, String> {
    let base_project =
        Project::load_at_revision_in(repo, base, cx.scope).map_err(|e| e.to_string())?;
    let matching = rollback::identity::match_sides(cx.target_project, &base_project);
    Ok(removed
        .iter()
        .map(|r| matching.target_to_now[r.index].is_some() || matching.covered[r.index])
        .collect())
}

fn listed(paths: &[String]) -> String {
    let shown: Vec<&str> = paths.iter().take(10).map(String::as_str).collect();
    let more = paths.len().saturating_sub(shown.len());
    format!(
        "{}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// An image reference short enough to repeat in a report: its last path part, a digest cut to
/// 12 hex digits (`registry/org/api@sha256:0123…` is `api@sha256:0123456789ab`).
fn short_image(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once("@sha256:") {
        Some((name, digest)) => format!("{name}@sha256:{}", &digest[..digest.len().min(12)]),
        None => last.to_string(),
    }
}
