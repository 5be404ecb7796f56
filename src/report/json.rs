//! `--format json`. The schema is documented in `docs/json.md`; bump [`JSON_VERSION`] on any
//! incompatible change.

use super::{Location, Locator};
use crate::lint::{ChangeClass, LintResult};
use crate::model::Op;
use crate::project::Project;
use crate::rules::Severity;
use crate::signoff::{Signoff, Status};
use serde::Serialize;

pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct CheckReport<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'static str,
    summary: Summary,
    migrations: Vec<MigrationOut<'a>>,
    findings: Vec<FindingOut<'a>>,
    /// What the run could not do as configured, and what it did instead.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    /// Files found and deliberately not replayed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<SkippedOut<'a>>,
}

#[derive(Serialize)]
struct SkippedOut<'a> {
    /// `engine`, `not_targeted`, `set_aside` or `superseded`.
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a str>,
    files: &'a [String],
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    migrations: usize,
    errors: usize,
    warnings: usize,
    suppressed: usize,
}

#[derive(Serialize)]
struct MigrationOut<'a> {
    id: &'a str,
    name: &'a str,
    path: &'a str,
    framework: crate::model::Framework,
    dialect: crate::model::Dialect,
    history: &'a str,
    parents: &'a [String],
    downgrade: &'static str,
    changes: Vec<ChangeOut<'a>>,
}

#[derive(Serialize)]
struct ChangeOut<'a> {
    description: String,
    #[serde(flatten)]
    location: Location,
    class: crate::lint::Class,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    signoff: Option<SignoffOut<'a>>,
    op: &'a Op,
}

/// The signoff of the override a change or finding is about.
#[derive(Serialize)]
struct SignoffOut<'a> {
    approved_by: &'a [String],
    signoff: Status,
}

impl<'a> SignoffOut<'a> {
    fn of(s: &'a Signoff) -> Self {
        SignoffOut {
            approved_by: &s.approved_by,
            signoff: s.status,
        }
    }
}

#[derive(Serialize)]
struct FindingOut<'a> {
    rule: &'static str,
    severity: Severity,
    path: &'a str,
    migration: &'a str,
    #[serde(flatten)]
    location: Location,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    impact: Option<&'a str>,
    help: &'static str,
    suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression_reason: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    signoff: Option<SignoffOut<'a>>,
}

pub fn render_check(project: &Project, result: &LintResult) -> String {
    let mut files = std::collections::BTreeSet::new();
    let mut migrations = Vec::new();
    let mut order: Vec<usize> = project
        .histories
        .iter()
        .flat_map(|h| h.order.iter().copied())
        .collect();
    order.dedup();
    // Migrations of no history: those a change removes (`check --changed-since`).
    let in_history: std::collections::BTreeSet<usize> = order.iter().copied().collect();
    order.extend((0..project.migrations.len()).filter(|i| !in_history.contains(i)));
    for mi in order.into_iter().filter(|&i| result.selected[i]) {
        let m = &project.migrations[mi];
        files.insert(m.path.as_str());
        let classes: &[ChangeClass] = &result.classes[mi];
        let locator = Locator::new(m);
        let changes = m
            .changes
            .iter()
            .enumerate()
            .map(|(ci, c)| ChangeOut {
                description: c.op.describe(),
                location: locator.locate(c.span),
                class: classes
                    .get(ci)
                    .map(|k| k.class)
                    .unwrap_or(crate::lint::Class::Opaque),
                note: classes.get(ci).and_then(|k| k.note.as_deref()),
                override_reason: m.override_for(c).and_then(|(_, o)| o.reason.as_deref()),
                signoff: m
                    .override_for(c)
                    .and_then(|(oi, _)| result.signoffs.get(mi)?.get(oi))
                    .map(SignoffOut::of),
                op: &c.op,
            })
            .collect();
        migrations.push(MigrationOut {
            id: &m.id,
            name: &m.name,
            path: &m.path,
            framework: m.framework,
            dialect: m.dialect,
            history: &m.history,
            parents: &m.parents,
            downgrade: m.downgrade.kind(),
            changes,
        });
    }
    let mut locators: std::collections::HashMap<usize, Locator> = std::collections::HashMap::new();
    let findings = result
        .findings
        .iter()
        .map(|f| {
            let m = &project.migrations[f.migration];
            let locator = locators
                .entry(f.migration)
                .or_insert_with(|| Locator::new(m));
            FindingOut {
                rule: f.rule.name(),
                severity: f.severity,
                path: &m.path,
                migration: &m.id,
                location: locator.locate(f.span),
                message: &f.message,
                impact: f.impact.as_deref(),
                help: f.rule.meta().help,
                suppressed: f.suppressed.is_some(),
                suppression_reason: f.suppressed.as_deref(),
                signoff: f.signoff.as_ref().map(SignoffOut::of),
            }
        })
        .collect();
    let report = CheckReport {
        version: JSON_VERSION,
        tool: "rollsafe",
        tool_version: env!("CARGO_PKG_VERSION"),
        summary: Summary {
            files: files.len(),
            migrations: migrations.len(),
            errors: result.count(Severity::Error),
            warnings: result.count(Severity::Warning),
            suppressed: result.suppressed(),
        },
        migrations,
        findings,
        notes: &result.notes,
        skipped: project.skipped.iter().map(skipped_out).collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn skipped_out(s: &crate::project::Skipped) -> SkippedOut<'_> {
    use crate::project::SkipReason;
    let (reason, engine, history, baseline) = match &s.reason {
        SkipReason::Engine(e) => ("engine", Some(e.name), None, None),
        SkipReason::NotTargeted(e) => ("not_targeted", Some(e.name), None, None),
        SkipReason::SetAside => ("set_aside", None, None, None),
        SkipReason::Superseded { history, baseline } => (
            "superseded",
            None,
            Some(history.as_str()),
            Some(baseline.as_str()),
        ),
    };
    SkippedOut {
        reason,
        engine,
        history,
        baseline,
        files: &s.files,
    }
}
