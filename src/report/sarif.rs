//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

use super::Locator;
use crate::lint::LintResult;
use crate::project::Project;
use crate::rules::{Rule, Severity};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const HELP_BASE: &str = "https://github.com/rollsafe/rollsafe/blob/main/rules/";

/// The text of one `## Section` of a rule page.
pub fn section(doc: &str, title: &str) -> String {
    let heading = format!("## {title}");
    let Some(start) = doc.find(&heading) else {
        return String::new();
    };
    let body = &doc[start + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].trim().to_string()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub fn render(project: &Project, result: &LintResult) -> String {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            let m = r.meta();
            json!({
                "id": m.name,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": section(m.doc, "What it flags") },
                "helpUri": format!("{HELP_BASE}{}.md", m.name),
                "help": { "text": m.help, "markdown": m.doc },
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": { "tags": [m.group.to_string()] }
            })
        })
        .collect();
    let index: HashMap<Rule, usize> = Rule::ALL.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut locators: HashMap<usize, Locator> = HashMap::new();
    // Errors first (stable: history order within a level), as a reader of the log wants them.
    let mut ordered: Vec<&crate::lint::Finding> = result.findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let results: Vec<Value> = ordered
        .into_iter()
        .map(|f| {
            let m = &project.migrations[f.migration];
            let loc = locators
                .entry(f.migration)
                .or_insert_with(|| Locator::new(m))
                .locate(f.span);
            let mut text = f.message.clone();
            if let Some(impact) = &f.impact {
                text.push_str(&format!(": {impact}"));
            }
            let mut r = json!({
                "ruleId": f.rule.name(),
                "ruleIndex": index.get(&f.rule).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": m.path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": loc.line,
                            "startColumn": loc.column,
                            "endLine": loc.end_line,
                            "endColumn": loc.end_column.max(if loc.end_line == loc.line { loc.column + 1 } else { 1 })
                        }
                    }
                }]
            });
            if let Some(reason) = &f.suppressed {
                let justification = match f.signoff.as_ref().and_then(|s| s.describe(result.signoff_mode)) {
                    Some(signoff) => format!("{reason}; {signoff}"),
                    None => reason.clone(),
                };
                r["suppressions"] = json!([{ "kind": "inSource", "justification": justification }]);
            }
            r
        })
        .collect();
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "rollsafe",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/rollsafe/rollsafe",
                    "rules": rules
                }
            },
            "originalUriBaseIds": { "%SRCROOT%": { "uri": "file:///" } },
            "results": results
        }]
    });
    if !result.notes.is_empty() {
        let notes: Vec<Value> = result
            .notes
            .iter()
            .map(|n| json!({ "level": "warning", "message": { "text": n } }))
            .collect();
        doc["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": notes
        }]);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
