//! `check`: replay every history, compare the schema before and after each migration, and turn
//! breakages, opaque changes, parse problems and overrides into findings.

use crate::compare::{Comparison, is_widening};
use crate::model::{Migration, Op, Span};
use crate::project::Project;
use crate::rules::Breakage;
use crate::rules::{Diagnostic, OverrideContext, Rule, Severity};
use crate::schema::{ChangeRef, Event, EventKind, Schema};
use crate::signoff::{Policy, Signoff};
use serde::Serialize;
use std::collections::BTreeMap;

/// How one change affects the previous app version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// The previous version keeps working.
    Expand,
    /// The previous version breaks (or may break, for warning-severity rules).
    Contract,
    /// Does not touch what the app sees (data changes, comments, grants, settings).
    Neutral,
    /// Cannot be judged statically.
    Opaque,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeClass {
    pub class: Class,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// Index into [`Project::migrations`].
    #[serde(skip)]
    pub migration: usize,
    /// The change this finding is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<usize>,
    #[serde(skip)]
    pub span: Span,
    pub message: String,
    /// What the previous app version does that fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// The reason of the override that waived this finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The signoff of the override this finding is about: the one that covers it (whether it
    /// waived it or not), or the one an override rule judges.
    #[serde(skip)]
    pub signoff: Option<Signoff>,
}

/// Which rules run, at which severity, and whose signoff an override needs. Configuration
/// (and later flags) fill this in.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Per-rule severity; `None` turns the rule off. Rules absent here use their default.
    pub severities: BTreeMap<Rule, Option<Severity>>,
    /// `[overrides]`: the signoff an override needs to waive a finding.
    pub signoff: Policy,
    /// The PostgreSQL the lock rules judge for (`postgres_version`, `lock_timeout`).
    pub postgres: crate::rules::lock_context::Postgres,
}

impl Settings {
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        match self.severities.get(&rule) {
            Some(s) => *s,
            None => Some(rule.meta().severity),
        }
    }
}

#[derive(Debug, Default)]
pub struct LintResult {
    pub findings: Vec<Finding>,
    /// Per migration (same index as [`Project::migrations`]), per change.
    pub classes: Vec<Vec<ChangeClass>>,
    /// Migrations whose findings were asked for.
    pub selected: Vec<bool>,
    /// Per reported migration (same index as [`Project::migrations`]), per override, its
    /// signoff (empty for migrations not reported).
    pub signoffs: Vec<Vec<Signoff>>,
    /// What the run could not do as configured and how it went on instead (a signoff that
    /// could not be verified on GitHub): said once, in every format.
    pub notes: Vec<String>,
    /// The configured `[overrides] signoff`, for rendering signoffs.
    pub signoff_mode: crate::signoff::Mode,
}

impl LintResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == severity)
            .count()
    }
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }
}

/// The outcome of replaying one migration.
pub struct Step {
    pub breakages: Vec<Breakage>,
    pub events: Vec<Event>,
    /// The schema before the step: the objects it touches.
    pub before: Schema,
}

/// Applies one migration to `schema`, comparing the touched objects before and after.
pub fn step(schema: &mut Schema, index: usize, m: &Migration) -> Step {
    step_together(schema, &[(index, m)])
}

/// Applies migrations that one deploy applies together (the files of a version folder),
/// comparing the touched objects before the first and after the last: what an earlier file of
/// the step creates is new for the previous app version.
pub fn step_together(schema: &mut Schema, members: &[(usize, &Migration)]) -> Step {
    let ops = members
        .iter()
        .flat_map(|(_, m)| m.changes.iter().map(|c| &c.op));
    schema.prepare(ops.clone());
    let touched = schema.touched_by(ops);
    let before = schema.subset(&touched);
    let mut events = Vec::new();
    for (index, m) in members {
        events.extend(apply_migration(schema, *index, m));
    }
    let breakages = crate::rules::breakages(&Comparison::new(&before, schema, &events));
    Step {
        breakages,
        events,
        before,
    }
}

/// Applies one migration to `schema` (objects it needs that the history never created are
/// seeded first) and returns what it did; no comparison.
pub fn apply_migration(schema: &mut Schema, index: usize, m: &Migration) -> Vec<Event> {
    schema.prepare(m.changes.iter().map(|c| &c.op));
    let mut events = Vec::new();
    for (i, c) in m.changes.iter().enumerate() {
        schema.apply(
            &c.op,
            ChangeRef {
                migration: index,
                change: i,
            },
            &mut events,
        );
    }
    events
}

/// Breakages judged against a base instead of step by step (the pull-request gate): for the
/// migrations in `migrations`, `breakages` (a comparison of the base's schema with the schema
/// after all of them) replace the comparison with the schema just before each.
pub struct Against<'a> {
    pub migrations: &'a std::collections::BTreeSet<usize>,
    pub breakages: &'a [Breakage],
}

/// Lints a project. `selected(i)` says whether migration `i`'s findings are reported; every
/// history is replayed in full either way.
pub fn lint(
    project: &Project,
    settings: &Settings,
    selected: impl Fn(usize) -> bool,
) -> LintResult {
    lint_against(project, settings, selected, None)
}

/// [`lint`], with the breakages of some migrations judged against a base.
pub fn lint_against(
    project: &Project,
    settings: &Settings,
    selected: impl Fn(usize) -> bool,
    against: Option<&Against>,
) -> LintResult {
    let n = project.migrations.len();
    let mut result = LintResult {
        findings: Vec::new(),
        classes: vec![Vec::new(); n],
        selected: (0..n).map(&selected).collect(),
        signoffs: vec![Vec::new(); n],
        notes: Vec::new(),
        signoff_mode: settings.signoff.mode,
    };
    for history in &project.histories {
        let mut schema = Schema::new();
        for range in history.step_ranges() {
            let members: Vec<(usize, &Migration)> = history.order[range]
                .iter()
                .map(|&mi| (mi, &project.migrations[mi]))
                .collect();
            let step = step_together(&mut schema, &members);
            for &(mi, m) in &members {
                // The gate judges the migrations it adds against the base instead.
                let gated: Option<Vec<Breakage>> =
                    against.filter(|a| a.migrations.contains(&mi)).map(|a| {
                        a.breakages
                            .iter()
                            .filter(|b| b.at.migration == mi)
                            .cloned()
                            .collect()
                    });
                let breakages = gated.as_deref().unwrap_or(&step.breakages);
                result.classes[mi] = classify(m, mi, breakages, &step.events);
                if result.selected[mi] {
                    // What the migration does to a live database: `check` only.
                    let locks = crate::rules::LockContext::new(
                        &members,
                        mi,
                        &step.before,
                        &step.events,
                        &settings.postgres,
                    )
                    .map(|cx| crate::rules::lock_context::findings(&cx))
                    .unwrap_or_default();
                    result.signoffs[mi] =
                        findings_for(m, mi, breakages, locks, settings, &mut result.findings);
                }
            }
        }
    }
    // Migrations outside every history still get their file-level findings; those a baseline
    // stands for are history, never reported.
    for (mi, m) in project.migrations.iter().enumerate() {
        let in_history = project
            .histories
            .iter()
            .any(|h| h.order.contains(&mi) || h.superseded.contains(&mi));
        if !in_history && result.selected[mi] {
            result.signoffs[mi] =
                findings_for(m, mi, &[], Vec::new(), settings, &mut result.findings);
        }
    }
    // Replay order within a history (V9 before V10), histories by name.
    let mut rank = vec![usize::MAX; n];
    let mut next = 0;
    for history in &project.histories {
        for &mi in &history.order {
            rank[mi] = next;
            next += 1;
        }
    }
    result.findings.sort_by(|a, b| {
        rank[a.migration]
            .cmp(&rank[b.migration])
            .then_with(|| {
                project.migrations[a.migration]
                    .path
                    .cmp(&project.migrations[b.migration].path)
            })
            .then(a.span.start.cmp(&b.span.start))
            .then(a.rule.cmp(&b.rule))
            .then(a.message.cmp(&b.message))
    });
    drop_engine_duplicates(project, &mut result.findings);
    result
}

/// A file that several engines' histories read (Synapse's `.sql` beside `.sql.sqlite`) gives
/// each history its own migration: a finding that another engine's migration of the same file
/// already gave is said once. (Spans are not compared: each engine's parser places a statement
/// its own way.)
fn drop_engine_duplicates(project: &Project, findings: &mut Vec<Finding>) {
    let mut kept: BTreeMap<(&str, Rule, String), usize> = BTreeMap::new();
    let mut keep = Vec::with_capacity(findings.len());
    for f in findings.iter() {
        let path = project.migrations[f.migration].path.as_str();
        let key = (path, f.rule, f.message.clone());
        let duplicate = match kept.get(&key) {
            Some(&mi) => mi != f.migration,
            None => {
                kept.insert(key, f.migration);
                false
            }
        };
        keep.push(!duplicate);
    }
    let mut flags = keep.into_iter();
    findings.retain(|_| flags.next().unwrap_or(true));
}

fn classify(
    m: &Migration,
    mi: usize,
    breakages: &[Breakage],
    events: &[Event],
) -> Vec<ChangeClass> {
    m.changes
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let at = ChangeRef {
                migration: mi,
                change: ci,
            };
            let broken: Vec<&Breakage> = breakages.iter().filter(|b| b.at == at).collect();
            if !broken.is_empty() {
                let rules: Vec<&str> = broken.iter().map(|b| b.rule.name()).collect();
                return ChangeClass {
                    class: Class::Contract,
                    note: Some(rules.join(", ")),
                };
            }
            let class = match &c.op {
                Op::Opaque { .. } => Class::Opaque,
                Op::Neutral { .. }
                | Op::Setting { .. }
                | Op::Maintenance { .. }
                | Op::DataChange { .. } => Class::Neutral,
                _ => Class::Expand,
            };
            let note = events.iter().find_map(|e| match &e.kind {
                EventKind::ColumnTypeChanged { from, to, .. }
                    if e.at == at && from != to && is_widening(from, to) =>
                {
                    Some(format!(
                        "widening {from} to {to}: old code still reads and writes it"
                    ))
                }
                _ => None,
            });
            ChangeClass { class, note }
        })
        .collect()
}

/// Turns one migration's breakages, lock findings and what the migration rules find into
/// findings, waived where an override with a reason and an accepted signoff covers them; then
/// the override rules judge the overrides. Returns each override's signoff.
fn findings_for(
    m: &Migration,
    mi: usize,
    breakages: &[Breakage],
    locks: Vec<Diagnostic>,
    settings: &Settings,
    out: &mut Vec<Finding>,
) -> Vec<Signoff> {
    let mut diagnostics = locks;
    for rule in Rule::ALL {
        rule.check_migration(m, &mut diagnostics);
    }
    for b in breakages.iter().filter(|b| b.at.migration == mi) {
        diagnostics.push(Diagnostic {
            rule: b.rule,
            change: Some(b.at.change),
            span: m
                .changes
                .get(b.at.change)
                .map(|c| c.span)
                .unwrap_or_default(),
            message: b.message.clone(),
            impact: Some(format!("the previous app version {}", b.impact)),
        });
    }
    let signoffs: Vec<Signoff> = m
        .overrides
        .iter()
        .map(|o| settings.signoff.judge(m, o))
        .collect();
    let mut applies = vec![false; m.overrides.len()];
    for d in diagnostics {
        let Some(severity) = settings.severity(d.rule) else {
            continue;
        };
        let cover = d
            .change
            .filter(|_| d.rule.waivable())
            .and_then(|ci| m.override_for(&m.changes[ci]))
            .and_then(|(oi, o)| o.reason.as_ref().map(|reason| (oi, reason)));
        let mut f = finding(d, severity, mi, None);
        if let Some((oi, reason)) = cover {
            applies[oi] = true;
            if signoffs[oi].accepted {
                f.suppressed = Some(reason.clone());
            }
            f.signoff = Some(signoffs[oi].clone());
        }
        out.push(f);
    }
    let mut about_overrides = Vec::new();
    let cx = OverrideContext {
        migration: m,
        applies: &applies,
        signoffs: &signoffs,
    };
    for rule in Rule::ALL {
        rule.check_overrides(&cx, &mut about_overrides);
    }
    for d in about_overrides {
        if let Some(severity) = settings.severity(d.rule) {
            // Override rules report at the override's comment.
            let judged = m.overrides.iter().position(|o| o.span == d.span);
            let mut f = finding(d, severity, mi, None);
            f.signoff = judged.map(|oi| signoffs[oi].clone());
            out.push(f);
        }
    }
    signoffs
}

fn finding(d: Diagnostic, severity: Severity, mi: usize, suppressed: Option<String>) -> Finding {
    Finding {
        rule: d.rule,
        severity,
        migration: mi,
        change: d.change,
        span: d.span,
        message: d.message,
        impact: d.impact,
        suppressed,
        signoff: None,
    }
}

/// Reports a migration that a change removes: `removed` (as the base has it) joins the project
/// as a migration of no history, so findings can point into its text, and `diagnostics` become
/// its findings at the configured severities.
pub fn add_removed(
    project: &mut Project,
    result: &mut LintResult,
    settings: &Settings,
    removed: &Migration,
    diagnostics: Vec<Diagnostic>,
) {
    let mut ghost = Migration::new(
        removed.id.clone(),
        removed.path.clone(),
        removed.framework,
        removed.source.clone(),
    );
    ghost.dialect = removed.dialect;
    ghost.history = removed.history.clone();
    let mi = project.migrations.len();
    project.migrations.push(ghost);
    result.classes.push(Vec::new());
    result.selected.push(true);
    result.signoffs.push(Vec::new());
    for d in diagnostics {
        if let Some(severity) = settings.severity(d.rule) {
            result.findings.push(finding(d, severity, mi, None));
        }
    }
}
