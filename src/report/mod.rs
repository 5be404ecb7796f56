//! Rendering results. Every renderer returns a `String`; only the binary prints.

pub mod github;
pub mod human;
pub mod json;
pub mod rollback;
pub mod sarif;
pub mod schema;

use crate::model::Migration;
use crate::source::LineIndex;
use serde::Serialize;

/// A 1-based location range in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    /// One-off lookup; renderers that locate many spans of a file use [`Locator`].
    pub fn of(m: &Migration, span: crate::model::Span) -> Location {
        Locator::new(m).locate(span)
    }
}

/// Locates spans of one migration file, indexing its lines once.
pub struct Locator<'a> {
    text: &'a str,
    index: LineIndex,
}

impl<'a> Locator<'a> {
    pub fn new(m: &'a Migration) -> Self {
        let text: &str = &m.source;
        Locator {
            text,
            index: LineIndex::new(text),
        }
    }

    pub fn locate(&self, span: crate::model::Span) -> Location {
        let (text, idx) = (self.text, &self.index);
        let (line, column) = idx.line_col(text, span.start);
        let (end_line, end_column) = idx.line_col(text, span.end.max(span.start));
        Location {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// One line per kind of skipped files, for the end of a report: every engine rollsafe does
/// not read on one line, then the others.
pub fn skipped_lines(skipped: &[crate::project::Skipped]) -> Vec<String> {
    use crate::project::SkipReason;
    let plural = |n: usize| if n == 1 { "file" } else { "files" };
    let mut out = Vec::new();
    let engines: Vec<String> = skipped
        .iter()
        .filter_map(|s| match &s.reason {
            SkipReason::Engine(e) => Some(format!("{} {}", s.files.len(), e.label)),
            _ => None,
        })
        .collect();
    if !engines.is_empty() {
        let n: usize = skipped
            .iter()
            .filter(|s| matches!(s.reason, SkipReason::Engine(_)))
            .map(|s| s.files.len())
            .sum();
        out.push(format!(
            "skipped {n} {} for engines rollsafe does not read: {}",
            plural(n),
            engines.join(", ")
        ));
    }
    for s in skipped {
        let n = s.files.len();
        let first = s.files.first().map(String::as_str).unwrap_or("");
        match &s.reason {
            SkipReason::Engine(_) => {}
            SkipReason::NotTargeted(e) => out.push(format!(
                "skipped {n} {} for {}, which `targets` leaves out",
                plural(n),
                e.label
            )),
            SkipReason::SetAside => out.push(format!(
                "set aside {n} SQL {} under test-data or vendored folders (e.g. {first}); name \
                 them or point --root at their folder to check them",
                plural(n)
            )),
            SkipReason::Superseded { history, baseline } => out.push(format!(
                "{n} {} of {history} at or below its baseline {baseline}: read, not replayed",
                if n == 1 { "migration" } else { "migrations" }
            )),
        }
    }
    out
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// Human output options.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    pub color: bool,
    pub verbose: bool,
}
