//! Rendering a rollback verdict, and the runbook recommendation that goes with it.

mod human;
mod json;

pub use human::render_human;
pub use json::render_json;

use crate::app::deploy::DeployIdentity;
use crate::model::{Downgrade, Migration};
use crate::project::Project;
use crate::rollback::{Report, VerdictKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// What to do, following the runbooks teams use.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub summary: String,
    pub steps: Vec<String>,
    /// Exact commands, per migration tool, to downgrade to the target's schema.
    pub commands: Vec<String>,
    pub warnings: Vec<String>,
}

/// How a migration is run, told from its file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    GolangMigrate,
    Flyway,
    Dbmate,
    Diesel,
    Prisma,
    PlainSql,
}

fn tool_of(m: &Migration) -> Tool {
    let name = m.name.as_str();
    if name.ends_with(".up.sql") {
        Tool::GolangMigrate
    } else if m.source.contains("-- migrate:up") {
        Tool::Dbmate
    } else if name == "up.sql" {
        Tool::Diesel
    } else if name == "migration.sql" {
        Tool::Prisma
    } else if name.starts_with('V') && name.contains("__") {
        Tool::Flyway
    } else {
        Tool::PlainSql
    }
}

pub fn recommend(report: &Report, now: &Project, target_label: &str) -> Recommendation {
    let mut rec = Recommendation {
        summary: String::new(),
        steps: Vec::new(),
        commands: Vec::new(),
        warnings: Vec::new(),
    };
    match report.verdict {
        VerdictKind::Safe => {
            rec.summary = format!(
                "roll back the app only: the code at {target_label} works with the schema as it is \
                 now; leave the schema alone"
            );
            if !report.ahead.is_empty() {
                rec.steps.push(
                    "keep the migrations ahead applied; the target's code ignores what they added"
                        .to_string(),
                );
            }
            let warnings = report.warnings().count();
            if warnings > 0 {
                rec.steps.push(format!(
                    "the {warnings} warning(s) above fail only writes of rows the new constraints \
                     reject: after rolling back, watch the app's errors for constraint violations"
                ));
            }
        }
        VerdictKind::Unknown => {
            rec.summary = format!(
                "a human must check the changes rollsafe cannot read before rolling back to \
                 {target_label}"
            );
            if !report.unread.is_empty() {
                rec.steps.push(
                    "make the folders listed above readable and run rollsafe again: migrations \
                     in them are not counted"
                        .to_string(),
                );
            }
            if !report.opaque.is_empty() {
                rec.steps.push(
                    "review each opaque change listed above: does it drop, rename or tighten \
                     anything the code at the target uses?"
                        .to_string(),
                );
            }
            rec.steps.push(
                "if none does, roll back the app only; otherwise treat it as unsafe".to_string(),
            );
        }
        VerdictKind::Unsafe => {
            rec.summary = format!(
                "do not roll back the app alone: the code at {target_label} breaks against the \
                 schema as it is now"
            );
            rec.steps.push(
                "prefer rolling forward: deploy a fix on top of the current version".to_string(),
            );
            rec.steps.push(format!(
                "or downgrade the migrations ahead of {target_label} first (newest first), then \
                 roll back the app"
            ));
            downgrade_commands(report, now, &mut rec);
        }
    }
    code_search_steps(report, target_label, &mut rec);
    rec
}

/// What the code search means for the verdict: discounted breakages, or the setting that
/// would discount them.
fn code_search_steps(report: &Report, target_label: &str, rec: &mut Recommendation) {
    let unnamed = report
        .errors()
        .filter(|b| b.evidence.as_ref().is_some_and(|e| e.proves_unused()))
        .count();
    if unnamed == 0 {
        return;
    }
    let discounted = report.errors().filter(|b| !b.counted).count();
    if discounted > 0 {
        rec.steps.push(format!(
            "{discounted} breakage(s) are not counted because the code at {target_label} never \
             names the object ([rollback] trust_code_search = true); code that builds names at \
             run time is not seen by that search"
        ));
    } else {
        rec.steps.push(format!(
            "{unnamed} breakage(s) concern objects the code at {target_label} never names; if no \
             code builds those names at run time, `[rollback] trust_code_search = true` stops \
             them from counting"
        ));
    }
}

fn downgrade_commands(report: &Report, now: &Project, rec: &mut Recommendation) {
    let mut by_history: BTreeMap<&str, Vec<&crate::rollback::Ahead>> = BTreeMap::new();
    for a in &report.ahead {
        by_history.entry(a.history.as_str()).or_default().push(a);
    }
    for (history, ahead) in by_history {
        let dir = if history.is_empty() { "." } else { history };
        let first = &now.migrations[ahead[0].index];
        let head = report.target_heads.get(history).cloned().flatten();
        let n = ahead.len();
        let missing: Vec<&str> = ahead
            .iter()
            .filter(|a| {
                matches!(
                    now.migrations[a.index].downgrade,
                    Downgrade::Absent | Downgrade::Irreversible
                )
            })
            .map(|a| a.name.as_str())
            .collect();
        if first.framework == crate::model::Framework::Alembic {
            rec.commands.push(match &head {
                Some(rev) => format!("alembic downgrade {rev}"),
                None => "alembic downgrade base".to_string(),
            });
            if !missing.is_empty() {
                rec.warnings.push(format!(
                    "no working downgrade() in {}: `alembic downgrade` fails or restores nothing there",
                    which(&missing, n)
                ));
            }
            destroy_warnings(&ahead, rec);
            continue;
        }
        if first.framework == crate::model::Framework::Django {
            // Per app: migrate back to the newest migration of that app the target knows.
            let mut apps: BTreeMap<String, ()> = BTreeMap::new();
            for a in &ahead {
                apps.insert(a.id.split('.').next().unwrap_or("").to_string(), ());
            }
            for app in apps.keys() {
                let to = report
                    .target_app_heads
                    .get(app)
                    .cloned()
                    .unwrap_or_else(|| "zero".to_string());
                rec.commands
                    .push(format!("python manage.py migrate {app} {to}"));
            }
            if !missing.is_empty() {
                rec.warnings.push(format!(
                    "irreversible migrations (RunPython without reverse_code, RunSQL without reverse_sql): {}",
                    which(&missing, n)
                ));
            }
            destroy_warnings(&ahead, rec);
            continue;
        }
        match tool_of(first) {
            Tool::GolangMigrate => rec.commands.push(match &head {
                Some(v) => format!(
                    "migrate -path {dir} -database \"$DATABASE_URL\" goto {}",
                    v.trim_start_matches('0')
                        .parse::<u128>()
                        .map(|x| x.to_string())
                        .unwrap_or_else(|_| v.clone())
                ),
                None => format!("migrate -path {dir} -database \"$DATABASE_URL\" down -all"),
            }),
            Tool::Flyway => {
                if missing.is_empty() {
                    rec.commands.push(match &head {
                        Some(v) => format!(
                            "flyway -locations=filesystem:{dir} undo -target={}",
                            v.replace('_', ".")
                        ),
                        None => format!("flyway -locations=filesystem:{dir} undo"),
                    });
                } else {
                    rec.warnings.push(format!(
                        "Flyway has no undo migration for {}: write U<version>__… scripts or roll forward",
                        which(&missing, n)
                    ));
                }
            }
            Tool::Dbmate => {
                for _ in 0..n {
                    rec.commands
                        .push(format!("dbmate --migrations-dir {dir} rollback"));
                }
            }
            Tool::Diesel => rec.commands.push(format!(
                "diesel migration revert --migration-dir {dir} -n {n}"
            )),
            Tool::Prisma => rec.warnings.push(
                "Prisma Migrate has no down migrations: roll forward, or write and run the \
                 reverse SQL by hand"
                    .to_string(),
            ),
            Tool::PlainSql => {
                let downs: Vec<String> = ahead
                    .iter()
                    .rev()
                    .filter_map(|a| match &now.migrations[a.index].downgrade {
                        Downgrade::Present { path: Some(p), .. } => {
                            Some(crate::discover::relative(&now.root, p))
                        }
                        _ => None,
                    })
                    .collect();
                if !downs.is_empty() {
                    rec.commands.push(format!(
                        "psql \"$DATABASE_URL\" {}",
                        downs
                            .iter()
                            .map(|d| format!("-f {d}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                }
            }
        }
        if !missing.is_empty() && tool_of(first) != Tool::Flyway {
            rec.warnings.push(format!(
                "no working downgrade for {}: downgrading cannot restore what they removed",
                which(&missing, n)
            ));
        }
        destroy_warnings(&ahead, rec);
    }
    rec.commands
        .dedup_by(|a, b| a == b && !a.contains("rollback"));
}

/// The migrations a warning is about: their names, or "all N migrations ahead" when that is all
/// of them (the list of migrations ahead follows the recommendation).
fn which(missing: &[&str], ahead: usize) -> String {
    if missing.len() == ahead && ahead > 1 {
        format!("all {ahead} migrations ahead")
    } else {
        missing.join(", ")
    }
}

/// Warns about each downgrade that would destroy data.
fn destroy_warnings(ahead: &[&crate::rollback::Ahead], rec: &mut Recommendation) {
    let destroying: Vec<&&crate::rollback::Ahead> = ahead
        .iter()
        .filter(|a| !a.downgrade.destroys.is_empty())
        .collect();
    // A few are spelled out; more are named, their drops being in the list of migrations ahead.
    if destroying.len() > DESTROYS_SPELLED_OUT {
        let names: Vec<&str> = destroying.iter().map(|a| a.name.as_str()).collect();
        rec.warnings.push(format!(
            "downgrading destroys data in {} migrations: {} (what each drops is listed with it)",
            names.len(),
            names.join(", ")
        ));
        return;
    }
    for a in destroying {
        rec.warnings.push(format!(
            "downgrading {} destroys data: it drops {}",
            a.name,
            a.downgrade.destroys.join(", ")
        ));
    }
}

/// Downgrades that destroy data are described one per line up to this many.
const DESTROYS_SPELLED_OUT: usize = 3;

/// How the sides are named in the report.
pub struct Labels<'a> {
    pub target: &'a str,
    pub target_commit: Option<&'a str>,
    pub now: &'a str,
    /// The image (and rollout revision) the target came from.
    pub deploy: Option<&'a DeployIdentity>,
    /// `[rollback] trust_code_search`.
    pub trust_code_search: bool,
}
