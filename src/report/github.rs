//! GitHub Actions workflow commands: one `::error …::` or `::warning …::` line per finding,
//! which GitHub shows as annotations on the pull request.

use super::Locator;
use crate::lint::LintResult;
use crate::project::Project;
use crate::rules::Severity;
use std::collections::HashMap;
use std::fmt::Write;

/// Escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property values.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(project: &Project, result: &LintResult) -> String {
    let mut out = String::new();
    let mut locators: HashMap<usize, Locator> = HashMap::new();
    for f in result.findings.iter().filter(|f| f.suppressed.is_none()) {
        let m = &project.migrations[f.migration];
        let loc = locators
            .entry(f.migration)
            .or_insert_with(|| Locator::new(m))
            .locate(f.span);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = f.message.clone();
        if let Some(impact) = &f.impact {
            let _ = write!(message, ": {impact}");
        }
        let _ = write!(message, "\nhelp: {}", f.rule.meta().help);
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&m.path),
            loc.line,
            loc.column,
            loc.end_line,
            loc.end_column,
            escape_property(&format!("rollsafe {}", f.rule)),
            escape_data(&message)
        );
    }
    for note in &result.notes {
        let _ = writeln!(out, "::warning title=rollsafe::{}", escape_data(note));
    }
    let _ = writeln!(out, "{}", super::human::summary_line(project, result));
    out
}
