//! `rollback --format json`: the verdict for deploy automation. Fields are only added within a
//! version; `version` changes on incompatible changes.

use super::{Labels, Recommendation};
use crate::app::deploy::DeployIdentity;
use crate::project::Project;
use crate::report::Locator;
use crate::rollback::{BreakageReport, Evidence, Moved, Removed, Report, VerdictKind};
use crate::rules::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: &'static str,
    tool_version: &'static str,
    verdict: VerdictKind,
    target: JsonSide<'a>,
    now: JsonSide<'a>,
    ahead: Vec<JsonAhead<'a>>,
    /// Error-severity breakages: they make the verdict unsafe (unless `counted` is false).
    breakages: Vec<JsonBreakage<'a>>,
    /// Warning-severity breakages: listed, not counted.
    warnings: Vec<JsonBreakage<'a>>,
    #[serde(skip_serializing_if = "is_zero")]
    ignored: usize,
    opaque: Vec<JsonOpaque<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unread: &'a [String],
    edited: Vec<&'a str>,
    edited_cosmetic: &'a [String],
    removed: &'a [Removed],
    moved: &'a [Moved],
    trust_code_search: bool,
    recommendation: &'a Recommendation,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct JsonSide<'a> {
    spec: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy: Option<&'a DeployIdentity>,
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
    severity: Severity,
    migration: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    object: &'a str,
    message: &'a str,
    impact: String,
    counted: bool,
    overridden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    override_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    approved_by: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a Evidence>,
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
    let breakages = report
        .errors()
        .map(|b| json_breakage(b, now, labels, &mut locators))
        .collect();
    let warnings = report
        .warnings()
        .map(|b| json_breakage(b, now, labels, &mut locators))
        .collect();
    let mut locate = |mi: usize, span| {
        let m = &now.migrations[mi];
        locators
            .entry(mi)
            .or_insert_with(|| Locator::new(m))
            .locate(span)
    };
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
            deploy: labels.deploy,
        },
        now: JsonSide {
            spec: labels.now,
            commit: None,
            deploy: None,
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
        warnings,
        ignored: report.ignored,
        opaque,
        unread: &report.unread,
        edited: report.edited.iter().map(|e| e.path.as_str()).collect(),
        edited_cosmetic: &report.edited_cosmetic,
        removed: &report.removed,
        moved: &report.moved,
        trust_code_search: labels.trust_code_search,
        recommendation: rec,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn json_breakage<'a>(
    b: &'a BreakageReport,
    now: &'a Project,
    labels: &Labels,
    locators: &mut BTreeMap<usize, Locator<'a>>,
) -> JsonBreakage<'a> {
    let m = &now.migrations[b.migration];
    let l = locators
        .entry(b.migration)
        .or_insert_with(|| Locator::new(m))
        .locate(b.span);
    JsonBreakage {
        rule: b.breakage.rule.name(),
        severity: b.severity,
        migration: &m.id,
        path: &m.path,
        line: l.line,
        column: l.column,
        object: &b.breakage.object,
        message: &b.breakage.message,
        impact: format!("code at {} {}", labels.target, b.breakage.impact),
        counted: b.counted,
        overridden: b.overridden.is_some(),
        override_reason: b.overridden.as_deref(),
        approved_by: &b.approved_by,
        evidence: b.evidence.as_ref(),
    }
}
