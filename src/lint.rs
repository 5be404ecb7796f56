//! `check`: replay every history, compare the schema before and after each migration, and turn
//! breakages, opaque changes, parse problems and overrides into findings.

use crate::compare::{Comparison, is_widening};
use crate::model::{Migration, Op, OpaqueKind, Span};
use crate::project::Project;
use crate::rules::Breakage;
use crate::rules::{Rule, Severity};
use crate::schema::{ChangeRef, Event, EventKind, Schema};
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
}

/// Which rules run, at which severity. Configuration (and later flags) fill this in.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Per-rule severity; `None` turns the rule off. Rules absent here use their default.
    pub severities: BTreeMap<Rule, Option<Severity>>,
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
}

/// Applies one migration to `schema`, comparing the touched objects before and after.
pub fn step(schema: &mut Schema, index: usize, m: &Migration) -> Step {
    let ops = m.changes.iter().map(|c| &c.op);
    schema.prepare(ops.clone());
    let touched = schema.touched_by(ops);
    let before = schema.subset(&touched);
    let events = apply_migration(schema, index, m);
    let breakages = crate::rules::breakages(&Comparison::new(&before, schema, &events));
    Step { breakages, events }
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

/// Lints a project. `selected(i)` says whether migration `i`'s findings are reported; every
/// history is replayed in full either way.
pub fn lint(
    project: &Project,
    settings: &Settings,
    selected: impl Fn(usize) -> bool,
) -> LintResult {
    let n = project.migrations.len();
    let mut result = LintResult {
        findings: Vec::new(),
        classes: vec![Vec::new(); n],
        selected: (0..n).map(&selected).collect(),
    };
    for history in &project.histories {
        let mut schema = Schema::new();
        for &mi in &history.order {
            let m = &project.migrations[mi];
            let step = step(&mut schema, mi, m);
            result.classes[mi] = classify(m, mi, &step);
            if result.selected[mi] {
                findings_for(m, mi, &step.breakages, settings, &mut result.findings);
            }
        }
    }
    // Migrations outside every history (none today) still get their file-level findings.
    for (mi, m) in project.migrations.iter().enumerate() {
        let in_history = project.histories.iter().any(|h| h.order.contains(&mi));
        if !in_history && result.selected[mi] {
            findings_for(m, mi, &[], settings, &mut result.findings);
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
    result
}

fn classify(m: &Migration, mi: usize, step: &Step) -> Vec<ChangeClass> {
    m.changes
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let at = ChangeRef {
                migration: mi,
                change: ci,
            };
            let broken: Vec<&Breakage> = step.breakages.iter().filter(|b| b.at == at).collect();
            if !broken.is_empty() {
                let rules: Vec<&str> = broken.iter().map(|b| b.rule.name()).collect();
                return ChangeClass {
                    class: Class::Contract,
                    note: Some(rules.join(", ")),
                };
            }
            let class = match &c.op {
                Op::Opaque { .. } => Class::Opaque,
                Op::Neutral { .. } | Op::DataChange { .. } => Class::Neutral,
                _ => Class::Expand,
            };
            let note = step.events.iter().find_map(|e| match &e.kind {
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

/// Turns one migration's breakages, opaque changes, parse issues and overrides into findings.
fn findings_for(
    m: &Migration,
    mi: usize,
    breakages: &[Breakage],
    settings: &Settings,
    out: &mut Vec<Finding>,
) {
    let mut used = vec![false; m.overrides.len()];
    let mut push = |rule: Rule,
                    change: Option<usize>,
                    span: Span,
                    message: String,
                    impact: Option<String>,
                    out: &mut Vec<Finding>| {
        let Some(severity) = settings.severity(rule) else {
            return;
        };
        let mut suppressed = None;
        if let (Some(ci), true) = (change, rule.waivable())
            && let Some((oi, o)) = m.override_for(&m.changes[ci])
            && let Some(reason) = &o.reason
        {
            suppressed = Some(reason.clone());
            used[oi] = true;
        }
        out.push(Finding {
            rule,
            severity,
            migration: mi,
            change,
            span,
            message,
            impact,
            suppressed,
        });
    };

    for issue in &m.graph_issues {
        push(
            Rule::MigrationGraph,
            None,
            issue.span,
            issue.message.clone(),
            None,
            out,
        );
    }
    for issue in &m.issues {
        push(
            Rule::ParseError,
            None,
            issue.span,
            issue.message.clone(),
            None,
            out,
        );
    }
    for b in breakages.iter().filter(|b| b.at.migration == mi) {
        let span = m
            .changes
            .get(b.at.change)
            .map(|c| c.span)
            .unwrap_or_default();
        push(
            b.rule,
            Some(b.at.change),
            span,
            b.message.clone(),
            Some(format!("the previous app version {}", b.impact)),
            out,
        );
    }
    for (ci, c) in m.changes.iter().enumerate() {
        if let Op::Opaque { reason, kind } = &c.op {
            // A statement that did not parse is already a parse-error finding.
            if *kind == OpaqueKind::Unparsed {
                continue;
            }
            push(
                Rule::OpaqueChange,
                Some(ci),
                c.span,
                format!("cannot be judged statically: {reason}"),
                None,
                out,
            );
        }
    }
    for (oi, o) in m.overrides.iter().enumerate() {
        let rule = if o.reason.is_none() {
            Rule::OverrideWithoutReason
        } else if !used[oi] {
            Rule::UnusedOverride
        } else {
            continue;
        };
        let Some(severity) = settings.severity(rule) else {
            continue;
        };
        let message = match rule {
            Rule::OverrideWithoutReason => {
                "`compat: breaking` needs a reason: `compat: breaking (reason: …)`; it waives \
                 nothing without one"
                    .to_string()
            }
            _ => {
                let attached = m.statements.iter().any(|s| s.override_index == Some(oi));
                if attached {
                    "this override waives nothing: the statement it applies to breaks nothing"
                        .to_string()
                } else {
                    "this override waives nothing: no statement starts on the next line or on \
                     this line"
                        .to_string()
                }
            }
        };
        out.push(Finding {
            rule,
            severity,
            migration: mi,
            change: None,
            span: o.span,
            message,
            impact: None,
            suppressed: None,
        });
    }
}
