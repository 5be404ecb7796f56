//! Rendering a rollback verdict, and the runbook recommendation that goes with it.

use super::Locator;
use crate::model::{Downgrade, Migration};
use crate::project::Project;
use crate::rollback::{Report, VerdictKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const JSON_VERSION: u32 = 1;

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
    rec
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
                    missing.join(", ")
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
                    missing.join(", ")
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
                        missing.join(", ")
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
                missing.join(", ")
            ));
        }
        destroy_warnings(&ahead, rec);
    }
    rec.commands
        .dedup_by(|a, b| a == b && !a.contains("rollback"));
}

/// Warns about each downgrade that would destroy data.
fn destroy_warnings(ahead: &[&crate::rollback::Ahead], rec: &mut Recommendation) {
    for a in ahead {
        if !a.downgrade.destroys.is_empty() {
            rec.warnings.push(format!(
                "downgrading {} destroys data: it drops {}",
                a.name,
                a.downgrade.destroys.join(", ")
            ));
        }
    }
}

fn verdict_word(v: VerdictKind) -> &'static str {
    match v {
        VerdictKind::Safe => "SAFE",
        VerdictKind::Unsafe => "UNSAFE",
        VerdictKind::Unknown => "UNKNOWN",
    }
}

pub struct Labels<'a> {
    pub target: &'a str,
    pub target_commit: Option<&'a str>,
    pub now: &'a str,
}

pub fn render_human(
    report: &Report,
    now: &Project,
    labels: &Labels,
    rec: &Recommendation,
    color: bool,
) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let word = verdict_word(report.verdict);
    let colored = match report.verdict {
        VerdictKind::Safe => paint("1;32", word),
        VerdictKind::Unsafe => paint("1;31", word),
        VerdictKind::Unknown => paint("1;33", word),
    };
    let _ = writeln!(out, "rollback to {}: {colored}", labels.target);
    let _ = writeln!(
        out,
        "  target: {}{}   now: {}",
        labels.target,
        labels
            .target_commit
            .map(|c| format!(" ({})", &c[..c.len().min(12)]))
            .unwrap_or_default(),
        labels.now
    );
    out.push('\n');

    let mut locators: BTreeMap<usize, Locator> = BTreeMap::new();
    let mut loc = |mi: usize, span| {
        let m = &now.migrations[mi];
        let l = locators
            .entry(mi)
            .or_insert_with(|| Locator::new(m))
            .locate(span);
        format!("{}:{}", m.path, l.line)
    };

    if report.ahead.is_empty() {
        let _ = writeln!(out, "No migrations are ahead of {}.", labels.target);
    } else {
        let _ = writeln!(
            out,
            "{} migration{} ahead of {} (in the order they were applied):",
            report.ahead.len(),
            if report.ahead.len() == 1 { "" } else { "s" },
            labels.target
        );
        for a in &report.ahead {
            let mut dg = format!("downgrade: {}", a.downgrade.kind);
            if !a.downgrade.destroys.is_empty() {
                dg.push_str(&format!(", destroys {}", a.downgrade.destroys.join(", ")));
            }
            let _ = writeln!(out, "  {}  ({dg})", a.path);
        }
    }
    if !report.breakages.is_empty() {
        let _ = writeln!(out, "\nWhat breaks the code at {}:", labels.target);
        for b in &report.breakages {
            let m = &now.migrations[b.migration];
            let _ = writeln!(
                out,
                "  - code at {} {}; {} in {} [{}]",
                labels.target,
                b.breakage.impact,
                b.breakage.message,
                loc(b.migration, b.span),
                b.breakage.rule
            );
            if let Some(reason) = &b.overridden {
                let _ = writeln!(
                    out,
                    "    overridden in {} (reason: {reason}); an override accepts the break, it \
                     does not make the rollback safe",
                    m.name
                );
            }
        }
    }
    if !report.opaque.is_empty() {
        let _ = writeln!(out, "\nChanges rollsafe cannot judge (review them):");
        for o in &report.opaque {
            let _ = writeln!(out, "  - {}: {}", loc(o.migration, o.span), o.reason);
        }
    }
    if !report.unread.is_empty() {
        let _ = writeln!(
            out,
            "\nFolders rollsafe could not read (their migrations are not counted):"
        );
        for u in &report.unread {
            let _ = writeln!(out, "  - {u}");
        }
    }
    if !report.edited.is_empty() {
        let _ = writeln!(
            out,
            "\nEdited since {} (not re-applied, so the edits never reached the database):",
            labels.target
        );
        for e in &report.edited {
            let _ = writeln!(out, "  - {e}");
        }
    }
    let _ = writeln!(out, "\nRecommendation: {}", rec.summary);
    for s in &rec.steps {
        let _ = writeln!(out, "  - {s}");
    }
    for c in &rec.commands {
        let _ = writeln!(out, "      $ {c}");
    }
    for w in &rec.warnings {
        let _ = writeln!(out, "  {} {w}", paint("1;33", "warning:"));
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'static str,
    verdict: VerdictKind,
    target: JsonSide<'a>,
    now: JsonSide<'a>,
    ahead: Vec<JsonAhead<'a>>,
    breakages: Vec<JsonBreakage<'a>>,
    opaque: Vec<JsonOpaque<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unread: &'a [String],
    edited: &'a [String],
    recommendation: &'a Recommendation,
}

#[derive(Serialize)]
struct JsonSide<'a> {
    spec: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonAhead<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    downgrade: &'a crate::rollback::DowngradeInfo,
}

#[derive(Serialize)]
struct JsonBreakage<'a> {
    rule: &'static str,
    migration: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    object: &'a str,
    message: &'a str,
    impact: String,
    overridden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonOpaque<'a> {
    migration: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    reason: &'a str,
}

pub fn render_json(
    report: &Report,
    now: &Project,
    labels: &Labels,
    rec: &Recommendation,
) -> String {
    let mut locators: BTreeMap<usize, Locator> = BTreeMap::new();
    let mut locate = |mi: usize, span| {
        let m = &now.migrations[mi];
        locators
            .entry(mi)
            .or_insert_with(|| Locator::new(m))
            .locate(span)
    };
    let breakages = report
        .breakages
        .iter()
        .map(|b| {
            let m = &now.migrations[b.migration];
            let l = locate(b.migration, b.span);
            JsonBreakage {
                rule: b.breakage.rule.name(),
                migration: &m.id,
                path: &m.path,
                line: l.line,
                column: l.column,
                object: &b.breakage.object,
                message: &b.breakage.message,
                impact: format!("code at {} {}", labels.target, b.breakage.impact),
                overridden: b.overridden.is_some(),
                override_reason: b.overridden.as_deref(),
            }
        })
        .collect();
    let opaque = report
        .opaque
        .iter()
        .map(|o| {
            let m = &now.migrations[o.migration];
            let l = locate(o.migration, o.span);
            JsonOpaque {
                migration: &m.id,
                path: &m.path,
                line: l.line,
                column: l.column,
                reason: &o.reason,
            }
        })
        .collect();
    let doc = JsonReport {
        version: JSON_VERSION,
        tool: "rollsafe",
        tool_version: env!("CARGO_PKG_VERSION"),
        verdict: report.verdict,
        target: JsonSide {
            spec: labels.target,
            commit: labels.target_commit,
        },
        now: JsonSide {
            spec: labels.now,
            commit: None,
        },
        ahead: report
            .ahead
            .iter()
            .map(|a| JsonAhead {
                id: &a.id,
                name: &a.name,
                path: &a.path,
                downgrade: &a.downgrade,
            })
            .collect(),
        breakages,
        opaque,
        unread: &report.unread,
        edited: &report.edited,
        recommendation: rec,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
