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
